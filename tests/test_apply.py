"""apply: one file per segment, the manifest, file names, permissions and atomic replacement."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import polars as pl
import pytest

import leadseg
from leadseg.exit_codes import ExitCode
from leadseg.outputs.writers import TEMP_MARK
from tests.conftest import published

SEGMENTS = """\
segments:
  - name: Hot leads
    score: {at_least: 60}
  - name: Nobody
    score: {at_least: 1000}
  - name: CRM mid-range
    parent: Hot leads
    profile: {field: SFDC Lead Score, between: [40, 80]}
"""


def snapshot(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in published(directory)}


def test_apply_writes_one_file_per_segment_and_a_manifest(cli, contacts, segfile, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    path = segfile(SEGMENTS)
    result = cli("apply", contacts, "-s", path, "-o", out, "--as-of", "2026-11-28")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "Hot leads" in result.stderr  # the counts table goes to stderr
    assert published(out) == [
        "crm-mid-range.csv",
        "hot-leads.csv",
        "manifest.json",
        "nobody.csv",
    ]
    hot = (out / "hot-leads.csv").read_text()
    assert hot.splitlines() == [
        "Email,Overall Behavior Score,SFDC Lead Score,Country,Zip",
        "a@x.com,75,50,US,01234",
        "d@x.com,60.0,40,de,90210",
    ]
    assert (
        out / "nobody.csv"
    ).read_text() == "Email,Overall Behavior Score,SFDC Lead Score,Country,Zip\n"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["input"] == {
        "path": str(contacts),
        "delimiter": ",",
        "size": contacts.stat().st_size,
        "sha256": hashlib.sha256(contacts.read_bytes()).hexdigest(),
        "rows": 4,
    }
    assert manifest["segments_file"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest["leadseg_version"] == leadseg.__version__
    assert manifest["as_of"] == "2026-11-28"
    assert manifest["segments"][2] == {
        "name": "CRM mid-range",
        "parent": "Hot leads",
        "file": "crm-mid-range.csv",
        "rows": 2,
        "formula_cells": 0,
    }
    assert manifest["unreadable"][0]["rows"] == [4]


def test_untouched_values_round_trip_exactly(tmp_path):
    source = tmp_path / "in.csv"
    body = (
        "Email,Score,Zip,Phone,Notes\r\n"
        'a@x.com,70,01234,+1 555 0100,"line one\nline two, ""quoted"""\n'
        "b@x.com,80,,  spaced  ,\n"
    )
    source.write_bytes(body.encode())
    out = tmp_path / "out"
    out.mkdir()
    leadseg.apply_segments(
        source, leadseg.parse_segments("segments:\n  - name: all\n    score: {at_least: 0}\n"), out
    )
    original = pl.read_csv(source, infer_schema=False)
    written = pl.read_csv(out / "all.csv", infer_schema=False)
    assert written.equals(original)
    assert written.columns == ["Email", "Score", "Zip", "Phone", "Notes"]


@pytest.mark.parametrize("fmt", ["parquet", "ndjson"])
def test_other_output_formats(contacts, tmp_path, fmt):
    out = tmp_path / "out"
    out.mkdir()
    segments = leadseg.parse_segments("segments:\n  - name: Hot\n    score: {at_least: 60}\n")
    leadseg.apply_segments(contacts, segments, out, output_format=fmt)
    frame = (
        pl.read_parquet(out / "hot.parquet")
        if fmt == "parquet"
        else pl.read_ndjson(out / "hot.ndjson")
    )
    assert frame["Email"].to_list() == ["a@x.com", "d@x.com"]
    assert frame["Zip"].to_list() == ["01234", "90210"]


