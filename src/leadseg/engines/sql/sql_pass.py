"""One pass in SQL, for the engines that run SQL (DuckDB, Spark): the plan's segments
compiled by ``engines/sql/compiler.py`` (the rules every engine and ``leadseg sql`` share) into the
two queries an engine needs -- one row of totals, and every row with its masks and flags
in file order -- over a view of the export whose columns are addressed by position
(``c0``, ``c1``, ...: engines rename headers that differ only in case) beside the row's
position in the file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leadseg.engines.totals import FIRST_ROWS, Totals

if TYPE_CHECKING:
    import polars as pl

    from leadseg.engines.plan import Plan

VIEW = "leadseg_export"
POSITION = "leadseg_row_position"


def column_name(index: int) -> str:
    """The view's name for the export's column at ``index``."""
    return f"c{index}"


class SqlPass:
    def __init__(
        self, p: Plan, dialect: str, *, rows: int | None = None, nfc_function: str | None = None
    ) -> None:
        self.plan = p
        self.dialect = dialect
        self.rows = rows  # only the first rows (validate --export's sample)
        self.columns = {name: column_name(i) for i, name in enumerate(p.export.columns)}
        # A function normalising text to NFC, for a dialect without one: applied to the
        # plan's ``nfc_columns`` (see ``nfc_query``).
        self.nfc = (nfc_function, p.nfc_columns) if nfc_function else None

    def _compiler(self, staged: bool = True) -> Any:
        from leadseg.engines.sql.compiler import SqlCompiler, StagedSqlCompiler

        p = self.plan
        return (StagedSqlCompiler if staged else SqlCompiler)(
            p.segments, self.dialect, as_of=p.as_of, decimal_comma=p.decimal_comma,
            columns=self.columns, nfc_function=self.nfc,
        )  # fmt: skip

    def text_columns(self) -> list[str]:
        """The columns compared as text."""
        from leadseg.segments.criteria import Kind
        from leadseg.segments.reads import values_read

        return [c for c, kind in values_read(self.plan.segments) if kind == Kind.TEXT]

    def nfc_query(self, columns: list[str]) -> str:
        """One row: per column (text columns: ``text_columns``), how many values hold a character
        Unicode normalisation may change (``rules.NFC_SENSITIVE``, in Java's regex syntax:
        only Spark, which has no normalisation function, asks)."""
        import re

        from sqlglot import exp

        from leadseg.engines.sql.compiler import count_of
        from leadseg.rules import NFC_SENSITIVE

        # a code point past FFFF is written \x{1d15e} in Java's syntax
        pattern = re.sub(r"\\U000([0-9a-fA-F]{5})", r"\\x{\1}", NFC_SENSITIVE)
        compiler = self._compiler(staged=False)
        counts = [
            count_of(
                exp.RegexpLike(this=compiler.stripped(c), expression=exp.Literal.string(pattern))
            )
            for c in columns
        ]
        return exp.select(*counts).from_(self._source()).sql(self.dialect)

    def _source(self) -> Any:
        from sqlglot import exp

        table = exp.table_(VIEW, quoted=True)
        if self.rows is None:
            return table
        position = exp.column(POSITION, quoted=True)
        limited = exp.select(exp.Star()).from_(table).where(position < self.rows)
        return limited.subquery("leadseg_sample")

    def totals_query(self, *, remember: bool = False) -> str:
        """One row: rows, members per segment (``Plan.order``), unreadable then readable
        values per parsed column (``Plan.parsed``). With ``remember``, the text is kept in
        the user's private cache (``segments/file/compiled_cache``): an unchanged segment file on an
        export with the same columns needs no SQL compiler the next time."""
        if not remember:
            return self._totals_query()
        from leadseg.segments.file import compiled_cache

        key = self._key("totals")
        text = compiled_cache.recall_derived(key)
        if text is None:
            text = self._totals_query()
            compiled_cache.remember_derived(key, text)
        return text

    def _key(self, query: str) -> str:
        """A digest of everything a query's text depends on."""
        import hashlib

        from leadseg import __version__

        p = self.plan
        parts = [
            __version__, query, self.dialect, repr(p.segments), repr(list(self.columns)),
            p.as_of.isoformat(), str(p.decimal_comma), str(self.rows), repr(self.nfc),
        ]  # fmt: skip
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()

    def _totals_query(self) -> str:
        from sqlglot import exp

        from leadseg.engines.sql.compiler import count_of

        compiler = self._compiler()
        columns = [exp.Count(this=exp.Star())]
        columns += [count_of(compiler.segment(s)) for s in self.plan.order]
        columns += [count_of(compiler.unreadable(c, k)) for c, k in self.plan.parsed]
        columns += [count_of(compiler.readable(c, k)) for c, k in self.plan.parsed]
        query = compiler.over_stages(exp.select(*columns), self._source(), (POSITION,))
        return query.sql(self.dialect)

    def totals_of(self, row: tuple[Any, ...]) -> Totals:
        counts = [int(v) for v in row]
        n, k = len(self.plan.order), len(self.plan.parsed)
        return Totals(
            rows=counts[0],
            members=counts[1 : 1 + n],
            unreadable=counts[1 + n : 1 + n + k],
            readable=counts[1 + n + k :],
            nfc=[],
        )

    def keyed_sums(self) -> list[str]:
        """The columns of ``keyed_query`` whose sums are the export's totals, in the order
        ``totals_of`` reads them."""
        n, k = range(len(self.plan.order)), range(len(self.plan.parsed))
        return ["rows", *[f"m{i}" for i in n], *[f"u{i}" for i in k], *[f"r{i}" for i in k]]

    def combinations_query(self) -> str:
        """One row per combination of segments that occurs: its masks (``Plan.order``), then
        the columns of ``totals_query`` summed over its rows."""
        from sqlglot import exp

        from leadseg.engines.sql.compiler import count_of

        compiler = self._compiler()
        masks = [compiler.segment(s) for s in self.plan.order]
        columns = [*masks, exp.Count(this=exp.Star())]
        columns += [count_of(compiler.unreadable(c, k)) for c, k in self.plan.parsed]
        columns += [count_of(compiler.readable(c, k)) for c, k in self.plan.parsed]
        query = compiler.over_stages(exp.select(*columns), self._source(), (POSITION,))
        ordinals = [exp.Literal.number(i + 1) for i in range(len(masks))]
        return (query.group_by(*ordinals) if ordinals else query).sql(self.dialect)

    def combinations_of(self, rows: list[tuple[Any, ...]]) -> tuple[Totals, list[Any]]:
        """The totals and the combinations (masks, rows) of ``combinations_query``'s rows."""
        n = len(self.plan.order)
        zero = (0,) * (1 + 2 * len(self.plan.parsed))
        summed = [sum(int(r[n + j]) for r in rows) for j in range(len(zero))]
        totals = self.totals_of((summed[0], *([0] * n), *summed[1:]))
        for i in range(n):
            totals.members[i] = sum(int(r[n]) for r in rows if r[i])
        groups = [(tuple(bool(m) for m in r[:n]), int(r[n])) for r in rows]
        return totals, groups

    def distribution_query(self, index: int) -> str:
        """The readable values of column ``index`` of ``values_read``, counted: ``value``,
        ``count``; for text ``value`` (folded), ``spelling`` (trimmed), ``count``."""
        from sqlglot import exp

        from leadseg.segments.criteria import Kind
        from leadseg.segments.reads import values_read

        compiler = self._compiler()
        column, kind = values_read(self.plan.segments)[index]
        count = exp.alias_(exp.Count(this=exp.Star()), "count", quoted=True)
        if kind == Kind.TEXT:
            spelling = compiler.stripped(column)
            value = exp.alias_(compiler.folded_text(column), "value", quoted=True)
            keys = [value, exp.alias_(spelling, "spelling", quoted=True)]
            where: Any = exp.NEQ(this=spelling.copy(), expression=exp.Literal.string(""))
        else:
            parsed = compiler.value_of(column, kind)
            keys = [exp.alias_(parsed, "value", quoted=True)]
            where = exp.not_(exp.Is(this=parsed.copy(), expression=exp.null()))
        query = compiler.over_stages(exp.select(*keys, count), self._source())
        ordinals = [exp.Literal.number(i + 1) for i in range(len(keys))]
        return query.where(where).group_by(*ordinals).sql(self.dialect)

    def first_unreadable_query(self, index: int) -> str:
        """Positions (and trimmed text) of the first few unreadable values of parsed column
        ``index``."""
        from sqlglot import exp

        compiler = self._compiler()
        column, kind = self.plan.parsed[index]
        position = exp.column(POSITION, quoted=True)
        where = compiler.unreadable(column, kind)  # before over_stages: it adds the stages
        text = compiler.stripped(column)
        first = compiler.over_stages(exp.select(position, text), self._source(), (POSITION,))
        first = first.where(where)
        return first.order_by(position.copy()).limit(FIRST_ROWS).sql(self.dialect)

    def unreadable_query(self, index: int, limit: int) -> str:
        """Up to ``limit`` unreadable values of parsed column ``index``, trimmed."""
        from sqlglot import exp

        compiler = self._compiler(staged=False)
        column, kind = self.plan.parsed[index]
        query = exp.select(compiler.stripped(column)).from_(self._source())
        return query.where(compiler.unreadable(column, kind)).limit(limit).sql(self.dialect)

    def members_query(self, *, ordered: bool = True) -> str:
        """Every row in file order: its columns (``c0``...), one mask per segment (``m0``...,
        ``Plan.order``), and per parsed column its unreadable (``u0``...) and readable
        (``r0``...) flags, then its position. ``ordered=False`` leaves out the ORDER BY, for
        an engine that keeps a single file's order by itself (DuckDB's insertion order),
        which then streams instead of sorting everything first."""
        from sqlglot import exp

        p = self.plan
        compiler = self._compiler(staged=False)
        columns: list[Any] = [exp.column(c, quoted=True) for c in self.columns.values()]
        columns += [
            exp.alias_(compiler.segment(s), f"m{i}", quoted=True) for i, s in enumerate(p.order)
        ]
        for i, (column, kind) in enumerate(p.parsed):
            columns.append(exp.alias_(compiler.unreadable(column, kind), f"u{i}", quoted=True))
            columns.append(exp.alias_(compiler.readable(column, kind), f"r{i}", quoted=True))
        for i, score in enumerate(p.segments.scores):
            columns.append(exp.alias_(compiler.score_value(score.name), f"s{i}", quoted=True))
        for i, grade in enumerate(p.segments.grades):
            label = compiler.grade_label(grade.name, folded=False)
            columns.append(exp.alias_(label, f"g{i}", quoted=True))
        position = exp.column(POSITION, quoted=True)
        columns.append(position)
        query = compiler.over_score_stages(exp.select(*columns), self._source())
        if ordered:
            query = query.order_by(position.copy())
        return query.sql(self.dialect)

    def keyed_query(self, key: str) -> str:
        """Per distinct value of ``key`` folded as text comparisons fold it (``key``; a
        missing value as ``''``, like every blank one): its rows in each segment ``m0``...
        (``Plan.order``), ``rows``, ``first`` (the first row's position), and its unreadable
        and readable values per parsed column ``u0``... ``r0``... (summed over the keys,
        the export's totals: ``keyed_totals``)."""
        from sqlglot import exp

        compiler = self._compiler(staged=False)
        from leadseg.engines.sql.compiler import count_of

        folded = exp.Coalesce(this=compiler.folded_text(key), expressions=[exp.Literal.string("")])
        columns: list[Any] = [exp.alias_(folded, "key", quoted=True)]
        for i, segment in enumerate(self.plan.order):
            columns.append(exp.alias_(count_of(compiler.segment(segment)), f"m{i}", quoted=True))
        columns.append(exp.alias_(exp.Count(this=exp.Star()), "rows", quoted=True))
        first = exp.Min(this=exp.column(POSITION, quoted=True))
        columns.append(exp.alias_(first, "first", quoted=True))
        for prefix, flag in (("u", compiler.unreadable), ("r", compiler.readable)):
            for i, (column, kind) in enumerate(self.plan.parsed):
                counted = count_of(flag(column, kind))
                columns.append(exp.alias_(counted, f"{prefix}{i}", quoted=True))
        query = compiler.over_score_stages(exp.select(*columns), self._source())
        return query.group_by(exp.Literal.number(1)).sql(self.dialect)

    def as_batch(self, frame: pl.DataFrame) -> pl.DataFrame:
        """A batch of ``members_query`` with the names ``Plan.batch_totals`` and the writers
        expect (the export's own column names; masks and flags as the Polars engine names
        them), types as the export had them."""
        from leadseg.engines.polars.compiler import (
            grade_column,
            mask_column,
            readable_column,
            score_column,
            unreadable_column,
        )

        names = dict(zip(self.columns.values(), self.columns, strict=True))
        names |= {f"m{i}": mask_column(s.name) for i, s in enumerate(self.plan.order)}
        for i in range(len(self.plan.parsed)):
            names |= {f"u{i}": unreadable_column(i), f"r{i}": readable_column(i)}
        names |= {f"s{i}": score_column(s.name) for i, s in enumerate(self.plan.segments.scores)}
        names |= {f"g{i}": grade_column(g.name) for i, g in enumerate(self.plan.segments.grades)}
        frame = frame.drop(POSITION).rename(names)
        return frame.cast({n: t for n, t in self.plan.schema.items() if frame[n].dtype != t})
