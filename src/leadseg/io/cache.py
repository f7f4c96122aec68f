"""An opt-in columnar copy of a CSV export, for analysts who count the same file many times.

``--cache DIR`` (or ``LEADSEG_CACHE_DIR``): the first run stores the export as a Parquet
file (zstd: a 460 MB export becomes about 15 MB), created 0600 in a 0700 directory,
together with what identifies the source: its resolved path, size, inode, modification and
change times (nanoseconds), the reading
options, and the sha256 of its content. A later run whose source still has the same
identity reads the copy. Any write to the file changes its change time (which no user-space
call can set back), so a changed file is never served from a stale copy. Only the newest
copy of each path is kept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from leadseg.io.csv_structure import Structure
from leadseg.io.fingerprint import BackgroundDigest
from leadseg.io.readers import Export

ENV_VAR = "LEADSEG_CACHE_DIR"
FORMAT_VERSION = 2


def identity(export: Export) -> dict[str, Any]:
    """What must be unchanged for a cached copy of ``export`` to be served."""
    assert export.source_path is not None
    path = export.source_path.resolve()
    stat = path.stat()
    return {
        "format_version": FORMAT_VERSION,
        "path": str(path),
        "size": stat.st_size,
        "inode": stat.st_ino,
        "device": stat.st_dev,
        "mtime_ns": stat.st_mtime_ns,
        "ctime_ns": stat.st_ctime_ns,
        "delimiter": export.delimiter,
        "encoding": export.encoding,
    }


def _entry_name(key: dict[str, Any]) -> str:
    return hashlib.sha256(key["path"].encode()).hexdigest()[:32]


def cached(export: Export, cache_dir: Path) -> Export:
    """``export`` read from its cached copy, made first when missing or stale. Non-CSV and
    stdin exports are returned as they are."""
    if export.format != "csv" or export.source_path is None:
        return export
    key = identity(export)
    cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    entry = cache_dir / _entry_name(key)
    data, meta = entry.with_suffix(".parquet"), entry.with_suffix(".json")
    with contextlib.suppress(OSError, ValueError):
        stored = json.loads(meta.read_text(encoding="utf-8"))
        if stored.get("identity") == key and data.exists():
            blanks = tuple(int(b) for b in stored["blank_records"])
            return _from_copy(export, data, stored["sha256"], blanks)
    sha256 = _store(export, data, meta, key)
    return _from_copy(export, data, sha256, export.structure.blank_records)


def _from_copy(export: Export, data: Path, sha256: str, blanks: tuple[int, ...]) -> Export:
    """The export read from its copy. The copy holds no blank lines; their positions are
    kept for row numbers and for the raw lines of the source."""
    structure = Structure(has_blank_lines=bool(blanks), checked=True, blank_records=blanks)
    return dataclasses.replace(
        export, format="parquet", local_path=data, structure=structure, known_sha256=sha256
    )


def _store(export: Export, data: Path, meta: Path, key: dict[str, Any]) -> str:
    """Write the copy (checking the export's structure on the way) and its identity."""
    import polars as pl

    from leadseg.engine import collect_all

    digest = BackgroundDigest(export.source_path)  # type: ignore[arg-type]
    temp = data.with_name(data.name + f".tmp-{os.getpid()}")
    try:
        while True:
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
            with os.fdopen(os.open(temp, flags, 0o600), "wb") as handle:
                export.scan().sink_parquet(handle, compression="zstd")
            copy = pl.scan_parquet(temp, glob=False).select(pl.len())
            checks = export.structure_queries()
            frames = collect_all([copy, *checks.values()], export)
            delimiters = frames[1].item() if checks else None
            # Writing the copy parsed every column, so a too-long row would have raised.
            if export.structure_ok(frames[0].item(), delimiters, long_rows=0):
                break
        os.replace(temp, data)
        sha256 = digest.hexdigest()
        blanks = list(export.structure.blank_records)
        body = json.dumps({"identity": key, "sha256": sha256, "blank_records": blanks}, indent=2)
        meta_temp = meta.with_name(meta.name + f".tmp-{os.getpid()}")
        fd = os.open(meta_temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
        os.replace(meta_temp, meta)
        return sha256
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
