"""``diff``: who entered and who left each segment between two exports, matched by a key
column (trimmed and ignoring case, as text comparisons fold text). Each export is read once
into its keys and masks only, so memory follows the keys, not the rows.

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


def key_problems(frame: pl.DataFrame, row_of: Callable[[int], int]) -> KeyProblems:
    import polars as pl

    blank = frame.filter(pl.col("key").is_null() | (pl.col("key") == ""))
    keyed = frame.filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
    repeats = keyed.filter(~pl.col("key").is_first_distinct())
    first = [row_of(int(r)) for r in blank["position"].head(FIRST_ROWS)]
    again = [row_of(int(r)) for r in repeats["position"].head(FIRST_ROWS)]
    return KeyProblems(blank.height, first, repeats.height, again)


def member_keys(frame: pl.DataFrame, mask: str) -> pl.DataFrame:
    """The distinct non-blank keys of the rows in a segment."""
    import polars as pl

    members = frame.filter(pl.col(mask) & pl.col("key").is_not_null() & (pl.col("key") != ""))
    return members.select("key").unique()


def changes(
    names: list[str],
    old: pl.DataFrame,
    new: pl.DataFrame,
    mask_of: dict[str, str],
    counts: tuple[dict[str, int], dict[str, int]],
) -> tuple[list[SegmentChange], dict[str, tuple[pl.DataFrame, pl.DataFrame]]]:
    """Per segment its change, and its entered and left keys (for the files)."""
    found, keys = [], {}
    for name in names:
        before, after = member_keys(old, mask_of[name]), member_keys(new, mask_of[name])
        entered = after.join(before, on="key", how="anti")
        left = before.join(after, on="key", how="anti")
        stayed = after.height - entered.height
        found.append(
            SegmentChange(
                name, counts[0][name], counts[1][name], entered.height, left.height, stayed
            )
        )
        keys[name] = (entered, left)
    return found, keys
