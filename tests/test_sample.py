"""The ``sample`` criterion beyond the semantics case (tests/cases/sample.yaml): NFC on every
engine, stable buckets, the split's proportions, and validate's warnings on parts that
overlap or leave a gap."""

from __future__ import annotations

import hashlib

import pytest

import leadseg

SPLIT = """segments:
  - name: all
    score: {at_least: 0}
  - name: a
    parent: all
    sample: {key: Email, seed: 7, from: 0, to: 50}
  - name: b
    parent: all
    sample: {key: Email, seed: 7, from: 50, to: 100}
"""


def test_decomposed_and_composed_keys_share_a_bucket(tmp_path, every_engine):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\nCafe\u0301@x.fr,1\nCAF\u00c9@X.FR ,2\n", encoding="utf-8")
    segments = leadseg.parse_segments(SPLIT)
    result = leadseg.count_segments(export, segments, leadseg.RunOptions(engine=every_engine))
    counts = {s.name: s.count for s in result.segments}
    bucket = int(hashlib.md5("7:caf\u00e9@x.fr".encode()).hexdigest()[:8], 16) % 10000
    assert counts == ({"all": 2, "a": 2, "b": 0} if bucket < 5000 else {"all": 2, "a": 0, "b": 2})


def test_a_split_is_a_partition_in_proportion(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text(
        "Email,Score\n" + "".join(f"user{i}@example.com,{i % 100}\n" for i in range(20_000)),
        encoding="utf-8",
    )
    result = leadseg.count_segments(export, leadseg.parse_segments(SPLIT))
    counts = {s.name: s.count for s in result.segments}
    assert counts["a"] + counts["b"] == counts["all"] == 20_000
    assert 9_700 < counts["a"] < 10_300  # md5 spreads keys evenly (4 sigma)


@pytest.mark.parametrize(
    "parts, warned",
    [
        ([(0, 50), (50, 100)], []),
        ([(0, 60), (50, 100)], ["overlap"]),
        ([(0, 40), (50, 100)], ["gap"]),
        ([(0, 10)], []),
    ],
)
def test_validate_warns_of_overlapping_or_gapped_parts(cli, tmp_path, parts, warned):
    lines = ["segments:", "  - name: all", "    score: {at_least: 0}"]
    for i, (low, high) in enumerate(parts):
        lines += [f"  - name: part {i}", "    parent: all",
                  f"    sample: {{key: Email, seed: 3, from: {low}, to: {high}}}"]  # fmt: skip
    path = tmp_path / "s.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("validate", path)
    assert result.exit_code == 0
    said = " ".join(line.split("seed 3")[-1] for line in result.stderr.splitlines())
    for word in ("overlap", "gap"):
        assert (word in said) == (word in warned), result.stderr


@pytest.mark.parametrize(
    "sample, message",
    [
        ("{key: Email, seed: 7, from: 50, to: 50}", "must be below"),
        ("{key: Email, seed: 7, from: 0, to: 101}", "from 0 to 100"),
        ("{key: Email, seed: 7, from: 0.001, to: 1}", "two decimals"),
        ("{key: Email, seed: x, from: 0, to: 1}", "seed"),
        ("{key: Email, from: 0, to: 1}", "seed"),
    ],
)
def test_a_bad_sample_is_a_located_error(cli, tmp_path, sample, message):
    path = tmp_path / "s.yaml"
    path.write_text(f"segments:\n  - name: a\n    sample: {sample}\n", encoding="utf-8")
    result = cli("validate", path)
    assert result.exit_code == 78 and message in result.stderr and "s.yaml:3" in result.stderr
