"""model.validate: plain report data → Report, or every problem as `path:line:column: field: message — hint`."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from pipeline.content import load_content, parse_yaml
from pipeline.errors import ContentError
from pipeline.model import Report, validate

DATA = Path(__file__).resolve().parents[1] / "data"
INVALID = DATA / "invalid"
VALID = DATA / "valid"
MINIMAL = VALID / "minimal.yaml"
SEED = (Path(__file__).resolve().parents[2] / "content" / "reports"
        / "2021-11-29-industriestandort-berlin-brandenburg.yaml")
HERO = "src: images/2021-11-29-regionalveranstaltung.png"
ALT_HINT = "describe what the picture shows in one sentence (max. 150 characters)"
ABSOLUTE = "is an absolute or encoded path — write a path relative to content/, e.g. images/foto.jpg"
OUTSIDE = "points outside the content folder — put the image below content/images/"


def issues(path: Path, content_root: Path, display: str | None = None) -> list[str]:
    """Every issue validate() reports for a file, as printed."""
    with pytest.raises(ContentError) as info:
        validate(load_content(path, display=display or path.name), content_root)
    return [str(issue) for issue in info.value.issues]


def issues_of_text(text: str, content_root: Path, name: str = "bericht.yaml") -> list[str]:
    with pytest.raises(ContentError) as info:
        validate(parse_yaml(text.encode(), name), content_root)
    return [str(issue) for issue in info.value.issues]


# One file per failure (tests/data/invalid), each a valid report except for its one defect.
EXPECTED = {
    "unknown-key.yaml": [
        "unknown-key.yaml:4:3: event.place: 'place' is required but missing — the city or region, e.g. Berlin",
        "unknown-key.yaml:5:3: event.plase: unknown field 'plase' — did you mean 'place'?",
    ],
    "missing-alt.yaml": [
        f"missing-alt.yaml:10:3: hero.alt: 'alt' is required but missing — {ALT_HINT}",
    ],
    "generic-alt.yaml": [
        f"generic-alt.yaml:11:8: hero.alt: 'Bild' does not describe the picture — {ALT_HINT}",
    ],
    "alt-file-name.yaml": [
        f"alt-file-name.yaml:11:8: hero.alt: 'IMG_4711.jpg' does not describe the picture — {ALT_HINT}",
    ],
    "german-date.yaml": [
        "german-date.yaml:4:9: event.date: expected a date (YYYY-MM-DD), found the text '29.11.2021'"
        " — write the date as 2021-11-29 (year-month-day); '29.11.2021' is the German notation",
    ],
    "impossible-date.yaml": [
        "impossible-date.yaml:4:9: event.date: '2021-02-30' is not a real date or time"
        " — check day and month, e.g. 2021-11-29 (year-month-day)",
    ],
    "end-before-start.yaml": [
        "end-before-start.yaml:5:13: event.end_date: ends before it starts — end_date must be on or after date",
    ],
    "wrong-type.yaml": [
        "wrong-type.yaml:12:11: speakers: expected a list (lines starting with '- '), found the text"
        " 'Dr. Erika Muster, Abteilungsleiterin' — put each entry on its own line, starting with '- '"
        " and indented under the field",
    ],
    "bad-status.yaml": [
        "bad-status.yaml:2:9: status: 'raedy' is not allowed here — did you mean 'ready'? use one of: draft, ready",
    ],
    "bad-email.yaml": [
        "bad-email.yaml:20:10: contact.email: 'presse(at)example.org' is not an e-mail address"
        " — write it like presse@example.org",
    ],
    "summary-too-short.yaml": [
        "summary-too-short.yaml:6:10: summary: is 12 characters, at least 40 are needed"
        " — one or two sentences, 40–140 characters; inbox preview text (preheader)",
    ],
    "link-text-hier.yaml": [
        "link-text-hier.yaml:16:12: links[0].label: 'hier' does not say where the link leads"
        " — say where the link leads, not 'hier' or 'mehr'",
    ],
    "http-link.yaml": [
        "http-link.yaml:17:10: links[0].url: 'http://newsroom.example.org/programm' is not an https:// address"
        " — write the full address starting with https://",
    ],
    "embargo-without-offset.yaml": [
        "embargo-without-offset.yaml:23:12: press.embargo: the time has no UTC offset"
        " — add the offset, e.g. 2026-12-01T10:00:00+01:00 (winter) or +02:00 (summer)",
    ],
    "embargo-date-only.yaml": [
        "embargo-date-only.yaml:23:12: press.embargo: expected a date and time (YYYY-MM-DDTHH:MM:SS+01:00),"
        " found the date 2021-11-30 — add a time and the UTC offset, e.g. 2026-12-01T10:00:00+01:00",
    ],
    "title-with-newline.yaml": [
        "title-with-newline.yaml:1:8: title: must be a single line — remove the line breaks (no '|' block here)",
    ],
    "missing-image.yaml": [
        "missing-image.yaml:10:8: hero.src: the image 'images/2021-11-29-regionalveranstaltung.jpg' does not exist"
        " — check the spelling; paths are relative to content/",
    ],
    "path-traversal-dotdot.yaml": [f"path-traversal-dotdot.yaml:10:8: hero.src: '../../etc/passwd' {OUTSIDE}"],
    "path-traversal-inner-dotdot.yaml": [f"path-traversal-inner-dotdot.yaml:10:8: hero.src: 'a/../../x' {OUTSIDE}"],
    "path-traversal-absolute.yaml": [f"path-traversal-absolute.yaml:10:8: hero.src: '/etc/passwd' {ABSOLUTE}"],
    "path-traversal-drive-letter.yaml": [f"path-traversal-drive-letter.yaml:10:8: hero.src: 'C:\\x' {ABSOLUTE}"],
    "path-traversal-encoded.yaml": [f"path-traversal-encoded.yaml:10:8: hero.src: '%2e%2e/x' {ABSOLUTE}"],
    "path-traversal-file-url.yaml": [
        "path-traversal-file-url.yaml:10:8: hero.src: 'file:///etc/passwd' is neither a local path nor an https://"
        " address — use a path below content/ such as images/foto.jpg, or an https:// address",
    ],
    "empty.yaml": ["empty.yaml:1:1: the file is empty — start from content/reports/_template.yaml"],
    "comments-only.yaml": ["comments-only.yaml:1:1: the file is empty — start from content/reports/_template.yaml"],
    "not-a-mapping.yaml": [
        "not-a-mapping.yaml:1:1: expected a group of 'key: value' lines, found a list"
        " — indent the fields of this group under it",
    ],
    "duplicate-key.yaml": [
        "duplicate-key.yaml:24:1: title: the key 'title' appears twice (first at line 1)"
        " — keep one of them; YAML would silently use only the last",
    ],
}
EXPECTED.update({
    "control-escape.yaml": [
        "control-escape.yaml:2:8: title: contains U+001B (ESCAPE) — remove it (in double quotes it is written \\e or"
        " \\x1b); it cannot be printed, and mail software refuses it",
    ],
    "hero-without-src.yaml": [  # was an internal error (exit 70)
        f"hero-without-src.yaml:10:7: hero.alt: 'alt' is required but missing — {ALT_HINT}",
        "hero-without-src.yaml:10:7: hero.src: 'src' is required but missing"
        " — a path below content/ (images/foto.jpg) or an https:// address",
    ],
    "relative-link.yaml": [  # E19; the line is the body's first line plus the line inside the Markdown
        "relative-link.yaml:11:22: body: the link 'programm.html' is not a full web address — an email has no page"
        " to resolve it against: write it in full, starting with https://",
        "relative-link.yaml:12:17: body: the link '//newsroom.example.org/presse' has no scheme"
        " — write it in full: https://newsroom.example.org/presse",
    ],
})
# Loader defects, tested in test_content.py, the several-defects file and the embargo (it needs a time
# zone), tested below.
TESTED_ELSEWHERE = {"embargo-out-of-range.yaml", "alias-bomb.yaml", "control-character.yaml", "merge-key.yaml",
                    "python-tag.yaml", "tab-indent.yaml", "multi-document.yaml", "yaml-syntax-error.yaml",
                    "several-defects.yaml"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_report_gives_exactly_its_issue(name, content_root):
    assert issues(INVALID / name, content_root) == EXPECTED[name]


def test_every_invalid_fixture_is_covered_by_a_test():
    assert {p.name for p in INVALID.glob("*.yaml")} == set(EXPECTED) | TESTED_ELSEWHERE


def test_all_issues_of_a_file_come_at_once_sorted_by_line(content_root):
    # The duplicate key (found while loading) is last in the file, the unknown key first.
    assert issues(INVALID / "several-defects.yaml", content_root) == [
        "several-defects.yaml:3:1: subtitel: unknown field 'subtitel' — did you mean 'subtitle'?",
        "several-defects.yaml:21:10: contact.email: 'presse@example' is not an e-mail address"
        " — write it like presse@example.org",
        "several-defects.yaml:25:1: status: the key 'status' appears twice (first at line 2)"
        " — keep one of them; YAML would silently use only the last",
    ]


def test_an_embargo_beyond_the_calendar_is_an_issue_not_an_internal_error(content_root):
    """9999-12-31T23:30-01:00 is year 10000 in Berlin: astimezone raised OverflowError (exit 70)."""
    with pytest.raises(ContentError) as info:
        validate(load_content(INVALID / "embargo-out-of-range.yaml", display="x.yaml"), content_root, "Europe/Berlin")
    assert [str(issue) for issue in info.value.issues] == [
        "x.yaml:24:12: press.embargo: 9999-12-31T23:30:00-01:00 is not a time the release can wait for"
        " — write the date and time the release may be published, e.g. 2026-12-01T10:00:00"]


def test_a_publication_time_beyond_the_calendar_is_an_issue_not_an_internal_error(content_root):
    """The same year-10000 instant as `press.published` (any offset is fine there) was exit 70 as well."""
    text = (INVALID / "embargo-out-of-range.yaml").read_text(encoding="utf-8").replace("embargo:", "published:")
    source = parse_yaml(text.encode(), "x.yaml")
    with pytest.raises(ContentError) as info:
        validate(source, content_root, "Europe/Berlin")
    assert [str(issue) for issue in info.value.issues] == [
        "x.yaml:24:14: press.published: 9999-12-31T23:30:00-01:00 is not a time the release can have appeared at"
        " — write the date and time the release was first published, e.g. 2021-11-29T16:00:00"]


# --- valid reports ---------------------------------------------------------------------------

def test_the_seed_report_validates(content_root):
    report = validate(load_content(SEED), content_root)
    assert report.slug == "2021-11-29-industriestandort-berlin-brandenburg"
    assert report.source_path == str(SEED)
    assert report.status == "ready"
    assert report.event.date == dt.date(2021, 11, 29)
    assert report.hero.src == "images/2021-11-29-regionalveranstaltung.png"
    assert [s.name for s in report.speakers] == ["Elisabeth Winkelmeier-Becker", "Dr. Kai Uwe Bindseil",
                                                 "Dr. Peter Eulenhöfer"]
    assert len(report.workshops) == 4
    assert report.tags == ("Industriestandort", "Berlin-Brandenburg", "Wasserstoff", "Industriestrategie 2030")
    assert report.body.startswith("„Industrie 2030 steht für Zukunftsfähigkeit")


def test_minimal_report_validates_with_empty_defaults(content_root):
    report = validate(load_content(MINIMAL), content_root)
    assert isinstance(report, Report)
    assert report.press.embargo == dt.datetime(2021, 11, 30, 10, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    # absent lists are empty tuples, never None, so templates can loop over them
    assert (report.workshops, report.quotes, report.conclusions, report.tags) == ((), (), (), ())
    assert report.subtitle is None


def test_numbers_in_text_fields_keep_what_was_written(content_root):
    report = validate(load_content(VALID / "numbers-as-text.yaml"), content_root)
    assert report.event.time == "10:00"  # YAML 1.1 reads 600
    assert report.contact.phone == "0301234567"  # YAML 1.1 reads an octal number
    assert report.tags == ("2030", "1.10")


def test_image_path_may_pass_through_its_own_folder(content_root):
    roundabout = "src: images/../images/2021-11-29-regionalveranstaltung.png"
    text = MINIMAL.read_text(encoding="utf-8").replace(HERO, roundabout)
    report = validate(parse_yaml(text.encode(), "bericht.yaml"), content_root)
    assert report.hero.src == "images/../images/2021-11-29-regionalveranstaltung.png"


# --- paths, file names, header injection ---------------------------------------------------

def test_symlink_pointing_outside_the_content_folder_is_refused(tmp_path):
    root = tmp_path / "content"
    (root / "images").mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[2] / "content" / "images" / "logo.png", tmp_path / "outside.png")
    (root / "images" / "escape.png").symlink_to(tmp_path / "outside.png")
    text = MINIMAL.read_text(encoding="utf-8").replace(HERO, "src: images/escape.png")
    assert issues_of_text(text, root) == [f"bericht.yaml:10:8: hero.src: 'images/escape.png' {OUTSIDE}"]


def test_symlink_inside_the_content_folder_is_fine(tmp_path):
    root = tmp_path / "content"
    (root / "images").mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[2] / "content" / "images" / "logo.png", root / "images" / "a.png")
    (root / "images" / "b.png").symlink_to(root / "images" / "a.png")
    text = MINIMAL.read_text(encoding="utf-8").replace(HERO, "src: images/b.png")
    assert validate(parse_yaml(text.encode(), "bericht.yaml"), root).hero.src == "images/b.png"


def test_nul_byte_in_image_path_is_an_issue_not_a_crash(content_root):
    text = MINIMAL.read_text(encoding="utf-8").replace(HERO, 'src: "images/\\0.png"')
    assert issues_of_text(text, content_root) == [
        "bericht.yaml:10:8: hero.src: contains U+0000 (NULL) — remove it (in double quotes it is written \\0 or"
        " \\x00); it cannot be printed, and mail software refuses it"]


@pytest.mark.parametrize(("file_name", "suggestion"), [
    ("Mein Bericht.yaml", "mein-bericht"),
    ("2021-11-29 Über die Straße.yaml", "2021-11-29-ueber-die-strasse"),
    ("bericht_neu.yaml", "bericht-neu"),
])
def test_file_name_must_be_a_slug(tmp_path, content_root, file_name, suggestion):
    path = tmp_path / file_name
    shutil.copy(MINIMAL, path)
    stem = file_name.removesuffix(".yaml")
    assert issues(path, content_root, display=str(path)) == [
        f"{path}:1:1: the file name '{stem}' is not a valid address part"
        f" — rename the file to '{suggestion}.yaml' (lowercase, a-z, 0-9 and '-')",
    ]


@pytest.mark.parametrize("escape", ["\\n", "\\L", "\\P"])
def test_line_breaks_in_single_line_fields_are_refused(escape, content_root):
    # Title and addresses end up in mail headers (Subject, From); a line break there is header injection.
    text = MINIMAL.read_text(encoding="utf-8")
    text = text.replace("title: Regionalveranstaltung Berlin-Brandenburg",
                        f'title: "Bericht{escape}Bcc: a@example.org"')
    text = text.replace("email: presse@example.org", f'email: "presse@example.org{escape}Bcc: a@example.org"')
    hint = "remove the line breaks (no '|' block here)"
    assert issues_of_text(text, content_root) == [
        f"bericht.yaml:1:8: title: must be a single line — {hint}",
        f"bericht.yaml:20:10: contact.email: must be a single line — {hint}",
    ]


@pytest.mark.parametrize(("escape", "named"), [
    ("\\r", "U+000D (CARRIAGE RETURN)"), ("\\r\\n", "U+000D (CARRIAGE RETURN)"),
    ("\\N", "U+0085 (a C1 control character)"),
    ("\\v", "U+000B (LINE TABULATION)"), ("\\f", "U+000C (FORM FEED)")])
def test_control_line_breaks_are_refused_in_every_field_by_name(escape, named, content_root):
    """CR, NEL, VT and FF are control characters: refused with their name in single-line fields (header
    injection) and in multi-line ones, where VT and FF made the MJML compiler fail at build."""
    text = MINIMAL.read_text(encoding="utf-8")
    text = text.replace("title: Regionalveranstaltung Berlin-Brandenburg",
                        f'title: "Bericht{escape}Bcc: a@example.org"')
    text = text.replace("email: presse@example.org", f'email: "presse@example.org{escape}Bcc: a@example.org"')
    text = text.replace("body: |\n  Industrieakteure diskutierten", f'body: "Industrieakteure{escape}diskutierten')
    text = text.replace("in der Metropolregion.\n", 'in der Metropolregion."\n', 1)
    found = issues_of_text(text, content_root)
    assert [line.split(" — ")[0] for line in found] == [
        f"bericht.yaml:1:8: title: contains {named}",
        f"bericht.yaml:7:7: body: contains {named}",
        f"bericht.yaml:19:10: contact.email: contains {named}",
    ]
    assert all(" — remove it (in double quotes it is written " in line for line in found)


def test_folded_summary_may_span_several_source_lines(content_root):
    text = MINIMAL.read_text(encoding="utf-8").replace(
        "summary: Industrie 2030 steht für Zukunftsfähigkeit, Nachhaltigkeit und Digitalisierung.",
        "summary: >-\n  Industrie 2030 steht für Zukunftsfähigkeit,\n  Nachhaltigkeit und Digitalisierung.")
    report = validate(parse_yaml(text.encode(), "bericht.yaml"), content_root)
    assert report.summary == "Industrie 2030 steht für Zukunftsfähigkeit, Nachhaltigkeit und Digitalisierung."


@pytest.mark.parametrize(("written", "iso"), [("1.2.2021", "2021-02-01"), ("31.12.2021", "2021-12-31")])
def test_german_date_hint_gives_the_iso_date(written, iso, content_root):
    text = MINIMAL.read_text(encoding="utf-8").replace("date: 2021-11-29", f"date: {written}")
    assert issues_of_text(text, content_root) == [
        f"bericht.yaml:4:9: event.date: expected a date (YYYY-MM-DD), found the text '{written}'"
        f" — write the date as {iso} (year-month-day); '{written}' is the German notation",
    ]


def test_yes_in_a_text_field_explains_the_boolean(content_root):
    text = MINIMAL.read_text(encoding="utf-8").replace("dateline: Berlin", "dateline: no")
    assert issues_of_text(text, content_root) == [
        "bericht.yaml:22:13: press.dateline: expected a text, found 'false' (yes/no/true/false are read as true"
        " or false; quote it to keep the text) — the city the release is issued from, e.g. Berlin",
    ]


# --- images: real files of their format, within the size budget (E18), below content/images/ -------

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40
NOT_A_PNG = "is not a PNG image"
EXPORT_AGAIN = "export the picture again as PNG, or give the file the extension of its real format"
NO_WEBP = "WebP and SVG do not show in all mail clients (E18): save the picture as JPEG or PNG"


def image_issues(tmp_path: Path, name: str, data: bytes | None, src: str | None = None) -> list[str]:
    """Issues of the minimal report whose hero is content/<name> holding `data` (a folder if None)."""
    root = tmp_path / "content"
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    if data is None:
        (root / name).mkdir()
    else:
        (root / name).write_bytes(data)
    text = MINIMAL.read_text(encoding="utf-8").replace(HERO, f"src: {src or name}")
    try:
        validate(parse_yaml(text.encode(), "bericht.yaml"), root)
    except ContentError as err:
        return [str(issue) for issue in err.issues]
    return []


@pytest.mark.parametrize(("name", "data", "problem", "hint"), [
    ("images/foto.png", b"GIF89a" + b"\0" * 20, f"{NOT_A_PNG}: its content is GIF", EXPORT_AGAIN),
    ("images/foto.png", b"\xff\xd8\xff\xe0" + b"\0" * 20, f"{NOT_A_PNG}: its content is JPEG", EXPORT_AGAIN),
    ("images/foto.png", b"Das ist Text, kein Bild.", f"{NOT_A_PNG}: its content is no known image format",
     EXPORT_AGAIN),
    ("images/foto.png", b"", f"{NOT_A_PNG}: the file is empty", EXPORT_AGAIN),
    ("images/foto.png", b"RIFF\x10\0\0\0WEBPVP8 " + b"\0" * 8, f"{NOT_A_PNG}: its content is WebP", NO_WEBP),
    ("images/foto.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>', f"{NOT_A_PNG}: its content is SVG", NO_WEBP),
    ("images/foto.jpg", PNG, "is not a JPEG image: its content is PNG",
     "export the picture again as JPEG, or give the file the extension of its real format"),
])
def test_an_image_that_is_not_what_its_name_says_is_refused(tmp_path, name, data, problem, hint):
    assert image_issues(tmp_path, name, data) == [f"bericht.yaml:10:8: hero.src: '{name}' {problem} — {hint}"]


@pytest.mark.parametrize(("name", "data"), [
    ("images/foto.png", PNG), ("images/foto.jpg", b"\xff\xd8\xff\xdb" + b"\0" * 20),
    ("images/foto.jpeg", b"\xff\xd8\xff\xe1" + b"\0" * 20), ("images/foto.gif", b"GIF87a" + b"\0" * 20),
    ("images/sub/foto.png", PNG),
])
def test_real_jpeg_png_and_gif_files_pass(tmp_path, name, data):
    assert image_issues(tmp_path, name, data) == []


def test_an_image_over_the_size_budget_is_refused_and_one_at_it_passes(tmp_path):
    """EMAIL-QUALITY E18: ≤ 200 KB per image (and ≤ 1 MB per email, which a hero and a logo cannot reach)."""
    assert image_issues(tmp_path, "images/a.png", PNG + b"\0" * (200_000 - len(PNG))) == []
    assert image_issues(tmp_path, "images/b.png", PNG + b"\0" * (200_001 - len(PNG))) == [
        "bericht.yaml:10:8: hero.src: 'images/b.png' is 200,001 bytes; an image may have at most 200,000"
        " — make the file smaller, e.g. 1200 px wide as JPEG at quality 80 (EMAIL-QUALITY E18: at most 200 KB"
        " per image, so that one email's images stay under 1 MB)"]


def test_a_folder_as_image_is_refused_with_the_fix(tmp_path):
    assert image_issues(tmp_path, "images/fotos", None) == [
        "bericht.yaml:10:8: hero.src: 'images/fotos' is a folder, not an image file"
        " — name the picture inside it, e.g. images/fotos/foto.jpg"]


def test_an_image_outside_the_images_folder_is_refused(tmp_path):
    """out/<slug>/ keeps each image's path below content/images/, so nothing else may be named."""
    assert image_issues(tmp_path, "fotos/foto.png", PNG) == [
        "bericht.yaml:10:8: hero.src: 'fotos/foto.png' is not in the images folder"
        " — move the picture below content/images/ (subfolders are fine) and write images/…"]
    text = MINIMAL.read_text(encoding="utf-8").replace(HERO, "src: images/../fotos/foto.png")
    assert issues_of_text(text, tmp_path / "content") == [
        "bericht.yaml:10:8: hero.src: 'images/../fotos/foto.png' is not in the images folder"
        " — move the picture below content/images/ (subfolders are fine) and write images/…"]


