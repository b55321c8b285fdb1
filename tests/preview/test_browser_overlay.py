"""In Debian's Chromium: the open preview shows a build error without a reload, and reloads itself after the fix."""

from __future__ import annotations

from playwright.sync_api import expect

from .test_build_errors import BROKEN, MARKUP

WAIT_MS = 15_000  # the page polls every second and a rebuild takes about one; this is the deadline, not a pause


def test_a_build_error_appears_in_the_open_page_and_goes_after_the_fix(start_preview, tmp_project, chromium):
    preview = start_preview()
    report = tmp_project / BROKEN
    good = report.read_text(encoding="utf-8")
    origin = f"http://localhost:{preview.port}"
    page = chromium.new_page()
    try:
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url))
        page.goto(f"{origin}/")
        overlay = page.locator("#newsroom-preview-error")
        expect(overlay).to_be_hidden()

        report.write_text(good + MARKUP, encoding="utf-8")
        where = f"{BROKEN}:{len(good.splitlines()) + 1}:1"
        expect(overlay).to_be_visible(timeout=WAIT_MS)
        expect(overlay.locator("pre")).to_contain_text(f"{where}: <img src=x onerror=alert(1)>: unknown field")
        assert page.locator("img[src=x]").count() == 0  # the message is text, never markup
        expect(page.locator("[id='2023-06-01-kurzmeldung'] h2")).to_have_text("Kurzmeldung")  # the last good build

        report.write_text(good.replace("\ntitle: Kurzmeldung", "\ntitle: Kurzmeldung geändert"), encoding="utf-8")
        expect(page.locator("[id='2023-06-01-kurzmeldung'] h2")).to_have_text("Kurzmeldung geändert",
                                                                              timeout=WAIT_MS)  # reloaded itself
        expect(overlay).to_be_hidden()
    finally:
        page.close()
    served = (f"{origin}/", f"http://127.0.0.1:{preview.port}/")  # the build's image URLs name 127.0.0.1
    assert asked and [url for url in asked if not url.startswith(served)] == []  # nothing from elsewhere
