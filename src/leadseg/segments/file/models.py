"""The segment file's shape, as pydantic models (they also give the editor JSON Schema).

Only the *shape* is checked here: keys, types, "exactly one operator". Meaning (dates,
references, cycles, file names) is checked in ``segments/file/build.py``, where positions
are at hand.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    model_validator,
)

from leadseg.segments.criteria import OPERATORS

CRITERION_KEYS = ("score", "profile", "all", "any", "not", "segment", "sample")


def _number_or_text(value: Any) -> Any:
    if value is None:
        raise ValueError(
            'is empty or null (YAML reads ~, null and Null as no value); quote text: "Null"'
        )
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("must be a number, a date (YYYY-MM-DD) or text")
    return value


MAX_DAYS = 100_000  # about 273 years: beyond it no export date is meant


def _whole_days(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
        raise ValueError(f"must be a whole number of days, from 0 to {MAX_DAYS:,}")
    return value


def _scalar_list(value: Any) -> Any:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list, e.g. [US, CA]")
    for item in value:
        _number_or_text(item)
    return value


def _pair(value: Any) -> Any:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError("must be a list of two values: [low, high]")
    for item in value:
        _number_or_text(item)
    return value


_SCALAR_SCHEMA = {"anyOf": [{"type": "number"}, {"type": "string"}]}
Value = Annotated[Any, AfterValidator(_number_or_text), WithJsonSchema(_SCALAR_SCHEMA)]
Days = Annotated[
    Any,
    AfterValidator(_whole_days),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_DAYS}),
]
Values = Annotated[
    Any,
    AfterValidator(_scalar_list),
    WithJsonSchema({"type": "array", "items": _SCALAR_SCHEMA, "minItems": 1}),
]
Pair = Annotated[
    Any,
    AfterValidator(_pair),
    WithJsonSchema({"type": "array", "items": _SCALAR_SCHEMA, "minItems": 2, "maxItems": 2}),
]


def _exactly_one(data: Any, keys: tuple[str, ...], what: str) -> Any:
    """Fail when a mapping holds none or several of ``keys`` (unknown keys are left to
    ``extra="forbid"``, which names them with a suggestion)."""
    if not isinstance(data, dict):
        return data
    found = [k for k in data if k in keys]
    unknown = [k for k in data if k not in keys and k not in ("field",)]
    if len(found) == 1 or (not found and unknown):
        return data
    if not found:
        raise ValueError(f"needs one {what}: {', '.join(keys)}")
    raise ValueError(f"has {len(found)} {what}s ({', '.join(found)}); use exactly one")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


class ProfileModel(_Strict):
    """``{field: NAME, OPERATOR: VALUE}`` -- exactly one operator."""

    field: StrictStr | None = None
    at_least: Value = None
    at_most: Value = None
    between: Pair = None
    is_: Value = Field(None, alias="is")
    is_not: Value = None
    in_: Values = Field(None, alias="in")
    not_in: Values = None
    contains: Value = None
    not_contains: Value = None
    starts_with: Value = None
    ends_with: Value = None
    is_blank: StrictBool | None = None
    before: Value = None
    after: Value = None
    in_last_days: Days = None
    more_than_days_ago: Days = None

    @model_validator(mode="before")
    @classmethod
    def _one_operator(cls, data: Any) -> Any:
        return _exactly_one(data, OPERATORS, "operator")

    def operator(self) -> tuple[str, Any]:
        for name in OPERATORS:
            attr = name + "_" if name in ("is", "in") else name
            if attr in self.model_fields_set:
                return name, getattr(self, attr)
        raise AssertionError("validated profile without an operator")


def _percent(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number from 0 to 100")
    if not 0 <= value <= 100 or abs(round(value * 100) - value * 100) > 1e-6:
        raise ValueError("must be a number from 0 to 100, with at most two decimals")
    return value


Percent = Annotated[
    Any,
    AfterValidator(_percent),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
]


class SampleModel(_Strict):
    """``{key: COLUMN, seed: N, from: P, to: Q}``: contacts whose bucket (0 to 100, by the
    key's md5) is in [from, to)."""

    key: StrictStr
    seed: StrictInt
    from_: Percent = Field(alias="from")
    to: Percent

    @model_validator(mode="after")
    def _ordered(self) -> SampleModel:
        if self.from_ >= self.to:
            raise ValueError(f"'from' ({self.from_}) must be below 'to' ({self.to})")
        if not self.key.strip():
            raise ValueError("'key' must name a column")
        return self


class _CriterionKeys(_Strict):
    """The criterion keys, shared by a criterion and a segment (its shorthand criterion)."""

    score: ProfileModel | None = None
    profile: ProfileModel | None = None
    all: Annotated[list[CriterionModel], Field(min_length=1)] | None = None
    any: Annotated[list[CriterionModel], Field(min_length=1)] | None = None
    not_: CriterionModel | None = Field(None, alias="not")
    segment: StrictStr | None = None
    sample: SampleModel | None = None


class CriterionModel(_CriterionKeys):
    """A mapping with exactly one key."""

    @model_validator(mode="before")
    @classmethod
    def _one_key(cls, data: Any) -> Any:
        return _exactly_one(data, CRITERION_KEYS, "criterion key")

    def key(self) -> str:
        for name in CRITERION_KEYS:
            if (name + "_" if name == "not" else name) in self.model_fields_set:
                return name
        raise AssertionError("validated criterion without a key")


class SegmentModel(_CriterionKeys):
    name: StrictStr
    description: StrictStr | None = None
    parent: StrictStr | None = None
    match: Literal["all", "any"] = "all"
    criteria: Annotated[list[CriterionModel], Field(min_length=1)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_criterion(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        found = [k for k in data if k in CRITERION_KEYS + ("criteria",)]
        if len(found) > 1:
            raise ValueError(
                f"has {', '.join(found)}; give one of them "
                "(put several criteria in a 'criteria:' list)"
            )
        unknown = [k for k in data if k not in _SEGMENT_KEYS]
        if not found and not unknown:
            raise ValueError(
                "needs a criterion: score, profile, criteria, all, any, not, segment or sample"
            )
        return data

    def criterion_key(self) -> str:
        for name in ("criteria", *CRITERION_KEYS):
            if (name + "_" if name == "not" else name) in self.model_fields_set:
                return name
        raise AssertionError("validated segment without a criterion")


_SEGMENT_KEYS = frozenset({"name", "description", "parent", "match", "criteria", *CRITERION_KEYS})


class PlaceholdersModel(_Strict):
    """Values that mean "no value" in number and date comparisons (never in text ones)."""

    values: list[StrictStr] | None = None  # every number/date column; default: built-in list
    columns: dict[str, list[StrictStr]] | None = None  # per column, instead of ``values``


class DatesModel(_Strict):
    """Date forms besides ISO 8601, as strftime codes, tried in order (ISO stays accepted)."""

    formats: list[StrictStr] | None = None  # every date column
    columns: dict[str, list[StrictStr]] | None = None  # per column, instead of ``formats``


NumberForm = Literal["accounting", "currency", "percent", "thousands", "money"]


class NumbersModel(_Strict):
    """Number forms money tools write, read as numbers: ``currency`` ($, €, USD...),
    ``thousands`` (1,234.50), ``percent`` (12%), ``accounting`` ((1,200) is -1200); ``money``
    is accounting, currency and thousands."""

    forms: list[NumberForm] | None = None  # every number column
    columns: dict[str, list[NumberForm]] | None = None  # per column, instead of ``forms``


def _points(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number of points, e.g. 10 or -5 or 2.5")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("must be a finite number")
    return value


def _positive(value: Any) -> Any:
    _points(value)
    if value <= 0:
        raise ValueError("must be a number above 0")
    return value


_NUMBER_SCHEMA = {"type": "number"}
PointsValue = Annotated[Any, AfterValidator(_points), WithJsonSchema(_NUMBER_SCHEMA)]
Positive = Annotated[
    Any, AfterValidator(_positive), WithJsonSchema({"type": "number", "exclusiveMinimum": 0})
]


class RuleModel(_CriterionKeys):
    """``points: N`` with one criterion, or ``points_per: N`` with ``field`` (a number
    column) and an optional ``limit``; ``name`` labels the rule in messages and explain."""

    name: StrictStr | None = None
    points: PointsValue = None
    points_per: PointsValue = None
    field: StrictStr | None = None
    limit: Positive = None

    @model_validator(mode="before")
    @classmethod
    def _one_kind(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        criteria = [k for k in data if k in CRITERION_KEYS]
        if "points" in data and "points_per" in data:
            raise ValueError("has points and points_per; a rule gives one of them")
        if "points" in data:
            if len(criteria) != 1:
                found = f"has {len(criteria)} ({', '.join(criteria)})" if criteria else "has none"
                raise ValueError(
                    "a points rule needs one criterion (score, profile, all, any, not, "
                    f"segment or sample), {found}; put several under all: or any:"
                )
            if "field" in data or "limit" in data:
                key = "field" if "field" in data else "limit"
                raise ValueError(
                    f"'{key}' belongs to a points_per rule (points per unit of a number "
                    "column); a points rule gives its points when its criterion holds"
                )
        elif "points_per" in data:
            if criteria:
                raise ValueError(
                    f"a points_per rule gives points for the value of 'field', without a "
                    f"criterion ({', '.join(criteria)}); use points: for a criterion"
                )
            if "field" not in data:
                raise ValueError("'points_per' needs 'field': the number column it counts")
        elif not [k for k in data if k not in _RULE_KEYS]:
            raise ValueError(
                "needs points (with a criterion) or points_per (with field), "
                "e.g. {points: 10, profile: {field: Country, is: US}}"
            )
        return data


_RULE_KEYS = frozenset({"name", "points", "points_per", "field", "limit", *CRITERION_KEYS})


class GroupModel(_Strict):
    """Rules whose points together never pass ``limit``."""

    name: StrictStr
    limit: Positive = None
    rules: Annotated[list[RuleModel], Field(min_length=1)]


class DecayModel(_Strict):
    """The total halves every ``half_life_days`` since the date in ``field``."""

    field: StrictStr
    half_life_days: Positive


class ScoreModel(_Strict):
    name: StrictStr
    description: StrictStr | None = None
    limit: PointsValue = None
    min: PointsValue = None
    groups: Annotated[list[GroupModel], Field(min_length=1)] | None = None
    rules: Annotated[list[RuleModel], Field(min_length=1)] | None = None
    decay: DecayModel | None = None

    @model_validator(mode="before")
    @classmethod
    def _has_rules(cls, data: Any) -> Any:
        if isinstance(data, dict) and "groups" not in data and "rules" not in data:
            unknown = [k for k in data if k not in ScoreModel.model_fields]
            if not unknown:
                raise ValueError("needs rules: (a list of rules) or groups: (rules in groups)")
        return data


class GradeModel(_Strict):
    """The label of the first band whose floor the score reaches: ``{A: 80, B: 60, F: 0}``."""

    name: StrictStr
    score: StrictStr
    bands: Annotated[dict[StrictStr, PointsValue], Field(min_length=1)]


class SegmentFileModel(_Strict):
    version: Literal[1] = 1
    score_field: StrictStr | None = None
    placeholders: PlaceholdersModel | None = None
    dates: DatesModel | None = None
    numbers: NumbersModel | None = None
    scores: list[ScoreModel] | None = None
    grades: list[GradeModel] | None = None
    # may be left out when the file has scores: (for leadseg score, explain --score, ...)
    segments: Annotated[list[SegmentModel], Field(min_length=1)] = []


class SegmentFileHeader(_Strict):
    """The file without its segments, so each segment can be validated on its own and every
    problem of every segment reported in one run."""

    version: Literal[1] = 1
    score_field: StrictStr | None = None
    placeholders: PlaceholdersModel | None = None
    dates: DatesModel | None = None
    numbers: NumbersModel | None = None
    scores: list[Any] | None = None  # each validated on its own (``segments/file/score_sheets``)
    grades: list[Any] | None = None
    segments: Annotated[list[Any], Field(min_length=1)] = []


KNOWN_KEYS: frozenset[str] = frozenset(
    {"version", "score_field", "placeholders", "dates", "numbers", "formats", "values"}
    | {"columns", "forms"}
    | {"segments"}
    | {"name", "description", "parent", "match"}
    | {"criteria", "field", *CRITERION_KEYS, *OPERATORS}
    | {"key", "seed", "from", "to"}
    | {"scores", "grades", "groups", "rules", "points", "points_per", "limit", "min"}
    | {"decay", "half_life_days", "bands"}
)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a segment file, for editors."""
    return SegmentFileModel.model_json_schema(by_alias=True)
