"""Text as it may be printed to a terminal or a line-based pipe.

Names and values come from exports and segment files that anyone may have written: an ESC
sequence in a header could retitle or clear the user's terminal, a tab or newline in a
segment name could forge an extra line of ``name<TAB>count`` output, a bidi override could
reorder a message. Every such character is shown escaped (``\\x1b``, ``\\t``, ``\\u202e``).
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPED_CATEGORIES = ("Cc", "Cf", "Zl", "Zp", "Cs")


def printable(text: str) -> str:
    """``text`` with control, format and separator characters escaped."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if unicodedata.category(char) in _ESCAPED_CATEGORIES:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def share(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole`` with one decimal (``-`` for nothing)."""
    return f"{part / whole:.1%}" if whole else "-"


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_ .()/&+-]*")


def yaml_key(name: str) -> str:
    """A column name as a segment file's YAML reads it back in a hint's flow mapping
    (``{columns: {NAME: [...]}}``): plain when it can be, else quoted (JSON is YAML)."""
    import json

    if _PLAIN_KEY.fullmatch(name) and name == name.strip() and name[-1:] not in ".-":
        return name
    return json.dumps(name, ensure_ascii=False)
