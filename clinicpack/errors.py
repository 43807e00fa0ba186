"""One exception type for every mistake a user can make.

The command line prints these as one line, ``file:line: message``, with no traceback and a
non-zero exit. Library code raises them and never calls ``sys.exit``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class BuildError(Exception):
    """A problem in the user's input, with where it is and how to fix it.

    ``key`` names the field for a patient's details (``date_of_birth``...), so the command
    line can name its option, a CSV report its column and the front desk the form field
    (clinicpack.patients.FIELDS maps one to the others). Public name: ``clinicpack.UserError``.
    """

    def __init__(self, message: str, file: Path | str | None = None, line: int | None = None, key: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.key = key

    def __reduce__(self):  # noqa: ANN204
        """Travels back from a worker process whole (subclasses with other ``__init__``
        arguments too): an exception that cannot be unpickled stops multiprocessing's result
        thread, and the batch would wait for ever."""
        return (_rebuilt, (type(self), self.args, self.__dict__))

    def located(self, file: Path | str | None, line: int | None) -> BuildError:
        """The same error, placed at a file and line (a CSV row)."""
        return BuildError(self.message, file, line, self.key)

    def __str__(self) -> str:
        return self.report()

    def report(self, kind: str = "") -> str:
        """``file:line: [kind: ]message``, the format editors and CI logs can jump to."""
        where = display_path(self.file) if self.file is not None else ""
        if where and self.line:
            where = f"{where}:{self.line}"
        text = f"{kind}: {self.message}" if kind else self.message
        return one_line(f"{where}: {text}" if where else text)


def one_line(text: str) -> str:
    """A message as one terminal line: line breaks, control and bidi-override characters quoted
    from the user's files are shown escaped (``\\n``, ``\\x07``, ``\\u202e``), never acted on."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


UserError = BuildError


def _rebuilt(cls: type[BuildError], args: tuple, state: dict) -> BuildError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class BuildErrors(Exception):
    """Several independent problems found in one run, reported together."""

    def __init__(self, errors: list[BuildError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


def display_path(path: Path | str) -> str:
    """Paths relative to the working directory when possible: shorter and clickable."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean "x"?)' hint, or an empty string when nothing is close (difflib is
    imported here: only a build with a mistake in it needs it)."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""
