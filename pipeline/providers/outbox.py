"""The embedded default provider: campaigns become `.eml` files plus a JSON record under `.newsroom/outbox/`.

Like Django's file e-mail backend, it needs no account and sends nothing over the network, so
`make demo` and first tries work offline. Layout, one folder per campaign reference::

    .newsroom/outbox/<ref>/campaign.json    state, list, subject, times (written atomically)
    .newsroom/outbox/<ref>/test-<n>.eml     one message per test send
    .newsroom/outbox/<ref>/campaign.eml     the message "sent" to the list
    .newsroom/outbox/pictures/<sha256>      pictures an embargoed press mailing embeds (CID), by content

Messages are written by the same function as `build`'s out/<slug>/email.eml (`render.message`):
RFC 5322, multipart/alternative (text first), UTF-8; only To, Date, Message-ID and the one-click
unsubscribe headers `List-Unsubscribe` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
(RFC 8058, EMAIL-QUALITY D2) are the send's own. The personal greeting is filled here: in a test message for
the name of the first `--test-to` address ("Erika Mustermann <erika@example.org>" → "Guten Tag Erika,"), in
campaign.eml with the fallback. An embargoed press mailing carries its pictures
(multipart/related, `cid:` links) as out/<slug>/press.eml does: the site shows none before the lift.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.atomic import write_atomic
from pipeline.delivery import DeliveryStats
from pipeline.errors import ProviderRejectedError
from pipeline.providers.base import (Call, OutgoingCampaign, Provider, ProviderInfo, RemoteCampaign,
                                     RemoteState)
from pipeline.headers import parse_recipient
from pipeline.render.message import embedded, message_bytes
from pipeline.render.personalize import filled, first_name

OUTBOX_DIR = "outbox"
RECORD = "campaign.json"
PICTURES = "pictures"  # pictures of embargoed press mailings, by sha256, shared by the campaigns that show them


class OutboxProvider(Provider):
    """Writes campaigns to files; the per-recipient unsubscribe link is settings.unsubscribe_url."""

    name = "outbox"
    unsubscribe_tag = ""  # set per instance from settings.unsubscribe_url
    needs_http = False

    def __init__(self, target, secret=None, http=None, *, root: Path, unsubscribe_url: str,
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)):
        super().__init__(target, secret, http)
        self.root, self.unsubscribe_tag, self._now = root.resolve(), unsubscribe_url, now

    greeting_fallback = True

    def personalized(self, body: str) -> str:
        """The placeholder stays: each message the outbox writes fills it for its recipient (`_message`)."""
        return body

    def check(self, list_id: str) -> ProviderInfo:
        return ProviderInfo(self.name, list_id, f"{list_id} (local outbox {self.root})")

    def find(self, ref: str) -> RemoteCampaign | None:
        record = self._read(ref)
        return self._remote(ref, record) if record else None

    def create_draft(self, campaign: OutgoingCampaign) -> RemoteCampaign:
        self._keep_pictures(campaign)
        record = {"ref": campaign.ref, "status": "draft", "list": campaign.list_id, "subject": campaign.subject,
                  "created_at": self._stamp(), "tests": 0, "campaign": _fields(campaign)}
        self._write(campaign.ref, record)
        return self._remote(campaign.ref, record)

    def update_draft(self, remote: RemoteCampaign, campaign: OutgoingCampaign) -> RemoteCampaign:
        record = self._require(remote.remote_id)
        self._keep_pictures(campaign)
        record.update(subject=campaign.subject, campaign=_fields(campaign))
        self._write(remote.remote_id, record)
        return self._remote(remote.remote_id, record)

    def send_test(self, remote: RemoteCampaign, campaign: OutgoingCampaign, recipients: tuple[str, ...]) -> None:
        record = self._require(remote.remote_id)
        record["tests"] += 1
        people = [parse_recipient(recipient) for recipient in recipients]
        # One message to every test address, greeting the first as the sample subscriber (its name, or none).
        message = self._message(record, [(person.name, person.address) for person in people],
                                f"test-{record['tests']}", first_name(people[0].name) if people else None)
        self._write_bytes(self.root / remote.remote_id / f"test-{record['tests']}.eml", message)
        self._write(remote.remote_id, record)

    def send(self, remote: RemoteCampaign, campaign: OutgoingCampaign,
             at: dt.datetime | None = None) -> RemoteCampaign:
        record = self._require(remote.remote_id)
        if record["status"] != "draft":
            raise ProviderRejectedError(f"outbox: campaign {remote.remote_id} is {record['status']}, not a draft")
        to = f"{record['list']}@outbox.invalid"
        self._write_bytes(self.root / remote.remote_id / "campaign.eml", self._message(record, to, "campaign"))
        record.update(status="scheduled" if at else "sent", sent_at=self._stamp(),
                      send_at=at.isoformat() if at else None)
        self._write(remote.remote_id, record)
        return self._remote(remote.remote_id, record)

    def status(self, remote: RemoteCampaign) -> RemoteCampaign:
        record = self._require(remote.remote_id)
        if record["status"] != self._status_now(record):
            record["status"] = "sent"
            self._write(remote.remote_id, record)
        return self._remote(remote.remote_id, record)

    def _status_now(self, record: dict) -> str:
        """The record's status as of now: a scheduled campaign whose time has come counts as sent."""
        if record["status"] == "scheduled" and dt.datetime.fromisoformat(record["send_at"]) <= self._now():
            return "sent"
        return record["status"]

    def delivery(self, remote_id: str) -> DeliveryStats:
        """From the campaign's own record, read only: one message to the list's address once it is due; nothing
        can bounce, unsubscribe or complain in a folder, and nothing is tracked."""
        record = self._require(remote_id)
        status, send_at = self._status_now(record), record.get("send_at")  # as status() says, writing nothing
        remote = self._remote(remote_id, {**record, "status": status})
        out = status == "sent"
        count = 1 if out else None
        return DeliveryStats(self.name, remote_id, remote.state.value, status, list_id=record.get("list"),
                             scheduled_at=send_at, sent_at=(send_at or record.get("sent_at")) if out else None,
                             recipients=count, delivered=count, hard_bounces=0 if out else None,
                             soft_bounces=0 if out else None, unsubscribes=0 if out else None,
                             complaints=0 if out else None, opens_tracked=False, clicks_tracked=False)

    def planned_calls(self, campaign, *, test_to=(), at=None) -> list[Call]:
        folder = f"{self.root}/{campaign.ref}"
        calls = [Call("READ", f"{folder}/{RECORD}"), Call("WRITE", f"{folder}/{RECORD}")]
        if test_to:
            return calls + [Call("WRITE", f"{folder}/test-1.eml", {"to": list(test_to)})]
        return calls + [Call("WRITE", f"{folder}/campaign.eml", {"to": f"{campaign.list_id}@outbox.invalid",
                                                                  "send_at": at.isoformat() if at else "now"})]

    # -- files -------------------------------------------------------------------------------

    def _message(self, record: dict, to, kind: str, name: str | None = None) -> bytes:
        """The message as `build` writes it (render.message), with this send's To, Date, Message-ID and
        the one-click unsubscribe headers; the greeting filled for `name` (None: the fallback, as for the list:
        the outbox knows no subscribers)."""
        c = record["campaign"]
        unsubscribe = (("List-Unsubscribe", f"<{self.unsubscribe_tag}>, <mailto:{c['reply_to']}?subject=unsubscribe>"),
                       ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        html, related = c["html"], ()
        if c.get("pictures"):  # an embargoed press mailing: its pictures embedded, as in out/<slug>/press.eml
            pictures = {url: (self.root / PICTURES / digest).read_bytes() for url, digest in c["pictures"]}
            html, related = embedded(html, "", pictures, urlsplit(c["pictures"][0][0]).hostname or "")
        text, html = filled(c["text"], name, as_html=False), filled(html, name, as_html=True)
        return message_bytes(subject=c["subject"], text=text, html=html, from_name=c["from_name"],
                             from_email=c["from_email"], reply_to=c["reply_to"], language=c["language"],
                             to=to, date=self._now(), extra=unsubscribe, related=related,
                             message_id=f"<{record['ref']}.{kind}@{c['from_email'].rpartition('@')[2]}>")

    def _keep_pictures(self, campaign: OutgoingCampaign) -> None:
        """The campaign's pictures under .newsroom/outbox/pictures/<sha256>, for the messages its sends write."""
        for _, data in campaign.pictures:
            path = self.root / PICTURES / hashlib.sha256(data).hexdigest()
            if not path.is_file():
                self._write_bytes(path, data)

    def _remote(self, ref: str, record: dict) -> RemoteCampaign:
        state = {"draft": RemoteState.DRAFT, "scheduled": RemoteState.SCHEDULED, "sent": RemoteState.SENT}
        return RemoteCampaign(self.name, ref, state.get(record["status"], RemoteState.UNKNOWN), record["status"],
                              (self.root / ref).as_uri(), ref)

    def _read(self, ref: str) -> dict | None:
        path = self.root / ref / RECORD
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def _require(self, ref: str) -> dict:
        record = self._read(ref)
        if record is None:
            raise ProviderRejectedError(f"outbox: no campaign {ref} in {self.root}")
        return record

    def _write(self, ref: str, record: dict) -> None:
        data = json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True).encode()
        self._write_bytes(self.root / ref / RECORD, data)

    @staticmethod
    def _write_bytes(path: Path, data: bytes) -> None:
        """Temp file, fsync, rename: a reader sees the old file or the new one, never half of one."""
        write_atomic(path, data, fsync=True)

    def _stamp(self) -> str:
        return self._now().isoformat(timespec="seconds")


def _fields(campaign: OutgoingCampaign) -> dict:
    return {"subject": campaign.subject, "preheader": campaign.preheader, "from_name": campaign.from_name,
            "from_email": campaign.from_email, "reply_to": campaign.reply_to, "html": campaign.html,
            "text": campaign.text, "language": campaign.language,
            "pictures": [[url, hashlib.sha256(data).hexdigest()] for url, data in campaign.pictures]}
