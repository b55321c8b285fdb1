"""What happened to each campaign after the send: one set of fields for every provider, and the list-health rule.

`newsroom report` asks each campaign's provider (`Provider.delivery`, read-only, retried like every GET)
and shows these fields. A number the provider cannot tell is `None` ("unknown"), never a guess; opens
and clicks count only where the provider tracked them (EMAIL-QUALITY D7: tracking is off by default,
shown as "not tracked", never 0). Where each field comes from:

================  ========================  =============================  ==============================  =============
field             listmonk                  Mailchimp                      Brevo                           outbox
================  ========================  =============================  ==============================  =============
state             `status`                  `status`                       `status`                        record status
list_id, name     `lists[].id`, `.name`     report `list_id`, `list_name`  `recipients.lists`, –           record `list`
scheduled_at      `send_at`                 `send_time` (status schedule)  `scheduledAt`                   `send_at`
sent_at           `started_at`              `send_time` (sending, sent)    `sentDate`                      `sent_at`
recipients        `sent`                    report `emails_sent`           `globalStats.sent`              1 (one .eml)
delivered         – (unknown)               – (unknown)                    `globalStats.delivered`         1
hard_bounces      /bounces `type: hard`     `bounces.hard_bounces`         `globalStats.hardBounces`       0
soft_bounces      /bounces `type: soft`     `bounces.soft_bounces`         `globalStats.softBounces`       0
unsubscribes      – (unknown)               `unsubscribed`                 `globalStats.unsubscriptions`   0
complaints        /bounces `type: complaint` `abuse_reports`               `globalStats.complaints`        0
opens             analytics/views, summed   `opens.unique_opens`           `globalStats.uniqueViews`       not tracked
clicks            analytics/clicks, summed  `clicks.unique_subscriber_     `globalStats.uniqueClicks`      not tracked
                                            clicks`
opens tracked?    `{{ TrackView }}` in the  `tracking.opens`               always (no switch in the API)   never
                  body or its template
clicks tracked?   `TrackLink` in the body   `tracking.html_clicks` or      always                          never
                  or its template           `text_clicks`
variants          –                         `variate_settings.subject_     `subjectA`, `subjectB`          –
                                            lines`; numbers `ab_split.a/b`
winner            –                         `winning_combination_id` →     – (not in the API: unknown)     –
                                            its subject line
================  ========================  =============================  ==============================  =============

List health (`health_problems`): a list goes bad through hard bounces and spam complaints. The thresholds
(README, "Delivery report", with sources): hard bounces over 2 % of recipients, complaints over 0.1 %.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields

#: Hard bounces above this share of recipients mark a list as unhealthy (common ESP threshold, README).
HARD_BOUNCE_LIMIT = 0.02
#: Spam complaints above this share of recipients: Google's and Yahoo's bulk-sender guidance (README).
COMPLAINT_LIMIT = 0.001

UNKNOWN = "unknown"
NOT_TRACKED = "not tracked"


@dataclass(frozen=True)
class Variant:
    """One subject of an A/B test and, where the provider gives them, its own numbers."""

    subject: str
    recipients: int | None = None
    bounces: int | None = None
    unsubscribes: int | None = None
    complaints: int | None = None
    opens: int | None = None
    clicks: int | None = None


@dataclass(frozen=True)
class DeliveryStats:
    """What a provider reports about one campaign, in our words (table in the module docstring)."""

    provider: str
    campaign: str
    state: str  # RemoteState value: draft, scheduled, sending, sent, paused, cancelled, failed, unknown
    provider_status: str
    list_id: str | None = None
    list_name: str | None = None
    scheduled_at: str | None = None
    sent_at: str | None = None
    recipients: int | None = None
    delivered: int | None = None
    hard_bounces: int | None = None
    soft_bounces: int | None = None
    unsubscribes: int | None = None
    complaints: int | None = None
    opens_tracked: bool | None = None  # False: the provider did not track opens (shown "not tracked")
    opens: int | None = None
    clicks_tracked: bool | None = None
    clicks: int | None = None
    variants: tuple[Variant, ...] = ()
    winner: str | None = None  # the winning variant's subject, once the provider has chosen it

    def shown(self, name: str) -> str:
        """A field as people read it: the number, "not tracked" or "unknown"."""
        if name in ("opens", "clicks") and getattr(self, f"{name}_tracked") is False:
            return NOT_TRACKED
        return show(getattr(self, name))

    def variant_shown(self, variant: Variant, name: str) -> str:
        """A variant's figure as people read it; its opens and clicks are untracked when the campaign's are."""
        if name in ("opens", "clicks") and getattr(self, f"{name}_tracked") is False:
            return NOT_TRACKED
        return show(getattr(variant, name))


def show(value) -> str:
    """None → "unknown"; numbers with thousands separators; text as it is."""
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def number(value) -> int | None:
    """A count from a provider's JSON: an int (not a bool), else None (unknown)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def text(value) -> str | None:
    """A string from a provider's JSON; empty or missing → None."""
    if value is None or value == "":
        return None
    return str(value)


