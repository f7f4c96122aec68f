"""Options shared by several commands, declared once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from leadseg.errors import UsageError

SegmentsOpt = Annotated[
    Path | None,
    typer.Option("--segments", "-s", help="Segment file [default: ./segments.yaml]."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", metavar="DATE", help="Date for relative day criteria [default: today]."
    ),
]
EncodingOpt = Annotated[
    str, typer.Option("--encoding", help="Text encoding of a CSV export (any Python codec).")
]
DelimiterOpt = Annotated[
    str | None,
    typer.Option("--delimiter", "-d", help="CSV delimiter [default: ',' or tab for .tsv]."),
]
InputFormatOpt = Annotated[
    str | None,
    typer.Option("--input-format", help="csv, parquet or ndjson [default: from the name]."),
]
StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="Values that are not blank and not a number/date are an error."),
]
CacheOpt = Annotated[
    Path | None,
    typer.Option(
        "--cache",
        metavar="DIR",
        envvar="LEADSEG_CACHE_DIR",
        help="Keep a columnar copy of a CSV export in DIR; unchanged files are read from it.",
    ),
]
DecimalCommaOpt = Annotated[
    bool, typer.Option("--decimal-comma", help="Numbers are written with a decimal comma: 12,5.")
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]
ExportArg = Annotated[str, typer.Argument(metavar="EXPORT", help="Contact export, or - for stdin.")]

DEFAULT_SEGMENTS = Path("segments.yaml")


def parse_as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of {text!r} is not a date", hint="use YYYY-MM-DD") from None


def parse_file_mode(text: str) -> int:
    try:
        mode = int(text.removeprefix("0o"), 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777 or mode & 0o600 != 0o600:
        raise UsageError(
            f"--file-mode {text!r} is not a usable octal mode",
            hint="e.g. 600 or 640 (the owner must be able to read and write)",
        )
    return mode
