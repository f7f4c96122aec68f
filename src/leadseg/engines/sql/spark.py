"""Spark as an engine (the ``leadseg[spark]`` extra): the plan's SQL (``sql_pass``) run by
Spark SQL -- in a local Spark (``--spark-master``, default ``local[*]``), on a cluster, or
through Spark Connect (``SPARK_REMOTE=sc://host:15002``); see ``spark_session``.

A local export reaches Spark as one Parquet file (a CSV's validated copy), whose
``_metadata.row_index`` is the row's position: the same counts, errors and row numbers as
every engine. Lake inputs: ``spark_lake``. Spark has no Unicode normalisation in SQL: text
columns are checked for text NFC would change, and a column holding any is normalised by
a small Python function."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leadseg.engines.sql.spark_session import session, spark_errors
from leadseg.engines.sql.sql_pass import POSITION, VIEW, SqlPass, column_name

if TYPE_CHECKING:
    from collections.abc import Iterator

    import polars as pl

    from leadseg.engines.interface import Combination, Distributions, Tagging
    from leadseg.engines.plan import Plan
    from leadseg.engines.totals import Totals

BATCH_ROWS = 100_000


class SparkEngine:
    name = "spark"

    def __init__(self, master: str | None = None) -> None:
        self.master = master
        self._prepared: tuple[Plan, Any, str | None, frozenset[str]] | None = None

    def prepared(self, p: Plan, *keys: str) -> tuple[Any, str | None]:
        """The session with the export registered as ``VIEW``, and the NFC function the
        plan's text columns and the ``keys`` columns (folded as text) need (None: none) --
        done once per plan, whatever asks."""
        done = self._prepared
        if done is None or done[0] is not p or not done[3].issuperset(keys):
            spark = self._register(p)
            done = (p, spark, normalising(spark, p, keys), frozenset(keys))
            self._prepared = done
        return done[1], done[2]

    def totals(self, p: Plan, *, rows: int | None = None, positions: bool = True) -> Totals:
        spark, nfc = self.prepared(p)
        sql = SqlPass(p, "spark", rows=rows, nfc_function=nfc)
        with spark_errors(p.export.display):
            totals = sql.totals_of(tuple(spark.sql(sql.totals_query()).first()))
            if positions:
                self.first_unreadable(p, spark, sql, totals)
        return totals

    def combinations(self, p: Plan) -> tuple[Totals, list[Combination]]:
        spark, nfc = self.prepared(p)
        sql = SqlPass(p, "spark", nfc_function=nfc)
        with spark_errors(p.export.display):
            rows = [tuple(r) for r in spark.sql(sql.combinations_query()).collect()]
            totals, groups = sql.combinations_of(rows)
            self.first_unreadable(p, spark, sql, totals)
        return totals, groups

    def distributions(
        self, p: Plan, *, combinations: bool = False, rows: int | None = None
    ) -> Distributions:
        import polars as pl

        from leadseg.engines.interface import TOP_VALUES, Distributions
        from leadseg.engines.sql.spark_values import top_candidates
        from leadseg.segments.criteria import Kind
        from leadseg.segments.reads import values_read

        spark, nfc = self.prepared(p)
        sql = SqlPass(p, "spark", rows=rows, nfc_function=nfc)
        found, distinct = [], {}
        with spark_errors(p.export.display):
            totals = sql.totals_of(tuple(spark.sql(sql.totals_query()).first()))
            self.first_unreadable(p, spark, sql, totals)
            for i, (_, kind) in enumerate(values_read(p.segments)):
                result = spark.sql(sql.distribution_query(i))
                if kind == Kind.TEXT:  # the spellings of the values that can be most common
                    result, distinct[i] = top_candidates(result, TOP_VALUES)
                frame = pl.from_arrow(result.toArrow())
                assert isinstance(frame, pl.DataFrame)
                found.append(frame)
            groups = None
            if combinations:
                grouped = [tuple(r) for r in spark.sql(sql.combinations_query()).collect()]
                _, groups = sql.combinations_of(grouped)
        return Distributions(totals, found, groups, distinct)

    def keyed_groups(
        self, plans: list[Plan], keys: list[str], *, name_changes: bool = True
    ) -> tuple[list[Totals], pl.DataFrame]:
        from leadseg.engines.sql.spark_keyed import keyed_groups

        return keyed_groups(self, plans, keys, name_changes=name_changes)

    def first_unreadable(self, p: Plan, spark: Any, sql: SqlPass, totals: Totals) -> None:
        for i, bad in enumerate(totals.unreadable):
            if bad and not p.export.lake:  # rows are spreadsheet rows of one file
                found = spark.sql(sql.first_unreadable_query(i)).collect()
                totals.first_unreadable[i] = [int(r[0]) for r in found]
                totals.first_values[i] = [str(r[1]) for r in found]

    def unreadable_sample(self, p: Plan, index: int, limit: int) -> list[str]:
        spark, _ = self.prepared(p)
        with spark_errors(p.export.display):
            query = SqlPass(p, "spark").unreadable_query(index, limit)
            return [str(r[0]) for r in spark.sql(query).collect()]

    def member_batches(self, p: Plan, tagging: Tagging, *, raw: bool) -> Iterator[pl.DataFrame]:
        """Batches in file order: the flagged rows are kept by Spark (persisted) and
        brought over a range of positions at a time, as Arrow."""
        import polars as pl

        assert not raw, "raw lines are the Polars engine's"
        spark, nfc = self.prepared(p)
        sql = SqlPass(p, "spark", nfc_function=nfc)
        with spark_errors(p.export.display):
            members = spark.sql(sql.members_query()).persist()
            try:
                positions = spark.table(VIEW).selectExpr(f"max(`{POSITION}`)").first()[0]
                end = -1 if positions is None else int(positions)
                for start in range(0, end + 1, BATCH_ROWS):
                    chunk = members.where(
                        f"`{POSITION}` >= {start} AND `{POSITION}` < {start + BATCH_ROWS}"
                    )
                    frame = pl.from_arrow(chunk.toArrow())
                    assert isinstance(frame, pl.DataFrame)
                    yield tagging.apply(sql.as_batch(frame))
            finally:
                members.unpersist()

    def _register(self, p: Plan) -> Any:
        """The session, with the export as ``VIEW``: columns by position and the row's
        position in the input (for a lake input: in its files' name order)."""
        from leadseg.engines.sql.spark_lake import lake_view

        spark = session(self.master)
        with spark_errors(p.export.display):
            # Headers that differ only in case are different columns (as in every engine).
            spark.conf.set("spark.sql.caseSensitive", "true")
            if p.export.lake:
                frame = lake_view(spark, p.export)
            else:
                frame = spark.read.parquet(str(p.export.local_path.resolve()))
                # the file's hidden metadata, even under a column of the same name
                row = frame.metadataColumn("_metadata").getField("row_index")
                frame = frame.select(
                    *(frame[c].alias(column_name(i)) for i, c in enumerate(frame.columns)),
                    row.alias(POSITION),
                )
            frame.createOrReplaceTempView(VIEW)
        return spark


NFC_FUNCTION = "leadseg_nfc"


def normalising(spark: Any, p: Plan, keys: tuple[str, ...] = ()) -> str | None:
    """Spark SQL has no Unicode normalisation. A query counts, per text column (and per
    ``keys`` column), values NFC may change; a column with any is compared through a Python
    function that normalises (``NFC_FUNCTION``, registered here), as the Polars engine
    does. Returns the function's name when some column needs it."""
    sql = SqlPass(p, "spark")
    columns = list(dict.fromkeys([*sql.text_columns(), *keys]))
    if not columns:
        return None
    with spark_errors(p.export.display):
        counts = spark.sql(sql.nfc_query(columns)).first()
    found = {column for column, n in zip(columns, counts, strict=True) if n}
    if not found:
        return None
    import unicodedata

    def nfc(text: str | None) -> str | None:
        return None if text is None else unicodedata.normalize("NFC", text)

    spark.udf.register(NFC_FUNCTION, nfc, "string")
    p.nfc_columns = p.nfc_columns | found
    return NFC_FUNCTION
