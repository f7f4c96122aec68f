"""How many bytes this process has read so far (Linux ``/proc/self/io``: every ``read`` and
``pread``, by any thread -- Polars' and DuckDB's readers included). A progress display
compares it with the size of the export; None where the system does not say."""

from __future__ import annotations

from pathlib import Path

_IO = Path("/proc/self/io")


def bytes_read() -> int | None:
    try:
        with open(_IO, encoding="ascii") as handle:
            for line in handle:
                if line.startswith("rchar:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None
