"""A stateful stand-in for the part of Mailchimp's Marketing API a send uses, for the crash matrix.

Prism serves the official spec statelessly (CONTRACTS.md §4 item 7): it checks every request we make
(tests/contract) but cannot show that a campaign created before a crash is found afterwards. This fake
keeps campaigns in memory for that, with the rules the spec states in words: `status` `save` until
`actions/send` (`sending`) or `actions/schedule` (`schedule`), editing only while `save`, a variate
campaign needs `variate_settings.winner_criteria` (the spec's one required field) and 2–3 subject lines
(Newsroom's own limit), list ids must exist. The transport, the recorded requests and the scripted
faults are the fake listmonk's (`fake_listmonk.FakeListmonk`); only the routes and the credential differ.
"""

from __future__ import annotations

import base64
import re

from fake_listmonk import FakeListmonk

KEY = "0123456789abcdef0123456789abcdef-us6"


class FakeMailchimp(FakeListmonk):
    """/3.0/lists/{id}, /3.0/campaigns with content, send-checklist and the send actions, /3.0/reports/{id}."""

    def __init__(self, *, key: str = KEY, lists: dict[str, str] | None = None, tls: tuple | None = None):
        super().__init__(tls=tls, lists=lists if lists is not None else {"a1b2c3d4e5": "Newsletter"})
        self.key = key
        self.campaigns: dict[int, dict] = {}  # by creation order; the API id is `id` inside

    @property
    def base_url(self) -> str:
        return super().base_url.removesuffix("/api") + "/3.0"

    def authorized(self, header: str) -> bool:
        """HTTP Basic with any user name and the API key as password."""
        if not header.startswith("Basic "):
            return False
        try:
            return base64.b64decode(header[6:]).decode().split(":", 1)[1] == self.key
        except (ValueError, IndexError):
            return False

    def sends(self, campaign_id: int | None = None, *, applied: bool = False) -> list:
        """Every request that asked to send or schedule (`applied`: only those the API processed)."""
        return [r for r in (self.applied if applied else self.requests)
                if r.method == "POST" and re.fullmatch(r"/3\.0/campaigns/[^/]+/actions/(send|schedule)", r.path)]

    def by_id(self, campaign_id: str) -> dict | None:
        return next((c for c in self.campaigns.values() if c["id"] == campaign_id), None)

    def _route(self, method, path, query, body) -> tuple[int, dict | None]:
        if m := re.fullmatch(r"/3\.0/lists/([^/]+)", path):
            if method == "GET" and m[1] in self.lists:
                return 200, {"id": m[1], "name": self.lists[m[1]], "stats": {"member_count": 2}}
            return 404, _problem(404, "Resource Not Found", "The requested resource could not be found.")
        if path == "/3.0/campaigns" and method == "GET":
            newest = sorted(self.campaigns.values(), key=lambda c: -c["web_id"])
            offset, count = int(query.get("offset", ["0"])[0]), int(query.get("count", ["10"])[0])
            page = [{"id": c["id"], "web_id": c["web_id"], "status": c["status"],
                     "settings": {"title": c["settings"].get("title")}} for c in newest[offset:offset + count]]
            return 200, {"campaigns": page, "total_items": len(newest)}
        if path == "/3.0/campaigns" and method == "POST":
            problem = _invalid(body, self.lists)
            if problem:
                return 400, _problem(400, "Invalid Resource", problem)
            number = len(self.campaigns) + 1
            self.campaigns[number] = {**body, "id": f"c{number:09d}", "web_id": number, "status": "save"}
            return 200, self.campaigns[number]
        if (m := re.fullmatch(r"/3\.0/reports/([^/]+)", path)) and method == "GET":
            sent = self.by_id(m[1])
            if sent is None or sent["status"] == "save":  # a report exists once the campaign went out
                return 404, _problem(404, "Resource Not Found", "The requested resource could not be found.")
            return 200, {"id": sent["id"], "list_id": sent["recipients"]["list_id"], "emails_sent": 2,
                         "abuse_reports": 0, "unsubscribed": 0, "bounces": {"hard_bounces": 0, "soft_bounces": 0}}
        m = re.fullmatch(r"/3\.0/campaigns/([^/]+)(/content|/send-checklist|/actions/send|/actions/schedule)?", path)
        campaign = self.by_id(m[1]) if m else None
        if campaign is None:
            return 404, _problem(404, "Resource Not Found", "The requested resource could not be found.")
        action = m[2]
        if action is None and method == "GET":
            return 200, campaign
        if action is None and method == "PATCH":
            if campaign["status"] != "save":
                return 400, _problem(400, "Bad Request", "This campaign cannot be updated: it has been sent.")
            for part in ("settings", "variate_settings", "tracking", "recipients"):
                if part in body:
                    campaign[part] = {**campaign.get(part, {}), **body[part]}
            return 200, campaign
        if action == "/content" and method == "PUT":
            if campaign["status"] != "save":
                return 400, _problem(400, "Bad Request", "This campaign cannot be updated: it has been sent.")
            campaign["content"] = body
            return 200, {"html": body.get("html"), "plain_text": body.get("plain_text")}
        if action == "/send-checklist" and method == "GET":
            ready = bool(campaign.get("content"))
            return 200, {"is_ready": ready, "items": [] if ready else [
                {"type": "error", "heading": "Content", "details": "The campaign has no content."}]}
        if action in ("/actions/send", "/actions/schedule") and method == "POST":
            if campaign["status"] != "save" or not campaign.get("content"):
                return 400, _problem(400, "Bad Request", f"Cannot send a campaign in status {campaign['status']}.")
            campaign["status"] = "sending" if action == "/actions/send" else "schedule"
            return 204, None
        return 405, _problem(405, "Method Not Allowed", "The requested method is not allowed.")


def _problem(status: int, title: str, detail: str) -> dict:
    """Mailchimp's Problem Detail Document."""
    return {"type": "https://mailchimp.com/developer/marketing/docs/errors/", "title": title, "status": status,
            "detail": detail, "instance": ""}


def _invalid(body, lists) -> str | None:
    if not isinstance(body, dict) or body.get("type") not in ("regular", "variate"):
        return "type: regular or variate"
    if (body.get("recipients") or {}).get("list_id") not in lists:
        return "recipients.list_id: no such audience"
    if not (body.get("settings") or {}).get("title"):
        return "settings.title is missing"
    if body["type"] == "variate":
        variate = body.get("variate_settings") or {}
        if not variate.get("winner_criteria") or not 2 <= len(variate.get("subject_lines") or []) <= 3:
            return "variate_settings: winner_criteria and 2–3 subject_lines are required"
    return None
