"""The segment file's top level: its keys, ``placeholders:``, ``dates:`` and ``numbers:``.
Unknown keys are reported and set aside, so the segments are still checked in the same run."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from leadseg.errors import Problem
from leadseg.segments.file.models import SegmentFileHeader
from leadseg.segments.file.shape import shape_problems
from leadseg.segments.file.yaml_loader import Path, YamlDocument


def placeholders(header: SegmentFileHeader | None) -> dict[str, Any]:
    spec = header.placeholders if header else None
    if spec is None:
        return {}
    columns = tuple((name, tuple(values)) for name, values in (spec.columns or {}).items())
    values = tuple(spec.values) if spec.values is not None else None
    return {"placeholders": values, "column_placeholders": columns}


def dates(header: SegmentFileHeader | None, doc: YamlDocument, problems: list[Problem]):
    """The ``dates:`` block, every format checked (a bad one is a located problem)."""
    spec = header.dates if header else None
    if spec is None:
        return {}
    from leadseg.rules import DateFormat

    def checked(formats: list[str], path: Path) -> tuple[str, ...]:
        for i, text in enumerate(formats):
            try:
                DateFormat.parse(text)
            except ValueError as exc:
                problems.append(
                    Problem(
                        "invalid-date-format",
                        f"date format {text!r}: {exc}",
                        doc.location(path + (i,)),
                        'e.g. "%m/%d/%Y" (US), "%d.%m.%Y" (German), "%d/%m/%Y %H:%M"',
                    )
                )
        return tuple(formats)

    columns = tuple(
        (name, checked(formats, ("dates", "columns", name)))
        for name, formats in (spec.columns or {}).items()
    )
    return {
        "date_formats": checked(spec.formats or [], ("dates", "formats")),
        "column_date_formats": columns,
    }


def expand_number_forms(forms: Sequence[str]) -> tuple[str, ...]:
    """The forms named, ``money`` expanded, in ``rules.NUMBER_FORMS`` order."""
    from leadseg.rules import NUMBER_FORM_SETS, NUMBER_FORMS

    named = {f for form in forms for f in NUMBER_FORM_SETS.get(form, (form,))}
    return tuple(form for form in NUMBER_FORMS if form in named)


def numbers(header: SegmentFileHeader | None) -> dict[str, Any]:
    spec = header.numbers if header else None
    if spec is None:
        return {}
    columns = tuple(
        (name, expand_number_forms(forms)) for name, forms in (spec.columns or {}).items()
    )
    return {"number_forms": expand_number_forms(spec.forms or []), "column_number_forms": columns}


def key_origins(header: SegmentFileHeader | None, doc: YamlDocument):
    """Where each ``placeholders.columns`` and ``dates.columns`` key stands."""
    found = []
    for block in ("placeholders", "dates", "numbers"):
        spec = getattr(header, block) if header else None
        for name in (spec.columns or {}) if spec else {}:
            path: Path = (block, "columns", name)
            found.append((f"{block}.columns.{name}", doc.location(path, key=True)))
    return tuple(found)


_TOP_KEYS = (
    "version", "score_field", "placeholders", "dates", "numbers", "scores", "grades", "segments",
)  # fmt: skip


def header(doc: YamlDocument, data: dict[str, Any], problems: list[Problem]):
    """The file's top level: unknown keys are reported and set aside, so that the segments
    are still checked in the same run."""
    for key in data:
        if key not in _TOP_KEYS:
            close = difflib.get_close_matches(str(key), _TOP_KEYS, n=1, cutoff=0.6)
            problems.append(
                Problem(
                    "unknown-key",
                    f"unknown key {key!r}",
                    doc.location((key,), key=True),
                    f"did you mean {close[0]!r}?" if close else "keys: " + ", ".join(_TOP_KEYS),
                )
            )
    known = {k: v for k, v in data.items() if k in _TOP_KEYS}
    try:
        return SegmentFileHeader.model_validate(known)
    except ValidationError as exc:
        problems += shape_problems(doc, exc)
        return None
