"""listmonk (self-hosted, open source) adapter: our campaign ↔ listmonk's `/api/campaigns` resources.

Spec: `provider-specs/listmonk/collections.yaml`; the real rules (required fields, `body`/`altbody`,
the status machine draft → scheduled/running → finished) are in listmonk's docs and
`internal/core/campaigns.go`, because the spec marks nothing as required. Auth is the header
`Authorization: token <api user>:<token>`. Our reference travels as a campaign tag.
"""

from __future__ import annotations

import datetime as dt

from pipeline.delivery import DeliveryStats, number, text
from pipeline.errors import ConfigError, ProviderUnavailableError
from pipeline.providers.base import (Call, OutgoingCampaign, Provider, ProviderInfo, RemoteCampaign,
                                     RemoteState)

FIND_PAGES = 5
PAGE_SIZE = 50

_STATES = {
    "draft": RemoteState.DRAFT,
    "scheduled": RemoteState.SCHEDULED,
    "running": RemoteState.SENDING,
    "paused": RemoteState.PAUSED,
    "cancelled": RemoteState.CANCELLED,
    "finished": RemoteState.SENT,
}


class ListmonkProvider(Provider):
    """listmonk v4–v6 over its HTTP API (base_url ends in /api)."""

    name = "listmonk"
    unsubscribe_tag = "{{ UnsubscribeURL }}"
    greeting_fallback = True

    @classmethod
    def greeting_tag(cls, slot) -> str:
        # Go template: FirstName is the first word of the subscriber's name (docs/content/templating.md:
        # "First name of the subscriber (automatically extracted from the name)"). listmonk compiles the body and
        # the altbody with html/template (models/campaigns.go, CompileTemplate), which HTML-escapes the name in
        # both parts: "&" reads "&amp;" in the text part of a subscriber with "&" in the name.
        return (f"{{{{ if .Subscriber.FirstName }}}}{slot.before}{{{{ .Subscriber.FirstName }}}}{slot.after}"
                f"{{{{ else }}}}{slot.fallback}{{{{ end }}}}")

    @staticmethod
    def auth_headers(secret) -> dict[str, str]:
        return {"Authorization": f"token {secret.user}:{secret.reveal()}"}

    def check(self, list_id: str) -> ProviderInfo:
        data = self._data(Call("GET", f"/lists/{_number(list_id)}"))
        return ProviderInfo(self.name, list_id, data.get("name") or list_id, data.get("subscriber_count"))

    def find(self, ref: str) -> RemoteCampaign | None:
        for call in _find_calls(ref):
            results = (self._call(call).get("data") or {}).get("results") or []
            for item in results:
                if ref in (item.get("tags") or []):
                    return self._from_wire(item, ref)
            if len(results) < PAGE_SIZE:
                return None
        return None

    def create_draft(self, campaign: OutgoingCampaign) -> RemoteCampaign:
        call = Call("POST", "/campaigns", _to_wire(campaign), idempotent=False)
        data = self._call(call).get("data") or {}
        self._new_id(data, call)
        return self._from_wire(data, ref=campaign.ref)

    def update_draft(self, remote: RemoteCampaign, campaign: OutgoingCampaign) -> RemoteCampaign:
        data = self._data(Call("PUT", f"/campaigns/{remote.remote_id}", _to_wire(campaign)))
        return self._from_wire({**data, "id": remote.remote_id}, ref=campaign.ref)

    def send_test(self, remote: RemoteCampaign, campaign: OutgoingCampaign, recipients: tuple[str, ...]) -> None:
        # The endpoint wants the campaign fields again, and sends only to addresses that already
        # exist as subscribers (listmonk handleTestCampaign).
        body = {**_to_wire(campaign), "subscribers": self.addresses(recipients)}
        self._call(Call("POST", f"/campaigns/{remote.remote_id}/test", body, idempotent=False))

    def send(self, remote: RemoteCampaign, campaign: OutgoingCampaign,
             at: dt.datetime | None = None) -> RemoteCampaign:
        calls = _send_calls(remote.remote_id, campaign, at)
        for call in calls:
            self._call(call)
        # A 2xx on the status change is listmonk's confirmation (UpdateCampaignStatus checks the move).
        return self._from_wire({"id": remote.remote_id, "status": "scheduled" if at else "running"}, ref=remote.ref)

    def status(self, remote: RemoteCampaign) -> RemoteCampaign:
        data = self._data(Call("GET", f"/campaigns/{remote.remote_id}", params={"no_body": "true"}))
        return self._from_wire({**data, "id": remote.remote_id}, ref=remote.ref)

    def delivery(self, remote_id: str) -> DeliveryStats:
        """GET the campaign (its body tells whether views/clicks are tracked), its template, its bounces by type
        and, where tracked, the view and click analytics (delivery.py has the field table)."""
        campaign = self._data(Call("GET", f"/campaigns/{_number(remote_id, 'campaign')}"))
        template = self._template_body(campaign.get("template_id"))
        started = campaign.get("status") in _STARTED
        bounces = self._bounce_counts(remote_id) if started else None
        tracked = {kind: tag in f"{campaign.get('body') or ''}{template}" for kind, tag in _TRACKING_TAGS.items()}
        counts = {kind: self._analytics(kind, remote_id, campaign) if tracked[kind] and started else None
                  for kind in _TRACKING_TAGS}
        return stats_from_wire(campaign, bounces, tracked, counts)

    def _template_body(self, template_id) -> str:
        """The campaign template's body (where listmonk's default template puts {{ TrackView }}), once per id."""
        if number(template_id) is None:
            return ""
        if not hasattr(self, "_templates"):
            self._templates: dict[int, str] = {}
        if template_id not in self._templates:
            self._templates[template_id] = self._data(Call("GET", f"/templates/{template_id}")).get("body") or ""
        return self._templates[template_id]

    def _bounce_counts(self, remote_id: str) -> dict[str, int]:
        """listmonk's bounce records of the campaign, counted by `type` (hard, soft, complaint)."""
        data = self._data(Call("GET", "/bounces", params={"campaign_id": int(remote_id), "per_page": "all"}))
        counts = {"hard": 0, "soft": 0, "complaint": 0}
        for item in data.get("results") or []:
            # The spec wraps the records once more (Bounce = {results: [...]}); the API gives them directly.
            for bounce in item.get("results", [item]) if isinstance(item, dict) else []:
                if isinstance(bounce, dict) and bounce.get("type") in counts:
                    counts[bounce["type"]] += 1
        return counts

    def _analytics(self, kind: str, remote_id: str, campaign: dict) -> int | None:
        """The day counts of /campaigns/analytics/{views|clicks} from the campaign's start until today, summed."""
        start = str(campaign.get("started_at") or campaign.get("created_at") or "")[:10]
        if len(start) != 10:
            return None
        today = dt.datetime.now(dt.timezone.utc).date().isoformat()
        data = self._call(Call("GET", f"/campaigns/analytics/{kind}",
                               params={"id": remote_id, "from": start, "to": today})).get("data")
        if not isinstance(data, list):
            return None
        return sum(number(day.get("count")) or 0 for day in data if isinstance(day, dict))

    def planned_calls(self, campaign, *, test_to=(), at=None) -> list[Call]:
        calls = [Call("GET", f"/lists/{_number(campaign.list_id)}"), _find_calls(campaign.ref)[0],
                 Call("POST", "/campaigns", _to_wire(campaign), idempotent=False)]
        if test_to:
            return calls + [Call("POST", "/campaigns/{id}/test",
                                 {**_to_wire(campaign), "subscribers": self.addresses(test_to)}, idempotent=False)]
        return calls + _send_calls("{id}", campaign, at)

    def _data(self, call: Call) -> dict:
        """listmonk wraps every answer in {"data": …}; an answer without it is not listmonk's API."""
        data = self._call(call).get("data")
        if not isinstance(data, dict):
            raise ProviderUnavailableError(f"listmonk {call.method} {call.path}: the answer has no `data` object — "
                                           "check base_url: it must be the API address, e.g. "
                                           "https://listmonk.example.org/api; nothing was sent")
        return data

    def _from_wire(self, item: dict, ref: str | None = None) -> RemoteCampaign:
        status = str(item.get("status") or "")
        campaign_id = str(item.get("id"))
        admin = self.base_url_for(self.target, self.secret).removesuffix("/api")
        return RemoteCampaign(self.name, campaign_id, _STATES.get(status, RemoteState.UNKNOWN), status,
                              f"{admin}/admin/campaigns/{campaign_id}", ref)


