"""One in-memory DuckDB database per process, shared by the readers (a Parquet file's types)
and the DuckDB engine: opening a database costs 10-20 ms, a second connection to it nothing.
Each user takes its own cursor (a connection of its own: temporary views stay apart)."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _database() -> Any:
    import duckdb

    return duckdb.connect()


def connection() -> Any:
    """A new connection to the process's database; close it when done."""
    return _database().cursor()
