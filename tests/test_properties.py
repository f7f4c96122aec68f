"""Property tests: random segment trees on random exports count exactly what the plain-Python
reference evaluator (tests/oracle.py) says, and subsegments stay inside their parents."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leadseg
from leadseg.criteria import AllOf, AnyOf, Condition, Kind, Not, Op, Segment, SegmentRef, SegmentSet
from leadseg.slug import slugify
from tests.oracle import members

AS_OF = date(2026, 11, 28)
COLUMNS = ["Score", "Country", "Created"]

score_values = st.sampled_from(
    ["", " ", "0", "5", "20", "20.0", " 45 ", "60", "1e2", "-3", "N/A", "abc", "1,234", "+7", ".5"]
)
text_values = st.sampled_from(
    ["", "  ", "US", "us ", " No", "NO", "Norway", "CA", "ca, inc", 'x"y']
)
date_values = st.sampled_from(
    [
        "",
        "2026-11-28",
        "2026-11-01",
        "2026-10-29 10:00:00",
        "2025-12-31",
        "2027-01-01",
        "2026-02-30",
        "11/02/2026",
        "2026-11-27T23:59:59Z",
    ]
)
rows_strategy = st.lists(st.tuples(score_values, text_values, date_values), max_size=25)

numbers = st.sampled_from([0.0, 5.0, 20.0, 45.0, 60.0, 100.0, -3.0])
days = st.sampled_from([date(2025, 12, 31), date(2026, 11, 1), date(2026, 11, 28)])
texts = st.sampled_from(["US", "no", "Norway", "ca", 'x"y'])


def number_condition():
    single = st.builds(
        lambda op, v: Condition("Score", op, Kind.NUMBER, v),
        st.sampled_from([Op.AT_LEAST, Op.AT_MOST, Op.IS]),
        numbers,
    )
    between = st.builds(
        lambda a, b: Condition("Score", Op.BETWEEN, Kind.NUMBER, (min(a, b), max(a, b))),
        numbers,
        numbers,
    )
    listed = st.builds(
        lambda vs: Condition("Score", Op.IN, Kind.NUMBER, tuple(vs)),
        st.lists(numbers, min_size=1, max_size=3),
    )
    return st.one_of(single, between, listed)


def text_condition():
    single = st.builds(
        lambda op, v: Condition("Country", op, Kind.TEXT, v),
        st.sampled_from([Op.IS, Op.CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH]),
        texts,
    )
    listed = st.builds(
        lambda vs: Condition("Country", Op.IN, Kind.TEXT, tuple(vs)),
        st.lists(texts, min_size=1, max_size=3),
    )
    blank = st.builds(
        lambda v, col: Condition(col, Op.IS_BLANK, Kind.BLANK, v),
        st.booleans(),
        st.sampled_from(COLUMNS),
    )
    return st.one_of(single, listed, blank)


def date_condition():
    fixed = st.builds(
        lambda op, v: Condition("Created", op, Kind.DATE, v),
        st.sampled_from([Op.BEFORE, Op.AFTER, Op.AT_LEAST, Op.AT_MOST]),
        days,
    )
    relative = st.builds(
        lambda op, n: Condition("Created", op, Kind.DATE, n),
        st.sampled_from([Op.IN_LAST_DAYS, Op.MORE_THAN_DAYS_AGO]),
        st.integers(0, 400),
    )
    return st.one_of(fixed, relative)


def criteria(earlier: list[str]):
    leaves = st.one_of(number_condition(), text_condition(), date_condition())
    if earlier:
        leaves = st.one_of(leaves, st.sampled_from(earlier).map(SegmentRef))
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda c: AllOf(tuple(c))),
            st.lists(inner, min_size=1, max_size=3).map(lambda c: AnyOf(tuple(c))),
            inner.map(Not),
        ),
        max_leaves=6,
    )


@st.composite
def segment_sets(draw) -> SegmentSet:
    segments: list[Segment] = []
    for i in range(draw(st.integers(1, 5))):
        names = [s.name for s in segments]
        criterion = draw(criteria(names))
        parent = draw(st.one_of(st.none(), st.sampled_from(names))) if names else None
        segments.append(Segment(f"s{i}", criterion, parent=parent, slug=slugify(f"s{i}")))
    return SegmentSet(tuple(segments))


def write_export(path: Path, rows: list[tuple[str, str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy, segments=segment_sets())
def test_counts_match_the_reference_evaluator(tmp_path, rows, segments):
    path = tmp_path / "export.csv"
    write_export(path, rows)
    result = leadseg.count_segments(path, segments, leadseg.RunOptions(as_of=AS_OF))
    # The reference reads what a CSV reader gives back: empty fields are missing values.
    parsed = [dict(zip(COLUMNS, (v if v != "" else None for v in r), strict=True)) for r in rows]
    expected = members(segments, parsed, AS_OF)
    assert {s.name: s.count for s in result.segments} == {n: len(m) for n, m in expected.items()}
    assert result.rows == len(rows)
    for segment in segments.segments:
        if segment.parent:
            assert set(expected[segment.name]) <= set(expected[segment.parent])


hostile_text = st.text(
    alphabet=st.sampled_from(list("ab ,\"\n\r\t=+-@;|\\'\u00e9\u00f1\u200b\u2014\uff1d\u00a0x1")),
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.tuples(st.integers(0, 10_000), hostile_text, hostile_text), max_size=15),
    mode=st.sampled_from(["csv", "parquet"]),
)
def test_hostile_text_round_trips_exactly(tmp_path, rows, mode):
    """read -> apply -> read gives back every selected contact's values exactly."""
    path = tmp_path / "hostile.csv"
    table = [[f"id{i}", *row[1:]] for i, row in enumerate(rows)]
    buffer = io.StringIO()
    # CRLF rows: Python's csv then quotes every value holding a CR or LF, as exporters do.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Id", "Name", "Notes"])
    writer.writerows(table)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    out = tmp_path / f"out-{mode}"
    out.mkdir(exist_ok=True)
    segments = leadseg.parse_segments(
        "segments:\n  - name: everyone\n    profile: {field: Id, is_blank: false}\n"
    )
    leadseg.apply_segments(path, segments, out, output_format=mode)
    if mode == "csv":
        text = (out / "everyone.csv").read_bytes().decode("utf-8")  # no newline translation
        back = list(csv.reader(io.StringIO(text, newline="")))
        assert back[0] == ["Id", "Name", "Notes"]
        assert back[1:] == table
    else:
        import polars as pl

        frame = pl.read_parquet(out / "everyone.parquet")
        got = [[v if v is not None else "" for v in r] for r in frame.rows()]
        assert got == table


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.integers(1, 300),
    bad=st.lists(
        st.tuples(st.integers(0, 299), st.sampled_from([1, 3, 4])), min_size=1, max_size=4
    ),
)
def test_ragged_rows_are_reported_at_their_row_numbers(tmp_path, rows, bad):
    """Rows with the wrong number of fields are named by spreadsheet row (header = 1)."""
    widths = dict((i, n) for i, n in bad if i < rows)
    if not widths:
        return
    lines = ["Email,Score"]
    for i in range(rows):
        fields = [f"c{i}", str(i % 100)] + ["x"] * max(0, widths.get(i, 2) - 2)
        lines.append(",".join(fields[: widths.get(i, 2)]))
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n")
    segments = leadseg.parse_segments("segments:\n  - name: a\n    score: {at_least: 1}\n")
    with pytest.raises(leadseg.LeadsegError) as info:
        leadseg.count_segments(path, segments)
    first_short = min((i for i, n in widths.items() if n < 2), default=None)
    first_long = min((i for i, n in widths.items() if n > 2), default=None)
    message = str(info.value)
    reported = first_short if first_short is not None else first_long
    assert f"row {reported + 2} (" in message
