"""Exports shaped like other tools write them: Mautic, HubSpot, Salesforce, a Kaggle lead
export, and Excel round trips in US and European settings. Each is read as it comes --
delimiter, quoting, dates, score column -- or stopped with the fix named."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import zstandard

import leadseg
from leadseg.errors import ExportDataError, SegmentFileError
from leadseg.results import CountResult

HOT = "segments:\n  - name: hot\n    score: {at_least: 60}\n"


def count(path: Path, segments: str = HOT, **options) -> CountResult:
    read = {k: options.pop(k) for k in ("delimiter", "encoding") if k in options}
    run = leadseg.RunOptions(read=leadseg.ReadOptions(**read), **options)
    return leadseg.count_segments(path, leadseg.parse_segments(segments), run)


def test_mautic_contacts_use_points(tmp_path):
    path = tmp_path / "mautic.csv"
    path.write_text(
        "id,firstname,lastname,email,points,last_active,date_added\n"
        '1,Ann,Lee,ann@x.com,75,"2026-11-20 10:00:00","2025-01-05 08:00:00"\n'
        "2,Bo,Kim,bo@x.com,10,,2025-03-01 09:30:00\n"
        "3,Cy,Ng,cy@x.com,60,2026-11-01 12:00:00,2025-02-01 10:00:00\n"
    )
    result = count(path)
    assert [s.count for s in result.segments] == [2]


@pytest.mark.parametrize(
    "header",
    ["HubSpot Score", "hubspot_score", "Pardot Score", "Lead Score", "POINTS"],
)
def test_score_columns_of_other_tools_are_detected(tmp_path, header):
    path = tmp_path / "e.csv"
    path.write_text(f"Email,{header}\na@x,70\nb@x,5\n")
    assert count(path).segments[0].count == 1


def test_detection_prefers_act_on_then_the_listed_order(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("Points,Score,HubSpot Score,Email\n90,90,10,a@x\n")
    assert count(path).segments[0].count == 0  # HubSpot Score comes before Score and Points


def test_no_score_column_suggests_columns_that_may_hold_one(tmp_path):
    path = tmp_path / "kaggle.csv"
    path.write_text(
        "Prospect ID,Lead Origin,Asymmetrique Activity Score,Asymmetrique Profile Score,Tags\n"
        "p1,API,15,17,x\n"
    )
    with pytest.raises(leadseg.LeadsegError) as info:
        count(path)
    problem = info.value.problems[0]
    assert problem.code == "no-score-column"
    assert "'Asymmetrique Activity Score'" in problem.hint
    assert "--score-field 'Asymmetrique Activity Score'" in problem.hint
    # and the hint is true: the flag works, with or without a segment file
    assert count(path, score_field="Asymmetrique Activity Score").segments[0].count == 0


def test_score_field_overrides_the_segment_file(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("Email,Score,Other\na@x,70,5\n")
    segments = "score_field: Score\n" + HOT
    assert count(path, segments).segments[0].count == 1
    assert count(path, segments, score_field="Other").segments[0].count == 0


def test_salesforce_report_quoted_everything(tmp_path):
    path = tmp_path / "sfdc.csv"
    path.write_text(
        '"Lead ID","First Name","Company","Lead Score","Created Date"\r\n'
        '"00Q1","Ann","Acme, Inc.","72","11/3/2026"\r\n'
        '"00Q2","Bo","Initech","41","10/28/2026"\r\n'
    )
    assert count(path).segments[0].count == 1
    recent = "segments:\n  - name: new\n    profile: {field: Created Date, after: 2026-11-01}\n"
    with pytest.raises(ExportDataError) as info:
        count(path, recent)  # US dates without a format: stopped, with the format named
    assert "%m/%d/%Y" in info.value.hint
    assert count(path, recent, date_formats=("%m/%d/%Y",)).segments[0].count == 1


def test_european_excel_round_trip(tmp_path):
    """Excel in Germany saves ';'-separated cp1252 with decimal commas and dd.mm.yyyy."""
    path = tmp_path / "kontakte.csv"
    text = (
        "E-Mail;Name;Lead Score;Erstellt am\r\n"
        "a@x.de;Müller;72,5;03.11.2026\r\n"
        "b@x.de;Strauß;12,0;28.10.2026\r\n"
        "c@x.de;Öz;;01.11.2026\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    segments = (
        "dates: {formats: ['%d.%m.%Y']}\n" + HOT + "  - name: new\n"
        "    profile: {field: Erstellt am, after: 2026-11-01}\n"
    )
    result = count(path, segments, encoding="cp1252", decimal_comma=True)
    assert result.delimiter == ";"
    assert [s.count for s in result.segments] == [1, 1]
    with pytest.raises(ExportDataError) as info:
        count(path, segments, encoding="cp1252")
    assert "--decimal-comma" in info.value.hint


def test_tab_separated_file_named_csv_with_a_quoted_header(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('"Email"\t"Score"\n"a@x"\t"70"\n"b@x"\t"3"\n')
    result = count(path)
    assert result.delimiter == "\t" and result.segments[0].count == 1


def test_pipe_separated(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text("Email|Score|Note\na@x|70|a, b\nb@x|3|c; d\n")
    assert count(path).delimiter == "|"


def test_commas_in_values_do_not_fool_the_sniffer(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text('Email;Score;Company\na@x;70;"Acme, Inc."\nb@x;3;Globex, Inc.\n')
    assert count(path).delimiter == ";"


@pytest.mark.parametrize("spelling", ["\\t", "tab", "TAB"])
def test_delimiter_names(tmp_path, cli, spelling):
    path = tmp_path / "e.csv"
    path.write_text("Email\tScore\na@x\t70\n")
    result = cli("count", path, "--at-least", "60", "--delimiter", spelling, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["delimiter"] == "\t"


def test_unusable_delimiter_is_a_usage_error(tmp_path, cli):
    path = tmp_path / "e.csv"
    path.write_text("Email,Score\na@x,70\n")
    result = cli("count", path, "--at-least", "60", "--delimiter", "colon")
    assert result.exit_code == 2
    assert "tab (or \\t)" in result.stderr


@pytest.mark.parametrize("packer", ["gzip", "zstd"])
def test_compressed_data_on_stdin_is_recognised_by_its_magic_bytes(cli, packer):
    text = b"Email,Score\na@x,70\nb@x,3\n"
    data = gzip.compress(text) if packer == "gzip" else zstandard.compress(text)
    result = cli("count", "-", "--at-least", "60", "--format", "json", input=data)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["segments"][0]["count"] == 1


def test_unknown_top_level_key_does_not_hide_segment_errors(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("Email,Score\na@x,70\n")
    segments = tmp_path / "s.yaml"
    segments.write_text(
        "scorefield: Score\n"
        "segments:\n"
        "  - name: a\n    score: {at_lest: 5}\n"
        "  - name: b\n    parent: nope\n    score: {at_least: 1}\n"
        "  - name: c\n    segment: d\n"
        "  - name: d\n    segment: c\n"
        "  - name: e\n    profile: {field: Scor, at_least: 1}\n"
    )
    with pytest.raises(SegmentFileError) as info:
        leadseg.count_segments(path, segments)
    codes = [(p.code, p.location.line) for p in info.value.problems]
    assert codes == [
        ("unknown-key", 1),
        ("unknown-operator", 4),
        ("unknown-parent", 6),
        ("cycle", 8),
        ("unknown-column", 13),
    ]
    assert info.value.exit_code == 78


def test_a_salesforce_report_footer_is_named_as_such(cli, tmp_path):
    path = tmp_path / "report.csv"
    path.write_text(
        '"Lead ID","Lead Score","Status"\n"00Q1","72","Open"\n"00Q2","41","Closed"\n\n'
        '"Grand Totals (2 records)"\n\n"Confidential Information - Do Not Distribute"\n'
    )
    result = cli("count", path, "--at-least", "60")
    assert result.exit_code == 65
    assert "row 5 (1 field), 7 (1 field)" in result.stderr
    assert "report footer" in result.stderr
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3\n4,5\n")
    assert (
        "report footer" not in cli("count", ragged, "--score-field", "b", "--at-least", "1").stderr
    )


# -- issue #19: real files from public repositories (tests/corpora/exports/PROVENANCE.md) --
EXPORTS = Path(__file__).parent / "corpora" / "exports"


def _rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    import csv

    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def test_pardot_timestamps_with_utc_read_as_dates():
    segments = (
        "segments:\n  - name: created\n    profile: {field: created_at, after: 2019-07-11}\n"
        "  - name: synced\n    profile: {field: _fivetran_synced, after: 2020-04-08}\n"
    )
    result = count(EXPORTS / "pardot_prospect_data.csv", segments)
    assert result.unreadable == []  # "2020-04-08 22:06:32.991 UTC" and "… 09:50:36 UTC"
    rows = _rows(EXPORTS / "pardot_prospect_data.csv")
    assert all(r["created_at"].endswith(" UTC") for r in rows if r["created_at"])
    by_hand = {
        "created": sum(1 for r in rows if r["created_at"][:10] > "2019-07-11"),
        "synced": sum(1 for r in rows if r["_fivetran_synced"][:10] > "2020-04-08"),
    }
    assert {s.name: s.count for s in result.segments} == by_hand


def test_currency_formatted_income_names_the_option_then_reads_it(cli, tmp_path):
    path = EXPORTS / "marketing_data_first200.csv"
    spec = tmp_path / "segments.yaml"
    spec.write_text(
        'segments:\n  - name: rich\n    profile: {field: " Income ", at_least: 50000}\n'
    )
    result = cli("count", path, "-s", spec)
    assert result.exit_code == 65
    assert "pass --numbers money" in result.stderr
    assert 'numbers: {columns: {" Income ": [money]}}' in result.stderr  # reads back as YAML
    read = cli("count", path, "-s", spec, "--numbers", "money", "--format", "json")
    assert read.exit_code == 0, read.stderr
    incomes = [r[" Income "].strip().lstrip("$").replace(",", "") for r in _rows(path)]
    by_hand = sum(1 for v in incomes if v and float(v) >= 50000)
    assert json.loads(read.stdout)["segments"][0]["count"] == by_hand
    spec.write_text(
        'numbers:\n  columns:\n    " Income ": [money]\n'
        'segments:\n  - name: rich\n    profile: {field: " Income ", at_least: 50000}\n'
    )
    assert (
        json.loads(cli("count", path, "-s", spec, "--format", "json").stdout)["segments"][0][
            "count"
        ]
        == by_hand
    )


def _serial_dates(book: Path, sheet_xml: str, column: str) -> list[str]:
    """A column's date cells read from the sheet's XML by hand: Excel's day serials."""
    import datetime
    import re
    import zipfile

    text = zipfile.ZipFile(book).read(sheet_xml).decode("utf-8")
    cells = re.findall(rf'<c r="{column}(\d+)"[^>]*><v>([0-9.]+)</v></c>', text)
    epoch = datetime.date(1899, 12, 30)
    return [
        (epoch + datetime.timedelta(days=int(float(v)))).isoformat() for r, v in cells if r != "1"
    ]


