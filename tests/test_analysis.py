"""``explain``, ``overlap`` and ``describe`` on every engine, against the reference
(tests/oracle_analysis.py): the semantics cases, the bundled example and a messy export."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml

import leadseg
from leadseg.api import describe_export, explain_segments, overlap_segments
from tests import oracle_analysis as ref
from tests.oracle import Oracle, read_csv_rows

ROOT = Path(__file__).parent.parent
CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))
AS_OF = date(2026, 11, 28)


def case_files(tmp_path: Path, case: Path) -> tuple[Path, str, date, dict]:
    data = yaml.safe_load(case.read_text(encoding="utf-8"))
    export = tmp_path / "export.csv"
    export.write_text(data["csv"], encoding="utf-8")
    as_of = date.fromisoformat(str(data.get("as_of", "2026-11-28")))
    return export, data["segments"], as_of, data


def oracle_for(text: str, csv_text: str, as_of: date) -> tuple[Oracle, list[dict]]:
    header, rows, _ = read_csv_rows(csv_text)
    return Oracle(text, header, as_of=as_of), rows


def check_explain(export: Path, text: str, as_of: date, engine: str, source: str) -> None:
    segments = leadseg.parse_segments(text, source)
    options = leadseg.RunOptions(engine=engine, as_of=as_of)
    result = explain_segments(export, segments, options=options)
    oracle, rows = oracle_for(text, export.read_text(encoding="utf-8"), as_of)
    members = oracle.run(rows).members
    assert [w.name for w in result.segments] == [s["name"] for s in oracle.segments]
    for waterfall in result.segments:
        expected = ref.waterfall(oracle, rows, waterfall.name)
        got = [
            {
                k: v
                for k, v in step.to_dict().items()
                if k in ("kept", "dropped", "dropped_blank", "added") and v is not None
            }
            for step in waterfall.steps
        ]
        assert got == expected, waterfall.name
        assert waterfall.count == len(members[waterfall.name])
        assert waterfall.steps[-1].kept == waterfall.count


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_explain_matches_the_reference(tmp_path, every_engine, case):
    export, text, as_of, _ = case_files(tmp_path, case)
    check_explain(export, text, as_of, every_engine, case.name)


def test_explain_the_bundled_example(every_engine):
    text = (ROOT / "segments.yaml").read_text(encoding="utf-8")
    check_explain(ROOT / "examples/contacts.csv", text, AS_OF, every_engine, "segments.yaml")


def check_overlap(export: Path, text: str, as_of: date, engine: str, source: str) -> None:
    segments = leadseg.parse_segments(text, source)
    options = leadseg.RunOptions(engine=engine, as_of=as_of)
    result = overlap_segments(export, segments, options)
    oracle, rows = oracle_for(text, export.read_text(encoding="utf-8"), as_of)
    matrix, combos = ref.overlap(oracle, rows)
    assert result.counts == matrix
    assert result.in_none == combos.get((), 0)
    nonempty = {k: n for k, n in combos.items() if k}
    assert {tuple(i.segments): i.count for i in result.intersections} == dict(
        sorted(nonempty.items(), key=lambda item: -item[1])[:20]
    ) or len(nonempty) > 20
    assert [i.count for i in result.intersections] == sorted(
        (n for n in nonempty.values()), reverse=True
    )[:20]


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_overlap_matches_the_reference(tmp_path, every_engine, case):
    export, text, as_of, _ = case_files(tmp_path, case)
    check_overlap(export, text, as_of, every_engine, case.name)


def test_overlap_the_bundled_example(every_engine):
    text = (ROOT / "segments.yaml").read_text(encoding="utf-8")
    check_overlap(ROOT / "examples/contacts.csv", text, AS_OF, every_engine, "segments.yaml")


MESSY = """Email,Score,Seen,Country,Notes
a@x.com,10,2026-11-27,US,
b@x.com, 20 ,2026-11-01,us ,N/A
c@x.com,N/A,2026-01-01,Us,x
d@x.com,abc,not a date,CA,
e@x.com,,,CA,
f@x.com,35.5,2025-11-29,,
g@x.com,1e999,2026-11-28T10:00:00Z,DE,
h@x.com,60,2020-02-29,de,
i@x.com,-5,2026-11-21,ΟΔΟΣ,
j@x.com,60,11/28/2026,οδος,
"""


def test_describe_matches_the_reference(tmp_path, every_engine):
    export = tmp_path / "messy.csv"
    export.write_text(MESSY, encoding="utf-8")
    options = leadseg.RunOptions(engine=every_engine, as_of=AS_OF)
    result = describe_export(
        export, ["Score", "seen", "Country", "Email"], bins=4, options=options
    ).to_dict()
    header, rows, _ = read_csv_rows(MESSY)
    oracle = Oracle("segments: []", header, as_of=AS_OF)
    fields = {f["name"]: f for f in result["fields"]}
    assert result["rows"] == len(rows)
    assert [f["kind"] for f in result["fields"]] == ["number", "date", "text", "text"]

    score, expected = fields["Score"], ref.describe_number(oracle, rows, "Score", 4)
    for key in ("blank", "placeholders", "unreadable", "readable", "min", "max"):
        assert score[key] == expected[key], key
    assert score["mean"] == pytest.approx(expected["mean"])
    assert score["quantiles"] == pytest.approx(expected["quantiles"])
    assert [b["count"] for b in score["histogram"]] == expected["histogram"]
    assert sum(b["count"] for b in score["histogram"]) == score["readable"]
    assert score["unreadable_rows"] == [5, 8]  # abc, 1e999
    values = [oracle.number(r["Score"], "Score")[0] for r in rows]
    for entry in score["at_least"]:
        assert entry["count"] == sum(v is not None and v >= entry["value"] for v in values)
    thresholds = {e["value"] for e in score["at_least"]}
    assert thresholds >= set(score["quantiles"].values())

    seen, expected = fields["Seen"], ref.describe_date(oracle, rows, "Seen")
    for key in ("readable", "unreadable", "min", "max", "last_days"):
        assert seen[key] == expected[key], key

    country, expected = fields["Country"], ref.describe_text(oracle, rows, "Country")
    for key in ("blank", "placeholders", "distinct", "top"):
        assert country[key] == expected[key], key
    assert fields["Email"]["distinct"] == 10


def test_describe_names_the_form_of_dates_it_reads_as_text(tmp_path, every_engine):
    """A named column of US dates is text to leadseg (only ISO dates read without a
    format): describe says so, with the --date-format that reads them; not for --all."""
    export = tmp_path / "us.csv"
    rows = [f"c{i}@x,{i % 12 + 1}/{i % 27 + 1}/2026 {i % 24}:05" for i in range(40)]
    export.write_text("Email,Last Activity\n" + "\n".join(rows) + "\n", encoding="utf-8")
    options = leadseg.RunOptions(engine=every_engine, as_of=AS_OF)
    named = describe_export(export, ["Last Activity", "Email"], options=options).to_dict()
    seen, email = named["fields"]
    assert seen["kind"] == "text" and "--date-format '%m/%d/%Y %H:%M'" in seen["hint"]
    assert "hint" not in email
    every = describe_export(export, every_column=True, options=options).to_dict()
    assert all("hint" not in f for f in every["fields"])
    read = leadseg.RunOptions(engine=every_engine, as_of=AS_OF, date_formats=("%m/%d/%Y %H:%M",))
    (as_date,) = describe_export(export, ["Last Activity"], options=read).to_dict()["fields"]
    assert as_date["kind"] == "date" and "hint" not in as_date


def tied_text_column() -> str:
    """Three leading values (5 rows each); twenty tied at 3 rows, where ranking them by
    their chosen spelling (the most common) and by their first spelling in sort order
    disagree: 'q07' twice and 'Q07' once is chosen as 'q07' but sorts as 'Q07' first;
    'm08' three times is 'm08' -- so seven of the 'm' values are ranked in; thirty values
    of one row each."""
    cells = []
    for i in range(3):
        cells += [f"Lead{i}"] * 5
    for i in range(20):
        cells += [f"q{i:02}", f"q{i:02}", f"Q{i:02}"] if i % 2 == 0 else [f"m{i:02}"] * 3
    cells += [f"single{i:02}" for i in range(30)]
    return "Email,Tag\n" + "".join(f"{n}@x.com,{c}\n" for n, c in enumerate(cells))


def test_describe_ranks_tied_text_values_by_their_chosen_spelling(
    tmp_path, every_engine, monkeypatch
):
    """Spark brings back only the values that can be among the most common (and their
    number): the same distinct count and top values as the reference."""
    import leadseg.analysis.describe_plan as plan

    export = tmp_path / "tags.csv"
    text = tied_text_column()
    export.write_text(text, encoding="utf-8")
    heights: list[int] = []
    real = plan.text_figures
    monkeypatch.setattr(
        plan, "text_figures", lambda v, d=None: heights.append(v.height) or real(v, d)
    )
    options = leadseg.RunOptions(engine=every_engine, as_of=AS_OF)
    (tag,) = describe_export(export, ["Tag"], options=options).to_dict()["fields"]
    spellings = 3 + 20 + 10 + 30  # every value's spellings (the even tied ones have two)
    # Spark keeps the leaders, the even tied values (their first spelling 'Q..' sorts before
    # the last chosen 'm13', so they might rank in: two spellings each) and m01..m13
    assert heights == [spellings if every_engine != "spark" else 3 + 2 * 10 + 7]
    header, rows, _ = read_csv_rows(text)
    expected = ref.describe_text(Oracle("segments: []", header, as_of=AS_OF), rows, "Tag")
    assert (tag["distinct"], tag["top"]) == (expected["distinct"], expected["top"])
    assert [t["value"] for t in tag["top"]][3:] == [f"m{i:02}" for i in range(1, 15, 2)]


def test_describe_the_bundled_example_with_its_segment_file(every_engine):
    options = leadseg.RunOptions(engine=every_engine, as_of=AS_OF)
    result = describe_export(
        ROOT / "examples/contacts.csv", segments=ROOT / "segments.yaml", options=options
    ).to_dict()
    (score,) = result["fields"]
    assert score["name"] == "Overall Behavior Score"
    text = (ROOT / "segments.yaml").read_text(encoding="utf-8")
    oracle, rows = oracle_for(text, (ROOT / "examples/contacts.csv").read_text(), AS_OF)
    expected = ref.describe_number(oracle, rows, score["name"], 10)
    assert score["quantiles"] == pytest.approx(expected["quantiles"])
    assert [b["count"] for b in score["histogram"]] == expected["histogram"]
    assert score["placeholders"] == expected["placeholders"]
    assert [(t["value"], t["segment"]) for t in score["thresholds"]] == [
        (60, "Sales-ready"), (20, "Nurture"),
    ]  # fmt: skip
    sixty = next(e for e in score["at_least"] if e["value"] == 60)
    counts = leadseg.count_segments(ROOT / "examples/contacts.csv", ROOT / "segments.yaml", options)
    assert sixty["count"] == next(s.count for s in counts.segments if s.name == "Sales-ready")


def test_describe_reads_a_column_as_the_segment_file_compares_it(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("Zip,Score\n01234,1\n98765,2\n", encoding="utf-8")
    inferred = describe_export(export, ["Zip"]).fields[0]
    assert inferred.kind == "number"
    segments = leadseg.parse_segments(
        "segments:\n  - name: z\n    profile: {field: Zip, starts_with: '0'}\n", "s.yaml"
    )
    as_text = describe_export(export, ["Zip"], segments=segments).fields[0]
    assert as_text.kind == "text"
    assert as_text.figures["top"][0] == {"value": "01234", "count": 1}


def test_describe_an_empty_export(tmp_path, every_engine):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\n", encoding="utf-8")
    options = leadseg.RunOptions(engine=every_engine)
    (score,) = describe_export(export, options=options).to_dict()["fields"]
    assert score["readable"] == 0 and score["histogram"] == [] and score["min"] is None


def run(*args: str, cwd: Path = ROOT):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "leadseg", *args], capture_output=True, text=True, cwd=cwd
    )


def test_cli_json_is_the_api_result(tmp_path):
    done = run("explain", "examples/contacts.csv", "CRM mid-range", "--format", "json",
               "--as-of", "2026-11-28")  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [s["name"] for s in data["segments"]] == ["CRM mid-range"]
    steps = data["segments"][0]["steps"]
    assert [s["segment"] for s in steps] == ["Sales-ready", "CRM mid-range"]
    assert steps[1]["criterion"] == "SFDC Lead Score between 40 and 80"
    assert steps[1]["line"] == 17
    done = run("overlap", "examples/contacts.csv", "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        "segment,Sales-ready,Nurture,CRM mid-range,North America open,Recently active"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["describe", "examples/contacts.csv", "--field", "Scor"], "no such column"),
        (["describe", "examples/contacts.csv", "--bins", "0"], "--bins"),
        (["describe", "examples/contacts.csv", "--chart", "x.pdf"], ".png, .svg, .html"),
        (["explain", "examples/contacts.csv", "Hot"], "no such segment"),
        (["overlap", "examples/contacts.csv", "--format", "xml"], "--format"),
    ],
)
def test_cli_usage_errors(args, message):
    done = run(*args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
