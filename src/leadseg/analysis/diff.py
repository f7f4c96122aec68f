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

FIRST_ROWS = 5


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


def key_problems(groups: pl.DataFrame, row_of: Callable[[int], int]) -> KeyProblems:
    """Blank keys (how many rows, the first one's row) and repeated keys (rows beyond each
    key's first, and the first rows of the first few keys repeated), from the groups."""
    import polars as pl

    blank = groups.filter(_blank())
    repeated = groups.filter(~_blank() & (pl.col("rows") > 1)).sort("first")
    return KeyProblems(
        int(blank["rows"].sum()),
        sorted(row_of(int(r)) for r in blank["first"])[:1],
        int((repeated["rows"] - 1).sum()),
        [row_of(int(r)) for r in repeated["first"].head(FIRST_ROWS)],
    )


def _blank() -> pl.Expr:
    import polars as pl

    return pl.col("key").is_null() | (pl.col("key") == "")


def changes(
    names: list[str],
    old: pl.DataFrame,
    new: pl.DataFrame,
    mask_of: dict[str, str],
    counts: tuple[dict[str, int], dict[str, int]],
) -> tuple[list[SegmentChange], dict[str, tuple[pl.DataFrame, pl.DataFrame]]]:
    """Per segment its change, and its entered and left keys (for the files): each
    export's keys grouped once (a key is in a segment when any of its rows is), one join."""
    import polars as pl

    masks = [mask_of[name] for name in names]

    def keyed(groups: pl.DataFrame) -> pl.DataFrame:
        return groups.filter(~_blank()).select("key", *masks)

    both = keyed(old).join(keyed(new), on="key", how="full", coalesce=True, suffix="_new")
    was = {m: pl.col(m).fill_null(0) > 0 for m in masks}
    now = {m: pl.col(f"{m}_new").fill_null(0) > 0 for m in masks}
    sums = both.select(
        pl.sum_horizontal(pl.lit(0)).alias(  # a first column, so an empty frame still has a row
            "_"
        ),
        *[(now[m] & ~was[m]).sum().alias(f"entered {m}") for m in masks],
        *[(was[m] & ~now[m]).sum().alias(f"left {m}") for m in masks],
        *[(was[m] & now[m]).sum().alias(f"stayed {m}") for m in masks],
    ).row(0, named=True)
    found, keys = [], {}
    for name, m in zip(names, masks, strict=True):
        found.append(
            SegmentChange(
                name,
                counts[0][name],
                counts[1][name],
                int(sums[f"entered {m}"] or 0),
                int(sums[f"left {m}"] or 0),
                int(sums[f"stayed {m}"] or 0),
            )  # fmt: skip
        )
        entered = both.filter(now[m] & ~was[m]).select("key")
        left = both.filter(was[m] & ~now[m]).select("key")
        keys[name] = (entered, left)
    return found, keys
