"""``apply``: one streaming pass over the export writes every segment file.

The export is read once, batch by batch; each batch carries one mask column per segment
and each selected segment's rows go to its file on a small thread pool (Polars releases the
GIL while it writes), while Polars already reads the next batch. Memory stays flat.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from leadseg.backends.polars import mask_column
from leadseg.engine import (
    Plan,
    RunOptions,
    check_unreadable,
    collect,
    explain_read_failure,
    merge_totals,
)
from leadseg.io.fingerprint import BackgroundDigest
from leadseg.io.readers import RAW_LINE
from leadseg.io.sinks import RawCsvSink, SegmentSink, open_sink
from leadseg.io.writers import OUTPUT_SUFFIXES, OutputDir, Publication
from leadseg.results import ApplyResult, CountResult, SegmentCount

if TYPE_CHECKING:
    import polars as pl

# Rows per batch: big enough that per-batch overhead vanishes, small enough for flat memory.
BATCH_ROWS = 50_000


class _Misaligned(Exception):
    """Physical lines and records differ (a value spans lines): raw lines cannot be used."""


class _Rescan(Exception):
    """The structure check found blank lines to skip: the pass must run again."""


@dataclass(frozen=True)
class OutputOptions:
    """How ``apply`` writes: format, permissions, and formula-injection safety (CSV)."""

    format: str = "csv"
    file_mode: int = 0o600
    excel_safe: bool = False  # prefix cells that may run as formulas with '
    safe_columns: tuple[str, ...] = ()  # never counted or changed (a phone column)


def apply_plan(
    p: Plan, out: OutputDir, selected: list[str], output: OutputOptions, options: RunOptions
) -> ApplyResult:
    suffix = OUTPUT_SUFFIXES[output.format]
    by_name = p.segments.by_name()
    files = {name: by_name[name].slug + suffix for name in selected}
    check_safe_columns(output.safe_columns, p.export.columns)
    digest = p.export.known_sha256 or BackgroundDigest(p.export.source_path or p.export.local_path)
    # Raw lines can be copied only when values are written unchanged.
    raw = output.format == "csv" and p.export.format == "csv" and not output.excel_safe
    while True:
        try:
            counts = _write_segment_files(p, out, files, output, options, raw, digest)
        except _Misaligned:
            raw = False
            continue
        except _Rescan:
            continue
        return ApplyResult(
            counts,
            str(out.path),
            output.format,
            "manifest.json",
            list(files.values()),
            excel_safe=output.excel_safe and output.format == "csv",
        )


def check_safe_columns(names: tuple[str, ...], header: list[str]) -> None:
    from leadseg.columns import close_columns, describe_column
    from leadseg.errors import UsageError

    for name in names:
        if name not in header:
            hint = close_columns(name, header) or "columns: " + ", ".join(header)
            raise UsageError(
                f"--excel-safe-column {describe_column(name)}: no such column", hint=hint
            )


def _write_segment_files(
    p: Plan,
    out: OutputDir,
    files: dict[str, str],
    output: OutputOptions,
    options: RunOptions,
    raw: bool,
    digest: BackgroundDigest | str,
) -> CountResult:
    """One attempt: every file written to a temp name, published only if all is well."""
    import polars as pl

    with Publication(out, output.file_mode) as publication:
        schema = pl.Schema(p.schema)
        sinks: dict[str, SegmentSink] = {}
        for name, file in files.items():
            handle = publication.open(file)
            sinks[name] = (
                RawCsvSink(handle, p.export.raw_header(), RAW_LINE)
                if raw
                else open_sink(output.format, handle, schema, out.path)
            )
        totals, formula_cells = stream_segments(p, sinks, output, raw=raw)
        # Every column is parsed, so Polars itself rejects a row with too many fields; a
        # row with too few has a null last field, and only then runs the exact check.
        if totals["suspect"] and p.export.verify_structure():
            raise _Rescan  # blank lines to skip; leaving the block discards the files
        counts = p.result(totals)
        check_unreadable(p, counts, options)
        for sink in sinks.values():
            sink.close()
        written = [
            SegmentCount(c.name, c.parent, c.count, files[c.name], formula_cells.get(c.name))
            for c in counts.segments
            if c.name in files
        ]
        counts = dataclasses.replace(counts, segments=written)
        publication.commit(_manifest(p, counts, output, digest))
        return counts


def text_columns(p: Plan) -> list[str]:
    import polars as pl

    return [name for name, dtype in p.schema.items() if dtype == pl.String]


def tagged_frame(p: Plan, output: OutputOptions, *, raw: bool) -> pl.LazyFrame:
    """The export with its masks and flags (and, for CSV, each row's count of cells that may
    run as formulas, neutralised with ``excel_safe``); with ``raw``, only those beside each
    record's raw line."""
    import polars as pl

    from leadseg.formulas import FORMULA_CELLS, neutralised, risky_cells

    frame = p.frame(flags=True)
    extra: list[str] = []
    if output.format == "csv":
        texts, keep = text_columns(p), set(output.safe_columns)
        frame = frame.with_columns(risky_cells(texts, keep))
        if output.excel_safe:
            frame = frame.with_columns(neutralised(texts, keep))
        extra = [FORMULA_CELLS]
    if not raw:
        return frame
    flags = frame.select([*p.flag_columns(), *extra])
    return pl.concat([flags, p.export.raw_records()], how="horizontal")