def test_only_writes_the_named_segments(cli, contacts, segfile, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = cli("apply", contacts, "-s", segfile(SEGMENTS), "-o", out, "--only", "hot LEADS")
    assert result.exit_code == 0
    assert published(out) == ["hot-leads.csv", "manifest.json"]
    wrong = cli("apply", contacts, "-s", segfile(SEGMENTS), "-o", out, "--only", "Hot lead")
    assert wrong.exit_code == ExitCode.USAGE
    assert "did you mean 'Hot leads'?" in wrong.stderr


def test_files_are_private_by_default_and_file_mode_widens(cli, contacts, segfile, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    cli("apply", contacts, "-s", segfile(SEGMENTS), "-o", out)
    assert {stat.S_IMODE((out / n).stat().st_mode) for n in published(out)} == {0o600}
    cli("apply", contacts, "-s", segfile(SEGMENTS), "-o", out, "--file-mode", "640")
    assert {stat.S_IMODE((out / n).stat().st_mode) for n in published(out)} == {0o640}
    assert stat.S_IMODE((out / ".leadseg.lock").stat().st_mode) == 0o600
    bad = cli("apply", contacts, "-s", segfile(SEGMENTS), "-o", out, "--file-mode", "400")
    assert bad.exit_code == ExitCode.USAGE


def test_missing_output_directory_exits_73_unless_mkdir(cli, contacts, segfile, tmp_path):
    out = tmp_path / "new" / "out"
    result = cli("apply", contacts, "-s", segfile(SEGMENTS), "-o", out)
    assert result.exit_code == ExitCode.CANT_CREATE
    assert "the output directory does not exist" in result.stderr
    assert "--mkdir" in result.stderr
    made = cli("apply", contacts, "-s", segfile(SEGMENTS), "-o", out, "--mkdir")
    assert made.exit_code == 0 and (out / "manifest.json").exists()


def test_output_path_that_is_a_file_exits_73(cli, contacts, segfile, tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    result = cli("apply", contacts, "-s", segfile(SEGMENTS), "-o", path)
    assert result.exit_code == ExitCode.CANT_CREATE


def test_failed_run_leaves_previous_outputs_intact(contacts, segfile, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    segments = leadseg.load_segments(segfile(SEGMENTS))
    leadseg.apply_segments(contacts, segments, out)
    before = snapshot(out)

    import leadseg.outputs.applying as applying

    real = applying._write_members

    def write_then_fail(sink, batch, mask, checked):
        real(sink, batch, mask, checked)
        if "CRM" in mask:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(applying, "_write_members", write_then_fail)
    changed = contacts.read_text().replace("75", "95")
    contacts.write_text(changed)
    with pytest.raises(leadseg.LeadsegError) as info:
        leadseg.apply_segments(contacts, segments, out)
    assert info.value.exit_code == ExitCode.IO_ERROR
    assert "No space left on device" in str(info.value)
    assert snapshot(out) == before
    assert not [p for p in out.iterdir() if TEMP_MARK in p.name]


def test_interrupted_run_leaves_no_temp_files(contacts, segfile, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    segments = leadseg.load_segments(segfile(SEGMENTS))
    import leadseg.outputs.applying as applying

    def interrupted(sink, batch, mask, checked):
        sink.handle.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(applying, "_write_members", interrupted)
    with pytest.raises(KeyboardInterrupt):
        leadseg.apply_segments(contacts, segments, out)
    assert published(out) == []


def test_hostile_names_stay_inside_the_output_directory(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("Score\n70\n")
    out = tmp_path / "deep" / "out"
    out.mkdir(parents=True)
    names = [
        "../escape",
        "/etc/passwd",
        "..\\win",
        "CON",
        ".hidden",
        "tab\there",
        "x" * 300,
        "Café",
        "[/vip]",
    ]
    text = "segments:\n" + "".join(
        f"  - name: {json.dumps(n)}\n    score: {{at_least: 0}}\n" for n in names
    )
    leadseg.apply_segments(source, leadseg.parse_segments(text), out)
    everything = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")}
    assert everything == {"in.csv", "deep", "deep/out", "deep/out/.leadseg.lock"} | {
        f"deep/out/{f}"
        for f in [
            "escape.csv",
            "etc-passwd.csv",
            "win.csv",
            "con-segment.csv",
            "hidden.csv",
            "tab-here.csv",
            "x" * 64 + ".csv",
            "cafe.csv",
            "vip.csv",
            "manifest.json",
        ]
    }
