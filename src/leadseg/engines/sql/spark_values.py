"""``describe`` on Spark: a text column's values counted where they live, and only the
spellings of the values that can be among its most common brought back, with the number
of distinct values -- a column of a hundred million e-mail addresses comes back as a few
rows. Which values are the most common, and in which spelling, is still decided in one
place (``analysis.describe.text_figures``) from what comes back: this only cuts the
values that cannot be among them.

The ranking: by count, ties by the value's chosen spelling (its most common, ties the
first sorted). A chosen spelling lies between the value's first and last spellings in
sort order. Of the values tied at the cut (the ``top``-th count), ``k`` are ranked in;
the ``k`` tied values whose last spellings sort first have chosen spellings at most X, the
greatest of those last spellings -- so no value whose first spelling sorts after X can be
ranked in, and every other tied value is kept."""

from __future__ import annotations

from typing import Any


def top_candidates(counted: Any, top: int) -> tuple[Any, int]:
    """``counted`` (a Spark DataFrame: ``value``, ``spelling``, ``count``) cut to the rows
    of the values that can be among the ``top`` most common, and how many distinct values
    it has."""
    from pyspark.sql import functions as F  # noqa: N812 (Spark's own spelling)

    per_value = (
        counted.groupBy("value")
        .agg(
            F.sum("count").alias("total"),
            F.min("spelling").alias("first"),
            F.max("spelling").alias("last"),
        )
        .localCheckpoint()
    )
    distinct = per_value.count()
    leading = [
        r[0] for r in per_value.orderBy(F.desc("total")).limit(top).select("total").collect()
    ]
    if len(leading) < top:
        return counted, distinct
    cut = min(leading)
    tied_in = top - sum(1 for total in leading if total > cut)
    tied = per_value.where(F.col("total") == cut)
    lasts = [r[0] for r in tied.orderBy("last").limit(tied_in).select("last").collect()]
    kept = (F.col("total") > cut) | ((F.col("total") == cut) & (F.col("first") <= max(lasts)))
    return counted.join(per_value.where(kept).select("value"), "value", "left_semi"), distinct
