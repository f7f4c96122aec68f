"""leadseg on Windows and macOS, simulated (tests/os_simulation/simulate.py says what that means):
every scenario of tests/os_simulation/scenarios.py runs the real CLI in a subprocess under each
profile and under ``linux`` through the same bootstrap, each run in a fresh copy of its
inputs, and must give the same exit codes, the same files with the same bytes (the lock's
text aside; ``manifest.json`` is compared as bytes: with ``--as-of`` it holds no run-specific
value) and the same stdout (on Windows, where stdout is a cp1252 pipe: the same UTF-8
bytes, with the C runtime's CRLF line ends)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.os_simulation import scenarios as sc

CASES = [
    pytest.param(profile, scenario, id=f"{profile}-{scenario.id}")
    for scenario in sc.SCENARIOS
    for profile in sc.PROFILES
    if profile in scenario.profiles
]


@pytest.fixture(scope="session")
def inputs(tmp_path_factory):
    return sc.make_inputs(tmp_path_factory.mktemp("platform-inputs"))


@pytest.fixture(scope="session")
def linux_run(inputs, tmp_path_factory):
    """The reference run of a scenario, made once for all profiles."""
    runs: dict[str, sc.Run] = {}

    def reference(scenario: sc.Scenario) -> sc.Run:
        if scenario.id not in runs:
            root = tmp_path_factory.mktemp(f"linux-{scenario.id}")
            runs[scenario.id] = sc.run("linux", scenario, inputs, root)
        return runs[scenario.id]

    return reference


@pytest.mark.parametrize(("profile", "scenario"), CASES)
def test_same_as_on_linux(profile, scenario, inputs, linux_run, tmp_path):
    linux = linux_run(scenario)
    other = sc.run(profile, scenario, inputs, tmp_path)
    if other.returncodes != linux.returncodes:
        why = sc.diagnosis(profile, scenario, inputs, tmp_path / "debug")
        pytest.fail(f"exit codes {other.returncodes}, linux {linux.returncodes}: {why}")
    assert not (problems := sc.file_differences(linux, other, profile)), "\n".join(problems)
    for step, (expected, got) in enumerate(zip(linux.stdout, other.stdout, strict=True)):
        problem = sc.stdout_problem(profile, scenario, expected, got)
        assert problem is None, f"command {step + 1}: {problem}"


def test_the_big_export_crosses_the_sync_interval(inputs, linux_run):
    """The over-64-MiB scenario is what it says: its one output is larger than 64 MiB."""
    scenario = next(s for s in sc.SCENARIOS if s.id == "apply-over-64mib")
    linux = linux_run(scenario)
    assert linux.returncodes == [0], linux.last_stderr_line()
    assert len(linux.files["out/everyone.csv"]) > 64 * 2**20


# --- the bootstrap itself ------------------------------------------------------------------

FACTS = {
    "windows-3.11": """
import errno, os, signal, sys
assert not hasattr(os, "getuid") and not hasattr(os, "pread") and not hasattr(os, "fchmod")
assert not hasattr(os, "O_NOFOLLOW") and not hasattr(os, "O_CLOEXEC")
assert all(hasattr(os, n) for n in ("link", "symlink", "chmod", "fsync", "replace", "dup2"))
assert os.O_BINARY and os.supports_dir_fd == set()
for name in ("fcntl", "pwd", "grp", "resource", "termios"):
    try:
        __import__(name)
    except ImportError:
        pass
    else:
        raise AssertionError(name)
assert signal.SIGBREAK == 21 and not hasattr(signal, "SIGKILL") and not hasattr(signal, "setitimer")
assert not os.path.exists("/proc/self/io") and not os.path.isdir("/proc")
assert os.stat(".").st_mode & 0o777 == 0o777 and os.stat(".").st_uid == 0
import msvcrt
fd = os.open("lock", os.O_RDWR | os.O_CREAT | os.O_BINARY)
other = os.open("lock", os.O_RDWR | os.O_BINARY)
msvcrt.locking(fd, msvcrt.LK_NBLCK, 10)
try:
    msvcrt.locking(other, msvcrt.LK_NBLCK, 10)
