"""The personal greeting (render/personalize.py): its texts, its one placeholder, and each provider's merge syntax."""

from __future__ import annotations

import pytest

from pipeline.providers import provider_class
from pipeline.providers.brevo import BrevoProvider
from pipeline.providers.listmonk import ListmonkProvider
from pipeline.providers.mailchimp import MailchimpProvider
from pipeline.render.personalize import (Greeting, fallback_problem, filled, first_name, has_greeting, named_problem,
                                         replace)

GREETING = Greeting("Guten Tag {first_name},", "Guten Tag,")
HTML = f"<p>Hallo</p><p>{GREETING.token()}</p><p>Text &amp; mehr</p>"


def test_the_token_holds_both_texts():
    assert GREETING.token() == "%GREETING(Guten Tag {first_name},|Guten Tag,)%"
    assert has_greeting(HTML) and not has_greeting("<p>%GREETING(kaputt)%</p>")


@pytest.mark.parametrize("name, html, text", [
    ("Erika", "<p>Guten Tag Erika,</p>", "Guten Tag Erika,"),
    ("Tom & <b>Jerry</b>", "<p>Guten Tag Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;,</p>", "Guten Tag Tom & <b>Jerry</b>,"),
    (None, "<p>Guten Tag,</p>", "Guten Tag,"),
    ("", "<p>Guten Tag,</p>", "Guten Tag,"),
])
def test_filled_escapes_the_name_in_html_only(name, html, text):
    assert filled(f"<p>{GREETING.token()}</p>", name, as_html=True) == html
    assert filled(GREETING.token(), name, as_html=False) == text


def test_first_name_is_the_first_word_as_listmonk_takes_it():
    assert [first_name(n) for n in ("Erika Mustermann", "  Jürgen  ", "Müller, Erika", "")] == \
        ["Erika", "Jürgen", "Müller,", None]


# Each provider's merge syntax, whole: the name where {first_name} was, the fallback for subscribers without one.
@pytest.mark.parametrize("provider, expected", [
    (ListmonkProvider, "{{ if .Subscriber.FirstName }}Guten Tag {{ .Subscriber.FirstName }},{{ else }}Guten Tag,"
                       "{{ end }}"),
    (MailchimpProvider, "*|IF:FNAME|*Guten Tag *|FNAME|*,*|ELSE:|*Guten Tag,*|END:IF|*"),
    (BrevoProvider, "{% if contact.FIRSTNAME %}Guten Tag {{ contact.FIRSTNAME }},{% else %}Guten Tag,{% endif %}"),
])
def test_each_provider_writes_the_greeting_in_its_merge_syntax(provider, expected):
    adapter = provider.__new__(provider)  # personalized() reads no state: no client, no credential needed
    assert adapter.personalized(HTML) == f"<p>Hallo</p><p>{expected}</p><p>Text &amp; mehr</p>"
    assert adapter.personalized(GREETING.token() + "\n") == expected + "\n"


def test_html_escaped_texts_stay_escaped_in_the_merge_syntax():
    html = "<p>%GREETING(Hallo {first_name} &amp; Team,|Hallo &amp; willkommen,)%</p>"
    assert replace(html, MailchimpProvider.greeting_tag) == \
        "<p>*|IF:FNAME|*Hallo *|FNAME|* &amp; Team,*|ELSE:|*Hallo &amp; willkommen,*|END:IF|*</p>"


@pytest.mark.parametrize("name", ["outbox", "listmonk", "mailchimp", "brevo"])
def test_every_provider_we_send_through_can_write_the_fallback(name):
    assert provider_class(name).greeting_fallback is True


@pytest.mark.parametrize("check, text, expected", [
    (named_problem, "Guten Tag {first_name},", None),
    (named_problem, "Liebe Leserin, lieber Leser {first_name}!", None),
    (named_problem, "Guten Tag,", "has {first_name} 0 times, it needs it once"),
    (named_problem, "Hallo {first_name} {first_name}", "has {first_name} 2 times, it needs it once"),
    (named_problem, "Guten Tag {name},", "has the unknown placeholder '{name}'"),
    (named_problem, "Guten Tag {First_Name},", "has the unknown placeholder '{First_Name}'"),
    (named_problem, "Hallo {{ .Subscriber.Name }} {first_name}", "has the unknown placeholder '{ .Subscriber.Name }'"),
    (named_problem, "*|FNAME|* {first_name}", "contains '|', which mailing-list providers read as template syntax"),
    (named_problem, "Hallo (lieber) {first_name}", "contains '(' ')', which mailing-list providers read as "
                                                   "template syntax"),
    (named_problem, "100% {first_name}", "contains '%', which mailing-list providers read as template syntax"),
    (named_problem, "Hallo\u202e {first_name}", "contains U+202E RIGHT-TO-LEFT OVERRIDE at character 6, an invisible "
                                                "bidi control that makes mail programs show the text in another order"),
    (named_problem, "Hallo {first_name}" + "x" * 50, "is 68 characters, at most 60 are allowed"),
    (fallback_problem, "Guten Tag,", None),
    (fallback_problem, "Guten Tag {first_name},", "has {first_name}, but it is the text for subscribers without a "
                                                  "name"),
    (fallback_problem, "{% if x %}", "has the unknown placeholder '{% if x %}'"),
])
def test_greeting_texts_are_checked(check, text, expected):
    problem = check(text)
    assert (problem.message if problem else None) == expected


def test_the_placeholder_survives_hyphenation_and_mrml():
    from pipeline.render.email import compile_mjml
    from pipeline.render.hyphenation import SOFT_HYPHEN, hyphenate

    long = Greeting("Sehr geehrte Kundenbetreuerin {first_name},", "Sehr geehrte Industrieinitiativen,").token()
    heading = hyphenate(f"Regionalveranstaltung {long}", "de")
    assert heading == f"Regio{SOFT_HYPHEN}nal{SOFT_HYPHEN}ver{SOFT_HYPHEN}an{SOFT_HYPHEN}stal{SOFT_HYPHEN}tung {long}"
    html = compile_mjml(f"<mjml><mj-body><mj-section><mj-column><mj-text><p>{long}</p></mj-text></mj-column>"
                        "</mj-section></mj-body></mjml>", "test.mjml")
    assert f"<p>{long}</p>" in html


def test_hyphenation_hyphenates_around_placeholders_and_an_unclosed_one_is_plain_text():
    from pipeline.render.hyphenation import SOFT_HYPHEN, hyphenate

    token = Greeting("Guten Tag {first_name},", "Guten Tag,").token()
    heading = hyphenate(f"Industriestandort {token} Regionalveranstaltung %GREETING(Regionalveranstaltung", "de")
    assert heading.startswith(f"Indus{SOFT_HYPHEN}trie{SOFT_HYPHEN}stand{SOFT_HYPHEN}ort {token} Regio{SOFT_HYPHEN}")
    assert heading.endswith(f"%GREETING(Regio{SOFT_HYPHEN}nal{SOFT_HYPHEN}ver{SOFT_HYPHEN}an{SOFT_HYPHEN}stal"
                            f"{SOFT_HYPHEN}tung")
