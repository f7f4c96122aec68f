"""Property tests: random segment trees on random exports count exactly what the plain-Python
reference evaluator (tests/oracle.py) says, and subsegments stay inside their parents."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import leadseg
from tests.oracle import Oracle, read_csv_rows

AS_OF = date(2026, 11, 28)
COLUMNS = ["Score", "Country", "Created"]

# Hostile pieces: Unicode digits and signs, odd spaces (White_Space and not), exponents,
# separators, placeholders and near-dates. Values are drawn as short runs of pieces.
PIECES = [
    "0", "5", "20", "60", "100", "1", "2", ".", ",", "e", "E", "+", "-", "\u2212", "e5", "1e999",
    "\u0663", "\uff15", "\u00b2", " ", "\t", "\u00a0", "\u2003", "\u200b", "\x1c", "\u3000",
    "nan", "inf", "N/A", "n/a", "NULL", "\u2014", "?", "US", "us", "Norway", "NO", "ca", "\u00df",
    "\u0130", "\u03a3", "\u03c2", "\u039f\u0394\u039f\u03a3", "Cafe\u0301", "Caf\u00e9", "2026-11-28", "2026-11-01", "2026-1-5", "2026-01- 5", "-2026-11-02",
    "2026-02-30", "T10:00:00Z", " 10:00", " 99:99", "+02:00", "garbage", "11/02/2026",
    "02.11.2026", "1/5/2026 10:00 AM", "2025-12-31",
]  # fmt: skip
plain_values = st.sampled_from(
    ["", "60", "5", "20", "100", " 45 ", "-3", "2026-11-28", "2026-11-01", "US", "NO", "ca"]
)
# Characters of numbers and dates, their look-alikes and odd spaces, drawn freely.
HOSTILE_ALPHABET = "0123456789+-.,eE:/T Z\t\u00a0\u2003\u200b\x1c\u0663\uff15\u00b2\u2212\u2014N/A"
hostile_values = st.one_of(
    plain_values,
    st.lists(st.sampled_from(PIECES), max_size=3).map("".join),
    st.text(alphabet=HOSTILE_ALPHABET, max_size=12),
)
rows_strategy = st.lists(st.tuples(hostile_values, hostile_values, hostile_values), max_size=25)

numbers = st.sampled_from([0, 5, 20, 45, 60, 100, -3, 0.5])
day_texts = st.sampled_from(["2025-12-31", "2026-11-01", "2026-11-28"])
texts = st.sampled_from(
    ["US", "no", "Norway", "ca", 'x"y', "\u00df", "\u03c3", "\u03bf\u03b4\u03bf\u03c2", "caf\u00e9",
     "Cafe\u0301", "e", "\u0130"]
)  # fmt: skip


def number_condition():
    single = st.builds(
        lambda op, v: {"profile": {"field": "Score", op: v}},
        st.sampled_from(["at_least", "at_most", "is", "is_not"]),
        numbers,
    )
    pair = st.lists(numbers, min_size=2, max_size=2).map(sorted)
    between = pair.map(lambda p: {"score": {"between": p}})
    listed = st.builds(
        lambda op, vs: {"profile": {"field": "Score", op: vs}},
        st.sampled_from(["in", "not_in"]),
        st.lists(numbers, min_size=1, max_size=3),
    )
    return st.one_of(single, between, listed)


def text_condition():
    single = st.builds(
        lambda op, v: {"profile": {"field": "Country", op: v}},
        st.sampled_from(["is", "is_not", "contains", "not_contains", "starts_with", "ends_with"]),
        texts,
    )
    listed = st.builds(
        lambda vs: {"profile": {"field": "Country", "in": vs}},
        st.lists(texts, min_size=1, max_size=3),
    )
    blank = st.builds(
        lambda v, col: {"profile": {"field": col, "is_blank": v}},
        st.booleans(),
        st.sampled_from(COLUMNS),
    )
    return st.one_of(single, listed, blank)


def date_condition():
    fixed = st.builds(
        lambda op, v: {"profile": {"field": "Created", op: v}},
        st.sampled_from(["before", "after", "at_least", "at_most"]),
        day_texts,
    )
    relative = st.builds(
        lambda op, n: {"profile": {"field": "Created", op: n}},
        st.sampled_from(["in_last_days", "more_than_days_ago"]),
        st.integers(0, 400),
    )
    return st.one_of(fixed, relative)


def criteria(earlier: list[str]):
    leaves = st.one_of(number_condition(), text_condition(), date_condition())
    if earlier:
        leaves = st.one_of(leaves, st.sampled_from(earlier).map(lambda n: {"segment": n}))
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda c: {"all": c}),
            st.lists(inner, min_size=1, max_size=3).map(lambda c: {"any": c}),
            inner.map(lambda c: {"not": c}),
        ),
        max_leaves=6,
    )


@st.composite
def segment_files(draw) -> str:
    """A segment file as YAML text (JSON is YAML 1.2 flow style)."""
    segments: list[dict] = []
    for i in range(draw(st.integers(1, 5))):
        names = [s["name"] for s in segments]
        segment = {"name": f"s{i}", **draw(criteria(names))}
        if names and draw(st.booleans()):
            segment["parent"] = draw(st.sampled_from(names))
        segments.append(segment)
    document: dict = {"segments": segments}
    placeholders = draw(st.sampled_from([None, ["?"], ["0", "N/A"]]))
    if placeholders is not None:
        document["placeholders"] = {"columns": {"Score": placeholders}}
    formats = draw(st.sampled_from([None, ["%m/%d/%Y"], ["%d.%m.%Y", "%m/%d/%Y %I:%M %p"]]))
    if formats is not None:
        document["dates"] = {"formats": formats}
    return json.dumps(document, ensure_ascii=False)


def write_export(
    path: Path, rows: list[tuple[str, str, str]], blank_after: frozenset[int] = frozenset()
) -> str:
    """The rows as CSV, with a blank line after each row position in ``blank_after``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for i, row in enumerate(rows):
        writer.writerow(row)
        if i in blank_after:
            buffer.write("\n")
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return buffer.getvalue()


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=rows_strategy,
    segment_file=segment_files(),
    decimal_comma=st.booleans(),
    blank_after=st.frozensets(st.integers(0, 25), max_size=3),
)
def test_counts_match_the_reference_evaluator(
    tmp_path, rows, segment_file, decimal_comma, blank_after
):
    path = tmp_path / "export.csv"
    text = write_export(path, rows, blank_after)
    header, parsed, numbers = read_csv_rows(text)
    oracle = Oracle(segment_file, header, as_of=AS_OF, decimal_comma=decimal_comma)
    expected = oracle.run(parsed, numbers)
    options = leadseg.RunOptions(as_of=AS_OF, decimal_comma=decimal_comma)
    segments = leadseg.parse_segments(segment_file)
    event("stopped: mostly unreadable" if expected.error else "counted")
    if expected.error:
        with pytest.raises(leadseg.LeadsegError) as info:
            leadseg.count_segments(path, segments, options)
        assert info.value.exit_code == 65
        assert info.value.location.field == expected.error.split(":", 1)[1]
        return
    result = leadseg.count_segments(path, segments, options)
    assert result.rows == expected.rows
    assert {s.name: s.count for s in result.segments} == {
        n: len(m) for n, m in expected.members.items()
    }
    assert {u.column: (u.count, u.values, u.rows) for u in result.unreadable} == {
        c: (len(bad), expected.values[c], expected.first_rows(c))
        for c, bad in expected.unreadable.items()
    }
    by_name = {s["name"]: s for s in json.loads(segment_file)["segments"]}
    for name, rows_in in expected.members.items():
        parent = by_name[name].get("parent")
        if parent:
            assert set(rows_in) <= set(expected.members[parent])


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
