"""Exports in: CSV (plain, gzip, zstd, stdin), Parquet and NDJSON, as a Polars LazyFrame.

Every CSV column is read as text, so what the segments do not touch is written back as it
came. Compressed, transcoded or piped input is first made into a plain UTF-8 file in a private
temporary directory; the fast reader and the structural check then work on that file.
"""

from __future__ import annotations

import contextlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from leadseg.errors import ExportDataError, ExportMissingError, Location, UsageError
from leadseg.exports.csv_structure import Structure
from leadseg.exports.physical_lines import physical_lines
from leadseg.exports.sources import LocalFile

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import polars as pl

FORMATS = ("csv", "parquet", "ndjson", "excel")
_SUFFIX_FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
    ".ndjson": "ndjson", ".jsonl": "ndjson", ".tab": "csv",
    ".xlsx": "excel", ".xlsm": "excel", ".xlsb": "excel", ".xls": "excel", ".ods": "excel",
}  # fmt: skip
_FORMAT_NAMES = {"xlsx": "excel", "xls": "excel", "ods": "excel", "xlsm": "excel"}
_CHUNK = 1 << 20
_JOINED_SPANS = 16  # more records that span lines than this: their text comes by a join
T = TypeVar("T")
RAW_LINE = "\x00leadseg:raw-line"
BLANK_POSITION = "\x00leadseg:position"


class Rerun(Exception):
    """A pass over the export must run again: a text column holds text NFC would change
    (``Plan.settle``)."""


def until_settled(attempt: Callable[[], T]) -> T:
    """Run a pass until it settles: the one loop behind ``count``, ``apply`` and the
    columnar copy (a pass raises ``Rerun`` to run again)."""
    while True:
        try:
            return attempt()
        except Rerun:
            continue


@dataclass(frozen=True)
class ReadOptions:
    """How to read an export; the defaults suit a UTF-8 CSV."""

    encoding: str = "utf-8"
    delimiter: str | None = None
    input_format: str | None = None
    cache_dir: Path | None = None  # keep a columnar copy of CSV exports here (exports/cache.py)
    sql_header: bool = False  # read a Parquet header with DuckDB (its engine), not Polars
    escape: str | None = None  # a CSV escape character (``--escape '\\'``: MySQL, PHP)
    remember_structure: bool = False  # keep proven structures while files are unchanged (CLI)
    sheet: str | None = None  # a workbook's sheet: its name or number (default: the first)
    header_row: int | None = None  # a workbook's header row (default: 1)


