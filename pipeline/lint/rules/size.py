"""E1: the email's HTML part stays under Gmail's clipping limit, with room for what the ESP adds."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.lint.document import UNSUBSCRIBE_TOKEN, Built, elements
from pipeline.lint.findings import Finding, Severity

WARN_BYTES = 90_000    # people saw clipping at 99.x kB once the ESP had added its markup (EMAIL-QUALITY E1)
MAX_BYTES = 102_000    # Gmail clips the HTML part above this
LINK_OVERHEAD = 80     # bytes an ESP's click-tracking redirect typically adds to each href
UNSUBSCRIBE_URL_BYTES = 120  # a realistic per-recipient unsubscribe URL replacing the token


def projected_bytes(built: Built) -> tuple[int, int]:
    """(bytes as built, bytes after the ESP expands the unsubscribe token and rewrites links)."""
    size = len(built.email_html.encode("utf-8"))
    links = [a for a in elements(built.email_tree, "a") if (a.get("href") or "").startswith("https://")]
    tokens = built.email_html.count(UNSUBSCRIBE_TOKEN)
    return size, size + len(links) * LINK_OVERHEAD + tokens * (UNSUBSCRIBE_URL_BYTES - len(UNSUBSCRIBE_TOKEN))


def check(built: Built) -> Iterator[Finding]:
    """Error at ≥ 102,000 bytes, warning at ≥ 90,000 (both after the ESP's expected additions)."""
    if not built.email_html:
        return
    size, projected = projected_bytes(built)
    measured = f"{size:,} bytes as built, about {projected:,} after the ESP's link rewriting"
    fix = "shorten the report, drop unused CSS from the templates, or split the newsletter"
    if projected >= MAX_BYTES:
        yield Finding(built.path("email.html"), 0, "E1", Severity.ERROR,
                      f"HTML is {measured}; Gmail clips above {MAX_BYTES:,} and hides the footer", fix)
    elif projected >= WARN_BYTES:
        yield Finding(built.path("email.html"), 0, "E1", Severity.WARNING,
                      f"HTML is {measured}; the warning budget is {WARN_BYTES:,} (clipped at {MAX_BYTES:,})", fix)
