"""``leadseg init``: the segment file it writes validates and counts on the export, its
thresholds are the score's rounded quantiles (checked against numpy), its commented
examples are valid once uncommented, and it never replaces a file without --force."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import numpy
import pytest

import leadseg
from tests.oracle import Oracle, read_csv_rows

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples/contacts.csv"


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_init_writes_a_file_that_validates_and_counts(cli, tmp_path, engine):
    target = tmp_path / "segments.yaml"
    result = cli("init", EXAMPLE, "-o", target, "--engine", engine)
    assert result.exit_code == 0, result.stderr
    text = target.read_text(encoding="utf-8")
    header, rows, _ = read_csv_rows(EXAMPLE.read_text(encoding="utf-8"))
    oracle = Oracle(text, header, as_of=date.today())
    scores = [v for r in rows if (v := oracle.number(r[oracle.score], oracle.score)[0]) is not None]
    high, low = round(numpy.quantile(scores, 0.9)), round(numpy.quantile(scores, 0.25))
    assert f"score: {{at_least: {high}}}" in text and f"score: {{at_most: {low}}}" in text
    assert "parent: High score" in text and "SFDC Lead Score" in text
    assert cli("validate", target, "--export", EXAMPLE).exit_code == 0
    counts = leadseg.count_segments(EXAMPLE, target)
    expected = oracle.run(rows).members
    assert {s.name: s.count for s in counts.segments} == {n: len(m) for n, m in expected.items()}


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_thresholds_come_from_every_row_examples_from_the_first(cli, tmp_path, engine):
    """The examples are drawn from the first rows (every column counted there), the
    thresholds from the whole export: past the first 10,000 rows the scores are high."""
    from leadseg.engines.plan import SAMPLE_ROWS

    export = tmp_path / "late.csv"
    lines = ["Email,Lead Score,SFDC Lead Score,Status"]
    for i in range(SAMPLE_ROWS + 2_000):
        late = i >= SAMPLE_ROWS
        lines.append(
            f"c{i}@x,{90 if late else 10},{80 if late else i % 50},{'Open' if i % 3 else 'Won'}"
        )
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "segments.yaml"
    result = cli("init", export, "-o", target, "--engine", engine)
    assert result.exit_code == 0, result.stderr
    text = target.read_text(encoding="utf-8")
    assert "score: {at_least: 90}" in text and "score: {at_most: 10}" in text
    assert f"{SAMPLE_ROWS + 2_000:,} values" in text  # the header line counts every row
    assert 'profile: {field: "SFDC Lead Score", at_least: 30}' in text  # median of all rows
    assert '"Status", in: ["Open", "Won"]' in text


def test_the_commented_examples_are_valid_segments(cli, tmp_path):
    target = tmp_path / "segments.yaml"
    assert cli("init", EXAMPLE, "-o", target).exit_code == 0
    text = target.read_text(encoding="utf-8")
    examples = re.findall(r"^  # (- name: .*(?:\n  #   .*)*)", text, flags=re.M)
    assert len(examples) >= 6  # in/not, contains, dates, blank, not/any, match any
    families = " ".join(examples)
    for operator in ("in:", "is_not:", "contains:", "in_last_days:", "before:", "is_blank:",
                     "not:", "match: any", "segment:"):  # fmt: skip
        assert operator in families, operator
    uncommented = re.sub(r"^  # (?=- |  )", "  ", text, flags=re.M)
    opened = tmp_path / "all.yaml"
    opened.write_text(uncommented, encoding="utf-8")
    assert cli("validate", opened, "--export", EXAMPLE).exit_code == 0
    result = cli("count", EXAMPLE, "-s", opened, "--format", "json")
    assert result.exit_code == 0, result.stderr


def test_init_never_replaces_a_file_without_force(cli, tmp_path):
    target = tmp_path / "segments.yaml"
    target.write_text("mine\n", encoding="utf-8")
    result = cli("init", EXAMPLE, "-o", target)
    assert result.exit_code == 73 and "--force" in result.stderr
    assert target.read_text() == "mine\n"
    assert cli("init", EXAMPLE, "-o", target, "--force").exit_code == 0
    assert target.read_text().startswith("# leadseg segment file")


def test_init_quotes_any_column_name(cli, tmp_path):
    export = tmp_path / "e.csv"
    export.write_text(
        'Email,"Lead Score: #1","Land, ""EU""",Seen\n'
        "a@x,10,DE,2026-11-01\nb@x,90,FR,2026-10-01\nc@x,50,DE,\n",
        encoding="utf-8",
    )
    target = tmp_path / "s.yaml"
    result = cli("init", export, "-o", target, "--score-field", "Lead Score: #1")
    assert result.exit_code == 0, result.stderr
    uncommented = re.sub(r"^  # (?=- |  )", "  ", target.read_text(encoding="utf-8"), flags=re.M)
    target.write_text(uncommented, encoding="utf-8")
    assert cli("validate", target, "--export", export).exit_code == 0


