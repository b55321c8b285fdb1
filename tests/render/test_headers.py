"""The message writer's headers: every title reads back exactly, in Python's `email` and in Node's mailparser,
and nothing a title holds can become a header of its own.

The property tests generate titles with hypothesis and parse each written message with Python's `email`
package under `policy.default` and `policy.strict`; the same messages then go to mailparser in one Node
process (tests/render/mailparser.cjs, JSON in and out).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import email
import email.policy
import json
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import RenderError
from pipeline.headers import FORBIDDEN
from pipeline.render.message import message_bytes, report_messages

REPO = Path(__file__).resolve().parents[2]
DATE = dt.datetime(2021, 11, 29, tzinfo=dt.timezone(dt.timedelta(hours=1)))
FIXED = dict(from_name="Service- und Beratungsstelle Industrieinitiativen", from_email="newsletter@example.org",
             reply_to="presse@example.org", date=DATE, language="de",
             message_id="<0123456789abcdef01234567.newsletter@newsroom.example.org>")
HEADERS = ["Subject", "From", "Reply-To", "To", "Date", "Message-ID", "MIME-Version", "Content-Type",
           "Content-Language"]
PROPERTY = settings(max_examples=400, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.fixture(autouse=True, scope="module")
def _hypothesis_home(tmp_path_factory):
    """Hypothesis keeps caches in ./.hypothesis: a temp folder instead, so nothing is written into the repository."""
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


def written(title: str, **changes) -> bytes:
    return message_bytes(**{**FIXED, "subject": title, "text": "Text", "html": "<p>HTML</p>", **changes})


def parse(data: bytes, policy=email.policy.default) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=policy)


def mailparser(messages: list[bytes]) -> list[dict]:
    """What Node's mailparser reads from each message: one process for the whole batch."""
    batch = json.dumps([base64.b64encode(data).decode("ascii") for data in messages])
    result = subprocess.run(["node", str(Path(__file__).with_name("mailparser.cjs"))], input=batch, cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout)


# Titles as `newsroom check` lets them through: one stripped line without the characters pipeline.headers
# refuses. Encoded-word look-alikes are refused there too, but the writer must write them literally anyway,
# so they are generated here as well; the pieces make the generator try what breaks writers.
PIECES = ["=?", "?=", "=?utf-8?q?", "=?utf-8?b?QmNjOiB4QHk=?=", "=0D=0A", "Bcc: x@y.de", " ", "  ", "ä", "ß", "€",
          "😀", "„", "“", "–", "\u00a0", "\u3000", "\u00ad", '"', "\\", "(", ")", "<", ">", ",", ";", ":", "@",
          "Regionalveranstaltung", "Industriestandortes", "Berlin-Brandenburg", "x" * 70, "ä" * 30]
CHARACTER = st.characters(blacklist_categories=("Cs",)).filter(lambda c: not FORBIDDEN.match(c))
TITLES = st.lists(st.one_of(CHARACTER, st.sampled_from(PIECES), st.text(CHARACTER, min_size=1, max_size=12)),
                  min_size=1, max_size=30).map("".join).map(str.strip).filter(
    lambda t: 0 < len(t) <= 200 and len(t.splitlines()) == 1 and not FORBIDDEN.search(t))
ASCII_TITLES = st.lists(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20),
                        min_size=1, max_size=12).map(" ".join).filter(lambda t: len(t) <= 120)


def check_with_python(title: str, data: bytes) -> None:
    for policy in (email.policy.default, email.policy.strict):  # strict raises on any defect
        message = parse(data, policy)
        assert str(message["Subject"]) == title
        assert list(message.keys()) == HEADERS
    lines = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert data.isascii() and max(map(len, lines)) <= 78
    assert lines[0].startswith(b"Subject: ") and lines[0] != b"Subject: "


@pytest.mark.parametrize("strategy", [TITLES, ASCII_TITLES], ids=["any", "ascii"])
def test_every_allowed_title_reads_back_exactly_in_python_and_mailparser(strategy):
    seen: dict[str, bytes] = {}

    @PROPERTY
    @given(strategy)
    def python_reads_it_back(title):
        data = written(title)
        check_with_python(title, data)
        seen[title] = data

    python_reads_it_back()
    titles = list(seen)
    read = mailparser([seen[title] for title in titles])
    wrong = [(title, got["subject"]) for title, got in zip(titles, read) if got["subject"] != title]
    assert not wrong, wrong[:5]
    assert all(got["headers"] == [name.lower() for name in HEADERS] for got in read)


def test_every_allowed_sender_name_reads_back_exactly():
    seen: dict[str, bytes] = {}

    @PROPERTY
    @given(TITLES.filter(lambda name: not re.search(r"\s\s", name)))  # refused by check: readers collapse them
    def python_reads_it_back(name):
        data = written("Betreff", from_name=name)
        for policy in (email.policy.default, email.policy.strict):
            (sender,) = parse(data, policy)["From"].addresses
            assert (sender.display_name, sender.addr_spec) == (name, "newsletter@example.org")
        seen[name] = data

    python_reads_it_back()
    names = list(seen)
    read = mailparser([seen[name] for name in names])
    wrong = [(name, got["from"]) for name, got in zip(names, read)
             if got["from"] != [{"name": name, "address": "newsletter@example.org"}]]
    assert not wrong, wrong[:5]


