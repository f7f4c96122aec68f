"""A plain-Python reference evaluator of the README's segment semantics, written from the
README alone: it reads the segment file itself (with ruamel.yaml, a YAML 1.2 parser that
leadseg does not use), evaluates rows as a CSV reader gives them, and imports nothing from
leadseg. Case files, property tests and the CLI examples are compared with it.

Rules implemented (README "Semantics"):
- blank: missing, empty or only Unicode White_Space characters;
- number: ``[+-]digits[.digits][e[+-]digits]`` in ASCII digits, finite; with a decimal comma
  a ``,`` may stand for the ``.``;
- date: ISO 8601 ``YYYY-MM-DD`` optionally followed by ``T``/space and ``HH:MM[:SS[.f]]`` and a
  zone; or a ``dates:`` strftime format, tried before ISO; the date as written;
- placeholders: blank in number/date comparisons (trimmed, ignoring case), never reported;
- unreadable: not blank, not a placeholder, not readable; counted per compared column;
- a compared column with more than half of its non-blank, non-placeholder values unreadable
  is an error;
- text: trimmed, lower-cased; negations (is_not, not_in, not_contains, not) match blanks.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ruamel.yaml import YAML

WHITE_SPACE = set(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
DEFAULT_PLACEHOLDERS = [
    "N/A",
    "NA",
    "#N/A",
    "-",
    "--",
    "\u2014",
    "\u2013",
    "NULL",
    "None",
    "(blank)",
]
SCORE_NAMES = [
    "Overall Behavior Score", "Behavior Score", "Lead Score", "HubSpot Score", "Pardot Score",
    "Score", "Points",
]  # fmt: skip
MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
]  # fmt: skip
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def trim(value: str) -> str:
    start, end = 0, len(value)
    while start < end and value[start] in WHITE_SPACE:
        start += 1
    while end > start and value[end - 1] in WHITE_SPACE:
        end -= 1
    return value[start:end]


def fold(value: str, nfc: bool = True) -> str:
    """README: text compares trimmed, NFC-normalised and lower-cased, the two Greek sigmas
    as one letter. (``nfc=False``: the SQL of dialects without normalisation -- Spark,
    Databricks, Snowflake -- compares the data's text as written.)"""
    import unicodedata

    text = unicodedata.normalize("NFC", trim(value)) if nfc else trim(value)
    return text.lower().replace("\u03c2", "\u03c3")


def is_blank(value: str | None) -> bool:
    return value is None or trim(value) == ""


_DIGITS = "0123456789"


_SYMBOLS = ("R$", "US$", "$", "€", "£", "¥", "₹", "₩", "₽", "₺")
_CODES = ("USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK", "PLN", "INR")
_MARKS = ".,' \u00a0\u202f"


def _number_like(text: str) -> bool:
    """Digits and the marks numbers hold, at least one digit (an optional sign first)."""
    body = text[1:] if text[:1] in ("+", "-") else text
    return any(c in _DIGITS for c in body) and all(c in _DIGITS or c in _MARKS for c in body)


def _grouped(text: str, separator: str, point: str) -> bool:
    """1,234,567.5: one to three digits, then groups of three after ``separator``."""
    body = text[1:] if text[:1] in ("+", "-") else text
    whole, _, fraction = body.partition(point)
    if point in fraction or not all(c in _DIGITS for c in fraction):
        return False
    groups = whole.split(separator)
    return (
        len(groups) > 1
        and 1 <= len(groups[0]) <= 3
        and all(len(g) == 3 for g in groups[1:])
        and all(c in _DIGITS for g in groups for c in g)
    )


def read_money(text: str, forms: list[str], decimal_comma: bool) -> str:
    """The README's number forms, by hand, in its order: accounting, currency, percent,
    thousands (no pattern shared with leadseg)."""
    if "money" in forms:
        forms = [*forms, "accounting", "currency", "thousands"]
    if "accounting" in forms and text[:1] == "(" and text[-1:] == ")":
        inner = text[1:-1]
        if "(" not in inner and ")" not in inner:
            text = "-" + inner.strip(" ")
    if "currency" in forms:
        text = _without_currency(text)
    if "percent" in forms and text.endswith("%") and _number_like(text[:-1].rstrip(" ")):
        text = text[:-1].rstrip(" ")
    if "thousands" in forms:
        point = "," if decimal_comma else "."
        for separator in ".' \u00a0\u202f" if decimal_comma else ",' \u00a0\u202f":
            if _grouped(text, separator, point):
                text = text.replace(separator, "")
                break
    return text


def _without_currency(text: str) -> str:
    names = sorted(_SYMBOLS + _CODES, key=len, reverse=True)
    sign = text[:1] if text[:1] in ("+", "-") else ""
    rest = text[len(sign) :].lstrip(" ")
    for name in names:
        if rest.startswith(name):
            after = rest[len(name) :].lstrip(" ")
            if _number_like(after):
                return sign + after
    for name in names:
        if text.endswith(name):
            before = text[: -len(name)].rstrip(" ")
            if _number_like(before):
                return before
    return text


def read_number(text: str, decimal_comma: bool) -> float | None:
    """The README's number grammar, by hand (no regular expression shared with leadseg)."""
    if decimal_comma:
        text = text.replace(",", ".")
    body = text[1:] if text[:1] in ("+", "-") else text
    mantissa, marker, exponent = body.replace("E", "e").partition("e")
    if marker:
        digits = exponent[1:] if exponent[:1] in ("+", "-") else exponent
        if not digits or not all(c in _DIGITS for c in digits):
            return None
    whole, _, fraction = mantissa.partition(".")
    if not whole and not fraction:
        return None
    if not all(c in _DIGITS for c in whole + fraction):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def _two(text: str) -> bool:
    return len(text) == 2 and all(c in _DIGITS for c in text)


def read_iso_date(text: str) -> date | None:
    day_part, rest = text[:10], text[10:]
    parts = day_part.split("-")
    if len(day_part) != 10 or len(parts) != 3 or [len(p) for p in parts] != [4, 2, 2]:
        return None
    if not all(c in _DIGITS for c in "".join(parts)):
        return None
    if rest and not _iso_time(rest):
        return None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def _iso_time(rest: str) -> bool:
    if rest[0] not in "T ":
        return False
    rest = rest[1:]
    zone = ""
    for word in ("UTC", "GMT", "utc", "gmt"):  # a zone word, after the time or one space
        at = rest.find(word)
        if at > 0:
            rest, zone = rest[:at], rest[at + len(word) :]
            if rest.endswith(" "):
                rest = rest[:-1]
            if zone and zone[0] not in "+-":
                return False
            break
    else:
        for i, c in enumerate(rest):
            if c in "Z+-":
                rest, zone = rest[:i], rest[i:]
                break
    pieces = rest.split(":")
    if len(pieces) not in (2, 3) or not _two(pieces[0]) or not _two(pieces[1]):
        return False
    if int(pieces[0]) > 23 or int(pieces[1]) > 59:
        return False
    if len(pieces) == 3:
        seconds, _, fraction = pieces[2].replace(",", ".").partition(".")
        if not _two(seconds) or int(seconds) > 60:
            return False
        if _ and (not fraction or not all(c in _DIGITS for c in fraction)):
            return False
    if zone and zone != "Z":
        sign_free = zone[1:].replace(":", "") if zone.count(":") <= 1 else "x"
        if zone[1:3] and ":" in zone and zone.index(":") != 3:
            return False
        if len(sign_free) not in (2, 4) or not all(c in _DIGITS for c in sign_free):
            return False
        if int(sign_free[:2]) > 23 or (len(sign_free) == 4 and int(sign_free[2:]) > 59):
            return False
    return True


def read_formatted_date(text: str, form: str) -> date | None:
    """A ``dates:`` format: each strftime code consumes its field (README table)."""
    fields: dict[str, Any] = {}
    pos = 0
    i = 0
    while i < len(form):
        if form[i] != "%":
            if pos >= len(text) or text[pos] != form[i]:
                return None
            pos, i = pos + 1, i + 1
            continue
        code = form[i + 1]
        i += 2
        if code in "YymdHIMSfj":
            widths = {"Y": (4, 4), "y": (2, 2), "M": (2, 2), "S": (2, 2), "f": (1, 9)}
            low, high = widths.get(code, (1, 2))
            end = pos
            while end < len(text) and end - pos < high and text[end] in _DIGITS:
                end += 1
            if end - pos < low:
                return None
            fields[code] = text[pos:end]
            pos = end
        elif code in "bBaA":
            end = pos
            while end < len(text) and text[end].isascii() and text[end].isalpha():
                end += 1
            word = text[pos:end].lower()
            names = MONTHS if code in "bB" else DAYS
            # %b and %a: the three-letter abbreviation; %B and %A: the full name or it.
            match = [n for n in names if word == n[:3] or (code in "BA" and word == n)]
            if not match:
                return None
            if code in "bB":
                fields["m"] = str(names.index(match[0]) + 1)
            pos = end
        elif code == "p":
            word = text[pos : pos + 2].lower()
            if word not in ("am", "pm"):
                return None
            fields["p"] = word
            pos += 2
        elif code == "z":
            zone = text[pos:].lstrip()
            if not (zone == "Z" or read_iso_date("2000-01-01T00:00" + zone)):
                return None
            pos = len(text)
        elif code == "%":
            if text[pos : pos + 1] != "%":
                return None
            pos += 1
    if pos != len(text):
        return None
    if "y" in fields:
        two = int(fields["y"])
        year = 2000 + two if two <= 69 else 1900 + two
    else:
        year = int(fields["Y"])
    if "I" in fields and not 1 <= int(fields["I"]) <= 12:
        return None
    if "H" in fields and int(fields["H"]) > 23:
        return None
    if int(fields.get("M", 0)) > 59 or int(fields.get("S", 0)) > 59:
        return None
    try:
        return date(year, int(fields["m"]), int(fields["d"]))
    except ValueError:
        return None


@dataclass
class Column:
    """How one compared column reads: its placeholders and date formats."""

    placeholders: list[str]
    date_formats: list[str]
    number_forms: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    rows: int
    members: dict[str, list[int]]
    unreadable: dict[str, list[int]] = field(default_factory=dict)  # column -> row indexes
    values: dict[str, int] = field(default_factory=dict)  # column -> readable + unreadable
    error: str | None = None  # "mostly-unreadable:<column>" when the run must stop
    row_numbers: list[int] = field(default_factory=list)  # spreadsheet row of each row

    def first_rows(self, column: str) -> list[int]:
        """Spreadsheet rows (header = 1) of the first five unreadable values."""
        return [self.row_numbers[i] for i in self.unreadable.get(column, [])[:5]]


class Oracle:
    def __init__(
        self,
        segment_yaml: str,
        header: list[str],
        *,
        as_of: date,
        decimal_comma: bool = False,
        date_formats: list[str] | None = None,
        score_field: str | None = None,
        normalise: bool = True,
    ) -> None:
        self.normalise = normalise  # False: the data's text is not NFC-normalised
        yaml = YAML(typ="safe", pure=True)
        yaml.version = (1, 2)
        data = yaml.load(io.StringIO(segment_yaml))
        self.segments = data["segments"]
        self.as_of = as_of
        self.decimal_comma = decimal_comma
        score = score_field or data.get("score_field")
        if score is None:
            folded = {_fold(h): h for h in reversed(header)}
            score = next((folded[_fold(n)] for n in SCORE_NAMES if _fold(n) in folded), None)
        self.score = score
        holders = data.get("placeholders") or {}
        self.placeholder_values = holders.get("values", DEFAULT_PLACEHOLDERS)
        self.placeholder_columns = holders.get("columns") or {}
        dates = data.get("dates") or {}
        self.date_formats = date_formats if date_formats is not None else dates.get("formats", [])
        self.date_columns = dates.get("columns") or {}
        numbers = data.get("numbers") or {}
        self.number_forms = numbers.get("forms") or []
        self.number_columns = numbers.get("columns") or {}
        # README "Scoring rules": score sheets and grades, columns beside the export's
        self.scores = {s["name"]: s for s in data.get("scores") or []}
        self.grades = {g["name"]: g for g in data.get("grades") or []}

    def column(self, name: str) -> Column:
        return Column(
            self.placeholder_columns.get(name, self.placeholder_values),
            self.date_columns.get(name, self.date_formats),
            self.number_columns.get(name, self.number_forms),
        )

    # -- reading values ---------------------------------------------------------------------
    def _placeholder(self, text: str, name: str) -> bool:
        return text.lower() in {trim(p).lower() for p in self.column(name).placeholders}

    def number(self, raw: str | None, name: str) -> tuple[float | None, bool]:
        """(value, unreadable)"""
        if is_blank(raw) or self._placeholder(trim(raw), name):
            return None, False
        text = read_money(trim(raw), self.column(name).number_forms, self.decimal_comma)
        value = read_number(text, self.decimal_comma)
        return value, value is None

    def date(self, raw: str | None, name: str) -> tuple[date | None, bool]:
        if is_blank(raw) or self._placeholder(trim(raw), name):
            return None, False
        text = trim(raw)
        for form in self.column(name).date_formats:
            found = read_formatted_date(text, form)
            if found is not None:
                return found, False
        found = read_iso_date(text)
        return found, found is None

    # -- evaluating -------------------------------------------------------------------------
    def run(
        self, rows: list[dict[str, str | None]], row_numbers: list[int] | None = None
    ) -> Outcome:
        """``row_numbers``: each row's spreadsheet row (default: no blank lines before it)."""
        by_name = {s["name"]: s for s in self.segments}
        cache: dict[tuple[str, int], bool] = {}
        compared: dict[str, str] = {}  # column -> "number" | "date"
        self._collect(compared)

        def member(name: str, i: int) -> bool:
            if (name, i) not in cache:
                seg = by_name[name]
                ok = self._segment(seg, rows[i], lambda n: member(n, i))
                if seg.get("parent"):
                    ok = ok and member(seg["parent"], i)
                cache[(name, i)] = ok
            return cache[(name, i)]

        members = {
            s["name"]: [i for i in range(len(rows)) if member(s["name"], i)] for s in self.segments
        }
        numbers = row_numbers or [i + 2 for i in range(len(rows))]
        outcome = Outcome(len(rows), members, row_numbers=numbers)
        for column, kind in compared.items():
            read = self.number if kind == "number" else self.date
            bad, good = [], 0
            for i, row in enumerate(rows):
                value, unreadable = read(row[column], column)
                if unreadable:
                    bad.append(i)
                elif value is not None:
                    good += 1
            if bad:
                outcome.unreadable[column] = bad
                outcome.values[column] = len(bad) + good
                if 2 * len(bad) > len(bad) + good and outcome.error is None:
                    outcome.error = f"mostly-unreadable:{column}"
        return outcome

    def _collect(self, compared: dict[str, str]) -> None:
        def visit(node: dict[str, Any]) -> None:
            for key, value in node.items():
                if key in ("score", "profile"):
                    kind = _kind_of(value)
                    name = value.get("field", self.score)
                    if kind in ("number", "date") and not self._computed(name):
                        compared.setdefault(name, kind)
                elif key in ("all", "any", "criteria"):
                    for child in value:
                        visit(child)
                elif key == "not":
                    visit(value)

        for seg in self.segments:
            visit(seg)
        for sheet in self.scores.values():
            for rule in self._rules(sheet):
                if "points_per" in rule:
                    if not self._computed(rule["field"]):
                        compared.setdefault(rule["field"], "number")
                else:
                    visit(rule)
            if "decay" in sheet:
                compared.setdefault(sheet["decay"]["field"], "date")

    def _segment(self, seg: dict[str, Any], row, member) -> bool:
        if "criteria" in seg:
            results = [self._criterion(c, row, member) for c in seg["criteria"]]
            return any(results) if seg.get("match") == "any" else all(results)
        key = next(
            k for k in seg if k in ("score", "profile", "all", "any", "not", "segment", "sample")
        )
        return self._criterion({key: seg[key]}, row, member)

    def _criterion(self, node: dict[str, Any], row, member) -> bool:
        ((key, value),) = node.items()
        if key == "all":
            return all(self._criterion(c, row, member) for c in value)
        if key == "any":
            return any(self._criterion(c, row, member) for c in value)
        if key == "not":
            return not self._criterion(value, row, member)
        if key == "segment":
            return member(value)
        if key == "sample":
            return self._sampled(value, row)
        return self._compare(value, row, member)

    def _sampled(self, spec: dict[str, Any], row) -> bool:
        """README: bucket = int(first 8 hex digits of md5("<seed>:<folded key>"), 16) %
        10000 / 100, in the sample when from <= bucket < to; a blank key never is."""
        import hashlib

        raw = row[spec["key"]]
        if is_blank(raw):
            return False
        digest = hashlib.md5(f"{spec['seed']}:{fold(raw, self.normalise)}".encode()).hexdigest()
        bucket = int(digest[:8], 16) % 10000
        return round(spec["from"] * 100) <= bucket < round(spec["to"] * 100)

    # -- scores (README "Scoring rules") ---------------------------------------------------
    def _computed(self, name: str | None) -> bool:
        return name in self.scores or name in self.grades

    @staticmethod
    def _rules(sheet: dict[str, Any]) -> list[dict[str, Any]]:
        return list(sheet.get("rules") or []) + [
            r for g in sheet.get("groups") or [] for r in g["rules"]
        ]

    def score_value(self, name: str, row, member) -> float:
        """Rules give points (a criterion that holds, or points_per times a number, nothing
        for a blank one, at most the rule's limit); a group's sum is at most its limit, the
        ungrouped rules first; the sum decays by 0.5 ** (days / half_life_days) (days before
        as_of, never below 0; no decay without a date); it is clamped to [min, limit] and
        rounded to hundredths, half away from zero."""
        sheet = self.scores[name]
        groups = ([{"rules": sheet["rules"]}] if sheet.get("rules") else []) + list(
            sheet.get("groups") or []
        )
        total = 0.0
        for group in groups:
            summed = 0.0
            for rule in group["rules"]:
                if "points_per" in rule:
                    value = self._number_of(rule["field"], row, member)
                    points = 0.0 if value is None else value * float(rule["points_per"])
                    if "limit" in rule and points > rule["limit"]:
                        points = float(rule["limit"])
                else:
                    (key,) = [k for k in rule if k not in ("name", "points")]
                    holds = self._criterion({key: rule[key]}, row, member)
                    points = float(rule["points"]) if holds else 0.0
                summed += points
            if "limit" in group and summed > group["limit"]:
                summed = float(group["limit"])
            total += summed
        if "decay" in sheet:
            decay = sheet["decay"]
            day, _ = self.date(row[decay["field"]], decay["field"])
            if day is not None:
                days = max(0, (self.as_of - day).days)
                rate = 1 / float(decay["half_life_days"])
                total = total * 0.5 ** (days * rate)
        if "limit" in sheet and total > sheet["limit"]:
            total = float(sheet["limit"])
        if total < float(sheet.get("min", 0)):
            total = float(sheet.get("min", 0))
        if abs(total) >= 1e13:  # past what hundredths of a double hold: kept as it is
            return total
        sign = -1.0 if total < 0 else (1.0 if total > 0 else 0.0)
        return sign * math.floor(abs(total) * 100 + 0.5) / 100 + 0.0

    def grade_label(self, name: str, row, member) -> str | None:
        grade = self.grades[name]
        value = self.score_value(grade["score"], row, member)
        for label, floor in grade["bands"].items():
            if value >= floor:
                return str(label)
        return None

    def _number_of(self, name: str, row, member) -> float | None:
        if name in self.scores:
            return self.score_value(name, row, member)
        value, _ = self.number(row[name], name)
        return value

    def _compare_computed(self, name: str, op: str, target: Any, row, member) -> bool:
        if name in self.grades:
            label = self.grade_label(name, row, member)
            if op == "is_blank":
                return (label is None) == target
            negated = {"is_not": "is", "not_in": "in", "not_contains": "contains"}
            if op in negated:
                return not self._compare_computed(name, negated[op], target, row, member)
            if label is None:
                return False
            text, needle = fold(label), target
            if op == "in":
                return text in {fold(str(t)) for t in needle}
            return {
                "is": text == fold(str(needle)),
                "contains": fold(str(needle)) in text,
                "starts_with": text.startswith(fold(str(needle))),
                "ends_with": text.endswith(fold(str(needle))),
            }[op]
        value = self.score_value(name, row, member)
        if op in ("is_not", "not_in"):
            positive = "is" if op == "is_not" else "in"
            return not self._compare_computed(name, positive, target, row, member)
        if op == "between":
            return float(target[0]) <= value <= float(target[1])
        if op == "in":
            return value in {float(t) for t in target}
        goal = float(target)
        return {"at_least": value >= goal, "at_most": value <= goal, "is": value == goal}[op]

    def _compare(self, spec: dict[str, Any], row, member=None) -> bool:
        name = spec.get("field", self.score)
        ((op, target),) = [(k, v) for k, v in spec.items() if k != "field"]
        if self._computed(name):
            return self._compare_computed(name, op, target, row, member)
        raw = row[name]
        if op in ("is_not", "not_in", "not_contains"):
            return not self._compare(
                {"field": name, op[4:] if op != "is_not" else "is": target}, row, member
            )
        if op == "is_blank":
            return is_blank(raw) == target
        kind = _kind_of({op: target})
        if kind == "text":
            if is_blank(raw):
                return False
            text = fold(raw, self.normalise)
            if op == "is":
                return text == fold(str(target))
            if op == "in":
                return text in {fold(str(t)) for t in target}
            needle = fold(str(target))
            return {
                "contains": needle in text,
                "starts_with": text.startswith(needle),
                "ends_with": text.endswith(needle),
            }[op]
        if kind == "number":
            value, _ = self.number(raw, name)
        else:
            value, _ = self.date(raw, name)
        if value is None:
            return False
        if op in ("in_last_days", "more_than_days_ago"):
            start = self.as_of - timedelta(days=target)
            return start <= value <= self.as_of if op == "in_last_days" else value < start
        convert = float if kind == "number" else _as_date
        if op == "between":
            low, high = (convert(t) for t in target)
            return low <= value <= high
        if op == "in":
            return value in {convert(t) for t in target}
        goal = convert(target)
        return {
            "at_least": value >= goal,
            "at_most": value <= goal,
            "is": value == goal,
            "before": value < goal,
            "after": value > goal,
        }[op]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value).strip())


