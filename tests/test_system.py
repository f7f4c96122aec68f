"""What leadseg does where Windows, macOS and odd file systems differ from Linux: each OS
difference of ``leadseg.system`` shown on Linux by setting what that OS would say (the
platform suite, ``tests/test_platform.py``, runs whole commands with the functions removed).
"""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from leadseg import system
from leadseg.exit_codes import ExitCode
from tests.conftest import published, write_csv

HOT = "segments:\n  - name: hot\n    score: {at_least: 60}\n"


@pytest.fixture
def on_windows(monkeypatch):
    monkeypatch.setattr(system, "NAME", "windows")


def snapshot(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in published(directory)}


# -- names a case-insensitive disk would merge ------------------------------------------------


def test_an_extra_file_named_like_a_segment_file_in_another_case_is_an_error_before_work(
    cli, contacts, segfile, tmp_path
):
    out = tmp_path / "out"
    out.mkdir()
    for option, name in (("--membership", "Hot.csv"), ("--workbook", "Manifest.JSON")):
        result = cli("apply", contacts, "-s", segfile(HOT), "-o", out, option, name)
        assert result.exit_code == ExitCode.USAGE, result.stderr
        assert published(out) == []
    result = cli("apply", contacts, "-s", segfile(HOT), "-o", out, "--membership", "HOT.csv")
    assert "differ only in case" in result.stderr
    assert "HOT.csv" in result.stderr


