"""What `apply` writes: one CSV dialect rule, the same bytes with or without --cache, no
output that replaces an input, and no stale files."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

import leadseg
from leadseg.exit_codes import ExitCode
from leadseg.results import ApplyResult
from tests.conftest import published

HOT = "segments:\n  - name: hot\n    score: {at_least: 60}\n"
TWO = HOT + "  - name: cold\n    score: {at_most: 20}\n"


def apply(export: Path, out: Path, segments: str = HOT, **kwargs) -> ApplyResult:
    cache = kwargs.pop("cache", None)
    options = leadseg.RunOptions(read=leadseg.ReadOptions(cache_dir=cache))
    out.mkdir(exist_ok=True)
    return leadseg.apply_segments(
        export, leadseg.parse_segments(segments), out, options=options, **kwargs
    )


def test_export_named_like_a_segment_file_in_the_output_directory_is_never_replaced(cli, tmp_path):
    io_dir = tmp_path / "io"
    io_dir.mkdir()
    export = io_dir / "hot.csv"
    export.write_text("Email,Score\na@x,70\nb@x,5\n")
    before = export.read_bytes()
    segments = tmp_path / "s.yaml"
    segments.write_text(HOT)
    result = cli("apply", export, "-s", segments, "-o", io_dir)
    assert result.exit_code == ExitCode.CANT_CREATE
    assert "would replace the export" in result.stderr
    assert export.read_bytes() == before
    assert sorted(p.name for p in io_dir.iterdir()) == ["hot.csv"]  # not even a lock file


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_an_output_name_linked_to_the_export_is_refused(tmp_path, link):
    export = tmp_path / "contacts.csv"
    export.write_text("Email,Score\na@x,70\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "hot.csv").symlink_to(export) if link == "symlink" else os.link(export, out / "hot.csv")
    with pytest.raises(leadseg.LeadsegError) as info:
        apply(export, out)
    assert info.value.exit_code == ExitCode.CANT_CREATE
    assert export.read_text() == "Email,Score\na@x,70\n"


def test_the_segment_file_and_the_lock_name_are_protected(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\n")
    segments = out / "hot.csv"  # a segment file that happens to be named like the output
    segments.write_text(HOT)
    with pytest.raises(leadseg.LeadsegError) as info:
        leadseg.apply_segments(export, segments, out)
    assert "would replace the segment file" in str(info.value)
    lock_named = out / ".leadseg.lock"
    lock_named.write_text("Email,Score\na@x,70\n")
    with pytest.raises(leadseg.LeadsegError) as info:
        apply(lock_named, out)
    assert info.value.exit_code == ExitCode.CANT_CREATE
    assert lock_named.read_text() == "Email,Score\na@x,70\n"


def test_an_export_named_like_a_stale_temp_file_is_not_swept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    export = out / ".hot.csv.leadseg-tmp-abcdef"
    export.write_text("Email,Score\na@x,70\n")
    with pytest.raises(leadseg.LeadsegError):
        apply(export, out)
    assert export.exists()


def test_the_cache_directory_is_not_an_output_directory(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\n")
    cache = tmp_path / "cache"
    with pytest.raises(leadseg.LeadsegError) as info:
        apply(export, cache, cache=cache)
    assert "cache directory" in str(info.value)


def test_a_tsv_export_gives_comma_separated_csv_and_tab_separated_tsv(tmp_path):
    export = tmp_path / "e.tsv"
    export.write_text('Email\tScore\tNote\na@x\t70\thas, comma\nb@x\t90\t"quoted ""x"""\n')
    apply(export, tmp_path / "csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "csv" / "hot.csv").read_text())))
    assert rows == [
        ["Email", "Score", "Note"],
        ["a@x", "70", "has, comma"],
        ["b@x", "90", 'quoted "x"'],
    ]
    apply(export, tmp_path / "tsv", output_format="tsv")
    assert (tmp_path / "tsv" / "hot.tsv").read_bytes() == export.read_bytes()  # same dialect: raw


def _variants(export: Path, tmp_path: Path, **kwargs) -> set[bytes]:
    """The bytes of hot.csv from a run without --cache, a first and a repeated run with it."""
    found = set()
    for i, cache in enumerate([None, tmp_path / "cache", tmp_path / "cache"]):
        out = tmp_path / f"out{i}"
        apply(export, out, cache=cache, **kwargs)
        found.add((out / "hot.csv").read_bytes())
    return found


@pytest.mark.parametrize(
    "body",
    [
        'Email,Score\r\n"a@x",70\r\n\r\nb@x,"90"\r\n',  # quoted values, CRLF, a blank line
        'Email,Score,Note\na@x,70,"two\nlines"\nb@x,90,x\n',  # a value spanning lines
        "Email;Score\na@x;70\nb@x;90\n",  # another delimiter
    ],
    ids=["quoted-crlf-blank", "multiline", "semicolon"],
)
def test_the_same_run_writes_the_same_bytes_with_or_without_cache(tmp_path, body):
    export = tmp_path / "e.csv"
    export.write_bytes(body.encode())
    assert len(_variants(export, tmp_path)) == 1


def test_excel_safe_and_plain_runs_write_the_same_dialect(tmp_path):
    export = tmp_path / "e.tsv"
    export.write_text("Email\tScore\na@x\t70\n")
    plain = apply(export, tmp_path / "plain")
    safe = apply(export, tmp_path / "safe", excel_safe=True)
    assert plain.files == safe.files
    assert (tmp_path / "plain" / "hot.csv").read_bytes() == (
        tmp_path / "safe" / "hot.csv"
    ).read_bytes()


def test_compressed_export_writes_what_the_plain_one_writes(tmp_path):
    import gzip

    plain = tmp_path / "e.csv"
    plain.write_text('Email,Score\n"a@x",70\n')
    packed = tmp_path / "e.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert len(_variants(packed, tmp_path)) == 1
    assert (tmp_path / "out0" / "hot.csv").read_text() == "Email,Score\na@x,70\n"


def test_header_names_that_look_like_formulas_are_counted_and_neutralised(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score,=cmd|' /C calc'!A0\na@x,70,x\n")
    result = apply(export, tmp_path / "plain")
    assert result.formula_header_cells == 1
    assert result.counts.segments[0].formula_cells == 1
    apply(export, tmp_path / "safe", excel_safe=True)
    header = (tmp_path / "safe" / "hot.csv").read_text().splitlines()[0]
    assert header == "Email,Score,'=cmd|' /C calc'!A0"


def test_only_and_a_change_of_format_leave_no_stale_files(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\nb@x,5\n")
    out = tmp_path / "out"
    apply(export, out, TWO)
    assert published(out) == ["cold.csv", "hot.csv", "manifest.json"]
    apply(export, out, TWO, only=["hot"])
    assert published(out) == ["hot.csv", "manifest.json"]
    apply(export, out, TWO, output_format="parquet")
    assert published(out) == ["cold.parquet", "hot.parquet", "manifest.json"]
    listed = {s["file"] for s in json.loads((out / "manifest.json").read_text())["segments"]}
    assert listed | {"manifest.json"} == set(published(out))
    (out / "notes.txt").write_text("mine")  # never leadseg's: left alone
    apply(export, out, TWO)
    assert published(out) == ["cold.csv", "hot.csv", "manifest.json", "notes.txt"]


def test_a_forged_manifest_cannot_make_apply_delete_other_files(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\n")
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.csv"
    victim.write_text("keep")
    (out / "keep.csv").write_text("keep")
    forged = {"segments": [{"file": "../victim.csv"}, {"file": ".leadseg.lock"}, {"file": "e.csv"}]}
    (out / "manifest.json").write_text(json.dumps(forged))
    apply(export, out)
    assert victim.read_text() == "keep" and (out / "keep.csv").exists()


@pytest.mark.parametrize("fmt", ["xml", "CSV", ""])
def test_unknown_formats_are_usage_errors(cli, tmp_path, fmt):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\n")
    segments = tmp_path / "s.yaml"
    segments.write_text(HOT)
    for args in (
        ["validate", segments],
        ["count", export, "-s", segments],
        ["apply", export, "-s", segments, "-o", tmp_path],
    ):
        result = cli(*args, "--format", fmt)
        assert result.exit_code == ExitCode.USAGE, (args, result.stderr)
