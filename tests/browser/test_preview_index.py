"""The preview index (`out/index.html`) in Chromium with axe-core: no violation, no unreachable scroll box."""

from __future__ import annotations

import pytest

from pipeline.browser import run_axe


@pytest.mark.parametrize("width", [1280, 375])
def test_the_preview_index_has_no_axe_violation(sample_out, chromium, width):
    context = chromium.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.goto((sample_out / "index.html").as_uri(), wait_until="load")
        violations = run_axe(page)
        reports = page.locator("section .views").count()
    finally:
        context.close()
    assert reports == len(list(sample_out.glob("*/manifest.json"))) > 0
    # before: scrollable-region-focusable (serious), one node per report: the sideways-scrolling views
    assert [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in violations] == []
