"""The browser editor for real: `newsroom cms --local` (decap-server + the preview) in a temp project, Chromium.

An editor creates a report through the form and saves it: the YAML file appears under content/reports/,
`newsroom check` accepts it, and the preview pane showed the newsletter first. A too-short summary shows
our own message in the pane. With NEWSROOM_UPDATE_SCREENSHOTS=1 (`make screenshots`) the two pictures
taken here are copied to docs/ for the README; otherwise they stay in the test's temp folder.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.node  # decap-server and Decap come from node_modules (`npm ci`)
EDITOR = re.compile(r"^editor: (http://127\.0\.0\.1:\d+/admin/) ")
SCREENSHOTS = {"form": "cms-form.png", "pane": "cms-preview-pane.png"}
# Read when the module is imported: the suite clears NEWSROOM_* variables before each test runs.
UPDATE_SCREENSHOTS = os.environ.get("NEWSROOM_UPDATE_SCREENSHOTS") == "1"
TITLE = "Werkstattgespräch Wasserstoff in der Lausitz"
SUMMARY = "Zulieferer und Netzbetreiber besprachen in Cottbus, was ein regionales Wasserstoffnetz zuerst braucht."


class LocalCms:
    """`python -m pipeline cms --local --port 0 --proxy-port 0` in `project`, until stopped."""

    def __init__(self, project: Path, tmp: Path):
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_") or k == "NEWSROOM_NODE_MODULES"}
        tmp.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([sys.executable, "-m", "pipeline", "cms", "--local", "--port", "0",
                                      "--proxy-port", "0"], cwd=project, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=env | {"TMPDIR": str(tmp)})
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.url = self._editor_url()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _editor_url(self, timeout: float = 60) -> str:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"`newsroom cms --local` printed no editor address: {self.seen}") from None
            assert line is not None, f"`newsroom cms --local` exited ({self.proc.wait()}): {self.seen}"
            self.seen.append(line)
            if EDITOR.match(line):
                return EDITOR.match(line).group(1)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=5)
        self.proc.stdout.close()


@pytest.fixture
def cms(tmp_project, tmp_path):
    server = LocalCms(tmp_project, tmp_path / "tmp")
    yield server
    server.stop()


@pytest.fixture
def editor(cms, chromium):
    """A page of the German editor with a new, empty report open."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(cms.url, wait_until="load")
    page.get_by_role("button", name="Login").click()  # the local proxy needs no account
    page.goto(cms.url + "#/collections/reports/new")
    page.locator("[id^=title-field]").wait_for()
    yield page
    context.close()


def pane(page):
    """The CMS's preview pane (an iframe of Decap's) with our template inside."""
    return page.frame_locator("#preview-pane")


def fill_report(page, summary: str) -> None:
    page.locator("[id^=title-field]").fill(TITLE)
    page.locator("[id^=status-field]").fill("draft")
    page.keyboard.press("Enter")
    page.locator("[id^=date-field]").first.fill("2026-11-30")
    page.locator("[id^=place-field]").fill("Cottbus")
    page.locator("[id^=summary-field]").fill(summary)
    body = page.locator("[contenteditable=true]").first
    body.click()
    page.keyboard.type("Drei Arbeitsgruppen stellten im Plenum vor, welche Anschlüsse zuerst kommen müssen.")
    page.locator("[id^=name-field]").first.fill("Pressestelle")
    page.locator("[id^=email-field]").first.fill("presse@example.org")
    page.get_by_role("button", name=re.compile("podium hinzufügen", re.I)).click()  # speakers: "Auf dem Podium"
    page.locator("[id^=name-field]").last.fill("Dr. Erika Muster")
    page.locator("[id^=role-field]").last.fill("Geschäftsführerin")


def set_embargo(page, local_time: str) -> None:
    """Open the optional press group and pick the embargo (a datetime-local input: local time, no offset)."""
    page.locator("label[for^=press-field]").locator("xpath=../..").get_by_test_id("expand-button").click()
    page.locator("[id^=dateline-field]").fill("Cottbus")
    page.locator("[id^=embargo-field]").fill(local_time)


