"""XSS payloads in every text field come out escaped (plain fields) or stripped (Markdown body). S2, S3."""

import dataclasses
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from pipeline.content import parse_yaml
from pipeline.errors import ContentError
from pipeline.model import validate
from pipeline.render import render

REPO = Path(__file__).resolve().parents[2]
PAYLOAD = "<script>alert(1)</script>&\"'"
BODY_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[klick](javascript:alert(1))",
    "[daten](data:text/html;base64,PHNjcmlwdD4=)",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=https://evil.example></iframe>",
    "[ok](https://example.org/\" onmouseover=\"alert(1))",
]


class _Tags(HTMLParser):
    """Every element name and attribute as a browser's tokenizer sees them."""

    def __init__(self):
        super().__init__()
        self.names, self.attributes = set(), []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("type") == "application/ld+json":
            return  # structured data (P1): inert JSON, checked in test_json_ld_cannot_close_its_script
        self.names.add(tag)
        self.attributes.extend(attrs)


def _hostile_report(tmp_path) -> dict:
    return {
        "title": "T " + PAYLOAD, "subtitle": PAYLOAD, "status": "ready", "language": "de",
        "event": {"date": "2021-11-29", "place": PAYLOAD, "venue": PAYLOAD, "time": PAYLOAD},
        "summary": "Eine Zusammenfassung mit ausreichender Länge " + PAYLOAD,
        "body": "\n\n".join(BODY_PAYLOADS),
        "hero": {"src": "images/logo.png", "alt": "Logo der Organisation " + PAYLOAD, "credit": PAYLOAD,
                 "caption": PAYLOAD},
        "speakers": [{"name": PAYLOAD, "role": PAYLOAD, "organisation": PAYLOAD, "contribution": PAYLOAD}],
        "workshops": [{"title": PAYLOAD, "description": PAYLOAD}],
        "quotes": [{"text": PAYLOAD, "author": PAYLOAD, "role": PAYLOAD}],
        "conclusions": [PAYLOAD],
        "links": [{"label": "Programm " + PAYLOAD, "url": "https://example.org/?a=1&b=<x>"}],
        "contact": {"name": PAYLOAD, "email": "presse@example.org", "organisation": PAYLOAD, "phone": PAYLOAD},
        "tags": [PAYLOAD],
        "press": {"dateline": PAYLOAD, "headline": "H " + PAYLOAD},
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from pipeline.config import load_settings

    tmp = tmp_path_factory.mktemp("xss")

    def parsed(data):
        raw = yaml.safe_dump(data, allow_unicode=True).replace("'2021-11-29'", "2021-11-29").encode()
        return parse_yaml(raw, str(tmp / "xss-report.yaml"))

    data = _hostile_report(tmp)
    # check refuses the body's script links (E19); the renderer must still neutralise them on its own
    with pytest.raises(ContentError, match="javascript:"):
        validate(parsed(data), REPO / "content")
    report = dataclasses.replace(validate(parsed({**data, "body": "Text"}), REPO / "content"), body=data["body"])
    return render(report, load_settings(REPO / "content"), REPO / "templates", REPO / "content")


@pytest.mark.parametrize("part", ["email_html", "press_html", "press_email_html", "email_mjml"])
def test_no_payload_survives_in_html(hostile, part):
    html = getattr(hostile, part)
    tags = _Tags()
    tags.feed(html)
    assert tags.names & {"script", "iframe", "svg", "object", "embed", "form"} == set()
    assert [a for a in tags.attributes if a[0].startswith("on")] == []
    assert [a for a in tags.attributes if a[0] in ("href", "src") and
            (a[1] or "").strip().lower().startswith(("javascript:", "data:"))] == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in html


def test_json_ld_cannot_close_its_script(hostile):
    """The JSON-LD block holds every payload as JSON escapes; no '<' can end the element early."""
    import json
    import re

    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', hostile.press_html, flags=re.S)
    assert len(blocks) == 1
    assert "<" not in blocks[0] and ">" not in blocks[0] and "&" not in blocks[0]
    assert json.loads(blocks[0])["headline"] == "H " + PAYLOAD


def test_text_parts_keep_the_literal_characters(hostile):
    assert PAYLOAD in hostile.email_text.replace("\n", " ") or "<script>alert(1)</script>&" in hostile.email_text
    assert "&lt;" not in hostile.email_text and "&lt;" not in hostile.press_text


def test_safe_markdown_survives_sanitising():
    from pipeline.render.markdown import to_html

    html = to_html("# Titel\n\nText mit **fett** und [Link](https://example.org/a?b=1&c=2).\n\n- eins\n- zwei")
    assert html == ('<h2>Titel</h2>\n<p>Text mit <strong>fett</strong> und '
                    '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">Link</a>.</p>\n'
                    '<ul>\n<li>eins</li>\n<li>zwei</li>\n</ul>')
