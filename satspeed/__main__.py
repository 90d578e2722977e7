"""`python -m satspeed` runs the command-line interface."""

from satspeed.cli import main

main()
