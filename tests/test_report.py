"""Pictures and the report: the files ``--chart`` and ``leadseg report`` write, and the
report opened in a real browser (headless Chromium) -- it renders, logs no error and loads
nothing from the network."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import leadseg
from tests.browser import visit

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples/contacts.csv"
SEGMENTS = ROOT / "segments.yaml"


def test_the_report_renders_in_a_browser_offline_and_without_errors(tmp_path, cli):
    page = tmp_path / "report.html"
    result = cli("report", EXAMPLE, "-s", SEGMENTS, "-o", page, "--as-of", "2026-11-28")
    assert result.exit_code == 0, result.stderr
    assert "<script" not in page.read_text(encoding="utf-8")
    seen = visit(page)
    assert seen.errors == []
    assert [r for r in seen.requests if not r.startswith("data:")] == [page.as_uri()]
    assert seen.svgs == 2  # the score histogram and the overlap heat map
    assert seen.title == f"leadseg report: {EXAMPLE}"
    assert seen.height > 2000 and seen.screenshot.startswith(b"\x89PNG")
    from datetime import date

    options = leadseg.RunOptions(as_of=date(2026, 11, 28))
    counts = leadseg.count_segments(EXAMPLE, SEGMENTS, options)
    for segment in counts.segments:
        assert f"{segment.name}\t{segment.parent or ''}\t{segment.count:,}" in seen.text
    assert hashlib.sha256(EXAMPLE.read_bytes()).hexdigest() in seen.text
    assert hashlib.sha256(SEGMENTS.read_bytes()).hexdigest() in seen.text
    assert "SFDC Lead Score between 40 and 80\tCRM mid-range\t17\t97\t165\t17" in seen.text


def test_the_report_escapes_names_from_the_files(tmp_path, cli):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score,<b>Tag</b>\na@x,70,x\nb@x,10,y\n", encoding="utf-8")
    segments = tmp_path / "s.yaml"
    segments.write_text(
        'segments:\n  - name: "<img src=http://example.com/x.png>"\n    score: {at_least: 60}\n'
        "  - name: t\n    profile: {field: <b>Tag</b>, is: x}\n",
        encoding="utf-8",
    )
    page = tmp_path / "r.html"
    assert cli("report", export, "-s", segments, "-o", page).exit_code == 0
    text = page.read_text(encoding="utf-8")
    assert "<img" not in text and "&lt;img src=http://example.com/x.png&gt;" in text
    seen = visit(page)
    assert [r for r in seen.requests if not r.startswith("data:")] == [page.as_uri()]
    assert seen.errors == []


@pytest.mark.parametrize(
    "suffix, start", [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".html", b"<!DOCTYPE html>")]
)
def test_charts_in_each_format(tmp_path, cli, suffix, start):
    for command in ("describe", "overlap"):
        chart = tmp_path / f"{command}{suffix}"
        result = cli(command, EXAMPLE, "-s", SEGMENTS, "--chart", chart)
        assert result.exit_code == 0, result.stderr
        data = chart.read_bytes()
        assert data.startswith(start)
        again = cli(command, EXAMPLE, "-s", SEGMENTS, "--chart", chart)
        assert again.exit_code == 0 and chart.read_bytes() == data  # the same data, the same bytes
        if suffix != ".png":
            assert b"<svg" in data and b"<script" not in data
    if suffix == ".svg":  # the segment file's thresholds are marked, with their names
        assert b"Sales-ready" in (tmp_path / "describe.svg").read_bytes()


def test_a_chart_that_cannot_be_written_fails_before_the_work(tmp_path, cli):
    result = cli("describe", EXAMPLE, "--chart", tmp_path / "missing" / "c.png")
    assert result.exit_code == 73 and "does not exist" in result.stderr
    assert result.stdout == ""


def test_charts_without_the_extra_name_the_install_command(tmp_path, cli, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda m, *a: None if m == "matplotlib" else real(m, *a)
    )
    result = cli("overlap", EXAMPLE, "--chart", tmp_path / "o.png")
    assert result.exit_code == 69 and "pip install 'leadseg[charts]'" in result.stderr
    assert "--chart needs matplotlib" in result.stderr  # the command's own option
    assert not (tmp_path / "o.png").exists()
    result = cli("report", EXAMPLE, "-o", tmp_path / "r.html")
    assert result.exit_code == 69 and "pip install 'leadseg[charts]'" in result.stderr
    assert "leadseg report (its charts) needs matplotlib" in result.stderr


def test_a_report_without_a_score_column_names_the_candidates(tmp_path, cli):
    export = tmp_path / "e.csv"
    export.write_text("Email,Lead Rating Points,Status\na@x,3,open\nb@x,5,won\n")
    spec = tmp_path / "s.yaml"
    spec.write_text("segments:\n  - name: won\n    profile: {field: Status, is: won}\n")
    page = tmp_path / "r.html"
    result = cli("report", export, "-s", spec, "-o", page)
    assert result.exit_code == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    assert "no score column in" in text and "&#x27;Lead Rating Points&#x27;" in text


def test_a_failed_report_keeps_the_previous_page(tmp_path, cli):
    page = tmp_path / "r.html"
    page.write_text("previous", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("Email,Score\na@x,70,extra\n", encoding="utf-8")
    result = cli("report", bad, "-s", SEGMENTS, "-o", page)
    assert result.exit_code != 0
    assert page.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "r.html"]


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_the_report_says_the_same_on_every_engine(request, engine):
    from datetime import date

    from leadseg.api import report_data

    if engine == "spark":
        request.getfixturevalue("spark_session")

    def data(name: str) -> dict:
        options = leadseg.RunOptions(engine=name, as_of=date(2026, 11, 28))
        found = report_data(EXAMPLE, SEGMENTS, options).to_dict()
        assert found["provenance"].pop("engine") == name
        return found

    assert data(engine) == data("polars")
