"""Plain report data (from `content.load_content`) → a typed, frozen `Report`, or every problem at once.

The field rules live in `REPORT` below, next to the dataclasses they fill; `schema.py` turns the
same rules into the published JSON Schema (`newsroom schema`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.content import Source
from pipeline.errors import ContentError, Issue
from pipeline.headers import header_problem
from pipeline.images import IMAGE_SUFFIXES, check_image
from pipeline.render.personalize import MAX_LENGTH as GREETING_MAX, Greeting, fallback_problem, named_problem
from pipeline.schema import Checker, F, Obj

STATUSES = ("draft", "ready")
LANGUAGES = ("de", "en")
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_SUBJECT_VARIANTS = 3
VARIANT_HINT = "a subject line of at most 120 characters, on one line; put it in quotes if it holds ': '"
GENERIC_ALT = {"bild", "foto", "image", "img", "logo", "grafik", "photo", "picture", "bild1", "foto1"}


@dataclass(frozen=True)
class Image:
    """A picture with its alt text (required, E10) and photo credit."""

    src: str
    alt: str
    credit: str | None = None
    caption: str | None = None
    focus: tuple[float, float] | None = None  # the focal point [x, y] as fractions of width and height


@dataclass(frozen=True)
class Event:
    """When and where the event took place."""

    date: dt.date
    place: str
    end_date: dt.date | None = None
    time: str | None = None
    venue: str | None = None


@dataclass(frozen=True)
class Speaker:
    """A person who spoke, with role and organisation as they should be printed."""

    name: str
    role: str
    organisation: str | None = None
    contribution: str | None = None


@dataclass(frozen=True)
class Workshop:
    """One workshop or session of the event."""

    title: str
    description: str | None = None


@dataclass(frozen=True)
class Quote:
    """A quotation with its source."""

    text: str
    author: str
    role: str | None = None


@dataclass(frozen=True)
class Link:
    """A labelled link; the label must say where it leads (E13)."""

    label: str
    url: str


@dataclass(frozen=True)
class Contact:
    """The press and reader contact printed under the report."""

    name: str
    email: str
    organisation: str | None = None
    phone: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Press:
    """Press-release specifics: dateline city, optional embargo (Sperrfrist), own headline, publication time."""

    dateline: str | None = None
    embargo: dt.datetime | None = None
    headline: str | None = None
    published: dt.datetime | None = None


@dataclass(frozen=True)
class Report:
    """One event report: the single source for newsletter, press release and text parts."""

    title: str
    status: str
    event: Event
    summary: str
    body: str
    contact: Contact
    subtitle: str | None = None
    language: str | None = None
    hero: Image | None = None
    speakers: tuple[Speaker, ...] = ()
    workshops: tuple[Workshop, ...] = ()
    quotes: tuple[Quote, ...] = ()
    conclusions: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    tags: tuple[str, ...] = ()
    press: Press | None = None
    translation: str | None = None
    subject_variants: tuple[str, ...] = ()
    greeting: Greeting | bool | None = None  # None: the settings' greeting; False: none; else this report's own
    slug: str = ""
    source_path: str = ""
    source_sha256: str = ""


def _alt_problem(text: str) -> str:
    lowered = text.strip().lower()
    if (lowered in GENERIC_ALT or lowered.endswith(IMAGE_SUFFIXES)
            or re.fullmatch(r"(img|dsc|image)[_-]?\d+.*", lowered)):
        return f"'{text}' does not describe the picture"
    return ""


ALT_HINT = "describe what the picture shows in one sentence (max. 150 characters)"
IMAGE = Obj(Image, (
    F("src", "image", required=True, hint="a path below content/ (images/foto.jpg) or an https:// address",
      description="JPEG, PNG or GIF."),
    F("alt", required=True, max_len=150, hint=ALT_HINT, extra=_alt_problem,
      description="Alt text read out to blind readers and shown when images are blocked."),
    F("credit", max_len=200, hint="the photo credit as it must be printed, e.g. © Name"),
    F("caption", max_len=300),
    F("focus", "point", hint="write the focal point as [x, y], fractions of the width and height from the top left "
                            "corner, e.g. [0.5, 0.3] for the middle, a third from the top",
      description="The part of the picture that must stay in the 16:9, 4:3 and 1:1 crops made for search "
                  "engines and social media; default [0.5, 0.5], the centre."),
))
EVENT = Obj(Event, (
    F("date", "date", required=True, hint="write the date as YYYY-MM-DD, e.g. 2021-11-29"),
    F("place", required=True, max_len=120, hint="the city or region, e.g. Berlin"),
    F("end_date", "date", hint="only for events over several days; YYYY-MM-DD"),
    F("time", max_len=40, hint="e.g. 10:00–16:00 Uhr"),
    F("venue", max_len=160, hint="the building or room"),
))
SPEAKER = Obj(Speaker, (
    F("name", required=True, max_len=120, hint="the full name with title, e.g. Dr. Erika Muster"),
    F("role", required=True, max_len=200, hint="the function as it should be printed"),
    F("organisation", max_len=200),
    F("contribution", max_len=300, hint="what they contributed, e.g. Keynote"),
))
WORKSHOP = Obj(Workshop, (
    F("title", required=True, max_len=200, hint="the workshop title without quotation marks"),
    F("description", max_len=1000, single_line=False),
))
QUOTE = Obj(Quote, (
    F("text", required=True, max_len=600, single_line=False, hint="the quotation without quotation marks"),
    F("author", required=True, max_len=200, hint="who said it"),
    F("role", max_len=200),
))
LINK = Obj(Link, (
    F("label", required=True, max_len=80, hint="say where the link leads, not 'hier' or 'mehr'",
      extra=lambda t: f"'{t}' does not say where the link leads" if t.strip().lower().rstrip(".!…") in
      {"hier", "hier klicken", "mehr", "weiter", "weiterlesen", "link", "click here", "read more", "more", "here"}
      else ""),
    F("url", "url", required=True),
))
CONTACT = Obj(Contact, (
    F("name", required=True, max_len=120),
    F("email", "email", required=True),
    F("organisation", max_len=200),
    F("phone", max_len=40, hint="e.g. +49 30 1234567"),
    F("url", "url"),
))
PRESS = Obj(Press, (
    F("dateline", max_len=60, hint="the city the release is issued from, e.g. Berlin"),
    F("embargo", "datetime", hint="date and local time, e.g. 2026-12-01T10:00:00 (or with offset: …+01:00)",
      description="Sperrfrist: nothing public before this instant. Without an offset it is read in the "
                  "publication's time zone."),
    F("headline", max_len=120, hint="only if the press headline differs from the title",
      header=header_problem),  # → the press mailing's Subject
    F("published", "datetime", hint="date and local time, e.g. 2021-11-29T16:00:00 (or with offset: …+01:00)",
      description="When the release was first published (sent to the press list or put online): the "
                  "press page's datePublished, the feed and the sitemap. With an embargo its lift is that "
                  "instant instead. Without either, the start of the event day is used."),
))
REPORT = Obj(Report, (
    F("title", required=True, max_len=120, hint="the headline, at most 120 characters",
      header=header_problem),  # → the newsletter's Subject
    F("status", "enum", required=True, choices=STATUSES, hint="draft while writing, ready to allow sending"),
    F("event", "obj", required=True, obj=EVENT),
    F("summary", required=True, min_len=40, max_len=140, single_line=False,
      hint="one or two sentences, 40–140 characters; inbox preview text (preheader)"),
    F("body", "text", required=True, single_line=False, hint="the report in Markdown; use '|' and indent the text"),
    F("contact", "obj", required=True, obj=CONTACT),
    F("subtitle", max_len=200),
    F("language", "enum", choices=LANGUAGES, hint="de or en; defaults to the publication language"),
    F("hero", "obj", obj=IMAGE),
    F("speakers", "list", items=SPEAKER),
    F("workshops", "list", items=WORKSHOP),
    F("quotes", "list", items=QUOTE),
    F("conclusions", "list", items=F("conclusion", max_len=600, single_line=False)),
    F("links", "list", items=LINK),
    F("tags", "list", items=F("tag", max_len=40)),
    F("press", "obj", obj=PRESS),
    F("translation", max_len=80, hint="the file name (without .yaml) of the same report in the other language",
      extra=lambda t: "" if SLUG_RE.match(t) else f"'{t}' is not a report file name"),
    F("subject_variants", "list", min_items=2, max_items=MAX_SUBJECT_VARIANTS,
      items=F("subject", max_len=120, header=header_problem, hint=VARIANT_HINT),  # → each variant's Subject
      hint="2 or 3 different subject lines, each on its own line starting with '- '",
      description="Subjects tested against each other as the provider's own A/B test (Mailchimp, Brevo); "
                  "settings in ab_test of newsroom.yaml. Without it the title is the subject."),
    F("greeting", "off_or_obj", obj=Obj(Greeting, (
        F("named", required=True, max_len=GREETING_MAX, header=named_problem,
          hint="the salutation with {first_name} where the name goes, e.g. Liebe {first_name},"),
        F("fallback", required=True, max_len=GREETING_MAX, header=fallback_problem,
          hint="the salutation for subscribers without a name, e.g. Liebe Mitglieder,"),
    )), hint="false: no personal greeting in this newsletter; or named: and fallback: instead of the settings'"),
), title="An event report of the Newsroom pipeline")


def validate(source: Source, content_root: Path, timezone: str | None = None) -> Report:
    """Check a loaded report against REPORT and the file-system rules; raise ContentError with every issue.

    `timezone` (the publication's, from settings) turns an embargo without offset into an aware time;
    without it such an embargo is refused.
    """
    checker = Checker(source)
    if source.data is None:
        checker.problem((), "the file is empty", "start from content/reports/_template.yaml")
        raise ContentError(checker.issues)
    report = checker.obj(REPORT, source.data)
    slug = Path(source.path).stem
    if not SLUG_RE.match(slug):
        valid = slugify_german(slug) or "report"  # a name of dots alone (..yaml) slugifies to nothing
        checker.issues.append(Issue(source.where(()), "", f"the file name '{slug}' is not a valid address part",
                                    f"rename the file to '{valid}.yaml' (lowercase, a-z, 0-9 and '-')"))
    if report is not None and report.hero is not None and report.hero.src:  # a missing src is reported already
        check_image(checker, report.hero.src, ("hero", "src"), content_root)
    if report is not None and report.body:
        check_body_links(checker, source, report.body)
    if report is not None and report.event and report.event.end_date and report.event.end_date < report.event.date:
        checker.problem(("event", "end_date"), "ends before it starts", "end_date must be on or after date")
    if report is not None:
        check_variants_differ(checker, report.subject_variants)
    for name in _PRESS_TIMES:
        if report is not None and report.press and getattr(report.press, name):
            report = _resolve_press_time(checker, report, name, timezone)
    if checker.issues or report is None:
        raise ContentError(checker.issues)
    return _with(report, slug=slug, source_path=source.path, source_sha256=hashlib.sha256(source.raw).hexdigest())


# Press times resolved in the publication's zone: (example, what the time is for, whether any offset is
# fine). An embargo's offset must be the zone's own (`embargo.resolve`), since a wrong one would lift it
# early; `published` only names an instant.
_PRESS_TIMES = {
    "embargo": ("2026-12-01T10:00:00", ("the release can wait for", "the release may be published"), False),
    "published": ("2021-11-29T16:00:00", ("the release can have appeared at", "the release was first published"), True),
}


def _resolve_press_time(checker: Checker, report: Report, name: str, timezone: str | None) -> Report:
    """`press.<name>` as an aware time in the publication's zone; a DST gap or fold without offset is an issue."""
    import dataclasses
    from zoneinfo import ZoneInfo

    from pipeline.embargo import EmbargoProblem, resolve

    example, meaning, any_offset = _PRESS_TIMES[name]
    written = getattr(report.press, name)
    if timezone is None:
        if written.tzinfo is None:
            checker.problem(("press", name), "the time has no UTC offset",
                            f"add the offset, e.g. {example}+01:00 (winter) or +02:00 (summer)")
        return report
    try:
        aware = written.astimezone(ZoneInfo(timezone)) if any_offset and written.tzinfo else resolve(written, timezone)
    except EmbargoProblem as err:
        checker.problem(("press", name), err.message, err.hint)
        return report
    except OverflowError:  # year 1 or 9999 moved into the zone leaves the calendar
        checker.problem(("press", name), f"{written.isoformat()} is not a time {meaning[0]}",
                        f"write the date and time {meaning[1]}, e.g. {example}")
        return report
    return _with(report, press=dataclasses.replace(report.press, **{name: aware}))


def check_variants_differ(checker: Checker, variants: tuple[str, ...]) -> None:
    """Subject variants must differ (Brevo refuses equal ones; an A/B test of one subject tells nothing);
    variants that differ only in spacing count as equal, since mail programs show runs of spaces as one."""
    seen: dict[str, int] = {}
    for i, subject in enumerate(variants):
        if subject is None:
            continue
        key = " ".join(subject.split())
        if key in seen:
            checker.problem(("subject_variants", i), f"is the same subject as entry {seen[key] + 1}",
                            "write a different subject line, or remove this one (at least 2 are needed)")
        else:
            seen[key] = i


def check_translations(reports: list[Report], default_language: str, existing: set[str]) -> list[Issue]:
    """Cross-file rules of `translation:` links: the linked report exists, differs in language, lifts together.

    `existing` holds the slugs of every report file, so naming one file alone does not flag its partner.
    A differing embargo would reveal the other release's address (its slug names the topic) too early.
    """
    from pipeline.errors import Location

    by_slug = {report.slug: report for report in reports}
    issues = []
    for report in reports:
        if not report.translation:
            continue
        where = Location(report.source_path, 1, 1)
        other = by_slug.get(report.translation)
        if other is None and report.translation in existing:
            continue  # not loaded in this run (a single file was named): its own build checks it
        if other is None:
            issues.append(Issue(where, "translation", f"there is no report '{report.translation}'",
                                "give the file name of the translated report, without .yaml"))
        elif (other.language or default_language) == (report.language or default_language):
            issues.append(Issue(where, "translation", f"'{other.slug}' is in the same language",
                                "link the report in the other language, or set 'language:' in it"))
        elif _embargo(other) != _embargo(report):
            issues.append(Issue(where, "translation", f"'{other.slug}' has a different embargo",
                                "give both reports the same press.embargo"))
    return issues


def _embargo(report: Report):
    """The embargo in UTC (== between zones is False for times in a DST fold, PEP 495), or None."""
    embargo = report.press.embargo if report.press else None
    return embargo.astimezone(dt.timezone.utc) if embargo else None


def check_body_links(checker: Checker, source: Source, body: str) -> None:
    """E19: every link in the body's Markdown is an absolute https: or mailto: address, each problem at
    its own line of the file (the body's first line plus the line inside the Markdown). `body` is the
    report's (stripped) text, the one the renderer parses next, so that parse is shared."""
    from pipeline.render.markdown import link_problems

    raw = source.data.get("body")
    skipped = raw[:len(raw) - len(raw.lstrip())].count("\n") if isinstance(raw, str) else 0  # lines strip() took
    for problem in link_problems(body):
        checker.issues.append(Issue(source.where_in_text(("body",), skipped + problem.line, problem.target), "body",
                                    problem.message, problem.hint))


def slugify_german(text: str) -> str:
    """Stable ASCII slug with German transliteration (ä→ae, ß→ss), as P6 asks."""
    from slugify import slugify

    return slugify(text, replacements=[["Ä", "Ae"], ["Ö", "Oe"], ["Ü", "Ue"], ["ä", "ae"], ["ö", "oe"],
                                       ["ü", "ue"], ["ß", "ss"]], max_length=80, word_boundary=True)


def _with(report: Report, **changes) -> Report:
    import dataclasses

    return dataclasses.replace(report, **changes)
