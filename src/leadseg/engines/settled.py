"""A pass over the export's member rows, in batches, that settles as ``count`` does: when a
text column turns out to hold text NFC would change, the plan is marked and the pass runs
again from nothing, so figures built from the batches read text as the counts read it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import polars as pl

    from leadseg.engines.interface import Tagging
    from leadseg.engines.plan import Plan, RunOptions
    from leadseg.engines.totals import Totals

T = TypeVar("T")


def settled_batches(
    p: Plan, options: RunOptions, tagging: Tagging, fold: Callable[[Iterator[pl.DataFrame]], T]
) -> tuple[T, Totals]:
    """``fold`` of the member batches of ``p`` (which the pass may mark: keep using it),
    once the pass has settled, and the pass's totals; ``fold`` starts afresh on each pass
    and reads every batch."""
    from leadseg.engines.choice import engine_for
    from leadseg.exports.readers import until_settled

    def attempt() -> tuple[T, Totals]:
        totals: Totals | None = None

        def batches() -> Iterator[pl.DataFrame]:
            nonlocal totals
            for batch in engine_for(options).member_batches(p, tagging, raw=False):
                part = p.batch_totals(batch)
                totals = part if totals is None else totals.then(part)
                yield batch

        result = fold(batches())
        settled = totals if totals is not None else p.empty_totals()
        p.settle(settled)
        return result, settled

    return until_settled(attempt)
