"""`newsroom check` as a user runs it refuses, with exit 1 and file:line:column, what `build` used to trip
over because of content (issue 10 §3): control characters, relative links, false images, odd widths;
and two images of the same name both reach out/<slug>/images/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPORT = "content/reports/2023-06-01-kurzmeldung.yaml"
BODY = "body: Dieser Bericht enthält nur die Pflichtfelder und dient als Testfall."
PNG = b"\x89PNG\r\n\x1a\n"


def newsroom(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    return subprocess.run([sys.executable, "-m", "pipeline", "--project", str(project), *args], capture_output=True,
                          text=True, timeout=120, env=env)


def edit(project: Path, name: str, old: str, new: str) -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def only_the_short_report(project: Path) -> None:
    for path in (project / "content" / "reports").glob("2*.yaml"):
        if path.name != Path(REPORT).name:
            path.unlink()


def test_a_control_character_escape_is_refused_at_check_not_in_the_mjml_compiler(tmp_project):
    only_the_short_report(tmp_project)
    edit(tmp_project, REPORT, "title: Kurzmeldung", 'title: "Kurz\\x07meldung"')
    result = newsroom(tmp_project, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        f"{REPORT}:2:8: title: contains U+0007 (BELL) — remove it (in double quotes it is written \\a or \\x07);"
        " it cannot be printed, and mail software refuses it")
    build = newsroom(tmp_project, "build")
    assert build.returncode == 1 and "MJML" not in build.stderr and "U+0007 (BELL)" in build.stderr


def test_relative_and_http_links_in_the_body_are_refused_with_their_line(tmp_project):
    only_the_short_report(tmp_project)
    edit(tmp_project, REPORT, BODY, "body: |\n  Erste Zeile.\n\n  Siehe [Programm](programm.html) und\n"
                                    "  [Archiv](http://example.org/archiv).\n")
    result = newsroom(tmp_project, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        f"{REPORT}:11:20: body: the link 'programm.html' is not a full web address — an email has no page to"
        " resolve it against: write it in full, starting with https://",
        f"{REPORT}:12:12: body: the link 'http://example.org/archiv' uses http: — write https://example.org/archiv"
        " (emails carry https: links only)",
    ]


@pytest.mark.parametrize(("hero", "message"), [
    ("hero: {}", "hero.src: 'src' is required but missing"),  # was exit 70 (internal error)
    ("hero:\n  src: images/kaputt.png\n  alt: Ein Saal voller Menschen bei der Diskussion",
     "hero.src: 'images/kaputt.png' is not a PNG image: its content is no known image format"),
    ("hero:\n  src: images\n  alt: Ein Saal voller Menschen bei der Diskussion",
     "hero.src: 'images' is a folder, not an image file"),
])
def test_a_hero_that_build_cannot_use_is_refused_at_check(tmp_project, hero, message):
    only_the_short_report(tmp_project)
    (tmp_project / "content" / "images" / "kaputt.png").write_text("<html>404</html>", encoding="utf-8")
    edit(tmp_project, REPORT, BODY, BODY + "\n" + hero)
    result = newsroom(tmp_project, "check")
    assert result.returncode == 1, result.stderr
    assert message in result.stderr and "internal error" not in result.stderr


def test_a_logo_width_of_zero_is_refused_at_check(tmp_project):
    edit(tmp_project, "content/newsroom.yaml", "width: 180", "width: 0")
    result = newsroom(tmp_project, "check")
    assert result.returncode == 1
    assert "brand.logo.width: 0 is not a width between 1 and 600 pixels" in result.stderr


def test_an_embargo_beyond_the_calendar_is_refused_at_check(tmp_project):
    only_the_short_report(tmp_project)
    edit(tmp_project, REPORT, BODY, BODY + "\npress:\n  embargo: 9999-12-31T23:30:00-01:00")
    result = newsroom(tmp_project, "check")
    assert result.returncode == 1  # was exit 70: OverflowError moving it into Europe/Berlin
    assert f"{REPORT}:10:12: press.embargo: 9999-12-31T23:30:00-01:00 is not a time the release can wait for" \
           in result.stderr


def test_two_images_of_the_same_name_in_different_folders_both_reach_the_output(tmp_project):
    """A hero images/sub/logo.png next to the brand's images/logo.png: out/<slug>/images/ keeps the
    path below content/images/, so neither overwrites the other, and the HTML points at each."""
    only_the_short_report(tmp_project)
    brand = (tmp_project / "content" / "images" / "logo.png").read_bytes()
    hero = (tmp_project / "content" / "images" / "2021-11-29-regionalveranstaltung.png").read_bytes()
    assert brand != hero and brand.startswith(PNG) and hero.startswith(PNG)
    (tmp_project / "content" / "images" / "sub").mkdir()
    (tmp_project / "content" / "images" / "sub" / "logo.png").write_bytes(hero)
    edit(tmp_project, REPORT, BODY, BODY + "\nhero:\n  src: images/sub/logo.png\n"
                                           "  alt: Titelgrafik mit einer Industriesilhouette")
    result = newsroom(tmp_project, "build")
    assert result.returncode == 0, result.stderr
    folder = tmp_project / "out" / "2023-06-01-kurzmeldung"
    assert (folder / "images" / "logo.png").read_bytes() == brand
    assert (folder / "images" / "sub" / "logo.png").read_bytes() == hero
    base = "https://newsroom.example.org/2023-06-01-kurzmeldung"
    email_html = (folder / "email.html").read_text(encoding="utf-8")
    assert f'src="{base}/images/logo.png"' in email_html  # the brand logo in the header
    assert f'src="{base}/images/sub/logo.png"' in email_html  # the hero
    assert f'src="{base}/images/sub/logo.png"' in (folder / "press.html").read_text(encoding="utf-8")
    site = tmp_project / "out" / "site"
    published = [p for p in site.rglob("sub/logo.png")]
    assert all(p.read_bytes() == hero for p in published)  # a draft is not on the site; if it were, intact
