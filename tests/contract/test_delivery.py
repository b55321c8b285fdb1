"""`Provider.delivery` (newsroom report, send's list-health check) against Prism serving each official spec.

Every request the report makes must pass the spec's request validation (conftest fails on any request-side
violation); the answers, the spec's examples or schema-shaped stand-ins, must map onto DeliveryStats.
Prism's answers are static, so the requests made only in some states (Mailchimp's report of a sent
campaign, listmonk's bounces and analytics of a started one) are made here directly, as the adapter makes them.
"""

import pytest

from pipeline.delivery import DeliveryStats
from pipeline.providers import mailchimp

REMOTE_IDS = {"listmonk": "17", "mailchimp": "b6e3c4d1f0", "brevo": "17"}


@pytest.mark.parametrize("adapter", ["listmonk", "mailchimp", "brevo"], indirect=True)
def test_delivery_reads_the_campaign_with_valid_requests(adapter):
    stats = adapter.delivery(REMOTE_IDS[adapter.name])
    assert isinstance(stats, DeliveryStats) and stats.provider == adapter.name and stats.campaign


def test_brevo_delivery_maps_the_spec_example_statistics(adapter_for):
    stats = adapter_for("brevo").delivery("17")
    assert (stats.recipients, stats.hard_bounces, stats.complaints) == (19887, 87, 1)  # the spec's globalStats


def test_mailchimp_report_request_is_valid(adapter_for):
    adapter = adapter_for("mailchimp")
    report = adapter.http.request(mailchimp.report_call("b6e3c4d1f0"))
    stats = mailchimp.stats_from_wire({"id": "b6e3c4d1f0", "status": "sent"}, report)
    assert stats.hard_bounces == report["bounces"]["hard_bounces"] and stats.complaints == report["abuse_reports"]


def test_listmonk_bounce_template_and_analytics_requests_are_valid(adapter_for):
    adapter = adapter_for("listmonk")
    assert set(adapter._bounce_counts("17")) == {"hard", "soft", "complaint"}
    assert isinstance(adapter._template_body(3), str)
    for kind in ("views", "clicks"):
        count = adapter._analytics(kind, "17", {"started_at": "2026-11-30T09:00:00Z"})
        assert count is None or count >= 0