def test_a_link_is_located_on_its_own_line_when_the_body_starts_with_blank_lines(content_root):
    text = MINIMAL.read_text(encoding="utf-8").replace(
        "body: |\n  Industrieakteure", "body: |\n\n\n  Siehe [Programm](programm.html).\n\n  Industrieakteure")
    assert issues_of_text(text, content_root) == [
        "bericht.yaml:10:20: body: the link 'programm.html' is not a full web address — an email has no page"
        " to resolve it against: write it in full, starting with https://"]


@pytest.mark.parametrize(("name", "suggestion"), [
    ("images/mein foto#1.png", "images/mein-foto-1.png"), ("images/sub/Straße.PNG", "images/sub/strasse.png"),
    ("images/50%.png", "images/50.png"),
])
def test_an_image_name_that_cannot_stand_in_a_web_address_is_refused_with_a_new_name(tmp_path, name, suggestion):
    """The name is part of the image's URL: '#' cut it short, a space or 'ß' lost the image in the PDF."""
    shown = name.rsplit("/", 1)[1]
    assert image_issues(tmp_path, name, PNG, src=f'"{name}"') == [
        f"bericht.yaml:10:8: hero.src: the file name '{shown}' becomes part of the image's web address and may hold"
        f" only letters a–z, digits, '-', '_' and '.' — rename the file to {suggestion} and write that here"]


