"""Names written into the CSV's `solver` and `params` columns, shared by both halves: solver
names (as in solver specs), parameters (`key=value,...`) and mixed-portfolio labels.

A portfolio is written `probsat*8+sparrow*8` (names sorted, zero counts left out), its
parameters `probsat:<params>;sparrow:<params>` in the same order: the `solver` and `params` of
a mixed race's row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from satspeed.errors import SatspeedError

MEASURES = ("flips", "cpu_s", "wall_s")  # the CSV columns a runtime is measured in
SOLVER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # a solver's name: a spec's `name`
_MEMBER = re.compile(rf"({SOLVER_NAME.pattern})\*([1-9][0-9]*)")


def parse_portfolio(text: str) -> dict[str, int]:
    """'probsat=8,sparrow=8' -> {'probsat': 8, 'sparrow': 8}; a SatspeedError (one line) when
    an item is not NAME=COUNT with a positive integer count, or a name comes twice."""
    if not text.strip():
        raise SatspeedError("empty portfolio: expected NAME=COUNT,... like probsat=8,sparrow=8")
    counts: dict[str, int] = {}
    for item in text.split(","):
        name, equals, count = (part.strip() for part in item.partition("="))
        if not equals or not name or not count:
            raise SatspeedError(f"portfolio '{text}': '{item.strip()}' is not NAME=COUNT "
                                "(like probsat=8)")
        if not SOLVER_NAME.fullmatch(name):
            raise SatspeedError(f"portfolio '{text}': '{name}' is not a solver name")
        if not re.fullmatch(r"[0-9]+", count) or int(count) < 1:
            raise SatspeedError(f"portfolio '{text}': the count of {name}, '{count}', is not "
                                "a positive integer")
        if name in counts:
            raise SatspeedError(f"portfolio '{text}': {name} is given twice")
        counts[name] = int(count)
    return counts


def portfolio_label(counts: Mapping[str, int]) -> str:
    """{'sparrow': 2, 'probsat': 2} -> 'probsat*2+sparrow*2' (sorted; zero counts left out)."""
    label = "+".join(f"{name}*{counts[name]}" for name in sorted(counts) if counts[name] > 0)
    if not label:
        raise ValueError("a portfolio needs at least one walker")
    return label


def parse_label(text: str) -> dict[str, int] | None:
    """The counts of a portfolio label ('probsat*2+sparrow*2'), or None for a plain solver."""
    counts: dict[str, int] = {}
    for part in text.split("+"):
        match = _MEMBER.fullmatch(part)
        if match is None or match[1] in counts:
            return None
        counts[match[1]] = int(match[2])
    return counts


def portfolio_params(params: Mapping[str, str]) -> str:
    """{'sparrow': 'ps=0.4', 'probsat': 'cb=2.06'} -> 'probsat:cb=2.06;sparrow:ps=0.4'."""
    return ";".join(f"{name}:{params[name]}" for name in sorted(params))


def format_params(params: dict[str, object]) -> str:
    """Canonical one-string form, e.g. 'caching=0,cb=2.06,eps=0.9,fct=poly'."""

    def text(value: object) -> str:
        if isinstance(value, bool):
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)

    return ",".join(f"{key}={text(params[key])}" for key in sorted(params))


def parse_params(text: str) -> dict[str, str]:
    """A `params` column (format_params' form) as key -> value text; a part without '='
    (free text given to `satspeed import --params`) is a key of its own with the value ''."""
    pairs = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        pairs[key.strip()] = value.strip()
    return pairs
