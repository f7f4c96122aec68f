"""Validated models -> the backend-neutral criteria tree, with every problem located."""

from __future__ import annotations

import dataclasses
import difflib
import math
from datetime import date
from typing import Any

from pydantic import ValidationError

from leadseg.errors import Problem
from leadseg.segments.columns import SCORE
from leadseg.segments.criteria import (
    COMBINATIONS,
    NEGATIONS,
    Condition,
    Criterion,
    Kind,
    Not,
    Op,
    Segment,
    SegmentRef,
    SegmentSet,
    dependencies,
)
from leadseg.segments.file.models import (
    CriterionModel,
    ProfileModel,
    SegmentModel,
)
from leadseg.segments.file.score_sheets import (
    build_grades,
    build_scores,
    check_computed_comparisons,
    check_score_names,
    rule_segment_refs,
)
from leadseg.segments.file.shape import shape_problems
from leadseg.segments.file.top_level import dates, key_origins, numbers, placeholders
from leadseg.segments.file.top_level import header as header_of
from leadseg.segments.file.yaml_loader import Path, YamlDocument
from leadseg.segments.slug import slugify

MAX_SEGMENTS = 1_000  # per file
MAX_CHAIN = 100  # segments deep through parents and segment: references

_NUMERIC_OPS = {Op.AT_LEAST, Op.AT_MOST, Op.BETWEEN}
_DATE_OPS = {Op.BEFORE, Op.AFTER}
_DAY_OPS = {Op.IN_LAST_DAYS, Op.MORE_THAN_DAYS_AGO}
_TEXT_OPS = {Op.CONTAINS, Op.NOT_CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH}


