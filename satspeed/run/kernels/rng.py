"""xoshiro256** seeded by splitmix64: a small RNG whose stream is the same on every machine.

The state is a uint64[4] array, so a walk can be stopped and resumed between kernel calls.
"""

import numpy as np
from numba import njit

_U64 = np.uint64
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_INV_2_53 = 1.0 / 9007199254740992.0


@njit(cache=True)
def _rotl(x, k):
    return (x << _U64(k)) | (x >> _U64(64 - k))


@njit(cache=True)
def seed_state(state, seed):
    """Fill the uint64[4] `state` from a 64-bit seed with splitmix64 (never all zero)."""
    z = _U64(seed)
    for i in range(4):
        z = z + _GOLDEN
        x = z
        x = (x ^ (x >> _U64(30))) * _MIX1
        x = (x ^ (x >> _U64(27))) * _MIX2
        state[i] = x ^ (x >> _U64(31))


@njit(cache=True)
def next_u64(state):
    """Next 64-bit output of xoshiro256**."""
    result = _rotl(state[1] * _U64(5), 7) * _U64(9)
    t = state[1] << _U64(17)
    state[2] ^= state[0]
    state[3] ^= state[1]
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= t
    state[3] = _rotl(state[3], 45)
    return result


@njit(cache=True)
def uniform(state):
    """A float in [0, 1) with 53 random bits."""
    return float(next_u64(state) >> _U64(11)) * _INV_2_53


@njit(cache=True)
def below(state, n):
    """An integer in [0, n) for 0 < n < 2**32 (multiply-shift on the high 32 bits)."""
    return np.int64(((next_u64(state) >> _U64(32)) * _U64(n)) >> _U64(32))
