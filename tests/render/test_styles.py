"""Inline styles without an inlining pass: the `styled` filter, checked against css-inline doing the same job."""

from __future__ import annotations

from pathlib import Path

import css_inline
import lxml.html
import pytest
from pipeline.errors import RenderError
from pipeline.render import markdown
from pipeline.render.email import compile_mjml
from pipeline.render.environment import make_environment, styled

REPO = Path(__file__).resolve().parents[2]

STYLES = {"p": "margin:0;", "a": "color:#123456;", "h2": "font-size:21px;"}


def test_styled_writes_onto_the_named_tags_only():
    html = '<p>Text <a href="https://x.example">Link</a> <abbr>EU</abbr></p><pre>x</pre><h2 id="a">T</h2><br />'
    assert styled(html, STYLES) == ('<p style="margin:0;">Text <a style="color:#123456;" href="https://x.example">'
                                    'Link</a> <abbr>EU</abbr></p><pre>x</pre><h2 style="font-size:21px;" id="a">T'
                                    '</h2><br />')


def test_a_style_already_on_the_tag_comes_last_and_wins():
    assert styled('<p style="margin:0 0 8px 0;">Zitat</p>', STYLES) == '<p style="margin:0;margin:0 0 8px 0;">Zitat</p>'


def test_escaped_markup_in_text_is_left_alone():
    assert styled("<p>&lt;p&gt; und &lt;a href=x&gt;</p>", STYLES) == \
        '<p style="margin:0;">&lt;p&gt; und &lt;a href=x&gt;</p>'


def declarations(style: str | None) -> dict[str, str]:
    """CSS declarations as a browser applies them: later ones win; whitespace and case normalised."""
    found = {}
    for part in (style or "").split(";"):
        if ":" in part:
            name, value = part.split(":", 1)
            found[name.strip().lower()] = " ".join(value.split())
    return found


@pytest.fixture(scope="module")
def text_styles(sample) -> dict[str, str]:
    """The templates' own tag styles, for the sample settings."""
    settings, _ = sample
    template = make_environment(str(REPO / "templates")).get_template("email/_styles.j2")
    module = template.make_module({"settings": settings})
    return module.text_styles


def test_styled_gives_what_css_inline_gives_for_the_same_rules(sample, text_styles):
    """The seed's body, a heading, a link and a quote with its own style: every element ends up with the
    same declarations as MJML's `mj-style inline` through css-inline (the setup this replaced)."""
    _, reports = sample
    seed = next(r for r in reports if r.slug.startswith("2021-11-29"))
    fragment = (f'<h1>{seed.title}</h1>{markdown.to_html(seed.body)}<p><a href="https://example.org">Web</a></p>'
                '<blockquote style="padding:0 0 0 16px;"><p style="margin:0 0 8px 0;">Zitat</p></blockquote>'
                "<h2>Eins</h2><ul><li>Eins</li></ul><ol><li>Zwei</li></ol><h3>Drei</h3>")

    def document(body: str) -> str:
        return (f'<mjml><mj-body><mj-section><mj-column><mj-text css-class="nr-text">{body}</mj-text>'
                "</mj-column></mj-section></mj-body></mjml>")

    ours = compile_mjml(document(styled(fragment, text_styles)), "test")
    css = "\n".join(f".nr-text {tag} {{ {style} }}" for tag, style in text_styles.items())
    reference = css_inline.CSSInliner(inline_style_tags=False, keep_style_tags=True, keep_link_tags=True,
                                   load_remote_stylesheets=False, extra_css=css).inline(
        compile_mjml(document(fragment), "test"))
    mine = [(el.tag, declarations(el.get("style"))) for el in lxml.html.fromstring(ours).iter(*text_styles)]
    theirs = [(el.tag, declarations(el.get("style"))) for el in lxml.html.fromstring(reference).iter(*text_styles)]
    assert mine == theirs
    assert {tag for tag, _ in mine} == set(text_styles)  # every rule was exercised


def test_a_template_with_mj_style_inline_is_refused_with_the_fix():
    """mjml-python ignores `<mj-style inline="inline">`: refused, never sent without those styles."""
    source = ('<mjml><mj-head><mj-style inline="inline">.box p { color: #ff0000; }</mj-style></mj-head><mj-body>'
              '<mj-section><mj-column><mj-text css-class="box"><p>Rot</p></mj-text></mj-column></mj-section>'
              "</mj-body></mjml>")
    with pytest.raises(RenderError,
                       match=r"custom\.mjml\.j2: <mj-style inline=\"inline\"> is not supported .* `styled`"):
        compile_mjml(source, "custom.mjml.j2")


def test_our_templates_need_no_inlining_pass(renditions):
    """No `<style>` rule of ours is left that only an inliner would apply: every tag carries its style."""
    for _, rendition in renditions.values():
        for html in (rendition.email_html, rendition.press_email_html):
            tree = lxml.html.fromstring(html)
            headings = list(tree.iter("h1", "h2"))
            assert headings and all("font-size" in declarations(h.get("style")) for h in headings)
            links = [a for a in tree.iter("a") if a.get("href", "").startswith(("https://", "mailto:", "%"))
                     and a.getparent().tag != "td"]  # MRML's own button and image links are styled by MJML
            assert links and all("color" in declarations(a.get("style")) for a in links)
