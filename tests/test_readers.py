"""Reading exports: formats, encodings and every structural problem, named by row."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl
import pytest
import zstandard

import leadseg
from leadseg import ReadOptions, RunOptions, count_segments
from leadseg.errors import ExportDataError, ExportMissingError, UsageError
from leadseg.exports.readers import open_export
from leadseg.segments.quick import quick_segments
from tests.conftest import published

HOT = quick_segments(60, None, "Score")


def count(path: Path, **read) -> int:
    result = count_segments(path, HOT, RunOptions(read=ReadOptions(**read)))
    return result.segments[0].count


def data_error(path: Path, **read) -> str:
    with pytest.raises(ExportDataError) as info:
        count(path, **read)
    return str(info.value)


def test_utf8_bom_and_crlf(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfName,Score\r\nAnn,70\r\nBo,10\r\n")
    with open_export(path) as export:
        assert export.columns == ["Name", "Score"]
    assert count(path) == 1


@pytest.mark.parametrize(
    "raw",
    [
        b'Name,Note,Score\rAnn,"two\rlines",70\rBo,x,10\rCy,,80\r',
        b"\xff\xfe" + "Name\tNote\tScore\rAnn\tx\t70\rBo\t\t10\rCy\ty\t80".encode("utf-16-le"),
    ],
    ids=["utf-8", "utf-16"],
)
def test_lines_ended_by_a_carriage_return(tmp_path, raw):
    """Excel's "CSV (Macintosh)": every line ends in a bare CR."""
    path = tmp_path / "mac.csv"
    path.write_bytes(raw)
    with open_export(path) as export:
        assert export.columns == ["Name", "Note", "Score"]
        rows = export.scan().collect()
    assert rows["Name"].to_list() == ["Ann", "Bo", "Cy"]
    assert count(path) == 2


def test_cp1252_without_flag_names_the_row(tmp_path):
    path = tmp_path / "win.csv"
    path.write_bytes("Name,Score\nAnn,70\nNúñez,80\n".encode("cp1252"))
    message = data_error(path)
    assert "invalid UTF-8 (byte 0xfa) in row 3" in message
    assert "--encoding cp1252" in message


def test_cp1252_with_flag_keeps_exact_names(tmp_path):
    path = tmp_path / "win.csv"
    path.write_bytes("Name,Score\nAnn,70\nNúñez,80\n".encode("cp1252"))
    with open_export(path, ReadOptions(encoding="cp1252")) as export:
        names = export.scan().collect()["Name"].to_list()
    assert names == ["Ann", "Núñez"]


def test_unknown_encoding_is_a_usage_error(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Score\n1\n")
    with pytest.raises(UsageError, match="unknown encoding 'klingon'"):
        count(path, encoding="klingon")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Name,Score\nAnn,70\nBo\nCy,80\n",
            "1 row(s) have fewer fields than the header's 2: row 3 (1 field)",
        ),
        (
            "Name,Score\nAnn,70\nBo,1,2\n",
            "1 row(s) have more fields than the header's 2: row 3 (3 fields)",
        ),
        (
            'Name,Score\nAnn,70\n"Bo,80\nCy,90\n',
            "a quoted value that starts in row 3 (line 3) is never closed",
        ),
        (
            # a quote inside an unquoted value is a character: the comma after it splits
            'Name,Title,Score\nAnn,CMO,70\nBo,VP "Sales, EMEA",80\nCy,CEO,90\n',
            "1 row(s) have more fields than the header's 3: row 3 (4 fields)",
        ),
    ],
    ids=["short", "long", "unclosed-quote", "quote-inside-a-value"],
)
def test_structural_problems_name_the_row(tmp_path, body, expected):
    path = tmp_path / "bad.csv"
    path.write_text(body)
    assert expected in data_error(path)


