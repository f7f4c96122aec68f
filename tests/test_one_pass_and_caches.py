"""One pass over the export, and the caches that make repeat runs cheap without ever
serving stale data."""

from __future__ import annotations

import os
import stat

import polars as pl
import pytest

import leadseg
import leadseg.exports.cache as export_cache
from leadseg import ReadOptions, RunOptions
from leadseg.segments.file import compiled_cache

SEGMENTS = leadseg.parse_segments(
    "segments:\n"
    "  - name: hot\n    score: {at_least: 60}\n"
    "  - name: hot us\n    parent: hot\n    profile: {field: Country, is: US}\n"
    "  - name: any\n    any: [{score: {at_most: 5}}, {segment: hot us}]\n"
)


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "contacts.csv"
    rows = "".join(f"c{i}@x.com,{i % 100},{'US' if i % 3 else 'CA'}\n" for i in range(3000))
    path.write_text("Email,Score,Country\n" + rows)
    return path


def test_count_is_one_scan_of_the_export(export, monkeypatch):
    import leadseg.engines.polars.runner as polars_engine

    plans = []
    real = polars_engine.collect_all

    def recording(queries, opened):
        plans.append(queries[0].explain())
        return real(queries, opened)

    monkeypatch.setattr(polars_engine, "collect_all", recording)
    leadseg.count_segments(export, SEGMENTS)
    assert len(plans) == 1
    assert plans[0].count("SCAN") == 1


def test_apply_reads_the_export_in_one_streaming_query(export, tmp_path, monkeypatch):
    calls = []
    real = pl.LazyFrame.collect_batches

    def counting(self, *args, **kwargs):
        calls.append(self.explain())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pl.LazyFrame, "collect_batches", counting)
    out = tmp_path / "out"
    out.mkdir()
    plans = {}
    for fmt in ("csv", "parquet"):
        calls.clear()
        result = leadseg.apply_segments(export, SEGMENTS, out, output_format=fmt)
        assert len(calls) == 1, fmt
        plans[fmt] = calls[0]
        assert [s.count for s in result.counts.segments] == [1200, 800, 980]
    assert plans["parquet"].count("SCAN") == 1
    # CSV output zips the parsed columns with each record's raw line: two scanners of the
    # same bytes moving in lockstep inside that one query.
    assert plans["csv"].count("SCAN") == 2 and "HCONCAT" in plans["csv"]


def test_raw_line_copy_keeps_rows_byte_for_byte(tmp_path):
    source = tmp_path / "in.csv"
    body = (
        b'Email,Score,Note\r\n"a@x.com",70,"quoted, kept"\r\nb@x.com, 80 ,plain\r\nc@x.com,1,\r\n'
    )
    source.write_bytes(body)
    out = tmp_path / "out"
    out.mkdir()
    segments = leadseg.parse_segments("segments:\n  - name: hot\n    score: {at_least: 60}\n")
    leadseg.apply_segments(source, segments, out)
    # Rows as they were (quotes, spaces), line endings made LF like every file leadseg writes.
    assert (out / "hot.csv").read_bytes() == b"".join(
        line + b"\n" for line in body.splitlines()[:3]
    )


def count(export, cache_dir):
    options = RunOptions(read=ReadOptions(cache_dir=cache_dir))
    return [s.count for s in leadseg.count_segments(export, SEGMENTS, options).segments]


def test_export_cache_is_private_and_served_while_the_file_is_unchanged(
    export, tmp_path, monkeypatch
):
    cache_dir = tmp_path / "cache"
    first = count(export, cache_dir)
    assert first == [1200, 800, 980]
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    files = sorted(cache_dir.iterdir())
    assert sorted(f.suffix for f in files) == [".json", ".parquet"]
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}

    def no_store(*args, **kwargs):
        raise AssertionError("the cached copy should have been served")

    monkeypatch.setattr(export_cache, "_store", no_store)
    assert count(export, cache_dir) == first