class _Builder:
    """Builds the criteria tree of every shape-valid segment, collecting meaning problems."""

    def __init__(self, doc: YamlDocument, problems: list[Problem]) -> None:
        self.doc = doc
        self.problems = problems
        self.file_index: dict[str, int] = {}  # segment name -> its position in the file

    def problem(self, code: str, message: str, path: Path, hint: str | None = None) -> None:
        self.problems.append(Problem(code, message, self.doc.location(path), hint))

    def build(self, entries: list[tuple[int, SegmentModel]]) -> list[Segment]:
        segments = []
        for i, seg in entries:
            self.file_index.setdefault(seg.name, i)
            criterion = self.segment_criterion(seg, ("segments", i))
            if criterion is not None:
                segments.append(
                    Segment(
                        name=seg.name,
                        criterion=criterion,
                        parent=seg.parent,
                        description=seg.description,
                        slug=slugify(seg.name),
                    )
                )
        return segments

    def segment_criterion(self, seg: SegmentModel, path: Path) -> Criterion | None:
        key = seg.criterion_key()
        if key == "criteria":
            children = [
                self.criterion(c, path + ("criteria", j)) for j, c in enumerate(seg.criteria or [])
            ]
            if any(c is None for c in children):
                return None
            if len(children) == 1:
                return children[0]
            return COMBINATIONS[seg.match](tuple(children))  # type: ignore[arg-type]
        if seg.match != "all":
            self.problem(
                "match-without-criteria",
                "'match' only applies to a 'criteria' list",
                path + ("match",),
            )
        return self.keyed(key, getattr(seg, "not_" if key == "not" else key), path + (key,))

    def criterion(self, model: CriterionModel, path: Path) -> Criterion | None:
        key = model.key()
        return self.keyed(key, getattr(model, "not_" if key == "not" else key), path + (key,))

    def keyed(self, key: str, value: Any, path: Path) -> Criterion | None:
        if key in ("score", "profile"):
            return self.condition(value, path, score=key == "score")
        if key in ("all", "any"):
            children = [self.criterion(c, path + (j,)) for j, c in enumerate(value)]
            if any(c is None for c in children):
                return None
            return COMBINATIONS[key](tuple(children))  # type: ignore[arg-type]
        if key == "not":
            child = self.criterion(value, path)
            return None if child is None else Not(child)
        if key == "sample":
            # bounds in hundredths of a percent: whole numbers compare exactly everywhere
            bounds = (value.seed, round(value.from_ * 100), round(value.to * 100))
            origin = self.doc.location(path + ("key",))
            return Condition(value.key, Op.SAMPLE, Kind.TEXT, bounds, origin)
        return SegmentRef(value)

    def condition(self, profile: ProfileModel, path: Path, *, score: bool) -> Criterion | None:
        field = profile.field
        if field is None:
            if not score:
                self.problem(
                    "missing-key",
                    "missing required key 'field'",
                    path,
                    "profile: {field: COLUMN, OPERATOR: VALUE}",
                )
                return None
            field = SCORE
        elif not field.strip():
            self.problem("invalid-value", "'field' must name a column", path + ("field",))
            return None
        name, value = profile.operator()
        op = Op(name)
        value_path = path + (name,)
        positive = NEGATIONS.get(op)
        typed = self.typed_value(positive or op, value, value_path, name)
        if typed is None:
            return None
        kind, value = typed
        origin = self.doc.location(path + (("field",) if profile.field is not None else ()))
        if positive is not None:
            return Not(Condition(field, positive, kind, value, origin))
        return Condition(field, op, kind, value, origin)

    def typed_value(self, op: Op, value: Any, path: Path, written: str) -> tuple[Kind, Any] | None:
        """Type ``value`` for ``op``; ``written`` is the operator as the file spells it
        (``not_in`` for a negated ``in``), for messages."""
        if op == Op.IS_BLANK:
            return Kind.BLANK, value
        if op in _DAY_OPS:
            return Kind.DATE, int(value)
        if op in _DATE_OPS:
            day = _as_date(value)
            if day is None:
                self.problem(
                    "invalid-value",
                    f"'{written}' needs a date (YYYY-MM-DD), got {value!r}",
                    path,
                )
                return None
            return Kind.DATE, day
        if op in _TEXT_OPS:
            text = str(value)
            if not text.strip():
                self._never_matches(written, path)
                return None
            return Kind.TEXT, text
        if op == Op.BETWEEN:
            low, high = value
            kinds = [
                self.typed_value(Op.AT_LEAST, v, path + (i,), written) for i, v in enumerate(value)
            ]
            if any(k is None for k in kinds):
                return None
            (kind_low, low), (kind_high, high) = kinds  # type: ignore[misc]
            if kind_low != kind_high:
                self.problem("invalid-value", "'between' needs two numbers or two dates", path)
                return None
            if low > high:
                self.problem(
                    "invalid-value",
                    f"'between' low {value[0]!r} is above high {value[1]!r}",
                    path,
                    f"write between: [{value[1]}, {value[0]}]",
                )
                return None
            return kind_low, (low, high)
        if op in _NUMERIC_OPS:
            if isinstance(value, (int, float)):
                number = self.finite(value, path, written)
                return None if number is None else (Kind.NUMBER, number)
            day = _as_date(value)
            if day is None:
                self.problem(
                    "invalid-value",
                    f"'{written}' needs a number or a date (YYYY-MM-DD), got {value!r}",
                    path,
                )
                return None
            return Kind.DATE, day
        if op == Op.IN:
            numbers = [isinstance(v, (int, float)) for v in value]
            if all(numbers):
                floats = [self.finite(v, path + (j,), written) for j, v in enumerate(value)]
                if any(f is None for f in floats):
                    return None
                return Kind.NUMBER, tuple(floats)
            if any(numbers):
                self.problem(
                    "invalid-value",
                    f"'{written}' mixes numbers and text",
                    path,
                    'quote the numbers to compare everything as text, e.g. "10"',
                )
                return None
            texts = tuple(str(v) for v in value)
            for j, text in enumerate(texts):
                if not text.strip():
                    self._never_matches(written, path + (j,))
                    return None
            return Kind.TEXT, texts
        # is
        if isinstance(value, (int, float)):
            number = self.finite(value, path, written)
            return None if number is None else (Kind.NUMBER, number)
        if not value.strip():
            self._never_matches(written, path)
            return None
        return Kind.TEXT, value

    def finite(self, value: float, path: Path, written: str) -> float | None:
        """A number from the file as a finite float, or a located problem."""
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if math.isfinite(number):
            return number
        what = "NaN" if math.isnan(number) else "infinite or too large"
        self.problem("invalid-value", f"'{written}' needs a finite number, not {what}", path)
        return None

    def _never_matches(self, written: str, path: Path) -> None:
        """Blank text in a text comparison: a blank value never satisfies a comparison."""
        positive = written.removeprefix("not_").removesuffix("_not")
        blank = "false" if positive != written else "true"
        self.problem(
            "invalid-value",
            f"'{written}' with empty or blank text: a blank value never matches a comparison",
            path,
            f"to find blanks use is_blank: {blank}",
        )

    def check_references(self, entries: list[tuple[int, SegmentModel]], names: list[str]) -> bool:
        """Every parent and ``segment:`` names a segment of the file; True when all do."""
        by_key = {name.casefold(): name for name in names}
        resolvable = True
        for i, seg in entries:
            refs = [(seg.parent, ("segments", i, "parent"), "parent")] if seg.parent else []
            refs += [(name, p, "segment") for name, p in _segment_refs(seg, ("segments", i))]
            for name, path, what in refs:
                if name in names:
                    continue
                resolvable = False
                if name.casefold() in by_key:
                    self.problem(
                        f"unknown-{what}",
                        f"{what} {name!r} differs in case from segment {by_key[name.casefold()]!r}",
                        path,
                        "write the name exactly",
                    )
                    continue
                close = difflib.get_close_matches(name, names, n=1)
                hint = f"did you mean {close[0]!r}?" if close else None
                self.problem(f"unknown-{what}", f"unknown {what} {name!r}", path, hint)
        return resolvable

    def check_cycles(self, segments: list[Segment]) -> bool:
        """Report every cycle of parents and references; True when there is none."""
        from leadseg.segments.criteria import cycles

        graph = {s.name: dependencies(s) for s in segments}
        reported: set[frozenset[str]] = set()
        for cycle in cycles(graph):
            if frozenset(cycle) not in reported:
                reported.add(frozenset(cycle))
                self.problem(
                    "cycle",
                    "segments refer to each other in a cycle: " + " -> ".join(cycle),
                    ("segments", self.file_index[cycle[0]], "name"),
                )
        return not reported

    def check_rule_references(self, built: SegmentSet, names: list[str]) -> bool:
        """Every ``segment:`` of a score's rule names a segment; True when all do."""
        resolvable = True
        for name, origin in rule_segment_refs(built):
            if name not in names:
                resolvable = False
                close = difflib.get_close_matches(name, names, n=1)
                hint = f"did you mean {close[0]!r}?" if close else None
                self.problems.append(
                    Problem("unknown-segment", f"unknown segment {name!r}", origin, hint)
                )
        return resolvable

    def check_score_cycles(self, built: SegmentSet) -> None:
        """A score may read segments and other scores, but never itself through them."""
        from leadseg.segments.scores import find_cycle, node_dependencies

        cycle = find_cycle(node_dependencies(built))
        if cycle and any(kind != "segment" for kind, _ in cycle):
            by_name = {s.name: s for s in built.scores}
            first = next(name for kind, name in cycle if kind == "score")
            self.problems.append(
                Problem(
                    "cycle",
                    "scores and segments refer to each other in a cycle: "
                    + " -> ".join(f"{kind} {name!r}" for kind, name in cycle),
                    by_name[first].origin or self.doc.location(("scores",)),
                    "a rule may read another score or a segment, but not one that reads it",
                )
            )

    def check_depth(self, segments: list[Segment]) -> None:
        """Parents and references nest at most ``MAX_CHAIN`` segments deep."""
        from leadseg.segments.criteria import nesting_depths

        for name, depth in nesting_depths(tuple(segments)).items():
            if depth > MAX_CHAIN:
                self.problem(
                    "too-deep",
                    f"segment {name!r} is {depth} segments deep through parents and "
                    f"references; at most {MAX_CHAIN}",
                    ("segments", self.file_index[name], "name"),
                    "refer to a segment higher up the chain instead",
                )
                return


