"""``apply``: read the export once, write one file per segment and a manifest."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from leadseg.backends.polars import mask_column
from leadseg.engine import Plan, RunOptions, check_unreadable, collect
from leadseg.io.writers import OUTPUT_SUFFIXES, OutputDir, Writer
from leadseg.results import ApplyResult, SegmentCount

if TYPE_CHECKING:
    from pathlib import Path

    import polars as pl


def apply_plan(
    p: Plan,
    out: OutputDir,
    selected: list[str],
    output_format: str,
    options: RunOptions,
    file_mode: int,
) -> ApplyResult:
    import polars as pl

    suffix = OUTPUT_SUFFIXES[output_format]
    tagged = collect(p.frame(), p.export)
    totals = tagged.lazy().select(p.count_exprs()).collect().row(0, named=True)
    counts = p.result(totals)
    check_unreadable(counts, options)

    by_name = p.segments.by_name()
    files: dict[str, Writer] = {}
    written: list[SegmentCount] = []
    for count in counts.segments:
        if count.name not in selected:
            continue
        name = by_name[count.name].slug + suffix
        members = tagged.filter(pl.col(mask_column(count.name))).select(p.export.columns)
        files[name] = _writer(members, output_format)
        written.append(SegmentCount(count.name, count.parent, count.count, name))

    counts = type(counts)(counts.input, counts.rows, written, counts.unreadable, counts.as_of)
    manifest = _manifest(p, counts, output_format)
    out.publish(files, manifest, file_mode)
    return ApplyResult(counts, str(out.path), output_format, "manifest.json", list(files))


def _writer(frame: pl.DataFrame, output_format: str) -> Writer:
    def write(handle: Any) -> None:
        if output_format == "csv":
            frame.write_csv(handle)
        elif output_format == "parquet":
            frame.write_parquet(handle)
        else:
            frame.write_ndjson(handle)

    return write


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest(p: Plan, counts: Any, output_format: str) -> dict[str, Any]:
    from leadseg import __version__

    source = p.export.source_path
    return {
        "leadseg_version": __version__,
        "input": {
            "path": p.export.display,
            "size": source.stat().st_size if source else p.export.local_path.stat().st_size,
            "sha256": _sha256(source or p.export.local_path),
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
