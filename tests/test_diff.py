"""``leadseg diff`` on every engine against the reference: before/after counts, who
entered, left and stayed (keys trimmed and ignoring case), blank and repeated keys, and the
files of -o."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

import leadseg
from leadseg.api import diff_exports
from tests.oracle import Oracle, fold, is_blank, read_csv_rows

ROOT = Path(__file__).parent.parent
SEGMENTS = ROOT / "segments.yaml"
AS_OF = date(2026, 11, 28)


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> tuple[Path, Path]:
    """OLD: the bundled example; NEW: its rows from 200 on, some scores changed, some keys
    re-spelt (spaces, capitals), one repeated, one blank, one new contact."""
    folder = tmp_path_factory.mktemp("diff")
    text = (ROOT / "examples/contacts.csv").read_text(encoding="utf-8")
    records = list(csv.reader(io.StringIO(text)))
    header, body = records[0], records[1:]
    score = header.index("Overall Behavior Score")
    new = []
    for i, record in enumerate(body[200:]):
        record = list(record)
        if i % 9 == 0:
            record[score] = str((i * 7) % 101)
        if i % 20 == 0:
            record[0] = "  " + record[0].upper() + " "
        new.append(record)
    new.append(list(body[300]))
    new.append(["", *body[301][1:]])
    new.append(["brand.new@example.com", *body[302][1:]])
    old_path, new_path = folder / "old.csv", folder / "new.csv"
    old_path.write_text(text, encoding="utf-8")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *new])
    new_path.write_text(buffer.getvalue(), encoding="utf-8")
    return old_path, new_path


def reference(path: Path) -> tuple[list[dict], dict[str, set[str]], dict[str, list[int]]]:
    header, rows, _ = read_csv_rows(path.read_text(encoding="utf-8"))
    oracle = Oracle(SEGMENTS.read_text(encoding="utf-8"), header, as_of=AS_OF)
    members = oracle.run(rows).members
    keys = {
        name: {fold(rows[i]["Email"]) for i in found if not is_blank(rows[i]["Email"])}
        for name, found in members.items()
    }
    return rows, keys, members


def rows_of(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_diff_matches_the_reference(exports, every_engine, tmp_path):
    old, new = exports
    options = leadseg.RunOptions(engine=every_engine, as_of=AS_OF)
    result = diff_exports(old, new, SEGMENTS, "email", options, tmp_path / "out", True)
    old_rows, old_keys, old_members = reference(old)
    new_rows, new_keys, new_members = reference(new)
    assert result.key == "Email"
    for change in result.segments:
        name = change.name
        assert change.before == len(old_members[name])
        assert change.after == len(new_members[name])
        assert change.entered == len(new_keys[name] - old_keys[name])
        assert change.left == len(old_keys[name] - new_keys[name])
        assert change.stayed == len(new_keys[name] & old_keys[name])
        entered = rows_of(tmp_path / "out" / change.files["entered"])
        expected = [
            new_rows[i] for i in new_members[name]
            if not is_blank(new_rows[i]["Email"])
            and fold(new_rows[i]["Email"]) in new_keys[name] - old_keys[name]
        ]  # fmt: skip
        assert [r["Email"] for r in entered] == [r["Email"] for r in expected]
        left = rows_of(tmp_path / "out" / change.files["left"])
        assert len(left) == sum(
            1
            for i in old_members[name]
            if fold(old_rows[i]["Email"]) in old_keys[name] - new_keys[name]
        )
    assert result.new_keys.blank == 1 and result.new_keys.duplicate == 1
    assert result.new_keys.blank_rows == [len(new_rows)] and result.old_keys.blank == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [s["name"] for s in manifest["segments"]] == [s.name for s in result.segments]


def test_diff_cli(exports, cli, tmp_path):
    old, new = exports
    result = cli("diff", old, new, "-s", SEGMENTS, "--key", "EMAIL", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"old", "new", "key", "segments", "keys"}
    assert set(data["segments"][0]) == {"name", "before", "after", "entered", "left", "stayed"}
    assert "1 row(s) with a blank 'Email'" in result.stderr
    assert "1 row(s) repeat the 'Email' of an earlier row" in result.stderr
    strict = cli("diff", old, new, "-s", SEGMENTS, "--key", "Email", "--strict")
    assert strict.exit_code == 65 and "blank 'Email'" in strict.stderr
    missing = cli("diff", old, new, "-s", SEGMENTS, "--key", "mail")
    assert missing.exit_code == 2 and "no such column" in missing.stderr
    table = cli("diff", old, new, "-s", SEGMENTS, "--key", "Email", "--format", "csv")
    assert table.stdout.splitlines()[0] == "name,before,after,entered,left,stayed"


def test_diff_never_replaces_an_export(exports, cli, tmp_path):
    old, new = exports
    result = cli("diff", old, new, "-s", SEGMENTS, "--key", "Email", "-o", old.parent)
    assert result.exit_code == 0  # writes beside them; no name collides
    folder = tmp_path / "o"
    folder.mkdir()
    victim = folder / "sales-ready.entered.csv"
    copy = folder / "copy.csv"
    copy.write_bytes(new.read_bytes())
    victim.symlink_to(copy)
    result = cli("diff", old, copy, "-s", SEGMENTS, "--key", "Email", "-o", folder)
    assert result.exit_code == 73 and copy.read_bytes() == new.read_bytes()


def test_key_problems_of_the_old_export(exports):
    """The repeated and blank keys are found in OLD as in NEW (the exports swapped)."""
    old, new = exports
    result = diff_exports(new, old, SEGMENTS, "Email", leadseg.RunOptions(as_of=AS_OF))
    rows = rows_of(new)
    repeated = fold(rows[-3]["Email"])
    first_row = next(i for i, r in enumerate(rows) if fold(r["Email"]) == repeated) + 2
    assert result.old_keys.blank == 1 and result.old_keys.blank_rows == [len(rows)]
    assert result.old_keys.duplicate == 1 and result.old_keys.duplicate_rows == [first_row]
    assert not result.new_keys


def test_diff_of_a_parquet_and_a_csv_export(exports, tmp_path):
    """OLD as Parquet, NEW as CSV: the same figures as both as CSV; ``auto`` reads both with
    Polars (one query groups both exports by key), though it counts Parquet with DuckDB."""
    import polars as pl

    from leadseg.engines import choose

    old, new = exports
    parquet = tmp_path / "old.parquet"
    pl.read_csv(old, infer_schema=False).write_parquet(parquet)
    assert choose("auto", "parquet", work="keys") == "polars"
    options = leadseg.RunOptions(as_of=AS_OF)
    mixed = diff_exports(parquet, new, SEGMENTS, "Email", options)
    alike = diff_exports(old, new, SEGMENTS, "Email", options)
    assert [s.to_dict() for s in mixed.segments] == [s.to_dict() for s in alike.segments]
    assert mixed.new_keys == alike.new_keys and mixed.old_keys == alike.old_keys
    assert any(s.entered or s.left for s in mixed.segments)


NFC_SEGMENTS = """\
version: 1
segments:
  - name: Zurich
    profile: {field: City, is: Zürich}
  - name: Hot
    score: {field: Score, at_least: 50}
