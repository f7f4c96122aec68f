"""``leadseg score EXPORT -o FILE``: the whole export with the segment file's score and
grade columns after its own (the file a CRM import takes), in one streaming pass on the
engine asked for, written whole or not at all: a temp file beside FILE, renamed over it
only when every row is written and no check failed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadseg.outputs.writers import OUTPUT_SUFFIXES
from leadseg.results import CountResult

if TYPE_CHECKING:
    import polars as pl

    from leadseg.engines.plan import Plan, RunOptions
    from leadseg.segments.criteria import SegmentSet

SUFFIX_FORMATS = {suffix: fmt for fmt, suffix in OUTPUT_SUFFIXES.items()}  # apply's formats


@dataclass
class ScoreSummary:
    """One added column over the rows written: a score's range and mean, or a grade's
    contacts per label (``""``: no band reached)."""

    name: str
    kind: str  # "score" or "grade"
    minimum: float | None = None
    maximum: float | None = None
    total: float = 0.0
    rows: int = 0
    labels: dict[str, int] = field(default_factory=dict)

    @property
    def mean(self) -> float | None:
        return round(self.total / self.rows, 2) if self.rows else None

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "grade":
            return {"name": self.name, "kind": self.kind, "labels": self.labels}
        return {
            "name": self.name, "kind": self.kind, "min": self.minimum, "max": self.maximum,
            "mean": self.mean,
        }  # fmt: skip


@dataclass(frozen=True)
class ScoreResult:
    counts: CountResult  # rows, and the unreadable values the rules read
    output: str
    format: str
    columns: list[ScoreSummary]

    def to_dict(self) -> dict[str, Any]:
        data = self.counts.to_dict()
        data.pop("segments", None)
        data.update(output=self.output, format=self.format)
        data["columns"] = [c.to_dict() for c in self.columns]
        return data


def output_format(path: Path, asked: str | None) -> str:
    """The format asked for, else the one FILE's extension names."""
    from leadseg.errors import UsageError

    if asked is not None:
        if asked not in SUFFIX_FORMATS.values():
            raise UsageError(f"--format {asked!r}: one of " + ", ".join(SUFFIX_FORMATS.values()))
        return asked
    fmt = SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(
            f"-o {path}: no format for the extension {path.suffix or '(none)'!r}",
            hint="name the file .csv, .tsv, .parquet or .ndjson, or pass --format",
        )
    return fmt


def write_scored(
    p: Plan, path: Path, fmt: str, options: RunOptions, *, file_mode: int | None, bom: bool
) -> ScoreResult:
    from leadseg.exports.readers import until_settled

    # Widened once, outside the loop: a pass that finds text needing NFC marks this plan
    # and the next pass reads it so (widened inside, each pass began afresh: for ever).
    p = p.widened(needed_segments(p.segments))  # the segments no score reads are not computed
    return until_settled(lambda: _attempt(p, path, fmt, options, file_mode, bom))


def _attempt(
    p: Plan, path: Path, fmt: str, options: RunOptions, file_mode: int | None, bom: bool
) -> ScoreResult:
    import polars as pl

    from leadseg.engines import Tagging, engine_for
    from leadseg.engines.plan import check_unreadable
    from leadseg.engines.polars.compiler import score_outputs
    from leadseg.exports.readers import RAW_LINE
    from leadseg.outputs.applying import UTF8_BOM, fill_first_values, json_text, written_schema
    from leadseg.outputs.single_file import whole_file
    from leadseg.outputs.sinks import TEXT_DELIMITERS, RawPlusCsvSink, open_sink
    from leadseg.segments.scores import added_columns

    schema = pl.Schema(written_schema(p, True))
    added = [name for name, _ in added_columns(p.segments)]
    tagging = Tagging(stages=[score_outputs(p.segments)], added=added)
    # As apply does: each record's raw line is copied (the scores after it) when the output
    # is the input's dialect and Polars reads it
    raw = (
        options.engine == "polars"
        and fmt in TEXT_DELIMITERS
        and p.export.raw_source() is not None
        and p.export.csv_delimiter == TEXT_DELIMITERS[fmt]
    )
    if fmt in TEXT_DELIMITERS and not raw:
        tagging.stages.append([json_text(n) for n, t in p.schema.items() if t.is_nested()])
    summaries = [ScoreSummary(s.name, "score") for s in p.segments.scores]
    summaries += [
        ScoreSummary(g.name, "grade", labels={label: 0 for label, _ in g.bands})
        for g in p.segments.grades
    ]
    folder = path.parent if str(path.parent) else Path(".")
    with whole_file(path, file_mode if file_mode is not None else 0o666) as handle:
        if bom and fmt in TEXT_DELIMITERS:
            handle.write(UTF8_BOM)
        if raw:
            header = p.export.raw_header()
            sink: Any = RawPlusCsvSink(handle, header, RAW_LINE, added, TEXT_DELIMITERS[fmt])
        else:
            sink = open_sink(fmt, handle, schema, folder, list(schema))
        try:
            totals = None
            for batch in engine_for(options).member_batches(p, tagging, raw=raw):
                part = p.batch_totals(batch)
                totals = part if totals is None else totals.then(part)
                _summarise(batch, summaries)
                sink.write(batch)
            totals = totals if totals is not None else p.empty_totals()
            p.settle(totals)
            fill_first_values(p, totals, options)
            counts = p.result(totals)
            check_unreadable(p, counts, options)
            p.export.check_unchanged()  # the file must hold the rows that were read
        except BaseException:
            discard = getattr(sink, "discard", None)
            if discard is not None:
                discard()
            raise
        sink.close()
    return ScoreResult(counts, str(path), fmt, summaries)


def needed_segments(segment_set: SegmentSet) -> SegmentSet:
    """The segment set with only the segments its scores read (through ``segment:``, with
    their parents and references)."""
    import dataclasses

    from leadseg.segments.scores import node_dependencies

    graph = node_dependencies(segment_set)
    seen: set[tuple[str, str]] = set()
    todo = [node for node in graph if node[0] != "segment"]
    while todo:  # everything the scores and grades read, through any chain
        node = todo.pop()
        for dep in graph.get(node, ()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    keep = {name for kind, name in seen if kind == "segment"}
    kept = tuple(s for s in segment_set.segments if s.name in keep)
    return dataclasses.replace(segment_set, segments=kept)


def _summarise(batch: pl.DataFrame, summaries: list[ScoreSummary]) -> None:
    import polars as pl

    for summary in summaries:
        column = batch[summary.name]
        if summary.kind == "grade":  # in band order, then "" (no band), as found
            for label, n in column.fill_null("").value_counts().iter_rows():
                summary.labels[label] = summary.labels.get(label, 0) + n
            if "" in summary.labels:
                summary.labels[""] = summary.labels.pop("")
            continue
        if not len(column):
            continue
        value = pl.col(summary.name)
        low, high, total = batch.select(
            value.min().alias("min"), value.max().alias("max"), value.sum().alias("sum")
        ).row(0)
        summary.minimum = low if summary.minimum is None else min(summary.minimum, low)
        summary.maximum = high if summary.maximum is None else max(summary.maximum, high)
        summary.total = math.fsum((summary.total, total))
        summary.rows += len(column)
