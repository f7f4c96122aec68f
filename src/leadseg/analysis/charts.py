"""Pictures of ``describe`` and ``overlap`` results, drawn with matplotlib (the
``leadseg[charts]`` extra): PNG, SVG, or a self-contained HTML page holding the SVG.

matplotlib rather than Altair: it writes PNG and SVG itself (Altair needs vl-convert, a
33 MB JavaScript engine, for either), and its SVG inlined in a page needs no script, so a
page loads nothing from the network and cannot fail in the browser."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadseg.analysis.describe import DescribeResult, FieldProfile
    from leadseg.analysis.overlap import OverlapResult

COLOURS = {"bars": "#4C72B0", "quantile": "#8C8C8C", "threshold": "#C44E52"}


def pyplot() -> Any:
    from leadseg.errors import require

    require("matplotlib", "charts", "drawing a chart")
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    # SVG ids are salted with a random uuid unless a salt is set: the same data must draw
    # the same bytes (a report is compared, diffed, cached)
    matplotlib.rcParams["svg.hashsalt"] = "leadseg"
    import matplotlib.pyplot as plt

    return plt


def save_description_chart(result: DescribeResult, path: Path) -> None:
    from leadseg.outputs.single_file import write_whole

    write_whole(path, render(description_figure(result), path.suffix.lower(), path.stem))


def save_overlap_chart(result: OverlapResult, path: Path) -> None:
    from leadseg.outputs.single_file import write_whole

    write_whole(path, render(overlap_figure(result), path.suffix.lower(), path.stem))


def render(figure: Any, suffix: str, title: str) -> bytes:
    """The figure as PNG, SVG or an HTML page with the SVG inline."""
    if suffix == ".html":
        return page(title, [inline_svg(figure)]).encode("utf-8")
    buffer = io.BytesIO()
    if suffix == ".png":
        figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    else:
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata=_NO_DATE)
    pyplot().close(figure)
    return buffer.getvalue()


_NO_DATE = {"Date": None}  # no date in an SVG: the same data draws the same bytes


def inline_svg(figure: Any) -> str:
    """A figure as SVG markup to put in a page (no XML prolog)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata=_NO_DATE)
    pyplot().close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def page(title: str, parts: list[str]) -> str:
    """A self-contained HTML page: no script, no external resource."""
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )


STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;"
    "max-width:60em;color:#222;padding:0 1em}svg{max-width:100%;height:auto}"
    "table{border-collapse:collapse;margin:1em 0}td,th{padding:.25em .75em;"
    "border-bottom:1px solid #ddd;text-align:left}td.n,th.n{text-align:right;"
    "font-variant-numeric:tabular-nums}h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}"
    "code{font-size:.9em}.warn{color:#a33}"
)


def description_figure(result: DescribeResult) -> Any:
    """One panel per field: a number's histogram with its quartiles and 90th percentile
    dashed and the segment file's thresholds in red; a date's recent counts; a text's most
    common values."""
    plt = pyplot()
    panels = [f for f in result.fields if _has_figures(f)] or result.fields[:1]
    figure, axes = plt.subplots(len(panels), 1, figsize=(8, 3.2 * len(panels)), squeeze=False)
    for ax, profile in zip(axes[:, 0], panels, strict=True):
        if profile.kind == "number":
            number_panel(ax, profile)
        elif profile.kind == "date":
            date_panel(ax, profile)
        else:
            text_panel(ax, profile)
    figure.tight_layout()
    return figure


def _has_figures(profile: FieldProfile) -> bool:
    f = profile.figures
    return bool(f.get("histogram") or f.get("top") or f.get("min"))


