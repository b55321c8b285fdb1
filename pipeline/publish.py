"""What `build` wrote in out/<slug>/ → one campaign at the target's provider, effectively once.

`send()` reads top to bottom (EMAIL-QUALITY R1–R3, R6):

1. Load the settings, the target and the build (manifest + files, every hash re-checked).
2. Pre-flight (`preflight.py`), all problems at once, nothing sent: stale build, draft report,
   imprint or unsubscribe link missing, HTML over the size budget, a bad `--at`.
3. `--dry-run`: print every request a send would make and stop; no network, no ledger writes.
4. List health (not for tests): the last campaign to the same target and list, as its provider reports it,
   had hard bounces over 2 % or complaints over 0.1 % → refuse, nothing written (`--force-list-health`
   sends anyway; a provider that cannot tell is said, never refused on; preflight.list_health).
   Ledger: already sent → say so and stop. A send left SENDING/UNKNOWN by a crash or timeout is
   settled first by asking the provider (`settle.settle`), never by sending again; "still a draft" counts
   as "never started" only for a dead process's SENDING, or after SETTLE_GRACE for UNKNOWN.
   Otherwise write PLANNED (write-ahead of the draft).
5. Provider: the list must exist (`check`), then `find(ref)` or `create_draft` → DRAFTED.
6. Print provider, list, subject, reference and campaign link; send the test, or ask to confirm.
7. Write-ahead SENDING (committed), one `send` call, then SENT/SCHEDULED. An unclear failure
   becomes UNKNOWN and one status read; `newsroom reconcile` settles the rest.

The reference `newsroom-<slug>-<12 hex of revision>[-press]-to-<list>` is stored at the provider (tag,
title or name), so a fresh CI runner with an empty ledger still finds an earlier campaign.

The crash tests (tests/fault/test_crash_matrix.py) SIGKILL this process from outside at each
step boundary: while a request is held by the test server, or while the ledger shows a given state.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.config import Settings, Target, load_settings
from pipeline.delivery import last_sent
from pipeline.errors import (ConfigError, ProviderRejectedError, PublishError, SecretNotSetError,
                             SendOutcomeUnknownError)
from pipeline.headers import recipients_problem
from pipeline.ledger import LEDGER_FILE, Ledger, SendRecord, SendState
from pipeline.preflight import CHANNELS, Build, list_health, load_build, parse_at, preflight
from pipeline.providers import ApiClient, armed, open_provider, provider_class
from pipeline.providers.base import DELIVERED_STATES, OutgoingCampaign, Provider, RemoteCampaign, RemoteState
from pipeline.render import UNSUBSCRIBE_TOKEN
from pipeline.secrets import Secret, redact
from pipeline.settle import STATE_DIR, remote_of, send_lock, settle, slug_of, target_named

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendRequest:
    """What the user asked for on the command line."""

    report: str
    channel: str = "newsletter"
    target: str = "test"
    test_to: tuple[str, ...] = ()
    at: str | None = None
    dry_run: bool = False
    force_list_health: bool = False

    def __post_init__(self):
        """Refuse --test-to values that are not plain addresses, or too many, before anything happens."""
        problem = recipients_problem(self.test_to)
        if problem:
            raise ConfigError(f"--test-to: {problem}")


@dataclass(frozen=True)
class Plan:
    """What is about to happen; shown before acting and handed to `confirm`."""

    lines: tuple[str, ...]
    action: str


@dataclass(frozen=True)
class Outcome:
    """What `send` did."""

    ref: str
    state: SendState | None
    remote_id: str | None = None
    web_url: str | None = None


def ref_for(slug: str, revision: str, channel: str, list_id: str) -> str:
    """The deterministic reference stored at the provider (R2).

    It names the list as well: a test list and the real list usually live in the same provider
    account, and a search by reference must never adopt the test list's campaign for the real send.
    """
    safe_list = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(list_id))
    return f"newsroom-{slug}-{revision[:12]}{CHANNELS[channel].suffix}-to-{safe_list}"


# -- 3.–7. send ------------------------------------------------------------------------------


def send(project, request: SendRequest, *, secret_for: Callable[[str], Secret | None], echo: Callable[[str], None],
         confirm: Callable[[Plan], bool], now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
         client: Callable[..., ApiClient] = ApiClient) -> Outcome:
    """Send (or test, or schedule) one report's channel to one target; see the module docstring."""
    settings = load_settings(project.content_dir)
    target = target_named(settings, request.target)
    if request.channel not in CHANNELS:
        raise ConfigError(f"unknown channel '{request.channel}' — use one of: {', '.join(CHANNELS)}")
    secret = _optional(secret_for, target)  # a malformed credential is refused before anything else happens
    slug = slug_of(request.report)
    build = load_build(project, slug, request.channel)
    at = parse_at(request.at, settings.timezone)
    problems = preflight(project, settings, build, channel=request.channel, target_name=request.target,
                         target=target, test_send=bool(request.test_to), at=at, now=now(),
                         granularity=provider_class(target.provider).schedule_granularity,
                         horizon=provider_class(target.provider).schedule_horizon,
                         greeting_fallback=provider_class(target.provider).greeting_fallback)
    if problems:
        raise PublishError("refusing to send, nothing was sent:\n" + "\n".join(f"  - {p}" for p in problems))
    list_id = getattr(target, CHANNELS[request.channel].list_attr)
    ref = ref_for(slug, build.revision, request.channel, list_id)
    state_dir = project.root / STATE_DIR
    if request.dry_run:
        return _dry_run(state_dir, settings, target, request, build, ref, list_id, secret, at, echo)
    secret = secret or secret_for(target.provider)  # a missing one only now: pre-flight problems come first
    masks = [armed(target.provider, secret)]
    with send_lock(state_dir, ref, request.target), \
            Ledger.open(state_dir / LEDGER_FILE, now=now, mask=lambda text: redact(text, masks)) as ledger, \
            open_provider(target, secret, state_dir=state_dir, unsubscribe_url=settings.unsubscribe_url,
                          client=client) as provider:
        if not request.test_to:
            _check_list_health(ledger, provider, request, list_id, ref, echo)
        record = ledger.plan(ref=ref, slug=slug, revision=build.revision, channel=request.channel,
                             target=request.target, provider=target.provider, list_id=list_id)
        if record.provider != target.provider:
            raise ConfigError(f"target '{request.target}' now uses {target.provider}, but this send went to "
                              f"{record.provider} — use a new target name instead of switching providers")
        campaign = _campaign(settings, build, provider, ref, list_id)
        if campaign.ab_test is not None:  # write-ahead, like PLANNED: what the provider's A/B test gets
            ab = campaign.ab_test
            ledger.record_subject_test(record, campaign.subject_variants, test_share=ab.test_share,
                                       winner_criterion=ab.winner, wait_hours=ab.wait_hours)
        try:
            return _run(ledger, record, provider, campaign, request, at, echo, confirm)
        except PublishError as err:
            latest = ledger.get(ref, request.target)
            if latest is not None:
                ledger.note(latest, f"error: {err}")
            raise


