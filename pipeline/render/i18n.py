"""Fixed template texts in German and English, and locale-aware date formatting.

Templates call `_("English text")`; `translator(language)` returns the function for one language.
Dates are formatted with Babel's CLDR data, never the system locale ("29. November 2021").
"""

from __future__ import annotations

import datetime as dt

# msgid (English) → German. English output uses the msgid itself.
GERMAN = {
    "View in your browser": "Im Browser ansehen",
    "Newsletter": "Newsletter",
    "Photo": "Foto",
    "Speakers": "Auf dem Podium",
    "Workshops": "Workshops",
    "Conclusions": "Ergebnisse",
    "Quote": "Zitat",
    "Further reading": "Weiterführende Links",
    "Contact": "Kontakt",
    "Phone": "Telefon",
    "Email": "E-Mail",
    "Website": "Website",
    "Unsubscribe from this newsletter": "Newsletter abbestellen",
    "Privacy policy": "Datenschutzerklärung",
    "Imprint": "Impressum",
    "Represented by": "Vertreten durch",
    "Register": "Register",
    "VAT ID": "USt-IdNr.",
    "Responsible for content": "Verantwortlich für den Inhalt",
    "Press release": "Pressemitteilung",
    "About": "Über",
    "Press contact": "Pressekontakt",
    "End of press release": "Ende der Pressemitteilung",
    "Date": "Datum",
    "Place": "Ort",
    "Web version": "Webversion",
    "Tags": "Schlagworte",
    "Unsubscribe": "Abbestellen",
    "Contents": "Inhalt",
    "Read the press release online": "Pressemitteilung online lesen",
}
CATALOGUES = {"de": GERMAN, "en": {}}


def translator(language: str):
    """The `_()` function for one language; unknown msgids fall back to the English text."""
    catalogue = CATALOGUES.get(language, {})
    return lambda msgid: catalogue.get(msgid, msgid)


def format_date_long(value: dt.date, language: str) -> str:
    """29. November 2021 (de) / 29 November 2021 (en)."""
    from babel.dates import format_date

    return format_date(value, "d. MMMM y" if language == "de" else "d MMMM y", locale=language)


def format_date_short(value: dt.date, language: str) -> str:
    """29.11.2021 (de) / 29/11/2021 (en)."""
    return value.strftime("%d.%m.%Y") if language == "de" else value.strftime("%d/%m/%Y")
