"""Directories leadseg keeps state in (caches), trusted only when private to the user.

A cache is an input: whoever can write to it can change leadseg's results. As ssh does for
its keys, a cache directory is trusted only when it is owned by the user running leadseg
and not writable by group or others; leadseg creates it 0700. Files in it are created
exclusively (``O_EXCL``) and never through a symbolic link (``O_NOFOLLOW``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class UntrustedDirectory(Exception):
    """The directory exists but others could write to it (or it is not ours)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


def private_dir(path: Path) -> Path:
    """``path`` created 0700 if missing; raise ``UntrustedDirectory`` unless it is a
    directory owned by this user that group and others cannot write."""
    import stat

    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.stat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise UntrustedDirectory(path, "not a directory")
    if info.st_uid != os.getuid():
        raise UntrustedDirectory(path, "owned by another user")
    if info.st_mode & 0o022:
        mode = f"{stat.S_IMODE(info.st_mode):04o}"
        raise UntrustedDirectory(path, f"writable by group or others (mode {mode})")
    return path


def create_exclusive(directory: Path, prefix: str, suffix: str = "") -> tuple[int, Path]:
    """A new 0600 file with a random name; never an existing file, never through a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    while True:
        path = directory / f"{prefix}{secrets.token_hex(8)}{suffix}"
        try:
            return os.open(path, flags, 0o600), path
        except FileExistsError:
            continue


def write_exclusive(directory: Path, final: Path, body: bytes) -> None:
    """Write ``body`` to a fresh private temp file, then rename it to ``final``."""
    fd, temp = create_exclusive(directory, f".{final.name}.tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
