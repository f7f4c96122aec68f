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
    set, else ``master`` (``--spark-master``; default ``local[*]``). A Spark that does not
    start is exit 69, with the last lines the JVM printed."""
    import logging
    import warnings
    from pathlib import Path

    # pyspark warns about pandas versions; leadseg never hands Spark a pandas frame. And it
    # logs each failed query's context as JSON: leadseg reports the error itself.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
    logging.getLogger("DataFrameQueryContextLogger").setLevel(logging.CRITICAL)
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("leadseg")
    remote = os.environ.get(REMOTE_VAR)
    if remote:  # "local[2]" starts a Connect server here: its JVM is quiet too
        reachable(remote)
        with started(f"the Spark Connect server {remote}"):
            return builder.remote(remote).getOrCreate()
    master = master or os.environ.get(MASTER_VAR) or "local[*]"
    choose_worker_python(master)
    log = Path(__file__).with_name("spark-log4j2.properties")
    builder = (
        builder.master(master)
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log.as_uri()}")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
    )
    with started(f"Spark ({master})"):
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("FATAL")  # leadseg reports Spark's errors itself
    return spark


def choose_worker_python(master: str) -> None:
    """Spark starts its Python workers with the first ``python3`` on PATH: from an
    unactivated venv or a pipx or uv tool install that is another Python (or none, as on
    Windows), and a query with leadseg's Python function fails. A local Spark's workers run
    beside this process, so this interpreter is the right one (``PYSPARK_PYTHON`` wins)."""
    import sys

    if master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


CONNECT_PORT = 15002  # Spark Connect's default
CONNECT_TIMEOUT = 10.0  # seconds


def reachable(remote: str) -> None:
    """Fail fast (exit 69) when a ``sc://host:port`` server does not answer: Spark's client
    would retry for ten minutes before saying so."""
    import socket
    from urllib.parse import urlsplit

    from leadseg.errors import EngineUnavailableError

    if not remote.startswith("sc://"):
        return
    parts = urlsplit(remote.split(";", 1)[0])
    host, port = parts.hostname or "localhost", parts.port or CONNECT_PORT
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise EngineUnavailableError(
            f"the Spark Connect server {host}:{port} does not answer ({exc.strerror or exc})",
            hint="check SPARK_REMOTE and that the server runs, or unset SPARK_REMOTE",
        ) from None


@contextmanager
def started(what: str) -> Iterator[None]:
    """Start Spark with standard error (file descriptor 2, which a started JVM inherits)
    kept in a temporary file: its start-up notices are not shown, and when it does not
    start, its last lines are the error's."""
    import sys
    import tempfile

    from leadseg.errors import EngineUnavailableError

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as kept:
        try:
            os.dup2(kept.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
                os.close(saved)
        except Exception as exc:
            kept.seek(0)
            lines = kept.read().decode(errors="replace").strip().splitlines()[-3:]
            said = "; ".join(line.strip() for line in lines) or type(exc).__name__
            raise EngineUnavailableError(
                f"{what} did not start: {said}",
                hint="Spark needs Java 17 or newer (java on PATH or JAVA_HOME); check "
                "--spark-master or SPARK_REMOTE, or use --engine polars",
            ) from exc


def _csv_file(text: str) -> str | None:
    import re

    found = re.search(r"CSV file: (\S+)", text)
    return found.group(1) if found else None


@contextmanager
def spark_errors(display: str, action: str = "read the export") -> Iterator[None]:
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
        if "CSV header does not conform to the schema" in text:
            header = re.search(r"Header: (.*)", text)
            schema = re.search(r"Schema: (.*)", text)
            found = f" ({header.group(1).strip()})" if header else ""
            others = f" ({schema.group(1).strip()})" if schema else ""
            raise ExportDataError(
                f"this part file's header{found} differs from the other parts'{others}",
                location=Location(file=_csv_file(text) or location.file),
                hint="every part file needs the same columns in the same order",
            ) from exc
        if "PATH_NOT_FOUND" in text or "UNABLE_TO_INFER_SCHEMA" in text:
            raise ExportDataError(
                "Spark finds no readable files there", location=location,
                hint="check the path and --input-format (csv, parquet or ndjson)",
            ) from exc  # fmt: skip
        raise ExportDataError(
            f"Spark cannot {action} ({type(exc).__name__})",
            location=location,
            hint="run with --debug for its message, or with --engine polars",
        ) from exc
