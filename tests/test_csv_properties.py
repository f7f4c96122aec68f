"""Property tests of the one CSV reading: random records (quotes, delimiters, CR, LF, blank
lines, empty rows, Unicode) written by Python's csv module are read back exactly, and their
contacts counted alike by every engine that runs here (Polars, DuckDB; Spark reads the same
validated copy as DuckDB); malformed mutations are refused naming the same row."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leadseg
from leadseg import ReadOptions, RunOptions
from leadseg.errors import ExportDataError
from leadseg.exports.readers import open_export

VALUES = st.text(alphabet=st.sampled_from(list('ab ,;"\r\n\tÅé€🦆x1')), max_size=8)
DELIMITERS = st.sampled_from([",", ";", "\t", "|"])
TERMINATORS = st.sampled_from(["\n", "\r\n"])


@st.composite
def exports(draw):
    width = draw(st.integers(1, 4))
    header = [f"c{i}" for i in range(width)]
    rows = draw(st.lists(st.lists(VALUES, min_size=width, max_size=width), max_size=12))
    blanks = draw(st.lists(st.integers(0, len(rows)), max_size=3))
    return header, rows, sorted(blanks), draw(DELIMITERS), draw(TERMINATORS)


def written(header, rows, blanks, delimiter, terminator) -> str:
    """The file as Python's csv module writes it, blank lines inserted before rows."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator)
    writer.writerow(header)
    for i, row in enumerate(rows + [None]):
        for _ in range(blanks.count(i)):
            out.write(terminator)
        if row is not None:
            writer.writerow(row)
    return out.getvalue()


def oracle(text: str, delimiter: str) -> list[list[str]]:
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    return [r for r in records[1:] if any(r)]


def bare_carriage_return(text: str) -> bool:
    """A CR outside quoted values that does not end a line (CR LF)."""
    quoted = False
    for i, c in enumerate(text):
        if c == '"':
            quoted = not quoted
        elif c == "\r" and not quoted and text[i + 1 : i + 2] != "\n":
            return True
    return False


def options(delimiter: str, engine: str) -> RunOptions:
    return RunOptions(read=ReadOptions(delimiter=delimiter), engine=engine)


EVERYONE = leadseg.parse_segments(
    "segments:\n  - name: Everyone\n    not: {profile: {field: c0, is: zzzz-never}}\n"
    "  - name: With an a\n    profile: {field: c0, contains: a}\n"
    "  - name: Blank\n    profile: {field: c0, is_blank: true}\n"
)
FAST = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# A Spark query costs a few hundred milliseconds: fewer examples there.
SPARK = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def check_read_back(tmp_path_factory, example, engines) -> None:
    """The records read back exactly (Polars' reading, which every engine gets through the
    validated copy), and every engine counts the segments over them alike."""
    header, rows, blanks, delimiter, terminator = example
    text = written(header, rows, blanks, delimiter, terminator)
    path = Path(tmp_path_factory.mktemp("p")) / "export.csv"
    path.write_bytes(text.encode("utf-8"))
    expected = oracle(text, delimiter)
    if bare_carriage_return(text):
        # Python's writer leaves a CR unquoted under LF line ends (it quotes only what holds
        # a line terminator's character): by the rule a bare CR there is an error.
        for engine in engines:
            with pytest.raises(ExportDataError, match="carriage return"):
                leadseg.count_segments(path, EVERYONE, options(delimiter, engine))
        return
    with open_export(path, ReadOptions(delimiter=delimiter)) as export:
        frame = export.scan().collect()
    got = [["" if v is None else v for v in row] for row in frame.iter_rows()]
    assert got == expected
    polars = leadseg.count_segments(path, EVERYONE, options(delimiter, "polars")).to_dict()
    assert polars["rows"] == len(expected)
    assert polars["segments"][0]["count"] == len(expected)
    for engine in engines:
        result = leadseg.count_segments(path, EVERYONE, options(delimiter, engine)).to_dict()
        assert result["segments"] == polars["segments"], engine


@FAST
@given(exports())
def test_records_written_by_python_read_back_exactly(tmp_path_factory, example):
    check_read_back(tmp_path_factory, example, ("duckdb",))


@SPARK
@given(exports())
def test_records_read_back_alike_on_spark(tmp_path_factory, spark_session, example):
    check_read_back(tmp_path_factory, example, ("spark",))


MUTATIONS = st.sampled_from(["long", "short", "stray quote", "nul"])


def check_refused(tmp_path_factory, example, mutation, data, engines) -> None:
    header, rows, blanks, delimiter, terminator = example
    if not rows or (mutation == "short" and len(header) == 1):
        return
    k = data.draw(st.integers(0, len(rows) - 1))
    bad = list(rows[k])
    if mutation == "long":
        bad.append("extra")
    elif mutation == "short":
        bad.pop()
    if not any(bad) and mutation in ("long", "short"):
        return  # a row of empty fields, of any width, holds no contact: skipped, not ragged
    # The mutated row is written after the others: every row and blank line before it is a
    # spreadsheet row.
    before = [b for b in blanks if b <= k]
    head = written(header, rows[:k], before, delimiter, terminator)
    row = 1 + k + len(before) + 1
    if bare_carriage_return(head):
        return  # the rows before already break the rule (the first test covers that)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=terminator).writerow(bad)
    line = out.getvalue()
    if mutation == "stray quote":  # text after a closing quote, in the first field
        line = '"a"b' + f"{delimiter}x" * (len(header) - 1) + terminator
    elif mutation == "nul":
        line = "\x00" + line
    path = Path(tmp_path_factory.mktemp("m")) / "export.csv"
    path.write_bytes((head + line).encode("utf-8"))
    for engine in engines:
        with pytest.raises(ExportDataError) as info:
            leadseg.count_segments(path, EVERYONE, options(delimiter, engine))
        assert info.value.location.row == row, (engine, str(info.value))


@FAST
@given(exports(), MUTATIONS, st.data())
def test_malformed_rows_are_refused_naming_the_row(tmp_path_factory, example, mutation, data):
    check_refused(tmp_path_factory, example, mutation, data, ("polars", "duckdb"))


@SPARK
@given(exports(), MUTATIONS, st.data())
def test_malformed_rows_are_refused_alike_on_spark(
    tmp_path_factory, spark_session, example, mutation, data
):
    check_refused(tmp_path_factory, example, mutation, data, ("spark",))
