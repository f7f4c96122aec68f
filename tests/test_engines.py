"""`count --engine duckdb` (and `auto` on Parquet) gives exactly what the Polars engine
gives: counts, rows, unreadable values with their row numbers, errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leadseg
from tests.test_properties import AS_OF, rows_strategy, segment_files, write_export

pytest.importorskip("duckdb", reason="duckdb is a test dependency")

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def as_parquet(csv_path: Path) -> Path:
    frame = pl.read_csv(csv_path, infer_schema=False)
    target = csv_path.with_suffix(".parquet")
    frame.write_parquet(target)
    return target


def both(path: Path, segments, **options) -> tuple[dict, dict]:
    run = {
        engine: leadseg.count_segments(path, segments, leadseg.RunOptions(engine=engine, **options))
        for engine in ("polars", "duckdb")
    }
    return run["polars"].to_dict(), run["duckdb"].to_dict()


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.stem != "blank_lines"], ids=lambda p: p.stem
)
def test_duckdb_counts_every_case_as_polars_does(tmp_path, case):
    data = yaml.safe_load(case.read_text(encoding="utf-8"))
    csv_path = tmp_path / "export.csv"
    csv_path.write_text(data["csv"], encoding="utf-8")
    export = as_parquet(csv_path)
    segments = leadseg.parse_segments(data["segments"], case.name)
    as_of = date.fromisoformat(str(data.get("as_of", "2026-11-28")))
    polars, duckdb = both(export, segments, as_of=as_of)
    assert duckdb == polars
    assert {s["name"]: s["count"] for s in duckdb["segments"]} == {
        n: len(v) for n, v in data["expected"].items()
    }


def test_typed_parquet_columns_count_alike(tmp_path):
    export = tmp_path / "typed.parquet"
    pl.DataFrame(
        {
            "Email": ["a@x", "b@x", "c@x", "d@x"],
            "Score": [70.0, None, float("nan"), 12.5],
            "Created": [date(2026, 11, 1), None, date(2025, 1, 1), date(2026, 11, 27)],
            "Country": pl.Series(["US", "NO", None, "us"], dtype=pl.Categorical),
        }
    ).write_parquet(export)
    segments = leadseg.parse_segments(
        "segments:\n  - name: hot\n    score: {at_least: 60}\n"
        "  - name: recent\n    profile: {field: Created, in_last_days: 30}\n"
        "  - name: us\n    profile: {field: Country, is: US}\n"
        "  - name: not us\n    profile: {field: Country, is_not: US}\n"
    )
    polars, duckdb = both(export, segments, as_of=date(2026, 11, 28))
    assert duckdb == polars
    assert [s["count"] for s in duckdb["segments"]] == [1, 2, 2, 2]


def test_auto_stays_polars_until_duckdb_is_faster(tmp_path, monkeypatch):
    from leadseg import engine as engines_api

    calls = []
    monkeypatch.setattr(engines_api, "count_with_duckdb", lambda *a: calls.append(1))
    csv_path = write_csv_export(tmp_path)
    segments = leadseg.parse_segments("segments:\n  - name: hot\n    score: {at_least: 60}\n")
    leadseg.count_segments(as_parquet(csv_path), segments)
    assert calls == []


def write_csv_export(folder: Path) -> Path:
    path = folder / "e.csv"
    path.write_text("Email,Score\na@x,70\nb@x,abc\nc@x,5\n")
    return path


def test_duckdb_on_csv_is_a_usage_error(cli, tmp_path):
    result = cli("count", write_csv_export(tmp_path), "--at-least", "1", "--engine", "duckdb")
    assert result.exit_code == 2 and "Parquet" in result.stderr
    assert (
        cli("count", write_csv_export(tmp_path), "--at-least", "1", "--engine", "spark").exit_code
        == 2
    )


def test_a_missing_duckdb_names_the_install_command(cli, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "duckdb" else real(name, *a)
    )
    parquet = as_parquet(write_csv_export(tmp_path))
    result = cli("count", parquet, "--at-least", "1", "--engine", "duckdb")
    assert result.exit_code == 69 and "pip install 'leadseg[duckdb]'" in result.stderr
    assert cli("count", parquet, "--at-least", "1").exit_code == 0  # auto: Polars


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy, segment_file=segment_files(), decimal_comma=st.booleans())
def test_duckdb_and_polars_agree_on_hostile_values(tmp_path, rows, segment_file, decimal_comma):
    csv_path = tmp_path / "export.csv"
    write_export(csv_path, rows)
    export = as_parquet(csv_path)
    segments = leadseg.parse_segments(segment_file)
    outcomes = {}
    for engine in ("polars", "duckdb"):
        try:
            outcomes[engine] = leadseg.count_segments(
                export, segments,
                leadseg.RunOptions(engine=engine, as_of=AS_OF, decimal_comma=decimal_comma),
            ).to_dict()  # fmt: skip
        except leadseg.LeadsegError as exc:
            outcomes[engine] = (exc.exit_code, [p.location.field for p in exc.problems])
    assert outcomes["duckdb"] == outcomes["polars"]
