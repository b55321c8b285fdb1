"""Helpers for the press and site tests: a sample project with an embargoed seed and a ready English report."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = "2021-11-29-industriestandort-berlin-brandenburg"
ENGLISH = "2022-03-15-hydrogen-valley-workshop"
SHORT = "2023-06-01-kurzmeldung"
LIFT = dt.datetime(2026, 12, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=1)))  # 10:00 Berlin, winter
BEFORE = LIFT - dt.timedelta(seconds=1)


def copy_project(root: Path) -> Path:
    """content/ and templates/ of the repository under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copytree(ROOT / "templates", root / "templates")
    return root


def edit(root: Path, slug: str, old: str, new: str) -> None:
    """Replace one exact piece of a report's YAML (fails loudly if it is not there)."""
    path = root / "content" / "reports" / f"{slug}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (slug, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def embargoed_project(root: Path) -> Path:
    """The sample project with the seed under embargo until 2026-12-01 10:00 (written without offset)
    and the English sample marked ready; the short report stays a draft."""
    copy_project(root)
    edit(root, SEED, "press:\n  dateline: Berlin", "press:\n  dateline: Berlin\n  embargo: 2026-12-01T10:00:00")
    edit(root, ENGLISH, "status: draft", "status: ready")
    return root
