"""One file written whole or not at all (a chart, a report): a temp file beside it, then a
rename. The previous file stays intact when anything fails; no temp file is left."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from leadseg import system
from leadseg.errors import Location, OutputCreateError, OutputWriteError
from leadseg.outputs.writers import TEMP_MARK


def check_writable(path: Path, option: str) -> None:
    """Before any work: the file's directory exists and can be written; the path is no
    directory."""
    where = Location(file=str(path))
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputCreateError(f"{option} names a directory", location=where)
    if not folder.is_dir():
        raise OutputCreateError(
            f"{option}: the directory {folder} does not exist",
            location=where,
            hint=f"create it ({system.make_directory_command(folder)}) or choose another path",
        )
    if not system.directory_writable(folder):
        raise OutputCreateError(f"{option}: the directory {folder} is not writable", location=where)


def write_whole(path: Path, data: bytes, mode: int = 0o600) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    temp = folder / f".{path.name}{TEMP_MARK}{secrets.token_hex(6)}"  # pids recur (Windows)
    try:
        fd = system.create_new(temp, mode)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                system.sync_file(handle.fileno())
            os.replace(temp, path)
        finally:
            if temp.exists():
                temp.unlink()
    except OSError as exc:
        raise OutputWriteError(
            f"cannot write the file: {exc.strerror or exc}", location=Location(file=str(path))
        ) from None


@contextmanager
def whole_file(path: Path, mode: int = 0o600) -> Iterator[BinaryIO]:
    """A handle to write ``path`` in parts: a temp file beside it, renamed over ``path``
    only when the block ends without an exception (else removed; ``path`` unchanged)."""
    folder = path.parent if str(path.parent) else Path(".")
    temp = folder / f".{path.name}{TEMP_MARK}{secrets.token_hex(6)}"
    try:
        fd = system.create_new(temp, mode)
    except OSError as exc:
        raise OutputWriteError(
            f"cannot write the file: {exc.strerror or exc}", location=Location(file=str(path))
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            system.sync_file(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        raise OutputWriteError(
            f"cannot write the file: {exc.strerror or exc}", location=Location(file=str(path))
        ) from None
    finally:
        if temp.exists():
            temp.unlink()
