"""From what the user names to a plain UTF-8 file that the fast readers can map.

A plain UTF-8 file is read where it is. Everything else -- stdin, gzip or zstd data (known
by its magic bytes, whatever the name), UTF-16 with a byte-order mark, another
``--encoding`` -- is first copied, decompressed and transcoded, into a private temporary
directory that vanishes with the run.
"""

from __future__ import annotations

import codecs
import contextlib
import os
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
    state: tuple[int, ...] | None = None  # the source as opened, when a regular file
    delimiter: str | None = None  # named by Excel's first line "sep=;" (left out of the copy)


def check_encoding(encoding: str) -> None:
    """Only text encodings that read CSV punctuation as itself (ASCII-compatible ones, and
    UTF-16/32): ``rot13``, ``base64``, ``zlib``, ``punycode`` or ``undefined`` are usage
    errors, not crashes."""
    from leadseg.errors import UsageError

    try:
        info = codecs.lookup(encoding)
        usable = getattr(info, "_is_text_encoding", True) and (
            info.name.startswith(("utf-16", "utf-32"))
            or codecs.decode(_PROBE.encode("ascii"), info.name) == _PROBE
        )
    except LookupError:
        raise UsageError(
            f"unknown encoding {encoding!r}", hint="use a Python codec name such as cp1252"
        ) from None
    except (UnicodeError, ValueError, TypeError):
        usable = False
    if not usable:
        raise UsageError(
            f"--encoding {encoding!r} is not a text encoding leadseg can read CSV in",
            hint="use utf-8, cp1252, latin-1, utf-16, ... (a text encoding of the export)",
        )


_PROBE = 'Email,Score;x|"y"\t1\r\n'


def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")


def file_state(info: os.stat_result) -> tuple[int, ...]:
    """What changes when a file is written, replaced or removed."""
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def current_state(path: Path) -> tuple[int, ...] | None:
    try:
        return file_state(os.stat(path))
    except OSError:
        return None


def _open_source(path: Path | None, display: str) -> tuple[BinaryIO, tuple[int, ...] | None]:
    """The source opened for reading, and, for a regular file, its state as opened (a
    pipe, a FIFO, process substitution or a device is read as a stream, like stdin)."""
    import errno
    import stat

    if path is None:
        return sys.stdin.buffer, None
    where = Location(file=display)
    try:
        info = os.stat(path)
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            raise ExportMissingError(
                f"{display} is a directory, not an export file", location=where
            )
        return open(path, "rb"), file_state(info) if stat.S_ISREG(mode) else None
    except FileNotFoundError:
        raise ExportMissingError(
            "export file not found", location=where, hint="check the path"
        ) from None
    except PermissionError:
        raise ExportMissingError(
            "export file is not readable (permission denied)", location=where
        ) from None
    except OSError as exc:
        reason = "a loop of symbolic links" if exc.errno == errno.ELOOP else exc.strerror
        raise ExportMissingError(f"cannot open the export: {reason}", location=where) from None


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


class _ZstdFrames:
    """zstd data read to its verified end: every frame must be complete (a file cut at a
    block boundary otherwise just ends early)."""

    def __init__(self, stream: BinaryIO, display: str) -> None:
        import zstandard

        self.stream, self.display, self.zstd = stream, display, zstandard
        self.decoder = zstandard.ZstdDecompressor().decompressobj()
        self.pending = b""
        self.done = False

    def read(self, size: int = -1) -> bytes:
        while not self.done and (size < 0 or len(self.pending) < size):
            chunk = self.stream.read(_CHUNK)
            if not chunk:
                self.done = True
                if not self.decoder.eof:
                    raise EOFError("the last zstd frame is incomplete")
                break
            try:
                data = self.decoder.decompress(chunk)
                while self.decoder.eof and self.decoder.unused_data:
                    rest = self.decoder.unused_data
                    self.decoder = self.zstd.ZstdDecompressor().decompressobj()
                    data += self.decoder.decompress(rest)
            except self.zstd.ZstdError as exc:
                raise EOFError(str(exc)) from None
            self.pending += data
        if size < 0:
            out, self.pending = self.pending, b""
        else:
            out, self.pending = self.pending[:size], self.pending[size:]
        return out


def _decompressed(stream: BinaryIO, compression: str | None, display: str) -> BinaryIO:
    if compression == "gzip":
        import gzip

        return gzip.GzipFile(fileobj=stream)  # type: ignore[return-value]
    if compression == "zstd":
        return _ZstdFrames(stream, display)  # type: ignore[return-value]
    return stream


