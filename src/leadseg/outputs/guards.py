"""Guards for scheduled runs: ``--expect "NAME>=N"`` / ``"NAME<=N"`` (NAME ignoring case,
``*`` every segment) and ``--max-change PCT`` against a previous run's counts. A run that
breaches one is exit 3, and ``apply`` then publishes nothing."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leadseg.errors import LeadsegError, Location, Problem, UsageError
from leadseg.exit_codes import ExitCode

_EXPECT = re.compile(r"^\s*(?P<name>.+?)\s*(?P<op>>=|<=)\s*(?P<value>[0-9][0-9_,]*)\s*$")


@dataclass(frozen=True)
class Expectation:
    segment: str  # a segment name as written, or "*"
    op: str  # ">=" or "<="
    value: int

    @classmethod
    def parse(cls, text: str) -> Expectation:
        found = _EXPECT.match(text)
        if found is None:
            raise UsageError(
                f"--expect {text!r}: write NAME>=N or NAME<=N (N a whole number of contacts)",
                hint='e.g. --expect "Sales-ready>=100", or --expect "*>=1" for every segment',
            )
        value = int(found["value"].replace("_", "").replace(",", ""))
        return cls(found["name"], found["op"], value)

    @property
    def rule(self) -> str:
        return f"{self.op}{self.value}"


@dataclass(frozen=True)
class Guards:
    expectations: tuple[Expectation, ...] = ()
    max_change: float | None = None  # percent
    baseline: dict[str, int] | None = None  # count's --baseline; apply: its own manifest

    def __bool__(self) -> bool:
        return bool(self.expectations) or self.max_change is not None


@dataclass(frozen=True)
class GuardCheck:
    segment: str
    rule: str  # ">=100", "<=5000", "change<=20%"
    actual: int | float | None  # the count; for a change rule, the change in percent
    ok: bool

    def to_dict(self) -> dict[str, Any]:
        return {"segment": self.segment, "rule": self.rule, "actual": self.actual, "ok": self.ok}


class GuardBreach(LeadsegError):
    """One or more guards failed (exit 3): each breach is a problem of its own."""

    code = "guard"
    exit_code = ExitCode.GUARD

    def __init__(self, checks: list[GuardCheck], where: str, hint: str) -> None:
        self.checks = checks
        self.where = where
        breaches = [c for c in checks if not c.ok]
        super().__init__(_said(breaches[0]), location=Location(file=where), hint=hint)

    @property
    def problems(self) -> list[Problem]:
        return [
            Problem(self.code, _said(c), Location(file=self.where), self.hint)
            for c in self.checks
            if not c.ok
        ]


def _said(check: GuardCheck) -> str:
    if check.rule.startswith("change"):
        limit = check.rule.removeprefix("change<=")
        moved = "from none" if check.actual is None else f"{check.actual:+.1f}%"
        return f"segment {check.segment!r} changed {moved} since the previous run (limit {limit})"
    return f"segment {check.segment!r} has {check.actual:,} contacts, expected {check.rule}"


def check_guards(counts: list[tuple[str, int]], guards: Guards) -> list[GuardCheck]:
    """Every guard against the segments' ``(name, count)``, in segment order; an
    expectation naming no segment is a usage error."""
    checks = []
    by_key = {name.casefold(): name for name, _ in counts}
    for expect in guards.expectations:
        if expect.segment != "*" and expect.segment.casefold() not in by_key:
            raise UsageError(
                f"--expect {expect.segment}{expect.rule}: no such segment",
                hint="segments: " + ", ".join(name for name, _ in counts),
            )
    for name, count in counts:
        for expect in guards.expectations:
            if expect.segment == "*" or expect.segment.casefold() == name.casefold():
                ok = count >= expect.value if expect.op == ">=" else count <= expect.value
                checks.append(GuardCheck(name, expect.rule, count, ok))
        if guards.max_change is not None and guards.baseline is not None:
            before = guards.baseline.get(name)
            if before is None:
                continue  # a new segment: nothing to compare with
            rule = f"change<={guards.max_change:g}%"
            if before == 0:
                checks.append(GuardCheck(name, rule, None, count == 0))
                continue
            change = (count - before) / before * 100
            ok = abs(change) <= guards.max_change
            checks.append(GuardCheck(name, rule, round(change, 4), ok))
    return checks


def previous_counts(path: Path) -> dict[str, int]:
    """A previous run's counts: an ``apply`` manifest (``segments[].rows``) or ``count
    --format json`` output (``segments[].count``)."""
    where = Location(file=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        from leadseg.errors import ExportMissingError

        raise ExportMissingError(
            f"cannot read the baseline: {exc.strerror or exc}", location=where
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(
            f"the baseline is not JSON ({exc})",
            hint="give an apply manifest.json or the output of count --format json",
        ) from None
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list):
        raise UsageError(
            f"{path}: no 'segments' list: not a manifest nor count --format json output",
            hint="give an apply manifest.json or the output of count --format json",
        )
    found = {}
    for entry in segments:
        count = entry.get("count", entry.get("rows")) if isinstance(entry, dict) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not isinstance(count, int) or count < 0:
            raise UsageError(
                f"{path}: a segment without a name and a count: {entry!r}",
                hint="give an apply manifest.json or the output of count --format json",
            )
        found[name] = count
    return found


def enforce(checks: list[GuardCheck], where: str, *, published: bool) -> None:
    """Raise ``GuardBreach`` when a check failed."""
    if all(c.ok for c in checks):
        return
    hint = (
        "nothing was replaced: the previous outputs and manifest are as they were"
        if published
        else "the counts are printed; a scheduled job should stop here"
    )
    raise GuardBreach(checks, where, hint)


def check_max_change(value: float | None) -> None:
    if value is not None and (not math.isfinite(value) or value < 0):
        raise UsageError(f"--max-change {value}: give a percentage, 0 or more")
