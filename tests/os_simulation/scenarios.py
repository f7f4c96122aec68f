"""The commands the platform simulation runs, the inputs they read, and how a run is compared
with the Linux reference (see ``tests/test_platform.py`` and ``simulate.py``)."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIMULATE = Path(__file__).resolve().parent / "simulate.py"
AS_OF = ("--as-of", "2026-11-28")
WINDOWS = ("windows-3.11", "windows-3.13")
PROFILES = (*WINDOWS, "macos")
LOCK = ".leadseg.lock"  # its text names the holder's pid and start time
BIG_COPIES = 52  # 52 x the bundled export: a 72 MB CSV, a single output over 64 MiB

LODZ_YAML = """\
score_field: Overall Behavior Score
segments:
  - name: Łódź – hot leads
    score: {at_least: 60}
  - name: Crème de la crème
    parent: Łódź – hot leads
    profile: {field: SFDC Lead Score, between: [40, 80]}
  - name: Nurture
    score: {at_most: 20}
"""
CREME_YAML = """\
segments:
  - name: Crème de la crème
    score: {at_least: 60}
  - name: Nurture – cold
    score: {at_most: 20}
"""  # names outside ASCII that cp1252 holds: Windows must print them as Linux does
EVERYONE_YAML = """\
segments:
  - name: Everyone
    match: any
    criteria:
      - profile: {field: Email, is_blank: true}
      - profile: {field: Email, is_blank: false}