def check_names(doc: YamlDocument, names: list[tuple[int, str]], problems: list[Problem]) -> None:
    """Names must be non-blank, unique ignoring case, and give distinct file names."""
    seen: dict[str, str] = {}
    slugs: dict[str, str] = {}
    for i, name in names:
        location = doc.location(("segments", i, "name"))
        key = name.strip().casefold()
        if not key:
            problems.append(Problem("invalid-name", "a segment name must not be blank", location))
            continue
        if key in seen:
            problems.append(
                Problem(
                    "duplicate-name",
                    f"duplicate segment name {name!r} (same as {seen[key]!r})",
                    location,
                    "names are compared ignoring case",
                )
            )
            continue
        seen[key] = name
        slug = slugify(name)
        if not slug:
            problems.append(
                Problem(
                    "invalid-name",
                    f"segment name {name!r} has no letter or digit "
                    "(a-z, 0-9) to make a file name from",
                    location,
                    "add a Latin letter or digit to the name",
                )
            )
        elif slug in slugs:
            problems.append(
                Problem(
                    "file-name-collision",
                    f"segments {slugs[slug]!r} and {name!r} would both be written to '{slug}.*'",
                    location,
                    "rename one of them",
                )
            )
        else:
            slugs[slug] = name


def _segment_refs(seg: SegmentModel, path: Path):
    key = seg.criterion_key()
    if key == "criteria":
        for j, c in enumerate(seg.criteria or []):
            yield from _criterion_refs(c, path + ("criteria", j))
    else:
        yield from _keyed_refs(key, getattr(seg, "not_" if key == "not" else key), path + (key,))


