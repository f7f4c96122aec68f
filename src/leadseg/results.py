"""Results of the public API; ``to_dict()`` is exactly what ``--format json`` prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SegmentCount:
    name: str
    parent: str | None
    count: int
    file: str | None = None  # set by apply
    formula_cells: int | None = None  # set by apply writing CSV (see leadseg.outputs.formulas)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "parent": self.parent, "count": self.count}
        if self.file is not None:
            data["file"] = self.file
        if self.formula_cells is not None:
            data["formula_cells"] = self.formula_cells
        return data


@dataclass(frozen=True)
class UnreadableValues:
    """Values that are neither blank nor readable as ``kind``; they count as blank."""

    column: str
    kind: str  # "number" | "date"
    count: int
    rows: list[int]  # first few, spreadsheet numbering (header = row 1)
    values: int = 0  # values in the column that are neither blank nor placeholders
    hint: str | None = None  # the option that reads the first of them, when one does

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "column": self.column,
            "kind": self.kind,
            "count": self.count,
            "values": self.values,
            "rows": self.rows,
        }
        if self.hint:
            data["hint"] = self.hint
        return data


@dataclass(frozen=True)
class CountResult:
    input: str
    rows: int
    segments: list[SegmentCount]
    unreadable: list[UnreadableValues] = field(default_factory=list)
    as_of: str | None = None
    delimiter: str | None = None  # of a CSV export, as used (given or sniffed)
    guards: list[Any] | None = None  # GuardCheck, when guards were given

    def to_dict(self) -> dict[str, Any]:
        data = {
            "input": self.input,
            "delimiter": self.delimiter,
            "rows": self.rows,
            "as_of": self.as_of,
            "segments": [s.to_dict() for s in self.segments],
            "unreadable": [u.to_dict() for u in self.unreadable],
        }
        if self.guards is not None:
            data["guards"] = [g.to_dict() for g in self.guards]
        return data


@dataclass(frozen=True)
class ApplyResult:
    counts: CountResult
    output_dir: str
    format: str
    manifest: str
    files: list[str]
    excel_safe: bool = False  # formula cells were neutralised
    # CSV/TSV: cells that may run as formulas, per column over the rows written, and
    # header names that may (they are in every file).
    formula_columns: dict[str, int] = field(default_factory=dict)
    formula_header_cells: int = 0
    file_mode: int | None = 0o600  # permissions of the files written (None: not applied)

    def to_dict(self) -> dict[str, Any]:
        data = self.counts.to_dict()
        data.update(output_dir=self.output_dir, format=self.format, manifest=self.manifest)
        data["excel_safe"] = self.excel_safe
        data["formula_cells_by_column"] = self.formula_columns
        data["formula_header_cells"] = self.formula_header_cells
        data["file_mode"] = None if self.file_mode is None else f"{self.file_mode:04o}"
        return data
