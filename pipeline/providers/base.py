"""The one interface every mailing-list provider implements, and the value types it speaks (STYLE §2.5).

An adapter translates these domain values to its provider's wire format and back; it never reads
the environment or config files, and every HTTP call goes through `providers.http.ApiClient`.

Which calls may be repeated:

========================  =====================================================  ===============
method                    purpose                                                retried?
========================  =====================================================  ===============
check(list_id)            credentials valid, the list exists                     yes (GET)
find(ref)                 a campaign created earlier, found by our reference      yes (GET)
create_draft(campaign)    an unsent campaign carrying `ref`                      no: find() first
update_draft(remote, c)   make a found draft match the current build             yes (PUT)
send_test(remote, c, to)  test mail to named addresses                           no
send(remote, c, at)       start now, or schedule for `at`                        **never**
status(remote)            the provider's current state                           yes (GET)
checklist(remote)         the provider's own readiness check (Mailchimp)         yes (GET)
delivery(remote_id)       recipients, bounces, complaints… (`newsroom report`)   yes (GETs only)
planned_calls(c, ...)     the requests a send would make (for --dry-run)         no network
========================  =====================================================  ===============
"""

from __future__ import annotations

import abc
import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any, ClassVar

from pipeline.config import AbTest, Target
from pipeline.delivery import DeliveryStats
from pipeline.errors import ConfigError, ProviderUnavailableError
from pipeline.headers import parse_recipient
from pipeline.render import personalize


class RemoteState(enum.Enum):
    """A provider's campaign state, mapped from its own vocabulary."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    FAILED = "failed"
    UNKNOWN = "unknown"


#: States in which the campaign has gone out or will go out without further action from us.
DELIVERED_STATES = frozenset({RemoteState.SCHEDULED, RemoteState.SENDING, RemoteState.SENT})


@dataclass(frozen=True)
class OutgoingCampaign:
    """What we want at the provider: built content plus the sender and the list."""

    ref: str
    subject: str
    preheader: str
    from_name: str
    from_email: str
    reply_to: str
    html: str
    text: str
    list_id: str
    language: str = "de"
    pictures: tuple[tuple[str, bytes], ...] = ()  # (address in html, bytes) to embed; only outbox carries them
    #: A subject A/B test: the subjects (then `subject` is only the fallback) and how the provider runs it.
    subject_variants: tuple[str, ...] = ()
    ab_test: AbTest | None = None


@dataclass(frozen=True)
class RemoteCampaign:
    """A campaign as the provider reports it."""

    provider: str
    remote_id: str
    state: RemoteState
    provider_status: str
    web_url: str | None = None
    ref: str | None = None


@dataclass(frozen=True)
class ProviderInfo:
    """What `check()` learned: the list's display name and size."""

    provider: str
    list_id: str
    list_name: str
    subscribers: int | None = None


@dataclass(frozen=True)
class Call:
    """One HTTP request an adapter makes; `idempotent` decides whether the client may retry it."""

    method: str
    path: str
    json: Any = None
    params: dict | None = None
    idempotent: bool = True
    #: True only for the call that starts or schedules delivery: an unclear failure then means
    #: "may have been sent" (SendOutcomeUnknownError), never "try again".
    delivers: bool = False

    def describe(self, base_url: str = "") -> str:
        """One line for --dry-run: method, URL, query and a summary of the body (long strings shortened)."""
        query = "&".join(f"{k}={v}" for k, v in (self.params or {}).items())
        line = f"{self.method} {base_url}{self.path}" + (f"?{query}" if query else "")
        return line + (f"  {_summarise(self.json)}" if self.json is not None else "")


def _summarise(value: Any, limit: int = 100) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_summarise(v, limit)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_summarise(v, limit) for v in value) + "]"
    if isinstance(value, str) and len(value) > limit:
        return f"<{len(value.encode())} bytes>"
    return repr(value)