def _criterion_refs(model: CriterionModel, path: Path):
    key = model.key()
    yield from _keyed_refs(key, getattr(model, "not_" if key == "not" else key), path + (key,))


def _keyed_refs(key: str, value: Any, path: Path):
    if key == "segment":
        yield value, path
    elif key in ("all", "any"):
        for j, c in enumerate(value):
            yield from _criterion_refs(c, path + (j,))
    elif key == "not":
        yield from _criterion_refs(value, path)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def build_segment_set(doc: YamlDocument, sha256: str | None = None) -> SegmentSet:
    """Validate a loaded document; raise ``SegmentFileError`` with every problem found.
    The error carries the segments that did build (``partial``), so that a caller with an
    export can add the column problems to the same report."""
    from leadseg.errors import SegmentFileError

    problems = list(doc.problems)
    data = doc.data
    if not isinstance(data, dict):
        problems.append(
            Problem(
                "invalid-file",
                "a segment file is a mapping with a 'segments:' list",
                doc.location(()),
                "see segments.yaml in the README",
            )
        )
        raise SegmentFileError(problems)
    header = header_of(doc, data, problems)
    if "segments" not in data and not data.get("scores"):
        problems.append(
            Problem(
                "missing-key",
                "missing required key 'segments'",
                doc.location(()),
                "list the segments under segments: (a file of score sheets only has scores:)",
            )
        )
    raw_segments = data.get("segments")
    raw_segments = raw_segments if isinstance(raw_segments, list) else []
    if len(raw_segments) > MAX_SEGMENTS:
        problems.append(
            Problem(
                "too-many-segments",
                f"the file has {len(raw_segments):,} segments; at most {MAX_SEGMENTS:,}",
                doc.location(("segments",)),
                "split it into several segment files",
            )
        )
        raise SegmentFileError(problems)
    entries: list[tuple[int, SegmentModel]] = []
    for i, raw in enumerate(raw_segments):
        try:
            entries.append((i, SegmentModel.model_validate(raw)))
        except ValidationError as exc:
            problems += shape_problems(doc, exc, ("segments", i))
    names = [
        (i, r["name"])
        for i, r in enumerate(raw_segments)
        if isinstance(r, dict) and isinstance(r.get("name"), str)
    ]
    check_names(doc, names, problems)
    builder = _Builder(doc, problems)
    segments = builder.build(entries)
    builder.check_references(entries, [name for _, name in names])
    if builder.check_cycles(segments):
        builder.check_depth(segments)
    scores = build_scores(builder, _entries(data, "scores"))
    grades = build_grades(builder, _entries(data, "grades"))
    check_score_names(builder, scores, grades, data)
    score_field = header.score_field if header else None
    built = SegmentSet(
        segments=tuple(segments),
        score_field=score_field,
        source=doc.filename,
        sha256=sha256,
        score_field_origin=doc.location(("score_field",)) if score_field else None,
        **placeholders(header),
        **dates(header, doc, problems),
        **numbers(header),
        key_origins=key_origins(header, doc),
        scores=tuple(scores),
        grades=tuple(grades),
    )
    if scores:
        check_computed_comparisons(builder, built)
        if builder.check_rule_references(built, [name for _, name in names]):
            builder.check_score_cycles(built)
    if problems:
        raise SegmentFileError(problems, partial=_resolvable(built))
    return built


def _entries(data: dict[str, Any], key: str) -> list[Any] | None:
    """A top-level list (``scores:``, ``grades:``); its shape is the header's to report."""
    value = data.get(key)
    return value if isinstance(value, list) else None


def _resolvable(built: SegmentSet) -> SegmentSet:
    """The segments whose every reference resolves within ``built`` (for column checks)."""
    from leadseg.segments.criteria import dependencies

    kept = built.segments
    while True:
        names = {s.name for s in kept}
        still = tuple(s for s in kept if dependencies(s) <= names)
        if len(still) == len(kept):
            return dataclasses.replace(built, segments=kept)
        kept = still
