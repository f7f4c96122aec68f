"""``apply --membership FILE``: a row per contact in input order, the key column(s), a
true/false column per segment -- on every engine, against the reference."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.oracle import Oracle, read_csv_rows

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples/contacts.csv"
SEGMENTS = ROOT / "segments.yaml"


def reference() -> tuple[list[dict], dict[str, set[int]], list[str]]:
    header, rows, _ = read_csv_rows(EXAMPLE.read_text(encoding="utf-8"))
    oracle = Oracle(SEGMENTS.read_text(encoding="utf-8"), header, as_of=date(2026, 11, 28))
    members = {n: set(m) for n, m in oracle.run(rows).members.items()}
    return rows, members, [s["name"] for s in oracle.segments]


def test_membership_csv_matches_the_reference(cli, tmp_path, every_engine):
    out = tmp_path / "out"
    result = cli(
        "apply", EXAMPLE, "-s", SEGMENTS, "-o", out, "--mkdir", "--as-of", "2026-11-28",
        "--engine", every_engine, "--membership", "members.csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows, members, names = reference()
    text = (out / "members.csv").read_text(encoding="utf-8")
    records = list(csv.reader(io.StringIO(text)))
    assert records[0] == ["Email", *names]
    assert len(records) == len(rows) + 1
    for i, record in enumerate(records[1:]):
        assert record[0] == rows[i]["Email"]
        assert record[1:] == ["true" if i in members[n] else "false" for n in names]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["membership"] == {"file": "members.csv", "key": ["Email"], "rows": len(rows)}
    assert oct((out / "members.csv").stat().st_mode & 0o777) == "0o600"


def test_membership_parquet_with_keys(cli, tmp_path):
    out = tmp_path / "out"
    result = cli(
        "apply", EXAMPLE, "-s", SEGMENTS, "-o", out, "--mkdir", "--as-of", "2026-11-28",
        "--membership", "members.parquet", "--key", "crm id", "--key", "Email",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    frame = pl.read_parquet(out / "members.parquet")
    rows, members, names = reference()
    assert frame.columns == ["CRM Id", "Email", *names]
    assert frame["CRM Id"].to_list() == [r["CRM Id"] for r in rows]  # leading zeros kept
    for name in names:
        assert frame[name].dtype == pl.Boolean
        assert set(frame.with_row_index().filter(pl.col(name))["index"].to_list()) == members[name]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--membership", "m.xlsx"], ".csv or .parquet"),
        (["--membership", "sub/m.csv"], "give a file name"),
        (["--membership", "m.csv", "--key", "Mail"], "no such column"),
        (["--key", "Email"], "--key goes with --membership"),
        (["--membership", "sales-ready.csv"], "a segment's file name"),
    ],
)
def test_membership_usage_errors(cli, tmp_path, args, message):
    result = cli("apply", EXAMPLE, "-s", SEGMENTS, "-o", tmp_path, *args)
    assert result.exit_code == 2 and message in result.stderr
    assert list(tmp_path.iterdir()) == []


HOT = "segments:\n  - name: hot\n    score: {at_least: 60}\n"


def test_membership_needs_a_key_when_no_column_looks_like_an_email(cli, tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("Id,Score\n1,70\n", encoding="utf-8")
    segments = tmp_path / "s.yaml"
    segments.write_text(HOT, encoding="utf-8")
    out = tmp_path / "out"
    args = ["apply", export, "-s", segments, "-o", out, "--mkdir", "--membership", "m.csv"]
    result = cli(*args)
    assert result.exit_code == 2 and "--key COLUMN" in result.stderr
    assert cli(*args, "--key", "id").exit_code == 0
    assert (out / "m.csv").read_text() == "Id,hot\n1,true\n"


def test_excel_safe_neutralises_membership_keys(cli, tmp_path):
    export = tmp_path / "e.csv"
    export.write_text('Email,Score\n"=HYPERLINK(""x"")",70\nb@x,10\n', encoding="utf-8")
    segments = tmp_path / "s.yaml"
    segments.write_text(HOT, encoding="utf-8")
    out = tmp_path / "out"
    args = ["apply", export, "-s", segments, "-o", out, "--mkdir", "--membership", "m.csv"]
    assert cli(*args, "--excel-safe").exit_code == 0
    assert (out / "m.csv").read_text().splitlines()[1].startswith("\"'=HYPERLINK")
