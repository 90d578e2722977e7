"""Solver specifications: a name, and either a built-in kernel with parameters or an external
command. Built-in kernels are specs of their own name; TOML files add configurations:

    # solvers/sparrow-tuned.toml                # solvers/probsat-c.toml
    kernel = "sparrow"                          command = ["probSAT", "--maxflips",
    [params]                                               "{max_flips}", "{instance}", "{seed}"]
    sp = 0.4                                    flips = 'c numFlips\\s*:\\s*(\\d+)'

`--solver NAME` looks for NAME.toml in $SATSPEED_SOLVERS, ./solvers and the bundled solvers/
directory, then among the built-in kernels; `--solver path/to/spec.toml` loads that file.
"""

from __future__ import annotations

import os
import re
import shutil
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path

from satspeed.errors import InputError, SatspeedError
from satspeed.labels import SOLVER_NAME

PLACEHOLDERS = ("instance", "seed", "seed32", "max_flips", "timeout")


def _bundled() -> Path:
    """The bundled specs: in an installed wheel the package data satspeed/solvers/ (made
    from the repository's solvers/, see pyproject.toml), in a checkout solvers/ itself."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "solvers"
    return installed if installed.is_dir() else package.parent / "solvers"


BUNDLED = _bundled()


@dataclass(frozen=True)
class SolverSpec:
    """A configured solver. `params` are overrides of the kernel's published defaults, or the
    values of an external command's extra placeholders."""

    name: str
    source: str = "built-in"
    kernel: str | None = None
    params: tuple[tuple[str, object], ...] = ()
    command: tuple[str, ...] | None = None
    flips_regex: str | None = None
    description: str = ""

    @property
    def external(self) -> bool:
        return self.command is not None

    @property
    def given(self) -> dict[str, object]:
        return dict(self.params)

    def available(self) -> bool:
        """Whether the solver can run here (an external command's program is found)."""
        if self.command is None:
            return True
        program = self.command[0]
        return shutil.which(program) is not None or Path(program).is_file()


def search_path() -> list[Path]:
    """Where spec files are looked up, in order."""
    dirs = [Path(p) for p in os.environ.get("SATSPEED_SOLVERS", "").split(os.pathsep) if p]
    unique: dict[Path, Path] = {}
    for path in [*dirs, Path("solvers"), BUNDLED]:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def builtin_specs() -> dict[str, SolverSpec]:
    from satspeed.run.algorithms import ALGORITHMS

    return {name: SolverSpec(name, kernel=name, description=a.summary)
            for name, a in ALGORITHMS.items()}


def load_spec(path: Path) -> SolverSpec:
    """Read and check one TOML spec; a problem is one InputError naming the file (and line)."""
    from satspeed.run.algorithms import ALGORITHMS

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise InputError(str(path), f"bad TOML: {message}",
                         int(match.group(1)) if match else None) from None

    def bad(message: str) -> InputError:
        return InputError(str(path), message)

    known = {"name", "description", "kernel", "params", "command", "flips"}
    unknown = sorted(set(data) - known)
    if unknown:
        return_keys = ", ".join(sorted(known))
        raise bad(f"unknown key {unknown[0]!r} (known: {return_keys})")
    name = data.get("name", path.name.removesuffix(".toml"))
    if not isinstance(name, str) or not SOLVER_NAME.fullmatch(name):
        raise bad(f"name must be letters, digits, '.', '_' or '-', not {name!r}")
    params = data.get("params", {})
    if not isinstance(params, dict) or any(
            not isinstance(v, (bool, int, float, str)) for v in params.values()):
        raise bad("[params] must map names to numbers, booleans or strings")
    kernel, command = data.get("kernel"), data.get("command")
    if (kernel is None) == (command is None):
        raise bad("give either kernel = \"<name>\" or command = [\"program\", \"{instance}\", ...]")
    if kernel is not None and kernel not in ALGORITHMS:
        raise bad(f"unknown kernel {kernel!r} (built-in: {', '.join(ALGORITHMS)})")
    flips = data.get("flips")
    if command is not None:
        if (not isinstance(command, list) or not command
                or not all(isinstance(a, str) for a in command)):
            raise bad("command must be a non-empty list of strings")
        fields = set(PLACEHOLDERS) | set(params)
        for arg in command:
            for field in re.findall(r"\{([^{}]*)\}", arg):
                if field not in fields:
                    raise bad(f"command placeholder {{{field}}} is not one of "
                              f"{', '.join(sorted(fields))}")
        if "{instance}" not in "".join(command):
            raise bad("command must pass the instance: put {instance} in it")
    if flips is not None:
        if kernel is not None:
            raise bad("flips (a regex for an external solver's output) needs a command")
        try:
            if re.compile(flips).groups != 1:
                raise bad("flips must be a regex with one group capturing the flip count")
        except (re.error, TypeError) as exc:
            raise bad(f"flips is not a valid regex: {exc}") from None
    return SolverSpec(name, str(path), kernel, tuple(sorted(params.items())),
                      tuple(command) if command is not None else None, flips,
                      str(data.get("description", "")))


def available_specs(skip_broken: bool = False) -> list[SolverSpec]:
    """Built-in kernels, then every spec file on the search path (first one of a name wins);
    with `skip_broken`, a file that does not load is reported as a warning and left out."""
    found = dict(builtin_specs())
    from_files: dict[str, SolverSpec] = {}
    for directory in search_path():
        for path in sorted(directory.glob("*.toml")) if directory.is_dir() else []:
            try:
                spec = load_spec(path)
            except InputError as exc:
                if not skip_broken:
                    raise
                warnings.warn(f"skipped {exc}", stacklevel=2)
                continue
            if spec.name not in from_files:
                from_files[spec.name] = spec
    found.update(from_files)
    return list(found.values())


def find_spec(text: str) -> SolverSpec:
    """The spec for `--solver TEXT`: a .toml path, a spec name on the search path, or a kernel."""
    if text.endswith(".toml") or os.sep in text:
        return load_spec(Path(text))
    for directory in search_path():
        path = directory / f"{text}.toml"
        if path.is_file():
            return load_spec(path)
    builtins = builtin_specs()
    if text in builtins:
        return builtins[text]
    names = sorted({s.name for s in available_specs(skip_broken=True)})
    raise SatspeedError(f"unknown solver {text!r} (available: {', '.join(names)}; "
                        "or give a spec file path; see `satspeed solvers`)")


def resolve_params(spec: SolverSpec, formula) -> dict[str, object]:
    """The parameters a run of `spec` on `formula` uses (published defaults filled in)."""
    if spec.kernel is None:
        return spec.given
    from satspeed.run.algorithms import ALGORITHMS

    return ALGORITHMS[spec.kernel].params(formula, **spec.given)
