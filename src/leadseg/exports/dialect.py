"""A CSV's delimiter (named, or sniffed from its first lines) and its header.

Sniffing is deterministic: among ``,`` ``;`` tab ``|``, the delimiter that splits the header
into the most columns *and* gives every sampled row the header's width wins; ties go to the
earlier one in that order. A ``.tsv`` or ``.tab`` name means tab. A file whose header splits
on none of them is one column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from leadseg.errors import ExportDataError, Location, UsageError
from leadseg.exports.csv_structure import LineReader, csv_reader, malformed

CANDIDATES = (",", ";", "\t", "|")
NAMES = {
    ",": ",", "comma": ",", ";": ";", "semicolon": ";", "\\t": "\t", "\t": "\t", "tab": "\t",
    "|": "|", "pipe": "|",
}  # fmt: skip
SAMPLE_BYTES = 64 << 10
SAMPLE_LINES = 50


def shown(delimiter: str) -> str:
    """The delimiter as ``--delimiter`` accepts it and as messages print it."""
    return {"\t": "tab", ",": ",", ";": ";", "|": "|"}.get(delimiter, delimiter)


def parse_delimiter(text: str) -> str:
    """``--delimiter``: ``,`` ``;`` ``|``, a tab (``\\t`` or ``tab``), ``comma``,
    ``semicolon``, ``pipe``; any other single character as itself."""
    key = text if text in NAMES else text.lower()
    if key in NAMES:
        return NAMES[key]
    if len(text) == 1 and text not in ('"', "\n", "\r", "\x00") and text.isascii():
        return text
    if len(text) == 1 and not text.isascii():
        raise UsageError(
            f"--delimiter {text!r} is not one byte: leadseg reads delimiters that are a single "
            "ASCII character",
            hint="convert the delimiter first, e.g. sed 's/X/;/g' (X your delimiter), or use "
            "one of: , ; tab (or \\t) | comma semicolon pipe",
        )
    raise UsageError(
        f"--delimiter {text!r} is not a delimiter",
        hint="use one of: , ; tab (or \\t) | comma semicolon pipe, or another single ASCII "
        "character (not a quote, a line break or NUL)",
    )


def parse_escape(text: str | None, delimiter: str) -> str | None:
    """``--escape``: the one character that escapes the next (``\\`` in MySQL and PHP
    exports); never the quote, the delimiter or a line break."""
    if text is None:
        return None
    if len(text) != 1 or text in ('"', delimiter, "\n", "\r", "\x00"):
        raise UsageError(
            f"--escape {text!r} is not an escape character",
            hint="give the single character that escapes quotes, e.g. --escape '\\'",
        )
    return text


def sniff_delimiter(path: Path) -> str:
    """The delimiter of the CSV at ``path`` (a plain UTF-8 file), from its first lines."""
    with open(path, "rb") as handle:
        raw = handle.read(SAMPLE_BYTES)
    complete = raw if len(raw) < SAMPLE_BYTES else raw[: raw.rfind(b"\n") + 1] or raw
    text = complete.decode("utf-8-sig", errors="replace")
    lines = text.splitlines(keepends=True)[:SAMPLE_LINES]
    best, best_score = ",", (False, 1)
    for candidate in CANDIDATES:
        try:
            records = [r for r in csv.reader(io.StringIO("".join(lines)), delimiter=candidate)]
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        # A record cut by the sample's end (an unclosed quote) does not count against it.
        body = [r for r in records[1:-1] if r] if len(records) > 2 else records[1:]
        score = (all(len(r) == width for r in body if r), width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _one_column_hint(name: str, display: str, delimiter: str) -> None:
    """A header read as one column that holds another delimiter: the wrong --delimiter."""
    from leadseg.system import quote

    for other in CANDIDATES:
        if other != delimiter and other in name:
            raise ExportDataError(
                f"the header reads as one column with --delimiter '{shown(delimiter)}' but "
                f"contains '{shown(other)}': the export seems to use '{shown(other)}'",
                location=Location(file=display, line=1, row=1),
                hint=f"pass --delimiter {quote(shown(other))}, or leave --delimiter out to "
                "sniff it",
            )


def _excel_separator_line(line: str, display: str) -> None:
    """A first line ``sep=;`` is Excel's delimiter hint, not a header."""
    if len(line) == 5 and line[:4].casefold() == "sep=":
        raise ExportDataError(
            f"line 1 is Excel's delimiter hint {line!r}, not the header",
            location=Location(file=display, line=1, row=1),
            hint="delete the first line (leadseg finds the delimiter itself; "
            "--delimiter names it), e.g. tail -n +2 EXPORT > FIXED.csv",
        )


def read_header(
    path: Path, display: str, delimiter: str, *, given: bool, escape: str | None = None
) -> list[str]:
    """The header record; empty files, blank and duplicate names are errors. ``given``: the
    delimiter came from ``--delimiter`` (a one-column header then suggests another)."""
    if path.stat().st_size == 0:
        raise ExportDataError(
            "the export is empty (0 bytes): no header, no rows",
            location=Location(file=display),
            hint="check that the export finished writing",
        )
    lines = LineReader(path, display)
    try:
        header: list[str] = next(csv_reader(lines, delimiter, escape), [])
    except csv.Error as exc:
        raise malformed(display, 1, 1, str(exc), lines.text, escape) from None
    _excel_separator_line(delimiter.join(header), display)
    if len(header) == 1 and given:
        _one_column_hint(header[0], display, delimiter)
    if not header:
        raise ExportDataError(
            "the first line is blank: leadseg reads the column names from the first line",
            location=Location(file=display, line=1, row=1),
            hint="delete the blank line(s) above the header, e.g. sed '/./,$!d' EXPORT > FIXED.csv",
        )
    check_header_names(header, display)
    return header


def check_header_names(header: list[str], display: str) -> None:
    """Blank and duplicate column names are errors (exit 65): every reader's rule."""
    blanks = [i + 1 for i, name in enumerate(header) if not name.strip()]
    if blanks:
        trailing = blanks == [len(header)] and len(header) > 1
        raise ExportDataError(
            f"header has blank column name(s) at position {', '.join(map(str, blanks))}",
            location=Location(file=display, line=1, row=1),
            hint="the header ends with a delimiter, as exports that end every line with one "
            "write it: remove the last delimiter of every line, or name the column"
            if trailing
            else "name every column in the export",
        )
    seen: dict[str, int] = {}
    dupes = []
    for i, name in enumerate(header, start=1):
        if name in seen:
            dupes.append(f"{name!r} (columns {seen[name]} and {i})")
        else:
            seen[name] = i
    if dupes:
        raise ExportDataError(
            f"duplicate column name(s) in the header: {', '.join(dupes)}",
            location=Location(file=display, line=1, row=1),
            hint="rename the duplicates in the export",
        )
