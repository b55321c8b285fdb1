"""Fixed texts in German and English from gettext catalogues, and locale-aware date formatting.

Templates and the CLI call `_("English text")`; `translator(language)` returns that function for one
language. The catalogues are `pipeline/locale/<lang>/LC_MESSAGES/newsroom.po`, read with Babel and
compiled in memory on first use (no .mo file to forget to rebuild). `make messages` re-extracts the
msgids from templates/ and pipeline/ and merges them into the .po files.
Dates are formatted with Babel's CLDR data, never the system locale ("29. November 2021").
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "newsroom"
# BCP 47 tag (JSON-LD inLanguage, hreflang) and Open Graph locale for each report language.
LOCALES = {"de": ("de-DE", "de_DE"), "en": ("en-GB", "en_GB")}


@functools.lru_cache(maxsize=8)
def catalogue(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of one language; English (the msgid language) needs none."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        po = read_po(handle, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, po)  # fuzzy entries are left out, so they fall back to English
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translator(language: str):
    """The `_()` function for one language; unknown msgids fall back to the English text."""
    return catalogue(language).gettext


def N_(msgid: str) -> str:  # the gettext convention extractors look for
    """Mark a msgid for extraction where it is translated later, in another language."""
    return msgid


def language_name(language: str, in_language: str | None = None) -> str:
    """'Deutsch', 'English' (or the name in another language): for language switchers and headings."""
    from babel import Locale

    return Locale.parse(language).get_display_name(in_language or language)


@functools.lru_cache(maxsize=4096)  # Babel takes ~50 µs a call; an archive repeats the same few hundred days
def format_date_long(value: dt.date, language: str) -> str:
    """29. November 2021 (de) / 29 November 2021 (en)."""
    from babel.dates import format_date

    return format_date(value, "d. MMMM y" if language == "de" else "d MMMM y", locale=language)


def format_date_range(start: dt.date, end: dt.date | None, language: str) -> str:
    """An event's days, the shared parts written once: 15.–16. März 2022 (de) / 15–16 March 2022 (en).

    Across months 31. März – 1. April 2022, across years 31. Dezember 2022 – 2. Januar 2023. Babel's
    `format_interval` abbreviates the month in both languages (CLDR has no interval for yMMMMd:
    "15–16 Mar 2022") and puts thin spaces around the dash, so the parts come from `format_date`.
    """
    if end is None or end == start:
        return format_date_long(start, language)
    from babel.dates import format_date

    de = language == "de"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}{'.' if de else ''}–{format_date_long(end, language)}"
    if start.year == end.year:
        first = format_date(start, "d. MMMM" if de else "d MMMM", locale=language)
        return f"{first} – {format_date_long(end, language)}"
    return f"{format_date_long(start, language)} – {format_date_long(end, language)}"


def format_date_short(value: dt.date, language: str) -> str:
    """29.11.2021 (de) / 29/11/2021 (en)."""
    return value.strftime("%d.%m.%Y") if language == "de" else value.strftime("%d/%m/%Y")


def unbreakable(text: str) -> str:
    """A phone number that never wraps inside: no-break spaces and non-breaking hyphens.

    Characters, not CSS: `white-space: nowrap` is ignored by Outlook for Windows and partly by the Gmail
    apps (caniemail), and a number split over two lines at 375 px is misread or mis-dialled.
    """
    return text.replace(" ", "\u00a0").replace("-", "\u2011")
