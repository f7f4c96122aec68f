"""Spark as an engine (the ``leadseg[spark]`` extra): the plan's SQL (``sql_pass``) run by
Spark SQL -- in a local Spark (``--spark-master``, default ``local[*]``), on a cluster, or
through Spark Connect (``SPARK_REMOTE=sc://host:15002``).

A local export reaches Spark as one Parquet file (a CSV's validated copy), whose
``_metadata.row_index`` is the row's position: the same counts, errors and row numbers as
every engine. Spark has no Unicode normalisation in SQL: text columns are checked for text
NFC would change, and a column holding any is normalised by a small Python function."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from leadseg.engines.sql_pass import POSITION, VIEW, SqlPass, column_name

if TYPE_CHECKING:
    from collections.abc import Iterator

    import polars as pl

    from leadseg.engine import Plan
    from leadseg.engines import Tagging
    from leadseg.totals import Totals

REMOTE_VAR = "SPARK_REMOTE"
MASTER_VAR = "LEADSEG_SPARK_MASTER"
BATCH_ROWS = 100_000


def session(master: str | None = None) -> Any:
    """The active Spark session, else a new one: Spark Connect when ``SPARK_REMOTE`` is
    set, else ``master`` (``--spark-master``; default ``local[*]``)."""
    import warnings
    from pathlib import Path

    # pyspark warns about pandas versions; leadseg never hands Spark a pandas frame.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("leadseg")
    remote = os.environ.get(REMOTE_VAR)
    if remote:
        return builder.remote(remote).getOrCreate()
    master = master or os.environ.get(MASTER_VAR) or "local[*]"
    log = Path(__file__).with_name("spark-log4j2.properties")
    spark = (
        builder.master(master)
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log.as_uri()}")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkEngine:
    name = "spark"

    def __init__(self, master: str | None = None) -> None:
        self.master = master

    def totals(self, p: Plan, *, rows: int | None = None) -> Totals:
        spark = self._registered(p)
        sql = SqlPass(p, "spark", rows=rows, nfc_function=_normalising(spark, p))
        with _spark_errors(p):
            totals = sql.totals_of(tuple(spark.sql(sql.totals_query()).first()))
            for i, bad in enumerate(totals.unreadable):
                if bad:
                    found = spark.sql(sql.first_unreadable_query(i)).collect()
                    totals.first_unreadable[i] = [int(r[0]) for r in found]
        return totals

    def member_batches(self, p: Plan, tagging: Tagging, *, raw: bool) -> Iterator[pl.DataFrame]:
        """Batches in file order: the flagged rows are kept by Spark (persisted) and
        brought over a range of positions at a time, as Arrow."""
        import polars as pl

        assert not raw, "raw lines are the Polars engine's"
        spark = self._registered(p)
        sql = SqlPass(p, "spark", nfc_function=_normalising(spark, p))
        with _spark_errors(p):
            members = spark.sql(sql.members_query()).persist()
            try:
                positions = spark.table(VIEW).selectExpr(f"max(`{POSITION}`)").first()[0]
                end = -1 if positions is None else int(positions)
                for start in range(0, end + 1, BATCH_ROWS):
                    chunk = members.where(
                        f"`{POSITION}` >= {start} AND `{POSITION}` < {start + BATCH_ROWS}"
                    )
                    frame = pl.from_arrow(chunk.toArrow())
                    assert isinstance(frame, pl.DataFrame)
                    yield tagging.apply(sql.as_batch(frame))
            finally:
                members.unpersist()

    def _registered(self, p: Plan) -> Any:
        """The session, with the export as ``VIEW``: columns by position and the row's
        position in the file."""
        from pyspark.sql import functions as F

        spark = session(self.master)
        with _spark_errors(p):
            # Headers that differ only in case are different columns (as in every engine).
            spark.conf.set("spark.sql.caseSensitive", "true")
            frame = spark.read.parquet(str(p.export.local_path.resolve()))
            frame = frame.toDF(*(column_name(i) for i in range(len(frame.columns))))
            frame = frame.withColumn(POSITION, F.col("_metadata.row_index"))
            frame.createOrReplaceTempView(VIEW)
        return spark


NFC_FUNCTION = "leadseg_nfc"


def _normalising(spark: Any, p: Plan) -> str | None:
    """Spark SQL has no Unicode normalisation. A query counts, per text column, values NFC
    may change; a column with any is compared through a Python function that normalises
    (``NFC_FUNCTION``, registered here), as the Polars engine does. Returns the function's
    name when some column needs it."""
    sql = SqlPass(p, "spark")
    columns = sql.text_columns()
    if not columns:
        return None
    with _spark_errors(p):
        counts = spark.sql(sql.nfc_query()).first()
    found = {column for column, n in zip(columns, counts, strict=True) if n}
    if not found:
        return None
    import unicodedata

    def nfc(text: str | None) -> str | None:
        return None if text is None else unicodedata.normalize("NFC", text)

    spark.udf.register(NFC_FUNCTION, nfc, "string")
    p.nfc_columns = p.nfc_columns | found
    return NFC_FUNCTION


@contextmanager
def _spark_errors(p: Plan) -> Iterator[None]:
    """Spark's errors as a located leadseg error (its message under --debug)."""
    from pyspark.errors import PySparkException

    from leadseg.errors import ExportDataError, Location

    try:
        yield
    except PySparkException as exc:
        raise ExportDataError(
            f"Spark cannot read the export ({type(exc).__name__})",
            location=Location(file=p.export.display),
            hint="run with --debug for its message, or with --engine polars",
        ) from exc
