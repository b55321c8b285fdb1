"""Faster rewrites give the very bytes of what they replace, on many generated inputs."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest

from pipeline.errors import ContentError
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


def test_node_walk_reports_every_anchor_and_alias_where_the_event_stream_has_it():
    """content.py finds anchors and aliases in its one walk of the node tree (issue 10 retired the
    pre-filter and the second parse): the same marks as the parser's own events, on many inputs."""
    import yaml

    from pipeline import content

    data = Path(__file__).resolve().parents[1] / "data"
    texts = [p.read_bytes().decode("utf-8", "replace") for p in sorted(data.rglob("*.yaml"))]
    rnd = random.Random(6)
    texts += [_random_yaml(rnd) for _ in range(8000)]
    checked = 0
    for text in texts:
        try:
            events = list(yaml.parse(text, Loader=yaml.CSafeLoader))
            source = content.parse_yaml(text.encode(), "x.yaml")
        except (yaml.YAMLError, ContentError):
            continue
        if "<<" in text or any("is not supported" in issue.message for issue in source.issues):
            continue  # a merge key's value and a collection with a wrong tag are not walked: they are refused
        expected = sorted((e.start_mark.line + 1, e.start_mark.column + 1,
                           f"YAML aliases (*{e.anchor})" if isinstance(e, yaml.AliasEvent)
                           else f"YAML anchors (&{e.anchor})")
                          for e in events if isinstance(e, yaml.NodeEvent) and e.anchor is not None)
        found = sorted((i.location.line, i.location.column, i.message.removesuffix(" are not allowed"))
                       for i in source.issues if i.message.startswith(("YAML aliases", "YAML anchors")))
        assert found == expected, text
        checked += 1
    assert checked > 800  # 963 of the 8,000 random texts parse and have no wrong tag
