"""The outbox provider: RFC 5322 files with one-click unsubscribe headers, and a JSON record per campaign."""

import datetime as dt
import email
import email.policy
import json
import re

import pytest

from pipeline.config import Target
from pipeline.errors import ProviderRejectedError
from pipeline.providers.base import OutgoingCampaign, RemoteState
from pipeline.providers.outbox import OutboxProvider

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
UNSUBSCRIBE = "https://newsroom.example.org/abmelden"
CAMPAIGN = OutgoingCampaign(ref="newsroom-x-0123456789ab-to-newsletter", subject="Grüße aus Berlin",
                            preheader="Vorschau", from_name="Newsroom Absender", from_email="newsletter@example.org",
                            reply_to="presse@example.org", html=f'<p>Hallo <a href="{UNSUBSCRIBE}">Abmelden</a></p>',
                            text=f"Hallo\nAbmelden: {UNSUBSCRIBE}", list_id="newsletter")


@pytest.fixture
def clock():
    return {"now": NOW}


@pytest.fixture
def outbox(tmp_path, clock):
    return OutboxProvider(Target("outbox", "newsletter"), root=tmp_path / "outbox", unsubscribe_url=UNSUBSCRIBE,
                          now=lambda: clock["now"])


def read(path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_the_sent_campaign_is_a_multipart_alternative_message_with_one_click_unsubscribe(outbox, tmp_path):
    remote = outbox.send(outbox.create_draft(CAMPAIGN), CAMPAIGN)
    assert (remote.state, remote.remote_id) == (RemoteState.SENT, CAMPAIGN.ref)
    message = read(tmp_path / "outbox" / CAMPAIGN.ref / "campaign.eml")
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())
    assert {k: str(message[k]) for k in ("Subject", "From", "To", "Reply-To", "List-Unsubscribe",
                                         "List-Unsubscribe-Post", "Message-ID", "Date")} == {
        "Subject": "Grüße aus Berlin",
        "From": "Newsroom Absender <newsletter@example.org>",
        "To": "newsletter@outbox.invalid",
        "Reply-To": "presse@example.org",
        "List-Unsubscribe": f"<{UNSUBSCRIBE}>, <mailto:presse@example.org?subject=unsubscribe>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Message-ID": f"<{CAMPAIGN.ref}.campaign@example.org>",
        "Date": "Wed, 25 Nov 2026 12:00:00 +0000",
    }
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == CAMPAIGN.text + "\n"


def test_test_sends_are_numbered_files_to_the_named_addresses(outbox, tmp_path):
    remote = outbox.create_draft(CAMPAIGN)
    outbox.send_test(remote, CAMPAIGN, ("a@example.org", "b@example.org"))
    outbox.send_test(remote, CAMPAIGN, ("a@example.org",))
    folder = tmp_path / "outbox" / CAMPAIGN.ref
    assert sorted(p.name for p in folder.iterdir()) == ["campaign.json", "test-1.eml", "test-2.eml"]
    assert str(read(folder / "test-1.eml")["To"]) == "a@example.org, b@example.org"
    assert outbox.status(remote).state is RemoteState.DRAFT


def test_the_record_survives_a_new_instance_and_is_found_by_ref(outbox, tmp_path, clock):
    assert outbox.find(CAMPAIGN.ref) is None
    created = outbox.create_draft(CAMPAIGN)
    again = OutboxProvider(Target("outbox", "newsletter"), root=tmp_path / "outbox", unsubscribe_url=UNSUBSCRIBE)
    assert again.find(CAMPAIGN.ref) == created
    record = json.loads((tmp_path / "outbox" / CAMPAIGN.ref / "campaign.json").read_text())
    assert (record["status"], record["list"], record["created_at"]) == \
        ("draft", "newsletter", "2026-11-25T12:00:00+00:00")


def test_a_scheduled_campaign_turns_sent_when_its_time_has_come(outbox, clock):
    at = NOW + dt.timedelta(hours=2)
    remote = outbox.send(outbox.create_draft(CAMPAIGN), CAMPAIGN, at)
    assert outbox.status(remote).state is RemoteState.SCHEDULED
    clock["now"] = at
    assert outbox.status(remote).state is RemoteState.SENT


