"""The subject A/B test requests against Prism serving Mailchimp's and Brevo's official specs.

Any request-side `sl-violations` entry fails the test (conftest's hook). Prism is stateless, so the found
campaign and the state after a send come from the spec's examples; that a variate campaign created earlier
is found by our reference is shown against the stateful fake in tests/fault/test_crash_matrix_ab.py.
"""

import dataclasses
import datetime as dt

import pytest

from pipeline.config import AbTest
from pipeline.providers.base import DELIVERED_STATES, OutgoingCampaign, RemoteCampaign, RemoteState

SUBJECTS = ("Regionalveranstaltung: Zukunft des Industriestandortes", "Industrie 2030 – was Berlin-Brandenburg plant",
            "Gegenwart und Visionen der Industrie")
AT = dt.datetime(2026, 12, 1, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=1)))
REMOTE_IDS = {"mailchimp": "b6e3c4d1f0", "brevo": "17"}
AB = {"mailchimp": (SUBJECTS, AbTest(test_share=30, winner="manual", wait_hours=6)),
      "brevo": (SUBJECTS[:2], AbTest(test_share=100))}
ab_adapters = pytest.mark.parametrize("adapter", ["mailchimp", "brevo"], indirect=True)


def campaign_for(adapter) -> OutgoingCampaign:
    """A campaign as publish builds it for an A/B test: the subjects and the settings that the provider takes."""
    tag = adapter.unsubscribe_tag
    subjects, ab_test = AB[adapter.name]
    return OutgoingCampaign(ref="newsroom-2021-11-29-industriestandort-0123456789ab-to-" + adapter.target.list,
                            subject="Regionalveranstaltung zur Zukunft des Industriestandortes",
                            preheader="Industrie 2030 steht für Zukunftsfähigkeit", from_name="Beratungsstelle",
                            from_email="newsletter@example.org", reply_to="presse@example.org",
                            html=f'<!doctype html><html lang="de"><body><p>Hallo</p><a href="{tag}">Abmelden</a>'
                                 "</body></html>", text=f"Hallo\n\nAbmelden: {tag}\n", list_id=adapter.target.list,
                            subject_variants=subjects, ab_test=ab_test)


def remote_for(adapter) -> RemoteCampaign:
    return RemoteCampaign(adapter.name, REMOTE_IDS[adapter.name], RemoteState.DRAFT, "draft", None,
                          campaign_for(adapter).ref)


def recorded(adapter) -> list:
    """Every request the adapter makes from now on: (method, path, json body)."""
    calls = []
    request = adapter.http.request
    adapter.http.request = lambda call: calls.append((call.method, call.path, call.json)) or request(call)
    return calls


@ab_adapters
def test_an_ab_test_campaign_is_created_as_the_spec_describes_it(adapter):
    calls = recorded(adapter)
    remote = adapter.create_draft(campaign_for(adapter))
    assert remote.remote_id and remote.ref == campaign_for(adapter).ref
    body = calls[0][2]
    if adapter.name == "mailchimp":
        assert (body["type"], body["variate_settings"]["subject_lines"]) == ("variate", list(SUBJECTS))
    else:
        assert (body["abTesting"], body["subjectA"], body["subjectB"], body["splitRule"]) == (
            True, SUBJECTS[0], SUBJECTS[1], 50)


def test_brevo_accepts_a_test_share_with_a_winner_criterion_and_delay(adapter_for):
    """The share below 100 % with its winner fields (for when tracking can be switched on): valid at the spec."""
    adapter = adapter_for("brevo")
    campaign = dataclasses.replace(campaign_for(adapter), ab_test=AbTest(test_share=40, winner="opens", wait_hours=24))
    calls = recorded(adapter)
    adapter.create_draft(campaign)
    assert {k: calls[0][2][k] for k in ("splitRule", "winnerCriteria", "winnerDelay")} == {
        "splitRule": 20, "winnerCriteria": "open", "winnerDelay": 24}


@ab_adapters
def test_an_ab_test_draft_is_updated(adapter):
    assert adapter.update_draft(remote_for(adapter), campaign_for(adapter)).remote_id == REMOTE_IDS[adapter.name]


@ab_adapters
def test_find_pages_through_campaigns_of_every_kind(adapter):
    calls = recorded(adapter)
    assert adapter.find(campaign_for(adapter).ref) is None  # the spec's examples carry other references
    assert calls and all(method == "GET" for method, _, _ in calls)
    if adapter.name == "mailchimp":  # no type filter: variate campaigns are listed with regular ones
        assert all("type" not in (call.params or {}) for call in [c for c in adapter.planned_calls(
            campaign_for(adapter)) if c.method == "GET" and c.path == "/campaigns"])


@ab_adapters
def test_an_ab_test_is_test_sent_sent_and_scheduled(adapter):
    adapter.send_test(remote_for(adapter), campaign_for(adapter), ("redaktion@example.org",))
    assert adapter.send(remote_for(adapter), campaign_for(adapter)).state in DELIVERED_STATES
    assert adapter.send(remote_for(adapter), campaign_for(adapter), AT).state is RemoteState.SCHEDULED


@ab_adapters
def test_the_ab_dry_run_plan_is_made_of_valid_requests(adapter):
    campaign = campaign_for(adapter)
    for plan in (adapter.planned_calls(campaign), adapter.planned_calls(campaign, test_to=("a@example.org",)),
                 adapter.planned_calls(campaign, at=AT)):
        for call in plan:
            concrete = type(call)(call.method, call.path.replace("{id}", REMOTE_IDS[adapter.name]), call.json,
                                  call.params, idempotent=True)
            adapter.http.request(concrete)


@pytest.mark.parametrize(("name", "change", "field"), [
    ("brevo", {"winnerCriteria": "manual"}, "winnerCriteria"),
    ("brevo", {"splitRule": 60}, "splitRule"),
    ("mailchimp", {"variate_settings": {"winner_criteria": "replies"}}, "winner_criteria"),
])
def test_prism_really_checks_the_ab_fields(adapter_for, name, change, field):
    """The harness itself: a value the spec does not allow in an A/B field is caught, so a clean run means something."""
    adapter = adapter_for(name)
    wire = adapter.planned_calls(campaign_for(adapter))[2]
    assert (wire.method, wire.path) in (("POST", "/campaigns"), ("POST", "/emailCampaigns"))
    with pytest.raises(AssertionError, match=f"the request breaks the spec: .*{field}"):
        adapter.http.request(dataclasses.replace(wire, json={**wire.json, **change}))
