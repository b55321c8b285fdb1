"""Fixtures for the performance machinery's functional tests: a project with a few reports.

No test here times anything: speed is measured by `make bench` and read from out/bench.json.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.build import BuildStats, Project, build

REPO = Path(__file__).resolve().parents[2]
SEED = "2021-11-29-industriestandort-berlin-brandenburg"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """The sample project plus copies of the seed report under other names: 8 reports in all."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "templates", root / "templates")
    seed = (root / "content" / "reports" / f"{SEED}.yaml").read_text(encoding="utf-8")
    for i in range(5):
        text = seed.replace("title: Regionalveranstaltung", f"title: Bericht {i} – Regionalveranstaltung")
        (root / "content" / "reports" / f"2024-01-0{i + 1}-kopie-{i}.yaml").write_text(text, encoding="utf-8")
    return Project(root)


def run(project: Project, out: Path | None = None, **kwargs) -> tuple[list[dict], BuildStats]:
    """Build and return (manifests, stats)."""
    stats = BuildStats()
    manifests = build(project, out_dir=out, stats=stats, **kwargs)
    return manifests, stats


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` by relative path → bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