def _run(ledger: Ledger, record: SendRecord, provider: Provider, campaign: OutgoingCampaign, request: SendRequest,
         at, echo, confirm) -> Outcome:
    if record.state in (SendState.SENDING, SendState.UNKNOWN):
        echo(f"an earlier send of {record.ref} ended without a clear answer; asking {record.provider} first")
        record = settle(ledger, record, provider, echo)
    if record.state in (SendState.SENT, SendState.SCHEDULED):
        return _already(record, echo, request)
    if record.state in (SendState.SENDING, SendState.UNKNOWN):
        raise SendOutcomeUnknownError(f"{record.provider} does not say whether campaign {record.remote_id} went out "
                                      "— check it in the provider's web interface, then run `newsroom reconcile`")
    if record.state is SendState.FAILED:
        record = ledger.transition(record, SendState.PLANNED, "sending again")
    info = _check_list(provider, campaign.list_id)
    record, remote = _draft(ledger, record, provider, campaign, echo)
    if record.state in (SendState.SENT, SendState.SCHEDULED):
        return _already(record, echo, request)
    action = (f"test to {', '.join(request.test_to)}" if request.test_to else
              f"schedule for {at.isoformat()}" if at else "send now to the whole list")
    plan = _plan(provider, info, campaign, remote, action)
    for line in plan.lines:
        echo(line)
    if request.test_to:
        ledger.note(record, f"test send to {', '.join(request.test_to)} requested")
        provider.send_test(remote, campaign, request.test_to)
        record = ledger.transition(record, SendState.TEST_SENT, f"test sent to {', '.join(request.test_to)}")
        echo(f"test sent to {', '.join(request.test_to)}; the campaign stays a draft")
        return Outcome(record.ref, record.state, record.remote_id, record.web_url)
    if not confirm(plan):
        echo(f"not sent; the draft waits at {provider.name}" + (f": {remote.web_url}" if remote.web_url else ""))
        return Outcome(record.ref, record.state, record.remote_id, record.web_url)
    problems = provider.checklist(remote)
    if problems:
        raise PublishError(f"{provider.name} says campaign {remote.remote_id} is not ready, nothing was sent:\n"
                           + "\n".join(f"  - {p}" for p in problems))
    return _deliver(ledger, record, provider, remote, campaign, at, echo)


