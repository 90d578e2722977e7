"""User-facing errors: one clear line, no traceback."""

import os


class SatspeedError(Exception):
    """An error caused by the user's input; the CLI prints it as one line and exits non-zero."""


class InputError(SatspeedError):
    """A problem with an input file, located at a path and (when known) a line number."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


def os_error(exc: OSError, path: str | os.PathLike[str], note: str = "") -> SatspeedError:
    """An I/O fault as one line: the file the OS names (else `path`), its reason and `note`,
    e.g. 'out/r.csv: no space left on device'."""
    where = os.fsdecode(exc.filename if exc.filename is not None else path)
    return SatspeedError(f"{where}: {os_reason(exc)}{note}")


def os_reason(exc: OSError) -> str:
    """The OS's reason, as part of a line: 'no space left on device'."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]
