"""The predict half: CSV rows -> groups -> censored fits -> model choice -> predicted and
observed speedups (one group, portfolios, core allocation) -> an Outcome -> export formats.
It reads only the results CSV (satspeed.results), never the run half."""
