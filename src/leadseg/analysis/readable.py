"""Criteria that hold where a column has a value for a comparison of its kind -- written
with the ordinary operators, so every engine evaluates them by its own rules: a readable
number is at least the lowest double; a readable date is before a day or after the day
before it; a text (or a blank check) has a value when it is not blank."""

from __future__ import annotations

from datetime import date

from leadseg.segments.criteria import AnyOf, Condition, Criterion, Kind, Op

LOWEST_NUMBER = -1.7976931348623157e308  # every readable number is at least this
SOME_DAY = date(2000, 1, 1)  # every readable date is before it or after the day before


def has_number(column: str) -> Criterion:
    return Condition(column, Op.AT_LEAST, Kind.NUMBER, LOWEST_NUMBER)


def has_date(column: str) -> Criterion:
    before = Condition(column, Op.BEFORE, Kind.DATE, SOME_DAY)
    return AnyOf((before, Condition(column, Op.AFTER, Kind.DATE, date(1999, 12, 31))))


def has_value(column: str, kind: Kind) -> Criterion:
    """The column has a value for a comparison of ``kind``."""
    if kind == Kind.NUMBER:
        return has_number(column)
    if kind == Kind.DATE:
        return has_date(column)
    return Condition(column, Op.IS_BLANK, Kind.BLANK, False)
