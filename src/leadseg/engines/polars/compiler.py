"""Criteria tree -> Polars expressions.

Every column a segment reads is parsed once into a hidden helper column (number, date or
normalised text); segment masks are then computed stage by stage so that a parent or a
``segment:`` reference is a column lookup, not a re-evaluation. Every mask is a non-null
boolean: a blank (or unreadable) value never satisfies a comparison.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from leadseg.segments.criteria import (
    Condition,
    Criterion,
    Kind,
    Op,
    Segment,
    SegmentSet,
    evaluation_order,
    fold,
)
from leadseg.segments.reads import values_read

if TYPE_CHECKING:
    import polars as pl

_PREFIX = "\x00leadseg:"


def mask_column(segment_name: str) -> str:
    return f"{_PREFIX}segment:{segment_name}"


def unreadable_column(index: int) -> str:
    return f"{_PREFIX}unreadable:{index}"


def readable_column(index: int) -> str:
    return f"{_PREFIX}readable:{index}"


def nfc_column(index: int) -> str:
    return f"{_PREFIX}nfc:{index}"


def nfc_sensitive(helper: str) -> pl.Expr:
    """True for a folded value that NFC might change (see ``rules.NFC_SENSITIVE``)."""
    import polars as pl

    from leadseg.rules import NFC_SENSITIVE

    return pl.col(helper).str.contains(NFC_SENSITIVE).fill_null(False)


def _stripped(field: str) -> str:
    return f"{_PREFIX}stripped:{field}"


def _stripped_text(column: str, dtype: Any) -> pl.Expr:
    """A text column's stripped helper (computed in an earlier stage); other types inline."""
    import polars as pl

    if _is_text(dtype):
        return pl.col(_stripped(column))
    return text_of(column, dtype).str.strip_chars()


def helper_column(kind: Kind, field: str) -> str:
    return f"{_PREFIX}{kind.value}:{field}"


@dataclass(frozen=True)
class Parsed:
    """A column read as numbers or dates, and the expression flagging unreadable values."""

    column: str
    kind: Kind
    unreadable: pl.Expr
    helper: str  # the column holding the parsed values (null when blank or unreadable)


@dataclass
class CompiledSegments:
    """Stages of ``with_columns`` that add one boolean mask column per segment."""

    stages: list[list[pl.Expr]]
    parsed: list[Parsed]
    order: list[Segment]
    # (column, helper) of the text columns folded without NFC: a pass counts their values
    # that hold an NFC-sensitive character, and a column with any is compiled again with it.
    unnormalised: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def add_masks(self, frame: pl.LazyFrame, *, flags: bool = False) -> pl.LazyFrame:
        """Add the mask columns; with ``flags``, also one "unreadable" column per parsed
        column, so that a batch's totals are cheap column sums."""
        import polars as pl

        for stage in self.stages:
            frame = frame.with_columns(stage)
        if flags and self.parsed:
            frame = frame.with_columns(
                flag
                for i, p in enumerate(self.parsed)
                for flag in (
                    p.unreadable.alias(unreadable_column(i)),
                    pl.col(p.helper).is_not_null().alias(readable_column(i)),
                )
            )
        if flags and self.unnormalised:
            frame = frame.with_columns(
                nfc_sensitive(helper).alias(nfc_column(i))
                for i, (_, helper) in enumerate(self.unnormalised)
            )
        return frame

    def masks(self) -> dict[str, pl.Expr]:
        import polars as pl

        return {s.name: pl.col(mask_column(s.name)) for s in self.order}


def _is_text(dtype: Any) -> bool:
    import polars as pl

    return dtype == pl.String or dtype == pl.Categorical or dtype == pl.Enum


def text_of(column: str, dtype: Any) -> pl.Expr:
    import polars as pl

    expr = pl.col(column)
    return expr if _is_text(dtype) else expr.cast(pl.String)


def blank(column: str, dtype: Any) -> pl.Expr:
    import polars as pl

    if _is_text(dtype) or dtype == pl.Null:
        text = text_of(column, dtype)
        return text.is_null() | (text.str.strip_chars() == "")
    return pl.col(column).is_null()


