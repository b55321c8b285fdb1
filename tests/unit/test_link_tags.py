"""Campaign link tags (render/links.py): which links get utm_ parameters, and how the address is kept intact."""

from __future__ import annotations

import pytest

from pipeline.render.links import (Utm, ascii_host, campaign_problem, domain_problem, tag_mailing, tagged, tags_for,
                                   untagged, value_problem)

TAGS = "utm_source=newsletter&utm_medium=email&utm_campaign=2026-12-01-fest"
OURS = (ascii_host("example.org"), ascii_host("bücher.example"))


@pytest.mark.parametrize("url, expected", [
    ("https://example.org/a", f"https://example.org/a?{TAGS}"),
    ("https://example.org", f"https://example.org?{TAGS}"),
    # an existing query stays first, byte for byte (percent-escapes and '+' included); the fragment stays last
    ("https://example.org/s?q=Gr%C3%BC%C3%9Fe+aus&x=1", f"https://example.org/s?q=Gr%C3%BC%C3%9Fe+aus&x=1&{TAGS}"),
    ("https://example.org/a#teil-2", f"https://example.org/a?{TAGS}#teil-2"),
    ("https://example.org/a?b=1#c?d", f"https://example.org/a?b=1&{TAGS}#c?d"),
    ("https://example.org/a?b=1&", f"https://example.org/a?b=1&{TAGS}"),
    ("https://example.org/%7Eanna/caf%C3%A9", f"https://example.org/%7Eanna/caf%C3%A9?{TAGS}"),
    # case and port do not matter; the address keeps its own spelling
    ("https://EXAMPLE.org/A", f"https://EXAMPLE.org/A?{TAGS}"),
    ("https://example.org:8443/a", f"https://example.org:8443/a?{TAGS}"),
    ("http://example.org/a", f"http://example.org/a?{TAGS}"),
    # www. is the same site; another subdomain is not
    ("https://www.example.org/a", f"https://www.example.org/a?{TAGS}"),
    ("https://shop.example.org/a", "https://shop.example.org/a"),
    ("https://example.org.evil.com/a", "https://example.org.evil.com/a"),
    ("https://example.org@evil.com/a", "https://example.org@evil.com/a"),  # user info, host evil.com
    ("https://evil.com/?next=https://example.org/", "https://evil.com/?next=https://example.org/"),
    # IDN: configured in Unicode, matched in both forms
    ("https://bücher.example/neu", f"https://bücher.example/neu?{TAGS}"),
    ("https://xn--bcher-kva.example/neu", f"https://xn--bcher-kva.example/neu?{TAGS}"),
    ("https://BÜCHER.example/neu", f"https://BÜCHER.example/neu?{TAGS}"),
    # already tagged (any utm_ parameter, also percent-escaped), not a web link, not absolute: left alone
    ("https://example.org/a?utm_source=partner", "https://example.org/a?utm_source=partner"),
    ("https://example.org/a?x=1&UTM_Medium=x", "https://example.org/a?x=1&UTM_Medium=x"),
    ("https://example.org/a?utm%5Fterm=x", "https://example.org/a?utm%5Fterm=x"),
    ("mailto:presse@example.org", "mailto:presse@example.org"),
    ("mailto:presse@example.org?subject=https://example.org", "mailto:presse@example.org?subject=https://example.org"),
    ("/relative/path", "/relative/path"),
    ("//example.org/a", "//example.org/a"),
    ("%UNSUBSCRIBE_URL%", "%UNSUBSCRIBE_URL%"),
    ("ftp://example.org/a", "ftp://example.org/a"),
    ("https://[::1/a", "https://[::1/a"),  # unparseable: not ours to change
])
def test_tagged_only_links_to_our_own_hosts(url, expected):
    assert tagged(url, TAGS, OURS) == expected


def test_a_configured_www_host_also_matches_the_bare_host():
    assert tagged("https://example.org/a", TAGS, (ascii_host("www.example.org"),)) == f"https://example.org/a?{TAGS}"


def test_ascii_host_is_the_lower_case_punycode_form():
    assert [ascii_host(h) for h in ("Bücher.Example", "xn--bcher-kva.example", "EXAMPLE.org.", "a b")] == \
        ["xn--bcher-kva.example", "xn--bcher-kva.example", "example.org", None]