def stream_segments(
    p: Plan, sinks: dict[str, SegmentSink], output: OutputOptions, *, raw: bool
) -> tuple[dict[str, Any], dict[str, int]]:
    """Read the export once; write each batch's members to the sinks. Returns the totals
    and, for CSV, each segment's count of cells that may run as formulas."""
    import polars as pl

    tagged = tagged_frame(p, output, raw=raw)
    totals: dict[str, Any] | None = None
    formula_cells: dict[str, int] = {}
    pending: dict[str, Future[int | None]] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, min(len(sinks), os.cpu_count() or 1)))
    # Every column is parsed even when only raw lines are written: that is how the reader
    # rejects rows with too many fields.
    every_column = pl.QueryOptFlags(projection_pushdown=False)
    try:
        batches = tagged.collect_batches(
            engine="streaming", chunk_size=BATCH_ROWS, optimizations=every_column
        )
        for batch in batches:
            totals = merge_totals(totals, p.batch_totals(batch))
            _gather(pending, formula_cells)
            pending = {
                name: pool.submit(_write_members, sink, batch, mask_column(name))
                for name, sink in sinks.items()
            }
        _gather(pending, formula_cells)
    except pl.exceptions.PolarsError as exc:
        if raw and "non-equal length" in str(exc):
            raise _Misaligned from None
        raise explain_read_failure(p.export, exc) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if totals is None:  # no rows at all
        totals = p.batch_totals(collect(tagged.limit(0), p.export))
        formula_cells = {name: 0 for name in sinks} if output.format == "csv" else {}
    return totals, formula_cells


def _gather(pending: dict[str, Future[int | None]], formula_cells: dict[str, int]) -> None:
    for name, future in pending.items():
        cells = future.result()
        if cells is not None:
            formula_cells[name] = formula_cells.get(name, 0) + cells


def _write_members(sink: SegmentSink, batch: pl.DataFrame, mask: str) -> int | None:
    """Write one segment's rows of a batch; return how many of their cells may run as
    formulas (CSV only)."""
    import polars as pl

    from leadseg.formulas import FORMULA_CELLS

    members = batch.filter(pl.col(mask))
    sink.write(members)
    return int(members[FORMULA_CELLS].sum()) if FORMULA_CELLS in members.columns else None


def _manifest(
    p: Plan, counts: CountResult, output: OutputOptions, digest: BackgroundDigest | str
) -> dict[str, Any]:
    from leadseg import __version__

    source = p.export.source_path or p.export.local_path
    return {
        "leadseg_version": __version__,
        "input": {
            "path": p.export.display,
            "delimiter": p.export.csv_delimiter,
            "size": source.stat().st_size,
            "sha256": digest if isinstance(digest, str) else digest.hexdigest(),
            "rows": counts.rows,
        },
        "segments_file": {"path": p.segments.source, "sha256": p.segments.sha256},
        "as_of": counts.as_of,
        "format": output.format,
        "excel_safe": output.excel_safe and output.format == "csv",
        "segments": [
            {"name": c.name, "parent": c.parent, "file": c.file, "rows": c.count}
            | ({"formula_cells": c.formula_cells} if c.formula_cells is not None else {})
            for c in counts.segments
        ],
        "unreadable": [u.to_dict() for u in counts.unreadable],
    }
