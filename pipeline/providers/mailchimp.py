"""Mailchimp Marketing API v3 adapter: our campaign ↔ `/campaigns` and its content and actions.

Spec: `provider-specs/mailchimp/openapi.yaml` (OpenAPI rendering of Mailchimp's v3.0.55 description).
Auth is HTTP Basic with any user name and the API key; the key's suffix (`…-us6`) names the data
centre and so the address, `https://us6.api.mailchimp.com/3.0`. Our reference is the campaign's
internal title (`settings.title`), which the list endpoint cannot filter by, so `find` pages
through the newest campaigns. Opens and clicks are not tracked (EMAIL-QUALITY D7).

A report with `subject_variants` becomes a variate campaign (Mailchimp's A/B test, up to 3 subject
lines, `variate_settings`); it is found, filled, tested and sent like a regular one.
"""

from __future__ import annotations

import base64
import datetime as dt
import re

from pipeline.delivery import DeliveryStats, Variant, number, text, tracked_count
from pipeline.errors import ConfigError
from pipeline.providers.base import (Call, OutgoingCampaign, Provider, ProviderInfo, RemoteCampaign,
                                     RemoteState)

FIND_PAGES = 5
PAGE_SIZE = 100
_FIELDS = "id,web_id,status,settings.title"

_STATES = {
    "save": RemoteState.DRAFT,
    "paused": RemoteState.PAUSED,
    "schedule": RemoteState.SCHEDULED,
    "sending": RemoteState.SENDING,
    "sent": RemoteState.SENT,
    "canceling": RemoteState.CANCELLED,
    "canceled": RemoteState.CANCELLED,
}


