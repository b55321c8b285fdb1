"""The .eml writer: what a message must be, checked on many generated inputs and on the sample reports.

`message_bytes` has its own quoted-printable encoder, so its bytes are not `EmailMessage.as_bytes()`:
instead it must parse back to exactly the given headers and bodies, keep every line short, plain ASCII and
CRLF, give the same bytes for the same input, and agree with the email package's own message (built here by
`reference`) on everything but body bytes and the folding of non-ASCII subjects.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import random
import re

import pytest

from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP

from pipeline.errors import RenderError
from pipeline.render.message import message_bytes

SENDER = dict(from_name="Service- und Beratungsstelle Industrieinitiativen", from_email="newsletter@example.org",
              reply_to="presse@example.org")
DATE = dt.datetime(2021, 11, 29, tzinfo=dt.timezone(dt.timedelta(hours=1)))
MESSAGE_ID = "<0123456789abcdef01234567.newsletter@newsroom.example.org>"
FIXED = dict(**SENDER, date=DATE, message_id=MESSAGE_ID)  # every argument but subject, bodies and language
# Pieces a body is made of: umlauts, emoji, "=" and escape look-alikes, whitespace before line ends, lines
# starting with "From " or ".", every kind of line end, control characters and long runs (lines > 200).
PIECES = ["Grüße", "für Öffentlichkeit", "ß", "€", "😀", "„Zitat“ – ", "a", " ", "  ", "\t", "=", "=3D", "==", "=\n",
          "\n", "\r\n", "\r", "\n\n", " \n", "\t\n", "\n.\n", "\nFrom here\n", ".", "\x00", "\x0b", "\x0c", "\x7f",
          "\x85", "\u2028", "x" * 75, "ä" * 30, "=" * 40, "<td style=\"width:100%\">"]


def reference(*, subject: str, text: str, html: str, language: str, **fixed) -> bytes:
    """The same message made the email package's way: what `message_bytes` must be equivalent to."""
    assert fixed == FIXED
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = Address(SENDER["from_name"], addr_spec=SENDER["from_email"])
    message["Reply-To"] = SENDER["reply_to"]
    message["To"] = "undisclosed-recipients:;"
    message["Date"] = email.utils.format_datetime(DATE)
    message["Message-ID"] = MESSAGE_ID
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = language
    message.set_boundary(parse(message_bytes(subject=subject, text=text, html=html, language=language,
                                             **FIXED)).get_boundary())
    return message.as_bytes()


def random_text(rnd: random.Random, size: int) -> str:
    return "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, size)))


def stored(text: str) -> str:
    """The body as `EmailMessage.set_content()` stores it: CR, LF and CRLF all become CRLF, one at the end."""
    return "".join(line.decode() + "\r\n" for line in text.encode().splitlines()) or "\r\n"


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def body_lines(data: bytes) -> list[bytes]:
    """The lines after the message's header block (part headers and delimiters included)."""
    return data.split(b"\r\n\r\n", 1)[1].split(b"\r\n")


def generated(seed: int, count: int):
    rnd = random.Random(seed)
    for _ in range(count):
        subject = "".join(rnd.choice("abcäö €xy 😀") for _ in range(rnd.randint(1, 120))).strip() or "x"
        yield dict(subject=subject, text=random_text(rnd, 80), html=random_text(rnd, 300), **FIXED,
                   language=rnd.choice(["de", "en", "de-AT"]))


@pytest.mark.parametrize("seed", range(4))
def test_message_parses_back_to_the_given_headers_and_bodies(seed):
    for kwargs in generated(seed, 300):
        message = parse(message_bytes(**kwargs))
        assert not message.defects
        assert str(message["Subject"]) == kwargs["subject"]
        (sender,) = message["From"].addresses
        assert (sender.display_name, sender.addr_spec) == (SENDER["from_name"], SENDER["from_email"])
        assert str(message["Reply-To"]) == "presse@example.org"
        assert str(message["To"]) == "undisclosed-recipients:;"
        assert str(message["Content-Language"]) == kwargs["language"]
        assert message.get_content_type() == "multipart/alternative"
        plain, html = message.iter_parts()
        assert [plain.get_content_type(), html.get_content_type()] == ["text/plain", "text/html"]
        for part, body in ((plain, kwargs["text"]), (html, kwargs["html"])):
            assert part.get_content_charset() == "utf-8" and part["Content-Transfer-Encoding"] == "quoted-printable"
            assert not part.defects
            assert part.get_content() == stored(body), body


@pytest.mark.parametrize("seed", range(4))
def test_every_line_is_short_ascii_and_ends_in_crlf(seed):
    for kwargs in generated(seed, 300):
        data = message_bytes(**kwargs)
        assert data.isascii()
        assert data.endswith(b"\r\n")
        lines = data.split(b"\r\n")
        assert not any(b"\r" in line or b"\n" in line for line in lines)  # no bare CR or LF anywhere
        assert max(map(len, lines)) <= 78  # RFC 5322 for the headers
        assert max(map(len, body_lines(data))) <= 76  # RFC 2045 §6.7 for the quoted-printable lines
        assert not any(line.endswith((b" ", b"\t")) for line in body_lines(data))  # trailing whitespace is encoded


