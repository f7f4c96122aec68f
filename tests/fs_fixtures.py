"""Pytest fixtures that give a test a folder on an unusual file system (see tests/fusefs.py).

* ``case_insensitive_dir``: case-insensitive, case-preserving, normalisation-insensitive
  (like APFS, NTFS, SMB shares).
* ``no_hardlink_dir``: ``os.link`` fails with EPERM (like exFAT, FAT32, many SMB shares).
* ``exfat_like_dir``: both at once (exFAT, FAT32, most SMB shares).

Each yields a fresh, empty ``Path`` inside a FUSE mount that lives for the whole session (one
mount per kind, made when a test first asks for it, unmounted at the end of the session).
Without FUSE (no /dev/fuse, no fusepy, no libfuse 2) they skip, with the install line in the
reason. To use them, import them into a conftest.py::

    from tests.fs_fixtures import *  # noqa: F403
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.programs import unavailable

__all__ = [
    "case_insensitive_dir",
    "case_insensitive_mount",
    "exfat_like_dir",
    "exfat_like_mount",
    "no_hardlink_dir",
    "no_hardlink_mount",
]

FUSEFS = Path(__file__).resolve().parent / "fusefs.py"
INSTALL = "apt-get install -y libfuse2 && pip install fusepy"
MOUNT_TIMEOUT = 10.0


def fuse_unavailable() -> str | None:
    """Why FUSE cannot be used here, or None when it can."""
    need = f"needs FUSE ({INSTALL})"
    if not os.path.exists("/dev/fuse"):
        return f"{need}: /dev/fuse does not exist (a container needs --device /dev/fuse)"
    try:
        os.close(os.open("/dev/fuse", os.O_RDWR))
    except OSError as error:
        return f"{need}: cannot open /dev/fuse: {error}"
    try:
        import fuse  # noqa: F401  (fusepy; it raises OSError when libfuse 2 is missing)
    except ImportError:
        return f"{need}: the Python package fusepy is not installed"
    except OSError as error:
        return f"{need}: fusepy cannot load libfuse 2 (Debian's libfuse2): {error}"
    if os.geteuid() != 0 and shutil.which("fusermount") is None:
        return f"{need}: not root and no fusermount (apt-get install -y fuse)"
    return None


def is_mounted(path: Path) -> bool:
    """Whether something is mounted on path, even a FUSE mount whose process died (where
    os.path.ismount says False: stat fails with ENOTCONN)."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as mounts:
            points = {line.split()[4] for line in mounts}
    except OSError:
        return os.path.ismount(path)
    escaped = str(path).translate({ord(c): f"\\{ord(c):03o}" for c in " \t\n\\"})
    return escaped in points


def _unmount(mountpoint: Path) -> None:
    """Unmount, lazily if busy (an open file, a process inside); quiet if not mounted."""
    if shutil.which("fusermount"):
        commands = [["fusermount", "-u"], ["fusermount", "-uz"]]
    else:
        commands = [["umount"], ["umount", "-l"]]
    for command in commands:
        if not is_mounted(mountpoint):
            return
        subprocess.run([*command, str(mountpoint)], capture_output=True, check=False)


class FuseMount:
    """A running tests/fusefs.py: its mount point, its log, and fresh folders inside it."""

    def __init__(self, base: Path, *, case_insensitive: bool, no_hardlinks: bool) -> None:
        self.backing = base / "backing"
        self.mountpoint = base / "mnt"
        self.log = base / "fusefs.log"
        self.backing.mkdir(parents=True, exist_ok=True)
        self.mountpoint.mkdir(parents=True, exist_ok=True)
        flags = ["--case-insensitive"] * case_insensitive + ["--no-hardlinks"] * no_hardlinks
        self.command = [sys.executable, str(FUSEFS), str(self.backing), str(self.mountpoint)]
        self.command += flags
        self._names = itertools.count(1)
        self.process: subprocess.Popen[bytes] | None = None
        self.mount_seconds = 0.0

    def log_text(self, start: int = 0) -> str:
        with contextlib.suppress(OSError), self.log.open("rb") as file:
            file.seek(start)
            return file.read().decode("utf-8", "replace")
        return ""

    def start(self) -> None:
        began = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # Ctrl+C stops pytest, whose teardown unmounts
            )
        while not is_mounted(self.mountpoint):
            code = self.process.poll()
            if code is not None or time.monotonic() - began > MOUNT_TIMEOUT:
                self.stop()
                how = f"exited ({code})" if code is not None else f"took over {MOUNT_TIMEOUT} s"
                unavailable(
                    f"needs FUSE ({INSTALL}): {' '.join(self.command)} {how} without mounting: "
                    f"{self.log_text().strip()[:800]}"
                )
            time.sleep(0.005)
        self.mount_seconds = time.monotonic() - began

    def stop(self) -> None:
        _unmount(self.mountpoint)
        if self.process is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2)  # libfuse leaves its loop once unmounted
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.process.poll() is not None:
                break
            self.process.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        _unmount(self.mountpoint)  # a killed daemon leaves a dead mount behind

    def fresh_dir(self) -> Iterator[Path]:
        """A new empty folder in the mount; fails the test if the file system broke."""
        assert self.process is not None
        if self.process.poll() is not None:
            pytest.fail(f"tests/fusefs.py exited ({self.process.returncode}): {self.log_text()}")
        start = self.log.stat().st_size
        path = self.mountpoint / f"t{next(self._names):04d}"
        path.mkdir()
        yield path
        if "Traceback" in (new := self.log_text(start)):  # a bug in fusefs.py, not in the test
            pytest.fail(f"tests/fusefs.py raised (the caller saw EINVAL):\n{new}")


@contextlib.contextmanager
def mounted(base: Path, *, case_insensitive: bool = False, no_hardlinks: bool = False):
    """Mount tests/fusefs.py under `base` (backing/, mnt/, fusefs.log); yields a FuseMount."""
    if reason := fuse_unavailable():
        unavailable(reason)
    mount = FuseMount(base, case_insensitive=case_insensitive, no_hardlinks=no_hardlinks)
    mount.start()
    try:
        yield mount
    finally:
        mount.stop()


@pytest.fixture(scope="session")
def case_insensitive_mount(tmp_path_factory) -> Iterator[FuseMount]:
    with mounted(tmp_path_factory.mktemp("fuse-ci"), case_insensitive=True) as mount:
        yield mount


@pytest.fixture(scope="session")
def no_hardlink_mount(tmp_path_factory) -> Iterator[FuseMount]:
    with mounted(tmp_path_factory.mktemp("fuse-nolink"), no_hardlinks=True) as mount:
        yield mount


@pytest.fixture(scope="session")
def exfat_like_mount(tmp_path_factory) -> Iterator[FuseMount]:
    base = tmp_path_factory.mktemp("fuse-exfat")
    with mounted(base, case_insensitive=True, no_hardlinks=True) as mount:
        yield mount


@pytest.fixture
def case_insensitive_dir(case_insensitive_mount: FuseMount) -> Iterator[Path]:
    """A fresh folder where names differing in case or Unicode normalisation are one file."""
    yield from case_insensitive_mount.fresh_dir()


@pytest.fixture
def no_hardlink_dir(no_hardlink_mount: FuseMount) -> Iterator[Path]:
    """A fresh folder (case-sensitive) where os.link fails with EPERM."""
    yield from no_hardlink_mount.fresh_dir()


@pytest.fixture
def exfat_like_dir(exfat_like_mount: FuseMount) -> Iterator[Path]:
    """A fresh folder that is case-insensitive and has no hard links, like exFAT."""
    yield from exfat_like_mount.fresh_dir()