def number_of(
    column: str, dtype: Any, *, decimal_comma: bool = False, forms: tuple[str, ...] = ()
) -> pl.Expr:
    """The column as floats; text that is not a number becomes null (see ``finite``).
    Text columns are read from their stripped helper column, in the number ``forms``
    named (``rules.number_steps``). With ``decimal_comma``, ``12,5`` is twelve and a half."""
    import polars as pl

    if dtype.is_numeric():
        return pl.col(column).cast(pl.Float64)
    # the number forms read in earlier stages (``number_form_stages``)
    text = pl.col(_money(column)) if forms else _stripped_text(column, dtype)
    if decimal_comma:
        text = text.str.replace(",", ".", literal=True)
    return text.cast(pl.Float64, strict=False)


def _money(field: str) -> str:
    return f"{_PREFIX}number-forms:{field}"


def _rewritten(text: pl.Expr, step: Any) -> pl.Expr:
    """One number form's rewriting of ``text`` (``rules.NumberStep``)."""
    import polars as pl

    if step.negate:
        inner = text.str.slice(1, text.str.len_chars() - 2).str.strip_chars(" ")
        return pl.lit("-") + inner
    rewritten = text.str.replace(step.cut, "") if step.cut else text
    if step.drop:  # one pass for every mark (escaped: the class holds . and ')
        marks = "".join(re.escape(mark) for mark in step.drop)
        rewritten = rewritten.str.replace_all(f"[{marks}]", "")
    return rewritten


def number_form_stages(field: str, forms: tuple[str, ...], *, decimal_comma: bool) -> list[pl.Expr]:
    """The stages that read a text column's number forms into its own helper column: the
    quick lane first (``rules.number_lane``: cut and drop, no rewrite by a regular
    expression), then one step a stage for the values the lane did not take (each reads
    the column the last wrote, so no expression is nested in the next; the lane's values
    are null there, so the steps cost little on a column mostly written the usual way)."""
    import polars as pl

    from leadseg.rules import number_lane, number_steps

    target, lane_column = _money(field), f"{_PREFIX}number-lane:{field}"
    stripped = pl.col(_stripped(field))
    lane = number_lane(forms, decimal_comma=decimal_comma)
    stages = []
    if lane is not None:
        quick: pl.Expr = pl.when(stripped.str.contains(lane.shape)).then(stripped)
        if lane.trim:
            quick = quick.str.strip_chars(lane.trim)
        for mark in lane.drop:
            quick = quick.str.replace_all(mark, "", literal=True)
        stages.append(quick.alias(lane_column))
        stages.append(pl.when(pl.col(lane_column).is_null()).then(stripped).alias(target))
    else:
        stages.append(stripped.alias(target))
    for step in number_steps(forms, decimal_comma=decimal_comma):
        text = pl.col(target)
        shaped = text.str.contains(step.shape)
        stages.append(pl.when(shaped).then(_rewritten(text, step)).otherwise(text).alias(target))
    if lane is not None:
        stages.append(pl.coalesce(pl.col(lane_column), pl.col(target)).alias(target))
    return stages


def finite(helper: str) -> pl.Expr:
    """ "nan" and "inf" parse as floats but are not scores. Applied as a later stage to the
    parsed helper column, so the text is parsed once."""
    import polars as pl

    return pl.when(pl.col(helper).is_finite()).then(pl.col(helper)).alias(helper)


def date_of(column: str, dtype: Any, formats: tuple[str, ...] = ()) -> pl.Expr:
    """The column as dates: ``formats`` (strftime, in order), then ISO 8601 -- each only for
    text of exactly its shape (``rules``), so lenient parsing never reads ``2026-1- 5``."""
    import polars as pl

    from leadseg.rules import ISO_DATE, ISO_FORMAT, ZONE_SUFFIX, DateFormat

    if dtype == pl.Date:
        return pl.col(column)
    if isinstance(dtype, pl.Datetime) or dtype == pl.Datetime:
        return pl.col(column).dt.date()
    text = _stripped_text(column, dtype)
    readings = []
    for written in formats:
        form = DateFormat.parse(written)
        source = text.str.replace(ZONE_SUFFIX, "") if form.zone_suffix else text
        if form.has_time:
            parsed = source.str.strptime(pl.Datetime, form.parse_format, strict=False).dt.date()
        else:
            parsed = source.str.strptime(pl.Date, form.parse_format, strict=False)
        readings.append(pl.when(text.str.contains(form.pattern)).then(parsed))
    # The date as written: a time and zone after it never move it.
    iso = text.str.slice(0, 10).str.to_date(ISO_FORMAT, strict=False)
    readings.append(pl.when(text.str.contains(ISO_DATE)).then(iso))
    return readings[0] if len(readings) == 1 else pl.coalesce(readings)


