"""Validated segment files, remembered by content.

Reading YAML and validating it with pydantic costs about a quarter of a second of imports
and model building -- more than counting a 10,000-row export. A valid file's segment set is
therefore stored as JSON under its sha256 (and leadseg's version and code: ``code_stamp``);
the next run with the same bytes loads it in a millisecond (and so does the SQL an engine
made of it: ``recall_derived``). Only valid files are stored, so every error is
always reported afresh. The directory is ``$LEADSEG_SEGMENT_CACHE_DIR``, else ``segments`` in the
OS's cache folder for leadseg (``$XDG_CACHE_HOME/leadseg``, ``~/.cache/leadseg`` on Linux;
``~/Library/Caches/leadseg`` on macOS; ``%LOCALAPPDATA%\\leadseg\\Cache`` on Windows); set
``LEADSEG_NO_SEGMENT_CACHE=1`` to turn it off. A cache that cannot be read or written (a
read-only or missing home) is simply not used. Only the CLI uses it: the library's
``load_segments`` writes nothing unless asked (``remember=True``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path

from leadseg.segments.criteria import SegmentSet


def cache_dir() -> Path | None:
    if os.environ.get("LEADSEG_NO_SEGMENT_CACHE"):
        return None
    if base := os.environ.get("LEADSEG_SEGMENT_CACHE_DIR"):
        return Path(base)
    from leadseg import system

    home = system.cache_home()
    return None if home is None else home / "segments"


@functools.cache
def code_stamp() -> str:
    """leadseg's version and a digest of its installed code (each module's name, size and
    modification time): what is remembered is made again when the code that made it changes,
    within one version too (a development checkout, an upgrade in place)."""
    from leadseg import __version__

    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for folder, _, files in sorted(os.walk(package)):
        for name in sorted(files):
            if name.endswith(".py"):
                info = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}:{info.st_size}:{info.st_mtime_ns};".encode())
    return f"{__version__}-{digest.hexdigest()[:12]}"


def _entry(sha256: str) -> Path | None:
    try:
        directory = cache_dir()
        stamp = code_stamp()
    except Exception:  # the OS's cache folder cannot be told: no cache, never a failed run
        return None
    return None if directory is None else directory / f"{sha256}-{stamp}.json"


def _trusted(entry: Path | None) -> Path | None:
    """The entry, when its directory is private to the user (else the cache is not used)."""
    from leadseg.private_dir import UntrustedDirectory, private_dir

    if entry is None:
        return None
    try:
        private_dir(entry.parent)
    except (UntrustedDirectory, OSError, ValueError):
        return None
    return entry


def recall(sha256: str, source: str) -> SegmentSet | None:
    """The remembered segment set, checked again: file names are made afresh by the slug
    rule, and any entry that does not hold together is ignored (the file is parsed)."""
    import dataclasses

    from leadseg.segments.criteria import Segment, dependencies
    from leadseg.segments.file.serialize import segment_set_from_json
    from leadseg.segments.slug import slugify

    entry = _trusted(_entry(sha256))
    if entry is None:
        return None
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
        remembered = segment_set_from_json(data, source, sha256)
        segments: list[Segment] = [
            dataclasses.replace(s, slug=slugify(s.name)) for s in remembered.segments
        ]
        slugs = [s.slug for s in segments]
        names = {s.name.casefold() for s in segments}
        if not all(slugs) or len(set(slugs)) != len(slugs) or len(names) != len(segments):
            return None
        known = {s.name for s in segments}
        if any(not dependencies(s) <= known for s in segments):
            return None
        return dataclasses.replace(remembered, segments=tuple(segments))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def remember(segments: SegmentSet) -> None:
    from leadseg.private_dir import write_exclusive
    from leadseg.segments.file.serialize import segment_set_to_json

    entry = _trusted(_entry(segments.sha256 or ""))
    if entry is None or not segments.sha256:
        return
    with contextlib.suppress(OSError):
        body = json.dumps(segment_set_to_json(segments)).encode()
        write_exclusive(entry.parent, entry, body)


def recall_derived(key: str) -> str | None:
    """Text derived from a remembered segment set (the SQL an engine runs), by ``key``: a
    digest of everything the text depends on."""
    entry = _trusted(_entry(f"derived-{key}"))
    if entry is None:
        return None
    try:
        return entry.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None


def remember_derived(key: str, text: str) -> None:
    from leadseg.private_dir import write_exclusive

    entry = _trusted(_entry(f"derived-{key}"))
    if entry is None:
        return
    with contextlib.suppress(OSError):
        write_exclusive(entry.parent, entry, text.encode())
