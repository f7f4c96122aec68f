"""From what the user names to a plain UTF-8 file that the fast readers can map.

A plain UTF-8 file is read where it is. Everything else -- stdin, gzip or zstd data (known
by its magic bytes, whatever the name), UTF-16 with a byte-order mark, another
``--encoding`` -- is first copied, decompressed and transcoded, into a private temporary
directory that vanishes with the run.
"""

from __future__ import annotations

import codecs
import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from leadseg.errors import ExportDataError, ExportMissingError, Location

_CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True)
class LocalFile:
    """The file to read, and what was done to get it."""

    path: Path
    encoding: str  # of the original bytes
    compression: str | None  # "gzip" | "zstd" | None
    copied: bool  # a temporary copy, not the user's file


def check_encoding(encoding: str) -> None:
    from leadseg.errors import UsageError

    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UsageError(
            f"unknown encoding {encoding!r}", hint="use a Python codec name such as cp1252"
        ) from None


def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")


def _open_source(path: Path | None, display: str) -> BinaryIO:
    if path is None:
        return sys.stdin.buffer
    try:
        if path.is_dir():
            raise ExportMissingError(
                f"{display} is a directory, not an export file", location=Location(file=display)
            )
        return open(path, "rb")
    except FileNotFoundError:
        raise ExportMissingError(
            "export file not found", location=Location(file=display), hint="check the path"
        ) from None
    except PermissionError:
        raise ExportMissingError(
            "export file is not readable (permission denied)", location=Location(file=display)
        ) from None


class _Prefixed:
    """A stream whose first bytes were already read (to look at its magic bytes)."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size < 0:
                data, self.head = self.head + self.rest.read(), b""
                return data
            data, self.head = self.head[:size], self.head[size:]
            return data if len(data) == size else data + self.rest.read(size - len(data))
        return self.rest.read(size)

    def readable(self) -> bool:
        return True


def _compression_of(head: bytes) -> str | None:
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return None


def _decompressed(stream: BinaryIO, compression: str | None) -> BinaryIO:
    if compression == "gzip":
        import gzip

        return gzip.GzipFile(fileobj=stream)  # type: ignore[return-value]
    if compression == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(stream)  # type: ignore[return-value]
    return stream


def _utf16_bom(head: bytes) -> bool:
    return head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def local_file(
    path: Path | None, display: str, encoding: str, cleanup: contextlib.ExitStack, *, text: bool
) -> LocalFile:
    """The export as a plain file (UTF-8 when ``text``); a copy when it must be one."""
    raw = _open_source(path, display)
    if path is not None:
        cleanup.enter_context(raw)  # stdin stays open: it is not ours to close
    head = raw.read(4)
    compression = _compression_of(head)
    stream = _decompressed(_Prefixed(head, raw), compression)  # type: ignore[arg-type]
    if compression:
        text_head = stream.read(4)
        stream = _Prefixed(text_head, stream)  # type: ignore[assignment]
    else:
        text_head = head
    if text and _utf16_bom(text_head):
        encoding = "utf-16"  # Excel's "Unicode text": UTF-16 with a byte-order mark
    convert = text and not _is_utf8(encoding)
    if path is not None and not compression and not convert:
        return LocalFile(path, encoding, None, copied=False)
    import tempfile

    folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="leadseg-")))
    target = folder / "export"
    with open(target, "wb") as out:
        try:
            if convert:
                _transcode(stream, out, encoding, display)
            else:
                while chunk := stream.read(_CHUNK):
                    out.write(chunk)
        except (EOFError, OSError) as exc:
            if not compression:
                raise
            raise ExportDataError(
                f"the compressed export is damaged or cut short: {exc}",
                location=Location(file=display),
                hint="download or export the file again",
            ) from None
    return LocalFile(target, encoding, compression, copied=True)


def _transcode(stream: BinaryIO, out: BinaryIO, encoding: str, display: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line = 1
    while chunk := stream.read(_CHUNK):
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            line += exc.object[: exc.start].count(b"\n")
            raise ExportDataError(
                f"bytes that are not valid {encoding} at line {line}",
                location=Location(file=display, line=line),
                hint="check --encoding",
            ) from None
        line += chunk.count(b"\n")
        out.write(text.encode("utf-8"))
    out.write(decoder.decode(b"", final=True).encode("utf-8"))
