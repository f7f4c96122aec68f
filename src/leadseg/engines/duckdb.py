"""DuckDB as an engine for ``count`` on Parquet exports: the plan's segments compiled to
SQL by ``backends/sql.py`` (the same rules as every engine), run in an in-process DuckDB
over the file, with the file's row numbers for the first unreadable values. Its totals are
the Polars engine's, so everything above (results, --strict, the mostly-unreadable check
and its diagnosis) is shared."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadseg.totals import FIRST_ROWS, Totals

if TYPE_CHECKING:
    from leadseg.engine import Plan

VIEW = "leadseg_export"
POSITION = "leadseg_row_position"


def count_totals(p: Plan) -> Totals:
    import duckdb
    from sqlglot import exp

    from leadseg.backends.sql import StagedSqlCompiler, count_of
    from leadseg.errors import ExportDataError, Location

    compiler = StagedSqlCompiler(p.segments, "duckdb", as_of=p.as_of, decimal_comma=p.decimal_comma)
    order = p.compiled.order
    parsed = p.compiled.parsed
    con = duckdb.connect()
    try:
        relation = con.read_parquet(str(p.export.local_path), file_row_number=True)
        relation.project(
            f'* EXCLUDE (file_row_number), file_row_number AS "{POSITION}"'
        ).create_view(VIEW)
        table = exp.table_(VIEW, quoted=True)

        columns = [exp.Count(this=exp.Star())]
        columns += [count_of(compiler.segment(s)) for s in order]
        columns += [count_of(compiler.unreadable(x.column, x.kind)) for x in parsed]
        columns += [count_of(compiler.readable(x.column, x.kind)) for x in parsed]
        query = compiler.over_stages(exp.select(*columns), table, (POSITION,)).sql("duckdb")
        row = con.execute(query).fetchone()
        assert row is not None
        counts = [int(v) for v in row]
        n, k = len(order), len(parsed)
        totals = Totals(
            rows=counts[0],
            members=counts[1 : 1 + n],
            unreadable=counts[1 + n : 1 + n + k],
            readable=counts[1 + n + k :],
            nfc=[0] * len(p.compiled.unnormalised),
        )
        for i, x in enumerate(parsed):
            if totals.unreadable[i]:
                position = exp.column(POSITION, quoted=True)
                where = compiler.unreadable(x.column, x.kind)
                first = compiler.over_stages(exp.select(position), table, (POSITION,))
                first = first.where(where).order_by(position.copy()).limit(FIRST_ROWS)
                totals.first_unreadable[i] = [
                    int(r[0]) for r in con.execute(first.sql("duckdb")).fetchall()
                ]
        return totals
    except duckdb.Error as exc:
        raise ExportDataError(
            f"DuckDB cannot read the export ({type(exc).__name__})",
            location=Location(file=p.export.display),
            hint="run with --debug for its message, or without --engine duckdb",
        ) from None
    finally:
        con.close()
