"""Campaign link tags (UTM): `utm_source`, `utm_medium` and `utm_campaign` on the email's links to our own site.

One rule in one place, a pass over the final parts of each mailing (newsletter and press email), after MRML:
`tag_mailing` collects the links of the HTML part (`<a href>`), decides each one with `tagged`, rewrites the
HTML and then the same addresses in the text part, so both parts carry the same tagged links (E17). The press
page, its PDF and the archive site are not tagged (the web version of the newsletter has its tags taken off
again, `untagged`): tags say which mailing brought a reader, and a page on the site is not a mailing.

A link is tagged when it is http(s), its host is one of the configured domains (default: the host of
`site_url`) and it has no `utm_` parameter yet. Hosts are compared in their IDNA (punycode) form, so
`bücher.example` and `xn--bcher-kva.example` are one host; case and port do not matter. `www.` counts as the
same host (`example.org` matches `www.example.org` and the other way round); any other subdomain must be
listed. Never tagged: `mailto:`, the unsubscribe link (the token, or `unsubscribe_url`), the imprint and the
privacy page (`skip`). The existing query and fragment stay as they are, percent-escapes included; the tags
go after the query.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pipeline.headers import Problem, character_problem

CAMPAIGN_PLACEHOLDERS = ("{slug}", "{channel}", "{date}")
VALUE = re.compile(r"[A-Za-z0-9._~-]+")  # unreserved URL characters: nothing to escape, nothing to misread
MAX_VALUE = 100
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_WHOLE = r"(?<![^\s(<]){}(?=[\s)>]|$)"  # an address as a whole word of the text part
_HREF = re.compile(r'(<a\b[^>]*?\shref=")([^"]*)(")', re.IGNORECASE)


@dataclass(frozen=True)
class Utm:
    """The `utm:` settings: the three values (campaign a pattern) and the hosts whose links get them."""

    source: str
    medium: str = "email"
    campaign: str = "{slug}"
    domains: tuple[str, ...] = ()


def value_problem(value: str) -> Problem | None:
    """A source or medium: letters, digits, '.', '_', '~', '-' (they go into every tagged address as they are)."""
    if VALUE.fullmatch(value) and len(value) <= MAX_VALUE:
        return None
    return Problem(f"'{value}' cannot go into a link as it is", f"use up to {MAX_VALUE} letters, digits, '-', '_', "
                   "'.' and '~', without spaces, e.g. newsletter")


def campaign_problem(pattern: str) -> Problem | None:
    """The campaign pattern: like a value, with the placeholders {slug}, {channel} and {date}."""
    for found in _PLACEHOLDER.finditer(pattern):
        if found.group() not in CAMPAIGN_PLACEHOLDERS:
            return Problem(f"has the unknown placeholder '{found.group()}'",
                           "use " + ", ".join(CAMPAIGN_PLACEHOLDERS) + ", e.g. {date}-{slug}")
    return value_problem(_PLACEHOLDER.sub("x", pattern))


def domain_problem(domain: str) -> Problem | None:
    """A host name, in Unicode or punycode, without scheme, port or path."""
    problem = character_problem(domain)
    if problem is not None:
        return problem
    if "/" in domain or ":" in domain or "@" in domain or " " in domain or ascii_host(domain) is None:
        return Problem(f"'{domain}' is not a host name", "write the host alone, e.g. newsroom.example.org")
    return None


@functools.lru_cache(maxsize=256)
def ascii_host(host: str) -> str | None:
    """The host in lower-case IDNA (punycode) form, or None if it is not a host name.

    Cached: idna's UTS 46 mapping takes about 85 µs a host, and a mailing links the same few hosts again and again.
    """
    import idna

    try:
        return idna.encode(host.rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


def parameters(utm: Utm, *, slug: str, channel: str, date: str) -> list[tuple[str, str]]:
    """The three tags of one mailing, the campaign pattern filled in."""
    campaign = utm.campaign.replace("{slug}", slug).replace("{channel}", channel).replace("{date}", date)
    return [("utm_source", utm.source), ("utm_medium", utm.medium), ("utm_campaign", campaign)]


def _site_key(host: str) -> str:
    return host.removeprefix("www.")


def tagged(url: str, tags: str, domains: Collection[str]) -> str:
    """`url` with `tags` (an encoded query) after its query, if it leads to one of `domains` and has no utm_ yet.

    `domains` are `ascii_host` forms. Anything else (mailto:, relative, another host, already tagged) comes back
    unchanged.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an invalid port or bracketed host: not ours to change
        return url
    if parts.scheme.lower() not in ("http", "https") or not host:
        return url
    key = ascii_host(host)
    if key is None or _site_key(key) not in {_site_key(domain) for domain in domains}:
        return url
    if any(name.lower().startswith("utm_") for name, _ in parse_qsl(parts.query, keep_blank_values=True)):
        return url
    query = parts.query + ("&" if parts.query and not parts.query.endswith("&") else "") + tags
    return urlunsplit(parts._replace(query=query))


def tag_mailing(html_part: str, text_part: str, tag: Callable[[str], str],
                skip: Collection[str] = ()) -> tuple[str, str]:
    """Both parts of one mailing with every link that `tag` changes replaced by its tagged form.

    The links are the HTML's (`<a href>`); the text part spells the same addresses out (E17), each as a
    whole word, so each is replaced where it stands alone (after a space, '(' or '<'; before a space, ')',
    '>' or the end), longest first. A link the text part does not spell out (the logo's link to the
    organisation's home page) stays untagged in the HTML too: both parts keep the same links.
    """
    changed: dict[str, str] = {}

    def rewrite(match: re.Match) -> str:
        url = html.unescape(match.group(2))
        new = url if url in skip or not _spelt_out(url, text_part) else tag(url)
        if new == url:
            return match.group(0)
        changed[url] = new
        return match.group(1) + html.escape(new, quote=True) + match.group(3)

    html_part = _HREF.sub(rewrite, html_part)
    if changed:
        words = "|".join(re.escape(url) for url in sorted(changed, key=len, reverse=True))
        text_part = re.sub(_WHOLE.format(f"({words})"), lambda m: changed[m.group(1)], text_part)
    return html_part, text_part


def _spelt_out(url: str, text: str) -> bool:
    """True if `url` stands alone somewhere in `text` (the `_WHOLE` rule; str.find: a regex search per link took
    0.14 ms)."""
    start = text.find(url)
    while start >= 0:
        end = start + len(url)
        if (start == 0 or text[start - 1] in _BEFORE or text[start - 1].isspace()) and \
                (end == len(text) or text[end] in _AFTER or text[end].isspace()):
            return True
        start = text.find(url, start + 1)
    return False


_BEFORE, _AFTER = "(<", ")>"


def untagged(html_part: str, tags: str) -> str:
    """The HTML with `tags` taken off every link that carries exactly them at the end of its query (web version)."""
    if not tags:
        return html_part

    def rewrite(match: re.Match) -> str:
        try:
            parts = urlsplit(html.unescape(match.group(2)))
        except ValueError:  # not a link we tagged
            return match.group(0)
        if parts.query == tags:
            query = ""
        elif parts.query.endswith("&" + tags):
            query = parts.query[: -len(tags) - 1]
        else:
            return match.group(0)
        return match.group(1) + html.escape(urlunsplit(parts._replace(query=query)), quote=True) + match.group(3)

    return _HREF.sub(rewrite, html_part)


def tags_for(utm: Utm | None, *, slug: str, channel: str, date: str) -> str:
    """The encoded query of one mailing's tags, or "" when tagging is off."""
    return urlencode(parameters(utm, slug=slug, channel=channel, date=date)) if utm else ""
