"""``diff``: who entered and who left each segment between two exports, matched by a key
column (trimmed and ignoring case, as text comparisons fold text). Each export is read once
into its distinct keys with their masks (``Engine.keyed_groups``), so memory follows the
keys, not the rows.

``before`` and ``after`` are the segment's counts (rows, as ``count`` gives them);
``entered``, ``left`` and ``stayed`` count distinct keys: a key is in a segment when any of
its rows is. Blank keys never match; they and repeated keys are reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import polars as pl


@dataclass(frozen=True)
class SegmentChange:
    name: str
    before: int
    after: int
    entered: int
    left: int
    stayed: int
    files: dict[str, str] = field(default_factory=dict)  # with -o: entered/left file names

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name, "before": self.before, "after": self.after,
            "entered": self.entered, "left": self.left, "stayed": self.stayed,
        }  # fmt: skip
        if self.files:
            data["files"] = self.files
        return data


@dataclass(frozen=True)
class KeyProblems:
    """Rows whose key is blank, and rows whose key an earlier row already has."""

    blank: int
    blank_rows: list[int]  # spreadsheet rows of the first few
    duplicate: int
    duplicate_rows: list[int]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __bool__(self) -> bool:
        return bool(self.blank or self.duplicate)


@dataclass(frozen=True)
class DiffResult:
    old: str
    new: str
    key: str
    segments: list[SegmentChange]
    old_keys: KeyProblems
    new_keys: KeyProblems
    output_dir: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "old": self.old,
            "new": self.new,
            "key": self.key,
            "segments": [s.to_dict() for s in self.segments],
            "keys": {"old": self.old_keys.to_dict(), "new": self.new_keys.to_dict()},
        }
        if self.output_dir is not None:
            data["output_dir"] = self.output_dir
        return data


def key_problems(groups: pl.DataFrame, source: int, row_of: Callable[[int], int]) -> KeyProblems:
    """Blank keys (how many rows, the first one's row) and repeated keys (rows beyond each
    key's first, and the first rows of the first few keys repeated) of export ``source``,
    from the groups (a compacted row stands for ``keys`` keys of ``rows`` rows each)."""
    import polars as pl

    from leadseg.engines.keyed import FIRST_REPEATED, KEYS, first, rows

    mine = groups.select("key", KEYS, pl.col(rows(source)).alias("rows"), pl.col(first(source)))
    blank = mine.filter((pl.col("key") == "") & (pl.col("rows") > 0))
    repeated = mine.filter(~(pl.col("key") == "").fill_null(False) & (pl.col("rows") > 1))
    earliest = repeated.drop_nulls(first(source)).bottom_k(FIRST_REPEATED, by=first(source))
    return KeyProblems(
        int(blank["rows"].sum()),
        [row_of(int(r)) for r in blank[first(source)]],
        int(((repeated["rows"] - 1) * repeated[KEYS]).sum()),
        [row_of(int(r)) for r in earliest[first(source)].sort()],
    )


def changes(
    names: list[str],
    groups: pl.DataFrame,
    index_of: dict[str, int],
    counts: tuple[dict[str, int], dict[str, int]],
) -> tuple[list[SegmentChange], dict[str, tuple[pl.DataFrame, pl.DataFrame]]]:
    """Per segment (``names``; ``index_of``: its place in ``Plan.order``) its change, and
    its entered and left keys (for the files), from both exports' groups (``Engine.
    keyed_groups``): a key is in a segment when any of its rows is; blank keys never match;
    a compacted row counts as its ``keys`` keys (and names none)."""
    import polars as pl

    from leadseg.engines.keyed import KEYS, mask

    matched = groups.filter((pl.col("key") != "").fill_null(True))
    was = {name: pl.col(mask(index_of[name], 0)) for name in names}
    now = {name: pl.col(mask(index_of[name], 1)) for name in names}
    weight = pl.col(KEYS)
    sums = matched.select(
        pl.lit(0).alias("_"),  # a first column, so an empty frame still has a row
        *[weight.filter(now[n] & ~was[n]).sum().alias(f"entered {n}") for n in names],
        *[weight.filter(was[n] & ~now[n]).sum().alias(f"left {n}") for n in names],
        *[weight.filter(was[n] & now[n]).sum().alias(f"stayed {n}") for n in names],
    ).row(0, named=True)
    named = matched.filter(pl.col("key").is_not_null())
    found, keys = [], {}
    for name in names:
        found.append(
            SegmentChange(
                name,
                counts[0][name],
                counts[1][name],
                int(sums[f"entered {name}"] or 0),
                int(sums[f"left {name}"] or 0),
                int(sums[f"stayed {name}"] or 0),
            )  # fmt: skip
        )
        entered = named.filter(now[name] & ~was[name]).select("key")
        left = named.filter(was[name] & ~now[name]).select("key")
        keys[name] = (entered, left)
    return found, keys
