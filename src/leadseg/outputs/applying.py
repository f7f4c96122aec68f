"""``apply``: one streaming pass over the export writes every segment file.

The export is read once, batch by batch; each batch carries one mask column per segment
and each selected segment's rows go to its file on a small thread pool (Polars releases the
GIL while it writes), while Polars already reads the next batch. Memory stays flat.

CSV and TSV output: ``--format csv`` is comma-separated RFC 4180, ``--format tsv``
tab-separated, whatever the input's delimiter. When the input is a plain UTF-8 file with
the output's delimiter and values are written unchanged, each member's raw line is copied
(rows come out exactly as they went in, with LF line ends) -- with or without ``--cache``,
so the same run writes the same bytes either way.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from leadseg.engines.plan import Plan, RunOptions, check_unreadable
from leadseg.engines.polars.compiler import mask_column
from leadseg.engines.totals import Totals
from leadseg.exports.fingerprint import BackgroundDigest
from leadseg.exports.readers import RAW_LINE, until_settled
from leadseg.outputs.guards import Guards
from leadseg.outputs.membership import Membership
from leadseg.outputs.sinks import TEXT_DELIMITERS, RawCsvSink, SegmentSink, open_sink
from leadseg.outputs.workbook import WorkbookOptions
from leadseg.outputs.writers import OUTPUT_SUFFIXES, OutputDir, Publication
from leadseg.results import ApplyResult, CountResult, SegmentCount

UTF8_BOM = b"\xef\xbb\xbf"

if TYPE_CHECKING:
    import polars as pl

    from leadseg.engines import Tagging
    from leadseg.outputs.workbook import WorkbookSink


@dataclass(frozen=True)
class OutputOptions:
    """How ``apply`` writes: format, permissions, and formula-injection safety (CSV/TSV)."""

    format: str = "csv"
    file_mode: int | None = 0o600  # None: not applied (Windows: the folder's ACL decides)
    excel_safe: bool = False  # prefix cells that may run as formulas with '
    safe_columns: tuple[str, ...] = ()  # never counted or changed (a phone column)
    guards: Guards | None = None  # checked before anything is published
    membership: Membership | None = None  # --membership: one row a contact, a flag a segment
    workbook: WorkbookOptions | None = None  # --workbook: every segment as a sheet
    bom: bool = False  # CSV/TSV files start with a UTF-8 byte-order mark (Excel on Windows)
    with_scores: bool = False  # the score and grade columns after the export's, in every file

    @property
    def extra_files(self) -> list[str]:
        """The files written beside the segment files (``--membership``, ``--workbook``)."""
        return [extra.file for extra in (self.membership, self.workbook) if extra is not None]

    @property
    def text(self) -> bool:
        return self.format in TEXT_DELIMITERS


@dataclass
class Formulas:
    """Cells that may run as formulas: what is checked, and what was found."""

    checked: list[str]  # text columns checked (trusted ones left out)
    header_cells: int  # risky header names, in every file
    by_column: dict[str, int] = field(default_factory=dict)  # over the rows written
    by_file: dict[str, int] = field(default_factory=dict)  # segment name -> cells


def after_batch() -> None:
    """Called after each batch is handed to the writers; tests replace it to pause a run
    at a known point (signals, concurrent runs)."""


def apply_plan(
    p: Plan, out: OutputDir, selected: list[str], output: OutputOptions, options: RunOptions
) -> ApplyResult:
    suffix = OUTPUT_SUFFIXES[output.format]
    by_name = p.segments.by_name()
    files = {name: by_name[name].slug + suffix for name in selected}
    check_safe_columns(output.safe_columns, p.export.columns)
    digest = source_digest(p)
    # Raw lines can be copied only when values are written unchanged, in the same dialect
    # (and read by Polars, which pairs each record with its line).
    raw = (
        options.engine == "polars"
        and output.text
        and not output.excel_safe
        and output.workbook is None  # a sheet needs the values, not the lines
        and not (output.with_scores and p.segments.scores)  # values are added to each row
        and p.export.raw_source() is not None
        and p.export.csv_delimiter == TEXT_DELIMITERS[output.format]
    )

    counts, formulas = until_settled(
        lambda: _write_segment_files(p, out, files, output, options, raw, digest)
    )
    return ApplyResult(
        counts,
        str(out.path),
        output.format,
        "manifest.json",
        list(files.values()) + output.extra_files,
        excel_safe=output.excel_safe and output.text,
        formula_columns=formulas.by_column if formulas else {},
        formula_header_cells=formulas.header_cells if formulas else 0,
        file_mode=output.file_mode,
    )


def source_digest(p: Plan) -> BackgroundDigest | str | None:
    """The export's sha256 (computed on a thread while the run works); a lake input has no
    one file to hash."""
    if p.export.lake:
        return None
    return p.export.known_sha256 or BackgroundDigest(p.export.source_path or p.export.local_path)


def check_safe_columns(names: tuple[str, ...], header: list[str]) -> None:
    from leadseg.errors import UsageError
    from leadseg.segments.columns import close_columns, describe_column

    for name in names:
        if name not in header:
            hint = close_columns(name, header) or "columns: " + ", ".join(header)
            raise UsageError(
                f"--excel-safe-column {describe_column(name)}: no such column", hint=hint
            )


def _formulas(p: Plan, output: OutputOptions) -> Formulas | None:
    from leadseg.outputs.formulas import checked_columns, is_risky

    if not output.text:
        return None
    keep = set(output.safe_columns)
    header_cells = sum(1 for name in p.export.columns if name not in keep and is_risky(name))
    return Formulas(checked_columns(text_columns(p), keep), header_cells)


def written_schema(p: Plan, with_scores: bool) -> dict[str, Any]:
    """The columns every segment file holds: the export's, then (``--with-scores``) the
    score and grade columns."""
    from leadseg.engines.polars.compiler import output_schema

    return {**p.schema, **(output_schema(p.segments) if with_scores else {})}


def _header_names(p: Plan, output: OutputOptions) -> list[str]:
    from leadseg.outputs.formulas import neutralised_name

    names = list(written_schema(p, output.with_scores))
    if not output.excel_safe:
        return names
    keep = set(output.safe_columns)
    return [name if name in keep else neutralised_name(name) for name in names]


def _write_segment_files(
    p: Plan,
    out: OutputDir,
    files: dict[str, str],
    output: OutputOptions,
    options: RunOptions,
    raw: bool,
    digest: BackgroundDigest | str | None,
) -> tuple[CountResult, Formulas | None]:
    """One attempt: every file written to a temp name, published only if all is well."""
    import polars as pl

    formulas = _formulas(p, output)
    with Publication(out, output.file_mode) as publication:
        schema = pl.Schema(written_schema(p, output.with_scores))
        sinks: dict[str, SegmentSink] = {}
        for name, file in files.items():
            handle = publication.open(file)
            if output.bom and output.text:
                handle.write(UTF8_BOM)
            sinks[name] = (
                RawCsvSink(handle, p.export.raw_header(), RAW_LINE)
                if raw
                else open_sink(output.format, handle, schema, out.path, _header_names(p, output))
            )
        member_sink = None
        if output.membership is not None:
            member_schema = output.membership.schema(p)
            handle = publication.open(output.membership.file)
            if output.bom and output.membership.format in TEXT_DELIMITERS:
                handle.write(UTF8_BOM)
            member_sink = open_sink(
                output.membership.format, handle, member_schema, out.path, list(member_schema)
            )
        book = None
        if output.workbook is not None:
            from leadseg.outputs.workbook import WorkbookSink

            handle = publication.open(output.workbook.file)
            book = WorkbookSink(handle, list(schema), list(files))
        totals = stream_segments(
            p, sinks, output, formulas, options, raw=raw, members=member_sink, book=book
        )
        # The structure was proven before the pass. A Rerun (text that needs NFC) leaves
        # the block: the files are discarded and the pass runs again.
        p.settle(totals)
        fill_first_values(p, totals, options)
        counts = p.result(totals)
        check_unreadable(p, counts, options)
        counts = guarded(counts, out, output.guards)
        for sink in [*sinks.values(), *([member_sink] if member_sink else [])]:
            sink.close()
        cells = {}
        if formulas is not None:
            cells = {n: c + formulas.header_cells for n, c in formulas.by_file.items()}
        written = [
            SegmentCount(c.name, c.parent, c.count, files[c.name], cells.get(c.name))
            for c in counts.segments
            if c.name in files
        ]
        counts = dataclasses.replace(counts, segments=written)
        p.export.check_unchanged()  # the manifest must describe the rows segmented
        manifest = manifest_of(p, counts, output, digest, formulas)
        if book is not None:
            book.close(manifest)
        publication.commit(manifest, protect=p.export.source_path)
        return counts, formulas


def guarded(counts: CountResult, out: OutputDir, guards: Guards | None) -> CountResult:
    """The counts with their guard checks (``--max-change`` against the manifest already
    in the output directory, if any); a breach raises before anything is published."""
    if not guards:
        return counts
    from leadseg.outputs.guards import check_guards, enforce, previous_counts
    from leadseg.outputs.writers import MANIFEST

    previous = out.path / MANIFEST
    baseline = None
    if guards.max_change is not None and previous.is_file():
        baseline = previous_counts(previous)
    pairs = [(c.name, c.count) for c in counts.segments]
    checks = check_guards(pairs, dataclasses.replace(guards, baseline=baseline))
    enforce(checks, str(out.path), published=True)
    return dataclasses.replace(counts, guards=checks)


def text_columns(p: Plan) -> list[str]:
    import polars as pl

    return [name for name, dtype in p.schema.items() if dtype == pl.String]


def tagging(p: Plan, output: OutputOptions, formulas: Formulas | None) -> Tagging:
    """What every batch gets after its masks: for CSV/TSV, nested columns as JSON text and
    each row's masks of cells that may run as formulas (neutralised with ``excel_safe``)."""
    from leadseg.engines import Tagging
    from leadseg.outputs.formulas import mask_columns, neutralised, risk_masks

    tags = Tagging()
    if output.with_scores and (p.segments.scores or p.segments.grades):
        from leadseg.engines.polars.compiler import score_outputs

        tags.stages.append(score_outputs(p.segments))
    if output.text:
        tags.stages.append([json_text(name) for name, t in p.schema.items() if t.is_nested()])
    if formulas is not None:
        tags.stages.append(risk_masks(formulas.checked))
        if output.excel_safe:
            tags.stages.append(neutralised(formulas.checked))
        tags.added = mask_columns(formulas.checked)
    if output.membership is not None:
        staged = output.membership.staged(p)
        tags.stages.append(staged)  # after --excel-safe neutralised the cells, if asked
        tags.added = [*tags.added, *(e.meta.output_name() for e in staged)]
    return tags


