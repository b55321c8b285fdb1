"""`content/newsroom.yaml` → frozen `Settings` (publication, imprint, brand, targets); secrets never live here.

Loaded with the same safe YAML loader as reports, so config errors also carry file:line:column.
Secrets come only from environment variables, read by the CLI and wrapped in `Secret`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.content import load_content
from pipeline.errors import ConfigError, ContentError, Issue, Location
from pipeline.headers import address_problem, header_problem, list_id_problem
from pipeline.images import check_image
from pipeline.model import LANGUAGES
from pipeline.render.links import Utm, ascii_host, campaign_problem, domain_problem, value_problem
from pipeline.render.personalize import MAX_LENGTH as GREETING_MAX, fallback_problem, named_problem
from pipeline.schema import Checker, F, Obj, Texts

PROVIDER_NAMES = ("outbox", "listmonk", "mailchimp", "brevo")
SETTINGS_FILE = "newsroom.yaml"


@dataclass(frozen=True)
class Party:
    """A name with an e-mail address (sender, reply-to)."""

    name: str
    email: str


@dataclass(frozen=True)
class Organisation:
    """Who publishes: name, website and the 'About us' boilerplate of press releases (with its heading)."""

    name: str
    url: str
    about: str | Texts
    about_heading: str | Texts | None = None


@dataclass(frozen=True)
class Imprint:
    """The Impressum (§ 5 DDG) printed in every email and press release (D5)."""

    organisation: str
    street: str
    postal_code: str
    city: str
    email: str
    representative: str | Texts
    country: str | Texts = Texts((("de", "Deutschland"), ("en", "Germany")))
    phone: str | None = None
    register: str | Texts | None = None
    vat_id: str | None = None
    responsible: str | Texts | None = None
    url: str | None = None


@dataclass(frozen=True)
class Logo:
    """The logo shown in the email header."""

    src: str
    alt: str | Texts
    width: int = 160


@dataclass(frozen=True)
class Brand:
    """Colours of the templates; all pass WCAG AA contrast on white by default."""

    logo: Logo | None = None
    primary_color: str = "#0b4f8a"
    text_color: str = "#1f2933"
    background_color: str = "#f2f4f7"
    muted_color: str = "#52606d"


@dataclass(frozen=True)
class Target:
    """A named place to send to: provider, list and (optionally) API base URL."""

    provider: str
    list: str
    base_url: str | None = None
    press_list: str | None = None


WINNER_CRITERIA = ("manual", "opens", "clicks")


@dataclass(frozen=True)
class AbTest:
    """How a report's `subject_variants` are tested at the provider (Mailchimp variate, Brevo abTesting).

    `test_share`: per cent of the list that gets a variant; the rest gets the winner (100: the whole list is
    split evenly and there is no winner). `winner`: how the winner is picked; `wait_hours`: how long the test
    runs before that.
    """

    test_share: int = 20
    winner: str = "manual"
    wait_hours: int = 4


@dataclass(frozen=True)
class GreetingTexts:
    """The personal greeting (render/personalize.py): with `{first_name}`, and for subscribers without a name."""

    named: str | Texts
    fallback: str | Texts


@dataclass(frozen=True)
class Settings:
    """Publication-level settings shared by every report.

    Texts a reader reads (the footer notes, the 'About us' paragraph, the imprint's free-text lines, the
    logo's alt text) may be written per language (`Texts`); `in_language` gives the settings as one
    report's templates see them, and `missing_texts` says which a report's language lacks.
    """

    name: str
    language: str
    timezone: str
    site_url: str
    organisation: Organisation
    sender: Party
    reply_to: str
    imprint: Imprint
    privacy_url: str
    unsubscribe_url: str
    brand: Brand = Brand()
    footer_note: str | Texts | None = None
    press_note: str | Texts | None = None
    targets: dict = field(default_factory=dict)
    ab_test: AbTest = AbTest()
    greeting: GreetingTexts | None = None  # off unless configured
    utm: Utm | None = None  # campaign link tags (render/links.py); off unless configured
    path: str = ""

    def in_language(self, language: str) -> Settings:
        """These settings with every per-language text as its `language` text (None where it has none).

        Kept per language beside the fields (76 µs to make, 2 % of a report's render; asked once per report).
        """
        memo = self.__dict__.setdefault("_in_language", {})  # not a field: eq, repr and hash ignore it
        if language not in memo:
            memo[language] = _in_language(self, language)
        return memo[language]

    def texts(self) -> list[Texts]:
        """Every setting written per language, in file order."""
        return sorted(_texts(self), key=lambda t: t.where or Location(""))


def _in_language(value, language: str):
    """`value` with every per-language text replaced by its `language` text (templates print plain strings)."""
    return _map_texts(value, lambda texts: texts.get(language))


def _texts(value) -> list[Texts]:
    if isinstance(value, Texts):
        return [value]
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return []
    return [t for f in dataclasses.fields(value) for t in _texts(getattr(value, f.name))]


def _named_plain_texts(value, language: str):
    """`value` with every plain (one-language) text named as the publication `language`'s."""
    return _map_texts(value, lambda texts: texts.plain_as(language))


def _map_texts(value, change):
    """`value` (settings or a part of them) with `change` applied to every `Texts` in it, at any depth."""
    if isinstance(value, Texts):
        return change(value)
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    changes = {f.name: _map_texts(getattr(value, f.name), change) for f in dataclasses.fields(value)
               if isinstance(getattr(value, f.name), Texts) or dataclasses.is_dataclass(getattr(value, f.name))}
    return dataclasses.replace(value, **changes) if changes else value


LANGUAGE_NAMES = {"de": "German", "en": "English"}


def missing_texts(settings: Settings, language: str, needed_by: str) -> list[Issue]:
    """A problem for each per-language setting with no `language` text, naming what needs it.

    `needed_by` says who reads that language, e.g. "content/reports/x.yaml is written in English".
    """
    issues = []
    for texts in settings.texts():
        if texts.get(language) is None:
            written = ", ".join(f"{k}: …" for k in texts.languages)
            issues.append(Issue(texts.where or Location(settings.path), texts.field,
                                f"has no {LANGUAGE_NAMES.get(language, language)} text ({language}), "
                                f"but {needed_by}",
                                f"write it per language: under '{texts.field.rsplit('.', 1)[-1]}:' put {written}, "
                                f"{language}: …"))
    return issues


def language_issues(settings: Settings, written: list[tuple[str | None, str]]) -> list[Issue]:
    """`missing_texts` for the languages reports are written in: one problem per setting and language.

    `written` holds (language or None for the publication's, source path) of each report; a problem names
    the first report in that language and how many more there are.
    """
    by_language: dict[str, list[str]] = {}
    for language, source in written:
        by_language.setdefault(language or settings.language, []).append(source)
    issues = []
    for language, sources in sorted(by_language.items()):
        name = LANGUAGE_NAMES.get(language, language)
        first = sorted(sources)[0]
        needed_by = (f"{first} is written in {name}" if len(sources) == 1 else
                     f"{first} and {len(sources) - 1} more report(s) are written in {name}")
        issues += missing_texts(settings, language, needed_by)
    return issues


LOGO_WIDTH_HINT = "the logo's width in the email in pixels, e.g. 180; the email is 600 px wide"


def _logo_width_problem(width: int) -> str:
    """A width MJML can lay out: 0 or less hides the logo, more than the email's 600 px is cut down silently."""
    return "" if 0 < width <= 600 else f"{width} is not a width between 1 and 600 pixels"


def _test_share_problem(share: int) -> str:
    # Mailchimp's test_size is 10–100 %; Brevo's splitRule (per variant) 1–50 %
    return "" if 10 <= share <= 100 else f"{share} is not a share between 10 and 100 per cent"


def _wait_hours_problem(hours: int) -> str:
    return "" if 1 <= hours <= 168 else f"{hours} is not between 1 and 168 hours (Brevo's limit is 7 days)"


def _winner_problem(winner: str) -> str:
    """Opens and clicks can only be counted with tracking, which Newsroom keeps off (EMAIL-QUALITY D7)."""
    if winner in ("opens", "clicks"):
        return (f"winner: {winner} needs {winner[:-1]} tracking, and Newsroom creates every campaign with open and "
                "click tracking off (EMAIL-QUALITY D7: tracking needs the subscribers' consent), so the provider "
                "would pick a winner on no data")
    return ""


WINNER_HINT = ("use winner: manual (pick the winner in Mailchimp's web interface), or test_share: 100 to split the "
               "whole list between the subjects without a winner")


def _spaces(name: str) -> str:
    """Mail programs show a run of spaces in a sender name as one (Python's `email` among them)."""
    return "has several spaces in a row" if re.search(r"\s\s", name) else ""


GREETING = Obj(GreetingTexts, (
    F("named", "texts", required=True, max_len=GREETING_MAX, choices=LANGUAGES, header=named_problem,
      hint="the salutation with {first_name} where the name goes; per language: de: Guten Tag {first_name}, "
           "en: Hello {first_name},"),
    F("fallback", "texts", required=True, max_len=GREETING_MAX, choices=LANGUAGES, header=fallback_problem,
      hint="the salutation for subscribers without a name; per language: de: Guten Tag, en: Hello,"),
))
UTM = Obj(Utm, (
    F("source", required=True, header=value_problem, hint="utm_source, e.g. newsletter"),
    F("medium", default="email", header=value_problem, hint="utm_medium (default: email)"),
    F("campaign", default="{slug}", header=campaign_problem,
      hint="utm_campaign, with {slug}, {channel} (newsletter or press) and {date} (YYYY-MM-DD), e.g. {date}-{slug}"),
    F("domains", "list", items=F("domain", header=domain_problem),
      hint="the hosts whose links are tagged (default: the host of site_url), one per line, e.g. - example.org"),
))

SETTINGS = Obj(Settings, (
    F("name", required=True, max_len=80, hint="the newsletter's name, e.g. Industrie-Newsletter"),
    F("language", "enum", required=True, choices=LANGUAGES),
    F("timezone", required=True, hint="an IANA time zone, e.g. Europe/Berlin"),
    F("site_url", "url", required=True, hint="the public archive address; web versions and images live there",
      header=header_problem),  # its host names the built messages (Message-ID)
    F("organisation", "obj", required=True, obj=Obj(Organisation, (
        F("name", required=True), F("url", "url", required=True),
        F("about", "texts", required=True, single_line=False, choices=LANGUAGES,
          hint="the 'About us' paragraph of press releases; per language: de: …, en: …"),
        F("about_heading", "texts", max_len=120, choices=LANGUAGES,
          hint="the heading above it, e.g. de: Über die Service- und Beratungsstelle, en: About the Service Office "
               "(default: About + the name)"),
    ))),
    F("sender", "obj", required=True, obj=Obj(Party, (F("name", required=True, header=header_problem, extra=_spaces,
                                                        hint="the name inboxes show, with single spaces"),
                                                      F("email", "email", required=True, header=address_problem)))),
    F("reply_to", "email", required=True, header=address_problem),
    F("imprint", "obj", required=True, obj=Obj(Imprint, (
        F("organisation", required=True, hint="name with legal form"), F("street", required=True),
        F("postal_code", required=True), F("city", required=True), F("email", "email", required=True),
        F("representative", "texts", required=True, choices=LANGUAGES, hint="who represents the organisation"),
        F("country", "texts", choices=LANGUAGES, hint="default: de: Deutschland, en: Germany"),
        F("phone"), F("register", "texts", choices=LANGUAGES), F("vat_id"),
        F("responsible", "texts", choices=LANGUAGES, hint="responsible for content (§ 18 Abs. 2 MStV)"),
        F("url", "url"),
    ))),
    F("privacy_url", "url", required=True),
    F("unsubscribe_url", "url", required=True, header=header_problem,  # the outbox's List-Unsubscribe
      hint="the page where readers unsubscribe; providers replace it with their own per-recipient link"),
    F("brand", "obj", default=Brand(), obj=Obj(Brand, (
        F("logo", "obj", obj=Obj(Logo, (F("src", "image", required=True), F("alt", "texts", required=True, max_len=150,
                                                                          choices=LANGUAGES),
                                        F("width", "int", default=160, extra=_logo_width_problem,
                                          hint=LOGO_WIDTH_HINT)))),
        F("primary_color", "color", default="#0b4f8a"), F("text_color", "color", default="#1f2933"),
        F("background_color", "color", default="#f2f4f7"), F("muted_color", "color", default="#52606d"),
    ))),
    F("footer_note", "texts", max_len=300, single_line=False, choices=LANGUAGES,
      hint="why the reader gets the newsletter; per language: de: …, en: …"),
    F("press_note", "texts", max_len=300, single_line=False, choices=LANGUAGES,
      hint="why a journalist gets the press mailing (default: because they are on the press list)"),
    F("greeting", "obj", obj=GREETING, hint="a personal salutation the provider fills per subscriber"),
    F("utm", "obj", obj=UTM, hint="campaign link tags on the email's links to your own site"),
    F("targets", "map", default=dict, items=Obj(Target, (
        F("provider", "enum", required=True, choices=PROVIDER_NAMES),
        F("list", required=True, hint="the list id at the provider", header=list_id_problem),
        F("base_url", "url", hint="the provider's API address, e.g. https://listmonk.example.org/api"),
        F("press_list", hint="the list id for the press channel (journalists)", header=list_id_problem),
    ))),
    F("ab_test", "obj", default=AbTest(), obj=Obj(AbTest, (
        F("test_share", "int", default=20, extra=_test_share_problem,
          hint="per cent of the list that gets a subject variant, 10–100; the rest gets the winner"),
        F("winner", "enum", default="manual", choices=WINNER_CRITERIA, extra=_winner_problem, hint=WINNER_HINT),
        F("wait_hours", "int", default=4, extra=_wait_hours_problem,
          hint="hours the test runs before the winner goes out, 1–168"),
    )), description="How a report's subject_variants are tested at the provider (Mailchimp, Brevo)."),
), title="Publication settings of the Newsroom pipeline (content/newsroom.yaml)")


def load_settings(content_dir: Path) -> Settings:
    """Read and validate `<content_dir>/newsroom.yaml`; raise ContentError listing every problem."""
    path = content_dir / SETTINGS_FILE
    if not path.is_file():
        raise ConfigError(f"{path}: the settings file is missing — copy it from the sample project "
                          "(content/newsroom.yaml) and fill in your organisation")
    source = load_content(path)
    checker = Checker(source)
    settings = checker.obj(SETTINGS, source.data if source.data is not None else {})
    if settings is not None and settings.timezone:  # a missing one is already reported as required
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(settings.timezone)
        except Exception:  # ZoneInfoNotFoundError or ValueError for malformed keys
            checker.problem(("timezone",), f"'{settings.timezone}' is not a known time zone",
                            "use an IANA name such as Europe/Berlin")
    if settings is not None and settings.brand.logo is not None and settings.brand.logo.src:
        check_image(checker, settings.brand.logo.src, ("brand", "logo", "src"), content_dir)
    if settings is not None and settings.language:
        settings = _named_plain_texts(settings, settings.language)
        # the archive site and the index are written in the publication language; a text reported as empty
        # is not reported again as missing
        flagged = {issue.field for issue in checker.issues}
        checker.issues += [issue for issue in missing_texts(
            settings, settings.language, f"the publication language is "
            f"{LANGUAGE_NAMES.get(settings.language, settings.language)} (language: {settings.language})")
            if f"{issue.field}.{settings.language}" not in flagged]
    if checker.issues or settings is None:
        raise ContentError(checker.issues)
    if settings.utm is not None:  # hosts compared in their IDNA form; by default the site's own
        from urllib.parse import urlsplit

        domains = settings.utm.domains or (urlsplit(settings.site_url).hostname or "",)
        settings = dataclasses.replace(settings, utm=dataclasses.replace(
            settings.utm, domains=tuple(ascii_host(domain) or domain for domain in domains)))
    return dataclasses.replace(settings, path=str(path))
