"""The proven structure of an export, remembered while the file is unchanged (CLI only).

Proving a CSV's structure is a pass over the whole file (``exports/csv_structure``); an analyst
runs ``describe``, ``count``, ``explain`` and ``apply`` on the same export one after the
other. The structure found (its blank records and the records that span lines) is small, so
the CLI keeps it beside the remembered segment files, keyed by what ``--cache`` keys a
copy by: the file's resolved path, size, inode, device, modification and change times, and
the reading options. Any write to a file changes its change time, so a changed file is
proven afresh. Where the OS gives no change time (Windows) nothing is remembered; nor for a
decompressed, transcoded or piped export, nor for one read from a canonical copy.
``LEADSEG_NO_STRUCTURE_CACHE=1`` turns it off (``LEADSEG_NO_SEGMENT_CACHE=1`` too).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, Any

from leadseg.exports.csv_structure import Structure

if TYPE_CHECKING:
    from leadseg.exports.readers import Export

OFF_ENV = "LEADSEG_NO_STRUCTURE_CACHE"
MAX_POSITIONS = 100_000  # a structure with more blank records or spans is not remembered


def _key(export: Export) -> str | None:
    """The entry's key, or None when this export's structure is not remembered."""
    from leadseg.exports.cache import identity

    if os.environ.get(OFF_ENV) or export.source_path is None or export.copied:
        return None
    if not export.source_state or export.source_state != _now(export):
        return None
    try:
        key: dict[str, Any] = identity(export)
    except OSError:
        return None
    if key["ctime_ns"] is None:
        return None
    key["columns"] = export.columns
    text = json.dumps(key, sort_keys=True, ensure_ascii=True)
    return "structure-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _now(export: Export) -> tuple[int, ...] | None:
    from leadseg.exports.sources import current_state

    assert export.source_path is not None
    return current_state(export.source_path)


def recall(export: Export) -> Structure | None:
    """The remembered structure of ``export``, if its file is unchanged since."""
    from leadseg.segments.file.compiled_cache import recall_derived

    key = _key(export)
    text = None if key is None else recall_derived(key)
    if text is None:
        return None
    try:
        data = json.loads(text)
        return Structure(
            checked=True,
            blank_records=tuple(int(b) for b in data["blank_records"]),
            spans=tuple((int(a), int(b)) for a, b in data["spans"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def remember(export: Export, structure: Structure) -> None:
    """Keep a proven, canonical structure of ``export`` for the next run."""
    from leadseg.segments.file.compiled_cache import remember_derived

    if not structure.canonical or len(structure.blank_records) + len(structure.spans) > (
        MAX_POSITIONS
    ):
        return
    key = _key(export)
    if key is None:
        return
    body = {"blank_records": list(structure.blank_records), "spans": list(structure.spans)}
    remember_derived(key, json.dumps(body))
