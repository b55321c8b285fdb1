"""`find(ref)` adopts an A/B test campaign like any other: the list answers are the specs' own examples, with one
campaign given our reference and the provider's A/B fields (as the provider lists a campaign made by us)."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.config import Target
from pipeline.providers.base import RemoteState
from pipeline.providers.brevo import BrevoProvider
from pipeline.providers.mailchimp import MailchimpProvider

SPECS = Path(__file__).resolve().parents[3].parent / "shared" / "provider-specs"
REF = "newsroom-2021-11-29-industriestandort-0123456789ab-to-7"


class Answers:
    """Stands in for ApiClient: answers every GET with `page`, records the calls."""

    def __init__(self, page: dict):
        self.page, self.calls = page, []

    def request(self, call):
        self.calls.append(call)
        return self.page


def load(spec: Path) -> dict:
    return yaml.load(spec.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def test_brevo_finds_an_ab_test_campaign_by_its_name_and_tag():
    answer = load(SPECS / "brevo" / "swagger.yaml")["paths"]["/emailCampaigns"]["get"]["responses"]["200"]
    page = answer["examples"]["applications/json"]  # sic: the spec's media type has this typo
    campaign = page["campaigns"][1]
    campaign.update(name=REF, tag=REF, status="draft", abTesting=True, subjectA="A", subjectB="B", splitRule=50)
    campaign.pop("subject", None)  # Brevo lists no `subject` for an A/B test campaign
    http = Answers(page)
    found = BrevoProvider(Target("brevo", "7"), None, http).find(REF)
    assert (found.remote_id, found.state, found.ref) == (str(campaign["id"]), RemoteState.DRAFT, REF)
    assert http.calls[0].params["type"] == "classic"  # an A/B test campaign is a classic one


def test_mailchimp_finds_a_variate_campaign_by_its_title():
    spec = load(SPECS / "mailchimp" / "openapi.yaml")
    item = spec["components"]["schemas"]["A_B_Test_Options_2"]["example"]  # the spec's variate_settings example
    page = {"campaigns": [{"id": "b6e3c4d1f0", "web_id": 42, "type": "variate", "status": "save",
                           "settings": {"title": REF}, "variate_settings": item}]}
    http = Answers(page)
    found = MailchimpProvider(Target("mailchimp", "a1b2c3d4e5"), None, http).find(REF)
    assert (found.remote_id, found.state, found.ref) == ("b6e3c4d1f0", RemoteState.DRAFT, REF)
    assert "type" not in http.calls[0].params  # variate campaigns are listed with the regular ones
