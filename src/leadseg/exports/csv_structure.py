"""The one reading of a CSV export (RFC 4180 as the README states it), proven before any
reader is trusted with the file.

The rule: a quote opens a quoted value only at the start of a field; inside one, a quote is
doubled or ends it, and only the delimiter or the end of the record may follow the closing
quote. A quote anywhere else is an ordinary character. Every record has the header's number
of fields; blank lines and rows whose fields are all empty (of any width) hold no contact
and are skipped. A NUL byte is an error; a carriage return is data inside a quoted value and
an error elsewhere, unless it ends a line (CR LF).

``prove`` checks that in one vectorised pass over the physical lines (Polars, streaming):
each line either matches the record pattern, is blank, or lies in a record that spans lines
(the lines with an odd number of quotes pair up: a running parity). Only when that fails
does ``exact_check`` read the file record by record with Python's ``csv`` module: it names
the bad rows, or finds the file valid under the rule but in a form Polars reads differently
(a quote inside an unquoted value, ``--escape``) -- then the reader works on a canonical copy.
"""

from __future__ import annotations

import bisect
import csv
import re
import sys
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from leadseg.errors import ExportDataError, Location

if TYPE_CHECKING:
    import polars as pl

MAX_REPORTED_ROWS = 5
MAX_PIECES = 200_000  # more odd-quote or invalid lines than this: the exact check decides
_BLOCK = 1 << 20  # bytes skipped at a time on the way to a record that spans lines
COUNTED_FIELDS = 256  # up to this many columns the record pattern counts the fields itself


