"""The report as one self-contained HTML page: tables and inline SVG charts, no script, no
external resource (a Content-Security-Policy forbids loading any), every name escaped."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from leadseg.analysis.charts import description_figure, inline_svg, overlap_figure, page
from leadseg.printable import share

if TYPE_CHECKING:
    from leadseg.analysis.report import Report


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def table(
    head: list[str],
    rows: Sequence[Sequence[object]],
    numeric: frozenset[int] | set[int] = frozenset(),
) -> str:
    def cell(tag: str, i: int, value: object) -> str:
        kind = ' class="n"' if i in numeric else ""
        return f"<{tag}{kind}>{e(value)}</{tag}>"

    header = "".join(cell("th", i, h) for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def report_page(report: Report) -> str:
    p = report.provenance
    rows = report.rows
    parts = [f"<h1>Segments of {e(p.input)}</h1>", f"<p>{rows:,} contacts, as of {e(p.as_of)}.</p>"]

    parts.append("<h2>Counts</h2>")
    if not report.counts:  # a file of score sheets only
        parts.append("<p>The segment file has no segments: this page shows its scores.</p>")
    else:
        parts.append(
            table(
                ["Segment", "Parent", "Contacts", "Share"],
                [
                    [c.name, c.parent or "", f"{c.count:,}", share(c.count, rows)]
                    for c in report.counts
                ],
                {2, 3},
            )
        )

    parts.append("<h2>Score</h2>")
    if report.score is None:
        parts.append(f"<p>{e(report.no_score or 'The export has no score column.')}</p>")
    else:
        profile = report.score.fields[0]
        parts.append(
            f"<p>{e(profile.name)}: {profile.readable:,} values, {profile.blank:,} blank, "
            f"{profile.placeholders:,} placeholders, {profile.unreadable:,} unreadable. "
            "Dashed: quantiles; red: the thresholds of the segment file.</p>"
        )
        parts.append(inline_svg(description_figure(report.score)))
        quantiles = profile.figures.get("quantiles", {})
        if quantiles:
            parts.append(
                table(["Quantile", "Value"], [[q, f"{v:g}"] for q, v in quantiles.items()], {1})
            )

    if report.scores is not None:
        parts += score_sections(report)

    if report.counts:
        parts += segment_sections(report)
    parts += unreadable_section(report)

    parts.append("<h2>Provenance</h2>")
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(
        table(
            ["", ""],
            [
                ["Input", p.input],
                ["Size", "-" if p.size is None else f"{p.size:,} bytes"],
                ["sha256", p.sha256 or "-"],
                ["Segment file", p.segments_file or "-"],
                ["Segment file sha256", p.segments_sha256 or "-"],
                ["As of", p.as_of],
                ["Engine", p.engine],
                ["leadseg", p.leadseg_version],
                ["Made", made],
            ],
        )
    )
    return page(f"leadseg report: {p.input}", parts)


def score_sections(report: Report) -> list[str]:
    """The segment file's scores: each one's histogram, each grade's shares."""
    figures = report.scores
    assert figures is not None
    rows = report.rows
    parts = ["<h2>Scores of the segment file</h2>"]
    for score in figures.scores:
        parts.append(
            f"<h3>{e(score.name)}</h3><p>lowest {e(score.minimum)}, mean {e(score.mean)}, "
            f"highest {e(score.maximum)}.</p>"
        )
        bins = [
            [f"{low:g}", f"{high:g}", f"{n:,}", share(n, rows), "\u2588" * round(40 * n / rows)]
            for low, high, n in score.bins
        ]
        parts.append(table(["From", "To", "Contacts", "Share", ""], bins, {0, 1, 2, 3}))
    for grade in figures.grades:
        parts.append(f"<h3>{e(grade.name)} (grades {e(grade.score)})</h3>")
        shares = [
            [label or "(no band reached)", f"{n:,}", share(n, rows)]
            for label, n in grade.labels.items()
        ]
        parts.append(table(["Grade", "Contacts", "Share"], shares, {1, 2}))
    return parts


def segment_sections(report: Report) -> list[str]:
    """How the segments overlap, and why each has its count."""
    rows = report.rows
    overlap = report.overlap
    parts = ["<h2>Overlap</h2>"]
    if len(overlap.segments) > 1:
        parts.append(inline_svg(overlap_figure(overlap)))
    combos = [
        [" + ".join(i.segments), f"{i.count:,}", share(i.count, rows)]
        for i in overlap.intersections
    ]
    combos.append(["(in no segment)", f"{overlap.in_none:,}", share(overlap.in_none, rows)])
    parts.append(table(["Exactly these segments", "Contacts", "Share"], combos, {1, 2}))

    parts.append("<h2>Why each segment has its count</h2>")
    for waterfall in report.waterfalls.segments:
        parts.append(f"<h3>{e(waterfall.name)}: {waterfall.count:,}</h3>")
        steps = []
        for step in waterfall.steps:
            if step.match == "any":
                steps.append(
                    [
                        step.criterion,
                        step.segment,
                        step.line or "",
                        f"{step.kept:,}",
                        f"+{step.added:,} (or)",
                        "",
                    ]
                )
            else:
                steps.append(
                    [
                        step.criterion,
                        step.segment,
                        step.line or "",
                        f"{step.kept:,}",
                        f"{step.dropped:,}",
                        f"{step.dropped_blank:,}",
                    ]
                )
        parts.append(
            table(
                ["Step", "From segment", "Line", "Kept", "Dropped", "No value"], steps, {2, 3, 4, 5}
            )
        )
    return parts


def unreadable_section(report: Report) -> list[str]:
    """The compared values no reading could make sense of, per column."""
    parts = ["<h2>Unreadable values</h2>"]
    unreadable = report.waterfalls.unreadable
    if not unreadable:
        parts.append("<p>None: every compared value was blank, a placeholder or readable.</p>")
    else:
        parts.append(
            table(
                ["Column", "Read as", "Unreadable", "Of values", "First rows"],
                [
                    [u.column, u.kind, f"{u.count:,}", f"{u.values:,}", ", ".join(map(str, u.rows))]
                    for u in unreadable
                ],
                {2, 3},
            )
        )
    return parts