def test_workbook_date_cells_read_as_iso_dates(cli, tmp_path):
    book = EXPORTS / "nushell_sample_data.xlsx"
    spec = tmp_path / "segments.yaml"
    spec.write_text(
        "segments:\n  - name: in 2019\n    profile: {field: OrderDate, after: 2018-12-31}\n"
    )
    result = cli("count", book, "-s", spec, "--sheet", "SalesOrders", "--format", "json")
    assert result.exit_code == 0, result.stderr
    days = _serial_dates(book, "xl/worksheets/sheet2.xml", "A")  # SalesOrders is rId2
    assert len(days) == json.loads(result.stdout)["rows"]
    assert json.loads(result.stdout)["segments"][0]["count"] == sum(d > "2018-12-31" for d in days)


def test_a_report_workbook_names_its_header_row(cli, tmp_path):
    book = EXPORTS / "readxl_deaths.xlsx"
    result = cli("describe", book, "--field", "Age")
    assert result.exit_code == 65
    assert "row 5 looks like it" in result.stderr and "--header-row 5" in result.stderr
    read = cli("describe", book, "--field", "Age", "--header-row", "5", "--format", "json")
    assert read.exit_code == 0, read.stderr
    age = json.loads(read.stdout)["fields"][0]
    # ten people, then the notes below the data: "at the" stands in the Age column
    assert age["kind"] == "number" and age["readable"] == 10 and age["unreadable"] == 1


def test_a_no_value_code_in_a_bank_campaign_is_flagged(cli, tmp_path):
    path = EXPORTS / "bank-additional_first200.csv"
    result = cli("describe", path, "--field", "pdays")
    assert result.exit_code == 0, result.stderr
    rows = _rows(path, ";")
    held = sum(1 for r in rows if r["pdays"] == "999")
    assert f"999 holds {held} of the {len(rows)} values" in result.stdout
    assert 'placeholders: {columns: {pdays: ["999"]}}' in result.stdout
    spec = tmp_path / "segments.yaml"
    spec.write_text("segments:\n  - name: recent\n    profile: {field: pdays, at_most: 30}\n")
    warned = cli("validate", spec, "--export", path)
    assert warned.exit_code == 0 and "999 holds" in warned.stderr
