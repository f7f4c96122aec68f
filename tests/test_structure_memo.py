"""The CLI remembers an export's proven structure while the file is unchanged."""

from __future__ import annotations

import os

import pytest

import leadseg
from leadseg.exports import csv_structure

SEGMENTS = "segments:\n  - name: Everyone\n    not: {profile: {field: a, is: zzzz-never}}\n"


@pytest.fixture
def proofs(monkeypatch):
    """The paths the structure proof ran on, in this test."""
    ran = []
    proven = csv_structure.prove

    def counted(path, columns, delimiter):
        ran.append(path)
        return proven(path, columns, delimiter)

    monkeypatch.setattr(csv_structure, "prove", counted)
    return ran


@pytest.fixture
def files(tmp_path):
    export = tmp_path / "export.csv"
    export.write_bytes(b'a,b\n1,2\n\n3,"x\ny"\n,,\n4,5\n')
    spec = tmp_path / "segments.yaml"
    spec.write_text(SEGMENTS)
    return export, spec


def counted_rows(cli, export, spec) -> str:
    result = cli("count", export, "-s", spec)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_an_unchanged_export_is_proven_once(cli, files, proofs):
    export, spec = files
    first = counted_rows(cli, export, spec)
    assert first == "Everyone\t3\n" and len(proofs) == 1
    assert counted_rows(cli, export, spec) == first and len(proofs) == 1
    out = export.parent / "out"
    assert cli("apply", export, "-s", spec, "-o", out, "--mkdir").exit_code == 0
    assert len(proofs) == 1
    assert (out / "everyone.csv").read_bytes() == b'a,b\n1,2\n3,"x\ny"\n4,5\n'


def test_a_changed_export_is_proven_again(cli, files, proofs):
    export, spec = files
    counted_rows(cli, export, spec)
    stat = export.stat()
    # Same size, same modification time: only the change time tells.
    export.write_bytes(b'a,b\n1,2\n\n3,"x\ny"\n,,\n4,"\n')
    os.utime(export, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = cli("count", export, "-s", spec)
    assert len(proofs) == 2
    assert result.exit_code == 65 and "never closed" in result.stderr


def test_it_can_be_turned_off(cli, files, proofs, monkeypatch):
    export, spec = files
    monkeypatch.setenv("LEADSEG_NO_STRUCTURE_CACHE", "1")
    counted_rows(cli, export, spec)
    counted_rows(cli, export, spec)
    assert len(proofs) == 2


def test_the_library_remembers_nothing_unless_asked(files, proofs):
    export, _ = files
    segments = leadseg.parse_segments(SEGMENTS)
    assert leadseg.count_segments(export, segments).rows == 3
    assert leadseg.count_segments(export, segments).rows == 3
    assert len(proofs) == 2
