"""The rules of meaning, written once as data: what is blank, what reads as a number, what
reads as a date. Every engine compiles these; none restates them.

- **Blank**: missing, empty, or only characters of ``WHITESPACE`` (Unicode White_Space).
- **Number**: ``NUMBER`` (ASCII digits, optional sign, decimal point, exponent), and finite
  (``1e999``, ``nan`` and ``inf`` are unreadable). With a decimal comma, ``NUMBER_DECIMAL_COMMA``.
- **Date**: ``ISO_DATE`` -- ``YYYY-MM-DD``, optionally followed by ``T`` or a space and a time
  ``HH:MM[:SS[.fraction]]`` with an optional zone (``Z``, ``+02:00``, `` UTC``,
  `` GMT+02``). The zone never moves the date: the date as written is used. A date must
  exist (``2026-02-30`` is unreadable).
  Other forms only through a ``dates:`` format (strftime codes, see ``DateFormat``), whose
  shape is checked by an anchored regular expression built from the format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Unicode White_Space: what str.strip-like trimming removes before any comparison.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
NUMBER_DECIMAL_COMMA = r"^[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?$"

# Number forms money tools write, read only where the segment file (``numbers:``) or
# ``--numbers`` names them; applied to the trimmed text in this order, each only to text of
# its shape, before the number grammar. The patterns are portable (POSIX classes, plain
# groups, no backreference) so every SQL dialect runs them as written.
NUMBER_FORMS = ("accounting", "currency", "percent", "thousands")
NUMBER_FORM_SETS = {"money": ("accounting", "currency", "thousands")}
_CURRENCY_SYMBOLS = "$€£¥₹₩₽₺"
_CURRENCY_CODES = (
    "R$", "US$", "USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK", "PLN",
    "INR",
)  # fmt: skip
CURRENCY = (
    f"([{_CURRENCY_SYMBOLS}]|" + "|".join(c.replace("$", "[$]") for c in _CURRENCY_CODES) + ")"
)
# every character a currency symbol or code is written with
CURRENCY_CHARS = "".join(dict.fromkeys(_CURRENCY_SYMBOLS + "".join(_CURRENCY_CODES)))
_GROUP_MARKS = ",' \u00a0\u202f"  # thousands separators with a decimal point
_GROUP_MARKS_COMMA = ".' \u00a0\u202f"  # with a decimal comma


@dataclass(frozen=True)
class NumberStep:
    """One form: text matching ``shape`` is rewritten. ``negate``: its first and last
    characters (the parentheses) are cut and a minus put before it; else the first match of
    ``cut`` is removed, and every character of ``drop``."""

    form: str
    shape: str
    cut: str = ""
    drop: str = ""
    negate: bool = False


def number_steps(forms: tuple[str, ...], *, decimal_comma: bool = False) -> list[NumberStep]:
    """The steps that read ``forms`` (in ``NUMBER_FORMS`` order)."""
    # digits with the marks a number may hold: the shapes admit one symbol (or %) only, so
    # cutting its first match (most dialects) or every match (Spark) is the same
    digits = "[0-9.,' \u00a0\u202f]*[0-9][0-9.,' \u00a0\u202f]*"
    steps = {
        "accounting": NumberStep("accounting", r"^[(][^()]*[)]$", negate=True),
        "currency": NumberStep(
            "currency",
            rf"^[+-]? *{CURRENCY} *[+-]?{digits}$|^[+-]?{digits} *{CURRENCY}$",
            cut=rf" *{CURRENCY} *",
        ),
        "percent": NumberStep("percent", rf"^[+-]?{digits} *%$", cut=" *%$"),
    }
    marks = _GROUP_MARKS_COMMA if decimal_comma else _GROUP_MARKS
    point = "[,]" if decimal_comma else "[.]"
    # one separator throughout, in groups of three: 1,234,567.5 (never 1,23 or 1.234,5,6)
    grouped = "|".join(rf"^[+-]?[0-9]{{1,3}}([{m}][0-9]{{3}})+({point}[0-9]*)?$" for m in marks)
    steps["thousands"] = NumberStep("thousands", grouped, drop=marks)
    return [steps[form] for form in NUMBER_FORMS if form in forms]


@dataclass(frozen=True)
class NumberLane:
    """A quick way to the steps' result for the shapes money is mostly written in
    (``1,234.50``, ``$1,234``, ``1.234,50 €``, ``1234``): text matching ``shape`` reads as
    the steps read it once every character of ``trim`` is cut from its two ends and every
    ``drop`` removed -- two plain string operations instead of a regular expression's
    rewrite per step. An engine may read those values so and the rest by the steps: the
    result is the same (``apply_number_lane`` against ``apply_number_steps``, tested)."""

    shape: str
    trim: str = ""
    drop: str = ""


def number_lane(forms: tuple[str, ...], *, decimal_comma: bool = False) -> NumberLane | None:
    """The quick lane for ``forms``: unsigned digits, grouped in threes by the one
    separator that goes with the decimal mark (where ``thousands`` is named), with a
    currency before or after them (where ``currency`` is). None when neither is named."""
    if "currency" not in forms and "thousands" not in forms:
        return None
    point, mark = ("[,]", ".") if decimal_comma else ("[.]", ",")
    digits = f"[0-9]+({point}[0-9]*)?"
    if "thousands" in forms:
        digits += f"|[0-9]{{1,3}}([{mark}][0-9]{{3}})+({point}[0-9]*)?"
    if "currency" not in forms:
        return NumberLane(f"^({digits})$", drop=mark)
    shape = f"^({CURRENCY} *)?({digits})$|^({digits}) *{CURRENCY}$"
    return NumberLane(shape, trim=CURRENCY_CHARS + " ", drop=mark if "thousands" in forms else "")


def apply_number_lane(text: str, lane: NumberLane) -> str | None:
    """The lane applied to one value, in Python; None when the value is not of its shape."""
    if re.search(lane.shape, text) is None:
        return None
    text = text.strip(lane.trim) if lane.trim else text
    return text.translate({ord(c): None for c in lane.drop})


def apply_number_steps(text: str, steps: list[NumberStep]) -> str:
    """The steps applied to one value, in Python: the reference for the engines' compiled
    steps (the describe hint uses it to say which form reads a value)."""
    for step in steps:
        if re.search(step.shape, text) is None:
            continue
        if step.negate:
            text = "-" + text[1:-1].strip(" ")
        else:
            if step.cut:
                text = re.sub(step.cut, "", text, count=1)
            text = text.translate({ord(c): None for c in step.drop})
    return text


_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::(?:[0-5][0-9]|60)(?:[.,][0-9]+)?)?"
_OFFSET = r"[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?"
# A zone after a time: Z, an offset, or a zone word (UTC, GMT: Pardot, BigQuery), after one
# optional space and with an optional offset after it (GMT+02:00). It never moves the date.
ZONE = rf"(?:Z|{_OFFSET}| ?(?:UTC|GMT|utc|gmt)(?:{_OFFSET})?)"
ISO_DATE = rf"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}(?:[T ]{_TIME}{ZONE}?)?$"
ISO_FORMAT = "%Y-%m-%d"

# strftime codes a ``dates:`` format may use, and the text each matches.
DATE_CODES: dict[str, str] = {
    "Y": r"[0-9]{4}",
    "y": r"[0-9]{2}",
    "m": r"[0-9]{1,2}",
    "d": r"[0-9]{1,2}",
    "b": r"[A-Za-z]{3}",
    "B": r"[A-Za-z]{3,9}",
    "a": r"[A-Za-z]{3}",
    "A": r"[A-Za-z]{6,9}",
    "H": r"[0-9]{1,2}",
    "I": r"[0-9]{1,2}",
    "M": r"[0-9]{2}",
    "S": r"[0-9]{2}",
    "f": r"[0-9]{1,9}",
    "p": r"(?:[AaPp][Mm])",
    "z": ZONE,
    "%": "%",
}
_TIME_CODES = set("HIMSfp")
_REGEX_META = set("\\.^$|?*+()[]{}#&~-")  # escaped the same way by Rust and Python regex

# Forms that real exports write, tried on unreadable values to suggest a ``dates:`` format.
COMMON_DATE_FORMATS = (
    "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%m-%d-%Y", "%d-%m-%Y", "%m/%d/%y",
    "%d/%m/%y", "%d.%m.%y", "%d %b %Y", "%b %d %Y", "%b %d, %Y", "%B %d, %Y", "%d %B %Y",
    "%d-%b-%Y", "%Y%m%d",
)  # fmt: skip
COMMON_TIMES = (
    "", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", " %H:%M %z", " %H:%M:%S %z",
    " %I:%M %p %z", " %I:%M:%S %p %z",
)  # fmt: skip


@dataclass(frozen=True)
class DateFormat:
    """A strftime format as leadseg reads it: ``pattern`` is the anchored regular expression
    a value must match; ``parse_format`` parses it (a trailing ``%z`` is dropped, with the
    zone cut from the value, so the date as written is used)."""

    text: str
    pattern: str
    parse_format: str
    has_time: bool
    zone_suffix: bool

    @classmethod
    def parse(cls, text: str) -> DateFormat:
        """Raise ``ValueError`` (with a message for the user) for an unusable format."""
        pieces: list[str] = []
        codes: list[str] = []
        for kind, value in _tokens(text):
            if kind == "literal":
                pieces.append(escape_regex(value))
                continue
            if value not in DATE_CODES:
                shown = "%" + value if value else "a lone %"
                raise ValueError(
                    f"unsupported code {shown!r}; use " + " ".join(f"%{c}" for c in DATE_CODES)
                )
            pieces.append(DATE_CODES[value])
            codes.append(value)
        has_year = "Y" in codes or "y" in codes
        has_month = any(c in codes for c in "mbB")
        if not (has_year and has_month and "d" in codes):
            raise ValueError("needs a year (%Y or %y), a month (%m, %b or %B) and a day (%d)")
        if "z" in codes and not text.endswith("%z"):
            raise ValueError("%z may only stand at the end of a format")
        zone = text.endswith("%z")
        parse_format = text.removesuffix("%z").rstrip() if zone else text
        return cls(
            text=text,
            pattern="^" + "".join(pieces) + "$",
            parse_format=parse_format,
            has_time=bool(_TIME_CODES & set(codes)),
            zone_suffix=zone,
        )


# Values of the codes that make a real date and time, for engines whose parser stops the
# whole query on an impossible date (Postgres' TO_DATE): four cases of month and day, so
# that 31 April or 29 February 2027 never reach the parser.
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                "dec")  # fmt: skip
_FULL_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december")  # fmt: skip
_LEAP_YEAR = r"([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)"
_LEAP_YY = r"(0[048]|[2468][048]|[13579][26])"
_CALENDAR_CASES = (  # (months, day pattern, leap years only)
    (range(1, 13), r"(0?[1-9]|1[0-9]|2[0-8])", False),
    ((1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), r"(29|30)", False),
    ((1, 3, 5, 7, 8, 10, 12), r"31", False),
    ((2,), r"29", True),
)
_TIME_VALUES = {
    "H": r"([01]?[0-9]|2[0-3])", "I": r"(0?[1-9]|1[0-2])", "M": r"[0-5][0-9]",
    "S": r"[0-5][0-9]",
}  # fmt: skip


def _month_pattern(code: str, months: Any) -> str:
    """``%m`` digits; ``%b`` abbreviations; ``%B`` full names only (SQL parsers read full
    names with their %B and abbreviations with %b, so a %B format is compiled twice)."""
    if code == "m":
        return "(" + "|".join(f"0?{m}" if m < 10 else str(m) for m in months) + ")"
    if code == "B":
        names = [_FULL_NAMES[m - 1] for m in months]
    else:
        names = [_MONTH_NAMES[m - 1] for m in months]
    spelled = ["".join(f"[{c}{c.upper()}]" for c in name) for name in names]
    return "(" + "|".join(spelled) + ")"


def calendar_pattern(form: DateFormat) -> str:
    """``form``'s pattern narrowed to dates that exist and times that do."""
    tokens = _tokens(form.text)
    cases = []
    for months, day, leap in _CALENDAR_CASES:
        pieces = []
        for kind, value in tokens:
            if kind == "literal":
                pieces.append(escape_regex(value))
            elif value in "mbB":
                pieces.append(_month_pattern(value, months))
            elif value == "d":
                pieces.append(day)
            elif value in "Yy" and leap:
                pieces.append(_LEAP_YEAR if value == "Y" else _LEAP_YY)
            else:
                pieces.append(_TIME_VALUES.get(value, DATE_CODES[value]))
        cases.append("".join(pieces))
    return "^(" + "|".join(cases) + ")$"


