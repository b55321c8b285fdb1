"""content.load_content / parse_yaml: the YAML safety rules (EMAIL-QUALITY S1) and file:line:column marks."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from pipeline.content import MAX_DEPTH, MAX_FILE_BYTES, load_content, parse_yaml
from pipeline.errors import ContentError, Issue, Location
from pipeline.model import validate

DATA = Path(__file__).resolve().parents[1] / "data"
INVALID = DATA / "invalid"
MINIMAL = DATA / "valid" / "minimal.yaml"
SEED = (Path(__file__).resolve().parents[2] / "content" / "reports"
        / "2021-11-29-industriestandort-berlin-brandenburg.yaml")


def load(name: str):
    return load_content(INVALID / name, display=name)


def refused(name: str) -> list[str]:
    """The issues of a file that the loader itself refuses."""
    with pytest.raises(ContentError) as info:
        load(name)
    return [str(issue) for issue in info.value.issues]


def line_of(text: str, start: str) -> int:
    """1-based number of the first line starting with `start`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))


# --- duplicate keys, anchors, aliases, merge keys, tags ---------------------------------------

def test_duplicate_key_is_reported_at_the_second_key_and_the_first_value_is_kept():
    source = load("duplicate-key.yaml")
    assert [str(issue) for issue in source.issues] == [
        "duplicate-key.yaml:24:1: title: the key 'title' appears twice (first at line 1)"
        " — keep one of them; YAML would silently use only the last",
    ]
    assert source.data["title"] == "Regionalveranstaltung Berlin-Brandenburg"


def test_alias_bomb_is_rejected_fast_and_never_expanded(content_root):
    assert len((INVALID / "alias-bomb.yaml").read_bytes()) < 400  # the classic ~300-byte "lol" bomb
    started = time.perf_counter()
    source = load("alias-bomb.yaml")
    with pytest.raises(ContentError) as info:
        validate(source, content_root)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0  # a safety bound: expanded, the bomb is 9**9 strings
    assert len(json.dumps(source.data)) < 1000
    lines = [str(issue) for issue in info.value.issues]
    assert "alias-bomb.yaml:1:4: a: YAML anchors (&a) are not allowed" \
           " — remove the anchor and write the value out in full at each place" in lines
    assert "alias-bomb.yaml:2:8: b[0]: YAML aliases (*a) are not allowed" \
           " — write the value out in full at each place" in lines
    assert "alias-bomb.yaml:9:32: i[8]: YAML aliases (*h) are not allowed" \
           " — write the value out in full at each place" in lines
    assert sum("YAML anchors" in line for line in lines) == 9
    assert sum("YAML aliases" in line for line in lines) == 8 * 9


def test_alias_is_reported_where_it_is_used_with_its_data_path():
    source = parse_yaml(b"a: &x 1\nb:\n  - c: d\n    e: *x\n", "x.yaml")
    assert source.issues == [
        Issue(Location("x.yaml", 1, 4), "a", "YAML anchors (&x) are not allowed",
              "remove the anchor and write the value out in full at each place"),
        Issue(Location("x.yaml", 4, 8), "b[0].e", "YAML aliases (*x) are not allowed",
              "write the value out in full at each place"),
    ]
    assert source.data == {"a": 1, "b": [{"c": "d", "e": None}]}


def test_an_anchor_without_alias_is_refused_too():
    source = parse_yaml("title: &t Bericht\nsummary: „Text“ & mehr **fett**\n".encode(), "x.yaml")
    assert [str(issue) for issue in source.issues] == [
        "x.yaml:1:8: title: YAML anchors (&t) are not allowed"
        " — remove the anchor and write the value out in full at each place",
    ]


def test_ampersand_and_asterisk_in_text_are_not_anchors():
    source = parse_yaml("title: Forschung & Entwicklung\nbody: |\n  **fett** und *kursiv*\n".encode(), "x.yaml")
    assert source.issues == []
    assert source.data == {"title": "Forschung & Entwicklung", "body": "**fett** und *kursiv*\n"}


def test_merge_key_is_refused(content_root):
    with pytest.raises(ContentError) as info:
        validate(load("merge-key.yaml"), content_root)
    assert [str(issue) for issue in info.value.issues] == [
        "merge-key.yaml:19:3: contact: YAML merge keys (<<) are not allowed — write the keys out in full",
    ]


def test_python_tag_is_refused_once(content_root):
    with pytest.raises(ContentError) as info:
        validate(load("python-tag.yaml"), content_root)
    assert [str(issue) for issue in info.value.issues] == [
        "python-tag.yaml:1:8: title: the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not"
        " supported — remove the tag (the part starting with '!')",
    ]


@pytest.mark.parametrize(("text", "tag"), [
    ("tags: !!set {a, b}\n", "tag:yaml.org,2002:set"),
    ("tags: !!omap [a: 1]\n", "tag:yaml.org,2002:omap"),
    ("tags: !mine [a]\n", "!mine"),
    ("tags: !mine a\n", "!mine"),
])
def test_unknown_tags_are_refused(text, tag):
    source = parse_yaml(text.encode(), "x.yaml")
    assert source.issues == [Issue(Location("x.yaml", 1, 7), "tags", f"the YAML tag '{tag}' is not supported",
                                   "remove the tag (the part starting with '!')")]