@pytest.mark.parametrize(
    ("first", "delimiter"), [("sep=;", ";"), ("\ufeffSEP=|", "|"), ("sep=\t", "\t")]
)
def test_excels_delimiter_line_names_the_delimiter(tmp_path, first, delimiter):
    """Excel's first line ``sep=;`` is not the header: it names the delimiter, and rows
    count from the header as Excel shows them (the line is hidden there)."""
    path = tmp_path / "excel.csv"
    body = ["Name,Note", "Score"], ["Ann,A", "70"], ["Bo", "n/a?"], ["Cy", "80"]
    path.write_text(f"{first}\r\n" + "".join(delimiter.join(r) + "\r\n" for r in body))
    result = count_segments(path, HOT)
    assert result.delimiter == delimiter and result.rows == 3
    assert result.segments[0].count == 2 and result.unreadable[0].rows == [3]


def test_excels_delimiter_line_in_utf16_is_named(tmp_path):
    path = tmp_path / "excel.txt"
    path.write_bytes(b"\xff\xfe" + "sep=;\nName;Score\nAnn;70\n".encode("utf-16-le"))
    message = data_error(path)
    assert "line 1 is Excel's delimiter hint 'sep=;', not the header" in message


def test_quotes_that_open_a_value_or_sit_inside_one(tmp_path):
    """Quoted values with delimiters and doubled quotes, and a quote inside an unquoted
    value without a delimiter after it, are a rectangular file."""
    path = tmp_path / "quotes.csv"
    path.write_text('Name,Title,Score\n"Ann, A.","CMO ""interim""",70\nBo,VP "Sales" EMEA,80\n')
    assert count_segments(path, HOT).segments[0].count == 2


def test_ragged_row_far_down_is_found(tmp_path):
    rows = "".join(f"c{i},{i % 100}\n" for i in range(5000))
    path = tmp_path / "late.csv"
    path.write_text("Name,Score\n" + rows + "late\n")
    assert "row 5002" in data_error(path)


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "the export is empty (0 bytes)" in data_error(path)


def test_header_only_file_has_zero_rows(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("Name,Score\n")
    result = count_segments(path, HOT)
    assert result.rows == 0 and result.segments[0].count == 0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Name,Score,Name", "duplicate column name(s) in the header: 'Name' (columns 1 and 3)"),
        ("Name,,Score", "header has blank column name(s) at position 2"),
        ("Name,Score,", "position 3 (the header ends with a delimiter"),
    ],
)
def test_bad_headers(tmp_path, header, expected):
    path = tmp_path / "h.csv"
    path.write_text(header + "\na,b,1\n")
    assert expected in data_error(path)
    if not header.endswith(","):
        assert "ends with a delimiter" not in data_error(path)


def test_missing_export(tmp_path):
    with pytest.raises(ExportMissingError, match="export file not found"):
        count(tmp_path / "nope.csv")