def _tokens(text: str) -> list[tuple[str, str]]:
    """A format as ("code", letter) and ("literal", character) tokens; a lone ``%`` at the
    end is the code ``""``."""
    tokens, i = [], 0
    while i < len(text):
        if text[i] == "%":
            tokens.append(("code", text[i + 1 : i + 2]))
            i += 2
        else:
            tokens.append(("literal", text[i]))
            i += 1
    return tokens


def escape_regex(char: str) -> str:
    """One character as a pattern matching itself, alike in Rust, Python and SQL regexes."""
    return "\\" + char if char in _REGEX_META else char


ZONE_SUFFIX = rf" *{ZONE}$"  # cut from a value before parsing a format ending in %z

# Text comparisons fold both sides the same way: trimmed of WHITESPACE, Unicode NFC (so a
# decomposed "Cafe\u0301" is the precomposed "Café"), lower-cased by Unicode's default
# mapping (Python's str.lower and Polars' to_lowercase use the same tables, final sigma
# included), and the two Greek sigmas are one letter (so "ΟΔΟΣ" is a prefix of
# "ΟΔΟΣΤΡΩΜΑ", whose middle Σ lower-cases to σ, not ς).
FINAL_SIGMA, SIGMA = "\u03c2", "\u03c3"
# The one letter whose lower case is two characters (Unicode's SpecialCasing, Python's
# str.lower): capital I with dot above is i + combining dot above. SQL engines that lower
# it to a plain i (DuckDB, PostgreSQL) get it spelled out first.
DOTTED_CAPITAL_I, DOTTED_I = "\u0130", "i\u0307"
SIGMAS = (FINAL_SIGMA, SIGMA)

