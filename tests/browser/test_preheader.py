"""The hidden preheader takes no space in Chromium, also where display:none is ignored (Gmail's mobile webmail)."""

from __future__ import annotations

import pytest

from pipeline.browser import STYLE_BLOCK, Capture, viewer

SEED = "2021-11-29-industriestandort-berlin-brandenburg"
# The preheader div's rendered box, as it is and with display:none ignored (then max-height:0 must hide it).
BOXES = """() => {
  const div = document.querySelector('body div[style*="display:none"]');
  const box = () => { const r = div.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; };
  const hidden = box();
  div.style.setProperty('display', 'block');
  return {text: div.textContent.slice(0, 20), hidden, displayIgnored: box(), color: div.style.color};
}"""


@pytest.mark.parametrize("page_name", ["email.html", "press-email.html"])
def test_the_preheader_is_hidden_without_a_text_colour(sample_out, chromium, tmp_path, page_name):
    folder = sample_out / SEED
    html = (folder / page_name).read_text(encoding="utf-8")
    with viewer(chromium, folder, tmp_path, Capture(SEED), images=False) as view:
        for variant in (html, STYLE_BLOCK.sub("", html)):  # as sent, and in GMX/WEB.DE without <style>
            view.page.set_content(variant, wait_until="load")
            boxes = view.page.evaluate(BOXES)
            assert boxes["text"].startswith(("Industrie 2030", "SPERRFRIST")), boxes
            assert boxes["hidden"] == [0, 0] and boxes["displayIgnored"][1] == 0, boxes
            assert boxes["color"] == "", boxes
