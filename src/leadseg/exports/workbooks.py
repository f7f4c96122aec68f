"""Excel and OpenDocument workbooks in (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``).

One sheet is read -- the first visible one, or ``--sheet NAME|NUMBER`` -- by calamine (through
``fastexcel``), every cell as text, as "Save as CSV" would give it: a number without a
spurious ``.0`` (``12``, ``12.5``), a date as its ISO date (``2024-05-01``; with its time
when it has one), an error cell as Excel shows it (``#N/A``, ``#DIV/0!``), an empty cell
blank, TRUE and FALSE as Excel shows them. A cell's number format is not applied: a
percentage cell reads as its value (``0.12``), a currency cell as its number (``1234.5``).
The text is written to a Parquet file that every engine then reads; rows whose cells are all
empty are left out, and row numbers in messages are the sheet's own rows.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from leadseg.errors import ExportDataError, Location, UsageError

SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
_ZIP, _OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# calamine's names for Excel's error values
_ERRORS = {
    "Div0": "#DIV/0!", "NA": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!",
    "Ref": "#REF!", "Value": "#VALUE!", "GettingData": "#GETTING_DATA",
}  # fmt: skip
_ERROR_DETAIL = re.compile(r"got 'Error\((\w+)\)'")
_MIDNIGHT = " 00:00:00"
_HEADER_SAMPLE = 30  # rows looked at for a header below row 1
# An .xlsx cell and its content: it holds a value, for calamine, when it has a non-empty
# <v> (a formula without its cached value has none) or an inline string.
_CELL = re.compile(
    r'<(?:\w+:)?c\b[^>]*?\br="[A-Z]+(\d+)"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)', re.DOTALL
)
_HAS_VALUE = re.compile(r"<(?:\w+:)?v>[^<]|<(?:\w+:)?is>")
_ERROR_MARKS = (b'"e"', b"'e'")  # an error cell's type attribute: t="e"


@dataclass(frozen=True)
class Sheet:
    """What was read: the sheet, the row of its header (1 = the sheet's first row), the
    column names, and the positions (among the rows below the header) of empty rows."""

    name: str
    header_row: int
    columns: list[str]
    blank_rows: tuple[int, ...]


def _head(path: Path) -> bytes:
    """The first bytes of a regular file (a pipe or device is never read here: its bytes
    are the export's, read once)."""
    import stat

    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return b""
        with open(path, "rb") as handle:
            return handle.read(8)
    except OSError:
        return b""


def is_workbook(path: Path) -> bool:
    """True when the file's bytes are a workbook's (a zip holding a workbook, or the OLE2
    container of ``.xls``), whatever its name says."""
    head = _head(path)
    if head == _OLE2:
        return True
    if not head.startswith(_ZIP):
        return False
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return "xl/workbook.xml" in names or "xl/workbook.bin" in names or "content.xml" in names


def _reader(path: Path, display: str) -> Any:
    import logging

    import fastexcel

    logging.getLogger("fastexcel").setLevel(logging.ERROR)  # "falling back to string"
    try:
        return fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own kinds for a file it cannot read
        raise ExportDataError(
            f"cannot read the workbook: {exc}",
            location=Location(file=display),
            hint="check that it is an Excel (.xlsx, .xls) or OpenDocument (.ods) workbook "
            "that opens in a spreadsheet program",
        ) from None


def _first_visible(path: Path) -> int:
    """The first sheet a person sees: hidden sheets (lookups, a report's parameters) are
    passed over, as Excel opens the workbook (python-calamine reads only its index)."""
    try:
        from python_calamine import CalamineWorkbook

        sheets = CalamineWorkbook.from_path(str(path)).sheets_metadata
        shown = [str(s.visible).rsplit(".", 1)[-1] == "Visible" for s in sheets]
        return shown.index(True) if True in shown else 0
    except Exception:  # the reader that follows names the problem
        return 0


def _sheet_index(names: list[str], wanted: str | None, display: str, path: Path) -> int:
    """The sheet ``--sheet`` names (its name, else its number counted from 1); without
    one, the first visible sheet."""
    if wanted is None:
        return _first_visible(path) if len(names) > 1 else 0
    if wanted in names:
        return names.index(wanted)
    folded = [n.casefold() for n in names]
    if wanted.casefold() in folded:
        return folded.index(wanted.casefold())
    if wanted.isdigit() and 1 <= int(wanted) <= len(names):
        return int(wanted) - 1
    listed = ", ".join(repr(n) for n in names)
    raise UsageError(
        f"{display}: no sheet {wanted!r}; the workbook has {len(names)}: {listed}",
        hint="pass --sheet with one of these names, or its number (1 = the first)",
    )


def _xlsx_member(archive: Any, index: int) -> str:
    """The zip member holding an .xlsx workbook's sheet ``index`` (its XML); KeyError or
    IndexError when the workbook does not say."""
    book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    ids = re.findall(r"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"", book)
    targets = {}
    for element in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        ident = re.search(r'\bId="([^"]+)"', element)
        goes = re.search(r'\bTarget="([^"]+)"', element)
        if ident and goes:
            targets[ident.group(1)] = goes.group(1)
    target = targets[ids[index]]
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


@contextlib.contextmanager
def _sheet_xml(path: Path, index: int) -> Iterator[IO[bytes]]:
    """An .xlsx sheet's XML, opened for reading."""
    import zipfile

    with zipfile.ZipFile(path) as archive, archive.open(_xlsx_member(archive, index)) as xml:
        yield xml


def _xlsx_first_row(path: Path, index: int) -> int:
    """The sheet row (1-based) of an .xlsx sheet's first cell with a value, where calamine's
    rows begin (a formula without its cached value holds none); 1 when it cannot be told."""
    import zipfile

    try:
        with _sheet_xml(path, index) as sheet_xml:
            text = ""
            while chunk := sheet_xml.read(1 << 16):
                text += chunk.decode("utf-8", "replace")
                end = text.rfind("</row>")  # whole rows only: no cell cut in two
                for cell in _CELL.finditer(text, 0, end + 1 if end >= 0 else 0):
                    if cell.group(2) and _HAS_VALUE.search(cell.group(2)):
                        return int(cell.group(1))
                text = text[end + 1 :] if end >= 0 else text
    except (KeyError, IndexError, ValueError, OSError, zipfile.BadZipFile):
        pass
    return 1


def _is_xlsx(path: Path) -> bool:
    """An .xlsx or .xlsm workbook: a zip holding ``xl/workbook.xml``."""
    import zipfile

    if not _head(path).startswith(_ZIP):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _may_hold_error_cells(path: Path, index: int) -> bool:
    """Whether an .xlsx sheet's XML may hold an error cell (its type ``t="e"``): a byte
    search for the quoted ``e``, True when it cannot be told (a false alarm costs only time)."""
    try:
        with _sheet_xml(path, index) as sheet_xml:
            tail = b""
            while chunk := sheet_xml.read(1 << 20):
                if any(mark in tail + chunk for mark in _ERROR_MARKS):
                    return True
                tail = chunk[-2:]
    except Exception:  # a damaged member: calamine's read names the problem
        return True
    return False


def _load_text(reader: Any, index: int, path: Path, xlsx: bool) -> tuple[Any, Any]:
    """The sheet's cells as text (an Arrow batch) and calamine's list of error cells (None
    when there are none). calamine's eager load is a quarter quicker than its lazy one but
    reads an error cell as empty, so it serves an .xlsx sheet whose XML holds no error cell
    -- told by a byte search run beside the load (zlib and calamine give up the GIL: it
    costs no time on two cores); any other sheet takes the lazy load, which lists them."""
    if xlsx:
        import importlib
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            pool.submit(importlib.import_module, "pyarrow")  # the batch's; beside the load too
            marks = pool.submit(_may_hold_error_cells, path, index)
            batch = reader.load_sheet(index, header_row=None, dtypes="string", eager=True)
            if not marks.result():
                return batch, None
    return reader.load_sheet(index, header_row=None, dtypes="string").to_arrow_with_errors()


def _first_row(path: Path, index: int, xlsx: bool) -> int:
    """The sheet row (1-based) where calamine's rows begin: an .xlsx's from its XML (a
    quick look at its first rows), other formats' from python-calamine (which reads the
    sheet a second time: .xls, .xlsb and .ods are rarely large)."""
    if xlsx:
        return _xlsx_first_row(path, index)
    try:
        from python_calamine import CalamineWorkbook

        start = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(index).start
        return int(start[0]) + 1 if start else 1
    except Exception:  # the reader that follows names the problem
        return 1


def read_sheet(
    path: Path, display: str, sheet: str | None = None, header_row: int | None = None
) -> tuple[Any, Sheet]:
    """The sheet as a Polars frame of text (empty rows left out) and what was read. Rows
    are numbered from the sheet's first row that holds a value (row 1 in an export)."""
    import polars as pl

    reader = _reader(path, display)
    names = list(reader.sheet_names)
    if not names:
        raise ExportDataError("the workbook has no sheet", location=Location(file=display))
    index = _sheet_index(names, sheet, display, path)
    where = f"{display} [{names[index]}]" if sheet is not None else display
    xlsx = _is_xlsx(path)
    top = _first_row(path, index, xlsx)
    try:
        batch, errors = _load_text(reader, index, path, xlsx)
    except Exception as exc:
        raise ExportDataError(
            f"cannot read sheet {names[index]!r}: {exc}", location=Location(file=where)
        ) from None
    frame = pl.from_arrow(batch)
    assert isinstance(frame, pl.DataFrame)
    frame = _with_error_cells(frame, errors)
    first = top if header_row is None else header_row  # the header's row in the sheet
    if not top <= first < top + frame.height:
        raise ExportDataError(
            f"row {first} of the sheet is empty: no header there"
            if first < top or frame.height
            else "the sheet is empty: no header, no rows",
            location=Location(file=where, row=first),
            hint="check the sheet (--sheet NAME) and the header row (--header-row N)",
        )
    header = ["" if v is None else str(v) for v in frame.row(first - top)]
    frame = frame.slice(first - top + 1)
    if header_row is None:
        _check_header_in_first_row(frame, header, where, first)
    frame, columns = _named_columns(frame, header, where, first)
    frame = _cells_as_shown(frame)
    blank = pl.all_horizontal(pl.all().is_null() | (pl.all() == ""))
    flags = frame.select(blank.alias("blank"))["blank"] if frame.width else None
    blank_rows: tuple[int, ...] = ()
    if flags is not None and flags.any():
        blank_rows = tuple(int(i) for i in flags.arg_true().to_list())
        frame = frame.filter(~flags)
    return frame, Sheet(names[index], first, columns, blank_rows)


def _with_error_cells(frame: Any, errors: Any) -> Any:
    """Error cells (calamine gives them as missing) written as Excel shows them."""
    if errors is None:
        return frame
    import polars as pl

    patches: dict[int, tuple[list[int], list[str]]] = {}
    for error in errors.errors:
        found = _ERROR_DETAIL.search(error.detail)
        row, column = error.offset_position  # within the rows read
        if found is None or not 0 <= column < frame.width:
            continue
        rows, texts = patches.setdefault(column, ([], []))
        rows.append(row)
        texts.append(_ERRORS.get(found.group(1), "#" + found.group(1).upper()))
    for column, (rows, texts) in patches.items():
        name = frame.columns[column]
        frame = frame.with_columns(frame[name].scatter(rows, pl.Series(texts, dtype=pl.String)))
    return frame


def _filled(frame: Any) -> Any:
    import polars as pl

    return frame.select(
        pl.sum_horizontal((pl.all().is_not_null() & (pl.all() != "")).cast(pl.UInt32))
    ).to_series()


def _check_header_in_first_row(frame: Any, header: list[str], where: str, first: int) -> None:
    """A report's title rows above its header: name the row that looks like the header."""
    named = sum(1 for name in header if name.strip())
    filled = _filled(frame.head(_HEADER_SAMPLE)).to_list()
    widest = max(filled, default=0)
    if not filled or named * 2 > widest:
        return
    row = first + 1 + filled.index(widest)
    raise ExportDataError(
        f"row {first} does not look like the header ({named} of {widest} columns named); "
        f"row {row} looks like it",
        location=Location(file=where, row=first),
        hint=f"pass --header-row {row} (the rows above it, a report's title, are skipped)",
    )


def _named_columns(frame: Any, header: list[str], where: str, first: int) -> tuple[Any, list[str]]:
    """Columns without a name and without a value (formatting past the data) are left
    out; the header's names are then checked as a CSV header's are (blank, duplicate)."""
    import polars as pl

    from leadseg.exports.dialect import check_header_names

    empty = (
        frame.select((pl.all().is_null() | (pl.all() == "")).all()).row(0) if frame.height else
        (True,) * frame.width
    )  # fmt: skip
    keep = [i for i, name in enumerate(header) if name.strip() or not empty[i]]
    names = [header[i] for i in keep]
    try:
        check_header_names(names, where)
    except ExportDataError as exc:
        raise ExportDataError(
            exc.message.replace("header has", f"the header (row {first}) has"),
            location=Location(file=where, row=first),
            hint=exc.hint
            if first > 1
            else f"{exc.hint}, or pass --header-row N if the header is further down",
        ) from None
    frame = frame.select([frame.columns[i] for i in keep])
    return frame.rename(dict(zip(frame.columns, names, strict=True))), names


def _cells_as_shown(frame: Any) -> Any:
    """Dates and booleans as Excel shows them: calamine writes a date cell with the time
    00:00:00 (read as its ISO date) and TRUE/FALSE as true/false (Excel makes a typed
    "true" a boolean, so a text cell holding exactly that is next to unknown)."""
    import polars as pl

    if not frame.height:
        return frame
    midnight = pl.all().str.ends_with(_MIDNIGHT).any().name.suffix(":midnight")
    flags = pl.all().is_in(["true", "false"]).any().name.suffix(":boolean")
    found = frame.select(midnight, flags).row(0, named=True)
    iso = r"^\d{4}-\d{2}-\d{2} 00:00:00$"
    changes = []
    for name in frame.columns:
        column = pl.col(name)
        if found[f"{name}:midnight"]:
            column = pl.when(column.str.contains(iso)).then(column.str.head(10)).otherwise(column)
        if found[f"{name}:boolean"]:
            column = column.replace({"true": "TRUE", "false": "FALSE"})
        if found[f"{name}:midnight"] or found[f"{name}:boolean"]:
            changes.append(column.alias(name))
    return frame.with_columns(changes) if changes else frame


def write_text_copy(
    path: Path, display: str, target: Path | BinaryIO, sheet: str | None, header_row: int | None
) -> Sheet:
    """Read the sheet and write its text to ``target`` (Parquet, lz4: quick to write and to
    read back): a path or a file."""
    frame, read = read_sheet(path, display, sheet, header_row)
    frame.write_parquet(target, compression="lz4")
    return read
