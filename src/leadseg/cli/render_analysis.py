"""Render ``describe``, ``explain`` and ``overlap`` results: JSON (the result's
``to_dict``), CSV, or aligned text with bars drawn in the terminal."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TextIO

from leadseg.cli.render import print_json
from leadseg.printable import printable, share

if TYPE_CHECKING:
    from leadseg.analysis.describe import DescribeResult, FieldProfile
    from leadseg.analysis.diff import DiffResult
    from leadseg.analysis.explain import ExplainResult
    from leadseg.analysis.overlap import OverlapResult
    from leadseg.analysis.score_waterfall import ScoreWaterfall
    from leadseg.outputs.score_file import ScoreResult

BAR_WIDTH = 30


def number(value: float | None) -> str:
    """A figure as a person reads it: 60 rather than 60.0, at most 4 decimals."""
    if value is None:
        return "-"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


_EIGHTHS = ("", *"\u258f\u258e\u258d\u258c\u258b\u258a\u2589")


def bar(count: int, largest: int, width: int = BAR_WIDTH, blocks: bool = True) -> str:
    """A horizontal bar in eighths of a block; in ``#`` where the stream cannot show
    block characters (a Windows console or file in cp1252/cp437)."""
    if largest <= 0 or count <= 0:
        return ""
    if not blocks:
        return "#" * max(1, round(count / largest * width))
    eighths = max(1, round(count / largest * width * 8))
    return "\u2588" * (eighths // 8) + _EIGHTHS[eighths % 8]


def print_description(result: DescribeResult, fmt: str, stream: TextIO | None = None) -> None:
    from leadseg.system import can_show

    stream = stream or sys.stdout
    if fmt == "json":
        print_json(result.to_dict(), stream)
        return
    blocks = can_show(stream, "\u2588" + "".join(_EIGHTHS))
    lines = [f"{result.input}: {result.rows:,} rows (as of {result.as_of})"]
    for profile in result.fields:
        lines += [""] + _field_lines(profile, result.rows, blocks)
    print(printable_lines(lines), file=stream)


def printable_lines(lines: list[str]) -> str:
    return "\n".join(printable(line) for line in lines)


def _field_lines(p: FieldProfile, rows: int, blocks: bool) -> list[str]:
    lines = [
        f"{p.name} ({p.kind}): {p.readable:,} values ({share(p.readable, rows)}), "
        f"{p.blank:,} blank, {p.placeholders:,} placeholders, {p.unreadable:,} unreadable"
    ]
    if p.unreadable_rows:
        more = ", ..." if p.unreadable > len(p.unreadable_rows) else ""
        lines.append(f"  unreadable in rows {', '.join(map(str, p.unreadable_rows))}{more}")
    if p.hint:
        lines.append(f"  hint: {p.hint}")
    f = p.figures
    if p.kind == "number" and f.get("histogram"):
        lines.append(f"  min {number(f['min'])}  max {number(f['max'])}  mean {number(f['mean'])}")
        lines.append(
            "  quantiles " + "  ".join(f"{q}: {number(v)}" for q, v in f["quantiles"].items())
        )
        lines.append("  histogram")
        largest = max(b["count"] for b in f["histogram"])
        edges = [(number(b["low"]), number(b["high"])) for b in f["histogram"]]
        wide = max(len(f"{low} - {high}") for low, high in edges)
        for (low, high), b in zip(edges, f["histogram"], strict=True):
            label = f"{low} - {high}".rjust(wide)
            drawn = bar(b["count"], largest, blocks=blocks)
            lines.append(f"    {label} {drawn:<{BAR_WIDTH}} {b['count']:,}")
        lines.append("  contacts kept by 'at least'")
        marks: dict[float, list[str]] = {}
        for t in p.thresholds:
            op = t.op.replace("_", " ")
            marks.setdefault(t.value, []).append(f"{t.segment} ({op} {number(t.value)})")
        for entry in f["at_least"]:
            note = f"  (quantile {entry['quantile']})" if "quantile" in entry else ""
            if entry["value"] in marks:
                note += "  <- " + ", ".join(marks[entry["value"]])
            lines.append(
                f"    at least {number(entry['value']):>10}: {entry['count']:>10,} "
                f"({share(entry['count'], rows)}){note}"
            )
    elif p.kind == "date" and f.get("min"):
        lines.append(f"  from {f['min']} to {f['max']}")
        recent = "  ".join(f"{days} days: {n:,}" for days, n in f["last_days"].items())
        lines.append(f"  in the last {recent}")
    elif p.kind == "text" and f.get("top"):
        lines.append(f"  {f['distinct']:,} distinct values (trimmed, ignoring case)")
        largest = f["top"][0]["count"]
        wide = max(len(t["value"]) for t in f["top"])
        for t in f["top"]:
            lines.append(
                f"    {t['value']:<{min(wide, 40)}} {bar(t['count'], largest, 20, blocks):<20} "
                f"{t['count']:,}"
            )
    return lines


def print_waterfalls(result: ExplainResult, fmt: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    if fmt == "json":
        print_json(result.to_dict(), stream)
        return
    lines = [f"{result.input}: {result.rows:,} rows"]
    for waterfall in result.segments:
        lines += ["", f"{waterfall.name}: {waterfall.count:,} contacts"]
        table: list[list[str]] = [["step", "from", "line", "kept", "dropped", "no value"]]
        for step in waterfall.steps:
            if step.match == "any":
                dropped, blank = f"+{step.added:,} (or)", ""
            else:
                dropped, blank = f"{step.dropped:,}", f"{step.dropped_blank:,}"
            table.append(
                [
                    step.criterion,
                    step.segment,
                    str(step.line or ""),
                    f"{step.kept:,}",
                    dropped,
                    blank,
                ]  # fmt: skip
            )
        lines += ["  " + line for line in aligned(table, right=(2, 3, 4, 5))]
    print(printable_lines(lines), file=stream)


def aligned(table: list[list[str]], right: tuple[int, ...] = ()) -> list[str]:
    """Rows of cells as lines of aligned columns."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return [
        "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in table
    ]