def test_quoted_newlines_quotes_and_delimiters_are_values(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('Name,Notes,Score\n"Ann","said ""hi"", then\nleft",70\nBo,x,10\n')
    with open_export(path) as export:
        frame = export.scan().collect()
    assert frame["Notes"].to_list() == ['said "hi", then\nleft', "x"]
    assert count(path) == 1


def test_every_column_is_text(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("Zip,Phone,CRM Id,Score\n01234,+1 555 0100,00Q000000000000001,61\n")
    with open_export(path) as export:
        row = export.scan().collect().row(0)
    assert row == ("01234", "+1 555 0100", "00Q000000000000001", "61")


def test_blank_lines_and_rows_of_empty_fields_are_skipped(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text('Name,Score\nAnn,70\n\nBo,80\n,\n"",""\n,5\n\n')
    result = count_segments(path, HOT)
    assert result.rows == 3 and result.segments[0].count == 2


def test_compressed_exports(tmp_path):
    body = b"Name,Score\nAnn,70\nBo,10\n"
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(body))
    (tmp_path / "a.csv.zst").write_bytes(zstandard.ZstdCompressor().compress(body))
    assert count(tmp_path / "a.csv.gz") == 1
    assert count(tmp_path / "a.csv.zst") == 1


def test_truncated_gzip_is_an_error(tmp_path):
    data = gzip.compress(b"Name,Score\n" + b"Ann,70\n" * 10000)
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    assert "damaged or cut short" in data_error(path)


def test_tsv_and_explicit_delimiter(tmp_path):
    (tmp_path / "a.tsv").write_text("Name\tScore\nAnn\t70\n")
    (tmp_path / "semi.csv").write_text("Name;Score\nAnn;70\nBo;5\n")
    assert count(tmp_path / "a.tsv") == 1
    assert count(tmp_path / "semi.csv", delimiter=";") == 1


def test_parquet_and_ndjson_exports(tmp_path):
    frame = pl.DataFrame({"Name": ["Ann", "Bo"], "Score": [70, 10]})
    frame.write_parquet(tmp_path / "a.parquet")
    frame.write_ndjson(tmp_path / "a.ndjson")
    assert count(tmp_path / "a.parquet") == 1
    assert count(tmp_path / "a.ndjson") == 1
    assert count(tmp_path / "a.ndjson", input_format="ndjson") == 1


def test_input_format_overrides_the_name(tmp_path):
    path = tmp_path / "export.dat"
    pl.DataFrame({"Score": ["70"]}).write_parquet(path)
    assert count(path, input_format="parquet") == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Name,Score\nAnn,70\nBo\nCy,80\n", "row 3 (1 field)"),
        ("Name,Score\nAnn,70\nBo,1,2\n", "row 3 (3 fields)"),
        ("Name,Score\nAnn,70\nN\xfa\xf1ez,80\n", "invalid UTF-8 (byte 0xfa) in row 3"),
    ],
    ids=["short", "long", "utf8"],
)
def test_apply_checks_structure_and_writes_nothing(tmp_path, body, expected):
    path = tmp_path / "bad.csv"
    path.write_bytes(body.encode("latin-1"))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExportDataError) as info:
        leadseg.apply_segments(path, HOT, out)
    assert expected in str(info.value)
    assert published(out) == []


def test_apply_skips_blank_lines(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("Name,Score\nAnn,70\n\nBo,80\n\n")
    out = tmp_path / "out"
    out.mkdir()
    result = leadseg.apply_segments(path, HOT, out)
    assert result.counts.rows == 2
    assert (out / "score-at-least-60.csv").read_text() == "Name,Score\nAnn,70\nBo,80\n"


def test_text_after_a_closing_quote_is_reported_with_its_row(tmp_path):
    """The structure is proven before any reader runs, so a badly quoted value anywhere is
    an error, whichever columns the segments read."""
    path = tmp_path / "stray.csv"
    path.write_text('Name,Score\nAnn,70\n"Bo"b,80\n')
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExportDataError) as info:
        leadseg.apply_segments(path, HOT, out)
    assert "a quote in row 3 (line 3) closes the quoted value but text follows it" in str(
        info.value
    )
    assert published(out) == []
    with pytest.raises(ExportDataError, match="row 3"):
        count(path)


def test_empty_last_values_cost_the_line_check_never_the_row_by_row_check(tmp_path, monkeypatch):
    """A null last field may be a short row (or hide one behind an extra empty field), so
    count checks the lines, as apply does -- with the vectorised check, not the slow one."""
    rows = "".join(f"c{i},{i % 100},\n" for i in range(2000))  # the last column is empty
    path = tmp_path / "empty-last.csv"
    path.write_text("Name,Score,Notes\n" + rows)
    import leadseg.exports.csv_structure as structure

    def no_slow_check(*args, **kwargs):
        raise AssertionError("the row-by-row check should not have been needed")

    monkeypatch.setattr(structure, "exact_check", no_slow_check)
    assert count(path) == 800


def test_a_short_row_hidden_behind_a_long_row_is_still_found(tmp_path):
    # Delimiters balance (one row short, one long), and count reads only the Score column.
    path = tmp_path / "compensating.csv"
    path.write_text("Name,Score,Notes\nAnn,70,x\nBo,80\nCy,90,y,z\nDi,65,w\n")
    message = data_error(path)
    assert "row 3 (2 fields)" in message
