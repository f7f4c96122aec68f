"""`leadseg sql --dialect postgres` executed on a real PostgreSQL server: every semantics
case gives the members leadseg's own engine gives. The tests create and drop their own
database on a private server (tests/postgres_server.py)."""

from __future__ import annotations

import csv
import io
import os
from datetime import date
from pathlib import Path

import pytest
import yaml

import leadseg
from tests.postgres_server import binaries, postgres_server

psycopg = pytest.importorskip("psycopg", reason="psycopg is a test dependency")

if binaries() is None and not os.environ.get("CI"):
    pytest.skip("PostgreSQL is not installed here (.ci/run installs it)", allow_module_level=True)

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))
FILE_ONLY = {"blank_lines"}


@pytest.fixture(scope="module")
def database():
    with postgres_server() as server:
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute("CREATE DATABASE leadseg_test")
        with psycopg.connect(**{**server, "dbname": "leadseg_test"}, autocommit=True) as con:
            yield con
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute("DROP DATABASE leadseg_test")


def load_table(con, text: str) -> None:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], [r for r in rows[1:] if any(r)]  # as leadseg reads a file
    con.execute("DROP TABLE IF EXISTS contacts")
    con.execute("CREATE TABLE contacts (" + ", ".join(f'"{h}" TEXT' for h in header) + ")")
    marks = ", ".join("%s" for _ in header)
    with con.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO contacts VALUES ({marks})",
            [[v if v != "" else None for v in r] for r in body],
        )


@pytest.mark.parametrize(
    "path", [c for c in CASES if c.stem not in FILE_ONLY], ids=lambda p: p.stem
)
def test_postgres_sql_gives_the_members_of_every_case(database, path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    as_of = date.fromisoformat(str(data.get("as_of", "2026-11-28")))
    segments = leadseg.parse_segments(data["segments"], path.name)
    header = data["csv"].splitlines()[0].split(",")
    options = leadseg.RunOptions(score_field="Score") if "Score" in header else None
    load_table(database, data["csv"])
    for name, expected in data["expected"].items():
        sql = leadseg.segments_sql(
            segments, dialect="postgres", table="contacts", select="members", segment=name,
            as_of=as_of, options=options,
        )  # fmt: skip
        got = sorted(int(r[0]) for r in database.execute(f"SELECT id FROM ({sql}) AS m").fetchall())
        assert got == sorted(expected), name


def test_postgres_counts_match_leadseg_on_the_bundled_export(database):
    root = Path(__file__).resolve().parent.parent
    text = (root / "examples/contacts.csv").read_text(encoding="utf-8")
    load_table(database, text)
    sql = leadseg.segments_sql(
        root / "segments.yaml", dialect="postgres", table="contacts", as_of=date(2026, 11, 28)
    )
    row = database.execute(sql).fetchone()
    expected = leadseg.count_segments(
        root / "examples/contacts.csv", root / "segments.yaml",
        leadseg.RunOptions(as_of=date(2026, 11, 28)),
    )  # fmt: skip
    assert list(row) == [expected.rows, *[s.count for s in expected.segments]]


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.oracle import Oracle, read_csv_rows  # noqa: E402
from tests.test_properties import AS_OF, rows_strategy, segment_files, write_export  # noqa: E402


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy, segment_file=segment_files(), decimal_comma=st.booleans())
def test_postgres_sql_matches_the_reference_evaluator(
    database, tmp_path, rows, segment_file, decimal_comma
):
    text = write_export(tmp_path / "e.csv", rows)
    header, parsed, _ = read_csv_rows(text)
    expected = Oracle(
        segment_file, header, as_of=AS_OF, decimal_comma=decimal_comma, score_field="Score"
    ).run(parsed)
    load_table(database, text)
    options = leadseg.RunOptions(score_field="Score", decimal_comma=decimal_comma)
    sql = leadseg.segments_sql(
        leadseg.parse_segments(segment_file), dialect="postgres", table="contacts",
        as_of=AS_OF, options=options,
    )  # fmt: skip
    row = database.execute(sql).fetchone()
    assert list(row) == [len(parsed), *[len(m) for m in expected.members.values()]]
