"""A file's physical lines as a Polars scan, at memory speed (the structure proof and the
raw lines of ``apply`` read them)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


def physical_lines(path: Path) -> pl.LazyFrame:
    """The file's lines as raw text, column ``line``: split at LF only, the CR of a CR LF
    dropped, no quote handling; a UTF-8 byte-order mark stays at the start of line 0."""
    import polars as pl

    return pl.scan_lines(path, glob=False)
