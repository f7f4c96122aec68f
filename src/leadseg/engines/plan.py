"""Evaluate a segment set on an export: one pass, every segment at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

from leadseg.engines.totals import FIRST_ROWS, Totals
from leadseg.errors import ExportDataError, Location
from leadseg.exports.readers import Export, ReadOptions, Rerun
from leadseg.results import CountResult, SegmentCount, UnreadableValues
from leadseg.segments.columns import bind_columns
from leadseg.segments.criteria import Kind, evaluation_order
from leadseg.segments.reads import parsed_values

if TYPE_CHECKING:
    import polars as pl

    from leadseg.engines.polars.compiler import CompiledSegments
    from leadseg.segments.criteria import Segment, SegmentSet


@dataclass(frozen=True)
class RunOptions:
    """Options shared by ``count`` and ``apply``."""

    read: ReadOptions = field(default_factory=ReadOptions)
    as_of: date | None = None  # default: today
    strict: bool = False  # unreadable values are an error instead of a warning
    decimal_comma: bool = False  # numbers are written 12,5
    score_field: str | None = None  # overrides the segment file's score_field
    date_formats: tuple[str, ...] | None = None  # override the segment file's dates.formats
    number_forms: tuple[str, ...] | None = None  # override the segment file's numbers.forms
    remember_segment_files: bool = False  # keep valid segment files in the user's cache
    engine: str = "auto"  # polars, duckdb, spark, or auto (see leadseg.engines.choose)
    spark_master: str | None = None  # --engine spark: where Spark runs (default local[*])

    def as_of_date(self) -> date:
        return self.as_of or date.today()


@dataclass
class Plan:
    """A segment set bound to one export: what every engine evaluates. The Polars
    compilation is made only when an engine asks for it (``compiled``)."""

    export: Export
    segments: SegmentSet
    as_of: date
    decimal_comma: bool = False
    nfc_columns: frozenset[str] = frozenset()  # text columns that need NFC (found by a pass)
    _compiled: CompiledSegments | None = field(default=None, repr=False)
    _schema: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def schema(self) -> dict[str, Any]:
        """The export's columns and their Polars types (read on first use: an engine that
        never asks -- DuckDB counting Parquet -- never imports Polars)."""
        if self._schema is None:
            self._schema = self.export.frame_schema()
        return self._schema

    def widened(self, segments: SegmentSet) -> Plan:
        """The same export, date and reading with another (bound) segment set: the
        analyses' extra segments."""
        return Plan(
            self.export, segments, self.as_of, self.decimal_comma, self.nfc_columns,
            _schema=self._schema,
        )  # fmt: skip

    @property
    def score_column(self) -> str | None:
        """The score column: the segment file's (or ``--score-field``'s), else the one
        found in the header."""
        from leadseg.segments.columns import detect_score_column

        return self.segments.score_field or detect_score_column(list(self.export.columns))

    @cached_property
    def order(self) -> list[Segment]:
        """Segments in evaluation order: ``Totals.members`` follows it."""
        return evaluation_order(self.segments.segments)

    @cached_property
    def parsed(self) -> list[tuple[str, Kind]]:
        """Columns read as numbers or dates: ``Totals.unreadable`` follows it."""
        return parsed_values(self.segments)

    @property
    def compiled(self) -> CompiledSegments:
        """The segments as Polars expressions (built on first use)."""
        if self._compiled is None:
            from leadseg.engines.polars.compiler import compile_segments

            self._compiled = compile_segments(
                self.segments, self.schema, self.as_of,
                decimal_comma=self.decimal_comma, nfc_columns=self.nfc_columns,
            )  # fmt: skip
        return self._compiled

    def settle(self, totals: Totals) -> None:
        """After a pass over the whole export: raise ``Rerun`` when a text column needs NFC
        (the structure was proven before the pass began)."""
        if self.normalise_if_needed(totals):
            raise Rerun

    def normalise_if_needed(self, totals: Totals) -> bool:
        """After a Polars pass: when a text column holds values NFC would change, compile it
        with NFC and return True (the pass must run again; text that needs no normalisation
        -- nearly all -- never pays for it). Other engines' totals have no ``nfc``."""
        if not totals.nfc:
            return False
        found = {
            column for i, (column, _) in enumerate(self.compiled.unnormalised) if totals.nfc[i]
        }
        if not found:
            return False
        self.nfc_columns = self.nfc_columns | found
        self._compiled = None
        return True

    def frame(self, *, flags: bool = False) -> pl.LazyFrame:
        """The export with one boolean mask column per segment (and helper columns); with
        ``flags``, also the per-row flags that ``batch_totals`` sums."""
        return self.compiled.add_masks(self.export.scan(), flags=flags)

    def batch_totals(self, batch: pl.DataFrame) -> Totals:
        """The totals of a batch of member rows (any engine's): sums of its mask and flag
        columns (``nfc`` only where the batch has those columns: Polars')."""
        from leadseg.engines.polars.compiler import (
            mask_column,
            nfc_column,
            readable_column,
            unreadable_column,
        )

        parsed = range(len(self.parsed))
        nfc: list[int] = []
        while nfc_column(len(nfc)) in batch.columns:
            nfc.append(int(batch[nfc_column(len(nfc))].sum()))
        first = [batch[unreadable_column(i)].arg_true().head(FIRST_ROWS) for i in parsed]
        values = [
            [str(v).strip() for v in batch[column].gather(at).to_list()]
            if column in batch.columns else []
            for (column, _), at in zip(self.parsed, first, strict=True)
        ]  # fmt: skip
        return Totals(
            rows=batch.height,
            members=[int(batch[mask_column(s.name)].sum()) for s in self.order],
            unreadable=[int(batch[unreadable_column(i)].sum()) for i in parsed],
            readable=[int(batch[readable_column(i)].sum()) for i in parsed],
            nfc=nfc,
            first_unreadable=[at.to_list() for at in first],
            first_values=values,
        )

    def empty_totals(self) -> Totals:
        """The totals of an export without rows."""
        zeros = [0] * len(self.parsed)
        return Totals(0, [0] * len(self.order), zeros, list(zeros), [])

    def result(self, totals: Totals) -> CountResult:
        counts = [
            SegmentCount(s.name, s.parent, totals.members[i]) for i, s in enumerate(self.order)
        ]
        order = {s.name: i for i, s in enumerate(self.segments.segments)}
        counts.sort(key=lambda c: order[c.name])
        from leadseg.engines.diagnose import warning_hint

        row_of = self.export.structure.spreadsheet_row
        unreadable = [
            UnreadableValues(
                column,
                kind.value,
                totals.unreadable[i],
                [row_of(int(r)) for r in totals.first_unreadable[i]],
                values=totals.unreadable[i] + totals.readable[i],
                hint=warning_hint(self, column, kind.value, totals.first_values[i]),
            )
            for i, (column, kind) in enumerate(self.parsed)
            if totals.unreadable[i]
        ]
        return CountResult(
            input=self.export.display,
            rows=totals.rows,
            segments=counts,
            unreadable=unreadable,
            as_of=self.as_of.isoformat(),
            delimiter=self.export.csv_delimiter,
        )