@dataclass
class Export:
    """An export ready to scan: its header is known and its structure checked."""

    display: str
    format: str
    columns: list[str]
    local_path: Path
    source_path: Path | None
    delimiter: str = ","
    structure: Structure = field(default_factory=Structure)
    encoding: str = "utf-8"
    known_sha256: str | None = None  # when already computed (a cached copy knows it)
    copied: bool = False  # local_path is a decompressed or transcoded copy of the source
    csv_delimiter: str | None = None  # the delimiter of a CSV source (also once cached)
    source_state: tuple[int, ...] | None = None  # the source file as opened (see unchanged)
    # A lake input (a directory of part files, a glob, a URI): read by Spark only, which
    # gives its columns' types; no file to hash, no spreadsheet row numbers.
    lake: bool = False
    schema: dict[str, Any] | None = None
    # The columns' SQL types, when an SQL engine read the header (DuckDB on Parquet).
    column_types: dict[str, str] | None = None
    escape: str | None = None  # the CSV's escape character (then read from a canonical copy)
    remember_structure: bool = False  # see exports/structure_memo.py
    # Where a canonical copy of the CSV goes when one is needed (open_export's clean-up).
    cleanup: contextlib.ExitStack | None = field(default=None, repr=False, compare=False)
    # A workbook's sheet as text, held in memory: scanned from here, and written to
    # ``local_path`` (Parquet) only for an engine that reads files (``written``).
    frame: Any = field(default=None, repr=False, compare=False)
    unwritten: bool = False  # ``frame`` is not yet in a file (``local_path`` is the workbook)

    def written(self) -> None:
        """The in-memory sheet written to a Parquet file (``local_path``) in the run's
        temporary directory, made then: most runs never need it."""
        if not self.unwritten:
            return
        from leadseg.exports.sources import temp_dir

        assert self.cleanup is not None, "a sheet in memory needs open_export's clean-up"
        target = temp_dir(self.cleanup) / "sheet.parquet"
        self.frame.write_parquet(target, compression="lz4")
        self.local_path, self.unwritten = target, False

    def unreadable(self, exc: OSError) -> ExportMissingError:
        """The error for a source that could not be read again: removed or replaced (the
        located message of ``check_unchanged``), else the OS's reason."""
        self.check_unchanged()
        return ExportMissingError(
            f"cannot read the export: {exc.strerror or exc}",
            location=Location(file=self.display),
            hint="check that the export is still there and readable; nothing was written",
        )

    def ensure_structure(self) -> None:
        """Prove the CSV follows the one reading (``exports/csv_structure``) before a reader
        touches it: raises naming the rows, or records the blank records to skip. A file
        only the exact reader reads as the rule says is then read from a canonical copy."""
        if self.format != "csv" or self.structure.checked:
            return
        from leadseg.exports import structure_memo
        from leadseg.exports.csv_structure import canonical_copy, check_structure, prove

        if self.remember_structure and (known := structure_memo.recall(self)) is not None:
            self.structure = known
            return
        structure = check_structure(
            self.local_path, self.display, len(self.columns), self.delimiter, self.escape
        )
        if not structure.canonical:
            from leadseg.exports.sources import temp_dir

            assert self.cleanup is not None, "a canonical copy needs open_export's clean-up"
            target = temp_dir(self.cleanup) / "canonical.csv"
            canonical_copy(self.local_path, target, self.delimiter, self.escape, self.display)
            copied = prove(target, len(self.columns), self.delimiter)
            assert copied is not None, "a canonical copy reads as the rule says"
            self.local_path, self.copied, structure = target, True, copied
        elif self.remember_structure:
            structure_memo.remember(self, structure)
        self.structure = structure

    def check_unchanged(self) -> None:
        """Raise when the source file changed or vanished since it was opened: the rows
        read and the size and hash recorded would describe different contents."""
        if self.source_path is None or self.source_state is None:
            return
        from leadseg.exports.sources import current_state

        now = current_state(self.source_path)
        if now == self.source_state:
            return
        if now is None:
            raise ExportMissingError(
                "the export was removed or replaced while leadseg read it",
                location=Location(file=self.display),
                hint="run again once the export is complete; nothing was written",
            )
        raise ExportDataError(
            "the export changed while leadseg read it (its size or modification time moved)",
            location=Location(file=self.display),
            hint="run again once the export is complete; nothing was written",
        )

    def frame_schema(self) -> dict[str, Any]:
        """The columns of ``scan()`` and their Polars types: a CSV's are all text (known
        without touching the file again); a columnar file's come from its metadata."""
        import polars as pl

        if self.schema:
            return self.schema
        if self.format == "csv":
            return {name: pl.String for name in self.columns}
        from leadseg.exports.queries import explain_read_failure

        try:
            return dict(self.scan().collect_schema())
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise explain_read_failure(self, exc) from None

    def raw_source(self) -> Path | None:
        """The UTF-8 CSV whose lines are the records' raw text: the user's own file (also
        when a cached copy is read), or stdin's copy. None for a decompressed or transcoded
        source, whose lines a cached run could not see -- so a run writes the same bytes
        with or without ``--cache``."""
        if self.csv_delimiter is None or (self.copied and self.source_path is not None):
            return None
        return self.source_path or self.local_path

    def raw_records(self) -> pl.LazyFrame:
        """Each record's raw text, one column, in record order: its physical line, or for a
        record that spans lines its lines as they are in the file; blank records left out
        (as the scan leaves them out)."""
        import polars as pl

        from leadseg.exports.csv_structure import span_texts

        source = self.raw_source()
        assert source is not None, "raw lines of an export that has none"
        self.ensure_structure()
        structure = self.structure
        header_last = structure.first_lines([1])[0] - 1
        dropped = set(structure.continuation_lines())
        dropped.update(structure.first_lines([b + 1 for b in structure.blank_records]))
        dropped.update(range(header_last + 1))
        line = pl.col("line")
        frame = physical_lines(source).with_row_index("n")
        if dropped:
            gone = pl.Series(sorted(dropped), dtype=pl.UInt32)
            frame = frame.filter(~pl.col("n").is_in(gone.implode()))
        spans = [span for span in structure.spans if span[0] > header_last]
        try:
            texts = span_texts(source, spans) if spans else []
        except OSError as exc:
            raise self.unreadable(exc) from None
        if len(spans) > _JOINED_SPANS:  # many: a join with a small table (a hash lookup)
            whole = pl.LazyFrame(
                {"n": [first for first, _ in spans], "whole": texts},
                schema={"n": pl.UInt32, "whole": pl.String},
            )
            frame = frame.join(whole, on="n", how="left", maintain_order="left")
            line = pl.coalesce("whole", "line")
        else:
            for (first, _), text in zip(spans, texts, strict=True):
                line = pl.when(pl.col("n") == first).then(pl.lit(text)).otherwise(line)
        return frame.select(line.alias(RAW_LINE))

    def raw_header(self) -> bytes:
        """The header line as it is in the file, without a UTF-8 BOM, ending in LF (as the
        records do: Polars drops the CR of a CRLF line)."""
        source = self.raw_source()
        assert source is not None, "raw lines of an export that has none"
        try:
            with open(source, "rb") as handle:
                line = handle.readline()
        except OSError as exc:
            raise self.unreadable(exc) from None
        return line.removeprefix(b"\xef\xbb\xbf").rstrip(b"\r\n") + b"\n"

    def scan(self) -> pl.LazyFrame:
        """A lazy scan of the whole export (CSV columns as text; the structure is proven
        first, and blank records are left out)."""
        import polars as pl

        self.ensure_structure()
        if self.frame is not None:
            return self.frame.lazy()
        if self.format in ("parquet", "ndjson"):
            import polars.selectors as cs

            if self.format == "parquet":
                frame = pl.scan_parquet(self.local_path, glob=False)
            else:  # scan_ndjson has no glob=False: an open file is never taken for a pattern
                handle = open(self.local_path, "rb")  # noqa: SIM115 (read when collected)
                frame = pl.scan_ndjson(handle, infer_schema_length=None)
            # Dictionary-encoded text (Categorical, Enum) is text.
            return frame.with_columns((cs.categorical() | cs.enum()).cast(pl.String))
        # The names are the header as leadseg read it: Polars keeps a header's doubled
        # quotes ('Land, ""EU""'). Empty values come back as nulls, so they are written
        # back as empty fields. The proof leaves no row wider than the header but a row
        # of empty fields, which is skipped: its surplus fields are cut, not an error.
        frame = pl.scan_csv(
            self.local_path, separator=self.delimiter, infer_schema=False,
            new_columns=list(self.columns), empty_string_is_null=True, glob=False,
            raise_if_empty=False, truncate_ragged_lines=True,
        )  # fmt: skip
        if self.structure.has_blank_lines:
            # Blank lines and rows of empty fields hold no contact: left out by position.
            blanks = pl.Series(self.structure.blank_records, dtype=pl.UInt32)
            frame = (
                frame.with_row_index(BLANK_POSITION)
                .filter(~pl.col(BLANK_POSITION).is_in(blanks.implode()))
                .drop(BLANK_POSITION)
            )
        return frame