def json_text(column: str) -> pl.Expr:
    """A nested column (list, struct) as JSON text, for CSV/TSV; nulls stay empty."""
    import json

    import polars as pl

    prefix = "{" + json.dumps(column) + ":"
    wrapped = pl.struct(pl.col(column)).struct.json_encode()
    inner = wrapped.str.slice(len(prefix)).str.strip_suffix("}")
    return pl.when(pl.col(column).is_null()).then(None).otherwise(inner).alias(column)


def stream_segments(
    p: Plan,
    sinks: dict[str, SegmentSink],
    output: OutputOptions,
    formulas: Formulas | None,
    options: RunOptions,
    *,
    raw: bool,
    members: SegmentSink | None = None,
    book: WorkbookSink | None = None,
) -> Totals:
    """Read the export once (on the engine of ``options``); write each batch's members to
    the sinks. Returns the totals; for CSV/TSV, counts cells that may run as formulas into
    ``formulas``."""
    import polars as pl

    from leadseg.engines import engine_for

    batches = engine_for(options).member_batches(p, tagging(p, output, formulas), raw=raw)
    totals: Totals | None = None
    pending: dict[str, Future[int | None]] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, min(len(sinks), os.cpu_count() or 1)))
    checked = formulas.checked if formulas else None
    try:
        for batch in batches:
            part = p.batch_totals(batch)
            totals = part if totals is None else totals.then(part)
            _gather(pending, formulas)
            if formulas is not None:
                _count_by_column(batch, list(sinks), formulas)
            pending = {
                name: pool.submit(_write_members, sink, batch, mask_column(name), checked)
                for name, sink in sinks.items()
            }
            if members is not None and output.membership is not None:
                rows = output.membership.rows(p, batch)
                pending["\x00membership"] = pool.submit(members.write, rows)
            if book is not None:  # here, on this thread: one workbook, written in order
                for name in sinks:
                    book.write(name, batch.filter(pl.col(mask_column(name))))
            after_batch()
        _gather(pending, formulas)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if formulas is not None:
        for name in sinks:
            formulas.by_file.setdefault(name, 0)
    return totals if totals is not None else p.empty_totals()


