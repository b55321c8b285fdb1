"""Built report folder → screenshots, scroll measurements and axe-core results in Debian's Chromium.

Playwright drives `/usr/bin/chromium` (Debian package `chromium`; never `playwright install`, which
downloads a browser and fails offline). axe-core comes bundled in `axe-playwright-python`. Pages are
loaded with `set_content`, and every http(s) request is answered from the build folder or refused, so
no render waits on the network and the pictures are the ones the build wrote.

Variants (EMAIL-QUALITY C1): the email at 320, 375, 600 and 1024 px; at 375 px also
`prefers-color-scheme: dark`, forced dark (Chromium's auto dark mode, a stand-in for Gmail-app and
Outlook inversion), no `<style>` (GMX, WEB.DE; E5) and images off; at 320 px without `<style>` for the
E5 scroll measurement; the press page at 375 and 1024 px; page 1 of press.pdf when the build made one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pipeline.errors import PipelineError
from pipeline.extras import require
from pipeline.lint.findings import Finding, Severity
from pipeline.manifest import PDF

CHROMIUM = "/usr/bin/chromium"
# This machine's probe flags (python.md); a fresh user-data-dir comes with every Playwright launch.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
EMAIL_WIDTHS = (320, 375, 600, 1024)
NARROWEST = 320
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
}
GATING_IMPACTS = ("serious", "critical")
STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style>", re.IGNORECASE | re.DOTALL)
PAGE_HEIGHT = 800


@dataclass(frozen=True)
class Shot:
    """One screenshot: file name in the destination folder, viewport width, variant and measured scroll width."""

    name: str
    width: int
    variant: str
    scroll_width: int


@dataclass(frozen=True)
class AxeRun:
    """axe-core violations of one page variant (each as axe returns it: id, impact, help, nodes …)."""

    page: str
    variant: str
    violations: list[dict]

    def gating(self) -> list[dict]:
        """Violations of impact serious or critical."""
        return [v for v in self.violations if v.get("impact") in GATING_IMPACTS]


@dataclass
class Capture:
    """Everything the browser produced for one report."""

    slug: str
    shots: list[Shot] = field(default_factory=list)
    axe: list[AxeRun] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    pdf_page: str | None = None


@contextmanager
def open_browser(executable: str = CHROMIUM) -> Iterator[object]:
    """One headless Chromium for a whole run (launching costs about a second)."""
    require("browser", "screenshots and axe (newsroom bundle)")
    from playwright.sync_api import sync_playwright

    if not Path(executable).is_file():
        raise PipelineError(f"{executable} not found — install Debian's chromium (`make setup` does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def capture(browser, report_dir: Path, dest: Path) -> Capture:
    """Screenshots, measurements and axe runs for one built report; PNGs go to `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    result = Capture(slug=report_dir.name)
    email = (report_dir / "email.html").read_text(encoding="utf-8")
    nostyle = STYLE_BLOCK.sub("", email)
    with viewer(browser, report_dir, dest, result, images=True) as view:
        for width in EMAIL_WIDTHS:
            view.shoot(email, "email", width, "light", axe=width == 375)
        view.shoot(email, "email", 375, "dark", axe=True)
        view.shoot(email, "email", 375, "forced-dark")
        view.shoot(nostyle, "email", 375, "nostyle")
        view.shoot(nostyle, "email", NARROWEST, "nostyle")
        if (report_dir / "press.html").is_file():
            press = (report_dir / "press.html").read_text(encoding="utf-8")
            view.shoot(press, "press", 375, "light")
            view.shoot(press, "press", 1024, "light", axe=True)
    # Its own context: the first one has the images in its memory cache and would show them anyway.
    with viewer(browser, report_dir, dest, result, images=False) as view:
        view.shoot(email, "email", 375, "images-off")
    result.pdf_page = pdf_first_page(report_dir / PDF, dest)
    email_path = str(report_dir / "email.html")
    result.findings.extend(scroll_findings(result, email_path))
    result.findings.extend(axe_findings(result, report_dir))
    return result


@contextmanager
def viewer(browser, report_dir: Path, dest: Path, result: Capture, *, images: bool) -> Iterator[Viewer]:
    """A fresh browser context whose http(s) requests are served from `report_dir` (images optional)."""
    context = browser.new_context(viewport={"width": 375, "height": PAGE_HEIGHT})
    try:
        page = context.new_page()
        page.route("**/*", lambda route: serve_local(route, report_dir, images=images))
        yield Viewer(page, dest, result)
    finally:
        context.close()


class Viewer:
    """One page reused for every variant of a report: a new browser context per shot costs half a second."""

    def __init__(self, page, dest: Path, result: Capture):
        self.page = page
        self.dest = dest
        self.result = result
        self.cdp = page.context.new_cdp_session(page)

    def shoot(self, html: str, page_name: str, width: int, variant: str, *, axe: bool = False) -> None:
        """Render one variant, screenshot it, measure its scroll width, optionally run axe."""
        page = self.page
        page.set_viewport_size({"width": width, "height": PAGE_HEIGHT})
        page.emulate_media(color_scheme="dark" if variant == "dark" else "light")
        self.cdp.send("Emulation.setAutoDarkModeOverride", {"enabled": True} if variant == "forced-dark" else {})
        page.set_content(html, wait_until="load")
        suffix = "" if variant == "light" else f"-{variant}"
        name = f"{page_name}-{width}{suffix}.png"
        page.screenshot(path=str(self.dest / name), full_page=True)
        scroll = int(page.evaluate("document.documentElement.scrollWidth"))
        self.result.shots.append(Shot(name, width, variant, scroll))
        if axe:
            self.result.axe.append(AxeRun(f"{page_name}.html", f"{width}{suffix}", run_axe(page)))


def serve_local(route, report_dir: Path, *, images: bool = True) -> None:
    """Answer an http(s) request from the build folder (longest matching path suffix), else refuse it."""
    request = route.request
    if request.url.startswith(("data:", "about:")):
        route.continue_()
        return
    if not images and request.resource_type == "image":
        route.abort()
        return
    parts = [unquote(p) for p in urlsplit(request.url).path.split("/") if p and p not in (".", "..")]
    for root in (report_dir, report_dir.parent):
        for start in range(len(parts)):
            candidate = root.joinpath(*parts[start:])
            if candidate.is_file() and candidate.resolve().is_relative_to(root.resolve()):
                route.fulfill(path=str(candidate))
                return
    route.abort()


def run_axe(page) -> list[dict]:
    """axe-core violations on the current page (bundled axe.min.js, no network)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page, options=AXE_OPTIONS).response.get("violations", [])


def pdf_first_page(pdf: Path, dest: Path) -> str | None:
    """Render page 1 of press.pdf to PNG with pdftoppm; None when the build made no PDF."""
    if not pdf.is_file() or shutil.which("pdftoppm") is None:
        return None
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(dest / "press-pdf-1")], check=True, capture_output=True, timeout=60)
    return "press-pdf-1.png"


def scroll_findings(result: Capture, email_path: str) -> Iterator[Finding]:
    """E5 (no <style>) and E20 (with styles): nothing scrolls sideways on a 320 px screen."""
    for shot in result.shots:
        if shot.width != NARROWEST or not shot.name.startswith("email") or shot.scroll_width <= NARROWEST:
            continue
        if shot.variant == "nostyle":
            yield Finding(email_path, 0, "E5", Severity.ERROR,
                          f"without <style> the email is {shot.scroll_width} px wide on a {NARROWEST} px screen",
                          f"see {shot.name}; give wide elements width:100% with a max-width instead of a fixed width")
        else:
            yield Finding(email_path, 0, "E20", Severity.WARNING,
                          f"the email is {shot.scroll_width} px wide on a {NARROWEST} px screen",
                          f"see {shot.name}; break long words (&shy;, word-break) and make wide elements fluid")


def axe_findings(result: Capture, report_dir: Path) -> Iterator[Finding]:
    """axe violations as findings: serious/critical fail on light pages, warn on the dark render."""
    for run in result.axe:
        for violation in run.violations:
            gating = violation.get("impact") in GATING_IMPACTS
            if gating:
                severity = Severity.WARNING if "dark" in run.variant else Severity.ERROR
            else:
                severity = Severity.INFO
            nodes = violation.get("nodes", [])
            example = " ".join(str(nodes[0].get("target", [""])[0]).split())[:60] if nodes else ""
            yield Finding(str(report_dir / run.page), 0, "AXE", severity,
                          f"{violation['id']} ({violation.get('impact')}) at {run.variant}: {violation.get('help')}; "
                          f"{len(nodes)} element(s), e.g. {example}",
                          violation.get("helpUrl", "see the axe report"))
