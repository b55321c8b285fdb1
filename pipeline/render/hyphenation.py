"""Soft hyphens in the long words of headings (E20), at breaks a German reader accepts.

A phone breaks a heading such as "Regionalveranstaltung zur Zukunft des Industriestandortes" inside
its long words; a soft hyphen tells where, and shows a hyphen only there. Only correct breaks may be
offered (a missed one costs a little raggedness, a wrong one reads "Industri- / estandortes"):

- German uses the TeX hyphenation project's patterns for the reformed spelling (`data/hyph-de-1996.dic`,
  made by patgen from a large hand-checked word list; source and MIT licence beside it). pyphen's own
  de_DE is LibreOffice's two-level compound dictionary, whose levels pyphen reads as one: it gave
  "In-dus-tri-e-stand-ortes" and "Re-gi-o-na-l-ver-an-stal-tung".
- On top of the patterns, for precision: at least three letters before the first and after the last
  break ("Ener-gie", never "En-ergie"), and no piece between two breaks without a vowel; a pattern that
  errs on a rare compound ("Vorschaut-ext") usually leaves one. Both breaks around such a piece go.
- Other languages use pyphen's bundled dictionaries with the same rules (en → en_GB).

tests/data/hyphenation/de-compounds.txt lists 160 words of this domain with their correct breaks;
tests/render/test_hyphenation.py holds us to no wrong break and a measured recall.

pyphen parses the 36,709 German patterns in about 0.13 s: once per process, and only when a heading
has a word of 12 letters or more (a warm preview keeps them).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

SOFT_HYPHEN = "\u00ad"
LONG_WORD = re.compile(r"[^\W\d_]{12,}")  # letters only: compounds like "Regionalveranstaltung"
EDGE = 3  # letters kept together at the start and at the end of a word
GERMAN_PATTERNS = Path(__file__).with_name("data") / "hyph-de-1996.dic"
_VOWEL = re.compile(r"[aeiouyäöüéèêàâáíóúôû]", re.IGNORECASE)


def hyphenate(text: str, language: str) -> str:
    """`text` with a soft hyphen at every correct break of its long words; the letters are unchanged.

    Headings only: the plain-text part and the subject stay free of invisible characters.
    """
    positions = _positions(language)
    return LONG_WORD.sub(lambda match: _inserted(match.group(0), positions(match.group(0))), str(text))


def breaks(word: str, language: str) -> list[int]:
    """Where `word` may break: the number of letters before each break, in order."""
    return _positions(language)(word)


def _inserted(word: str, points: list[int]) -> str:
    pieces = [word[start:end] for start, end in zip([0, *points], [*points, len(word)])]
    return SOFT_HYPHEN.join(pieces)


@functools.lru_cache(maxsize=8)
def _positions(language: str):
    """The break finder of one language; parses its patterns on first use, once per process."""
    import pyphen

    if language.lower().replace("_", "-").split("-")[0] == "de":
        dictionary = pyphen.Pyphen(filename=GERMAN_PATTERNS, left=EDGE, right=EDGE)
    else:
        lang = pyphen.language_fallback({"en": "en_GB"}.get(language, language).replace("-", "_"))
        if lang is None:
            return lambda word: []
        dictionary = pyphen.Pyphen(lang=lang, left=EDGE, right=EDGE)

    def positions(word: str) -> list[int]:
        points = [int(point) for point in dictionary.positions(word) if not point.data]
        return _with_vowels(word, points)

    return positions


def _with_vowels(word: str, points: list[int]) -> list[int]:
    """`points` without the breaks on either side of a piece that has no vowel ("Indus-t-rie" → "Industrie")."""
    bounds = [0, *points, len(word)]
    doubtful = set()
    for index in range(len(bounds) - 1):
        if not _VOWEL.search(word, bounds[index], bounds[index + 1]):
            doubtful.update((bounds[index], bounds[index + 1]))
    return [point for point in points if point not in doubtful]
