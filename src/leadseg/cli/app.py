"""``leadseg validate | count | apply | schema``: parse arguments, call the API, render."""

from pathlib import Path
from typing import Annotated

import typer

from leadseg.cli import common as c
from leadseg.cli.base import app, options_from, run_options
from leadseg.cli.boundary import run


def _segments(segments: Path | None, at_least: float | None = None, at_most: float | None = None):
    """The quick segments, or the segment file's path (the API loads it, so that its
    problems and the export's column problems are reported together)."""
    from leadseg.errors import UsageError
    from leadseg.segments.quick import quick_segments

    c.finite("--at-least", at_least)
    c.finite("--at-most", at_most)
    if at_least is not None or at_most is not None:
        if segments is not None:
            raise UsageError("give either -s FILE or --at-least/--at-most, not both")
        return quick_segments(at_least, at_most)
    return segments or c.DEFAULT_SEGMENTS


@app.command()
def validate(
    segments: Annotated[Path, typer.Argument(help="Segment file to check.")] = c.DEFAULT_SEGMENTS,
    export: Annotated[
        str | None, typer.Option("--export", "-e", help="Also check columns against this export.")
    ] = None,
    encoding: c.EncodingOpt = "utf-8",
    delimiter: c.DelimiterOpt = None,
    escape: c.EscapeOpt = None,
    sheet: c.SheetOpt = None,
    header_row: c.HeaderRowOpt = None,
    input_format: c.InputFormatOpt = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    score_field: c.ScoreFieldOpt = None,
    date_format: c.DateFormatOpt = None,
    decimal_comma: c.DecimalCommaOpt = False,
    numbers: c.NumbersOpt = None,
    engine: c.EngineOpt = "auto",
    spark_master: c.SparkMasterOpt = None,
    debug: c.DebugOpt = False,
) -> None:
    """Check a segment file (and, with --export, its columns and a sample of its values)."""
    from leadseg.api import validate_segments
    from leadseg.printable import printable

    def action() -> None:
        c.choice("--format", output_format, ("text", "json"))
        options = run_options(
            encoding=encoding, delimiter=delimiter, escape=escape, input_format=input_format,
            sheet=sheet, header_row=header_row, decimal_comma=decimal_comma, numbers=numbers,
            score_field=score_field, date_format=date_format, engine=engine,
            spark_master=spark_master,
        )  # fmt: skip
        from leadseg.analysis.score_checks import limit_warnings

        found: list[str] = []
        result = validate_segments(segments, export, options, warnings=found)
        about_file = set(limit_warnings(result))  # the rest is about the export's values
        for warning in found:
            source = segments if warning in about_file else export
            typer.echo(printable(f"leadseg: warning: {source}: {warning}"), err=True)
        from leadseg.segments.splits import split_warnings

        for warning in split_warnings(result):
            typer.echo(printable(f"leadseg: warning: {segments}: {warning}"), err=True)
        if output_format == "json":
            from leadseg.cli.render import print_json

            print_json({"file": str(segments), "valid": True, "segments": result.names()})
        else:
            scores = f", {len(result.scores)} score(s)" if result.scores else ""
            typer.echo(printable(f"{segments}: ok, {len(result.segments)} segment(s){scores}"))

    run(action, debug=debug)


@app.command()
def count(
    export: c.ExportArg,
    segments: c.SegmentsOpt = None,
    at_least: Annotated[
        float | None, typer.Option("--at-least", help="Quick segment: score at least N.")
    ] = None,
    at_most: Annotated[
        float | None, typer.Option("--at-most", help="Quick segment: score at most M.")
    ] = None,
    score_field: c.ScoreFieldOpt = None,
    date_format: c.DateFormatOpt = None,
    engine: c.EngineOpt = "auto",
    spark_master: c.SparkMasterOpt = None,
    output_format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    as_of: c.AsOfOpt = None,
    encoding: c.EncodingOpt = "utf-8",
    delimiter: c.DelimiterOpt = None,
    escape: c.EscapeOpt = None,
    sheet: c.SheetOpt = None,
    header_row: c.HeaderRowOpt = None,
    input_format: c.InputFormatOpt = None,
    strict: c.StrictOpt = False,
    cache: c.CacheOpt = None,
    decimal_comma: c.DecimalCommaOpt = False,
    numbers: c.NumbersOpt = None,
    expect: c.ExpectOpt = None,
    max_change: c.MaxChangeOpt = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="FILE",
            help="The previous run for --max-change: a manifest.json or count --format json.",
        ),
    ] = None,
    quiet: c.QuietOpt = False,
    debug: c.DebugOpt = False,
) -> None:
    """Count each segment's contacts in one pass over the export."""
    arguments = dict(locals())
    from leadseg.api import count_segments
    from leadseg.cli.progress import progress_bar
    from leadseg.cli.render import OUTPUT_FORMATS, print_counts, warn_unreadable

    def action() -> None:
        c.choice("--format", output_format, OUTPUT_FORMATS)
        chosen = _segments(segments, at_least, at_most)
        options = options_from(arguments)
        if max_change is not None and baseline is None:
            raise c.UsageError(
                "--max-change compares with a previous run: name it with --baseline FILE",
                hint="a manifest.json of apply, or the output of count --format json",
            )
        guards = c.guards_of(expect, max_change, baseline)
        with progress_bar(export, quiet=quiet):
            result = count_segments(export, chosen, options, guards)
        warn_unreadable(result)
        print_counts(result, output_format)
        if result.guards is not None:
            from leadseg.outputs.guards import enforce

            enforce(result.guards, result.input, published=False)

    run(action, debug=debug)


