"""Workbooks in (issue #19): an .xlsx made with XlsxWriter, and the .xls, .ods and "Save as
CSV" files LibreOffice makes of it, give the counts its CSV gives; cells read as the text
they show; the header row, the sheet and row numbers as the sheet's; --cache."""

from __future__ import annotations

import csv
import datetime
import json
import shutil
import subprocess

import pytest

from leadseg.exit_codes import ExitCode
from tests.programs import require

SEGMENTS = """\
segments:
  - name: Hot
    score: {field: Score, at_least: 50}
  - name: Recent
    profile: {field: Created, after: 2024-01-01}
  - name: Opted out
    profile: {field: Opt Out, is: "TRUE"}
  - name: Broken
    profile: {field: Check, is: "#DIV/0!"}
  - name: Everyone
    not: {profile: {field: Email, is: zzzz-never}}
"""
HEADER = ["Email", "Score", "Created", "Last Visit", "Opt Out", "Check", "Zip"]
# (email, score, created, last visit, opt out, check formula or None, zip)
ROWS = [
    ("a@x.com", 72, datetime.date(2024, 5, 1), datetime.datetime(2024, 5, 1, 9, 30), True,
     "=1/0", "00123"),
    ("b@x.com", 12.5, datetime.date(2023, 1, 2), datetime.datetime(2023, 1, 2), False,
     "=NA()", "02134"),
    None,  # an empty row: skipped, still counted in row numbers
    ("c@x.com", 50, None, None, None, None, None),
    ("d@x.com", "n/a", datetime.date(2025, 2, 28), None, True, "=1+1", "10001"),
    ("e@x.com", "lots", datetime.date(2024, 1, 1), None, False, None, "94105"),
]  # fmt: skip
# What each cell reads as: the text its cell shows.
TEXTS = [
    ["a@x.com", "72", "2024-05-01", "2024-05-01 09:30:00", "TRUE", "#DIV/0!", "00123"],
    ["b@x.com", "12.5", "2023-01-02", "2023-01-02", "FALSE", "#N/A", "02134"],
    ["c@x.com", "50", "", "", "", "", ""],
    ["d@x.com", "n/a", "2025-02-28", "", "TRUE", "2", "10001"],
    ["e@x.com", "lots", "2024-01-01", "", "FALSE", "", "94105"],
]
EXPECTED = {"Hot": 2, "Recent": 2, "Opted out": 2, "Broken": 1, "Everyone": 5}


def make_workbook(
    path, *, title_rows: int = 0, sheets: tuple[str, ...] = ("Contacts",), rows=tuple(ROWS)
):
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name in sheets:
        sheet = book.add_worksheet(name)
        for r in range(title_rows):
            sheet.write(r, 0, f"Leads report, part {r + 1}")
        top = title_rows
        sheet.write_row(top, 0, HEADER)
        results = {"=1/0": "#DIV/0!", "=NA()": "#N/A", "=1+1": 2}
        for r, row in enumerate(rows, start=top + 1):
            if row is None:
                continue
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime.datetime):
                    sheet.write_datetime(r, c, value, moment)
                elif isinstance(value, datetime.date):
                    sheet.write_datetime(r, c, value, day)
                elif isinstance(value, str) and value.startswith("="):
                    sheet.write_formula(r, c, value, None, results[value])
                elif c == 6:
                    sheet.write_string(r, c, value)
                else:
                    sheet.write(r, c, value)
    book.close()
    return path


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "segments.yaml"
    path.write_text(SEGMENTS)
    return path


def counts(cli, export, spec, *options) -> dict[str, int]:
    result = cli("count", export, "-s", spec, "--format", "json", *options)
    assert result.exit_code == 0, result.stderr
    return {s["name"]: s["count"] for s in json.loads(result.stdout)["segments"]}


def test_a_workbook_counts_as_its_csv_does(tmp_path, cli, spec):
    book = make_workbook(tmp_path / "contacts.xlsx")
    text = tmp_path / "contacts.csv"
    with open(text, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *TEXTS])
    assert counts(cli, book, spec) == counts(cli, text, spec) == EXPECTED


