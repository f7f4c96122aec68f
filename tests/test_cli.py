"""The command line: exit codes, stdout vs stderr, output formats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import leadseg
from leadseg.exit_codes import ExitCode
from leadseg.segments.quick import quick_segments

SEGMENTS = """\
segments:
  - name: Hot leads
    score: {at_least: 60}
  - name: Nurture
    score: {at_most: 20}
  - name: CRM mid-range
    parent: Hot leads
    profile: {field: SFDC Lead Score, between: [40, 80]}
"""


def test_count_piped_prints_name_tab_count(cli, contacts, segfile):
    result = cli("count", contacts, "-s", segfile(SEGMENTS))
    assert result.exit_code == 0
    assert result.stdout == "Hot leads\t2\nNurture\t1\nCRM mid-range\t2\n"
    assert "1 value(s) in column 'Overall Behavior Score' are not a number" in result.stderr
    assert "(row 4)" in result.stderr


def test_count_json_is_the_api_result(cli, contacts, segfile):
    path = segfile(SEGMENTS)
    result = cli("count", contacts, "-s", path, "--format", "json", "--as-of", "2026-01-31")
    assert result.exit_code == 0
    api = leadseg.count_segments(
        contacts,
        leadseg.load_segments(path),
        leadseg.RunOptions(as_of=__import__("datetime").date(2026, 1, 31)),
    )
    data = json.loads(result.stdout)
    assert data == api.to_dict()
    assert data["rows"] == 4
    assert data["segments"][2] == {"name": "CRM mid-range", "parent": "Hot leads", "count": 2}
    hint = (
        "1 of the 1 sampled unreadable values read as money tools write them ($1,234.50, 12%, "
        "(1,200)): pass --numbers thousands, or in the segment file: numbers: {columns: "
        "{Overall Behavior Score: [thousands]}}"
    )
    assert data["unreadable"] == [
        {
            "column": "Overall Behavior Score", "kind": "number", "count": 1, "values": 4,
            "rows": [4], "hint": hint,
        }
    ]  # fmt: skip


def test_count_csv(cli, contacts, segfile):
    result = cli("count", contacts, "-s", segfile(SEGMENTS), "--format", "csv")
    assert result.stdout.splitlines() == [
        "name,parent,count",
        "Hot leads,,2",
        "Nurture,,1",
        "CRM mid-range,Hot leads,2",
    ]


def test_quick_flags_need_no_segment_file(cli, contacts):
    result = cli("count", contacts, "--at-least", "60", "--at-most", "20")
    assert result.exit_code == 0
    assert result.stdout == "score at least 60\t2\nscore at most 20\t1\n"


def test_quick_flags_with_score_field(cli, contacts):
    result = cli("count", contacts, "--at-least", "45", "--score-field", "SFDC Lead Score")
    assert result.stdout == "score at least 45\t2\n"


def test_segments_default_to_the_working_directory(cli, contacts, segfile, monkeypatch):
    segfile(SEGMENTS)
    monkeypatch.chdir(contacts.parent)
    result = cli("count", contacts)
    assert result.exit_code == 0 and result.stdout.startswith("Hot leads\t2\n")


def test_missing_default_segment_file(cli, contacts, monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    result = cli("count", contacts)
    assert result.exit_code == ExitCode.NO_INPUT
    assert "segments.yaml: segment file not found" in result.stderr


def test_both_segment_file_and_quick_flags_is_a_usage_error(cli, contacts, segfile):
    result = cli("count", contacts, "-s", segfile(SEGMENTS), "--at-least", "3")
    assert result.exit_code == ExitCode.USAGE
    assert "give either -s FILE or --at-least/--at-most" in result.stderr


def test_bad_as_of_and_bad_format(cli, contacts):
    bad_date = cli("count", contacts, "--at-least", "1", "--as-of", "tomorrow")
    assert bad_date.exit_code == ExitCode.USAGE
    assert (
        bad_date.stderr
        == "leadseg: error: --as-of 'tomorrow' is not a date\n  hint: use YYYY-MM-DD\n"
    )
    bad_format = cli("count", contacts, "--at-least", "1", "--format", "xml")
    assert bad_format.exit_code == ExitCode.USAGE


def test_strict_turns_unreadable_values_into_an_error(cli, contacts, segfile):
    result = cli("count", contacts, "-s", segfile(SEGMENTS), "--strict")
    assert result.exit_code == ExitCode.DATA_ERROR
    assert result.stdout == ""
    assert (
        "1 value(s) in column 'Overall Behavior Score' are not blank and not a number: rows 4"
        in result.stderr
    )


def test_invalid_segment_file_exits_78_with_positions(cli, contacts, segfile):
    path = segfile(
        "segments:\n  - name: a\n    scroe: {at_least: 1}\n  - name: A\n    score: {at_least: 2}\n"
    )
    result = cli("count", contacts, "-s", path)
    assert result.exit_code == ExitCode.CONFIG_ERROR
    lines = result.stderr.splitlines()
    assert lines[0] == f"leadseg: error: {path}:3:5: unknown key 'scroe'"
    assert lines[1] == "  hint: did you mean 'score'?"
    assert lines[2] == f"leadseg: error: {path}:4:11: duplicate segment name 'A' (same as 'a')"


def test_unknown_column_exits_78_with_close_match(cli, contacts, segfile):
    path = segfile("segments:\n  - name: a\n    profile: {field: Contry, is: US}\n")
    for args in (("count", contacts, "-s", path), ("validate", path, "--export", contacts)):
        result = cli(*args)
        assert result.exit_code == ExitCode.CONFIG_ERROR
        assert f"{path}:3:22: column 'Contry' is not in {contacts}" in result.stderr
        assert "did you mean 'Country'?" in result.stderr


def test_unknown_score_field(cli, contacts, segfile):
    path = segfile(
        "score_field: Behaviour Score\nsegments:\n  - name: a\n    score: {at_least: 1}\n"
    )
    result = cli("count", contacts, "-s", path)
    assert result.exit_code == ExitCode.CONFIG_ERROR
    assert f"{path}:1:14: score_field 'Behaviour Score' is not a column" in result.stderr


def test_validate_ok_and_json(cli, segfile):
    path = segfile(SEGMENTS)
    ok = cli("validate", path)
    assert ok.exit_code == 0 and ok.stdout == f"{path}: ok, 3 segment(s)\n"
    data = json.loads(cli("validate", path, "--format", "json").stdout)
    assert data == {
        "file": str(path),
        "valid": True,
        "segments": ["Hot leads", "Nurture", "CRM mid-range"],
    }


def test_missing_export_exits_66(cli, tmp_path):
    result = cli("count", tmp_path / "nope.csv", "--at-least", "1")
    assert result.exit_code == ExitCode.NO_INPUT
    assert "export file not found" in result.stderr


def test_bad_export_exits_65(cli, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("Score,Name\n1,a\n2\n")
    result = cli("count", path, "--at-least", "1")
    assert result.exit_code == ExitCode.DATA_ERROR
    assert "row 3 (1 field)" in result.stderr


def test_stdin_export(cli):
    result = cli("count", "-", "--at-least", "50", input="Score\n40\n60\n70\n")
    assert result.exit_code == 0 and result.stdout == "score at least 50\t2\n"


def test_schema_command_prints_json_schema(cli):
    data = json.loads(cli("schema").stdout)
    assert "segments" in data["properties"]


def test_segment_names_with_markup_print_as_themselves(contacts):
    from io import StringIO

    from leadseg.cli.render import _rich_table

    result = leadseg.count_segments(contacts, quick_segments(60, None))
    renamed = type(result)(
        result.input, result.rows, [type(result.segments[0])("[/vip] [bold]x", None, 2)]
    )
    out = StringIO()
    _rich_table(renamed, out)
    assert "[/vip] [bold]x" in out.getvalue()


def test_help_does_not_import_polars():
    code = (
        "import sys, runpy\n"
        "sys.argv = ['leadseg', '--help']\n"
        "try:\n    runpy.run_module('leadseg', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "assert 'polars' not in sys.modules, 'polars imported'\n"
        "assert 'pydantic' not in sys.modules, 'pydantic imported'\n"
        "assert 'sqlglot' not in sys.modules, 'sqlglot imported'\n"
        "assert 'duckdb' not in sys.modules, 'duckdb imported'\n"
        "assert 'pyspark' not in sys.modules, 'pyspark imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert done.returncode == 0, done.stderr
    assert "Usage: leadseg" in done.stdout


def test_piped_output_that_closes_early_ends_quietly(contacts, segfile, tmp_path):
    big = tmp_path / "segs.yaml"
    big.write_text(
        "segments:\n"
        + "".join(f"  - name: s{i}\n    score: {{at_least: {i}}}\n" for i in range(200))
    )
    proc = subprocess.run(
        f"{sys.executable} -m leadseg count {contacts} -s {big} | head -1",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert proc.stdout == "s0\t3\n"
    assert "Traceback" not in proc.stderr and "Broken pipe" not in proc.stderr


@pytest.mark.parametrize("command", [[], ["count"], ["apply"], ["validate"]])
def test_short_help_works_like_long_help(cli, command):
    short, long = cli(*command, "-h"), cli(*command, "--help")
    assert short.exit_code == long.exit_code == 0
    assert short.stdout == long.stdout and "Usage:" in short.stdout


def test_no_color_turns_off_bold_as_well_as_colour(contacts, monkeypatch):
    import io

    from leadseg.cli.render import print_counts

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    result = leadseg.count_segments(contacts, leadseg.parse_segments(SEGMENTS))
    styled = Terminal()
    monkeypatch.setenv("FORCE_COLOR", "1")
    print_counts(result, "table", styled)
    assert "\x1b[" in styled.getvalue()  # the test can tell styled from plain
    monkeypatch.setenv("NO_COLOR", "1")
    plain = Terminal()
    print_counts(result, "table", plain)
    assert "\x1b[" not in plain.getvalue() and "Hot leads" in plain.getvalue()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
@pytest.mark.parametrize("option", ["--at-least", "--at-most"])
def test_non_finite_quick_thresholds_are_usage_errors(cli, contacts, option, value):
    result = cli("count", contacts, option, value)
    assert result.exit_code == 2
    assert "finite" in result.stderr


def test_non_finite_wait_lock_is_a_usage_error(cli, contacts, segfile, tmp_path):
    result = cli("apply", contacts, "-s", segfile(SEGMENTS), "-o", tmp_path, "--wait-lock", "nan")
    assert result.exit_code == 2


def test_score_field_and_date_format_flags_with_a_segment_file(cli, tmp_path, segfile):
    export = tmp_path / "e.csv"
    export.write_text("Email,Points,Rating,Signed\na@x,70,10,11/03/2026\nb@x,5,90,28.10.2026\n")
    path = segfile(
        "score_field: Points\nsegments:\n  - name: hot\n    score: {at_least: 60}\n"
        "  - name: signed\n    profile: {field: Signed, after: 2026-11-01}\n"
    )
    args = ["count", export, "-s", path, "--format", "json"]
    result = cli(*args, "--date-format", "%m/%d/%Y", "--date-format", "%d.%m.%Y")
    assert result.exit_code == 0, result.stderr
    assert [s["count"] for s in json.loads(result.stdout)["segments"]] == [1, 1]
    result = cli(*args, "--score-field", "Rating", "--date-format", "%m/%d/%Y")
    assert result.exit_code == 0, result.stderr
    assert [s["count"] for s in json.loads(result.stdout)["segments"]] == [1, 1]
    assert "1 value(s) in column 'Signed' are not a date" in result.stderr  # not most: a warning


def test_bad_date_format_flag_is_a_usage_error(cli, contacts):
    result = cli("count", contacts, "--at-least", "1", "--date-format", "%Q/%d")
    assert result.exit_code == 2
    assert "unsupported code '%Q'" in result.stderr


def test_every_command_is_a_function_of_the_package():
    """Each command's JSON is an API result: the function that makes it is ``leadseg.<name>``
    (the README names them), and the package's names are every public function of the API."""
    import inspect

    import leadseg
    import leadseg.api

    public = {
        name
        for name, value in vars(leadseg.api).items()
        if inspect.isfunction(value) and value.__module__ == "leadseg.api" and name[0] != "_"
    }
    assert public <= set(leadseg.__all__)
    for name in leadseg.__all__:
        assert callable(getattr(leadseg, name)) or isinstance(getattr(leadseg, name), type)
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for name in ("explain_segments", "overlap_segments", "diff_exports", "describe_export"):
        assert f"`{name}(" in readme and name in leadseg.__all__
