"""Every adapter method against Prism serving the provider's official spec.

Prism is stateless (CONTRACTS.md §4 item 7): reads return the spec's examples, not what we created,
so these tests check the *requests* (any request-side `sl-violations` entry fails the test, see
conftest) and that each answer of the spec's shape maps to our types. State transitions are tested
against the fake listmonk in tests/fault and tests/unit/providers.
"""

import datetime as dt

import pytest

from pipeline.errors import ProviderAuthError, ProviderRejectedError, ProviderUnavailableError
from pipeline.providers.base import (DELIVERED_STATES, Call, OutgoingCampaign, ProviderInfo, RemoteCampaign,
                                     RemoteState)
from pipeline.secrets import Secret

AT = dt.datetime(2026, 12, 1, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=1)))
HTTP_PROVIDERS = ["listmonk", "mailchimp", "brevo"]
REMOTE_IDS = {"listmonk": "17", "mailchimp": "b6e3c4d1f0", "brevo": "17"}
all_adapters = pytest.mark.parametrize("adapter", HTTP_PROVIDERS, indirect=True)


def campaign_for(adapter) -> OutgoingCampaign:
    """A campaign as publish builds it: the provider's merge tag in place of the unsubscribe token."""
    tag = adapter.unsubscribe_tag
    return OutgoingCampaign(ref="newsroom-2021-11-29-industriestandort-0123456789ab-to-" + adapter.target.list,
                            subject="Regionalveranstaltung zur Zukunft des Industriestandortes",
                            preheader="Industrie 2030 steht für Zukunftsfähigkeit", from_name="Beratungsstelle",
                            from_email="newsletter@example.org", reply_to="presse@example.org",
                            html=f'<!doctype html><html lang="de"><body><p>Hallo</p><a href="{tag}">Abmelden</a>'
                                 "</body></html>", text=f"Hallo\n\nAbmelden: {tag}\n", list_id=adapter.target.list)


def remote_for(adapter) -> RemoteCampaign:
    return RemoteCampaign(adapter.name, REMOTE_IDS[adapter.name], RemoteState.DRAFT, "draft", None,
                          campaign_for(adapter).ref)


@all_adapters
def test_check(adapter):
    info = adapter.check(adapter.target.list)
    assert isinstance(info, ProviderInfo) and info.provider == adapter.name and info.list_name


@all_adapters
def test_find(adapter):
    found = adapter.find(campaign_for(adapter).ref)
    assert found is None  # the spec's example campaigns carry other tags/titles


@all_adapters
def test_create_draft(adapter):
    campaign = campaign_for(adapter)
    if adapter.name == "listmonk":
        # The spec's create response (CampaignUpdate) has no `id`, so the adapter must refuse to go on;
        # the real API returns the campaign with its id (listmonk docs, cmd/campaigns.go).
        with pytest.raises(ProviderUnavailableError, match="answered without a campaign id"):
            adapter.create_draft(campaign)
        return
    remote = adapter.create_draft(campaign)
    assert isinstance(remote, RemoteCampaign) and remote.remote_id and remote.ref == campaign.ref


@all_adapters
def test_update_draft(adapter):
    campaign = campaign_for(adapter)
    assert adapter.update_draft(remote_for(adapter), campaign).remote_id == remote_for(adapter).remote_id


@all_adapters
def test_send_test(adapter):
    adapter.send_test(remote_for(adapter), campaign_for(adapter), ("redaktion@example.org",))


@all_adapters
def test_send_now(adapter):
    sent = adapter.send(remote_for(adapter), campaign_for(adapter))
    assert sent.state in DELIVERED_STATES


@all_adapters
def test_schedule(adapter):
    scheduled = adapter.send(remote_for(adapter), campaign_for(adapter), AT)
    assert scheduled.state in (RemoteState.SCHEDULED, RemoteState.UNKNOWN)


@all_adapters
def test_status(adapter):
    remote = adapter.status(remote_for(adapter))
    assert remote.remote_id == remote_for(adapter).remote_id and isinstance(remote.state, RemoteState)


def test_mailchimp_send_checklist(adapter_for):
    adapter = adapter_for("mailchimp")
    assert isinstance(adapter.checklist(remote_for(adapter)), list)


@all_adapters
def test_the_dry_run_plan_is_made_of_valid_requests(adapter):
    """What --dry-run prints is what a send does: every planned call passes Prism's request validation."""
    campaign = campaign_for(adapter)
    for plan in (adapter.planned_calls(campaign), adapter.planned_calls(campaign, test_to=("a@example.org",)),
                 adapter.planned_calls(campaign, at=AT)):
        for call in plan:
            concrete = type(call)(call.method, call.path.replace("{id}", remote_for(adapter).remote_id), call.json,
                                  call.params, idempotent=True)
            adapter.http.request(concrete)


@pytest.mark.parametrize("name", ["mailchimp", "brevo"])
def test_a_missing_credential_is_an_auth_error(adapter_for, name):
    adapter = adapter_for(name, secret=Secret("NEWSROOM_X", ""), expected=frozenset({"401"}))
    with pytest.raises(ProviderAuthError, match="401"):
        adapter.check(adapter.target.list)


def test_brevo_unknown_list_is_rejected(adapter_for):
    adapter = adapter_for("brevo", headers={"Prefer": "code=404"})
    with pytest.raises(ProviderRejectedError, match="brevo GET /contacts/lists/7: 404"):
        adapter.check("7")


def test_brevo_create_rejected_with_400(adapter_for):
    adapter = adapter_for("brevo", headers={"Prefer": "code=400"})
    with pytest.raises(ProviderRejectedError, match="brevo POST /emailCampaigns: 400"):
        adapter.create_draft(campaign_for(adapter))


def test_prism_really_rejects_a_bad_request(adapter_for):
    """The harness itself: a request that breaks the spec is caught, so a clean run means something."""
    adapter = adapter_for("brevo")
    with pytest.raises(AssertionError, match="must have required property 'sender'"):
        adapter.http.request(Call("POST", "/emailCampaigns", {"name": "no sender"}, idempotent=False))
