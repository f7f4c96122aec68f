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


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_reading_and_writing_do_not_import_the_engine_or_the_commands():
    """io/ is below the engine: reading, caching and writing never import it (an import
    circle cache -> engine -> readers once grew here)."""
    above = ("leadseg.engines.plan", "leadseg.outputs.applying", "leadseg.api", "leadseg.backends")
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            m for m in imported_modules(path) if m.startswith(above)
        )
        for path in (PACKAGE / "io").glob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