def test_soft_breaks_never_split_an_escape():
    """An =XX escape or whitespace at every position around the first two soft breaks and the line end."""
    for length in range(70, 155):
        for insert in ("=", "ä", "😀", " ", "\t"):
            lines = ["x" * at + insert + "y" * (length - at) for at in range(max(0, length - 85), length + 1)]
            for text in ("\n".join(lines), " \n".join(lines) + " ", "\t\n".join(lines)):
                data = message_bytes(subject="s", text=text, html="", language="de", **FIXED)
                assert next(parse(data).iter_parts()).get_content() == stored(text)
                assert max(map(len, body_lines(data))) <= 76


@pytest.mark.parametrize("seed", range(2))
def test_same_input_same_bytes_and_the_boundary_is_never_in_a_body(seed):
    for kwargs in generated(seed, 200):
        data = message_bytes(**kwargs)
        assert message_bytes(**dict(kwargs)) == data
        boundary = parse(data).get_boundary().encode()
        assert boundary.startswith(b"=_newsroom_")
        head, *parts = data.split(b"--" + boundary)
        assert len(parts) == 3 and parts[-1] == b"--\r\n"  # exactly the two parts and the close delimiter
        for part in parts[:2]:
            assert boundary not in part and b"=_" not in part.split(b"\r\n\r\n", 1)[1]


@pytest.mark.parametrize("seed", range(2))
def test_everything_but_the_encoded_bodies_is_the_email_packages(seed):
    """Part headers, boundary and layout are byte for byte `as_bytes()`'s; so are the headers, apart from the
    folding of Subject and From, which the email package of Python 3.11 folds wrongly (tests/render/test_headers.py)."""
    def skeleton(data: bytes) -> bytes:
        data = re.sub(rb"^Subject: .*?\r\n(?=\S)", b"Subject: S\r\n", data, flags=re.DOTALL)
        data = re.sub(rb"(?<=\r\n)From:.*?\r\n(?=\S)", b"From: F\r\n", data, count=1, flags=re.DOTALL)
        return re.sub(rb"(quoted-printable\r\n(?:MIME-Version: 1.0\r\n)?\r\n).*?(\r\n--=_newsroom_)", rb"\1BODY\2",
                      data, flags=re.DOTALL)

    for kwargs in generated(seed, 200):
        ours = message_bytes(**kwargs)
        theirs = reference(**kwargs)
        assert skeleton(ours).count(b"BODY") == 2
        assert skeleton(ours) == skeleton(theirs)
        ours, theirs = parse(ours), parse(theirs)
        assert [(k, str(v)) for k, v in ours.items() if k != "Subject"] == \
               [(k, str(v)) for k, v in theirs.items() if k != "Subject"]  # theirs may lose a space (gh-144156)
        assert [(p.items(), p.get_content()) for p in ours.iter_parts()] == \
               [(p.items(), p.get_content()) for p in theirs.iter_parts()]


def test_a_long_german_subject_keeps_its_spaces():
    """The email package of Python 3.11 loses this space at a fold (CPython gh-144156); we must not."""
    subject = "Regionalveranstaltung Förderung Regionalveranstaltung Veranstaltung über die des 2024: des " \
              "Förderung Bürger Straße die"
    assert "".join(str(parse(reference(subject=subject, text="t", html="h", language="de",
                                       **FIXED))["Subject"]).split()) == "".join(subject.split())
    data = message_bytes(subject=subject, text="t", html="h", language="de", **FIXED)
    assert str(parse(data)["Subject"]) == subject
    assert max(map(len, data.split(b"\r\n"))) <= 78


def test_the_sample_reports_round_trip(sample, renditions):
    settings, _ = sample
    for _, rendition in renditions.values():
        for subject, text, html in ((rendition.subject, rendition.email_text, rendition.email_html),
                                    (rendition.press_subject, rendition.press_email_text, rendition.press_email_html)):
            data = message_bytes(subject=subject, text=text, html=html, language=rendition.language,
                                 from_name=settings.sender.name, from_email=settings.sender.email,
                                 reply_to=settings.reply_to, date=DATE, message_id=MESSAGE_ID)
            assert max(map(len, data.split(b"\r\n"))) <= 78
            plain, rich = parse(data).iter_parts()
            assert (plain.get_content(), rich.get_content()) == (stored(text), stored(html))


def test_message_bytes_refuses_header_injection():
    for subject in ("Hallo\r\nBcc: x@example.org", "Grüße\nBcc: x@example.org"):
        with pytest.raises(RenderError, match="a mail header is invalid"):
            message_bytes(subject=subject, text="t", html="h", language="de", **FIXED)
