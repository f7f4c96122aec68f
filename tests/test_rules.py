"""The rules module's data agrees with Python's own Unicode tables."""

from __future__ import annotations

import sys
import unicodedata

import polars as pl

from leadseg.rules import NFC_SENSITIVE, WHITESPACE


def test_every_character_nfc_may_change_is_listed():
    sensitive = set()
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if unicodedata.combining(char) or unicodedata.normalize("NFC", char) != char:
            sensitive.add(char)
        decomposition = unicodedata.decomposition(char)
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:  # the second of a pair can combine with what precedes it
                sensitive.add(chr(int(parts[1], 16)))
    found = pl.Series(sorted(sensitive)).str.contains(NFC_SENSITIVE)
    missing = [hex(ord(c)) for c, hit in zip(sorted(sensitive), found, strict=True) if not hit]
    assert missing == []
    assert not pl.Series(["Café", "abc", "Straße", "ΟΔΟΣ"]).str.contains(NFC_SENSITIVE).any()


def test_whitespace_is_unicode_white_space_and_polars_strips_exactly_it():
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c) in WHITESPACE]
    assert len(spaces) == len(WHITESPACE) == 25
    others = ["\x1c", "\x1d", "\x1e", "\x1f", "\u200b", "\ufeff"]  # str.isspace, or not
    values = pl.Series([f"{s}x{s}" for s in spaces + others])
    stripped = values.str.strip_chars().to_list()
    assert stripped[: len(spaces)] == ["x"] * len(spaces)
    assert stripped[len(spaces) :] == [f"{s}x{s}" for s in others]