@dataclass(frozen=True)
class Structure:
    """What the structure proof found that the reader must know.

    ``blank_records``: the positions (0-based, among the records after the header, blank
    ones included) of records that hold no contact -- blank lines and rows whose every field
    is empty (``,,,``) -- which are skipped. Row numbers count them, as a spreadsheet does.
    ``spans``: the first and last physical line (0 = the file's first line) of every record
    that spans lines. ``canonical``: False when only the exact reader reads the file as the
    rule says (the reader then works on a canonical copy). A workbook's rows are numbered
    from ``first_row``, the sheet's row below its header.
    """

    checked: bool = False
    blank_records: tuple[int, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()
    canonical: bool = True
    first_row: int = 2  # the spreadsheet row of the first record (a sheet's header: lower)

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
        return record + self.first_row

    def first_lines(self, records: Sequence[int]) -> list[int]:
        """The physical line (0-based) on which each record (the header is 0; ascending)
        starts: one walk over both, shifting past the records that span lines before it."""
        lines, shift, k = [], 0, 0
        for record in records:
            while k < len(self.spans) and self.spans[k][0] < record + shift:
                shift += self.spans[k][1] - self.spans[k][0]
                k += 1
            lines.append(record + shift)
        return lines

    def continuation_lines(self) -> list[int]:
        """Physical lines that continue a record begun on an earlier line."""
        return [line for first, last in self.spans for line in range(first + 1, last + 1)]


def _byte(delimiter: str) -> str:
    """The delimiter as a regex escape that Polars' (Rust) and Python's engines both read."""
    return f"\\x{ord(delimiter):02x}"


QUOTED = '"(?:[^"\\x00]|"")*"'


def record_pattern(columns: int | None, delimiter: str) -> str:
    """A record of ``columns`` fields (None: any number) in the form every reader reads
    alike (unanchored): quoted values with doubled quotes, unquoted values without quotes,
    CR, LF or NUL."""
    d = _byte(delimiter)
    field = f'(?:{QUOTED}|[^"{d}\\r\\n\\x00]*)'
    if columns is None:
        return f"{field}(?:{d}{field})*"
    return field + (f"(?:{d}{field}){{{columns - 1}}}" if columns > 1 else "")


def _valid_line(line: pl.Expr, columns: int, delimiter: str) -> pl.Expr:
    """True for a physical line that is a whole record of ``columns`` fields. A wide file
    counts its delimiters outside quoted values apart (a counted pattern of thousands of
    fields is too large for the regex engine)."""
    if columns <= COUNTED_FIELDS:
        return line.str.contains("^" + record_pattern(columns, delimiter) + "$")
    outside = line.str.replace_all(QUOTED, '""')
    return line.str.contains("^" + record_pattern(None, delimiter) + "$") & (
        outside.str.count_matches(delimiter, literal=True) == columns - 1
    )


def blank_pattern(delimiter: str) -> str:
    """A record that holds no contact: no field, or only empty ones (``""`` is empty), of
    any width (unanchored)."""
    d = _byte(delimiter)
    return f'(?:""|)(?:{d}(?:""|))*'


def prove(path: Path, columns: int, delimiter: str) -> Structure | None:
    """The structure of the CSV at ``path`` when one vectorised pass proves it follows the
    rule in the form every reader reads alike; None when only the exact check can tell."""
    import polars as pl

    from leadseg.exports.physical_lines import physical_lines

    line = pl.col("line").fill_null("")
    n = pl.col("n")
    odd = line.str.count_matches('"', literal=True) % 2 == 1
    valid = _valid_line(line, columns, delimiter)
    blank = line.str.contains("^" + blank_pattern(delimiter) + "$")
    # Per line three flags, streamed; only the numbers and flags of the lines with one come
    # back (few, unless the file breaks the rule: past MAX_PIECES the exact check decides).
    query = (
        physical_lines(path)
        .with_row_index("n")
        .select(n, odd.alias("odd"), (~valid & ~blank).alias("invalid"), blank.alias("blank"))
        .filter(pl.col("odd") | pl.col("invalid") | pl.col("blank"))
    )
    try:
        flagged = query.collect(engine="streaming")
    except pl.exceptions.PolarsError:  # e.g. invalid UTF-8: the exact check names the row
        return None
    flagged = flagged.sort("n")  # the pairing of odd lines needs them in file order
    odd_lines = flagged.filter("odd")["n"].to_list()
    invalid = flagged.filter("invalid")["n"].to_list()
    blanks = flagged.filter("blank")["n"].to_list()
    if invalid[:1] == [0] and 0 not in odd_lines:  # a header after a byte-order mark
        header = span_texts(path, [(0, 0)])[0]  # read without the mark
        if re.fullmatch(record_pattern(columns, delimiter), header) is not None:
            invalid = invalid[1:]
    if len(odd_lines) > MAX_PIECES or len(invalid) > MAX_PIECES or len(odd_lines) % 2:
        return None
    spans = tuple(zip(odd_lines[0::2], odd_lines[1::2], strict=True))
    starts = [first for first, _ in spans]

    def in_span(at: int) -> bool:
        k = bisect.bisect_right(starts, at) - 1
        return k >= 0 and spans[k][0] <= at <= spans[k][1]

    if any(not in_span(at) for at in invalid):
        return None
    if spans:
        whole = re.compile(record_pattern(None, delimiter))
        for text in span_texts(path, spans):
            if whole.fullmatch(text) is None:
                return None
            if re.sub(QUOTED, "", text).count(delimiter) != columns - 1:
                return None
    structure = Structure(checked=True, spans=spans)
    records = []
    continued = structure.continuation_lines()
    for at in blanks:
        if at == 0 or in_span(at) and at not in starts:
            continue  # the header is never blank; a blank line inside a value is data
        records.append(at - bisect.bisect_left(continued, at) - 1)
    return Structure(checked=True, blank_records=tuple(records), spans=spans)


def span_texts(path: Path, spans: Sequence[tuple[int, int]]) -> list[str]:
    """The exact text of each record that spans lines (its inner line breaks as they are in
    the file, CR LF included; without the record's own line end)."""
    import mmap

    texts = []
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        line, offset = 0, 0

        def next_line(at: int) -> int:
            found = data.find(b"\n", at)
            return len(data) if found < 0 else found + 1

        for first, last in spans:
            # Whole blocks of lines are skipped by counting their line feeds.
            while first - line > 1 and offset < len(data):
                block = data[offset : offset + _BLOCK]
                lines_in = block.count(b"\n")
                if line + lines_in >= first:
                    break
                offset, line = offset + len(block), line + lines_in
            while line < first:
                offset, line = next_line(offset), line + 1
            start = offset
            while line <= last:
                offset, line = next_line(offset), line + 1
            raw = data[start:offset]
            raw = raw[:-1] if raw.endswith(b"\n") else raw
            raw = raw[:-1] if raw.endswith(b"\r") else raw
            texts.append(raw.decode("utf-8-sig" if start == 0 else "utf-8"))
    return texts


class LineReader:
    """Lines of a UTF-8 file as text for Python's csv module, counting them: ``line`` is the
    last line read, ``row`` the spreadsheet row of the last record (header = 1); invalid
    UTF-8 is an error naming its line."""

    def __init__(self, path: Path, display: str) -> None:
        self.path, self.display = path, display
        self.line, self.row, self.text = 0, 0, ""
        self.quoted = False  # inside a quoted value at the start of the next line

    def __iter__(self) -> Generator[str, None, None]:
        with open(self.path, "rb") as handle:
            for raw in handle:
                self.line += 1
                try:
                    self.text = raw.decode("utf-8-sig" if self.line == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    raise invalid_utf8(
                        self.display, self.line, self.row + 1, exc, self.path
                    ) from None
                self._no_bare_carriage_return()
                yield self.text

    def _no_bare_carriage_return(self) -> None:
        """A CR outside quoted values that does not end the line (CR LF) is an error: Python's
        csv module would take it for a line end where the fast reader does not."""
        body = self.text.removesuffix("\n").removesuffix("\r")
        if "\r" in body:
            quoted = self.quoted
            for c in body:
                if c == '"':
                    quoted = not quoted
                elif c == "\r" and not quoted:
                    raise malformed(
                        self.display, self.row + 1, self.line, "new-line character", "", None
                    )
        self.quoted = (self.quoted + self.text.count('"')) % 2 == 1


def invalid_utf8(
    display: str, line: int, row: int, exc: UnicodeDecodeError, path: Path | None = None
) -> ExportDataError:
    from leadseg.exports.encodings import encoding_hint

    byte = exc.object[exc.start : exc.start + 1].hex()
    return ExportDataError(
        f"invalid UTF-8 (byte 0x{byte}) in row {row}, line {line}",
        location=Location(file=display, line=line, row=row),
        hint=encoding_hint(path),
    )


def csv_reader(lines: LineReader, delimiter: str, escape: str | None) -> Iterator[list[str]]:
    """Python's csv module reading the rule (strict; with ``escape``, that character
    escapes the next one too, as MySQL and some PHP exports write quotes)."""
    csv.field_size_limit(max(csv.field_size_limit(), min(sys.maxsize, 2**31 - 1)))
    return csv.reader(iter(lines), delimiter=delimiter, strict=True, escapechar=escape)


def malformed(
    display: str, row: int, line: int, reason: str, text: str, escape: str | None
) -> ExportDataError:
    """A record the rule cannot read, in plain words with what to do."""
    where = "the header (row 1" if row == 1 else f"row {row} (line {line}"
    where += f", line {line})" if row == 1 else ")"
    if "expected after" in reason:
        message = (
            f"a quote in {where} closes the quoted value but text follows it: inside a "
            'quoted value a quote must be doubled ("")'
        )
        hint = "double the quote, or re-export with standard CSV quoting"
        if '\\"' in text and escape is None:
            hint = (
                'the export escapes quotes with a backslash (\\"), as MySQL and some PHP '
                "exports write them: read it with --escape '\\'"
            )
    elif "unexpected end of data" in reason or "EOF" in reason:
        message = f"a quoted value that starts in {where} is never closed"
        hint = "a closing quote is missing: fix the value, or export the file again"
    elif "new-line character" in reason:
        message = (
            f"a carriage return (CR) without a line feed in an unquoted value in {where}: "
            "only LF and CR LF end a line"
        )
        hint = (
            "quote the value that holds it, or make the line ends uniform (a file whose "
            "every line ends in a bare CR is read as it is)"
        )
    else:
        message = f"malformed CSV in {where}: {reason}"
        hint = "fix the export or re-export it"
    return ExportDataError(message, location=Location(file=display, line=line, row=row), hint=hint)


def nul_byte(display: str, row: int, line: int) -> ExportDataError:
    return ExportDataError(
        f"a NUL byte in row {row} (line {line}): a text CSV holds none",
        location=Location(file=display, line=line, row=row),
        hint="remove the NUL bytes (e.g. tr -d '\\000' < EXPORT > FIXED.csv), or check that "
        "the file really is a text CSV (a UTF-16 export needs --encoding utf-16)",
    )


def check_structure(
    path: Path, display: str, columns: int, delimiter: str, escape: str | None = None
) -> Structure:
    """The structure of the CSV at ``path``, proven fast where it can be; an
    ``ExportDataError`` naming the rows when it breaks the rule."""
    if escape is None and (proven := prove(path, columns, delimiter)) is not None:
        return proven
    return exact_check(path, display, columns, delimiter, escape)


def exact_check(
    path: Path, display: str, columns: int, delimiter: str, escape: str | None = None
) -> Structure:
    """Read every record with Python's csv module (slow, so only once the fast proof
    failed): raise naming the rows, or the structure of a valid file (not ``canonical``:
    the fast readers need a canonical copy of it)."""
    lines = LineReader(path, display)
    records = csv_reader(lines, delimiter, escape)
    short: list[tuple[int, int]] = []
    long: list[tuple[int, int]] = []
    blanks: list[int] = []
    spans: list[tuple[int, int]] = []
    while True:
        first = lines.line + 1
        try:
            record = next(records)
        except StopIteration:
            break
        except csv.Error as exc:
            raise malformed(display, lines.row + 1, first, str(exc), lines.text, escape) from None
        lines.row += 1
        if lines.line > first:
            spans.append((first - 1, lines.line - 1))
        if any("\x00" in value for value in record):
            raise nul_byte(display, lines.row, first)
        if lines.row == 1:
            continue
        if not any(record):
            blanks.append(lines.row - 2)
        elif len(record) < columns:
            short.append((lines.row, len(record)))
        elif len(record) > columns:
            long.append((lines.row, len(record)))
    if short or long:
        raise ragged(display, columns, short, long, blanks, lines.row)
    return Structure(True, tuple(blanks), tuple(spans), canonical=False)


def ragged(
    display: str,
    columns: int,
    short: list[tuple[int, int]],
    long: list[tuple[int, int]],
    blanks: list[int],
    last_row: int,
) -> ExportDataError:
    """Rows with fewer and rows with more fields than the header, the first five of each."""

    def listed(problems: list[tuple[int, int]], what: str) -> str:
        rows = ", ".join(
            f"{r} ({n} field{'s' if n != 1 else ''})" for r, n in problems[:MAX_REPORTED_ROWS]
        )
        more = f" and {len(problems) - MAX_REPORTED_ROWS} more" if len(problems) > 5 else ""
        return (
            f"{len(problems)} row(s) have {what} fields than the header's {columns}: "
            f"row {rows}{more}"
        )

    parts = [listed(p, w) for p, w in ((short, "fewer"), (long, "more")) if p]
    hint = "the export is ragged; check the delimiter (--delimiter) and quoting"
    if short and not long:
        # Only the last rows (blank lines between them), all short: a report's footer
        # (Salesforce's "Grand Totals", a "Confidential" line) rather than ragged data.
        footer = {r for r, _ in short} | {b + 2 for b in blanks}
        if all(r in footer for r in range(short[0][0], last_row + 1)) and len(short) <= 10:
            hint = (
                "the last rows look like a report footer (totals, a notice): delete them, "
                "or export the data without the report's footer"
            )
    first = min(p[0][0] for p in (short, long) if p)
    return ExportDataError("; ".join(parts), location=Location(file=display, row=first), hint=hint)


def canonical_copy(
    source: Path, target: Path, delimiter: str, escape: str | None, display: str
) -> None:
    """Write the records of ``source`` as they are read by the rule into ``target`` in the
    form every reader reads alike (quotes doubled, values with a quote, delimiter, CR or LF
    quoted, CR LF line ends); the records, blank ones included, keep their positions."""
    lines = LineReader(source, display)
    with open(target, "w", encoding="utf-8", newline="") as out:
        # CR LF line ends: Python's writer then quotes every value holding a CR or an LF.
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        for record in csv_reader(lines, delimiter, escape):
            writer.writerow(record)