def normalised_text(column: str, dtype: Any, *, nfc: bool = False) -> pl.Expr:
    """The column folded as ``rules.fold_text`` folds literals (the two sigmas are matched
    as one letter by the comparisons, see ``_text_match``). NFC costs as much again as the
    rest, so it is applied only to columns found to hold text it would change."""
    text = text_of(column, dtype).str.strip_chars()
    return (text.str.normalize("NFC") if nfc else text).str.to_lowercase()


def folded_key(column: str, dtype: Any) -> pl.Expr:
    """The column folded as ``normalised_text`` with NFC, normalising only the values that
    hold a character NFC may change (a key column: its values are kept, not compared), and
    a final sigma as sigma -- the two match as one letter in text comparisons."""
    import polars as pl

    from leadseg.rules import NFC_SENSITIVE

    text = text_of(column, dtype).str.strip_chars()
    guarded = pl.when(text.str.contains(NFC_SENSITIVE)).then(text.str.normalize("NFC"))
    return one_sigma(guarded.otherwise(text).str.to_lowercase())


def one_sigma(folded: pl.Expr) -> pl.Expr:
    """Folded text with a final sigma as sigma: where a value stands for itself (a key, a
    counted value) rather than being matched, as comparisons match either sigma."""
    from leadseg.rules import FINAL_SIGMA, SIGMA

    return folded.str.replace_all(FINAL_SIGMA, SIGMA, literal=True)


def _regex_literal(text: str) -> str:
    """``text`` as a regular expression matching itself, either sigma for a sigma."""
    from leadseg.rules import SIGMAS, escape_regex

    either = "[" + "".join(SIGMAS) + "]"
    return "".join(either if c in SIGMAS else escape_regex(c) for c in text)


def _text_match(value: pl.Expr, op: Op, text: str) -> pl.Expr:
    """``value OP text`` on folded text. A literal holding a Greek sigma matches either
    sigma, through a regular expression; any other literal is compared literally (cheaper)."""
    from leadseg.rules import SIGMAS

    if not any(s in text for s in SIGMAS):
        if op == Op.IS:
            return value.eq(text)
        if op == Op.CONTAINS:
            return value.str.contains(text, literal=True)
        if op == Op.STARTS_WITH:
            return value.str.starts_with(text)
        return value.str.ends_with(text)
    start = "^" if op in (Op.IS, Op.STARTS_WITH) else ""
    end = "$" if op in (Op.IS, Op.ENDS_WITH) else ""
    return value.str.contains(start + _regex_literal(text) + end)


def case_variants(values: tuple[str, ...]) -> list[str]:
    """Every upper/lower-case spelling of short placeholders, so matching them ignoring case
    needs no lower-casing of the whole column (placeholders are a few letters long)."""
    import itertools

    found: set[str] = set()
    for value in values:
        text = value.strip()
        letters = sum(c.isalpha() for c in text)
        if letters > 8:
            found |= {text, text.lower(), text.upper(), text.title()}
            continue
        options = [(c.lower(), c.upper()) if c.isalpha() else (c,) for c in text]
        found |= {"".join(p) for p in itertools.product(*options)}
    return sorted(found)


def norm(value: str) -> str:
    """Text as the comparisons see it (``rules.fold_text``)."""
    from leadseg.rules import fold_text

    return fold_text(value)


