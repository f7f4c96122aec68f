"""The progress bar: on a terminal's stderr once the work takes a moment -- bytes read,
rate, time left --, never in a pipe, never with --quiet, without colour under NO_COLOR."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;)[0-9;]*m")


def big_export(path: Path) -> Path:
    row = "a{0}@x.com,{1},Open,2026-11-{2:02d},US,Some words of text in a notes column\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("Email,Score,Status,Seen,Country,Notes\n")
        handle.writelines(row.format(i, i % 100, i % 28 + 1) for i in range(300_000))
    return path


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return big_export(tmp_path_factory.mktemp("progress") / "contacts.csv")


def run_on_terminal(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal: exit code, stdout, what the terminal
    showed."""
    master, slave = pty.openpty()
    environment = {**os.environ, "LEADSEG_PROGRESS_DELAY": "0", "COLUMNS": "120", **(env or {})}
    environment.pop("LEADSEG_PROGRESS", None)
    environment.pop("NO_COLOR", None)
    environment.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadseg", *args], stdout=subprocess.PIPE, stderr=slave,
        env=environment,
    )  # fmt: skip
    os.close(slave)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    out = proc.stdout.read().decode() if proc.stdout else ""
    code = proc.wait()
    os.close(master)
    return code, out, shown.decode("utf-8", "replace")


def test_a_terminal_shows_bytes_rate_and_time_left(export):
    code, out, shown = run_on_terminal("count", str(export), "--at-least", "60")
    assert code == 0 and out.strip().endswith("\t120000")
    assert "reading contacts.csv" in shown
    assert re.search(r"[0-9.]+/[0-9.]+ MB", shown)
    assert "MB/s" in shown or "-:--:--" in shown or re.search(r"\d:\d\d:\d\d", shown)


def test_quiet_and_no_color(export):
    code, _, shown = run_on_terminal("count", str(export), "--at-least", "60", "--quiet")
    assert code == 0 and "reading" not in shown
    code, _, coloured = run_on_terminal("count", str(export), "--at-least", "60")
    assert code == 0 and COLOUR.search(coloured)  # the bar's colours, by default
    code, _, shown = run_on_terminal(
        "count", str(export), "--at-least", "60", env={"NO_COLOR": "1"}
    )
    assert code == 0 and "reading contacts.csv" in shown
    assert not COLOUR.search(shown)


def test_never_in_a_pipe(export):
    done = subprocess.run(
        [sys.executable, "-m", "leadseg", "count", str(export), "--at-least", "60"],
        capture_output=True, text=True, env={**os.environ, "LEADSEG_PROGRESS_DELAY": "0"},
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr == ""


def test_every_long_command_shows_it(export, tmp_path):
    segments = tmp_path / "s.yaml"
    segments.write_text("segments:\n  - name: hot\n    score: {at_least: 60}\n", encoding="utf-8")
    for args in (
        ["describe", str(export)],
        ["explain", str(export), "-s", str(segments)],
        ["overlap", str(export), "-s", str(segments)],
        ["apply", str(export), "-s", str(segments), "-o", str(tmp_path / "out"), "--mkdir"],
    ):
        code, _, shown = run_on_terminal(*args)
        assert code == 0, shown
        assert "reading contacts.csv" in shown, args


def test_diff_reads_both_exports_on_one_bar(export, tmp_path):
    """One query reads both exports: one bar, their names, their sizes added up."""
    import re

    segments = tmp_path / "s.yaml"
    segments.write_text("segments:\n  - name: hot\n    score: {at_least: 60}\n", encoding="utf-8")
    new = tmp_path / "new.csv"
    new.write_bytes(export.read_bytes())
    code, _, shown = run_on_terminal(
        "diff", str(export), str(new), "-s", str(segments), "-k", "Email"
    )
    assert code == 0, shown
    assert "reading contacts.csv + new.csv" in shown
    totals = {int(t.replace(",", "")) for t in re.findall(r"/([\d,]+) MB", shown)}
    # (a structure check that reads the files again extends the bar by as much)
    assert min(totals) == round(2 * export.stat().st_size / 1_000_000)
