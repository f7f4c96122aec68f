"""Segments from the quick flags (``--at-least N --at-most M``): no segment file needed."""

from __future__ import annotations

from leadseg.errors import Location
from leadseg.segments.columns import SCORE
from leadseg.segments.criteria import Condition, Kind, Op, Segment, SegmentSet
from leadseg.segments.slug import slugify


def _number(value: float) -> str:
    return f"{value:g}"


def quick_segments(
    at_least: float | None, at_most: float | None, score_field: str | None = None
) -> SegmentSet:
    """``score >= at_least`` and ``score <= at_most``, in that order, on the score column
    (``score_field``, or ``RunOptions.score_field`` as for any segment file)."""
    segments = []
    origin = Location(file="--at-least/--at-most")
    for op, value in ((Op.AT_LEAST, at_least), (Op.AT_MOST, at_most)):
        if value is None:
            continue
        name = f"score {op.value.replace('_', ' ')} {_number(value)}"
        condition = Condition(SCORE, op, Kind.NUMBER, float(value), origin)
        segments.append(Segment(name=name, criterion=condition, slug=slugify(name)))
    return SegmentSet(
        segments=tuple(segments),
        score_field=score_field,
        source="--at-least/--at-most",
        score_field_origin=Location(file="--score-field") if score_field else None,
    )
