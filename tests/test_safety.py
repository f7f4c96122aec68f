"""Hostile input and failing outputs (issue: reliability and security)."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys

import polars as pl
import pytest

import leadseg
from leadseg import ReadOptions, RunOptions
from leadseg.errors import ExportDataError
from leadseg.exit_codes import ExitCode
from leadseg.outputs.writers import OutputDir
from tests.conftest import published, write_csv

HOT = "segments:\n  - name: hot\n    score: {at_least: 60}\n"


def test_second_run_on_a_locked_directory_exits_75_naming_the_holder(
    cli, contacts, segfile, tmp_path
):
    out = tmp_path / "out"
    out.mkdir()
    with OutputDir(out).locked():
        result = cli("apply", contacts, "-s", segfile(HOT), "-o", out, "--wait-lock", "0.2")
        assert result.exit_code == ExitCode.TEMP_FAIL
        assert f"pid {os.getpid()} since" in result.stderr
        assert "--wait-lock" in result.stderr
        assert published(out) == []
    assert cli("apply", contacts, "-s", segfile(HOT), "-o", out).exit_code == 0
    assert (out / ".leadseg.lock").exists()


def test_stale_temps_of_a_killed_run_are_swept_never_published(cli, contacts, segfile, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".hot.csv.leadseg-tmp-0123456789ab").write_text("half a file")
    (out / ".leadseg-parts-xyz").mkdir()
    (out / ".leadseg-parts-xyz" / "00000000.parquet").write_bytes(b"PAR1")
    assert cli("apply", contacts, "-s", segfile(HOT), "-o", out).exit_code == 0
    assert published(out) == ["hot.csv", "manifest.json"]


def test_planted_symlink_at_an_output_name_is_not_followed(cli, contacts, segfile, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (out / "hot.csv").symlink_to(victim)
    assert cli("apply", contacts, "-s", segfile(HOT), "-o", out).exit_code == 0
    assert victim.read_text() == "keep me"
    assert not (out / "hot.csv").is_symlink()
    assert (out / "hot.csv").read_text().startswith("Email,")


def test_utf16_with_bom_is_decoded(tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "Name,Score\nNúñez,70\nBo,10\n".encode("utf-16-le"))
    out = tmp_path / "out"
    out.mkdir()
    leadseg.apply_segments(path, leadseg.parse_segments(HOT), out)
    assert (out / "hot.csv").read_text(encoding="utf-8") == "Name,Score\nNúñez,70\n"


def test_one_column_read_with_a_wrong_delimiter_suggests_the_right_one(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("Name;Score\nAnn;70\n")
    options = leadseg.RunOptions(read=leadseg.ReadOptions(delimiter=","))
    with pytest.raises(ExportDataError) as info:
        leadseg.count_segments(path, leadseg.parse_segments(HOT), options)
    assert "seems to use ';'" in str(info.value)
    assert "--delimiter ';'" in str(info.value)


def test_invisible_characters_in_headers_are_shown_escaped_with_a_close_match(
    cli, tmp_path, segfile
):
    path = write_csv(tmp_path / "zw.csv", ["Name", "Score\u200b"], [["Ann", "70"]])
    result = cli("count", path, "-s", segfile("score_field: Score\n" + HOT))
    assert result.exit_code == ExitCode.CONFIG_ERROR
    assert "score_field 'Score' is not a column" in result.stderr
    assert "did you mean 'Score\\u200b'?" in result.stderr


def test_stray_spaces_in_headers_are_shown_with_a_close_match(cli, tmp_path, segfile):
    path = write_csv(tmp_path / "sp.csv", ["Name", " Lead Score "], [["Ann", "70"]])
    result = cli("count", path, "-s", segfile("score_field: Lead Score\n" + HOT))
    assert result.exit_code == ExitCode.CONFIG_ERROR
    assert "did you mean ' Lead Score '?" in result.stderr


def test_decimal_comma(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text('Name;Score\nAnn;"12,5"\nBo;12\n')
    segments = leadseg.parse_segments("segments:\n  - name: a\n    score: {at_least: 12.5}\n")
    options = RunOptions(read=ReadOptions(delimiter=";"), decimal_comma=True)
    assert leadseg.count_segments(path, segments, options).segments[0].count == 1
    plain = RunOptions(read=ReadOptions(delimiter=";"))
    result = leadseg.count_segments(path, segments, plain)
    assert result.segments[0].count == 0 and result.unreadable[0].rows == [2]


def test_placeholders_are_blank_silently_and_configurable_per_column(tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["Score", "SFDC", "Country"],
        [["N/A", "n/a", "NA"], ["#N/A", "0", "US"], ["\u2014", "?", "Null"], ["70", "50", "None"]],
    )
    default = leadseg.parse_segments(
        "segments:\n  - name: hot\n    score: {at_least: 60}\n"
        "  - name: sfdc\n    profile: {field: SFDC, at_least: 0}\n"
        "  - name: namibia\n    profile: {field: Country, in: [NA, 'Null', None]}\n"
    )
    result = leadseg.count_segments(path, default)
    assert [s.count for s in result.segments] == [1, 2, 3]  # NA, Null, None stay text
    assert [(u.column, u.rows) for u in result.unreadable] == [("SFDC", [4])]  # only "?"
    custom = leadseg.parse_segments(
        "placeholders:\n  values: ['#N/A', '\u2014']\n  columns: {SFDC: ['?', N/A, '0']}\n"
        + "segments:\n"
        "  - name: hot\n    score: {at_least: 60}\n"
        "  - name: sfdc\n    profile: {field: SFDC, at_least: 0}\n"
    )
    result = leadseg.count_segments(path, custom)
    assert [s.count for s in result.segments] == [1, 1]  # a listed "0" is blank, not zero
    assert [(u.column, u.rows) for u in result.unreadable] == [("Score", [2])]


def test_bad_value_far_down_is_found_exactly(tmp_path):
    rows = [[f"c{i}", str(i % 90)] for i in range(200)]
    rows[129][1] = "12O"  # letter O: spreadsheet row 131
    path = write_csv(tmp_path / "late.csv", ["Name", "Score"], rows)
    result = leadseg.count_segments(path, leadseg.parse_segments(HOT))
    assert [(u.count, u.rows) for u in result.unreadable] == [(1, [131])]


def test_five_thousand_columns_and_a_one_megabyte_field(tmp_path):
    header = ["Score"] + [f"c{i}" for i in range(4999)]
    big = "x" * (1 << 20)
    rows = [["70"] + [big] + ["y"] * 4998, ["10"] + ["z"] * 4999]
    path = write_csv(tmp_path / "wide.csv", header, rows)
    out = tmp_path / "out"
    out.mkdir()
    result = leadseg.apply_segments(path, leadseg.parse_segments(HOT), out)
    assert result.counts.segments[0].count == 1
    frame = pl.read_csv(out / "hot.csv", infer_schema=False)
    assert frame.shape == (1, 5000) and frame["c0"][0] == big


def test_full_disk_on_stdout_exits_74(contacts):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "leadseg", "count", str(contacts), "--at-least", "1"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == ExitCode.IO_ERROR
    assert "No space left on device" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "body",
    [
        "Email,Score\nann@example.com,70\nbob@example.com\n",
        'Email,Score\nann@example.com,70\n"bob@example.com,80\n',
        "Email,Score\nann@example.com,70\nbob@example.com,7,0\n",
        "Email,Score\nann@example.com,seventy\n",
    ],
    ids=["short-row", "unclosed-quote", "long-row", "strict-unreadable"],
)
def test_error_messages_never_show_row_contents(cli, tmp_path, body):
    path = tmp_path / "bad.csv"
    path.write_text(body)
    result = cli("count", path, "--at-least", "1", "--strict")
    assert result.exit_code == ExitCode.DATA_ERROR
    assert "@example.com" not in result.stderr
    assert "seventy" not in result.stderr


def test_invalid_byte_error_hides_the_row(cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"Email,Score\nann@example.com,70\nn\xfa\xf1ez@example.com,80\n")
    result = cli("count", path, "--at-least", "1")
    assert result.exit_code == ExitCode.DATA_ERROR
    assert "row 3" in result.stderr and "@example.com" not in result.stderr


FORMULAS = [
    ["Email", "Score", "Phone", "Note"],
    ["a@x.com", "70", "+1 555 0100", '=HYPERLINK("http://evil")'],
    ["b@x.com", "-5", "+1 555 0101", "  @SUM(A1)"],
    ["c@x.com", "80", "", "\uff1d1+1"],
    ["d@x.com", "90", "", "plain - text"],
    ["e@x.com", "75", "", "-12.5"],
    ["f@x.com", "65", "", "\tindented"],
]


def test_formula_cells_are_counted_and_warned_on_every_csv_write(cli, tmp_path, segfile):
    path = write_csv(tmp_path / "f.csv", FORMULAS[0], FORMULAS[1:])
    out = tmp_path / "out"
    out.mkdir()
    result = cli(
        "apply",
        path,
        "-s",
        segfile("segments:\n  - name: all\n    score: {at_least: -10}\n"),
        "-o",
        out,
        "--format",
        "csv",
    )
    assert result.exit_code == 0
    # "=HYPERLINK" + "  @SUM" + full-width "＝" + tab; "-5", "-12.5" are numbers and
    # "+1 555 0100" a phone number: data, not formulas
    warnings = [line for line in result.stderr.splitlines() if "formulas" in line]
    assert len(warnings) == 1  # one summary line per run, not one per file
    assert "'Note': 4 cells" in warnings[0] and "Phone" not in warnings[0]
    manifest = (out / "manifest.json").read_text()
    assert '"formula_cells": 4' in manifest
    assert '"formula_cells_by_column": {\n    "Note": 4\n  }' in manifest
    assert "@x.com" not in manifest and "HYPERLINK" not in manifest  # counts, never values
    assert "@x.com" not in (out / ".leadseg.lock").read_text()
    assert (out / "all.csv").read_bytes() == path.read_bytes()  # warned, not changed


def test_excel_safe_neutralises_text_cells_but_not_numbers_or_trusted_columns(tmp_path):
    path = write_csv(tmp_path / "f.csv", FORMULAS[0], FORMULAS[1:])
    out = tmp_path / "out"
    out.mkdir()
    segments = leadseg.parse_segments("segments:\n  - name: all\n    score: {at_least: -10}\n")
    result = leadseg.apply_segments(path, segments, out, excel_safe=True, safe_columns=("Phone",))
    assert result.counts.segments[0].formula_cells == 4
    frame = pl.read_csv(out / "all.csv", infer_schema=False)
    assert frame["Note"].to_list() == [
        '\'=HYPERLINK("http://evil")',
        "'  @SUM(A1)",
        "'\uff1d1+1",
        "plain - text",
        "-12.5",
        "'\tindented",
    ]
    assert frame["Score"].to_list() == ["70", "-5", "80", "90", "75", "65"]
    assert frame["Phone"].to_list()[:2] == ["+1 555 0100", "+1 555 0101"]


def test_parquet_keeps_raw_values(tmp_path):
    path = write_csv(tmp_path / "f.csv", FORMULAS[0], FORMULAS[1:])
    out = tmp_path / "out"
    out.mkdir()
    segments = leadseg.parse_segments("segments:\n  - name: all\n    score: {at_least: -10}\n")
    result = leadseg.apply_segments(path, segments, out, output_format="parquet", excel_safe=True)
    assert pl.read_parquet(out / "all.parquet")["Note"][0] == '=HYPERLINK("http://evil")'
    assert result.counts.segments[0].formula_cells is None


def test_unknown_trusted_column_is_a_usage_error(tmp_path):
    path = write_csv(tmp_path / "f.csv", FORMULAS[0], FORMULAS[1:])
    out = tmp_path / "out"
    out.mkdir()
    segments = leadseg.parse_segments("segments:\n  - name: all\n    score: {at_least: -10}\n")
    with pytest.raises(leadseg.LeadsegError, match="--excel-safe-column 'Phon'"):
        leadseg.apply_segments(path, segments, out, excel_safe=True, safe_columns=("Phon",))


def test_full_disk_leaves_previous_outputs_intact(cli, tmp_path, segfile, tiny_disk):
    small = write_csv(tmp_path / "small.csv", ["Email", "Score"], [["a@x.com", "70"]])
    big = write_csv(
        tmp_path / "big.csv",
        ["Email", "Score"],
        [[f"c{i}@example.com", "80"] for i in range(20_000)],
    )
    segments = segfile(HOT)
    assert cli("apply", small, "-s", segments, "-o", tiny_disk).exit_code == 0
    before = {name: (tiny_disk / name).read_bytes() for name in published(tiny_disk)}
    result = cli("apply", big, "-s", segments, "-o", tiny_disk)
    assert result.exit_code == ExitCode.IO_ERROR
    assert "No space left on device" in result.stderr
    assert "@example.com" not in result.stderr
    assert {name: (tiny_disk / name).read_bytes() for name in published(tiny_disk)} == before


def test_planted_symlink_at_a_temp_name_is_never_followed(contacts, segfile, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    import leadseg.outputs.writers as writers

    monkeypatch.setattr(writers.secrets, "token_hex", lambda n: "predictable")
    (out / ".hot.csv.leadseg-tmp-predictable").symlink_to(victim)
    with pytest.raises(leadseg.LeadsegError) as info:
        leadseg.apply_segments(contacts, leadseg.parse_segments(HOT), out)
    assert info.value.exit_code == ExitCode.IO_ERROR
    assert victim.read_text() == "keep me"


def test_read_only_output_directory_exits_73_before_any_work(cli, contacts, segfile, tiny_disk):
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    try:
        result = cli("apply", contacts, "-s", segfile(HOT), "-o", tiny_disk)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tiny_disk)], check=True)
    assert result.exit_code == ExitCode.CANT_CREATE
    assert "not writable" in result.stderr


def test_placeholders_for_an_unknown_column_are_reported(tmp_path):
    path = write_csv(tmp_path / "p.csv", ["Score", "SFDC Lead Score"], [["1", "2"]])
    segments = leadseg.parse_segments(
        "placeholders:\n  columns: {SFDC Score: ['?']}\n" + HOT, "s.yaml"
    )
    with pytest.raises(leadseg.LeadsegError) as info:
        leadseg.count_segments(path, segments)
    assert info.value.exit_code == ExitCode.CONFIG_ERROR
    assert "placeholders for column 'SFDC Score'" in str(info.value)
    assert "did you mean 'SFDC Lead Score'" in str(info.value)
