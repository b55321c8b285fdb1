"""YAML file → (plain data, location index), with the safety rules of EMAIL-QUALITY S1.

The file is composed with libyaml (`CSafeLoader`, 12× faster than the pure loader) into a node
tree that keeps line/column marks. Walking that tree ourselves (once) lets us refuse what `safe_load`
lets through: duplicate keys (silently last-wins in PyYAML), anchors, aliases and merge keys (alias
bombs), control characters and noncharacters that a double-quoted escape writes into a value, several
documents in one file, and files that are too large or not UTF-8.
"""

from __future__ import annotations

import bisect
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
# What no value may hold: C0 controls but TAB and LF (multi-line fields; single-line ones refuse LF in
# schema.py), DEL, C1 controls, and Unicode noncharacters. Only a double-quoted escape ("\e", "\x07")
# gets them past libyaml's reader; the MJML compiler then fails on them, blaming the template.
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef"
                        + "".join(f"{chr(plane * 0x10000 + 0xfffe)}{chr(plane * 0x10000 + 0xffff)}"
                                  for plane in range(17))
                        + "]")
_C0_NAMES = ("NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION", "ENQUIRY",
             "ACKNOWLEDGE", "BELL", "BACKSPACE", "CHARACTER TABULATION", "LINE FEED", "LINE TABULATION",
             "FORM FEED", "CARRIAGE RETURN", "SHIFT OUT", "SHIFT IN", "DATA LINK ESCAPE", "DEVICE CONTROL ONE",
             "DEVICE CONTROL TWO", "DEVICE CONTROL THREE", "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE",
             "SYNCHRONOUS IDLE", "END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM", "SUBSTITUTE", "ESCAPE",
             "FILE SEPARATOR", "GROUP SEPARATOR", "RECORD SEPARATOR", "UNIT SEPARATOR")
