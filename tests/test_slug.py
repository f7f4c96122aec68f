"""The one file-name rule for segment names."""

from __future__ import annotations

import unicodedata

import pytest

from leadseg.segments.slug import MAX_LENGTH, slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Hot leads", "hot-leads"),
        ("Sales-ready, not in Norway", "sales-ready-not-in-norway"),
        ("../x", "x"),
        ("/etc/passwd", "etc-passwd"),
        ("..\\x", "x"),
        (".hidden", "hidden"),
        ("CON", "con-segment"),
        ("com1", "com1-segment"),
        ("nul", "nul-segment"),
        ("a\x00b\x07c", "a-b-c"),
        ("Score ≥ 60", "score-60"),
        ("VIP", "vip"),
        ("ＶＩＰ", "vip"),
        ("热门", ""),
    ],
)
def test_slug_rule(name, slug):
    assert slugify(name) == slug


def test_composed_and_decomposed_accents_give_one_slug():
    nfc = unicodedata.normalize("NFC", "Café")
    nfd = unicodedata.normalize("NFD", "Café")
    assert nfc != nfd
    assert slugify(nfc) == slugify(nfd) == "cafe"


def test_long_names_are_cut_without_a_trailing_dash():
    slug = slugify("a" * 63 + " b" * 100)
    assert len(slug) <= MAX_LENGTH and not slug.endswith("-")
