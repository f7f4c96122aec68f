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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadseg.engines.sql_pass import POSITION, VIEW, SqlPass, column_name

if TYPE_CHECKING:
    from collections.abc import Iterator

    import polars as pl

    from leadseg.engine import Plan, RunOptions
    from leadseg.engines import Tagging
    from leadseg.io.readers import Export
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
    if remote:  # "local[2]" starts a Connect server here: its JVM is quiet too
        with _quiet_stderr():
            return builder.remote(remote).getOrCreate()
    master = master or os.environ.get(MASTER_VAR) or "local[*]"
    log = Path(__file__).with_name("spark-log4j2.properties")
    builder = (
        builder.master(master)
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log.as_uri()}")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
    )
    with _quiet_stderr():  # the JVM's start-up notices; leadseg reports errors itself
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("FATAL")  # leadseg reports Spark's errors itself
    return spark


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Standard error (file descriptor 2, which a started JVM inherits) sent nowhere."""
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    nowhere = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(nowhere, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(nowhere)


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
                if bad and not p.export.lake:  # rows are spreadsheet rows of one file
                    found = spark.sql(sql.first_unreadable_query(i)).collect()
                    totals.first_unreadable[i] = [int(r[0]) for r in found]
        return totals

    def unreadable_sample(self, p: Plan, index: int, limit: int) -> list[str]:
        spark = self._registered(p)
        with _spark_errors(p):
            query = SqlPass(p, "spark").unreadable_query(index, limit)
            return [str(r[0]) for r in spark.sql(query).collect()]

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
        position in the input (for a lake input: in its files' name order)."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        spark = session(self.master)
        with _spark_errors(p):
            # Headers that differ only in case are different columns (as in every engine).
            spark.conf.set("spark.sql.caseSensitive", "true")
            if not p.export.lake:
                frame = spark.read.parquet(str(p.export.local_path.resolve()))
                frame = frame.toDF(*(column_name(i) for i in range(len(frame.columns))))
                frame = frame.withColumn(POSITION, F.col("_metadata.row_index"))
            else:
                frame = _read(spark, p.export)
                names = [column_name(i) for i in range(len(frame.columns))]
                frame = frame.select(
                    *(F.col(f"`{c}`").alias(n) for c, n in zip(frame.columns, names, strict=True)),
                    F.col("_metadata.file_path").alias("leadseg_file"),
                    _index_in_file(p.export.format).alias("leadseg_index"),
                )
                if p.export.format == "csv":  # a row of empty fields holds no contact
                    frame = frame.where(" OR ".join(f"`{n}` IS NOT NULL" for n in names))
                order = Window.orderBy("leadseg_file", "leadseg_index")
                frame = frame.withColumn(POSITION, F.row_number().over(order) - 1)
                frame = frame.drop("leadseg_file", "leadseg_index")
            frame.createOrReplaceTempView(VIEW)
        return spark


def _index_in_file(fmt: str) -> Any:
    """A row's order within its file: Parquet's row index; for text formats (read whole,
    one file per task) the increasing id Spark gives rows in reading order."""
    from pyspark.sql import functions as F

    if fmt == "parquet":
        return F.col("_metadata.row_index")
    return F.monotonically_increasing_id()


def _read(spark: Any, export: Export) -> Any:
    """A lake input as Spark reads it, with the reading rules of every engine: CSV as RFC
    4180 (quotes escaped by doubling, values spanning lines), every column text, and a
    row with too many or too few fields an error, not a padded row."""
    location = export.display
    if export.format == "parquet":
        return spark.read.parquet(location)
    if export.format == "ndjson":
        return spark.read.option("mode", "FAILFAST").json(location)
    return spark.read.csv(
        location, header=True, sep=export.delimiter, quote='"', escape='"', multiLine=True,
        mode="FAILFAST", encoding=export.encoding, inferSchema=False, enforceSchema=False,
    )  # fmt: skip


def open_lake(location: str, options: RunOptions) -> Export:
    """A directory of part files, a glob or a URI as an export: format from
    ``--input-format``, else the name (a directory: its first part file's), else Parquet;
    columns and types as Spark reads them."""
    import polars as pl

    from leadseg.io.dialect import parse_delimiter
    from leadseg.io.readers import Export, check_column_names, detect_format

    read = options.read
    fmt = read.input_format or detect_format(_sample_name(location), default="parquet")
    delimiter = ","
    if read.delimiter is not None:
        delimiter = parse_delimiter(read.delimiter)
    elif _sample_name(location).lower().endswith((".tsv", ".tab")):
        delimiter = "\t"
    export = Export(
        location, fmt, [], Path(location), None, delimiter, encoding=read.encoding, lake=True,
        csv_delimiter=delimiter if fmt == "csv" else None,
    )  # fmt: skip
    spark = session(options.spark_master)
    with _spark_errors_at(location):
        frame = _read(spark, export)
        arrow = frame.limit(0).toArrow()
    export.columns = list(frame.columns)
    check_column_names(export.columns, location)
    table = pl.from_arrow(arrow)
    assert isinstance(table, pl.DataFrame)
    export.schema = dict(table.schema)
    return export


def _sample_name(location: str) -> str:
    """The name whose suffix tells the format: the location's, or for a local directory
    the first file in it with a known suffix."""
    from leadseg.io.readers import detect_format

    path = Path(location)
    if "://" not in location and path.is_dir():
        for child in sorted(path.iterdir()):
            if not child.name.startswith(("_", ".")) and detect_format(child.name, "") != "":
                return child.name
    return location.rstrip("/")


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


def _spark_errors(p: Plan) -> Any:
    return _spark_errors_at(p.export.display)


@contextmanager
def _spark_errors_at(display: str) -> Iterator[None]:
    """Spark's errors as a located leadseg error (its message under --debug): a malformed
    record names its file."""
    import re

    from py4j.protocol import Py4JJavaError  # type: ignore[import-untyped]
    from pyspark.errors import PySparkException

    from leadseg.errors import ExportDataError, Location

    try:
        yield
    except (PySparkException, Py4JJavaError) as exc:
        text = str(exc)
        where = re.search(r"reading file (\S+?)\.?\s", text)
        location = Location(file=where.group(1) if where else display)
        if "MALFORMED" in text:
            raise ExportDataError(
                "a record has more or fewer fields than the header, or an unclosed quote",
                location=location,
                hint="check the delimiter (--delimiter) and quoting of that file",
            ) from exc
        if "PATH_NOT_FOUND" in text or "UNABLE_TO_INFER_SCHEMA" in text:
            raise ExportDataError(
                "Spark finds no readable files there", location=location,
                hint="check the path and --input-format (csv, parquet or ndjson)",
            ) from exc  # fmt: skip
        raise ExportDataError(
            f"Spark cannot read the export ({type(exc).__name__})",
            location=location,
            hint="run with --debug for its message, or with --engine polars",
        ) from exc
