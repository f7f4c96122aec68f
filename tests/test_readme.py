"""Every example in the README runs: console transcripts print what they show, shell
commands exit as annotated (0 unless ``# exits N``), every YAML block is a valid segment
file whose columns the bundled export has, and the Python block runs."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.S | re.M)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A user's clone, as far as the examples need one."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copy(ROOT / "segments.yaml", tmp_path / "segments.yaml")
    return tmp_path


def leadseg(args: list[str], cwd: Path, stdin: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1", LEADSEG_SEGMENT_CACHE_DIR=str(cwd / ".segcache"))
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as source:
        return subprocess.run(
            [sys.executable, "-m", "leadseg", *args],
            cwd=cwd,
            env=env,
            stdin=source,
            capture_output=True,
            text=True,
            timeout=120,
        )


def shell_commands() -> list[tuple[str, int]]:
    """Each `leadseg ...` command of the sh blocks, with the exit code it is annotated with."""
    found = []
    for block in blocks("sh"):
        for line in block.splitlines():
            command, _, comment = line.partition("#")
            exits = re.search(r"exits (\d+)", comment)
            for part in command.split("&&"):
                if part.strip().startswith("leadseg "):
                    found.append((part.strip(), int(exits.group(1)) if exits else 0))
    return found


def test_the_readme_has_examples_of_every_kind():
    assert len(blocks("console")) >= 2 and len(blocks("yaml")) >= 2
    assert len(shell_commands()) >= 6 and len(blocks("python")) == 1


@pytest.mark.parametrize("command,code", shell_commands(), ids=lambda v: str(v)[:60])
def test_shell_example(workdir, command, code):
    words = shlex.split(command)[1:]
    stdin = None
    if "<" in words:
        at = words.index("<")
        stdin, words = workdir / words[at + 1], words[:at]
    result = leadseg(words, workdir, stdin)
    assert result.returncode == code, result.stderr
    if code:
        assert "hint:" in result.stderr  # a failing example shows the fix


@pytest.mark.parametrize("transcript", blocks("console"), ids=lambda v: v.split("\n")[0][:60])
def test_console_example_prints_what_it_shows(workdir, transcript):
    command, *expected = transcript.rstrip("\n").split("\n")
    assert command.startswith("$ leadseg ")
    result = leadseg(shlex.split(command)[2:], workdir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip("\n").split("\n") == expected


@pytest.mark.parametrize("text", blocks("yaml"), ids=lambda v: v.split("\n")[0][:40])
def test_yaml_example_is_a_valid_segment_file_for_the_bundled_export(workdir, text):
    path = workdir / "example.yaml"
    path.write_text(text, encoding="utf-8")
    result = leadseg(["validate", str(path), "--export", "examples/contacts.csv"], workdir)
    assert result.returncode == 0, result.stderr


def test_python_example_runs(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    (code,) = blocks("python")
    exec(compile(code, "README.md", "exec"), {})
    assert (workdir / "out" / "manifest.json").exists()