def with_overrides(segments: SegmentSet, options: RunOptions) -> SegmentSet:
    """The segment set with the command line's ``--score-field``, ``--date-format`` and
    ``--numbers``."""
    import dataclasses

    if options.score_field is not None:
        origin = Location(file="--score-field")
        segments = dataclasses.replace(
            segments, score_field=options.score_field, score_field_origin=origin
        )
    if options.date_formats is not None:
        segments = dataclasses.replace(segments, date_formats=options.date_formats)
    if options.number_forms is not None:
        segments = dataclasses.replace(segments, number_forms=options.number_forms)
    return segments


def plan(export: Export, segments: SegmentSet, options: RunOptions) -> Plan:
    bound = bind_columns(with_overrides(segments, options), export.columns, export.display)
    planned = Plan(export, bound, options.as_of_date(), options.decimal_comma)
    check_comparable(bound, nested_columns(planned), export.display)
    return planned


def nested_columns(p: Plan) -> dict[str, str]:
    """The export's columns that hold nested values, and what they hold (list, struct,
    map...): from the types DuckDB read, else from the plan's schema (read once, kept for
    the run). A CSV has none (every column is text)."""
    if p.export.csv_delimiter is not None:  # a CSV (or its cached copy): only text
        return {}
    if p.export.column_types is not None:
        return {
            name: kind
            for name, sql_type in p.export.column_types.items()
            if (kind := nested_kind(sql_type)) is not None
        }
    return {
        name: str(dtype).split("(")[0].lower()
        for name, dtype in p.schema.items()
        if dtype.is_nested()
    }


