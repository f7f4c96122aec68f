"""Seeded splits: segments whose own criterion is a ``sample`` of the same key and seed
under the same parent are parts of one split; parts that overlap, or leave a gap between
them, are most likely a typo (``validate`` warns)."""

from __future__ import annotations

from typing import cast

from leadseg.segments.criteria import Condition, Op, SegmentSet


def split_warnings(segments: SegmentSet) -> list[str]:
    parts: dict[tuple[str | None, str, int], list[tuple[int, int, str]]] = {}
    for segment in segments.segments:
        node = segment.criterion
        if isinstance(node, Condition) and node.op == Op.SAMPLE:
            seed, low, high = cast(tuple[int, int, int], node.value)
            parts.setdefault((segment.parent, node.field, seed), []).append(
                (low, high, segment.name)
            )
    found = []
    for (parent, key, seed), ranges in parts.items():
        if len(ranges) < 2:
            continue
        where = f"the samples of {key!r} with seed {seed}" + (
            f" under {parent!r}" if parent else ""
        )
        ranges.sort()
        for (low1, high1, name1), (low2, high2, name2) in zip(ranges, ranges[1:], strict=False):
            first, second = _part(name1, low1, high1), _part(name2, low2, high2)
            if low2 < high1:
                found.append(f"{where}: {first} and {second} overlap")
            elif low2 > high1:
                found.append(f"{where}: a gap between {first} and {second}")
    return found


def _part(name: str, low: int, high: int) -> str:
    return f"{name!r} [{low / 100:g}, {high / 100:g})"