# --- syntax, tabs, documents, encoding, size, depth ------------------------------------------

def test_tab_in_indentation_is_refused_with_its_position():
    assert refused("tab-indent.yaml") == [
        "tab-indent.yaml:5:1: a tab character is used for indentation"
        " — indent with spaces only (two per level); set your editor to insert spaces",
    ]


def test_tab_after_spaces_points_at_the_tab():
    with pytest.raises(ContentError) as info:
        parse_yaml(b"event:\n  date: 2021-11-29\n  \tplace: Berlin\n", "x.yaml")
    assert info.value.issues[0].location == Location("x.yaml", 3, 3)


def test_tab_inside_a_value_is_fine():
    assert parse_yaml(b"title: a\tb\n", "x.yaml").data == {"title": "a\tb"}


def test_second_document_is_refused_at_its_separator():
    assert refused("multi-document.yaml") == [
        "multi-document.yaml:24:1: the file holds more than one YAML document"
        " — remove the '---' line; one report per file",
    ]


def test_leading_document_marker_is_allowed():
    assert parse_yaml(b"---\ntitle: Bericht\n", "x.yaml").data == {"title": "Bericht"}


def test_syntax_error_names_the_place_and_the_fix():
    assert refused("yaml-syntax-error.yaml") == [
        "yaml-syntax-error.yaml:1:30: YAML syntax error: mapping values are not allowed in this context"
        " — a value containing ': ' must be put in quotes, e.g. title: \"Zukunft: Industrie\"",
    ]


def test_raw_control_character_is_refused_at_its_place():
    # Word's Shift+Enter pastes U+000B; libyaml refuses it with a byte offset, we give line and column.
    assert refused("control-character.yaml") == [
        "control-character.yaml:6:68: the file contains the invisible control character U+000B"
        " — delete it; it often comes from text copied out of Word or a PDF",
    ]


def test_windows_1252_file_is_refused_with_a_hint(tmp_path):
    text = MINIMAL.read_text(encoding="utf-8").replace("place: Berlin", "place: Fürstenwalde/Spree")
    path = tmp_path / "bericht.yaml"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(ContentError) as info:
        load_content(path, display="bericht.yaml")
    # the sample around the bad byte spans a line break; the message must stay on one line
    assert [str(issue) for issue in info.value.issues] == [
        "bericht.yaml:5:11: the file is not UTF-8 (it looks like Windows-1252: “…9 place: Fürstenwalde/…”)"
        " — save it as UTF-8 (in most editors: File → Save with encoding → UTF-8)",
    ]


def test_utf8_with_byte_order_mark_is_accepted():
    source = parse_yaml(b"\xef\xbb\xbf" + MINIMAL.read_bytes(), "x.yaml")
    assert source.issues == []
    assert source.data["title"] == "Regionalveranstaltung Berlin-Brandenburg"


def test_file_over_one_megabyte_is_refused(tmp_path):
    head = MINIMAL.read_bytes() + b"# "
    path = tmp_path / "big.yaml"
    path.write_bytes(head + b"x" * (3 * MAX_FILE_BYTES - len(head)))
    with pytest.raises(ContentError) as info:
        load_content(path, display="big.yaml")
    assert [str(issue) for issue in info.value.issues] == [
        "big.yaml:1:1: the file is larger than the 1 MB limit (1,000,000 bytes)"
        " — split it, or move long texts and images out of the YAML",
    ]


def test_file_of_exactly_one_megabyte_is_accepted(tmp_path):
    head = MINIMAL.read_bytes() + b"# "
    path = tmp_path / "big.yaml"
    path.write_bytes(head + b"x" * (MAX_FILE_BYTES - len(head)))
    assert load_content(path).issues == []


def test_deep_nesting_is_an_issue_not_a_crash():
    depth = 200  # below libyaml's own limit of 1000, far above ours
    source = parse_yaml(("tags: " + "[" * depth + "]" * depth).encode(), "x.yaml")
    assert [(issue.location, issue.message) for issue in source.issues] == [
        (Location("x.yaml", 1, 7 + MAX_DEPTH), f"the data is nested more than {MAX_DEPTH} levels deep"),
    ]


def test_unreadable_file_names_the_path(tmp_path):
    with pytest.raises(ContentError) as info:
        load_content(tmp_path / "fehlt.yaml", display="fehlt.yaml")
    assert [str(issue) for issue in info.value.issues] == [
        "fehlt.yaml: cannot read the file (No such file or directory) — check the path and the file permissions",
    ]


# --- values and locations --------------------------------------------------------------------

def test_impossible_date_is_reported_once(content_root):
    with pytest.raises(ContentError) as info:
        validate(load("impossible-date.yaml"), content_root)
    assert [str(issue) for issue in info.value.issues] == [
        "impossible-date.yaml:4:9: event.date: '2021-02-30' is not a real date or time"
        " — check day and month, e.g. 2021-11-29 (year-month-day)",
    ]