def nested_kind(sql_type: str) -> str | None:
    """``list``, ``struct``, ``map`` or ``union`` for a nested SQL type (DuckDB's
    spelling: ``INTEGER[]``, ``STRUCT(a INTEGER)``, ``MAP(VARCHAR, INTEGER)``), else None."""
    text = sql_type.strip().upper()
    if text.endswith("]"):
        return "list"
    for kind in ("STRUCT", "MAP", "UNION"):
        if text.startswith(kind + "("):
            return kind.lower()
    return None


def check_comparable(segments: SegmentSet, nested: dict[str, str], display: str) -> None:
    """Nested columns (lists, structs) cannot be compared: each such use is a located
    problem, reported with the segment file's (exit 78)."""
    from leadseg.errors import Problem, UnknownColumnError
    from leadseg.segments.columns import describe_column
    from leadseg.segments.criteria import conditions

    problems = []
    for segment in segments.segments:
        for cond in conditions(segment.criterion):
            if cond.field in nested:
                problems.append(
                    Problem(
                        "nested-column",
                        f"column {describe_column(cond.field)} of {display} holds "
                        f"{nested[cond.field]} values; segments compare text, "
                        "numbers and dates",
                        cond.origin or Location(file=segments.source),
                        "compare another column, or flatten this one in the export",
                    )
                )
    if problems:
        raise UnknownColumnError(problems)


def check_unreadable(p: Plan, result: CountResult, options: RunOptions) -> None:
    """A column whose values are mostly unreadable is an error (exit 65): its comparisons
    would count next to nothing. With ``--strict``, any unreadable value is an error."""
    from leadseg.engines.choice import engine_for
    from leadseg.engines.diagnose import SAMPLE, mostly_unreadable

    for bad in result.unreadable:
        if 2 * bad.count > bad.values:
            index = p.parsed.index((bad.column, Kind(bad.kind)))
            values = engine_for(options).unreadable_sample(p, index, SAMPLE)
            raise mostly_unreadable(p, bad, values)
    if options.strict:
        check_strict(result)


def check_strict(result: CountResult) -> None:
    """``--strict``: any unreadable value is an error (exit 65)."""
    if result.unreadable:
        first = result.unreadable[0]
        rows = f": rows {', '.join(map(str, first.rows))}" if first.rows else ""
        raise ExportDataError(
            f"{first.count} value(s) in column {first.column!r} are not blank and not a "
            f"{first.kind}{rows}",
            location=Location(
                file=result.input, row=first.rows[0] if first.rows else None, field=first.column
            ),
            hint="fix those values, or drop --strict to treat them as blank",
        )


def count_plan(p: Plan, options: RunOptions) -> CountResult:
    """Count in one pass of the chosen engine."""
    from leadseg.engines.choice import engine_for

    return counted(p, engine_for(options).totals(p), options)


def counted(p: Plan, totals: Totals, options: RunOptions) -> CountResult:
    """The result of a count, whatever engine made ``totals``: only for an export that did
    not change while it was read, and with the unreadable-value checks."""
    p.export.check_unchanged()
    result = p.result(totals)
    check_unreadable(p, result, options)
    return result


SAMPLE_ROWS = 10_000  # the rows validate --export and init read