def number_panel(ax: Any, profile: FieldProfile) -> None:
    bins = profile.figures.get("histogram") or []
    ax.set_title(f"{profile.name}: {profile.readable:,} values", loc="left")
    if not bins:
        ax.text(0.5, 0.5, "no readable values", ha="center", transform=ax.transAxes)
        return
    lows = [b["low"] for b in bins]
    widths = [max(b["high"] - b["low"], 1e-9) for b in bins]
    ax.bar(lows, [b["count"] for b in bins], width=widths, align="edge",
           color=COLOURS["bars"], edgecolor="white")  # fmt: skip
    quantiles = profile.figures["quantiles"]
    for key in ("0.25", "0.5", "0.75", "0.9"):
        ax.axvline(quantiles[key], color=COLOURS["quantile"], linestyle="--", linewidth=1)
        _label(ax, f"q{key}", quantiles[key], 1, va="top", ha="right", colour="quantile")
    spread = max(b["high"] for b in bins) - min(b["low"] for b in bins) or 1.0
    marks = zip(_label_heights(profile, spread), _thresholds(profile), strict=True)
    for height, (value, names) in marks:
        ax.axvline(value, color=COLOURS["threshold"], linewidth=1.5)
        _label(ax, ", ".join(names), value, height, va="center", ha="left", colour="threshold")
    ax.set_ylabel("contacts")
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.spines[["top", "right"]].set_visible(False)


def _thresholds(profile: FieldProfile) -> list[tuple[float, list[str]]]:
    """The segment file's thresholds on the column, ascending, one label per value."""
    found: dict[float, list[str]] = {}
    for threshold in profile.thresholds:
        names = found.setdefault(threshold.value, [])
        if threshold.segment not in names:
            names.append(threshold.segment)
    return sorted(found.items())


def _label_heights(profile: FieldProfile, spread: float) -> list[float]:
    """Heights (0 to 1) for the threshold labels: a label close to the previous one (within
    6% of the axis) goes higher or lower, so that neighbours do not overlap."""
    heights: list[float] = []
    previous = None
    for value, _ in _thresholds(profile):
        if previous is not None and heights and (value - previous) < 0.06 * spread:
            heights.append(0.25 if heights[-1] >= 0.5 else 0.75)
        else:
            heights.append(0.5)
        previous = value
    return heights


def _label(ax: Any, text: str, x: float, height: float, *, va: str, ha: str, colour: str) -> None:
    """Upright text beside a vertical line at ``x``, ``height`` up the panel (0 to 1)."""
    box = {"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1}
    ax.annotate(text, (x, height), xycoords=("data", "axes fraction"), rotation=90, va=va,
                ha=ha, fontsize=8, color=COLOURS[colour], bbox=box)  # fmt: skip


def date_panel(ax: Any, profile: FieldProfile) -> None:
    recent = profile.figures.get("last_days", {})
    ax.set_title(
        f"{profile.name}: {profile.figures.get('min')} to {profile.figures.get('max')}", loc="left"
    )
    labels = [f"last {days} days" for days in recent]
    ax.barh(labels, list(recent.values()), color=COLOURS["bars"])
    ax.invert_yaxis()
    ax.set_xlabel("contacts")
    ax.spines[["top", "right"]].set_visible(False)


def text_panel(ax: Any, profile: FieldProfile) -> None:
    top = profile.figures.get("top", [])
    ax.set_title(
        f"{profile.name}: {profile.figures.get('distinct', 0):,} distinct values", loc="left"
    )
    ax.barh([t["value"][:30] for t in top], [t["count"] for t in top], color=COLOURS["bars"])
    ax.invert_yaxis()
    ax.set_xlabel("contacts")
    ax.spines[["top", "right"]].set_visible(False)


def overlap_figure(result: OverlapResult) -> Any:
    """A heat map: each cell the share of the row's segment also in the column's, with the
    count written in it."""
    plt = pyplot()
    size = len(result.segments)
    shares = [[s if s is not None else 0.0 for s in row] for row in result.shares()]
    side = max(4.0, 0.9 * size + 2.5)
    figure, ax = plt.subplots(figsize=(side + 1.5, side))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    names = [n if len(n) <= 24 else n[:23] + "\u2026" for n in result.segments]
    ax.set_xticks(range(size), names, rotation=40, ha="right")
    ax.set_yticks(range(size), names)
    for i in range(size):
        for j in range(size):
            dark = shares[i][j] > 0.6
            ax.text(j, i, f"{result.counts[i][j]:,}", ha="center", va="center", fontsize=8,
                    color="white" if dark else "#222")  # fmt: skip
    figure.colorbar(image, ax=ax, label="share of the row's segment", format="{x:.0%}")
    ax.set_title("Members in both segments", loc="left")
    figure.tight_layout()
    return figure