def _number(list_id: str, what: str = "list") -> int:
    if not str(list_id).isdigit():
        if what != "list":
            raise ConfigError(f"listmonk {what} ids are numbers, not '{list_id}' — is the ledger's campaign from "
                              "another provider?")
        raise ConfigError(f"content/newsroom.yaml: listmonk list ids are numbers (Lists → the list → ID), "
                          f"not '{list_id}'")
    return int(list_id)


_STARTED = frozenset({"running", "paused", "cancelled", "finished"})
#: listmonk counts views and clicks only where the campaign or its template carries these tags.
_TRACKING_TAGS = {"views": "TrackView", "clicks": "TrackLink"}


def stats_from_wire(campaign: dict, bounces: dict[str, int] | None, tracked: dict[str, bool],
                    counts: dict[str, int | None]) -> DeliveryStats:
    """GET /campaigns/{id}'s `data`, the bounce counts by type and the analytics sums → our fields."""
    status = str(campaign.get("status") or "")
    lists = [item for item in campaign.get("lists") or [] if isinstance(item, dict)]
    started = status in _STARTED
    return DeliveryStats(
        "listmonk", str(campaign.get("id")), _STATES.get(status, RemoteState.UNKNOWN).value, status,
        list_id=", ".join(str(item.get("id")) for item in lists) or None,
        list_name=", ".join(str(item.get("name")) for item in lists if item.get("name")) or None,
        scheduled_at=text(campaign.get("send_at")), sent_at=text(campaign.get("started_at")) if started else None,
        recipients=number(campaign.get("sent")) if started else None, delivered=None,
        hard_bounces=bounces["hard"] if bounces else None, soft_bounces=bounces["soft"] if bounces else None,
        unsubscribes=None, complaints=bounces["complaint"] if bounces else None,
        opens_tracked=tracked["views"], opens=counts["views"], clicks_tracked=tracked["clicks"],
        clicks=counts["clicks"])


