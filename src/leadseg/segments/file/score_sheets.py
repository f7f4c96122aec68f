"""``scores:`` and ``grades:`` -> ``leadseg.segments.scores`` trees, every problem located.

Each score and grade is validated on its own, so one bad rule does not hide the problems of
the next; rule criteria are built by the segments' own builder (the same language, the same
messages)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from leadseg.errors import Problem
from leadseg.segments.criteria import Condition, Kind, Op, SegmentRef, conditions, walk
from leadseg.segments.file.models import GradeModel, RuleModel, ScoreModel
from leadseg.segments.file.shape import shape_problems
from leadseg.segments.file.yaml_loader import Path
from leadseg.segments.scores import Decay, Grade, Group, Rule, Score

if TYPE_CHECKING:
    from leadseg.segments.file.build import _Builder

MAX_RULES = 1_000  # per score


M = TypeVar("M", ScoreModel, GradeModel)


def _shaped(
    builder: _Builder, raw: list[Any] | None, key: str, model: type[M]
) -> Iterator[tuple[M, Path]]:
    """Each entry of the top-level list ``key`` that has the model's shape, with its path;
    the shape problems of the others reported."""
    for i, entry in enumerate(raw or []):
        path: Path = (key, i)
        try:
            shaped = model.model_validate(entry)
        except ValidationError as exc:
            builder.problems.extend(shape_problems(builder.doc, exc, path))
            continue
        yield shaped, path


def build_scores(builder: _Builder, raw: list[Any] | None) -> list[Score]:
    scores = []
    for model, path in _shaped(builder, raw, "scores", ScoreModel):
        score = _score(builder, model, path)
        if score is not None:
            scores.append(score)
    return scores


def _score(builder: _Builder, model: ScoreModel, path: Path) -> Score | None:
    groups: list[Group] = []
    ok = True
    if model.rules:
        rules = _rules(builder, model.rules, path + ("rules",))
        ok = rules is not None
        groups.append(Group("", tuple(rules or ())))
    for j, group in enumerate(model.groups or []):
        rules = _rules(builder, group.rules, path + ("groups", j, "rules"))
        ok = ok and rules is not None
        limit = None if group.limit is None else float(group.limit)
        groups.append(Group(group.name, tuple(rules or ()), limit))
    count = sum(len(g.rules) for g in groups)
    if count > MAX_RULES:
        builder.problem(
            "too-many-rules",
            f"score {model.name!r} has {count:,} rules; at most {MAX_RULES:,}",
            path + ("name",),
        )
        ok = False
    minimum = 0.0 if model.min is None else float(model.min)
    limit = None if model.limit is None else float(model.limit)
    if limit is not None and limit < minimum:
        builder.problem(
            "invalid-value",
            f"score {model.name!r}: limit {model.limit} is below min {minimum:g}",
            path + ("limit",),
            "the total is clamped to [min, limit]; min is 0 unless set",
        )
        ok = False
    decay = None
    if model.decay is not None:
        decay = Decay(model.decay.field, float(model.decay.half_life_days))
    if not ok:
        return None
    origin = builder.doc.location(path + ("name",))
    return Score(model.name, tuple(groups), minimum, limit, decay, model.description, origin)


def _rules(builder: _Builder, models: list[RuleModel], path: Path) -> list[Rule] | None:
    rules: list[Rule] = []
    ok = True
    for k, model in enumerate(models):
        at = path + (k,)
        label = model.name or _label(path, k)
        origin = builder.doc.location(at)
        if model.points_per is not None:
            field = model.field or ""
            if not field.strip():
                builder.problem("invalid-value", "'field' must name a column", at + ("field",))
                ok = False
                continue
            limit = None if model.limit is None else float(model.limit)
            if limit is not None and model.points_per < 0:
                builder.problem(
                    "invalid-value",
                    "'limit' caps points from above; this rule's points_per is negative, "
                    "so it never reaches it",
                    at + ("limit",),
                    "remove limit, or give the score a min:",
                )
                ok = False
                continue
            rules.append(Rule(float(model.points_per), label, None, field, limit, origin))
            continue
        key = next(k for k in ("score", "profile", "all", "any", "not", "segment", "sample")
                   if (k + "_" if k == "not" else k) in model.model_fields_set)  # fmt: skip
        criterion = builder.keyed(key, getattr(model, "not_" if key == "not" else key), at + (key,))
        if criterion is None:
            ok = False
            continue
        rules.append(Rule(float(model.points), label, criterion, origin=origin))
    return rules if ok else None


def _label(path: Path, k: int) -> str:
    """A rule without a name, as the file says where it is: ``rules[2]`` or
    ``groups[0].rules[1]``."""
    parts = path[2:]  # after ("scores", i)
    text = ".".join(f"{p}[{q}]" for p, q in zip(parts[0::2], parts[1::2], strict=False))
    tail = f"{parts[-1]}[{k}]"
    return f"{text}.{tail}" if text else tail


def build_grades(builder: _Builder, raw: list[Any] | None) -> list[Grade]:
    grades = []
    for model, path in _shaped(builder, raw, "grades", GradeModel):
        bands = [(label, float(floor)) for label, floor in model.bands.items()]
        ok = True
        for j, (label, floor) in enumerate(bands):
            if not label.strip():
                builder.problem(
                    "invalid-value", "a band's label must not be blank", path + ("bands",)
                )
                ok = False
            if j and floor >= bands[j - 1][1]:
                before, at = bands[j - 1]
                builder.problem(
                    "unreachable-band",
                    f"band {label!r} ({floor:g}) is never given: {before!r} comes first "
                    f"with floor {at:g}, and a grade is the first band the score reaches",
                    path + ("bands", label),
                    "list the bands from the highest floor down",
                )
                ok = False
        if ok:
            grades.append(Grade(model.name, model.score, tuple(bands), builder.doc.location(path)))
    return grades


def check_score_names(
    builder: _Builder, scores: list[Score], grades: list[Grade], raw: dict[str, Any]
) -> None:
    """Score and grade names: not blank, unique ignoring case; a grade names a score."""
    seen: dict[str, str] = {}
    for block in ("scores", "grades"):
        for i, entry in enumerate(raw.get(block) or []):
            name = entry.get("name") if isinstance(entry, dict) else None
            if not isinstance(name, str):
                continue
            at = (block, i, "name")
            key = name.strip().casefold()
            if not key:
                builder.problem("invalid-name", f"a {block[:-1]} name must not be blank", at)
            elif key in seen:
                builder.problem(
                    "duplicate-name",
                    f"duplicate name {name!r} (same as {seen[key]!r}); scores and grades are "
                    "columns, each with its own name",
                    at,
                    "names are compared ignoring case",
                )
            else:
                seen[key] = name
    names = [s.name for s in scores]
    for i, grade in enumerate(grades):
        if grade.score not in names:
            close = difflib.get_close_matches(grade.score, names, n=1)
            builder.problem(
                "unknown-score",
                f"grade {grade.name!r} grades unknown score {grade.score!r}",
                ("grades", i, "score"),
                f"did you mean {close[0]!r}?" if close else "name one of the scores: entries",
            )


def check_computed_comparisons(builder: _Builder, segment_set: Any) -> None:
    """A score is a number, never blank; a grade is text: each compared as such."""
    scores = {s.name for s in segment_set.scores}
    grades = {g.name for g in segment_set.grades}
    criteria = [s.criterion for s in segment_set.segments]
    criteria += [r.criterion for s in segment_set.scores for _, r in s.rules() if r.criterion]
    for criterion in criteria:
        for cond in conditions(criterion):
            problem = _misread(cond, scores, grades)
            if problem:
                message, hint = problem
                where = cond.origin or builder.doc.location(())
                builder.problems.append(Problem("invalid-comparison", message, where, hint))
    for score in segment_set.scores:
        for _, rule in score.rules():
            if rule.field in grades:
                builder.problems.append(Problem(
                    "invalid-comparison",
                    f"points_per reads grade {rule.field!r}, which is a label, not a number",
                    rule.origin or builder.doc.location(()),
                    "count points per unit of a number column or a score",
                ))  # fmt: skip
        if score.decay and score.decay.field in scores | grades:
            builder.problems.append(Problem(
                "invalid-comparison",
                f"decay reads {score.decay.field!r}, which is a score or grade, not a date",
                score.origin or builder.doc.location(()),
                "name a date column, such as Last Activity Date",
            ))  # fmt: skip


def _misread(cond: Condition, scores: set[str], grades: set[str]) -> tuple[str, str] | None:
    if cond.field in scores and cond.kind != Kind.NUMBER:
        if cond.kind == Kind.BLANK:
            return (f"score {cond.field!r} is never blank (no points is 0)",
                    f"to find contacts without points: {{field: {cond.field}, is: 0}}")  # fmt: skip
        return (f"score {cond.field!r} is a number; compare it with a number",
                "at_least, at_most, between, is or in with numbers")  # fmt: skip
    if cond.field in grades and cond.kind not in (Kind.TEXT, Kind.BLANK):
        return (f"grade {cond.field!r} is a label; compare it as text",
                f"e.g. {{field: {cond.field}, in: [A, B]}}")  # fmt: skip
    if cond.field in grades and cond.op in (Op.SAMPLE,):
        return (f"grade {cond.field!r} cannot be a sample key", "sample on a column of the export")
    return None


def rule_segment_refs(segment_set: Any) -> list[tuple[str, Any]]:
    """(segment name, where) of every ``segment:`` a rule refers to."""
    found = []
    for score in segment_set.scores:
        for _, rule in score.rules():
            if rule.criterion is None:
                continue
            for node in walk(rule.criterion):
                if isinstance(node, SegmentRef):
                    found.append((node.name, rule.origin))
    return found
