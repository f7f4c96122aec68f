"""Numbers as money tools write them (issue #19): read only where --numbers or numbers: names
the form, and the mostly-unreadable error names the option that reads what it saw -- never
one that would read 12.345 as a decimal where a thousands separator may be meant."""

from __future__ import annotations

import json

import pytest

from leadseg.exit_codes import ExitCode


def export(tmp_path, header: str, values: list[str], delimiter: str = ",") -> str:
    path = tmp_path / "export.csv"
    quoted = [f'c{i}@x.com{delimiter}"{v}"' for i, v in enumerate(values)]
    path.write_text("\n".join([header, *quoted]) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("values", "delimiter", "option"),
    [
        (["$84,835.00", "$1,200.50", "$12,000.00"], ",", "--numbers money"),
        (["€ 12.345", "€ 1.200", "€ 99.000"], ";", "--numbers money --decimal-comma"),
        (["4,321", "2,500", "12,000"], ",", "--numbers thousands"),
        (["17%", "5 %", "50%"], ",", "--numbers percent"),
        (["17,5", "3,25", "7,0"], ";", "--decimal-comma"),
    ],
)
def test_the_error_names_the_option_that_reads_the_values(tmp_path, cli, values, delimiter, option):
    path = export(tmp_path, f"Email{delimiter}Score", values, delimiter)
    result = cli("count", path, "--at-least", "10")
    assert result.exit_code == ExitCode.DATA_ERROR
    assert f"with {option}" in result.stderr or f"pass {option}," in result.stderr, result.stderr
    assert values[0] not in result.stderr  # values are never shown
    fixed = cli("count", path, "--at-least", "10", "--format", "json", *option.split())
    assert fixed.exit_code == 0, fixed.stderr
    assert json.loads(fixed.stdout)["unreadable"] == []