"""


def test_text_needing_nfc_in_one_export(every_engine, tmp_path):
    """NEW spells a city and a key with a combining accent, OLD with the composed letter:
    the same city and the same contact (the pass runs again with NFC for that export)."""
    segments = tmp_path / "segments.yaml"
    segments.write_text(NFC_SEGMENTS, encoding="utf-8")
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text(
        "Email,City,Score\njos\u00e9@x.com,Z\u00fcrich,70\nana@x.com,Bern,10\nbo@x.com,Z\u00fcrich,20\n",
        encoding="utf-8",
    )
    new.write_text(
        "Email,City,Score\nJOSE\u0301@x.com,Zu\u0308rich,70\nana@x.com,Zu\u0308rich,60\nbo@x.com,Bern,20\n",
        encoding="utf-8",
    )
    options = leadseg.RunOptions(engine=every_engine)
    result = diff_exports(old, new, segments, "Email", options)
    figures = {s.name: (s.before, s.after, s.entered, s.left, s.stayed) for s in result.segments}
    assert figures == {"Zurich": (2, 2, 1, 1, 1), "Hot": (1, 2, 1, 0, 1)}
    assert not result.old_keys and not result.new_keys


def test_blank_lines_in_one_export(exports, tmp_path):
    """NEW with blank lines (the pass runs again, skipping them): the same figures, and the
    rows named are the file's rows, blank lines counted."""
    old, new = exports
    lines = new.read_text(encoding="utf-8").splitlines(keepends=True)
    spaced = tmp_path / "spaced.csv"
    spaced.write_text("".join(lines[:10] + ["\n", "\n"] + lines[10:]), encoding="utf-8")
    options = leadseg.RunOptions(as_of=AS_OF)
    plain = diff_exports(old, new, SEGMENTS, "Email", options)
    result = diff_exports(old, spaced, SEGMENTS, "Email", options)
    assert [s.to_dict() for s in result.segments] == [s.to_dict() for s in plain.segments]
    assert result.new_keys.blank_rows == [row + 2 for row in plain.new_keys.blank_rows]
    assert result.new_keys.duplicate_rows == [row + 2 for row in plain.new_keys.duplicate_rows]


