"""``leadseg init``: a first segment file written from the export itself -- a high segment
at the score's 90th percentile and a low one at its 25th (rounded), a subsegment on a
second score column when there is one, and commented-out examples of every operator family
with this export's own columns and values. It validates and counts on the export."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from leadseg.analysis.figures import rounded

if TYPE_CHECKING:
    from leadseg.analysis.describe import DescribeResult, FieldProfile


def q(value: str) -> str:
    """A YAML scalar that reads back as ``value`` (a JSON string is a YAML one)."""
    return json.dumps(value, ensure_ascii=False)


def second_score(fields: list[FieldProfile], score: str) -> FieldProfile | None:
    """Another number column named like a score (``SFDC Lead Score``), with values."""
    for f in fields:
        if f.name != score and f.kind == "number" and f.readable and "score" in f.name.lower():
            return f
    return None


def starter_file(
    result: DescribeResult,
    score: str,
    export_name: str,
    today: date,
    number_forms: tuple[str, ...] | None = None,
    date_formats: tuple[str, ...] | None = None,
) -> str:
    """The commented segment file; the ``--numbers`` and ``--date-format`` it was made
    with are written into it, so that it reads the export as ``init`` did."""
    fields = {f.name: f for f in result.fields}
    main = fields[score]
    if main.kind != "number" or not main.readable:
        from leadseg.errors import ExportDataError

        raise ExportDataError(
            f"the score column {score!r} has no readable numbers",
            hint="name the score column with --score-field COLUMN",
        )
    figures = main.figures
    spread = figures["max"] - figures["min"]
    high, high_note = _threshold(figures, main.readable, "count", 0.10, spread)
    low, low_note = _threshold(figures, main.readable, "at_most", 0.25, spread)
    lines = [
        f"# leadseg segment file for {export_name}, written by `leadseg init` on {today}.",
        f"# {score}: {main.readable:,} values from {_n(figures['min'])} to "
        f"{_n(figures['max'])}; 90th percentile {_n(figures['quantiles']['0.9'])}, "
        f"25th {_n(figures['quantiles']['0.25'])}.",
        "# Check it: leadseg validate FILE --export EXPORT; count: leadseg count EXPORT -s FILE",
        "version: 1",
        f"score_field: {q(score)}",
        *([f"numbers: {{forms: [{', '.join(number_forms)}]}}"] if number_forms else []),
        *(
            [f"dates: {{formats: [{', '.join(q(f) for f in date_formats)}]}}"]
            if date_formats
            else []
        ),
        "",
        "segments:",
        f"  # {high_note}",
        "  - name: High score",
        f"    description: {q(f'{score} at least {high}')}",
        f"    score: {{at_least: {high}}}",
        "",
        f"  # {low_note}",
        "  - name: Low score",
        f"    description: {q(f'{score} at most {low}')}",
        f"    score: {{at_most: {low}}}",
    ]
    other = second_score(result.fields, score)
    if other is not None:
        spread2 = other.figures["max"] - other.figures["min"]
        middle = rounded(other.figures["quantiles"]["0.5"], spread2)
        lines += [
            "",
            f"  # Inside High score: {other.name} at least its median.",
            "  - name: High score, upper half of " + other.name.replace(":", " "),
            "    parent: High score",
            f"    profile: {{field: {q(other.name)}, at_least: {middle}}}",
        ]
    examples = _examples(result, score, today)
    if examples:
        lines += ["", "  # More criteria on this export's columns: remove the '# ' to use one."]
        for example in examples:
            lines += ["  #", *[f"  # {line}" for line in example]]
    sheet = score_sheet(result, score)
    if sheet:
        lines += [
            "",
            '# Scores made from this export\'s columns (README "Scoring rules"): remove the',
            "# '# ' of these lines to use them; segments then compare them as columns, e.g.",
            "# score: {field: Fit, at_least: 50}.",
            *[f"# {line}" for line in sheet],
        ]
    return "\n".join(lines) + "\n"


# columns that say who a contact is (a fit score's), and what they did (engagement's)
_FIT = ("title", "job", "role", "function", "seniority", "industry", "country", "size",
        "employees", "department", "tier", "region")  # fmt: skip
_BEHAVIOUR = ("open", "click", "view", "visit", "submission", "form", "download", "session",
              "event", "webinar", "attend", "reply")  # fmt: skip


def score_sheet(result: DescribeResult, score: str) -> list[str]:
    """A commented example score sheet: a Fit score from the text columns of a few values,
    an Engagement score of points per behaviour count (opens, clicks, page views ...) that
    decays from the latest date column, and a grade of Fit."""
    few = [
        f for f in result.fields
        if f.kind == "text" and f.figures.get("top") and 2 < f.figures["distinct"] <= 50
        and "name" not in f.name.lower()
    ]  # fmt: skip
    fit = [f for f in few if any(word in f.name.lower() for word in _FIT)]
    texts = sorted(fit or few, key=lambda f: -f.readable)[:2]
    counts = [
        f for f in result.fields
        if f.kind == "number" and f.readable and f.name != score
        and any(word in f.name.lower() for word in _BEHAVIOUR)
    ][:4]  # fmt: skip
    dates = sorted(
        (f for f in result.fields if f.kind == "date" and f.figures.get("max")),
        key=lambda f: f.figures["max"],
        reverse=True,
    )
    lines: list[str] = []
    if texts:
        lines += ["scores:", "  - name: Fit", "    limit: 100", "    groups:"]
        for f in texts:
            top = [t["value"] for t in f.figures["top"][:3]]
            lines += [f"      - name: {q(f.name)}", "        limit: 40", "        rules:"]
            for points, value in zip((25, 15, 10), top, strict=False):
                lines.append(f"          - {{points: {points}, profile: {{field: {q(f.name)}, "
                             f"is: {q(value)}}}}}")  # fmt: skip
    if counts:
        lines += [] if lines else ["scores:"]
        lines += ["  - name: Engagement", "    limit: 100", "    rules:"]
        for f in counts:
            high = f.figures["quantiles"]["0.9"] or f.figures["max"] or 1
            per = rounded(20 / high, 20 / high) if high else 1
            lines.append(f"      - {{points_per: {per:g}, field: {q(f.name)}, limit: 25}}")
        if dates:
            day = q(dates[0].name)
            lines += [
                f"      - {{points: 10, profile: {{field: {day}, in_last_days: 30}}}}",
                f"    decay: {{field: {day}, half_life_days: 90}}",
            ]
    if texts:
        lines += ["grades:", "  - name: Fit grade", "    score: Fit",
                  "    bands: {A: 60, B: 40, C: 20, D: 0}"]  # fmt: skip
    return lines


def _threshold(
    figures: dict, readable: int, side: str, share: float, spread: float
) -> tuple[float | int, str]:
    """A threshold that keeps about ``share`` of the contacts -- ``count`` for "at least",
    ``at_most`` for "at most" -- and the comment saying what it keeps. The quantile,
    rounded, when it keeps a minority; else (one value holds the bulk: 91 of 100 scores
    are 0) the candidate of ``describe``'s list closest to ``share`` that keeps a minority
    and some contacts, or the quantile with a comment saying why no threshold splits."""
    top = side == "count"
    name = "top tenth" if top else "bottom quarter"
    quantile = "0.9" if top else "0.25"
    raw = figures["quantiles"][quantile]
    percentile = f"{int(float(quantile) * 100)}th percentile"
    kept = {e["value"]: e[side] for e in figures["at_least"]}  # exact counts

    def minority(n: int | None) -> bool:
        return n is not None and 0 < n <= readable / 2

    # The quantile rounded as a person writes it, when its count is known and a minority;
    # else the quantile itself (every quantile is one of describe's candidates).
    value = rounded(raw, spread)
    if minority(kept.get(value)):
        return value, f"About the {name} of scores (the {percentile}, rounded)."
    if minority(kept.get(raw)):
        return float(f"{raw:.12g}"), f"About the {name} of scores (the {percentile})."
    splits = [(v, n) for v, n in kept.items() if minority(n)]
    if not splits:
        return value, (
            f"No threshold keeps a minority: one value holds most of the scores, so this "
            f"segment keeps {kept.get(value, 'most')} of {readable:,} contacts."
        )
    best, n = min(splits, key=lambda vn: (abs(vn[1] - share * readable), vn[0]))
    return best, (
        f"{n:,} of {readable:,} contacts ({100 * n / readable:.0f}%): the {percentile} is "
        f"{_n(raw)}, a value that holds the bulk of the scores, so the nearest split that "
        "keeps a minority."
    )


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _examples(result: DescribeResult, score: str, today: date) -> list[list[str]]:
    """One commented segment per operator family, each on a column that suits it."""
    found: list[list[str]] = []
    texts = [f for f in result.fields if f.kind == "text" and f.figures.get("top")]
    # a column of a few values (Country, Lead Status) before a yes/no one
    few = sorted(
        (f for f in texts if 2 <= f.figures["distinct"] <= 50),
        key=lambda f: (f.figures["distinct"] == 2, -f.readable, f.figures["distinct"]),
    )
    if few:
        f = few[0]
        top = [t["value"] for t in f.figures["top"][:2]]
        values = ", ".join(q(v) for v in top)
        found.append([f"- name: {q(f.name + ' in ' + ' or '.join(top))}",
                      f"  profile: {{field: {q(f.name)}, in: [{values}]}}"])  # fmt: skip
        found.append([f"- name: {q(f.name + ' not ' + top[0])}",
                      f"  profile: {{field: {q(f.name)}, is_not: {q(top[0])}}}"])  # fmt: skip
    # a word of the most common value of a column of phrases (Title: "Sales Director")
    words = [
        (f, value.split()[-1])
        for f in texts
        if f.figures["distinct"] > 2
        and len((value := f.figures["top"][0]["value"]).split()) > 1
        and value.split()[-1].isalpha()
        and len(value.split()[-1]) >= 4
    ]
    if words:
        f, word = words[0]
        needle = q(word.lower())
        found.append([f"- name: {q(f.name + ' mentions ' + word.lower())}",
                      f"  profile: {{field: {q(f.name)}, contains: {needle}}}"])  # fmt: skip
    # the date column with the latest dates (last activity rather than creation)
    dates = sorted(
        (f for f in result.fields if f.kind == "date" and f.figures.get("max")),
        key=lambda f: f.figures["max"],
        reverse=True,
    )
    if dates:
        f = dates[0]
        found.append([f"- name: {q(f.name + ' in the last 90 days')}",
                      f"  profile: {{field: {q(f.name)}, in_last_days: 90}}"])  # fmt: skip
        year = date.fromisoformat(f.figures["max"]).year
        found.append([f"- name: {q(f.name + f' before {year}')}",
                      f"  profile: {{field: {q(f.name)}, before: {year}-01-01}}"])  # fmt: skip
    blanks = [f for f in result.fields if f.blank and f.name != score]
    if blanks:
        f = blanks[0]
        found.append([f"- name: {q('No ' + f.name)}",
                      f"  profile: {{field: {q(f.name)}, is_blank: true}}"])  # fmt: skip
    found.append(
        [
            "- name: Neither high nor low",
            "  not:",
            "    any:",
            "      - segment: High score",
            "      - segment: Low score",
        ]
    )
    if dates:
        found.append(
            [
                f"- name: {q('High score or active in the last 30 days')}",
                "  match: any",
                "  criteria:",
                "    - segment: High score",
                f"    - profile: {{field: {q(dates[0].name)}, in_last_days: 30}}",
            ]
        )
    return found
