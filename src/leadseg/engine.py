"""Evaluate a segment set on an export: one pass, every segment at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from leadseg.columns import bind_columns
from leadseg.errors import ExportDataError, Location
from leadseg.io.queries import collect, collect_all
from leadseg.io.readers import Export, ReadOptions
from leadseg.results import CountResult, SegmentCount, UnreadableValues
from leadseg.totals import FIRST_ROWS, Totals

if TYPE_CHECKING:
    import polars as pl

    from leadseg.backends.polars import CompiledSegments
    from leadseg.criteria import SegmentSet

SUSPECT = "\x00leadseg:suspect"


@dataclass(frozen=True)
class RunOptions:
    """Options shared by ``count`` and ``apply``."""

    read: ReadOptions = field(default_factory=ReadOptions)
    as_of: date | None = None  # default: today
    strict: bool = False  # unreadable values are an error instead of a warning
    decimal_comma: bool = False  # numbers are written 12,5
    score_field: str | None = None  # overrides the segment file's score_field
    date_formats: tuple[str, ...] | None = None  # override the segment file's dates.formats
    remember_segment_files: bool = False  # keep valid segment files in the user's cache
    engine: str = "auto"  # polars | duckdb | auto (see leadseg.engines.choose)

    def as_of_date(self) -> date:
        return self.as_of or date.today()


@dataclass
class Plan:
    """A segment set bound to one export and compiled for Polars."""

    export: Export
    segments: SegmentSet
    compiled: CompiledSegments
    as_of: date
    schema: dict[str, Any]  # the export's columns and types, read once
    decimal_comma: bool = False
    nfc_columns: frozenset[str] = frozenset()  # text columns that need NFC (found by a pass)

    def normalise_if_needed(self, totals: Totals) -> bool:
        """After a pass: when a text column holds values NFC would change, compile it with
        NFC and return True (the pass must run again; text that needs no normalisation --
        nearly all -- never pays for it)."""
        from leadseg.backends.polars import compile_segments

        found = {
            column for i, (column, _) in enumerate(self.compiled.unnormalised) if totals.nfc[i]
        }
        if not found:
            return False
        self.nfc_columns = self.nfc_columns | found
        self.compiled = compile_segments(
            self.segments, self.schema, self.as_of,
            decimal_comma=self.decimal_comma, nfc_columns=self.nfc_columns,
        )  # fmt: skip
        return True

    def count_frame(self) -> pl.LazyFrame:
        """The export with its mask columns, read with the extra field of ``long_row``."""
        return self.compiled.add_masks(self.export.scan(extra_field=True))

    def frame(self, *, flags: bool = False) -> pl.LazyFrame:
        """The export with one boolean mask column per segment (and helper columns); with
        ``flags``, also the per-row flags that ``batch_totals`` sums."""
        frame = self.compiled.add_masks(self.export.scan(), flags=flags)
        if flags:
            frame = frame.with_columns(self.export.suspect_row().alias(SUSPECT))
        return frame

    def flag_columns(self) -> list[str]:
        """Every column ``batch_totals`` reads."""
        from leadseg.backends.polars import (
            mask_column,
            nfc_column,
            readable_column,
            unreadable_column,
        )

        masks = [mask_column(s.name) for s in self.compiled.order]
        flags = [
            name
            for i in range(len(self.compiled.parsed))
            for name in (unreadable_column(i), readable_column(i))
        ]
        nfc = [nfc_column(i) for i in range(len(self.compiled.unnormalised))]
        return [*masks, *flags, *nfc, SUSPECT]

    def batch_totals(self, batch: pl.DataFrame) -> Totals:
        """What ``count_exprs`` gives, from a batch of ``frame(flags=True)``: column sums."""
        from leadseg.backends.polars import (
            mask_column,
            nfc_column,
            readable_column,
            unreadable_column,
        )

        parsed = range(len(self.compiled.parsed))
        return Totals(
            rows=batch.height,
            members=[int(batch[mask_column(s.name)].sum()) for s in self.compiled.order],
            unreadable=[int(batch[unreadable_column(i)].sum()) for i in parsed],
            readable=[int(batch[readable_column(i)].sum()) for i in parsed],
            nfc=[int(batch[nfc_column(i)].sum()) for i in range(len(self.compiled.unnormalised))],
            first_unreadable=[
                batch[unreadable_column(i)].arg_true().head(FIRST_ROWS).to_list() for i in parsed
            ],
            suspect_rows=int(batch[SUSPECT].sum()),
        )

    def count_exprs(self) -> list[pl.Expr]:
        """Aggregates of one pass: rows, members per segment, unreadable values, long rows.
        Only sums, so memory does not grow with rows (the rows of the first unreadable
        values come from ``first_unreadable_rows``, only when there are any)."""
        import polars as pl

        from leadseg.backends.polars import nfc_sensitive

        exprs = [pl.len().alias("rows")]
        for i, mask in enumerate(self.compiled.masks().values()):
            exprs.append(mask.sum().alias(f"segment_{i}"))
        for i, parsed in enumerate(self.compiled.parsed):
            exprs.append(parsed.unreadable.sum().alias(f"bad_{i}"))
            exprs.append(pl.col(parsed.helper).is_not_null().sum().alias(f"read_{i}"))
        for i, (_, helper) in enumerate(self.compiled.unnormalised):
            exprs.append(nfc_sensitive(helper).sum().alias(f"nfc_{i}"))
        exprs.append(self.export.long_row().sum().alias("long_rows"))
        exprs.append(self.export.suspect_row().sum().alias("suspect_rows"))
        return exprs

    def totals_of(self, row: dict[str, Any]) -> Totals:
        """The typed totals of a ``count_exprs`` result row."""
        parsed = range(len(self.compiled.parsed))
        return Totals(
            rows=int(row["rows"]),
            members=[int(row[f"segment_{i}"]) for i in range(len(self.compiled.order))],
            unreadable=[int(row[f"bad_{i}"]) for i in parsed],
            readable=[int(row[f"read_{i}"]) for i in parsed],
            nfc=[int(row[f"nfc_{i}"]) for i in range(len(self.compiled.unnormalised))],
            long_rows=int(row["long_rows"]),
            suspect_rows=int(row["suspect_rows"]),
        )

    def first_unreadable_rows(self, totals: Totals, rows: int | None = None) -> None:
        """Fill ``totals.first_unreadable`` (positions of the first few unreadable values):
        one streaming query per column that has any, stopping at the first few."""
        position = "\x00leadseg:row"
        for i, parsed in enumerate(self.compiled.parsed):
            if not totals.unreadable[i]:
                continue
            frame = self.export.scan()
            if rows is not None:
                frame = frame.head(rows)
            query = (
                self.compiled.add_masks(frame.with_row_index(position))
                .filter(parsed.unreadable)
                .select(position)
                .head(FIRST_ROWS)
            )
            totals.first_unreadable[i] = collect(query, self.export).to_series().to_list()

    def result(self, totals: Totals) -> CountResult:
        counts = [
            SegmentCount(s.name, s.parent, totals.members[i])
            for i, s in enumerate(self.compiled.order)
        ]
        order = {s.name: i for i, s in enumerate(self.segments.segments)}
        counts.sort(key=lambda c: order[c.name])
        row_of = self.export.structure.spreadsheet_row
        unreadable = [
            UnreadableValues(
                p.column,
                p.kind.value,
                totals.unreadable[i],
                [row_of(int(r)) for r in totals.first_unreadable[i]],
                values=totals.unreadable[i] + totals.readable[i],
            )
            for i, p in enumerate(self.compiled.parsed)
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
    """The segment set with the command line's ``--score-field`` and ``--date-format``."""
    import dataclasses

    if options.score_field is not None:
        origin = Location(file="--score-field")
        segments = dataclasses.replace(
            segments, score_field=options.score_field, score_field_origin=origin
        )
    if options.date_formats is not None:
        segments = dataclasses.replace(segments, date_formats=options.date_formats)
    return segments


