"""A non-editable install: the wheel built from this tree (offline, with the venv's setuptools)
holds every module and every bundled solver spec, and satspeed imported from it, not from the
checkout, offers every solver (`satspeed solvers`, `--solver ccasat`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc")


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    env.pop("SATSPEED_SOLVERS", None)
    env.update(kwargs.pop("env", {}))  # type: ignore[arg-type]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env,
                            **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def test_installed_wheel_offers_every_bundled_solver(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: the build leaves build/ and *.egg-info behind
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("satspeed", "solvers"):
        shutil.copytree(ROOT / name, source / name, ignore=SKIP)
    pip = [sys.executable, "-m", "pip"]
    _run([*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
          "-w", str(tmp_path / "dist"), str(source)])
    (wheel,) = (tmp_path / "dist").glob("satspeed-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "satspeed").rglob("*.py")}
    assert modules <= names, f"modules not in the wheel: {sorted(modules - names)}"
    specs = sorted((ROOT / "solvers").glob("*.toml"))
    assert specs and {f"satspeed/solvers/{p.name}" for p in specs} <= names

    site = tmp_path / "site"
    _run([*pip, "install", "--quiet", "--no-deps", "--no-index", "--target", str(site),
          str(wheel)])
    away = tmp_path / "elsewhere"  # no ./solvers here
    away.mkdir()
    env = {"PYTHONPATH": str(site)}  # dependencies from the venv, satspeed from the wheel
    where = _run([sys.executable, "-c", "import satspeed.run.specs as s; "
                  "print(s.__file__); print(s.BUNDLED); print(s.find_spec('ccasat').source)"],
                 cwd=away, env=env).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in where), where
    listed = _run([sys.executable, "-m", "satspeed", "solvers"], cwd=away, env=env).stdout
    first = {line.split()[0] for line in listed.splitlines() if line.strip()}
    from satspeed.run.specs import builtin_specs, load_spec

    for name in [*builtin_specs(), *(load_spec(p).name for p in specs)]:
        assert name in first, f"{name} not listed:\n{listed}"
