"""Run every benchmark task for leadseg and its peers, side by side, and write RESULTS.md.

    python bench/run.py                     # everything (about 20-30 minutes on 2 cores)
    python bench/run.py --quick             # skip the 5M-row tasks
    python bench/run.py --rounds 7 --data /tmp/leadseg-bench

Every command runs as a whole process. Within a task the commands are interleaved
(A B C A B C ...) after one warm-up round, so a noisy neighbour hits all of them alike.
Per command: median wall time, min-max, peak RSS; per task: the ratio of each command to the
task's baseline, as the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEERS = BENCH / "peers"
SEGMENTS = BENCH / "segments"
PY = sys.executable
SIZES = {"10k": 10_000, "1m": 1_000_000, "5m": 5_000_000}
AS_OF = "2026-11-28"  # for the tasks whose segments read dates relative to today


@dataclass
class Command:
    label: str
    argv: list[str]
    out_dir: Path | None = None  # emptied before each run
    env: dict[str, str] | None = None
    times: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    anon_mb: list[float] = field(default_factory=list)  # peak anonymous memory (sampled)


@dataclass
class Task:
    name: str
    target: str
    commands: list[Command]  # the first is the baseline
    check: str = "ratio"  # "ratio" | "rss" | "none"
    limit: float | None = None  # ratio limit (vs baseline) for the leadseg command
    rss_limit_mb: float | None = None
    setup: list[list[str]] = field(default_factory=list)  # run once, untimed
    # Ratio limits of other commands than the first leadseg one, by label.
    limits: dict[str, float] = field(default_factory=dict)
    min_rounds: int = 0  # a small effect against noise: at least this many rounds


def leadseg(*args: str) -> list[str]:
    return [PY, "-m", "leadseg", *args]


def peer(script: str, *args: str) -> list[str]:
    return [PY, str(PEERS / script), *args]


def run_once(command: Command) -> None:
    if command.out_dir is not None:
        shutil.rmtree(command.out_dir, ignore_errors=True)
        command.out_dir.mkdir(parents=True)
    env = {**os.environ, **(command.env or {})}
    start = time.perf_counter()
    proc = subprocess.Popen(
        command.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=PEERS
    )
    sampler = AnonymousMemory(proc.pid)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    sampler.stop()
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{command.label} failed ({proc.returncode}):\n{stderr[-2000:]}")
    command.times.append(elapsed)
    command.rss_mb.append(usage.ru_maxrss / 1024)
    command.anon_mb.append(sampler.peak_mb)


class AnonymousMemory:
    """The peak of a process's anonymous memory (RssAnon in /proc: its heap, not the pages
    of files it maps, which peak RSS counts), sampled every 10 ms on a thread (Linux)."""

    def __init__(self, pid: int) -> None:
        import threading

        self.path, self.peak_mb, self._done = f"/proc/{pid}/status", 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(0.01):
            try:
                with open(self.path) as status:
                    for line in status:
                        if line.startswith("RssAnon:"):
                            self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)
            except (OSError, ValueError):
                return

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def run_task(task: Task, rounds: int) -> None:
    for argv in task.setup:
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=PEERS)
    print(f"== {task.name}", flush=True)
    for command in task.commands:  # warm-up: page cache, bytecode
        run_once(command)
        command.times.clear()
        command.rss_mb.clear()
        command.anon_mb.clear()
    for _ in range(max(rounds, task.min_rounds)):
        for command in task.commands:
            run_once(command)
    for command in task.commands:
        print(
            f"   {command.label:<34} median {statistics.median(command.times):7.3f} s", flush=True
        )


def ratio(command: Command, baseline: Command) -> float:
    return statistics.median(c / b for c, b in zip(command.times, baseline.times, strict=True))


def make_data(data: Path, sizes: list[str]) -> dict[str, Path]:
    data.mkdir(parents=True, exist_ok=True)
    files = {}
    for size in sizes:
        csv = data / f"contacts-{size}.csv"
        if not csv.exists():
            print(f"generating {csv} ...", flush=True)
            subprocess.run(
                [PY, str(BENCH / "generate_export.py"), "--rows", str(SIZES[size]), str(csv)],
                check=True,
            )
        files[size] = csv
    parquet = data / "contacts-1m.parquet"
    if "1m" in sizes and not parquet.exists():
        # In a child process: the runner stays small, because Linux carries a parent's peak
        # RSS over into each child it starts.
        code = "import polars as pl, sys; pl.scan_csv(sys.argv[1], infer_schema=False).sink_parquet(sys.argv[2])"
        subprocess.run([PY, "-c", code, str(files["1m"]), str(parquet)], check=True)
    files["1m-parquet"] = parquet
    if "5m" in sizes:  # 10M rows for the Parquet decision, written straight to Parquet
        big = data / "contacts-10m.parquet"
        if not big.exists():
            print(f"generating {big} ...", flush=True)
            subprocess.run(
                [PY, str(BENCH / "generate_export.py"), "--rows", "10000000", str(big)], check=True
            )
        files["10m-parquet"] = big
    # The shapes CRMs export (generate_export.py --shape crm): a free-text last column, half
    # empty, quoted where it holds commas or doubled quotes; one note spanning lines; CR LF
    # and a BOM as Excel and Windows exporters write them.
    crm = {"crm-1m": ["--rows", "1000000"], "crm-1m-ml": ["--rows", "1000000", "--multiline", "1"]}
    crm["crm-1m-crlf"] = ["--rows", "1000000", "--crlf", "--bom"]
    if "5m" in sizes:
        crm["crm-5m"] = ["--rows", "5000000"]
    for name, flags in crm.items():
        csv = data / f"{name}.csv"
        if not csv.exists():
            print(f"generating {csv} ...", flush=True)
            subprocess.run(
                [PY, str(BENCH / "generate_export.py"), "--shape", "crm", *flags, str(csv)],
                check=True,
            )
        files[name] = csv
    # Issue #19: a 100k-row workbook, and the CRM shape as a connector writes money and times.
    derived = {"workbook-100k": ("workbook", "contacts-1m.csv", "contacts-100k.xlsx")}
    derived["crm-1m-money"] = ("money", "crm-1m.csv", "crm-1m-money.csv")
    derived["crm-1m-scored"] = ("scored", "crm-1m.csv", "crm-1m-scored.csv")
    for key, (kind, source, name) in derived.items():
        target = data / name
        if not target.exists() and (data / source).exists():
            print(f"generating {target} ...", flush=True)
            script = str(BENCH / "derived_exports.py")
            subprocess.run([PY, script, kind, str(data / source), str(target)], check=True)
        if target.exists():
            files[key] = target
    return files


def tasks(files: dict[str, Path], scratch: Path, quick: bool) -> list[Task]:
    def spec(name: str) -> str:
        return str(SEGMENTS / f"{name}.yaml")

    def count_task(title, target, size_key, seg, limit, peers=("duckdb", "pandas")):
        export = str(files[size_key])
        commands = [
            Command("polars script (baseline)", peer("polars_script.py", "count", export, seg)),
            Command("leadseg count", leadseg("count", export, "-s", spec(seg))),
        ]
        if not export.endswith(".parquet"):  # the same run without the remembered structure
            commands.append(
                Command(
                    "leadseg count (first run: proven)",
                    leadseg("count", export, "-s", spec(seg)),
                    env={"LEADSEG_NO_STRUCTURE_CACHE": "1"},
                )
            )
        if "duckdb" in peers:
            commands.append(Command("duckdb", peer("duckdb_count.py", export, seg)))
        if "pandas" in peers:
            commands.append(Command("pandas", peer("pandas_count.py", export, seg)))
        return Task(title, target, commands, limit=limit)

    def apply_task(size_key, seg, limit, rss_limit):
        export = str(files[size_key])
        ref_out, out = scratch / f"ref-{seg}-{size_key}", scratch / f"leadseg-{seg}-{size_key}"
        return Task(
            f"apply, {seg} segments, {size_key.upper()}-row CSV -> CSV",
            "<= 0.60x the sinks script" + (f", RSS <= {rss_limit} MB" if rss_limit else ""),
            [
                Command(
                    "polars sinks + collect_all (reference)",
                    peer("polars_script.py", "sinks", export, seg, str(ref_out)),
                    ref_out,
                ),
                Command(
                    "leadseg apply", leadseg("apply", export, "-s", spec(seg), "-o", str(out)), out
                ),
            ],
            limit=limit,
            rss_limit_mb=rss_limit,
        )

    def engine_task(title, target, size_key, limits, engines):
        export = str(files[size_key])
        commands = [
            Command("duckdb SQL by hand (baseline)", peer("duckdb_count.py", export, "ten"))
        ]
        if size_key == "1m-parquet":  # for reading the ratios: the same SQL with leadseg's rules
            rules = peer("duckdb_rules_count.py", export)
            commands.append(Command("duckdb SQL by hand, leadseg's rules", rules))
        commands += [
            Command(
                f"leadseg count --engine {engine}",
                leadseg("count", export, "-s", spec("ten"), "--engine", engine),
            )
            for engine in engines
        ]
        return Task(title, target, commands, limits=limits)

    def spark_task():
        spark_env = {"SPARK_LOCAL_IP": "127.0.0.1"}
        commands = [
            Command(
                f"leadseg count --engine spark, {size.upper()} rows",
                leadseg("count", str(files[size]), "-s", spec("ten"), "--engine", "spark"),
                env=spark_env,
            )
            for size in ("10k", "1m")
        ]
        return Task(
            "Spark local[*]: count, 10 segments, 10k and 1M-row CSV",
            "reported: start-up (10k) and per-row cost",
            commands,
            check="none",
        )

    def workbench_task():
        export, segments = str(files["1m"]), spec("ten")
        commands = [Command("leadseg count (baseline)", leadseg("count", export, "-s", segments))]
        for command in ("describe", "explain", "overlap"):
            commands.append(Command(f"leadseg {command}", leadseg(command, export, "-s", segments)))
        limits = {f"leadseg {command}": 1.3 for command in ("describe", "explain", "overlap")}
        return Task(
            "workbench: describe, explain, overlap, 10 segments, 1M-row CSV",
            "each <= 1.3x count with the same segments",
            commands,
            limits=limits,
        )

    def progress_task():
        argv = leadseg("count", str(files["1m"]), "-s", spec("ten"))
        shown = {"LEADSEG_PROGRESS": "1", "LEADSEG_PROGRESS_DELAY": "0"}
        return Task(
            "progress bar: count, 10 segments, 1M-row CSV",
            "costs < 2% (<= 1.02x)",
            [
                Command("leadseg count, no bar (baseline)", argv, env={"LEADSEG_PROGRESS": "0"}),
                Command("leadseg count, bar from the start", argv, env=shown),
            ],
            limits={"leadseg count, bar from the start": 1.02},
            min_rounds=9,  # a 2% limit is within one round's noise on a shared machine
        )

    def diff_task():
        export, segments = str(files["1m"]), spec("ten")
        count = leadseg("count", export, "-s", segments)
        # the same file as OLD and NEW: the work is the same whatever changed
        diff = leadseg("diff", export, export, "-s", segments, "--key", "Email")
        return Task(
            "diff: two 1M-row CSV exports, 10 segments",
            "<= 2x count on one",
            [Command("leadseg count, one export (baseline)", count), Command("leadseg diff", diff)],
            limits={"leadseg diff": 2.0},
        )

    def membership_task():
        export, segments = str(files["1m"]), spec("ten")
        plain, members = scratch / "apply-plain", scratch / "apply-members"
        return Task(
            "apply --membership, 10 segments, 1M-row CSV",
            "adds <= 20% to apply",
            [
                Command(
                    "leadseg apply (baseline)",
                    leadseg("apply", export, "-s", segments, "-o", str(plain)),
                    plain,
                ),  # fmt: skip
                Command(
                    "leadseg apply --membership members.csv",
                    leadseg(
                        "apply",
                        export,
                        "-s",
                        segments,
                        "-o",
                        str(members),
                        "--membership",
                        "members.csv",
                    ),  # fmt: skip
                    members,
                ),
            ],
            limits={"leadseg apply --membership members.csv": 1.2},
        )

    def crm_count_task(size_key, title):
        export = str(files[size_key])
        return Task(
            f"count, 10 segments, {title}",
            "<= 1.2x DuckDB's strict reader doing the same counts by hand",
            [
                Command(
                    "duckdb strict (baseline)",
                    peer("duckdb_count.py", export, "ten", "--strict"),
                ),
                Command(
                    "leadseg count (first run: proven)",
                    leadseg("count", export, "-s", spec("ten")),
                    env={"LEADSEG_NO_STRUCTURE_CACHE": "1"},
                ),
                Command(
                    "leadseg count (again: structure remembered)",
                    leadseg("count", export, "-s", spec("ten")),
                ),
                Command("polars script", peer("polars_script.py", "count", export, "ten")),
            ],
            limit=1.2,
        )

    def crm_apply_task():
        def run(key):
            out = scratch / f"apply-{key}"
            return Command(
                f"leadseg apply ({key})",
                leadseg("apply", str(files[key]), "-s", spec("ten"), "-o", str(out), "--mkdir"),
                out,
            )

        return Task(
            "apply, 10 segments, CRM shape: one value spanning lines against none",
            "<= 1.1x the same file without it",
            [run("crm-1m"), run("crm-1m-ml")],
            limits={"leadseg apply (crm-1m-ml)": 1.1},
        )

    def parquet_rules_task(size_key, limit):
        """#9's decision: the fair peer on Parquet follows leadseg's rules."""
        export = str(files[size_key])
        return Task(
            f"count, 10 segments, {size_key} Parquet, against DuckDB SQL with leadseg's rules",
            f"auto <= {limit}x the hand-written query with leadseg's rules",
            [
                Command(
                    "duckdb SQL by hand, leadseg's rules (baseline)",
                    peer("duckdb_rules_count.py", export),
                ),
                Command("leadseg count --engine auto", leadseg("count", export, "-s", spec("ten"))),
                Command("duckdb SQL by hand, TRY_CAST", peer("duckdb_count.py", export, "ten")),
            ],
            limit=limit,
        )

    def workbook_task():
        """#19: reading a workbook, against Polars' read_excel alone (calamine too)."""
        book = str(files["workbook-100k"])
        read = "import polars as pl, sys; pl.read_excel(sys.argv[1])"
        return Task(
            "count, 2 segments, 100k-row 29-column workbook (.xlsx)",
            "<= 1.2x Polars' read_excel alone",
            [
                Command("polars read_excel (baseline)", [PY, "-c", read, book]),
                Command("leadseg count", leadseg("count", book, "-s", spec("two"))),
            ],
            limit=1.2,
        )

    def money_task():
        """#19: money and zone-word reading against the same counts on plain values."""
        return Task(
            "count, 4 segments, 1M-row CRM CSV, money and UTC against plain values",
            "<= 1.10x the same segments on the plain file",
            [
                Command(
                    "leadseg count, plain file (baseline)",
                    leadseg("count", str(files["crm-1m"]), "-s", spec("money_plain")),
                ),
                Command(
                    "leadseg count, $1,234.00 and UTC",
                    leadseg("count", str(files["crm-1m-money"]), "-s", spec("money")),
                ),
            ],
            limits={"leadseg count, $1,234.00 and UTC": 1.10},  # the baseline is leadseg too
        )

    def scores_task():
        """#20: two score sheets of 20 rules and ten segments on them, against the same
        segments on the export that holds the scores as columns."""
        return Task(
            "count, 10 segments on 2 score sheets of 20 rules, 1M-row CRM CSV",
            "<= 1.3x the same segments with the scores in the export",
            [
                Command(
                    "leadseg count, scores in the export (baseline)",
                    leadseg(
                        "count",
                        str(files["crm-1m-scored"]),
                        "-s",
                        spec("scores_plain"),
                        "--as-of",
                        AS_OF,
                    ),
                ),  # fmt: skip
                Command(
                    "leadseg count, scores: in the segment file",
                    leadseg("count", str(files["crm-1m"]), "-s", spec("scores"), "--as-of", AS_OF),
                ),
                Command(  # the floor: reading the rules' 18 columns, no rule evaluated
                    "leadseg count, the rules' 18 columns read only",
                    leadseg("count", str(files["crm-1m"]), "-s", spec("scores_columns")),
                ),
            ],
            limits={"leadseg count, scores: in the segment file": 1.3},
        )

    def score_command_task():
        """#20: leadseg score writes every row, as apply of a segment of everyone does."""
        export = str(files["crm-1m"])
        return Task(
            "leadseg score, 2 score sheets, 1M-row CRM CSV -> CSV",
            "<= 1.2x apply of one segment that keeps everyone",
            [
                Command(
                    "leadseg apply, everyone (baseline)",
                    leadseg(
                        "apply",
                        export,
                        "-s",
                        spec("everyone"),
                        "-o",
                        str(scratch / "everyone"),
                        "--mkdir",
                        "--quiet",
                    ),
                ),  # fmt: skip
                Command(
                    "leadseg score",
                    leadseg(
                        "score",
                        export,
                        "-s",
                        spec("scores"),
                        "--as-of",
                        AS_OF,
                        "-o",
                        str(scratch / "scored.csv"),
                        "--quiet",
                    ),
                ),  # fmt: skip
            ],
            limits={"leadseg score": 1.2},
        )

    cache_dir = scratch / "cache"
    shutil.rmtree(cache_dir, ignore_errors=True)
    result = [
        scores_task(),
        score_command_task(),
        workbook_task(),
        money_task(),
        parquet_rules_task("1m-parquet", 1.15),
        crm_count_task("crm-1m", "1M-row CRM-shaped CSV"),
        crm_count_task("crm-1m-ml", "1M-row CRM-shaped CSV, one value spanning lines"),
        crm_count_task("crm-1m-crlf", "1M-row CRM-shaped CSV, CR LF and a BOM"),
        crm_apply_task(),
        count_task("count, 2 segments, 1M-row CSV", "<= 1.10x", "1m", "two", 1.10),
        count_task("count, 10 segments, 1M-row CSV", "<= 1.10x", "1m", "ten", 1.10),
        count_task(
            "count, 10 segments, 1M-row Parquet",
            "<= 1.25x",
            "1m-parquet",
            "ten",
            1.25,
            peers=("duckdb",),
        ),
        count_task("count, 2 segments, 10k-row CSV", "<= 1.25x", "10k", "two", 1.25),
        engine_task(
            "engines: count, 10 segments, 1M-row Parquet",
            "auto <= 1.0x, duckdb <= 1.10x hand-written DuckDB SQL",
            "1m-parquet",
            {"leadseg count --engine auto": 1.0, "leadseg count --engine duckdb": 1.10},
            ("auto", "duckdb", "polars"),
        ),
        engine_task(
            "engines: count, 10 segments, 1M-row CSV",
            "duckdb <= 1.10x hand-written DuckDB SQL",
            "1m",
            {"leadseg count --engine duckdb": 1.10},
            ("duckdb", "polars"),
        ),
        apply_task("1m", "four", 0.60, None),
        apply_task("crm-1m", "four", 0.60, None),
        apply_task("1m", "ten", 0.60, None),
        workbench_task(),
        progress_task(),
        diff_task(),
        membership_task(),
        Task(
            "leadseg --help",
            "does not import polars; <= 1.5x `python -c 'import typer'`",
            [
                Command("python -c 'import typer' (baseline)", [PY, "-c", "import typer"]),
                Command("leadseg --help", leadseg("--help")),
            ],
            limit=1.5,
        ),
    ]
    if os.environ.get("LEADSEG_BENCH_CACHE", "1") == "1":
        export = str(files["1m"])
        result.append(
            Task(
                "count, 2 segments, 1M-row CSV, repeat with --cache",
                "<= 0.5x the baseline on the CSV",
                [
                    Command(
                        "polars script (baseline)", peer("polars_script.py", "count", export, "two")
                    ),
                    Command(
                        "leadseg count --cache (warm)",
                        leadseg("count", export, "-s", spec("two"), "--cache", str(cache_dir)),
                    ),
                ],
                limit=0.5,
                setup=[leadseg("count", export, "-s", spec("two"), "--cache", str(cache_dir))],
            )
        )
    if os.environ.get("LEADSEG_BENCH_SPARK", "1") == "1":
        result.append(spark_task())
    if not quick:
        result += [
            crm_count_task("crm-5m", "5M-row CRM-shaped CSV"),
            parquet_rules_task("10m-parquet", 1.05),
            apply_task("5m", "four", 0.60, 600),
            apply_task("5m", "ten", 0.60, 600),
            Task(
                "apply, 10 segments, 5M-row CSV -> Parquet",
                "completes; RSS <= 1024 MB",
                [
                    Command(
                        "leadseg apply --format parquet",
                        leadseg(
                            "apply",
                            str(files["5m"]),
                            "-s",
                            spec("ten"),
                            "-o",
                            str(scratch / "parquet-5m"),
                            "--format",
                            "parquet",
                        ),
                        scratch / "parquet-5m",
                    )
                ],
                check="rss",
                rss_limit_mb=1024,
            ),
        ]
    return result


