"""Brevo (ex-Sendinblue, EU) API v3 adapter: our campaign ↔ `/emailCampaigns`.

Spec: `provider-specs/brevo/swagger.yaml` (Swagger 2.0 of the official Go SDK, basePath `/v3`).
Auth is the header `api-key`. Our reference is the campaign's `tag` and `name`; the list endpoint
cannot filter by either, so `find` pages through the newest classic campaigns.

Brevo's campaign has no plain-text field: Brevo derives the text part from the HTML itself, so
our `email.txt` is not sent (`takes_plain_text = False`; publish says so when it sends).

A report with two `subject_variants` becomes an A/B test campaign (`abTesting`, `subjectA`/`subjectB`,
`splitRule`): still a classic campaign, found, tested and sent like any other. Brevo picks a winner only
by opens or clicks, which Newsroom does not track (EMAIL-QUALITY D7), so only `ab_test.test_share: 100`
is accepted: the whole list split in halves (`splitRule: 50`), without a winner.
"""

from __future__ import annotations

import datetime as dt

from pipeline.delivery import DeliveryStats, Variant, number, text
from pipeline.errors import ConfigError
from pipeline.providers.base import (Call, OutgoingCampaign, Provider, ProviderInfo, RemoteCampaign,
                                     RemoteState)

FIND_PAGES = 5
PAGE_SIZE = 100

_STATES = {
    "draft": RemoteState.DRAFT,
    "queued": RemoteState.SCHEDULED,
    "in_process": RemoteState.SENDING,
    "inProcess": RemoteState.SENDING,  # the spec's list filter spells it this way
    "sent": RemoteState.SENT,
    "suspended": RemoteState.PAUSED,
}


class BrevoProvider(Provider):
    """Brevo email campaigns (classic) to one contact list."""

    name = "brevo"
    unsubscribe_tag = "{{ unsubscribe }}"
    greeting_fallback = True

    @classmethod
    def greeting_tag(cls, slot) -> str:
        # Brevo Template Language: {{ contact.FIRSTNAME }} is the default first-name attribute; `default:` would
        # replace only the name ("Guten Tag there,"), so the whole salutation switches with {% if %} … {% else %}
        # (help.brevo.com "[Manual] Show or hide content in your emails using if statements"). Brevo escapes the
        # HTML of every variable by default ("Disable auto-escaping …", help.sendinblue.com 360018252080).
        return (f"{{% if contact.FIRSTNAME %}}{slot.before}{{{{ contact.FIRSTNAME }}}}{slot.after}"
                f"{{% else %}}{slot.fallback}{{% endif %}}")
    takes_plain_text = False
    default_base_url = "https://api.brevo.com/v3"
    max_subject_variants = 2  # subjectA and subjectB

    @classmethod
    def ab_test_problems(cls, variants, ab_test) -> list[str]:
        problems = super().ab_test_problems(variants, ab_test)
        if variants and not problems and ab_test.test_share < 100 and ab_test.winner not in _WINNER_CRITERIA:
            problems.append(f"ab_test.test_share is {ab_test.test_share} in content/newsroom.yaml, but Brevo picks "
                            "the winner for the rest of the list only by opens or clicks, which Newsroom does not "
                            "track (EMAIL-QUALITY D7) — set ab_test.test_share: 100 (Brevo sends each subject to "
                            "half of the list, no winner), or send through a target with provider mailchimp "
                            "(winner: manual)")
        return problems

    @staticmethod
    def auth_headers(secret) -> dict[str, str]:
        return {"api-key": secret.reveal()}

    def check(self, list_id: str) -> ProviderInfo:
        data = self._call(Call("GET", f"/contacts/lists/{_number(list_id)}"))
        return ProviderInfo(self.name, list_id, data.get("name") or list_id, data.get("totalSubscribers"))

    def find(self, ref: str) -> RemoteCampaign | None:
        for call in _find_calls():
            campaigns = self._call(call).get("campaigns") or []
            for item in campaigns:
                if ref in (item.get("tag"), item.get("name")):
                    return self._from_wire(item, ref)
            if len(campaigns) < PAGE_SIZE:
                return None
        return None

    def create_draft(self, campaign: OutgoingCampaign) -> RemoteCampaign:
        call = Call("POST", "/emailCampaigns", _to_wire(campaign), idempotent=False)
        remote_id = self._new_id(self._call(call), call)
        return self.status(RemoteCampaign(self.name, remote_id, RemoteState.DRAFT, "draft", None, campaign.ref))

    def update_draft(self, remote: RemoteCampaign, campaign: OutgoingCampaign) -> RemoteCampaign:
        self._call(Call("PUT", f"/emailCampaigns/{remote.remote_id}", _to_wire(campaign)))
        return remote

    def send_test(self, remote: RemoteCampaign, campaign: OutgoingCampaign, recipients: tuple[str, ...]) -> None:
        # Brevo allows 50 test mails a day per account (sendTestEmail description).
        self._call(Call("POST", f"/emailCampaigns/{remote.remote_id}/sendTest", {"emailTo": self.addresses(recipients)},
                        idempotent=False))

    def send(self, remote: RemoteCampaign, campaign: OutgoingCampaign,
             at: dt.datetime | None = None) -> RemoteCampaign:
        self._call(_send_call(remote.remote_id, at))
        status = "queued" if at else "in_process"
        return RemoteCampaign(self.name, remote.remote_id, _STATES[status], status, remote.web_url, remote.ref)

    def status(self, remote: RemoteCampaign) -> RemoteCampaign:
        data = self._call(Call("GET", f"/emailCampaigns/{remote.remote_id}"))
        return self._from_wire({**data, "id": remote.remote_id}, remote.ref)

    def delivery(self, remote_id: str) -> DeliveryStats:
        """GET the campaign with its overall statistics (`statistics=globalStats`)."""
        data = self._call(Call("GET", f"/emailCampaigns/{_number(remote_id, 'campaign')}",
                               params={"statistics": "globalStats"}))
        return stats_from_wire({**data, "id": data.get("id") or remote_id})

    def planned_calls(self, campaign, *, test_to=(), at=None) -> list[Call]:
        calls = [Call("GET", f"/contacts/lists/{_number(campaign.list_id)}"), _find_calls()[0],
                 Call("POST", "/emailCampaigns", _to_wire(campaign), idempotent=False),
                 Call("GET", "/emailCampaigns/{id}")]
        if test_to:
            return calls + [Call("POST", "/emailCampaigns/{id}/sendTest", {"emailTo": self.addresses(test_to)},
                                 idempotent=False)]
        return calls + [_send_call("{id}", at)]

    def _from_wire(self, item: dict, ref: str | None) -> RemoteCampaign:
        status = str(item.get("status") or "")
        return RemoteCampaign(self.name, str(item.get("id")), _STATES.get(status, RemoteState.UNKNOWN), status,
                              item.get("shareLink") or None, ref)


