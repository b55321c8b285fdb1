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


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention extractors look for
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


def format_date_short(value: dt.date, language: str) -> str:
    """29.11.2021 (de) / 29/11/2021 (en)."""
    return value.strftime("%d.%m.%Y") if language == "de" else value.strftime("%d/%m/%Y")
