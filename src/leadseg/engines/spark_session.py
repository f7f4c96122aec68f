"""Where Spark runs, and how its errors read: the session leadseg uses (an active one, a
Spark Connect server named by ``SPARK_REMOTE``, or a new local or cluster Spark), quiet
about its own start-up, and Spark's errors as located leadseg errors."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

REMOTE_VAR = "SPARK_REMOTE"
MASTER_VAR = "LEADSEG_SPARK_MASTER"


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
        with quiet_stderr():
            return builder.remote(remote).getOrCreate()
    master = master or os.environ.get(MASTER_VAR) or "local[*]"
    log = Path(__file__).with_name("spark-log4j2.properties")
    builder = (
        builder.master(master)
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log.as_uri()}")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
    )
    with quiet_stderr():  # the JVM's start-up notices; leadseg reports errors itself
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("FATAL")  # leadseg reports Spark's errors itself
    return spark


@contextmanager
def quiet_stderr() -> Iterator[None]:
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


@contextmanager
def spark_errors(display: str) -> Iterator[None]:
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
