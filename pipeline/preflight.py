"""Built outputs in out/<slug>/ → a verified `Build`, and every reason not to send it (EMAIL-QUALITY D8).

Nothing here writes or talks to a provider. `load_build` re-checks each file against the hashes in
manifest.json ("send what was previewed"); `preflight` collects all problems at once, each with its
fix: stale build, draft report, missing unsubscribe link (D3) or imprint (D5), HTML over the size
budget (E1), a missing list, a bad schedule time. D3, D5 and E1 are the lint rules themselves
(`pipeline/lint/rules/footer.py`, `size.py`), run on the channel's files: what `newsroom lint`
refuses, `send` refuses, by the same limits. The list's existence at the provider is checked by
`publish` through `Provider.check`. `list_health` judges the last campaign to the same list by the
figures its provider reports (`delivery.health_problems`), read through the function `publish` passes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Settings, Target
from pipeline.errors import ConfigError, OutputError, PublishError


@dataclass(frozen=True)
class Channel:
    """Which built files a channel sends, to which list of the target."""

    html: str
    text: str
    subject_key: str
    preheader_key: str | None
    list_attr: str
    suffix: str


CHANNELS = {
    "newsletter": Channel("email.html", "email.txt", "subject", "preheader", "list", ""),
    # press-email.* is the release plus the press footer (leave the press list, imprint; D3, D5, D10).
    "press": Channel("press-email.html", "press-email.txt", "press_subject", None, "press_list", "-press"),
}


@dataclass(frozen=True)
class Build:
    """One report's built files for one channel, hashes verified against its manifest."""

    slug: str
    manifest: dict
    html: str
    text: str
    subject: str
    preheader: str
    # Under embargo, the press mailing's own pictures by their address on the site: a provider that sends
    # the whole message embeds them (render/message.py), as out/<slug>/press.eml does.
    pictures: tuple[tuple[str, bytes], ...] = ()
    subject_variants: tuple[str, ...] = ()

    @property
    def revision(self) -> str:
        return self.manifest["revision"]


def load_build(project, slug: str, channel: str) -> Build:
    """Read out/<slug>/ for `channel`; OutputError if files are missing or differ from the manifest."""
    from pipeline.manifest import read_manifest, sha256_bytes

    manifest = read_manifest(project.out_dir, slug)
    spec = CHANNELS[channel]
    folder = project.out_dir / slug
    contents = {}
    for name in (spec.html, spec.text):
        path, entry = folder / name, manifest.get("files", {}).get(name)
        if entry is None or not path.is_file():
            raise OutputError(f"{path}: missing from the build — run `newsroom build` again")
        data = path.read_bytes()
        if sha256_bytes(data) != entry["sha256"]:
            raise OutputError(f"{path}: changed since `newsroom build` wrote it — build again and review the preview")
        contents[name] = data.decode("utf-8")
    preheader = manifest.get(spec.preheader_key, "") if spec.preheader_key else ""
    pictures = []
    if channel == "press" and manifest.get("embargo"):
        for name in _site_pictures(manifest, contents[spec.html]):
            path, entry = folder / name, manifest.get("files", {}).get(name)
            data = path.read_bytes() if entry is not None and path.is_file() else None
            if data is None or sha256_bytes(data) != entry["sha256"]:
                raise OutputError(f"{path}: missing or changed since `newsroom build` wrote it — build again")
            pictures.append((manifest["web_url"] + name, data))
    variants = tuple(manifest.get("subject_variants") or ()) if channel == "newsletter" else ()
    return Build(slug, manifest, contents[spec.html], contents[spec.text], manifest[spec.subject_key], preheader,
                 tuple(pictures), variants)


def _site_pictures(manifest: dict, html: str) -> list[str]:
    """The pictures (names in out/<slug>/) an HTML shows from the report's own place on the site."""
    from pipeline.lint.document import elements, parse

    site = manifest.get("web_url", "")
    return sorted({img.get("src", "").removeprefix(site) for img in elements(parse(html), "img")
                   if site and img.get("src", "").startswith(site)})


