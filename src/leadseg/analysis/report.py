"""``report``: what an analyst mails a colleague -- counts with shares, the score's
histogram with the segment thresholds, the overlap heat map, every segment's waterfall,
the unreadable values and where the figures came from -- gathered here as data
(``Report``) and rendered as one self-contained HTML page by ``leadseg.analysis.report_page``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leadseg.analysis.describe import DescribeResult
from leadseg.analysis.explain import ExplainResult
from leadseg.analysis.overlap import OverlapResult
from leadseg.analysis.score_figures import ScoreFigures
from leadseg.results import SegmentCount


@dataclass(frozen=True)
class Provenance:
    input: str
    size: int | None
    sha256: str | None
    segments_file: str | None
    segments_sha256: str | None
    leadseg_version: str
    as_of: str
    engine: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Report:
    provenance: Provenance
    rows: int
    counts: list[SegmentCount]
    waterfalls: ExplainResult
    overlap: OverlapResult
    score: DescribeResult | None  # None: the export has no score column
    no_score: str | None = None  # then: what count would say (the names looked for, ...)
    scores: ScoreFigures | None = None  # the segment file's scores: None when it has none

    def to_dict(self) -> dict[str, Any]:
        return {
            "provenance": self.provenance.to_dict(),
            "rows": self.rows,
            "segments": [c.to_dict() for c in self.counts],
            "explain": self.waterfalls.to_dict(),
            "overlap": self.overlap.to_dict(),
            "score": None if self.score is None else self.score.to_dict(),
            **({"no_score": self.no_score} if self.no_score else {}),
            **({"scores": self.scores.to_dict()} if self.scores else {}),
        }