@app.command()
def apply(
    export: c.ExportArg,
    output_dir: Annotated[Path, typer.Option("--output", "-o", help="Output directory.")],
    segments: c.SegmentsOpt = None,
    output_format: Annotated[
        str, typer.Option("--format", help="csv, tsv, parquet or ndjson.")
    ] = "csv",
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Write only this segment (repeatable).",
            autocompletion=c.segment_names,
        ),
    ] = None,
    file_mode: Annotated[
        str, typer.Option("--file-mode", help="Permissions of written files (octal).")
    ] = "600",
    mkdir: Annotated[bool, typer.Option("--mkdir", help="Create the output directory.")] = False,
    excel_safe: Annotated[
        bool,
        typer.Option(
            "--excel-safe", help="Prefix CSV cells that may run as formulas with ' (OWASP)."
        ),
    ] = False,
    excel_safe_column: Annotated[
        list[str] | None,
        typer.Option(
            "--excel-safe-column",
            metavar="COLUMN",
            help="Trust this column: never count or change its cells (repeatable).",
        ),
    ] = None,
    bom: c.BomOpt = False,
    wait_lock: Annotated[
        float,
        typer.Option(
            "--wait-lock",
            metavar="SECONDS",
            help="Wait this long for another run on the same output directory.",
        ),
    ] = 0.0,
    as_of: c.AsOfOpt = None,
    encoding: c.EncodingOpt = "utf-8",
    delimiter: c.DelimiterOpt = None,
    escape: c.EscapeOpt = None,
    sheet: c.SheetOpt = None,
    header_row: c.HeaderRowOpt = None,
    input_format: c.InputFormatOpt = None,
    strict: c.StrictOpt = False,
    cache: c.CacheOpt = None,
    decimal_comma: c.DecimalCommaOpt = False,
    numbers: c.NumbersOpt = None,
    score_field: c.ScoreFieldOpt = None,
    date_format: c.DateFormatOpt = None,
    engine: c.EngineOpt = "auto",
    spark_master: c.SparkMasterOpt = None,
    spark_parts: Annotated[
        bool,
        typer.Option(
            "--spark-parts", help="With --engine spark: each segment as Spark's part files."
        ),
    ] = False,
    expect: c.ExpectOpt = None,
    max_change: c.MaxChangeOpt = None,
    membership: Annotated[
        str | None,
        typer.Option(
            "--membership",
            metavar="FILE",
            help="Also write FILE (.csv or .parquet, in -o): a row a contact, a true/false "
            "column a segment.",
        ),
    ] = None,
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key", metavar="COLUMN", help="--membership's key column(s) [default: e-mail]."
        ),
    ] = None,
    workbook: Annotated[
        str | None,
        typer.Option(
            "--workbook",
            metavar="FILE.xlsx",
            help="Also write an Excel workbook (in -o): a summary sheet, a sheet a segment.",
        ),
    ] = None,
    with_scores: Annotated[
        bool,
        typer.Option(
            "--with-scores",
            help="Add the segment file's score and grade columns after the export's, in "
            "every file.",
        ),
    ] = False,
    quiet: c.QuietOpt = False,
    debug: c.DebugOpt = False,
) -> None:
    """Write one file per segment plus manifest.json into the output directory."""
    arguments = dict(locals())
    import sys

    from leadseg.api import apply_segments
    from leadseg.cli.progress import progress_bar
    from leadseg.cli.render import print_counts, warn_formulas, warn_unreadable
    from leadseg.outputs.writers import OUTPUT_SUFFIXES

    def action() -> None:
        c.choice("--format", output_format, tuple(OUTPUT_SUFFIXES))
        c.finite("--wait-lock", wait_lock)
        mode = c.parse_file_mode(file_mode)
        members = None
        if membership is not None:
            from leadseg.outputs.membership import Membership

            members = Membership.of(membership, tuple(key or ()))
        elif key:
            raise c.UsageError("--key goes with --membership FILE")
        book = None
        if workbook is not None:
            from leadseg.outputs.workbook import WorkbookOptions

            book = WorkbookOptions.of(workbook)
        options = options_from(arguments)
        with progress_bar(export, quiet=quiet):
            result = apply_segments(
                export,
                _segments(segments),
                output_dir,
                output_format=output_format,
                only=only,
                options=options,
                file_mode=mode,
                make_dir=mkdir,
                wait_lock=wait_lock,
                excel_safe=excel_safe,
                safe_columns=tuple(excel_safe_column or ()),
                bom=bom,
                spark_parts=spark_parts,
                guards=c.guards_of(expect, max_change),
                membership=members,
                workbook=book,
                with_scores=with_scores,
            )
        warn_unreadable(result.counts)
        warn_formulas(result)
        print_counts(result.counts, "table", sys.stderr)

    run(action, debug=debug)