def _without_compression(name: str) -> str:
    lower = name.lower()
    for ending in (".gz", ".zst"):
        lower = lower.removesuffix(ending)
    return lower


def detect_format(name: str, default: str = "csv") -> str:
    return _SUFFIX_FORMATS.get(Path(_without_compression(name)).suffix, default)


def input_format(source: str | Path, options: ReadOptions) -> str:
    """The format ``source`` is read as: ``--input-format``, else its name's (stdin: CSV)."""
    given = options.input_format
    if given is not None:
        given = _FORMAT_NAMES.get(given.lower(), given.lower())
    fmt = given or ("csv" if str(source) == "-" else detect_format(str(source)))
    if fmt not in FORMATS:
        raise UsageError(
            f"unknown input format {options.input_format!r}",
            hint="use csv, parquet, ndjson or excel (xlsx, xls and ods are excel too)",
        )
    if fmt == "csv" and str(source) != "-":
        from leadseg.exports.workbooks import is_workbook

        if is_workbook(Path(source)):  # a workbook under another name (report.csv, data)
            if given is not None:
                raise UsageError(
                    f"{source} is a workbook (Excel or OpenDocument), not CSV text",
                    hint="drop --input-format csv: leadseg reads workbooks (--sheet NAME)",
                )
            return "excel"
    return fmt


def is_lake(source: str | Path) -> bool:
    """A location only a distributed engine reads: a URI (``s3a://``, ``hdfs://``, ...), a
    directory of part files, or a glob that names no file."""
    text = str(source)
    if "://" in text:
        return True
    path = Path(text)
    return path.is_dir() or (any(c in text for c in "*?[") and not path.exists())


@contextmanager
def open_export(source: str | Path, options: ReadOptions | None = None) -> Iterator[Export]:
    """Prepare ``source`` (a path or ``-`` for stdin); temporary copies vanish on exit."""
    from leadseg.exports.sources import check_encoding, local_file

    options = options or ReadOptions()
    check_encoding(options.encoding)
    display = "<stdin>" if str(source) == "-" else str(source)
    fmt = input_format(source, options)
    with contextlib.ExitStack() as cleanup:
        source_path = None if display == "<stdin>" else Path(source)
        local = local_file(source_path, display, options.encoding, cleanup, text=fmt == "csv")
        if fmt == "csv":
            export = _prepare_csv(local, source_path, display, options)
            export.source_state = local.state
            export.cleanup = cleanup
            export.remember_structure = options.remember_structure
            check_column_names(export.columns, display)
            if options.cache_dir is not None:
                from leadseg.exports.cache import cached

                export = cached(export, options.cache_dir)
            export.ensure_structure()  # a cached copy is proven already
            yield export
        elif fmt == "excel":
            export = _prepare_workbook(local, source_path, display, options, cleanup)
            check_column_names(export.columns, display)
            yield export
        elif fmt == "parquet" and options.sql_header:
            types = _parquet_types(local.path, display)
            check_column_names(list(types), display)
            yield Export(
                display, fmt, list(types), local.path, source_path, copied=local.copied,
                source_state=local.state, column_types=types,
            )  # fmt: skip
        else:
            columns = _columns_of(local.path, fmt, display)
            check_column_names(columns, display)
            yield Export(
                display, fmt, columns, local.path, source_path, copied=local.copied,
                source_state=local.state,
            )  # fmt: skip


