"""Shared fixtures: the sample content folder, and a clean environment (no NEWSROOM_* variables)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def content_root() -> Path:
    """The sample project's content/ folder (newsroom.yaml, reports/, images/)."""
    return PROJECT / "content"


@pytest.fixture(autouse=True)
def _clean_newsroom_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees a secret or setting from the developer's shell (STYLE §2.8)."""
    for name in list(os.environ):
        if name.startswith("NEWSROOM_"):
            monkeypatch.delenv(name)


@pytest.fixture
def tmp_project(tmp_path: Path) -> Path:
    """A copy of content/ and templates/ in a temp folder; tests may change it freely."""
    import shutil

    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(PROJECT / "content", root / "content")
    shutil.copytree(PROJECT / "templates", root / "templates")
    return root


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium for the whole session (`make setup` installs it).

    Shared by every folder: Playwright's sync API allows one running instance per thread, so a
    second `open_browser()` while this one lives fails ("Sync API inside the asyncio loop").
    """
    from pipeline.browser import open_browser

    with open_browser() as browser:
        yield browser
