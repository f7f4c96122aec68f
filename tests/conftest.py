from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadseg.cli.app import app
from tests.fs_fixtures import *  # noqa: F403  (the case-insensitive and no-hard-link disks)

ROOT = Path(__file__).resolve().parent.parent


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Under CI every test runs: a skipped one fails the run (``tests/programs.py``)."""
    import os

    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("CI") and skipped and exitstatus == 0:
        terminalreporter.write_line(
            f"CI: {len(skipped)} tests were skipped (see the reasons above): failing the run",
            red=True,
        )


def pytest_sessionfinish(session, exitstatus):
    import os

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if os.environ.get("CI") and skipped and exitstatus == 0:
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def private_caches(tmp_path_factory, monkeypatch):
    """Every test gets its own compiled-segment cache and no export cache from the outside."""
    monkeypatch.setenv("LEADSEG_SEGMENT_CACHE_DIR", str(tmp_path_factory.mktemp("segcache")))
    monkeypatch.delenv("LEADSEG_CACHE_DIR", raising=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner: CliRunner):
    """Run the CLI in-process; returns the result (exit_code, stdout, stderr)."""

    def invoke(*args: str, input: str | bytes | None = None):
        return runner.invoke(app, [str(a) for a in args], input=input)

    return invoke


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def contacts(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "contacts.csv",
        ["Email", "Overall Behavior Score", "SFDC Lead Score", "Country", "Zip"],
        [
            ["a@x.com", "75", "50", "US", "01234"],
            ["b@x.com", " 10 ", "90", "NO", "02134"],
            ["c@x.com", "1,234", "", "CA", ""],
            ["d@x.com", "60.0", "40", "de", "90210"],
        ],
    )


@pytest.fixture
def segfile(tmp_path: Path):
    def make(text: str, name: str = "segments.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return make


def published(directory: Path) -> list[str]:
    """What a run left in an output directory, besides its never-deleted lock file."""
    return sorted(p.name for p in directory.iterdir() if p.name != ".leadseg.lock")


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs: a real full disk (needs root, as on the CI machines)."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


@pytest.fixture(scope="session")
def spark_session():
    """One local Spark for every test that runs the Spark engine (which uses the active
    session): two threads, no UI, a JVM tuned for start-up over peak speed."""
    import os
    import sys
    import warnings

    from tests.programs import require

    require("java", "the Spark engine")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # as leadseg's own session does
    warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("leadseg-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    yield spark
    spark.stop()


@pytest.fixture(params=["polars", "duckdb", "spark"])
def every_engine(request) -> str:
    """Each engine in turn (Spark's session started once, for all its tests)."""
    if request.param == "spark":
        request.getfixturevalue("spark_session")
    return request.param