@pytest.mark.parametrize("written", [False, True], ids=["counts", "with -o"])
def test_spark_brings_back_kinds_of_keys_not_every_key(exports, spark_session, tmp_path, written):
    """On Spark the keys are grouped and joined where they live: diff gets one row per key
    it names (blank, first repeated, and with -o every key that changed) and one per kind
    of other key -- and the same figures as the Polars engine."""
    import polars as pl

    import leadseg.analysis.diff as diff

    seen: list[pl.DataFrame] = []
    real = diff.changes

    def spy(names, groups, index_of, counts):
        seen.append(groups)
        return real(names, groups, index_of, counts)

    old, new = exports
    out = tmp_path / "out" if written else None
    spark = leadseg.RunOptions(engine="spark", as_of=AS_OF)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(diff, "changes", spy)
        result = diff_exports(old, new, SEGMENTS, "Email", spark, out, True)
    polars = diff_exports(old, new, SEGMENTS, "Email", leadseg.RunOptions(as_of=AS_OF))
    assert [s.to_dict() | {"files": {}} for s in result.segments] == [
        s.to_dict() | {"files": {}} for s in polars.segments
    ]
    assert result.old_keys == polars.old_keys and result.new_keys == polars.new_keys
    groups = seen[0]
    distinct = len(
        {fold(r["Email"]) for r in rows_of(old)} | {fold(r["Email"]) for r in rows_of(new)}
    )
    assert groups["keys"].sum() == distinct
    named = groups.filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
    if written:  # every key that changed has its row (the files name them), the rest do not
        (_, was, _), (_, now, _) = reference(old), reference(new)
        changed = set().union(*(was[name] ^ now[name] for name in was))
        assert changed and set(named["key"]) >= changed and groups.height < distinct / 2
    else:  # the first repeated keys of each export only
        assert named.height <= 2 * 5 and groups.height < distinct / 10


def test_keyed_groups_give_the_totals_of_a_count(tmp_path, every_engine):
    """An engine's keyed pass gives each export the totals its count pass gives -- rows,
    members, unreadable and readable values and the rows of the first unreadable ones --
    however it groups (DuckDB and Spark sum them from the key groups)."""
    from leadseg.api import _opened, _planned
    from leadseg.engines import engine_for
    from leadseg.segments.file import parse_segments

    export = tmp_path / "messy.csv"
    export.write_text(
        "Email,Score,Seen\na@x,70,2026-11-01\nb@x,abc,never\n,55,2026-10-01\n"
        "a@x,n/a,2026-11-20\nc@x,1e999,\nd@x,90,2025-01-01\n",
        encoding="utf-8",
    )
    segments = parse_segments(
        "segments:\n  - name: hot\n    score: {field: Score, at_least: 60}\n"
        "  - name: recent\n    profile: {field: Seen, in_last_days: 60}\n"
    )
    options = leadseg.RunOptions(engine=every_engine, as_of=AS_OF)
    with _opened(export, options, work="keys") as (opened, run):
        plan = _planned(opened, segments, [], run)
        engine = engine_for(run)
        (keyed,), _ = engine.keyed_groups([plan], ["Email"])
        counted = engine.totals(plan)
    fields = ("rows", "members", "unreadable", "readable", "first_unreadable")
    assert {f: getattr(keyed, f) for f in fields} == {f: getattr(counted, f) for f in fields}
    assert counted.unreadable == [2, 1] and counted.members == [2, 3]


