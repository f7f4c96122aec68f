"""The FUSE harness itself (tests/fusefs.py through tests/fs_fixtures.py) on real file operations."""

from __future__ import annotations

import errno
import fcntl
import os
import subprocess
import sys
import time
import unicodedata

import pytest

from tests.fs_fixtures import *  # noqa: F403

NFC = unicodedata.normalize("NFC", "Café.csv")
NFD = unicodedata.normalize("NFD", "Café.csv")


# -- case-insensitive, case-preserving ---------------------------------------------------


def test_case_variant_opens_the_same_file(case_insensitive_dir):
    (case_insensitive_dir / "Members.csv").write_text("a,b\n")
    assert (case_insensitive_dir / "members.csv").read_text() == "a,b\n"
    assert (case_insensitive_dir / "MEMBERS.CSV").exists()
    assert os.path.samefile(
        case_insensitive_dir / "Members.csv", case_insensitive_dir / "members.csv"
    )
    with open(case_insensitive_dir / "members.csv", "w") as file:  # O_CREAT|O_TRUNC: the same file
        file.write("new\n")
    assert os.listdir(case_insensitive_dir) == ["Members.csv"]  # the first spelling stays
    assert (case_insensitive_dir / "Members.csv").read_text() == "new\n"


def test_exclusive_create_of_a_case_variant_fails(case_insensitive_dir):
    (case_insensitive_dir / "Members.csv").write_text("keep")
    with pytest.raises(FileExistsError):
        os.open(case_insensitive_dir / "members.csv", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    with pytest.raises(FileExistsError), open(case_insensitive_dir / "MEMBERS.csv", "x"):
        pass
    (case_insensitive_dir / "Out").mkdir()
    with pytest.raises(FileExistsError):
        (case_insensitive_dir / "out").mkdir()
    assert sorted(os.listdir(case_insensitive_dir)) == ["Members.csv", "Out"]
    assert (case_insensitive_dir / "Members.csv").read_text() == "keep"


def test_replace_onto_a_case_variant_replaces_it(case_insensitive_dir):
    (case_insensitive_dir / "Members.csv").write_text("old")
    (case_insensitive_dir / "tmp.part").write_text("new")
    os.replace(case_insensitive_dir / "tmp.part", case_insensitive_dir / "members.csv")
    assert os.listdir(case_insensitive_dir) == ["members.csv"]  # rename's spelling wins
    assert (case_insensitive_dir / "Members.csv").read_text() == "new"


def test_case_only_rename_changes_the_spelling(case_insensitive_dir):
    (case_insensitive_dir / "members.csv").write_text("x")
    os.rename(case_insensitive_dir / "members.csv", case_insensitive_dir / "Members.csv")
    assert os.listdir(case_insensitive_dir) == ["Members.csv"]
    assert (case_insensitive_dir / "members.csv").read_text() == "x"


def test_names_are_mapped_in_every_directory_component(case_insensitive_dir):
    (case_insensitive_dir / "Out" / "Segments").mkdir(parents=True)
    (case_insensitive_dir / "out" / "segments" / "Hot.csv").write_text("1")
    assert (case_insensitive_dir / "OUT" / "SEGMENTS" / "hot.CSV").read_text() == "1"
    assert os.listdir(case_insensitive_dir / "out" / "segments") == ["Hot.csv"]
    os.unlink(case_insensitive_dir / "OUT" / "segments" / "HOT.csv")
    os.rmdir(case_insensitive_dir / "out" / "SEGMENTS")
    assert os.listdir(case_insensitive_dir / "Out") == []


def test_listing_shows_the_stored_spelling(case_insensitive_dir):
    for name in ("Members.csv", "ZIP codes.TXT", "ünïcode.csv"):
        (case_insensitive_dir / name).write_text(name)
    assert sorted(os.listdir(case_insensitive_dir)) == [
        "Members.csv",
        "ZIP codes.TXT",
        "ünïcode.csv",
    ]
    assert {entry.name for entry in os.scandir(case_insensitive_dir)} == set(
        os.listdir(case_insensitive_dir)
    )


def test_unicode_normalisation_is_folded(case_insensitive_dir):
    assert NFC != NFD
    (case_insensitive_dir / NFD).write_text("decomposed")
    assert (case_insensitive_dir / NFC).read_text() == "decomposed"
    assert (case_insensitive_dir / NFC.upper()).read_text() == "decomposed"
    assert os.listdir(case_insensitive_dir) == [NFD]  # stored as written, like APFS
    with pytest.raises(FileExistsError), open(case_insensitive_dir / NFC, "x"):
        pass


def test_hard_links_work_when_only_case_insensitive(case_insensitive_dir):
    (case_insensitive_dir / "a.csv").write_text("a")
    os.link(case_insensitive_dir / "A.csv", case_insensitive_dir / "b.csv")
    assert os.stat(case_insensitive_dir / "B.CSV").st_nlink == 2
    with pytest.raises(FileExistsError):
        os.link(case_insensitive_dir / "a.csv", case_insensitive_dir / "B.csv")


def test_replace_between_two_links_of_one_file_does_nothing(case_insensitive_dir):
    (case_insensitive_dir / "a.csv").write_text("a")
    os.link(case_insensitive_dir / "a.csv", case_insensitive_dir / "B.csv")
    os.replace(case_insensitive_dir / "a.csv", case_insensitive_dir / "b.csv")  # as rename(2)
    assert sorted(os.listdir(case_insensitive_dir)) == ["B.csv", "a.csv"]


def test_flock_excludes_across_spellings(case_insensitive_dir):
    (case_insensitive_dir / "Out").mkdir()
    (case_insensitive_dir / "Out" / ".lock").touch()
    with open(case_insensitive_dir / "Out" / ".lock", "rb") as first:
        fcntl.flock(first, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with open(case_insensitive_dir / "OUT" / ".LOCK", "rb") as second:
            with pytest.raises(BlockingIOError):
                fcntl.flock(second, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(first, fcntl.LOCK_UN)
            fcntl.flock(second, fcntl.LOCK_EX | fcntl.LOCK_NB)


# -- no hard links ------------------------------------------------------------------------


def test_link_fails_with_eperm(no_hardlink_dir):
    (no_hardlink_dir / "a.csv").write_text("a")
    with pytest.raises(PermissionError) as caught:
        os.link(no_hardlink_dir / "a.csv", no_hardlink_dir / "b.csv")
    assert caught.value.errno == errno.EPERM
    assert os.listdir(no_hardlink_dir) == ["a.csv"]


def test_no_hardlink_dir_is_case_sensitive(no_hardlink_dir):
    (no_hardlink_dir / "Members.csv").write_text("1")
    (no_hardlink_dir / "members.csv").write_text("2")
    assert sorted(os.listdir(no_hardlink_dir)) == ["Members.csv", "members.csv"]


def test_exfat_like_dir_has_both(exfat_like_dir):
    (exfat_like_dir / "Members.csv").write_text("1")
    with pytest.raises(FileExistsError), open(exfat_like_dir / "members.csv", "x"):
        pass
    with pytest.raises(PermissionError):
        os.link(exfat_like_dir / "Members.csv", exfat_like_dir / "copy.csv")


# -- what writers of output files do --------------------------------------------------------


@pytest.fixture(params=["case_insensitive_dir", "no_hardlink_dir"])
def fuse_dir(request):
    return request.getfixturevalue(request.param)


def test_read_write_truncate_fsync(fuse_dir):
    path = fuse_dir / "data.bin"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        assert os.write(fd, b"x" * 300_000) == 300_000
        os.fsync(fd)
        os.fdatasync(fd)
        os.ftruncate(fd, 10)
        assert os.pread(fd, 100, 0) == b"x" * 10
        assert os.fstat(fd).st_size == 10
    finally:
        os.close(fd)
    os.truncate(path, 3)
    assert path.read_bytes() == b"xxx"
    with open(path, "ab") as file:
        file.write(b"yz")
    assert path.read_bytes() == b"xxxyz"
    dir_fd = os.open(fuse_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)  # what a durable rename does after replacing a file
    finally:
        os.close(dir_fd)


def test_flock_excludes_other_open_files(fuse_dir):
    path = fuse_dir / ".lock"
    path.touch()
    with open(path, "rb") as first, open(path, "rb") as second:
        fcntl.flock(first, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BlockingIOError):
            fcntl.flock(second, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(first, fcntl.LOCK_UN)
        fcntl.flock(second, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_flock_excludes_another_process(fuse_dir):
    path = fuse_dir / ".lock"
    path.touch()
    probe = (
        "import fcntl, sys\n"
        "try:\n"
        "    fcntl.flock(open(sys.argv[1], 'rb'), fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "except BlockingIOError:\n"
        "    sys.exit(3)\n"
    )
    with open(path, "r+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert subprocess.run([sys.executable, "-c", probe, str(path)]).returncode == 3
        fcntl.lockf(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # POSIX locks work too
    assert subprocess.run([sys.executable, "-c", probe, str(path)]).returncode == 0


def test_blocking_flock_waits_for_the_holder(fuse_dir):
    path = fuse_dir / ".lock"
    path.touch()
    waiter = (
        "import fcntl, sys, time\n"
        "lock = open(sys.argv[1], 'rb')\n"
        "began = time.monotonic()\n"
        "fcntl.flock(lock, fcntl.LOCK_EX)\n"
        "print(time.monotonic() - began)\n"
    )
    with open(path, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        child = subprocess.Popen([sys.executable, "-c", waiter, str(path)], stdout=subprocess.PIPE)
        time.sleep(0.5)
        os.stat(path)  # the file system still answers while the child waits
        assert child.poll() is None
    out, _ = child.communicate(timeout=10)
    assert child.returncode == 0 and float(out) >= 0.3


def test_metadata_symlinks_and_statfs(fuse_dir):
    path = fuse_dir / "report.csv"
    path.write_text("r")
    inode = os.stat(path).st_ino
    os.chmod(path, 0o600)
    assert os.stat(path).st_mode & 0o777 == 0o600
    os.utime(path, ns=(1_000_000_000, 2_000_000_123))
    assert os.stat(path).st_mtime_ns == 2_000_000_123
    os.symlink("report.csv", fuse_dir / "latest")
    assert os.readlink(fuse_dir / "latest") == "report.csv"
    assert (fuse_dir / "latest").read_text() == "r"
    assert os.stat(fuse_dir / "latest").st_ino == inode  # stable st_ino: samefile checks work
    os.replace(fuse_dir / "report.csv", fuse_dir / "renamed.csv")
    assert os.stat(fuse_dir / "renamed.csv").st_ino == inode
    assert os.statvfs(fuse_dir).f_namemax > 0


def test_replacing_an_open_file_leaves_no_hidden_files(fuse_dir):
    (fuse_dir / "out.csv").write_text("old")
    with open(fuse_dir / "out.csv") as reader:
        (fuse_dir / "out.tmp").write_text("new")
        os.replace(fuse_dir / "out.tmp", fuse_dir / "out.csv")
        assert reader.read() == "old"
        assert os.fstat(reader.fileno()).st_size == 3
    with open(fuse_dir / "gone.csv", "w") as writer:
        os.unlink(fuse_dir / "gone.csv")
        writer.write("still writable")
    assert os.listdir(fuse_dir) == ["out.csv"]
    assert (fuse_dir / "out.csv").read_text() == "new"


def test_mount_is_quick(case_insensitive_mount, no_hardlink_mount):
    assert case_insensitive_mount.mount_seconds < 5
    assert no_hardlink_mount.mount_seconds < 5