def _deliver(ledger, record, provider, remote, campaign, at, echo) -> Outcome:
    record = ledger.transition(record, SendState.SENDING, "schedule" if at else "send now")  # write-ahead
    try:
        result = provider.send(remote, campaign, at)
    except SendOutcomeUnknownError as err:
        record = ledger.transition(record, SendState.UNKNOWN, error=str(err))
        echo(f"{provider.name} gave no clear answer; reading the campaign's status instead of resending")
        try:
            record = settle(ledger, record, provider, echo)
        except PublishError as status_error:
            echo(f"the status read failed too: {status_error}")
            raise err from status_error
        if record.state not in (SendState.SENT, SendState.SCHEDULED):
            raise
        return Outcome(record.ref, record.state, record.remote_id, record.web_url)
    except PublishError as err:  # refused or never reached: nothing went out, unless it already had
        settled = _settle_after_refusal(ledger, record, provider, err, echo)
        if settled is None:
            raise
        return settled
    new = SendState.SCHEDULED if at else SendState.SENT
    record = ledger.transition(record, new, f"{provider.name} status {result.provider_status}",
                               scheduled_at=at.isoformat() if at else None)
    echo(f"{'scheduled for ' + at.isoformat() if at else 'sent'}: campaign {record.remote_id} at {provider.name}"
         + (f" — {record.web_url}" if record.web_url else ""))
    return Outcome(record.ref, record.state, record.remote_id, record.web_url)


def _settle_after_refusal(ledger, record, provider, err, echo) -> Outcome | None:
    """A refused send may mean 'already running' (e.g. listmonk's 400 on a started campaign): look first."""
    try:
        remote = provider.status(remote_of(record))
    except PublishError:
        remote = None
    if remote is not None and remote.state in DELIVERED_STATES:
        record = ledger.transition(record, _ledger_state(remote), f"{provider.name} status {remote.provider_status}")
        echo(f"{provider.name} already shows campaign {record.remote_id} as {remote.provider_status}; nothing resent")
        return Outcome(record.ref, record.state, record.remote_id, record.web_url)
    ledger.transition(record, SendState.FAILED, error=str(err))
    return None


def _draft(ledger, record, provider, campaign, echo) -> tuple[SendRecord, RemoteCampaign]:
    """Find or create the draft carrying our ref; adopt whatever an earlier run left at the provider."""
    if record.remote_id:
        remote = provider.status(remote_of(record))
    else:
        remote = provider.find(campaign.ref)
        if remote is None:
            remote = provider.create_draft(campaign)
        elif remote.state is RemoteState.DRAFT:
            echo(f"found the draft {remote.remote_id} an earlier run created at {provider.name}; updating it")
            remote = provider.update_draft(remote, campaign)
    if remote.state in DELIVERED_STATES:
        record = ledger.transition(record, _ledger_state(remote), f"found at {provider.name} as "
                                   f"{remote.provider_status}", remote_id=remote.remote_id, web_url=remote.web_url)
        return record, remote
    if remote.state is not RemoteState.DRAFT:
        raise PublishError(f"campaign {remote.remote_id} at {provider.name} is {remote.provider_status}, not a "
                           "draft — resolve it in the provider's web interface; nothing was sent")
    if record.state is SendState.PLANNED:
        record = ledger.transition(record, SendState.DRAFTED, f"draft {remote.remote_id} at {provider.name}",
                                   remote_id=remote.remote_id, web_url=remote.web_url)
    return record, remote


def _already(record: SendRecord, echo, request: SendRequest) -> Outcome:
    when = f"for {record.scheduled_at}" if record.state is SendState.SCHEDULED else f"at {record.updated_at}"
    verb = "already scheduled" if record.state is SendState.SCHEDULED else "already sent"
    echo(f"{verb} {when} as campaign {record.remote_id} ({record.provider}, list {record.list_id}); "
         f"nothing sent{' — test sends are for unsent campaigns' if request.test_to else ''}"
         + (f" — {record.web_url}" if record.web_url else ""))
    return Outcome(record.ref, record.state, record.remote_id, record.web_url)


# -- helpers ---------------------------------------------------------------------------------


def _campaign(settings: Settings, build: Build, provider: Provider, ref: str, list_id: str) -> OutgoingCampaign:
    tag = provider.unsubscribe_tag
    return OutgoingCampaign(ref=ref, subject=build.subject, preheader=build.preheader,
                            from_name=settings.sender.name, from_email=settings.sender.email,
                            reply_to=settings.reply_to,
                            html=provider.personalized(build.html.replace(UNSUBSCRIBE_TOKEN, tag)),
                            text=provider.personalized(build.text.replace(UNSUBSCRIBE_TOKEN, tag)), list_id=list_id,
                            language=build.manifest.get("language", settings.language), pictures=build.pictures,
                            subject_variants=build.subject_variants,
                            ab_test=settings.ab_test if build.subject_variants else None)


