"""``apply``: one streaming pass over the export writes every segment file.

The export is read once, batch by batch; each batch carries one mask column per segment
and each selected segment's rows go to its file on a small thread pool (Polars releases the
GIL while it writes), while Polars already reads the next batch. Memory stays flat.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from leadseg.backends.polars import mask_column
from leadseg.engine import Plan, RunOptions, check_unreadable, explain_read_failure, merge_totals
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


def apply_plan(
    p: Plan,
    out: OutputDir,
    selected: list[str],
    output_format: str,
    options: RunOptions,
    file_mode: int,
) -> ApplyResult:
    suffix = OUTPUT_SUFFIXES[output_format]
    by_name = p.segments.by_name()
    files = {name: by_name[name].slug + suffix for name in selected}
    digest = p.export.known_sha256 or BackgroundDigest(p.export.source_path or p.export.local_path)
    raw = output_format == "csv" and p.export.format == "csv"
    while True:
        try:
            counts = _write_segment_files(
                p, out, files, output_format, options, file_mode, raw, digest
            )
        except _Misaligned:
            raw = False
            continue
        except _Rescan:
            continue
        return ApplyResult(
            counts, str(out.path), output_format, "manifest.json", list(files.values())
        )


def _write_segment_files(
    p: Plan,
    out: OutputDir,
    files: dict[str, str],
    output_format: str,
    options: RunOptions,
    file_mode: int,
    raw: bool,
    digest: BackgroundDigest | str,
) -> CountResult:
    """One attempt: every file written to a temp name, published only if all is well."""
    with Publication(out, file_mode) as publication:
        schema = p.export.scan().collect_schema()
        sinks: dict[str, SegmentSink] = {}
        for name, file in files.items():
            handle = publication.open(file)
            sinks[name] = (
                RawCsvSink(handle, p.export.raw_header(), RAW_LINE)
                if raw
                else open_sink(output_format, handle, schema, out.path)
            )
        totals = stream_segments(p, sinks, raw=raw)
        # Every column is parsed, so Polars itself rejects a row with too many fields; a
        # row with too few has a null last field, and only then runs the exact check.
        if totals["suspect"] and p.export.verify_structure():
            raise _Rescan  # blank lines to skip; leaving the block discards the files
        counts = p.result(totals)
        check_unreadable(counts, options)
        for sink in sinks.values():
            sink.close()
        written = [
            SegmentCount(c.name, c.parent, c.count, files[c.name])
            for c in counts.segments
            if c.name in files
        ]
        counts = dataclasses.replace(counts, segments=written)
        publication.commit(_manifest(p, counts, output_format, digest))
        return counts


def _collect(query: pl.LazyFrame, p: Plan) -> pl.DataFrame:
    import polars as pl

    try:
        return query.collect(engine="streaming")
    except pl.exceptions.PolarsError as exc:
        raise explain_read_failure(p.export, exc) from None


def tagged_frame(p: Plan, *, raw: bool) -> pl.LazyFrame:
    """The export with its masks and flags; with ``raw``, only those beside each record's
    raw line (the reader then parses just the columns the segments read)."""
    import polars as pl

    frame = p.frame(flags=True)
    if not raw:
        return frame
    return pl.concat([frame.select(p.flag_columns()), p.export.raw_records()], how="horizontal")


def stream_segments(p: Plan, sinks: dict[str, SegmentSink], *, raw: bool) -> dict[str, Any]:
    """Read the export once; write each batch's members to the sinks; return the totals."""
    import polars as pl

    tagged = tagged_frame(p, raw=raw)
    totals: dict[str, Any] | None = None
    pending: list[Future[None]] = []
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
            for future in pending:
                future.result()
            pending = [
                pool.submit(_write_members, sink, batch, mask_column(name))
                for name, sink in sinks.items()
            ]
        for future in pending:
            future.result()
    except pl.exceptions.PolarsError as exc:
        if raw and "non-equal length" in str(exc):
            raise _Misaligned from None
        raise explain_read_failure(p.export, exc) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if totals is None:  # no rows at all
        totals = p.batch_totals(_collect(tagged.limit(0), p))
    return totals


def _write_members(sink: SegmentSink, batch: pl.DataFrame, mask: str) -> None:
    import polars as pl

    sink.write(batch.filter(pl.col(mask)))


def _manifest(
    p: Plan, counts: CountResult, output_format: str, digest: BackgroundDigest | str
) -> dict[str, Any]:
    from leadseg import __version__

    source = p.export.source_path or p.export.local_path
    return {
        "leadseg_version": __version__,
        "input": {
            "path": p.export.display,
            "size": source.stat().st_size,
            "sha256": digest if isinstance(digest, str) else digest.hexdigest(),
            "rows": counts.rows,
        },
        "segments_file": {"path": p.segments.source, "sha256": p.segments.sha256},
        "as_of": counts.as_of,
        "format": output_format,
        "segments": [
            {"name": c.name, "parent": c.parent, "file": c.file, "rows": c.count}
            for c in counts.segments
        ],
        "unreadable": [u.to_dict() for u in counts.unreadable],
    }