def versions() -> dict[str, str]:
    from importlib.metadata import version

    found = {"python": platform.python_version()}
    for name in ("leadseg", "polars", "duckdb", "pandas", "typer"):
        try:
            found[name] = version(name)
        except Exception:
            found[name] = "-"
    return found


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB"
    )


def verdict(task: Task) -> str:
    if task.check == "none":
        return "reported"
    leadseg_cmd = next(c for c in task.commands if c.label.startswith("leadseg"))
    notes = []
    ok = True
    for label, limit in task.limits.items():
        command = next(c for c in task.commands if c.label == label)
        r = ratio(command, task.commands[0])
        ok &= r <= limit
        notes.append(f"{label.removeprefix('leadseg count ')} {r:.2f}x")
    if task.limit is not None and len(task.commands) > 1:
        r = ratio(leadseg_cmd, task.commands[0])
        ok &= r <= task.limit
        notes.append(f"{r:.2f}x")
    if task.rss_limit_mb is not None:
        peak = max(leadseg_cmd.rss_mb)
        ok &= peak <= task.rss_limit_mb
        notes.append(f"{peak:.0f} MB")
    return ("met" if ok else "NOT met") + f" ({', '.join(notes)})"


def write_results(all_tasks: list[Task], rounds: int, path: Path) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        f"Machine: {machine()}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".",
        f"Each command ran as a whole process, interleaved with its peers, {rounds} rounds after a "
        "warm-up (a task with a small limit: more, see bench/run.py). Ratio: median of the "
        "per-round ratios to the task's first command.",
        "",
        "| task | target | command | median s | min-max s | ratio | peak RSS MB | peak anon MB | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for task in all_tasks:
        base = task.commands[0]
        for i, command in enumerate(task.commands):
            r = f"{ratio(command, base):.2f}" if len(task.commands) > 1 else "-"
            lines.append(
                "| {task} | {target} | {label} | {med:.3f} | {lo:.3f}-{hi:.3f} | {r} | {rss:.0f} | {anon:.0f} | {v} |".format(
                    task=task.name if i == 0 else "",
                    target=task.target if i == 0 else "",
                    label=command.label,
                    med=statistics.median(command.times),
                    lo=min(command.times),
                    hi=max(command.times),
                    r=r,
                    rss=max(command.rss_mb),
                    anon=max(command.anon_mb),
                    v=verdict(task) if i == 0 else "",
                )
            )
    lines += spark_costs(all_tasks)
    lines += try_cast_miscounts(all_tasks)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def try_cast_miscounts(all_tasks: list[Task]) -> list[str]:
    """How the hand-written TRY_CAST counts differ from leadseg's on the exports a task
    compared them on (a padded no-break space, NaN, inf: the CRM shape has some)."""
    import json

    found = []
    for task in all_tasks:
        by_hand = next((c for c in task.commands if c.label.startswith("duckdb")), None)
        ours = next((c for c in task.commands if c.label.startswith("leadseg count")), None)
        if by_hand is None or ours is None or "duckdb_rules_count.py" in " ".join(by_hand.argv):
            continue
        theirs = subprocess.run(by_hand.argv, capture_output=True, text=True, cwd=PEERS)
        counted = dict(line.split("\t") for line in theirs.stdout.splitlines())
        mine = subprocess.run([*ours.argv, "--format", "json"], capture_output=True, text=True)
        segments = json.loads(mine.stdout)["segments"]
        wrong = {s["name"]: int(counted[s["name"]]) - s["count"] for s in segments}
        off = {name: d for name, d in wrong.items() if d}
        shown = ", ".join(f"{name} {d:+d}" for name, d in off.items()) or "none"
        found.append(
            f"- {task.name}: `{by_hand.label}` counts {sum(map(abs, off.values()))} "
            f"memberships differently from leadseg's rules ({shown})."
        )
    if not found:
        return []
    return ["", "TRY_CAST by hand against leadseg's rules, on the same exports:", *found]


