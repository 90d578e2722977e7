"""`satspeed solvers`: the built-in kernels and the solver specs found on the search path."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from satspeed.specs import available_specs, search_path


def list_solvers() -> None:
    """Print one row per solver `--solver` accepts, and where specs are looked up."""
    table = Table(title="satspeed solvers")
    for heading in ("name", "kind", "parameters", "from", "ready"):
        table.add_column(heading)
    for spec in available_specs(skip_broken=True):
        if spec.external:
            what = "command: " + " ".join(spec.command or ())
            ready = "yes" if spec.available() else f"no: {spec.command[0]} not found"  # type: ignore[index]
        else:
            what, ready = f"kernel {spec.kernel}", "yes"
        params = ", ".join(f"{k}={v}" for k, v in spec.params) or (
            "published defaults" if not spec.external else "-")
        table.add_row(spec.name, what, params, spec.source, ready)
    out = Console()
    if not out.is_terminal:
        out = Console(width=160)
    out.print(table)
    out.print("spec files (NAME.toml) are looked up in: "
              + ", ".join(str(p) for p in search_path()))
