"""A file's physical lines as a Polars scan, at memory speed (the structure proof and the
raw lines of ``apply`` read them)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


def physical_lines(path: Path, *, skip: int = 0) -> pl.LazyFrame:
    """The file's lines after the first ``skip``, as raw text (no quote handling; the line
    break is the separator too, so no byte of a line is ever taken for a field break)."""
    import polars as pl

    return pl.scan_csv(
        path,
        has_header=False,
        skip_lines=skip,
        glob=False,
        separator="\n",
        eol_char="\n",
        quote_char=None,
        schema={"line": pl.String},
        truncate_ragged_lines=True,
        empty_string_is_null=False,
    )
