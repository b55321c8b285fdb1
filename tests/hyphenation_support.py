"""The hand-written German word list (tests/data/hyphenation/de-compounds.txt) and checks on drawn lines."""

from __future__ import annotations

import re
from pathlib import Path

WORD_LIST = Path(__file__).resolve().parent / "data" / "hyphenation" / "de-compounds.txt"
HEADLINE = "Regionalveranstaltung zur Zukunft des Industriestandortes Berlin-Brandenburg"  # the seed's


def hand_written() -> list[tuple[str, set[int]]]:
    """(word, correct break positions) for each line of the list; "In-dus-trie" → ("Industrie", {2, 5})."""
    entries = []
    for line in WORD_LIST.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pieces = line.strip().split("-")
        cuts = [sum(len(piece) for piece in pieces[:index]) for index in range(1, len(pieces))]
        entries.append(("".join(pieces), set(cuts)))
    return entries


def wrong_breaks(lines: list[str], hyphen: str) -> list[str]:
    """"head- / tail" for each line that ends in `hyphen` where the list has no break (or no such word)."""
    correct = {word: {word[:cut] for cut in cuts} for word, cuts in hand_written()}
    wrong = []
    for line, following in zip(lines, lines[1:]):
        if line.rstrip(" ").endswith(hyphen):
            head = re.findall(r"\w+", line.rstrip(" ").removesuffix(hyphen))[-1]
            tail = re.findall(r"\w+", following)[0]
            if head not in correct.get(head + tail, ()):
                wrong.append(f"{head}- / {tail}")
    return wrong
