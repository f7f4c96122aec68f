"""Segment files out, atomically: temp files in the output directory, then renames.

A failed or interrupted run leaves the previous outputs byte-for-byte intact and no temp
files behind. Files are created 0600 (they hold personal data) unless asked otherwise.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from leadseg.errors import Location, OutputCreateError, OutputWriteError

TEMP_MARK = ".leadseg-tmp-"
MANIFEST = "manifest.json"
OUTPUT_SUFFIXES = {"csv": ".csv", "parquet": ".parquet", "ndjson": ".ndjson"}

Writer = Callable[[BinaryIO], None]


@dataclass(frozen=True)
class OutputDir:
    path: Path

    @classmethod
    def prepare(cls, path: Path, *, make: bool = False) -> OutputDir:
        """Check (or create, with ``make``) the directory before any work is done."""
        where = Location(file=str(path))
        if make:
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutputCreateError(
                    f"cannot create the output directory: {exc.strerror}", location=where
                ) from None
        if not path.exists():
            raise OutputCreateError(
                "the output directory does not exist",
                location=where,
                hint=f"create it (mkdir -p {path}) or add --mkdir",
            )
        if not path.is_dir():
            raise OutputCreateError("the output path is not a directory", location=where)
        if not os.access(path, os.W_OK | os.X_OK):
            raise OutputCreateError(
                "the output directory is not writable",
                location=where,
                hint="check its permissions or choose another -o",
            )
        return cls(path)

    def publish(self, files: dict[str, Writer], manifest: dict[str, Any], mode: int) -> None:
        """Write every file to a temp name, then rename them into place, manifest last."""
        temps: dict[str, Path] = {}
        try:
            for name, write in files.items():
                temps[name] = self._write_temp(name, write, mode)
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode() + b"\n"
            temps[MANIFEST] = self._write_temp(MANIFEST, lambda fh: fh.write(body), mode)
            for name, temp in temps.items():
                os.replace(temp, self.path / name)
        except OSError as exc:
            raise OutputWriteError(
                f"cannot write the segment files: {exc.strerror or exc}",
                location=Location(file=str(self.path)),
                hint="check free space and permissions; previous outputs were left as they were",
            ) from None
        finally:
            for temp in temps.values():
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()

    def _write_temp(self, name: str, write: Writer, mode: int) -> Path:
        temp = self.path / f".{name}{TEMP_MARK}{secrets.token_hex(6)}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(temp, flags, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
                handle.flush()
                os.fchmod(handle.fileno(), mode)
                os.fsync(handle.fileno())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise
        return temp
