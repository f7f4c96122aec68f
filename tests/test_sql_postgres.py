"""`leadseg sql --dialect postgres` executed on a real PostgreSQL server: every semantics
case gives the members leadseg's own engine gives. The tests create and drop their own
database on a private server (tests/postgres_server.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leadseg
from tests.postgres_server import binaries, postgres_server
from tests.programs import missing
from tests.sql_conformance import SQL_CASES, check_against_oracle, check_case, load_table
from tests.test_properties import rows_strategy, segment_files

psycopg = pytest.importorskip("psycopg", reason="psycopg is a test dependency")

if binaries() is None:
    missing("postgresql", "running the SQL on PostgreSQL", module=True)


@pytest.fixture(scope="module")
def database():
    with postgres_server() as server:
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute("CREATE DATABASE leadseg_test")
        with psycopg.connect(**{**server, "dbname": "leadseg_test"}, autocommit=True) as con:

            def execute(sql: str, rows=None):
                with con.cursor() as cursor:
                    if rows is not None:
                        cursor.executemany(sql, rows)
                        return []
                    cursor.execute(sql)
                    return cursor.fetchall() if cursor.description else []

            yield execute
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute("DROP DATABASE leadseg_test")


@pytest.mark.parametrize("path", SQL_CASES, ids=lambda p: p.stem)
def test_postgres_sql_gives_the_members_of_every_case(database, path):
    check_case(database, "postgres", "%s", path)


def test_postgres_counts_match_leadseg_on_the_bundled_export(database):
    root = Path(__file__).resolve().parent.parent
    load_table(database, (root / "examples/contacts.csv").read_text(encoding="utf-8"), "%s")
    sql = leadseg.segments_sql(
        root / "segments.yaml", dialect="postgres", table="contacts", as_of=date(2026, 11, 28)
    )
    expected = leadseg.count_segments(
        root / "examples/contacts.csv", root / "segments.yaml",
        leadseg.RunOptions(as_of=date(2026, 11, 28)),
    )  # fmt: skip
    assert list(database(sql)[0]) == [expected.rows, *[s.count for s in expected.segments]]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy, segment_file=segment_files(), decimal_comma=st.booleans())
def test_postgres_sql_matches_the_reference_evaluator(
    database, tmp_path, rows, segment_file, decimal_comma
):
    check_against_oracle(database, "postgres", "%s", tmp_path, rows, segment_file, decimal_comma)
