"""The programs the tests need besides Python packages, and one rule for each: a test whose
program is missing is skipped with the line that installs it -- and under CI (``CI`` set, as
``.ci/run`` runs) it fails, so that a green CI never hides a part of the suite that did not
run. ``.ci/install-programs`` installs them all (the README's test command runs it)."""

from __future__ import annotations

import glob
import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

INSTALL = "bash .ci/install-programs"
ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "chromium": "chromium",
    "postgresql": "postgresql",
    "java": "openjdk-17-jre-headless",
    "fuse": "libfuse2",
    "soffice": "libreoffice-calc-nogui",
}


def _found(program: str) -> bool:
    if program == "postgresql":
        return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if program == "chromium":
        return bool(shutil.which("chromium") or shutil.which("chromium-browser"))
    if program == "soffice":
        return bool(shutil.which("soffice"))
    if program == "java":
        return bool(shutil.which("java") or os.environ.get("JAVA_HOME"))
    raise ValueError(program)


def missing(program: str, why: str, module: bool = False) -> NoReturn:
    """Skip (fail under CI) the test -- or with ``module`` the whole module -- naming how
    to install ``program``."""
    unavailable(
        f"{why} needs {program}, which is not installed: run {INSTALL} "
        f"(or apt-get install {PACKAGES[program]})",
        module,
    )


def unavailable(message: str, module: bool = False) -> NoReturn:
    """Skip, or under CI fail, with ``message`` (which says what to install)."""
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=module)


def require(program: str, why: str) -> None:
    if not _found(program):
        missing(program, why)
