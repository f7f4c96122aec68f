"""Figures of a number column from its values counted (``value``, ``count`` pairs, as every
engine returns them): exact, whatever the engine, and cheap however many rows there were."""

from __future__ import annotations

import math
from dataclasses import dataclass

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)


CODE_SHARE = 10  # a code holds at least 1/CODE_SHARE of the values


def rounded(value: float, spread: float) -> float | int:
    """A threshold as a person would write it: whole numbers when the values spread over
    more than 10, else one decimal (``init``'s; ``describe`` counts these too)."""
    if spread > 10:
        return int(round(value))
    return round(value, 1)


@dataclass(frozen=True)
class Counted:
    """Distinct values in ascending order and how many rows hold each."""

    values: list[float]
    counts: list[int]

    @classmethod
    def of(cls, pairs: list[tuple[float, int]]) -> Counted:
        ordered = sorted(pairs)
        return cls([float(v) for v, _ in ordered], [int(n) for _, n in ordered])

    @property
    def total(self) -> int:
        return sum(self.counts)

    def mean(self) -> float:
        # math.fsum: exact summation, so every engine's counts give the same mean
        return math.fsum(v * n for v, n in zip(self.values, self.counts, strict=True)) / self.total

    def at_rank(self, rank: int) -> float:
        """The value at 0-based ``rank`` of the sorted rows."""
        seen = 0
        for value, n in zip(self.values, self.counts, strict=True):
            seen += n
            if rank < seen:
                return value
        raise IndexError(rank)

    def quantile(self, q: float) -> float:
        """Linear interpolation between the closest ranks (numpy's and Polars' default)."""
        h = (self.total - 1) * q
        low = math.floor(h)
        below = self.at_rank(low)
        if low + 1 >= self.total:
            return below
        return below + (h - low) * (self.at_rank(low + 1) - below)

    def at_least(self, threshold: float) -> int:
        return sum(n for v, n in zip(self.values, self.counts, strict=True) if v >= threshold)

    def at_most(self, threshold: float) -> int:
        return sum(n for v, n in zip(self.values, self.counts, strict=True) if v <= threshold)

    def no_value_code(self) -> tuple[float, int] | None:
        """The value that looks like a code for "no value" (``-1`` for never contacted,
        ``999``, ``9999``), with its count: the most common value, holding at least a tenth
        of the values, that sits apart from the rest -- a negative among values that are
        not, or an extreme further from the other values than they span."""
        if len(self.values) < 3 or not self.total:
            return None  # a yes/no column (0/1) has no "rest" to sit apart from
        top = max(range(len(self.values)), key=lambda i: (self.counts[i], -i))
        code, held = self.values[top], self.counts[top]
        if held * CODE_SHARE < self.total:
            return None
        others = [v for i, v in enumerate(self.values) if i != top]
        low, high = others[0], others[-1]
        span = high - low
        if span <= 0:
            return None
        apart = (code < 0 <= low) or (code < low and low - code > span)
        apart = apart or (code > high and code - high > span)
        return (code, held) if apart else None

    def histogram(self, bins: int) -> list[tuple[float, float, int]]:
        """``bins`` bins of equal width from the least to the greatest value, each holding
        the values from its low edge up to (not including) its high edge -- the last one
        includes the greatest value. One bin when every value is the same."""
        low, high = self.values[0], self.values[-1]
        if low == high:
            return [(low, high, self.total)]
        width = (high - low) / bins
        counts = [0] * bins
        for value, n in zip(self.values, self.counts, strict=True):
            counts[min(int((value - low) / width), bins - 1)] += n
        edges = [low + i * width for i in range(bins)] + [high]
        return [(edges[i], edges[i + 1], counts[i]) for i in range(bins)]


def round_thresholds(low: float, high: float, steps: int = 10) -> list[float]:
    """Round numbers between ``low`` and ``high``, about ``steps`` of them: multiples of
    1, 2 or 5 times a power of ten."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return []
    raw = (high - low) / steps
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step)
    found = []
    k = first
    while k * step <= high:
        found.append(float(round(k * step, 12)))
        k += 1
    return found


def code_hint(column: str, code: float, held: int, values: int, where: str = "") -> str:
    """What to do about a value that looks like a code for "no value"."""
    from leadseg.printable import yaml_key

    shown = str(int(code)) if code.is_integer() else repr(code)
    return (
        f"{shown} holds {held:,} of the {values:,} values{where} ({100 * held / values:.1f}%) "
        f'and sits apart from the rest: if it means "no value", treat it as blank with '
        f'placeholders: {{columns: {{{yaml_key(column)}: ["{shown}"]}}}} in the segment file'
        " (a column's list replaces the default one: add N/A, - ... to it if the column "
        "holds them)"
    )
