"""``apply --workbook FILE.xlsx``: a summary sheet and a sheet per segment, every value the
text it was (never a number, never a formula), safe sheet names, Excel's row limit checked
before anything is published -- on every engine, against the reference."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest

import leadseg.outputs.workbook
from tests.conftest import published
from tests.oracle import Oracle, read_csv_rows

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples/contacts.csv"
SEGMENTS = ROOT / "segments.yaml"
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def sheets(path: Path) -> dict[str, list[list[str]]]:
    """Every sheet's cells as text, read from the file's XML; any formula fails the test."""
    with zipfile.ZipFile(path) as book:
        names = ElementTree.fromstring(book.read("xl/workbook.xml"))
        found = {}
        for i, sheet in enumerate(names.iter(f"{{{NS['x']}}}sheet"), start=1):
            xml = book.read(f"xl/worksheets/sheet{i}.xml")
            root = ElementTree.fromstring(xml)
            assert root.find(".//x:f", NS) is None  # no formula anywhere
            rows = []
            for row in root.iter(f"{{{NS['x']}}}row"):
                cells = []
                for cell in row.iter(f"{{{NS['x']}}}c"):
                    assert cell.get("t") == "inlineStr"  # text, never a number
                    column = "".join(ch for ch in cell.get("r") if ch.isalpha())
                    index = 0
                    for ch in column:
                        index = index * 26 + ord(ch) - 64
                    cells += [""] * (index - 1 - len(cells))
                    cells.append("".join(t.text or "" for t in cell.iter(f"{{{NS['x']}}}t")))
                rows.append(cells)
            found[sheet.get("name")] = rows
    return found


def test_the_workbook_holds_every_segment(cli, tmp_path, every_engine):
    out = tmp_path / "out"
    result = cli(
        "apply", EXAMPLE, "-s", SEGMENTS, "-o", out, "--mkdir", "--as-of", "2026-11-28",
        "--engine", every_engine, "--workbook", "segments.xlsx",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    header, rows, _ = read_csv_rows(EXAMPLE.read_text(encoding="utf-8"))
    oracle = Oracle(SEGMENTS.read_text(encoding="utf-8"), header, as_of=date(2026, 11, 28))
    members = oracle.run(rows).members
    book = sheets(out / "segments.xlsx")
    assert list(book) == ["Summary", *members]
    for name, found in members.items():
        assert book[name][0] == header
        expected = [[rows[i][h] or "" for h in header] for i in found]
        assert [r + [""] * (len(header) - len(r)) for r in book[name][1:]] == expected
    summary = book["Summary"]
    assert summary[0] == ["Segment", "Parent", "Sheet", "Contacts"]
    assert summary[1] == ["Sales-ready", "", "Sales-ready", str(len(members["Sales-ready"]))]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["workbook"] == {"file": "segments.xlsx"}
    assert ["sha256", manifest["input"]["sha256"]] in summary


def test_values_stay_text_and_no_formula_can_run(cli, tmp_path):
    export = tmp_path / "e.csv"
    export.write_text(
        "Email,Score,Zip,Note\n"
        '"=HYPERLINK(""http://x"",""y"")",70,00123,+1\n'
        "@SUM(A1),80,0042,-2\n"
        "plain@x,90,1e5,=1+1\n",
        encoding="utf-8",
    )
    segments = tmp_path / "s.yaml"
    segments.write_text("segments:\n  - name: hot\n    score: {at_least: 60}\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["apply", export, "-s", segments, "-o", out, "--mkdir", "--workbook", "w.xlsx"]
    assert cli(*args).exit_code == 0
    rows = sheets(out / "w.xlsx")["hot"]
    assert rows[1] == ['=HYPERLINK("http://x","y")', "70", "00123", "+1"]
    assert rows[2] == ["@SUM(A1)", "80", "0042", "-2"]
    assert rows[3] == ["plain@x", "90", "1e5", "=1+1"]


def test_sheet_names_are_made_safe():
    names = leadseg.outputs.workbook.sheet_names(
        ["a/b:c", "x" * 40, "X" * 40, "Summary", "'quoted'", "[]", "history"]
    )
    assert names["a/b:c"] == "a_b_c"
    assert names["x" * 40] == "x" * 31 and names["X" * 40] == "X" * 27 + " (2)"
    assert names["Summary"] == "Summary (2)" and names["history"] == "history (2)"
    assert names["'quoted'"] == "quoted" and names["[]"] == "__"
    assert all(len(n) <= 31 for n in names.values())
    assert len({n.casefold() for n in names.values()}) == len(names)


def outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in published(folder)}


def test_a_segment_too_big_for_a_sheet_publishes_nothing(cli, tmp_path, monkeypatch):
    out = tmp_path / "out"
    args = ["apply", EXAMPLE, "-s", SEGMENTS, "-o", out, "--as-of", "2026-11-28"]
    assert cli(*args, "--mkdir").exit_code == 0
    before = outputs(out)
    monkeypatch.setattr(leadseg.outputs.workbook, "MAX_DATA_ROWS", 100)
    result = cli(*args, "--workbook", "w.xlsx")
    assert result.exit_code == 65 and "the most an Excel sheet holds" in result.stderr
    assert outputs(out) == before


@pytest.mark.parametrize(
    "name, message", [("w.xls", "must end in .xlsx"), ("sub/w.xlsx", "give a file name")]
)
def test_workbook_usage_errors(cli, tmp_path, name, message):
    result = cli("apply", EXAMPLE, "-s", SEGMENTS, "-o", tmp_path, "--workbook", name)
    assert result.exit_code == 2 and message in result.stderr
