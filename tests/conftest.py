"""The suite's output must not depend on the load of the machine that runs it: the warnings
about a disturbed machine are off (set here, so that every `python -m satspeed` subprocess
inherits it); tests/test_machine.py turns them on where it checks them."""

import os

from satspeed.sidecar import QUIET_MACHINE

os.environ.setdefault(QUIET_MACHINE, "1")
