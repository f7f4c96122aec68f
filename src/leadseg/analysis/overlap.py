"""``overlap``: how many contacts two segments share (the pairwise matrix, the diagonal
being each segment's count) and the largest exact combinations of segments (as an UpSet
chart shows them), from one pass that counts the rows of each combination of segment
memberships."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leadseg.results import UnreadableValues

TOP_COMBINATIONS = 20


@dataclass(frozen=True)
class Intersection:
    segments: list[str]  # exactly these, in file order
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"segments": self.segments, "count": self.count}


@dataclass(frozen=True)
class OverlapResult:
    input: str
    rows: int
    as_of: str | None
    segments: list[str]  # file order
    counts: list[list[int]]  # counts[i][j]: members of both i and j
    intersections: list[Intersection]  # the largest first, at most TOP_COMBINATIONS
    in_none: int  # rows in no segment
    unreadable: list[UnreadableValues]

    def shares(self) -> list[list[float | None]]:
        """counts[i][j] as a share of segment i (None for an empty segment)."""
        return [[n / row[i] if row[i] else None for n in row] for i, row in enumerate(self.counts)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "rows": self.rows,
            "as_of": self.as_of,
            "segments": self.segments,
            "counts": self.counts,
            "shares": [[None if s is None else round(s, 6) for s in row] for row in self.shares()],
            "intersections": [i.to_dict() for i in self.intersections],
            "in_none": self.in_none,
            "unreadable": [u.to_dict() for u in self.unreadable],
        }


def overlap_of(
    names: list[str],
    order: list[str],
    combinations: list[tuple[tuple[bool, ...], int]],
    *,
    input: str,
    rows: int,
    as_of: str | None,
    unreadable: list[UnreadableValues],
) -> OverlapResult:
    """The matrix and the intersections of ``names`` (file order) from the combinations
    of memberships in ``order`` (the plan's evaluation order) and their row counts."""
    position = [order.index(name) for name in names]
    merged: dict[tuple[bool, ...], int] = {}
    for masks, n in combinations:
        key = tuple(masks[p] for p in position)
        merged[key] = merged.get(key, 0) + n
    size = len(names)
    counts = [[0] * size for _ in range(size)]
    for key, n in merged.items():
        inside = [i for i in range(size) if key[i]]
        for i in inside:
            for j in inside:
                counts[i][j] += n
    some = [(key, n) for key, n in merged.items() if any(key)]
    ranked = sorted(some, key=lambda item: (-item[1], [not m for m in item[0]]))
    intersections = [
        Intersection([names[i] for i in range(size) if key[i]], n)
        for key, n in ranked[:TOP_COMBINATIONS]
    ]
    in_none = rows - sum(n for _, n in some)
    return OverlapResult(input, rows, as_of, names, counts, intersections, in_none, unreadable)
