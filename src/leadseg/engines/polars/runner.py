"""Polars as an engine: in process, the default and the reference every other engine is
tested against. A CSV's structure is proven beside the counting pass (``Export``), and a
text column holding text that Unicode normalisation changes is compiled again with NFC."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leadseg.engines.totals import FIRST_ROWS, Totals
from leadseg.exports.queries import collect, collect_all
from leadseg.exports.readers import Rerun, until_settled
from leadseg.segments.reads import values_read

if TYPE_CHECKING:
    from collections.abc import Iterator

    import polars as pl

    from leadseg.engines.interface import Combination, Distributions, Tagging
    from leadseg.engines.plan import Plan

# Rows per batch of ``member_batches``: big enough that per-batch overhead vanishes, small
# enough for flat memory.
BATCH_ROWS = 50_000


class PolarsEngine:
    name = "polars"

    def totals(self, p: Plan, *, rows: int | None = None, positions: bool = True) -> Totals:
        """One pass; the structural check of a CSV runs beside it on Polars' fast path (a
        pass over the first ``rows`` rows checks no structure)."""
        totals, _ = until_settled(lambda: self._pass(p, rows))
        if positions:
            first_unreadable_rows(p, totals, rows)
        return totals

    def combinations(self, p: Plan) -> tuple[Totals, list[Combination]]:
        totals, groups = until_settled(lambda: self._pass(p, None, by_masks=True))
        first_unreadable_rows(p, totals)
        width = len(p.compiled.order)
        masks = groups.select(f"m{i}" for i in range(width)).rows()
        return totals, list(zip(masks, groups["rows"].to_list(), strict=True))

    def distributions(
        self, p: Plan, *, combinations: bool = False, rows: int | None = None
    ) -> Distributions:
        from leadseg.engines.interface import Distributions

        attempt = lambda: self._distributions_pass(p, combinations, rows)  # noqa: E731
        totals, values, groups = until_settled(attempt)
        first_unreadable_rows(p, totals, rows)
        if groups is None:
            return Distributions(totals, values)
        masks = groups.select(f"m{i}" for i in range(len(p.compiled.order))).rows()
        return Distributions(totals, values, list(zip(masks, groups["count"], strict=True)))

    def _distributions_pass(
        self, p: Plan, combinations: bool, rows: int | None = None
    ) -> tuple[Totals, list[pl.DataFrame], pl.DataFrame | None]:
        """The sums of a pass; every column's values counted, the columns of one kind
        unpivoted into one grouped count (memory follows the distinct values, not the rows);
        with ``combinations``, the rows per combination of masks. Over one scan: the
        queries read a ``cache`` of it."""
        import polars as pl

        frame = p.compiled.add_masks(p.export.scan())
        base = (frame if rows is None else frame.head(rows)).cache()
        kinds: dict[str, list[tuple[str, pl.Expr]]] = {}
        for i, (kind, value) in enumerate(counted_values(p)):
            kinds.setdefault(kind, []).append((str(i), value))
        queries = [base.select(count_exprs(p))]
        for items in kinds.values():
            wide = base.select(value.alias(name) for name, value in items)
            long = wide.unpivot(variable_name="column", value_name="key").drop_nulls("key")
            queries.append(long.group_by("column", "key").agg(pl.len().alias("count")))
        if combinations:
            masks = [m.alias(f"m{i}") for i, m in enumerate(p.compiled.masks().values())]
            queries.append(base.group_by(masks).agg(pl.len().alias("count")))
        frames = collect_all(queries, p.export)
        totals = settled_totals(p, frames[0], rows)
        counted = {}
        for items, grouped in zip(kinds.values(), frames[1:], strict=False):
            for name, _ in items:
                mine = grouped.filter(pl.col("column") == name).drop("column")
                struct = isinstance(mine.schema["key"], pl.Struct)
                counted[name] = mine.unnest("key") if struct else mine.rename({"key": "value"})
        values = [counted[str(i)] for i in range(len(counted))]
        return totals, values, frames[len(queries) - 1] if combinations else None

    def keyed_groups(
        self, plans: list[Plan], keys: list[str], *, name_changes: bool = True
    ) -> tuple[list[Totals], pl.DataFrame]:
        """One query over every export: each one's totals beside the rows of all of them
        grouped by folded key (one hash table, no join)."""
        totals, groups = until_settled(lambda: self._keyed_pass(plans, keys))
        for p, found in zip(plans, totals, strict=True):
            first_unreadable_rows(p, found)
        return totals, groups

    def _keyed_pass(self, plans: list[Plan], keys: list[str]) -> tuple[list[Totals], pl.DataFrame]:
        """Every export's rows with their folded key, flags (``row_flags``) and position,
        grouped by key: the sums of each export's flags per key are its totals summed, its
        segments' sums per key its memberships. One scan of each export (a second query
        on it would read it again)."""
        import polars as pl

        from leadseg.engines.keyed import KEYS, first, mask, rows
        from leadseg.engines.polars.compiler import folded_key

        position = "\x00leadseg:position"
        parts, flags = [], []
        for s, (p, key) in enumerate(zip(plans, keys, strict=True)):
            flags.append(row_flags(p))
            parts.append(
                p.compiled.add_masks(p.export.scan())
                .with_row_index(position)
                .select(
                    folded_key(key, p.schema[key]).fill_null("").alias("key"),
                    *[flag.alias(f"{name}/{s}") for name, flag in flags[s].items()],
                    pl.col(position).cast(pl.Int64).alias(first(s)),
                )
            )
        sources = range(len(plans))
        grouped = (
            pl.concat(parts, how="diagonal")
            .group_by("key")
            .agg(
                *[pl.col(f"{name}/{s}").sum() for s in sources for name in flags[s]],
                *[pl.col(first(s)).count().cast(pl.Int64).alias(rows(s)) for s in sources],
                *[pl.col(first(s)).min() for s in sources],
            )
        )
        groups = collect_all([grouped], *(p.export for p in plans))[0]
        totals, rerun = [], False
        for s, p in enumerate(plans):
            summed = [pl.col(rows(s)).alias("rows")]
            summed += [pl.col(f"{name}/{s}").alias(name) for name in flags[s]]
            try:
                totals.append(settled_totals(p, groups.select(summed), None))
            except Rerun:
                rerun = True  # settle every export before the pass runs again
        if rerun:
            raise Rerun
        width = len(plans[0].compiled.order)
        memberships = [
            (pl.col(f"segment_{i}/{s}") > 0).alias(mask(i, s))
            for s in sources
            for i in range(width)
        ]
        counted = [pl.col(rows(s)) for s in sources] + [pl.col(first(s)) for s in sources]
        return totals, groups.select("key", *memberships, *counted, pl.lit(1, pl.Int64).alias(KEYS))

    def _pass(
        self, p: Plan, rows: int | None, *, by_masks: bool = False
    ) -> tuple[Totals, pl.DataFrame]:
        """The sums of ``count_exprs`` (``by_masks``: per combination of segment masks)."""
        frame = p.compiled.add_masks(p.export.scan())
        if rows is not None:
            frame = frame.head(rows)
        if by_masks:
            masks = [m.alias(f"m{i}") for i, m in enumerate(p.compiled.masks().values())]
            query = frame.group_by(masks).agg(count_exprs(p))
        else:
            query = frame.select(count_exprs(p))
        frames = collect_all([query], p.export)
        return settled_totals(p, frames[0], rows), frames[0]

    def unreadable_sample(self, p: Plan, index: int, limit: int) -> list[str]:
        import polars as pl

        parsed = p.compiled.parsed[index]
        query = (
            p.compiled.add_masks(p.export.scan())
            .filter(parsed.unreadable)
            .select(pl.col(parsed.column).cast(pl.String).str.strip_chars())
            .head(limit)
        )
        return collect(query, p.export).to_series().to_list()

    def member_batches(self, p: Plan, tagging: Tagging, *, raw: bool) -> Iterator[pl.DataFrame]:
        """The export in file order, in batches with their mask and flag columns, tagged;
        with ``raw``, only those columns beside each record's raw line."""
        import polars as pl

        from leadseg.exports.queries import explain_read_failure

        frame = tagging.apply(p.frame(flags=True))
        if raw:
            flags = frame.select([*flag_columns(p), *tagging.added])
            frame = pl.concat([flags, p.export.raw_records()], how="horizontal")
        # The structure is proven before the scan: with raw lines only the columns the
        # flags read are parsed.
        try:
            yield from frame.collect_batches(engine="streaming", chunk_size=BATCH_ROWS)
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise explain_read_failure(p.export, exc) from None


