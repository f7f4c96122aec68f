"""Which encoding a file that is not UTF-8 is in, for the hint of the error that says so.

The guess comes from charset-normalizer (a language-aware detector), over the lines of the
file's first megabyte that hold non-ASCII bytes; among guesses as good as the best, cp1252
(Excel on Windows) comes first. A guess that reads those bytes as anything but letters is
not offered: a hint must never lead to mojibake. (The hint names no value of the file.)
"""

from __future__ import annotations

from pathlib import Path

_SAMPLE = 1 << 20
_ENOUGH = 64 << 10
_COMMON = ("cp125", "iso8859", "koi8", "cp932", "cp949", "shift_jis", "euc", "gb", "big5")
GENERIC = (
    "the file is not UTF-8: name its encoding with --encoding (e.g. cp1252 for Excel on Windows)"
)


def non_ascii_sample(path: Path) -> bytes:
    """The lines of the file's first megabyte that hold a non-ASCII byte (at most 64 KiB)."""
    with open(path, "rb") as handle:
        head = handle.read(_SAMPLE)
    picked, size = [], 0
    for line in head.splitlines():
        if any(b >= 0x80 for b in line):
            picked.append(line)
            size += len(line)
            if size >= _ENOUGH:
                break
    return b"\n".join(picked)


def guess(sample: bytes) -> str | None:
    """The encoding of a sample that is not UTF-8, when the detector finds one that reads
    its non-ASCII bytes as letters."""
    try:
        import charset_normalizer
    except ImportError:  # pragma: no cover - a core dependency
        return None
    matches = [m for m in charset_normalizer.from_bytes(sample) if m.encoding.startswith(_COMMON)]
    if matches and matches[0].encoding in ("utf_8", "ascii"):
        return None
    # Among guesses as good as the best, the one Excel on Windows writes comes first; with
    # no language to go by (a few bytes), it is the first guess.
    top = [m for m in matches if m.chaos <= matches[0].chaos + 0.01]
    names = [m.encoding for m in sorted(top, key=lambda m: m.encoding != "cp1252")]
    names += [m.encoding for m in matches[len(top) :]]
    if not matches or matches[0].coherence == 0:  # no language evidence: one-byte codes
        names = ["cp1252"] + [n for n in names if n.startswith(("cp125", "iso8859", "koi8"))]
    for encoding in names:
        name = encoding.replace("_", "-")
        try:
            text = sample.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
        if _reads_letters(text):
            break
    else:
        return None
    return name


def _reads_letters(text: str) -> bool:
    """Non-ASCII characters that are letters -- and, when they are Latin ones, a minority
    within their words (Greek or Cyrillic bytes read as Latin-1 make words of accented
    letters only: 'Ëåùíéäáò')."""
    import unicodedata

    foreign = [c for c in text if ord(c) >= 0x80]
    if not foreign or sum(c.isalpha() for c in foreign) < 0.97 * len(foreign):
        return False
    if not all(unicodedata.name(c, "").startswith("LATIN") for c in foreign if c.isalpha()):
        return True
    words = [w for w in text.replace(",", " ").replace(";", " ").split() if not w.isascii()]
    letters = [c for w in words for c in w if c.isalpha()]
    return sum(ord(c) >= 0x80 for c in letters) < 0.5 * len(letters)


def encoding_hint(path: Path | None) -> str:
    """The hint of an invalid-UTF-8 error: the encoding that reads the file, if one does."""
    if path is None:
        return GENERIC
    try:
        found = guess(non_ascii_sample(path))
    except OSError:
        found = None
    if found is None:
        return GENERIC
    return f"the file reads as {found} (its other bytes as letters): try --encoding {found}"
