"""``describe --field SCORE``: a score or grade of the segment file described as a column
(``-s FILE`` with ``scores:``): a score as a number column that is never blank, a grade as
text (blank where no band is reached), counted from one pass of the engine's member
batches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from leadseg.analysis.describe import FieldProfile, number_figures, text_figures, thresholds_of
from leadseg.analysis.figures import Counted

if TYPE_CHECKING:
    import polars as pl

    from leadseg.engines.plan import Plan, RunOptions


def computed_profiles(
    p: Plan, names: list[str], bins: int, options: RunOptions
) -> dict[str, FieldProfile]:
    import polars as pl

    from leadseg.engines import Tagging
    from leadseg.engines.polars.compiler import score_outputs
    from leadseg.engines.settled import settled_batches

    scores = {s.name for s in p.segments.scores}

    def counted(batches: Iterator[pl.DataFrame]) -> tuple[dict[str, Counter], int]:
        values: dict[str, Counter] = {name: Counter() for name in names}
        rows = 0
        for batch in batches:
            rows += batch.height
            for name in names:
                values[name].update(dict(batch[name].value_counts().iter_rows()))
        return values, rows

    tagging = Tagging(stages=[score_outputs(p.segments)])
    (values, rows), _ = settled_batches(p, options, tagging, counted)
    found = {}
    for name in names:
        counter = values[name]
        if name in scores:
            numbers = Counted.of(sorted(counter.items()))
            profile = FieldProfile(
                name, "number", 0, 0, 0, [], rows, number_figures(numbers, bins),
                thresholds_of(p.segments, name),
            )  # fmt: skip
        else:
            from leadseg.rules import fold_text

            blank = counter.pop(None, 0)
            frame = pl.DataFrame(
                {
                    "value": [fold_text(v) for v in counter],
                    "spelling": list(counter),
                    "count": list(counter.values()),
                },  # fmt: skip
                schema={"value": pl.String, "spelling": pl.String, "count": pl.Int64},
            )
            profile = FieldProfile(
                name, "text", blank, 0, 0, [], rows - blank, text_figures(frame),
                thresholds_of(p.segments, name),
            )  # fmt: skip
        found[name] = profile
    return found
