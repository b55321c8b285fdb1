"""The listmonk adapter against the fake listmonk: auth (which Prism cannot test), wire shape, flow, states."""

import datetime as dt

import pytest

from pipeline.config import Target
from pipeline.errors import ConfigError, ProviderAuthError, ProviderRejectedError
from pipeline.providers import open_provider
from pipeline.providers.base import OutgoingCampaign, RemoteState
from pipeline.secrets import Secret
from publish_support import TOKEN, USER

CAMPAIGN = OutgoingCampaign(ref="newsroom-x-0123456789ab-to-3", subject="Betreff", preheader="Vorschau",
                            from_name="Absender", from_email="newsletter@example.org", reply_to="presse@example.org",
                            html="<p>Hallo {{ UnsubscribeURL }}</p>", text="Hallo {{ UnsubscribeURL }}", list_id="3")


def test_auth_header_is_token_user_colon_key(listmonk, listmonk_provider):
    listmonk_provider.check("3")
    assert listmonk.requests[0].headers["Authorization"] == f"token {USER}:{TOKEN}"


def test_a_wrong_token_is_an_auth_error_naming_the_variable_not_the_value(listmonk, client_factory, tmp_path):
    target = Target("listmonk", "3", base_url=listmonk.base_url)
    secret = Secret("NEWSROOM_LISTMONK_TOKEN", "wrong-token-value", user=USER)
    with open_provider(target, secret, state_dir=tmp_path, unsubscribe_url="https://x.example/u",
                       client=client_factory) as provider, pytest.raises(ProviderAuthError) as info:
        provider.check("3")
    assert str(info.value) == ("listmonk GET /lists/3: 403 Invalid API credentials — NEWSROOM_LISTMONK_TOKEN was "
                               "rejected: is it set, and for the right account?")
    assert len(listmonk.requests) == 1  # 403 is never retried


def test_check_reports_the_list_and_refuses_an_unknown_one(listmonk_provider):
    info = listmonk_provider.check("3")
    assert (info.list_name, info.subscribers) == ("Newsletter", 2)
    with pytest.raises(ProviderRejectedError, match=r"listmonk GET /lists/99: 404 List not found\."):
        listmonk_provider.check("99")


def test_list_ids_must_be_numbers(listmonk_provider):
    with pytest.raises(ConfigError, match="listmonk list ids are numbers"):
        listmonk_provider.check("newsletter")


def test_create_sends_listmonks_required_fields_with_the_ref_as_tag(listmonk, listmonk_provider):
    remote = listmonk_provider.create_draft(CAMPAIGN)
    assert (remote.remote_id, remote.state, remote.ref) == ("1", RemoteState.DRAFT, CAMPAIGN.ref)
    assert remote.web_url == listmonk.base_url.removesuffix("/api") + "/admin/campaigns/1"
    assert listmonk.requests[-1].body == {
        "name": CAMPAIGN.ref, "subject": "Betreff", "lists": [3], "from_email": "Absender <newsletter@example.org>",
        "type": "regular", "content_type": "html", "messenger": "email", "tags": [CAMPAIGN.ref],
        "body": CAMPAIGN.html, "altbody": CAMPAIGN.text}


def test_find_uses_the_tag_filter_and_checks_the_tag_itself(listmonk, listmonk_provider):
    assert listmonk_provider.find(CAMPAIGN.ref) is None
    created = listmonk_provider.create_draft(CAMPAIGN)
    listmonk_provider.create_draft(OutgoingCampaign(**{**CAMPAIGN.__dict__, "ref": "newsroom-other-to-3"}))
    assert listmonk_provider.find(CAMPAIGN.ref) == created
    assert listmonk.requests[-1].query["tags"] == [CAMPAIGN.ref]


def test_send_now_starts_the_campaign_and_status_follows(listmonk, listmonk_provider):
    remote = listmonk_provider.create_draft(CAMPAIGN)
    sent = listmonk_provider.send(remote, CAMPAIGN)
    assert (sent.state, sent.provider_status) == (RemoteState.SENDING, "running")
    assert [r.body for r in listmonk.sends()] == [{"status": "running"}]
    listmonk.campaigns[1]["status"] = "finished"
    assert listmonk_provider.status(remote).state is RemoteState.SENT


def test_schedule_stores_send_at_then_switches_status(listmonk, listmonk_provider):
    remote = listmonk_provider.create_draft(CAMPAIGN)
    at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    scheduled = listmonk_provider.send(remote, CAMPAIGN, at)
    assert scheduled.state is RemoteState.SCHEDULED
    assert listmonk.calls()[-2:] == ["PUT /api/campaigns/1", "PUT /api/campaigns/1/status"]
    assert (listmonk.requests[-2].body["send_later"], listmonk.requests[-2].body["send_at"]) == (
        True, "2026-12-01T09:00:00+01:00")


def test_a_second_start_is_refused_by_listmonk_itself(listmonk, listmonk_provider):
    remote = listmonk_provider.create_draft(CAMPAIGN)
    listmonk_provider.send(remote, CAMPAIGN)
    with pytest.raises(ProviderRejectedError, match="Cannot change campaign status from running to running"):
        listmonk_provider.send(remote, CAMPAIGN)


def test_send_test_repeats_the_campaign_fields_with_subscribers(listmonk, listmonk_provider):
    remote = listmonk_provider.create_draft(CAMPAIGN)
    listmonk_provider.send_test(remote, CAMPAIGN, ("me@example.org",))
    assert listmonk.requests[-1].body["subscribers"] == ["me@example.org"]
    assert listmonk.campaigns[1]["tests"] == [["me@example.org"]]
    assert listmonk.campaigns[1]["status"] == "draft"


def test_planned_calls_match_the_real_flow(listmonk_provider):
    calls = [c.describe() for c in listmonk_provider.planned_calls(CAMPAIGN)]
    assert [line.split("  ")[0] for line in calls] == [
        "GET /lists/3",
        f"GET /campaigns?tags={CAMPAIGN.ref}&no_body=true&order_by=created_at&order=DESC&page=1&per_page=50",
        "POST /campaigns", "PUT /campaigns/{id}/status"]
    assert "body: '<p>Hallo {{ UnsubscribeURL }}</p>'" in calls[2]