def _number(list_id: str, what: str = "list") -> int:
    if not str(list_id).isdigit():
        if what != "list":
            raise ConfigError(f"Brevo {what} ids are numbers, not '{list_id}' — is the ledger's campaign from "
                              "another provider?")
        raise ConfigError(f"content/newsroom.yaml: Brevo list ids are numbers (Contacts → Lists → ID), "
                          f"not '{list_id}'")
    return int(list_id)


_WINNER_CRITERIA = {"opens": "open", "clicks": "click"}


def stats_from_wire(data: dict) -> DeliveryStats:
    """GET /emailCampaigns/{id} → our fields. Brevo's campaign API has no switch for open and click tracking,
    so its counts are shown as tracked; it names no A/B winner, so that stays unknown."""
    status = str(data.get("status") or "")
    stats = (data.get("statistics") or {}).get("globalStats") or {}
    lists = [str(item) for item in (data.get("recipients") or {}).get("lists") or []]
    variants = ()
    if data.get("abTesting") is True:
        variants = tuple(Variant(str(data[key])) for key in ("subjectA", "subjectB") if text(data.get(key)))
    return DeliveryStats(
        "brevo", str(data.get("id")), _STATES.get(status, RemoteState.UNKNOWN).value, status,
        list_id=", ".join(lists) or None, scheduled_at=text(data.get("scheduledAt")),
        sent_at=text(data.get("sentDate")), recipients=number(stats.get("sent")),
        delivered=number(stats.get("delivered")), hard_bounces=number(stats.get("hardBounces")),
        soft_bounces=number(stats.get("softBounces")), unsubscribes=number(stats.get("unsubscriptions")),
        complaints=number(stats.get("complaints")), opens_tracked=True, opens=number(stats.get("uniqueViews")),
        clicks_tracked=True, clicks=number(stats.get("uniqueClicks")), variants=variants)


def _to_wire(campaign: OutgoingCampaign) -> dict:
    wire = {
        "name": campaign.ref,
        "tag": campaign.ref,
        "sender": {"name": campaign.from_name, "email": campaign.from_email},
        "subject": campaign.subject,
        "previewText": campaign.preheader,
        "replyTo": campaign.reply_to,
        "htmlContent": campaign.html,
        "recipients": {"listIds": [_number(campaign.list_id)]},
        "inlineImageActivation": False,
    }
    if campaign.subject_variants and campaign.ab_test is not None:
        del wire["subject"]  # ignored by Brevo when abTesting is true
        wire.update(ab_testing(campaign.subject_variants, campaign.ab_test))
    return wire


def ab_testing(subjects: tuple[str, ...], ab_test) -> dict:
    """Brevo's A/B test of two subjects. `splitRule` is the share of *each* test group (1–50 %): our
    `test_share` (of the whole list) halved; at 50 every recipient is in the test and Brevo ignores the winner
    fields, so they are left out."""
    subject_a, subject_b = subjects
    wire = {"abTesting": True, "subjectA": subject_a, "subjectB": subject_b,
            "splitRule": max(1, min(50, ab_test.test_share // 2))}
    if wire["splitRule"] < 50:
        wire.update(winnerCriteria=_WINNER_CRITERIA[ab_test.winner], winnerDelay=ab_test.wait_hours)
    return wire


def _find_calls() -> list[Call]:
    return [Call("GET", "/emailCampaigns", params={"type": "classic", "limit": PAGE_SIZE, "offset": page * PAGE_SIZE,
                                                    "sort": "desc", "excludeHtmlContent": "true"})
            for page in range(FIND_PAGES)]


def _send_call(campaign_id: str, at: dt.datetime | None) -> Call:
    if at is None:
        return Call("POST", f"/emailCampaigns/{campaign_id}/sendNow", idempotent=False, delivers=True)
    # Setting scheduledAt on a draft schedules it: this PUT is the delivering call, so never retried.
    return Call("PUT", f"/emailCampaigns/{campaign_id}", {"scheduledAt": at.isoformat(timespec="seconds")},
                idempotent=False, delivers=True)
