"""A validated segment set as plain JSON data and back (for the compiled segment-file
cache, and for tools that ship a segment set elsewhere, such as a SQL engine)."""

from __future__ import annotations

from datetime import date
from typing import Any

from leadseg.errors import Location
from leadseg.segments import criteria


def _value_to_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"tuple": [_value_to_json(v) for v in value]}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _value_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if "tuple" in value:
            return tuple(_value_from_json(v) for v in value["tuple"])
        return date.fromisoformat(value["date"])
    return value


def _location_to_json(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    data = location.to_dict()
    data.pop("file", None)  # the same content may be read from another path next time
    return data


def _location_from_json(data: dict[str, Any] | None, source: str | None) -> Location | None:
    return None if data is None else Location(file=source, **data)


def criterion_to_json(node: criteria.Criterion) -> dict[str, Any]:
    return criteria.fold(
        node,
        condition=_condition_to_json,
        all_of=lambda children: {"all": children},
        any_of=lambda children: {"any": children},
        negate=lambda child: {"not": child},
        segment=lambda name: {"segment": name},
    )


def _condition_to_json(node: criteria.Condition) -> dict[str, Any]:
    return {
        "condition": [node.field, node.op.value, node.kind.value, _value_to_json(node.value)],
        "origin": _location_to_json(node.origin),
    }


def criterion_from_json(data: dict[str, Any], source: str | None) -> criteria.Criterion:
    if "condition" in data:
        field, op, kind, value = data["condition"]
        origin = _location_from_json(data["origin"], source)
        return criteria.Condition(
            field, criteria.Op(op), criteria.Kind(kind), _value_from_json(value), origin
        )
    if "all" in data or "any" in data:
        key = "all" if "all" in data else "any"
        return criteria.COMBINATIONS[key](tuple(criterion_from_json(c, source) for c in data[key]))
    if "not" in data:
        return criteria.Not(criterion_from_json(data["not"], source))
    return criteria.SegmentRef(data["segment"])


def segment_set_to_json(segments: criteria.SegmentSet) -> dict[str, Any]:
    return {
        "score_field": segments.score_field,
        "score_field_origin": _location_to_json(segments.score_field_origin),
        "placeholders": segments.placeholders,
        "column_placeholders": segments.column_placeholders,
        "date_formats": segments.date_formats,
        "key_origins": [[p, _location_to_json(loc)] for p, loc in segments.key_origins],
        "column_date_formats": segments.column_date_formats,
        "number_forms": segments.number_forms,
        "column_number_forms": segments.column_number_forms,
        "segments": [
            {
                "name": s.name,
                "parent": s.parent,
                "description": s.description,
                "slug": s.slug,
                "criterion": criterion_to_json(s.criterion),
            }
            for s in segments.segments
        ],
        "scores": [_score_to_json(score) for score in segments.scores],
        "grades": [
            {
                "name": g.name,
                "score": g.score,
                "bands": [list(b) for b in g.bands],
                "origin": _location_to_json(g.origin),
            }
            for g in segments.grades
        ],  # fmt: skip
    }


def _score_to_json(score: Any) -> dict[str, Any]:
    def rule(r: Any) -> dict[str, Any]:
        return {
            "points": r.points, "label": r.label, "field": r.field, "limit": r.limit,
            "criterion": None if r.criterion is None else criterion_to_json(r.criterion),
            "origin": _location_to_json(r.origin),
        }  # fmt: skip

    return {
        "name": score.name, "minimum": score.minimum, "limit": score.limit,
        "description": score.description, "origin": _location_to_json(score.origin),
        "decay": None if score.decay is None else [score.decay.field, score.decay.half_life_days],
        "groups": [
            {"name": g.name, "limit": g.limit, "rules": [rule(r) for r in g.rules]}
            for g in score.groups
        ],
    }  # fmt: skip


def _score_from_json(data: dict[str, Any], source: str | None) -> Any:
    from leadseg.segments.scores import Decay, Group, Rule, Score

    def rule(r: dict[str, Any]) -> Rule:
        criterion = None if r["criterion"] is None else criterion_from_json(r["criterion"], source)
        origin = _location_from_json(r["origin"], source)
        return Rule(r["points"], r["label"], criterion, r["field"], r["limit"], origin)

    groups = tuple(
        Group(g["name"], tuple(rule(r) for r in g["rules"]), g["limit"]) for g in data["groups"]
    )
    decay = None if data["decay"] is None else Decay(*data["decay"])
    return Score(
        data["name"], groups, data["minimum"], data["limit"], decay, data["description"],
        _location_from_json(data["origin"], source),
    )  # fmt: skip


def segment_set_from_json(
    data: dict[str, Any], source: str | None, sha256: str | None
) -> criteria.SegmentSet:
    return criteria.SegmentSet(
        segments=tuple(
            criteria.Segment(
                name=s["name"],
                criterion=criterion_from_json(s["criterion"], source),
                parent=s["parent"],
                description=s["description"],
                slug=s["slug"],
            )
            for s in data["segments"]
        ),
        score_field=data["score_field"],
        source=source,
        sha256=sha256,
        score_field_origin=_location_from_json(data["score_field_origin"], source),
        placeholders=None if data["placeholders"] is None else tuple(data["placeholders"]),
        column_placeholders=tuple(
            (name, tuple(values)) for name, values in data["column_placeholders"]
        ),
        date_formats=tuple(data["date_formats"]),
        key_origins=tuple(
            (p, _location_from_json(loc, source) or Location(file=source))
            for p, loc in data["key_origins"]
        ),
        column_date_formats=tuple(
            (name, tuple(formats)) for name, formats in data["column_date_formats"]
        ),
        number_forms=tuple(data["number_forms"]),
        column_number_forms=tuple(
            (name, tuple(forms)) for name, forms in data["column_number_forms"]
        ),
        scores=tuple(_score_from_json(score, source) for score in data.get("scores", [])),
        grades=tuple(_grade_from_json(grade, source) for grade in data.get("grades", [])),
    )


def _grade_from_json(data: dict[str, Any], source: str | None) -> Any:
    from leadseg.segments.scores import Grade

    bands = tuple((label, floor) for label, floor in data["bands"])
    return Grade(data["name"], data["score"], bands, _location_from_json(data["origin"], source))