def test_changed_file_is_never_served_from_a_stale_copy(export, tmp_path):
    cache_dir = tmp_path / "cache"
    assert count(export, cache_dir) == [1200, 800, 980]
    before = export.stat()
    text = export.read_text()
    # Same size, same modification time: only the content (and the change time) differ.
    export.write_text(text.replace(",99,", ",98,").replace(",5,CA", ",7,CA"))
    os.utime(export, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert export.stat().st_size == before.st_size
    assert export.stat().st_mtime_ns == before.st_mtime_ns
    fresh = leadseg.count_segments(export, SEGMENTS)
    assert count(export, cache_dir) == [s.count for s in fresh.segments]
    assert count(export, cache_dir) != [1200, 800, 980]
    assert len(list(cache_dir.glob("*.parquet"))) == 1  # the stale copy was replaced


def test_cache_copy_of_a_ragged_file_is_never_made(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("Email,Score,Country\na,1,US\nb,2\n")
    cache_dir = tmp_path / "cache"
    with pytest.raises(leadseg.LeadsegError, match="fewer fields"):
        count(path, cache_dir)
    assert list(cache_dir.glob("*.parquet")) == []


def test_apply_from_the_cache_gives_the_same_files(export, tmp_path):
    cache_dir = tmp_path / "cache"
    count(export, cache_dir)
    plain, cached = tmp_path / "plain", tmp_path / "cached"
    plain.mkdir()
    cached.mkdir()
    leadseg.apply_segments(export, SEGMENTS, plain)
    result = leadseg.apply_segments(
        export, SEGMENTS, cached, options=RunOptions(read=ReadOptions(cache_dir=cache_dir))
    )
    for name in ("hot.csv", "hot-us.csv", "any.csv"):
        assert (plain / name).read_bytes() == (cached / name).read_bytes()
    assert result.counts.rows == 3000


def test_segment_cache_serves_valid_files_by_content(tmp_path, monkeypatch):
    path = tmp_path / "s.yaml"
    path.write_text("segments:\n  - name: hot\n    score: {at_least: 60}\n")
    leadseg.load_segments(path)
    assert not any(compiled_cache.cache_dir().iterdir())  # the library writes nothing unasked
    first = leadseg.load_segments(path, remember=True)
    entries = list(compiled_cache.cache_dir().iterdir())
    assert len(entries) == 1

    import leadseg.segments.file as spec

    def no_parse(*args, **kwargs):
        raise AssertionError("the remembered segment set should have been served")

    monkeypatch.setattr(spec, "parse_segments", no_parse)
    again = leadseg.load_segments(path, remember=True)
    assert again == first
    assert again.segments[0].criterion.origin.file == str(path)
    monkeypatch.undo()

    path.write_text("segments:\n  - name: hot\n    score: {at_least: 70}\n")
    assert leadseg.load_segments(path, remember=True).segments[0].criterion.value == 70.0


@pytest.mark.parametrize("home", ["missing", "read-only"])
def test_an_unusable_home_is_harmless_to_the_cli(cli, tmp_path, monkeypatch, home):
    monkeypatch.delenv("LEADSEG_SEGMENT_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    where = tmp_path / "home"
    if home == "read-only":
        where.mkdir(mode=0o500)
    monkeypatch.setenv("HOME", str(where))
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\n")
    (tmp_path / "segments.yaml").write_text("segments:\n  - name: hot\n    score: {at_least: 60}\n")
    result = cli("count", export)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "hot\t1\n"
    assert not (tmp_path / "~").exists()


def test_invalid_segment_files_are_never_remembered(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("segments:\n  - name: hot\n    score: {at_leest: 60}\n")
    for _ in range(2):
        with pytest.raises(leadseg.LeadsegError, match="at_leest"):
            leadseg.load_segments(path)
    assert list(compiled_cache.cache_dir().glob("*.json")) == []


def test_a_ragged_export_is_the_same_error_with_a_cache(cli, tmp_path):
    export = tmp_path / "e.csv"
    export.write_text("Email,Score\na@x,70\nb@x,1,extra\n")
    plain = cli("count", export, "--at-least", "1")
    cached = cli("count", export, "--at-least", "1", "--cache", tmp_path / "cache")
    assert plain.exit_code == cached.exit_code == 65
    assert cached.stderr == plain.stderr and "row 3" in cached.stderr
