"""``diff`` on Spark: both exports grouped by key and joined where they live, and only what
``diff`` reads brought to this machine -- the keys it names (blank ones, the first few
repeated in each export, with ``-o`` every key that entered or left a segment) one row
each, every other key compacted into one row per combination of memberships and row
counts (``engines.keyed``: ``key`` null, ``keys`` how many). A lake of a hundred million
contacts comes back as a few hundred rows, not a hundred million keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leadseg.engines.sql.spark_session import spark_errors
from leadseg.engines.sql.sql_pass import SqlPass

if TYPE_CHECKING:
    import polars as pl

    from leadseg.engines.plan import Plan
    from leadseg.engines.sql.spark import SparkEngine
    from leadseg.engines.totals import Totals


def keyed_groups(
    engine: SparkEngine, plans: list[Plan], keys: list[str], *, name_changes: bool
) -> tuple[list[Totals], pl.DataFrame]:
    import polars as pl
    from pyspark.sql import functions as F  # noqa: N812 (Spark's own spelling)

    from leadseg.engines.keyed import FIRST_REPEATED, KEYS, first, mask, rows

    width = len(plans[0].order)
    sides, totals = [], []
    for s, (p, key) in enumerate(zip(plans, keys, strict=True)):
        spark, nfc = engine.prepared(p, key)
        sql = SqlPass(p, "spark", nfc_function=nfc)
        with spark_errors(p.export.display):
            # computed now, while the view names this export (the next one replaces it)
            grouped = spark.sql(sql.keyed_query(key)).localCheckpoint()
            # the export's totals: its groups' sums (no second pass over it)
            sums = grouped.agg(*[F.sum(c) for c in sql.keyed_sums()]).first()
            counted = sql.totals_of(tuple(v or 0 for v in sums))
            engine.first_unreadable(p, spark, sql, counted)
            sides.append(
                grouped.select(
                    "key",
                    *[(F.col(f"m{i}") > 0).alias(mask(i, s)) for i in range(width)],
                    F.col("rows").cast("long").alias(rows(s)),
                    F.col("first").cast("long").alias(first(s)),
                )
            )
        totals.append(counted)
    sources = range(len(plans))
    with spark_errors(plans[-1].export.display):
        both = sides[0]
        for side in sides[1:]:
            both = both.join(side, on="key", how="full")
        both = both.fillna(False, [mask(i, s) for s in sources for i in range(width)])
        both = both.fillna(0, [rows(s) for s in sources])
        named = F.col("key") == ""
        if name_changes:  # a key whose memberships differ between the exports
            for i in range(width):
                for s in sources[1:]:
                    named = named | (F.col(mask(i, 0)) != F.col(mask(i, s)))
        for s in sources:
            repeated = (F.col("key") != "") & (F.col(rows(s)) > 1)
            earliest = both.where(repeated).select(first(s)).orderBy(first(s)).limit(FIRST_REPEATED)
            found = [r[0] for r in earliest.collect()]
            if found:
                named = named | (repeated & (F.col(first(s)) <= max(found)))
        one_each = both.where(named).withColumn(KEYS, F.lit(1).cast("long"))
        grouped = [mask(i, s) for s in sources for i in range(width)]
        grouped += [rows(s) for s in sources]
        compacted = (
            both.where(~named)
            .groupBy(*grouped)
            .agg(
                F.count("*").cast("long").alias(KEYS),
                *[F.min(first(s)).alias(first(s)) for s in sources],
            )
            .select(F.lit(None).cast("string").alias("key"), *one_each.columns[1:])
        )
        arrow: Any = one_each.unionByName(compacted).toArrow()
    frame = pl.from_arrow(arrow)
    assert isinstance(frame, pl.DataFrame)
    return totals, frame
