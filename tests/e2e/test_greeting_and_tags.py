"""A project with `greeting:` and `utm:`: check, build, and a test send to "Erika Mustermann <erika@example.org>".

Asserts on what a user gets: out/<slug>/email.html, the text part of email.eml, the site and preview pages,
and the messages the outbox wrote.
"""

from __future__ import annotations

import email
import email.policy
import re
from html import unescape

import pytest

from conftest import copy_project
from publish_support import SEED, run_cli

SETTINGS = """
greeting:
  named: {de: "Guten Tag {first_name},", en: "Hello {first_name},"}
  fallback: {de: "Guten Tag,", en: "Hello,"}
utm:
  source: newsletter
  campaign: "{date}-{channel}"
  domains: [newsroom.example.org, bücher.example]
"""
LINKS = """links:
  - label: Programm der Veranstaltung
    url: https://newsroom.example.org/programm?tag=1#mittag
  - label: Bücherliste der Initiative
    url: https://bücher.example/liste
  - label: Industriestrategie des Bundes
    url: https://www.bmwk.de/industriestrategie
"""
TAGS = "utm_source=newsletter&utm_medium=email&utm_campaign=2021-11-29-newsletter"
TOKEN = "%GREETING(Guten Tag {first_name},|Guten Tag,)%"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("greeting") / "project")
    with open(root / "content" / "newsroom.yaml", "a", encoding="utf-8") as settings:
        settings.write(SETTINGS)
    with open(root / "content" / "reports" / f"{SEED}.yaml", "a", encoding="utf-8") as report:
        report.write(LINKS)
    for command in (("check",), ("build",)):
        result = run_cli(root, *command)
        assert result.returncode == 0, result.stderr
    return root


def parts(message: bytes) -> tuple[email.message.EmailMessage, str, str]:
    parsed = email.message_from_bytes(message, policy=email.policy.strict)
    text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = parsed.get_body(("html",)).get_content().replace("\r\n", "\n")
    return parsed, text, html


def hrefs(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'<a\b[^>]*\shref="([^"]*)"', html)]


def test_the_built_email_holds_one_placeholder_and_tagged_own_links(project):
    folder = project / "out" / SEED
    html = (folder / "email.html").read_text(encoding="utf-8")
    assert html.count(TOKEN) == 1 and f">{TOKEN}</p>" in html
    links = hrefs(html)
    assert f"https://newsroom.example.org/programm?tag=1&{TAGS}#mittag" in links
    assert f"https://bücher.example/liste?{TAGS}" in links
    assert f"https://newsroom.example.org/{SEED}/?{TAGS}" in links  # the web version
    for untouched in ("https://www.bmwk.de/industriestrategie", "https://newsroom.example.org/impressum",
                      "https://newsroom.example.org/datenschutz", "%UNSUBSCRIBE_URL%", "mailto:kontakt@example.org"):
        assert untouched in links, untouched
    assert [link for link in links if "utm_" in link and TAGS not in link] == []


def test_the_text_part_has_the_same_greeting_and_the_same_links(project):
    folder = project / "out" / SEED
    _, text, html = parts((folder / "email.eml").read_bytes())
    assert text == (folder / "email.txt").read_text(encoding="utf-8")
    assert f"\n\n{TOKEN}\n\n" in text
    missing = [link for link in hrefs(html) if link.removeprefix("mailto:") not in text]
    assert missing == []  # E17: every link of the HTML, tags included, is spelt out in the text part
    assert f"Programm der Veranstaltung: https://newsroom.example.org/programm?tag=1&{TAGS}#mittag\n" in text


def test_the_press_mailing_is_tagged_as_press_and_the_site_not_at_all(project):
    out = project / "out"
    press_mail = (out / SEED / "press-email.html").read_text(encoding="utf-8")
    assert "utm_campaign=2021-11-29-press" in unescape(press_mail)
    assert "%GREETING(" not in press_mail
    for page in (out / SEED / "press.html", out / "site" / SEED / "index.html",
                 out / "site" / "presse" / SEED / "index.html"):
        assert "utm_" not in page.read_text(encoding="utf-8"), page
    web = (out / "site" / SEED / "index.html").read_text(encoding="utf-8")
    assert ">Guten Tag,</p>" in web and "%GREETING(" not in web
    assert "https://newsroom.example.org/programm?tag=1#mittag" in unescape(web)


def test_the_preview_shows_both_variants(project):
    folder = project / "out" / SEED / "preview"
    assert ">Guten Tag Erika,</p>" in (folder / "named.html").read_text(encoding="utf-8")
    assert ">Guten Tag,</p>" in (folder / "fallback.html").read_text(encoding="utf-8")
    assert "\nGuten Tag Erika,\n" in (folder / "named.txt").read_text(encoding="utf-8")
    assert "\nGuten Tag,\n" in (folder / "fallback.txt").read_text(encoding="utf-8")
    index = (project / "out" / "index.html").read_text(encoding="utf-8")
    assert f'src="{SEED}/preview/named.html"' in index and f'src="{SEED}/preview/fallback.html"' in index


def test_the_outbox_greets_the_sample_subscriber_and_the_list_with_the_fallback(project):
    result = run_cli(project, "send", SEED, "--target", "test", "--test-to", "Erika Mustermann <erika@example.org>",
                     "--test-to", "Jürgen Müller <juergen@example.org>")
    assert result.returncode == 0, result.stderr
    assert "test sent to Erika Mustermann <erika@example.org>, Jürgen Müller <juergen@example.org>" in result.stdout
    (sent,) = (project / ".newsroom" / "outbox").glob("*/test-1.eml")
    message, text, html = parts(sent.read_bytes())
    assert [(a.display_name, a.addr_spec) for a in message["To"].addresses] == \
        [("Erika Mustermann", "erika@example.org"), ("Jürgen Müller", "juergen@example.org")]
    assert "\n\nGuten Tag Erika,\n\n" in text and ">Guten Tag Erika,</p>" in html
    assert "%GREETING(" not in text + html
    assert f"https://newsroom.example.org/programm?tag=1&{TAGS}#mittag" in text and TAGS in unescape(html)

    result = run_cli(project, "send", SEED, "--target", "production", "--yes")
    assert result.returncode == 0, result.stderr
    (campaign,) = (project / ".newsroom" / "outbox").glob("*-to-newsletter/campaign.eml")
    _, text, html = parts(campaign.read_bytes())
    assert "\n\nGuten Tag,\n\n" in text and ">Guten Tag,</p>" in html


def test_a_report_can_turn_the_greeting_off(project, tmp_path):
    other = copy_project(tmp_path / "off")
    (other / "content" / "newsroom.yaml").write_text((project / "content" / "newsroom.yaml").read_text("utf-8"),
                                                      encoding="utf-8")
    with open(other / "content" / "reports" / f"{SEED}.yaml", "a", encoding="utf-8") as report:
        report.write("greeting: false\n")
    result = run_cli(other, "build", f"content/reports/{SEED}.yaml")
    assert result.returncode == 0, result.stderr
    folder = other / "out" / SEED
    assert "%GREETING(" not in (folder / "email.html").read_text(encoding="utf-8")
    assert not (folder / "preview").exists()
