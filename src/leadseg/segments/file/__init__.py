"""The segment file: YAML with positions -> shape (pydantic) -> criteria tree."""

from __future__ import annotations

import hashlib
from pathlib import Path

from leadseg.errors import Location, Problem, SegmentFileError, SegmentFileMissingError
from leadseg.segments.criteria import SegmentSet

MAX_FILE_BYTES = 1 << 20  # 1 MiB: hundreds of segments take a few KiB


def parse_segments(
    text: str, filename: str = "<segments>", sha256: str | None = None
) -> SegmentSet:
    """Validate segment-file text; raise ``SegmentFileError`` listing every problem."""
    from leadseg.segments.file.build import build_segment_set
    from leadseg.segments.file.yaml_loader import load_yaml

    return build_segment_set(load_yaml(text, filename), sha256=sha256)


def load_segments(path: str | Path, *, remember: bool = False) -> SegmentSet:
    """Read and validate a segment file. With ``remember``, a valid file's result is kept
    in the user's cache directory (see ``compiled_cache``) and an unchanged file is not
    validated again; the library writes nothing unless asked (the CLI asks)."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # never read a huge or endless file whole
    except FileNotFoundError:
        raise SegmentFileMissingError(
            [
                Problem(
                    "file-missing",
                    "segment file not found",
                    Location(file=name),
                    "pass one with -s FILE, or create ./segments.yaml",
                )
            ]
        ) from None
    except OSError as exc:
        raise SegmentFileError(
            [
                Problem(
                    "file-unreadable",
                    f"cannot read segment file: {exc.strerror}",
                    Location(file=name),
                )
            ]
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise SegmentFileError(
            [
                Problem(
                    "file-too-large",
                    f"the segment file is larger than {MAX_FILE_BYTES // 1024} KiB",
                    Location(file=name),
                    "is this really a segment file? (-s names the YAML file)",
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SegmentFileError(
            [
                Problem(
                    "file-encoding",
                    "segment file is not valid UTF-8",
                    Location(file=name, line=line),
                    "save it as UTF-8",
                )
            ]
        ) from None
    from leadseg.segments.file import compiled_cache

    sha256 = hashlib.sha256(raw).hexdigest()
    if remember and (remembered := compiled_cache.recall(sha256, name)) is not None:
        return remembered
    segments = parse_segments(text, name, sha256=sha256)
    if remember:
        compiled_cache.remember(segments)
    return segments
