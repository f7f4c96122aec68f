"""Hardening, round 2: trust boundaries, bounded resources, hostile names. Each test is an
attack that got through before its fix."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard

import leadseg
from leadseg.exit_codes import ExitCode
from leadseg.results import CountResult
from tests.conftest import published

HOT = "segments:\n  - name: hot\n    score: {at_least: 60}\n"
ROWS = "Email,Score\n" + "".join(f"c{i}@x,{i % 100}\n" for i in range(3000))


def count(path, segments: str = HOT, **read) -> CountResult:
    options = leadseg.RunOptions(read=leadseg.ReadOptions(**read))
    return leadseg.count_segments(path, leadseg.parse_segments(segments), options)


# -- paths are paths --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet", "ndjson"])
def test_a_path_with_glob_characters_is_read_as_itself(tmp_path, fmt):
    import polars as pl

    mine = pl.DataFrame({"Email": ["a@x"], "Score": ["70"]})
    other = pl.DataFrame({"Email": ["b@x", "c@x"], "Score": ["90", "95"]})
    writers = {"csv": "write_csv", "parquet": "write_parquet", "ndjson": "write_ndjson"}
    getattr(mine, writers[fmt])(tmp_path / f"contacts[1].{fmt}")
    getattr(other, writers[fmt])(tmp_path / f"contacts1.{fmt}")
    getattr(other, writers[fmt])(tmp_path / f"contacts2.{fmt}")
    for name in (f"contacts[1].{fmt}", f"contacts?.{fmt}", f"contacts*.{fmt}"):
        if not (tmp_path / name).exists():
            with pytest.raises(leadseg.LeadsegError) as info:
                count(tmp_path / name)
            assert info.value.exit_code == ExitCode.NO_INPUT
            continue
        result = count(tmp_path / name)
        assert (result.rows, result.segments[0].count) == (1, 1)


def test_an_output_directory_with_glob_characters_holds_parquet_parts(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text(ROWS)
    out = tmp_path / "out[1]"
    out.mkdir()
    (tmp_path / "out1").mkdir()
    leadseg.apply_segments(export, leadseg.parse_segments(HOT), out, output_format="parquet")
    import polars as pl

    assert pl.read_parquet(out / "hot.parquet", glob=False).height == 1200


# -- names that collide or escape ---------------------------------------------------------


def test_a_header_named_like_an_internal_column_is_refused(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score,\x00leadseg:raw-line\na@x,70,x\n")
    with pytest.raises(leadseg.LeadsegError) as info:
        count(export)
    assert info.value.exit_code == ExitCode.DATA_ERROR
    assert "reserves" in str(info.value)


@pytest.mark.parametrize(
    "name", ["evil\x1b]0;pwned\x07", "two\nlines", "tab\there", "rtl\u202eexe"]
)
def test_control_characters_in_names_are_printed_escaped(cli, tmp_path, name):
    export = tmp_path / "e.csv"
    export.write_text(f'Email,"{name}"\na@x,70\n', newline="")
    segments = tmp_path / "s.yaml"
    segments.write_text(
        "segments:\n"
        f"  - name: {json.dumps(name)}\n    profile: {{field: {json.dumps(name)}, at_least: 1}}\n"
        f"  - name: other\n    profile: {{field: {json.dumps(name + 'x')}, at_least: 1}}\n"
    )
    result = cli("count", export, "-s", segments)
    assert result.exit_code == ExitCode.CONFIG_ERROR  # the second segment's column is unknown
    for stream in (result.stdout, result.stderr):
        assert not any(c in stream for c in "\x1b\x07\t\u202e")
    assert len(result.stderr.splitlines()) == 2  # one error line and its hint, nothing forged
    segments.write_text(
        f"segments:\n  - name: {json.dumps(name)}\n    profile: "
        f"{{field: {json.dumps(name)}, at_least: 1}}\n"
    )
    result = cli("count", export, "-s", segments)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 1 and result.stdout.endswith("\t1\n")
    assert not any(c in result.stdout.split("\t")[0] for c in "\x1b\x07\n\u202e")


# -- compressed and streamed input --------------------------------------------------------


def test_a_truncated_zstd_export_is_an_error(tmp_path):
    data = ROWS.encode()
    packed = zstandard.ZstdCompressor().compress(data)
    path = tmp_path / "e.csv.zst"
    for cut in (len(packed) - 1, len(packed) // 2):
        path.write_bytes(packed[:cut])
        with pytest.raises(leadseg.LeadsegError) as info:
            count(path)
        assert info.value.exit_code == ExitCode.DATA_ERROR, cut
        assert "damaged or cut short" in str(info.value)
    path.write_bytes(packed + zstandard.ZstdCompressor().compress(b"z@x,99\n"))
    assert count(path).rows == 3001  # several frames are read to the end


def test_decompression_is_capped(tmp_path, monkeypatch):
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress(b"Email,Score\n" + b"a@x,70\n" * 200_000))
    monkeypatch.setenv("LEADSEG_MAX_COPY", "100K")
    with pytest.raises(leadseg.LeadsegError) as info:
        count(path)
    assert info.value.exit_code == ExitCode.DATA_ERROR
    assert "LEADSEG_MAX_COPY" in str(info.value) and "LEADSEG_MAX_COPY" in info.value.hint


def test_a_full_tmpdir_is_reported_as_such(cli, tmp_path, tiny_disk, monkeypatch):
    path = tmp_path / "e.csv.gz"
    path.write_bytes(gzip.compress(ROWS.encode() * 20))
    monkeypatch.setenv("TMPDIR", str(tiny_disk))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    result = cli("count", path, "--at-least", "1")
    assert result.exit_code == ExitCode.IO_ERROR, result.stderr
    assert "TMPDIR" in result.stderr and "damaged" not in result.stderr


def test_a_fifo_is_read_as_a_stream(tmp_path):
    fifo = tmp_path / "contacts.csv"
    os.mkfifo(fifo)
    writer = subprocess.Popen([sys.executable, "-c", f"open({str(fifo)!r}, 'w').write({ROWS!r})"])
    try:
        assert count(fifo).rows == 3000
    finally:
        writer.wait(timeout=30)


def test_process_substitution_is_read_as_a_stream(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text(ROWS)
    code = (
        "import leadseg,sys; r = leadseg.count_segments(sys.argv[1], "
        f"leadseg.parse_segments({HOT!r})); print(r.rows)"
    )
    done = subprocess.run(
        ["bash", "-c", f'{sys.executable} -c "$0" <(cat {export})', code],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "3000", done.stderr


def test_a_device_of_zeros_is_not_a_csv(cli):
    result = cli("count", "/dev/zero", "--at-least", "1")
    assert result.exit_code == ExitCode.DATA_ERROR
    assert "NUL bytes" in result.stderr


def test_a_symlink_loop_is_a_missing_input(cli, tmp_path):
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    result = cli("count", loop, "--at-least", "1")
    assert result.exit_code == ExitCode.NO_INPUT
    assert "loop" in result.stderr


# -- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["rot13", "base64", "hex", "zlib", "punycode", "undefined"])
def test_only_text_encodings_are_accepted(cli, tmp_path, encoding):
    export = tmp_path / "e.csv"
    export.write_text(ROWS)
    result = cli("count", export, "--at-least", "1", "--encoding", encoding)
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert "internal error" not in result.stderr


def test_decoding_errors_are_located_data_errors(cli, tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\nJosé,70\n")
    result = cli("count", export, "--at-least", "1", "--encoding", "utf-16")
    assert result.exit_code == ExitCode.DATA_ERROR, result.stderr
    cut = tmp_path / "cut.csv"
    cut.write_bytes(ROWS.encode("utf-16")[:-1])
    result = cli("count", cut, "--at-least", "1")
    assert result.exit_code == ExitCode.DATA_ERROR, result.stderr
    assert "not valid utf-16" in result.stderr


# -- numbers and days out of range ----------------------------------------------------------


@pytest.mark.parametrize(
    "criterion",
    [
        "score: {at_least: " + "9" * 400 + "}",
        "score: {at_most: " + "9" * 5000 + "}",
        "score: {at_least: .inf}",
        "score: {in: [1, -.inf]}",
        "profile: {field: Created, in_last_days: 1000000}",
    ],
)
def test_numbers_out_of_range_are_segment_file_errors(cli, tmp_path, criterion):
    path = tmp_path / "s.yaml"
    path.write_text(f"segments:\n  - name: x\n    {criterion}\n")
    result = cli("validate", path)
    assert result.exit_code == ExitCode.CONFIG_ERROR, result.stderr
    assert f"{path}:3:" in result.stderr


def test_relative_days_near_the_first_date_have_a_defined_result(tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("Email,Created\na@x,0001-01-01\nb@x,2026-01-01\n")
    segments = (
        "segments:\n  - name: recent\n    profile: {field: Created, in_last_days: 1}\n"
        "  - name: old\n    profile: {field: Created, more_than_days_ago: 5}\n"
    )
    result = leadseg.count_segments(
        export,
        leadseg.parse_segments(segments),
        leadseg.RunOptions(as_of=__import__("datetime").date(1, 1, 1)),
    )
    assert [s.count for s in result.segments] == [1, 0]


# -- permissions ----------------------------------------------------------------------------


def test_a_file_mode_that_lets_others_write_is_warned_and_recorded(cli, tmp_path):
    export = tmp_path / "e.csv"
    export.write_text(ROWS)
    segments = tmp_path / "s.yaml"
    segments.write_text(HOT)
    out = tmp_path / "out"
    result = cli("apply", export, "-s", segments, "-o", out, "--mkdir", "--file-mode", "777")
    assert result.exit_code == 0
    assert "warning: --file-mode 0777 lets others change" in result.stderr
    assert json.loads((out / "manifest.json").read_text())["file_mode"] == "0777"
    assert (out / "hot.csv").stat().st_mode & 0o777 == 0o777
    quiet = cli("apply", export, "-s", segments, "-o", out, "--file-mode", "640")
    assert "warning" not in quiet.stderr


# -- bounded segment files --------------------------------------------------------------------


def _nested(kind: str, depth: int) -> str:
    leaf = "{score: {at_least: 1}}"
    if kind == "all":
        text = leaf
        for _ in range(depth):
            text = "{all: [" + text + "]}"
        return "segments:\n  - name: x\n    criteria: [" + text + "]\n"
    if kind == "not":
        return (
            "segments:\n  - name: x\n    "
            + "not: {" * depth
            + "score: {at_least: 1}"
            + "}" * depth
            + "\n"
        )
    return "segments: " + "[" * depth + "\n"


def _chain(length: int) -> str:
    """A parent chain written child first."""
    lines = ["segments:"]
    for i in reversed(range(length)):
        lines.append(
            f"  - name: s{i}\n    score: {{at_least: 1}}" + (f"\n    parent: s{i - 1}" if i else "")
        )
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text,code",
    [
        (_nested("all", 200), "yaml-refused"),
        (_nested("not", 1000), "yaml-refused"),
        (_nested("[", 1000), "yaml-refused"),
        (_chain(1000), "too-deep"),
        (_chain(5000), "too-many-segments"),
    ],
    ids=["all-200", "not-1000", "brackets-1000", "chain-1000", "chain-5000"],
)
def test_deep_or_large_segment_files_are_refused_quickly(tmp_path, text, code):
    import time

    path = tmp_path / "s.yaml"
    path.write_text(text)
    started = time.monotonic()
    with pytest.raises(leadseg.LeadsegError) as info:
        leadseg.load_segments(path)
    assert time.monotonic() - started < 5
    assert info.value.exit_code == ExitCode.CONFIG_ERROR
    assert code in {p.code for p in info.value.problems}


def test_a_long_chain_within_the_limits_is_evaluated(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(_chain(100))
    export = tmp_path / "e.csv"
    export.write_text(ROWS)
    result = leadseg.count_segments(export, path)
    assert {s.count for s in result.segments} == {2970}


@pytest.mark.parametrize("source", ["big", "/dev/zero"])
def test_huge_or_endless_segment_files_are_not_read_whole(tmp_path, source):
    path = Path(source) if source.startswith("/") else tmp_path / "big.yaml"
    if source == "big":
        path.write_text("# " + "x" * (50 << 20) + "\n" + HOT)
    with pytest.raises(leadseg.LeadsegError) as info:
        leadseg.load_segments(path)
    assert info.value.problems[0].code == "file-too-large"


# -- caches are inputs: trusted only when private -------------------------------------------


def test_a_cache_directory_others_can_write_is_refused(cli, tmp_path):
    export = tmp_path / "e.csv"
    export.write_text(ROWS)
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    result = cli("count", export, "--at-least", "60", "--cache", shared)
    assert result.exit_code == ExitCode.CANT_CREATE
    assert "writable by group or others" in result.stderr and "chmod 700" in result.stderr
    assert list(shared.iterdir()) == []


def test_a_forged_or_edited_cached_copy_is_never_served(tmp_path):
    import polars as pl

    export = tmp_path / "e.csv"
    export.write_text(ROWS)
    cache = tmp_path / "cache"
    truth = count(export, cache_dir=cache).segments[0].count
    (copy,) = cache.glob("*.parquet")
    pl.DataFrame({"Email": ["x"], "Score": ["99"]}).write_parquet(copy)  # hand-edited
    assert count(export, cache_dir=cache).segments[0].count == truth
    for record in cache.glob("*.json"):  # a forged record pointing at a forged copy
        data = json.loads(record.read_text())
        forged = cache / "forged.parquet"
        pl.DataFrame({"Email": ["x"], "Score": ["99"]}).write_parquet(forged)
        data["copy"], data["copy_sha256"] = "../forged.parquet", "0" * 64
        record.write_text(json.dumps(data))
    assert count(export, cache_dir=cache).segments[0].count == truth


def test_planted_temp_names_in_the_cache_are_never_followed(tmp_path, monkeypatch):
    import secrets

    from leadseg.exports import cache as export_cache

    export = tmp_path / "e.csv"
    export.write_text(ROWS)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("precious")
    tokens = iter(["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc", "dddddddddddddddd"])
    monkeypatch.setattr(secrets, "token_hex", lambda n: next(tokens))
    key = export_cache.identity(
        type(
            "E", (), {"source_path": export, "delimiter": ",", "encoding": "utf-8", "escape": None}
        )()
    )
    prefix = export_cache._entry_names(key)[1].removesuffix(".json")
    (cache / f"{prefix}-aaaaaaaaaaaaaaaa.parquet").symlink_to(victim)
    assert count(export, cache_dir=cache).rows == 3000
    assert victim.read_text() == "precious"


def test_two_runs_with_different_encodings_keep_separate_cache_entries(tmp_path):
    export = tmp_path / "e.csv"
    export.write_bytes("Name,Score\nJosé,70\nZoë,80\n".encode("cp1252"))
    cache = tmp_path / "cache"
    latin = count(export, cache_dir=cache, encoding="cp1252")
    turkish = count(export, cache_dir=cache, encoding="cp1254")
    assert latin.rows == turkish.rows == 2
    assert len(list(cache.glob("*.json"))) == 2  # one entry per reading options


def test_a_planted_segment_cache_entry_cannot_write_outside_the_output(cli, tmp_path, monkeypatch):
    import hashlib

    segcache = tmp_path / "segcache"
    segcache.mkdir(mode=0o700)
    monkeypatch.setenv("LEADSEG_SEGMENT_CACHE_DIR", str(segcache))
    segments = tmp_path / "s.yaml"
    segments.write_text(HOT)
    export = tmp_path / "e.csv"
    export.write_text(ROWS)
    out = tmp_path / "out"
    assert cli("apply", export, "-s", segments, "-o", out, "--mkdir").exit_code == 0
    # The segment file's entry (the export's remembered structure sits beside it).
    digest = hashlib.sha256(segments.read_bytes()).hexdigest()
    (entry,) = [e for e in segcache.iterdir() if e.name.startswith(digest)]
    data = json.loads(entry.read_text())
    data["segments"][0]["slug"] = "../../escaped"
    entry.write_text(json.dumps(data))
    assert cli("apply", export, "-s", segments, "-o", out).exit_code == 0
    assert not (tmp_path / "escaped.csv").exists() and (out / "hot.csv").exists()
    segcache.chmod(0o777)  # now anyone could plant entries: the cache is not used
    data["segments"][0]["criterion"]["condition"][3] = 99.0
    entry.write_text(json.dumps(data))
    result = cli("count", export, "-s", segments, "--format", "json")
    assert json.loads(result.stdout)["segments"][0]["count"] == 1200


# -- nothing lost, nothing silently partial -----------------------------------------------------

TWO = HOT + "  - name: cold\n    score: {at_most: 20}\n"


def test_a_failed_rename_during_publication_restores_the_previous_run(cli, tmp_path):
    export = tmp_path / "e.csv"
    export.write_text(ROWS)
    segments = tmp_path / "s.yaml"
    segments.write_text(TWO)
    out = tmp_path / "out"
    assert cli("apply", export, "-s", segments, "-o", out, "--mkdir").exit_code == 0
    (out / "cold.csv").unlink()
    (out / "cold.csv").mkdir()  # blocks the second rename
    (out / "cold.csv" / "keep").write_text("x")
    before = {n: (out / n).read_bytes() for n in published(out) if (out / n).is_file()}
    export.write_text(ROWS.replace(",9\n", ",99\n"))  # the new run would change hot.csv
    result = cli("apply", export, "-s", segments, "-o", out)
    assert result.exit_code == ExitCode.IO_ERROR
    assert "previous outputs were restored" in result.stderr
    assert {n: (out / n).read_bytes() for n in published(out) if (out / n).is_file()} == before
    assert not [p for p in out.iterdir() if ".leadseg-tmp-" in p.name]


@pytest.mark.parametrize("change", ["append", "truncate", "remove"])
def test_an_export_changing_during_apply_is_not_published(tmp_path, monkeypatch, change):
    from leadseg.outputs import applying

    export = tmp_path / "e.csv"
    export.write_text(ROWS)
    out = tmp_path / "out"
    out.mkdir()

    def meddle() -> None:
        if change == "append":
            with open(export, "a") as handle:
                handle.write("late@x,99\n")
        elif change == "truncate":
            os.truncate(export, 100)
        else:
            export.unlink()

    monkeypatch.setattr(applying, "after_batch", meddle)
    with pytest.raises(leadseg.LeadsegError) as info:
        leadseg.apply_segments(export, leadseg.parse_segments(HOT), out)
    expected = ExitCode.NO_INPUT if change == "remove" else ExitCode.DATA_ERROR
    assert info.value.exit_code == expected
    assert "while leadseg read it" in str(info.value)
    assert sorted(p.name for p in out.iterdir()) == [".leadseg.lock"]


def test_an_export_changing_during_count_is_an_error(tmp_path, monkeypatch):
    import leadseg.engines.polars.runner as engine

    export = tmp_path / "e.csv"
    export.write_text(ROWS)
    real = engine.collect_all

    def then_append(queries, exp):
        frames = real(queries, exp)
        with open(export, "a") as handle:
            handle.write("late@x,99\n")
        return frames

    monkeypatch.setattr(engine, "collect_all", then_append)
    with pytest.raises(leadseg.LeadsegError) as info:
        count(export)
    assert info.value.exit_code == ExitCode.DATA_ERROR


# -- one folding rule for both sides --------------------------------------------------------


@pytest.mark.parametrize(
    "criterion,value,matches",
    [
        ("starts_with: ΟΔΟΣ", "ΟΔΟΣΤΡΩΜΑ", True),
        ("is: οδοσ", "ΟΔΟΣ", True),
        ("ends_with: Σ", "ΟΔΟΣ", True),
        ("in: [x, ΟΔΟΣ]", "οδος", True),
        ('contains: "σ.τ"', "ΟΔΟΣ.ΤΡΩΜΑ", True),
        ('contains: "σ.τ"', "ΟΔΟΣXΤΡΩΜΑ", False),
        ("is: Café", "CAFÉ", True),
        ("ends_with: ß", "Straß", True),
        ("is: İstanbul", "İSTANBUL", True),
        ("is: Café", "Cafe\u0301", True),
        ('is: "Cafe\u0301"', "Café", True),
        ("contains: cafe", "Cafe\u0301 Royal", False),
        ("starts_with: e", "e\u0301tude", False),
        ("is: Å", "\u212b", True),
    ],
)
def test_text_is_folded_the_same_way_on_both_sides(tmp_path, criterion, value, matches):
    from tests.oracle import Oracle, read_csv_rows

    export = tmp_path / "e.csv"
    text = f"Email,Name\na@x,{value}\nb@x,other\n"
    export.write_text(text)
    segments = f"segments:\n  - name: x\n    profile: {{field: Name, {criterion}}}\n"
    result = count(export, segments)
    header, rows, numbers = read_csv_rows(text)
    expected = Oracle(segments, header, as_of=__import__("datetime").date(2026, 1, 1)).run(rows)
    assert result.segments[0].count == len(expected.members["x"]) == int(matches)


# -- columnar exports as they come ------------------------------------------------------------


def test_dictionary_columns_are_text_and_nested_columns_are_named(cli, tmp_path):
    import polars as pl

    export = tmp_path / "e.parquet"
    pl.DataFrame(
        {
            "Email": ["a@x", "b@x"],
            "Country": pl.Series(["US", "NO"], dtype=pl.Categorical),
            "Status": pl.Series(["Open", "Closed"], dtype=pl.Enum(["Open", "Closed"])),
            "Score": [70, 5],
            "Tags": [[1, 2], None],
            "Info": [{"a": 1}, {"a": 2}],
        }
    ).write_parquet(export)
    segments = tmp_path / "s.yaml"
    segments.write_text(
        "segments:\n  - name: us\n    profile: {field: Country, in: [us]}\n"
        "  - name: open\n    profile: {field: Status, is: open}\n"
    )
    out = tmp_path / "out"
    result = cli("apply", export, "-s", segments, "-o", out, "--mkdir")
    assert result.exit_code == 0, result.stderr
    assert (
        out / "us.csv"
    ).read_text() == 'Email,Country,Status,Score,Tags,Info\na@x,US,Open,70,"[1,2]","{""a"":1}"\n'
    nested = tmp_path / "n.yaml"
    nested.write_text("segments:\n  - name: t\n    profile: {field: Tags, is: x}\n")
    result = cli("count", export, "-s", nested)
    assert result.exit_code == ExitCode.CONFIG_ERROR
    assert f"{nested}:3:" in result.stderr and "'Tags'" in result.stderr and "list" in result.stderr


# -- memory --------------------------------------------------------------------------------


def test_count_memory_does_not_grow_with_rows(tmp_path):
    """Unreadable values in a number column once made count hold the whole column (about
    45 bytes a row); now only sums are kept, and the first unreadable rows come from a query
    that stops early."""

    def peak_kb(rows: int) -> int:
        path = tmp_path / f"short-{rows}.csv"
        path.write_text("Score\n" + "x\n1\n2\n3\n" * (rows // 4))
        code = (
            "import resource, sys, leadseg\n"
            "r = leadseg.count_segments(sys.argv[1], leadseg.parse_segments("
            "'segments:\\n  - name: a\\n    score: {at_least: 2}\\n'))\n"
            "assert r.unreadable[0].rows == [2, 6, 10, 14, 18], r.unreadable\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return int(done.stdout)

    small, large = peak_kb(800_000), peak_kb(8_000_000)
    # The large file is 14 MB bigger. The old plan grew by about 345 MB here; now the
    # growth is Polars' CSV reader's own (a plain Polars scan grows about 100 MB here).
    assert large - small < 220_000, (small, large)


# -- one structural rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "Email,Score\na@x,70\nb@x,80,\n\nc@x,90\n",  # an extra empty field and a blank line
        "Email,Score,Note\na@x,70,n\nb@x,80,n,\nc@x,90\n",  # an extra empty field and a short row
    ],
    ids=["extra-empty-and-blank-line", "extra-empty-and-short-row"],
)
def test_count_and_apply_agree_on_what_is_a_valid_file(tmp_path, body):
    export = tmp_path / "e.csv"
    export.write_text(body)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(leadseg.LeadsegError) as counted:
        count(export)
    with pytest.raises(leadseg.LeadsegError) as applied:
        leadseg.apply_segments(export, leadseg.parse_segments(HOT), out)
    assert counted.value.exit_code == applied.value.exit_code == ExitCode.DATA_ERROR
    assert str(counted.value) == str(applied.value)
    assert "row 3 (" in str(counted.value) or "row 4 (" in str(counted.value)
