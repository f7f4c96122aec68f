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
