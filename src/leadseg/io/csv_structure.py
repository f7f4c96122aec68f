"""Prove a CSV file is rectangular before trusting a fast reader with it.

Polars pads short rows with empty values and reads blank lines as rows of nulls; neither may
pass silently. A vectorised pass over the *physical lines* proves the common case cheaply
(every line has exactly ``columns - 1`` delimiters outside quotes). Only when a line is
suspect -- a quoted value spans lines, a row is ragged, a line is blank -- does the exact
record-by-record check in Python run, and it names the rows.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from leadseg.errors import ExportDataError, Location

MAX_REPORTED_ROWS = 5


@dataclass(frozen=True)
class Structure:
    """What the structural check found that the reader must know."""

    has_blank_lines: bool = False
    checked: bool = False


def check_structure(path: Path, display: str, columns: int, delimiter: str) -> Structure:
    """Raise ``ExportDataError`` naming the rows when ``path`` is not a rectangular CSV."""
    suspect, blank = _fast_scan(path, columns, delimiter)
    if not suspect:
        return Structure(has_blank_lines=blank, checked=True)
    return exact_check(path, display, columns, delimiter)


def _fast_scan(path: Path, columns: int, delimiter: str) -> tuple[bool, bool]:
    import polars as pl

    from leadseg.io.byte_counts import physical_lines

    line = pl.col("line").fill_null("")
    lines = physical_lines(path)
    quoted = r'"[^"]*"'
    delims = (
        pl.when(line.str.contains('"', literal=True))
        .then(line.str.replace_all(quoted, "").str.count_matches(re.escape(delimiter)))
        .otherwise(line.str.count_matches(delimiter, literal=True))
    )
    odd_quotes = line.str.count_matches('"', literal=True) % 2 == 1
    blank = line.str.strip_chars("\r") == ""
    if columns == 1:
        bad = odd_quotes | (delims != 0)
    else:
        bad = odd_quotes | ((delims != columns - 1) & ~blank)
    try:
        result = lines.select(bad.any().alias("bad"), blank.any().alias("blank")).collect()
    except pl.exceptions.PolarsError:  # e.g. invalid UTF-8: the exact check will name the row
        return True, False
    return bool(result["bad"][0]), bool(result["blank"][0]) and columns > 1


def decoded_lines(path: Path, display: str, counter: list[int]) -> Iterator[str]:
    """Lines of ``path`` as text; invalid UTF-8 is an error naming its line."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            counter[0] = number
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise _invalid_utf8(display, number, counter[1] + 1, exc) from None
            yield text


def _invalid_utf8(display: str, line: int, row: int, exc: UnicodeDecodeError) -> ExportDataError:
    byte = exc.object[exc.start : exc.start + 1].hex()
    return ExportDataError(
        f"invalid UTF-8 (byte 0x{byte}) in row {row}, line {line}",
        location=Location(file=display, line=line, row=row),
        hint="if the export comes from Excel on Windows, try --encoding cp1252",
    )


def exact_check(path: Path, display: str, columns: int, delimiter: str) -> Structure:
    """Check every record with Python's csv module; slow, so only on suspicion."""
    counter = [0, 0]  # physical line, spreadsheet row of the last record read (header = 1)
    reader = csv.reader(decoded_lines(path, display, counter), delimiter=delimiter, strict=True)
    short: list[tuple[int, int]] = []
    long: list[tuple[int, int]] = []
    blank_lines = False
    start_line = 1
    try:
        for record in reader:
            start_line = counter[0] + 1
            if not record and columns > 1:
                blank_lines = True
                continue
            counter[1] += 1
            if len(record) < columns:
                short.append((counter[1], len(record)))
            elif len(record) > columns:
                long.append((counter[1], len(record)))
    except csv.Error as exc:
        row = counter[1] + 1
        raise ExportDataError(
            f"malformed CSV in row {row} (line {start_line}): {_csv_reason(str(exc))}",
            location=Location(file=display, line=start_line, row=row),
            hint="a quote may be unclosed or stray; fix the export or re-export it",
        ) from None
    for problems, what in ((short, "fewer"), (long, "more")):
        if problems:
            rows = ", ".join(
                f"{r} ({n} field{'s' if n != 1 else ''})" for r, n in problems[:MAX_REPORTED_ROWS]
            )
            more = f" and {len(problems) - MAX_REPORTED_ROWS} more" if len(problems) > 5 else ""
            raise ExportDataError(
                f"{len(problems)} row(s) have {what} fields than the header's {columns}: "
                f"row {rows}{more}",
                location=Location(file=display, row=problems[0][0]),
                hint="the export is ragged; check the delimiter (--delimiter) and quoting",
            )
    return Structure(has_blank_lines=blank_lines, checked=True)


def _csv_reason(message: str) -> str:
    if "unexpected end of data" in message or "EOF" in message:
        return "a quoted value is never closed"
    return message
