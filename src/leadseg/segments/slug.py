"""The one rule that turns a segment name into a file name.

1. Unicode NFKD, accents dropped (``Café`` and ``Café`` both become ``cafe``);
2. lower-cased;
3. every run of characters other than ``a-z`` and ``0-9`` becomes one ``-``;
4. ``-`` trimmed from both ends, cut to 64 characters;
5. a Windows device name (``con``, ``nul``, ``com1`` ...) gets ``-segment`` appended.

So a slug is never empty of meaning, never hidden (no leading dot), never a path and never
reserved; two names with one slug are reported as a collision.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 64
RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(10)}
_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """File-name stem for a segment name; ``""`` when the name has no letter or digit."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = _NON_WORD.sub("-", ascii_text.lower()).strip("-")
    slug = slug[:MAX_LENGTH].rstrip("-")
    if slug in RESERVED:
        slug += "-segment"
    return slug
