"""The seed headline in Chromium at phone widths: a word breaks only at a correct break, with a hyphen.

Issue 11: at 393 px the email read "Industri- / estandortes" (pyphen's de_DE), and the press page
broke mid-word without a hyphen at 280-384 px (`overflow-wrap: anywhere`, no soft hyphens).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from hyphenation_support import HEADLINE, wrong_breaks

from pipeline.browser import serve_local

SEED = "2021-11-29-industriestandort-berlin-brandenburg"
SOFT_HYPHEN = "\u00ad"
PAGES = [("email.html", width) for width in (320, 375, 393, 600)] + \
        [("press.html", width) for width in (280, 320, 375, 393, 600)]

# The <h1>'s text and where each drawn line starts in it: one rectangle per line box, and the caret at
# the left end of that box. (Per-character rectangles mislead: Chromium reports the letter after a
# drawn soft hyphen on the line before.)
LINES_JS = """() => {
  const h1 = document.querySelector('h1');
  const range = document.createRange();
  range.selectNodeContents(h1);
  const firsts = new Map();
  for (const rect of range.getClientRects()) {
    const top = Math.round(rect.top);
    if (rect.width > 0 && !firsts.has(top)) firsts.set(top, rect);
  }
  const starts = [...firsts.values()].sort((a, b) => a.top - b.top).map(rect => {
    const caret = document.caretRangeFromPoint(rect.left + 1, rect.top + rect.height / 2);
    return caret.startContainer === h1.firstChild ? caret.startOffset : -1;
  });
  return [h1.firstChild.data, starts];
}"""


def headline_lines(page) -> list[str]:
    """The headline's lines as drawn, each with its soft hyphens and the space it may end with."""
    text, starts = page.evaluate(LINES_JS)
    assert starts and starts[0] == 0 and -1 not in starts, starts
    return [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)])]


def shown(lines: list[str]) -> str:
    """ "Indus- / triestandortes" where a line ends at a soft hyphen, "Indu| / strie" where it ends mid-word
    without one."""
    texts = []
    for line, following in zip(lines, [*lines[1:], ""]):
        text = line.replace(SOFT_HYPHEN, "")
        if line.endswith(SOFT_HYPHEN):
            text += "-"
        elif following and line[-1:].isalpha() and following[:1].isalpha():
            text += "|"
        texts.append(text.strip())
    return " / ".join(texts)


def load(browser, folder: Path, name: str, width: int):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.route("**/*", partial(serve_local, report_dir=folder, images=False))
    page.set_content((folder / name).read_text(encoding="utf-8"), wait_until="load")
    return context, page


@pytest.mark.parametrize("name, width", PAGES)
def test_headline_words_break_only_at_correct_breaks_with_a_hyphen(sample_out, chromium, name, width):
    context, page = load(chromium, sample_out / SEED, name, width)
    try:
        lines = headline_lines(page)
    finally:
        context.close()
    assert "".join(lines).replace(SOFT_HYPHEN, "") == HEADLINE
    assert "|" not in shown(lines), f"{name} at {width} px breaks mid-word without a hyphen: {shown(lines)}"
    drawn = [line.replace(SOFT_HYPHEN, "") + ("\u2010" if line.endswith(SOFT_HYPHEN) else "") for line in lines]
    assert wrong_breaks(drawn, "\u2010") == [], f"{name} at {width} px: {shown(lines)}"