def _subject_lines(campaign: OutgoingCampaign, campaign_provider: str) -> list[str]:
    """The subject, or each variant of an A/B test and how the provider runs it."""
    if campaign.ab_test is None:
        return [f"subject    {campaign.subject}"]
    ab = campaign.ab_test
    rest = ("the whole list is split evenly, no winner" if ab.test_share == 100 else
            f"the winner you pick at {campaign_provider} goes to the other {100 - ab.test_share} %"
            if ab.winner == "manual" else
            f"the winner by {ab.winner} after {ab.wait_hours} h goes to the other {100 - ab.test_share} %")
    return [f"subject {chr(65 + i)}  {subject}" for i, subject in enumerate(campaign.subject_variants)] + [
        f"a/b test   {ab.test_share} % of the list get a variant; {rest}"]


def _check_list_health(ledger: Ledger, provider: Provider, request: SendRequest, list_id: str, ref: str,
                       echo) -> None:
    """Pre-flight's list-health rule on the last campaign to this list; skipped for a send already made."""
    current = ledger.get(ref, request.target)
    if current is not None and current.state in (SendState.SENT, SendState.SCHEDULED):
        return
    problems, notes = list_health(ledger.records(), target_name=request.target, list_id=list_id, ref=ref,
                                  read=provider.delivery, force=request.force_list_health)
    for note in notes:
        echo(note)
    if problems:
        raise PublishError("refusing to send, nothing was sent:\n" + "\n".join(f"  - {p}" for p in problems))


def _check_list(provider: Provider, list_id: str):
    try:
        return provider.check(list_id)
    except ProviderRejectedError as err:
        raise PublishError(f"refusing to send, nothing was sent: list '{list_id}' is unknown at {provider.name} "
                           f"({err}) — check the list id under targets in content/newsroom.yaml") from err


def _plan(provider: Provider, info, campaign: OutgoingCampaign, remote: RemoteCampaign, action: str) -> Plan:
    size = f", {info.subscribers:,} subscribers" if info.subscribers is not None else ""
    lines = [f"provider   {provider.name}",
             f"list       {campaign.list_id} — {info.list_name}{size}",
             *_subject_lines(campaign, provider.name),
             f"reference  {campaign.ref}",
             f"campaign   {remote.remote_id}" + (f" — {remote.web_url}" if remote.web_url else ""),
             f"action     {action}"]
    if not provider.takes_plain_text:
        lines.append(f"note       {provider.name} writes its own plain-text part; ours is not sent")
    return Plan(tuple(lines), action)


def _dry_run(state_dir, settings, target, request, build, ref, list_id, secret, at, echo) -> Outcome:
    cls = provider_class(target.provider)
    if cls.needs_http:
        provider, base = cls(target, secret, None), _display_base(cls, target, secret)
    else:
        provider, base = open_provider(target, None, state_dir=state_dir, unsubscribe_url=settings.unsubscribe_url), ""
    campaign = _campaign(settings, build, provider, ref, list_id)
    echo("dry run: no network call, nothing is written or sent")
    subject = f"subject {build.subject!r}, " if campaign.ab_test is None else ""
    echo(f"provider {target.provider}, list {list_id}, {subject}reference {ref}")
    if campaign.ab_test is not None:
        for line in _subject_lines(campaign, provider.name):
            echo(line)
    if (state_dir / LEDGER_FILE).is_file():
        with Ledger.open(state_dir / LEDGER_FILE, read_only=True) as ledger:
            record = ledger.get(ref, request.target)
            last = last_sent(ledger.records(), request.target, list_id, exclude_ref=ref)
        if record is not None:
            echo(f"ledger: this send is {record.state.name} since {record.updated_at}"
                 + (f" as campaign {record.remote_id}" if record.remote_id else ""))
        if last is not None and not request.test_to:
            echo(f"list health: first reads campaign {last.remote_id}'s figures (the last to list {list_id}; "
                 "`newsroom report` shows them)")
    echo("requests a fresh send would make, in order ({id} = the campaign id the provider assigns):")
    for call in provider.planned_calls(campaign, test_to=request.test_to, at=at):
        echo(f"  {call.describe(base)}")
    return Outcome(ref, None)


def _optional(secret_for, target: Target) -> Secret | None:
    """The credential if it is set; a dry run works without one (but not with a malformed one)."""
    try:
        return secret_for(target.provider)
    except SecretNotSetError:
        return None


def _display_base(cls, target, secret) -> str:
    try:
        return cls.base_url_for(target, secret)
    except ConfigError:
        return f"<{cls.name} API address>"


def _ledger_state(remote: RemoteCampaign) -> SendState:
    return SendState.SCHEDULED if remote.state is RemoteState.SCHEDULED else SendState.SENT
