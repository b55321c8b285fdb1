"""Fixtures for the lint rules: a good built report (tests/data/lint/good/) and copies with one file swapped."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "lint"
GOOD = DATA / "good"
BAD = DATA / "bad"


@pytest.fixture
def make_report(tmp_path: Path) -> Callable[..., Path]:
    """Copy the good report to tmp_path/out/<slug>/, replacing files: make_report(**{"email.html": text})."""

    def make(slug: str = "good", **files: str) -> Path:
        folder = tmp_path / "out" / slug
        shutil.copytree(GOOD, folder)
        for name, text in files.items():
            (folder / name.replace("_", ".")).write_text(text, encoding="utf-8")
        return folder

    return make


@pytest.fixture
def bad() -> Callable[[str], str]:
    """bad("E10-missing-alt.html") → text of one deliberately bad fixture file from tests/data/lint/bad/."""
    return lambda name: (BAD / name).read_text(encoding="utf-8")
