"""Guards for scheduled runs: --expect and --max-change on count and apply; a breach is
exit 3 with one message per breach, and apply then replaces nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import published
from tests.oracle import Oracle, read_csv_rows

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples/contacts.csv"
SEGMENTS = ROOT / "segments.yaml"
AS_OF = "2026-11-28"


def oracle_counts() -> dict[str, int]:
    from datetime import date

    header, rows, _ = read_csv_rows(EXAMPLE.read_text(encoding="utf-8"))
    oracle = Oracle(SEGMENTS.read_text(encoding="utf-8"), header, as_of=date(2026, 11, 28))
    return {name: len(m) for name, m in oracle.run(rows).members.items()}


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_expectations_on_count(cli, engine):
    expected = oracle_counts()
    result = cli(
        "count", EXAMPLE, "-s", SEGMENTS, "--as-of", AS_OF, "--format", "json", "--engine",
        engine, "--expect", "sales-READY>=300", "--expect", "*<=1000",
    )  # fmt: skip
    assert result.exit_code == 3
    guards = json.loads(result.stdout)["guards"]
    assert {(g["segment"], g["rule"]): (g["actual"], g["ok"]) for g in guards} == {
        ("Sales-ready", ">=300"): (expected["Sales-ready"], expected["Sales-ready"] >= 300),
        **{(n, "<=1000"): (c, c <= 1000) for n, c in expected.items()},
    }
    breaches = [line for line in result.stderr.splitlines() if line.startswith("leadseg: error")]
    assert len(breaches) == sum(not g["ok"] for g in guards) == 2
    assert "segment 'Sales-ready' has 262 contacts, expected >=300" in result.stderr
    assert "segment 'Nurture' has 1,061 contacts, expected <=1000" in result.stderr
    ok = cli("count", EXAMPLE, "-s", SEGMENTS, "--expect", "*>=1", "--format", "json")
    assert ok.exit_code == 0 and all(g["ok"] for g in json.loads(ok.stdout)["guards"])


def test_max_change_against_a_baseline(cli, tmp_path):
    baseline = tmp_path / "last.json"
    first = cli("count", EXAMPLE, "-s", SEGMENTS, "--as-of", "2026-01-01", "--format", "json")
    baseline.write_text(first.stdout, encoding="utf-8")
    before = {s["name"]: s["count"] for s in json.loads(first.stdout)["segments"]}
    args = ["count", EXAMPLE, "-s", SEGMENTS, "--as-of", AS_OF, "--baseline", baseline]
    result = cli(*args, "--max-change", "10", "--format", "json")
    assert result.exit_code == 3
    now = {s["name"]: s["count"] for s in json.loads(result.stdout)["segments"]}
    for check in json.loads(result.stdout)["guards"]:
        name = check["segment"]
        if before[name] == 0:
            assert check["actual"] is None and check["ok"] == (now[name] == 0)
            continue
        change = (now[name] - before[name]) / before[name] * 100
        assert check["actual"] == pytest.approx(change) and check["ok"] == (abs(change) <= 10)
    assert "since the previous run (limit 10%)" in result.stderr
    assert cli(*args, "--max-change", "100000").exit_code == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--expect", "Sales-ready > 3"], "NAME>=N"),
        (["--expect", "Hot>=3"], "no such segment"),
        (["--max-change", "5"], "--baseline FILE"),
        (["--max-change", "-5", "--baseline", str(SEGMENTS)], "0 or more"),
        (["--max-change", "5", "--baseline", str(SEGMENTS)], "not JSON"),
    ],
)
def test_guard_usage_errors(cli, args, message):
    result = cli("count", EXAMPLE, "-s", SEGMENTS, *args)
    assert result.exit_code == 2 and message in result.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in published(folder)}


def test_a_breach_on_apply_replaces_nothing(cli, tmp_path):
    out = tmp_path / "out"
    assert (
        cli(
            "apply", EXAMPLE, "-s", SEGMENTS, "-o", out, "--mkdir", "--as-of", "2025-01-01"
        ).exit_code
        == 0
    )
    before = snapshot(out)
    result = cli("apply", EXAMPLE, "-s", SEGMENTS, "-o", out, "--as-of", AS_OF, "--max-change", "5")
    assert result.exit_code == 3
    assert "segment 'Recently active' changed" in result.stderr
    assert "nothing was replaced" in result.stderr
    assert snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".leadseg-tmp")]
    result = cli(
        "apply", EXAMPLE, "-s", SEGMENTS, "-o", out, "--as-of", AS_OF, "--expect", "nurture<=10"
    )
    assert result.exit_code == 3 and snapshot(out) == before


def test_guards_that_hold_are_in_the_manifest(cli, tmp_path):
    out = tmp_path / "out"
    args = ["apply", EXAMPLE, "-s", SEGMENTS, "-o", out, "--mkdir", "--as-of", AS_OF]
    assert cli(*args, "--max-change", "0").exit_code == 0  # first run: nothing to compare
    assert "guards" in json.loads((out / "manifest.json").read_text())
    assert cli(*args, "--max-change", "0", "--expect", "*>=1").exit_code == 0
    guards = json.loads((out / "manifest.json").read_text())["guards"]
    assert {g["rule"] for g in guards} == {"change<=0%", ">=1"} and all(g["ok"] for g in guards)
    assert all(g["actual"] == 0 for g in guards if g["rule"] == "change<=0%")
