"""The personal greeting: one provider-neutral placeholder in the built email, filled per subscriber at send time.

The settings (`greeting:` in content/newsroom.yaml, per language) or a report (`greeting:` to override them, or
`greeting: false`) give two texts: `named`, with `{first_name}` where the subscriber's first name goes, and
`fallback`, for a subscriber without one. The build writes both into one token, in the HTML part (escaped like
every text there) and in the text part, at the same place (before the body):

    %GREETING(Guten Tag {first_name},|Guten Tag,)%

That token is the only placeholder: every adapter replaces each token with its provider's merge syntax when it
sends (`Provider.greeting_tag`: listmonk's Go template, Mailchimp's `*|IF:FNAME|*`, Brevo's `{% if %}`); the
outbox fills it from the name of the first `send --test-to` address (`filled`); the preview shows both variants
and the web version the fallback. A text may hold none of `% | ( ) { } \\` besides its one `{first_name}`, so no
provider's template syntax (`{{`, `{%`, `*|`) can be written through a greeting, and the token stays one piece
through Jinja's escaping (it escapes none of them), MRML (which copies text as it is) and the hyphenation of
headings (`hyphenation.hyphenate` leaves a token alone).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.headers import Problem, character_problem

FIRST_NAME = "{first_name}"
PLACEHOLDERS = (FIRST_NAME,)
MAX_LENGTH = 60  # a salutation, not a paragraph
_RESERVED = "%|(){}\\"  # the token's own syntax and every provider's template syntax
_TEXT = r"[^%|(){}\\]*"
TOKEN = re.compile(rf"%GREETING\((?P<before>{_TEXT})\{{first_name\}}(?P<after>{_TEXT})\|(?P<fallback>{_TEXT})\)%")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
SAMPLE_FIRST_NAME = "Erika"  # the preview's subscriber with a name


@dataclass(frozen=True)
class Greeting:
    """The two texts of a greeting, as configured: `named` holds `{first_name}` once, `fallback` no placeholder."""

    named: str
    fallback: str

    def token(self) -> str:
        """The placeholder the templates print (escaped there like any text)."""
        return f"%GREETING({self.named}|{self.fallback})%"


@dataclass(frozen=True)
class Slot:
    """One token found in a built part, its texts as written there (HTML-escaped in the HTML part)."""

    before: str
    after: str
    fallback: str


def named_problem(text: str) -> Problem | None:
    """What is wrong with a `named` greeting text, or None."""
    return _problem(text, named=True)


def fallback_problem(text: str) -> Problem | None:
    """What is wrong with a `fallback` greeting text, or None."""
    return _problem(text, named=False)


def _problem(text: str, *, named: bool) -> Problem | None:
    problem = character_problem(text)
    if problem is not None:
        return problem
    for found in _PLACEHOLDER.finditer(text):
        if found.group() not in PLACEHOLDERS:
            return Problem(f"has the unknown placeholder '{found.group()}'",
                           f"write {FIRST_NAME} where the subscriber's first name goes (the only placeholder)")
    count = text.count(FIRST_NAME)
    if named and count != 1:
        return Problem(f"has {FIRST_NAME} {count} times, it needs it once",
                       f"write {FIRST_NAME} once where the first name goes, e.g. Guten Tag {FIRST_NAME},")
    if not named and count:
        return Problem(f"has {FIRST_NAME}, but it is the text for subscribers without a name",
                       "write the greeting without a name, e.g. Guten Tag,")
    reserved = sorted({char for char in text.replace(FIRST_NAME, "") if char in _RESERVED})
    if reserved:
        return Problem(f"contains {' '.join(repr(char) for char in reserved)}, which mailing-list providers read "
                       "as template syntax", "write the greeting without " + " ".join(_RESERVED))
    if len(text) > MAX_LENGTH:
        return Problem(f"is {len(text)} characters, at most {MAX_LENGTH} are allowed", "keep the salutation short")
    return None


def has_greeting(body: str) -> bool:
    """True if a built part holds a greeting token."""
    return TOKEN.search(body) is not None


def replace(body: str, fill: Callable[[Slot], str]) -> str:
    """`body` with each greeting token replaced by `fill(slot)`."""
    if "%GREETING(" not in body:
        return body
    return TOKEN.sub(lambda match: fill(Slot(match["before"], match["after"], match["fallback"])), body)


def filled(body: str, first_name: str | None, *, as_html: bool) -> str:
    """`body` with each greeting as one subscriber reads it: named if `first_name`, else the fallback.

    The name is escaped for the HTML part (the token's texts already are); the text part takes it as it is.
    """
    if not first_name:
        return replace(body, lambda slot: slot.fallback)
    name = html.escape(first_name, quote=False) if as_html else first_name
    return replace(body, lambda slot: f"{slot.before}{name}{slot.after}")


def first_name(display_name: str) -> str | None:
    """The first word of a display name ("Erika Mustermann" → "Erika"), as listmonk derives FirstName; None if empty."""
    words = display_name.split()
    return words[0] if words else None