def test_keys_match_whichever_greek_sigma_they_end_in(every_engine, tmp_path):
    """'ΟΔΟΣ' lower-cases to a final sigma, 'οδοσ' is written with the other one: text
    comparisons take them as one letter, and so does the key (Polars' own lower-casing
    kept them apart)."""
    segments = tmp_path / "s.yaml"
    segments.write_text("segments:\n  - name: hot\n    score: {field: Score, at_least: 60}\n")
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text("Key,Score\n\u03a3,70\n\u039f\u0394\u039f\u03a3,70\n", encoding="utf-8")
    new.write_text("Key,Score\n\u03c2,70\n\u03bf\u03b4\u03bf\u03c3,70\n", encoding="utf-8")
    options = leadseg.RunOptions(engine=every_engine, as_of=AS_OF)
    (hot,) = diff_exports(old, new, segments, "Key", options, tmp_path / "out", True).segments
    assert (hot.entered, hot.left, hot.stayed) == (0, 0, 2)


DIFF_EXAMPLES = {"polars": 60, "duckdb": 25, "spark": 6}


@pytest.mark.parametrize("name", list(DIFF_EXAMPLES))
def test_diff_agrees_with_the_reference_on_hostile_keys(tmp_path, request, name):
    """Random exports keyed by a column of hostile text (blank and white-space-only values,
    case, NFC and sigma variants, odd spaces): before/after, entered/left/stayed and the
    blank and repeated keys as the plain-Python reference folds keys."""
    from hypothesis import HealthCheck, given, settings

    from leadseg.errors import ExportDataError
    from tests.test_properties import rows_strategy, segment_files, write_export

    if name == "spark":
        request.getfixturevalue("spark_session")

    def reference(text: str, segment_file: str):
        header, rows, numbers = read_csv_rows(text)
        outcome = Oracle(segment_file, header, as_of=AS_OF).run(rows, numbers)
        keys = [r["Country"] for r in rows]
        members = {
            n: {fold(keys[i]) for i in m if not is_blank(keys[i])}
            for n, m in outcome.members.items()
        }
        return outcome, (keys, numbers), members

    def problems(keyed: tuple[list, list[int]]) -> tuple[int, list[int], int, list[int]]:
        """Blank and repeated keys; rows as a spreadsheet numbers them (rows of empty
        fields hold no contact but count)."""
        keys, numbers = keyed
        first: dict[str, int] = {}
        blank_rows, duplicate = [], 0
        for key, number in zip(keys, numbers, strict=True):
            if is_blank(key):
                blank_rows.append(number)
            elif fold(key) in first:
                duplicate += 1
            else:
                first[fold(key)] = number
        counted = {k: sum(1 for v in keys if not is_blank(v) and fold(v) == k) for k in first}
        repeated = sorted(first[k] for k, n in counted.items() if n > 1)
        return len(blank_rows), blank_rows[:1], duplicate, repeated[:5]

    @settings(
        max_examples=DIFF_EXAMPLES[name],
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(old=rows_strategy, new=rows_strategy, segment_file=segment_files())
    def agrees(old, new, segment_file):
        old_path, new_path = tmp_path / "old.csv", tmp_path / "new.csv"
        was, old_keys, before = reference(write_export(old_path, old), segment_file)
        now, new_keys, after = reference(write_export(new_path, new), segment_file)
        options = leadseg.RunOptions(engine=name, as_of=AS_OF)
        segments = leadseg.parse_segments(segment_file)
        if was.error or now.error:
            with pytest.raises(ExportDataError):
                diff_exports(old_path, new_path, segments, "Country", options)
            return
        result = diff_exports(old_path, new_path, segments, "Country", options)
        for change in result.segments:
            n = change.name
            assert (change.before, change.after) == (len(was.members[n]), len(now.members[n]))
            assert change.entered == len(after[n] - before[n]), n
            assert change.left == len(before[n] - after[n]), n
            assert change.stayed == len(after[n] & before[n]), n
        for found, keys in ((result.old_keys, old_keys), (result.new_keys, new_keys)):
            got = (found.blank, found.blank_rows, found.duplicate, found.duplicate_rows)
            assert got == problems(keys)

    agrees()
