"""DuckDB as an engine (the ``leadseg[duckdb]`` extra): the plan's SQL (``sql_pass``) run in
an in-process DuckDB over the export's Parquet file (a CSV's validated copy), with the
file's row numbers for the first unreadable values."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from leadseg.engines.sql.sql_pass import POSITION, VIEW, SqlPass, column_name

if TYPE_CHECKING:
    from collections.abc import Iterator

    import polars as pl

    from leadseg.engines.interface import Combination, Distributions, Tagging
    from leadseg.engines.plan import Plan
    from leadseg.engines.totals import Totals

BATCH_ROWS = 50_000


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, remember: bool = False) -> None:
        self.remember = remember  # keep the SQL it made in the user's private cache

    def totals(self, p: Plan, *, rows: int | None = None, positions: bool = True) -> Totals:
        sql = SqlPass(p, "duckdb", rows=rows)
        with _connected(p) as con:
            row = con.execute(sql.totals_query(remember=self.remember)).fetchone()
            assert row is not None
            totals = sql.totals_of(row)
            if positions:
                self._first_unreadable(con, sql, totals)
        return totals

    def combinations(self, p: Plan) -> tuple[Totals, list[Combination]]:
        sql = SqlPass(p, "duckdb")
        with _connected(p) as con:
            totals, groups = sql.combinations_of(con.execute(sql.combinations_query()).fetchall())
            self._first_unreadable(con, sql, totals)
        return totals, groups

    def distributions(
        self, p: Plan, *, combinations: bool = False, rows: int | None = None
    ) -> Distributions:
        from leadseg.engines.interface import Distributions
        from leadseg.segments.reads import values_read

        sql = SqlPass(p, "duckdb", rows=rows)
        with _connected(p) as con:
            row = con.execute(sql.totals_query()).fetchone()
            assert row is not None
            totals = sql.totals_of(row)
            self._first_unreadable(con, sql, totals)
            found = [
                value_counts(con.execute(sql.distribution_query(i)))
                for i in range(len(values_read(p.segments)))
            ]
            groups = None
            if combinations:
                _, groups = sql.combinations_of(con.execute(sql.combinations_query()).fetchall())
        return Distributions(totals, found, groups)

    def keyed_groups(
        self, plans: list[Plan], keys: list[str], *, name_changes: bool = True
    ) -> tuple[list[Totals], pl.DataFrame]:
        """One grouped query per export, its totals summed from its groups; joined here."""
        import polars as pl

        from leadseg.engines.keyed import from_counts, joined

        frames, totals = [], []
        for p, key in zip(plans, keys, strict=True):
            sql = SqlPass(p, "duckdb")
            with _connected(p) as con:
                frame = pl.from_arrow(con.sql(sql.keyed_query(key)).to_arrow_table())
                assert isinstance(frame, pl.DataFrame)
                found = sql.totals_of(tuple(frame.select(sql.keyed_sums()).sum().row(0)))
                self._first_unreadable(con, sql, found)
            totals.append(found)
            frames.append(from_counts(frame, len(p.order)))
        return totals, joined(frames, len(plans[0].order))

    def _first_unreadable(self, con: Any, sql: SqlPass, totals: Totals) -> None:
        for i, bad in enumerate(totals.unreadable):
            if bad:
                found = con.execute(sql.first_unreadable_query(i)).fetchall()
                totals.first_unreadable[i] = [int(r[0]) for r in found]
                totals.first_values[i] = [str(r[1]) for r in found]

    def unreadable_sample(self, p: Plan, index: int, limit: int) -> list[str]:
        with _connected(p) as con:
            query = SqlPass(p, "duckdb").unreadable_query(index, limit)
            return [str(r[0]) for r in con.execute(query).fetchall()]

    def member_batches(self, p: Plan, tagging: Tagging, *, raw: bool) -> Iterator[pl.DataFrame]:
        import polars as pl

        assert not raw, "raw lines are the Polars engine's"
        sql = SqlPass(p, "duckdb")
        with _connected(p) as con:
            # One thread reads the one Parquet file in order, so batches stream in file
            # order without a sort (an ORDER BY would hold every row: 1.4 GB for 1M rows;
            # several threads interleave their vectors even with preserve_insertion_order).
            con.execute("SET threads = 1")
            reader = con.sql(sql.members_query(ordered=False)).to_arrow_reader(BATCH_ROWS)
            for batch in reader:
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)
                yield tagging.apply(sql.as_batch(frame))


def value_counts(cursor: Any) -> pl.DataFrame:
    """A ``distribution_query`` result as a frame (its columns named by the query)."""
    import polars as pl

    names = [d[0] for d in cursor.description]
    return pl.DataFrame(cursor.fetchall(), schema=names, orient="row")


@contextmanager
def _connected(p: Plan) -> Iterator[Any]:
    """A DuckDB connection with the export as ``VIEW``: its columns by position, and the
    row's position in the file. DuckDB's own errors become a located leadseg error."""
    import duckdb

    from leadseg.errors import ExportDataError, Location
    from leadseg.exports.duckdb_session import connection

    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    con = connection()
    try:
        relation = con.read_parquet(str(p.export.local_path), file_row_number=True)
        names = relation.columns[: len(p.export.columns)]
        columns = [f"{quoted(name)} AS {column_name(i)}" for i, name in enumerate(names)]
        columns.append(f"file_row_number AS {POSITION}")
        relation.project(", ".join(columns)).create_view(VIEW)
        yield con
    except duckdb.Error as exc:
        raise ExportDataError(
            f"DuckDB cannot read the export ({type(exc).__name__})",
            location=Location(file=p.export.display),
            hint="run with --debug for its message, or with --engine polars",
        ) from exc
    finally:
        con.close()
