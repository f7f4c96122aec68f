"""A progress bar on stderr while a command reads its export: bytes read against the
export's size (a pass that reads it again -- a structure check, a re-run -- extends the
bar), rate and time left. Shown only on a terminal, only once the work has taken more than
a moment (``LEADSEG_PROGRESS_DELAY`` seconds, default 0.5), never with --quiet;
``LEADSEG_PROGRESS=1`` forces it on (``0``: off)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

DELAY = 0.5  # seconds of work before a bar appears
POLL = 0.1


def wanted(quiet: bool) -> bool:
    forced = os.environ.get("LEADSEG_PROGRESS")
    if forced in ("0", "1"):
        return forced == "1"
    return not quiet and sys.stderr.isatty()


def export_size(export: str) -> int | None:
    if export == "-" or "://" in export:
        return None
    try:
        path = Path(export)
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None


@contextlib.contextmanager
def progress_bar(export: str, quiet: bool = False) -> Iterator[None]:
    from leadseg.io.read_meter import bytes_read

    size = export_size(export)
    start = bytes_read()
    if not wanted(quiet) or not size or start is None:
        yield
        return
    done = threading.Event()
    watcher = threading.Thread(target=_show, args=(export, size, start, done), daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _show(export: str, size: int, start: int, done: threading.Event) -> None:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from leadseg.io.read_meter import bytes_read
    from leadseg.printable import printable

    try:
        delay = float(os.environ.get("LEADSEG_PROGRESS_DELAY", DELAY))
    except ValueError:
        delay = DELAY
    if done.wait(delay):
        return
    plain = bool(os.environ.get("NO_COLOR"))
    forced = os.environ.get("LEADSEG_PROGRESS") == "1"
    console = Console(stderr=True, no_color=plain, highlight=False, force_terminal=forced or None)
    columns = (
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
        TransferSpeedColumn(), TimeRemainingColumn(),
    )  # fmt: skip
    name = printable(Path(export).name)
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"reading {name}", total=size)
        passes = 1
        while not done.wait(POLL):
            read = (bytes_read() or start) - start
            while read > passes * size:  # read again (a check, a re-run): a longer bar
                passes += 1
                bar.update(task, total=passes * size)
            bar.update(task, completed=min(read, passes * size))
