"""leadseg: turn a marketing contact export into lead-score segments.

>>> from leadseg import load_segments, count_segments
>>> result = count_segments("contacts.csv", load_segments("segments.yaml"))  # doctest: +SKIP

Names are imported on first use, so ``leadseg --help`` stays instant.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "LeadsegError": "leadseg.errors",
    "ReadOptions": "leadseg.exports.readers",
    "RunOptions": "leadseg.engines.plan",
    "apply_segments": "leadseg.api",
    "count_segments": "leadseg.api",
    "describe_export": "leadseg.api",
    "diff_exports": "leadseg.api",
    "explain_score": "leadseg.api",
    "explain_segments": "leadseg.api",
    "load_segments": "leadseg.segments.file",
    "overlap_segments": "leadseg.api",
    "parse_segments": "leadseg.segments.file",
    "report_data": "leadseg.api",
    "score_export": "leadseg.api",
    "segments_sql": "leadseg.api",
    "starter_segments": "leadseg.api",
    "validate_segments": "leadseg.api",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from leadseg.api import (
        apply_segments,
        count_segments,
        describe_export,
        diff_exports,
        explain_score,
        explain_segments,
        overlap_segments,
        report_data,
        score_export,
        segments_sql,
        starter_segments,
        validate_segments,
    )
    from leadseg.engines.plan import RunOptions
    from leadseg.errors import LeadsegError
    from leadseg.exports.readers import ReadOptions
    from leadseg.segments.file import load_segments, parse_segments


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'leadseg' has no attribute {name!r}")
