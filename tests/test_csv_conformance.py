"""Other projects' CSV test files (tests/corpora): each is read exactly as Python's csv
module reads it in strict mode -- values, order, row count, blank rows and rows of empty
fields left out as the README says -- or refused with a located error (exit 65). Never
read differently, never an internal error."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from leadseg.errors import ExportDataError, ExportMissingError
from leadseg.exports.readers import open_export

CORPORA = Path(__file__).parent / "corpora"
FILES = sorted(
    p
    for p in CORPORA.rglob("*")
    if p.is_file() and p.suffix in (".csv", ".tsv", ".txt", ".tab") and p.name != "README.md"
)


def python_reading(
    path: Path, delimiter: str, encoding: str
) -> tuple[list[str], list[list[str]]] | None:
    """The oracle: Python's csv module, strict, on the file opened as the csv docs say
    (newline='') in the encoding leadseg found (UTF-8, or UTF-16 by its byte-order mark);
    None when it cannot read the file."""
    try:
        with open(path, encoding=encoding, newline="") as handle:
            records = list(csv.reader(handle, delimiter=delimiter, strict=True))
    except (csv.Error, UnicodeDecodeError):
        return None
    if not records:
        return None
    return records[0], [r for r in records[1:] if any(r)]


def leadseg_reading(path: Path) -> tuple[str, str, list[str], list[list[str]]]:
    with open_export(path) as export:
        frame = export.scan().collect()
        rows = [["" if v is None else v for v in row] for row in frame.iter_rows()]
        encoding = "utf-8-sig" if export.encoding == "utf-8" else export.encoding
        return export.delimiter, encoding, list(export.columns), rows


def test_the_corpora_are_there():
    assert len(FILES) > 500
    assert len([p for p in FILES if "csv-spectrum" in p.parts]) == 12


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPORA)))
def test_read_as_python_reads_it_or_refused_located(path):
    try:
        delimiter, encoding, header, rows = leadseg_reading(path)
    except (ExportDataError, ExportMissingError) as error:
        assert error.exit_code in (65, 66)
        if path.stat().st_size:
            assert error.location.line or error.location.row or error.location.column, error
        return
    expected = python_reading(path, delimiter, encoding)
    assert expected is not None, "leadseg read a file Python's csv module refuses"
    assert (header, rows) == expected


# Upstream's location_coordinates.json names another phone number than its CSV holds
# (1234567890 against 2095257564): that file is checked against Python's reading above.
SPECTRUM = sorted(
    p.stem
    for p in (CORPORA / "csv-spectrum" / "json").glob("*.json")
    if p.stem != "location_coordinates"
)


@pytest.mark.parametrize("name", SPECTRUM)
def test_csv_spectrum_reads_as_its_json(name):
    expected = json.loads((CORPORA / "csv-spectrum" / "json" / f"{name}.json").read_text())
    expected = [expected] if isinstance(expected, dict) else expected
    path = CORPORA / "csv-spectrum" / "csvs" / f"{name}.csv"
    data = path.read_bytes()
    _, _, header, rows = leadseg_reading(path)
    got = [dict(zip(header, row, strict=True)) for row in rows]
    if b"\r" not in data:  # the JSON was written for a CR LF checkout; this copy has LF
        expected = [{k: v.replace("\r\n", "\n") for k, v in r.items()} for r in expected]
    # Empty rows hold no contact.
    assert got == [r for r in expected if any(r.values())]
