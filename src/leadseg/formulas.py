"""CSV formula injection (OWASP): cells a spreadsheet may run as formulas.

A text cell is risky when, after any leading spaces, it starts with ``=``, ``+``, ``-``,
``@``, a tab, a carriage return or a full-width ``＝``/``＋``/``－``/``＠`` -- unless it is
a plain number (a score of ``-5``, a ``+7`` delta): spreadsheets read those as numbers, not
formulas. (A number followed by spaces, ``-5 ``, is flagged: erring towards flagging.)
Every CSV write counts them; ``--excel-safe`` neutralises them with a
leading ``'`` (the apostrophe Excel itself uses to mean "text"), except in the columns the
user lists as safe (a phone column of ``+1 555 …``). Parquet and NDJSON keep raw values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

# After leading spaces: =, @, tab, CR or a full-width sign; or + / - not followed by a plain
# number ("-5", "+7", "-12.5", "1e3" stay numbers; "+1 555 0100", "-cmd", "--5" do not).
# One regex per cell: a second test for "is a number" doubled the cost of every CSV write.
RISKY_START = r"^ *(?:[=@\t\r\uff1d\uff0b\uff0d\uff20]|[+\-][0-9.eE]*[^0-9.eE])"
FORMULA_CELLS = "\x00leadseg:formula-cells"


def _risky(column: str) -> pl.Expr:
    import polars as pl

    return pl.col(column).str.contains(RISKY_START).fill_null(False)


def risky_cells(text_columns: list[str], keep: set[str]) -> pl.Expr:
    """Per row: how many cells may run as formulas (columns in ``keep`` are trusted)."""
    import polars as pl

    checked = [c for c in text_columns if c not in keep]
    if not checked:
        return pl.lit(0, dtype=pl.UInt32).alias(FORMULA_CELLS)
    return pl.sum_horizontal(_risky(c).cast(pl.UInt32) for c in checked).alias(FORMULA_CELLS)


def neutralised(text_columns: list[str], keep: set[str]) -> list[pl.Expr]:
    """The columns with every risky cell prefixed by ``'``."""
    import polars as pl

    return [
        pl.when(_risky(c)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text_columns
        if c not in keep
    ]