def test_numbers_keep_their_spelling_for_text_fields():
    source = parse_yaml(b"time: 10:00\nphone: 0301234567\nzip: 01067\nn: 12\n", "x.yaml")
    assert source.data == {"time": 600, "phone": 0o301234567, "zip": 0o1067, "n": 12}  # what YAML 1.1 reads
    assert source.written == {("time",): "10:00", ("phone",): "0301234567", ("zip",): "01067", ("n",): "12"}


def test_locations_of_keys_values_and_list_items():
    text = SEED.read_text(encoding="utf-8")
    source = load_content(SEED, display="seed.yaml")
    speakers = line_of(text, "speakers:")
    assert source.where(("event", "date")) == Location("seed.yaml", line_of(text, "  date:"), 9)
    assert source.where(("speakers",), key=True) == Location("seed.yaml", speakers, 1)
    assert source.where(("speakers", 1, "name")) == Location("seed.yaml", line_of(text, "  - name: Dr. Kai"), 11)
    # an unknown path falls back to its nearest known parent
    assert source.where(("speakers", 1, "nickname")) == Location("seed.yaml", line_of(text, "  - name: Dr. Kai"), 5)


def test_the_seed_report_loads_without_issues():
    source = load_content(SEED)
    assert source.issues == []
    assert source.raw == SEED.read_bytes()
    assert source.data["event"]["place"] == "Metropolregion Berlin-Brandenburg"


# --- control characters and noncharacters in values ------------------------------------------

@pytest.mark.parametrize(("escape", "named"), [
    ("\\0", "U+0000 (NULL)"), ("\\e", "U+001B (ESCAPE)"), ("\\x07", "U+0007 (BELL)"), ("\\x7f", "U+007F (DELETE)"),
    ("\\x9b", "U+009B (a C1 control character)"), ("\\uFFFE", "U+FFFE (a Unicode noncharacter)"),
    ("\\U0010FFFF", "U+10FFFF (a Unicode noncharacter)"),
])
def test_a_control_character_written_as_an_escape_is_refused_by_name(escape, named):
    """libyaml's reader refuses raw control characters, but a double-quoted escape lets them through;
    the MJML compiler then failed at build with a message about the template (issue 10 §3)."""
    source = parse_yaml(f'title: Bericht\nevent:\n  place: "Ber{escape}lin"\n'.encode(), "x.yaml")
    assert [(str(issue.location), issue.field, issue.message) for issue in source.issues] == [
        ("x.yaml:3:10", "event.place", f"contains {named}")]
    assert source.data["event"]["place"] is None  # nothing downstream sees it


def test_the_message_names_the_character_and_how_it_is_written():
    source = parse_yaml(b'title: "Kurz\\x07meldung"\n', "x.yaml")
    assert [str(issue) for issue in source.issues] == [
        "x.yaml:1:8: title: contains U+0007 (BELL) — remove it (in double quotes it is written \\a or \\x07);"
        " it cannot be printed, and mail software refuses it"]


def test_tab_and_line_feed_stay_allowed_in_values():
    source = parse_yaml(b'body: "Zeile\\teins\\nZeile zwei"\nsummary: |\n  a\tb\n  c\n', "x.yaml")
    assert source.issues == []
    assert source.data == {"body": "Zeile\teins\nZeile zwei", "summary": "a\tb\nc\n"}


def test_a_control_character_in_a_key_is_refused_and_the_key_still_named():
    source = parse_yaml(b'"tit\\x1ble": Bericht\n', "x.yaml")
    assert [str(issue).split(" — ")[0] for issue in source.issues] == ["x.yaml:1:1: contains U+001B (ESCAPE)"]
    assert source.data == {"tit\ufffdle": "Bericht"}


def test_a_large_alias_bomb_is_refused_in_milliseconds():
    """Composing never expands aliases and the walk meets each anchored node once: a bomb of 20
    levels (9**20 strings expanded) near the size limit is still a few milliseconds."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 21)]
    started = time.perf_counter()
    source = parse_yaml("\n".join(lines).encode(), "bomb.yaml")
    elapsed = time.perf_counter() - started
    assert sum("YAML aliases" in issue.message for issue in source.issues) == 20 * 9
    assert elapsed < 0.5  # measured: about 6 ms
    assert len(json.dumps(source.data)) < 2000


def test_a_number_too_long_to_read_gets_a_message_about_quotes_not_about_a_tag():
    """Python reads at most 4,300 digits; the message used to say 'remove the tag' where none was written."""
    source = parse_yaml(("title: 1" + "0" * 5000 + "\n").encode(), "x.yaml")
    assert [str(issue) for issue in source.issues] == [
        f"x.yaml:1:8: title: '1{'0' * 19}…{'0' * 20}' is too long to be read as a number"
        " — put the value in quotes to keep it as text"]
    assert [str(issue) for issue in parse_yaml(b"n: !!int zwei\n", "x.yaml").issues] == [
        "x.yaml:1:4: n: 'zwei' does not fit the YAML tag 'tag:yaml.org,2002:int' — "
        "remove the tag (the part starting with '!')"]
