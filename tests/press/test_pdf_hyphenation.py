"""The press PDF breaks headline words where the page does: at its soft hyphens, with a drawn hyphen.

The PDF is WeasyPrint's rendering of press.html, whose <h1> carries soft hyphens (issue 11). At A4 the
seed headline never breaks inside a word, so the headline is narrowed here to phone-like widths.
"""

from __future__ import annotations

import io

import pytest
from hyphenation_support import HEADLINE, wrong_breaks
from press_support import BEFORE, SEED, copy_project

from pipeline.build import Project, build
from pipeline.pdf import render_pdf

DRAWN_HYPHEN = "\u2010"  # what WeasyPrint draws (and pypdf reads) at a soft hyphen that breaks a line


@pytest.fixture(scope="module")
def press_html(tmp_path_factory) -> str:
    root = copy_project(tmp_path_factory.mktemp("pdfhyph") / "project")
    build(Project(root), [root / "content" / "reports" / f"{SEED}.yaml"], now=BEFORE)
    return (root / "out" / SEED / "press.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("width_mm", [60, 70, 80])
def test_headline_lines_in_the_pdf_end_at_correct_breaks_with_a_hyphen(press_html, width_mm):
    from pypdf import PdfReader

    html = press_html.replace("</head>", f"<style>h1 {{ width: {width_mm}mm; }}</style></head>", 1)
    text = PdfReader(io.BytesIO(render_pdf(html, {}))).pages[0].extract_text()
    start = text.index("Regional")
    lines = text[start:text.index("Brandenburg", start) + len("Brandenburg")].splitlines()
    assert any(line.endswith(DRAWN_HYPHEN) for line in lines), lines  # the soft hyphens are honoured
    assert wrong_breaks(lines, DRAWN_HYPHEN) == [], lines
    joined = "".join(line.removesuffix(DRAWN_HYPHEN) if line.endswith(("-", DRAWN_HYPHEN)) else line + " "
                     for line in lines)
    assert joined.strip() == HEADLINE, lines  # no word broken without a hyphen
