"""A failed build is shown in the browser, over the last good build, until a build succeeds again."""

from __future__ import annotations

import json

from .conftest import SEED, get

BROKEN = "content/reports/2023-06-01-kurzmeldung.yaml"
MARKUP = '"<img src=x onerror=alert(1)>": 1\n'  # an unknown field; the message quotes its name


def status(port: int) -> dict:
    code, _, body = get(port, "/__newsroom/status")
    assert code == 200
    return json.loads(body)


def test_the_error_is_on_every_page_html_escaped_and_gone_after_a_good_build(start_preview, tmp_project):
    preview = start_preview()
    report = tmp_project / BROKEN
    good = report.read_text(encoding="utf-8")
    report.write_text(good + MARKUP, encoding="utf-8")
    where = f"{BROKEN}:{len(good.splitlines()) + 1}:1"
    assert preview.until("preview not updated")[0].startswith(f"{where}: ")
    error = status(preview.port)["error"]
    assert error.startswith(f"{where}: <img src=x onerror=alert(1)>: unknown field")
    for page, still in [("/", b"Kurzmeldung"), (f"/{SEED}/email.html", b"Regionalveranstaltung"),
                        ("/site/", b"<html")]:
        code, _, body = get(preview.port, page)
        assert code == 200 and still in body  # the last good build stays served
        assert b'id="newsroom-preview-error" role="alert" style=' in body  # shown, not hidden
        assert f"{where}: &lt;img src=x onerror=alert(1)&gt;: unknown field".encode() in body
        assert b"<img src=x" not in body
    code, headers, text = get(preview.port, f"/{SEED}/email.txt")
    assert code == 200 and b"newsroom-preview-error" not in text  # only HTML pages get the overlay

    report.write_text(good, encoding="utf-8")
    assert preview.line().startswith("built 3 report(s)")
    assert status(preview.port) == {"generation": 2, "error": None}
    code, _, body = get(preview.port, "/")
    assert b'id="newsroom-preview-error" role="alert" hidden ' in body and b"unknown field" not in body


def test_a_first_build_that_fails_shows_its_error_at_the_address(start_preview, tmp_project):
    report = tmp_project / BROKEN
    good = report.read_text(encoding="utf-8")
    report.write_text(good + MARKUP, encoding="utf-8")
    preview = start_preview()
    code, headers, body = get(preview.port, "/")
    assert code == 503 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"No build has succeeded yet" in body and b"&lt;img src=x onerror=alert(1)&gt;" in body
    assert get(preview.port, f"/{SEED}/email.html")[0] == 404

    report.write_text(good, encoding="utf-8")
    assert preview.line().startswith("built 3 report(s)")
    code, _, body = get(preview.port, "/")
    assert code == 200 and b"Kurzmeldung" in body


def test_a_template_mistake_is_shown_and_the_preview_keeps_serving(start_preview, tmp_project):
    preview = start_preview()
    template = tmp_project / "templates" / "text" / "newsletter.txt.j2"
    good = template.read_text(encoding="utf-8")
    template.write_text("{% if report.title %}\n" + good, encoding="utf-8")  # never closed
    assert preview.until("preview not updated")
    assert "newsletter.txt.j2" in status(preview.port)["error"] or "endif" in status(preview.port)["error"]
    assert preview.proc.poll() is None and get(preview.port, "/")[0] == 200

    template.write_text(good, encoding="utf-8")
    assert preview.line().startswith("built 3 report(s)")
    assert status(preview.port)["error"] is None