class Provider(abc.ABC):
    """A mailing-list provider. Subclasses set the class attributes and implement the methods."""

    name: ClassVar[str]
    #: The provider's merge tag for the per-recipient unsubscribe link; replaces UNSUBSCRIBE_TOKEN.
    unsubscribe_tag: ClassVar[str]
    #: False where the API has no field for our own plain-text part (Brevo makes its own).
    takes_plain_text: ClassVar[bool] = True
    #: Minutes a scheduled time must be a multiple of (Mailchimp: quarter hours); 1 = any minute.
    schedule_granularity: ClassVar[int] = 1
    #: How far ahead `send --at` may schedule. listmonk's, Mailchimp's and Brevo's specs name no limit,
    #: so every adapter keeps this conservative year (a later date is almost always a typo in the year).
    schedule_horizon: ClassVar[dt.timedelta] = dt.timedelta(days=365)
    #: False for providers that make no HTTP calls (the outbox writes files).
    needs_http: ClassVar[bool] = True
    #: The production API address when the target names none (None: the target must give base_url).
    default_base_url: ClassVar[str | None] = None
    #: How many subject variants the provider's own A/B test takes (0: it has none; `subject_variants` refused).
    max_subject_variants: ClassVar[int] = 0

    #: True where the provider's merge syntax can say "the greeting with the first name, else the fallback text"
    #: (`greeting_tag`); a build with a personal greeting is refused for a provider that cannot (pre-flight).
    greeting_fallback: ClassVar[bool] = False

    @classmethod
    def greeting_tag(cls, slot: personalize.Slot) -> str:
        """The provider's merge syntax for one greeting (render/personalize.py): `slot.before` + first name +
        `slot.after` for a subscriber with a first name, else `slot.fallback`. The texts are as the part writes
        them (HTML-escaped in the HTML part); the provider fills and escapes the name."""
        raise NotImplementedError(f"{cls.name} cannot write a greeting with a fallback")

    def personalized(self, body: str) -> str:
        """A built part with each greeting placeholder in the provider's merge syntax."""
        return personalize.replace(body, self.greeting_tag)

    def __init__(self, target: Target, secret, http):
        self.target = target
        self.secret = secret
        self.http = http

    @classmethod
    def base_url_for(cls, target: Target, secret) -> str:
        """The API address: the target's base_url, else the provider's default."""
        if target.base_url:
            return target.base_url.rstrip("/")
        if cls.default_base_url:
            return cls.default_base_url
        raise ConfigError(f"content/newsroom.yaml: targets: the {cls.name} target needs base_url "
                          "(your instance's API address, e.g. https://listmonk.example.org/api)")

    @staticmethod
    def auth_headers(secret) -> dict[str, str]:
        """Headers that carry the credential; only ApiClient calls this, at send time."""
        return {}

    @classmethod
    def ab_test_problems(cls, variants: tuple[str, ...], ab_test: AbTest) -> list[str]:
        """Why this provider cannot run the subject test (pre-flight words, each with its fix); [] = it can."""
        if not variants:
            return []
        if cls.max_subject_variants == 0:
            return [f"the report has subject_variants, but {cls.name} has no A/B test of its own — send it through "
                    "a target with provider mailchimp or brevo, or remove subject_variants from the report (the "
                    "title is then the subject), build again and send"]
        if len(variants) > cls.max_subject_variants:
            return [f"the report has {len(variants)} subject_variants, but {cls.name}'s A/B test takes at most "
                    f"{cls.max_subject_variants} — remove one, build again and send (or send through a target "
                    "with provider mailchimp, which tests up to 3)"]
        return []

    @staticmethod
    def addresses(recipients: tuple[str, ...]) -> list[str]:
        """The addresses of `--test-to` values (a name is the outbox's sample subscriber; a provider uses its own
        subscriber data for the test mail)."""
        return [parse_recipient(recipient).address for recipient in recipients]

    def _call(self, call: Call):
        return self.http.request(call)

    def _new_id(self, data: dict, call: Call) -> str:
        """The id of a campaign just created; an answer without one cannot be followed up."""
        if not isinstance(data, dict) or data.get("id") in (None, ""):
            raise ProviderUnavailableError(f"{self.name} {call.method} {call.path}: answered without a campaign id "
                                           "— is base_url the API address? Nothing was sent; look for a new draft "
                                           "in the provider's web interface")
        return str(data["id"])

    @abc.abstractmethod
    def check(self, list_id: str) -> ProviderInfo:
        """Verify the credentials and that `list_id` exists; ProviderRejectedError if it does not."""

    @abc.abstractmethod
    def find(self, ref: str) -> RemoteCampaign | None:
        """The campaign carrying `ref`, or None; bounded paging, newest first."""

    @abc.abstractmethod
    def create_draft(self, campaign: OutgoingCampaign) -> RemoteCampaign:
        """Create an unsent campaign carrying `campaign.ref`; callers must call find() first."""

    @abc.abstractmethod
    def update_draft(self, remote: RemoteCampaign, campaign: OutgoingCampaign) -> RemoteCampaign:
        """Overwrite a draft found by ref with the current content (idempotent)."""

    @abc.abstractmethod
    def send_test(self, remote: RemoteCampaign, campaign: OutgoingCampaign, recipients: tuple[str, ...]) -> None:
        """Send the draft to the named test addresses."""

    @abc.abstractmethod
    def send(self, remote: RemoteCampaign, campaign: OutgoingCampaign,
             at: dt.datetime | None = None) -> RemoteCampaign:
        """Start sending now, or schedule for `at`; the delivering call gets one attempt, never a retry."""

    @abc.abstractmethod
    def status(self, remote: RemoteCampaign) -> RemoteCampaign:
        """The campaign's current state at the provider."""

    @abc.abstractmethod
    def planned_calls(self, campaign: OutgoingCampaign, *, test_to: tuple[str, ...] = (),
                      at: dt.datetime | None = None) -> list[Call]:
        """Every request a fresh send would make, in order, with `{id}` for ids not known yet."""

    @abc.abstractmethod
    def delivery(self, remote_id: str) -> DeliveryStats:
        """What the provider reports about a campaign's delivery (read-only; pipeline/delivery.py maps the fields)."""

    def checklist(self, remote: RemoteCampaign) -> list[str]:
        """Problems the provider itself sees before a send (Mailchimp's send-checklist); [] = ready."""
        return []

    def close(self) -> None:
        """Release the HTTP session."""
        if self.http is not None:
            self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
