"""MJML → final email HTML with MRML (mjml-python), and css-inline only where a template asks for it.

Our templates need no inlining pass: the few styles the HTML inside <mj-text> needs are written onto
its tags while the template renders (the `styled` filter, templates/email/_styles.j2), and everything
else is an MJML attribute, which MRML writes inline itself. That saves a css-inline pass of about
0.7 ms per email, more than the compile itself (PERF-BASELINE §1).

A template may still use MJML's `<mj-style inline="inline">`, which mjml-python silently ignores
(PERF-BASELINE §3): such a block is lifted out before compiling and given to css-inline as
`extra_css`, which is what the reference compiler does with juice. MJML's own <style> blocks
(resets, responsive columns, dark mode, Outlook rules) are never inlined: the "targeted" setup.
"""

from __future__ import annotations

import functools
import re

import mjml

from pipeline.errors import RenderError

_INLINE_STYLE = re.compile(r'<mj-style\s+inline="inline"\s*>(.*?)</mj-style>', re.DOTALL)


def compile_mjml(source: str, template_name: str) -> str:
    """Compile rendered MJML to HTML (inlining an `mj-style inline` block if any); RenderError names the template."""
    inline_css = "\n".join(_INLINE_STYLE.findall(source)) if 'inline="inline"' in source else ""
    if inline_css:
        source = _INLINE_STYLE.sub("", source)
    try:
        html = mjml.mjml2html(source)
    except (ValueError, RuntimeError) as err:
        raise RenderError(f"{template_name}: the MJML compiler refused the output ({err}) — "
                          "check that HTML inside mj-text is well-formed (closed tags)") from err
    if not inline_css.strip():
        return html
    import css_inline

    try:
        return _inliner_for(inline_css).inline(html)
    except css_inline.InlineError as err:
        raise RenderError(f"{template_name}: CSS inlining failed ({err}) — check the <mj-style inline> block") from err


@functools.lru_cache(maxsize=4)
def _inliner_for(css: str):
    import css_inline

    return css_inline.CSSInliner(inline_style_tags=False, keep_style_tags=True, keep_link_tags=True,
                                 load_remote_stylesheets=False, extra_css=css)
