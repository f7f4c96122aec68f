"""The shape ``Engine.keyed_groups`` returns, written once: per distinct folded key
(``key``; every blank key is ``""``), for each export ``s`` whether any of its rows is in
each segment (``m{i}_{s}``), how many rows have it (``rows_{s}``) and the first one's
position (``first_{s}``), and ``keys``: how many keys the row stands for -- 1, except in a
row an engine may compact from keys nobody will name (``key`` null: a cluster engine brings
back one row per kind of key, not one per key; see ``SparkEngine.keyed_groups``). Engines
that group one export at a time (DuckDB, Spark) join their groups here."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


KEYS = "keys"
FIRST_REPEATED = 5  # the keys repeated within an export that diff names, earliest first


def mask(index: int, source: int) -> str:
    return f"m{index}_{source}"


def rows(source: int) -> str:
    return f"rows_{source}"


def first(source: int) -> str:
    return f"first_{source}"


def from_counts(frame: pl.DataFrame, width: int) -> pl.DataFrame:
    """The groups of one export (source 0) from a query giving ``key``, its rows in each
    segment ``m0``..., ``rows`` and ``first``."""
    import polars as pl

    return frame.select(
        "key",
        *[(pl.col(f"m{i}") > 0).alias(mask(i, 0)) for i in range(width)],
        pl.col("rows").cast(pl.Int64).alias(rows(0)),
        pl.col("first").cast(pl.Int64).alias(first(0)),
    )


def joined(frames: list[pl.DataFrame], width: int) -> pl.DataFrame:
    """The groups of several exports, each grouped alone (its columns named as source 0),
    as export ``s`` of one frame: a full join on the key; a key an export lacks has no rows
    there and no segment."""
    import polars as pl

    both: pl.DataFrame | None = None
    for source, frame in enumerate(frames):
        named = frame.rename(
            {mask(i, 0): mask(i, source) for i in range(width)}
            | {rows(0): rows(source), first(0): first(source)}
        )
        both = (
            named
            if both is None
            else both.join(named, on="key", how="full", coalesce=True, nulls_equal=True)
        )
    assert both is not None
    sources = range(len(frames))
    return both.with_columns(
        *[pl.col(mask(i, s)).fill_null(False) for s in sources for i in range(width)],
        *[pl.col(rows(s)).fill_null(0) for s in sources],
        pl.lit(1, pl.Int64).alias(KEYS),
    )
