"""A plain-Python reference evaluator of the segment semantics, written independently of the
Polars backend: the property tests and every case file compare the engine with it."""

from __future__ import annotations

import re
from datetime import date, timedelta

from leadseg.criteria import (
    AllOf,
    AnyOf,
    Condition,
    Criterion,
    Kind,
    Not,
    Op,
    SegmentRef,
    SegmentSet,
)

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})([T ].*)?$")


def is_blank(value: str | None) -> bool:
    return value is None or value.strip() == ""


def as_number(value: str | None) -> float | None:
    if is_blank(value) or not _NUMBER.match(value.strip()):
        return None
    return float(value.strip())


def as_date(value: str | None) -> date | None:
    if is_blank(value):
        return None
    match = _DATE.match(value.strip())
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _condition(cond: Condition, row: dict[str, str | None], as_of: date) -> bool:
    raw = row[cond.field]
    if cond.kind == Kind.BLANK:
        return is_blank(raw) == cond.value
    if cond.kind == Kind.TEXT:
        if is_blank(raw) and raw is None:
            return False
        text = raw.strip().lower()
        target = cond.value
        if cond.op == Op.IS:
            return text == target.strip().lower()
        if cond.op == Op.IN:
            return text in {t.strip().lower() for t in target}
        if cond.op == Op.CONTAINS:
            return target.strip().lower() in text
        if cond.op == Op.STARTS_WITH:
            return text.startswith(target.strip().lower())
        if cond.op == Op.ENDS_WITH:
            return text.endswith(target.strip().lower())
    value = as_number(raw) if cond.kind == Kind.NUMBER else as_date(raw)
    if value is None:
        return False
    op, target = cond.op, cond.value
    if op == Op.AT_LEAST:
        return value >= target
    if op == Op.AT_MOST:
        return value <= target
    if op == Op.BETWEEN:
        return target[0] <= value <= target[1]
    if op == Op.IS:
        return value == target
    if op == Op.IN:
        return value in target
    if op == Op.BEFORE:
        return value < target
    if op == Op.AFTER:
        return value > target
    if op == Op.IN_LAST_DAYS:
        return as_of - timedelta(days=target) <= value <= as_of
    if op == Op.MORE_THAN_DAYS_AGO:
        return value < as_of - timedelta(days=target)
    raise AssertionError(op)


def members(
    segments: SegmentSet, rows: list[dict[str, str | None]], as_of: date
) -> dict[str, list[int]]:
    """Row indexes of each segment's members."""
    by_name = segments.by_name()
    cache: dict[tuple[str, int], bool] = {}

    def in_segment(name: str, i: int) -> bool:
        if (name, i) not in cache:
            seg = by_name[name]
            ok = evaluate(seg.criterion, i)
            if seg.parent:
                ok = ok and in_segment(seg.parent, i)
            cache[(name, i)] = ok
        return cache[(name, i)]

    def evaluate(node: Criterion, i: int) -> bool:
        if isinstance(node, Condition):
            return _condition(node, rows[i], as_of)
        if isinstance(node, AllOf):
            return all(evaluate(c, i) for c in node.children)
        if isinstance(node, AnyOf):
            return any(evaluate(c, i) for c in node.children)
        if isinstance(node, Not):
            return not evaluate(node.child, i)
        assert isinstance(node, SegmentRef)
        return in_segment(node.name, i)

    return {
        s.name: [i for i in range(len(rows)) if in_segment(s.name, i)] for s in segments.segments
    }
