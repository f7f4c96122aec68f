"""The classes of CSV that other projects' test suites found read wrongly (issue #18), each
through the CLI as a user meets it: read as the README's one rule says, or refused with a
located error that says what to do."""

from __future__ import annotations

import json

import pytest

from leadseg.exit_codes import ExitCode

EVERYONE = "segments:\n  - name: Everyone\n    not: {profile: {field: a, is: zzzz-never}}\n"
EMAILS = "segments:\n  - name: Everyone\n    not: {profile: {field: email, is: zzzz-never}}\n"


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "segments.yaml"
    path.write_text(EVERYONE)
    return path


def write(tmp_path, data: bytes, name: str = "export.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows_written(tmp_path, cli, export, spec, *options) -> tuple[list[str], int]:
    """apply's output file as lines, and the manifest's row count."""
    out = tmp_path / "out"
    result = cli("apply", export, "-s", spec, "-o", out, "--mkdir", *options)
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    body = (out / "everyone.csv").read_bytes().decode()
    return body.split("\n")[1:-1], manifest["segments"][0]["rows"]


@pytest.mark.parametrize(
    ("data", "message", "hint"),
    [
        (
            b'a,b\n1,"Pedro "the" legend"\n',
            'a quote in row 2 (line 2) closes the quoted value but text follows it',
            "double the quote",
        ),
        (
            b'a,b\n1,2\n3,"text\\"2\\""\n',
            "a quote in row 3 (line 3) closes the quoted value",
            "--escape '\\'",
        ),
        (b'a,b\n1,"foo (\\"foo\\")"\n', "row 2 (line 2)", "--escape"),
        (
            b'a,b\n1, "The best, \'chocolate\', of the world"\n',
            "1 row(s) have more fields than the header's 2: row 2 (4 fields)",
            "ragged",
        ),
        (b"a,b\n1,2\n3,x\x00y\n", "a NUL byte in row 3 (line 3)", "tr -d"),
        (b"a,b\n1,bogus\rVega-Inject: x\n", "a carriage return (CR) without a line feed", "quote"),
        (
            b"a,b\n1\n2,3,4\n5\n",
            "2 row(s) have fewer fields than the header's 2: row 2 (1 field), 4 (1 field); "
            "1 row(s) have more fields than the header's 2: row 3 (3 fields)",
            "ragged",
        ),
        (b'"a,b\n1,2\n', "a quoted value that starts in the header (row 1, line 1) is never closed", "closing quote"),
        (b'"a"x,b\n1,2\n', "a quote in the header (row 1, line 1) closes the quoted value", "double"),
        (b"\na,b\n1,2\n", "the first line is blank", "delete the blank line"),
    ],
    ids=[
        "stray-quote", "backslash-quote", "backslash-quote-2", "space-before-quote", "nul",
        "bare-cr", "short-and-long", "header-unclosed", "header-stray", "blank-first-line",
    ],
)  # fmt: skip
def test_malformed_exports_are_refused_located_with_what_to_do(
    tmp_path, cli, spec, data, message, hint
):
    export = write(tmp_path, data)
    for command in ("count", "apply"):
        extra = ["-o", str(tmp_path / "out"), "--mkdir"] if command == "apply" else []
        result = cli(command, export, "-s", spec, *extra)
        assert result.exit_code == ExitCode.DATA_ERROR, result.stderr
        assert message in result.stderr and hint in result.stderr, result.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_backslash_escaped_quotes_are_read_with_escape(tmp_path, cli, spec):
    export = write(tmp_path, b'a,b\n1,"text\\"2\\""\n2,"a \\\\ b"\n')
    lines, rows = rows_written(tmp_path, cli, export, spec, "--escape", "\\")
    assert rows == 2
    assert lines == ['1,"text""2"""', "2,a \\ b"]


def test_a_quote_after_a_space_is_a_character(tmp_path, cli, spec):
    export = write(tmp_path, b'a,b\n1, "Test line 1"\n')
    lines, rows = rows_written(tmp_path, cli, export, spec)
    assert rows == 1 and lines == ['1," ""Test line 1"""']


def test_blank_lines_in_a_one_column_list_are_skipped(tmp_path, cli):
    export = write(tmp_path, b"email\na@x.com\n\nb@x.com\n\n")
    segments = tmp_path / "emails.yaml"
    segments.write_text(EMAILS)
    result = cli("count", export, "-s", segments, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rows"] == 2


def test_rows_of_empty_fields_of_any_width_are_skipped(tmp_path, cli, spec):
    export = write(tmp_path, b'a,b,c\n1,2,3\n,,,\n,\n"","",""\n4,5,6\n')
    lines, rows = rows_written(tmp_path, cli, export, spec)
    assert rows == 2 and lines == ["1,2,3", "4,5,6"]


def test_a_ragged_row_is_found_between_blank_lines(tmp_path, cli, spec):
    export = write(tmp_path, b"a\nx\n\ny\nz,w\n")
    result = cli("count", export, "-s", spec, "--delimiter", ",")
    assert result.exit_code == ExitCode.DATA_ERROR
    assert "more fields than the header's 1: row 5 (2 fields)" in result.stderr


def test_a_cr_inside_a_quoted_value_is_data_and_written_back_quoted(tmp_path, cli, spec):
    export = write(tmp_path, b'a,b\n1,"x\ry"\n2,"multi\nline"\n3,z\n')
    out = tmp_path / "out"
    result = cli("apply", export, "-s", spec, "-o", out, "--mkdir", "--format", "tsv")
    assert result.exit_code == 0, result.stderr
    assert (out / "everyone.tsv").read_bytes() == b'a\tb\n1\t"x\ry"\n2\t"multi\nline"\n3\tz\n'
    same = tmp_path / "same"
    result = cli("apply", export, "-s", spec, "-o", same, "--mkdir")
    assert result.exit_code == 0
    assert (same / "everyone.csv").read_bytes() == export.read_bytes()  # raw records


@pytest.mark.parametrize("delimiter", ["🦆", "§", "ab"])
def test_a_delimiter_that_is_not_one_byte_is_a_usage_error(tmp_path, cli, spec, delimiter):
    export = write(tmp_path, "a§b\n1§2\n".encode())
    result = cli("count", export, "-s", spec, "--delimiter", delimiter)
    assert result.exit_code == ExitCode.USAGE
    if len(delimiter) == 1:
        assert "single ASCII character" in result.stderr


def test_a_greek_file_gets_a_hint_that_reads_greek(tmp_path, cli, spec):
    names = ["Λεωνίδας", "Παπαδόπουλος", "Αθήνα", "Γιώργος", "Νικολάου", "Θεσσαλονίκη"]
    body = "a,b\n" + "".join(f"{i},{names[i % 6]} {names[(i + 1) % 6]}\n" for i in range(60))
    export = write(tmp_path, body.encode("iso-8859-7"))
    result = cli("count", export, "-s", spec)
    assert result.exit_code == ExitCode.DATA_ERROR
    assert "--encoding cp1252" not in result.stderr
    encoding = result.stderr.split("try --encoding ")[1].split()[0]
    again = cli(
        "apply", export, "-s", spec, "-o", tmp_path / "out", "--mkdir", "--encoding", encoding
    )
    assert again.exit_code == 0, again.stderr
    written = (tmp_path / "out" / "everyone.csv").read_text(encoding="utf-8")
    assert "Λεωνίδας" in written and "Ëåù" not in written


def test_a_western_file_gets_the_cp1252_hint(tmp_path, cli, spec):
    export = write(tmp_path, "a,b\n1,Núñez\n2,Müller\n".encode("cp1252"))
    result = cli("count", export, "-s", spec)
    assert result.exit_code == ExitCode.DATA_ERROR
    assert "try --encoding cp1252" in result.stderr
    assert "Núñez" not in result.stderr and "N\ufffd" not in result.stderr  # no value shown


def test_an_export_removed_while_it_is_read_is_an_input_error(tmp_path, cli, spec, monkeypatch):
    from leadseg.exports import csv_structure

    export = write(tmp_path, b"a,b\n" + b"1,2\n" * 1000)
    proven = csv_structure.prove

    def prove_then_remove(path, columns, delimiter):
        found = proven(path, columns, delimiter)
        export.unlink()  # the export vanishes between the proof and the main pass
        return found

    monkeypatch.setattr(csv_structure, "prove", prove_then_remove)
    for command in ("count", "apply"):
        if not export.exists():
            export.write_bytes(b"a,b\n" + b"1,2\n" * 1000)
        extra = ["-o", str(tmp_path / "out"), "--mkdir"] if command == "apply" else []
        result = cli(command, export, "-s", spec, *extra)
        assert result.exit_code == ExitCode.NO_INPUT, (command, result.stderr)
        assert str(export) in result.stderr and "cannot write" not in result.stderr