"""


@dataclass(frozen=True)
class Scenario:
    id: str
    commands: tuple[tuple[str, ...], ...]  # run one after the other in the same directory
    inputs: tuple[str, ...] = ("contacts.csv", "segments.yaml")
    env: dict[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()  # directories whose contents are not compared
    segment_cache: bool = False
    profiles: tuple[str, ...] = PROFILES


def _s(id: str, *args: str, **options) -> Scenario:
    return Scenario(id, (args,), **options)


def _apply(*extra: str) -> tuple[str, ...]:
    return ("apply", "contacts.csv", "-o", "out", "--mkdir", *AS_OF, *extra)


NO_DETECTION = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
SCORES = ("contacts.csv", "scores.yaml")  # examples/scores.yaml: scoring rules
LODZ = ("contacts.csv", "lodz.yaml")
CREME = ("contacts.csv", "creme.yaml")
DIFF = ("contacts.csv", "new.csv", "segments.yaml")

SCENARIOS = [
    _s("validate", "validate", "segments.yaml", "--export", "contacts.csv"),
    _s("validate-json", "validate", "segments.yaml", "--format", "json"),
    _s("count", "count", "contacts.csv", *AS_OF),
    _s("count-json", "count", "contacts.csv", *AS_OF, "--format", "json"),
    *(_s(f"apply-{f}", *_apply("--format", f)) for f in ("csv", "tsv", "parquet", "ndjson")),
    _s("apply-membership", *_apply("--membership", "members.csv")),
    _s("apply-workbook", *_apply("--workbook", "segments.xlsx")),
    _s("apply-cache", *_apply("--cache", "cache"), ignore=("cache",)),
    Scenario(
        "apply-again",
        (_apply(), _apply("--format", "parquet", "--only", "Sales-ready", "--only", "Nurture")),
    ),
    _s("segment-cache", "count", "contacts.csv", *AS_OF, segment_cache=True),
    Scenario(
        "segment-cache-again",
        (("count", "contacts.csv", *AS_OF),) * 2,
        segment_cache=True,
    ),
    _s("describe", "describe", "contacts.csv", "-s", "segments.yaml", *AS_OF),
    _s("describe-json", "describe", "contacts.csv", "--all", *AS_OF, "--format", "json"),
    _s("explain", "explain", "contacts.csv", *AS_OF),
    _s("overlap", "overlap", "contacts.csv", *AS_OF),
    _s("report", "report", "contacts.csv", "-o", "report.html", *AS_OF),
    _s("diff", "diff", "contacts.csv", "new.csv", "--key", "email", *AS_OF, inputs=DIFF),
    _s(
        "diff-out",
        *("diff", "contacts.csv", "new.csv", "--key", "email", "-o", "changes", "--mkdir"),
        *AS_OF,
        inputs=DIFF,
    ),
    _s("init", "init", "contacts.csv", "-o", "my-segments.yaml", inputs=("contacts.csv",)),
    _s("sql", "sql", "segments.yaml", "--dialect", "duckdb", "--table", "contacts", *AS_OF),
    _s("schema", "schema", inputs=()),
    *(
        _s(f"completion-{shell}", "--show-completion", shell, inputs=(), env=NO_DETECTION)
        for shell in ("bash", "pwsh", "powershell")
    ),
    _s(
        "brackets-count",
        "count",
        "contacts[1].csv",
        *AS_OF,
        inputs=("contacts[1].csv", "segments.yaml"),
    ),
    _s(
        "brackets-apply",
        *("apply", "contacts[1].csv", "-o", "out", "--mkdir", *AS_OF),
        inputs=("contacts[1].csv", "segments.yaml"),
    ),
    _s("creme-count", "count", "contacts.csv", "-s", "creme.yaml", *AS_OF, inputs=CREME),
    _s("creme-explain", "explain", "contacts.csv", "-s", "creme.yaml", *AS_OF, inputs=CREME),
    *(
        _s(
            f"lodz-{command}{suffix}",
            command,
            "contacts.csv",
            "-s",
            "lodz.yaml",
            *AS_OF,
            *fmt,
            inputs=LODZ,
        )  # fmt: skip
        for command in ("count", "explain", "overlap")
        for suffix, fmt in (("", ()), ("-json", ("--format", "json")))
    ),
    _s(
        "lodz-diff",
        *("diff", "contacts.csv", "new.csv", "--key", "email", "-s", "lodz.yaml", *AS_OF),
        inputs=("contacts.csv", "new.csv", "lodz.yaml"),
    ),
    _s(
        "lodz-diff-json",
        *("diff", "contacts.csv", "new.csv", "--key", "email", "-s", "lodz.yaml", *AS_OF),
        *("--format", "json"),
        inputs=("contacts.csv", "new.csv", "lodz.yaml"),
    ),
    _s(
        "lodz-sql",
        "sql",
        "lodz.yaml",
        "--dialect",
        "postgres",
        "--table",
        "contacts",
        *AS_OF,
        inputs=LODZ,
    ),
    _s("lodz-apply", *_apply("-s", "lodz.yaml"), inputs=LODZ),
    _s(
        "score",
        "score",
        "contacts.csv",
        "-s",
        "scores.yaml",
        "-o",
        "scored.csv",
        *AS_OF,
        inputs=SCORES,
    ),  # fmt: skip
    Scenario(
        "score-again",  # the second run replaces the file the first wrote (a temp, renamed)
        (
            ("score", "contacts.csv", "-s", "scores.yaml", "-o", "Scored.parquet", *AS_OF),
            ("score", "contacts.csv", "-s", "scores.yaml", "-o", "scored.parquet", *AS_OF),
        ),
        inputs=SCORES,
    ),  # fmt: skip
    _s(
        "score-apply",
        *_apply("-s", "scores.yaml", "--with-scores", "--membership", "m.csv"),
        inputs=SCORES,
    ),  # fmt: skip
    _s(
        "score-explain",
        "explain",
        "contacts.csv",
        "-s",
        "scores.yaml",
        "--score",
        "Fit",
        *AS_OF,
        inputs=SCORES,
    ),  # fmt: skip
    _s(
        "apply-over-64mib",
        *("apply", "big.csv", "-s", "everyone.yaml", "-o", "out", "--mkdir", *AS_OF),
        inputs=("big.csv", "everyone.yaml"),
        profiles=("macos",),  # the writer syncs every 64 MiB (fdatasync, F_FULLFSYNC on macOS)
    ),
]


def make_inputs(directory: Path) -> Path:
    """Every input file a scenario may name, made once per session."""
    contacts = (ROOT / "examples" / "contacts.csv").read_bytes()
    (directory / "contacts.csv").write_bytes(contacts)
    (directory / "contacts[1].csv").write_bytes(contacts)
    shutil.copy(ROOT / "segments.yaml", directory / "segments.yaml")
    shutil.copy(ROOT / "examples" / "scores.yaml", directory / "scores.yaml")
    (directory / "lodz.yaml").write_text(LODZ_YAML, encoding="utf-8")
    (directory / "creme.yaml").write_text(CREME_YAML, encoding="utf-8")
    (directory / "everyone.yaml").write_text(EVERYONE_YAML, encoding="utf-8")
    header, _, body = contacts.partition(b"\n")
    (directory / "big.csv").write_bytes(header + b"\n" + body * BIG_COPIES)
    # last week's export: every 11th contact gone, every 7th one's score up by 25
    rows = list(csv.reader(io.StringIO(contacts.decode("utf-8"))))
    score = rows[0].index("Overall Behavior Score")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    for number, row in enumerate(rows[1:]):
        if number % 11 == 0:
            continue
        if number % 7 == 0 and row[score].strip().isdigit():
            row[score] = str(int(row[score]) + 25)
        writer.writerow(row)
    (directory / "new.csv").write_text(out.getvalue(), encoding="utf-8")
    # matplotlib's own configuration and font cache, away from the user's (leadseg sets the
    # SVG salt itself, so that reports compare byte for byte)
    (directory / "mplconfig").mkdir()
    return directory


@dataclass
class Run:
    returncodes: list[int]
    stdout: list[bytes]
    stderr: list[bytes]
    files: dict[str, bytes]  # every file left in the working directory, by relative path

    def last_stderr_line(self) -> str:
        lines = b"".join(self.stderr).decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else ""


def run(profile: str, scenario: Scenario, inputs: Path, root: Path, *extra: str) -> Run:
    """The scenario's commands through the bootstrap, in a fresh copy of its inputs (with
    ``extra`` arguments after each command's own)."""
    work, tmp = root / "work", root / "tmp"
    work.mkdir(parents=True)
    tmp.mkdir()
    for name in scenario.inputs:
        shutil.copyfile(inputs / name, work / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADSEG_")}
    env.update(
        TMPDIR=str(tmp),
        MPLCONFIGDIR=str(inputs / "mplconfig"),
        LEADSEG_SEGMENT_CACHE_DIR=str(root / "segment-cache"),
        # what Windows gives a redirected stdout: the ANSI code page (strict; stderr
        # backslashreplace); it must be chosen before the interpreter makes its streams
        PYTHONIOENCODING="cp1252" if profile in WINDOWS else "utf-8",
        **scenario.env,
    )
    if not scenario.segment_cache:
        env["LEADSEG_NO_SEGMENT_CACHE"] = "1"
    result = Run([], [], [], {})
    for args in scenario.commands:
        done = subprocess.run(
            [sys.executable, str(SIMULATE), profile, "--", *args, *extra],
            cwd=work, env=env, capture_output=True, timeout=300, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        result.returncodes.append(done.returncode)
        result.stdout.append(done.stdout)
        result.stderr.append(done.stderr)
    for path in sorted(work.rglob("*")):
        relative = path.relative_to(work)
        if path.is_file() and path.name != LOCK and relative.parts[0] not in scenario.ignore:
            result.files[relative.as_posix()] = path.read_bytes()
    return result


def diagnosis(profile: str, scenario: Scenario, inputs: Path, root: Path) -> str:
    """The scenario run again with --debug: its last error, with the exception and the line
    that raised it when there is a traceback."""
    extra = () if scenario.commands[0][0].startswith("-") else ("--debug",)
    debug = run(profile, scenario, inputs, root, *extra)
    lines = b"".join(debug.stderr).decode("utf-8", "replace").strip().splitlines()
    frames = [n for n, line in enumerate(lines) if line.lstrip().startswith('File "')]
    if not frames:
        return lines[-1] if lines else ""
    where = lines[frames[-1]].strip()
    raised = next((line for line in lines[frames[-1] + 1 :] if re.match(r"\w[\w.]*: ", line)), "")
    return f"{raised} ({where}); then: {lines[-1]}"


# --- comparing with the Linux reference ---------------------------------------------------

_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


_MADE_AT = re.compile(rb"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


def _comparable(name: str, data: bytes, profile: str) -> object:
    """What must be equal: the bytes, but an Excel workbook member by member, with the
    creation and modification times XlsxWriter writes in docProps/core.xml masked (and the
    time a report was made, in its provenance) -- and
    on Windows the line end after each part's XML declaration taken as LF: XlsxWriter
    writes its parts through text-mode files, which end that one line in CRLF there (the
    README says so; both are the same XML)."""
    if name.endswith(".html"):  # the report's provenance says when it was made
        data = _MADE_AT.sub(b"<made>", data)
    if not name.endswith(".xlsx"):
        return hashlib.sha256(data).hexdigest()
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        members = {info.filename: book.read(info) for info in book.infolist()}
    core = members.get("docProps/core.xml", b"")
    members["docProps/core.xml"] = _CORE_DATES.sub(rb"\1\3", core)
    if profile in WINDOWS:
        members = {k: v.replace(b"?>\r\n", b"?>\n", 1) for k, v in members.items()}
    return {k: hashlib.sha256(v).hexdigest() for k, v in members.items()}


_FILE_MODE = re.compile(rb'"file_mode": "[0-7]{4}"')


def expected_here(profile: str, name: str, linux: bytes) -> bytes:
    """Linux's file as this OS must write it: the same bytes, but for what the README says
    differs -- on Windows a manifest records no file mode (``"file_mode": null``: the
    folder's ACL decides who reads the files)."""
    if profile in WINDOWS and name.endswith("manifest.json"):
        return _FILE_MODE.sub(b'"file_mode": null', linux)
    return linux


def file_differences(linux: Run, other: Run, profile: str) -> list[str]:
    problems = []
    if sorted(linux.files) != sorted(other.files):
        only_linux = sorted(set(linux.files) - set(other.files))
        only_other = sorted(set(other.files) - set(linux.files))
        problems.append(f"files only on linux: {only_linux}; only here: {only_other}")
    for name in sorted(set(linux.files) & set(other.files)):
        expected = expected_here(profile, name, linux.files[name])
        if _comparable(name, expected, profile) != _comparable(name, other.files[name], profile):
            problems.append(f"{name} differs: {_first_difference(expected, other.files[name])}")
    return problems


def _first_difference(a: bytes, b: bytes) -> str:
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return f"{len(a)} vs {len(b)} bytes, first at byte {at}: {a[at : at + 40]!r} vs {b[at : at + 40]!r}"


def stdout_problem(profile: str, scenario: Scenario, linux: bytes, other: bytes) -> str | None:
    """Why this run's stdout is not what it should be, or None: Linux's bytes. On Windows
    the stream is a pipe in cp1252, which leadseg writes in UTF-8 (a file or pipe takes any
    bytes: the same as on Linux, valid JSON and CSV); only the C runtime's text mode ends
    its lines in CRLF (simulate.py does that on fds 1 and 2, as Windows does)."""
    if profile in WINDOWS:
        other = other.replace(b"\r\n", b"\n")
    if other != linux:
        return f"stdout differs:\n{other[:600]!r}\nlinux:\n{linux[:600]!r}"
    return None