INTERNAL_PREFIX = "\x00"  # every helper column leadseg adds starts with NUL


def check_column_names(columns: list[str], display: str) -> None:
    """No export column may be named like leadseg's helper columns (they start with a NUL
    character, which no real header holds): a collision would swap values silently."""
    from leadseg.printable import printable

    for position, name in enumerate(columns, start=1):
        if name.startswith(INTERNAL_PREFIX):
            raise ExportDataError(
                f"column {position} ({printable(name)!r}) starts with a NUL character, which "
                "leadseg reserves for its own working columns",
                location=Location(file=display, line=1, row=1),
                hint="rename the column in the export",
            )


def _columns_of(path: Path, fmt: str, display: str) -> list[str]:
    import polars as pl

    try:
        if fmt == "parquet":
            return list(pl.scan_parquet(path, glob=False).collect_schema())
        with open(path, "rb") as handle:
            return list(pl.scan_ndjson(handle, infer_schema_length=None).collect_schema())
    except Exception as exc:  # Polars raises several kinds for a file it cannot read
        raise ExportDataError(
            f"cannot read {fmt} export: {exc}",
            location=Location(file=display),
            hint=f"check that the file really is {fmt}",
        ) from None


def _prepare_workbook(
    local: LocalFile, source: Path | None, display: str, options: ReadOptions,
    cleanup: contextlib.ExitStack,
) -> Export:  # fmt: skip
    """A workbook's sheet as the Parquet file of its text (``exports/workbooks``), in the run's
    temporary directory, or kept in ``--cache`` while the workbook is unchanged."""
    from leadseg.exports.workbooks import read_sheet

    if options.cache_dir is not None and source is not None:
        from leadseg.exports.cache import cached_workbook

        return cached_workbook(local, source, display, options, workbook_export)
    frame, read = read_sheet(local.path, display, options.sheet, options.header_row)
    export = workbook_export(read, display, local.path, source, local)
    export.frame, export.cleanup = frame, cleanup  # written for DuckDB, Spark: ``written``
    export.unwritten = True
    return export


def workbook_export(
    read: Any, display: str, data: Path, source: Path | None, local: LocalFile,
    sha256: str | None = None,
) -> Export:  # fmt: skip
    """The export of a sheet's text copy: Parquet, rows numbered as the sheet's."""
    structure = Structure(
        checked=True, blank_records=read.blank_rows, first_row=read.header_row + 1
    )
    return Export(
        display, "parquet", list(read.columns), data, source, structure=structure,
        copied=True, source_state=local.state, known_sha256=sha256,
    )  # fmt: skip


def _parquet_types(path: Path, display: str) -> dict[str, str]:
    """A Parquet file's columns and their types, as DuckDB reads them."""
    import duckdb

    from leadseg.exports.duckdb_session import connection

    con = connection()
    try:
        relation = con.read_parquet(str(path))
        return dict(zip(relation.columns, map(str, relation.types), strict=True))
    except duckdb.Error as exc:
        raise ExportDataError(
            f"cannot read parquet export: {exc}",
            location=Location(file=display),
            hint="check that the file really is parquet",
        ) from None
    finally:
        con.close()


def _prepare_csv(
    local: LocalFile, source: Path | None, display: str, options: ReadOptions
) -> Export:
    from leadseg.exports.dialect import parse_delimiter, parse_escape, read_header, sniff_delimiter

    if options.delimiter is not None:
        delimiter = parse_delimiter(options.delimiter)
    elif local.delimiter is not None:  # Excel's "sep=;" line
        delimiter = parse_delimiter(local.delimiter)
    elif _without_compression(display).endswith((".tsv", ".tab")):
        delimiter = "\t"
    else:
        delimiter = sniff_delimiter(local.path)
    given = options.delimiter is not None
    escape = parse_escape(options.escape, delimiter)
    header = read_header(local.path, display, delimiter, given=given, escape=escape)
    return Export(
        display, "csv", header, local.path, source, delimiter,
        encoding=local.encoding, copied=local.copied, csv_delimiter=delimiter, escape=escape,
    )  # fmt: skip