def test_both_of_calamines_loads_read_a_sheet_alike(tmp_path, monkeypatch):
    """A sheet without error cells takes calamine's quicker eager load; it reads every cell
    as the lazy load does (which a sheet with error cells takes, to name them)."""
    from leadseg.exports import workbooks

    no_errors = [
        None if row is None else tuple(None if v in ("=1/0", "=NA()") else v for v in row)
        for row in ROWS
    ]
    book = make_workbook(tmp_path / "contacts.xlsx", title_rows=2, rows=no_errors)
    with_errors = make_workbook(tmp_path / "errors.xlsx")
    assert not workbooks._may_hold_error_cells(book, 0)
    assert workbooks._may_hold_error_cells(with_errors, 0)
    import fastexcel

    loads = []
    real = fastexcel.ExcelReader.load_sheet

    def load_sheet(self, *args, **kwargs):
        loads.append(kwargs.get("eager", False))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(fastexcel.ExcelReader, "load_sheet", load_sheet)
    quick, read = workbooks.read_sheet(book, "contacts.xlsx", header_row=3)
    monkeypatch.setattr(workbooks, "_may_hold_error_cells", lambda *a: True)
    lazy, read_lazily = workbooks.read_sheet(book, "contacts.xlsx", header_row=3)
    assert loads == [True, True, False]  # eager; then eager, found marks, lazy
    assert quick.equals(lazy) and read == read_lazily
    first = ("a@x.com", "72", "2024-05-01", "2024-05-01 09:30:00", "TRUE", None, "00123")
    assert quick.rows()[0] == first


@pytest.mark.parametrize("engine", ["polars", "duckdb", "spark"])
def test_cells_read_as_the_text_they_show(tmp_path, cli, spec, engine):
    book = make_workbook(tmp_path / "contacts.xlsx")
    out = tmp_path / "out"
    result = cli("apply", book, "-s", spec, "-o", out, "--mkdir", "--engine", engine)
    assert result.exit_code == 0, result.stderr
    with open(out / "everyone.csv", newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [HEADER, *TEXTS]
    manifest = json.loads((out / "manifest.json").read_text())
    assert {s["name"]: s["rows"] for s in manifest["segments"]} == EXPECTED


def test_unreadable_values_are_named_by_the_sheets_row(tmp_path, cli, spec):
    book = make_workbook(tmp_path / "contacts.xlsx", title_rows=2)
    result = cli("count", book, "-s", spec, "--header-row", "3")
    assert result.exit_code == 0, result.stderr
    # header on row 3; a@x.com row 4, b 5, empty row 6, c 7, d 8 ("n/a": a placeholder),
    # e 9 ("lots": unreadable)
    assert "row 9" in result.stderr, result.stderr
    assert counts(cli, book, spec, "--header-row", "3") == EXPECTED


def test_title_rows_above_the_header_name_the_header_row(tmp_path, cli, spec):
    book = make_workbook(tmp_path / "report.xlsx", title_rows=3)
    result = cli("count", book, "-s", spec)
    assert result.exit_code == ExitCode.DATA_ERROR
    assert "row 1 does not look like the header" in result.stderr
    assert "row 4 looks like it" in result.stderr
    assert "--header-row 4" in result.stderr


def test_the_sheet_by_name_or_number(tmp_path, cli, spec):
    book = make_workbook(tmp_path / "two.xlsx", sheets=("Notes", "Contacts"))
    assert counts(cli, book, spec, "--sheet", "Contacts") == EXPECTED
    assert counts(cli, book, spec, "--sheet", "2") == EXPECTED
    result = cli("count", book, "-s", spec, "--sheet", "Leads")
    assert result.exit_code == ExitCode.USAGE
    assert "no sheet 'Leads'; the workbook has 2: 'Notes', 'Contacts'" in result.stderr


def test_a_workbook_under_another_name_is_read_as_one(tmp_path, cli, spec):
    book = make_workbook(tmp_path / "contacts.xlsx")
    renamed = tmp_path / "contacts.csv"
    shutil.copy(book, renamed)
    assert counts(cli, renamed, spec) == EXPECTED
    assert counts(cli, book, spec, "--input-format", "xlsx") == EXPECTED
    forced = cli("count", renamed, "-s", spec, "--input-format", "csv")
    assert forced.exit_code == ExitCode.USAGE
    assert "is a workbook" in forced.stderr and "drop --input-format csv" in forced.stderr


def test_header_problems_are_located(tmp_path, cli, spec):
    import xlsxwriter

    path = tmp_path / "bad.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Email", "Score", None, "Email"])
    sheet.write_row(1, 0, ["a@x.com", 1, "x", "b@x.com"])
    book.close()
    result = cli("count", path, "-s", spec)
    assert result.exit_code == ExitCode.DATA_ERROR
    assert "the header (row 1) has blank column name(s) at position 3" in result.stderr


def test_a_damaged_workbook_is_a_located_error(tmp_path, cli, spec):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    result = cli("count", path, "-s", spec)
    assert result.exit_code == ExitCode.DATA_ERROR
    assert "cannot read the workbook" in result.stderr
    assert "broken.xlsx" in result.stderr


def test_cache_keeps_the_sheets_text(tmp_path, cli, spec):
    book = make_workbook(tmp_path / "contacts.xlsx")
    cache = tmp_path / "cache"
    assert counts(cli, book, spec, "--cache", cache) == EXPECTED
    copies = sorted(p.name for p in cache.glob("*.parquet"))
    assert len(copies) == 1
    assert counts(cli, book, spec, "--cache", cache) == EXPECTED
    assert sorted(p.name for p in cache.glob("*.parquet")) == copies  # served, not made again
    make_workbook(book, sheets=("Contacts",))  # rewritten: a new state of the file
    assert counts(cli, book, spec, "--cache", cache) == EXPECTED
    assert sorted(p.name for p in cache.glob("*.parquet")) != copies


