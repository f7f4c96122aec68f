"""apply and diff on the disks analysts' outputs land on besides Linux's own: a
case-insensitive, case-preserving one (macOS's and Windows' default, SMB shares) and one
without hard links (exFAT, FAT32, many SMB shares) -- real file systems mounted by the tests
(``tests/fusefs.py``). Every clash is an error before any work, every other run correct:
never a silently replaced or deleted file."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from leadseg.exit_codes import ExitCode
from tests.conftest import published, write_csv

SEGMENTS = (
    "segments:\n  - name: Sales-ready\n    score: {at_least: 60}\n"
    "  - name: Nurture\n    score: {at_most: 20}\n"
)


@pytest.fixture
def work(case_insensitive_dir: Path, contacts: Path) -> Path:
    """The export and the segment file beside an output folder, all on the disk."""
    shutil.copyfile(contacts, case_insensitive_dir / "contacts.csv")
    (case_insensitive_dir / "segments.yaml").write_text(SEGMENTS, encoding="utf-8")
    (case_insensitive_dir / "out").mkdir()
    return case_insensitive_dir


def apply(cli, work: Path, *extra: str):
    return cli("apply", work / "contacts.csv", "-s", work / "segments.yaml", "-o", work / "out",
               "--as-of", "2026-11-28", *extra)  # fmt: skip


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_the_disk_is_case_insensitive(work):
    (work / "Probe.txt").write_text("x")
    assert (work / "PROBE.TXT").read_text() == "x"
    assert os.path.samefile(work / "probe.txt", work / "Probe.txt")


def test_an_extra_file_named_like_a_segment_file_is_an_error_before_any_work(cli, work):
    before = published(work / "out")
    for extra in (
        ("--membership", "Sales-Ready.csv"),
        ("--format", "parquet", "--membership", "NURTURE.parquet"),
    ):
        result = apply(cli, work, *extra)
        assert result.exit_code == ExitCode.USAGE, result.stderr
        assert "differ only in case" in result.stderr
        assert published(work / "out") == before


def test_a_membership_file_renamed_in_case_is_kept_not_deleted_as_stale(cli, work):
    out = work / "out"
    assert apply(cli, work, "--membership", "Members.csv").exit_code == 0
    write_csv(work / "contacts.csv", ["Email", "Overall Behavior Score"], [["z@x.com", "99"]])
    second = apply(cli, work, "--membership", "members.csv")
    assert second.exit_code == 0, second.stderr
    listed = {n.casefold() for n in published(out)}
    assert listed == {"sales-ready.csv", "nurture.csv", "manifest.json", "members.csv"}
    assert manifest(out)["membership"] == {
        "file": "members.csv", "key": ["Email"], "rows": 1
    }  # fmt: skip
    assert (out / "members.csv").read_text(encoding="utf-8").splitlines()[1].startswith("z@x.com")
    assert manifest(out)["segments"][0]["rows"] == 1


def test_a_workbook_renamed_in_case_is_kept(cli, work):
    out = work / "out"
    assert apply(cli, work, "--workbook", "Segments.xlsx").exit_code == 0
    second = apply(cli, work, "--workbook", "segments.xlsx")
    assert second.exit_code == 0, second.stderr
    assert (out / "segments.xlsx").is_file()
    assert manifest(out)["workbook"] == {"file": "segments.xlsx"}


def test_an_output_that_would_replace_the_export_in_another_case_exits_73(cli, work):
    (work / "segments.yaml").write_text(
        "segments:\n  - name: CONTACTS\n    score: {at_least: 60}\n", encoding="utf-8"
    )
    shutil.copyfile(work / "contacts.csv", work / "out" / "Contacts.csv")
    before = (work / "out" / "Contacts.csv").read_bytes()
    result = cli("apply", work / "out" / "Contacts.csv", "-s", work / "segments.yaml",
                 "-o", work / "out")  # fmt: skip
    assert result.exit_code == ExitCode.CANT_CREATE, result.stderr
    assert "would replace the export" in result.stderr
    assert (work / "out" / "Contacts.csv").read_bytes() == before


def test_diff_writes_its_files_there(cli, work):
    old = write_csv(work / "old.csv", ["Email", "Overall Behavior Score"], [["a@x.com", "10"]])
    out = work / "changes"
    result = cli("diff", old, work / "contacts.csv", "--key", "Email", "-s", work / "segments.yaml",
                 "-o", out, "--mkdir")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "sales-ready.entered.csv" in published(out)


@pytest.mark.parametrize("disk", ["no_hardlink_dir", "exfat_like_dir"])
def test_outputs_are_replaced_where_the_disk_has_no_hard_links(cli, contacts, disk, request):
    where: Path = request.getfixturevalue(disk)
    (where / "probe").write_text("x")
    with pytest.raises(PermissionError):
        os.link(where / "probe", where / "link-probe")
    spec = where / "segments.yaml"
    spec.write_text(SEGMENTS, encoding="utf-8")
    out = where / "out"
    first = cli("apply", contacts, "-s", spec, "-o", out, "--mkdir", "--membership", "Members.csv")
    assert first.exit_code == 0, first.stderr
    write_csv(contacts, ["Email", "Overall Behavior Score"], [["z@x.com", "99"]])
    second = cli("apply", contacts, "-s", spec, "-o", out, "--membership", "members.csv")
    assert second.exit_code == 0, second.stderr
    names = published(out)
    assert not [n for n in names if n.startswith(".")], names  # no backup or temp file left
    assert (out / "sales-ready.csv").read_text(encoding="utf-8") == (
        "Email,Overall Behavior Score\nz@x.com,99\n"
    )
    expected = {"sales-ready.csv", "nurture.csv", "manifest.json", "members.csv"}
    assert {n.casefold() for n in names} == expected


def test_the_spelling_rule_holds_where_the_disk_reports_no_stable_inodes(cli, work, monkeypatch):
    """Some network disks number files per name (cifs with noserverino): the same-file
    check cannot see that Members.csv is members.csv, the listing still can."""
    from leadseg.outputs import writers

    monkeypatch.setattr(writers, "_same_file", lambda path, stat: False)
    assert apply(cli, work, "--membership", "Members.csv").exit_code == 0
    second = apply(cli, work, "--membership", "members.csv")
    assert second.exit_code == 0, second.stderr
    assert (work / "out" / "members.csv").is_file()