@app.command()
def sql(
    segments: Annotated[Path, typer.Argument(help="Segment file.")] = c.DEFAULT_SEGMENTS,
    dialect: Annotated[
        str,
        typer.Option(
            "--dialect", help="duckdb, spark, databricks, bigquery, snowflake, postgres or trino."
        ),
    ] = "duckdb",
    table: Annotated[
        str, typer.Option("--table", help="The table (or db.schema.table) holding the contacts.")
    ] = "contacts",
    select: Annotated[
        str, typer.Option("--select", help="counts, flags, members (with --segment) or unreadable.")
    ] = "counts",
    segment: Annotated[
        str | None, typer.Option("--segment", help="The segment whose members to select.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="DATE|today", help="A date, or today for the SQL's CURRENT_DATE."
        ),
    ] = None,
    score_field: c.ScoreFieldOpt = None,
    date_format: c.DateFormatOpt = None,
    decimal_comma: c.DecimalCommaOpt = False,
    numbers: c.NumbersOpt = None,
    debug: c.DebugOpt = False,
) -> None:
    """Print one SQL statement that evaluates the segments in a warehouse or database."""
    from leadseg.api import segments_sql

    def action() -> None:
        from leadseg.engines.sql.compiler import DIALECTS, SELECTS

        c.choice("--dialect", dialect, DIALECTS)
        c.choice("--select", select, SELECTS)
        day = None if as_of in (None, "today") else c.parse_as_of(as_of)
        options = run_options(
            decimal_comma=decimal_comma, numbers=numbers, score_field=score_field,
            date_format=date_format,
        )  # fmt: skip
        text = segments_sql(
            segments, dialect=dialect, table=table, select=select, segment=segment,
            as_of=day, options=options,
        )  # fmt: skip
        typer.echo(text + ";")

    run(action, debug=debug)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the segment file (for editors)."""
    from leadseg.cli.render import print_json
    from leadseg.segments.file.models import json_schema

    print_json(json_schema())


def main() -> None:
    """Run the command line. ``leadseg COMMAND ...`` builds only that command (Typer would
    build all eleven, a tenth of a second's start-up on the way to any work); help and
    shell completion build them all. One program name however it is started."""
    import os
    import sys

    from leadseg.system import prepare_console

    prepare_console()
    args = sys.argv[1:]
    if args and not args[0].startswith("-") and "_LEADSEG_COMPLETE" not in os.environ:
        for info in app.registered_commands:
            if info.callback is not None and info.callback.__name__ == args[0]:
                command = typer.main.get_command_from_info(
                    info, pretty_exceptions_short=True, rich_markup_mode=None
                )
                command.context_settings.update(help_option_names=["-h", "--help"])
                command.main(args=args[1:], prog_name=f"leadseg {args[0]}")
                return
    app(prog_name="leadseg")


# The analysis and scoring commands register themselves on ``app`` after these (the order
# ``leadseg --help`` lists them in).
from leadseg.cli import analysis as _analysis  # noqa: E402,F401
from leadseg.cli import scoring as _scoring  # noqa: E402,F401
