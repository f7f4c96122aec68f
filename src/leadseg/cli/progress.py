"""A progress bar on stderr while a command reads its export (``diff``: both): bytes read
against the exports' size (a pass that reads one again -- a structure check, a re-run --
extends the bar), rate and time left. Where the OS does not tell the bytes a process has
read (macOS: ``system.bytes_read``), the time spent instead, with no percentage to
pretend. Shown only on a terminal, only once the work has
taken more than a moment (``LEADSEG_PROGRESS_DELAY`` seconds, default 0.5), never with
--quiet; ``LEADSEG_PROGRESS=1`` forces it on (``0``: off)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

DELAY = 0.5  # seconds of work before a bar appears
POLL = 0.2


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
def progress_bar(*exports: str, quiet: bool = False) -> Iterator[None]:
    from leadseg.system import bytes_read

    sizes = [export_size(export) for export in exports]
    if not wanted(quiet) or not all(sizes):
        yield
        return
    start = bytes_read()
    size = sum(s for s in sizes if s)
    done = threading.Event()
    watcher = threading.Thread(target=_show, args=(exports, size, start, done), daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _show(exports: tuple[str, ...], size: int, start: int | None, done: threading.Event) -> None:
    """Draw the bar on stderr until ``done``; then clear its line. Written by hand (one
    line, redrawn five times a second): it must cost next to nothing beside the pass."""
    import time

    from leadseg.printable import printable
    from leadseg.system import bytes_read, can_show

    try:
        delay = float(os.environ.get("LEADSEG_PROGRESS_DELAY", DELAY))
    except ValueError:
        delay = DELAY
    if done.wait(delay):
        return
    colour = not os.environ.get("NO_COLOR")
    name = " + ".join(printable(Path(export).name) for export in exports)
    stream = sys.stderr
    mark = BAR if can_show(stream, BAR) else "="
    began = time.monotonic()
    first = 0 if start is None else (bytes_read() or start) - start
    passes = 1
    while True:
        elapsed = time.monotonic() - began
        if start is None:
            line = f"reading {name} ({size / 1_000_000:,.0f} MB) {_clock(elapsed)}"
        else:
            read = (bytes_read() or start) - start
            while read > passes * size:  # read again (a check, a re-run): a longer bar
                passes += 1
            rate = (read - first) / elapsed if elapsed > 0 else 0.0
            line = bar_line(name, min(read, passes * size), passes * size, rate, mark)
        stream.write("\r\x1b[2K" + (line if colour else _plain(line)))
        stream.flush()
        if done.wait(POLL):
            break
    stream.write("\r\x1b[2K")
    stream.flush()


GREEN, DIM, RESET = "\x1b[32m", "\x1b[2m", "\x1b[0m"
WIDTH = 30
BAR = "\u2501"


def bar_line(name: str, done: int, total: int, rate: float, mark: str = BAR) -> str:
    """``reading NAME ━━━━━━━━━━ 210/464 MB 410 MB/s 0:00:01 left`` (with colours);
    ``rate`` in bytes a second; ``mark`` draws the bar (``=`` where ``━`` cannot be
    shown)."""
    filled = WIDTH * done // total if total else WIDTH
    bar = GREEN + mark * filled + DIM + mark * (WIDTH - filled) + RESET
    left = "-:--:--" if rate <= 0 else _clock((total - done) / rate)
    mb = 1_000_000
    return (
        f"reading {name} {bar} {done / mb:,.0f}/{total / mb:,.0f} MB "
        f"{rate / mb:,.0f} MB/s {left} left"
    )


def _clock(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _plain(line: str) -> str:
    for code in (GREEN, DIM, RESET):
        line = line.replace(code, "")
    return line
