"""The engine conformance suite, written once and run per engine: DuckDB and Spark give
what the Polars engine gives -- counts, rows, unreadable values with their row numbers,
errors with their locations, the bytes `apply` writes -- and what the reference evaluator
(tests/oracle.py) says. Every input here is a local file, read by each engine as
`leadseg count/apply/validate --engine NAME` reads it."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import leadseg
from tests.oracle import Oracle, read_csv_rows
from tests.test_properties import AS_OF, rows_strategy, segment_files, write_export

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))
ENGINES = ["duckdb", "spark"]
# Hypothesis examples per engine: a Spark query costs a few hundred milliseconds.
EXAMPLES = {"duckdb": 60, "spark": 12}


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    if request.param == "spark":
        request.getfixturevalue("spark_session")
    return request.param


def as_parquet(csv_path: Path) -> Path:
    frame = pl.read_csv(csv_path, infer_schema=False)
    target = csv_path.with_suffix(".parquet")
    frame.write_parquet(target)
    return target


def outcome(path: Path, segments, engine: str, **options) -> dict | tuple:
    """The count's result, or the error's exit code, message and location."""
    try:
        run = leadseg.RunOptions(engine=engine, **options)
        return leadseg.count_segments(path, segments, run).to_dict()
    except leadseg.LeadsegError as exc:
        return exc.exit_code, str(exc), [p.location.field for p in exc.problems]


def same_as_polars(path: Path, segments, engine: str, **options) -> dict | tuple:
    ours = outcome(path, segments, engine, **options)
    assert ours == outcome(path, segments, "polars", **options)
    return ours


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_every_semantics_case(tmp_path, engine, case, kind):
    data = yaml.safe_load(case.read_text(encoding="utf-8"))
    export = tmp_path / "export.csv"
    export.write_text(data["csv"], encoding="utf-8")
    if kind == "parquet":
        if case.stem == "blank_lines":
            return  # blank lines exist only in text files
        export = as_parquet(export)
    segments = leadseg.parse_segments(data["segments"], case.name)
    as_of = date.fromisoformat(str(data.get("as_of", "2026-11-28")))
    result = same_as_polars(export, segments, engine, as_of=as_of)
    assert {s["name"]: s["count"] for s in result["segments"]} == {
        n: len(v) for n, v in data["expected"].items()
    }


def test_typed_parquet_columns(tmp_path, engine):
    export = tmp_path / "typed.parquet"
    pl.DataFrame(
        {
            "Email": ["a@x", "b@x", "c@x", "d@x"],
            "Score": [70.0, None, float("nan"), 12.5],
            "Created": [date(2026, 11, 1), None, date(2025, 1, 1), date(2026, 11, 27)],
            "Country": pl.Series(["US", "NO", None, "us"], dtype=pl.Categorical),
        }
    ).write_parquet(export)
    segments = leadseg.parse_segments(
        "segments:\n  - name: hot\n    score: {at_least: 60}\n"
        "  - name: recent\n    profile: {field: Created, in_last_days: 30}\n"
        "  - name: us\n    profile: {field: Country, is: US}\n"
        "  - name: not us\n    profile: {field: Country, is_not: US}\n"
    )
    result = same_as_polars(export, segments, engine, as_of=date(2026, 11, 28))
    assert [s["count"] for s in result["segments"]] == [1, 2, 2, 2]


HOT = "segments:\n  - name: hot\n    score: {at_least: 60}\n"


def test_unreadable_values_keep_their_spreadsheet_rows(tmp_path, engine):
    export = tmp_path / "e.csv"
    # blank lines and a row of empty fields count as spreadsheet rows, and hold no contact
    export.write_text("Email,Score\na@x,70\n\nb@x,abc\n,\nc@x,5\nd@x,n/a?\n")
    result = same_as_polars(export, leadseg.parse_segments(HOT), engine)
    assert result["rows"] == 4
    assert result["unreadable"] == [
        {"column": "Score", "kind": "number", "count": 2, "values": 4, "rows": [4, 7]}
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Email,Score\na@x,70\nb@x,1,extra\n",  # a long row
        "Email,Score\na@x,70\nb@x\n",  # a short row
        'Email,Score\na@x,70\n"b@x,5\n',  # an unclosed quote
    ],
    ids=["long-row", "short-row", "unclosed-quote"],
)
def test_a_broken_file_is_the_same_located_error(tmp_path, engine, text):
    export = tmp_path / "e.csv"
    export.write_text(text)
    code, message, _ = same_as_polars(export, leadseg.parse_segments(HOT), engine)
    assert code == 65 and "e.csv" in message


def test_a_bad_byte_is_the_same_error(tmp_path, engine):
    export = tmp_path / "e.csv"
    export.write_bytes(b"Email,Score\na@x,70\nb\xff@x,5\n")
    code, message, _ = same_as_polars(export, leadseg.parse_segments(HOT), engine)
    assert code == 65 and "line 3" in message


def test_a_mostly_unreadable_column_stops_every_engine(tmp_path, engine):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,1.234,5\nb@x,12.5\nc@x,7.000,1\n".replace(",5\n", "\n"))
    export.write_text("Email,Score\na@x,01/02/2026\nb@x,03/04/2026\nc@x,5\n")
    segments = leadseg.parse_segments(
        "segments:\n  - name: new\n    profile: {field: Score, after: 2026-01-01}\n"
    )
    code, message, _ = same_as_polars(export, segments, engine)
    assert code == 65 and "Score" in message


def test_headers_differing_only_in_case_stay_apart(tmp_path, engine):
    export = tmp_path / "e.csv"
    export.write_text("Email,email,Score\na@x,US,70\nb@x,NO,80\n")
    segments = leadseg.parse_segments(
        "segments:\n  - name: us\n    profile: {field: email, is: us}\n"
        "  - name: x\n    profile: {field: Email, contains: b@}\n"
    )
    result = same_as_polars(export, segments, engine)
    assert [s["count"] for s in result["segments"]] == [1, 1]


def test_decomposed_text_matches_composed_literals(tmp_path, engine):
    export = tmp_path / "e.csv"
    export.write_text("Email,City\na@x,Tromso\u0308\nb@x,Troms\u00f8\nc@x,Malmo\u0308\n")
    segments = leadseg.parse_segments(
        "segments:\n  - name: malmo\n    profile: {field: City, is: Malm\u00f6}\n"
    )
    result = same_as_polars(export, segments, engine)
    assert [s["count"] for s in result["segments"]] == [1]


def test_validate_checks_a_sample_on_the_engine(cli, tmp_path, engine):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\n" + "".join(f"c{i}@x,{i}%\n" for i in range(30)))
    (tmp_path / "s.yaml").write_text(HOT)
    ours = cli("validate", tmp_path / "s.yaml", "--export", export, "--engine", engine)
    reference = cli("validate", tmp_path / "s.yaml", "--export", export, "--engine", "polars")
    assert ours.exit_code == reference.exit_code == 65
    assert ours.stderr == reference.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "csv"],
        ["--format", "tsv", "--excel-safe"],
        ["--format", "parquet"],
        ["--format", "ndjson"],
    ],
    ids=["csv", "tsv-excel-safe", "parquet", "ndjson"],
)
def test_apply_writes_the_same_files(cli, tmp_path, engine, args):
    export = tmp_path / "e.csv"
    rows = "".join(
        f"c{i}@x.com,{i % 97},=cmd{i % 7},{'US' if i % 3 else 'no'}\n" for i in range(500)
    )
    export.write_text("Email,Score,Note,Country\n" + rows + "\n,,,\n")
    (tmp_path / "s.yaml").write_text(
        HOT + "  - name: US hot\n    parent: hot\n    profile: {field: Country, is: us}\n"
        "  - name: low\n    score: {at_most: 20}\n"
    )
    outputs = {}
    for name in ("polars", engine):
        out = tmp_path / name
        result = cli(
            "apply", export, "-s", tmp_path / "s.yaml", "-o", out, "--mkdir", "--engine", name,
            "--as-of", "2026-11-28", *args,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        outputs[name] = {
            p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != ".leadseg.lock"
        }
    assert outputs[engine] == outputs["polars"]
    manifest = json.loads(outputs[engine]["manifest.json"])
    hot = [i for i in range(500) if i % 97 >= 60]
    expected = [
        len(hot),
        sum(1 for i in hot if i % 3 != 0),
        sum(1 for i in range(500) if i % 97 <= 20),
    ]
    assert [s["rows"] for s in manifest["segments"]] == expected


def test_apply_of_an_empty_export(cli, tmp_path, engine):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\n")
    (tmp_path / "s.yaml").write_text(HOT)
    out = tmp_path / "out"
    result = cli(
        "apply", export, "-s", tmp_path / "s.yaml", "-o", out, "--mkdir", "--engine", engine
    )
    assert result.exit_code == 0, result.stderr
    assert (out / "hot.csv").read_text() == "Email,Score\n"


@pytest.fixture
def engines_run(monkeypatch) -> list[str]:
    """The names of the engines whose pass runs, in order."""
    import leadseg.engines.polars.runner as polars_engine
    import leadseg.engines.sql.duckdb as duckdb_engine

    calls: list[str] = []
    for cls in (duckdb_engine.DuckDBEngine, polars_engine.PolarsEngine):
        for method in ("totals", "distributions", "member_batches"):
            real = getattr(cls, method)

            def spy(self, *args, _real=real, _name=cls.name, **kwargs):
                calls.append(_name)
                return _real(self, *args, **kwargs)

            monkeypatch.setattr(cls, method, spy)
    return calls


def test_auto_counts_parquet_on_duckdb_and_everything_else_on_polars(tmp_path, engines_run):
    from leadseg.api import explain_segments

    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\n")
    segments = leadseg.parse_segments(HOT)
    leadseg.count_segments(export, segments)
    leadseg.count_segments(as_parquet(export), segments)
    leadseg.validate_segments(segments, as_parquet(export))
    explain_segments(as_parquet(export), segments)
    leadseg.apply_segments(as_parquet(export), segments, tmp_path)  # writing: Polars
    assert engines_run == ["polars", "duckdb", "duckdb", "duckdb", "polars"]


@pytest.mark.parametrize("work", ["describe", "report", "diff"])
def test_auto_counts_values_and_keys_of_parquet_on_polars(tmp_path, monkeypatch, work):
    """Value counts and rows grouped by key are Polars' strength (one query; DuckDB
    needs a pass more and a join): ``auto`` picks it for them, on Parquet too."""
    import leadseg.engines as engines
    from leadseg.api import describe_export, diff_exports, report_data

    chosen: list[str] = []
    real = engines.engine_for
    monkeypatch.setattr(engines, "engine_for", lambda o: chosen.append(o.engine) or real(o))
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\nb@x,10\n")
    parquet, segments = as_parquet(export), leadseg.parse_segments(HOT)
    if work == "describe":
        describe_export(parquet, ["Score"], segments=segments)
    elif work == "report":
        report_data(parquet, segments)
    else:
        diff_exports(parquet, parquet, segments, "Email")
    assert chosen and set(chosen) == {"polars"}


def test_auto_without_duckdb_is_polars(tmp_path, monkeypatch, engines_run):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda m, *a: None if m == "duckdb" else real(m, *a)
    )
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\n")
    result = leadseg.count_segments(as_parquet(export), leadseg.parse_segments(HOT))
    assert result.segments[0].count == 1 and engines_run == ["polars"]


def test_each_extra_installs_what_its_engine_imports():
    """``engines.EXTRAS`` (what ``--engine`` checks before it runs) and the extras of
    pyproject.toml name the same modules: an engine whose extra lacks one fails mid-run."""
    import re
    import tomllib

    from leadseg.engines import EXTRAS

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    extras = project["project"]["optional-dependencies"]
    for engine, modules in EXTRAS.items():
        installed = {re.split(r"[\[<>=]", requirement)[0] for requirement in extras[engine]}
        assert set(modules) == installed, engine


@pytest.mark.parametrize(
    ("name", "module"), [("duckdb", "duckdb"), ("duckdb", "pyarrow"), ("spark", "pyspark")]
)
def test_a_missing_engine_names_the_install_command(cli, tmp_path, monkeypatch, name, module):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda m, *a: None if m == module else real(m, *a)
    )
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\n")
    result = cli("count", export, "--at-least", "1", "--engine", name)
    assert result.exit_code == 69 and f"pip install 'leadseg[{name}]'" in result.stderr
    assert cli("count", export, "--at-least", "1").exit_code == 0  # auto: Polars


def test_an_unknown_engine_is_a_usage_error(cli, tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\n")
    result = cli("count", export, "--at-least", "1", "--engine", "pandas")
    assert result.exit_code == 2 and "polars, duckdb, spark" in result.stderr


@pytest.mark.parametrize("name", ENGINES)
def test_every_engine_agrees_with_the_reference_evaluator(tmp_path, request, name):
    if name == "spark":
        request.getfixturevalue("spark_session")

    @settings(
        max_examples=EXAMPLES[name],
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        rows=rows_strategy,
        segment_file=segment_files(),
        decimal_comma=st.booleans(),
        blank_after=st.frozensets(st.integers(0, 25), max_size=3),
    )
    def agrees(rows, segment_file, decimal_comma, blank_after):
        path = tmp_path / "export.csv"
        text = write_export(path, rows, blank_after)
        header, parsed, numbers = read_csv_rows(text)
        oracle = Oracle(segment_file, header, as_of=AS_OF, decimal_comma=decimal_comma)
        expected = oracle.run(parsed, numbers)
        segments = leadseg.parse_segments(segment_file)
        result = same_as_polars(path, segments, name, as_of=AS_OF, decimal_comma=decimal_comma)
        if expected.error:
            event("stopped: mostly unreadable")
            assert result[0] == 65
            return
        assert result["rows"] == expected.rows
        assert {s["name"]: s["count"] for s in result["segments"]} == {
            n: len(m) for n, m in expected.members.items()
        }
        assert {
            u["column"]: (u["count"], u["values"], u["rows"]) for u in result["unreadable"]
        } == {
            c: (len(bad), expected.values[c], expected.first_rows(c))
            for c, bad in expected.unreadable.items()
        }

    agrees()


# -- Spark: lake inputs and Spark Connect ---------------------------------------------------


@pytest.fixture
def lake(tmp_path) -> Path:
    """A directory of CSV part files, as Spark jobs write them (with a _SUCCESS marker): a
    blank line, a row of empty fields and a value spanning lines."""
    folder = tmp_path / "contacts"
    folder.mkdir()
    (folder / "part-00000.csv").write_text('Email,Score\na@x,70\n\nb@x,5\n,\n"c\n@x",80\n')
    (folder / "part-00001.csv").write_text("Email,Score\nd@x,90\ne@x,high\n")
    (folder / "_SUCCESS").write_text("")
    return folder


def test_spark_reads_a_directory_of_part_files(cli, lake, spark_session):
    result = cli("count", lake, "--at-least", "60", "--engine", "spark", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["rows"] == 5 and data["segments"][0]["count"] == 3
    # a lake input has no spreadsheet rows: unreadable values are counted, not located
    assert data["unreadable"] == [
        {"column": "Score", "kind": "number", "count": 1, "values": 5, "rows": []}
    ]
    glob = cli("count", f"{lake}/part-*.csv", "--at-least", "60", "--engine", "spark")
    assert glob.exit_code == 0 and glob.stdout.endswith("\t3\n")


def test_spark_apply_of_parquet_parts_writes_what_one_file_gives(cli, tmp_path, spark_session):
    frame = pl.DataFrame(
        {"Email": [f"c{i}@x" for i in range(300)], "Score": [str(i % 100) for i in range(300)]}
    )
    single = tmp_path / "all.parquet"
    frame.write_parquet(single)
    parts = tmp_path / "parts"
    parts.mkdir()
    frame.slice(0, 120).write_parquet(parts / "part-00000.parquet")
    frame.slice(120).write_parquet(parts / "part-00001.parquet")
    (tmp_path / "s.yaml").write_text(HOT)
    written = {}
    for name, source, engine in (("one", single, "polars"), ("lake", parts, "spark")):
        out = tmp_path / name
        result = cli(
            "apply", source, "-s", tmp_path / "s.yaml", "-o", out, "--mkdir", "--engine", engine,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        written[name] = (out / "hot.csv").read_bytes()
    assert written["lake"] == written["one"]
    assert written["one"].count(b"\n") == 1 + sum(1 for i in range(300) if i % 100 >= 60)
    manifest = json.loads((tmp_path / "lake" / "manifest.json").read_text())
    assert manifest["input"]["sha256"] is None and manifest["input"]["rows"] == 300


def test_a_ragged_part_file_is_named(cli, lake, spark_session):
    (lake / "part-00002.csv").write_text("Email,Score\nf@x,1,2\n")
    result = cli("count", lake, "--at-least", "60", "--engine", "spark")
    assert result.exit_code == 65
    assert "part-00002.csv" in result.stderr and "more or fewer fields" in result.stderr


def test_a_part_file_with_its_columns_in_another_order_is_an_error(cli, lake, spark_session):
    """Each part's header is checked against the first one's: swapped columns would shift
    every value of that part into the wrong column."""
    (lake / "part-00002.csv").write_text("Score,Email\n99,f@x\n")
    result = cli("count", lake, "--at-least", "60", "--engine", "spark")
    assert result.exit_code == 65, result.stderr
    assert "differs from the other parts'" in result.stderr
    assert "(Score, Email)" in result.stderr and "(Email, Score)" in result.stderr


def test_part_files_with_a_byte_order_mark_and_dotted_names(cli, tmp_path, spark_session):
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "part-0.csv").write_text("\ufeffE.mail,Score.2026\na@x,70\n", encoding="utf-8")
    (folder / "part-1.csv").write_text("\ufeffE.mail,Score.2026\nb@x,80\nc@x,5\n")
    args = ["--at-least", "60", "--score-field", "Score.2026", "--engine", "spark"]
    result = cli("count", folder, *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["segments"][0]["count"] == 2


def test_only_spark_reads_a_directory(cli, lake):
    result = cli("count", lake, "--at-least", "60")
    assert result.exit_code == 2 and "--engine spark" in result.stderr


def test_a_path_spark_finds_nothing_at_is_an_error(cli, tmp_path, spark_session):
    result = cli("count", f"{tmp_path}/nothing-*.csv", "--at-least", "1", "--engine", "spark")
    assert result.exit_code == 65 and "nothing-*.csv" in result.stderr


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory):
    """A Spark Connect server, started with the script pyspark ships."""
    import os
    import socket
    import subprocess
    import time

    import pyspark

    home = Path(pyspark.__file__).parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    logs = tmp_path_factory.mktemp("connect")
    env = os.environ | {
        "SPARK_HOME": str(home), "SPARK_NO_DAEMONIZE": "1", "SPARK_LOG_DIR": str(logs),
        "SPARK_PID_DIR": str(logs), "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
    }  # fmt: skip
    server = subprocess.Popen(
        ["bash", str(home / "sbin" / "start-connect-server.sh"), "--master", "local[2]",
         "--conf", f"spark.connect.grpc.binding.port={port}", "--conf", "spark.ui.enabled=false"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        else:
            raise RuntimeError("the Spark Connect server did not start")
        yield f"sc://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)


def remote_and_local(args: list[str], server: str) -> dict:
    """The JSON ``args`` print through Spark Connect, checked equal to a local run's."""
    import os
    import subprocess

    remote = subprocess.run(
        [*args, "--engine", "spark"], env=os.environ | {"SPARK_REMOTE": server},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    local = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert remote.returncode == local.returncode == 0, remote.stderr
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    return json.loads(remote.stdout)


def test_spark_connect_gives_the_same_counts(tmp_path, connect_server):
    export = tmp_path / "e.csv"
    # decomposed text needs the normalising function, which runs on the server
    export.write_text("Email,City,Score\na@x,Malmo\u0308,70\nb@x,Oslo,abc\nc@x,Malm\u00f6,5\n")
    (tmp_path / "s.yaml").write_text(
        HOT + "  - name: malmo\n    profile: {field: City, is: Malm\u00f6}\n"
    )
    args = [
        sys.executable,
        "-m",
        "leadseg",
        "count",
        str(export),
        "-s",
        str(tmp_path / "s.yaml"),
        "--format",
        "json",
    ]
    counted = remote_and_local(args, connect_server)
    assert [s["count"] for s in counted["segments"]] == [1, 2]


def test_spark_connect_diffs_two_exports(tmp_path, connect_server):
    """Both exports' keys are grouped on the server, each while its own view is registered
    (the second replaces the first), and joined there."""
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text("Email,Score\na@x,70\nb@x,10\nc@x,90\nc@x,5\n")
    new.write_text("Email,Score\nA@X ,10\nb@x,80\nd@x,95\n,99\nC@x,70\n")
    (tmp_path / "s.yaml").write_text(HOT)
    args = [sys.executable, "-m", "leadseg", "diff", str(old), str(new), "-s", str(tmp_path / "s.yaml"), "--key",
            "Email", "--format", "json"]  # fmt: skip
    figures = remote_and_local(args, connect_server)["segments"][0]
    assert (figures["entered"], figures["left"], figures["stayed"]) == (2, 1, 1)


def test_spark_connect_describes_text(tmp_path, connect_server):
    """A text column's values are cut to the most common ones on the server."""
    export = tmp_path / "tags.csv"
    tags = [f"t{i % 13}" for i in range(60)] + [f"u{i}" for i in range(40)]
    export.write_text("Email,Tag\n" + "".join(f"{i}@x,{t}\n" for i, t in enumerate(tags)))
    args = [
        sys.executable,
        "-m",
        "leadseg",
        "describe",
        str(export),
        "-f",
        "Tag",
        "--format",
        "json",
    ]
    (tag,) = remote_and_local(args, connect_server)["fields"]
    assert tag["distinct"] == 53 and len(tag["top"]) == 10


def test_every_white_space_character_is_trimmed(tmp_path, engine):
    from leadseg.rules import WHITESPACE

    export = tmp_path / "e.csv"
    rows = "".join(f'c{i}@x,"{ch}70{ch}","{ch}US{ch}"\n' for i, ch in enumerate(WHITESPACE))
    export.write_text("Email,Score,Country\n" + rows, encoding="utf-8")
    segments = leadseg.parse_segments(HOT + "  - name: us\n    profile: {field: Country, is: us}\n")
    result = same_as_polars(export, segments, engine)
    assert [s["count"] for s in result["segments"]] == [len(WHITESPACE)] * 2


def test_a_column_duckdb_reserves(tmp_path, cli, engines_run):
    export = tmp_path / "e.parquet"
    pl.DataFrame(
        {"Email": ["a", "b"], "File_Row_Number": ["x", "y"], "Score": ["70", "1"]}
    ).write_parquet(export)
    auto = cli("count", export, "--at-least", "60")
    assert auto.exit_code == 0 and auto.stdout.endswith("\t1\n") and engines_run == ["polars"]
    asked = cli("count", export, "--at-least", "60", "--engine", "duckdb")
    assert asked.exit_code == 2 and "--engine polars" in asked.stderr


# -- apply --spark-parts ----------------------------------------------------------------------


def joined_parts(folder: Path) -> bytes:
    """A directory of CSV parts as one file: parts in name order, the header once."""
    parts = sorted(folder.glob("part-*"))
    chunks = [parts[0].read_bytes()]
    chunks += [p.read_bytes().split(b"\n", 1)[1] for p in parts[1:] if p.stat().st_size]
    return b"".join(chunks)


def test_spark_parts_hold_the_rows_in_file_order(cli, tmp_path, spark_session):
    export = tmp_path / "e.csv"
    rows = "".join(f'c{i}@x.com,{i % 100},"line\none {i}"\n' for i in range(3000))
    export.write_text("Email,Score,Note\n" + rows)
    (tmp_path / "s.yaml").write_text(HOT + "  - name: low\n    score: {at_most: 20}\n")
    # several parts per segment: three sort partitions, not coalesced for small data
    spark_session.conf.set("spark.sql.shuffle.partitions", "3")
    spark_session.conf.set("spark.sql.adaptive.coalescePartitions.enabled", "false")
    try:
        parts = cli(
            "apply", export, "-s", tmp_path / "s.yaml", "-o", tmp_path / "parts", "--mkdir",
            "--engine", "spark", "--spark-parts", "--file-mode", "640",
        )  # fmt: skip
    finally:
        spark_session.conf.set("spark.sql.shuffle.partitions", "1")
        spark_session.conf.set("spark.sql.adaptive.coalescePartitions.enabled", "true")
    assert parts.exit_code == 0, parts.stderr
    one = cli("apply", export, "-s", tmp_path / "s.yaml", "-o", tmp_path / "one", "--mkdir")
    assert one.exit_code == 0
    for name in ("hot.csv", "low.csv"):
        folder = tmp_path / "parts" / name
        assert folder.is_dir() and len(list(folder.glob("part-*"))) > 1
        assert joined_parts(folder) == (tmp_path / "one" / name).read_bytes()
        assert {oct(p.stat().st_mode & 0o777) for p in folder.iterdir()} == {"0o640"}
        assert not list(folder.glob("*.crc"))
    manifest = json.loads((tmp_path / "parts" / "manifest.json").read_text())
    assert manifest["spark_parts"] is True
    assert [(s["file"], s["rows"]) for s in manifest["segments"]] == [
        ("hot.csv", sum(1 for i in range(3000) if i % 100 >= 60)),
        ("low.csv", sum(1 for i in range(3000) if i % 100 <= 20)),
    ]


def test_parts_and_files_replace_each_other(cli, tmp_path, spark_session):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\nb@x,10\n")
    (tmp_path / "s.yaml").write_text(HOT)
    out = tmp_path / "out"
    base = ["apply", export, "-s", tmp_path / "s.yaml", "-o", out, "--mkdir", "--engine", "spark"]
    assert cli(*base).exit_code == 0 and (out / "hot.csv").is_file()
    assert cli(*base, "--spark-parts").exit_code == 0 and (out / "hot.csv").is_dir()
    assert cli(*base, "--spark-parts", "--format", "parquet").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        ".leadseg.lock",
        "hot.parquet",
        "manifest.json",
    ]
    assert pl.read_parquet(out / "hot.parquet").to_dicts() == [{"Email": "a@x", "Score": "70"}]
    assert cli(*base, "--format", "parquet").exit_code == 0 and (out / "hot.parquet").is_file()
    assert sorted(p.name for p in out.iterdir()) == [
        ".leadseg.lock",
        "hot.parquet",
        "manifest.json",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "polars"], "--engine spark"),
        (["--engine", "spark", "--excel-safe"], "--excel-safe"),
    ],
)
def test_spark_parts_usage_errors(cli, tmp_path, args, message):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\n")
    (tmp_path / "s.yaml").write_text(HOT)
    out = tmp_path / "out"
    out.mkdir()
    result = cli("apply", export, "-s", tmp_path / "s.yaml", "-o", out, "--spark-parts", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert list(out.iterdir()) == []


def test_a_directory_leadseg_did_not_write_is_never_replaced(cli, tmp_path, spark_session):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\n")
    (tmp_path / "s.yaml").write_text(HOT)
    out = tmp_path / "out"
    (out / "hot.csv").mkdir(parents=True)
    (out / "hot.csv" / "mine.txt").write_text("keep me")
    result = cli(
        "apply", export, "-s", tmp_path / "s.yaml", "-o", out, "--engine", "spark", "--spark-parts"
    )
    assert result.exit_code == 74 and "did not write" in result.stderr
    assert [p.name for p in (out / "hot.csv").iterdir()] == ["mine.txt"]
    assert sorted(p.name for p in out.iterdir()) == [".leadseg.lock", "hot.csv"]


def test_unreadable_values_on_a_lake_are_counted_and_checked(cli, lake, spark_session):
    (lake / "part-00002.csv").write_text('Email,Score\nf@x,"1,5"\ng@x,"2,5"\nh@x,"3,5"\n')
    strict = cli("count", lake, "--at-least", "60", "--engine", "spark", "--strict")
    assert strict.exit_code == 65 and "are not blank and not a number" in strict.stderr
    (lake / "part-00000.csv").unlink()
    (lake / "part-00001.csv").write_text('Email,Score\nd@x,"9,5"\n')
    mostly = cli("count", lake, "--at-least", "60", "--engine", "spark")
    assert mostly.exit_code == 65 and "4 of its 4 values" in mostly.stderr
    assert "--decimal-comma" in mostly.stderr  # the diagnosis read the values on Spark


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"JAVA_HOME": "/nonexistent-java"}, "did not start: "),
        ({"SPARK_REMOTE": "sc://127.0.0.1:9"}, "does not answer"),
    ],
    ids=["no-java", "no-connect-server"],
)
def test_a_spark_that_does_not_start_is_a_clear_error(tmp_path, env, message):
    import os
    import subprocess

    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\n")
    done = subprocess.run(
        [sys.executable, "-m", "leadseg", "count", str(export), "--at-least", "1", "--engine", "spark"],
        env=os.environ | env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 69, done.stderr
    assert message in done.stderr and "hint:" in done.stderr
    assert "Traceback" not in done.stderr


def test_nested_columns_are_json_text_in_csv_on_every_engine(cli, tmp_path, engine):
    export = tmp_path / "n.parquet"
    pl.DataFrame(
        {"Email": ["a", "b"], "Score": ["70", "1"], "Tags": [[1, 2], [3]], "Who": [{"x": 1}, None]}
    ).write_parquet(export)
    (tmp_path / "s.yaml").write_text(HOT)
    runs = [("polars", []), (engine, [])]
    if engine == "spark":
        runs.append(("spark", ["--spark-parts"]))
    written = []
    for i, (name, extra) in enumerate(runs):
        out = tmp_path / f"out{i}"
        result = cli(
            "apply", export, "-s", tmp_path / "s.yaml", "-o", out, "--mkdir", "--engine", name,
            *extra,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        target = out / "hot.csv"
        written.append(joined_parts(target) if target.is_dir() else target.read_bytes())
    assert written[0] == b'Email,Score,Tags,Who\na,70,"[1,2]","{""x"":1}"\n'
    assert all(w == written[0] for w in written)


def test_a_column_named_like_spark_metadata(tmp_path, cli, spark_session):
    export = tmp_path / "m.parquet"
    pl.DataFrame(
        {"Email": ["a", "b"], "_metadata": ["x", "y"], "Score": ["70", "1"]}
    ).write_parquet(export)
    parts = tmp_path / "parts"
    parts.mkdir()
    pl.read_parquet(export).write_parquet(parts / "part-00000.parquet")
    for source in (export, parts):
        result = cli("count", source, "--at-least", "60", "--engine", "spark")
        assert result.exit_code == 0, result.stderr
        assert result.stdout.endswith("\t1\n")


def test_lake_csv_headers_follow_the_local_rules(cli, lake, spark_session):
    (lake / "part-00002.csv").write_text("Email,Score\nz@x,99\n")
    ok = cli("count", lake, "--at-least", "60", "--engine", "spark")
    assert ok.exit_code == 0 and ok.stdout.endswith("\t4\n")
    assert "(row" not in ok.stderr and "1 value(s) in column 'Score'" in ok.stderr
    for part in lake.glob("part-*.csv"):
        part.write_text(part.read_text().replace("Email,Score", "Email,Email", 1))
    dupes = cli("count", lake, "--at-least", "60", "--engine", "spark", "--score-field", "Email")
    assert dupes.exit_code == 65 and "duplicate column name(s)" in dupes.stderr


def test_a_local_spark_runs_its_python_workers_with_leadsegs_python(monkeypatch):
    """Not the first python3 on PATH (another version, from an unactivated venv or a pipx
    install: its workers refuse leadseg's Python function)."""
    from leadseg.engines.sql.spark_session import choose_worker_python

    monkeypatch.delenv("PYSPARK_PYTHON", raising=False)
    choose_worker_python("spark://cluster:7077")  # workers elsewhere: their own Python
    assert "PYSPARK_PYTHON" not in os.environ
    choose_worker_python("local[2]")
    assert os.environ["PYSPARK_PYTHON"] == sys.executable
    monkeypatch.setenv("PYSPARK_PYTHON", "/opt/python")
    choose_worker_python("local[*]")
    assert os.environ["PYSPARK_PYTHON"] == "/opt/python"
