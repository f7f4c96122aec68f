"""Codes that mean "no value" (issue #19): describe flags a number column where one value
holds a large share and sits apart from the rest, with the placeholder line that treats it as
blank; validate --export warns when a segment compares such a column without one."""

from __future__ import annotations

import json

import pytest

from leadseg.analysis.figures import Counted


@pytest.mark.parametrize(
    ("pairs", "code"),
    [
        ([(-1, 3705), (1, 20), (90, 400), (871, 396)], -1),  # pdays: -1 = never contacted
        ([(999, 500), (0, 100), (12, 200), (30, 200)], 999),
        ([(9999, 500), (1, 300), (40, 400)], 9999),
        ([(0, 500), (80, 100), (95, 200), (100, 200)], 0),  # 0 far below every real score
    ],
)
def test_a_value_apart_from_the_rest_is_a_code(pairs, code):
    found = Counted.of(pairs).no_value_code()
    assert found is not None and found[0] == code


@pytest.mark.parametrize(
    "pairs",
    [
        [(0, 91), (3, 4), (10, 3), (100, 2)],  # Pardot: most scores are 0, a real score
        [(50, 10), (51, 10), (52, 10)],  # no value holds a large share
        [(-1, 5), (0, 900), (1, 95)],  # the common value is not apart
        [(7, 100)],  # nothing else to be apart from
        [(0, 683), (1, 317)],  # a yes/no column: 0 is an answer, not a code
        [(1200, 63), (5, 10), (5.0, 1)],
    ],
)
def test_real_values_are_not_codes(pairs):
    assert Counted.of(pairs).no_value_code() is None


def write_campaign(tmp_path):
    path = tmp_path / "bank.csv"
    rows = ["id;age;pdays"] + [
        f"{i};{30 + i % 40};{-1 if i % 10 else 5 + i % 300}" for i in range(400)
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_describe_names_the_code_and_the_placeholder_line(tmp_path, cli):
    path = write_campaign(tmp_path)
    result = cli("describe", path, "--field", "pdays")
    assert result.exit_code == 0, result.stderr
    assert "-1 holds 360 of the 400 values (90.0%)" in result.stdout, result.stdout
    assert 'placeholders: {columns: {pdays: ["-1"]}}' in result.stdout
    data = json.loads(cli("describe", path, "--field", "pdays", "--format", "json").stdout)
    assert data["fields"][0]["no_value_code"] == {"value": -1.0, "count": 360}
    quiet = cli("describe", path, "--field", "age")
    assert "placeholders: {" not in quiet.stdout


def test_validate_warns_about_a_code_compared_without_a_placeholder(tmp_path, cli):
    path = write_campaign(tmp_path)
    spec = tmp_path / "segments.yaml"
    spec.write_text("segments:\n  - name: recent\n    profile: {field: pdays, at_most: 100}\n")
    result = cli("validate", spec, "--export", path)
    assert result.exit_code == 0, result.stderr
    assert "pdays" in result.stderr and "-1" in result.stderr, result.stderr
    assert 'placeholders: {columns: {pdays: ["-1"]}}' in result.stderr
    spec.write_text(
        'placeholders:\n  columns:\n    pdays: ["-1"]\n'
        "segments:\n  - name: recent\n    profile: {field: pdays, at_most: 100}\n"
    )
    fixed = cli("validate", spec, "--export", path)
    assert fixed.exit_code == 0, fixed.stderr
    assert "placeholders:" not in fixed.stderr
