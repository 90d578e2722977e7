"""numba kernels: pure functions over flat arrays, one module per algorithm, no I/O.

Every kernel follows one contract (see DESIGN.md): the walk's state lives in arrays passed in,
a call makes at most `max_flips` flips and returns `(solved, flips_done)`, and the same seed
gives the same trajectory on every machine (the RNG is our own, in `rng.py`).
"""

import hashlib
from pathlib import Path


def _drop_stale_cache() -> None:
    """numba's cache=True only notices changes to a kernel's own file, not to the helpers it
    calls from other files; so when any kernel source changes, drop every cached kernel."""
    here = Path(__file__).parent
    sources = sorted(here.glob("*.py"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()
    cache = here / "__pycache__"
    stamp = cache / "satspeed-kernels.sha256"
    try:
        if stamp.read_text() == digest:
            return
    except OSError:
        pass
    try:
        cache.mkdir(exist_ok=True)
        for path in [*cache.glob("*.nbi"), *cache.glob("*.nbc")]:
            path.unlink(missing_ok=True)
        stamp.write_text(digest)
    except OSError:  # a read-only install: numba falls back to its own cache location
        pass


_drop_stale_cache()
