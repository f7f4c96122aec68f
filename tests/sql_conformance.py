"""The SQL conformance suite, written once and run per database (tests/test_sql.py for
DuckDB, tests/test_sql_postgres.py for PostgreSQL): every semantics case file, and a
property test against the reference evaluator."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

import leadseg
from leadseg.engines.sql.compiler import bind_for_sql
from leadseg.segments.reads import parsed_values
from tests.oracle import Oracle, read_csv_rows
from tests.test_properties import AS_OF, write_export

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))
# Meaning SQL cannot carry: blank lines exist only in files.
SQL_CASES = [c for c in CASES if c.stem != "blank_lines"]
# Dialects without Unicode normalisation: their SQL compares decomposed text as written
# (README, SQL for warehouses); the text_unicode case checks it does.
UNNORMALISED = ("spark", "databricks", "snowflake")

Execute = Callable[[str, list[Any] | None], list[tuple]]  # (sql, rows to insert) -> rows


def table_rows(text: str) -> tuple[list[str], list[list[str | None]]]:
    """The CSV's header and rows as a table holds them: empty fields NULL, rows of empty
    fields left out (as leadseg reads a file)."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], [[v if v != "" else None for v in r] for r in rows[1:] if any(r)]


def load_table(execute: Execute, text: str, marker: Any) -> None:
    """The CSV as a table ``contacts`` of text columns (``table_rows``). ``marker`` is the
    driver's parameter mark (? or %s); a ``marker`` that is a function loads the table
    itself (Spark)."""
    if callable(marker):
        marker(text)
        return
    header, body = table_rows(text)
    execute("DROP TABLE IF EXISTS contacts", None)
    execute("CREATE TABLE contacts (" + ", ".join(f'"{h}" TEXT' for h in header) + ")", None)
    if body:
        marks = ", ".join(marker for _ in header)
        execute(f"INSERT INTO contacts VALUES ({marks})", body)


def check_case(execute: Execute, dialect: str, marker: Any, path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    as_of = date.fromisoformat(str(data.get("as_of", "2026-11-28")))
    segments = leadseg.parse_segments(data["segments"], path.name)
    header = data["csv"].splitlines()[0].split(",")
    options = leadseg.RunOptions(score_field="Score") if "Score" in header else None
    load_table(execute, data["csv"], marker)
    for name, expected in data["expected"].items():
        sql = leadseg.segments_sql(
            segments, dialect=dialect, table="contacts", select="members", segment=name,
            as_of=as_of, options=options,
        )  # fmt: skip
        got = sorted(int(r[0]) for r in execute(f"SELECT id FROM ({sql}) AS m", None))
        assert got == sorted(expected), name
    counts = leadseg.segments_sql(
        segments, dialect=dialect, table="contacts", as_of=as_of, options=options
    )
    assert list(execute(counts, None)[0][1:]) == [len(v) for v in data["expected"].values()]


def check_against_oracle(
    execute: Execute, dialect: str, marker: Any, folder: Path, rows, segment_file, decimal_comma
) -> None:
    text = write_export(folder / "e.csv", rows)
    header, parsed, _ = read_csv_rows(text)
    expected = Oracle(
        segment_file, header, as_of=AS_OF, decimal_comma=decimal_comma, score_field="Score",
        normalise=dialect not in UNNORMALISED,
    ).run(parsed)  # fmt: skip
    load_table(execute, text, marker)
    options = leadseg.RunOptions(score_field="Score", decimal_comma=decimal_comma)
    sql = leadseg.segments_sql(
        leadseg.parse_segments(segment_file), dialect=dialect, table="contacts",
        as_of=AS_OF, options=options,
    )  # fmt: skip
    row = execute(sql, None)[0]
    assert list(row) == [len(parsed), *[len(m) for m in expected.members.values()]]
    unreadable = leadseg.segments_sql(
        leadseg.parse_segments(segment_file), dialect=dialect, table="contacts",
        select="unreadable", as_of=AS_OF, options=options,
    )  # fmt: skip
    row = execute(unreadable, None)[0]
    columns = parsed_values(bind_for_sql(with_score(segment_file)))
    counted = {column: n for (column, _), n in zip(columns, row[1:], strict=True) if n}
    assert counted == {c: len(bad) for c, bad in expected.unreadable.items() if bad}


def with_score(segment_file: str):
    import dataclasses

    return dataclasses.replace(leadseg.parse_segments(segment_file), score_field="Score")