def test_tags_for_fills_the_campaign_pattern_in_order():
    utm = Utm(source="newsletter", campaign="{date}-{slug}-{channel}")
    assert tags_for(utm, slug="fest", channel="press", date="2026-12-01") == \
        "utm_source=newsletter&utm_medium=email&utm_campaign=2026-12-01-fest-press"
    assert tags_for(None, slug="fest", channel="press", date="2026-12-01") == ""


HTML = ('<p><a style="color:#0b4f8a;" href="https://example.org/a?x=1&amp;y=2">A</a> '
        '<a href="mailto:presse@example.org">mail</a> <a href="%UNSUBSCRIBE_URL%">abmelden</a> '
        '<a href="https://example.org/impressum">Impressum</a> <a href="https://other.org/">B</a> '
        '<a href="https://example.org/a/b">C</a> <img src="https://example.org/images/logo.png" alt="Logo"></p>')
TEXT = ("A (https://example.org/a?x=1&y=2), mail (presse@example.org)\n"
        "Abmelden: %UNSUBSCRIBE_URL%\nImpressum: https://example.org/impressum\nB: https://other.org/\n"
        "C: https://example.org/a/b\nhttps://example.org/a?x=1&y=2z is another address\n")


def test_tag_mailing_tags_the_same_links_in_both_parts():
    html, text = tag_mailing(HTML, TEXT, lambda url: tagged(url, TAGS, OURS), skip={"https://example.org/impressum"})
    assert html == ('<p><a style="color:#0b4f8a;" href="https://example.org/a?x=1&amp;y=2&amp;'
                    + TAGS.replace("&", "&amp;") + '">A</a> '
                    '<a href="mailto:presse@example.org">mail</a> <a href="%UNSUBSCRIBE_URL%">abmelden</a> '
                    '<a href="https://example.org/impressum">Impressum</a> <a href="https://other.org/">B</a> '
                    f'<a href="https://example.org/a/b?{TAGS.replace("&", "&amp;")}">C</a> '
                    '<img src="https://example.org/images/logo.png" alt="Logo"></p>')
    assert text == (f"A (https://example.org/a?x=1&y=2&{TAGS}), mail (presse@example.org)\n"
                    "Abmelden: %UNSUBSCRIBE_URL%\nImpressum: https://example.org/impressum\nB: https://other.org/\n"
                    f"C: https://example.org/a/b?{TAGS}\nhttps://example.org/a?x=1&y=2z is another address\n")


def test_untagged_takes_exactly_our_tags_off_again():
    html, _ = tag_mailing(HTML, TEXT, lambda url: tagged(url, TAGS, OURS))
    assert untagged(html, TAGS) == HTML
    partner = '<a href="https://example.org/?utm_source=partner">P</a>'
    assert untagged(partner, TAGS) == partner


@pytest.mark.parametrize("check, value, expected", [
    (value_problem, "newsletter", None),
    (value_problem, "news letter", "'news letter' cannot go into a link as it is"),
    (value_problem, "a&b=c", "'a&b=c' cannot go into a link as it is"),
    (value_problem, "x" * 101, f"'{'x' * 101}' cannot go into a link as it is"),
    (campaign_problem, "{date}-{slug}_{channel}", None),
    (campaign_problem, "{date}-{titel}", "has the unknown placeholder '{titel}'"),
    (campaign_problem, "{slug} {date}", "'x x' cannot go into a link as it is"),
    (domain_problem, "bücher.example", None),
    (domain_problem, "https://example.org", "'https://example.org' is not a host name"),
    (domain_problem, "example.org:8443", "'example.org:8443' is not a host name"),
    (domain_problem, "exa\u202emple.org", "contains U+202E RIGHT-TO-LEFT OVERRIDE at character 4, an invisible bidi "
                                          "control that makes mail programs show the text in another order"),
])
def test_settings_values_are_checked(check, value, expected):
    problem = check(value)
    assert (problem.message if problem else None) == expected


def test_a_link_the_text_part_does_not_spell_out_stays_untagged_in_both():
    html = '<a href="https://example.org"><img src="https://example.org/logo.png" alt="Logo"></a>'
    text = "Website: https://example.org/kontakt\n"
    assert tag_mailing(html, text, lambda url: tagged(url, TAGS, OURS)) == (html, text)
