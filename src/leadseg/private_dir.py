"""Directories leadseg keeps state in (caches), trusted only when private to the user.

A cache is an input: whoever can write to it can change leadseg's results. As ssh does for
its keys, a cache directory is trusted only when it is owned by the user running leadseg
and not writable by group or others; leadseg creates it 0700. (Windows' ``stat`` tells no
owner and reports 0777 for every directory: there the folder's ACL keeps it private.) Files
in it are created exclusively (``O_EXCL``) and never through a symbolic link
(``O_NOFOLLOW``, where the OS has it).
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
    directory owned by this user that group and others cannot write (on Windows, whose
    ``stat`` tells neither, its ACL decides: ``system.untrusted_reason``)."""
    import stat

    from leadseg import system

    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.stat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise UntrustedDirectory(path, "not a directory")
    reason = system.untrusted_reason(info)
    if reason is not None:
        raise UntrustedDirectory(path, reason)
    return path


def create_exclusive(directory: Path, prefix: str, suffix: str = "") -> tuple[int, Path]:
    """A new 0600 file with a random name; never an existing file, never through a link."""
    from leadseg import system

    while True:
        path = directory / f"{prefix}{secrets.token_hex(8)}{suffix}"
        try:
            return system.create_new(path), path
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
