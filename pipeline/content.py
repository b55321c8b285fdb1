"""YAML file → (plain data, location index), with the safety rules of EMAIL-QUALITY S1.

The file is composed with libyaml (`CSafeLoader`, 12× faster than the pure loader) into a node
tree that keeps line/column marks. Walking that tree ourselves lets us refuse what `safe_load`
lets through: duplicate keys (silently last-wins in PyYAML), anchors and aliases (alias bombs),
several documents in one file, and files that are too large or not UTF-8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.errors import ContentError, Issue, Location

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 40  # reports nest 3–4 levels; the bound keeps a 1 MB "[[[[…" file from exhausting the stack
Path_ = tuple  # a path into the data: ("speakers", 0, "name")

try:  # libyaml is in every manylinux wheel of PyYAML; the fallback keeps source installs working
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_SCALARS = yaml.constructor.SafeConstructor.yaml_constructors
_ANCHOR_OR_ALIAS = re.compile(r"[&*][^\s\[\]{},]")  # "&" or "*" followed by a name character


def _may_hold_anchors(text: str) -> bool:
    """False only if no anchor (&a) or alias (*a) token can be in `text`: then the event scan is skipped.

    Such a token begins a node: at a line start after indentation, or after "- ", "? ", ":", a flow
    indicator or a tag. "**bold**" in running text, "F&E" or "- * item" are not candidates, so most
    reports skip the second parse. Over-approximates; tests/perf check it never misses a real one.
    """
    for match in _ANCHOR_OR_ALIAS.finditer(text):
        at = match.start()
        before = at
        while before > 0 and text[before - 1] in " \t":
            before -= 1
        if before == 0 or text[before - 1] in "\n\r\x85\u2028\u2029[]{},:":
            return True
        if before < at:  # whitespace between: a "-"/"?" indicator or a tag (!tag) may precede
            start = before
            while start > 0 and not text[start - 1].isspace():
                start -= 1
            token = re.split(r"[\[\]{},:]", text[start:before])[-1]  # in flow context a tag may follow "[" or ","
            if token in ("-", "?", "---") or token.startswith("!"):
                return True
    return False
_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_STR_TAG = "tag:yaml.org,2002:str"
_constructor = yaml.constructor.SafeConstructor()


@dataclass
class Source:
    """A loaded YAML file: its data, where each key and value sits, and its raw bytes."""

    path: str
    data: object
    locations: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_locations: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    raw: bytes = b""
    issues: list[Issue] = field(default_factory=list)  # non-fatal: duplicate keys, aliases, bad dates
    # Plain scalars that YAML 1.1 read as numbers, as written: `time: 10:00` is 600 and
    # `postal_code: 01067` is 567 (octal), so text fields must use the original spelling.
    written: dict[Path_, str] = field(default_factory=dict)

    def where(self, path: Path_, *, key: bool = False) -> Location:
        """Location of a value (or of its key) by data path, falling back to the nearest parent."""
        index = self.key_locations if key else self.locations
        probe = tuple(path)
        while probe:
            if probe in index:
                return Location(self.path, *index[probe])
            if probe in self.locations:
                return Location(self.path, *self.locations[probe])
            probe = probe[:-1]
        return Location(self.path, *self.locations.get((), (1, 1)))


def load_content(path: Path, display: str | None = None) -> Source:
    """Read one YAML file and return its data with locations; raise ContentError for any defect."""
    name = display or str(path)
    try:
        with path.open("rb") as handle:  # read one byte past the limit, never a whole huge file
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise ContentError([Issue(Location(name), "", f"cannot read the file ({err.strerror})",
                                  "check the path and the file permissions")]) from err
    return parse_yaml(raw, name)


def parse_yaml(raw: bytes, name: str) -> Source:
    """Parse YAML bytes into a Source; every problem becomes an Issue with file:line:column."""
    if len(raw) > MAX_FILE_BYTES:
        raise ContentError([Issue(Location(name, 1, 1), "", f"the file is larger than the 1 MB limit ({MAX_FILE_BYTES:,} bytes)",
                                  "split it, or move long texts and images out of the YAML")])
    text = _decode(raw, name)
    tab = _tab_in_indentation(text)
    if tab:
        raise ContentError([Issue(Location(name, *tab), "", "a tab character is used for indentation",
                                  "indent with spaces only (two per level); set your editor to insert spaces")])
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as err:
        raise ContentError([_syntax_issue(err, name)]) from err
    except yaml.reader.ReaderError as err:  # a raw control character, e.g. Word's line break U+000B
        # libyaml reports a byte offset; the first occurrence of the character is the same place.
        code = err.character if isinstance(err.character, int) else 0
        index = max(text.find(chr(code)), 0)
        line, column = text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)
        raise ContentError([Issue(Location(name, line, column), "",
                                  f"the file contains the invisible control character U+{code:04X}",
                                  "delete it; it often comes from text copied out of Word or a PDF")]) from err
    except yaml.YAMLError as err:  # pragma: no cover - unmarked errors are rare in libyaml
        raise ContentError([Issue(Location(name, 1, 1), "", f"not valid YAML ({err})", "check the syntax")]) from err
    if len(nodes) > 1:
        # Point at the '---' that starts the second document, not at its first key.
        first, second = nodes[0].end_mark.line, nodes[1].start_mark.line
        lines = text.split("\n")
        line = next((i + 1 for i in range(second, first - 1, -1) if lines[i].startswith("---")), second + 1)
        raise ContentError([Issue(Location(name, line, 1), "", "the file holds more than one YAML document",
                                  "remove the '---' line; one report per file")])
    source = Source(name, None, raw=raw)
    if not nodes or nodes[0] is None:
        source.data = None
        return source
    # Duplicate keys, aliases and impossible dates are collected, not raised, so that
    # validation can report them together with every schema problem of the same file.
    source.data = _walk(nodes[0], (), source, source.issues, set())
    if _may_hold_anchors(text):  # a second parse, only where an anchor or alias could start
        source.issues.extend(_anchor_issues(text, name))
    return source


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        guess = ""
        try:
            sample = " ".join(raw[max(0, err.start - 12): err.start + 12].decode("cp1252").split())
            guess = f" (it looks like Windows-1252: “…{sample}…”)"
        except UnicodeDecodeError:
            pass
        raise ContentError([Issue(Location(name, line, column), "", f"the file is not UTF-8{guess}",
                                  "save it as UTF-8 (in most editors: File → Save with encoding → UTF-8)")]) from err


def _tab_in_indentation(text: str) -> tuple[int, int] | None:
    match = re.search(r"^[ ]*\t", text, re.MULTILINE)
    if not match:
        return None
    line = text.count("\n", 0, match.start()) + 1
    return line, match.end() - match.start()


def _syntax_issue(err: yaml.MarkedYAMLError, name: str) -> Issue:
    mark = err.problem_mark or err.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = (err.problem or "invalid YAML").strip()
    hint = "check indentation and quoting around this place"
    if "mapping values are not allowed" in problem:
        hint = "a value containing ': ' must be put in quotes, e.g. title: \"Zukunft: Industrie\""
    elif "found character" in problem and "'@'" in problem or "'`'" in problem:
        hint = "a value starting with @ or ` must be put in quotes"
    elif "could not find expected ':'" in problem:
        hint = "each line needs 'key: value'; quote a long text or use '|' for several lines"
    elif "found undefined alias" in problem or "found unknown escape" in problem:
        hint = "quote the value"
    return Issue(Location(name, line, column), "", f"YAML syntax error: {problem}", hint)


def _anchor_issues(text: str, name: str) -> list[Issue]:
    """One issue per anchor (&name) and alias (*name), at its own mark and data path.

    Composed nodes carry neither the anchor nor the alias position (an alias *is* the anchored
    node), so the events are read once more, tracking the data path with a small stack.
    """
    issues: list[Issue] = []
    frames: list[list] = []  # [path, is_mapping, next index or pending key, expecting a key]
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frames.pop()
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        path: Path_ = ()
        if frames:
            parent = frames[-1]
            if not parent[1]:
                path, parent[2] = parent[0] + (parent[2],), parent[2] + 1
            elif parent[3]:
                path = parent[0] + ("<key>",)
                parent[2] = event.value if isinstance(event, yaml.ScalarEvent) else "?"
                parent[3] = False
            else:
                path, parent[3] = parent[0] + (parent[2],), True
        where = Location(name, event.start_mark.line + 1, event.start_mark.column + 1)
        if isinstance(event, yaml.AliasEvent):
            issues.append(Issue(where, _dotted(path), f"YAML aliases (*{event.anchor}) are not allowed",
                                "write the value out in full at each place"))
        elif event.anchor is not None:
            issues.append(Issue(where, _dotted(path), f"YAML anchors (&{event.anchor}) are not allowed",
                                "remove the anchor and write the value out in full at each place"))
        if isinstance(event, yaml.MappingStartEvent):
            frames.append([path, True, None, True])
        elif isinstance(event, yaml.SequenceStartEvent):
            frames.append([path, False, 0, False])
    return issues


def _walk(node: yaml.Node, path: Path_, source: Source, issues: list[Issue], seen: set[int]) -> object:
    """Turn a node into plain data, recording marks; refuses duplicate keys, skips repeated (aliased) nodes.

    An alias is the same node object as its anchor, so each node is expanded once only: this is
    what makes an alias bomb cheap. `_anchor_issues` reports anchors and aliases where they are.
    """
    if id(node) in seen:
        return None
    seen.add(id(node))
    mark = (node.start_mark.line + 1, node.start_mark.column + 1)
    if len(path) > MAX_DEPTH:
        issues.append(Issue(Location(source.path, *mark), _dotted(path),
                            f"the data is nested more than {MAX_DEPTH} levels deep", "flatten the structure"))
        return None
    source.locations[path] = mark
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _COLLECTION_TAGS:
        issues.append(Issue(Location(source.path, *mark), _dotted(path), f"the YAML tag '{node.tag}' is not supported",
                            "remove the tag (the part starting with '!')"))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                issues.append(Issue(Location(source.path, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                                    _dotted(path), "YAML merge keys (<<) are not allowed",
                                    "write the keys out in full"))
                continue
            key = _walk(key_node, path + ("<key>",), source, issues, seen)
            if not isinstance(key, str):
                key = str(key)
            mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                first = source.key_locations[path + (key,)]
                issues.append(Issue(Location(source.path, *mark), _dotted(path + (key,)),
                                    f"the key '{key}' appears twice (first at line {first[0]})",
                                    "keep one of them; YAML would silently use only the last"))
                continue
            source.key_locations[path + (key,)] = mark
            result[key] = _walk(value_node, path + (key,), source, issues, seen)
        source.locations.pop(path + ("<key>",), None)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, path + (i,), source, issues, seen) for i, item in enumerate(node.value)]
    if node.tag == _STR_TAG:  # most scalars; what SafeConstructor.construct_yaml_str returns for them
        return node.value
    construct = _SCALARS.get(node.tag)
    where = Location(source.path, node.start_mark.line + 1, node.start_mark.column + 1)
    if construct is None:
        issues.append(Issue(where, _dotted(path), f"the YAML tag '{node.tag}' is not supported",
                            "remove the tag (the part starting with '!')"))
        return None
    try:
        value = construct(_constructor, node)
    except ValueError:
        if node.tag != "tag:yaml.org,2002:timestamp":
            issues.append(Issue(where, _dotted(path), f"'{node.value}' does not fit the YAML tag '{node.tag}'",
                                "remove the tag (the part starting with '!')"))
            return None
        issues.append(Issue(where, _dotted(path), f"'{node.value}' is not a real date or time",
                            "check day and month, e.g. 2021-11-29 (year-month-day)"))
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        source.written[path] = node.value
    return value


def _dotted(path: Path_) -> str:
    """("speakers", 0, "name") → "speakers[0].name"."""
    text = ""
    for part in path:
        if part == "<key>":
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


dotted = _dotted
