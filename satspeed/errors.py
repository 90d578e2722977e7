"""User-facing errors: one clear line, no traceback."""


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
