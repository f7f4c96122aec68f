"""Regression tests for wrong results a review found: each failed before its fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import leadseg
from leadseg.errors import ExportDataError, SegmentFileError
from leadseg.exit_codes import ExitCode

SEGMENTS = (
    "segments:\n"
    "  - name: hot\n    score: {at_least: 60}\n"
    "  - name: no email\n    profile: {field: Email, is_blank: true}\n"
)


@pytest.mark.parametrize("ending", ["", "\n", "\n\n", "\r\n"])
def test_a_trailing_blank_line_changes_nothing(tmp_path, ending):
    path = tmp_path / "e.csv"
    path.write_text("Email,Score\na@x,70\n,\nb@x,abc\nc@x,61\n" + ending, newline="")
    result = leadseg.count_segments(path, leadseg.parse_segments(SEGMENTS))
    assert result.rows == 3  # neither the row of empty fields nor a blank line is a contact
    assert [s.count for s in result.segments] == [2, 0]
    assert [(u.column, u.rows) for u in result.unreadable] == [("Score", [4])]


def test_rows_of_empty_fields_below_excel_data_are_not_contacts(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufeffEmail,Score,Status\r\na@x,70,Open\r\nb@x,10,Closed\r\n,,\r\n,,\r\n".encode()
    )
    segments = "segments:\n  - name: open\n    profile: {field: Status, is_not: Closed}\n"
    result = leadseg.count_segments(path, leadseg.parse_segments(segments))
    assert (result.rows, result.segments[0].count) == (2, 1)
    out = tmp_path / "out"
    out.mkdir()
    leadseg.apply_segments(path, leadseg.parse_segments(segments), out)
    assert (out / "open.csv").read_text() == "Email,Score,Status\na@x,70,Open\n"


def test_row_numbers_count_blank_lines_like_a_spreadsheet(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("Email,Score\na@x,70\n\n\nb@x,abc\nc@x,1\nd@x,2\n")
    result = leadseg.count_segments(path, leadseg.parse_segments(SEGMENTS))
    assert result.unreadable[0].rows == [5]  # the spreadsheet shows b@x in row 5
    assert result.rows == 4


@pytest.mark.parametrize(
    "criterion",
    [
        'is: ""',
        'is: "   "',
        'in: [US, ""]',
        'is_not: ""',
        'not_in: [""]',
        'contains: ""',
        'starts_with: " "',
        'ends_with: ""',
        'not_contains: ""',
    ],
)
def test_blank_text_in_a_text_comparison_is_a_segment_file_error(cli, tmp_path, criterion):
    path = tmp_path / "s.yaml"
    path.write_text(f"segments:\n  - name: x\n    profile: {{field: Country, {criterion}}}\n")
    result = cli("validate", path)
    assert result.exit_code == ExitCode.CONFIG_ERROR
    assert "a blank value never matches" in result.stderr
    assert "is_blank: " in result.stderr
    assert f"{path}:3:" in result.stderr


@pytest.mark.parametrize(
    "value",
    [
        "2026-01- 5", "2026- 1- 5", "-2026-11-2", "2026-11-28 garbage", "2026-11-28Tfoo",
        "2026-11-28 99:99:99", "+2026-11-28", "2026-1-5", "20261128", "2026-11-28T",
    ],
)  # fmt: skip
def test_only_the_documented_date_forms_parse(tmp_path, value):
    path = tmp_path / "e.csv"
    path.write_text(f"Email,Created\na@x,{value}\nb@x,2026-11-01\nc@x,2026-11-02\n")
    segments = "segments:\n  - name: new\n    profile: {field: Created, after: 2000-01-01}\n"
    result = leadseg.count_segments(path, leadseg.parse_segments(segments))
    assert result.segments[0].count == 2
    assert [(u.column, u.rows) for u in result.unreadable] == [("Created", [2])]


@pytest.mark.parametrize(
    "value",
    ["2026-11-28", "2026-11-28 10:00", "2026-11-28T10:00:00Z", "2026-11-28 23:30:00-05:00"],
)
def test_a_time_zone_never_moves_the_date(tmp_path, value):
    path = tmp_path / "e.csv"
    path.write_text(f"Email,Created\na@x,{value}\n")
    segments = "segments:\n  - name: day\n    profile: {field: Created, between: [2026-11-28, 2026-11-28]}\n"
    assert leadseg.count_segments(path, leadseg.parse_segments(segments)).segments[0].count == 1


def test_the_readme_placeholder_example_makes_zero_blank(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("Email,SFDC Lead Score\na@x,0\nb@x,?\nc@x,5\nd@x,0.0\n")
    segments = (
        'placeholders:\n  columns: {SFDC Lead Score: ["?", "0"]}\n'
        "segments:\n  - name: low\n    profile: {field: SFDC Lead Score, at_most: 10}\n"
    )
    result = leadseg.count_segments(path, leadseg.parse_segments(segments))
    assert result.segments[0].count == 2  # 5 and 0.0; "0" means "no score"
    assert result.unreadable == []


def test_mostly_unreadable_dates_that_are_ambiguous_show_both_readings(cli, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("Email,Dt\n" + "".join(f"a{i}@x,0{i}/0{i + 1}/2026\n" for i in range(1, 8)))
    segments = tmp_path / "s.yaml"
    segments.write_text("segments:\n  - name: new\n    profile: {field: Dt, after: 2026-01-01}\n")
    result = cli("count", path, "-s", segments)
    assert result.exit_code == ExitCode.DATA_ERROR
    assert "ambiguous" in result.stderr
    assert "%m/%d/%Y" in result.stderr and "%d/%m/%Y" in result.stderr
    assert "a1@x" not in result.stderr and "01/02" not in result.stderr  # never values


def test_thousands_separators_are_named_not_read(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text('Email,Score\na@x,"1,234"\nb@x,"2,500"\nc@x,"12,000"\n')
    with pytest.raises(ExportDataError) as info:
        leadseg.count_segments(path, leadseg.parse_segments(SEGMENTS))
    assert "pass --numbers thousands" in info.value.hint
    assert "numbers: {columns: {Score: [thousands]}}" in info.value.hint


def test_validate_with_an_export_checks_a_sample_of_values(cli, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("Email,Score,Signed\n" + "a@x,5,28.10.2026\n" * 20)
    segments = tmp_path / "s.yaml"
    segments.write_text(
        "segments:\n  - name: s\n    profile: {field: Signed, before: 2026-11-01}\n"
    )
    result = cli("validate", segments, "--export", path)
    assert result.exit_code == ExitCode.DATA_ERROR
    assert "--date-format %d.%m.%Y" in result.stderr
    assert cli("validate", segments, "--export", path, "--date-format", "%d.%m.%Y").exit_code == 0


def test_column_problems_join_the_segment_file_problems_in_validate(cli, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("Email,Score\na@x,5\n")
    segments = tmp_path / "s.yaml"
    segments.write_text(
        "placeholders: {columns: {Scroe: ['?']}}\n"
        "segments:\n"
        "  - name: a\n    profile: {field: Emial, is: x}\n"
        "  - name: b\n    score: {at_lest: 1}\n"
    )
    result = cli("validate", segments, "--export", path, "--format", "json")
    assert result.exit_code == ExitCode.CONFIG_ERROR
    lines = [line for line in result.stderr.splitlines() if line.startswith("leadseg: error")]
    assert [line.split(":")[3] for line in lines] == ["1", "4", "6"]  # sorted by line


def test_the_bundled_example_greets_without_warnings(cli, tmp_path):
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "out"
    result = cli(
        "apply", root / "examples/contacts.csv", "-s", root / "segments.yaml", "-o", out,
        "--mkdir", "--as-of", "2026-11-28",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["formula_cells_by_column"] == {}


def test_segment_file_problems_all_come_before_any_export_is_read(tmp_path):
    segments = tmp_path / "s.yaml"
    segments.write_text("segments: [")
    with pytest.raises(SegmentFileError):
        leadseg.count_segments(tmp_path / "missing.csv", segments)


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_a_header_with_doubled_quotes_names_its_column(tmp_path, engine):
    """Polars' CSV reader keeps a header's doubled quotes ('Land, ""EU""'); leadseg reads
    the header itself, so the column is 'Land, "EU"' everywhere (it was an internal error)."""
    import polars as pl

    export = tmp_path / "e.csv"
    export.write_text('Email,"Land, ""EU"""\na@x,DE\nb@x,FR\n', encoding="utf-8")
    segments = leadseg.parse_segments(
        "segments:\n  - name: de\n    profile: {field: 'Land, \"EU\"', is: DE}\n"
    )
    options = leadseg.RunOptions(engine=engine)
    assert leadseg.count_segments(export, segments, options).segments[0].count == 1
    leadseg.apply_segments(export, segments, tmp_path / "out", output_format="parquet",
                           make_dir=True)  # fmt: skip
    assert pl.read_parquet(tmp_path / "out" / "de.parquet").columns == ["Email", 'Land, "EU"']
