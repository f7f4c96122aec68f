"""Score sheets: the scores a segment file defines (``scores:``) and the grades that label
them (``grades:``), as a backend-neutral tree, and their arithmetic written once.

A score is a column every criterion can compare, computed per contact:

1. each rule gives points: ``points`` when its criterion holds (never for a blank,
   placeholder or unreadable value), or ``points_per`` times a number column's value
   (nothing when it is blank), at most the rule's ``limit``;
2. a group gives the sum of its rules (in file order), at most its ``limit``; the rules
   outside any group count as one group without a limit, before the named groups;
3. the sum of the groups is decayed: times ``0.5 ** (days * rate)``, where days is how
   long before ``--as-of`` the decay column's date lies (0 for a later date; no decay for
   a blank or unreadable date) and rate is ``1 / half_life_days`` (one double, computed
   once: every engine multiplies by the same number);
4. clamped to [``min``, ``limit``] (``min`` is 0 unless set; no ``limit``: no ceiling);
5. rounded to hundredths, half away from zero: ``floor(|x| * 100 + 0.5) / 100`` with the
   sign of x, in double precision (a true division: 57 / 100 is the double nearest 0.57);
   a total of 10**13 or more in size (past what hundredths of a double hold) is kept as
   it is.

Every engine builds the same ``Arith`` tree (``total``) and computes it in the same order
of operations, so a score is the same number everywhere. A grade is the label of the first
band (in file order) whose floor the score reaches, and blank when it reaches none.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from leadseg.errors import Location
from leadseg.segments.criteria import Criterion, Kind, SegmentRef, SegmentSet, conditions, walk


@dataclass(frozen=True)
class Rule:
    """``points`` when ``criterion`` holds, or (``field`` set) ``points`` per unit of that
    number column, at most ``limit``. ``label`` is how messages and explain name it."""

    points: float
    label: str
    criterion: Criterion | None = None
    field: str | None = None
    limit: float | None = None
    origin: Location | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Group:
    name: str  # "" for a score's rules outside any group
    rules: tuple[Rule, ...]
    limit: float | None = None


@dataclass(frozen=True)
class Decay:
    field: str  # a date column
    half_life_days: float


@dataclass(frozen=True)
class Score:
    name: str
    groups: tuple[Group, ...]
    minimum: float = 0.0
    limit: float | None = None
    decay: Decay | None = None
    description: str | None = None
    origin: Location | None = dataclasses.field(default=None, compare=False, repr=False)

    def rules(self) -> list[tuple[Group, Rule]]:
        return [(group, rule) for group in self.groups for rule in group.rules]


@dataclass(frozen=True)
class Grade:
    name: str
    score: str
    bands: tuple[tuple[str, float], ...]  # (label, floor), in file order
    origin: Location | None = dataclasses.field(default=None, compare=False, repr=False)


# -- the arithmetic, written once ---------------------------------------------------------
@dataclass(frozen=True)
class Points:
    """``points`` when ``criterion`` holds, else 0."""

    criterion: Criterion
    points: float


@dataclass(frozen=True)
class PerUnit:
    """``per`` times the number column ``field`` (0 when it is blank or unreadable)."""

    field: str
    per: float


@dataclass(frozen=True)
class Sum:
    """Left to right: ((a + b) + c) + ..."""

    terms: tuple[Arith, ...]


@dataclass(frozen=True)
class AtMost:
    term: Arith
    limit: float


@dataclass(frozen=True)
class AtLeast:
    term: Arith
    floor: float


@dataclass(frozen=True)
class Decayed:
    """``term * 0.5 ** (max(0, as_of - date(field)) * rate)``; ``term`` itself when the
    date is blank or unreadable."""

    term: Arith
    field: str
    rate: float  # 1 / half_life_days


@dataclass(frozen=True)
class Hundredths:
    """Rounded to hundredths, half away from zero (see the module's docstring)."""

    term: Arith


Arith = Points | PerUnit | Sum | AtMost | AtLeast | Decayed | Hundredths


def rule_points(rule: Rule) -> Arith:
    points: Arith = (
        PerUnit(rule.field, rule.points)
        if rule.field is not None
        else Points(rule.criterion, rule.points)  # type: ignore[arg-type]
    )
    return points if rule.limit is None else AtMost(points, rule.limit)


def group_points(group: Group) -> Arith:
    summed = Sum(tuple(rule_points(rule) for rule in group.rules))
    return summed if group.limit is None else AtMost(summed, group.limit)


def total(score: Score) -> Arith:
    """The score's value, as every engine computes it."""
    value: Arith = Sum(tuple(group_points(group) for group in score.groups))
    if score.decay is not None:
        value = Decayed(value, score.decay.field, 1 / score.decay.half_life_days)
    if score.limit is not None:
        value = AtMost(value, score.limit)
    if score.minimum != -math.inf:  # explain's figures have no floor
        value = AtLeast(value, score.minimum)
    return Hundredths(value)


ROUNDED_BELOW = 1e13  # totals this large or larger are not rounded


def hundredths(value: float) -> float:
    """Python's reading of ``Hundredths`` (the oracle restates it from the README)."""
    if not abs(value) < ROUNDED_BELOW:
        return value
    steps = math.floor(abs(value) * 100 + 0.5)
    return (-steps if value < 0 else steps) / 100 + 0.0


# -- what scores read, and in which order they are computed --------------------------------
def computed_names(segment_set: SegmentSet) -> dict[str, Kind]:
    """The columns the segment file adds: each score (a number) and grade (text)."""
    names = {score.name: Kind.NUMBER for score in segment_set.scores}
    return names | {grade.name: Kind.TEXT for grade in segment_set.grades}


def added_columns(segment_set: SegmentSet) -> list[tuple[str, Kind]]:
    """The columns ``--with-scores`` and ``leadseg score`` write after the export's: each
    score (a number), then each grade (its label), in file order."""
    return [(s.name, Kind.NUMBER) for s in segment_set.scores] + [
        (g.name, Kind.TEXT) for g in segment_set.grades
    ]


def rule_criteria(score: Score) -> list[Criterion]:
    return [rule.criterion for _, rule in score.rules() if rule.criterion is not None]


def score_reads(score: Score) -> list[tuple[str, Kind]]:
    """Each (column, kind) a score reads: its rules' conditions, the ``points_per``
    columns (numbers) and the decay column (a date), in file order."""
    reads: list[tuple[str, Kind]] = []
    for _, rule in score.rules():
        if rule.criterion is not None:
            reads += [
                (cond.field, cond.kind)
                for cond in conditions(rule.criterion)
                if cond.kind in (Kind.NUMBER, Kind.DATE, Kind.TEXT)
            ]
        else:
            reads.append((rule.field, Kind.NUMBER))  # type: ignore[arg-type]
    if score.decay is not None:
        reads.append((score.decay.field, Kind.DATE))
    return reads


def node_dependencies(segment_set: SegmentSet) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """Every segment, score and grade (``("segment", name)`` ...) and the nodes it needs:
    a segment its parent, the segments it refers to and the scores and grades it compares;
    a score the same for its rules; a grade its score."""
    computed = computed_names(segment_set)
    grades = {grade.name for grade in segment_set.grades}

    def named(field: str) -> tuple[str, str]:
        return ("grade" if field in grades else "score", field)

    def needs(criteria: list[Criterion], fields: list[str]) -> set[tuple[str, str]]:
        found = {
            ("segment", node.name)
            for criterion in criteria
            for node in walk(criterion)
            if isinstance(node, SegmentRef)
        }
        used = fields + [c.field for criterion in criteria for c in conditions(criterion)]
        return found | {named(f) for f in used if f in computed}

    graph: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for segment in segment_set.segments:
        deps = needs([segment.criterion], [])
        if segment.parent:
            deps.add(("segment", segment.parent))
        graph[("segment", segment.name)] = deps
    for score in segment_set.scores:
        per = [rule.field for _, rule in score.rules() if rule.field is not None]
        graph[("score", score.name)] = needs(rule_criteria(score), per)
    for grade in segment_set.grades:
        graph[("grade", grade.name)] = {("score", grade.score)}
    return graph


def levels(segment_set: SegmentSet) -> dict[tuple[str, str], int]:
    """Each node's level: 1 + the highest level of what it needs (1: nothing). Nodes of one
    level are computed together, after every lower level. The graph has no cycle (the
    segment file's validation reports them)."""
    graph = node_dependencies(segment_set)
    level: dict[tuple[str, str], int] = {}
    opened: set[tuple[str, str]] = set()  # a cycle (never validated) cannot loop forever
    for root in graph:
        stack = [(root, False)]  # depth first, without recursion (chains may be long)
        while stack:
            node, expanded = stack.pop()
            if node in level:
                continue
            if expanded:
                deps = [level.get(d, 0) for d in graph[node] if d in graph]
                level[node] = 1 + max(deps, default=0)
            elif node not in opened:
                opened.add(node)
                stack.append((node, True))
                stack.extend((d, False) for d in graph[node] if d in graph and d not in opened)
    return level


def find_cycle(graph: dict[tuple[str, str], set[tuple[str, str]]]) -> list[tuple[str, str]]:
    """One cycle of ``graph`` (its nodes, the first repeated at the end), or []."""
    from leadseg.segments.criteria import cycles

    return next(cycles(graph), [])
