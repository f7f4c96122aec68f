"""`leadseg sql`: the SQL is executed, not just printed. On DuckDB every case file gives the
members leadseg's own engine gives; every other dialect's SQL parses back in its dialect;
names stay identifiers and values literals."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leadseg
from leadseg.engines.sql.compiler import DIALECTS
from tests.sql_conformance import SQL_CASES, check_against_oracle, check_case
from tests.test_properties import rows_strategy, segment_files

duckdb = pytest.importorskip(
    "duckdb", reason="duckdb is a test dependency: pip install -e '.[test]'"
)


def duckdb_execute():
    con = duckdb.connect()

    def execute(sql: str, rows=None):
        if rows is not None:
            con.executemany(sql, rows)
            return []
        result = con.execute(sql)
        return result.fetchall() if result.description else []

    execute.connection = con  # type: ignore[attr-defined]
    return execute


@pytest.mark.parametrize("path", SQL_CASES, ids=lambda p: p.stem)
def test_duckdb_sql_gives_the_members_of_every_case(path):
    check_case(duckdb_execute(), "duckdb", "?", path)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("select", ["counts", "flags", "members"])
def test_every_dialect_parses_back(dialect, select):
    root = Path(__file__).resolve().parent.parent
    sql = leadseg.segments_sql(
        root / "segments.yaml", dialect=dialect, table="crm.contacts", select=select,
        segment="Sales-ready" if select == "members" else None,
    )  # fmt: skip
    parsed = sqlglot.parse_one(sql, read=dialect)
    assert parsed is not None
    if select != "members":  # "Recently active" is relative to the day the SQL runs
        assert "CURRENT_DATE" in sql.upper()


def test_names_stay_identifiers_and_values_literals():
    text = (
        "score_field: Score\nsegments:\n"
        '  - name: x"; DROP TABLE contacts; --\n'
        '    profile: {field: "Name\'); DROP TABLE contacts; --", is: "a\'; DROP TABLE contacts; --"}\n'
    )
    segments = leadseg.parse_segments(text)
    con = duckdb.connect()
    con.execute(
        'CREATE TABLE contacts ("Name\'); DROP TABLE contacts; --" VARCHAR, "Score" VARCHAR)'
    )
    con.execute("INSERT INTO contacts VALUES ('a''; DROP TABLE contacts; --', '1'), ('b', '2')")
    sql = leadseg.segments_sql(segments, dialect="duckdb", table="contacts")
    assert con.execute(sql).fetchone() == (2, 1)
    assert con.execute("SELECT count(*) FROM contacts").fetchone() == (2,)  # still there
    names = [d[0] for d in con.execute(sql).description]
    assert names == ["rows", 'x"; DROP TABLE contacts; --']


def test_the_cli_prints_one_statement(cli, tmp_path):
    root = Path(__file__).resolve().parent.parent
    result = cli("sql", root / "segments.yaml", "--dialect", "duckdb", "--as-of", "2026-11-28")
    assert result.exit_code == 0, result.stderr
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE contacts AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
        [str(root / "examples/contacts.csv")],
    )
    row = con.execute(result.stdout).fetchone()
    expected = leadseg.count_segments(
        root / "examples/contacts.csv", root / "segments.yaml",
        leadseg.RunOptions(as_of=date(2026, 11, 28)),
    )  # fmt: skip
    assert list(row) == [expected.rows, *[s.count for s in expected.segments]]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--dialect", "oracle"], "--dialect"),
        (["--select", "members"], "--segment"),
        (["--segment", "Nurture"], "--select members"),
        (["--select", "members", "--segment", "nope"], "no such segment"),
    ],
)
def test_sql_usage_errors(cli, args, message):
    root = Path(__file__).resolve().parent.parent
    result = cli("sql", root / "segments.yaml", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_sql_needs_the_score_column_named(cli, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("segments:\n  - name: hot\n    score: {at_least: 60}\n")
    result = cli("sql", path)
    assert result.exit_code == 78 and "--score-field" in result.stderr
    assert cli("sql", path, "--score-field", "Lead Score").exit_code == 0


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy, segment_file=segment_files(), decimal_comma=st.booleans())
def test_duckdb_sql_members_match_the_reference_evaluator(
    tmp_path, rows, segment_file, decimal_comma
):
    check_against_oracle(
        duckdb_execute(), "duckdb", "?", tmp_path, rows, segment_file, decimal_comma
    )


def test_a_missing_sqlglot_names_the_install_command(cli, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "sqlglot" else real(name, *a)
    )
    result = cli("sql", Path(__file__).resolve().parent.parent / "segments.yaml")
    assert result.exit_code == 69
    assert "pip install 'leadseg[sql]'" in result.stderr


# -- the Spark dialect, executed by Spark SQL ------------------------------------------------


@pytest.fixture
def spark_sql(spark_session):
    """(execute, load) for Spark SQL: a temp view ``contacts`` of text columns."""
    from pyspark.sql.types import StringType, StructField, StructType

    from tests.sql_conformance import table_rows

    def execute(sql: str, rows=None):
        return [tuple(r) for r in spark_session.sql(sql).collect()]

    def load(text: str) -> None:
        header, body = table_rows(text)
        schema = StructType([StructField(name, StringType()) for name in header])
        spark_session.createDataFrame(body, schema).createOrReplaceTempView("contacts")

    return execute, load


@pytest.mark.parametrize(
    "path", [c for c in SQL_CASES if c.stem != "text_unicode"], ids=lambda p: p.stem
)
def test_spark_sql_gives_the_members_of_every_case(spark_sql, path):
    execute, load = spark_sql
    check_case(execute, "spark", load, path)


def test_spark_sql_compares_decomposed_text_as_written(spark_sql):
    """Spark SQL has no normalisation function: the printed SQL matches composed text only
    (README); `count --engine spark` normalises with a function of its own."""
    execute, load = spark_sql
    load("id,Name\n1,Cafe\u0301\n2,CAF\u00c9\n3,cafe\n")
    sql = leadseg.segments_sql(
        leadseg.parse_segments("segments:\n  - name: cafe\n    profile: {field: Name, is: Caf\u00e9}\n"),
        dialect="spark", table="contacts", select="members", segment="cafe",
    )  # fmt: skip
    assert [r[0] for r in execute(sql)] == ["2"]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy, segment_file=segment_files(), decimal_comma=st.booleans())
def test_spark_sql_matches_the_reference_evaluator(
    spark_sql, tmp_path, rows, segment_file, decimal_comma
):
    execute, load = spark_sql
    check_against_oracle(execute, "spark", load, tmp_path, rows, segment_file, decimal_comma)
