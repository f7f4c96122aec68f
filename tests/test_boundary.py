"""The CLI's single error boundary: error classes, interrupts and bugs become exit codes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from leadseg.cli.boundary import Terminated, run
from leadseg.errors import (
    ExportDataError,
    ExportMissingError,
    OutputCreateError,
    OutputWriteError,
    UsageError,
)
from leadseg.exit_codes import ExitCode
from tests.conftest import published


def exit_code_of(action, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        run(action)
    return info.value.code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("x"), ExitCode.USAGE),
        (ExportDataError("x"), ExitCode.DATA_ERROR),
        (ExportMissingError("x"), ExitCode.NO_INPUT),
        (OutputCreateError("x"), ExitCode.CANT_CREATE),
        (OutputWriteError("x"), ExitCode.IO_ERROR),
    ],
)
def test_error_classes_map_to_exit_codes(error, code, capsys):
    def fail():
        raise error

    got, err = exit_code_of(fail, capsys)
    assert got == code and err == "leadseg: error: x\n"


@pytest.mark.parametrize(
    ("exc", "code", "message"),
    [
        (KeyboardInterrupt, ExitCode.INTERRUPTED, "leadseg: interrupted\n"),
        (Terminated, ExitCode.TERMINATED, "leadseg: terminated\n"),
        (ZeroDivisionError, ExitCode.INTERNAL, "leadseg: internal error: ZeroDivisionError"),
    ],
)
def test_interrupts_and_bugs(exc, code, message, capsys):
    def fail():
        raise exc

    got, err = exit_code_of(fail, capsys)
    assert got == code and err.startswith(message)
    assert "Traceback" not in err


PAUSED_APPLY = """
import pathlib, sys, time
import leadseg.outputs.applying
ready = pathlib.Path(sys.argv.pop(1))
def pause():
    ready.write_text("paused")
    while True:
        time.sleep(0.05)
leadseg.outputs.applying.after_batch = pause
from leadseg.cli import main
sys.argv[0] = "leadseg"
main()
"""


@pytest.mark.parametrize(
    ("signum", "code", "word"),
    [
        (signal.SIGTERM, ExitCode.TERMINATED, "terminated"),
        (signal.SIGINT, ExitCode.INTERRUPTED, "interrupted"),
    ],
    ids=["SIGTERM", "SIGINT"],
)
def test_signal_mid_run_keeps_previous_outputs_and_leaves_no_temp_files(
    tmp_path, signum, code, word
):
    """The run is paused by a test hook after its first batch reached the writers (temp
    files exist), then signalled: no timing guesses."""
    export = tmp_path / "in.csv"
    export.write_text("Score\n" + "70\n" * 1000)
    out = tmp_path / "out"
    out.mkdir()
    small = tmp_path / "small.csv"
    small.write_text("Score\n70\n")
    segs = tmp_path / "s.yaml"
    segs.write_text(
        "segments:\n"
        + "".join(f"  - name: s{i}\n    score: {{at_least: {i}}}\n" for i in range(40))
    )
    subprocess.run(
        [sys.executable, "-m", "leadseg", "apply", str(small), "-s", str(segs), "-o", str(out)],
        check=True,
        capture_output=True,
    )
    before = {name: (out / name).read_bytes() for name in published(out)}
    ready = tmp_path / "ready"
    args = ["apply", str(export), "-s", str(segs), "-o", str(out)]
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSED_APPLY, str(ready), *args], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ready.exists(), proc.communicate(timeout=10)[1]
    assert [p for p in out.iterdir() if ".leadseg-tmp-" in p.name]  # mid-run, for real
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert f"leadseg: {word}" in err
    assert "Traceback" not in err
    assert {name: (out / name).read_bytes() for name in published(out)} == before
    assert not [p for p in out.iterdir() if ".leadseg-tmp-" in p.name]
