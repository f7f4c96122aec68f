"""The core library never depends on the CLI layer (Typer, Rich, Click)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "leadseg"
CLI_ONLY = {"typer", "rich", "click"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
            if node.module.startswith("leadseg.cli"):
                roots.add("leadseg.cli")
    return roots


def test_core_modules_do_not_import_cli_libraries():
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "cli" or relative.name == "__main__.py":
            continue
        bad = imported_roots(path) & (CLI_ONLY | {"leadseg.cli"})
        if bad:
            offenders[str(relative)] = sorted(bad)
    assert offenders == {}


def test_the_layering_check_sees_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import rich.console\nfrom typer import Typer\nfrom leadseg.cli.app import app\n"
    )
    assert {"rich", "typer", "leadseg.cli"} <= imported_roots(sample)
