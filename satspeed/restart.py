"""Restart strategies: what the CSV's `restart` column says, and the cutoff of each try.

A restarted run starts again from a fresh random assignment, with a seed of its own, each time
a try reaches its cutoff in flips: `fixed:T` gives every try T flips, `luby:U` gives try i
U x t_i flips, t_i Luby's sequence 1, 1, 2, 1, 1, 2, 4, ... (Luby, Sinclair & Zuckerman
1993). The run's flips are the sum over its tries. Both halves use this module: the run side
to make such runs, the predict side to predict them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

KINDS = ("fixed", "luby")
_TEXT = re.compile(rf"({'|'.join(KINDS)}):([1-9][0-9]*)")


def luby_term(i: int) -> int:
    """t_i, the i-th term (from 1) of Luby's sequence: 2^(k-1) where i = 2^k - 1, else
    t_(i - 2^(k-1) + 1) with 2^(k-1) <= i < 2^k - 1."""
    if i < 1:
        raise ValueError(f"Luby's sequence starts at term 1, not {i}")
    while True:
        k = i.bit_length()
        if i == (1 << k) - 1:
            return 1 << (k - 1)
        i -= (1 << (k - 1)) - 1


def luby_sequence(count: int) -> np.ndarray:
    """The first `count` terms of Luby's sequence 1, 1, 2, 1, 1, 2, 4, 1, 1, 2, ..."""
    return np.array([luby_term(i) for i in range(1, count + 1)], dtype=np.int64)


@dataclass(frozen=True)
class Restart:
    """A restart strategy: `kind` fixed or luby, `unit` its cutoff (fixed) or unit (luby):
    flips, a positive integer, for runs; any positive number in the measure predicted."""

    kind: str
    unit: float

    @property
    def text(self) -> str:
        """As the CSV's `restart` column and the --restart option write it: 'luby:100'."""
        return f"{self.kind}:{self.unit:.15g}"

    def cutoff(self, attempt: int) -> float:
        """The cutoff of try `attempt` (from 1)."""
        return self.unit if self.kind == "fixed" else self.unit * luby_term(attempt)


def parse_restart(text: str) -> Restart:
    """'fixed:T' or 'luby:U' (positive integers of flips); ValueError with what is wrong."""
    match = _TEXT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"expected fixed:FLIPS or luby:UNIT (a positive integer of flips), "
                         f"not {text!r}")
    return Restart(match[1], int(match[2]))


def attempt_seed(seed: int, attempt: int) -> int:
    """The seed of try `attempt` (from 1) of a restarted run with seed `seed`: the run's own
    seed for the first try, a 64-bit hash of both for the others."""
    if attempt == 1:
        return seed
    text = f"satspeed-restart|{seed}|{attempt}".encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little")