def compile_segments(
    segment_set: SegmentSet,
    schema: dict[str, Any],
    as_of: date,
    *,
    decimal_comma: bool = False,
    nfc_columns: frozenset[str] = frozenset(),
) -> CompiledSegments:
    """Compile a (column-bound) segment set against an export schema."""
    import polars as pl

    # Stages, so that each value is stripped once and parsed once: stripped text of the
    # columns read as numbers or dates, then the parsed values, then the finite check.
    texts: dict[str, pl.Expr] = {}
    money: list[list[pl.Expr]] = []  # number forms read, a step a stage
    helpers: list[pl.Expr] = []
    cleanups: list[pl.Expr] = []
    parsed: list[Parsed] = []
    unnormalised: list[tuple[str, str]] = []
    for field, kind in values_read(segment_set):
        dtype = schema[field]
        name = helper_column(kind, field)
        if kind == Kind.TEXT:
            nfc = field in nfc_columns
            helpers.append(normalised_text(field, dtype, nfc=nfc).alias(name))
            if not nfc:
                unnormalised.append((field, name))
            continue
        if _is_text(dtype):
            texts[field] = text_of(field, dtype).str.strip_chars().alias(_stripped(field))
        if kind == Kind.NUMBER:
            forms = segment_set.number_forms_for(field) if _is_text(dtype) else ()
            steps = number_form_stages(field, forms, decimal_comma=decimal_comma) if forms else []
            for at, step in enumerate(steps):
                if at == len(money):
                    money.append([])
                money[at].append(step)
            value = number_of(field, dtype, decimal_comma=decimal_comma, forms=forms)
            cleanups.append(finite(name))
        else:
            value = date_of(field, dtype, segment_set.date_formats_for(field))
        helpers.append(_without_placeholders(value, field, dtype, kind, segment_set).alias(name))
        parsed.append(Parsed(field, kind, _unreadable(field, dtype, name, segment_set), name))

    from leadseg.segments.scores import levels

    order = evaluation_order(segment_set.segments)
    level = levels(segment_set)
    scores = {score.name: score for score in segment_set.scores}
    stages = [stage for stage in (list(texts.values()), *money, helpers, cleanups) if stage]
    for at in range(1, max(level.values(), default=0) + 1):
        stage = []
        for segment in order:
            if level[("segment", segment.name)] == at:
                own = _compile(segment.criterion, schema, as_of)
                if segment.parent:
                    own = pl.col(mask_column(segment.parent)) & own
                stage.append(own.alias(mask_column(segment.name)))
        # a score's total in a stage of its own, then rounded (the rounding reads it four
        # times: as a column, it is computed once)
        totals = []
        for name, score in scores.items():
            if level[("score", name)] == at:
                totals.append(score_value(score, schema, as_of).alias(_raw(name)))
                stage.append(hundredths(pl.col(_raw(name))).alias(score_column(name)))
        for grade in segment_set.grades:
            if level[("grade", grade.name)] == at:
                stage += grade_values(grade)
        stages += [totals, stage] if totals else [stage]
    return CompiledSegments(stages, parsed, order, unnormalised)


def _raw(name: str) -> str:
    return f"{_PREFIX}raw-score:{name}"


def hundredths(term: pl.Expr) -> pl.Expr:
    """``scores.Hundredths`` of ``term`` (a column: it is read four times)."""
    import polars as pl

    from leadseg.segments.scores import ROUNDED_BELOW

    steps = (term.abs() * 100.0 + 0.5).floor()
    signed = pl.when(term < 0).then(-steps).otherwise(steps)
    # a true division (Polars divides a column by a number as times its reciprocal:
    # 57 * 0.01 is 0.5700000000000001): hundredths as a decimal, then a double
    exact = (signed.cast(pl.Decimal(38, 2)) / 100).cast(pl.Float64)
    return pl.when(term.abs() < ROUNDED_BELOW).then(exact).otherwise(term)


def score_column(name: str) -> str:
    """The column holding score ``name`` (criteria read it as that score's number)."""
    return helper_column(Kind.NUMBER, name)


def grade_column(name: str) -> str:
    """The column holding grade ``name``'s label as written (null: no band reached)."""
    return f"{_PREFIX}grade:{name}"


def score_outputs(segment_set: SegmentSet) -> list[pl.Expr]:
    """The score and grade columns as outputs write them, named as the segment file names
    them (``scores.added_columns``)."""
    import polars as pl

    return [pl.col(score_column(s.name)).alias(s.name) for s in segment_set.scores] + [
        pl.col(grade_column(g.name)).alias(g.name) for g in segment_set.grades
    ]


