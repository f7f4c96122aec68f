"""Options shared by several commands, declared once."""

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
    typer.Option(
        "--delimiter",
        "-d",
        help="CSV delimiter: , ; tab (or \\t) | comma semicolon pipe "
        "[default: sniffed; tab for .tsv/.tab].",
    ),
]
EscapeOpt = Annotated[
    str | None,
    typer.Option(
        "--escape",
        metavar="CHAR",
        help='A CSV escape character, as MySQL and PHP exports write \\" [default: none: '
        "quotes are doubled].",
    ),
]
InputFormatOpt = Annotated[
    str | None,
    typer.Option("--input-format", help="csv, parquet, ndjson or excel [default: from the name]."),
]
SheetOpt = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        metavar="NAME|NUMBER",
        help="A workbook's sheet: its name, or its number (1 = the first) [default: the first].",
    ),
]
HeaderRowOpt = Annotated[
    int | None,
    typer.Option(
        "--header-row",
        metavar="N",
        min=1,
        help="The row of a workbook's header (rows above it, a report's title, are skipped) "
        "[default: the sheet's first row that holds a value].",
    ),
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
        help="Keep a columnar copy of a CSV export (or a workbook's sheet) in DIR; unchanged "
        "files are read from it.",
    ),
]
NumbersOpt = Annotated[
    str | None,
    typer.Option(
        "--numbers",
        metavar="FORMS",
        help="Number forms to read, comma-separated: currency ($1,234 €), thousands "
        "(1,234.5), percent (12%), accounting ((1,200) = -1200), money (the first, second "
        "and fourth) [default: the segment file's numbers:].",
    ),
]


def parse_number_forms(text: str | None) -> tuple[str, ...] | None:
    """``--numbers currency,percent`` as the forms it names (``money`` expanded)."""
    if text is None:
        return None
    from leadseg.rules import NUMBER_FORM_SETS, NUMBER_FORMS
    from leadseg.segments.file.top_level import expand_number_forms

    named = [part.strip().lower() for part in text.split(",") if part.strip()]
    known = (*NUMBER_FORMS, *NUMBER_FORM_SETS)
    unknown = [n for n in named if n not in known]
    if unknown:
        raise UsageError(f"--numbers: unknown form {unknown[0]!r}", hint="use " + ", ".join(known))
    return expand_number_forms(named)


DecimalCommaOpt = Annotated[
    bool, typer.Option("--decimal-comma", help="Numbers are written with a decimal comma: 12,5.")
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]
EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        envvar="LEADSEG_ENGINE",
        help="auto, polars, duckdb or spark (duckdb/spark: their extras) [default: auto].",
    ),
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        metavar="URL",
        envvar="LEADSEG_SPARK_MASTER",
        help="With --engine spark: local[*] (default), spark://host:7077, yarn, ...",
    ),
]
ScoreFieldOpt = Annotated[
    str | None,
    typer.Option(
        "--score-field",
        metavar="COLUMN",
        help="Score column (overrides the segment file's score_field) [default: detected].",
    ),
]
DateFormatOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--date-format",
        metavar="FORMAT",
        help="Date form besides ISO 8601, as strftime codes, e.g. '%m/%d/%Y' (repeatable; "
        "overrides the segment file's dates.formats).",
    ),
]
ExportArg = Annotated[str, typer.Argument(metavar="EXPORT", help="Contact export, or - for stdin.")]

DEFAULT_SEGMENTS = Path("segments.yaml")


def parse_as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of {text!r} is not a date", hint="use YYYY-MM-DD") from None


def parse_date_formats(formats: list[str] | None) -> tuple[str, ...] | None:
    from leadseg.rules import DateFormat
    from leadseg.system import quote

    if not formats:
        return None
    for text in formats:
        try:
            DateFormat.parse(text)
        except ValueError as exc:
            raise UsageError(
                f"--date-format {text!r}: {exc}", hint=f"e.g. --date-format {quote('%d.%m.%Y')}"
            ) from None
    return tuple(formats)


def finite(option: str, value: float | None) -> float | None:
    """Non-finite numbers (nan, inf) are usage errors, as in a segment file."""
    import math

    if value is not None and not math.isfinite(value):
        raise UsageError(f"{option} {value}: needs a finite number")
    return value


def choice(option: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise UsageError(f"{option} {value!r}: use one of " + ", ".join(allowed))
    return value


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
    import sys

    from leadseg import system

    if not system.modes_apply():
        if mode != 0o600:
            print(
                f"leadseg: warning: --file-mode {mode:04o} has no effect on Windows: who may "
                "read the files is set by the output folder's permissions (its ACL)",
                file=sys.stderr,
            )
        return mode
    if mode & 0o022:
        who = "others" if mode & 0o002 else "the group"
        print(
            f"leadseg: warning: --file-mode {mode:04o} lets {who} change the segment files, "
            "which hold personal data (640 shares them read-only)",
            file=sys.stderr,
        )
    return mode


CHART_FORMATS = (".png", ".svg", ".html")


def chart_format(
    path: Path,
    option: str = "--chart",
    allowed: tuple[str, ...] = CHART_FORMATS,
    needs: str | None = None,
) -> str:
    """The format a chart's file name asks for, checked with its directory and the charts
    extra before any work starts (``needs``: what the missing extra's message names, the
    option by default: ``leadseg report`` for the report, whose page is its charts)."""
    from leadseg.errors import require
    from leadseg.outputs.single_file import check_writable

    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise UsageError(
            f"{option} {path}: the name must end in " + ", ".join(allowed),
            hint=f"e.g. {option} score{allowed[0]}",
        )
    check_writable(path, option)
    require("matplotlib", "charts", needs or option)
    return suffix


BomOpt = Annotated[
    bool,
    typer.Option(
        "--bom",
        help="Start CSV/TSV files with a UTF-8 byte-order mark, so that Excel on Windows "
        "shows accents right when the file is opened by a double click.",
    ),
]

QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bar and no 'wrote' line on stderr.")
]


ExpectOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--expect",
        metavar="NAME>=N|NAME<=N",
        help="Fail (exit 3) unless the segment's count is so; NAME ignoring case, * for "
        "every segment (repeatable).",
    ),
]
MaxChangeOpt = Annotated[
    float | None,
    typer.Option(
        "--max-change",
        metavar="PCT",
        help="Fail (exit 3) when a segment's count moved more than PCT % since the previous run.",
    ),
]


def guards_of(expect: list[str] | None, max_change: float | None, baseline: Path | None = None):
    """The guards the options ask for (the baseline read now, before any work)."""
    from leadseg.outputs.guards import Expectation, Guards, check_max_change, previous_counts

    check_max_change(max_change)
    counts = previous_counts(baseline) if baseline is not None else None
    return Guards(tuple(Expectation.parse(e) for e in expect or ()), max_change, counts)


def segment_names(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: the names of the segments in the command's segment file (-s, else
    ./segments.yaml) that start with what was typed (ignoring case); none when the file
    cannot be read."""
    path = ctx.params.get("segments") or DEFAULT_SEGMENTS
    try:
        from leadseg.segments.file import load_segments

        names = load_segments(Path(path)).names()
    except Exception:  # completion must never fail the shell
        return []
    return [name for name in names if name.casefold().startswith(incomplete.casefold())]