def test_numbers_in_the_segment_file_per_column(tmp_path, cli):
    path = export(tmp_path, "Email,Income", ["$84,835.00", "(1,200.00)", "USD 55,000"])
    spec = tmp_path / "segments.yaml"
    spec.write_text(
        "numbers:\n  columns:\n    Income: [money]\nsegments:\n"
        "  - name: rich\n    profile: {field: Income, at_least: 50000}\n"
        "  - name: owes\n    profile: {field: Income, at_most: -1}\n"
    )
    result = cli("count", path, "-s", spec, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert {s["name"]: s["count"] for s in json.loads(result.stdout)["segments"]} == {
        "rich": 2,
        "owes": 1,
    }


def test_an_unknown_form_is_a_usage_error(tmp_path, cli):
    path = export(tmp_path, "Email,Score", ["1"])
    result = cli("count", path, "--at-least", "1", "--numbers", "dollars")
    assert result.exit_code == ExitCode.USAGE
    assert "--numbers: unknown form 'dollars'" in result.stderr


def test_an_unknown_form_in_the_segment_file_is_located(tmp_path, cli):
    path = export(tmp_path, "Email,Score", ["1"])
    spec = tmp_path / "segments.yaml"
    spec.write_text(
        "numbers:\n  forms: [dollars]\nsegments:\n  - name: a\n    score: {at_least: 1}\n"
    )
    result = cli("count", path, "-s", spec)
    assert result.exit_code != 0
    assert "segments.yaml:2" in result.stderr, result.stderr


def test_a_few_decimal_commas_are_warned_about_with_the_flag(tmp_path, cli):
    """A European file read without flags: the delimiter is sniffed, and the warning about
    the values it cannot read names --decimal-comma (issue #19)."""
    path = tmp_path / "eu.csv"
    rows = [f"c{i}@x.com;{i}" for i in range(20)] + ["late@x.com;12,5"]
    path.write_text("Email;Score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = cli("count", path, "--at-least", "10")
    assert result.exit_code == 0, result.stderr
    assert "are not a number and count as blank (row 22)" in result.stderr
    assert "with --decimal-comma" in result.stderr


def test_the_schema_names_the_number_forms(cli):
    result = cli("schema")
    assert result.exit_code == 0
    numbers = json.loads(result.stdout)["$defs"]["NumbersModel"]["properties"]
    assert set(numbers) == {"forms", "columns"}
    assert "money" in json.dumps(numbers)


def test_apply_names_the_option_as_count_does(tmp_path, cli):
    """apply writes a CSV's raw lines (its batches hold no value columns): the hint comes
    from the engine's sample of the unreadable values, in the warning and the manifest."""
    path = tmp_path / "e.csv"
    rows = [f"c{i}@x.com,{i}" for i in range(20)] + ['late@x.com,"4,321"']
    path.write_text("Email,Score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out, spec = tmp_path / "out", tmp_path / "segments.yaml"
    spec.write_text("segments:\n  - name: high\n    score: {at_least: 10}\n")
    result = cli("apply", path, "-s", spec, "-o", out, "--mkdir")
    assert result.exit_code == 0, result.stderr
    assert "pass --numbers thousands" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert "--numbers thousands" in json.dumps(manifest)


def test_the_hint_keeps_the_forms_a_column_reads_already(tmp_path, cli):
    """--numbers replaces the file's forms, and a column of numbers.columns reads only its
    own list: the hint names what reads the values with what is there already."""
    path = export(tmp_path, "Email,Score", ["$4,321.00", "$2,500.00", "$12,000.00"])
    spec = tmp_path / "segments.yaml"
    spec.write_text(
        "numbers:\n  forms: [percent]\nsegments:\n  - name: a\n    score: {at_least: 1}\n"
    )
    result = cli("count", path, "-s", spec)
    assert "pass --numbers money,percent," in result.stderr, result.stderr
    spec.write_text(
        "numbers:\n  columns:\n    Score: [percent]\nsegments:\n  - name: a\n"
        "    score: {at_least: 1}\n"
    )
    result = cli("count", path, "-s", spec)
    assert "--numbers" not in result.stderr.split("hint:")[1], result.stderr
    assert "numbers: {columns: {Score: [money, percent]}}" in result.stderr


# Pieces money is written with, and near misses: symbols and codes, each separator, signs,
# parentheses, spaces of three kinds, stray letters of the codes.
MONEY_PIECES = [
    "$", "€", "£", "R$", "US$", "USD", "EUR", "CHF", "S", "U", "R", "1", "12", "123", "1234",
    "0", ",", ".", ",5", ".5", "'", " ", "\u00a0", "\u202f", "-", "+", "(", ")", "%", "e3",
    "$ ", " €", "1,234", "1.234", ",000", ".000", "1 234",
]  # fmt: skip
# Each shape the quick lane takes, and its near misses, read on every run.
TRICKY = [
    "$5,829,954.00", "$ 1", "1 €", "1,234 EUR", "USD1.5", "R$ 1.000,50", "1.234,50 €", "$1,23",
    "$1,234,5", "-$1,234", "- $ 5", "- 5 €", "+$-5", "($1,234.00)", "(1.234,5 €)", "12%",
    "1 234,5", "1'234.5", "$1'234", "US$ 3", "S5", "$$5", "5$$", "1,234.", "1.", ",5", "",
]  # fmt: skip
FORM_SETS = [
    ("money",), ("currency",), ("thousands",), ("currency", "thousands"), ("percent",),
    ("accounting", "currency", "percent", "thousands"),
]  # fmt: skip


@pytest.mark.parametrize("decimal_comma", [False, True])
@pytest.mark.parametrize("forms", FORM_SETS, ids="+".join)
def test_polars_reads_number_forms_as_the_oracle_does(forms, decimal_comma):
    """The quick lane (rules.number_lane) and the steps together read every value as the
    README's forms read by hand (tests/oracle.py) -- money-shaped values and near misses."""
    import polars as pl
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from leadseg.engines.polars import compiler
    from leadseg.rules import NUMBER_FORM_SETS
    from tests.oracle import read_money, read_number, trim

    named = tuple(dict.fromkeys(f for form in forms for f in NUMBER_FORM_SETS.get(form, (form,))))
    texts = st.lists(st.sampled_from(MONEY_PIECES), min_size=1, max_size=6).map("".join)

    def check(values):
        frame = pl.DataFrame({"v": values}, schema={"v": pl.String}).lazy()
        frame = frame.with_columns(pl.col("v").str.strip_chars().alias(compiler._stripped("v")))
        for stage in compiler.number_form_stages("v", named, decimal_comma=decimal_comma):
            frame = frame.with_columns(stage)
        value = compiler.number_of("v", pl.String, decimal_comma=decimal_comma, forms=named)
        read = frame.select(value.alias("n")).collect()["n"].to_list()
        by_hand = [
            read_number(read_money(trim(v), list(forms), decimal_comma), decimal_comma)
            for v in values
        ]
        by_hand = [None if n is not None and n != n else n for n in by_hand]
        assert [
            None if n is None or n != n or abs(n) == float("inf") else n for n in read
        ] == by_hand, values

    check(TRICKY)
    settings(max_examples=60, deadline=None)(given(st.lists(texts, max_size=40))(check))()


def test_the_lane_reads_what_the_steps_read():
    """rules.apply_number_lane against rules.apply_number_steps on the shapes the lane takes,
    and it takes the usual ones."""
    from leadseg.rules import apply_number_lane, apply_number_steps, number_lane, number_steps

    money = ("accounting", "currency", "thousands")
    cases = {
        False: ["$5,829,954.00", "USD 1,234", "1,234 €", "12.5", "1234", "R$1,000.", "€ 3"],
        True: ["1.234,50 €", "€1.234", "12,5", "CHF 1.000.000,25", "7"],
    }
    for comma, texts in cases.items():
        lane, steps = (
            number_lane(money, decimal_comma=comma),
            number_steps(money, decimal_comma=comma),
        )
        assert lane is not None
        for text in texts:
            assert apply_number_lane(text, lane) == apply_number_steps(text, steps), text
    lane = number_lane(money)
    for text in ["-$5", "($5)", "1,23", "$$5", "1 234", "5%", "S5", "1,234,5"]:
        assert apply_number_lane(text, lane) is None, text  # left to the steps
    assert number_lane(("percent",)) is None and number_lane(("accounting",)) is None
