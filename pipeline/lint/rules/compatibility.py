"""E6: CSS and HTML features the project adds are supported by the email clients that matter in Germany.

Only what our templates add counts: features that MJML's own output already uses (rendered from
`data/baseline.mjml`, an unmodified skeleton of every standard component) are subtracted, because
without that baseline the check is pure noise (EMAIL-QUALITY E6). A feature some target client does not
support at all is a warning (fails under `--strict`), unless it is listed in `PROGRESSIVE` with the
reason why the email works without it; partial support is reported as info with caniemail's notes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import mjml

from pipeline.lint import caniemail
from pipeline.lint.document import Built, parse
from pipeline.lint.findings import Finding, Severity

BASELINE = Path(__file__).resolve().parents[1] / "data" / "baseline.mjml"

# Features we use on purpose although some target clients ignore them, and why that is harmless.
PROGRESSIVE = {
    "css-at-media-prefers-color-scheme": "dark-mode refinements only; the design is readable when clients "
                                         "ignore them or invert colours (E7)",
    "html-meta-color-scheme": "a recommended hint (E7d); clients that ignore it lose nothing",
    "css-selector-attribute": "[data-ogsc] rules target Outlook.com's dark mode only (E7)",
    "css-important": "used only inside dark-mode rules, to win over inlined light colours",
    "html-lang": "GMX and WEB.DE strip lang; it stays for every client that keeps it (E8)",
    "html-dir": "GMX and WEB.DE strip dir; it stays for every client that keeps it (E8)",
    "html-role": "GMX and WEB.DE strip role; it stays for every client that keeps it (E8, E9)",
}


@functools.lru_cache(maxsize=1)
def baseline_features() -> frozenset[str]:
    """Slugs that an unmodified MJML skeleton's output already uses (rendered once per process)."""
    tree = parse(mjml.mjml2html(BASELINE.read_text(encoding="utf-8")))
    return frozenset(caniemail.features_of(tree))


def check(built: Built) -> Iterator[Finding]:
    """One finding per project-added feature that a target client lacks or supports only partly."""
    if built.email_tree is None:
        return
    path = built.path("email.html")
    baseline = baseline_features()
    for slug, use in sorted(caniemail.features_of(built.email_tree).items()):
        if slug in baseline:
            continue
        verdict = caniemail.verdict(slug)
        url = caniemail.FEATURE_URL.format(slug=slug)
        if verdict.unsupported:
            reason = PROGRESSIVE.get(slug)
            severity = Severity.INFO if reason else Severity.WARNING
            fix = f"accepted: {reason}" if reason else f"avoid it, or list it in PROGRESSIVE with a reason ({url})"
            yield Finding(path, use.line, "E6", severity,
                          f"{slug} ({use.sample!r}) is not supported in " + ", ".join(verdict.unsupported), fix)
        elif verdict.partial:
            notes = " ".join(note if len(note) <= 100 else note[:97] + "..." for note in verdict.notes)
            yield Finding(path, use.line, "E6", Severity.INFO,
                          f"{slug} ({use.sample!r}) is only partly supported in " + ", ".join(verdict.partial)
                          + (f"; caniemail: {notes}" if notes else ""), f"check that this is harmless: {url}")