def count_exprs(p: Plan) -> list[pl.Expr]:
    """Aggregates of one pass: rows, and the sum of each of ``row_flags``. Only sums, so
    memory does not grow with rows (the rows of the first unreadable values come from
    ``first_unreadable_rows``, only when there are any)."""
    import polars as pl

    return [pl.len().alias("rows")] + [f.sum().alias(n) for n, f in row_flags(p).items()]


def row_flags(p: Plan) -> dict[str, pl.Expr]:
    """Per row, what a pass sums: membership of each segment, an unreadable and a readable
    value per parsed column, text NFC would change per text column compiled without it,
    a long row, a suspect row."""
    import polars as pl

    from leadseg.engines.polars.compiler import nfc_sensitive

    flags = {f"segment_{i}": mask for i, mask in enumerate(p.compiled.masks().values())}
    for i, parsed in enumerate(p.compiled.parsed):
        flags[f"bad_{i}"] = parsed.unreadable
        flags[f"read_{i}"] = pl.col(parsed.helper).is_not_null()
    for i, (_, helper) in enumerate(p.compiled.unnormalised):
        flags[f"nfc_{i}"] = nfc_sensitive(helper)
    return flags


_SUMMED = r"^(rows|segment_\d+|bad_\d+|read_\d+|nfc_\d+)$"


