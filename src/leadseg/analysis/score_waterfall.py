"""``explain --score NAME``: the waterfall of a score -- per rule and group, how many
contacts earned points and how many points it gave in total; then the sum before decay,
after it, and how many totals the score's min and limit clamped.

Every figure is a sum over one pass of any engine: each rule's points, each group's points
(with and without its limit) and the score's sum before decay are extra scores (no floor,
no ceiling) computed beside the real ones; the rows come in the engine's member batches.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from leadseg.segments.scores import Group, Rule, Score

if TYPE_CHECKING:
    import polars as pl

    from leadseg.engines.plan import Plan, RunOptions
    from leadseg.segments.criteria import SegmentSet

NO_FLOOR = -math.inf


@dataclass
class Figure:
    """Contacts given points (other than 0) and the points given, over every row."""

    earned: int = 0
    points: float = 0.0

    def add(self, column: pl.Series) -> None:
        self.earned += int((column != 0).sum())
        self.points = math.fsum((self.points, float(column.sum())))


@dataclass
class RuleFigures:
    label: str
    rule: str  # the rule in words
    line: int | None
    figure: Figure = field(default_factory=Figure)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "rule": self.rule, "line": self.line,
                "earned": self.figure.earned, "points": round(self.figure.points, 2)}  # fmt: skip


@dataclass
class GroupFigures:
    name: str  # "" for the rules outside any group
    limit: float | None
    rules: list[RuleFigures]
    figure: Figure = field(default_factory=Figure)
    capped: int = 0  # contacts whose rules gave more than the limit

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "limit": self.limit, "earned": self.figure.earned,
            "points": round(self.figure.points, 2), "capped": self.capped,
            "rules": [r.to_dict() for r in self.rules],
        }  # fmt: skip


@dataclass
class ScoreWaterfall:
    input: str
    rows: int
    as_of: str
    score: str
    groups: list[GroupFigures]
    summed: float = 0.0  # the groups' points, before decay
    decayed: float | None = None  # after decay (None: the score has none)
    at_min: int = 0  # contacts raised to min
    at_limit: int = 0  # contacts lowered to the limit
    total: Figure = field(default_factory=Figure)  # the score itself

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input, "rows": self.rows, "as_of": self.as_of, "score": self.score,
            "groups": [g.to_dict() for g in self.groups], "summed": round(self.summed, 2),
            "decayed": None if self.decayed is None else round(self.decayed, 2),
            "at_min": self.at_min, "at_limit": self.at_limit, "earned": self.total.earned,
            "points": round(self.total.points, 2),
            "mean": round(self.total.points / self.rows, 2) if self.rows else None,
        }  # fmt: skip


def rule_in_words(rule: Rule) -> str:
    from leadseg.analysis.wording import in_words

    if rule.field is not None:
        cap = "" if rule.limit is None else f", at most {rule.limit:g}"
        return f"{rule.points:+g} per {rule.field}{cap}"
    return f"{rule.points:+g} when {in_words(rule.criterion)}"  # type: ignore[arg-type]


def _line(rule: Rule) -> int | None:
    from leadseg.analysis.wording import line_of

    if rule.origin is not None and rule.origin.line is not None:
        return rule.origin.line
    return line_of(rule.criterion) if rule.criterion is not None else None


def _bare(name: str, groups: tuple[Group, ...], decay: Any = None) -> Score:
    """A score of ``groups`` with no floor and no ceiling."""
    return Score(name, groups, NO_FLOOR, None, decay)


def widened(segment_set: SegmentSet, score: Score) -> tuple[SegmentSet, dict[str, str]]:
    """``segment_set`` with the extra scores, and what each one measures (its key: ``rule
    G R``, ``group G``, ``open G`` (no limit), ``summed``, ``decayed``)."""
    taken = {s.name for s in segment_set.scores} | {g.name for g in segment_set.grades}
    prefix = "explain"
    while any(name.startswith(prefix) for name in taken):
        prefix = "_" + prefix
    extra: list[Score] = []
    keys: dict[str, str] = {}

    def add(key: str, groups: tuple[Group, ...], decay: Any = None) -> None:
        name = f"{prefix} {len(extra)}"
        extra.append(_bare(name, groups, decay))
        keys[key] = name

    for g, group in enumerate(score.groups):
        for r, rule in enumerate(group.rules):
            add(f"rule {g} {r}", (Group("", (rule,)),))
        add(f"group {g}", (group,))
        if group.limit is not None:
            add(f"open {g}", (dataclasses.replace(group, limit=None),))
    add("summed", score.groups)
    if score.decay is not None:
        add("decayed", score.groups, score.decay)
    return dataclasses.replace(segment_set, scores=segment_set.scores + tuple(extra)), keys


def score_waterfall(p: Plan, name: str, options: RunOptions) -> ScoreWaterfall:
    from leadseg.engines import Tagging
    from leadseg.engines.polars.compiler import score_column
    from leadseg.engines.settled import settled_batches

    score = {s.name: s for s in p.segments.scores}[name]
    segments, keys = widened(p.segments, score)
    wide = p.widened(segments)

    def figured(batches: Iterator[pl.DataFrame]) -> ScoreWaterfall:
        groups = [
            GroupFigures(
                group.name,
                group.limit,
                [RuleFigures(rule.label, rule_in_words(rule), _line(rule)) for rule in group.rules],
            )
            for group in score.groups
        ]
        result = ScoreWaterfall(p.export.display, 0, p.as_of.isoformat(), name, groups)
        for batch in batches:

            def column(key: str, batch: pl.DataFrame = batch) -> pl.Series:
                return batch[score_column(keys[key])]

            for g, figures in enumerate(groups):
                for r, rule in enumerate(figures.rules):
                    rule.figure.add(column(f"rule {g} {r}"))
                figures.figure.add(column(f"group {g}"))
                if figures.limit is not None:
                    figures.capped += int((column(f"open {g}") > figures.limit).sum())
            summed = column("summed")
            result.summed = math.fsum((result.summed, float(summed.sum())))
            before = summed
            if "decayed" in keys:
                before = column("decayed")
                result.decayed = math.fsum((result.decayed or 0.0, float(before.sum())))
            result.at_min += int((before < score.minimum).sum())
            if score.limit is not None:
                result.at_limit += int((before > score.limit).sum())
            result.total.add(batch[score_column(name)])
            result.rows += batch.height
        return result

    # settled: a rule on text that NFC would change reads it as the counts do
    result, totals = settled_batches(wide, options, Tagging(), figured)
    from leadseg.engines.plan import check_unreadable

    counts = wide.result(totals)
    check_unreadable(wide, counts, options)
    return result
