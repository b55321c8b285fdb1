"""An embargoed press mailing carries its pictures (CID, multipart/related); the site has none before the lift.

What a journalist's mail program gets: out/<slug>/press.eml parsed by Python's `email` (policy.default and
strict), each picture's bytes, its Content-ID and the HTML's `cid:` links; two builds give the same bytes.
"""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import pytest

from pipeline.build import Project, build
from pipeline.render.message import embedded
from press_support import SEED, copy_project, embargoed_project

SITE = "https://newsroom.example.org/"


def built(root: Path) -> Path:
    build(Project(root), [root / "content" / "reports" / f"{SEED}.yaml"], root / "out", use_cache=False)
    return root / "out" / SEED


@pytest.fixture(scope="module")
def embargoed(tmp_path_factory) -> Path:
    return built(embargoed_project(tmp_path_factory.mktemp("embargoed") / "project"))


def test_the_embargoed_press_mailing_carries_each_picture_it_shows(embargoed):
    data = (embargoed / "press.eml").read_bytes()
    email.message_from_bytes(data, policy=policy.strict)  # no defect raised
    message = email.message_from_bytes(data, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    text, related = message.get_payload()
    assert (text.get_content_type(), related.get_content_type()) == ("text/plain", "multipart/related")
    assert related.get_param("type") == "text/html"
    html_part, *pictures = related.get_payload()
    html = html_part.get_content()
    links = re.findall(r'src="cid:([^"]+)"', html)
    assert links and sorted(set(links)) == sorted(p["Content-ID"].strip("<>") for p in pictures)
    sources = {"logo.png": (embargoed.parents[1] / "content" / "images" / "logo.png").read_bytes()}
    for picture in pictures:
        assert picture.get_content_disposition() == "inline"
        assert picture["Content-Transfer-Encoding"] == "base64"
        assert picture["Content-ID"] == f"<{picture['Content-ID'][1:25]}@newsroom.example.org>"
        assert picture.get_content() == sources[picture.get_filename()]
        assert picture.get_content_type() == "image/png"
    assert not re.findall(r'src="https://newsroom\.example\.org/[^"]*"', html)  # nothing from the embargoed site


def test_the_preview_file_keeps_the_sites_addresses(embargoed):
    preview = (embargoed / "press-email.html").read_text()
    assert f'src="{SITE}{SEED}/images/logo.png"' in preview
    assert "cid:" not in preview


def test_two_builds_of_the_embargoed_press_mailing_are_the_same_bytes(embargoed, tmp_path):
    again = built(embargoed_project(tmp_path / "elsewhere"))
    assert (again / "press.eml").read_bytes() == (embargoed / "press.eml").read_bytes()


def test_a_picture_shown_twice_or_under_two_names_is_carried_once():
    base = f"{SITE}{SEED}/"
    page = (f'<img src="{base}images/a.png"><img src="{base}images/a.png"><img src="{base}images/b.png">'
            '<img src="https://elsewhere.example.com/c.png">')
    html, parts = embedded(page, base, {"images/a.png": b"same", "images/b.png": b"same", "images/d.png": b"x"},
                           "newsroom.example.org")
    assert len(parts) == 1 and parts[0].data == b"same" and parts[0].content_type == "image/png"
    assert html.count(f'src="cid:{parts[0].content_id}"') == 3
    assert 'src="https://elsewhere.example.com/c.png"' in html  # not on the site: no embargo hides it


def test_a_press_mailing_without_embargo_links_its_pictures_on_the_site(tmp_path):
    out = built(copy_project(tmp_path / "project"))
    message = email.message_from_bytes((out / "press.eml").read_bytes(), policy=policy.default)
    assert [part.get_content_type() for part in message.walk()] == ["multipart/alternative", "text/plain",
                                                                    "text/html"]
    assert f'src="{SITE}{SEED}/images/logo.png"' in message.get_body(("html",)).get_content()
