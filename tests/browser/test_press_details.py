"""Details a reader meets on the press page and in the mailings, checked in Chromium as they render.

The end mark '###' is not read out as "hash hash hash" and carries no attribute axe prohibits; a phone
number is never broken over two lines at 375 px (German numbers are long, and the imprint line is longer).
"""

from __future__ import annotations

import pytest

from pipeline.browser import Capture, run_axe, viewer

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


def endmark_name(page) -> dict:
    """The end mark's element and what a screen reader is given for it (Chromium's accessibility tree)."""
    return page.evaluate("""() => {
      const mark = [...document.querySelectorAll('p')].find(p => p.textContent.includes('###'));
      return {ariaLabel: mark.getAttribute('aria-label'),
              hidden: [...mark.querySelectorAll('[aria-hidden="true"]')].map(e => e.textContent)};
    }""")


@pytest.mark.parametrize(("slug", "words"), [(SEED, "Ende der Pressemitteilung"), (ENGLISH, "End of press release")])
def test_the_end_mark_is_announced_in_words_and_axe_finds_no_prohibited_label(sample_out, chromium, slug, words,
                                                                               tmp_path):
    folder = sample_out / slug
    with viewer(chromium, folder, tmp_path, Capture(slug), images=False) as view:
        view.page.set_content((folder / "press.html").read_text(encoding="utf-8"), wait_until="load")
        tree = view.cdp.send("Accessibility.getFullAXTree")["nodes"]
        mark = endmark_name(view.page)
        violations = {v["id"] for v in run_axe(view.page)}
    # what a screen reader reads: the text of every node Chromium keeps in the accessibility tree
    spoken = [node["name"]["value"] for node in tree if not node.get("ignored")
              and node.get("role", {}).get("value") == "StaticText"]
    assert mark == {"ariaLabel": None, "hidden": ["###"]}
    assert words in spoken and "###" not in spoken
    assert "aria-prohibited-attr" not in violations


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
