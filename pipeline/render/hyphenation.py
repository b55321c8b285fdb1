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

The German patterns are read once per process (`Patterns`, 0.02 s), and only when a heading has a word
of 12 letters or more; a warm preview keeps them.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

SOFT_HYPHEN = "\u00ad"
LONG_WORD = re.compile(r"[^\W\d_]{12,}")  # letters only: compounds like "Regionalveranstaltung"
EDGE = 3  # letters kept together at the start and at the end of a word
GERMAN_PATTERNS = Path(__file__).with_name("data") / "hyph-de-1996.dic"
_NO_DIGITS = str.maketrans("", "", "0123456789")
_VOWEL = re.compile(r"[aeiouyäöüéèêàâáíóúôû]", re.IGNORECASE)


def hyphenate(text: str, language: str) -> str:
    """`text` with a soft hyphen at every correct break of its long words; the letters are unchanged.

    Headings only: the plain-text part and the subject stay free of invisible characters.
    """
    positions = _positions(language)
    text = str(text)

    def hyphenated(part: str) -> str:
        return LONG_WORD.sub(lambda match: _inserted(match.group(0), positions(match.group(0))), part)

    if "%GREETING(" not in text:
        return hyphenated(text)
    from pipeline.render.personalize import TOKEN

    out, done = [], 0
    for token in TOKEN.finditer(text):  # a greeting's placeholder stays exactly as written (render/personalize.py)
        out += [hyphenated(text[done:token.start()]), token.group(0)]
        done = token.end()
    return "".join(out) + hyphenated(text[done:])


def breaks(word: str, language: str) -> list[int]:
    """Where `word` may break: the number of letters before each break, in order."""
    return _positions(language)(word)


def _inserted(word: str, points: list[int]) -> str:
    pieces = [word[start:end] for start, end in zip([0, *points], [*points, len(word)])]
    return SOFT_HYPHEN.join(pieces)


@functools.lru_cache(maxsize=8)
def _positions(language: str):
    """The break finder of one language; reads its patterns on first use, once per process."""
    if language.lower().replace("_", "-").split("-")[0] == "de":
        german = Patterns(GERMAN_PATTERNS)
        return lambda word: _with_vowels(word, german.breaks(word))
    import pyphen

    lang = pyphen.language_fallback({"en": "en_GB"}.get(language, language).replace("-", "_"))
    if lang is None:
        return lambda word: []
    dictionary = pyphen.Pyphen(lang=lang, left=EDGE, right=EDGE)
    return lambda word: _with_vowels(word, [int(point) for point in dictionary.positions(word) if not point.data])


class Patterns:
    """Liang's algorithm, as TeX, pyphen and LibreOffice hyphenate, over one file of TeX patterns.

    Hand-written instead of `pyphen.Pyphen(filename=...)` because pyphen parses all 36,709 German
    patterns up front, 0.14 s in every process that hyphenates: `newsroom build` after one changed
    report of the sample content took 0.39 s with it and takes 0.25 s with this, which reads the
    patterns as text (0.02 s) and parses each when a word first needs it. A test compares its breaks
    with pyphen's on the same file.
    """

    def __init__(self, path: Path):
        lines = path.read_text(encoding="utf-8").split("\n")[1:]  # the first line names the encoding
        self.raw = {line.translate(_NO_DIGITS): line for line in map(str.strip, lines) if line and line[0] not in "%#"}
        self.longest = max(map(len, self.raw))
        self.parsed: dict[str, list[int]] = {}

    def breaks(self, word: str) -> list[int]:
        """Letters before each break of `word`, EDGE letters or more from either end."""
        dotted = f".{word.lower()}."
        values = [0] * (len(dotted) + 1)
        for start in range(len(dotted)):
            for end in range(start + 1, min(start + self.longest, len(dotted)) + 1):
                if dotted[start:end] in self.raw:
                    for offset, value in enumerate(self._values(dotted[start:end])):
                        values[start + offset] = max(values[start + offset], value)
        return [cut for cut in range(EDGE, len(word) - EDGE + 1) if values[cut + 1] % 2]

    def _values(self, letters: str) -> list[int]:
        """"ab5er4r" → [0, 0, 5, 0, 4, 0]: the digit before each letter of "aberr", and after the last."""
        values = self.parsed.get(letters)
        if values is None:
            values = [0] * (len(letters) + 1)
            index = 0
            for char in self.raw[letters]:
                if char.isdigit():
                    values[index] = int(char)
                else:
                    index += 1
            self.parsed[letters] = values
        return values


def _with_vowels(word: str, points: list[int]) -> list[int]:
    """`points` without the breaks on either side of a piece that has no vowel ("Indus-t-rie" → "Industrie")."""
    bounds = [0, *points, len(word)]
    doubtful = set()
    for index in range(len(bounds) - 1):
        if not _VOWEL.search(word, bounds[index], bounds[index + 1]):
            doubtful.update((bounds[index], bounds[index + 1]))
    return [point for point in points if point not in doubtful]
