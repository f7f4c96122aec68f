"""``apply --workbook FILE.xlsx``: one workbook for the colleague who lives in Excel -- a
"Summary" sheet (counts, parents, and the manifest's provenance) and one sheet per segment
with its rows. Written by XlsxWriter (constant memory: rows stream to the file), every
value as the text it was: a string cell, never a number or a formula, so leading zeros stay
and a cell such as ``=HYPERLINK(...)`` is text, not a formula. A segment over Excel's
1,048,575 data rows stops the run before anything is published."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from leadseg.errors import ExportDataError

if TYPE_CHECKING:
    import polars as pl

MAX_DATA_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header
MAX_CELL = 32_767  # characters Excel keeps in one cell
SUMMARY = "Summary"
_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def sheet_names(segments: list[str]) -> dict[str, str]:
    """A sheet name per segment: none of ``[]:*?/\\``, not starting or ending with an
    apostrophe, at most 31 characters, unique ignoring case (as Excel compares them), and
    never "Summary" or "History" (Excel's own)."""
    taken = {SUMMARY.casefold(), "history"}
    names = {}
    for segment in segments:
        base = _UNSAFE.sub("_", segment).strip("'").strip() or "Segment"
        candidate, n = base[:31], 1
        while candidate.casefold() in taken:
            n += 1
            suffix = f" ({n})"
            candidate = base[: 31 - len(suffix)] + suffix
        taken.add(candidate.casefold())
        names[segment] = candidate
    return names


@dataclass(frozen=True)
class WorkbookOptions:
    file: str  # a plain name, written into the output directory

    @classmethod
    def of(cls, file: str) -> WorkbookOptions:
        from leadseg.outputs.writers import extra_output_name

        extra_output_name(file, "--workbook", (".xlsx",), "segments.xlsx")
        return cls(file)


@dataclass
class WorkbookSink:
    """Rows of every segment, each to its sheet, as they stream; the summary at the end."""

    handle: IO[bytes]
    columns: list[str]
    segments: list[str]
    rows: dict[str, int] = field(default_factory=dict)
    _book: Any = None
    _sheets: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import xlsxwriter

        # strings_to_numbers/formulas/urls off: every cell is the text it was
        self._book = xlsxwriter.Workbook(
            self.handle,
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "in_memory": False,
            },
        )
        self._book.add_worksheet(SUMMARY)
        for segment, sheet in sheet_names(self.segments).items():
            worksheet = self._book.add_worksheet(sheet)
            for col, name in enumerate(self.columns):
                worksheet.write_string(0, col, _cell(name))
            self._sheets[segment] = worksheet
            self.rows[segment] = 0

    def write(self, segment: str, members: pl.DataFrame) -> None:
        import polars as pl

        start = self.rows[segment]
        if start + members.height > MAX_DATA_ROWS:
            raise ExportDataError(
                f"segment {segment!r} has more than {MAX_DATA_ROWS:,} rows, the most an "
                "Excel sheet holds",
                hint="drop --workbook for this run, or narrow the segment (--only)",
            )
        sheet = self._sheets[segment]
        texts = members.select(pl.col(c).cast(pl.String) for c in self.columns)
        too_long = texts.select(pl.any_horizontal(pl.all().str.len_chars() > MAX_CELL).any())
        if too_long.item():
            raise ExportDataError(
                f"segment {segment!r} has a value longer than {MAX_CELL:,} characters, the "
                "most an Excel cell holds",
                hint="drop --workbook (the CSV files keep every character)",
            )
        for offset, row in enumerate(texts.iter_rows(), start=start + 1):
            for col, value in enumerate(row):
                if value is not None:
                    sheet.write_string(offset, col, value)
        self.rows[segment] = start + members.height

    def close(self, manifest: dict[str, Any]) -> None:
        """Write the summary from the manifest, then the workbook."""
        summary = self._book.get_worksheet_by_name(SUMMARY)
        lines: list[list[str]] = [["Segment", "Parent", "Sheet", "Contacts"]]
        names = sheet_names(self.segments)
        for entry in manifest["segments"]:
            lines.append(
                [
                    entry["name"],
                    entry.get("parent") or "",
                    names.get(entry["name"], ""),
                    str(entry["rows"]),
                ]  # fmt: skip
            )
        source = manifest["input"]
        lines += [
            [],
            ["Input", source["path"]],
            ["Size (bytes)", "" if source["size"] is None else str(source["size"])],
            ["sha256", source["sha256"] or ""],
            ["Rows", str(source["rows"])],
            ["Segment file", manifest["segments_file"]["path"] or ""],
            ["Segment file sha256", manifest["segments_file"]["sha256"] or ""],
            ["As of", manifest["as_of"] or ""],
            ["leadseg", manifest["leadseg_version"]],
        ]
        for r, line in enumerate(lines):
            for c, value in enumerate(line):
                summary.write_string(r, c, _cell(value))
        self._book.close()


def _cell(value: str) -> str:
    return value if len(value) <= MAX_CELL else value[:MAX_CELL]
