"""Values that reach a mail header are refused by `newsroom check` and `send --test-to` before anything happens.

Every case runs the real command (`python -m pipeline`) on a copy of the sample project and asserts on what a
user sees: the exit code, `file:line:column: field: what — fix` with the character named by its code point,
and that nothing was written.
"""

from __future__ import annotations

import re

import pytest

from pipeline.ledger import LEDGER_FILE
from publish_support import SEED, built_project, run_cli

REPORT = f"content/reports/{SEED}.yaml"
SETTINGS = "content/newsroom.yaml"
TITLE = "title: Regionalveranstaltung zur Zukunft des Industriestandortes Berlin-Brandenburg"


def replace(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def check(project, *args):
    return run_cli(project, "check", *args)


# (line written into the YAML, message expected after "field: ")
TITLES = [
    ('title: "Sommerfest =?utf-8?q?x=0D=0ABcc:_a@b?="',
     "contains '=?utf-8?q?x=0D=0ABcc:_a@b?=' at character 12, which mail programs decode as an RFC 2047 "
     "encoded word instead of showing it — write it without the '=?' … '?=' pair, e.g. with a space after '='"),
    ('title: "Preis \\u202Efdp.exe"',
     "contains U+202E RIGHT-TO-LEFT OVERRIDE at character 7, an invisible bidi control that makes mail programs "
     "show the text in another order — delete it (it often comes with text copied from a web page or a PDF)"),
    ('title: "Sommer\u200bfest"', "contains U+200B ZERO WIDTH SPACE at character 7, an invisible zero-width"),
    ('title: "Sommerfest\\u2066 im Park"', "contains U+2066 LEFT-TO-RIGHT ISOLATE at character 11"),
    ('title: "Sommerfest\\u061c"', "contains U+061C ARABIC LETTER MARK at character 11"),
    ('title: "\\ufeffSommerfest"', "contains U+FEFF ZERO WIDTH NO-BREAK SPACE at character 1"),
    ("title: Sommer\tfest im Park", "contains U+0009 (CHARACTER TABULATION) at character 7, a tab or line break, "
     "which would end or split the mail header — write it on one line, with spaces only"),
]
# Control characters from YAML escapes are also refused for every field by the loader (pipeline/content.py),
# possibly with its own words: only the place and the code point are asserted.
CONTROLS = [('title: "Sommer\\x7ffest"', "U+007F"), ('title: "Sommer\\x9bfest"', "U+009B"),
            ('title: "Sommer\\x1b[31mfest"', "U+001B"), ('title: "Sommer\\x00fest"', "U+0000")]


@pytest.mark.parametrize("line, message", TITLES, ids=[str(i) for i in range(len(TITLES))])
def test_check_refuses_a_title_that_could_become_another_header(tmp_project, line, message):
    replace(tmp_project / REPORT, TITLE, line)
    result = check(tmp_project, REPORT)
    assert result.returncode == 1, result.stderr
    assert f"{REPORT}:2:8: title: {message}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("line, code", CONTROLS, ids=[code for _, code in CONTROLS])
def test_check_refuses_a_control_character_in_a_title(tmp_project, line, code):
    replace(tmp_project / REPORT, TITLE, line)
    result = check(tmp_project, REPORT)
    assert result.returncode == 1, result.stderr
    assert re.search(rf"^{REPORT}:2:8: title: .*{re.escape(code)}.* — ", result.stderr, re.M), result.stderr


def test_check_refuses_a_press_headline_with_an_encoded_word(tmp_project):
    replace(tmp_project / REPORT, "  dateline: Berlin", '  dateline: Berlin\n  headline: "=?utf-8?b?QmNjOiB4QHk=?="')
    result = check(tmp_project, REPORT)
    assert result.returncode == 1
    assert re.search(rf"{REPORT}:\d+:13: press\.headline: contains '=\?utf-8\?b\?QmNjOiB4QHk=\?=' at character 1",
                     result.stderr), result.stderr


@pytest.mark.parametrize("old, new, expected", [
    ("  name: Service- und Beratungsstelle Industrieinitiativen", '  name: "Service\\u202E und Beratung"',
     "sender.name: contains U+202E RIGHT-TO-LEFT OVERRIDE at character 8"),
    ("  name: Service- und Beratungsstelle Industrieinitiativen", '  name: "Service =?utf-8?q?=0D=0ABcc:_x@y?="',
     "sender.name: contains '=?utf-8?q?=0D=0ABcc:_x@y?=' at character 9"),
    ("  name: Service- und Beratungsstelle Industrieinitiativen", "  name: Service-  und Beratungsstelle",
     "sender.name: has several spaces in a row — the name inboxes show, with single spaces"),
    ("  email: newsletter@example.org", '  email: "newsletter@example.org\\u200b"',
     "sender.email: contains U+200B ZERO WIDTH SPACE at character 23"),
    ("reply_to: presse@example.org", 'reply_to: "=?utf-8?q?x?=@example.org"',
     "reply_to: contains '=?utf-8?q?x?=' at character 1"),
    ("reply_to: presse@example.org", 'reply_to: "presse@example.org\\x1b"',
     "reply_to: contains U+001B (ESCAPE)"),  # found by the loader's rule for every value (pipeline/content.py)
    ("    list: team", '    list: "team, boss@example.org"',
     "targets.test.list: is not a list id — use the provider's list id: up to 64 letters, digits, '-', '_' and "
     "'.' (the outbox writes it into the To: address)"),
    ("    press_list: presse", '    press_list: "presse\\u2067"',
     "targets.production.press_list: contains U+2067 RIGHT-TO-LEFT ISOLATE at character 7"),
    ("unsubscribe_url: https://newsroom.example.org/abmelden", 'unsubscribe_url: https://x.example.org/=?utf-8?q?=0A?=',
     "unsubscribe_url: contains '=?utf-8?q?=0A?=' at character 23"),
])
def test_check_refuses_settings_that_reach_a_header(tmp_project, old, new, expected):
    replace(tmp_project / SETTINGS, old, new)
    result = check(tmp_project)
    assert result.returncode == 1, result.stderr
    assert re.search(rf"^{SETTINGS}:\d+:\d+: {re.escape(expected)}", result.stderr, re.M), result.stderr


def test_check_accepts_the_sample_and_titles_that_only_look_odd(tmp_project):
    replace(tmp_project / REPORT, TITLE, 'title: "Was kostet E=? – „Grüße“ 😀 aus Köln ?"')
    result = check(tmp_project)
    assert result.returncode == 0, result.stderr


# --- send --test-to -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return built_project(tmp_path_factory.mktemp("test-to") / "project")


@pytest.mark.parametrize("values, expected", [
    (["a@b.de\r\nBcc: x@y.de"], "'a@b.de\\r\\nBcc: x@y.de' contains U+000D (CARRIAGE RETURN) at character 7, a "
                                "tab or line break, which would end or split the mail header"),
    (["a@b.de\nBcc: x@y.de"], "contains U+000A (LINE FEED) at character 7"),
    # a display name is fine (the outbox's sample subscriber), a hostile one is not
    (['"x@y.de" <a@b.de>'], "'\"x@y.de\" <a@b.de>' has '@' in its name"),
    (["boss@bank.de <a@b.de>"], "has '@' in its name"),
    (["Chef\r\nBcc: x@y.de <a@b.de>"], "contains U+000D (CARRIAGE RETURN) at character 5"),
    (["Ch\u202eef <a@b.de>"], "'Ch\\u202eef <a@b.de>' contains U+202E RIGHT-TO-LEFT OVERRIDE at character 3"),
    (["Ch\u200bef <a@b.de>"], "contains U+200B ZERO WIDTH SPACE"),
    (["=?utf-8?q?Chef=0D=0A?= <a@b.de>"], "contains '=?utf-8?q?Chef=0D=0A?=' at character 1, which mail "
                                          "programs decode as an RFC 2047 encoded word"),
    (["Chef\u2028Bcc <a@b.de>"], "has U+2028 LINE SEPARATOR in its name"),
    (["Chef\u00a0In <a@b.de>"], "has U+00A0 NO-BREAK SPACE in its name"),
    (["Müller, Erika <a@b.de>"], "has ',' in its name — write the name alone"),
    (["Chef <a@b.de>, Bcc <x@y.de>"], "is not an address with a name"),
    (["Chef <a@b.de"], "is not an address with a name"),
    (["Chef <a@b>"], "'Chef <a@b>' is not an e-mail address"),
    (["  <a@b.de>"], "has an empty name"),
    ([" Chef <a@b.de>"], "has spaces at the ends or in a row in its name"),
    ([f"{'x' * 65} <a@b.de>"], "has a name of 65 characters, at most 64 are allowed"),
    (["a@b.de, x@y.de"], "'a@b.de, x@y.de' holds more than one address — give one address per value "
                         "(repeat the option for more)"),
    (["a@b.de;x@y.de"], "holds more than one address"),
    ([" a@b.de"], "is not a plain address"),
    (["=?utf-8?q?a=0D=0A?=@b.de"], "contains '=?utf-8?q?a=0D=0A?=' at character 1"),
    (["a@b"], "'a@b' is not an e-mail address — write it like name@example.org"),
    (["a\u202e@b.de"], "'a\\u202e@b.de' contains U+202E RIGHT-TO-LEFT OVERRIDE"),
    ([f"t{i}@example.org" for i in range(11)], "11 addresses, at most 10 are allowed"),
])
def test_send_refuses_test_recipients_before_anything_happens(project, values, expected):
    args = [arg for value in values for arg in ("--test-to", value)]
    result = run_cli(project, "send", SEED, *args)
    assert result.returncode == 2, result.stderr
    assert "Error: Invalid value for '--test-to': " in result.stderr and expected in result.stderr
    assert "\r" not in result.stderr and "Bcc: x@y.de\n" not in result.stderr  # the value is shown escaped
    assert not (project / ".newsroom" / LEDGER_FILE).exists() and not (project / ".newsroom" / "outbox").exists()


def test_ten_plain_test_recipients_are_sent_to(tmp_path):
    import email
    import email.policy

    project = built_project(tmp_path / "project")
    addresses = [f"t{i}@example.org" for i in range(10)]
    result = run_cli(project, "send", SEED, *[a for address in addresses for a in ("--test-to", address)])
    assert result.returncode == 0, result.stderr
    (sent,) = (project / ".newsroom" / "outbox").glob("*/test-1.eml")
    message = email.message_from_bytes(sent.read_bytes(), policy=email.policy.strict)
    assert [a.addr_spec for a in message["To"].addresses] == addresses


def test_a_send_request_made_in_code_is_checked_too():
    from pipeline.errors import ConfigError
    from pipeline.publish import SendRequest

    with pytest.raises(ConfigError, match=r"^--test-to: 'a@b.de\\r\\nBcc: x@y.de' contains U\+000D \(CARRIAGE"):
        SendRequest(SEED, test_to=("a@b.de\r\nBcc: x@y.de",))