@pytest.mark.parametrize(("written", "found"), [("{{ .Subscriber.Email }}", "{{"), ("{% if contact.X %}", "{%"),
                                                ("*|FNAME|*", "*|"), ("%GREETING(a{first_name}|b)%", "%GREETING(")])
def test_provider_template_syntax_in_any_text_is_refused_where_it_is_written(content_root, written, found):
    """listmonk, Brevo and Mailchimp run their template engines over the whole campaign: such a text would be
    run there (or make the provider refuse the campaign at send time), not shown."""
    text = MINIMAL.read_text(encoding="utf-8")
    text = text.replace("    role: Abteilungsleiterin", f"    role: Gast von {written}")
    text = text.replace("  Industrieakteure diskutierten", f"  Grüße an {written}.\n  Industrieakteure diskutierten")
    text = text.replace("https://newsroom.example.org/programm", f"https://newsroom.example.org/{written}")
    hint = f"write it another way, e.g. with a space: '{' '.join(found)}'"
    said = f"contains '{found}', which the mailing-list provider would read as its template syntax and run instead " \
           f"of showing it — {hint}"
    assert issues_of_text(text, content_root) == [f"bericht.yaml:7:7: body: {said}",
                                                  f"bericht.yaml:15:11: speakers[0].role: {said}",
                                                  f"bericht.yaml:18:10: links[0].url: {said}"]
