"""The interface every engine implements (``Engine``), and the small records that cross it:
a segment combination's count, the value distributions, the tagging of member batches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterator

    import polars as pl

    from leadseg.engines.plan import Plan
    from leadseg.engines.totals import Totals

TOP_VALUES = 10  # the most common values describe shows of a column


class Engine(Protocol):
    """What ``count``, ``apply`` and ``validate --export`` need from an engine."""

    name: str

    def totals(self, p: Plan, *, rows: int | None = None, positions: bool = True) -> Totals:
        """One pass over the export (its first ``rows`` rows when given): rows, members per
        segment, readable and unreadable values per parsed column, and with ``positions``
        the positions of the first unreadable ones (a query more per column that has any)."""
        ...

    def unreadable_sample(self, p: Plan, index: int, limit: int) -> list[str]:
        """Up to ``limit`` unreadable values of parsed column ``index``, trimmed (for the
        diagnosis of a mostly unreadable column; never shown)."""
        ...

    def member_batches(self, p: Plan, tagging: Tagging, *, raw: bool) -> Iterator[pl.DataFrame]:
        """Every row in file order, in batches: the export's columns, one mask column per
        segment and the flags ``Plan.batch_totals`` sums, with ``tagging`` applied. ``raw``
        (Polars only): flags beside each record's raw line instead of the columns."""
        ...

    def combinations(self, p: Plan) -> tuple[Totals, list[Combination]]:
        """One pass: the totals, and how many rows are in each combination of segments
        that occurs (``overlap``)."""
        ...

    def distributions(
        self, p: Plan, *, combinations: bool = False, rows: int | None = None
    ) -> Distributions:
        """One pass (or one per column, where the engine's scans are cheap; over the first
        ``rows`` rows when given, as ``totals``): the totals,
        and per column the plan reads (``reads.values_read`` order) its readable values
        counted -- numbers and dates: columns ``value``, ``count``; text: ``value`` (folded
        as comparisons fold it), ``spelling`` (trimmed, as written), ``count``; blank
        values left out (``describe``) -- or, for a text column in ``distinct``, only the
        values that can be among the most common, with the number of distinct ones; with
        ``combinations``, also those of ``Engine.combinations`` (``report``)."""
        ...

    def keyed_groups(
        self, plans: list[Plan], keys: list[str], *, name_changes: bool = True
    ) -> tuple[list[Totals], pl.DataFrame]:
        """The totals of each export (``plans``), and the rows of all of them grouped by the
        value of its ``keys`` column folded as text comparisons fold it (``key``; ``""``
        for a blank key): for export ``s``, whether any of its rows with that key is in each
        segment (``m{i}_{s}``, ``Plan.order``), how many rows have it (``rows_{s}``, 0 for
        none) and the first one's position (``first_{s}``) -- the shape of
        ``engines.keyed``, in which an engine may compact the keys ``diff`` does not name
        (the first few repeated ones and blank ones it does; with ``name_changes``, every
        key that entered or left a segment too). Memory follows the keys, not the rows."""
        ...


Combination = tuple[tuple[bool, ...], int]  # memberships in ``Plan.order``, and the rows


@dataclass
class Distributions:
    totals: Totals
    values: list[Any]  # polars DataFrames, one per column read (values_read order)
    combinations: list[Combination] | None = None
    # text columns whose values were cut to those that can be the most common (a cluster
    # engine's: ``spark_values``): their number of distinct values, by values_read index
    distinct: dict[int, int] = field(default_factory=dict)


@dataclass
class Tagging:
    """Polars expressions every batch of members gets after its masks (formula checks,
    nested columns as JSON text), in stages; ``added``: the columns they add that a
    raw-line batch keeps."""

    stages: list[list[Any]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    def apply(self, frame: Any) -> Any:
        """``frame`` (a LazyFrame or a DataFrame) with every stage's columns."""
        for stage in self.stages:
            if stage:
                frame = frame.with_columns(stage)
        return frame
