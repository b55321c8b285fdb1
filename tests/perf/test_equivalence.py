"""Faster rewrites give the very bytes of what they replace, on many generated inputs."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest

from pipeline.render.environment import wrap


def textwrap_fill(text, width=72, indent="", first=None):
    return textwrap.fill(" ".join(str(text).split()), width=width, initial_indent=indent if first is None else first,
                         subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


@pytest.mark.parametrize("seed", range(4))
def test_wrap_equals_textwrap(seed):
    rnd = random.Random(seed)
    for _ in range(3000):
        words = ["".join(rnd.choice("abcdeäöü-/.:") for _ in range(rnd.choice([1, 2, 3, 5, 8, 13, 30, 80])))
                 for _ in range(rnd.randint(0, 40))]
        text = "".join(word + rnd.choice([" ", "  ", "\n", "\t", " \u00a0 "]) for word in words)
        width = rnd.choice([1, 2, 5, 10, 20, 40, 72, 78])
        indent, first = rnd.choice(["", "  ", "      "]), rnd.choice([None, "", "- ", "1. ", "  - ", "x" * 12])
        assert wrap(text, width, indent, first) == textwrap_fill(text, width, indent, first), (text, width)


def _random_yaml(rnd: random.Random) -> str:
    """Block and flow YAML with anchors, aliases and tags in every position a node can start."""
    def node(depth):
        props = rnd.choice(["", "&a ", "!!str ", "&b !!str ", "!!str &c ", "&x\t"]) if depth < 4 else ""
        if rnd.random() < 0.1:
            return "*a"
        kind = rnd.random()
        if kind < 0.25 and depth < 4:
            return props + "[" + ", ".join(node(depth + 1) for _ in range(rnd.randint(0, 3))) + "]"
        if kind < 0.45 and depth < 4:
            return props + "{" + ", ".join(f"k{i}: {node(depth + 1)}" for i in range(rnd.randint(0, 3))) + "}"
        return props + rnd.choice(["text", "F&E", "**bold**", "a*b", "x & y", "'&q'", '"*q"'])

    def block(depth, indent):
        lines = []
        for i in range(rnd.randint(1, 4)):
            kind = rnd.random()
            if kind < 0.5:
                lines.append(" " * indent + f"k{i}: " + node(depth))
            elif kind < 0.7 and depth < 3:
                lines.append(" " * indent + f"k{i}: " + rnd.choice(["", "&m", "!!map", "&n !!map"]))
                lines += block(depth + 1, indent + 2)
            elif kind < 0.85:
                lines.append(" " * indent + f"k{i}:")
                lines += [" " * indent + rnd.choice(["- ", "-\t", "- &s "]) + node(depth) for _ in range(3)]
            else:
                lines += [" " * indent + f"k{i}: " + rnd.choice(["|", "&t |", ">-"]),
                          " " * (indent + 2) + rnd.choice(["* item", "**bold** text", "&amp; x", "- * y"])]
        return lines

    return rnd.choice(["", "--- ", "--- &d\n"]) + "\n".join(block(0, 0)) + "\n"


def test_anchor_prefilter_never_misses_an_anchor_or_alias():
    """content.py runs the event scan for anchors only where its regex sees a candidate."""
    import yaml

    from pipeline import content

    data = Path(__file__).resolve().parents[1] / "data"
    texts = [p.read_bytes().decode("utf-8", "replace") for p in sorted(data.rglob("*.yaml"))]
    rnd = random.Random(6)
    texts += [_random_yaml(rnd) for _ in range(8000)]
    checked = 0
    for text in texts:
        try:
            issues = content._anchor_issues(text, "x.yaml")
        except yaml.YAMLError:
            continue
        checked += 1
        assert not issues or content._may_hold_anchors(text), text
    assert checked > 1500
