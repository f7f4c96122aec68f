"""Engines that evaluate a plan, behind one small interface (``Engine``): Polars (in
process, the default and the reference), and with their extras DuckDB and Spark.

Reading, structure checks, binding, ``--strict``, formula checks, the manifest, the lock and
atomic writes are the same for every engine; an engine only computes, in one pass, what the
segments select. A local CSV or NDJSON export reaches DuckDB and Spark as a validated
columnar copy (its structure proven by the reader every engine shares), so errors and row
numbers are the same on every engine; a lake input (a directory of part files, a glob, a
URI) is read by Spark itself (``spark_lake``). ``choose`` resolves ``auto``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterator

    import polars as pl

    from leadseg.engines.plan import Plan, RunOptions
    from leadseg.engines.totals import Totals
    from leadseg.exports.readers import Export

ENGINES = ("auto", "polars", "duckdb", "spark")
ENV_VAR = "LEADSEG_ENGINE"
# the modules each extra installs that its engine imports (pyproject.toml lists them)
EXTRAS = {"duckdb": ("duckdb", "pyarrow", "sqlglot"), "spark": ("pyspark", "pyarrow", "sqlglot")}


class Engine(Protocol):
    """What ``count``, ``apply`` and ``validate --export`` need from an engine."""

    name: str

    def totals(self, p: Plan, *, rows: int | None = None, positions: bool = True) -> Totals:
        """One pass over the export (its first ``rows`` rows when given): rows, members per
        segment, readable and unreadable values per parsed column, and with ``positions``
        the positions of the first unreadable ones (a query more per column that has any)."""
        ...

    def unreadable_sample(self, p: Plan, index: int, limit: int) -> list[str]:
        """Up to ``limit`` unreadable values of parsed column ``index``, trimmed (for the
        diagnosis of a mostly unreadable column; never shown)."""
        ...

    def member_batches(self, p: Plan, tagging: Tagging, *, raw: bool) -> Iterator[pl.DataFrame]:
        """Every row in file order, in batches: the export's columns, one mask column per
        segment and the flags ``Plan.batch_totals`` sums, with ``tagging`` applied. ``raw``
        (Polars only): flags beside each record's raw line instead of the columns."""
        ...

    def combinations(self, p: Plan) -> tuple[Totals, list[Combination]]:
        """One pass: the totals, and how many rows are in each combination of segments
        that occurs (``overlap``)."""
        ...

    def distributions(
        self, p: Plan, *, combinations: bool = False, rows: int | None = None
    ) -> Distributions:
        """One pass (or one per column, where the engine's scans are cheap; over the first
        ``rows`` rows when given, as ``totals``): the totals,
        and per column the plan reads (``criteria.values_read`` order) its readable values
        counted -- numbers and dates: columns ``value``, ``count``; text: ``value`` (folded
        as comparisons fold it), ``spelling`` (trimmed, as written), ``count``; blank
        values left out (``describe``) -- or, for a text column in ``distinct``, only the
        values that can be among the most common, with the number of distinct ones; with
        ``combinations``, also those of ``Engine.combinations`` (``report``)."""
        ...

    def keyed_groups(
        self, plans: list[Plan], keys: list[str], *, name_changes: bool = True
    ) -> tuple[list[Totals], pl.DataFrame]:
        """The totals of each export (``plans``), and the rows of all of them grouped by the
        value of its ``keys`` column folded as text comparisons fold it (``key``; ``""``
        for a blank key): for export ``s``, whether any of its rows with that key is in each
        segment (``m{i}_{s}``, ``Plan.order``), how many rows have it (``rows_{s}``, 0 for
        none) and the first one's position (``first_{s}``) -- the shape of
        ``engines.keyed``, in which an engine may compact the keys ``diff`` does not name
        (the first few repeated ones and blank ones it does; with ``name_changes``, every
        key that entered or left a segment too). Memory follows the keys, not the rows."""
        ...


Combination = tuple[tuple[bool, ...], int]  # memberships in ``Plan.order``, and the rows


@dataclass
class Distributions:
    totals: Totals
    values: list[Any]  # polars DataFrames, one per column read (values_read order)
    combinations: list[Combination] | None = None
    # text columns whose values were cut to those that can be the most common (a cluster
    # engine's: ``spark_values``): their number of distinct values, by values_read index
    distinct: dict[int, int] = field(default_factory=dict)


@dataclass
class Tagging:
    """Polars expressions every batch of members gets after its masks (formula checks,
    nested columns as JSON text), in stages; ``added``: the columns they add that a
    raw-line batch keeps."""

    stages: list[list[Any]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    def apply(self, frame: Any) -> Any:
        """``frame`` (a LazyFrame or a DataFrame) with every stage's columns."""
        for stage in self.stages:
            if stage:
                frame = frame.with_columns(stage)
        return frame


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