def test_a_title_of_70_to_77_ascii_characters_has_no_leading_space():
    """Python 3.11's folding puts such a title on its own line after "Subject:"; readers then see a space."""
    words = "Regionalveranstaltung zur Zukunft des Industriestandortes Berlin-Brandenburg und mehr Text".split()
    titles = {" ".join(words[:n])[:length] for n in range(1, len(words) + 1) for length in range(60, 90)}
    titles = sorted(t for t in titles if t == t.strip())
    messages = [written(title) for title in titles]
    for title, data in zip(titles, messages):
        assert str(parse(data)["Subject"]) == title
        assert not data.startswith(b"Subject:\r\n")
    assert [got["subject"] for got in mailparser(messages)] == titles


HOSTILE = ["=?utf-8?q?x=0D=0ABcc:_a@b.de?=", "Sommerfest =?utf-8?q?=0D=0ABcc:_a@b.de=0D=0AX-Evil:_1?= 2026",
           "=?utf-8?b?DQpCY2M6IGFAYi5kZQ==?=", "=?iso-8859-1?q?=0ABcc:_a@b.de?= Grüße",
           "Grüße =?utf-8?q?=0D=0ABcc:_a@b.de?="]


@pytest.mark.parametrize("title", HOSTILE)
def test_an_encoded_word_in_a_title_is_shown_literally_and_adds_no_header(title):
    data = written(title)
    for policy in (email.policy.default, email.policy.strict):
        message = parse(data, policy)
        assert str(message["Subject"]) == title
        assert list(message.keys()) == HEADERS
        assert "\n" not in str(message["Subject"]) and message["Bcc"] is None
    (read,) = mailparser([data])
    assert read["subject"] == title and read["headers"] == [name.lower() for name in HEADERS]
    assert b"=?utf-8?q?" not in data.split(b"\r\n\r\n")[0]  # encoded itself, never copied


@pytest.mark.parametrize("field", ["subject", "from_name", "from_email", "reply_to", "to"])
@pytest.mark.parametrize("value", ["Sommerfest\r\nBcc: a@b.de", "Sommerfest\nBcc: a@b.de", "Sommer\x00fest",
                                   "Sommer\x1b[31mfest", "Sommer\x85fest", "Sommer\x7ffest"])
def test_a_control_character_is_never_written(field, value):
    """A value that bypassed `newsroom check` (a Report made in code) is refused, naming the header and character."""
    with pytest.raises(RenderError, match=r"a mail header is invalid: \S+( address)? contains U\+00[0-9A-F]{2}"):
        written("Betreff", **{field: value})


def test_an_injected_title_in_a_report_made_in_code_writes_no_message(sample):
    """The model bypass: a Report whose title never went through `newsroom check`."""
    from pipeline.render import render

    settings_, reports = sample
    report = next(r for r in reports if r.slug == "2021-11-29-industriestandort-berlin-brandenburg")
    for title in ("Sommerfest\r\nBcc: a@b.de", "Sommerfest\nBcc: a@b.de"):
        hostile = dataclasses.replace(report, title=title)
        rendition = render(hostile, settings_, REPO / "templates", REPO / "content")
        with pytest.raises(RenderError, match="Subject contains U\\+000[AD]"):
            report_messages(rendition, settings_)
    hostile = dataclasses.replace(report, title=HOSTILE[1])
    messages = report_messages(render(hostile, settings_, REPO / "templates", REPO / "content"), settings_)
    for data in messages.values():
        assert list(parse(data, email.policy.strict).keys()) == HEADERS
    assert [got["headers"] for got in mailparser(list(messages.values()))] == [[h.lower() for h in HEADERS]] * 2


def test_built_messages_have_a_reproducible_date_and_message_id(sample, renditions):
    """Date is the publication instant (embargo lift, else press.published, else the event day); Message-ID
    follows the content."""
    settings_, _ = sample
    for report, rendition in renditions.values():
        messages = report_messages(rendition, settings_)
        assert messages == report_messages(rendition, settings_)
        press = report.press
        expected = (press and (press.embargo or press.published)) or dt.datetime.combine(
            report.event.date, dt.time(0), tzinfo=ZoneInfo(settings_.timezone))
        ids = []
        for name, channel in (("email.eml", "newsletter"), ("press.eml", "press")):
            message = parse(messages[name], email.policy.strict)
            assert message["Date"].datetime == expected
            assert re.fullmatch(rf"<[0-9a-f]{{24}}\.{channel}@newsroom\.example\.org>", str(message["Message-ID"]))
            ids.append(str(message["Message-ID"]))
        changed = report_messages(dataclasses.replace(rendition, email_text=rendition.email_text + "x"), settings_)
        assert parse(changed["email.eml"])["Message-ID"] not in ids
        assert parse(changed["press.eml"])["Message-ID"] == ids[1]
