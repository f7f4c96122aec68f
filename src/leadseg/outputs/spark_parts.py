"""``apply --engine spark --spark-parts``: Spark writes each segment as a directory of
part files, in parallel where Spark runs, for outputs too big to pass through this machine
as one file.

The counts come first (one pass), with every check of ``apply`` (--strict, mostly
unreadable columns), so nothing is written for a run that would fail. Each segment's rows
are then written by Spark's own writer, in file order (part-00000 first), into a staging
directory inside the output directory (swept if the run is killed); the directories
replace the previous outputs together, and the manifest is written last, as in every
``apply``. CSV and TSV parts each start with the header (Spark's convention: every part
reads alone) and quote as RFC 4180; NDJSON keeps nulls. Formula checks need the rows on
this machine: ``--excel-safe`` does not go with ``--spark-parts``."""

from __future__ import annotations

import dataclasses
import secrets
from typing import TYPE_CHECKING, Any

from leadseg import system
from leadseg.engines.sql.sql_pass import SqlPass, column_name

if TYPE_CHECKING:
    from leadseg.engines.plan import Plan, RunOptions
    from leadseg.outputs.applying import OutputOptions
    from leadseg.outputs.writers import OutputDir
    from leadseg.results import ApplyResult


def apply_parts(
    p: Plan, out: OutputDir, selected: list[str], output: OutputOptions, options: RunOptions
) -> ApplyResult:
    from leadseg.engines.plan import check_unreadable
    from leadseg.engines.sql.spark import SparkEngine
    from leadseg.engines.sql.spark_session import spark_errors
    from leadseg.outputs.applying import guarded, manifest_of, source_digest
    from leadseg.outputs.writers import OUTPUT_SUFFIXES, PARTS_MARK, Publication, remove_output
    from leadseg.results import ApplyResult, SegmentCount

    engine = SparkEngine(options.spark_master)
    digest = source_digest(p)
    counts = p.result(engine.totals(p))
    check_unreadable(p, counts, options)
    counts = guarded(counts, out, output.guards)
    by_name = p.segments.by_name()
    names = {name: by_name[name].slug + OUTPUT_SUFFIXES[output.format] for name in selected}
    staging = out.path / f"{PARTS_MARK}{secrets.token_hex(6)}"
    members = None
    try:
        spark, nfc = engine.prepared(p)
        # kept by Spark: every segment's write reads it, not the export again
        members = spark.sql(SqlPass(p, "spark", nfc_function=nfc).members_query()).persist()
        original = [
            f"{_value(column_name(i), p.schema[name], output.text)} AS `{name.replace('`', '``')}`"
            for i, name in enumerate(p.export.columns)
        ]
        mask = {s.name: f"m{i}" for i, s in enumerate(p.order)}
        staging.mkdir(mode=0o700)
        parts = {}
        with spark_errors(p.export.display, "write the segment parts"):
            for name, file in names.items():
                rows = members.where(f"`{mask[name]}`").selectExpr(*original)
                _write(rows, str(staging / file), output.format)
                parts[file] = _finish(staging / file, output.file_mode)
        written = [
            SegmentCount(c.name, c.parent, c.count, names[c.name])
            for c in counts.segments
            if c.name in names
        ]
        counts = dataclasses.replace(counts, segments=written)
        p.export.check_unchanged()
        manifest = manifest_of(p, counts, output, digest, None)
        manifest["spark_parts"] = True
        for entry in manifest["segments"]:
            entry["parts"] = parts[entry["file"]]
        with Publication(out, output.file_mode) as publication:
            for file in names.values():
                publication.adopt(file, staging / file)
            publication.commit(manifest, protect=p.export.source_path)
    finally:
        if members is not None:
            members.unpersist()
        remove_output(staging)
    return ApplyResult(
        counts, str(out.path), output.format, "manifest.json", list(names.values()),
        file_mode=output.file_mode,
    )  # fmt: skip


def _value(column: str, dtype: Any, text: bool) -> str:
    """A column as written: in CSV/TSV a nested value (list, struct) as JSON text, as the
    other engines write it."""
    return f"to_json(`{column}`)" if text and dtype.is_nested() else f"`{column}`"


def _write(rows: Any, path: str, fmt: str) -> None:
    """One segment's rows as Spark writes them, in ``fmt``."""
    writer = rows.write.mode("errorifexists")
    if fmt in ("csv", "tsv"):
        writer.csv(
            path, header=True, sep="," if fmt == "csv" else "\t", quote='"', escape='"',
            encoding="UTF-8", lineSep="\n",
        )  # fmt: skip
    elif fmt == "ndjson":
        writer.option("ignoreNullFields", "false").json(path, encoding="UTF-8", lineSep="\n")
    else:
        writer.parquet(path)


def _finish(directory: Any, mode: int | None) -> int:
    """Drop the checksum files of Hadoop's local file system, give files ``mode`` and the
    directory the matching search permission; returns how many part files it holds."""
    parts = 0
    for entry in directory.iterdir():
        if entry.name.endswith(".crc"):
            entry.unlink()
            continue
        if mode is not None:
            system.set_mode(entry, mode)
        parts += entry.name.startswith("part-")
    if mode is not None:
        system.set_mode(directory, mode | ((mode & 0o444) >> 2))
    return parts
