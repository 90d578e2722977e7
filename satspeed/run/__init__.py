"""The run half: CNF file -> Formula (formula/) -> kernel runs (kernels/, algorithms/, builtin,
external; which solver: specs) -> CSV rows (plan, worker, campaign, engines/, display).
It writes the results CSV (satspeed.results), and knows nothing of the predict half."""
