"""A plain install (no extras) checks, builds and sends; the commands that need an extra name its install line.

A fresh virtual environment in a temp folder gets the core lock (requirements/core.lock, what `make demo`
installs) and this package without dependencies; `pip check` then proves the lock holds everything the core
install asks for. No Playwright, no WeasyPrint there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED = "2021-11-29-industriestandort-berlin-brandenburg"


def _run(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSROOM_", "VIRTUAL_ENV", "PYTHON"))}
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False)


@pytest.fixture(scope="module")
def core_venv(tmp_path_factory) -> Path:
    """A venv with `pip install -e <copy of the package>` and only the core dependencies, from the core lock."""
    root = tmp_path_factory.mktemp("core-install")
    source = root / "newsroom"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "pipeline", source / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    venv = root / "venv"
    python = str(venv / "bin" / "python")
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [python, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", str(REPO / "requirements" / "core.lock")],
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(source)],
        [python, "-m", "pip", "check"],
    ]
    for step in steps:
        result = _run(*step)
        assert result.returncode == 0, f"{' '.join(step)}\n{result.stdout}{result.stderr}"
    return venv


@pytest.fixture
def newsroom(core_venv, tmp_project):
    """Run the installed `newsroom` script in a copy of the sample project."""
    return lambda *args: _run(str(core_venv / "bin" / "newsroom"), *args, cwd=tmp_project, timeout=300)


def test_the_core_install_has_no_browser_and_no_pdf_library(core_venv):
    for package in ("playwright", "axe-playwright-python", "weasyprint"):
        result = _run(str(core_venv / "bin" / "python"), "-m", "pip", "show", package)
        assert result.returncode == 1, f"{package} is installed without its extra"


def test_the_core_install_checks_builds_and_sends_to_the_outbox(newsroom, tmp_project):
    assert newsroom("check").returncode == 0
    built = newsroom("build")
    assert built.returncode == 0, built.stderr
    assert (tmp_project / "out" / SEED / "email.html").is_file()
    sent = newsroom("send", SEED, "--target", "test", "--yes")
    assert sent.returncode == 0, sent.stderr
    assert list((tmp_project / ".newsroom" / "outbox").rglob("*.eml"))


@pytest.mark.parametrize(("command", "extra"), [(("build", "--pdf"), "pdf"), (("bundle", "preview"), "browser")])
def test_a_command_that_needs_an_extra_names_its_install_line(newsroom, tmp_project, command, extra):
    if command[0] == "bundle":
        assert newsroom("build").returncode == 0
    result = newsroom(*command)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"needs the {extra} extra" in result.stderr
    assert f"pip install 'newsroom[{extra}]'" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert not (tmp_project / ".newsroom" / "last-error.txt").exists()
