"""Session fixtures for the browser checks: the sample content built once, one Chromium, one capture per report."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.browser import Capture, capture

PROJECT = Path(__file__).resolve().parents[2]
LINT_DATA = PROJECT / "tests" / "data" / "lint"


@pytest.fixture(scope="session")
def sample_out(sample_project: Path) -> Path:
    """`python -m pipeline build` on a copy of the project's real sample content (its cache stays in the copy)."""
    out = sample_project / "out"
    result = subprocess.run([sys.executable, "-m", "pipeline", "build", "--out", str(out)], cwd=sample_project,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="session")
def captures(sample_out: Path, chromium, tmp_path_factory) -> dict[str, Capture]:
    """Screenshots, scroll widths and axe results for every sample report."""
    shots = tmp_path_factory.mktemp("shots")
    return {folder.name: capture(chromium, folder, shots / folder.name)
            for folder in sorted(p.parent for p in sample_out.glob("*/manifest.json"))}


@pytest.fixture
def fixture_report(tmp_path: Path):
    """A copy of the good lint fixture report, optionally with email.html replaced by a bad fixture."""

    def make(email_fixture: str | None = None) -> Path:
        folder = tmp_path / "out" / "fixture"
        shutil.copytree(LINT_DATA / "good", folder)
        if email_fixture:
            shutil.copy(LINT_DATA / "bad" / email_fixture, folder / "email.html")
        return folder

    return make
