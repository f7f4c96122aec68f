"""``validate``'s warnings about score sheets: a group whose rules can never reach its
limit (from the file alone), and a rule that gives no points to any row of the export's
sample (each rule's "fires" is an extra segment, counted in the sample's one pass)."""

from __future__ import annotations

import dataclasses
import math

from leadseg.analysis.readable import has_number
from leadseg.segments.criteria import AllOf, Condition, Kind, Not, Op, Segment, SegmentSet
from leadseg.segments.scores import Group, Rule, Score


def _most(rule: Rule) -> float:
    """The most points a rule can give."""
    if rule.field is None:
        return max(rule.points, 0.0)
    if rule.points <= 0:
        return 0.0
    return rule.limit if rule.limit is not None else math.inf


def limit_warnings(segment_set: SegmentSet) -> list[str]:
    found = []
    for score in segment_set.scores:
        for group in score.groups:
            if group.limit is None:
                continue
            most = math.fsum(_most(rule) for rule in group.rules)
            if most < group.limit:
                found.append(
                    f"score {score.name!r}, group {group.name!r}: its rules give at most "
                    f"{most:g} points together, below its limit of {group.limit:g} "
                    "(the limit never applies)"
                )
    return found


def _fires(rule: Rule) -> object:
    if rule.criterion is not None:
        return rule.criterion
    field = rule.field or ""
    return AllOf((has_number(field), Not(Condition(field, Op.IS, Kind.NUMBER, 0.0))))


def firing_segments(
    segment_set: SegmentSet,
) -> tuple[SegmentSet, list[tuple[Score, Group, Rule, str]]]:
    """``segment_set`` with one extra segment per score rule: the rows the rule gives
    points to."""
    prefix = "fires"
    while any(s.name.startswith(prefix) for s in segment_set.segments):
        prefix = "_" + prefix
    extra: list[Segment] = []
    rules = []
    for score in segment_set.scores:
        for group, rule in score.rules():
            name = f"{prefix} {len(extra)}"
            extra.append(Segment(name=name, criterion=_fires(rule)))  # type: ignore[arg-type]
            rules.append((score, group, rule, name))
    widened = dataclasses.replace(segment_set, segments=segment_set.segments + tuple(extra))
    return widened, rules


def unfired_warnings(
    members: dict[str, int], rules: list[tuple[Score, Group, Rule, str]], rows: int, sample: int
) -> list[str]:
    where = f"the first {sample:,} rows" if rows >= sample else f"the {rows:,} rows"
    found = []
    for score, group, rule, name in rules:
        if members.get(name, 0) == 0 and rows:
            place = f", group {group.name!r}" if group.name else ""
            found.append(
                f"score {score.name!r}{place}: rule {rule.label!r} gives no points to any of "
                f"{where} of the export (check its column and values)"
            )
    return found