# Characters that NFC may change or combine with what precedes them: marks, Hangul vowel
# and final jamo, and the characters NFC maps to others (NFC_Quick_Check is not Yes). Text
# without any of them is already NFC, so engines normalise a column only when a value holds
# one (tests/test_rules.py checks the list against Python's unicodedata).
NFC_SENSITIVE = (
    r"[\p{M}\u1161-\u1175\u11a8-\u11c2\u0374\u037e\u0387\u0958-\u095f\u09dc-\u09dd\u09df"
    r"\u0a33\u0a36\u0a59-\u0a5b\u0a5e\u0b5c-\u0b5d\u0f43\u0f4d\u0f52\u0f57\u0f5c\u0f69"
    r"\u1f71-\u1f7d\u1fbb\u1fbe\u1fc9-\u1fcb\u1fd3\u1fdb\u1fe3\u1feb\u1fee-\u1fef"
    r"\u1ff9-\u1ffd\u2000-\u2001\u2126\u212a-\u212b\u2329-\u232a\u2adc\uf900-\ufad9"
    r"\ufb1d-\ufb4e\U0001d15e-\U0001d164\U0001d1bb-\U0001d1c0\U0002f800-\U0002fa1d]"
)


def fold_text(text: str) -> str:
    """A literal of the segment file as text comparisons see it (the sigmas are matched as
    one letter by the engines)."""
    import unicodedata

    return unicodedata.normalize("NFC", text.strip(WHITESPACE)).lower()