def _utf16_bom(head: bytes) -> bool:
    return head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


MAX_COPY_ENV = "LEADSEG_MAX_COPY"
DEFAULT_MAX_COPY = 64 << 30  # bytes; a compressed or piped export larger than this stops
_GLOB_CHARACTERS = set("*?[]{}")


def max_copy_bytes() -> int:
    """The most a decompressed, transcoded or piped export may take in TMPDIR:
    ``LEADSEG_MAX_COPY`` (bytes, or with a K/M/G/T suffix), else 64 GiB."""
    from leadseg.errors import UsageError

    text = os.environ.get(MAX_COPY_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_COPY
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    scale = units.get(text[-1].upper(), 1)
    digits = text[:-1] if text[-1].upper() in units else text
    if not digits.isdigit():
        raise UsageError(f"{MAX_COPY_ENV}={text!r} is not a size", hint="e.g. 500M or 20G")
    return int(digits) * scale


def local_file(
    path: Path | None, display: str, encoding: str, cleanup: contextlib.ExitStack, *, text: bool
) -> LocalFile:
    """The export as a plain, regular file (UTF-8 when ``text``) whose name no reader
    takes for a glob pattern; a copy when it must be one."""
    raw, state = _open_source(path, display)
    if path is not None:
        cleanup.enter_context(raw)  # stdin stays open: it is not ours to close
    head = raw.read(4)
    compression = _compression_of(head)
    stream = _decompressed(_Prefixed(head, raw), compression, display)  # type: ignore[arg-type]
    if compression:
        try:
            text_head = stream.read(4)
        except (EOFError, OSError) as exc:
            raise _damaged(display, exc) from None
        stream = _Prefixed(text_head, stream)  # type: ignore[assignment]
    else:
        text_head = head
    if text and _utf16_bom(text_head):
        encoding = "utf-16"  # Excel's "Unicode text": UTF-16 with a byte-order mark
    elif text and b"\x00" in text_head:
        line = text_head[: text_head.index(b"\x00")].count(b"\n") + 1
        raise ExportDataError(
            f"the export holds NUL bytes (line {line}): it is not a text CSV",
            location=Location(file=display, line=line, row=line),
            hint="check the file (a UTF-16 export needs its byte-order mark, or --encoding utf-16)",
        )
    convert = text and not _is_utf8(encoding)
    carriage_returns, separator = False, None
    if text:
        try:
            peek = stream.read(_PEEK)
        except (EOFError, OSError) as exc:
            raise _unreadable(display, exc, compression) from None
        carriage_returns = _lines_end_in_carriage_returns(peek, encoding)
        separator, skip = _excel_separator_line(peek)
        stream = _Prefixed(peek[skip:], stream)  # type: ignore[assignment]
    plain = not compression and not convert and not carriage_returns and not separator
    if path is not None and state is not None and plain:
        return LocalFile(_glob_free(path, cleanup), encoding, None, copied=False, state=state)
    copy = _copy(stream, display, encoding, cleanup, convert, compression, carriage_returns)
    return LocalFile(copy, encoding, compression, True, state, separator)


_PEEK = 1 << 16


def _excel_separator_line(peek: bytes) -> tuple[str | None, int]:
    """Excel's first line ``sep=;`` (the delimiter, for Excel): the delimiter it names and
    how many bytes to leave out (the line, and a UTF-8 byte-order mark before it). The bytes
    match only in an encoding that writes ASCII as itself (in UTF-16 the header check
    names the line)."""
    import re

    bom = b"\xef\xbb\xbf" if peek.startswith(b"\xef\xbb\xbf") else b""
    found = re.match(rb"[sS][eE][pP]=([^\r\n])(\r\n|\r|\n)", peek[len(bom) :])
    if found is None:
        return None, 0
    return found.group(1).decode("latin-1"), len(bom) + found.end()


def _lines_end_in_carriage_returns(peek: bytes, encoding: str) -> bool:
    """Lines ended by a bare carriage return (classic Mac, Excel's "CSV (Macintosh)"): the
    first bytes hold a CR and no line feed."""
    text = peek.decode(encoding, errors="ignore")
    return "\r" in text and "\n" not in text


def temp_dir(cleanup: contextlib.ExitStack) -> Path:
    import tempfile

    return Path(
        cleanup.enter_context(
            tempfile.TemporaryDirectory(prefix="leadseg-", ignore_cleanup_errors=True)
        )
    )


def _glob_free(path: Path, cleanup: contextlib.ExitStack) -> Path:
    """A path is a path: one holding glob characters is read through a plain name (a
    link, or a copy where the OS allows no link: ``system.second_name``)."""
    from leadseg import system

    if not _GLOB_CHARACTERS & set(str(path)):
        return path
    alias = temp_dir(cleanup) / "export"
    system.second_name(path, alias)
    return alias


def _copy(
    stream: BinaryIO,
    display: str,
    encoding: str,
    cleanup: contextlib.ExitStack,
    convert: bool,
    compression: str | None,
    carriage_returns: bool = False,
) -> Path:
    """A UTF-8 copy; with ``carriage_returns``, each bare CR line end made a line feed (in
    UTF-8 a CR byte is always the character)."""
    from leadseg.errors import OutputWriteError

    limit = max_copy_bytes()
    folder = temp_dir(cleanup)
    target = folder / "export"
    with open(target, "wb") as out:
        sink = _Capped(out, limit, display, translate_cr=carriage_returns)
        try:
            if convert:
                _transcode(stream, sink, encoding, display)
            else:
                while chunk := stream.read(_CHUNK):
                    sink.write(chunk)
        except _WriteFailed as failed:
            raise OutputWriteError(
                f"cannot copy the export into TMPDIR ({folder.parent}): {failed.reason}",
                location=Location(file=display),
                hint="free space there, or point TMPDIR at a larger disk",
            ) from None
        except (EOFError, OSError) as exc:
            raise _unreadable(display, exc, compression) from None
    return target


def _unreadable(
    display: str, exc: BaseException, compression: str | None
) -> ExportDataError | ExportMissingError:
    """A read that failed: a damaged compressed stream, or the file itself."""
    if compression:
        return _damaged(display, exc)
    return ExportMissingError(f"cannot read the export: {exc}", location=Location(file=display))


def _damaged(display: str, exc: BaseException) -> ExportDataError:
    return ExportDataError(
        f"the compressed export is damaged or cut short: {exc}",
        location=Location(file=display),
        hint="download or export the file again",
    )


class _WriteFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Capped:
    """Writes to the temp copy, at most ``limit`` bytes; write errors are told apart from
    read errors (a full TMPDIR is not a damaged export)."""

    def __init__(
        self, out: BinaryIO, limit: int, display: str, *, translate_cr: bool = False
    ) -> None:
        self.out, self.limit, self.display, self.written = out, limit, display, 0
        self.translate_cr = translate_cr
        self.quoted = False  # inside a quoted value at the end of the last chunk

    def write(self, data: bytes) -> None:
        if self.translate_cr:
            data = self._line_feeds(data)
        self.written += len(data)
        if self.written > self.limit:
            raise ExportDataError(
                f"the export is larger than {self.limit:,} bytes once decompressed or copied "
                f"(the {MAX_COPY_ENV} limit)",
                location=Location(file=self.display),
                hint=f"raise the limit, e.g. {MAX_COPY_ENV}=200G, if the export is genuine",
            )
        try:
            self.out.write(data)
        except OSError as exc:
            raise _WriteFailed(exc.strerror or str(exc)) from None

    def _line_feeds(self, data: bytes) -> bytes:
        """Each bare CR that ends a line made an LF; a CR inside a quoted value is data and
        stays (the pieces between quotes alternate outside and inside)."""
        pieces = data.split(b'"')
        start = 1 if self.quoted else 0
        for i in range(start, len(pieces), 2):
            pieces[i] = pieces[i].replace(b"\r", b"\n")
        self.quoted = (len(pieces) - 1 + self.quoted) % 2 == 1
        return b'"'.join(pieces)


def _transcode(stream: BinaryIO, out: _Capped, encoding: str, display: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line = 1

    def invalid(at_line: int) -> ExportDataError:
        return ExportDataError(
            f"bytes that are not valid {encoding} at line {at_line}",
            location=Location(file=display, line=at_line),
            hint="check --encoding",
        )

    while True:
        chunk = stream.read(_CHUNK)
        try:
            text = decoder.decode(chunk, final=not chunk)
            # Lone surrogates (UTF-8 bytes read as UTF-16) are not text either.
            out.write(text.encode("utf-8"))
        except UnicodeDecodeError as exc:
            raise invalid(line + exc.object[: exc.start].count(b"\n")) from None
        except UnicodeError:  # lone surrogates, a UTF-16 stream without its BOM
            raise invalid(line) from None
        if not chunk:
            break
        line += text.count("\n")
