"""What one pass over an export found, as typed data every engine returns.

Lists follow the compiled plan: ``members`` one entry per segment (in evaluation order),
``unreadable``/``readable``/``first_unreadable`` one per column read as numbers or dates,
``nfc`` one per text column read without normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FIRST_ROWS = 5  # positions of the first unreadable values kept per column


@dataclass
class Totals:
    rows: int
    members: list[int]
    unreadable: list[int]
    readable: list[int]
    nfc: list[int]
    first_unreadable: list[list[int]] = field(default_factory=list)  # positions, 0-based
    # their values, trimmed (for the hint that names the option reading them; never shown)
    first_values: list[list[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.first_unreadable:
            self.first_unreadable = [[] for _ in self.unreadable]
        if not self.first_values:
            self.first_values = [[] for _ in self.unreadable]

    def then(self, later: Totals) -> Totals:
        """These totals followed by those of a later batch (its positions shifted)."""

        def add(a: list[int], b: list[int]) -> list[int]:
            return [x + y for x, y in zip(a, b, strict=True)]

        shifted = [
            (mine + [p + self.rows for p in theirs])[:FIRST_ROWS]
            for mine, theirs in zip(self.first_unreadable, later.first_unreadable, strict=True)
        ]
        values = [
            (mine + theirs)[:FIRST_ROWS]
            for mine, theirs in zip(self.first_values, later.first_values, strict=True)
        ]
        return Totals(
            rows=self.rows + later.rows,
            members=add(self.members, later.members),
            unreadable=add(self.unreadable, later.unreadable),
            readable=add(self.readable, later.readable),
            nfc=add(self.nfc, later.nfc),
            first_unreadable=shifted,
            first_values=values,
        )
