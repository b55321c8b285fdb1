"""A campaign carrying the personal greeting in each provider's merge syntax, and tagged links, under Prism.

The requests are the ones a send of a build with `greeting:` and `utm:` makes (publish: the unsubscribe token,
then `Provider.personalized`), checked against the provider's official spec like every other request
(conftest: any request-side `sl-violations` entry fails the test). A test mail to a named address sends only
the address: the provider greets its own subscriber record.
"""

import pytest

from pipeline.providers.base import OutgoingCampaign, RemoteCampaign, RemoteState
from pipeline.render.personalize import Greeting

HTTP_PROVIDERS = ["listmonk", "mailchimp", "brevo"]
REMOTE_IDS = {"listmonk": "17", "mailchimp": "b6e3c4d1f0", "brevo": "17"}
MERGE = {
    "listmonk": "{{ if .Subscriber.FirstName }}Guten Tag {{ .Subscriber.FirstName }},{{ else }}Guten Tag,{{ end }}",
    "mailchimp": "*|IF:FNAME|*Guten Tag *|FNAME|*,*|ELSE:|*Guten Tag,*|END:IF|*",
    "brevo": "{% if contact.FIRSTNAME %}Guten Tag {{ contact.FIRSTNAME }},{% else %}Guten Tag,{% endif %}",
}
TOKEN = Greeting("Guten Tag {first_name},", "Guten Tag,").token()
LINK = ("https://newsroom.example.org/2021-11-29-fest/?a=1&utm_source=newsletter&utm_medium=email"
        "&utm_campaign=2021-11-29-fest#programm")
all_adapters = pytest.mark.parametrize("adapter", HTTP_PROVIDERS, indirect=True)


def personal_campaign(adapter) -> OutgoingCampaign:
    tag = adapter.unsubscribe_tag
    html = (f'<!doctype html><html lang="de"><body><p>{TOKEN}</p><p><a href="{LINK.replace("&", "&amp;")}">'
            f'Programm</a></p><a href="{tag}">Abmelden</a></body></html>')
    text = f"{TOKEN}\n\nProgramm: {LINK}\n\nAbmelden: {tag}\n"
    return OutgoingCampaign(ref="newsroom-2021-11-29-fest-0123456789ab-to-" + adapter.target.list,
                            subject="Regionalveranstaltung zur Zukunft des Industriestandortes",
                            preheader="Industrie 2030 steht für Zukunftsfähigkeit", from_name="Beratungsstelle",
                            from_email="newsletter@example.org", reply_to="presse@example.org",
                            html=adapter.personalized(html), text=adapter.personalized(text),
                            list_id=adapter.target.list)


def remote_for(adapter, campaign) -> RemoteCampaign:
    return RemoteCampaign(adapter.name, REMOTE_IDS[adapter.name], RemoteState.DRAFT, "draft", None, campaign.ref)


@all_adapters
def test_the_greeting_is_sent_in_the_providers_merge_syntax(adapter):
    campaign = personal_campaign(adapter)
    assert f"<p>{MERGE[adapter.name]}</p>" in campaign.html and campaign.text.startswith(MERGE[adapter.name] + "\n")
    assert "%GREETING(" not in campaign.html + campaign.text
    if adapter.name != "listmonk":  # the listmonk spec's create answer has no id (test_adapters.py)
        adapter.create_draft(campaign)
    remote = remote_for(adapter, campaign)
    adapter.update_draft(remote, campaign)
    adapter.send_test(remote, campaign, ("Erika Mustermann <erika@example.org>", "redaktion@example.org"))


@all_adapters
def test_a_named_test_recipient_reaches_the_provider_as_its_address(adapter):
    campaign = personal_campaign(adapter)
    (call,) = adapter.planned_calls(campaign, test_to=("Erika Mustermann <erika@example.org>",))[-1:]
    field = {"listmonk": "subscribers", "mailchimp": "test_emails", "brevo": "emailTo"}[adapter.name]
    assert call.json[field] == ["erika@example.org"]
    content = adapter.planned_calls(campaign)[{"listmonk": 2, "mailchimp": 3, "brevo": 2}[adapter.name]].json
    assert MERGE[adapter.name] in str(content)  # the draft's body carries the merge syntax
