"""Browser checks on the real sample content: screenshots, axe-core, and no sideways scrolling at 320 px."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from PIL import Image, ImageStat

from pipeline.browser import capture
from pipeline.bundle import export_bundle
from pipeline.lint import Severity

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED_SHOTS = [
    "email-320.png", "email-375.png", "email-600.png", "email-1024.png", "email-375-dark.png",
    "email-375-forced-dark.png", "email-375-nostyle.png", "email-320-nostyle.png", "press-375.png",
    "press-1024.png", "email-375-images-off.png",
]
SEED = "2021-11-29-industriestandort-berlin-brandenburg"


def shot_path(tmp_root: Path, slug: str, name: str) -> Path:
    """Where the captures fixture wrote one screenshot."""
    return tmp_root / slug / name


def test_every_report_gets_every_screenshot_as_a_png(captures, tmp_path_factory):
    assert SEED in captures
    for slug, result in captures.items():
        assert [shot.name for shot in result.shots] == EXPECTED_SHOTS
        for shot in result.shots:
            path = next(Path(tmp_path_factory.getbasetemp()).glob(f"shots*/{slug}/{shot.name}"))
            data = path.read_bytes()
            assert len(data) > 1000 and data.startswith(PNG_SIGNATURE), path
            with Image.open(path) as image:
                assert image.width == shot.width and image.height >= 400


def test_no_serious_or_critical_axe_violations_on_email_and_press_page(captures):
    for slug, result in captures.items():
        light = [run for run in result.axe if "dark" not in run.variant]
        assert [(run.page, run.variant) for run in light] == [("email.html", "375"), ("press.html", "1024")]
        for run in light:
            assert run.gating() == [], f"{slug} {run.page}: {json.dumps(run.gating(), indent=1)[:2000]}"
        assert not [f for f in result.findings if f.severity is Severity.ERROR], slug


def test_email_fits_320_px_with_and_without_style(captures):
    for slug, result in captures.items():
        narrow = {shot.variant: shot.scroll_width for shot in result.shots if shot.width == 320}
        assert narrow == {"light": 320, "nostyle": 320}, slug


def test_dark_variants_are_dark_and_images_off_differs(captures, tmp_path_factory):
    base = Path(tmp_path_factory.getbasetemp())

    def brightness(name: str) -> float:
        path = next(base.glob(f"shots*/{SEED}/{name}"))
        with Image.open(path) as image:
            return ImageStat.Stat(image.convert("L")).mean[0]

    light = brightness("email-375.png")
    assert brightness("email-375-forced-dark.png") < light - 60
    assert brightness("email-375-dark.png") < light - 60
    images_off = next(base.glob(f"shots*/{SEED}/email-375-images-off.png")).read_bytes()
    assert images_off != next(base.glob(f"shots*/{SEED}/email-375.png")).read_bytes()


def test_browser_e5_fires_when_the_email_overflows_without_style(chromium, fixture_report, tmp_path):
    good = capture(chromium, fixture_report(), tmp_path / "good")
    assert [f for f in good.findings if f.rule in ("E5", "E20")] == []
    shutil.rmtree(tmp_path / "out")
    wide = capture(chromium, fixture_report("E5-fixed-width.html"), tmp_path / "wide")
    rules = {(f.rule, f.severity) for f in wide.findings}
    assert ("E5", Severity.ERROR) in rules
    assert next(s for s in wide.shots if s.name == "email-320-nostyle.png").scroll_width > 320


def test_pdf_page_one_is_rendered_when_the_build_made_a_pdf(chromium, fixture_report, tmp_path):
    folder = fixture_report()
    assert capture(chromium, folder, tmp_path / "none").pdf_page is None
    page = chromium.new_page()
    page.set_content((folder / "press.html").read_text(encoding="utf-8"))
    page.pdf(path=str(folder / "press.pdf"))
    page.close()
    result = capture(chromium, folder, tmp_path / "pdf")
    assert result.pdf_page == "press-pdf-1.png"
    assert (tmp_path / "pdf" / "press-pdf-1.png").read_bytes().startswith(PNG_SIGNATURE)


def test_preview_bundle_with_screenshots_for_the_seed_report(sample_out, chromium, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(sample_out / SEED, out / SEED)
    bundle = export_bundle(out, tmp_path / "preview", chromium=chromium)
    dest = tmp_path / "preview"
    assert bundle.slugs == [SEED]
    index = (dest / "index.html").read_text(encoding="utf-8")
    for name in EXPECTED_SHOTS:
        assert (dest / "reports" / SEED / "screenshots" / name).is_file()
        assert f"reports/{SEED}/screenshots/{name}" in index
    axe = json.loads((dest / "axe.json").read_text(encoding="utf-8"))
    assert [run["page"] for run in axe[SEED]] == ["email.html", "email.html", "press.html"]
    assert "| 0 |" in (dest / "summary.md").read_text(encoding="utf-8")
