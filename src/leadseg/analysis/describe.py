"""``describe``: what a column holds, read as leadseg reads it in a comparison -- blank,
placeholder, unreadable and readable values, and by kind: a number's range, mean,
quantiles, histogram and how many contacts a threshold keeps; a date's range and recent
counts; a text's distinct values and most common ones.

A column's kind is the one the segment file compares it as (``-s``); otherwise a number
when most of its values in the first rows read as numbers, a date when most read as dates,
else text. The counts are extra segments (blank, has a value, placeholders, in the last N
days) and the values are counted by the engine (``Engine.distributions``), so every rule
is the engines' own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from leadseg.analysis.figures import QUANTILES, Counted, round_thresholds, rounded
from leadseg.analysis.readable import has_date, has_number
from leadseg.engines.interface import TOP_VALUES
from leadseg.segments.criteria import Condition, Kind, Op, Segment, SegmentSet, conditions
from leadseg.segments.reads import values_read

if TYPE_CHECKING:
    import polars as pl

RECENT_DAYS = (7, 30, 90, 365)
DEFAULT_BINS = 10


@dataclass(frozen=True)
class Threshold:
    """A number a segment compares the column with."""

    value: float
    segment: str
    op: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "segment": self.segment, "op": self.op}


@dataclass(frozen=True)
class FieldProfile:
    name: str
    kind: str  # number, date or text
    blank: int
    placeholders: int
    unreadable: int
    unreadable_rows: list[int]  # spreadsheet rows of the first unreadable values
    readable: int  # values read as the kind (for text: not blank)
    figures: dict[str, Any] = field(default_factory=dict)  # by kind, see README
    thresholds: list[Threshold] = field(default_factory=list)  # with -s: the segments'
    hint: str | None = None  # a text column whose values read as dates in another form

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "blank": self.blank,
            "placeholders": self.placeholders,
            "unreadable": self.unreadable,
            "unreadable_rows": self.unreadable_rows,
            "readable": self.readable,
        }
        data.update(self.figures)
        if self.thresholds:
            data["thresholds"] = [t.to_dict() for t in self.thresholds]
        if self.hint:
            data["hint"] = self.hint
        return data


@dataclass(frozen=True)
class DescribeResult:
    input: str
    rows: int
    as_of: str
    fields: list[FieldProfile]

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "rows": self.rows,
            "as_of": self.as_of,
            "fields": [f.to_dict() for f in self.fields],
        }


def known_kinds(segments: SegmentSet) -> dict[str, Kind]:
    """The kind each compared column is read as by the segments (a number or a date
    before text, when a column is compared both ways)."""
    kinds: dict[str, Kind] = {}
    for column, kind in values_read(segments):
        if column not in kinds or kinds[column] == Kind.TEXT:
            kinds[column] = kind
    return kinds


def probe_segments(columns: list[str]) -> list[Segment]:
    """Extra segments whose unreadable counts tell each column's kind: per column, one
    reading it as numbers and one as dates."""
    found = []
    for i, column in enumerate(columns):
        found.append(Segment(f"probe {i} number", has_number(column)))
        found.append(Segment(f"probe {i} date", has_date(column)))
    return found


def inferred_kind(number: tuple[int, int], day: tuple[int, int]) -> Kind:
    """(readable, unreadable) values as numbers and as dates -> the kind: the first that
    reads at least half of the values that are neither blank nor placeholders."""
    for kind, (good, bad) in ((Kind.NUMBER, number), (Kind.DATE, day)):
        if good and bad <= good:
            return kind
    return Kind.TEXT


def profile_segments(columns: list[tuple[str, Kind]], segments: SegmentSet) -> list[Segment]:
    """Extra segments counting, per column: blank values, and by kind its readable values
    (numbers), recent dates, or placeholders written in a text column."""
    found = []
    for i, (column, kind) in enumerate(columns):
        blank = Condition(column, Op.IS_BLANK, Kind.BLANK, True)
        found.append(Segment(f"describe {i} blank", blank))
        if kind == Kind.NUMBER:
            found.append(Segment(f"describe {i} number", has_number(column)))
        elif kind == Kind.DATE:
            found.append(Segment(f"describe {i} date", has_date(column)))
            for days in RECENT_DAYS:
                recent = Condition(column, Op.IN_LAST_DAYS, Kind.DATE, days)
                found.append(Segment(f"describe {i} last {days}", recent))
        else:
            # reads the column as text (its values are counted); an empty list never matches
            holders = segments.placeholders_for(column) or ("",)
            written = Condition(column, Op.IN, Kind.TEXT, holders)
            found.append(Segment(f"describe {i} text", written))
    return found


def thresholds_of(segments: SegmentSet, column: str) -> list[Threshold]:
    """The numbers the segments compare ``column`` with (``at_least``, ``at_most``,
    ``between``), in file order."""
    found = []
    for segment in segments.segments:
        for cond in conditions(segment.criterion):
            if cond.field != column or cond.kind != Kind.NUMBER:
                continue
            if cond.op in (Op.AT_LEAST, Op.AT_MOST):
                found.append(Threshold(cast(float, cond.value), segment.name, cond.op.value))
            elif cond.op == Op.BETWEEN:
                for bound in cast(tuple[float, float], cond.value):
                    found.append(Threshold(bound, segment.name, "between"))
    return found


def number_figures(counted: Counted, bins: int) -> dict[str, Any]:
    if not counted.total:
        empty: dict[str, Any] = {"min": None, "max": None, "mean": None, "quantiles": {}}
        return empty | {"histogram": [], "at_least": []}
    quantiles = {str(q): counted.quantile(q) for q in QUANTILES}
    marks = {value: key for key, value in reversed(list(quantiles.items()))}
    low, high = counted.values[0], counted.values[-1]
    written = {rounded(q, high - low) for q in quantiles.values()}  # as init writes them
    candidates = sorted(set(marks) | set(round_thresholds(low, high)) | written)
    at_least = []
    for value in candidates:
        entry: dict[str, Any] = {"value": value, "count": counted.at_least(value)}
        entry["at_most"] = counted.at_most(value)
        if value in marks:
            entry["quantile"] = marks[value]
        at_least.append(entry)
    return {
        "min": counted.values[0],
        "max": counted.values[-1],
        "mean": counted.mean(),
        "quantiles": quantiles,
        "histogram": [
            {"low": low, "high": high, "count": n} for low, high, n in counted.histogram(bins)
        ],
        "at_least": at_least,
    }


def date_figures(values: pl.DataFrame, recent: dict[int, int]) -> dict[str, Any]:
    days = values["value"]
    return {
        "min": None if days.is_empty() else days.min().isoformat(),  # type: ignore[union-attr]
        "max": None if days.is_empty() else days.max().isoformat(),  # type: ignore[union-attr]
        "last_days": {str(n): recent[n] for n in RECENT_DAYS},
    }


def text_figures(values: pl.DataFrame, distinct: int | None = None) -> dict[str, Any]:
    """Distinct values (folded; ``distinct`` when ``values`` holds only those that can be
    the most common) and the most common ones, each in its most common spelling (ties: the
    spelling that sorts first), ranked by count, ties by that spelling."""
    import polars as pl

    ranked = (
        values.sort(["count", "spelling"], descending=[True, False])
        .group_by("value", maintain_order=True)
        .agg(pl.col("spelling").first(), pl.col("count").sum())
        .sort(["count", "spelling"], descending=[True, False])
    )
    top = ranked.head(TOP_VALUES).select("spelling", "count").iter_rows()
    return {
        "distinct": ranked.height if distinct is None else distinct,
        "top": [{"value": spelling, "count": int(n)} for spelling, n in top],
    }