def keep_screenshots(shots: Path) -> None:
    """Copy the screenshots to docs/ only when asked (`make screenshots`): tests never write the checkout."""
    if UPDATE_SCREENSHOTS:
        for name in SCREENSHOTS.values():
            shutil.copyfile(shots / name, PROJECT / "docs" / name)


def test_a_report_made_in_the_form_is_saved_as_yaml_that_check_accepts(editor, tmp_project, tmp_path, monkeypatch):
    page = editor
    fill_report(page, SUMMARY)
    set_embargo(page, "2026-12-01T10:00")
    email = pane(page).frame_locator("iframe.newsroom-email")
    email.get_by_text(TITLE).first.wait_for()  # the newsletter as Newsroom renders it, title as headline
    assert pane(page).locator(".newsroom-errors").count() == 0
    assert email.get_by_text("Dr. Erika Muster").count() > 0
    shots = tmp_path / "shots"
    shots.mkdir()
    page.locator("[id^=title-field]").scroll_into_view_if_needed()  # the form from its top, the pane beside it
    page.locator("[id^=title-field]").focus()
    page.screenshot(path=shots / SCREENSHOTS["form"])
    page.locator("#preview-pane").screenshot(path=shots / SCREENSHOTS["pane"])

    before = set((tmp_project / "content" / "reports").iterdir())
    page.get_by_role("button", name="Veröffentlichen").click()
    page.get_by_text("Jetzt veröffentlichen").click()
    deadline = time.monotonic() + 20
    while not (made := set((tmp_project / "content" / "reports").iterdir()) - before) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [path.name for path in made] == ["2026-11-30-werkstattgesprach-wasserstoff-in-der-lausitz.yaml"]
    saved = yaml.safe_load(next(iter(made)).read_text(encoding="utf-8"))
    assert (saved["title"], str(saved["event"]["date"]), saved["speakers"][0]["name"]) == \
        (TITLE, "2026-11-30", "Dr. Erika Muster")
    # the picker's wall-clock time, without offset: `check` reads it in the publication's zone (Europe/Berlin)
    assert saved["press"]["embargo"] == dt.datetime(2026, 12, 1, 10, 0)
    check = subprocess.run([sys.executable, "-m", "pipeline", "check", str(next(iter(made)))], cwd=tmp_project,
                           capture_output=True, text=True, timeout=60)
    assert (check.returncode, check.stdout) == (0, "ok: 1 report(s) valid\n"), check.stdout + check.stderr
    keep_screenshots(shots)


def test_a_too_short_summary_shows_our_message_in_the_pane(editor, tmp_project):
    page = editor
    fill_report(page, "Zu kurz.")
    problem = pane(page).locator(".newsroom-errors li[data-field=summary]")
    problem.wait_for()
    assert problem.inner_text() == ("summary: is 8 characters, at least 40 are needed (one or two sentences, "
                                    "40–140 characters; inbox preview text (preheader))")
    assert sorted(path.name for path in (tmp_project / "content" / "reports").iterdir()) == sorted(
        path.name for path in (PROJECT / "content" / "reports").iterdir())  # the pane wrote nothing


def test_saving_the_settings_keeps_what_the_form_does_not_show(cms, chromium, tmp_project):
    """The send targets have no field in the form; Decap writes them back as they were."""
    settings = tmp_project / "content" / "newsroom.yaml"
    before = yaml.safe_load(settings.read_text(encoding="utf-8"))
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(cms.url, wait_until="load")
        page.get_by_role("button", name="Login").click()
        page.goto(cms.url + "#/collections/settings/entries/newsroom")
        page.locator("[id^=name-field]").first.fill("Industrie-Newsletter Lausitz")
        page.get_by_role("button", name="Veröffentlichen").click()
        page.get_by_text("Jetzt veröffentlichen").click()
        deadline = time.monotonic() + 20
        while "Lausitz" not in settings.read_text(encoding="utf-8") and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        context.close()
    assert yaml.safe_load(settings.read_text(encoding="utf-8")) == before | {"name": "Industrie-Newsletter Lausitz"}
    check = subprocess.run([sys.executable, "-m", "pipeline", "check"], cwd=tmp_project, capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
