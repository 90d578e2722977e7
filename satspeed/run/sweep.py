"""Parameter sweeps: `satspeed run --param cb=2.0,2.06,2.3 --param eps=0.9,1.0` makes one spec
per setting of the cross product, each a spec of its own with the values as overrides (so its
`params` column and its seeds differ from the others')."""

from __future__ import annotations

import itertools
from dataclasses import replace

from satspeed.errors import SatspeedError
from satspeed.run.formula.cnf import tiny_formula
from satspeed.run.specs import SolverSpec, resolve_params

Sweep = tuple[tuple[str, tuple[str, ...]], ...]  # (name, values as given) per --param


def parse_param(text: str) -> tuple[str, tuple[str, ...]]:
    """'cb=2.0,2.06' -> ('cb', ('2.0', '2.06')); a SatspeedError when it is not NAME=V,..."""
    name, equals, values = (part.strip() for part in text.partition("="))
    items = tuple(v.strip() for v in values.split(","))
    if not equals or not name or not all(items):
        raise SatspeedError(f"expected NAME=VALUE,VALUE,... like cb=2.0,2.3, not {text!r}")
    if len(set(items)) < len(items):
        raise SatspeedError(f"{name}: a value is given twice in {text!r}")
    return name, items


def defaults(spec: SolverSpec) -> dict[str, object]:
    """The parameters `spec` has, with a value of each (to take the type from): an external
    command's extra placeholders, or a kernel's parameters resolved on a tiny formula."""
    return resolve_params(spec, tiny_formula())


def _typed(name: str, text: str, like: object) -> object:
    """`text` as a value of the type of `like` (the parameter's default)."""
    try:
        if isinstance(like, bool):
            truth = {"1": True, "true": True, "0": False, "false": False}
            return truth[text.lower()]
        if isinstance(like, (int, float)):
            value = float(text)
            return int(value) if isinstance(like, int) and value == int(value) else value
    except (KeyError, ValueError):
        kind = "0 or 1 (or true, false)" if isinstance(like, bool) else "a number"
        raise SatspeedError(f"{name}: {text!r} is not {kind}") from None
    return text


def settings(spec: SolverSpec, sweep: Sweep) -> list[SolverSpec]:
    """One spec per setting of the sweep's cross product (the spec alone for no sweep); a
    SatspeedError names a parameter the solver does not have or a value it refuses."""
    if not sweep:
        return [spec]
    known = defaults(spec)
    for name, _ in sweep:
        if name not in known:
            has = ", ".join(sorted(known)) or "none"
            raise SatspeedError(f"{spec.name} has no parameter {name!r} (its parameters: "
                                f"{has})")
    choices = [[(name, _typed(name, v, known[name])) for v in values] for name, values in sweep]
    found = []
    for setting in itertools.product(*choices):
        swept = replace(spec, params=tuple(sorted({**spec.given, **dict(setting)}.items())))
        defaults(swept)  # the kernel checks each value (range, choices) here
        found.append(swept)
    return found