def preflight(project, settings: Settings, build: Build, *, channel: str, target_name: str, target: Target,
              test_send: bool, at: dt.datetime | None, now: dt.datetime, granularity: int = 1,
              horizon: dt.timedelta = dt.timedelta(days=365), greeting_fallback: bool = True) -> list[str]:
    """Every reason not to send, each with its fix; [] means go.

    `granularity` and `horizon`: the provider's schedule step and how far ahead it schedules;
    `greeting_fallback`: whether its merge syntax can write the personal greeting with its fallback.
    """
    problems = _stale(project, build)
    source = build.manifest.get("source", build.slug)
    if build.manifest.get("status") != "ready" and not test_send:
        problems.append(f"the report is a draft (status: {build.manifest.get('status')} in {source}) — set "
                        "status: ready once it is approved, build again, then send (test sends with --test-to "
                        "work for drafts)")
    spec = CHANNELS[channel]
    problems += _lint_problems(settings, build, spec)
    if getattr(target, spec.list_attr) is None:
        problems.append(f"target '{target_name}' has no {spec.list_attr} — add it under targets.{target_name} "
                        "in content/newsroom.yaml")
    if at is not None:
        wrong = _at_problems(at, now, granularity, horizon)
        problems += wrong
        if wrong and not dt.timedelta(minutes=5) < at - now <= horizon:
            return problems  # an instant out of range cannot be compared with the embargo
    problems += _embargo_problems(build.manifest, channel, test_send, at or now)
    problems += _picture_problems(build, channel, target.provider, at or now)
    problems += _variant_problems(build, settings, target.provider)
    problems += _greeting_problems(build, target.provider, greeting_fallback)
    return problems


def _variant_problems(build: Build, settings: Settings, provider: str) -> list[str]:
    """A report with subject_variants goes out only as the provider's own A/B test (listmonk and the outbox
    have none; Brevo tests two subjects and picks a winner only by opens or clicks)."""
    from pipeline.providers import provider_class

    problems = provider_class(provider).ab_test_problems(build.subject_variants, settings.ab_test)
    source = build.manifest.get("source", build.slug)
    return [f"{source}: {problem}" for problem in problems]


def _greeting_problems(build: Build, provider: str, greeting_fallback: bool) -> list[str]:
    """A personal greeting needs a provider that writes it with its fallback (render/personalize.py)."""
    from pipeline.render.personalize import has_greeting

    if greeting_fallback or not (has_greeting(build.html) or has_greeting(build.text)):
        return []
    return [f"out/{build.slug} greets each subscriber by name, but {provider} cannot write the greeting's fallback "
            "for subscribers without a name — send through a target whose provider can (outbox, listmonk, "
            "mailchimp, brevo), or turn the greeting off for this report (greeting: false) and build again"]


# Providers that send our whole message (render/message.py), pictures embedded: see docs/providers.md.
CARRIES_EMBEDDED_PICTURES = frozenset({"outbox"})


def _picture_problems(build: Build, channel: str, provider: str, when: dt.datetime) -> list[str]:
    """An embargoed press mailing shows its pictures embedded (CID): the site holds none of them before the
    lift (P4). A provider that takes only our HTML would send links to pictures that are not there yet."""
    from pipeline.embargo import embargo_of, is_public

    if channel != "press" or provider in CARRIES_EMBEDDED_PICTURES or is_public(build.manifest, when):
        return []
    shown = _site_pictures(build.manifest, build.html)
    if not shown:
        return []
    lift = embargo_of(build.manifest).isoformat()
    return [f"{provider} takes only the HTML of a campaign, whose pictures are links, and before the embargo lifts "
            f"({lift}) the site holds none of the press mailing's pictures ({', '.join(shown)}): journalists "
            "would see them broken — send "
            f"the press mailing through a target with provider outbox (it sends out/{build.slug}/press.eml with "
            f"the pictures embedded), or send it with {provider} at or after {lift} (--at {lift})"]


def _embargo_problems(manifest: dict, channel: str, test_send: bool, when: dt.datetime) -> list[str]:
    """Journalists may get an embargoed release early (that is what a Sperrfrist is for); subscribers may not.

    The newsletter is public the moment it lands, and its web-version link points at a page that
    does not exist before the embargo lifts (P4).
    """
    from pipeline.embargo import embargo_of, is_public

    if channel != "newsletter" or test_send or is_public(manifest, when):
        return []
    lift = embargo_of(manifest)
    return [f"the report is under embargo until {lift.isoformat()} — send the newsletter after that, or schedule "
            f"it with --at {lift.isoformat()} or later; the press channel may go out before"]


def _stale(project, build: Build) -> list[str]:
    from pipeline.manifest import current_fingerprint

    source = project.root / build.manifest["source"]
    if not source.is_file():
        return [f"{build.manifest['source']} no longer exists — the build in out/{build.slug} is orphaned"]
    now = current_fingerprint(project.content_dir, project.template_dir, source).as_dict()
    changed = [key.removesuffix("_sha256") for key, value in now.items() if build.manifest.get(key) != value]
    if changed:
        return [f"out/{build.slug} is stale: {', '.join(changed)} changed since it was built — run "
                "`newsroom build`, review the preview, then send"]
    return []


