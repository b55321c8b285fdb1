"""Report + Settings → Rendition (subject, preheader, email HTML/text, press page/text/email). Pure.

Steps, in order:
1. context: the values every template shares (labels, dates, absolute asset URLs, sanitised body);
2. newsletter: Jinja2 (tag styles written inline by the `styled` filter) → MJML → MRML → HTML (`email.py`);
3. text parts: from the model through `.txt.j2` templates, never scraped from the HTML;
4. press release: web page, plain text and press email from the same context.
Nothing here reads settings files, writes to disk or talks to the network.
"""

from __future__ import annotations

import functools
import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import embargo as embargo_rules
from pipeline.render import i18n

# The renderer's own modules (MRML, Jinja2, Markdown) are imported by the functions that use them, so
# importing this package for UNSUBSCRIBE_TOKEN or i18n (the CLI, the site, a no-op build) stays cheap.

UNSUBSCRIBE_TOKEN = "%UNSUBSCRIBE_URL%"  # replaced per provider with its merge tag at send time
QUOTES = {"de": ("„", "“"), "en": ("“", "”")}


@dataclass(frozen=True)
class Rendition:
    """Everything `build` writes for one report, as strings; `assets` maps output name → source file."""

    slug: str
    language: str
    subject: str
    preheader: str
    email_mjml: str
    email_html: str
    email_text: str
    press_subject: str
    press_html: str
    press_text: str
    press_email_html: str
    press_email_text: str
    web_url: str
    press_url: str
    published: str = ""  # the publication instant, ISO 8601 with offset (embargo.published_at)
    assets: dict[str, str] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)  # pictures made here (the hero's crops), by output name
    # The report's own pictures (output names) the press email shows while an embargo hides them on the site:
    # press.eml carries them (CID, render/message.py); empty without an embargo.
    press_inline: tuple[str, ...] = ()


def render(report, settings, template_dir: Path, content_dir: Path, *, site_url: str | None = None,
           crop_store: Path | None = None) -> Rendition:
    """Render every output of one validated report. `site_url` overrides the public address (preview);
    `crop_store` is the folder that keeps the hero's crops across processes (`crops.py`), None for none."""
    from pipeline.render import email as email_stage
    from pipeline.render.environment import make_environment

    env = make_environment(str(template_dir))
    ctx, assets, images = _context(report, settings, content_dir, (site_url or settings.site_url).rstrip("/"),
                                   None if crop_store is None else str(crop_store))
    email_mjml = env.get_template("email/newsletter.mjml.j2").render(ctx)
    email_html = email_stage.compile_mjml(email_mjml, "email/newsletter.mjml.j2")
    email_text = _tidy(env.get_template("text/newsletter.txt.j2").render(ctx))
    press_mjml = env.get_template("email/press.mjml.j2").render(ctx)
    press_email_html = email_stage.compile_mjml(press_mjml, "email/press.mjml.j2")
    press_inline = tuple(name for name in sorted({*assets, *images}) if ctx["web_url"] + name in press_email_html
                         ) if ctx["embargo_line"] else ()
    release_text = _tidy(env.get_template("text/_release.txt.j2").render(ctx)).rstrip("\n")
    press_text = _tidy(env.get_template("text/press.txt.j2").render(ctx, release_text=release_text))
    press_email_text = _tidy(env.get_template("text/press-email.txt.j2").render(ctx, release_text=release_text))
    if settings.utm is not None:  # campaign link tags: the mailings only, never the press page or the site
        email_html, email_text = _tagged(settings, report.slug, "newsletter", ctx, email_html, email_text)
        press_email_html, press_email_text = _tagged(settings, report.slug, "press", ctx, press_email_html,
                                                     press_email_text)
    return Rendition(
        slug=report.slug,
        language=ctx["lang"],
        subject=ctx["subject"],
        preheader=ctx["preheader"],
        email_mjml=email_mjml,
        email_html=email_html,
        email_text=email_text,
        press_subject=ctx["press_subject"],
        press_html=env.get_template("press/page.html.j2").render(ctx),
        press_text=press_text,
        press_email_html=press_email_html,
        press_email_text=press_email_text,
        web_url=ctx["web_url"],
        press_url=ctx["press_url"],
        published=ctx["published_iso"],
        assets=assets,
        images=images,
        press_inline=press_inline,
    )


