"""The report's figures of the segment file's scores: each score's histogram (equal bins
from its lowest to its highest value) and each grade's contacts per label, from one pass of
the engine's member batches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from leadseg.engines.plan import Plan, RunOptions


@dataclass
class ScoreHistogram:
    name: str
    bins: list[tuple[float, float, int]] = field(default_factory=list)  # [low, high), count
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "min": self.minimum, "max": self.maximum, "mean": self.mean,
            "bins": [{"from": a, "to": b, "count": n} for a, b, n in self.bins],
        }  # fmt: skip


@dataclass
class GradeShares:
    name: str
    score: str
    labels: dict[str, int]  # in band order; "" for no band reached

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "score": self.score, "labels": self.labels}


@dataclass
class ScoreFigures:
    scores: list[ScoreHistogram]
    grades: list[GradeShares]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scores": [s.to_dict() for s in self.scores],
            "grades": [g.to_dict() for g in self.grades],
        }


def histogram(name: str, values: Counter[float], bins: int) -> ScoreHistogram:
    """Equal-width bins over [min, max]; the last bin holds the maximum."""
    total = sum(values.values())
    if not total:
        return ScoreHistogram(name)
    low, high = min(values), max(values)
    mean = round(sum(v * n for v, n in values.items()) / total, 2)
    if low == high:
        return ScoreHistogram(name, [(low, high, total)], low, high, mean)
    width = (high - low) / bins
    counts = [0] * bins
    for value, n in values.items():
        counts[min(int((value - low) / width), bins - 1)] += n
    edges = [round(low + i * width, 2) for i in range(bins)] + [high]
    found = [(edges[i], edges[i + 1], counts[i]) for i in range(bins)]
    return ScoreHistogram(name, found, low, high, mean)


def score_figures(p: Plan, options: RunOptions, bins: int = 10) -> ScoreFigures:
    from leadseg.engines import Tagging
    from leadseg.engines.polars.compiler import score_outputs
    from leadseg.engines.settled import settled_batches

    def counted(batches: Iterator[pl.DataFrame]) -> tuple[dict, dict]:
        values: dict[str, Counter[float]] = {s.name: Counter() for s in p.segments.scores}
        labels: dict[str, Counter[str]] = {g.name: Counter() for g in p.segments.grades}
        for batch in batches:
            for name, counter in values.items():
                counter.update(dict(batch[name].value_counts().iter_rows()))
            for name, shares in labels.items():
                shares.update(dict(batch[name].fill_null("").value_counts().iter_rows()))
        return values, labels

    tagging = Tagging(stages=[score_outputs(p.segments)])
    (values, labels), _ = settled_batches(p, options, tagging, counted)
    grades = []
    for grade in p.segments.grades:
        found = labels[grade.name]
        ordered = {label: found.get(label, 0) for label, _ in grade.bands}
        if found.get(""):
            ordered[""] = found[""]
        grades.append(GradeShares(grade.name, grade.score, ordered))
    return ScoreFigures([histogram(n, c, bins) for n, c in values.items()], grades)
