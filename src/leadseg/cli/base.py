"""The ``leadseg`` Typer application every command module registers on, and the run options
built from a command's arguments (shared by ``app``, ``analysis`` and ``scoring``)."""

from pathlib import Path
from typing import Annotated, Any

import typer

from leadseg.cli import common as c

app = typer.Typer(
    name="leadseg",
    help="Turn a marketing contact export into lead-score segments.",
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from leadseg import __version__

        typer.echo(f"leadseg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Turn a marketing contact export into lead-score segments."""


def run_options(
    *,
    as_of: str | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    escape: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    input_format: str | None = None,
    strict: bool = False,
    cache: Path | None = None,
    decimal_comma: bool = False,
    numbers: str | None = None,
    score_field: str | None = None,
    date_format: list[str] | None = None,
    engine: str = "auto",
    spark_master: str | None = None,
):
    from leadseg.engines.plan import RunOptions
    from leadseg.exports.readers import ReadOptions

    read = ReadOptions(
        encoding=encoding, delimiter=delimiter, input_format=input_format, cache_dir=cache,
        escape=escape, remember_structure=True, sheet=sheet, header_row=header_row,
    )  # fmt: skip
    return RunOptions(
        read=read,
        as_of=c.parse_as_of(as_of),
        strict=strict,
        decimal_comma=decimal_comma,
        score_field=score_field,
        date_formats=c.parse_date_formats(date_format),
        number_forms=c.parse_number_forms(numbers),
        remember_segment_files=True,
        engine=engine,
        spark_master=spark_master,
    )


def options_from(given: dict) -> Any:
    """The run options from a command's arguments (its ``locals()``): those of
    ``run_options`` it has."""
    import inspect

    known = inspect.signature(run_options).parameters
    return run_options(**{k: v for k, v in given.items() if k in known})
