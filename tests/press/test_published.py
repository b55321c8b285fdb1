"""The publication instant: JSON-LD datePublished, Open Graph, the feed and the sitemap agree on it.

It is the embargo lift for an embargoed release, else the report's `press.published` (when it went to
the press list or online), else the start of the event day; it was always the event day at midnight.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import feedparser
import pytest
from press_support import ENGLISH, LIFT, SEED, copy_project, edit

from pipeline.build import Project, build, load_reports
from pipeline.errors import ContentError

SITE = "https://newsroom.example.org"
NOW = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)


def published_everywhere(out, slug: str) -> dict[str, str]:
    page = (out / slug / "press.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/ld\+json">\n(.*?)\n</script>', page, re.S).group(1))
    og = dict(re.findall(r'<meta property="(article:published_time)" content="([^"]+)">', page))
    feed = {e.id: e.published for e in feedparser.parse((out / "site" / "feed.xml").read_bytes()).entries}
    sitemap = dict(re.findall(r"<loc>([^<]+)</loc>\s*<lastmod>([^<]+)</lastmod>",
                              (out / "site" / "sitemap.xml").read_text(encoding="utf-8")))
    url = f"{SITE}/presse/{slug}/"
    return {"json-ld": data["datePublished"], "og": og["article:published_time"], "feed": feed.get(url),
            "sitemap": sitemap.get(url)}


def test_a_release_without_embargo_is_published_when_the_report_says(tmp_path):
    root = copy_project(tmp_path / "project")
    build(Project(root), out_dir=root / "out", now=NOW)
    assert set(published_everywhere(root / "out", SEED).values()) == {"2021-11-29T17:30:00+01:00"}
    assert "Berlin, <time datetime=\"2021-11-29T17:30:00+01:00\">29. November 2021</time>" in \
        (root / "out" / SEED / "press.html").read_text(encoding="utf-8")


def test_an_embargo_lift_is_the_publication_instant_and_a_local_time_is_read_in_the_zone(tmp_path):
    root = copy_project(tmp_path / "project")
    edit(root, SEED, "  published: 2021-11-29T17:30:00+01:00", "  embargo: 2026-12-01T10:00:00")
    edit(root, ENGLISH, "status: draft", "status: ready\npress:\n  published: 2022-03-16T18:00:00")
    build(Project(root), out_dir=root / "out", now=LIFT)
    assert set(published_everywhere(root / "out", SEED).values()) == {"2026-12-01T10:00:00+01:00"}
    assert set(published_everywhere(root / "out", ENGLISH).values()) == {"2022-03-16T18:00:00+01:00"}


def test_without_embargo_or_publication_time_the_event_day_is_all_that_is_known(tmp_path):
    root = copy_project(tmp_path / "project")
    edit(root, ENGLISH, "status: draft", "status: ready")
    build(Project(root), out_dir=root / "out", now=NOW)
    assert set(published_everywhere(root / "out", ENGLISH).values()) == {"2022-03-15T00:00:00+01:00"}


@pytest.mark.parametrize(("written", "problem"), [
    ("2026-03-29T02:30:00", "press.published: 2026-03-29 02:30 does not exist in Europe/Berlin"),
    ("2026-10-25T02:30:00", "press.published: 2026-10-25 02:30 happens twice in Europe/Berlin"),
    ("29.11.2021", "press.published: expected a date and time"),
])
def test_a_publication_time_that_names_no_single_instant_is_refused_with_its_place(tmp_path, written, problem):
    root = copy_project(tmp_path / "project")
    edit(root, SEED, "2021-11-29T17:30:00+01:00", written)
    with pytest.raises(ContentError) as info:
        load_reports(Project(root))
    [issue] = info.value.issues
    assert str(issue).startswith(f"content/reports/{SEED}.yaml:85:14: {problem}"), str(issue)
