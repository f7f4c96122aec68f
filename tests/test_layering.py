"""The house (CONTRIBUTING.md): the import-linter contracts in pyproject.toml hold -- the
layers, the library free of the command line's libraries, no circle between siblings --
and no module of src/ sits on an import circle, whatever its depth (a package and the
module inside it included, which the sibling contract does not see). Each check is shown
failing on a copy of the package with a breach planted."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "leadseg"

grimp = pytest.importorskip("grimp", reason="the test extra installs import-linter and grimp")


def lint_imports(root: Path, src: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with ``root``'s pyproject.toml over the ``leadseg`` found in ``src``."""
    environment = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()",
         "--no-cache", "--no-logo", str(root / "pyproject.toml")],
        cwd=root, env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip


def import_circles(package: str) -> list[list[str]]:
    """Every strongly connected set of two or more modules of ``package`` (imports made
    only for type checking left out): a circle of imports through all of them."""
    graph = grimp.build_graph(package, exclude_type_checking_imports=True, cache_dir=None)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []
    for start in sorted(edges):  # Tarjan's algorithm, iterative
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
            targets = edges[node]
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return circles


def planted_copy(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package (and pyproject.toml) with ``line`` added to ``module``."""
    shutil.copytree(
        PACKAGE, tmp_path / "src" / "leadseg", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "src" / "leadseg" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return tmp_path


def test_the_import_contracts_hold():
    run = lint_imports(ROOT, ROOT / "src")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 kept, 0 broken" in run.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # an engine reaching up into analysis
        ("engines/totals.py", "from leadseg.analysis.figures import Counted", "layers"),
        # reading an export that reaches for the engine
        ("exports/dialect.py", "from leadseg.engines.plan import Plan", "layers"),
        # the library printing with Rich
        ("outputs/writers.py", "import rich.console", "command line's libraries"),
        # or parsing its own arguments with Click
        ("engines/plan.py", "import click", "command line's libraries"),
        # two shared modules of one row: the rules of meaning reading results
        ("rules.py", "from leadseg.results import CountResult", "layers"),
        # two modules of the segment language importing each other at run time
        ("segments/criteria.py", "from leadseg.segments.splits import split_warnings", "circles"),
    ],
)
def test_each_contract_fails_on_a_breach(tmp_path, module, line, broken):
    root = planted_copy(tmp_path, module, line)
    run = lint_imports(root, root / "src")
    assert run.returncode != 0
    broken_section = run.stdout.split("Broken contracts", 1)[-1]
    assert broken in broken_section, run.stdout


def test_no_module_sits_on_an_import_circle():
    assert import_circles("leadseg") == []


def test_a_package_importing_its_own_module_back_is_a_circle(tmp_path, monkeypatch):
    """The circle the sibling contract cannot see: ``engines/__init__`` importing a runner
    that imports ``engines`` back -- as stood here before the re-laying."""
    root = planted_copy(
        tmp_path, "engines/polars/runner.py", "from leadseg.engines import engine_for"
    )
    (root / "src" / "leadseg" / "engines" / "__init__.py").write_text(
        (PACKAGE / "engines" / "__init__.py").read_text(encoding="utf-8")
        + "\nfrom leadseg.engines.polars import runner\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(root / "src"))
    for name in [m for m in sys.modules if m == "leadseg" or m.startswith("leadseg.")]:
        monkeypatch.delitem(sys.modules, name)
    circles = import_circles("leadseg")
    assert any({"leadseg.engines", "leadseg.engines.polars.runner"} <= set(c) for c in circles)


def house_map() -> list[tuple[set[str], str]]:
    """CONTRIBUTING.md's map: per row, the names it gives (backticked, first two columns
    of the shared row) and the row's first cell."""
    rows = []
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for line in text.split("## The house", 1)[1].split("\n## ", 1)[0].splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0] or set(cells[0]) <= {"-"} or cells[0] == "Folder":
            continue
        given = cells[0] + (" " + cells[1] if cells[0].startswith("shared") else "")
        names = set(re.findall(r"`([^`]+)`", given))
        rows.append(({n.removesuffix(".py").removesuffix("/") for n in names}, cells[0]))
    return rows


def test_contributing_maps_every_folder_and_module_of_the_package():
    named = set().union(*(names for names, _ in house_map()))
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert named == folders | modules


def test_contributing_lists_the_layers_in_the_contract_order():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = contracts["tool"]["importlinter"]["contracts"][0]["layers"]
    stages = [layer.removeprefix("leadseg.") for layer in layers if "|" not in layer]
    first_names = [
        cell.split("`")[1].removesuffix("/").removesuffix(".py") if "`" in cell else cell
        for _, cell in house_map()
    ]
    assert first_names == [*stages[:-1], "shared (root)"]  # exit_codes, shared at the bottom
    assert stages[-1] == "exit_codes"