def output_schema(segment_set: SegmentSet) -> dict[str, Any]:
    """The added columns' types: Float64 for a score, String for a grade."""
    import polars as pl

    from leadseg.segments.scores import added_columns

    return {
        name: pl.Float64 if kind == Kind.NUMBER else pl.String
        for name, kind in added_columns(segment_set)
    }


def grade_values(grade: Any) -> list[pl.Expr]:
    """The grade's label, and its folded text (which text comparisons read)."""
    import polars as pl

    def labels(spelling: Any) -> pl.Expr:
        value = pl.col(score_column(grade.score))
        chain: Any = pl
        for label, floor in grade.bands:
            chain = chain.when(value >= floor).then(pl.lit(spelling(label)))
        return chain.otherwise(pl.lit(None, dtype=pl.String))

    return [
        labels(str).alias(grade_column(grade.name)),
        labels(norm).alias(helper_column(Kind.TEXT, grade.name)),
    ]


def score_value(score: Any, schema: dict[str, Any], as_of: date) -> pl.Expr:
    """A score's total before it is rounded (``scores.total`` without its last step), in
    Polars, in its order of operations: each term is used once (a term read twice would be
    computed twice)."""
    import functools

    import polars as pl

    from leadseg.segments import scores as s

    def build(node: s.Arith) -> pl.Expr:
        if isinstance(node, s.Points):
            holds = _compile(node.criterion, schema, as_of)
            return pl.when(holds).then(pl.lit(node.points)).otherwise(pl.lit(0.0))
        if isinstance(node, s.PerUnit):
            value = pl.col(helper_column(Kind.NUMBER, node.field)) * pl.lit(node.per)
            return value.fill_null(0.0)
        if isinstance(node, s.Sum):
            return functools.reduce(lambda a, b: a + b, (build(t) for t in node.terms))
        if isinstance(node, s.AtMost):
            return build(node.term).clip(upper_bound=pl.lit(node.limit))
        if isinstance(node, s.AtLeast):
            return build(node.term).clip(lower_bound=pl.lit(node.floor))
        if isinstance(node, s.Decayed):
            day = pl.col(helper_column(Kind.DATE, node.field))
            days = (pl.lit(as_of) - day).dt.total_days().cast(pl.Float64).clip(lower_bound=0.0)
            factor = pl.lit(0.5).pow(days * pl.lit(node.rate))
            return build(node.term) * factor.fill_null(1.0)
        raise AssertionError(f"no Polars form of {node!r}")

    rounded = s.total(score)
    assert isinstance(rounded, s.Hundredths)
    return build(rounded.term)


def _without_placeholders(
    value: pl.Expr, field: str, dtype: Any, kind: Kind, segment_set: SegmentSet
) -> pl.Expr:
    """A placeholder is blank even when it would read as a value (``0`` listed for a column
    means "no score"). Only placeholders that could read as a value cost an extra check."""
    import polars as pl

    from leadseg.rules import could_read_as_number

    if not _is_text(dtype):
        return value
    forms = segment_set.number_forms_for(field)
    readable = [
        p
        for p in segment_set.placeholders_for(field)
        if (could_read_as_number(p, forms) if kind == Kind.NUMBER else any(c.isdigit() for c in p))
    ]
    if not readable:
        return value
    return (
        pl.when(pl.col(_stripped(field)).is_in(case_variants(tuple(readable))))
        .then(None)
        .otherwise(value)
    )


def days_before(as_of: date, days: int) -> date:
    """``as_of`` minus ``days``, never before 1 January of year 1 (the earliest date)."""
    return date.fromordinal(max(1, as_of.toordinal() - days))


def _unreadable(field: str, dtype: Any, helper: str, segment_set: SegmentSet) -> pl.Expr:
    """Not blank, not a placeholder, and yet not readable as a number or date."""
    import polars as pl

    if not _is_text(dtype):
        return pl.col(field).is_not_null() & pl.col(helper).is_null()
    stripped = pl.col(_stripped(field))
    unreadable = pl.col(helper).is_null() & (stripped.str.len_bytes() > 0).fill_null(False)
    placeholders = case_variants(segment_set.placeholders_for(field))
    if placeholders:
        unreadable = unreadable & ~stripped.is_in(placeholders)
    return unreadable


