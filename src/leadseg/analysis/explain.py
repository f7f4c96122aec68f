"""``explain``: a waterfall per segment. Its steps are the parent chain's own criteria (root
first) then the segment's own, in file order; after each step, how many rows are kept, how
many that step dropped, and how many of those it dropped because every value it reads was
blank, a placeholder or unreadable. A ``match: any`` segment's branches are steps that
each add the rows no earlier branch matched.

Every figure is a segment count: each step becomes an extra segment whose parent is the
step before (``kept``), and beside it one selecting the rows it dropped for lack of a value
(``blank``). One pass of any engine counts them with the real segments."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from leadseg.analysis.readable import has_value
from leadseg.analysis.wording import in_words, line_of
from leadseg.results import CountResult, UnreadableValues
from leadseg.segments.criteria import (
    AllOf,
    AnyOf,
    Criterion,
    Kind,
    Not,
    Segment,
    SegmentSet,
    conditions,
)


@dataclass(frozen=True)
class Step:
    criterion: Criterion
    segment: str  # the segment whose criterion this is (the explained one or a parent)
    branch: bool  # one branch of ``match: any``
    kept: str  # the extra segment of the rows kept after it
    blank: str | None  # the extra segment of the rows it dropped for lack of a value


@dataclass(frozen=True)
class StepFigures:
    criterion: str
    segment: str
    line: int | None
    match: str  # "all": the step keeps rows; "any": a branch, it adds rows
    kept: int
    dropped: int | None  # "all" steps
    dropped_blank: int | None  # "all" steps
    added: int | None  # "any" steps

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Waterfall:
    name: str
    count: int
    steps: list[StepFigures]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "count": self.count, "steps": [s.to_dict() for s in self.steps]}


@dataclass(frozen=True)
class ExplainResult:
    input: str
    rows: int
    as_of: str | None
    segments: list[Waterfall]
    unreadable: list[UnreadableValues]

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "rows": self.rows,
            "as_of": self.as_of,
            "segments": [s.to_dict() for s in self.segments],
            "unreadable": [u.to_dict() for u in self.unreadable],
        }


def no_value(criterion: Criterion) -> Criterion | None:
    """True where every value ``criterion`` reads is missing for its comparison: blank, a
    placeholder or unreadable (None: it reads no column, only segments)."""
    missing: dict[tuple[str, Kind], Criterion] = {}
    for cond in conditions(criterion):
        key = (cond.field, cond.kind)
        if key not in missing:
            missing[key] = Not(has_value(cond.field, cond.kind))
    if not missing:
        return None
    found = list(missing.values())
    return found[0] if len(found) == 1 else AllOf(tuple(found))


def own_steps(segment: Segment) -> tuple[tuple[Criterion, ...], bool]:
    """A segment's own criteria as steps, and whether they are ``match: any`` branches."""
    node = segment.criterion
    if isinstance(node, AllOf):
        return node.children, False
    if isinstance(node, AnyOf):
        return node.children, True
    return (node,), False


def waterfall_segments(
    segments: SegmentSet, names: list[str]
) -> tuple[SegmentSet, list[list[Step]]]:
    """``segments`` with the extra segments of the waterfalls of ``names``, and each
    waterfall's steps."""
    by_name = segments.by_name()
    prefix = "explain"
    while any(name.startswith(prefix) for name in by_name):
        prefix = "_" + prefix
    extra: list[Segment] = []

    def add(criterion: Criterion, parent: str | None) -> str:
        name = f"{prefix} {len(extra)}"
        extra.append(Segment(name=name, criterion=criterion, parent=parent))
        return name

    waterfalls = []
    for name in names:
        chain = [by_name[name]]
        while chain[0].parent:
            chain.insert(0, by_name[chain[0].parent])
        steps: list[Step] = []
        kept: str | None = None
        for owner in chain:
            children, branches = own_steps(owner)
            base = kept
            for j, child in enumerate(children):
                if branches:
                    either = child if j == 0 else AnyOf(children[: j + 1])
                    kept_now = add(either, base)
                    steps.append(Step(child, owner.name, True, kept_now, None))
                else:
                    lacking = no_value(child)
                    blank = None
                    if lacking is not None:
                        blank = add(AllOf((Not(child), lacking)), kept)
                    kept_now = add(child, kept)
                    steps.append(Step(child, owner.name, False, kept_now, blank))
                kept = kept_now
        waterfalls.append(steps)
    widened = dataclasses.replace(segments, segments=segments.segments + tuple(extra))
    return widened, waterfalls


def explained(counts: CountResult, names: list[str], waterfalls: list[list[Step]]) -> ExplainResult:
    """The waterfalls' figures from the counts of the widened segment set."""
    count = {s.name: s.count for s in counts.segments}
    result = []
    for name, steps in zip(names, waterfalls, strict=True):
        figures = []
        before = counts.rows
        for i, step in enumerate(steps):
            kept = count[step.kept]
            if step.branch:
                earlier = steps[i - 1] if i else None
                follows = earlier is not None and earlier.branch and earlier.segment == step.segment
                added = kept - (count[earlier.kept] if follows and earlier else 0)
                dropped = blank = None
            else:
                added = None
                dropped = before - kept
                blank = count[step.blank] if step.blank else 0
            figures.append(
                StepFigures(
                    criterion=in_words(step.criterion),
                    segment=step.segment,
                    line=line_of(step.criterion),
                    match="any" if step.branch else "all",
                    kept=kept,
                    dropped=dropped,
                    dropped_blank=blank,
                    added=added,
                )  # fmt: skip
            )
            before = kept
        result.append(Waterfall(name, count[name], figures))
    return ExplainResult(counts.input, counts.rows, counts.as_of, result, counts.unreadable)
