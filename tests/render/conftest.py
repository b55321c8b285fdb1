"""Fixtures for render tests: settings and validated sample reports."""

from pathlib import Path

import pytest

from pipeline.build import Project, load_reports

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sample():
    """(settings, reports) of the repository's sample content."""
    return load_reports(Project(REPO))


@pytest.fixture(scope="session")
def renditions(sample):
    """Every sample report rendered once."""
    from pipeline.render import render

    settings, reports = sample
    return {r.slug: (r, render(r, settings, REPO / "templates", REPO / "content")) for r in reports}