def spark_costs(all_tasks: list[Task]) -> list[str]:
    """Spark's start-up (the 10k-row run) and its cost per row (the difference to 1M rows)."""
    task = next((t for t in all_tasks if t.name.startswith("Spark")), None)
    if task is None:
        return []
    small, big = (statistics.median(c.times) for c in task.commands)
    per_row = (big - small) / (SIZES["1m"] - SIZES["10k"]) * 1e6
    return [
        "",
        f"Spark local: a run over 10k rows takes {small:.1f} s (start-up, mostly the JVM); each "
        f"further row costs {per_row:.2f} µs.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "leadseg-bench")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="skip the 5M-row tasks")
    parser.add_argument("--only", help="run only tasks whose name contains this text")
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    sizes = ["10k", "1m"] + ([] if args.quick else ["5m"])
    files = make_data(args.data, sizes)
    # Byte-compile leadseg as `pip install` does: an editable install under
    # PYTHONDONTWRITEBYTECODE (set on these machines) would otherwise recompile every module
    # on every run, a cost no installed user pays.
    subprocess.run(
        [PY, "-m", "compileall", "-q", str(ROOT / "src")], check=True, stdout=subprocess.DEVNULL
    )
    scratch = args.data / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    selected = [
        t for t in tasks(files, scratch, args.quick) if not args.only or args.only in t.name
    ]
    for task in selected:
        run_task(task, args.rounds)
    write_results(selected, args.rounds, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
