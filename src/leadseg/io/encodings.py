"""Which encoding a file that is not UTF-8 is in, for the hint of the error that says so.

The guess comes from charset-normalizer (a language-aware detector), over the lines of the
file's first megabyte that hold non-ASCII bytes, and is shown with a word it reads, so the
analyst can see it is right. A guess that reads those bytes as anything but letters is not
offered: a hint must never lead to mojibake.
"""

from __future__ import annotations

from pathlib import Path

_SAMPLE = 1 << 20
_ENOUGH = 64 << 10
_COMMON = ("cp125", "iso8859", "koi8", "cp932", "cp949", "shift_jis", "euc", "gb", "big5")
GENERIC = "the file is not UTF-8: name its encoding with --encoding (e.g. cp1252 for Excel on Windows)"


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


def guess(sample: bytes) -> tuple[str, str] | None:
    """(encoding, a word it reads) for a sample that is not UTF-8, when the detector finds
    an encoding that reads its non-ASCII bytes as letters."""
    try:
        import charset_normalizer
    except ImportError:  # pragma: no cover - a core dependency
        return None
    matches = [
        m for m in charset_normalizer.from_bytes(sample) if m.encoding.startswith(_COMMON)
    ]
    if not matches or matches[0].encoding in ("utf_8", "ascii"):
        return None
    # Among equally good guesses, the one Excel on Windows writes comes first.
    top = [m for m in matches if (m.chaos, m.coherence) == (matches[0].chaos, matches[0].coherence)]
    matches = sorted(top, key=lambda m: m.encoding != "cp1252") + matches[len(top) :]
    for match in matches:
        name = match.encoding.replace("_", "-")
        try:
            text = sample.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
        foreign = [c for c in text if ord(c) >= 0x80]
        if foreign and sum(c.isalpha() for c in foreign) >= 0.97 * len(foreign):
            break
    else:
        return None
    words = [w for w in text.replace(",", " ").replace(";", " ").split() if not w.isascii()]
    word = next((w for w in words if w.strip('"').isalpha()), words[0] if words else "")
    return name, word.strip('"')[:40]


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
    name, word = found
    return f"the file looks like {name} (it reads {word!r} that way): try --encoding {name}"