def _tagged(settings, slug: str, channel: str, ctx: dict, html: str, text: str) -> tuple[str, str]:
    """One mailing's parts with the campaign link tags on its links to our own site (render/links.py)."""
    from pipeline.render import links

    tags = links.tags_for(settings.utm, slug=slug, channel=channel, date=ctx["published_iso"][:10])
    skip = {UNSUBSCRIBE_TOKEN, settings.unsubscribe_url, settings.privacy_url, settings.imprint.url or ""}
    return links.tag_mailing(html, text, lambda url: links.tagged(url, tags, settings.utm.domains), skip)


def _greeting(report, settings) -> str:
    """The greeting's placeholder (render/personalize.py) for this report, or "" for none.

    `settings` are the report's language's; a report's own `greeting:` wins, `greeting: false` turns it off.
    """
    from pipeline.render.personalize import Greeting

    if report.greeting is False:
        return ""
    if isinstance(report.greeting, Greeting):
        return report.greeting.token()
    texts = settings.greeting
    if texts is None or not texts.named or not texts.fallback:  # a missing language is refused by `check`
        return ""
    return Greeting(texts.named, texts.fallback).token()


def _context(report, settings, content_dir: Path, site_url: str,
             crop_store: str | None = None) -> tuple[dict, dict[str, str], dict[str, bytes]]:
    from pipeline.render import markdown, press as press_meta

    lang = report.language or settings.language
    settings = settings.in_language(lang)  # every per-language setting as this report's text
    _ = i18n.translator(lang)
    assets: dict[str, str] = {}

    def image_url(src: str) -> str:
        """A local image keeps its path below content/images/ in out/<slug>/images/, so that a hero
        images/sub/logo.png and the brand's images/logo.png are two files (model: local images live there)."""
        if src.startswith("https://"):
            return src
        name = posixpath.normpath(src)  # "images/…", checked by images.check_image
        assets[name] = os.path.normpath(os.path.join(_resolved(content_dir), src))  # inside: checked by model
        return f"{site_url}/{report.slug}/{name}"

    hero = None
    images: dict[str, bytes] = {}
    if report.hero:
        hero = {"url": image_url(report.hero.src), "alt": report.hero.alt, "credit": report.hero.credit,
                "caption": report.hero.caption, "crops": []}
        if not report.hero.src.startswith("https://"):  # a local picture: cut for search engines and social media
            name = posixpath.normpath(report.hero.src)
            for crop in _cut(report, assets[name], name, crop_store, content_dir).crops:
                images[crop.name] = crop.data
                hero["crops"].append({"url": f"{site_url}/{report.slug}/{crop.name}", "width": crop.width,
                                      "height": crop.height})
    logo = None
    if settings.brand.logo:
        logo = {"url": image_url(settings.brand.logo.src), "alt": settings.brand.logo.alt,
                "width": settings.brand.logo.width}
    press = report.press
    headline = (press.headline if press and press.headline else None) or report.title
    embargo = press.embargo if press else None
    published = embargo_rules.published_at(embargo, report.event.date, settings.timezone,
                                           press.published if press else None)
    release_date = published.date()  # the embargo day, else the event day
    dateline_city = (press.dateline if press and press.dateline else None) or report.event.place
    embargo_line = embargo_rules.sperrfrist_line(embargo, settings.timezone, lang, _) if embargo else ""
    event = i18n.format_date_range(report.event.date, report.event.end_date, lang)
    event_parts = [event, report.event.time, report.event.venue, report.event.place]
    quote_open, quote_close = QUOTES.get(lang, QUOTES["en"])
    ctx = {
        "report": report,
        "settings": settings,
        "imprint": settings.imprint,
        "lang": lang,
        "_": _,
        "subject": report.title,
        "preheader": " ".join(report.summary.split()),
        "press_subject": (f"{embargo_line} – " if embargo_line else "") + f"{_('Press release')}: {headline}",
        "headline": headline,
        "dateline": f"{dateline_city}, {i18n.format_date_long(release_date, lang)}",
        "dateline_city": dateline_city,
        "release_date": i18n.format_date_long(release_date, lang),
        "published_iso": published.isoformat(),
        "event_line": " · ".join(part for part in event_parts if part),
        "body_html": markdown.to_html(report.body),
        "body_text": markdown.to_text(report.body),
        "hero": hero,
        "logo": logo,
        "press_contact": report.contact,
        "web_url": f"{site_url}/{report.slug}/",
        "press_url": f"{site_url}/presse/{report.slug}/",
        "pdf_url": f"{site_url}/presse/{report.slug}/{report.slug}.pdf",
        "site_home": f"{site_url}/",
        "feed_url": f"{site_url}/feed.xml",
        "share_image": hero or logo,
        "translation": _translation(report, lang, site_url),
        "unsubscribe_url": UNSUBSCRIBE_TOKEN,
        "greeting": _greeting(report, settings),
        "quote_open": quote_open,
        "quote_close": quote_close,
        "embargo_line": embargo_line,
        "about_heading": settings.organisation.about_heading
        or _("About %(name)s") % {"name": settings.organisation.name},
    }
    ctx["json_ld"] = press_meta.script_json(press_meta.json_ld(ctx))
    ctx["open_graph"] = press_meta.open_graph(ctx)
    return ctx, assets, images


