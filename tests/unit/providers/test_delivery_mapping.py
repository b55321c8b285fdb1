"""Each provider's delivery figures → our fields (pipeline/delivery.py), fed with the official specs' own examples.

The Mailchimp and Brevo examples are read from the spec files here, never retyped; the numbers the tests
expect are taken from the same examples. listmonk's spec has no response examples: its test payloads are
validated against the spec's own response schemas first, so they have the shape the spec promises.
"""

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from pipeline.config import Target
from pipeline.delivery import NOT_TRACKED, UNKNOWN
from pipeline.providers import brevo, listmonk, mailchimp
from pipeline.providers.base import OutgoingCampaign
from pipeline.providers.outbox import OutboxProvider

SPECS = Path(__file__).resolve().parents[3].parent / "shared" / "provider-specs"


def _load(path: Path):
    """A spec as the wire would carry its examples: YAML timestamps become the strings JSON has."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return json.loads(json.dumps(data, default=lambda value: value.isoformat()))


@pytest.fixture(scope="module")
def mailchimp_spec():
    return _load(SPECS / "mailchimp" / "openapi.yaml")


@pytest.fixture(scope="module")
def brevo_spec():
    return _load(SPECS / "brevo" / "swagger.yaml")


@pytest.fixture(scope="module")
def listmonk_spec():
    return _load(SPECS / "listmonk" / "collections.yaml")


# -- Mailchimp: GET /campaigns/{id} + GET /reports/{id} ----------------------------------------


def test_mailchimp_report_example_maps_onto_our_fields(mailchimp_spec):
    schemas = mailchimp_spec["components"]["schemas"]
    campaign, report = {**schemas["Campaign"]["example"], "status": "sent"}, schemas["Campaign_Report"]["example"]
    stats = mailchimp.stats_from_wire(campaign, report)
    assert (stats.provider, stats.state, stats.provider_status) == ("mailchimp", "sent", "sent")
    assert (stats.list_id, stats.list_name, stats.sent_at) == (report["list_id"], report["list_name"],
                                                               report["send_time"])
    assert (stats.recipients, stats.hard_bounces, stats.soft_bounces, stats.unsubscribes, stats.complaints) == (
        report["emails_sent"], report["bounces"]["hard_bounces"], report["bounces"]["soft_bounces"],
        report["unsubscribed"], report["abuse_reports"])
    assert stats.delivered is None and stats.shown("delivered") == UNKNOWN  # Mailchimp's report has no such count
    # the example campaign tracks opens and clicks, so its report's counts are shown
    assert (stats.opens, stats.clicks) == (report["opens"]["unique_opens"],
                                           report["clicks"]["unique_subscriber_clicks"])


def test_mailchimp_untracked_opens_and_clicks_are_not_tracked_not_zero(mailchimp_spec):
    schemas = mailchimp_spec["components"]["schemas"]
    campaign = {**schemas["Campaign"]["example"], "status": "sent",
                "tracking": {"opens": False, "html_clicks": False, "text_clicks": False}}
    stats = mailchimp.stats_from_wire(campaign, schemas["Campaign_Report"]["example"])
    assert (stats.opens, stats.clicks, stats.shown("opens"), stats.shown("clicks")) == (
        None, None, NOT_TRACKED, NOT_TRACKED)
    assert all(stats.variant_shown(v, "opens") == NOT_TRACKED for v in stats.variants)


def test_mailchimp_variate_campaign_shows_its_subjects_ab_numbers_and_winner(mailchimp_spec):
    schemas = mailchimp_spec["components"]["schemas"]
    example = schemas["Campaign"]["example"]
    settings = example["variate_settings"]
    report = schemas["Campaign_Report"]["example"]
    subjects = ["Unser Bericht aus Berlin", "Industriestandort: der Bericht"]
    winning = {**settings["combinations"][0], "id": "c1", "subject_line": 1}
    campaign = {**example, "status": "sent", "variate_settings": {**settings, "subject_lines": subjects,
                                                                   "combinations": [winning],
                                                                   "winning_combination_id": "c1"}}
    stats = mailchimp.stats_from_wire(campaign, report)
    assert [v.subject for v in stats.variants] == subjects and stats.winner == subjects[1]
    a, b = stats.variants
    assert (a.bounces, a.unsubscribes, a.complaints) == (report["ab_split"]["a"]["bounces"],
                                                         report["ab_split"]["a"]["unsubs"],
                                                         report["ab_split"]["a"]["abuse_reports"])
    assert b.opens == report["ab_split"]["b"]["unique_opens"]


def test_mailchimp_spec_example_winner_that_matches_no_combination_stays_unknown(mailchimp_spec):
    schemas = mailchimp_spec["components"]["schemas"]
    stats = mailchimp.stats_from_wire({**schemas["Campaign"]["example"], "status": "sent"},
                                      schemas["Campaign_Report"]["example"])
    assert stats.winner is None  # the example's winning_combination_id names no combination's id


def test_a_scheduled_mailchimp_campaign_has_a_time_and_no_numbers(mailchimp_spec):
    example = mailchimp_spec["components"]["schemas"]["Campaign"]["example"]
    stats = mailchimp.stats_from_wire({**example, "status": "schedule"}, {})
    assert (stats.state, stats.scheduled_at, stats.sent_at) == ("scheduled", example["send_time"], None)
    assert stats.shown("recipients") == stats.shown("hard_bounces") == UNKNOWN


# -- Brevo: GET /emailCampaigns/{id} -----------------------------------------------------------


def _brevo_example(spec):
    return spec["paths"]["/emailCampaigns/{campaignId}"]["get"]["responses"]["200"]["examples"]["application/json"]


def test_brevo_campaign_example_maps_onto_our_fields(brevo_spec):
    example = _brevo_example(brevo_spec)
    stats = brevo.stats_from_wire(example)
    overall = example["statistics"]["globalStats"]
    assert (stats.campaign, stats.state, stats.list_id, stats.scheduled_at) == (
        str(example["id"]), "draft", ", ".join(map(str, example["recipients"]["lists"])), example["scheduledAt"])
    assert (stats.recipients, stats.delivered, stats.hard_bounces, stats.soft_bounces, stats.unsubscribes,
            stats.complaints, stats.opens, stats.clicks) == (
        overall["sent"], overall["delivered"], overall["hardBounces"], overall["softBounces"],
        overall["unsubscriptions"], overall["complaints"], overall["uniqueViews"], overall["uniqueClicks"])
    assert stats.variants == () and stats.winner is None


def test_brevo_ab_test_shows_both_subjects_and_an_unknown_winner(brevo_spec):
    overview = brevo_spec["definitions"]["getExtendedCampaignOverview"]
    properties = {}
    for part in overview.get("allOf", [overview]):
        part = brevo_spec["definitions"][part["$ref"].split("/")[-1]] if "$ref" in part else part
        properties.update(part.get("properties", {}))
    example = {**_brevo_example(brevo_spec), "abTesting": True, "subjectA": properties["subjectA"]["example"],
               "subjectB": properties["subjectB"]["example"]}
    stats = brevo.stats_from_wire(example)
    assert [v.subject for v in stats.variants] == [properties["subjectA"]["example"],
                                                   properties["subjectB"]["example"]]
    assert stats.winner is None and stats.variant_shown(stats.variants[0], "opens") == UNKNOWN


# -- listmonk: GET /campaigns/{id}, /bounces, /campaigns/analytics/{type} -----------------------


def _listmonk_campaign(spec, **changes) -> dict:
    campaign = {"id": 7, "status": "finished", "name": "newsroom-x", "subject": "Bericht", "to_send": 200,
                "sent": 200, "views": 0, "clicks": 0, "lists": [{"id": 3, "name": "Newsletter"}],
                "started_at": "2026-11-30T09:00:00Z", "send_at": None, "body": "<p>Hallo</p>",
                "created_at": "2026-11-29T10:00:00Z", **changes}
    schema = spec["paths"]["/campaigns/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    campaign_schema = spec["components"]["schemas"]["Campaign"]
    jsonschema.validate({"data": {k: v for k, v in campaign.items() if v is not None}},
                        {**schema, "properties": {"data": campaign_schema}})
    return campaign


def test_listmonk_campaign_and_bounce_counts_map_onto_our_fields(listmonk_spec):
    campaign = _listmonk_campaign(listmonk_spec)
    stats = listmonk.stats_from_wire(campaign, {"hard": 5, "soft": 2, "complaint": 1},
                                     {"views": False, "clicks": False}, {"views": None, "clicks": None})
    assert (stats.state, stats.list_id, stats.list_name, stats.sent_at) == ("sent", "3", "Newsletter",
                                                                             "2026-11-30T09:00:00Z")
    assert (stats.recipients, stats.hard_bounces, stats.soft_bounces, stats.complaints) == (200, 5, 2, 1)
    assert (stats.shown("unsubscribes"), stats.shown("delivered")) == (UNKNOWN, UNKNOWN)
    assert (stats.shown("opens"), stats.shown("clicks")) == (NOT_TRACKED, NOT_TRACKED)


def test_listmonk_bounce_records_are_counted_by_type_in_either_shape(listmonk_spec):
    """The API lists bounce records in data.results; the spec wraps them in one more {results: […]}."""
    records = [{"id": n, "type": kind, "email": f"a{n}@example.org", "campaign": {"id": 7, "name": "x"}}
               for n, kind in enumerate(["hard", "hard", "soft", "complaint"])]
    schema = listmonk_spec["paths"]["/bounces"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    wrapped = {"data": {"results": [{"results": records}], "total": 4}}
    jsonschema.validate(wrapped, {**schema, "components": listmonk_spec["components"]})

    class Answer:
        def __init__(self, body):
            self.body = body

        def request(self, call):
            return self.body

    for body in (wrapped, {"data": {"results": records, "total": 4}}):
        adapter = listmonk.ListmonkProvider(Target("listmonk", "3", base_url="https://l.example.org/api"), None,
                                            Answer(body))
        assert adapter._bounce_counts("7") == {"hard": 2, "soft": 1, "complaint": 1}


def test_listmonk_a_draft_has_no_numbers_yet(listmonk_spec):
    stats = listmonk.stats_from_wire(_listmonk_campaign(listmonk_spec, status="draft", sent=0, started_at=None),
                                     None, {"views": True, "clicks": False}, {"views": None, "clicks": None})
    assert (stats.state, stats.shown("recipients"), stats.shown("hard_bounces"), stats.shown("opens")) == (
        "draft", UNKNOWN, UNKNOWN, UNKNOWN)


# -- outbox: its own files ---------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
CAMPAIGN = OutgoingCampaign(ref="newsroom-x-0123456789ab-to-newsletter", subject="Grüße", preheader="Vorschau",
                            from_name="Absender", from_email="newsletter@example.org", reply_to="presse@example.org",
                            html="<p>Hallo</p>", text="Hallo", list_id="newsletter")


def test_outbox_reports_one_message_and_nothing_tracked_without_writing(tmp_path):
    clock = {"now": NOW}
    outbox = OutboxProvider(Target("outbox", "newsletter"), root=tmp_path, unsubscribe_url="https://x.example/u",
                            now=lambda: clock["now"])
    draft = outbox.create_draft(CAMPAIGN)
    assert outbox.delivery(draft.remote_id).shown("recipients") == UNKNOWN
    outbox.send(draft, CAMPAIGN, NOW + dt.timedelta(hours=1))
    record = (tmp_path / CAMPAIGN.ref / "campaign.json").read_bytes()
    assert outbox.delivery(CAMPAIGN.ref).state == "scheduled"
    clock["now"] = NOW + dt.timedelta(hours=2)
    stats = outbox.delivery(CAMPAIGN.ref)
    assert (stats.state, stats.recipients, stats.delivered, stats.hard_bounces, stats.complaints) == (
        "sent", 1, 1, 0, 0)
    assert (stats.shown("opens"), stats.shown("clicks"), stats.list_id) == (NOT_TRACKED, NOT_TRACKED, "newsletter")
    assert (tmp_path / CAMPAIGN.ref / "campaign.json").read_bytes() == record  # a report writes nothing
