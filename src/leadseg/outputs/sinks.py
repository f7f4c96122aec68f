"""Segment files written batch by batch, so memory stays flat whatever the export's size.

Every sink receives the rows of one segment from each batch, in order.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from leadseg import system

if TYPE_CHECKING:
    import polars as pl

# Written data is handed to the disk every this many bytes, on the writer's thread, so the
# fsync before publishing finds little left to do.
SYNC_EVERY = 64 << 20


class SegmentSink(Protocol):
    def write(self, rows: pl.DataFrame) -> None: ...

    def close(self) -> None: ...


class _Synced:
    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.synced = 0

    def sync_now_and_then(self) -> None:
        position = self.handle.tell()
        if position - self.synced >= SYNC_EVERY:
            self.handle.flush()
            system.sync_data(self.handle.fileno())
            self.synced = position


TEXT_DELIMITERS = {"csv": ",", "tsv": "\t"}


def _field(value: str, separator: str) -> str:
    """One header field, quoted as RFC 4180 (and Polars, for the rows) quote them."""
    if any(c in value for c in (separator, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


class CsvSink(_Synced):
    """Appends CSV or TSV rows (RFC 4180 quoting, LF line ends) after a header line."""

    def __init__(
        self, handle: BinaryIO, schema: pl.Schema, separator: str, header: list[str]
    ) -> None:
        super().__init__(handle)
        self.schema, self.separator = schema, separator
        line = separator.join(_field(name, separator) for name in header) + "\n"
        handle.write(line.encode("utf-8"))

    def write(self, rows: pl.DataFrame) -> None:
        rows.select(list(self.schema)).write_csv(
            self.handle, include_header=False, separator=self.separator
        )
        self.sync_now_and_then()

    def close(self) -> None:
        pass


class RawCsvSink(_Synced):
    """Copies each record's raw line: the input's rows byte for byte (line endings become
    LF), with no CSV decoding and encoding in between."""

    def __init__(self, handle: BinaryIO, header: bytes, column: str) -> None:
        super().__init__(handle)
        self.column = column
        handle.write(header)

    def write(self, rows: pl.DataFrame) -> None:
        rows.select(self.column).write_csv(self.handle, include_header=False, quote_style="never")
        self.sync_now_and_then()

    def close(self) -> None:
        pass


class RawPlusCsvSink(RawCsvSink):
    """Each record's raw line, then ``added`` columns' values as fields of its own (RFC 4180
    quoting where a value needs it; a blank value empty): ``leadseg score``'s rows, the
    export's part byte for byte."""

    def __init__(
        self, handle: BinaryIO, header: bytes, column: str, added: list[str], separator: str
    ) -> None:
        names = "".join(separator + _field(name, separator) for name in added)
        super().__init__(handle, header.rstrip(b"\n") + names.encode("utf-8") + b"\n", column)
        self.added, self.separator = added, separator

    def write(self, rows: pl.DataFrame) -> None:
        import polars as pl

        def text(name: str) -> pl.Expr:
            value = pl.col(name).cast(pl.String).fill_null("")
            if rows.schema[name].is_numeric():  # digits, a point, a sign, e: never quoted
                return value
            needs = value.str.contains(f'[{re.escape(self.separator)}"\r\n]')
            quoted = pl.lit('"') + value.str.replace_all('"', '""', literal=True) + pl.lit('"')
            return pl.when(needs).then(quoted).otherwise(value)

        # the writer joins the fields: the raw line as it is, each value as made above
        fields = rows.select(pl.col(self.column), *(text(n).alias(n) for n in self.added))
        fields.write_csv(
            self.handle, include_header=False, quote_style="never", separator=self.separator
        )
        self.sync_now_and_then()


class NdjsonSink(_Synced):
    def __init__(self, handle: BinaryIO, schema: pl.Schema) -> None:
        super().__init__(handle)
        self.schema = schema

    def write(self, rows: pl.DataFrame) -> None:
        rows.select(list(self.schema)).write_ndjson(self.handle)
        self.sync_now_and_then()

    def close(self) -> None:
        pass


class ParquetSink:
    """Each batch becomes a part file in a private temp directory next to the output; on
    close a streaming query joins the parts into the one file (row groups, no full load)."""

    def __init__(self, handle: BinaryIO, schema: pl.Schema, workdir: Path) -> None:
        self.handle, self.schema = handle, schema
        self.parts = Path(tempfile.mkdtemp(dir=workdir, prefix=".leadseg-parts-"))
        self.count = 0

    def write(self, rows: pl.DataFrame) -> None:
        if rows.height:
            rows.select(list(self.schema)).write_parquet(self.parts / f"{self.count:08d}.parquet")
            self.count += 1

    def discard(self) -> None:
        """The run failed: the parts go, nothing is joined."""
        shutil.rmtree(self.parts, ignore_errors=True)

    def close(self) -> None:
        import polars as pl

        try:
            if self.count:
                parts = [self.parts / f"{i:08d}.parquet" for i in range(self.count)]
                pl.scan_parquet(parts, glob=False).sink_parquet(self.handle)
            else:
                pl.DataFrame(schema=self.schema).write_parquet(self.handle)
        finally:
            shutil.rmtree(self.parts, ignore_errors=True)


def open_sink(
    fmt: str, handle: BinaryIO, schema: pl.Schema, workdir: Path, header: list[str]
) -> SegmentSink:
    """A sink for ``fmt``; text formats write ``header`` (possibly neutralised names)."""
    if fmt in TEXT_DELIMITERS:
        return CsvSink(handle, schema, TEXT_DELIMITERS[fmt], header)
    if fmt == "ndjson":
        return NdjsonSink(handle, schema)
    return ParquetSink(handle, schema, workdir)