def test_init_needs_a_score_column(cli, tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("Email,Country\na@x,DE\n", encoding="utf-8")
    result = cli("init", export, "-o", tmp_path / "s.yaml")
    assert result.exit_code == 78 and "--score-field" in result.stderr
    assert not (tmp_path / "s.yaml").exists()


def test_every_command_finds_the_score_column_alike(cli, tmp_path):
    """describe, init and count: the same message, the same candidates, the same exit code
    (78); report draws the page without a score column and names the same candidates."""
    export = tmp_path / "e.csv"
    export.write_text("Email,Lead Rating Points\na@x,3\nb@x,5\n", encoding="utf-8")
    looked = "no score column in "
    candidate = "columns that may hold a score: 'Lead Rating Points'"
    runs = {
        "count": cli("count", export, "--at-least", "1"),
        "describe": cli("describe", export),
        "init": cli("init", export, "-o", tmp_path / "s.yaml"),
    }
    for name, result in runs.items():
        assert result.exit_code == 78, (name, result.stderr)
        assert looked in result.stderr and candidate in result.stderr, (name, result.stderr)
        assert "--score-field 'Lead Rating Points'" in result.stderr, name
    assert "--field COLUMN" in runs["describe"].stderr


def test_init_splits_a_score_one_value_dominates(cli, tmp_path):
    """91 of 100 Pardot scores are 0: the 90th percentile is 0, and "at least 0" would keep
    everyone; the High segment keeps a minority instead, and its comment says how many."""
    export = tmp_path / "pardot.csv"
    real = (3, 5, 10, 20, 40, 60, 80, 90, 100)
    rows = [f"c{i}@x,{0 if i < 91 else real[i - 91]}" for i in range(100)]
    export.write_text("Email,Score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    target = tmp_path / "s.yaml"
    assert cli("init", export, "-o", target).exit_code == 0
    text = target.read_text(encoding="utf-8")
    counts = cli("count", export, "-s", target, "--format", "json")
    found = {s["name"]: s["count"] for s in json.loads(counts.stdout)["segments"]}
    assert 0 < found["High score"] <= 50
    assert f"{found['High score']} of 100 contacts" in text
    assert "No threshold keeps a minority" in text  # "at most 0" keeps the 91 zeros
    assert found["Low score"] == 91


def test_init_never_rounds_a_threshold_into_one_that_keeps_everyone(cli, tmp_path):
    """90 zeros, then 4, 10, ... 100: the 90th percentile is 0.4, which rounds to 0 (the
    scores spread over more than 10) -- and "at least 0" would keep everyone."""
    export = tmp_path / "e.csv"
    rows = [f"u{i},0" for i in range(90)]
    rows += [f"u{90 + i},{v}" for i, v in enumerate((4, 10, 20, 30, 40, 50, 60, 70, 80, 100))]
    export.write_text("Email,Score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    target = tmp_path / "s.yaml"
    assert cli("init", export, "-o", target).exit_code == 0
    counts = cli("count", export, "-s", target, "--format", "json")
    found = {s["name"]: s["count"] for s in json.loads(counts.stdout)["segments"]}
    assert found["High score"] == 10


def test_init_writes_the_number_forms_it_read_with(cli, tmp_path):
    export = tmp_path / "e.csv"
    rows = [f'c{i}@x,"${1000 + 37 * i:,}.00"' for i in range(40)]
    export.write_text("Email,Score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    target = tmp_path / "s.yaml"
    result = cli("init", export, "-o", target, "--numbers", "money")
    assert result.exit_code == 0, result.stderr
    assert "numbers: {forms: [accounting, currency, thousands]}" in target.read_text()
    assert cli("validate", target, "--export", export).exit_code == 0


def test_the_commented_score_sheet_scores_the_export(cli, tmp_path):
    target = tmp_path / "segments.yaml"
    assert cli("init", EXAMPLE, "-o", target).exit_code == 0
    text = target.read_text(encoding="utf-8")
    sheet = re.sub(r"^# (?=scores:|grades:|  )", "", text, flags=re.M)
    assert "\nscores:\n" in sheet and "\ngrades:\n" in sheet
    assert 'field: "Email Opens"' in sheet and "decay:" in sheet  # the behaviour columns
    opened = tmp_path / "scored.yaml"
    opened.write_text(sheet, encoding="utf-8")
    assert cli("validate", opened, "--export", EXAMPLE).exit_code == 0
    result = cli("score", EXAMPLE, "-s", opened, "-o", tmp_path / "scored.csv")
    assert result.exit_code == 0, result.stderr
    header = (tmp_path / "scored.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.endswith(",Fit,Engagement,Fit grade")