def could_read_as_number(text: str, forms: tuple[str, ...] = ()) -> bool:
    """Whether ``text`` (a placeholder) could read as a number in some run: with the number
    ``forms`` read, with a decimal point or comma (its check before the number reading)."""
    stripped = text.strip(WHITESPACE)
    if not any(c in "0123456789" for c in stripped):  # every number holds a digit
        return False
    return any(
        is_number(apply_number_steps(stripped, number_steps(forms, decimal_comma=comma)),
                  decimal_comma=comma)
        for comma in (False, True)
    )  # fmt: skip


def is_number(text: str, *, decimal_comma: bool = False) -> bool:
    """Whether trimmed ``text`` reads as a finite number (used on placeholder lists)."""
    import math

    stripped = text.strip(WHITESPACE)
    if not re.match(NUMBER_DECIMAL_COMMA if decimal_comma else NUMBER, stripped):
        return False
    return math.isfinite(float(stripped.replace(",", ".")))


# The ``sample`` criterion: a contact's bucket is
#   int(first 8 hex digits of md5("<seed>:<key>"), 16) % SAMPLE_BUCKETS
# in hundredths of a percent (0 to 9999), where <key> is the key column folded as text
# comparisons fold it (trimmed, NFC, lower-cased) with a final sigma as sigma, UTF-8; it is
# in the sample when from <= bucket/100 < to. A blank key is in no sample.
SAMPLE_BUCKETS = 10_000


def sample_bucket(seed: int, folded_key: str) -> int:
    """The bucket (0 to 9999) of a folded key: the definition every engine computes."""
    import hashlib

    digest = hashlib.md5(f"{seed}:{folded_key}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) % SAMPLE_BUCKETS
