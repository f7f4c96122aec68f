"""Scoring rules (README "Scoring rules"): every engine writes the scores and grades the
plain-Python reference (tests/oracle.py, written from the README) computes, value for
value; random score sheets over messy tables agree with it; every problem in a score sheet
is located; the outputs carry the score columns."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leadseg
from leadseg.errors import LeadsegError
from tests.oracle import Oracle, read_csv_rows
from tests.test_properties import criteria, rows_strategy, write_export

ROOT = Path(__file__).resolve().parent.parent
CASES = [p for p in sorted((ROOT / "tests" / "cases").glob("*.yaml")) if "scores:" in p.read_text()]
AS_OF = date(2026, 11, 28)


def expected_columns(text: str, csv_text: str, as_of: date) -> dict[str, list]:
    """Per score and grade, its value in each row, by the reference."""
    header, rows, _ = read_csv_rows(csv_text)
    oracle = Oracle(text, header, as_of=as_of)
    outcome = oracle.run(rows)
    members = {n: set(m) for n, m in outcome.members.items()}
    columns: dict[str, list] = {}
    for i, row in enumerate(rows):

        def member(name: str, i: int = i) -> bool:
            return i in members[name]

        for name in oracle.scores:
            columns.setdefault(name, []).append(oracle.score_value(name, row, member))
        for name in oracle.grades:
            columns.setdefault(name, []).append(oracle.grade_label(name, row, member))
    return columns


def written_columns(path: Path, names: list[str]) -> dict[str, list]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {name: [row[name] for row in rows] for name in names}


def same(expected: dict[str, list], written: dict[str, list], scores: set[str]) -> None:
    for name, values in expected.items():
        if name in scores:
            assert [float(v) for v in written[name]] == values, name
        else:
            assert [v or None for v in written[name]] == values, name


def load_case(case: Path, tmp_path: Path):
    """A case's data, its export written, its as-of date and segment set."""
    data = yaml.safe_load(case.read_text(encoding="utf-8"))
    export = tmp_path / "export.csv"
    export.write_text(data["csv"], encoding="utf-8")
    as_of = date.fromisoformat(str(data.get("as_of", "2026-11-28")))
    return data, export, as_of, leadseg.parse_segments(data["segments"], case.name)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_every_engine_writes_the_reference_scores(tmp_path, every_engine, case):
    data, export, as_of, segments = load_case(case, tmp_path)
    out = tmp_path / "scored.csv"
    options = leadseg.RunOptions(engine=every_engine, as_of=as_of)
    result = leadseg.score_export(export, segments, out, options=options)
    expected = expected_columns(data["segments"], data["csv"], as_of)
    assert result.counts.rows == len(next(iter(expected.values())))
    same(expected, written_columns(out, list(expected)), {s.name for s in segments.scores})
    # the export's own columns come first, unchanged
    with open(out, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == next(csv.reader(io.StringIO(data["csv"]))) + list(expected)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_apply_with_scores_adds_the_columns_to_every_file(tmp_path, every_engine, case):
    from leadseg.outputs.membership import Membership
    from leadseg.outputs.workbook import WorkbookOptions

    data, export, as_of, segments = load_case(case, tmp_path)
    out = tmp_path / "out"
    result = leadseg.apply_segments(
        export, segments, out, make_dir=True, with_scores=True,
        options=leadseg.RunOptions(engine=every_engine, as_of=as_of),
        membership=Membership.of("members.csv", ("id",)), workbook=WorkbookOptions.of("w.xlsx"),
    )  # fmt: skip
    expected = expected_columns(data["segments"], data["csv"], as_of)
    scores = {s.name for s in segments.scores}
    members = written_columns(out / "members.csv", [*expected, "id"])
    same(expected, {n: v for n, v in members.items() if n != "id"}, scores)
    ids = members["id"]
    for segment in result.counts.segments:
        written = written_columns(out / segment.file, [*expected, "id"])
        rows = [ids.index(i) for i in written["id"]]
        picked = {name: [values[r] for r in rows] for name, values in expected.items()}
        same(picked, {n: v for n, v in written.items() if n != "id"}, scores)
    import polars as pl

    sheet = pl.read_excel(out / "w.xlsx", sheet_id=2, infer_schema_length=0)
    assert sheet.columns[-len(expected) :] == list(expected)


def test_sql_flags_carry_the_score_columns(tmp_path):
    import duckdb

    case = ROOT / "tests" / "cases" / "scores.yaml"
    data = yaml.safe_load(case.read_text(encoding="utf-8"))
    segments = leadseg.parse_segments(data["segments"], case.name)
    text = leadseg.segments_sql(
        segments, dialect="duckdb", table="contacts", select="flags", as_of=AS_OF
    )
    db = duckdb.connect()
    export = tmp_path / "export.csv"
    export.write_text(data["csv"], encoding="utf-8")
    db.execute(f"CREATE TABLE contacts AS SELECT * FROM read_csv('{export}', all_varchar=true)")
    cursor = db.execute(text)
    names = [d[0] for d in cursor.description]
    got = list(zip(*cursor.fetchall(), strict=True))
    expected = expected_columns(data["segments"], data["csv"], AS_OF)
    for name, values in expected.items():
        assert list(got[names.index(name)]) == values, name


# -- problems in a score sheet ---------------------------------------------------------
def problems_of(text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(LeadsegError) as info:
        leadseg.parse_segments(text, "s.yaml")
    return [(p.location.line, p.message) for p in info.value.problems]


BASE = "segments:\n  - {name: all, score: {field: Fit, at_least: 0}}\n"


def test_a_cycle_through_a_segment_is_named():
    text = "scores:\n  - name: Fit\n    rules:\n      - {points: 5, segment: all}\n" + BASE
    ((line, message),) = problems_of(text)
    assert line == 2 and "cycle" in message and "score 'Fit'" in message and "'all'" in message


@pytest.mark.parametrize(
    "sheet,line,words",
    [
        ("  - {name: Fit, rules: [{points: 5}]}", 2, "needs one criterion"),
        ("  - {name: Fit, rules: [{points: 5, points_per: 1, field: X}]}", 2, "points and points_per"),
        ("  - {name: Fit, rules: [{points_per: 2}]}", 2, "needs 'field'"),
        ("  - {name: Fit, rules: [{points_per: -2, field: X, limit: 5}]}", 2, "negative"),
        ("  - {name: Fit, rules: [{points: 5, field: X, profile: {field: X, is: a}}]}", 2,
         "belongs to a points_per rule"),
        ("  - {name: Fit, limit: 10, min: 20, rules: [{points: 1, segment: x}]}", 2,
         "below min"),
        ("  - {name: Fit}", 2, "needs rules"),
        ("  - {name: Fit, rules: [{points: abc, profile: {field: X, is: a}}]}", 2, "number"),
        ("  - {name: Fit, groups: [{name: G, limit: 0, rules: [{points: 1, segment: x}]}]}", 2,
         "above 0"),
    ],
)  # fmt: skip
def test_a_bad_rule_is_located(sheet, line, words):
    found = problems_of("scores:\n" + sheet + "\n" + BASE)
    assert any(at == line and words in message for at, message in found), found


def test_grades_need_a_score_and_bands_from_the_top_down():
    text = (
        "scores:\n  - {name: Fit, rules: [{points: 1, profile: {field: X, is: a}}]}\n"
        "grades:\n"
        "  - {name: G, score: Fitt, bands: {A: 1}}\n"
        "  - {name: H, score: Fit, bands: {A: 10, B: 20}}\n" + BASE
    )
    found = problems_of(text)
    assert any(line == 4 and "unknown score 'Fitt'" in m for line, m in found), found
    assert any(line == 5 and "'B' (20) is never given" in m for line, m in found), found


def test_a_score_is_compared_as_a_number_and_a_grade_as_text():
    text = (
        "scores:\n  - {name: Fit, rules: [{points: 1, profile: {field: X, is: a}}]}\n"
        "grades:\n  - {name: G, score: Fit, bands: {A: 1}}\n"
        "segments:\n"
        "  - {name: a, profile: {field: Fit, contains: x}}\n"
        "  - {name: b, profile: {field: G, at_least: 3}}\n"
        "  - {name: c, profile: {field: Fit, is_blank: true}}\n"
    )
    found = problems_of(text)
    assert [line for line, _ in found] == [6, 7, 8], found
    assert "is a number" in found[0][1] and "is a label" in found[1][1]
    assert "never blank" in found[2][1]


def test_names_of_scores_and_grades_are_unique_and_not_the_exports(tmp_path):
    text = (
        "scores:\n  - {name: Fit, rules: [{points: 1, profile: {field: X, is: a}}]}\n"
        "grades:\n  - {name: fit, score: Fit, bands: {A: 1}}\n" + BASE
    )
    assert any(line == 4 and "duplicate name" in m for line, m in problems_of(text))
    export = tmp_path / "e.csv"
    export.write_text("X,Fit\na,1\n", encoding="utf-8")
    segments = leadseg.parse_segments(
        "scores:\n  - {name: Fit, rules: [{points: 1, profile: {field: X, is: a}}]}\n" + BASE
    )
    with pytest.raises(LeadsegError) as info:
        leadseg.count_segments(export, segments)
    assert info.value.exit_code == 78
    assert "has the name of a column" in str(info.value.problems[0])


def test_score_writes_nothing_when_a_rule_column_is_mostly_unreadable(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("id,Views\n1,abc\n2,x\n3,5\n", encoding="utf-8")
    out = tmp_path / "scored.csv"
    out.write_text("before", encoding="utf-8")
    segments = leadseg.parse_segments(
        "scores:\n  - {name: E, rules: [{points_per: 1, field: Views}]}\n"
        "segments:\n  - {name: all, score: {field: E, at_least: 0}}\n"
    )
    with pytest.raises(LeadsegError) as info:
        leadseg.score_export(export, segments, out)
    assert info.value.exit_code == 65
    assert out.read_text(encoding="utf-8") == "before"
    assert [p.name for p in tmp_path.iterdir()] == sorted(["e.csv", "scored.csv"]) or set(
        p.name for p in tmp_path.iterdir()
    ) == {"e.csv", "scored.csv"}


# -- random score sheets ------------------------------------------------------------------
points = st.sampled_from([1, 5, 10, -5, 2.5, 0.1, 33.33, -0.07])


def rule(earlier_scores: list[str]):
    condition = criteria([])
    if earlier_scores:
        condition = st.one_of(
            condition,
            st.builds(
                lambda s, v: {"score": {"field": s, "at_least": v}},
                st.sampled_from(earlier_scores),
                st.sampled_from([0, 5, 10.5]),
            ),
        )
    by_criterion = st.builds(lambda p, c: {"points": p, **c}, points, condition)
    per_field = st.sampled_from(["Score", *earlier_scores])
    per_unit = st.builds(
        lambda p, f, limit: {"points_per": p, "field": f, **({"limit": limit} if limit else {})},
        st.sampled_from([1, 0.5, 2, 0.3, -1]),
        per_field,
        st.sampled_from([None, 10, 7.5]),
    ).map(lambda r: {k: v for k, v in r.items() if not (k == "limit" and r["points_per"] < 0)})
    return st.one_of(by_criterion, per_unit)


@st.composite
def score_files(draw) -> str:
    scores: list[dict] = []
    for i in range(draw(st.integers(1, 3))):
        names = [s["name"] for s in scores]
        sheet: dict = {"name": f"sc{i}"}
        if draw(st.booleans()):
            sheet["rules"] = draw(st.lists(rule(names), min_size=1, max_size=4))
        if draw(st.booleans()) or "rules" not in sheet:
            sheet["groups"] = [
                {"name": f"g{j}", "rules": draw(st.lists(rule(names), min_size=1, max_size=3)),
                 **({"limit": draw(st.sampled_from([5, 12.5]))} if draw(st.booleans()) else {})}
                for j in range(draw(st.integers(1, 2)))
            ]  # fmt: skip
        floor = draw(st.sampled_from([None, -10, 3]))
        if floor is not None:
            sheet["min"] = floor
        if draw(st.booleans()):
            sheet["limit"] = max(floor or 0, draw(st.sampled_from([20, 7.77])))
        if draw(st.booleans()):
            sheet["decay"] = {
                "field": "Created",
                "half_life_days": draw(st.sampled_from([30, 7.5])),
            }
        scores.append(sheet)
    grades = [{"name": "grade", "score": "sc0", "bands": {"A": 10, "B": 2.5, "C": 0}}]
    segments = [
        {"name": "top", "score": {"field": scores[-1]["name"], "at_least": 5}},
        {"name": "graded", "profile": {"field": "grade", "in": ["A", "b"]}},
    ]
    return json.dumps({"scores": scores, "grades": grades, "segments": segments})


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy, score_file=score_files())
def test_random_score_sheets_match_the_reference(tmp_path, rows, score_file):
    path = tmp_path / "export.csv"
    text = write_export(path, rows)
    header, parsed, _ = read_csv_rows(text)
    expected_run = Oracle(score_file, header, as_of=AS_OF).run(parsed)
    segments = leadseg.parse_segments(score_file)
    for engine in ("polars", "duckdb"):
        options = leadseg.RunOptions(as_of=AS_OF, engine=engine)
        out = tmp_path / f"scored-{engine}.csv"
        if expected_run.error:
            with pytest.raises(LeadsegError) as info:
                leadseg.score_export(path, segments, out, options=options)
            assert info.value.exit_code == 65
            continue
        leadseg.score_export(path, segments, out, options=options)
        expected = expected_columns(score_file, text, AS_OF)
        same(expected, written_columns(out, list(expected)), {s.name for s in segments.scores})
        counts = leadseg.count_segments(path, segments, options)
        assert {s.name: s.count for s in counts.segments} == {
            n: len(m) for n, m in expected_run.members.items()
        }


def test_validate_warns_of_an_unreachable_limit_and_a_rule_nobody_earns(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("Title,Views\nCMO,3\nCTO,\nCMO,0\n", encoding="utf-8")
    text = (
        "scores:\n"
        "  - name: Fit\n"
        "    groups:\n"
        "      - name: Role\n"
        "        limit: 50\n"
        "        rules:\n"
        "          - {points: 20, profile: {field: Title, is: CMO}}\n"
        "          - {name: astronaut, points: 10, profile: {field: Title, is: Astronaut}}\n"
        "          - {points_per: 2, field: Views, limit: 5}\n"
        "  - name: Seen\n"
        "    rules: [{points_per: 1, field: Views}]\n"
        "segments:\n  - {name: fit, score: {field: Fit, at_least: 10}}\n"
    )
    warnings: list[str] = []
    leadseg.validate_segments(leadseg.parse_segments(text, "s.yaml"), None, warnings=warnings)
    assert warnings == [
        "score 'Fit', group 'Role': its rules give at most 35 points together, below its "
        "limit of 50 (the limit never applies)"
    ]
    warnings = []
    leadseg.validate_segments(leadseg.parse_segments(text, "s.yaml"), export, warnings=warnings)
    assert warnings[1:] == [
        "score 'Fit', group 'Role': rule 'astronaut' gives no points to any of the 3 rows "
        "of the export (check its column and values)"
    ]


def _probe_values(text: str, csv_text: str, sheet: dict, as_of: date) -> list[float]:
    """The reference's value of a score sheet with no floor, added to the file ``text``."""
    data = yaml.safe_load(text)
    data["scores"] = data["scores"] + [{"name": "probe", "min": -1e300, **sheet}]
    return expected_columns(json.dumps(data), csv_text, as_of)["probe"]


@pytest.mark.parametrize("score", ["Fit", "Engagement"])
def test_explain_score_gives_each_rule_its_contacts_and_points(tmp_path, every_engine, score):
    data, export, as_of, _ = load_case(ROOT / "tests" / "cases" / "scores.yaml", tmp_path)
    options = leadseg.RunOptions(engine=every_engine, as_of=as_of)
    result = leadseg.explain_score(export, leadseg.parse_segments(data["segments"]), score, options)
    sheet = next(s for s in yaml.safe_load(data["segments"])["scores"] if s["name"] == score)
    groups = ([{"name": "", "rules": sheet["rules"]}] if sheet.get("rules") else []) + list(
        sheet.get("groups") or []
    )
    assert [g.name for g in result.groups] == [g["name"] for g in groups]
    for figures, group in zip(result.groups, groups, strict=True):
        for rule_figures, rule in zip(figures.rules, group["rules"], strict=True):
            values = _probe_values(data["segments"], data["csv"], {"rules": [rule]}, as_of)
            assert rule_figures.figure.earned == sum(v != 0 for v in values)
            assert round(rule_figures.figure.points, 6) == round(sum(values), 6)
        limited = {"groups": [{**group, "name": group["name"] or "g"}]}
        values = _probe_values(data["segments"], data["csv"], limited, as_of)
        assert figures.figure.earned == sum(v != 0 for v in values)
        assert round(figures.figure.points, 6) == round(sum(values), 6)
        if "limit" in group:
            opened = {"rules": group["rules"]}
            raw = _probe_values(data["segments"], data["csv"], opened, as_of)
            assert figures.capped == sum(v > group["limit"] for v in raw)
    final = expected_columns(data["segments"], data["csv"], as_of)[score]
    assert result.rows == len(final)
    assert result.total.earned == sum(v != 0 for v in final)
    assert round(result.total.points, 6) == round(sum(final), 6)


def test_the_report_shows_each_score_and_grade(tmp_path, every_engine):
    from collections import Counter

    from leadseg.analysis.report_page import report_page

    data, export, as_of, _ = load_case(ROOT / "tests" / "cases" / "scores.yaml", tmp_path)
    options = leadseg.RunOptions(engine=every_engine, as_of=as_of)
    report = leadseg.report_data(export, leadseg.parse_segments(data["segments"]), options)
    expected = expected_columns(data["segments"], data["csv"], as_of)
    assert report.scores is not None
    for histogram in report.scores.scores:
        values = expected[histogram.name]
        assert sum(n for _, _, n in histogram.bins) == len(values)
        assert (histogram.minimum, histogram.maximum) == (min(values), max(values))
        for low, high, n in histogram.bins[:-1]:
            assert n == sum(low <= v < high for v in values)
    (grade,) = report.scores.grades
    found = Counter(v or "" for v in expected[grade.name])
    assert grade.labels == {"A": found["A"], "B": found["B"], "C": found["C"], "F": found["F"],
                            "": found[""]}  # fmt: skip
    assert "Scores of the segment file" in report_page(report)


def test_describe_reads_a_score_and_a_grade_as_columns(tmp_path, every_engine):
    from collections import Counter

    data, export, as_of, segments = load_case(ROOT / "tests" / "cases" / "scores.yaml", tmp_path)
    options = leadseg.RunOptions(engine=every_engine, as_of=as_of)
    result = leadseg.describe_export(
        export, ["Engagement", "fit grade", "Country"], segments=segments, options=options
    )
    assert [f.name for f in result.fields] == ["Engagement", "Fit grade", "Country"]
    expected = expected_columns(data["segments"], data["csv"], as_of)
    score, grade, _ = result.fields
    values = expected["Engagement"]
    assert (score.kind, score.readable, score.blank) == ("number", len(values), 0)
    assert (score.figures["min"], score.figures["max"]) == (min(values), max(values))
    assert sum(h["count"] for h in score.figures["histogram"]) == len(values)
    labels = Counter(v for v in expected["Fit grade"] if v is not None)
    assert grade.kind == "text" and grade.blank == expected["Fit grade"].count(None)
    assert {t["value"]: t["count"] for t in grade.figures["top"]} == dict(labels)


def scores_only(tmp_path: Path) -> Path:
    """The bundled score sheets (examples/scores.yaml) without their segments."""
    data = yaml.safe_load((ROOT / "examples" / "scores.yaml").read_text(encoding="utf-8"))
    assert data.pop("segments")
    path = tmp_path / "scores-only.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_a_file_of_score_sheets_only_scores_explains_and_describes(tmp_path, cli):
    """``segments:`` may be left out of a file that has ``scores:``: the scores are the
    same as the full file's."""
    export, sheets = ROOT / "examples" / "contacts.csv", scores_only(tmp_path)
    assert cli("validate", sheets).exit_code == 0
    with_segments, without = tmp_path / "full.csv", tmp_path / "only.csv"
    full = ROOT / "examples" / "scores.yaml"
    assert (
        cli("score", export, "-s", full, "-o", with_segments, "--as-of", "2026-11-28").exit_code
        == 0
    )
    assert cli("score", export, "-s", sheets, "-o", without, "--as-of", "2026-11-28").exit_code == 0
    assert without.read_bytes() == with_segments.read_bytes()
    explained = cli("explain", export, "-s", sheets, "--score", "Fit", "--as-of", "2026-11-28")
    assert explained.exit_code == 0 and "Fit: how it is made" in explained.stdout
    described = cli("describe", export, "-s", sheets, "-f", "Engagement", "--as-of", "2026-11-28")
    assert described.exit_code == 0 and "Engagement (number)" in described.stdout


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("count", ["{export}", "-s", "{sheets}"]),
        ("apply", ["{export}", "-s", "{sheets}", "-o", "{out}", "--mkdir"]),
        ("explain", ["{export}", "-s", "{sheets}"]),
        ("overlap", ["{export}", "-s", "{sheets}"]),
        ("diff", ["{export}", "{export}", "-s", "{sheets}", "--key", "Email"]),
        ("sql", ["{sheets}", "--dialect", "duckdb", "--table", "contacts"]),
    ],
)
def test_commands_that_evaluate_segments_refuse_a_file_without_them(tmp_path, cli, command, args):
    sheets, out = scores_only(tmp_path), tmp_path / "out"
    given = {"export": ROOT / "examples" / "contacts.csv", "sheets": sheets, "out": out}
    result = cli(command, *[a.format(**given) for a in args])
    assert result.exit_code == 78
    assert (
        f"{sheets}:1:1: the file has only score sheets, no segments for {command}" in result.stderr
    )
    assert "leadseg score" in result.stderr  # the hint names what the file is for
    assert not out.exists()


def test_a_file_needs_segments_or_scores():
    for text, words in [
        ("version: 1\n", "missing required key 'segments'"),
        ("version: 1\nsegments: []\n", "'segments' must not be empty"),
        ("version: 1\nscores: []\n", "missing required key 'segments'"),
    ]:
        with pytest.raises(LeadsegError) as caught:
            leadseg.parse_segments(text)
        assert words in str(caught.value)


def test_the_report_of_score_sheets_only_leaves_out_the_segments_sections(tmp_path, cli):
    page = tmp_path / "report.html"
    sheets = scores_only(tmp_path)
    result = cli("report", ROOT / "examples" / "contacts.csv", "-s", sheets, "-o", page)
    assert result.exit_code == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    assert "The segment file has no segments: this page shows its scores." in text
    assert "<h2>Scores of the segment file</h2>" in text and "Fit grade" in text
    assert "<h2>Overlap</h2>" not in text and "Why each segment" not in text


def test_text_that_nfc_changes_is_scored_as_counted(tmp_path, cli):
    """A rule on text written decomposed (``Cafe`` and a combining accent) earns its points
    in every command that reads scores: the pass that finds such text runs again with NFC
    (``leadseg score`` used to run it again for ever; ``explain --score`` and ``describe``
    did not run it again at all)."""
    import subprocess
    import sys

    export = tmp_path / "e.csv"
    export.write_text("Email,Country\na@x.com,Cafe\u0301\nb@x.com,US\n", encoding="utf-8")
    sheets = tmp_path / "s.yaml"
    sheets.write_text(
        "scores:\n  - name: Fit\n    rules:\n"
        "      - {points: 10, profile: {field: Country, is: Caf\u00e9}}\n"
        "segments:\n  - {name: fit, score: {field: Fit, at_least: 5}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "scored.csv"
    done = subprocess.run(
        [sys.executable, "-m", "leadseg", "score", str(export), "-s", str(sheets), "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").splitlines()[1:] == [
        "a@x.com,Cafe\u0301,10.0",
        "b@x.com,US,0.0",
    ]
    explained = cli("explain", export, "-s", sheets, "--score", "Fit", "--format", "json")
    rule = json.loads(explained.stdout)["groups"][0]["rules"][0]
    assert (rule["earned"], rule["points"]) == (1, 10.0)
    described = cli("describe", export, "-s", sheets, "-f", "Fit", "--format", "json")
    field = json.loads(described.stdout)["fields"][0]
    assert (field["max"], field["mean"]) == (10.0, 5.0)
    counted = cli("count", export, "-s", sheets, "--format", "json")
    assert json.loads(counted.stdout)["segments"][0]["count"] == 1


def test_score_quotes_a_grade_label_that_needs_it_and_never_a_number(tmp_path, cli):
    """The added fields after each raw line: a label holding the separator or a quote is
    quoted as RFC 4180 says, a number never; a record spanning lines keeps its lines."""
    import csv

    export = tmp_path / "e.csv"
    export.write_text(
        'Email,Views,Note\na@x.com,30,"two\nlines"\nb@x.com,3,plain\nc@x.com,,\n',
        encoding="utf-8",
    )
    sheets = tmp_path / "s.yaml"
    sheets.write_text(
        "scores:\n  - name: Seen\n    rules: [{points_per: 1.5, field: Views}]\n"
        "grades:\n  - name: Band\n    score: Seen\n"
        '    bands: {"A, top": 40, \'B "mid"\': 4, F: 0}\n',
        encoding="utf-8",
    )
    out = tmp_path / "scored.csv"
    result = cli("score", export, "-s", sheets, "-o", out)
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[1:4] == [
        'a@x.com,30,"two',
        'lines",45.0,"A, top"',
        'b@x.com,3,plain,4.5,"B ""mid"""',
    ]
    rows = list(csv.reader(text.splitlines(keepends=True)))
    assert rows[1:] == [
        ["a@x.com", "30", "two\nlines", "45.0", "A, top"],
        ["b@x.com", "3", "plain", "4.5", 'B "mid"'],
        ["c@x.com", "", "", "0.0", "F"],
    ]
