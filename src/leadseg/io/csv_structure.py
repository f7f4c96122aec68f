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
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from leadseg.errors import ExportDataError, Location

MAX_REPORTED_ROWS = 5


@dataclass(frozen=True)
class Structure:
    """What the structural check found that the reader must know.

    ``blank_records``: the positions (0-based, among the records after the header, blank
    ones included) of records that hold no contact -- blank lines and rows whose every field
    is empty (``,,,`` below a spreadsheet's data) -- which are skipped. Row numbers count
    them, as a spreadsheet does.
    """

    checked: bool = False
    blank_records: tuple[int, ...] = ()

    @property
    def has_blank_lines(self) -> bool:
        return bool(self.blank_records)

    def spreadsheet_row(self, position: int) -> int:
        """The spreadsheet row (header = 1) of the contact at ``position`` among the rows
        that remain once blank lines are skipped."""
        record = position
        for blank in self.blank_records:
            if blank > record:
                break
            record += 1
        return record + 2


def check_structure(path: Path, display: str, columns: int, delimiter: str) -> Structure:
    """Raise ``ExportDataError`` naming the rows when ``path`` is not a rectangular CSV."""
    suspect, blanks = _fast_scan(path, columns, delimiter)
    if not suspect:
        return Structure(checked=True, blank_records=blanks)
    return exact_check(path, display, columns, delimiter)


def empty_row_pattern(columns: int, delimiter: str) -> str:
    """A physical line that holds no contact: blank, or every one of the ``columns`` fields
    empty (``,,,`` as a spreadsheet leaves below its data; ``""`` counts as empty)."""
    from leadseg.rules import escape_regex

    field = '(""|)'
    return (
        "^"
        + field
        + "("
        + escape_regex(delimiter)
        + field
        + "){"
        + str(columns - 1)
        + "}\r?$|^\r?$"
    )


def _fast_scan(path: Path, columns: int, delimiter: str) -> tuple[bool, tuple[int, ...]]:
    """(suspect, blank line positions). Not suspect means every line is a whole record
    (no line has an odd number of quotes), so a blank line's position among the lines is
    its position among the records."""
    import polars as pl

    from leadseg.io.byte_counts import physical_lines

    line = pl.col("line").fill_null("")
    lines = physical_lines(path)
    # A quote opens a quoted value only at the start of a field (as the reader and Python's
    # csv module read it): elsewhere it is a character, and a delimiter after it counts.
    quoted = "(^|" + re.escape(delimiter) + ')"(?:[^"]|"")*"'
    delims = (
        pl.when(line.str.contains('"', literal=True))
        .then(line.str.replace_all(quoted, "${1}").str.count_matches(re.escape(delimiter)))
        .otherwise(line.str.count_matches(delimiter, literal=True))
    )
    odd_quotes = line.str.count_matches('"', literal=True) % 2 == 1
    blank = line.str.contains(empty_row_pattern(columns, delimiter))
    if columns == 1:
        bad = odd_quotes | (delims != 0)
    else:
        bad = odd_quotes | ((delims != columns - 1) & ~blank)
    try:
        bad_any, blank_at = pl.collect_all(
            [
                lines.select(bad.any()),
                lines.with_row_index("at").filter(blank).select(pl.col("at").implode()),
            ]
        )
    except pl.exceptions.PolarsError:  # e.g. invalid UTF-8: the exact check will name the row
        return True, ()
    if bad_any.item() or columns == 1:
        return bool(bad_any.item()), ()
    # Line 0 is the header; record positions count from the first line after it.
    return False, tuple(int(at) - 1 for at in blank_at.item() if at > 0)


def decoded_lines(path: Path, display: str, counter: list[int]) -> Generator[str, None, None]:
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
    blanks: list[int] = []
    start_line = 1
    try:
        for record in reader:
            start_line = counter[0] + 1
            counter[1] += 1
            empty = not record or (len(record) == columns and not any(record))
            if empty and columns > 1:
                if counter[1] > 1:  # the header's own blank line is reported elsewhere
                    blanks.append(counter[1] - 2)
                continue
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
    last_row = counter[1]
    for problems, what in ((short, "fewer"), (long, "more")):
        if problems:
            hint = "the export is ragged; check the delimiter (--delimiter) and quoting"
            # Only the last rows (blank lines between them), all short: a report's footer
            # (Salesforce's "Grand Totals", a "Confidential" line) rather than ragged data.
            footer = {r for r, _ in problems} | {b + 2 for b in blanks}
            tail = all(r in footer for r in range(problems[0][0], last_row + 1))
            if what == "fewer" and tail and len(problems) <= 10:
                hint = (
                    "the last rows look like a report footer (totals, a notice): delete them, "
                    "or export the data without the report's footer"
                )
            rows = ", ".join(
                f"{r} ({n} field{'s' if n != 1 else ''})" for r, n in problems[:MAX_REPORTED_ROWS]
            )
            more = f" and {len(problems) - MAX_REPORTED_ROWS} more" if len(problems) > 5 else ""
            raise ExportDataError(
                f"{len(problems)} row(s) have {what} fields than the header's {columns}: "
                f"row {rows}{more}",
                location=Location(file=display, row=problems[0][0]),
                hint=hint,
            )
    return Structure(checked=True, blank_records=tuple(blanks))


def _csv_reason(message: str) -> str:
    if "unexpected end of data" in message or "EOF" in message:
        return "a quoted value is never closed"
    return message
