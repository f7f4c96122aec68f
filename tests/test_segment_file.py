"""The segment file: YAML 1.2 reading, shape and meaning errors, all reported at once."""

from __future__ import annotations

import time

import pytest

from leadseg import parse_segments
from leadseg.errors import SegmentFileError
from leadseg.segments.criteria import Condition, Kind, Not, Op


def problems_of(text: str) -> list[str]:
    with pytest.raises(SegmentFileError) as info:
        parse_segments(text, "seg.yaml")
    return [str(p) for p in info.value.problems]


def only_condition(text: str) -> Condition:
    (segment,) = parse_segments(text).segments
    return segment.criterion


def test_shorthand_and_profile_build_conditions():
    segs = parse_segments(
        "segments:\n"
        "  - name: Hot\n    score: {at_least: 60}\n"
        "  - name: Mid\n    parent: Hot\n    profile: {field: SFDC Lead Score, between: [40, 80]}\n"
    ).segments
    assert segs[0].criterion.op == Op.AT_LEAST and segs[0].criterion.value == 60.0
    assert segs[1].parent == "Hot"
    assert segs[1].criterion.field == "SFDC Lead Score"
    assert segs[1].criterion.value == (40.0, 80.0)


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [("NO", "NO"), ("No", "No"), ("Yes", "Yes"), ("on", "on"), ("Off", "Off"), ("1:30", "1:30")],
)
def test_yaml_1_1_booleans_and_sexagesimals_stay_text(scalar, expected):
    cond = only_condition(f"segments:\n  - name: a\n    profile: {{field: C, is: {scalar}}}\n")
    assert cond.kind == Kind.TEXT and cond.value == expected


def test_in_list_keeps_norway():
    cond = only_condition("segments:\n  - name: a\n    profile: {field: C, in: [US, NO]}\n")
    assert cond.value == ("US", "NO")


def test_leading_zero_is_a_decimal_number_in_yaml_1_2():
    cond = only_condition("segments:\n  - name: a\n    score: {at_least: 010}\n")
    assert cond.value == 10.0


def test_negative_operators_are_negations():
    cond = only_condition("segments:\n  - name: a\n    profile: {field: C, not_in: [x]}\n")
    assert isinstance(cond, Not) and cond.child.op == Op.IN


def test_iso_strings_and_dates_compare_as_dates():
    cond = only_condition("segments:\n  - name: a\n    profile: {field: D, at_least: 2024-05-01}\n")
    assert cond.kind == Kind.DATE and str(cond.value) == "2024-05-01"


def test_threshold_true_is_not_one():
    (problem,) = problems_of("segments:\n  - name: a\n    score: {at_least: true}\n")
    assert problem.startswith("seg.yaml:3:23: 'at_least' must be a number")
    assert "not true" in problem


def test_unknown_key_and_operator_with_suggestions():
    found = problems_of(
        "segments:\n"
        "  - name: a\n    scroe: {at_least: 60}\n"
        "  - name: b\n    score: {at_leest: 3}\n"
        "  - name: c\n    profile: {feild: X, is: 1}\n"
    )
    assert found == [
        "seg.yaml:3:5: unknown key 'scroe' (did you mean 'score'?)",
        "seg.yaml:5:13: unknown operator 'at_leest' (did you mean 'at_least'?)",
        "seg.yaml:7:15: unknown key 'feild' (did you mean 'field'?)",
    ]


def test_numeric_name_is_reported_with_a_fix():
    (problem,) = problems_of("segments:\n  - name: 2024\n    score: {at_least: 1}\n")
    assert problem == "seg.yaml:2:11: 'name' must be text; quote it: \"2024\""


def test_two_operators_and_no_operator():
    found = problems_of(
        "segments:\n  - name: a\n    score: {at_least: 1, at_most: 3}\n  - name: b\n    score: {}\n"
    )
    assert "has 2 operators (at_least, at_most); use exactly one" in found[0]
    assert "needs one operator" in found[1]


def test_segment_without_criterion_and_with_two():
    found = problems_of(
        "segments:\n  - name: a\n  - name: b\n    score: {at_least: 1}\n    profile: {field: x, is: 1}\n"
    )
    assert "needs a criterion" in found[0]
    assert "give one of them" in found[1]


def test_between_low_above_high():
    (problem,) = problems_of("segments:\n  - name: a\n    score: {between: [80, 40]}\n")
    assert problem.startswith("seg.yaml:3:22: 'between' low 80 is above high 40")
    assert "between: [40, 80]" in problem


