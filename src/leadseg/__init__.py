"""leadseg: turn a marketing contact export into lead-score segments.

>>> from leadseg import load_segments, count_segments
>>> result = count_segments("contacts.csv", load_segments("segments.yaml"))  # doctest: +SKIP
"""

from leadseg.api import apply_segments, count_segments, validate_segments
from leadseg.engine import RunOptions
from leadseg.errors import LeadsegError
from leadseg.io.readers import ReadOptions
from leadseg.spec import load_segments, parse_segments

__version__ = "0.1.0"

__all__ = [
    "LeadsegError",
    "ReadOptions",
    "RunOptions",
    "apply_segments",
    "count_segments",
    "load_segments",
    "parse_segments",
    "validate_segments",
]
