"""``leadseg score``: the export with its score columns, for a CRM import."""

from pathlib import Path
from typing import Annotated

import typer

from leadseg.cli import common as c
from leadseg.cli.base import app, options_from
from leadseg.cli.boundary import run
from leadseg.cli.progress import progress_bar


@app.command()
def score(
    export: c.ExportArg,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The file to write (.csv .tsv .parquet .ndjson).")
    ],
    segments: c.SegmentsOpt = None,
    output_format: Annotated[
        str | None,
        typer.Option("--format", help="csv, tsv, parquet or ndjson [default: by -o's extension]."),
    ] = None,
    report_format: Annotated[
        str, typer.Option("--report", help="What is printed: table or json.")
    ] = "table",
    file_mode: Annotated[
        str, typer.Option("--file-mode", help="Permissions of the file written (octal).")
    ] = "600",
    bom: c.BomOpt = False,
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
    quiet: c.QuietOpt = False,
    debug: c.DebugOpt = False,
) -> None:
    """Write the whole export with the segment file's score and grade columns after its
    own (scores: and grades:), whole or not at all."""
    arguments = dict(locals())
    from leadseg.api import score_export
    from leadseg.cli.render import warn_unreadable
    from leadseg.cli.render_analysis import print_scores

    def action() -> None:
        c.choice("--report", report_format, ("table", "json"))
        mode = c.parse_file_mode(file_mode)
        options = options_from(arguments)
        with progress_bar(export, quiet=quiet):
            result = score_export(
                export, segments or c.DEFAULT_SEGMENTS, output, output_format=output_format,
                options=options, file_mode=mode, bom=bom,
            )  # fmt: skip
        warn_unreadable(result.counts)
        print_scores(result, report_format)

    run(action, debug=debug)
