"""Bind a segment set to an export's header: find the score column, check every column."""

from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata

from leadseg.errors import Location, Problem, UnknownColumnError
from leadseg.segments.criteria import (
    AllOf,
    AnyOf,
    Condition,
    Criterion,
    Not,
    SegmentSet,
    conditions,
)

SCORE = "\x00score"  # stands for "the score field" until the header is known
# The score columns of the tools our users export from, in order of preference: Act-On,
# then generic CRM names, HubSpot, Pardot (Account Engagement), and Mautic's ``points``.
SCORE_CANDIDATES = (
    "Overall Behavior Score", "Behavior Score", "Lead Score", "HubSpot Score", "Pardot Score",
    "Score", "Points",
)  # fmt: skip
_SCORE_WORDS = ("score", "points", "rating")
_FOLD = re.compile(r"[\s\-_]+")


def _folded(name: str) -> str:
    """Compare names ignoring case, spaces, ``-``, ``_`` and invisible characters."""
    visible = "".join(c for c in name if unicodedata.category(c) not in ("Cf", "Cc"))
    return _FOLD.sub("", visible).casefold()


def detect_score_column(header: list[str]) -> str | None:
    """The first candidate (in priority order) that a header matches, ignoring case, spaces,
    ``-`` and ``_``."""
    folded = {_folded(name): name for name in reversed(header)}
    for candidate in SCORE_CANDIDATES:
        if _folded(candidate) in folded:
            return folded[_folded(candidate)]
    return None


def describe_column(name: str) -> str:
    """A column name as a message shows it: quoted (so stray spaces show), with invisible
    characters escaped (a zero-width space shows as \\u200b)."""
    from leadseg.printable import printable

    return f"'{printable(name)}'"