def counted_values(p: Plan) -> list[tuple[str, Any]]:
    """Per column the plan reads (``values_read``), its readable values (null for the
    others) with the name of their kind: numbers and dates by value; text as its folded
    value (the sigmas as one letter, as comparisons match them) and its trimmed spelling.
    Blank text is left out."""
    import polars as pl

    from leadseg.engines.polars.compiler import helper_column, one_sigma, text_of
    from leadseg.segments.criteria import Kind

    found: list[tuple[str, Any]] = []
    for column, kind in values_read(p.segments):
        helper = pl.col(helper_column(kind, column))
        if kind == Kind.TEXT:
            spelling = text_of(column, p.schema[column]).str.strip_chars()
            value = pl.struct(one_sigma(helper).alias("value"), spelling.alias("spelling"))
            found.append((kind.value, pl.when(spelling.str.len_bytes() > 0).then(value)))
        else:
            found.append((kind.value, helper))
    return found


def settled_totals(p: Plan, sums: pl.DataFrame, rows: int | None) -> Totals:
    """The totals of a pass (``count_exprs`` sums, per group or one row), settled: a pass
    raises ``Rerun`` when a text column needs NFC."""
    import polars as pl

    totals = totals_of(p, sums.select(pl.col(_SUMMED).sum()).row(0, named=True))
    if p.normalise_if_needed(totals):
        raise Rerun
    return totals


def totals_of(p: Plan, row: dict[str, Any]) -> Totals:
    """The typed totals of a ``count_exprs`` result row."""
    parsed = range(len(p.compiled.parsed))
    return Totals(
        rows=int(row["rows"]),
        members=[int(row[f"segment_{i}"]) for i in range(len(p.compiled.order))],
        unreadable=[int(row[f"bad_{i}"]) for i in parsed],
        readable=[int(row[f"read_{i}"]) for i in parsed],
        nfc=[int(row[f"nfc_{i}"]) for i in range(len(p.compiled.unnormalised))],
    )


def first_unreadable_rows(p: Plan, totals: Totals, rows: int | None = None) -> None:
    """Fill ``totals.first_unreadable`` (positions of the first few unreadable values) and
    ``first_values``: one streaming query per column that has any, stopping at the first
    few."""
    import polars as pl

    position = "\x00leadseg:row"
    for i, parsed in enumerate(p.compiled.parsed):
        if not totals.unreadable[i]:
            continue
        frame = p.export.scan()
        if rows is not None:
            frame = frame.head(rows)
        text = pl.col(parsed.column).cast(pl.String).str.strip_chars()
        query = (
            p.compiled.add_masks(frame.with_row_index(position))
            .filter(parsed.unreadable)
            .select(position, text.alias("value"))
            .head(FIRST_ROWS)
        )
        found = collect(query, p.export)
        totals.first_unreadable[i] = found[position].to_list()
        totals.first_values[i] = [str(v) for v in found["value"].to_list()]


def flag_columns(p: Plan) -> list[str]:
    """Every column ``Plan.batch_totals`` reads."""
    from leadseg.engines.polars.compiler import (
        mask_column,
        nfc_column,
        readable_column,
        unreadable_column,
    )

    masks = [mask_column(s.name) for s in p.compiled.order]
    flags = [
        name
        for i in range(len(p.compiled.parsed))
        for name in (unreadable_column(i), readable_column(i))
    ]
    nfc = [nfc_column(i) for i in range(len(p.compiled.unnormalised))]
    return [*masks, *flags, *nfc]