def plan(export: Export, segments: SegmentSet, options: RunOptions) -> Plan:
    from leadseg.backends.polars import compile_segments

    bound = bind_columns(with_overrides(segments, options), export.columns, export.display)
    schema = dict(export.scan().collect_schema())
    check_comparable(bound, schema, export.display)
    as_of = options.as_of_date()
    compiled = compile_segments(bound, schema, as_of, decimal_comma=options.decimal_comma)
    return Plan(export, bound, compiled, as_of, schema, options.decimal_comma)


def check_comparable(segments: SegmentSet, schema: dict[str, Any], display: str) -> None:
    """Nested columns (lists, structs) cannot be compared: each such use is a located
    problem, reported with the segment file's (exit 78)."""
    from leadseg.columns import describe_column
    from leadseg.criteria import conditions
    from leadseg.errors import Problem, UnknownColumnError

    problems = []
    for segment in segments.segments:
        for cond in conditions(segment.criterion):
            dtype = schema[cond.field]
            if dtype.is_nested():
                problems.append(
                    Problem(
                        "nested-column",
                        f"column {describe_column(cond.field)} of {display} holds "
                        f"{str(dtype).split('(')[0].lower()} values; segments compare text, "
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
    from leadseg.diagnose import mostly_unreadable

    for bad in result.unreadable:
        if 2 * bad.count > bad.values:
            raise mostly_unreadable(p, bad)
    if options.strict and result.unreadable:
        first = result.unreadable[0]
        raise ExportDataError(
            f"{first.count} value(s) in column {first.column!r} are not blank and not a "
            f"{first.kind}: rows {', '.join(map(str, first.rows))}",
            location=Location(file=result.input, row=first.rows[0], field=first.column),
            hint="fix those values, or drop --strict to treat them as blank",
        )


def count_plan(p: Plan, options: RunOptions) -> CountResult:
    """Count in one pass; the structural check runs beside it, on Polars' fast path."""
    while True:
        checks = p.export.structure_queries()
        query = p.count_frame().select(p.count_exprs())
        frames = collect_all([query, *checks.values()], p.export)
        totals = p.totals_of(frames[0].row(0, named=True))
        delimiters = frames[1].item() if checks else None
        proven = p.export.structure_ok(
            totals.rows, delimiters, totals.long_rows, totals.suspect_rows
        )
        if proven and not p.normalise_if_needed(totals):
            break
    p.first_unreadable_rows(totals)
    return counted(p, totals, options)


def count_with_duckdb(p: Plan, options: RunOptions) -> CountResult:
    """``count`` on DuckDB: the same totals, so the same result and checks."""
    from leadseg.engines.duckdb import count_totals

    return counted(p, count_totals(p), options)


def counted(p: Plan, totals: Totals, options: RunOptions) -> CountResult:
    """The result of a count, whatever engine made ``totals``: only for an export that did
    not change while it was read, and with the unreadable-value checks."""
    p.export.check_unchanged()
    result = p.result(totals)
    check_unreadable(p, result, options)
    return result


SAMPLE_ROWS = 10_000


def check_sample(p: Plan, options: RunOptions) -> None:
    """``validate --export``: the unreadable-value checks of ``count`` on the first rows."""
    import dataclasses

    while True:
        query = p.compiled.add_masks(p.export.scan(extra_field=True).head(SAMPLE_ROWS))
        totals = p.totals_of(collect(query.select(p.count_exprs()), p.export).row(0, named=True))
        if not p.normalise_if_needed(totals):
            break
    p.first_unreadable_rows(totals, SAMPLE_ROWS)
    result = p.result(totals)
    check_unreadable(p, result, dataclasses.replace(options, strict=False))
