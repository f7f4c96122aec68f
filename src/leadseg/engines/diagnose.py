"""Explain a column that is mostly unreadable, with the fix that would read it.

A segment comparing such a column would count next to nothing, silently; leadseg stops
instead (exit 65) and says which form the values are in: a date format to pass with
``--date-format`` (or ``dates:``), ``--decimal-comma``, or ``--numbers`` (``numbers:``).
No value is ever quoted (they are personal data): only counts, formats and row numbers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from leadseg.errors import ExportDataError, Location
from leadseg.printable import yaml_key
from leadseg.rules import COMMON_DATE_FORMATS, COMMON_TIMES

if TYPE_CHECKING:
    from leadseg.engines.plan import Plan
    from leadseg.results import UnreadableValues

SAMPLE = 2_000


def mostly_unreadable(p: Plan, bad: UnreadableValues, values: list[str]) -> ExportDataError:
    """The error for a mostly unreadable column; ``values``: a sample of its unreadable
    values (trimmed, never shown), from which the fix is guessed."""
    from leadseg.segments.columns import describe_column

    values = [v for v in values if v]
    hint = (
        _date_hint(values, bad.column)
        if bad.kind == "date"
        else _number_hint(values, p, bad.column)
    )
    where = ""
    if bad.rows:  # a lake input has no row numbers
        more = ", ..." if bad.count > len(bad.rows) else ""
        where = f" (row {', '.join(map(str, bad.rows))}{more})"
    return ExportDataError(
        f"column {describe_column(bad.column)}: {bad.count:,} of its {bad.values:,} values are "
        f"not {'dates' if bad.kind == 'date' else 'numbers'} leadseg can read{where}; "
        "segments comparing it would count next to nothing",
        location=Location(
            file=p.export.display, row=bad.rows[0] if bad.rows else None, field=bad.column
        ),
        hint=hint,
    )


def readable_share(values: list[str], formats: list[str]) -> dict[str, int]:
    """How many of ``values`` each format reads, by the same rules a run uses."""
    import polars as pl

    from leadseg.engines.polars.compiler import readable_dates

    frame = pl.DataFrame({"value": values}, schema={"value": pl.String})
    return readable_dates(frame, "value", formats)


def date_form_hint(values: list[str], column: str) -> str | None:
    """How to read ``values`` as dates, when a common form reads at least half of them
    (``describe``: a column it reads as text); else None."""
    values = [v for v in values if v]
    if not values:
        return None
    candidates = [d + t for d in COMMON_DATE_FORMATS for t in COMMON_TIMES]
    if 2 * max(readable_share(values, candidates).values()) < len(values):
        return None
    return "these look like dates: " + _date_hint(values, column)


def _date_hint(values: list[str], column: str) -> str:
    from leadseg.system import quote

    if not values:
        return "check the column's values"
    candidates = [d + t for d in COMMON_DATE_FORMATS for t in COMMON_TIMES]
    read = readable_share(values, candidates)
    best = max(read.values())
    if best == 0:
        return (
            "none of the common date forms reads them; describe yours with strftime codes "
            "in the segment file: dates: {columns: {" + column + ': ["%d.%m.%Y"]}} '
            "or pass --date-format FORMAT"
        )
    winners = [f for f in candidates if read[f] == best]
    share = f"{best:,} of the {len(values):,} checked"
    if len(winners) > 1:
        shown = " and as ".join(winners[:2])
        return (
            f"day and month are ambiguous: {share} read as {shown}; choose the one the "
            f"export uses: --date-format {quote(winners[0])} or --date-format "
            f"{quote(winners[1])} (or in the segment file, dates: {{columns: "
            f"{{{yaml_key(column)}: [...]}}}})"
        )
    form = winners[0]
    return (
        f"{share} read as {form}: pass --date-format {quote(form)}, or in the segment "
        f'file: dates: {{columns: {{{yaml_key(column)}: ["{form}"]}}}}'
    )


_AMBIGUOUS = re.compile(r"[+-]?[0-9]{1,3}[.,][0-9]{3}")
# The options a hint may name, fewest first: (flags, number forms, decimal comma).
_NUMBER_OPTIONS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("--decimal-comma", (), True),
    ("--numbers thousands", ("thousands",), False),
    ("--numbers percent", ("percent",), False),
    ("--numbers currency", ("currency",), False),
    ("--numbers thousands --decimal-comma", ("thousands",), True),
    ("--numbers percent --decimal-comma", ("percent",), True),
    ("--numbers money", ("accounting", "currency", "thousands"), False),
    ("--numbers money --decimal-comma", ("accounting", "currency", "thousands"), True),
    ("--numbers money,percent", ("accounting", "currency", "percent", "thousands"), False),
    (
        "--numbers money,percent --decimal-comma",
        ("accounting", "currency", "percent", "thousands"),
        True,
    ),
)


def _number_hint(values: list[str], p: Plan, column: str, *, least: float = 0.5) -> str | None:
    """The option that reads most of ``values`` (by the rules a run uses), the fewest
    flags first; named on the command line and as the segment file's ``numbers:`` line.
    When no option reads more than ``least`` of them: the advice to check the column (for
    the error), or None (``least=0``, for the warning)."""
    from leadseg.rules import apply_number_steps, is_number, number_steps

    if not values:
        return "check the column's values" if least else None
    current = p.segments.number_forms_for(column)

    def readable(forms: tuple[str, ...], comma: bool) -> tuple[int, bool]:
        """How many values an option reads, and whether it reads one like 12.345 as a
        decimal where a thousands separator may be meant (never suggested then)."""
        steps = number_steps((*current, *forms), decimal_comma=comma)
        texts = (apply_number_steps(v, steps) for v in values)
        read = [t for t in texts if is_number(t, decimal_comma=comma)]
        return len(read), any(_AMBIGUOUS.fullmatch(t) for t in read)

    options = [o for o in _NUMBER_OPTIONS if not (o[2] and p.decimal_comma)]
    found = [readable(forms, comma or p.decimal_comma) for _, forms, comma in options]
    scores = [0 if doubtful else n for n, doubtful in found]
    best = max(range(len(options)), key=lambda i: (scores[i], -i))
    if scores[best] <= least * len(values):
        if not least:
            return None
        return (
            "the column may not hold numbers: check that the segment compares the right "
            "column (score_field / --score-field)"
        )
    _, forms, comma = options[best]
    read = f"{scores[best]:,} of the {len(values):,} sampled unreadable values read"
    if not forms:
        return f"they are written with a decimal comma (12,5): {read} with --decimal-comma"
    # with the forms the column reads already: --numbers replaces the file's forms, and a
    # column listed under numbers.columns reads its own list only (the file's line then)
    named = _form_names((*current, *forms))
    line = f"numbers: {{columns: {{{yaml_key(column)}: [{', '.join(named)}]}}}}"
    comma_flag = " --decimal-comma" if comma else ""
    if any(name == column for name, _ in p.segments.column_number_forms):
        return (
            f"{read} as money tools write them ($1,234.50, 12%, (1,200)): in the segment "
            f"file, {line}" + (" (and pass --decimal-comma)" if comma else "")
        )
    return (
        f"{read} as money tools write them ($1,234.50, 12%, (1,200)): pass --numbers "
        f"{','.join(named)}{comma_flag}, or in the segment file: {line}"
        + (" (and --decimal-comma)" if comma else "")
    )


def _form_names(forms: tuple[str, ...]) -> list[str]:
    """Number forms as a person names them: ``money`` for accounting, currency, thousands."""
    from leadseg.rules import NUMBER_FORM_SETS, NUMBER_FORMS

    chosen = [f for f in NUMBER_FORMS if f in forms]
    money = NUMBER_FORM_SETS["money"]
    if set(money) <= set(chosen):
        return ["money", *[f for f in chosen if f not in money]]
    return chosen


def warning_hint(p: Plan, column: str, kind: str, values: list[str]) -> str | None:
    """For the unreadable-values warning: the option that reads some of the first
    unreadable values (never shown), or None when none does."""
    values = [v for v in values if v]
    if not values:
        return None
    if kind == "number":
        return _number_hint(values, p, column, least=0)
    candidates = [d + t for d in COMMON_DATE_FORMATS for t in COMMON_TIMES]
    if not max(readable_share(values, candidates).values(), default=0):
        return None
    return _date_hint(values, column)