def _cut(report, source: str, name: str, store: str | None, content_dir: Path):
    """The hero's crops (`crops.make`); a file that passed `check` but does not decode is a content error,
    located by reading the report's YAML again (only then)."""
    from pipeline.content import load_content
    from pipeline.errors import ContentError, Issue, Location
    from pipeline.render import crops

    try:
        return crops.make(source, name, report.hero.focus, store)
    except crops.Unreadable as err:
        where = Location(report.source_path)
        try:  # the display path is relative to the project, the folder that holds content/
            where = load_content(content_dir.parent / report.source_path, report.source_path).where(("hero", "src"))
        except ContentError:
            pass
        raise ContentError([Issue(where, "hero.src",
                                  f"the picture '{report.hero.src}' cannot be decoded ({err})",
                                  "export it again as JPEG or PNG from an image editor")]) from err


@functools.lru_cache(maxsize=8)
def _resolved(folder: Path) -> str:
    """A folder's real path, once per process (resolving walks every path component)."""
    return str(folder.resolve())


def _translation(report, lang: str, site_url: str) -> dict | None:
    """The linked translation's press page, language and link text (in that language), or None."""
    if not report.translation:
        return None
    other = "en" if lang == "de" else "de"
    link = {"de": i18n.N_("This press release in German"), "en": i18n.N_("This press release in English")}[other]
    return {"lang": other, "hreflang": i18n.LOCALES[other][0], "url": f"{site_url}/presse/{report.translation}/",
            "label": i18n.translator(other)(link)}


def _tidy(text: str) -> str:
    """Collapse runs of blank lines left by conditional blocks; strip trailing spaces (keeps '-- ')."""
    lines = [line if line == "-- " else line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def report_files(rendition: Rendition, settings) -> dict[str, bytes]:
    """Every byte of one report's output folder but the manifest: the texts, both .eml messages, the images.

    The names are `manifest.REPORT_FILES` (in that order), then each image under images/, then the greeting's
    preview variants (`greeting_previews`).
    """
    from pipeline.manifest import REPORT_FILES
    from pipeline.render.message import report_messages

    pictures = {name: Path(source).read_bytes() for name, source in sorted(rendition.assets.items())}
    pictures.update(rendition.images)  # made by the renderer: the hero's crops
    messages = report_messages(rendition, settings, pictures)  # email.eml and press.eml (embeds some under embargo)
    contents = (rendition.email_html, rendition.email_text, rendition.email_mjml, messages["email.eml"],
                rendition.press_html, rendition.press_text, rendition.press_email_html, rendition.press_email_text,
                messages["press.eml"])  # in the order of REPORT_FILES
    files = {name: data if isinstance(data, bytes) else data.encode()
             for name, data in zip(REPORT_FILES, contents, strict=True)}
    files.update(pictures)
    files.update(greeting_previews(rendition))
    return files


def greeting_previews(rendition: Rendition) -> dict[str, bytes]:
    """With a personal greeting: the newsletter as a subscriber with a first name and one without reads it
    (preview/named.html, .txt and preview/fallback.html, .txt), for the preview index; else nothing."""
    from pipeline.render.personalize import SAMPLE_FIRST_NAME, filled, has_greeting

    if not has_greeting(rendition.email_html):
        return {}
    return {f"preview/{variant}.{suffix}": filled(part, name, as_html=suffix == "html").encode()
            for variant, name in (("named", SAMPLE_FIRST_NAME), ("fallback", None))
            for suffix, part in (("html", rendition.email_html), ("txt", rendition.email_text))}


def press_pdf(manifest: dict, files: Mapping[str, bytes]) -> bytes:
    """The press page of a built report as PDF; its images come from the report's own files, by public URL."""
    from pipeline.pdf import render_pdf

    assets = {manifest["web_url"] + name: files[name] for name in files if name.startswith("images/")}
    return render_pdf(files["press.html"].decode(), assets)
