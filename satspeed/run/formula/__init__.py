"""Formulas: the DIMACS reader (cnf), random instance generators (generate) and a
time-bounded CDCL satisfiability check (satcheck)."""
