"""An opt-in columnar copy of a CSV export, for analysts who count the same file many times.

``--cache DIR`` (or ``LEADSEG_CACHE_DIR``): the first run stores the export as a Parquet
file (zstd: a 460 MB export becomes about 15 MB) in DIR, which must be private to the user
(``private_dir``: created 0700; a directory group or others can write is refused). An
entry is keyed by what identifies the source -- its resolved path, size, inode, modification
and change times (nanoseconds) -- and by every option that changes the bytes read
(delimiter, encoding); its record holds the sha256 of the source and of the copy. A later
run whose source still has the same identity reads the copy, after checking the copy's
sha256, so a hand-edited copy is never served. Any write to the source changes its change
time (which no user-space call can set back), so a changed file is never served from a stale
copy. Each entry's copy has its own random name and the record is replaced last, in one
rename: two runs sharing a cache never see each other's half-written entries. Only the
newest entries of each path are kept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadseg import system
from leadseg.exports.csv_structure import Structure
from leadseg.exports.fingerprint import BackgroundDigest
from leadseg.exports.sources import LocalFile

if TYPE_CHECKING:
    from collections.abc import Callable

    from leadseg.exports.readers import Export, ReadOptions
    from leadseg.exports.workbooks import Sheet

    # a sheet's Export: (sheet, display name, data, source, local file, source's SHA-256)
    MakeWorkbookExport = Callable[[Sheet, str, Path, Path, LocalFile, str], Export]

ENV_VAR = "LEADSEG_CACHE_DIR"
FORMAT_VERSION = 4  # 4: records that span lines and canonical copies are recorded


def identity(export: Export) -> dict[str, Any]:
    """What must be unchanged for a cached copy of ``export`` to be served."""
    assert export.source_path is not None
    found = _file_identity(export.source_path)
    found.update(delimiter=export.delimiter, encoding=export.encoding, escape=export.escape)
    return found


def _file_identity(source: Path) -> dict[str, Any]:
    path = source.resolve()
    stat = path.stat()
    return {
        "format_version": FORMAT_VERSION,
        "path": str(path),
        "size": stat.st_size,
        "inode": stat.st_ino,
        "device": stat.st_dev,
        "mtime_ns": stat.st_mtime_ns,
        "ctime_ns": system.change_stamp(stat),
    }


_READING = ("format_version", "path", "delimiter", "encoding", "escape")


def _entry_names(key: dict[str, Any]) -> tuple[str, str]:
    """(prefix of every entry of this path read with these options, this entry's record).
    Entries of other options are separate entries; only stale ones are forgotten."""

    def digest(data: dict[str, Any]) -> str:
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:24]

    # a workbook's entries are apart by sheet and header row too (none forgets another's)
    reading = digest({k: key[k] for k in (*_READING, "sheet", "header_row") if k in key})
    return reading, f"{reading}-{digest(key)}.json"


def cached(export: Export, cache_dir: Path) -> Export:
    """``export`` read from its cached copy, made first when missing or stale. Non-CSV and
    stdin exports are returned as they are."""
    if export.format != "csv" or export.source_path is None:
        return export
    _usable(cache_dir)
    key = identity(export)
    prefix, record = _entry_names(key)
    stored = _recall(cache_dir, record, key)
    if stored is not None:
        data, sha256, structure = stored
        return _from_copy(export, data, sha256, structure)
    data, sha256 = _store(export, cache_dir, cache_dir / record, key)
    _forget_stale(cache_dir, prefix, record.removesuffix(".json"))
    return _from_copy(export, data, sha256, export.structure)


def _usable(cache_dir: Path) -> None:
    """The cache directory, created private to the user; an untrusted one is an error."""
    from leadseg.errors import Location, OutputCreateError
    from leadseg.private_dir import UntrustedDirectory, private_dir

    try:
        private_dir(cache_dir)
    except UntrustedDirectory as exc:
        raise OutputCreateError(
            f"the cache directory is {exc.reason}: leadseg does not trust it",
            location=Location(file=str(cache_dir)),
            hint=f"chmod 700 {system.quote(str(cache_dir))} if it is yours, or choose another "
            "--cache directory",
        ) from None
    except OSError as exc:
        raise OutputCreateError(
            f"cannot create the cache directory: {exc.strerror}",
            location=Location(file=str(cache_dir)),
        ) from None


def cached_workbook(
    local: LocalFile, source: Path, display: str, options: ReadOptions,
    workbook_export: MakeWorkbookExport,
) -> Export:  # fmt: skip
    """A workbook's sheet read from its cached text copy, made first when missing or stale
    (keyed as a CSV's copy, and by the sheet and header row asked for); ``workbook_export``
    makes the sheet's Export (the readers')."""
    from leadseg.exports.fingerprint import sha256_file
    from leadseg.exports.workbooks import Sheet, write_text_copy
    from leadseg.private_dir import create_exclusive, write_exclusive

    cache_dir = options.cache_dir
    assert cache_dir is not None
    _usable(cache_dir)
    key = _file_identity(source)
    key.update(delimiter=None, encoding=None, escape=None)
    key.update(sheet=options.sheet, header_row=options.header_row)
    prefix, record = _entry_names(key)
    try:
        stored = json.loads((cache_dir / record).read_text(encoding="utf-8"))
        data = cache_dir / stored["copy"]
        if (
            stored.get("identity") == key
            and os.path.basename(stored["copy"]) == stored["copy"]
            and sha256_file(data) == stored["copy_sha256"]
        ):
            sheet = stored["sheet"]
            read = Sheet(
                str(sheet["name"]), int(sheet["header_row"]), [str(c) for c in sheet["columns"]],
                tuple(int(b) for b in sheet["blank_rows"]),
            )  # fmt: skip
            return workbook_export(read, display, data, source, local, str(stored["sha256"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    digest = BackgroundDigest(source)
    fd, data = create_exclusive(cache_dir, record.removesuffix(".json") + "-", ".parquet")
    try:
        with os.fdopen(fd, "wb") as handle:
            read = write_text_copy(local.path, display, handle, options.sheet, options.header_row)
    except BaseException:
        data.unlink(missing_ok=True)
        raise
    sha256 = digest.hexdigest()
    body = {
        "identity": key, "sha256": sha256, "copy": data.name, "copy_sha256": sha256_file(data),
        "sheet": {
            "name": read.name, "header_row": read.header_row, "columns": read.columns,
            "blank_rows": list(read.blank_rows),
        },
    }  # fmt: skip
    write_exclusive(cache_dir, cache_dir / record, json.dumps(body, indent=2).encode())
    _forget_stale(cache_dir, prefix, record.removesuffix(".json"))
    return workbook_export(read, display, data, source, local, sha256)


def _recall(
    cache_dir: Path, record: str, key: dict[str, Any]
) -> tuple[Path, str, Structure] | None:
    """The entry's copy, if its record matches ``key`` and the copy its recorded hash."""
    from leadseg.exports.fingerprint import sha256_file

    try:
        stored = json.loads((cache_dir / record).read_text(encoding="utf-8"))
        data = cache_dir / stored["copy"]
        if stored.get("identity") != key or os.path.basename(stored["copy"]) != stored["copy"]:
            return None
        if sha256_file(data) != stored["copy_sha256"]:
            return None  # edited or half-written: made afresh
        structure = Structure(
            checked=True,
            blank_records=tuple(int(b) for b in stored["blank_records"]),
            spans=tuple((int(a), int(b)) for a, b in stored["spans"]),
            canonical=bool(stored["canonical"]),
        )
        return data, str(stored["sha256"]), structure
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _forget_stale(cache_dir: Path, prefix: str, current: str) -> None:
    """Remove the entries of this path and options made for an earlier state of the file
    (a concurrent run's copy of the current state is left alone)."""
    for entry in cache_dir.iterdir():
        if entry.name.startswith(prefix + "-") and not entry.name.startswith(current):
            with contextlib.suppress(OSError):
                entry.unlink()


def _from_copy(export: Export, data: Path, sha256: str | None, structure: Structure) -> Export:
    """The export read from its copy. The copy holds no blank lines; their positions (and
    the records that span lines) are kept for row numbers and for the raw lines of the
    source -- which a source read through a canonical copy has none of."""
    return dataclasses.replace(
        export, format="parquet", local_path=data, structure=structure, known_sha256=sha256,
        copied=export.copied or not structure.canonical,
    )  # fmt: skip


def _store(export: Export, cache_dir: Path, record: Path, key: dict[str, Any]) -> tuple[Path, str]:
    """Write the copy (checking the export's structure on the way), then its record."""
    from leadseg.exports.fingerprint import sha256_file
    from leadseg.private_dir import write_exclusive

    digest = BackgroundDigest(export.source_path)  # type: ignore[arg-type]
    data = validated_copy(export, cache_dir, record.name.removesuffix(".json") + "-")
    sha256 = digest.hexdigest()
    body = {
        "identity": key,
        "sha256": sha256,
        "copy": data.name,
        "copy_sha256": sha256_file(data),
        "blank_records": list(export.structure.blank_records),
        "spans": [list(span) for span in export.structure.spans],
        "canonical": export.structure.canonical,
    }
    write_exclusive(cache_dir, record, json.dumps(body, indent=2).encode())
    return data, sha256


def validated_copy(export: Export, directory: Path, prefix: str) -> Path:
    """Write a CSV export as a Parquet file (zstd) in ``directory``; its structure is
    proven first (``export.structure`` then holds its blank records, which the copy leaves
    out). A ragged row, an unclosed quote or a bad byte raises, located, and leaves no file."""
    export.ensure_structure()
    return _parquet_copy(export, directory, prefix)


def _parquet_copy(export: Export, directory: Path, prefix: str) -> Path:
    """The export streamed into a new Parquet file (zstd) in ``directory``: memory stays
    flat; a read error is located, and leaves no file."""
    import polars as pl

    from leadseg.exports.queries import explain_read_failure
    from leadseg.private_dir import create_exclusive

    fd, data = create_exclusive(directory, prefix, ".parquet")
    try:
        with os.fdopen(fd, "wb") as handle:
            export.scan().sink_parquet(handle, compression="zstd")
    except pl.exceptions.PolarsError as exc:
        data.unlink(missing_ok=True)
        raise explain_read_failure(export, exc) from None
    except BaseException:
        data.unlink(missing_ok=True)
        raise
    return data


def columnar(export: Export, directory: Path) -> Export:
    """``export`` as one Parquet file, for engines that read only that (DuckDB, Spark): a
    Parquet export as it is, a CSV its validated copy, NDJSON a Parquet copy, written in
    ``directory`` (private, temporary)."""
    if export.format == "parquet":
        export.written()  # a workbook's sheet held in memory
        return export
    if export.format == "csv":
        data = validated_copy(export, directory, "export-")
        return _from_copy(export, data, None, export.structure)
    data = _parquet_copy(export, directory, "export-")
    return dataclasses.replace(export, format="parquet", local_path=data)
