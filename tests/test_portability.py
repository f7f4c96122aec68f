"""OS-specific calls live in ``leadseg/system.py`` alone.

Windows lacks ``fcntl``, ``os.getuid``, ``O_NOFOLLOW``, ``pread``/``pwrite``, ``fdatasync``
(macOS too) and ``fchmod`` (before Python 3.13); ``/proc`` is Linux's; Windows opens a file
descriptor in text mode unless ``O_BINARY`` is given (so every ``os.open`` goes through the
one module that adds it); a symbolic link needs a privilege there; ``shlex.quote`` quotes
for a POSIX shell, not PowerShell or cmd. A module that reaches for any of them directly
fails this test, which reads the source (no platform is needed to see a call).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "leadseg"
GUARDIAN = "system.py"

MODULES = {"fcntl", "msvcrt", "pwd", "grp", "resource", "termios", "psutil", "shlex"}
OS_NAMES = {
    "getuid", "geteuid", "getgid", "getegid", "O_NOFOLLOW", "O_BINARY", "O_DIRECTORY",
    "pread", "pwrite", "fdatasync", "fchmod", "chmod", "lchmod", "fchown", "chown", "sync",
    "open", "getpgid", "killpg", "statvfs", "sched_getaffinity",
}  # fmt: skip
METHODS = {"symlink_to", "hardlink_to", "chmod", "lchmod", "reconfigure"}
SIGNALS_ANYWHERE = {"SIGINT"}  # Ctrl+C, the same everywhere


def offences(source: str) -> list[str]:
    """Each OS-specific reach in ``source``, as ``line: what``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            found += [f"{where}: import {a.name}" for a in node.names if a.name in MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module in MODULES:
            found.append(f"{where}: from {node.module}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"{where}: os.{a.name}" for a in node.names if a.name in OS_NAMES]
        elif isinstance(node, ast.Attribute):
            owner, name = getattr(node.value, "id", None), node.attr
            if owner == "os" and name in OS_NAMES:
                found.append(f"{where}: os.{name}")
            elif owner == "signal" and name.startswith("SIG") and name not in SIGNALS_ANYWHERE:
                found.append(f"{where}: signal.{name}")
            elif owner == "sys" and name == "platform":
                found.append(f"{where}: sys.platform")
            elif owner not in ("os", "signal", "sys") and name in METHODS:
                found.append(f"{where}: .{name}()")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith("/proc"):
                found.append(f"{where}: {node.value!r}")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr":
            args = node.args
            if len(args) >= 2 and isinstance(args[1], ast.Constant) and args[1].value in OS_NAMES:
                found.append(f"{where}: getattr(..., {args[1].value!r})")
    return found


def test_only_the_system_module_makes_os_specific_calls():
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != GUARDIAN or path.parent != PACKAGE
        if (found := offences(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_check_sees_each_kind_of_call():
    sample = """
import fcntl
from os import pread
import os, signal, sys
fd = os.open("x", os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
os.fdatasync(fd)
os.fchmod(fd, 0o600)
os.getuid()
path.symlink_to(other)
signal.signal(signal.SIGTERM, handler)
open("/proc/self/io")
sys.platform == "win32"
import shlex
"""
    found = " ".join(offences(sample))
    for expected in (
        "import fcntl", "os.pread", "os.open", "O_NOFOLLOW", "os.fdatasync", "os.fchmod",
        "os.getuid", ".symlink_to()", "signal.SIGTERM", "'/proc/self/io'", "sys.platform",
        "import shlex",
    ):  # fmt: skip
        assert expected in found, expected
    assert offences("import os\nos.replace(a, b)\nsignal.signal(signal.SIGINT, h)\n") == []


def test_the_system_module_is_the_one_that_guards_them():
    """The guardian itself does make them (else this test would check nothing)."""
    source = (PACKAGE / GUARDIAN).read_text(encoding="utf-8")
    found = " ".join(offences(source))
    for call in ("import fcntl", "import msvcrt", "os.fdatasync", "os.getuid", "os.open"):
        assert call in found, call
