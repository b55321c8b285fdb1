"""Details a reader meets on the press page and in the mailings, checked in Chromium as they render.

A phone number is never broken over two lines at 320 or 375 px (the imprint line is long).
"""

from __future__ import annotations

import pytest

from pipeline.browser import Capture, viewer

SEED = "2021-11-29-industriestandort-berlin-brandenburg"
ENGLISH = "2022-03-15-hydrogen-valley-workshop"

# How many line boxes each occurrence of `number` takes: one per distinct top of its client rects.
LINES_OF = """number => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const wanted = number.replace(/[\\s\\u00a0]/g, '').replace(/[-\\u2011]/g, '-');
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.data.replace(/\\u2011/g, '-');
    const squeezed = [];  // index in `text` of each non-space character
    for (let i = 0; i < text.length; i++) if (!/[\\s\\u00a0]/.test(text[i])) squeezed.push(i);
    const flat = squeezed.map(i => text[i]).join('');
    for (let at = flat.indexOf(wanted); at >= 0; at = flat.indexOf(wanted, at + 1)) {
      const range = document.createRange();
      range.setStart(node, squeezed[at]);
      range.setEnd(node, squeezed[at + wanted.length - 1] + 1);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      out.push(tops.size);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("page_name", ["email.html", "press-email.html", "press.html"])
@pytest.mark.parametrize("slug", [SEED, ENGLISH])
def test_a_phone_number_stays_on_one_line_at_375_px(sample_out, chromium, tmp_path, slug, page_name):
    folder = sample_out / slug
    numbers = ["+49 30 0000000", "+49 30 0000001"]  # the imprint's, the English sample's press contact
    with viewer(chromium, folder, tmp_path, Capture(slug), images=False) as view:
        for width in (320, 375):
            view.page.set_viewport_size({"width": width, "height": 800})
            view.page.set_content((folder / page_name).read_text(encoding="utf-8"), wait_until="load")
            lines = [n for number in numbers for n in view.page.evaluate(LINES_OF, number)]
            assert lines and set(lines) == {1}, (width, lines)
