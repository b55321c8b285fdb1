"""D3 visible unsubscribe link and D5 Impressum, in both the HTML and the plain-text part."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.lint.document import UNSUBSCRIBE_TOKEN, Built, elements, hidden_by_inline_style, text_of
from pipeline.lint.findings import Finding, Severity
from pipeline.schema import Texts

UNSUBSCRIBE_WORDS = re.compile(r"abmelden|abbestellen|austragen|unsubscribe|opt.?out", re.IGNORECASE)
IMPRINT_LABEL = re.compile(r"\b(impressum|imprint)\b", re.IGNORECASE)
POSTAL_ADDRESS = re.compile(r"\b\d{5}\s+\w")  # German postal code followed by the town
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Imprint fields § 5 DDG needs wherever they exist (config.Imprint); optional ones are checked when set.
IMPRINT_FIELDS = ("organisation", "representative", "street", "postal_code", "city", "email",
                  "phone", "register", "vat_id", "responsible")


def check(built: Built) -> Iterator[Finding]:
    """D3 and D5 on email.html and email.txt."""
    if built.email_tree is not None:
        yield from check_unsubscribe_html(built)
        yield from check_imprint(built, "email.html", " ".join(text_of(built.email_tree.find("body")).split()))
    if built.email_text:
        if UNSUBSCRIBE_TOKEN not in built.email_text:
            yield Finding(built.path("email.txt"), 0, "D3", Severity.ERROR,
                          f"the plain-text part has no unsubscribe link ({UNSUBSCRIBE_TOKEN})",
                          "put the unsubscribe line in the text template's footer")
        yield from check_imprint(built, "email.txt", " ".join(built.email_text.split()))


def check_unsubscribe_html(built: Built) -> Iterator[Finding]:
    """D3: a visible link to the unsubscribe URL whose text says what it does."""
    for link in elements(built.email_tree, "a"):
        href = (link.get("href") or "").strip()
        if href != UNSUBSCRIBE_TOKEN and not (href.startswith("https://") and UNSUBSCRIBE_WORDS.search(href)):
            continue
        hidden = any(hidden_by_inline_style(el) for el in link.iterancestors()) or hidden_by_inline_style(link)
        if not hidden and UNSUBSCRIBE_WORDS.search(text_of(link)):
            return
    yield Finding(built.path("email.html"), 0, "D3", Severity.ERROR,
                  "no visible unsubscribe link in the body (Gmail and Yahoo require one besides the header)",
                  f"link the words „Newsletter abbestellen“ to {UNSUBSCRIBE_TOKEN} in the footer")


def check_imprint(built: Built, name: str, text: str) -> Iterator[Finding]:
    """D5: an Impressum block: its label, and every configured value (or at least an address and e-mail)."""
    missing = [] if IMPRINT_LABEL.search(text) else ["the heading „Impressum“"]
    if built.imprint is not None:
        for key in IMPRINT_FIELDS:
            value = getattr(built.imprint, key, None)
            if isinstance(value, Texts):  # a setting written per language: the report's
                value = value.get(built.language)
            if value and " ".join(str(value).split()) not in text:
                missing.append(f"{key} ({value})")
    else:
        if not POSTAL_ADDRESS.search(text):
            missing.append("a postal address")
        if not EMAIL_ADDRESS.search(text):
            missing.append("an e-mail address")
    if missing:
        yield Finding(built.path(name), 0, "D5", Severity.ERROR, "the Impressum is incomplete: missing "
                      + ", ".join(missing), "the footer must show the full imprint from newsroom.yaml (§ 5 DDG)")
