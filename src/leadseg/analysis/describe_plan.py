"""Running ``describe`` on a plan: the columns asked for, their kinds (from the segment
file, else from a look at the first rows), then one pass counting what ``describe``
reports."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from leadseg.analysis.describe import (
    DescribeResult,
    FieldProfile,
    date_figures,
    inferred_kind,
    known_kinds,
    number_figures,
    probe_segments,
    profile_segments,
    text_figures,
    thresholds_of,
)
from leadseg.analysis.figures import Counted, code_hint
from leadseg.segments.criteria import Kind, Segment, SegmentSet
from leadseg.segments.reads import values_read

if TYPE_CHECKING:
    from leadseg.engines import Distributions, Engine
    from leadseg.engines.plan import Plan, RunOptions


def describe_plan(
    base: Plan,
    fields: list[str] | None,
    every_column: bool,
    bins: int,
    options: RunOptions,
    *,
    rows: int | None = None,
) -> DescribeResult:
    """The profiles of the columns asked for, over the export (its first ``rows`` rows when
    given: ``init``'s look at every column)."""
    from leadseg.engines import engine_for
    from leadseg.segments.scores import computed_names

    engine = engine_for(options)
    computed = computed_names(base.segments)
    named = [computed_name(f, list(computed)) for f in fields or []]
    scored = [name for name in named if name is not None]
    if scored and len(scored) == len(named):  # only scores and grades of the segment file
        return _computed_only(base, scored, bins, options)
    others = [f for f, name in zip(fields or [], named, strict=True) if name is None]
    columns = wanted_columns(base, others if scored else fields, every_column)
    kinds = column_kinds(base, columns, engine)
    chosen = [(column, kinds[column]) for column in columns]
    # a column named (not --all: a query each) read as text may hold dates in another form
    known = known_kinds(base.segments)
    texts = [c for c, k in chosen if k == Kind.TEXT and c not in known]
    hints = {} if every_column else date_hints(base, texts, engine)
    p = _with(base, profile_segments(chosen, base.segments))
    found = engine.distributions(p, rows=rows)
    result = described(p, chosen, found, bins, base.segments, options, hints)
    if scored:
        result = _with_computed(base, result, fields or [], scored, bins, options)
    return result


def computed_name(field: str, computed: list[str]) -> str | None:
    """The score or grade ``--field`` names: exactly, else ignoring case."""
    if field in computed:
        return field
    same = [name for name in computed if name.casefold() == field.casefold()]
    return same[0] if len(same) == 1 else None


def _computed_only(base: Plan, names: list[str], bins: int, options: RunOptions):
    from leadseg.analysis.describe_scores import computed_profiles

    profiles = computed_profiles(base, names, bins, options)
    rows = profiles[names[0]].readable + profiles[names[0]].blank
    return DescribeResult(
        base.export.display, rows, base.as_of.isoformat(), [profiles[n] for n in names]
    )


def _with_computed(
    base: Plan, result: DescribeResult, fields: list[str], scored: list[str], bins: int,
    options: RunOptions,
) -> DescribeResult:  # fmt: skip
    """``result`` with the scores' and grades' profiles, in the order the fields were asked."""
    from leadseg.analysis.describe_scores import computed_profiles

    profiles = computed_profiles(base, scored, bins, options)
    by_name = {f.name: f for f in result.fields} | profiles
    computed = list(profiles)
    order = []
    for field in fields:
        name = computed_name(field, computed)
        order.append(name if name is not None else next(
            f.name for f in result.fields if f.name.casefold() == field.casefold()
        ))  # fmt: skip
    return dataclasses.replace(result, fields=[by_name[n] for n in dict.fromkeys(order)])


def date_hints(base: Plan, columns: list[str], engine: Engine) -> dict[str, str]:
    """For text columns, how to read them as dates, when a common form reads most of the
    first values that are not ISO dates."""
    from leadseg.analysis.readable import has_date
    from leadseg.engines.diagnose import SAMPLE, date_form_hint

    hints = {}
    for column in columns:
        probe = _with(base, [Segment("probe date", has_date(column))])
        hint = date_form_hint(engine.unreadable_sample(probe, 0, SAMPLE // 10), column)
        if hint:
            hints[column] = hint
    return hints


def described(
    p: Plan,
    chosen: list[tuple[str, Kind]],
    found: Distributions,
    bins: int,
    segments: SegmentSet,
    options: RunOptions,
    hints: dict[str, str] | None = None,
) -> DescribeResult:
    """The profiles of ``chosen`` from a pass over a plan holding ``profile_segments``
    (possibly among others: ``report``'s one pass)."""
    from leadseg.engines.plan import check_strict

    p.export.check_unchanged()
    totals, values = found.totals, found.values
    result = p.result(totals)
    if options.strict:
        check_strict(result)
    count = {s.name: s.count for s in result.segments}
    first_rows = {(u.column, u.kind): u.rows for u in result.unreadable}
    read_at = {key: i for i, key in enumerate(values_read(p.segments))}
    parsed_at = {key: i for i, key in enumerate(p.parsed)}
    profiles = []
    for i, (column, kind) in enumerate(chosen):
        blank = count[f"describe {i} blank"]
        at = read_at[(column, kind)]
        counted = values[at]
        if kind == Kind.TEXT:
            placeholders = count[f"describe {i} text"]
            readable, bad, rows = totals.rows - blank, 0, []
            figures = text_figures(counted, found.distinct.get(at))
        else:
            j = parsed_at[(column, kind)]
            readable, bad = totals.readable[j], totals.unreadable[j]
            placeholders = totals.rows - blank - readable - bad
            rows = first_rows.get((column, kind.value), [])
            if kind == Kind.NUMBER:
                pairs = zip(counted["value"].to_list(), counted["count"].to_list(), strict=True)
                numbers = Counted.of(list(pairs))
                figures = number_figures(numbers, bins)
                if (code := numbers.no_value_code()) is not None:
                    figures["no_value_code"] = {"value": code[0], "count": code[1]}
                    hints = {**(hints or {}), column: code_hint(column, *code, numbers.total)}
            else:
                recent = {d: count[f"describe {i} last {d}"] for d in (7, 30, 90, 365)}
                figures = date_figures(counted, recent)
        profiles.append(
            FieldProfile(
                column,
                kind.value,
                blank,
                placeholders,
                bad,
                rows,
                readable,
                figures,
                thresholds_of(segments, column),
                (hints or {}).get(column),
            )  # fmt: skip
        )
    return DescribeResult(result.input, result.rows, p.as_of.isoformat(), profiles)


def _with(base: Plan, segments: list[Segment]) -> Plan:
    """The plan with only ``segments`` (describe's own; the file's scores, which may read
    the file's segments, are described by their own pass)."""
    only = dataclasses.replace(base.segments, segments=tuple(segments), scores=(), grades=())
    return base.widened(only)


def wanted_columns(base: Plan, fields: list[str] | None, every_column: bool) -> list[str]:
    """The export's columns to describe: every one, the ones named (exactly, else ignoring
    case), or the score column."""
    from leadseg.segments.columns import find_column

    header = list(base.export.columns)
    if every_column:
        return header
    if not fields:
        score = base.score_column
        if score is None:
            from leadseg.errors import UnknownColumnError
            from leadseg.segments.columns import no_score_column

            way_out = "; or name the column to describe with --field COLUMN, or use --all"
            raise UnknownColumnError([no_score_column(header, base.export.display, None, way_out)])
        return [score]
    display = base.export.display
    found = [find_column(name, header, display, "--field") for name in fields]
    return list(dict.fromkeys(found))


def column_kinds(base: Plan, columns: list[str], engine: Engine) -> dict[str, Kind]:
    """How each column is read: as the segment file compares it; the score column as a
    number; any other by the values of the first rows (``inferred_kind``)."""
    from leadseg.engines.plan import SAMPLE_ROWS

    known = known_kinds(base.segments)
    score = base.score_column
    kinds = {c: known[c] for c in columns if c in known}
    if score in columns and score not in kinds:
        kinds[score] = Kind.NUMBER
    unknown = [c for c in columns if c not in kinds]
    if unknown:
        probe = _with(base, probe_segments(unknown))
        # how many values read, not where: no query per column for the first unreadable
        totals = engine.totals(probe, rows=SAMPLE_ROWS, positions=False)
        at = {key: i for i, key in enumerate(probe.parsed)}
        for column in unknown:
            number, day = at[(column, Kind.NUMBER)], at[(column, Kind.DATE)]
            kinds[column] = inferred_kind(
                (totals.readable[number], totals.unreadable[number]),
                (totals.readable[day], totals.unreadable[day]),
            )
    return kinds