class MailchimpProvider(Provider):
    """Mailchimp Marketing API 3.0 (regular campaigns to one audience)."""

    name = "mailchimp"
    unsubscribe_tag = "*|UNSUB|*"
    greeting_fallback = True

    @classmethod
    def greeting_tag(cls, slot) -> str:
        # FNAME is the audience's default first-name field; *|IF:…|* … *|ELSE:|* … *|END:IF|* are Mailchimp's
        # conditional merge tags (the same syntax as Mailchimp Transactional's "About Dynamic and Conditional
        # Merge Tags"). The plain *|FNAME|* is escaped in the HTML part: only the *|HTML:FNAME|* form inserts a
        # field's value as HTML (Mailchimp's merge tag reference), which we never use.
        return f"*|IF:FNAME|*{slot.before}*|FNAME|*{slot.after}*|ELSE:|*{slot.fallback}*|END:IF|*"
    schedule_granularity = 15  # actions/schedule accepts quarter hours only
    max_subject_variants = 3  # variate_settings.subject_lines; Newsroom tests subjects only

    @classmethod
    def base_url_for(cls, target, secret) -> str:
        if target.base_url:
            return target.base_url.rstrip("/")
        return f"https://{_data_centre(secret)}.api.mailchimp.com/3.0"

    @staticmethod
    def auth_headers(secret) -> dict[str, str]:
        token = base64.b64encode(f"newsroom:{secret.reveal()}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def check(self, list_id: str) -> ProviderInfo:
        data = self._call(Call("GET", f"/lists/{list_id}", params={"fields": "id,name,stats.member_count"}))
        return ProviderInfo(self.name, list_id, data.get("name") or list_id,
                            (data.get("stats") or {}).get("member_count"))

    def find(self, ref: str) -> RemoteCampaign | None:
        for call in _find_calls():
            campaigns = self._call(call).get("campaigns") or []
            for item in campaigns:
                if (item.get("settings") or {}).get("title") == ref:
                    return self._from_wire(item, ref)
            if len(campaigns) < PAGE_SIZE:
                return None
        return None

    def create_draft(self, campaign: OutgoingCampaign) -> RemoteCampaign:
        call = Call("POST", "/campaigns", _campaign_wire(campaign), idempotent=False)
        data = self._call(call)
        self._new_id(data, call)
        remote = self._from_wire(data, campaign.ref)
        # A crash between these two calls leaves an empty draft; publish adopts it via find() and
        # update_draft(), which puts the content again.
        self._call(_content_call(remote.remote_id, campaign))
        return remote

    def update_draft(self, remote: RemoteCampaign, campaign: OutgoingCampaign) -> RemoteCampaign:
        data = self._call(Call("PATCH", f"/campaigns/{remote.remote_id}", _campaign_wire(campaign)))
        self._call(_content_call(remote.remote_id, campaign))
        return self._from_wire({**data, "id": remote.remote_id}, campaign.ref)

    def send_test(self, remote: RemoteCampaign, campaign: OutgoingCampaign, recipients: tuple[str, ...]) -> None:
        body = {"test_emails": self.addresses(recipients), "send_type": "html"}
        self._call(Call("POST", f"/campaigns/{remote.remote_id}/actions/test", body, idempotent=False))

    def checklist(self, remote: RemoteCampaign) -> list[str]:
        data = self._call(Call("GET", f"/campaigns/{remote.remote_id}/send-checklist"))
        if data.get("is_ready", True):
            return []
        return [f"{item.get('heading', '')}: {item.get('details', '')}".strip(": ")
                for item in data.get("items") or [] if item.get("type") == "error"] or ["not ready"]

    def send(self, remote: RemoteCampaign, campaign: OutgoingCampaign,
             at: dt.datetime | None = None) -> RemoteCampaign:
        self._call(_send_call(remote.remote_id, at))
        status = "schedule" if at else "sending"
        return RemoteCampaign(self.name, remote.remote_id, _STATES[status], status, remote.web_url, remote.ref)

    def status(self, remote: RemoteCampaign) -> RemoteCampaign:
        data = self._call(Call("GET", f"/campaigns/{remote.remote_id}", params={"fields": _FIELDS}))
        return self._from_wire({**data, "id": remote.remote_id}, remote.ref)

    def delivery(self, remote_id: str) -> DeliveryStats:
        """GET the campaign (state, tracking, A/B settings) and, once it has gone out, its report."""
        campaign = self._call(Call("GET", f"/campaigns/{remote_id}", params={"fields": _DELIVERY_FIELDS}))
        report = self._call(report_call(remote_id)) if campaign.get("status") in ("sending", "sent") else {}
        return stats_from_wire({**campaign, "id": campaign.get("id") or remote_id}, report)

    def planned_calls(self, campaign, *, test_to=(), at=None) -> list[Call]:
        calls = [Call("GET", f"/lists/{campaign.list_id}", params={"fields": "id,name,stats.member_count"}),
                 _find_calls()[0], Call("POST", "/campaigns", _campaign_wire(campaign), idempotent=False),
                 _content_call("{id}", campaign)]
        if test_to:
            return calls + [Call("POST", "/campaigns/{id}/actions/test",
                                 {"test_emails": self.addresses(test_to), "send_type": "html"}, idempotent=False)]
        return calls + [Call("GET", "/campaigns/{id}/send-checklist"), _send_call("{id}", at)]

    def _from_wire(self, item: dict, ref: str | None) -> RemoteCampaign:
        status = str(item.get("status") or "")
        return RemoteCampaign(self.name, str(item.get("id")), _STATES.get(status, RemoteState.UNKNOWN), status,
                              self._admin_url(item.get("web_id")), ref)

    def _admin_url(self, web_id) -> str | None:
        # The spec's own description of web_id: "View this campaign in your Mailchimp account at
        # https://{dc}.admin.mailchimp.com/campaigns/show/?id={web_id}".
        if not web_id or self.secret is None:
            return None
        try:
            centre = _data_centre(self.secret)
        except ConfigError:
            return None
        return f"https://{centre}.admin.mailchimp.com/campaigns/show/?id={web_id}"


_DELIVERY_FIELDS = ("id,status,send_time,emails_sent,recipients.list_id,recipients.list_name,tracking.opens,"
                    "tracking.html_clicks,tracking.text_clicks,variate_settings.subject_lines,"
                    "variate_settings.combinations,variate_settings.winning_combination_id")
_REPORT_FIELDS = ("id,list_id,list_name,emails_sent,abuse_reports,unsubscribed,send_time,bounces,opens,clicks,"
                  "ab_split")


def report_call(remote_id: str) -> Call:
    """GET /reports/{id}: a sent campaign's figures (there is none before the send)."""
    return Call("GET", f"/reports/{remote_id}", params={"fields": _REPORT_FIELDS})


def stats_from_wire(campaign: dict, report: dict) -> DeliveryStats:
    """GET /campaigns/{id} and GET /reports/{id} (empty before the send) → our fields."""
    status = str(campaign.get("status") or "")
    tracking, recipients = campaign.get("tracking") or {}, campaign.get("recipients") or {}
    opens_tracked = tracking.get("opens") if isinstance(tracking.get("opens"), bool) else None
    clicks = [tracking.get(key) for key in ("html_clicks", "text_clicks") if isinstance(tracking.get(key), bool)]
    clicks_tracked = any(clicks) if clicks else None
    bounces = report.get("bounces") or {}
    when = text(report.get("send_time") or campaign.get("send_time"))
    variants, winner = _variants(campaign.get("variate_settings") or {}, report.get("ab_split") or {},
                                 opens_tracked, clicks_tracked)
    return DeliveryStats(
        "mailchimp", str(campaign.get("id")), _STATES.get(status, RemoteState.UNKNOWN).value, status,
        list_id=text(report.get("list_id") or recipients.get("list_id")),
        list_name=text(report.get("list_name") or recipients.get("list_name")),
        scheduled_at=when if status == "schedule" else None, sent_at=when if status in ("sending", "sent") else None,
        recipients=number(report.get("emails_sent")), delivered=None,
        hard_bounces=number(bounces.get("hard_bounces")), soft_bounces=number(bounces.get("soft_bounces")),
        unsubscribes=number(report.get("unsubscribed")), complaints=number(report.get("abuse_reports")),
        opens_tracked=opens_tracked,
        opens=tracked_count(opens_tracked, (report.get("opens") or {}).get("unique_opens")),
        clicks_tracked=clicks_tracked,
        clicks=tracked_count(clicks_tracked, (report.get("clicks") or {}).get("unique_subscriber_clicks")),
        variants=variants, winner=winner)


def _variants(settings: dict, split: dict, opens_tracked: bool | None,
              clicks_tracked: bool | None) -> tuple[tuple[Variant, ...], str | None]:
    """The subject lines of a variate campaign; `ab_split`'s groups a and b carry numbers when there are two
    subjects (Mailchimp gives ab_split for two-way splits only); the winner is the winning combination's subject."""
    subjects = [str(s) for s in settings.get("subject_lines") or [] if isinstance(s, str)]
    groups = [split.get("a"), split.get("b")] if len(subjects) == 2 else []
    variants = []
    for index, subject in enumerate(subjects):
        group = groups[index] if index < len(groups) and isinstance(groups[index], dict) else {}
        variants.append(Variant(subject, bounces=number(group.get("bounces")), unsubscribes=number(group.get("unsubs")),
                                complaints=number(group.get("abuse_reports")),
                                opens=tracked_count(opens_tracked, group.get("unique_opens")),
                                clicks=tracked_count(clicks_tracked, group.get("recipient_clicks"))))
    winner = None
    for combination in settings.get("combinations") or []:
        if isinstance(combination, dict) and combination.get("id") == settings.get("winning_combination_id"):
            index = number(combination.get("subject_line"))
            winner = subjects[index] if index is not None and 0 <= index < len(subjects) else None
    return tuple(variants), winner


def _data_centre(secret) -> str:
    """`us6` from a key ending in `-us6`; the suffix becomes a host name, so nothing else is accepted."""
    key = secret.reveal() if secret is not None else ""
    centre = key.rsplit("-", 1)[1] if "-" in key else ""
    if not re.fullmatch(r"[a-z]{2,4}[0-9]{1,3}", centre):
        raise ConfigError("NEWSROOM_MAILCHIMP_API_KEY does not end in a data centre such as -us6 — copy the whole "
                          "key from Mailchimp (Profile → Extras → API keys), or set base_url on the target")
    return centre


def _campaign_wire(campaign: OutgoingCampaign) -> dict:
    wire = {
        "type": "regular",
        "recipients": {"list_id": campaign.list_id},
        "settings": {"subject_line": campaign.subject, "preview_text": campaign.preheader, "title": campaign.ref,
                     "from_name": campaign.from_name, "reply_to": campaign.from_email},
        "tracking": {"opens": False, "html_clicks": False, "text_clicks": False},
    }
    if campaign.subject_variants and campaign.ab_test is not None:
        wire["type"] = "variate"
        wire["settings"]["subject_line"] = campaign.subject_variants[0]
        wire["variate_settings"] = variate_settings(campaign.subject_variants, campaign.ab_test)
    return wire


def variate_settings(subjects: tuple[str, ...], ab_test) -> dict:
    """Mailchimp's A/B test of subject lines: `test_size` per cent of the list gets the variants, the winner
    (picked by `winner_criteria`; `manual`: in Mailchimp's web interface) goes to the rest after `wait_time`
    minutes (whole hours, the spec says)."""
    return {"winner_criteria": ab_test.winner, "wait_time": ab_test.wait_hours * 60,
            "test_size": ab_test.test_share, "subject_lines": list(subjects)}


def _content_call(campaign_id: str, campaign: OutgoingCampaign) -> Call:
    return Call("PUT", f"/campaigns/{campaign_id}/content", {"html": campaign.html, "plain_text": campaign.text})


def _find_calls() -> list[Call]:
    return [Call("GET", "/campaigns", params={"fields": f"campaigns.{_FIELDS.replace(',', ',campaigns.')}",
                                              "count": PAGE_SIZE, "offset": page * PAGE_SIZE,
                                              "sort_field": "create_time", "sort_dir": "DESC"})
            for page in range(FIND_PAGES)]


def _send_call(campaign_id: str, at: dt.datetime | None) -> Call:
    if at is None:
        return Call("POST", f"/campaigns/{campaign_id}/actions/send", idempotent=False, delivers=True)
    when = at.astimezone(dt.timezone.utc).isoformat(timespec="seconds")
    return Call("POST", f"/campaigns/{campaign_id}/actions/schedule", {"schedule_time": when},
                idempotent=False, delivers=True)
