"""Time leadseg at another revision beside the working tree, in one run: the same commands
on the same files, interleaved round by round (A B, B A, ...), after a warm-up round.

    python bench/compare_revisions.py a8e57b1             # e.g. the commit before a re-laying
    python bench/compare_revisions.py HEAD~3 --rounds 9 --only count

The revision is checked out in a temporary git worktree and run from its ``src/`` (put
first on PYTHONPATH); the working tree's leadseg is the installed one. The order swaps
every round (A B, B A, ...): a command that always runs second profits from the first's
page cache and CPU clock. Per task it prints both medians, the ratio (working tree /
revision, the median of per-round ratios) and its quartiles, and exits 1 when the working
tree is slower by more than ``--tolerance`` (3 %) -- what issue #21 asks of a change that
only moves code; faster by more is reported. The exports are those of ``run.py`` (made on
first use).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import AS_OF, PY, ROOT, SEGMENTS, Command, make_data, ratio, run_once  # noqa: E402

OUT = "{out}"  # an output folder, one per side


def tasks(files: dict[str, Path]) -> list[tuple[str, list[str]]]:
    """The commands timed: one per stage the re-laying touched (reading, the engines,
    writing, analysis, scores)."""

    def spec(name: str) -> str:
        return str(SEGMENTS / f"{name}.yaml")

    csv, crm, parquet = str(files["1m"]), str(files["crm-1m"]), str(files["1m-parquet"])
    chosen = [
        ("count, 10 segments, 1M CSV", ["count", csv, "-s", spec("ten")]),
        ("count, 10 segments, 1M CRM CSV", ["count", crm, "-s", spec("ten")]),
        (
            "count --engine duckdb, 1M Parquet",
            ["count", parquet, "-s", spec("ten"), "--engine", "duckdb"],
        ),
        ("apply, 10 segments, 1M CSV", ["apply", csv, "-s", spec("ten"), "-o", OUT]),
        ("describe, 1M CSV", ["describe", csv, "-s", spec("ten")]),
        ("validate --export, 1M CSV", ["validate", spec("ten"), "--export", csv]),
        ("--help", ["--help"]),
    ]
    scores = ["count", crm, "-s", spec("scores"), "--as-of", AS_OF]
    chosen.append(("count, 10 segments on 40 score rules, 1M CRM CSV", scores))
    return chosen


def worktree(revision: str, where: Path) -> Path:
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), revision],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return where


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revision", help="the git revision to time beside the working tree")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", help="run only tasks whose name contains this text")
    parser.add_argument("--tolerance", type=float, default=0.03)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "leadseg-bench")
    args = parser.parse_args()

    files = make_data(args.data, ["1m"])
    scratch = Path(tempfile.mkdtemp(prefix="leadseg-compare-"))
    other = worktree(args.revision, scratch / "revision")
    try:
        then = {"PYTHONPATH": str(other / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
        off = []
        for name, argv in tasks(files):
            if args.only and args.only not in name:
                continue
            commands = []
            for label, side, env in (
                (f"{args.revision} (baseline)", "then", then),
                ("working tree", "now", None),
            ):
                out = scratch / f"out-{side}" if OUT in argv else None
                sided = [str(out) if a == OUT else a for a in argv]
                commands.append(Command(label, [PY, "-m", "leadseg", *sided], out, env=env))
            print(f"== {name}", flush=True)
            for command in commands:  # warm-up: page cache, bytecode
                run_once(command)
                command.times.clear()
            for round_ in range(args.rounds):
                for command in commands if round_ % 2 == 0 else commands[::-1]:
                    run_once(command)
            for command in commands:
                print(f"   {command.label:<24} median {statistics.median(command.times):7.3f} s")
            found = ratio(commands[1], commands[0])
            pairs = zip(commands[1].times, commands[0].times, strict=True)
            per_round = [ours / theirs for ours, theirs in pairs]
            low, _, high = statistics.quantiles(per_round, n=4)
            verdict = "ok"
            if found > 1 + args.tolerance:
                verdict = "SLOWER"
            elif found < 1 - args.tolerance:
                verdict = "faster"
            print(f"   ratio {found:.3f} (quartiles {low:.3f}-{high:.3f})  {verdict}", flush=True)
            if verdict == "SLOWER":
                off.append(name)
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False
        )
    if off:
        print("slower by more than the tolerance: " + ", ".join(off))
        sys.exit(1)


if __name__ == "__main__":
    main()
