"""``leadseg describe | explain | overlap``: the analyst's questions, each one pass over the
export with the options ``count`` takes."""

from pathlib import Path
from typing import Annotated

import typer

from leadseg.cli import common as c
from leadseg.cli.base import app, options_from
from leadseg.cli.boundary import run
from leadseg.cli.progress import progress_bar

ChartOpt = Annotated[
    Path | None,
    typer.Option(
        "--chart", metavar="FILE", help="Also draw it: .png, .svg or .html (leadseg[charts])."
    ),
]


@app.command()
def describe(
    export: c.ExportArg,
    field: Annotated[
        list[str] | None,
        typer.Option("--field", "-f", help="Column to describe (repeatable) [default: score]."),
    ] = None,
    every_column: Annotated[bool, typer.Option("--all", help="Describe every column.")] = False,
    bins: Annotated[int, typer.Option("--bins", help="Histogram bins of a number.")] = 10,
    segments: Annotated[
        Path | None,
        typer.Option(
            "--segments", "-s", help="Read columns as this segment file does; mark its thresholds."
        ),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    chart: ChartOpt = None,
    score_field: c.ScoreFieldOpt = None,
    date_format: c.DateFormatOpt = None,
    engine: c.EngineOpt = "auto",
    spark_master: c.SparkMasterOpt = None,
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
    quiet: c.QuietOpt = False,
    debug: c.DebugOpt = False,
) -> None:
    """Show what a column holds, read as segments read it: blanks, unreadable values,
    range, quantiles, histogram and thresholds; or a date's range, or common text."""
    arguments = dict(locals())
    from leadseg.api import describe_export
    from leadseg.cli.render_analysis import print_description

    def action() -> None:
        c.choice("--format", output_format, ("table", "json"))
        if not 1 <= bins <= 1000:
            raise c.UsageError("--bins must be between 1 and 1000")
        if chart is not None:
            c.chart_format(chart)
        options = options_from(arguments)
        with progress_bar(export, quiet=quiet):
            result = describe_export(
                export, field, every_column=every_column, segments=segments, bins=bins,
                options=options,
            )  # fmt: skip
        if chart is not None:
            from leadseg.analysis.charts import save_description_chart

            save_description_chart(result, chart)
        print_description(result, output_format)

    run(action, debug=debug)


@app.command()
def explain(
    export: c.ExportArg,
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[SEGMENT]...",
            help="Segments to explain [default: all].",
            autocompletion=c.segment_names,
        ),
    ] = None,
    segments: c.SegmentsOpt = None,
    score: Annotated[
        str | None,
        typer.Option(
            "--score", metavar="NAME", help="Explain this score of the file: points per rule."
        ),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    score_field: c.ScoreFieldOpt = None,
    date_format: c.DateFormatOpt = None,
    engine: c.EngineOpt = "auto",
    spark_master: c.SparkMasterOpt = None,
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
    quiet: c.QuietOpt = False,
    debug: c.DebugOpt = False,
) -> None:
    """Show why each segment has its count: after each criterion, how many contacts are
    kept, dropped, and dropped for lack of a value. With --score, how a score is made."""
    arguments = dict(locals())
    from leadseg.api import explain_score, explain_segments
    from leadseg.cli.render import warn_unreadable
    from leadseg.cli.render_analysis import print_score_waterfall, print_waterfalls

    def action() -> None:
        c.choice("--format", output_format, ("table", "json"))
        options = options_from(arguments)
        chosen = segments or c.DEFAULT_SEGMENTS
        if score is not None:
            if names:
                raise c.UsageError("give either segments to explain or --score NAME")
            with progress_bar(export, quiet=quiet):
                waterfall = explain_score(export, chosen, score, options)
            print_score_waterfall(waterfall, output_format)
            return
        with progress_bar(export, quiet=quiet):
            result = explain_segments(export, chosen, names, options)
        warn_unreadable(result)
        print_waterfalls(result, output_format)

    run(action, debug=debug)


@app.command()
def overlap(
    export: c.ExportArg,
    segments: c.SegmentsOpt = None,
    output_format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    chart: ChartOpt = None,
    score_field: c.ScoreFieldOpt = None,
    date_format: c.DateFormatOpt = None,
    engine: c.EngineOpt = "auto",
    spark_master: c.SparkMasterOpt = None,
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
    quiet: c.QuietOpt = False,
    debug: c.DebugOpt = False,
) -> None:
    """Show how many contacts each pair of segments shares, and the largest exact
    combinations of segments."""
    arguments = dict(locals())
    from leadseg.api import overlap_segments
    from leadseg.cli.render import warn_unreadable
    from leadseg.cli.render_analysis import print_overlap

    def action() -> None:
        c.choice("--format", output_format, ("table", "json", "csv"))
        if chart is not None:
            c.chart_format(chart)
        options = options_from(arguments)
        with progress_bar(export, quiet=quiet):
            result = overlap_segments(export, segments or c.DEFAULT_SEGMENTS, options)
        warn_unreadable(result)
        if chart is not None:
            from leadseg.analysis.charts import save_overlap_chart

            save_overlap_chart(result, chart)
        print_overlap(result, output_format)

    run(action, debug=debug)


