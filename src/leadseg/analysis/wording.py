"""A criterion in words, as an analyst would say it: ``SFDC Lead Score between 40 and 80``."""

from __future__ import annotations

from datetime import date
from typing import cast

from leadseg.segments.criteria import AllOf, AnyOf, Condition, Criterion, Not, Op, SegmentRef, walk

_WORDS = {
    Op.AT_LEAST: "at least",
    Op.AT_MOST: "at most",
    Op.IS: "is",
    Op.IN: "in",
    Op.CONTAINS: "contains",
    Op.STARTS_WITH: "starts with",
    Op.ENDS_WITH: "ends with",
    Op.BEFORE: "before",
    Op.AFTER: "after",
}
_NEGATED = {Op.IS: "is not", Op.IN: "not in", Op.CONTAINS: "does not contain"}


def value_text(value: object) -> str:
    """A literal as the segment file would write it: 60 rather than 60.0, dates ISO."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def in_words(node: Criterion) -> str:
    if isinstance(node, Condition):
        return f"{node.field} {_condition(node)}"
    if isinstance(node, Not):
        child = node.child
        if isinstance(child, Condition) and child.op in _NEGATED:
            return f"{child.field} {_NEGATED[child.op]} {_target(child)}"
        return f"not ({in_words(child)})"
    if isinstance(node, (AllOf, AnyOf)):
        joiner = " and " if isinstance(node, AllOf) else " or "
        return "(" + joiner.join(in_words(c) for c in node.children) + ")"
    assert isinstance(node, SegmentRef)
    return f"in segment {node.name}"


def _condition(cond: Condition) -> str:
    if cond.op == Op.IS_BLANK:
        return "is blank" if cond.value else "is not blank"
    if cond.op == Op.BETWEEN:
        low, high = cast(tuple[object, object], cond.value)
        return f"between {value_text(low)} and {value_text(high)}"
    if cond.op == Op.SAMPLE:
        seed, low, high = cast(tuple[int, int, int], cond.value)
        return f"in sample [{low / 100:g}, {high / 100:g}) of seed {seed}"
    if cond.op == Op.IN_LAST_DAYS:
        return f"in the last {cond.value} days"
    if cond.op == Op.MORE_THAN_DAYS_AGO:
        return f"more than {cond.value} days ago"
    return f"{_WORDS[cond.op]} {_target(cond)}"


def _target(cond: Condition) -> str:
    if isinstance(cond.value, tuple):
        return ", ".join(value_text(v) for v in cond.value)
    return value_text(cond.value)


def line_of(node: Criterion) -> int | None:
    """The segment-file line where a criterion starts (its first condition's)."""
    for part in walk(node):
        if isinstance(part, Condition) and part.origin is not None:
            return part.origin.line
    return None
