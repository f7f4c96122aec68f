"""The export columns a segment set reads, and as what: the segments' conditions, then the
scores' rules. Every engine parses these columns before it evaluates anything."""

from __future__ import annotations

from leadseg.segments.criteria import Kind, SegmentSet, conditions
from leadseg.segments.scores import computed_names, score_reads


def values_read(segment_set: SegmentSet) -> list[tuple[str, Kind]]:
    """Each export column (and kind) the segments and scores read as a number, a date or
    text: once each, in file order (the segments', then the scores'). Every engine parses
    these, and totals list the number and date ones in this order. Scores and grades are
    not read from the export (``scores.computed_names``)."""
    needed: dict[tuple[str, Kind], None] = {}
    for segment in segment_set.segments:
        for cond in conditions(segment.criterion):
            if cond.kind in (Kind.NUMBER, Kind.DATE, Kind.TEXT):
                needed[(cond.field, cond.kind)] = None
    for score in segment_set.scores:
        needed |= dict.fromkeys(score_reads(score))
    computed = computed_names(segment_set)
    return [(field, kind) for field, kind in needed if field not in computed]


def parsed_values(segment_set: SegmentSet) -> list[tuple[str, Kind]]:
    """The columns read as numbers or dates (whose unreadable values are counted)."""
    return [(column, kind) for column, kind in values_read(segment_set) if kind != Kind.TEXT]