@app.command()
def report(
    export: c.ExportArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="The page to write (.html).")],
    segments: c.SegmentsOpt = None,
    score_field: c.ScoreFieldOpt = None,
    date_format: c.DateFormatOpt = None,
    engine: c.EngineOpt = "auto",
    spark_master: c.SparkMasterOpt = None,
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
    quiet: c.QuietOpt = False,
    debug: c.DebugOpt = False,
) -> None:
    """Write one self-contained HTML page to mail a colleague: counts, the score histogram
    with the thresholds, the overlap heat map, every waterfall, unreadable values and
    provenance."""
    arguments = dict(locals())
    from leadseg.api import report_data
    from leadseg.cli.render import warn_unreadable

    def action() -> None:
        c.chart_format(output, "--output", (".html",), needs="leadseg report (its charts)")
        options = options_from(arguments)
        with progress_bar(export, quiet=quiet):
            data = report_data(export, segments or c.DEFAULT_SEGMENTS, options)
        warn_unreadable(data.waterfalls)
        from leadseg.analysis.report_page import report_page
        from leadseg.outputs.single_file import write_whole

        write_whole(output, report_page(data).encode("utf-8"))
        if not quiet:
            typer.echo(f"leadseg: wrote {output} ({data.rows:,} contacts)", err=True)

    run(action, debug=debug)


@app.command()
def diff(
    old: Annotated[str, typer.Argument(metavar="OLD", help="The earlier export.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="The later export.")],
    key: Annotated[
        str, typer.Option("--key", "-k", help="Column matching contacts (trimmed, any case).")
    ],
    segments: c.SegmentsOpt = None,
    output_format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Also write <slug>.entered.csv and <slug>.left.csv here."
        ),
    ] = None,
    mkdir: Annotated[bool, typer.Option("--mkdir", help="Create the output directory.")] = False,
    bom: c.BomOpt = False,
    score_field: c.ScoreFieldOpt = None,
    date_format: c.DateFormatOpt = None,
    engine: c.EngineOpt = "auto",
    spark_master: c.SparkMasterOpt = None,
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
    quiet: c.QuietOpt = False,
    debug: c.DebugOpt = False,
) -> None:
    """Show who entered and who left each segment between two exports, matched by a key
    column."""
    arguments = dict(locals())
    from leadseg.api import diff_exports
    from leadseg.cli.render_analysis import print_diff, warn_keys

    def action() -> None:
        c.choice("--format", output_format, ("table", "json", "csv"))
        options = options_from(arguments)
        with progress_bar(old, new, quiet=quiet):
            result = diff_exports(
                old, new, segments or c.DEFAULT_SEGMENTS, key, options, output_dir, mkdir, bom
            )
        warn_keys(result)
        print_diff(result, output_format)

    run(action, debug=debug)


@app.command()
def init(
    export: c.ExportArg,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The segment file to write.")
    ] = c.DEFAULT_SEGMENTS,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    score_field: c.ScoreFieldOpt = None,
    engine: c.EngineOpt = "auto",
    encoding: c.EncodingOpt = "utf-8",
    delimiter: c.DelimiterOpt = None,
    escape: c.EscapeOpt = None,
    sheet: c.SheetOpt = None,
    header_row: c.HeaderRowOpt = None,
    input_format: c.InputFormatOpt = None,
    decimal_comma: c.DecimalCommaOpt = False,
    numbers: c.NumbersOpt = None,
    quiet: c.QuietOpt = False,
    debug: c.DebugOpt = False,
) -> None:
    """Write a first, commented segment file for this export: high and low score segments
    from its quantiles, and examples on its own columns."""
    arguments = dict(locals())
    from leadseg.api import starter_segments

    def action() -> None:
        from leadseg.errors import Location, OutputCreateError
        from leadseg.outputs.single_file import check_writable, write_whole

        if output.exists() and not force:
            raise OutputCreateError(
                f"{output} exists", location=Location(file=str(output)),
                hint="choose another name with -o, or add --force to replace it",
            )  # fmt: skip
        check_writable(output, "--output")
        options = options_from(arguments)
        with progress_bar(export, quiet=quiet):
            text = starter_segments(export, options)
        write_whole(output, text.encode("utf-8"), mode=0o644)
        if not quiet:
            from leadseg.system import quote

            typer.echo(f"leadseg: wrote {output}: check it with leadseg validate "
                       f"{quote(str(output))} --export {quote(export)}", err=True)  # fmt: skip

    run(action, debug=debug)