def _count_by_column(batch: pl.DataFrame, selected: list[str], formulas: Formulas) -> None:
    """Add this batch's risky cells per column, over the rows some file receives."""
    import polars as pl

    from leadseg.outputs.formulas import mask_columns, risky_by_column

    masks = mask_columns(formulas.checked)
    if not masks or not selected:
        return
    written = pl.any_horizontal(pl.col(mask_column(n)) for n in selected)
    risky = pl.any_horizontal(pl.col(m) > 0 for m in masks)
    rows = batch.filter(written & risky)
    for column, n in risky_by_column(rows, formulas.checked).items():
        formulas.by_column[column] = formulas.by_column.get(column, 0) + n


def _gather(pending: dict[str, Future[int | None]], formulas: Formulas | None) -> None:
    for name, future in pending.items():
        cells = future.result()
        if cells is not None and formulas is not None:
            formulas.by_file[name] = formulas.by_file.get(name, 0) + cells


def _write_members(
    sink: SegmentSink, batch: pl.DataFrame, mask: str, checked: list[str] | None
) -> int | None:
    """Write one segment's rows of a batch; return how many of their cells may run as
    formulas (CSV/TSV only)."""
    import polars as pl

    from leadseg.outputs.formulas import risky_cell_count

    members = batch.filter(pl.col(mask))
    sink.write(members)
    return None if checked is None else risky_cell_count(members, checked)


