"""Process exit codes, following BSD sysexits where one fits."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    USAGE = 2
    GUARD = 3  # a guard (--expect, --max-change) failed: nothing was published
    DATA_ERROR = 65  # the export holds bad data
    NO_INPUT = 66  # the export is missing or unreadable
    UNAVAILABLE = 69  # an optional part is not installed (pip install 'leadseg[...]')
    INTERNAL = 70  # a bug in leadseg
    CANT_CREATE = 73  # the output cannot be created
    IO_ERROR = 74  # an I/O error while writing
    TEMP_FAIL = 75  # another run holds the output directory
    CONFIG_ERROR = 78  # the segment file is invalid
    INTERRUPTED = 130  # SIGINT
    TERMINATED = 143  # SIGTERM