def test_unknown_parent_and_segment_reference():
    found = problems_of(
        "segments:\n  - name: Hot leads\n    score: {at_least: 60}\n"
        "  - name: b\n    parent: Hot lead\n    score: {at_most: 1}\n"
        "  - name: c\n    not: {segment: Nurture}\n"
    )
    assert found == [
        "seg.yaml:5:13: unknown parent 'Hot lead' (did you mean 'Hot leads'?)",
        "seg.yaml:8:20: unknown segment 'Nurture'",
    ]


def test_cycles_are_printed():
    (problem,) = problems_of(
        "segments:\n  - name: a\n    parent: b\n    score: {at_least: 1}\n"
        "  - name: b\n    segment: a\n"
    )
    assert "segments refer to each other in a cycle: a -> b -> a" in problem


def test_self_reference_is_a_cycle():
    (problem,) = problems_of("segments:\n  - name: a\n    not: {segment: a}\n")
    assert "cycle: a -> a" in problem


def test_duplicate_names_ignore_case_and_duplicate_keys():
    found = problems_of(
        "segments:\n  - name: VIP\n    score: {at_least: 1}\n"
        "  - name: vip\n    score: {at_least: 2}\n    score: {at_least: 3}\n"
    )
    assert "seg.yaml:4:11: duplicate segment name 'vip' (same as 'VIP')" in found[0]
    assert "seg.yaml:6:5: duplicate key 'score' (first at line 5)" in found[1]


def test_file_name_collisions_are_reported():
    found = problems_of(
        "segments:\n  - name: Hot leads\n    score: {at_least: 1}\n"
        "  - name: hot-leads!\n    score: {at_least: 2}\n"
        "  - name: '***'\n    score: {at_least: 2}\n"
    )
    assert "would both be written to 'hot-leads.*'" in found[0]
    assert "has no letter or digit" in found[1]


def test_every_problem_is_reported_in_one_run():
    found = problems_of(
        "segments:\n"
        "  - name: a\n    scroe: {at_least: 60}\n"
        "  - name: a\n    score: {at_least: 1}\n"
        "  - name: c\n    score: {between: [2, 1]}\n"
        "  - name: d\n    profile: {field: X, in: [1, two]}\n"
    )
    assert [p.split(":")[1] for p in found] == ["3", "4", "7", "9"]


def test_value_errors_of_valid_shape_are_all_reported():
    found = problems_of(
        "segments:\n"
        "  - name: c\n    score: {between: [2, 1]}\n"
        "  - name: d\n    profile: {field: X, in: [1, two]}\n"
        "  - name: e\n    profile: {field: X, before: soon}\n"
    )
    assert len(found) == 3
    assert "mixes numbers and text" in found[1]
    assert "needs a date (YYYY-MM-DD)" in found[2]


def test_python_tags_are_refused_and_never_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    problem = problems_of(
        "segments:\n  - name: !!python/object/apply:os.system [touch hacked]\n"
        "    score: {at_least: 1}\n"
    )[0]
    assert (
        "the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed" in problem
    )
    assert not (tmp_path / "hacked").exists()


def test_anchors_and_aliases_are_refused():
    (problem,) = problems_of(
        "segments:\n  - name: a\n    score: &s {at_least: 1}\n  - name: b\n    score: *s\n"
    )
    assert problem.startswith("seg.yaml:3:12: anchors and aliases")


def test_alias_bomb_fails_fast():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = chr(ord("a") + i - 1)
        name = chr(ord("a") + i)
        lines.append(f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    start = time.perf_counter()
    problems = problems_of("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 0.5
    assert "anchors and aliases" in problems[0]


def test_yaml_syntax_error_has_a_position():
    (problem,) = problems_of("segments:\n  - name: a\n    score: {at_least: 1\n")
    assert problem.startswith("seg.yaml:4:1: YAML syntax error")


def test_top_level_must_be_a_mapping_with_segments():
    assert "a segment file is a mapping" in problems_of("- a\n- b\n")[0]
    assert "missing required key 'segments'" in problems_of("version: 1\n")[0]
    assert "'version': 1" in problems_of("version: 2\nsegments: []\n")[0]


def test_null_values_are_reported_with_a_quoting_hint():
    (problem,) = problems_of("segments:\n  - name: a\n    profile: {field: C, is: Null}\n")
    assert "'is' is empty or null" in problem and 'quote text: "Null"' in problem


def test_messages_name_the_operator_as_written():
    found = problems_of(
        "segments:\n  - name: a\n    profile: {field: X, not_in: [1, two]}\n"
        "  - name: b\n    score: {between: [low, 5]}\n"
    )
    assert "'not_in' mixes numbers and text" in found[0]
    assert "'between' needs a number or a date" in found[1]
