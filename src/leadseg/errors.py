"""One error hierarchy: every error is data with a code, a location and a hint.

The CLI maps each class to an exit code in one place (``cli/boundary.py``); the library
never prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from leadseg.exit_codes import ExitCode


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file and, when known, line/column, a YAML path or a data row."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    yaml_path: str | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Problem:
    """One finding, e.g. one bad key in a segment file."""

    code: str
    message: str
    location: Location = field(default_factory=Location)
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        data["location"] = self.location.to_dict()
        if self.hint:
            data["hint"] = self.hint
        return data


class LeadsegError(Exception):
    """Base of every error leadseg raises on purpose."""

    code = "error"
    exit_code = ExitCode.DATA_ERROR

    def __init__(
        self, message: str, *, location: Location | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    @property
    def problems(self) -> list[Problem]:
        return [Problem(self.code, self.message, self.location or Location(), self.hint)]

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "problems": [p.to_dict() for p in self.problems]}


class UsageError(LeadsegError):
    code = "usage"
    exit_code = ExitCode.USAGE


class ManyProblemsError(LeadsegError):
    """An error that carries every problem found in one run, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        unique = list(dict.fromkeys(problems))  # each problem once, first report kept
        self._problems = sorted(
            unique, key=lambda p: (p.location.line or 0, p.location.column or 0)
        )
        first = self._problems[0]
        super().__init__(first.message, location=first.location, hint=first.hint)

    @property
    def problems(self) -> list[Problem]:
        return list(self._problems)


class SegmentFileError(ManyProblemsError):
    """The segment file is invalid. ``partial`` holds the segments that are valid on their
    own (a ``SegmentSet``), so that column problems can join the same report."""

    code = "segment-file"
    exit_code = ExitCode.CONFIG_ERROR

    def __init__(self, problems: list[Problem], partial: Any = None) -> None:
        super().__init__(problems)
        self.partial = partial


class SegmentFileMissingError(SegmentFileError):
    code = "segment-file-missing"
    exit_code = ExitCode.NO_INPUT


class ExportMissingError(LeadsegError):
    code = "export-missing"
    exit_code = ExitCode.NO_INPUT


class ExportDataError(LeadsegError):
    code = "export-data"
    exit_code = ExitCode.DATA_ERROR


class UnknownColumnError(ManyProblemsError):
    """Segments name columns the export does not have (reported like segment-file errors)."""

    code = "unknown-column"
    exit_code = ExitCode.CONFIG_ERROR


class OutputCreateError(LeadsegError):
    code = "output-create"
    exit_code = ExitCode.CANT_CREATE


class OutputWriteError(LeadsegError):
    code = "output-write"
    exit_code = ExitCode.IO_ERROR


class MissingExtraError(LeadsegError):
    """A command needs an optional dependency that is not installed."""

    code = "missing-extra"
    exit_code = ExitCode.UNAVAILABLE


class EngineUnavailableError(LeadsegError):
    """An engine is installed but does not start (no Java for Spark, a Spark Connect
    server out of reach)."""

    code = "engine-unavailable"
    exit_code = ExitCode.UNAVAILABLE


def require(module: str, extra: str, what: str) -> None:
    """Raise ``MissingExtraError`` naming the install command when ``module`` is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingExtraError(
            f"{what} needs {module}, which is not installed",
            hint=f"pip install 'leadseg[{extra}]'",
        )


class OutputLockedError(LeadsegError):
    code = "output-locked"
    exit_code = ExitCode.TEMP_FAIL