def manifest_of(
    p: Plan,
    counts: CountResult,
    output: OutputOptions,
    digest: BackgroundDigest | str | None,
    formulas: Formulas | None,
) -> dict[str, Any]:
    from leadseg import __version__

    source = p.export.source_path or p.export.local_path
    manifest: dict[str, Any] = {
        "leadseg_version": __version__,
        "input": {
            "path": p.export.display,
            "delimiter": p.export.csv_delimiter,
            "size": None if p.export.lake else source.stat().st_size,
            "sha256": digest.hexdigest() if isinstance(digest, BackgroundDigest) else digest,
            "rows": counts.rows,
        },
        "segments_file": {"path": p.segments.source, "sha256": p.segments.sha256},
        "as_of": counts.as_of,
        "format": output.format,
        "file_mode": None if output.file_mode is None else f"{output.file_mode:04o}",
        "excel_safe": output.excel_safe and output.text,
        **({"bom": True} if output.bom else {}),
        "segments": [
            {"name": c.name, "parent": c.parent, "file": c.file, "rows": c.count}
            | ({"formula_cells": c.formula_cells} if c.formula_cells is not None else {})
            for c in counts.segments
        ],
        "unreadable": [u.to_dict() for u in counts.unreadable],
    }
    if counts.guards is not None:
        manifest["guards"] = [g.to_dict() for g in counts.guards]
    if output.workbook is not None:
        manifest["workbook"] = {"file": output.workbook.file}
    if output.membership is not None:
        manifest["membership"] = {
            "file": output.membership.file,
            "key": output.membership.key_columns(p),
            "rows": counts.rows,
        }
    if formulas is not None:
        manifest["formula_cells_by_column"] = formulas.by_column
        manifest["formula_header_cells"] = formulas.header_cells
    return manifest


def fill_first_values(p: Plan, totals: Totals, options: RunOptions) -> None:
    """The first unreadable values of a column whose batches did not carry it (the raw
    lines of a CSV are written, not the column): read by the engine's sample query, for the
    warning's hint -- only for a column that has any."""
    from leadseg.engines import engine_for
    from leadseg.engines.totals import FIRST_ROWS

    for i, found in enumerate(totals.first_values):
        if totals.unreadable[i] and not found:
            sample = engine_for(options).unreadable_sample(p, i, FIRST_ROWS)
            totals.first_values[i] = [v.strip() for v in sample]