_SHORT_ESCAPES = {0: "\\0", 7: "\\a", 8: "\\b", 0xb: "\\v", 0xc: "\\f", 0xd: "\\r", 0x1b: "\\e", 0x85: "\\N"}
_ANCHOR = re.compile(r"(?:![^\s]*[ \t]+)?&([^\s\[\]{},]+)")  # at a node's start: an anchor, maybe after a tag
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
    literal_starts: dict[Path_, int] = field(default_factory=dict)  # '|' blocks: the line their text starts on

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

    def where_in_text(self, path: Path_, line: int, needle: str = "") -> Location:
        """Where line `line` (0-based) of the text value at `path` is, at `needle` if that line shows it.

        Exact for a literal block (`body: |`, as reports write it); in a folded or quoted value the
        lines are joined, so the first file line at or after the value's start showing `needle` is
        taken, else the value's start.
        """
        lines = self.raw.decode("utf-8-sig", "replace").split("\n")
        start = self.literal_starts.get(tuple(path))
        if start is not None and start + line <= len(lines):
            text = lines[start + line - 1]
            at = text.find(needle) if needle else -1
            return Location(self.path, start + line, (at if at >= 0 else len(text) - len(text.lstrip(" "))) + 1)
        value = self.where(path)
        if needle:
            for number in range(value.line, len(lines) + 1):
                at = lines[number - 1].find(needle, value.column - 1 if number == value.line else 0)
                if at >= 0:
                    return Location(self.path, number, at + 1)
        return value


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
        raise ContentError([Issue(Location(name, 1, 1), "",
                                  f"the file is larger than the 1 MB limit ({MAX_FILE_BYTES:,} bytes)",
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
    source.data = _Walk(source, text).node(nodes[0], ())
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


class _Walk:
    """Node tree → plain data, recording marks; refuses what `safe_load` would let through.

    Refused here, as issues: duplicate keys (PyYAML keeps the last), anchors, aliases and merge keys
    (EMAIL-QUALITY S1), control characters and noncharacters in values, unsupported tags, impossible
    dates. An alias *is* its anchor's node object, so a node met a second time is an alias: it is
    reported and not expanded again, which is what keeps an alias bomb cheap (no second parse of the
    file). The anchor is read from the text at its node's start mark; an alias, which has no mark of its
    own, is found as the next `*name` in the text, as the walk goes through the file in order.
    """

    def __init__(self, source: Source, text: str):
        self.source = source
        self.issues = source.issues
        self.text = text
        self.anchors = "&" in text  # else no node can carry one: skip the look at each node's start
        self.seen: dict[int, str] = {}  # id(node) → its anchor name ("" if none)
        self.cursor = 0  # where the next alias is searched from
        self.line_starts: list[int] | None = None

    def node(self, node: yaml.Node, path: Path_) -> object:
        source = self.source
        start = node.start_mark
        anchor = self.seen.get(id(node))
        if anchor is not None:
            self._alias(anchor, path)
            return None
        anchor = ""
        if self.anchors and self.text.startswith(("&", "!"), start.index):
            match = _ANCHOR.match(self.text, start.index)
            anchor = match.group(1) if match else ""
        self.seen[id(node)] = anchor
        mark = (start.line + 1, start.column + 1)
        if anchor:
            self._issue(mark, path, f"YAML anchors (&{anchor}) are not allowed",
                        "remove the anchor and write the value out in full at each place")
        if len(path) > MAX_DEPTH:
            self._issue(mark, path, f"the data is nested more than {MAX_DEPTH} levels deep", "flatten the structure")
            return None
        source.locations[path] = mark
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _COLLECTION_TAGS:
            self._issue(mark, path, f"the YAML tag '{node.tag}' is not supported",
                        "remove the tag (the part starting with '!')")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.node(item, path + (i,)) for i, item in enumerate(node.value)]
        if node.tag == _STR_TAG:  # most scalars; what SafeConstructor.construct_yaml_str returns for them
            value = node.value
            if node.style == "|":  # a literal block: its lines are the file's, from the next line on
                source.literal_starts[path] = start.line + 2
            if value.isprintable():  # no control character nor noncharacter: the usual case, fast
                return value
            bad = _FORBIDDEN.search(value)
            if bad is None:
                return value
            self._issue(mark, path, *_forbidden_issue(bad.group(0)))
            return None
        return self._scalar(node, path, mark)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict:
        source = self.source
        result: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._issue((key_node.start_mark.line + 1, key_node.start_mark.column + 1), path,
                            "YAML merge keys (<<) are not allowed", "write the keys out in full")
                continue
            key = self.node(key_node, path + ("<key>",))
            if key is None and key_node.tag == _STR_TAG:  # refused for a control character: name it still
                key = _FORBIDDEN.sub("\ufffd", key_node.value)
            if not isinstance(key, str):
                key = str(key)
            mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                first = source.key_locations[path + (key,)]
                self._issue(mark, path + (key,), f"the key '{key}' appears twice (first at line {first[0]})",
                            "keep one of them; YAML would silently use only the last")
                continue
            source.key_locations[path + (key,)] = mark
            result[key] = self.node(value_node, path + (key,))
        source.locations.pop(path + ("<key>",), None)
        return result

    def _scalar(self, node: yaml.ScalarNode, path: Path_, mark: tuple[int, int]) -> object:
        construct = _SCALARS.get(node.tag)
        if construct is None:
            self._issue(mark, path, f"the YAML tag '{node.tag}' is not supported",
                        "remove the tag (the part starting with '!')")
            return None
        try:
            value = construct(_constructor, node)
        except ValueError:
            if node.tag != "tag:yaml.org,2002:timestamp":
                if not self.text.startswith("!", node.start_mark.index):  # no tag written: too long a number
                    self._issue(mark, path, f"'{_shortened(node.value)}' is too long to be read as a number",
                                "put the value in quotes to keep it as text")
                    return None
                self._issue(mark, path, f"'{node.value}' does not fit the YAML tag '{node.tag}'",
                            "remove the tag (the part starting with '!')")
                return None
            self._issue(mark, path, f"'{node.value}' is not a real date or time",
                        "check day and month, e.g. 2021-11-29 (year-month-day)")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.source.written[path] = node.value
        return value

    def _alias(self, anchor: str, path: Path_) -> None:
        """Report an alias at the next `*anchor` in the text (the parent's mark if none is found)."""
        name = anchor or "…"
        alias = re.compile(r"(?<![^\s\[{,:?-])\*" + re.escape(anchor) + r"(?![^\s\]},])") if anchor else None
        found = alias.search(self.text, self.cursor) if alias else None
        if found:
            self.cursor = found.end()
            mark = self._line_column(found.start())
        else:
            mark = self.source.where(path[:-1]).line, self.source.where(path[:-1]).column
        self._issue(mark, path, f"YAML aliases (*{name}) are not allowed", "write the value out in full at each place")

    def _line_column(self, index: int) -> tuple[int, int]:
        if self.line_starts is None:
            self.line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self.line_starts, index)
        return line, index - self.line_starts[line - 1] + 1

    def _issue(self, mark: tuple[int, int], path: Path_, message: str, hint: str) -> None:
        self.issues.append(Issue(Location(self.source.path, *mark), _dotted(path), message, hint))


def _shortened(text: str, keep: int = 20) -> str:
    return text if len(text) <= 2 * keep + 1 else f"{text[:keep]}…{text[-keep:]}"


def _forbidden_issue(char: str) -> tuple[str, str]:
    """Message and fix for a control character or noncharacter found in a value."""
    code = ord(char)
    if code < 0x20:
        what = f"U+{code:04X} ({_C0_NAMES[code]})"
    elif code == 0x7F:
        what = "U+007F (DELETE)"
    elif code <= 0x9F:
        what = f"U+{code:04X} (a C1 control character)"
    else:
        what = f"U+{code:04X} (a Unicode noncharacter)"
    written = f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    if code in _SHORT_ESCAPES:
        written = f"{_SHORT_ESCAPES[code]} or {written}"
    return (f"contains {what}",
            f"remove it (in double quotes it is written {written}); it cannot be printed, and mail software refuses it")


def _dotted(path: Path_) -> str:
    """("speakers", 0, "name") → "speakers[0].name"."""
    text = ""
    for part in path:
        if part == "<key>":
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


dotted = _dotted
