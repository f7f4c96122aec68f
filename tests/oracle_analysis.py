"""The reference for ``explain``, ``overlap`` and ``describe``, written from the README on
top of the plain-Python evaluator (tests/oracle.py); nothing here comes from leadseg.
Quantiles come from numpy (linear interpolation, numpy's default)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import numpy

from tests.oracle import Oracle, _kind_of, fold, is_blank, trim

CRITERION_KEYS = ("score", "profile", "all", "any", "not", "segment", "sample")


def own_steps(seg: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """README: a segment's steps are the items of its criteria list (branches with
    match: any), or the items of a top-level all/any, or its one criterion."""
    if "criteria" in seg:
        children = seg["criteria"]
        if len(children) > 1:
            return children, seg.get("match") == "any"
        node = children[0]
    else:
        key = next(k for k in seg if k in CRITERION_KEYS)
        node = {key: seg[key]}
    if "all" in node:
        return node["all"], False
    if "any" in node:
        return node["any"], True
    return [node], False


def reads(oracle: Oracle, node: dict[str, Any]) -> set[tuple[str, str]]:
    """(column, kind) of every comparison in a criterion, not through segment references."""
    ((key, value),) = node.items()
    if key in ("score", "profile"):
        return {(value.get("field", oracle.score), _kind_of(value))}
    if key in ("all", "any"):
        return set().union(*(reads(oracle, child) for child in value))
    if key == "not":
        return reads(oracle, value)
    if key == "sample":
        return {(value["key"], "text")}
    return set()


def missing(oracle: Oracle, row: dict[str, Any], column: str, kind: str, member=None) -> bool:
    if column in oracle.scores:  # README: a score always has a value (no points is 0)
        return False
    if column in oracle.grades:  # blank when no band is reached
        return oracle.grade_label(column, row, member) is None
    if kind == "number":
        return oracle.number(row[column], column)[0] is None
    if kind == "date":
        return oracle.date(row[column], column)[0] is None
    return is_blank(row[column])


def waterfall(oracle: Oracle, rows: list[dict], name: str) -> list[dict[str, Any]]:
    outcome = oracle.run(rows)
    member_sets = {n: set(m) for n, m in outcome.members.items()}
    by_name = {s["name"]: s for s in oracle.segments}
    chain = [by_name[name]]
    while chain[0].get("parent"):
        chain.insert(0, by_name[chain[0]["parent"]])

    def holds(node: dict[str, Any], i: int) -> bool:
        return oracle._criterion(node, rows[i], lambda n: i in member_sets[n])

    kept = set(range(len(rows)))
    steps = []
    for owner in chain:
        children, branches = own_steps(owner)
        base, matched = set(kept), set()
        for child in children:
            if branches:
                passing = {i for i in base if holds(child, i)}
                added = passing - matched
                matched |= passing
                kept = set(matched)
                steps.append({"kept": len(kept), "added": len(added)})
                continue
            passing = {i for i in kept if holds(child, i)}
            dropped = kept - passing
            read = reads(oracle, child)
            blank = [
                i
                for i in dropped
                if read
                and all(
                    missing(oracle, rows[i], c, k, lambda n, i=i: i in member_sets[n])
                    for c, k in read
                )
            ]
            steps.append(
                {"kept": len(passing), "dropped": len(dropped), "dropped_blank": len(blank)}
            )
            kept = passing
    return steps


def overlap(oracle: Oracle, rows: list[dict]) -> tuple[list[list[int]], Counter]:
    """The pairwise matrix (file order) and the rows of each exact combination."""
    outcome = oracle.run(rows)
    names = [s["name"] for s in oracle.segments]
    sets = [set(outcome.members[n]) for n in names]
    matrix = [[len(a & b) for b in sets] for a in sets]
    combos = Counter(
        tuple(n for n, s in zip(names, sets, strict=True) if i in s) for i in range(len(rows))
    )
    return matrix, combos


def describe_number(oracle: Oracle, rows: list[dict], column: str, bins: int) -> dict[str, Any]:
    read = [oracle.number(row[column], column) for row in rows]
    values = sorted(v for v, _ in read if v is not None)
    blank = sum(is_blank(row[column]) for row in rows)
    figures: dict[str, Any] = {
        "blank": blank,
        "unreadable": sum(bad for _, bad in read),
        "readable": len(values),
    }
    figures["placeholders"] = len(rows) - blank - figures["unreadable"] - len(values)
    if values:
        low, high = values[0], values[-1]
        qs = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
        figures["quantiles"] = {str(q): float(numpy.quantile(values, q)) for q in qs}
        figures["min"], figures["max"] = low, high
        figures["mean"] = sum(values) / len(values)
        if low == high:
            figures["histogram"] = [len(values)]
        else:
            width = (high - low) / bins
            counts = [0] * bins
            for v in values:
                counts[min(int((v - low) / width), bins - 1)] += 1
            figures["histogram"] = counts
    return figures


def describe_date(oracle: Oracle, rows: list[dict], column: str) -> dict[str, Any]:
    read = [oracle.date(row[column], column) for row in rows]
    days = sorted(d for d, _ in read if d is not None)
    recent = {}
    for n in (7, 30, 90, 365):
        start = oracle.as_of - timedelta(days=n)
        recent[str(n)] = sum(start <= d <= oracle.as_of for d in days)
    return {
        "readable": len(days),
        "unreadable": sum(bad for _, bad in read),
        "min": days[0].isoformat() if days else None,
        "max": days[-1].isoformat() if days else None,
        "last_days": recent,
    }


def describe_text(oracle: Oracle, rows: list[dict], column: str) -> dict[str, Any]:
    present = [row[column] for row in rows if not is_blank(row[column])]
    holders = {trim(p).lower() for p in oracle.column(column).placeholders}
    folded = Counter(fold(v) for v in present)
    spellings: dict[str, Counter] = {}
    for v in present:
        spellings.setdefault(fold(v), Counter())[trim(v)] += 1

    def spelling(key: str) -> str:
        ranked = sorted(spellings[key].items(), key=lambda item: (-item[1], item[0]))
        return ranked[0][0]

    top = sorted(folded.items(), key=lambda item: (-item[1], spelling(item[0])))[:10]
    return {
        "blank": len(rows) - len(present),
        "placeholders": sum(trim(v).lower() in holders for v in present),
        "distinct": len(folded),
        "top": [{"value": spelling(k), "count": n} for k, n in top],
    }
