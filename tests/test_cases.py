"""Segment semantics as data: each tests/cases/*.yaml holds a segment file, a CSV and the
expected members; every case runs through count, apply and the reference evaluator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml

import leadseg
from tests.oracle import Oracle, read_csv_rows

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(params=CASES, ids=[c.stem for c in CASES])
def case(request, tmp_path: Path):
    data = _load(request.param)
    export = tmp_path / "export.csv"
    export.write_text(data["csv"], encoding="utf-8")
    segments = leadseg.parse_segments(data["segments"], request.param.name)
    as_of = date.fromisoformat(str(data.get("as_of", "2026-11-28")))
    return data, export, segments, as_of


def _expected(data: dict) -> dict[str, list[str]]:
    return {name: [str(i) for i in ids] for name, ids in data["expected"].items()}


def test_count_matches_expected(case):
    data, export, segments, as_of = case
    result = leadseg.count_segments(export, segments, leadseg.RunOptions(as_of=as_of))
    counts = {s.name: s.count for s in result.segments}
    assert counts == {name: len(ids) for name, ids in _expected(data).items()}
    unreadable = {u.column: u.rows for u in result.unreadable}
    assert unreadable == {
        col: [i + 1 for i in ids] for col, ids in data.get("unreadable", {}).items()
    }


def test_apply_writes_expected_members(case, tmp_path: Path):
    data, export, segments, as_of = case
    out = tmp_path / "out"
    out.mkdir()
    result = leadseg.apply_segments(export, segments, out, options=leadseg.RunOptions(as_of=as_of))
    by_name = {s.name: s.file for s in result.counts.segments}
    for name, ids in _expected(data).items():
        frame = pl.read_csv(out / by_name[name], infer_schema=False)
        assert frame["id"].to_list() == ids, name


def test_reference_evaluator_agrees(case):
    data, export, segments, as_of = case
    header, rows, numbers = read_csv_rows(data["csv"])
    outcome = Oracle(data["segments"], header, as_of=as_of).run(rows, numbers)
    assert outcome.error is None
    got = {name: [rows[i]["id"] for i in found] for name, found in outcome.members.items()}
    assert got == _expected(data)
    assert {c: outcome.first_rows(c) for c in outcome.unreadable} == {
        col: [i + 1 for i in ids] for col, ids in data.get("unreadable", {}).items()
    }
