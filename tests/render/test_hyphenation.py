"""German hyphenation of headings (issue 11): every soft hyphen we offer is a correct break.

The word list (tests/data/hyphenation/de-compounds.txt) was written by hand after the 2006 rules; it
holds the seed's headline words and 150 more compounds of this domain with every correct break.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hyphenation_support import hand_written

from pipeline.render.environment import make_environment
from pipeline.render.hyphenation import SOFT_HYPHEN, breaks, hyphenate

MIN_RECALL = 0.85  # measured: 88.5 % (668 of 755); most missed breaks lie within 3 letters of an end


def shown(word: str, points) -> str:
    return "-".join(word[start:end] for start, end in zip([0, *points], [*points, len(word)]))


def test_the_list_has_at_least_100_long_words_and_the_seed_headline():
    words = {word for word, _ in hand_written()}
    assert len(words) >= 100 and all(len(word) >= 12 for word in words)
    assert {"Regionalveranstaltung", "Industriestandortes"} <= words


def test_no_break_we_offer_is_wrong():
    wrong = [f"{shown(word, breaks(word, 'de'))} (correct: {shown(word, sorted(correct))})"
             for word, correct in hand_written() if not set(breaks(word, "de")) <= correct]
    assert wrong == []


def test_most_correct_breaks_are_offered():
    entries = hand_written()
    found = sum(len(set(breaks(word, "de")) & correct) for word, correct in entries)
    total = sum(len(correct) for _, correct in entries)
    assert found / total >= MIN_RECALL, f"{found} of {total} correct breaks offered"


@pytest.mark.parametrize("word, expected", [
    ("Industriestandortes", "Indus-trie-stand-or-tes"),  # pyphen's de_DE: In-dus-tri-e-stand-ortes
    ("Regionalveranstaltung", "Regio-nal-ver-an-stal-tung"),  # pyphen's de_DE: Re-gi-o-na-l-ver-an-stal-tung
    ("Energieversorgung", "Ener-gie-ver-sor-gung"),  # the patterns alone also offer "En-er-gie"
    ("Vorschautext", "Vor-schautext"),  # the patterns also offer "Vorschaut-ext": a piece "t" without a vowel
    ("Industriestrategie", "Indus-trie-stra-te-gie"),  # and "Indust-rie": legal, but no vowel in "t"
])
def test_the_headline_words_break_where_a_reader_expects(word, expected):
    assert shown(word, breaks(word, "de")) == expected


def test_hyphenate_puts_soft_hyphens_only_into_long_words():
    result = hyphenate("Zukunft des Industriestandortes Berlin-Brandenburg", "de")
    assert result == "Zukunft des Indus\u00adtrie\u00adstand\u00ador\u00adtes Berlin-Brandenburg"
    assert result.replace(SOFT_HYPHEN, "") == "Zukunft des Industriestandortes Berlin-Brandenburg"


def test_other_languages_use_pyphens_dictionaries_and_unknown_ones_get_none():
    assert hyphenate("infrastructure", "en").replace(SOFT_HYPHEN, "-") == "infra-struc-ture"
    assert hyphenate("Industriestandortes", "xx") == "Industriestandortes"


def test_the_filter_hyphenates_headings_in_templates(tmp_path):
    (tmp_path / "h.html.j2").write_text("<h1>{{ title | hyphenate('de') }}</h1>", encoding="utf-8")
    html = make_environment(str(tmp_path)).get_template("h.html.j2").render(title="Wasserstoffnetzwerk & Co")
    assert html == "<h1>Was\u00adser\u00adstoff\u00adnetz\u00adwerk &amp; Co</h1>"


def test_our_pattern_reader_breaks_like_pyphen_on_the_same_file():
    """`Patterns` is hand-written for load time only: its breaks are pyphen's, on every word we can find."""
    import re

    import pyphen

    from pipeline.render.hyphenation import EDGE, GERMAN_PATTERNS, Patterns

    root = Path(__file__).resolve().parents[2]
    words = {word for word, _ in hand_written()}
    for path in [*root.glob("content/**/*.yaml"), *root.glob("docs/*.md"), *root.glob("pipeline/locale/de/**/*.po")]:
        words |= set(re.findall(r"[^\W\d_]{4,}", path.read_text(encoding="utf-8")))
    words |= {word.upper() for word in list(words)[:200]} | {"Straße", "Maßnahmenpaket", "Äußerungen", "Öl"}
    ours, theirs = Patterns(GERMAN_PATTERNS), pyphen.Pyphen(filename=GERMAN_PATTERNS, left=EDGE, right=EDGE)
    assert len(words) > 1000
    assert {word: ours.breaks(word) for word in words} == {word: theirs.positions(word) for word in words}