def _kind_of(spec: dict[str, Any]) -> str:
    ((op, target),) = [(k, v) for k, v in spec.items() if k != "field"]
    op = {"is_not": "is", "not_in": "in", "not_contains": "contains"}.get(op, op)
    if op == "is_blank":
        return "blank"
    if op in ("contains", "starts_with", "ends_with"):
        return "text"
    if op in ("before", "after", "in_last_days", "more_than_days_ago"):
        return "date"
    sample = target[0] if isinstance(target, list) else target
    if isinstance(sample, (int, float)) and not isinstance(sample, bool):
        return "number"
    if op in ("at_least", "at_most", "between"):
        return "date"
    return "text"


def _fold(name: str) -> str:
    return re.sub(r"[\s\-_]+", "", name).casefold()


def read_csv_rows(
    text: str, delimiter: str = ","
) -> tuple[list[str], list[dict[str, str | None]], list[int]]:
    """Rows as the README says leadseg reads them: blank lines and rows whose every field is
    empty skipped (but counted in row numbers, as a spreadsheet does), empty fields missing.
    Returns the header, the rows and each row's spreadsheet row number."""
    import csv

    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = records[0]
    rows, numbers = [], []
    for number, record in enumerate(records[1:], start=2):
        if any(record):
            rows.append(dict(zip(header, (v if v != "" else None for v in record), strict=True)))
            numbers.append(number)
    return header, rows, numbers