def test_sending_twice_is_refused(outbox):
    remote = outbox.send(outbox.create_draft(CAMPAIGN), CAMPAIGN)
    with pytest.raises(ProviderRejectedError, match="is sent, not a draft"):
        outbox.send(remote, CAMPAIGN)


def test_no_temporary_files_are_left_behind(outbox, tmp_path):
    outbox.send(outbox.create_draft(CAMPAIGN), CAMPAIGN)
    assert not [p for p in (tmp_path / "outbox").rglob(".*")]


LONG_GERMAN = ("Regionalveranstaltung Förderung Regionalveranstaltung Veranstaltung über die des 2024: des "
               "Förderung Bürger Straße die")  # Python 3.11's EmailMessage loses a space in it (gh-144156)


def test_the_sent_message_is_the_built_message_with_its_own_transport_headers(outbox, tmp_path):
    """One writer for every message: the outbox's bytes are render.message's, which writes out/<slug>/email.eml;
    only To, Date, Message-ID and the unsubscribe pair differ. So the subject keeps every space and
    Content-Language is kept (EmailMessage.set_content() dropped it)."""
    import dataclasses

    from pipeline.render.message import message_bytes

    campaign = dataclasses.replace(CAMPAIGN, subject=LONG_GERMAN)
    outbox.send(outbox.create_draft(campaign), campaign)
    data = (tmp_path / "outbox" / CAMPAIGN.ref / "campaign.eml").read_bytes()
    message = email.message_from_bytes(data, policy=email.policy.strict)
    assert (str(message["Subject"]), str(message["Content-Language"])) == (LONG_GERMAN, "de")
    built = message_bytes(subject=LONG_GERMAN, text=campaign.text, html=campaign.html, from_name=campaign.from_name,
                          from_email=campaign.from_email, reply_to=campaign.reply_to, language="de",
                          date=dt.datetime(2021, 11, 29, tzinfo=dt.timezone.utc), message_id="<x@example.org>")

    def without_transport(raw: bytes) -> bytes:
        return re.sub(rb"(?m)^(To|Date|Message-ID|List-Unsubscribe|List-Unsubscribe-Post): .*\r\n(?: .*\r\n)*", b"",
                      raw)

    assert without_transport(data) == without_transport(built)
    assert [k for k in message.keys() if k not in ("List-Unsubscribe", "List-Unsubscribe-Post")] == \
           list(email.message_from_bytes(built, policy=email.policy.default).keys())


GREETING = "%GREETING(Guten Tag {first_name} &amp; Team,|Guten Tag,)%"
PERSONAL = OutgoingCampaign(ref="newsroom-x-0123456789ab-to-team", subject="Grüße", preheader="Vorschau",
                            from_name="Newsroom", from_email="newsletter@example.org", reply_to="presse@example.org",
                            html=f"<p>{GREETING}</p>", text=GREETING.replace("&amp;", "&") + "\n", list_id="team")


def bodies(path) -> tuple[str, str]:
    message = read(path)
    return tuple(message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))


def test_a_test_message_greets_the_first_named_recipient_and_the_list_gets_the_fallback(outbox, tmp_path):
    assert outbox.personalized(PERSONAL.html) == PERSONAL.html  # filled per message, not per campaign
    remote = outbox.create_draft(PERSONAL)
    outbox.send_test(remote, PERSONAL, ("Tom&Jerry Müller <tom@example.org>", "anna@example.org"))
    text, html = bodies(tmp_path / "outbox" / PERSONAL.ref / "test-1.eml")
    assert (text, html) == ("Guten Tag Tom&Jerry & Team,\n", "<p>Guten Tag Tom&amp;Jerry &amp; Team,</p>\n")
    outbox.send_test(remote, PERSONAL, ("anna@example.org",))
    assert bodies(tmp_path / "outbox" / PERSONAL.ref / "test-2.eml") == ("Guten Tag,\n", "<p>Guten Tag,</p>\n")
    outbox.send(remote, PERSONAL)
    assert bodies(tmp_path / "outbox" / PERSONAL.ref / "campaign.eml") == ("Guten Tag,\n", "<p>Guten Tag,</p>\n")
