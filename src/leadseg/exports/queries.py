"""Running Polars queries over an export, with the reader's failures turned into located
leadseg errors (exit 65/66). Engine-neutral code above this module never sees Polars'
exceptions or their text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadseg.errors import ExportDataError, ExportMissingError, Location

if TYPE_CHECKING:
    import polars as pl

    from leadseg.exports.readers import Export


def collect(query: pl.LazyFrame, export: Export) -> pl.DataFrame:
    """Run a query on the export, turning a Polars read error into a located leadseg error."""
    import polars as pl

    try:
        return query.collect(engine="streaming")
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise explain_read_failure(export, exc) from None


def collect_all(queries: list[pl.LazyFrame], *exports: Export) -> list[pl.DataFrame]:
    """Run queries together (a scan they share is read once) over one or more exports."""
    import polars as pl

    try:
        return pl.collect_all(queries, engine="streaming")
    except (pl.exceptions.PolarsError, OSError) as exc:
        for export in exports:
            locate_read_failure(export)  # raises when this export is the one at fault
        raise _unlocated(exports[0], exc) from None


def explain_read_failure(export: Export, exc: Exception) -> ExportDataError | ExportMissingError:
    """The located error behind a reader failure: the export changed or vanished, or the
    exact check names the bad row (it raises), or a general message."""
    locate_read_failure(export)
    return _unlocated(export, exc)


def _unlocated(export: Export, exc: Exception) -> ExportDataError | ExportMissingError:
    if isinstance(exc, OSError):  # the reader could not open or read the file
        return export.unreadable(exc)
    return ExportDataError(
        f"cannot read the export ({type(exc).__name__})",
        location=Location(file=export.display),
        hint="run with --debug for the reader's message",
    )


def locate_read_failure(export: Export) -> None:
    """Raise the located error when the export changed or is broken (the exact check
    names the bad row)."""
    from leadseg.exports.csv_structure import exact_check

    export.check_unchanged()  # a file cut or removed mid-run is an input problem
    if export.format == "csv":
        try:
            exact_check(
                export.local_path, export.display, len(export.columns), export.delimiter,
                export.escape,
            )  # fmt: skip
        except OSError as error:
            raise ExportMissingError(
                f"cannot read the export: {error.strerror or error}",
                location=Location(file=export.display),
            ) from None
