"""Shell completion: the scripts Typer installs for bash, zsh and fish call leadseg back
with these variables; segment names complete for --only and explain, from -s or
./segments.yaml."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
SCRIPT = "from leadseg.cli import main; main()"


def complete(shell: str, words: str, cwd: Path = ROOT) -> str:
    env = {**os.environ, "_LEADSEG_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        env |= {
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        }
    else:
        env |= {"_TYPER_COMPLETE_ARGS": words}
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, cwd=cwd, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_segment_names_complete_in_bash_zsh_and_fish():
    assert complete("bash", "leadseg apply examples/contacts.csv --only S").split() == [
        "Sales-ready"
    ]
    assert '"CRM mid-range"' in complete("zsh", "leadseg explain examples/contacts.csv C")
    fish = complete("fish", "leadseg explain examples/contacts.csv -s examples/subsegment.yaml ")
    assert fish.splitlines() == [
        "Sales-ready",
        "Sales-ready in Norway",
        "Sales-ready, not in Norway",
    ]


def test_no_segment_file_completes_nothing(tmp_path):
    assert complete("bash", "leadseg apply x.csv --only ", cwd=tmp_path).strip() == ""


def test_bash_completion_installs_and_shows(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "SHELL": "/bin/bash"}
    shown = subprocess.run(
        ["bash", "-c", f"{sys.executable} -c '{SCRIPT}' --show-completion"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert shown.returncode == 0 and "_LEADSEG_COMPLETE=complete_bash" in shown.stdout
    installed = subprocess.run(
        ["bash", "-c", f"{sys.executable} -c '{SCRIPT}' --install-completion"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    assert "_LEADSEG_COMPLETE" in (tmp_path / ".bash_completions" / "leadseg.sh").read_text()
    assert ".bash_completions/leadseg.sh" in (tmp_path / ".bashrc").read_text()