except PermissionError as exc:
    assert exc.errno == errno.EACCES
else:
    raise AssertionError("a second handle took the lock")
try:
    os.remove("lock")
except PermissionError:
    pass
else:
    raise AssertionError("removed an open file")
os.close(fd)
msvcrt.locking(other, msvcrt.LK_NBLCK, 10)
os.close(other)
with open("text", "w") as handle:
    handle.write("é\\n")
assert open("text", "rb").read() == b"\\xe9\\r\\n"
open("other", "w").close()
try:
    os.rename("text", "other")
except FileExistsError:
    pass
else:
    raise AssertionError("rename replaced a file")
print("ok")
""",
    "windows-3.13": "import os; assert hasattr(os, 'fchmod') and os.chmod in os.supports_fd"
    "; assert not hasattr(os, 'getuid'); print('ok')",
    "macos": """
import fcntl, os, signal
assert not hasattr(os, "fdatasync") and not hasattr(os, "sched_getaffinity")
assert not hasattr(os, "pipe2") and hasattr(os, "sendfile") and hasattr(os, "getuid")
assert not hasattr(signal, "SIGRTMIN") and hasattr(signal, "SIGKILL")
fd = os.open("f", os.O_RDWR | os.O_CREAT)
assert fcntl.F_FULLFSYNC == 51 and fcntl.fcntl(fd, fcntl.F_FULLFSYNC) == 0
assert not os.path.exists("/proc/self/io")
print("ok")
""",
    "linux": "import os; assert os.path.exists('/proc/self/io') and os.getuid; print('ok')",
}


@pytest.mark.parametrize("profile", list(FACTS))
def test_bootstrap(profile, tmp_path):
    """What each profile takes away and adds (a few facts from simulate.py's docstring)."""
    code = (
        f"import sys; sys.path.insert(0, {str(sc.SIMULATE.parent)!r}); import simulate; "
        f"simulate.bootstrap({profile!r}); exec({FACTS[profile]!r})"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


HOLD_THE_LOCK = """
import sys
sys.path.insert(0, {simulate!r})
import simulate
simulate.bootstrap({profile!r})
from pathlib import Path
import leadseg.system
leadseg.system.NAME = simulate.SYSTEM_NAMES[{profile!r}]
from leadseg.outputs.writers import OutputDir
with OutputDir(Path("out")).locked():
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.mark.parametrize("profile", sc.PROFILES)
def test_a_second_run_waits_for_the_lock_on_every_os(profile, inputs, tmp_path):
    """The lock is the OS's own (msvcrt's on Windows): a run on a directory another process
    holds exits 75 naming the holder's pid, and runs once it is free."""
    for name in ("contacts.csv", "segments.yaml"):
        (tmp_path / name).write_bytes((inputs / name).read_bytes())
    (tmp_path / "out").mkdir()
    code = HOLD_THE_LOCK.format(simulate=str(sc.SIMULATE.parent), profile=profile)
    holder = subprocess.Popen(
        [sys.executable, "-c", code], cwd=tmp_path, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    env = {**os.environ, "LEADSEG_NO_SEGMENT_CACHE": "1"}
    apply = [sys.executable, str(sc.SIMULATE), profile, "--", "apply", "contacts.csv", "-o", "out"]
    try:
        assert holder.stdout.readline().strip() == "held"
        blocked = subprocess.run(
            [*apply, "--wait-lock", "0.3"], cwd=tmp_path, capture_output=True, text=True, env=env
        )
        assert blocked.returncode == 75, blocked.stderr
        assert f"another leadseg run is writing to this directory (pid {holder.pid} since" in (
            blocked.stderr
        )
        assert not (tmp_path / "out" / "manifest.json").exists()
    finally:
        holder.communicate("", timeout=30)
    free = subprocess.run(apply, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert free.returncode == 0, free.stderr
