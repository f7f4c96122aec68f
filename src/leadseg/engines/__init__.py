"""Engines that evaluate a plan, behind one small interface (``Engine``): Polars (in
process, the default and the reference), and with their extras DuckDB and Spark.

Reading, structure checks, binding, ``--strict``, formula checks, the manifest, the lock and
atomic writes are the same for every engine; an engine only computes, in one pass, what the
segments select. A local CSV or NDJSON export reaches DuckDB and Spark as a validated
columnar copy (its structure proven by the reader every engine shares), so errors and row
numbers are the same on every engine; a lake input (a directory of part files, a glob, a
URI) is read by Spark itself (``spark_lake``). ``choose`` resolves ``auto``."""

from leadseg.engines.choice import (
    ENGINES,
    ENV_VAR,
    EXTRAS,
    Work,
    choose,
    engine_for,
    lake_export,
)  # fmt: skip
from leadseg.engines.interface import TOP_VALUES, Combination, Distributions, Engine, Tagging

__all__ = [
    "ENGINES", "ENV_VAR", "EXTRAS", "TOP_VALUES", "Combination", "Distributions", "Engine",
    "Tagging", "Work", "choose", "engine_for", "lake_export",
]  # fmt: skip
