"""`newsroom lint` takes the npm mjml from $NEWSROOM_NODE_MODULES, else the --project folder's node_modules,
and names the variable when there is none. A stand-in `mjml` script shows which one ran (no Node needed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def fake_node_modules(folder: Path, label: str) -> Path:
    """A node_modules whose .bin/mjml reports one validator message per file, saying which folder it is."""
    script = folder / "node_modules" / ".bin" / "mjml"
    script.parent.mkdir(parents=True)
    script.write_text('#!/bin/sh\nfor f in "$@"; do case "$f" in --*) ;; '
                      f'*) echo "Line 1 of $f (mjml) — validated by the {label} mjml";; esac; done\nexit 1\n')
    script.chmod(0o755)
    return folder / "node_modules"


def run_lint(folder: Path, project: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")} | env
    return subprocess.run([sys.executable, "-m", "pipeline", "--project", str(project), "lint", str(folder)],
                          cwd=project, capture_output=True, text=True, timeout=120, check=False, env=environ)


def e3(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stdout.splitlines() if ": E3: " in line]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "project").mkdir()
    return tmp_path / "project"


def test_lint_runs_the_mjml_of_the_project_folder(make_report, project):
    fake_node_modules(project, "project's")
    [finding] = e3(run_lint(make_report(), project))
    assert finding.endswith("<mjml>: validated by the project's mjml — "
                            "fix the template that produced this tag; `mjml --validate` must pass in strict mode")


def test_the_variable_names_another_node_modules(make_report, project, tmp_path):
    fake_node_modules(project, "project's")
    elsewhere = fake_node_modules(tmp_path / "elsewhere", "configured")
    [finding] = e3(run_lint(make_report(), project, NEWSROOM_NODE_MODULES=str(elsewhere)))
    assert "validated by the configured mjml" in finding


def test_a_missing_mjml_names_the_variable_and_the_folder(make_report, project, tmp_path):
    empty = tmp_path / "empty"
    result = run_lint(make_report(), project, NEWSROOM_NODE_MODULES=str(empty))
    assert result.returncode == 1
    [finding] = e3(result)
    assert finding.startswith(f"{empty / '.bin' / 'mjml'}: E3: the reference MJML compiler is not installed — ")
    assert f"set NEWSROOM_NODE_MODULES to a node_modules folder installed from Newsroom's package.json (now: {empty})" \
        in finding