def print_overlap(result: OverlapResult, fmt: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    if fmt == "json":
        print_json(result.to_dict(), stream)
        return
    if fmt == "csv":
        import csv

        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["segment", *result.segments])
        for name, row in zip(result.segments, result.counts, strict=True):
            writer.writerow([name, *row])
        return
    lines = [f"{result.input}: {result.rows:,} rows; members of both (% of the row's segment)"]
    table: list[list[Any]] = [["", *result.segments]]
    for name, row, shares in zip(result.segments, result.counts, result.shares(), strict=True):
        cells = [
            f"{n:,}" + ("" if s is None else f" ({s:.0%})")
            for n, s in zip(row, shares, strict=True)
        ]
        table.append([name, *cells])
    lines += aligned(table, right=tuple(range(1, len(table[0]))))
    lines += ["", "largest exact combinations"]
    combos = [
        [" + ".join(i.segments), f"{i.count:,}", share(i.count, result.rows)]
        for i in result.intersections
    ]
    combos.append(["(in no segment)", f"{result.in_none:,}", share(result.in_none, result.rows)])
    lines += ["  " + line for line in aligned(combos, right=(1, 2))]
    print(printable_lines(lines), file=stream)


def warn_keys(result: DiffResult) -> None:
    for display, problems in ((result.old, result.old_keys), (result.new, result.new_keys)):
        said = []
        if problems.blank:
            said.append(
                f"{problems.blank:,} row(s) with a blank {result.key!r}, never matched "
                f"(first: row {problems.blank_rows[0]})"
            )
        if problems.duplicate:
            rows = ", ".join(map(str, problems.duplicate_rows))
            said.append(
                f"{problems.duplicate:,} row(s) repeat the {result.key!r} of an earlier row "
                f"(keys first in row {rows}); such a key is in a segment when any of its "
                "rows is"
            )
        for line in said:
            print(printable(f"leadseg: warning: {display}: {line}"), file=sys.stderr)


