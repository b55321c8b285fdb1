"""MJML → final email HTML with MRML (mjml-python); no CSS inlining pass.

Our templates need none: the few styles the HTML inside <mj-text> needs are written onto its tags
while the template renders (the `styled` filter, templates/email/_styles.j2), and everything else is
an MJML attribute, which MRML writes inline itself. That saves an inliner pass of about 0.7 ms per
email, more than the compile itself (PERF-BASELINE §1). MJML's own <style> blocks (resets,
responsive columns, dark mode, Outlook rules) stay in the head, as the reference compiler leaves them.

mjml-python silently ignores MJML's `<mj-style inline="inline">` (PERF-BASELINE §3), so a template
that uses it is refused with the fix rather than sent without its styles.
"""

from __future__ import annotations

import re

import mjml

from pipeline.errors import RenderError

_INLINE_STYLE = re.compile(r'<mj-style\s[^>]*\binline\s*=\s*["\']?inline', re.IGNORECASE)


def compile_mjml(source: str, template_name: str) -> str:
    """Compile rendered MJML to HTML; RenderError names the template and the fix."""
    if _INLINE_STYLE.search(source):
        raise RenderError(f"{template_name}: <mj-style inline=\"inline\"> is not supported (the compiler ignores it, "
                          "so those styles would be lost) — put the styles on the tags with the `styled` filter "
                          "(templates/email/_styles.j2) or use MJML attributes")
    try:
        return mjml.mjml2html(source)
    except (ValueError, RuntimeError) as err:
        raise RenderError(f"{template_name}: the MJML compiler refused the output ({err}) — "
                          "check that HTML inside mj-text is well-formed (closed tags)") from err
