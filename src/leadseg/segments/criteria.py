"""The engine-neutral criteria tree that every engine's compiler (Polars, SQL) translates.

Nothing here knows about YAML or about a dataframe library. Values are already typed by the
segment-file validation: a ``Condition`` says *how* to compare (``kind``) as well as *what*.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from leadseg.errors import Location

if TYPE_CHECKING:
    from leadseg.segments.scores import Grade, Score


class Op(StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    BETWEEN = "between"
    IS = "is"
    IS_NOT = "is_not"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    IS_BLANK = "is_blank"
    BEFORE = "before"
    AFTER = "after"
    IN_LAST_DAYS = "in_last_days"
    MORE_THAN_DAYS_AGO = "more_than_days_ago"
    # The ``sample`` criterion (a key of its own, not a profile operator): the contact's
    # bucket of its key column is in [from, to) -- see ``rules.sample_bucket``.
    SAMPLE = "sample"


OPERATORS: tuple[str, ...] = tuple(op.value for op in Op if op != Op.SAMPLE)

# Exports write these where a number or date is missing. In number and date comparisons
# they count as blank without being reported as unreadable; text comparisons never see
# them as anything but text ("NA" in a Country column is Namibia). Compared trimmed and
# ignoring case.
DEFAULT_PLACEHOLDERS: tuple[str, ...] = (
    "N/A", "NA", "#N/A", "-", "--", "\u2014", "\u2013", "NULL", "None", "(blank)",
)  # fmt: skip

# Negative operators are the plain negation of their positive twin, so they match blanks.
NEGATIONS: dict[Op, Op] = {
    Op.IS_NOT: Op.IS,
    Op.NOT_IN: Op.IN,
    Op.NOT_CONTAINS: Op.CONTAINS,
}


class Kind(StrEnum):
    """How a column is read for a comparison."""

    NUMBER = "number"  # text parsed as a number; unparsable text counts as blank
    DATE = "date"  # text parsed as an ISO date; unparsable text counts as blank
    TEXT = "text"  # trimmed, case-insensitive text
    BLANK = "blank"  # only asks whether the value is blank


Scalar = float | date | str


@dataclass(frozen=True)
class Condition:
    """``field OP value``; never true for a blank value (negations are ``Not`` nodes)."""

    field: str
    op: Op
    kind: Kind
    value: Scalar | tuple[Scalar, ...] | bool | int
    # Where the condition was written, for messages such as "unknown column"; not semantics.
    origin: Location | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class AllOf:
    children: tuple[Criterion, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Criterion, ...]


@dataclass(frozen=True)
class Not:
    child: Criterion


@dataclass(frozen=True)
class SegmentRef:
    """Membership of another segment, its parent chain included."""

    name: str


Criterion = Condition | AllOf | AnyOf | Not | SegmentRef

# The combination each key of the segment file (and of its JSON form) makes: ``all: [...]``,
# ``any: [...]`` and a segment's ``match:``.
COMBINATIONS: dict[str, type[AllOf] | type[AnyOf]] = {"all": AllOf, "any": AnyOf}


@dataclass(frozen=True)
class Segment:
    name: str
    criterion: Criterion
    parent: str | None = None
    description: str | None = None
    slug: str = ""


@dataclass(frozen=True)
class SegmentSet:
    """A validated segment file: segments in file order, each name unique."""

    segments: tuple[Segment, ...]
    score_field: str | None = None
    source: str | None = None  # the file it came from, for messages
    sha256: str | None = None
    score_field_origin: Location | None = dataclasses.field(default=None, compare=False, repr=False)
    # Values meaning "no value" in number/date comparisons: ``None`` = the built-in list.
    placeholders: tuple[str, ...] | None = None
    column_placeholders: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Date forms besides ISO 8601 (strftime), tried in order; per column instead of these.
    date_formats: tuple[str, ...] = ()
    column_date_formats: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Number forms money tools write (``rules.NUMBER_FORMS``); per column instead of these.
    number_forms: tuple[str, ...] = ()
    column_number_forms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Where the per-column keys stood (``placeholders.columns.NAME``), for messages.
    key_origins: tuple[tuple[str, Location], ...] = dataclasses.field(
        default=(), compare=False, repr=False
    )
    # Score sheets (``scores:``) and their grades (``grades:``): columns the file adds.
    scores: tuple[Score, ...] = ()
    grades: tuple[Grade, ...] = ()

    def origin_of(self, yaml_path: str) -> Location:
        for path, location in self.key_origins:
            if path == yaml_path:
                return location
        return Location(file=self.source, yaml_path=yaml_path)

    def placeholders_for(self, column: str) -> tuple[str, ...]:
        for name, values in self.column_placeholders:
            if name == column:
                return values
        return DEFAULT_PLACEHOLDERS if self.placeholders is None else self.placeholders

    def date_formats_for(self, column: str) -> tuple[str, ...]:
        for name, formats in self.column_date_formats:
            if name == column:
                return formats
        return self.date_formats

    def number_forms_for(self, column: str) -> tuple[str, ...]:
        for name, forms in self.column_number_forms:
            if name == column:
                return forms
        return self.number_forms

    def by_name(self) -> dict[str, Segment]:
        return {s.name: s for s in self.segments}

    def names(self) -> list[str]:
        return [s.name for s in self.segments]


def walk(criterion: Criterion):
    """Yield every node of a criteria tree, depth first."""
    yield criterion
    if isinstance(criterion, (AllOf, AnyOf)):
        for child in criterion.children:
            yield from walk(child)
    elif isinstance(criterion, Not):
        yield from walk(criterion.child)


T = TypeVar("T")


def fold(
    node: Criterion,
    *,
    condition: Callable[[Condition], T],
    all_of: Callable[[list[T]], T],
    any_of: Callable[[list[T]], T],
    negate: Callable[[T], T],
    segment: Callable[[str], T],
) -> T:
    """A criteria tree translated bottom up, each kind of node by its own function of its
    children's translations: the dispatch over the node kinds that both compilers and the
    JSON form fill in (a new kind of node is added here, in ``walk`` and in those functions;
    CONTRIBUTING.md names the few walks that still shape text from the tree themselves)."""

    def translate(node: Criterion) -> T:
        if isinstance(node, Condition):
            return condition(node)
        if isinstance(node, AllOf):
            return all_of([translate(c) for c in node.children])
        if isinstance(node, AnyOf):
            return any_of([translate(c) for c in node.children])
        if isinstance(node, Not):
            return negate(translate(node.child))
        assert isinstance(node, SegmentRef)
        return segment(node.name)

    return translate(node)


def conditions(criterion: Criterion) -> list[Condition]:
    return [node for node in walk(criterion) if isinstance(node, Condition)]


def dependencies(segment: Segment) -> set[str]:
    """Names of the segments this one needs: its parent and every ``segment:`` reference."""
    deps = {node.name for node in walk(segment.criterion) if isinstance(node, SegmentRef)}
    if segment.parent:
        deps.add(segment.parent)
    return deps


def evaluation_order(segments: tuple[Segment, ...]) -> list[Segment]:
    """Segments sorted so that each comes after every segment it depends on."""
    by_name = {s.name: s for s in segments}
    done: dict[str, Segment] = {}
    # Depth-first, dependencies in name order, without recursion (chains may be long).
    for root in segments:
        if root.name in done:
            continue
        visiting = {root.name}
        stack = [(root, iter(sorted(dependencies(root))))]
        while stack:
            segment, pending = stack[-1]
            for dep in pending:
                if dep not in done and dep not in visiting and dep in by_name:
                    visiting.add(dep)
                    stack.append((by_name[dep], iter(sorted(dependencies(by_name[dep])))))
                    break
            else:
                stack.pop()
                done[segment.name] = segment
    return list(done.values())


def cycles(graph: dict[Any, set[Any]]) -> Iterator[list[Any]]:
    """Each cycle a depth-first walk of ``graph`` meets (node -> the nodes it needs; other
    nodes are ignored), as its nodes with the first repeated at the end; roots in the
    graph's order, needs in sorted order, without recursion (chains may be long)."""
    state: dict[Any, int] = {}  # 1: on the current path, 2: done

    def needs(node: Any) -> Iterator[Any]:
        return iter(sorted(d for d in graph[node] if d in graph))

    for root in graph:
        if root in state:
            continue
        path, stack = [root], [needs(root)]
        state[root] = 1
        while stack:
            dep = next(stack[-1], None)
            if dep is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(dep) == 1:
                yield path[path.index(dep) :] + [dep]
            elif dep not in state:
                state[dep] = 1
                path.append(dep)
                stack.append(needs(dep))


def nesting_depths(segments: tuple[Segment, ...]) -> dict[str, int]:
    """How many segments deep each one is through parents and references (1: none)."""
    depth: dict[str, int] = {}
    for segment in evaluation_order(segments):
        deps = [depth[d] for d in dependencies(segment) if d in depth]
        depth[segment.name] = 1 + max(deps, default=0)
    return depth