def _compile(node: Criterion, schema: dict[str, Any], as_of: date) -> pl.Expr:
    import polars as pl

    def condition(cond: Condition) -> pl.Expr:
        return _condition(cond, schema, as_of).fill_null(False)

    def negate(child: pl.Expr) -> pl.Expr:
        return ~child

    return fold(
        node,
        condition=condition,
        all_of=lambda children: pl.all_horizontal(children),
        any_of=lambda children: pl.any_horizontal(children),
        negate=negate,
        segment=lambda name: pl.col(mask_column(name)),
    )


def _condition(cond: Condition, schema: dict[str, Any], as_of: date) -> pl.Expr:
    import polars as pl

    if cond.kind == Kind.BLANK:
        if cond.field not in schema:  # a grade (a score is never blank): no band reached
            is_blank = pl.col(helper_column(Kind.TEXT, cond.field)).is_null()
            return is_blank if cond.value else ~is_blank
        is_blank = blank(cond.field, schema[cond.field])
        return is_blank if cond.value else ~is_blank
    value = pl.col(helper_column(cond.kind, cond.field))
    op, target = cond.op, cond.value
    if cond.kind == Kind.TEXT:
        if op == Op.SAMPLE:
            return _in_sample(value, cast(tuple[int, int, int], target))
        if op == Op.IN:
            from leadseg.rules import SIGMAS

            texts = [norm(str(t)) for t in cast(tuple, target)]
            plain = [t for t in texts if not any(s in t for s in SIGMAS)]
            matches = [value.is_in(plain)] if plain else []
            matches += [_text_match(value, Op.IS, t) for t in texts if t not in plain]
            return matches[0] if len(matches) == 1 else pl.any_horizontal(matches)
        return _text_match(value, op, norm(str(target)))
    if op == Op.AT_LEAST:
        return value >= pl.lit(target)
    if op == Op.AT_MOST:
        return value <= pl.lit(target)
    if op == Op.BETWEEN:
        low, high = cast(tuple, target)
        return value.is_between(pl.lit(low), pl.lit(high), closed="both")
    if op == Op.IS:
        return value == pl.lit(target)
    if op == Op.IN:
        return value.is_in(list(target))  # type: ignore[arg-type]
    if op == Op.BEFORE:
        return value < pl.lit(target)
    if op == Op.AFTER:
        return value > pl.lit(target)
    if op == Op.IN_LAST_DAYS:
        start = days_before(as_of, cast(int, target))
        return value.is_between(pl.lit(start), pl.lit(as_of), closed="both")
    if op == Op.MORE_THAN_DAYS_AGO:
        return value < pl.lit(days_before(as_of, cast(int, target)))
    raise AssertionError(f"no Polars compilation for {op} on {cond.kind}")


def _in_sample(folded: pl.Expr, bounds: tuple[int, int, int]) -> pl.Expr:
    """``rules.sample_bucket`` of the folded key in [low, high) hundredths; never for a
    blank key. md5 by the polars-hash plugin (the same digest as hashlib's)."""
    import polars as pl
    import polars_hash  # noqa: F401  (registers the nchash namespace)

    from leadseg.rules import SAMPLE_BUCKETS

    seed, low, high = bounds
    text = pl.lit(f"{seed}:") + one_sigma(folded)
    digest = text.nchash.md5()  # type: ignore[attr-defined]
    bucket = digest.str.slice(0, 8).str.to_integer(base=16) % SAMPLE_BUCKETS
    return (folded.str.len_bytes() > 0) & (bucket >= low) & (bucket < high)


def readable_dates(frame: pl.DataFrame, column: str, formats: list[str]) -> dict[str, int]:
    """How many values of a text ``column`` each date format reads (for suggestions)."""
    import polars as pl

    text = frame.with_columns(pl.col(column).str.strip_chars().alias(_stripped(column)))
    exprs = [
        date_of(column, pl.String, (form,)).is_not_null().sum().alias(str(i))
        for i, form in enumerate(formats)
    ]
    counts = text.select(exprs).row(0)
    return {form: int(n) for form, n in zip(formats, counts, strict=True)}