def soffice(source, fmt, directory):
    require("soffice", "converting workbooks as LibreOffice does")
    directory.mkdir(exist_ok=True)
    profile = directory / "profile"  # a private profile: runs never share LibreOffice's lock
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         fmt, "--outdir", str(directory), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return directory / f"{source.stem}.{fmt.split(':')[0]}"


def test_xls_made_by_libreoffice_counts_alike(tmp_path, cli, spec):
    book = make_workbook(tmp_path / "contacts.xlsx")
    converted = soffice(book, "xls", tmp_path / "lo")
    assert counts(cli, converted, spec) == EXPECTED


def test_ods_made_by_libreoffice_counts_alike_but_booleans_and_errors(tmp_path, cli, spec):
    """LibreOffice stores TRUE/FALSE in .ods as the numbers 1/0 with a boolean format, and an
    error cell as its text in an error value calamine reads as empty (README)."""
    book = make_workbook(tmp_path / "contacts.xlsx")
    converted = soffice(book, "ods", tmp_path / "lo")
    expected = dict(EXPECTED, **{"Opted out": 0, "Broken": 0})
    assert counts(cli, converted, spec) == expected
    spec.write_text(SEGMENTS.replace('is: "TRUE"', 'is: "1"'))
    assert counts(cli, converted, spec)["Opted out"] == EXPECTED["Opted out"]


def test_libreoffice_save_as_csv_counts_alike(tmp_path, cli, spec):
    book = make_workbook(tmp_path / "contacts.xlsx")
    saved = soffice(book, "csv", tmp_path / "lo")
    # LibreOffice writes each cell as formatted (dates as yyyy-mm-dd, TRUE, #DIV/0!).
    assert counts(cli, saved, spec) == counts(cli, book, spec) == EXPECTED


def test_a_macro_workbook_reads_as_its_xlsx(tmp_path, cli, spec):
    """.xlsm is the same container as .xlsx (with macros beside the sheets, never run)."""
    book = make_workbook(tmp_path / "contacts.xlsx")
    macro = tmp_path / "contacts.xlsm"
    shutil.copy(book, macro)
    assert counts(cli, macro, spec) == EXPECTED


def _rows_below_empty_ones(path):
    """A sheet whose first two rows are empty (a formula without a value in A1, which
    calamine skips): header on row 3, an unreadable score on row 5."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_formula(0, 0, '=""', None, "")
    sheet.write_row(2, 0, ["Email", "Score"])
    sheet.write_row(3, 0, ["a@x.com", 70])
    sheet.write_row(4, 0, ["b@x.com", "lots"])
    book.close()
    return path


def test_rows_are_the_sheets_below_leading_empty_rows(tmp_path, cli):
    book = _rows_below_empty_ones(tmp_path / "late.xlsx")
    lo = tmp_path / "lo"
    for source in (book, soffice(book, "ods", lo), soffice(book, "xls", lo)):
        given = cli("count", source, "--at-least", "50", "--header-row", "3")
        assert given.exit_code == 0, (source.name, given.stderr)
        assert "(row 5)" in given.stderr, (source.name, given.stderr)
        found = cli("count", source, "--at-least", "50")
        if found.exit_code == 0:
            assert "(row 5)" in found.stderr, (source.name, found.stderr)
        else:  # LibreOffice's .xls keeps the formula's empty text: a row 1 that holds a cell
            assert "row 3 looks like it" in found.stderr, (source.name, found.stderr)


def test_the_default_sheet_is_the_first_visible_one(tmp_path, cli, spec):
    """A hidden lookup sheet first (as report exports keep their parameters): the default is
    the sheet a person sees when the workbook opens; --sheet still reaches the hidden one."""
    import xlsxwriter

    path = tmp_path / "hidden.xlsx"
    book = xlsxwriter.Workbook(str(path))
    lookups = book.add_worksheet("Lookups")
    lookups.write_row(0, 0, ["Code", "Label"])
    lookups.write_row(1, 0, ["x", "y"])
    contacts = book.add_worksheet("Contacts")
    contacts.write_row(0, 0, ["Email", "Score"])
    contacts.write_row(1, 0, ["a@x.com", 70])
    contacts.activate()
    lookups.hide()
    book.close()
    result = cli("count", path, "--at-least", "50", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["segments"][0]["count"] == 1
    hidden = cli("count", path, "--sheet", "Lookups", "--score-field", "Label", "--at-least", "1")
    assert hidden.exit_code == 65  # its Label column holds no numbers: it was read