def close_columns(name: str, header: list[str]) -> str | None:
    folded = {_folded(h): h for h in header}
    if _folded(name) in folded:
        return f"did you mean {describe_column(folded[_folded(name)])}?"
    close = difflib.get_close_matches(name, header, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(describe_column(c) for c in close) + "?"
    return None


def no_score_column(
    header: list[str], export: str, location: Location | None = None, otherwise: str = ""
) -> Problem:
    """The one problem every command reports when no score column is found: the names
    looked for, and the columns that may hold a score (``otherwise``: the command's own
    way out, appended to the hint)."""
    from leadseg.system import quote

    likely = [h for h in header if any(w in _folded(h) for w in _SCORE_WORDS)]
    hint = "set score_field: COLUMN in the segment file, or pass --score-field COLUMN"
    if likely:
        hint = (
            "columns that may hold a score: "
            + ", ".join(describe_column(h) for h in likely[:5])
            + f"; pass --score-field {quote(likely[0])} (or set score_field: in the segment file)"
        )
    return Problem(
        "no-score-column",
        f"no score column in {export} (looked for: {', '.join(SCORE_CANDIDATES)})",
        location or Location(file=export),
        hint + otherwise,
    )


def bind_columns(segments: SegmentSet, header: list[str], export: str) -> SegmentSet:
    """Replace the score placeholder with the real column; raise ``UnknownColumnError`` with
    every unknown column, located in the segment file."""
    from leadseg.segments.scores import computed_names

    problems: list[Problem] = []
    uses_score = any(c.field == SCORE for c in _all_conditions(segments))
    score = segments.score_field
    if score is not None and score not in header:
        problems.append(
            Problem(
                "unknown-column",
                f"score_field {describe_column(score)} is not a column of {export}",
                segments.score_field_origin or Location(file=segments.source),
                close_columns(score, header),
            )
        )
    elif score is None and uses_score:
        score = detect_score_column(header)
        if score is None:
            first = next(c.origin for c in _all_conditions(segments) if c.field == SCORE)
            problems.append(
                no_score_column(header, export, first or Location(file=segments.source))
            )
    computed = computed_names(segments)
    for computed_set in (segments.scores, segments.grades):
        for item in computed_set:
            if item.name in header:
                problems.append(
                    Problem(
                        "name-clash",
                        f"{type(item).__name__.lower()} {item.name!r} has the name of a column "
                        f"of {export}",
                        item.origin or Location(file=segments.source),
                        "rename it: its column is added beside the export's, which stays",
                    )
                )
    known = set(header) | set(computed)
    listed = [("placeholders", name) for name, _ in segments.column_placeholders]
    listed += [("dates", name) for name, _ in segments.column_date_formats]
    listed += [("numbers", name) for name, _ in segments.column_number_forms]
    for block, name in listed:
        if name not in known:
            what = {"placeholders": "placeholders", "dates": "date formats"}.get(
                block, "number forms"
            )
            problems.append(
                Problem(
                    "unknown-column",
                    f"{what} for column {describe_column(name)}, which is not in {export}",
                    segments.origin_of(f"{block}.columns.{name}"),
                    close_columns(name, header),
                )
            )
    fields = [(c.field, c.origin) for c in _all_conditions(segments)]
    for item in segments.scores:
        fields += [(r.field, r.origin) for _, r in item.rules() if r.field is not None]
        if item.decay is not None:
            fields.append((item.decay.field, item.origin))
    for field, origin in fields:
        if field != SCORE and field not in known:
            problems.append(
                Problem(
                    "unknown-column",
                    f"column {describe_column(field)} is not in {export}",
                    origin or Location(file=segments.source),
                    close_columns(field, header + list(computed)),
                )
            )
    if problems:
        raise UnknownColumnError(problems)
    if not uses_score or score is None:
        return segments
    bound = tuple(
        dataclasses.replace(s, criterion=_replace_score(s.criterion, score))
        for s in segments.segments
    )
    scores = tuple(_score_bound(item, score) for item in segments.scores)
    return dataclasses.replace(segments, segments=bound, score_field=score, scores=scores)


def _all_conditions(segments: SegmentSet) -> list[Condition]:
    """The conditions of every segment and of every score's rules."""
    from leadseg.segments.scores import rule_criteria

    found = [c for s in segments.segments for c in conditions(s.criterion)]
    return found + [
        c for item in segments.scores for rule in rule_criteria(item) for c in conditions(rule)
    ]


def _score_bound(item, column: str):
    """A score whose rules compare the score column, bound to ``column``."""
    groups = tuple(
        dataclasses.replace(
            group,
            rules=tuple(
                dataclasses.replace(rule, criterion=_replace_score(rule.criterion, column))
                if rule.criterion is not None
                else rule
                for rule in group.rules
            ),
        )  # fmt: skip
        for group in item.groups
    )
    return dataclasses.replace(item, groups=groups)


def _replace_score(node: Criterion, column: str) -> Criterion:
    if isinstance(node, Condition):
        return dataclasses.replace(node, field=column) if node.field == SCORE else node
    if isinstance(node, (AllOf, AnyOf)):
        return type(node)(tuple(_replace_score(c, column) for c in node.children))
    if isinstance(node, Not):
        return Not(_replace_score(node.child, column))
    return node


def find_column(name: str, header: list[str], display: str, option: str) -> str:
    """The column an option names: exactly, else ignoring case (when that is one column);
    otherwise a usage error suggesting close names."""
    from leadseg.errors import UsageError

    if name in header:
        return name
    same = [h for h in header if h.casefold() == name.casefold()]
    if len(same) == 1:
        return same[0]
    containing = [h for h in header if name.casefold() in h.casefold()]
    hint = close_columns(name, header) or (
        "did you mean " + " or ".join(map(repr, containing[:3])) + "?"
        if containing
        else "columns: " + ", ".join(header[:10]) + (", ..." if len(header) > 10 else "")
    )
    raise UsageError(f"{option} {name!r}: no such column in {display}", hint=hint)