def tracked_count(tracked: bool | None, value) -> int | None:
    """A count that only means something where the provider tracked it."""
    return number(value) if tracked else None


# -- list health -----------------------------------------------------------------------------


def rate(part: int | None, whole: int | None) -> float | None:
    """part / whole, or None if either is unknown or nothing was sent."""
    if part is None or not whole:
        return None
    return part / whole


def health_problems(stats: DeliveryStats) -> list[str]:
    """The figures over the list-health thresholds, each naming the figure, its rate and the limit."""
    problems = []
    for label, count, limit in (("hard bounces", stats.hard_bounces, HARD_BOUNCE_LIMIT),
                                ("spam complaints", stats.complaints, COMPLAINT_LIMIT)):
        share = rate(count, stats.recipients)
        if share is not None and share > limit:
            problems.append(f"{label} {count:,} of {stats.recipients:,} recipients ({percent(share)}, over "
                            f"{percent(limit)})")
    return problems


def health_unknown(stats: DeliveryStats) -> list[str]:
    """The figures the rule needs but the provider did not give (no recipients yet counts as not given)."""
    return [name for name, value in (("recipients", stats.recipients or None), ("hard bounces", stats.hard_bounces),
                                     ("spam complaints", stats.complaints)) if value is None]


def last_sent(records, target: str, list_id: str, exclude_ref: str | None = None):
    """The ledger's last sent campaign to `list_id` of `target` (the one the list-health rule judges), or None."""
    from pipeline.ledger import SendState

    sent = [r for r in records if r.target == target and r.list_id == list_id and r.ref != exclude_ref
            and r.state is SendState.SENT and r.remote_id]
    return max(sent, key=lambda r: r.id, default=None)


def percent(share: float) -> str:
    """0.0234 → "2.34 %" (enough digits to see 0.1 %)."""
    return f"{share * 100:.2f} %".replace(".00 %", " %")


# -- machine output --------------------------------------------------------------------------

#: The stable field names of `--json` and `--csv`, in column order (README, "Delivery report").
FIELDS = ("report", "channel", "target", "provider", "campaign", "ref", "state", "provider_status", "list_id",
          "list_name", "scheduled_at", "sent_at", "recipients", "delivered", "hard_bounces", "soft_bounces",
          "unsubscribes", "complaints", "opens_tracked", "opens", "clicks_tracked", "clicks", "variants", "winner",
          "list_health", "error")


def as_record(row) -> dict:
    """One report row (delivery_report.Row) as a flat dict of FIELDS; unknown = None."""
    stats = row.stats
    values = {name.name: getattr(stats, name.name) for name in fields(DeliveryStats)} if stats else {}
    values["variants"] = [asdict(v) for v in stats.variants] if stats else []
    values.update(report=row.slug, channel=row.channel, target=row.target, provider=row.provider,
                  campaign=row.campaign, ref=row.ref, list_health=list(row.health), error=row.error)
    if not stats:
        values.update(list_id=row.list_id, state=None)
    return {name: values.get(name) for name in FIELDS}


#: A text cell starting with one of these is a formula to a spreadsheet (OWASP "CSV Injection"): a list name
#: a provider returns could run one when the CSV is opened in Excel or LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value) -> str:
    """A CSV cell: empty for unknown, true/false, JSON for the variant list; a text that a spreadsheet would read
    as a formula gets a leading apostrophe (numbers are never texts here)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = json.dumps(value, ensure_ascii=False) if value else ""
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(FORMULA_START) else text