def print_diff(result: DiffResult, fmt: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    if fmt == "json":
        print_json(result.to_dict(), stream)
        return
    columns = ["before", "after", "entered", "left", "stayed"]
    if fmt == "csv":
        import csv

        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["name", *columns])
        for s in result.segments:
            writer.writerow([s.name, s.before, s.after, s.entered, s.left, s.stayed])
        return
    table = [["segment", *columns]]
    for s in result.segments:
        table.append(
            [s.name, *(f"{n:,}" for n in (s.before, s.after, s.entered, s.left, s.stayed))]
        )
    lines = [f"{result.old} -> {result.new}, matched by {result.key!r}"]
    lines += aligned(table, right=(1, 2, 3, 4, 5))
    if result.output_dir:
        lines.append(f"entered and left rows written to {result.output_dir}")
    print(printable_lines(lines), file=stream)


def print_scores(result: ScoreResult, fmt: str, stream: TextIO | None = None) -> None:
    """``leadseg score``: what was written, and each added column over its rows (on stderr
    in a table: stdout may be the data's way on)."""
    if fmt == "json":
        print_json(result.to_dict(), stream)
        return
    stream = stream or sys.stderr
    rows = result.counts.rows
    lines = [f"wrote {rows:,} rows to {printable(result.output)} ({result.format})"]
    table = [["column", "min", "mean", "max"]]
    for column in result.columns:
        if column.kind == "score":
            values = (column.minimum, column.mean, column.maximum)
            table.append([printable(column.name), *(number(v) for v in values)])
    if len(table) > 1:
        lines += aligned(table, right=(1, 2, 3))
    for column in result.columns:
        if column.kind == "grade":
            shares = ", ".join(
                f"{printable(label) or '(none)'} {n:,} ({share(n, rows)})"
                for label, n in column.labels.items()
            )
            lines.append(f"{printable(column.name)}: {shares}")
    print("\n".join(lines), file=stream)


def print_score_waterfall(result: ScoreWaterfall, fmt: str, stream: TextIO | None = None) -> None:
    """``explain --score``: per group and rule, contacts given points and points given."""
    stream = stream or sys.stdout
    if fmt == "json":
        print_json(result.to_dict(), stream)
        return
    data = result.to_dict()
    lines = [f"{result.input}: {result.rows:,} rows", "", f"{result.score}: how it is made"]
    table = [["group / rule", "line", "contacts", "points", "capped"]]
    for group in data["groups"]:
        for rule in group["rules"]:
            name = rule["rule"] if rule["label"].startswith(("rules[", "groups[")) else (
                f"{rule['label']}: {rule['rule']}"
            )  # fmt: skip
            indent = "  " if group["name"] else ""
            table.append([indent + name, str(rule["line"] or ""), f"{rule['earned']:,}",
                          number(rule["points"]), ""])  # fmt: skip
        if group["name"]:
            limit = "" if group["limit"] is None else f", at most {group['limit']:g}"
            table.append([f"{group['name']} (group{limit})", "", f"{group['earned']:,}",
                          number(group["points"]), f"{group['capped']:,}"])  # fmt: skip
    table.append(["sum of the groups", "", "", number(data["summed"]), ""])
    if data["decayed"] is not None:
        table.append(["after decay", "", "", number(data["decayed"]), ""])
    clamped = f"{data['at_min']:,} raised to min"
    if data["at_limit"]:
        clamped += f", {data['at_limit']:,} lowered to the limit"
    table.append([f"{result.score} ({clamped})", "", f"{data['earned']:,}",
                  number(data["points"]), ""])  # fmt: skip
    lines += ["  " + line for line in aligned(table, right=(1, 2, 3, 4))]
    mean = "-" if data["mean"] is None else number(data["mean"])
    lines.append(f"  mean {mean} per contact")
    print(printable_lines(lines), file=stream)
