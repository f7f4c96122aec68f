"""Render API results: a Rich table on a terminal, plain lines in a pipe, CSV or JSON."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from leadseg.printable import printable, share
from leadseg.results import ApplyResult, CountResult

OUTPUT_FORMATS = ("table", "json", "csv")


def print_json(data: Any, stream: TextIO | None = None) -> None:
    """The data as JSON, in UTF-8; on a stream that cannot carry every character (a legacy
    Windows console) in ASCII with ``\\u`` escapes, which every JSON reader reads back."""
    import json

    from leadseg.system import speaks_unicode

    stream = stream or sys.stdout
    print(json.dumps(data, indent=2, ensure_ascii=not speaks_unicode(stream)), file=stream)


def print_counts(result: CountResult, fmt: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    if fmt == "json":
        print_json(result.to_dict(), stream)
    elif fmt == "csv":
        import csv

        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["name", "parent", "count"])
        for seg in result.segments:
            writer.writerow([seg.name, seg.parent or "", seg.count])
    elif stream.isatty():
        _rich_table(result, stream)
    else:
        for seg in result.segments:
            print(f"{printable(seg.name)}\t{seg.count}", file=stream)


def _rich_table(result: CountResult, stream: TextIO) -> None:
    import os

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # NO_COLOR (no-color.org) means no styling at all: Rich alone would keep bold.
    plain = bool(os.environ.get("NO_COLOR"))
    title = Text(printable(f"{result.input}: {result.rows:,} rows"))
    if plain:
        table = Table(title=title, title_justify="left", header_style="", title_style="")
    else:
        table = Table(title=title, title_justify="left")
    table.add_column("Segment")
    table.add_column("Parent")
    table.add_column("Contacts", justify="right")
    table.add_column("Share", justify="right")
    for seg in result.segments:
        # Text objects, never markup: a segment called "[/vip]" must print as itself.
        table.add_row(
            Text(printable(seg.name)),
            Text(printable(seg.parent or "")),
            f"{seg.count:,}",
            share(seg.count, result.rows),
        )
    Console(file=stream, no_color=plain, highlight=False).print(table)


def warn_unreadable(result: CountResult | Any) -> None:
    """One warning line per column with unreadable values (any result with ``input`` and
    ``unreadable``)."""
    for bad in result.unreadable:
        where = ""
        if bad.rows:  # a lake input has no row numbers
            more = ", ..." if bad.count > len(bad.rows) else ""
            where = f" (row {', '.join(map(str, bad.rows))}{more})"
        print(
            printable(
                f"leadseg: warning: {result.input}: {bad.count} value(s) in column "
                f"{bad.column!r} are not a {bad.kind} and count as blank{where}"
            ),
            file=sys.stderr,
        )
        if bad.hint:
            print(printable(f"  hint: {bad.hint}"), file=sys.stderr)


def warn_formulas(result: ApplyResult) -> None:
    """One line per run: which columns hold cells a spreadsheet might run as formulas, and
    how many (the per-file counts are in the manifest)."""
    from leadseg.segments.columns import describe_column

    parts = [
        f"{describe_column(column)}: {n:,} cell{'s' if n != 1 else ''}"
        for column, n in result.formula_columns.items()
    ]
    if result.formula_header_cells:
        n = result.formula_header_cells
        parts.append(f"the header: {n} name{'s' if n != 1 else ''}")
    if not parts:
        return
    where = "; ".join(parts)
    if result.excel_safe:
        print(
            f"leadseg: cells that could run as formulas were neutralised with a leading ' "
            f"({where})",
            file=sys.stderr,
        )
        return
    print(
        f"leadseg: warning: cells that start with =, +, -, @, tab or CR may run as formulas "
        f"in a spreadsheet -- {where} (--excel-safe neutralises them, --excel-safe-column "
        "COLUMN trusts a column; counts per file in manifest.json)",
        file=sys.stderr,
    )
