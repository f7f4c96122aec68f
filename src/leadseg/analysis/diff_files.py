"""``diff -o DIR``: per segment ``<slug>.entered.csv`` (the rows of NEW whose key entered
it) and ``<slug>.left.csv`` (the rows of OLD whose key left it), written as ``apply``
writes: temp files, published together with a manifest, 0600, under the directory's lock;
the exports and the segment file are never replaced."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadseg.errors import ExportDataError, Location

if TYPE_CHECKING:
    import polars as pl

    from leadseg.analysis.diff import KeyProblems, SegmentChange
    from leadseg.engines.plan import Plan, RunOptions
    from leadseg.outputs.writers import OutputDir


def check_keys(found: list[KeyProblems], displays: list[str], key: str) -> None:
    """``--strict``: a blank or repeated key is an error (exit 65)."""
    for problems, display in zip(found, displays, strict=True):
        if problems.blank:
            raise ExportDataError(
                f"{problems.blank} row(s) have a blank {key!r}: rows "
                + ", ".join(map(str, problems.blank_rows)),
                location=Location(file=display, row=problems.blank_rows[0], field=key),
                hint="fill the key, or drop --strict to leave those rows unmatched",
            )
        if problems.duplicate:
            raise ExportDataError(
                f"{problems.duplicate} row(s) repeat the {key!r} of an earlier row (keys "
                "first in row " + ", ".join(map(str, problems.duplicate_rows)) + ")",
                location=Location(file=display, row=problems.duplicate_rows[0], field=key),
                hint="make the key unique, or drop --strict (a key is in a segment when "
                "any of its rows is)",
            )


def write_changes(
    out: OutputDir,
    plans: list[tuple[Plan, RunOptions, str]],
    changes: list[SegmentChange],
    keys: dict[str, tuple[pl.DataFrame, pl.DataFrame]],
    key: str,
    bom: bool = False,
) -> list[SegmentChange]:
    from leadseg import __version__
    from leadseg.outputs.writers import Publication

    (old, _, _), (new, _, _) = plans
    slugs = {s.name: s.slug for s in new.segments.segments}
    files = {c.name: (f"{slugs[c.name]}.entered.csv", f"{slugs[c.name]}.left.csv") for c in changes}
    names = [f for pair in files.values() for f in pair]
    protected = {"old export": old.export.source_path, "new export": new.export.source_path}
    if new.segments.source and Path(new.segments.source).is_file():
        protected["segment file"] = Path(new.segments.source)
    out.guard(names, {k: v for k, v in protected.items() if v is not None})
    with out.locked(), Publication(out) as publication:
        entered = {n: pair[0] for n, pair in files.items()}
        left = {n: pair[1] for n, pair in files.items()}
        new_keys, old_keys = {n: k[0] for n, k in keys.items()}, {n: k[1] for n, k in keys.items()}
        _write_side(publication, plans[1], entered, new_keys, out, bom)
        _write_side(publication, plans[0], left, old_keys, out, bom)
        written = [
            dataclasses.replace(c, files={"entered": files[c.name][0], "left": files[c.name][1]})
            for c in changes
        ]
        manifest: dict[str, Any] = {
            "leadseg_version": __version__,
            "command": "diff",
            "old": old.export.display,
            "new": new.export.display,
            "key": key,
            "segments_file": {"path": new.segments.source, "sha256": new.segments.sha256},
            **({"bom": True} if bom else {}),
            "segments": [
                c.to_dict() | {"file": c.files["entered"], "left_file": c.files["left"]}
                for c in written
            ],
        }
        publication.commit(manifest)
    return written


def _write_side(
    publication: Any,
    plan: tuple[Plan, RunOptions, str],
    files: dict[str, str],
    keys: dict[str, pl.DataFrame],
    out: OutputDir,
    bom: bool,
) -> None:
    """One pass over an export: each segment's rows whose key is in its set."""
    import polars as pl

    from leadseg.engines import engine_for
    from leadseg.engines.polars.compiler import folded_key, mask_column
    from leadseg.outputs.applying import UTF8_BOM, OutputOptions, tagging
    from leadseg.outputs.sinks import open_sink

    p, run, column = plan
    schema = pl.Schema(p.schema)
    sinks = {}
    for name, file in files.items():
        handle = publication.open(file)
        if bom:
            handle.write(UTF8_BOM)
        sinks[name] = open_sink("csv", handle, schema, out.path, list(p.schema))
    wanted = {name: frame["key"].implode() for name, frame in keys.items()}
    folded = folded_key(column, p.schema[column])
    batches = engine_for(run).member_batches(p, tagging(p, OutputOptions("csv"), None), raw=False)
    for batch in batches:
        keyed = batch.with_columns(folded.alias("\x00leadseg:key"))
        for name, sink in sinks.items():
            chosen = pl.col(mask_column(name)) & pl.col("\x00leadseg:key").is_in(wanted[name])
            sink.write(keyed.filter(chosen).select(list(p.schema)))
    for sink in sinks.values():
        sink.close()
