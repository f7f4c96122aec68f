"""CSV formula injection (OWASP): cells a spreadsheet may run as formulas.

A text cell is risky when, after any leading spaces, it starts with ``=``, ``@``, a tab, a
carriage return or a full-width ``＝``/``＋``/``－``/``＠`` -- or with ``+``/``-`` followed by
anything but digits and the punctuation of numbers and phone numbers (space ``( ) . / -``,
``e``). So ``-5``, ``+7``, ``1e3`` and ``+1 555 0100`` are data (a spreadsheet may show a
phone number as a sum, but it cannot call a function or reach another cell), while
``+cmd|…``, ``-2+3``, ``=HYPERLINK(…)`` and ``@SUM(…)`` are not. Header cells are held to the
same rule. Every CSV/TSV write counts risky cells, per file and per column; ``--excel-safe``
prefixes them with ``'`` (the apostrophe Excel itself uses to mean "text"), except in
columns the user trusts. Parquet and NDJSON keep raw values.

Per row, a bit mask (one bit per checked column, 64 columns per mask column) says which
cells are risky: a file's count is the sum of the masks' set bits, a column's count the sum
of its bit -- one pass, no second scan.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

# One anchored regex per cell (a second test for "is a number" doubled the cost of writes).
RISKY_START = r"^ *(?:[=@\t\r\uff1d\uff0b\uff0d\uff20]|[+\-][0-9 ()./eE\-]*[^0-9 ()./eE\-])"
_MASK = "\x00leadseg:formula-mask:"
BITS = 64


def is_risky(text: str) -> bool:
    """The same rule for one value (header cells)."""
    return re.match(RISKY_START, text) is not None


def checked_columns(text_columns: list[str], keep: set[str]) -> list[str]:
    return [c for c in text_columns if c not in keep]


def mask_columns(checked: list[str]) -> list[str]:
    return [f"{_MASK}{k}" for k in range(0, len(checked), BITS)]


def _risky(column: str) -> pl.Expr:
    import polars as pl

    return pl.col(column).str.contains(RISKY_START).fill_null(False)


def risk_masks(checked: list[str]) -> list[pl.Expr]:
    """Per row, which checked cells may run as formulas, as bit masks."""
    import polars as pl

    masks = []
    for name, start in zip(mask_columns(checked), range(0, len(checked), BITS), strict=True):
        chunk = checked[start : start + BITS]
        zero = pl.lit(0, pl.UInt64)
        bits = [
            pl.when(_risky(c)).then(pl.lit(1 << i, pl.UInt64)).otherwise(zero)
            for i, c in enumerate(chunk)
        ]  # when/then measured faster than a cast and a multiplication
        masks.append(pl.sum_horizontal(bits).cast(pl.UInt64).alias(name))
    return masks


def risky_cell_count(rows: pl.DataFrame, checked: list[str]) -> int:
    """How many risky cells ``rows`` (carrying the masks) hold."""
    import polars as pl

    names = mask_columns(checked)
    if not names or not rows.height:
        return 0
    return int(
        rows.select(pl.sum_horizontal(pl.col(n).bitwise_count_ones() for n in names).sum()).item()
    )


def risky_by_column(rows: pl.DataFrame, checked: list[str]) -> dict[str, int]:
    """Per checked column, how many of ``rows`` have a risky cell there."""
    import polars as pl

    names = mask_columns(checked)
    if not names or not rows.height:
        return {}
    exprs = [
        ((pl.col(names[i // BITS]) & pl.lit(1 << (i % BITS), pl.UInt64)) > 0).sum().alias(str(i))
        for i in range(len(checked))
    ]
    counts = rows.select(exprs).row(0)
    return {column: int(n) for column, n in zip(checked, counts, strict=True) if n}


def neutralised(checked: list[str]) -> list[pl.Expr]:
    """The checked columns with every risky cell prefixed by ``'``."""
    import polars as pl

    return [
        pl.when(_risky(c)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in checked
    ]


def neutralised_name(name: str) -> str:
    return "'" + name if is_risky(name) else name
