"""A private PostgreSQL server for the tests: initdb into a temporary directory, a Unix
socket only (no TCP), trust authentication, stopped at the end. Debian's ``postgresql``
package provides the binaries (``.ci/run`` installs it); as root, the server runs as the
package's ``postgres`` user."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@contextmanager
def postgres_server() -> Iterator[dict[str, str]]:
    """Connection keywords of a fresh server (database ``postgres``, user ``leadseg``)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="leadseg-pg-"))
    data, socket = root / "data", root / "socket"
    socket.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(root, "postgres")
        shutil.chown(socket, "postgres")
        os.chmod(root, 0o755)
        as_user = ["runuser", "-u", "postgres", "--"]

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "leadseg", "-E", "UTF8",
        "--locale=C.UTF-8")  # fmt: skip
    options = f"-c listen_addresses='' -k {socket} -p 54329 -c fsync=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w",
        "start")  # fmt: skip
    try:
        yield {"host": str(socket), "port": "54329", "user": "leadseg", "dbname": "postgres"}
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
