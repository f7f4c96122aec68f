"""``validate --export``: the checks of ``count`` on the export's first rows, and the
warnings a sample of them gives (a number column holding a code for "no value"; a score rule
no sampled row earns points by)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from leadseg.analysis.figures import Counted, code_hint
from leadseg.analysis.score_checks import firing_segments, unfired_warnings
from leadseg.engines import engine_for
from leadseg.engines.plan import SAMPLE_ROWS, check_unreadable
from leadseg.segments.columns import describe_column
from leadseg.segments.criteria import Kind
from leadseg.segments.reads import values_read

if TYPE_CHECKING:
    from leadseg.engines.plan import Plan, RunOptions


def check_sample(p: Plan, options: RunOptions) -> list[str]:
    """``validate --export``: the unreadable-value checks of ``count`` on the first rows;
    returns warnings about number columns compared that hold a code for "no value", and
    about score rules that give no row of the sample any points."""
    widened, rules = firing_segments(p.segments)
    if rules:
        p = p.widened(widened)
    found = engine_for(options).distributions(p, rows=SAMPLE_ROWS)
    check_unreadable(p, p.result(found.totals), dataclasses.replace(options, strict=False))
    warnings = []
    for (column, kind), counted in zip(values_read(p.segments), found.values, strict=True):
        if kind != Kind.NUMBER:
            continue
        pairs = zip(counted["value"].to_list(), counted["count"].to_list(), strict=True)
        numbers = Counted.of(list(pairs))
        if (code := numbers.no_value_code()) is not None:
            where = f" read in the first {SAMPLE_ROWS:,} rows"
            warnings.append(
                f"column {describe_column(column)} is compared as a number, but "
                + code_hint(column, *code, numbers.total, where)
            )
    members = dict(zip([s.name for s in p.order], found.totals.members, strict=True))
    return warnings + unfired_warnings(members, rules, found.totals.rows, SAMPLE_ROWS)
