"""`To:` with display names (the outbox's test message to `--test-to "Name <address>"`): names read back exactly."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest

from pipeline.errors import RenderError
from pipeline.render.message import message_bytes

FIXED = dict(subject="Betreff", text="Text\n", html="<p>Text</p>", from_name="Newsroom", from_email="n@example.org",
             reply_to="n@example.org", language="de", date=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc),
             message_id="<x@example.org>")


def to_header(recipients) -> tuple[str, list[tuple[str, str]]]:
    data = message_bytes(**FIXED, to=recipients)
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")  # every header line is plain ASCII
    parsed = email.message_from_bytes(data, policy=email.policy.strict)
    return head, [(address.display_name, address.addr_spec) for address in parsed["To"].addresses]


@pytest.mark.parametrize("name", ["Erika Mustermann", "Müller, Jürgen", "Mueller, Max", "Dr. Erika Muster",
                                  "O'Brien & Söhne", "Ærøskøbing Ωmega 😀", "Anna (Presse)", "x" * 64])
def test_every_allowed_name_reads_back_exactly(name):
    head, read = to_header([(name, "erika@example.org"), ("", "team@example.org")])
    assert read == [(name, "erika@example.org"), ("", "team@example.org")]
    assert all(len(line) <= 998 for line in head.split("\r\n"))


def test_plain_and_quoted_names_stay_readable_in_the_header():
    head, _ = to_header([("Erika Mustermann", "e@example.org"), ("Mueller, Max", "m@example.org")])
    assert 'To: Erika Mustermann <e@example.org>, "Mueller, Max" <m@example.org>\r\n' in head + "\r\n"


@pytest.mark.parametrize("name", ["Erika\r\nBcc: x@example.org", "Erika\x1b[31m", "Eri\u202eka"])
def test_the_writer_refuses_a_name_with_control_or_bidi_characters(name):
    with pytest.raises(RenderError, match="a mail header is invalid: To contains U\\+"):
        message_bytes(**FIXED, to=[(name, "erika@example.org")])


def test_an_encoded_word_look_alike_in_a_name_is_encoded_not_decoded():
    _, read = to_header([("=?utf-8?q?x=0D=0ABcc:_a@b.de?=", "erika@example.org")])
    assert read == [("=?utf-8?q?x=0D=0ABcc:_a@b.de?=", "erika@example.org")]
