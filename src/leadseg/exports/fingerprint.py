"""Content hashes of exports, computed beside the real work."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class BackgroundDigest:
    """sha256 of a file on a thread (hashlib releases the GIL), joined when needed."""

    def __init__(self, path: Path) -> None:
        self._result: str | BaseException | None = None
        self._path = path
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            self._result = sha256_file(path)
        except BaseException as exc:  # re-raised in the caller's thread by hexdigest()
            self._result = exc

    def hexdigest(self) -> str:
        """The digest; a file that vanished or failed mid-read is an input error (exit 66)."""
        self._thread.join()
        if isinstance(self._result, OSError):
            from leadseg.errors import ExportMissingError, Location

            raise ExportMissingError(
                f"cannot read the export: {self._result.strerror or self._result}",
                location=Location(file=str(self._path)),
                hint="run again once the export is complete; nothing was written",
            )
        if isinstance(self._result, BaseException):
            raise self._result
        assert self._result is not None
        return self._result