def _to_wire(campaign: OutgoingCampaign) -> dict:
    """listmonk's campaign body (docs/apis/campaigns.md: name, subject, lists, type, content_type, body)."""
    return {
        "name": campaign.ref,
        "subject": campaign.subject,
        "lists": [_number(campaign.list_id)],
        "from_email": f"{campaign.from_name} <{campaign.from_email}>",
        "type": "regular",
        "content_type": "html",
        "messenger": "email",
        "tags": [campaign.ref],
        "body": campaign.html,
        "altbody": campaign.text,
    }


def _find_calls(ref: str) -> list[Call]:
    return [Call("GET", "/campaigns", params={"tags": ref, "no_body": "true", "order_by": "created_at",
                                               "order": "DESC", "page": page, "per_page": PAGE_SIZE})
            for page in range(1, FIND_PAGES + 1)]


def _send_calls(campaign_id: str, campaign: OutgoingCampaign, at: dt.datetime | None) -> list[Call]:
    """Now: status → running. Later: store send_at on the draft (idempotent), then status → scheduled."""
    status = f"/campaigns/{campaign_id}/status"
    if at is None:
        return [Call("PUT", status, {"status": "running"}, idempotent=False, delivers=True)]
    timed = {**_to_wire(campaign), "send_later": True, "send_at": at.isoformat()}
    return [Call("PUT", f"/campaigns/{campaign_id}", timed),
            Call("PUT", status, {"status": "scheduled"}, idempotent=False, delivers=True)]