def _lint_problems(settings: Settings, build: Build, spec: Channel) -> list[str]:
    """The errors of lint rules D3, D5 (footer) and E1 (size) on the channel's HTML and text, as lint words them."""
    from pipeline.lint.document import Built, parse
    from pipeline.lint.findings import Severity
    from pipeline.lint.rules import footer, size

    folder = Path("out") / build.slug
    built = Built(build.slug, folder, manifest=build.manifest, email_html=build.html, email_tree=parse(build.html),
                  email_text=build.text, imprint=settings.imprint)
    names = {"email.html": spec.html, "email.txt": spec.text}  # the rules name the newsletter's files
    return [f"{folder / names.get(Path(finding.path).name, Path(finding.path).name)}: {finding.rule}: "
            f"{finding.message} — {finding.fix}"
            for finding in (*footer.check(built), *size.check(built)) if finding.severity is Severity.ERROR]


def _at_problems(at: dt.datetime, now: dt.datetime, granularity: int, horizon: dt.timedelta) -> list[str]:
    if at - now > horizon:
        return [f"--at {at.isoformat()} is more than {horizon.days} days ahead, further than this provider "
                "schedules (docs/providers.md) — check the year, or send later"]
    problems = []
    if at - now <= dt.timedelta(minutes=5):
        problems.append(f"--at {at.isoformat()} is not at least 5 minutes in the future — pick a later time")
    if granularity > 1 and (at.minute % granularity or at.second):
        problems.append(f"--at {at.isoformat()}: this provider schedules on the {granularity}-minute mark only "
                        f"— e.g. {at.replace(minute=at.minute - at.minute % granularity, second=0).isoformat()}")
    return problems


def parse_at(text: str | None, timezone: str) -> dt.datetime | None:
    """`2026-12-01T09:00+01:00` (or without offset: in the publication's time zone) → aware datetime.

    A local time without offset that the clocks skip or show twice is refused, by the embargo's rule.
    """
    from pipeline.embargo import EmbargoProblem, resolve

    if text is None:
        return None
    if not text.strip():
        raise ConfigError("--at is empty — give a date and time like 2026-12-01T09:00+01:00, or leave --at out "
                          "to send now")
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"--at '{text}' is not a date and time — write it like 2026-12-01T09:00+01:00") from None
    if value.tzinfo is not None:
        return value
    try:
        return resolve(value, timezone)
    except EmbargoProblem as problem:
        raise ConfigError(f"--at {text}: {problem.message} — {problem.hint}") from None


def list_health(records: list, *, target_name: str, list_id: str, ref: str, read: Callable[[str], object],
                force: bool) -> tuple[list[str], list[str]]:
    """(problems, notes) about the list from the last campaign sent to it (same target and list, ledger order).

    A problem refuses the send unless `force`; a note is said and the send goes on: the provider could not
    be asked, or does not tell the figures (pre-flight never refuses on a guess).
    """
    from pipeline.delivery import (COMPLAINT_LIMIT, HARD_BOUNCE_LIMIT, health_problems, health_unknown, last_sent,
                                   percent)

    last = last_sent(records, target_name, list_id, exclude_ref=ref)
    if last is None:
        return [], []
    label = f"the last campaign to list {list_id} (campaign {last.remote_id} at {last.provider}, report {last.slug})"
    try:
        stats = read(last.remote_id)
    except PublishError as err:
        return [], [f"list health not checked: {last.provider} could not tell the figures of {label} ({err}); "
                    "sending without this check — see `newsroom report`"]
    problems = health_problems(stats)
    if not problems:
        missing = health_unknown(stats)
        if missing:
            return [], [f"list health not checked: {last.provider} does not (yet) tell the {', '.join(missing)} of "
                        f"{label}; sending without this check"]
        return [], []
    figures = "; ".join(problems)
    if force:
        return [], [f"list health: {label} had {figures} — sending anyway (--force-list-health)"]
    return [f"list health: {label} had {figures} — limits: hard bounces {percent(HARD_BOUNCE_LIMIT)}, spam "
            f"complaints {percent(COMPLAINT_LIMIT)} of recipients (README, Delivery report). Remove the bounced and "
            "complaining addresses from the list at the provider, then send; or send anyway with "
            "--force-list-health"], []
