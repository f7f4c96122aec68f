"""Which engine runs: the one asked for, or for ``auto`` the fastest that gives identical
results for the input and the work (``choose``); the engine itself (``engine_for``), its extra
checked; Spark's own reading of a lake (``lake_export``)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from leadseg.engines.interface import Engine
    from leadseg.engines.plan import RunOptions
    from leadseg.exports.readers import Export

ENGINES = ("auto", "polars", "duckdb", "spark")
ENV_VAR = "LEADSEG_ENGINE"
# the modules each extra installs that its engine imports (pyproject.toml lists them)
EXTRAS = {"duckdb": ("duckdb", "pyarrow", "sqlglot"), "spark": ("pyspark", "pyarrow", "sqlglot")}


Work = Literal["sums", "values", "keys", "writes"]


def choose(engine: str | None, input_format: str, *, work: Work = "sums") -> str:
    """The engine that runs: the one asked for (``--engine``, else ``LEADSEG_ENGINE``), and
    for ``auto`` the fastest that gives identical results for this kind of input and work
    (bench/RESULTS.md): DuckDB for a pass of sums (``count``, ``validate``, ``explain``,
    ``overlap``) over a Parquet export when its extra is installed -- it reads Parquet
    without importing Polars and runs the staged query in less time and memory; Polars for
    everything else: values counted (``describe``, ``report``, ``init``), rows grouped by
    key (``diff``: one query over both exports), rows written (``apply``)."""
    import importlib.util

    from leadseg.errors import UsageError, require

    engine = engine or os.environ.get(ENV_VAR) or "auto"
    if engine not in ENGINES:
        raise UsageError(f"--engine {engine!r}: use one of " + ", ".join(ENGINES))
    if engine == "auto":
        if input_format != "parquet" or work != "sums":
            return "polars"
        installed = all(importlib.util.find_spec(m) for m in EXTRAS["duckdb"])
        return "duckdb" if installed else "polars"
    for module in EXTRAS.get(engine, ()):
        require(module, engine, f"--engine {engine}")
    return engine


def engine_for(options: RunOptions) -> Engine:
    """The engine ``options`` name (``auto`` resolved by ``choose`` first)."""
    name = options.engine
    if name == "duckdb":
        from leadseg.engines.sql.duckdb import DuckDBEngine

        return DuckDBEngine(remember=options.remember_segment_files)
    if name == "spark":
        from leadseg.engines.sql.spark import SparkEngine

        return SparkEngine(options.spark_master)
    from leadseg.engines.polars.runner import PolarsEngine

    return PolarsEngine()


def lake_export(location: str, options: RunOptions, engine: str) -> Export | None:
    """A directory of part files, a glob or a URI, opened by the engine that reads those
    (Spark). For any other engine a directory or a URI is a usage error naming Spark, and
    a glob is None: a file name like any other (which may not exist)."""
    from pathlib import Path

    from leadseg.errors import UsageError

    if engine == "spark":
        from leadseg.engines.sql.spark_lake import open_lake

        return open_lake(location, options)
    if "://" in location or Path(location).is_dir():
        raise UsageError(
            f"{location}: a directory or URI is read by Spark only",
            hint="add --engine spark (pip install 'leadseg[spark]'), or name one file",
        )
    return None