def test_a_previous_file_in_another_spelling_is_removed_on_a_case_sensitive_disk(
    cli, contacts, segfile, tmp_path
):
    """On Linux's own disks Members.csv and members.csv are two files: the old one goes,
    so that the directory holds what its manifest lists (on a case-insensitive disk they
    are one file, which stays: ``test_case_insensitive_disk``)."""
    out = tmp_path / "out"
    spec = segfile(HOT)
    assert cli("apply", contacts, "-s", spec, "-o", out, "--mkdir", "--membership", "Members.csv")
    first = cli("apply", contacts, "-s", spec, "-o", out, "--membership", "members.csv")
    assert first.exit_code == 0, first.stderr
    assert published(out) == ["hot.csv", "manifest.json", "members.csv"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["membership"]["file"] == "members.csv"


# -- file systems without hard links ---------------------------------------------------------


@pytest.fixture
def no_hard_links(monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", refuse)


def test_replacing_outputs_where_the_disk_has_no_hard_links(
    cli, contacts, segfile, tmp_path, no_hard_links
):
    out = tmp_path / "out"
    spec = segfile(HOT)
    assert cli("apply", contacts, "-s", spec, "-o", out, "--mkdir").exit_code == 0
    write_csv(contacts, ["Email", "Overall Behavior Score"], [["z@x.com", "99"]])
    again = cli("apply", contacts, "-s", spec, "-o", out)
    assert again.exit_code == 0, again.stderr
    assert published(out) == ["hot.csv", "manifest.json"]
    assert (out / "hot.csv").read_text(encoding="utf-8") == "Email,Overall Behavior Score\n" + (
        "z@x.com,99\n"
    )


TWO = HOT + "  - name: cold\n    score: {at_most: 20}\n"


@pytest.fixture
def replacing_hot_fails(cli, contacts, segfile, tmp_path, monkeypatch):
    """An output folder from a first run; then every replace onto hot.csv fails with the
    error given (a rollback's too). Returns (run again, the folder's files before)."""
    out, spec = tmp_path / "out", segfile(TWO)
    assert cli("apply", contacts, "-s", spec, "-o", out, "--mkdir").exit_code == 0
    before = snapshot(out)
    real_replace = os.replace

    def arm(error: OSError):
        def replace(source, target, *args, **kwargs):
            if str(target).endswith("hot.csv"):
                raise error
            return real_replace(source, target, *args, **kwargs)

        monkeypatch.setattr(os, "replace", replace)
        return cli("apply", contacts, "-s", spec, "-o", out), before, out

    return arm


def test_a_failed_publication_without_hard_links_restores_every_previous_file(
    replacing_hot_fails, no_hard_links
):
    result, before, out = replacing_hot_fails(OSError(errno.EIO, "Input/output error"))
    assert result.exit_code == ExitCode.IO_ERROR
    assert "previous outputs were restored" in result.stderr
    assert snapshot(out) == before


# -- Windows ---------------------------------------------------------------------------------


def test_a_file_excel_holds_open_is_named_and_the_previous_outputs_stay(
    replacing_hot_fails, on_windows
):
    held = PermissionError(13, "The process cannot access the file")
    result, before, out = replacing_hot_fails(held)
    assert result.exit_code == ExitCode.IO_ERROR
    assert "cannot replace hot.csv: another program (Excel?) has it open" in result.stderr
    assert "close it" in result.stderr and "previous outputs were restored" in result.stderr
    assert snapshot(out) == before


def test_a_stale_file_another_program_holds_open_stays_and_the_run_succeeds(
    cli, contacts, segfile, tmp_path, monkeypatch, on_windows
):
    out, spec = tmp_path / "out", segfile(TWO)
    assert cli("apply", contacts, "-s", spec, "-o", out, "--mkdir").exit_code == 0
    (out / ".hot.csv.leadseg-tmp-0123456789ab").write_text("a killed run's, held open")
    real_unlink = Path.unlink

    def held(path, *args, **kwargs):
        if path.name in ("cold.csv", ".hot.csv.leadseg-tmp-0123456789ab"):
            raise PermissionError(13, "The process cannot access the file")
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", held)
    result = cli("apply", contacts, "-s", spec, "-o", out, "--only", "hot")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [s["file"] for s in manifest["segments"]] == ["hot.csv"]
    assert (out / "cold.csv").exists()


def test_no_mode_is_applied_or_recorded_on_windows(cli, contacts, segfile, tmp_path, on_windows):
    out = tmp_path / "out"
    result = cli("apply", contacts, "-s", segfile(HOT), "-o", out, "--mkdir", "--file-mode", "640")
    assert result.exit_code == 0, result.stderr
    assert "has no effect on Windows" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["file_mode"] is None
    # created as os.open makes files on Windows too, and never chmod-ed afterwards
    assert (out / "hot.csv").stat().st_mode & 0o777 == 0o600


def test_the_cache_trust_check_is_off_on_windows_and_the_change_time_unused(on_windows):
    info = os.stat(Path.cwd())
    assert system.untrusted_reason(os.stat_result((0o40777, *info[1:]))) is None
    assert system.change_stamp(info) is None


def test_linux_and_macos_refuse_a_cache_others_can_write():
    info = os.stat(Path.cwd())
    shared = os.stat_result((0o40777, *info[1:4], os.getuid(), *info[5:]))
    assert "mode 0777" in system.untrusted_reason(shared)
    foreign = os.stat_result((0o40700, *info[1:4], os.getuid() + 1, *info[5:]))
    assert system.untrusted_reason(foreign) == "owned by another user"


def test_hints_quote_for_the_users_shell(monkeypatch):
    assert system.quote("Lead Score") == "'Lead Score'"
    assert system.make_directory_command("out dir") == "mkdir -p 'out dir'"
    monkeypatch.setattr(system, "NAME", "windows")
    assert system.quote("Lead Score") == '"Lead Score"'
    assert system.quote("%d.%m.%Y") == '"%d.%m.%Y"'
    assert system.quote('say "hi"') == '"say ""hi"""'
    assert system.quote("Score") == "Score"
    assert system.make_directory_command(r"C:\Users\ana\out") == r"mkdir C:\Users\ana\out"


def test_the_missing_directory_hint_names_a_windows_command(
    cli, contacts, segfile, tmp_path, on_windows
):
    result = cli("apply", contacts, "-s", segfile(HOT), "-o", tmp_path / "new folder")
    assert result.exit_code == ExitCode.CANT_CREATE
    assert f'mkdir "{tmp_path / "new folder"}"' in result.stderr
    assert "mkdir -p" not in result.stderr


def test_a_closed_pipe_on_windows_says_einval():
    closed = OSError(errno.EINVAL, "Invalid argument")
    assert system.broken_pipe(BrokenPipeError())
    assert not system.broken_pipe(closed)
    system.NAME, saved = "windows", system.NAME
    try:
        assert system.broken_pipe(closed)
        assert not system.broken_pipe(OSError(errno.ENOSPC, "No space left on device"))
    finally:
        system.NAME = saved


def test_ctrl_break_stops_a_run_like_sigterm(monkeypatch):
    import signal

    monkeypatch.setattr(signal, "SIGBREAK", signal.SIGUSR1, raising=False)
    assert system.termination_signals() == [signal.SIGTERM, signal.SIGUSR1]


# -- the console -----------------------------------------------------------------------------

LODZ = "segments:\n  - name: Łódź – hot leads\n    score: {at_least: 60}\n"


def cp1252_run(*args: str, console: bool = False) -> subprocess.CompletedProcess:
    """The CLI with stdout and stderr in cp1252 (strict), as Windows gives a file or pipe
    (or, with ``console``, a legacy console: stdout is a terminal)."""
    import pty

    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "COLUMNS": "200"}
    command = [sys.executable, "-m", "leadseg", *args]
    if not console:
        return subprocess.run(command, capture_output=True, env=env, timeout=120)
    master, slave = pty.openpty()
    proc = subprocess.Popen(command, stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    stderr = proc.stderr.read() if proc.stderr else b""
    return subprocess.CompletedProcess(command, proc.wait(timeout=120), shown, stderr)


def test_a_file_or_pipe_gets_the_same_utf8_bytes_as_on_linux(contacts, segfile):
    spec = segfile(LODZ)
    for extra in ((), ("--format", "json"), ("--format", "csv")):
        args = ("count", str(contacts), "-s", str(spec), *extra)
        windows = cp1252_run(*args)
        linux = subprocess.run([sys.executable, "-m", "leadseg", *args], capture_output=True)
        assert windows.returncode == 0, windows.stderr
        assert windows.stdout == linux.stdout
        assert "Łódź – hot leads".encode() in windows.stdout
    described = cp1252_run("describe", str(contacts), "-s", str(segfile(HOT)))
    assert "\u2588".encode() in described.stdout  # the bars as on Linux


def test_a_legacy_console_shows_what_it_cannot_print_escaped(contacts, segfile):
    shown = cp1252_run("count", str(contacts), "-s", str(segfile(LODZ)), console=True)
    assert shown.returncode == 0, shown.stderr
    assert "\\u0141ód\\u017a – hot leads" in shown.stdout.decode("cp1252")
    chart = cp1252_run("describe", str(contacts), "-s", str(segfile(HOT)), console=True)
    assert chart.returncode == 0, chart.stderr
    text = chart.stdout.decode("cp1252")
    assert "histogram" in text and "#" in text and "\\u2588" not in text


def test_json_on_a_stream_that_cannot_carry_every_character():
    from leadseg.cli.render import print_json

    data = {"name": "Łódź – hot leads", "emoji": "🦆"}
    for encoding in ("cp1252", "cp437", "ascii"):
        raw = io.BytesIO()
        stream = io.TextIOWrapper(raw, encoding=encoding)
        print_json(data, stream)
        stream.flush()
        assert json.loads(raw.getvalue().decode(encoding)) == data
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    print_json(data, stream)
    stream.flush()
    assert "Łódź" in raw.getvalue().decode("utf-8")


def test_the_progress_bar_shows_time_where_the_os_tells_no_bytes(monkeypatch, capsys):
    import threading

    from leadseg.cli import progress

    monkeypatch.setenv("LEADSEG_PROGRESS_DELAY", "0")
    done = threading.Event()
    timer = threading.Timer(0.3, done.set)
    timer.start()
    progress._show(("contacts.csv",), 464_000_000, None, done)
    shown = capsys.readouterr().err
    assert "reading contacts.csv (464 MB) 0:00:00" in shown
    assert "%" not in shown and "left" not in shown


# -- outputs for Excel -----------------------------------------------------------------------


def test_bom_starts_every_text_file_and_reads_back_the_same(cli, contacts, segfile, tmp_path):
    spec = segfile(HOT)
    plain, marked = tmp_path / "plain", tmp_path / "marked"
    assert cli("apply", contacts, "-s", spec, "-o", plain, "--mkdir").exit_code == 0
    result = cli(
        "apply", contacts, "-s", spec, "-o", marked, "--mkdir", "--bom",
        "--membership", "members.csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    bom = b"\xef\xbb\xbf"
    assert (marked / "hot.csv").read_bytes() == bom + (plain / "hot.csv").read_bytes()
    assert (marked / "members.csv").read_bytes().startswith(bom + b"Email,")
    assert not (plain / "hot.csv").read_bytes().startswith(bom)
    assert json.loads((marked / "manifest.json").read_text(encoding="utf-8"))["bom"] is True
    again = cli("count", marked / "hot.csv", "-s", spec)
    assert again.stdout == cli("count", plain / "hot.csv", "-s", spec).stdout == "hot\t2\n"


def test_bom_is_not_for_binary_formats(cli, contacts, segfile, tmp_path):
    out = tmp_path / "out"
    result = cli("apply", contacts, "-s", segfile(HOT), "-o", out, "--mkdir", "--bom", "--format",
                 "parquet")  # fmt: skip
    assert result.exit_code == 0
    assert (out / "hot.parquet").read_bytes()[:4] == b"PAR1"


# -- paths -----------------------------------------------------------------------------------


def test_a_path_with_glob_characters_reads_where_no_link_can_be_made(
    cli, contacts, segfile, tmp_path, monkeypatch
):
    odd = tmp_path / "contacts[1].csv"
    odd.write_bytes(contacts.read_bytes())
    write_csv(tmp_path / "contacts1.csv", ["Email", "Overall Behavior Score"], [["q@x", "99"]])

    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, "A required privilege is not held by the client")

    monkeypatch.setattr(Path, "symlink_to", no_links)
    monkeypatch.setattr(os, "link", no_links)
    result = cli("count", odd, "-s", segfile(HOT))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "hot\t2\n"


def test_the_segment_cache_lives_in_the_os_cache_folder(monkeypatch, tmp_path):
    from leadseg.segments.file import compiled_cache

    monkeypatch.delenv("LEADSEG_SEGMENT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert compiled_cache.cache_dir() == tmp_path / "xdg" / "leadseg" / "segments"


def test_a_segment_cache_that_cannot_be_told_never_fails_a_run(cli, contacts, segfile, monkeypatch):
    def broken():
        raise RuntimeError("no known folder")

    monkeypatch.delenv("LEADSEG_SEGMENT_CACHE_DIR")
    monkeypatch.setattr(system, "cache_home", broken)
    result = cli("count", contacts, "-s", segfile(HOT))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "hot\t2\n"


def test_diff_writes_its_files_with_a_bom_when_asked(cli, contacts, segfile, tmp_path):
    old = write_csv(tmp_path / "old.csv", ["Email", "Overall Behavior Score"], [["a@x.com", "10"]])
    out = tmp_path / "out"
    result = cli("diff", old, contacts, "--key", "Email", "-s", segfile(HOT), "-o", out,
                 "--mkdir", "--bom")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    entered = (out / "hot.entered.csv").read_bytes()
    assert entered.startswith(b"\xef\xbb\xbfEmail,")
    assert entered.count(b"\n") == 3  # the header, a@x.com and d@x.com
    assert (out / "hot.left.csv").read_bytes().startswith(b"\xef\xbb\xbfEmail,")


@pytest.mark.parametrize("name", ["con.csv", "NUL.xlsx", "com1.members.csv", "a:b.csv", 'a"b.csv'])
def test_an_extra_file_windows_cannot_name_is_an_error_on_every_os(
    cli, contacts, segfile, tmp_path, name
):
    option = "--workbook" if name.endswith(".xlsx") else "--membership"
    result = cli("apply", contacts, "-s", segfile(HOT), "-o", tmp_path / "o", "--mkdir",
                 option, name)  # fmt: skip
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert "Windows cannot name a file so" in result.stderr
    assert not (tmp_path / "o").exists() or published(tmp_path / "o") == []
