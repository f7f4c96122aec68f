"""The rule for the programs the tests need: skipped with the install line on a developer's
machine, failed under CI -- and under CI any skipped test fails the run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests import programs


def test_a_missing_program_skips_naming_the_install_line(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"bash \.ci/install-programs.*chromium"):
        programs.missing("chromium", "opening the report")


def test_under_ci_a_missing_program_fails(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install postgresql"):
        programs.missing("postgresql", "the SQL tests")


def test_under_ci_a_skipped_test_fails_the_run(tmp_path):
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import pytest_sessionfinish, pytest_terminal_summary\n"
    )
    (tmp_path / "test_sample.py").write_text(
        textwrap.dedent(
            """
            import pytest

            def test_runs():
                assert True

            def test_skipped():
                pytest.skip("no reason to run")
            """
        )
    )

    def run(ci: bool) -> subprocess.CompletedProcess:
        env = {"PYTHONPATH": str(programs.ROOT)}
        if ci:
            env["CI"] = "true"
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
            capture_output=True, text=True, env={**_base_env(), **env}, cwd=tmp_path,
        )  # fmt: skip

    assert run(ci=False).returncode == 0
    failed = run(ci=True)
    assert failed.returncode == 1, failed.stdout
    assert "1 tests were skipped" in failed.stdout


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "CI"}
