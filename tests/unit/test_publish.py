"""publish.send/reconcile/status with the real build, the outbox and the fake listmonk (no mocks of our own parts).

Pre-flight tests assert the whole refusal and that nothing reached the provider. Where a test needs
a build with a defect the templates cannot produce (no imprint, no unsubscribe link, too big), it
rewrites the built file *and* its manifest hash, as a broken template would have.
"""

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest

from pipeline import publish, settle
from pipeline.build import Project
from pipeline.errors import ConfigError, OutputError, PublishError, SecretNotSetError
from pipeline.ledger import Ledger, SendState
from pipeline.render import UNSUBSCRIBE_TOKEN
from pipeline.secrets import Secret
from publish_support import DRAFT, SEED, TOKEN, USER, built_project, shared_cert, shared_listmonk

S = SendState
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def listmonk(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(shared_cert()[0]))
    fake = shared_listmonk()
    fake.reset()
    yield fake
    fake.reset()


@pytest.fixture
def project(tmp_path, listmonk):
    return built_project(tmp_path / "project", listmonk.base_url)


def secret_for(provider):
    if provider == "outbox":
        return None
    if provider == "listmonk":
        return Secret("NEWSROOM_LISTMONK_TOKEN", TOKEN, user=USER)
    raise SecretNotSetError(f"{provider}: environment variable is not set")


def send(project, report=SEED, *, lines=None, confirm=True, **options):
    lines = [] if lines is None else lines
    request = publish.SendRequest(report, **options)
    return publish.send(Project(project), request, secret_for=secret_for, echo=lines.append,
                        confirm=lambda plan: confirm, now=lambda: NOW)


def refusal(project, **options) -> list[str]:
    with pytest.raises(PublishError) as info:
        send(project, **options)
    first, *problems = str(info.value).splitlines()
    assert first == "refusing to send, nothing was sent:"
    return [p.removeprefix("  - ") for p in problems]


def forge(project, name: str, text: str, slug: str = SEED) -> None:
    """Replace a built file and its manifest entry, as a defective template would have produced it."""
    folder = project / "out" / slug
    data = text.encode()
    (folder / name).write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def built(project, name: str, slug: str = SEED) -> str:
    return (project / "out" / slug / name).read_text()


def history(project):
    with Ledger.open(project / ".newsroom" / "ledger.sqlite3") as ledger:
        return {(r.target, r.channel): (r, [e.to_state for e in ledger.events(r.id)]) for r in ledger.records()}


# -- the reference -------------------------------------------------------------------------


def test_the_reference_names_report_revision_channel_and_list():
    revision = "a5d26b17efb4" + "f" * 52
    assert publish.ref_for("x", revision, "newsletter", "3") == "newsroom-x-a5d26b17efb4-to-3"
    assert publish.ref_for("x", revision, "press", "Presse Liste") == "newsroom-x-a5d26b17efb4-press-to-Presse-Liste"
    assert settle.slug_of("content/reports/x.yaml") == settle.slug_of("x") == "x"


# -- pre-flight: refuse, say why, send nothing -----------------------------------------------


def test_a_stale_build_is_refused(project, listmonk):
    report = project / "content" / "reports" / f"{SEED}.yaml"
    report.write_text(report.read_text().replace("Berlin", "Potsdam", 1))
    (project / "templates" / "email" / "_footer.mjml.j2").write_text("changed")
    assert refusal(project, target="lm-production") == [
        f"out/{SEED} is stale: source, templates changed since it was built — run `newsroom build`, review the "
        "preview, then send"]
    assert listmonk.requests == [] and not (project / ".newsroom" / "ledger.sqlite3").exists()


def test_a_draft_report_is_refused_but_may_be_test_sent(project, listmonk):
    assert refusal(project, report=DRAFT, target="lm-production") == [
        f"the report is a draft (status: draft in content/reports/{DRAFT}.yaml) — set status: ready once it is "
        "approved, build again, then send (test sends with --test-to work for drafts)"]
    assert listmonk.requests == []
    assert send(project, DRAFT, target="test", test_to=("me@example.org",)).state is S.TEST_SENT


def lint_errors(project, rules=("D3", "D5", "E1")) -> list[str]:
    """What `newsroom lint` says about the build's footer and size, worded as send words it."""
    from pipeline.config import load_settings
    from pipeline.lint import lint

    imprint = load_settings(project / "content").imprint
    return [f"out/{SEED}/{Path(f.path).name}: {f.rule}: {f.message} — {f.fix}"
            for f in lint(project / "out", [SEED], imprint=imprint, validate_mjml=False)
            if f.rule in rules and f.severity.value == "error"]


def test_every_missing_part_is_reported_at_once_in_the_words_of_the_lint_rules(project, listmonk):
    html = built(project, "email.html").replace(UNSUBSCRIBE_TOKEN, "https://elsewhere.example/")
    html = re.sub(r"Musterstraße 1", "", html) + "<!--" + "x" * 110_000 + "-->"
    forge(project, "email.html", html)
    problems = refusal(project, target="lm-production")
    assert [p.split(": ")[1] for p in problems] == ["D3", "D5", "E1"]
    assert problems[0] == (f"out/{SEED}/email.html: D3: no visible unsubscribe link in the body (Gmail and Yahoo "
                           "require one besides the header) — link the words „Newsletter abbestellen“ to "
                           f"{UNSUBSCRIBE_TOKEN} in the footer")
    assert sorted(problems) == sorted(lint_errors(project))  # one rule, one wording, lint and send alike
    assert listmonk.requests == []


def test_the_text_part_needs_the_unsubscribe_link_too(project):
    forge(project, "email.txt", built(project, "email.txt").replace(UNSUBSCRIBE_TOKEN, ""))
    assert refusal(project, target="production") == [
        f"out/{SEED}/email.txt: D3: the plain-text part has no unsubscribe link ({UNSUBSCRIBE_TOKEN}) — put the "
        "unsubscribe line in the text template's footer"]


def padded(project, size: int) -> str:
    """email.html grown by a comment before </body> until the ESP-projected size (lint E1's measure) is `size`."""
    from pipeline.lint.document import Built, parse
    from pipeline.lint.rules.size import projected_bytes

    html = built(project, "email.html")
    grown = html.replace("</body>", "<!----></body>")
    projected = projected_bytes(Built(SEED, project, email_html=grown, email_tree=parse(grown)))[1]
    return html.replace("</body>", "<!--" + "x" * (size - projected) + "--></body>")


def test_send_refuses_what_lint_refuses_by_the_same_size_limit(project):
    from pipeline.lint.rules.size import MAX_BYTES

    over, under = padded(project, MAX_BYTES), padded(project, MAX_BYTES - 1)
    forge(project, "email.html", over)  # under 102,000 bytes as built, at the limit once the ESP rewrites links
    assert len(over.encode()) < MAX_BYTES  # the old pre-flight measured this and let it go
    assert [p.split(": ")[1] for p in refusal(project, target="production")] == ["E1"]
    assert [e.split(": ")[1] for e in lint_errors(project)] == ["E1"]
    forge(project, "email.html", under)  # one byte less passes both
    assert lint_errors(project) == []
    assert send(project, target="production").state is S.SENT


@pytest.mark.parametrize(("defect", "rule"), [
    # D5 wants every imprint value that is set; the old pre-flight knew only organisation, street and city.
    (lambda html: html.replace("Amtsgericht Berlin-Charlottenburg, VR 00000 B", ""), "D5"),
    # D3 wants a *visible* link; the old pre-flight was content with the token anywhere.
    (lambda html: re.sub(r'<a style="[^"]*" href="%UNSUBSCRIBE_URL%">',
                         '<a style="display:none" href="%UNSUBSCRIBE_URL%">', html), "D3"),
])
def test_send_refuses_footer_defects_lint_refuses(project, defect, rule):
    html = defect(built(project, "email.html"))
    assert html != built(project, "email.html")
    forge(project, "email.html", html)
    assert [e.split(": ")[1] for e in lint_errors(project)] == [rule]
    assert [p.split(": ")[1] for p in refusal(project, target="production")] == [rule]


def test_a_file_changed_after_the_build_is_refused(project):
    (project / "out" / SEED / "email.html").write_text("<p>edited by hand</p>")
    with pytest.raises(OutputError, match=r"email\.html: changed since `newsroom build` wrote it"):
        send(project, target="production")


def test_a_missing_build_says_to_build(project):
    with pytest.raises(OutputError, match="no build found for '2023-06-01-kurzmeldung' — run `newsroom build`"):
        send(project, "2023-06-01-kurzmeldung", target="production")


def test_schedule_times_are_checked_before_anything_happens(project):
    assert refusal(project, target="production", at="2026-11-25T12:03:00+00:00") == [
        "--at 2026-11-25T12:03:00+00:00 is not at least 5 minutes in the future — pick a later time"]
    assert refusal(project, target="mailchimp", at="2026-12-01T09:10") == [
        "--at 2026-12-01T09:10:00+01:00: this provider schedules on the 15-minute mark only — e.g. "
        "2026-12-01T09:00:00+01:00"]


def test_unknown_target_channel_and_missing_press_list_are_explained(project):
    with pytest.raises(ConfigError, match="unknown target 'prod' — content/newsroom.yaml defines: test, production, "
                                          "lm-test, lm-production, lm-unknown-list, mailchimp, brevo"):
        send(project, target="prod")
    with pytest.raises(ConfigError, match="unknown channel 'sms' — use one of: newsletter, press"):
        send(project, channel="sms")
    assert refusal(project, channel="press", target="lm-test") == [
        "target 'lm-test' has no press_list — add it under targets.lm-test in content/newsroom.yaml"]


def test_a_list_unknown_at_the_provider_is_refused(project, listmonk):
    with pytest.raises(PublishError, match=r"list '99' is unknown at listmonk \(listmonk GET /lists/99: 404 List "
                                           r"not found\.\)"):
        send(project, target="lm-unknown-list")
    assert listmonk.calls() == ["GET /api/lists/99"]


# -- dry run ----------------------------------------------------------------------------------


def test_dry_run_prints_every_request_and_makes_none(project, listmonk):
    lines = []
    outcome = send(project, target="lm-production", dry_run=True, lines=lines)
    base = listmonk.base_url
    ref = outcome.ref
    assert [line.split("  {")[0] for line in lines[3:]] == [
        f"  GET {base}/lists/3",
        f"  GET {base}/campaigns?tags={ref}&no_body=true&order_by=created_at&order=DESC&page=1&per_page=50",
        f"  POST {base}/campaigns",
        f"  PUT {base}/campaigns/{{id}}/status"]
    assert "altbody: <" in lines[5] and "tags: ['" + ref + "']" in lines[5]
    assert listmonk.requests == [] and not (project / ".newsroom" / "ledger.sqlite3").exists()


def test_dry_run_needs_no_credentials(project):
    lines = []
    send(project, target="brevo", dry_run=True, lines=lines)
    assert lines[3].startswith("  GET https://api.brevo.com/v3/contacts/lists/7")
    send(project, target="mailchimp", dry_run=True, lines=(lines := []))
    assert lines[3] == "  GET <mailchimp API address>/lists/a1b2c3d4e5?fields=id,name,stats.member_count"


# -- sending ----------------------------------------------------------------------------------


def test_test_send_then_real_send_then_nothing(project, listmonk):
    lines = []
    assert send(project, target="lm-production", test_to=("me@example.org",), lines=lines).state is S.TEST_SENT
    assert lines[:6] == [
        "provider   listmonk",
        "list       3 — Newsletter, 2 subscribers",
        "subject    Regionalveranstaltung zur Zukunft des Industriestandortes Berlin-Brandenburg",
        f"reference  {lines[3].split()[1]}",
        f"campaign   1 — {listmonk.base_url.removesuffix('/api')}/admin/campaigns/1",
        "action     test to me@example.org"]
    assert send(project, target="lm-production").state is S.SENT
    again = []
    assert send(project, target="lm-production", lines=again).state is S.SENT
    assert again == [f"already sent at 2026-11-25T12:00:00+00:00 as campaign 1 (listmonk, list 3); nothing sent — "
                     f"{listmonk.base_url.removesuffix('/api')}/admin/campaigns/1"]
    assert listmonk.calls() == ["GET /api/lists/3", "GET /api/campaigns", "POST /api/campaigns",
                                "POST /api/campaigns/1/test", "GET /api/lists/3", "GET /api/campaigns/1",
                                "PUT /api/campaigns/1/status"]
    body = listmonk.campaigns[1]["body"]
    assert "{{ UnsubscribeURL }}" in body and UNSUBSCRIBE_TOKEN not in body
    record, states = history(project)[("lm-production", "newsletter")]
    assert states == [S.PLANNED, S.DRAFTED, S.DRAFTED, S.TEST_SENT, S.SENDING, S.SENT]


def test_an_existing_campaign_with_our_reference_is_adopted_not_duplicated(project, tmp_path, listmonk):
    other_runner = built_project(tmp_path / "other-runner", listmonk.base_url)
    send(other_runner, target="lm-production", test_to=("me@example.org",))
    listmonk.campaigns[1]["body"] = "<p>stale</p>"
    lines = []
    assert send(project, target="lm-production", lines=lines).state is S.SENT
    assert lines[0] == "found the draft 1 an earlier run created at listmonk; updating it"
    assert len(listmonk.campaigns) == 1 and listmonk.campaigns[1]["body"] != "<p>stale</p>"
    assert [c for c in listmonk.calls() if c.startswith("POST /api/campaigns")] == [
        "POST /api/campaigns", "POST /api/campaigns/1/test"]


def test_declining_the_confirmation_leaves_a_draft(project, listmonk):
    lines = []
    assert send(project, target="lm-production", confirm=False, lines=lines).state is S.DRAFTED
    admin = listmonk.base_url.removesuffix("/api") + "/admin/campaigns/1"
    assert lines[-1] == f"not sent; the draft waits at listmonk: {admin}"
    assert listmonk.sends() == []


def test_the_test_list_and_the_real_list_get_separate_campaigns(project, listmonk):
    send(project, target="lm-test")
    send(project, target="lm-production")
    assert sorted(c["lists"][0]["id"] for c in listmonk.campaigns.values()) == [3, 4]
    assert len(listmonk.sends()) == 2


def test_the_press_channel_sends_the_press_release_to_the_press_list(project, listmonk):
    assert send(project, channel="press", target="lm-production").state is S.SENT
    campaign = listmonk.campaigns[1]
    assert campaign["subject"].startswith("Pressemitteilung: ")
    assert [entry["id"] for entry in campaign["lists"]] == [4]
    assert campaign["tags"][0].endswith("-press-to-4")


def embargo(project, lift="2026-12-01T10:00:00+01:00"):
    from pipeline.build import build

    report = project / "content" / "reports" / f"{SEED}.yaml"
    report.write_text(report.read_text().replace("  dateline: Berlin", f"  dateline: Berlin\n  embargo: {lift}"))
    build(Project(project), now=NOW)


def test_an_embargoed_newsletter_waits_but_the_press_release_may_go(project, listmonk):
    embargo(project)
    assert refusal(project, target="lm-production") == [
        "the report is under embargo until 2026-12-01T10:00:00+01:00 — send the newsletter after that, or schedule "
        "it with --at 2026-12-01T10:00:00+01:00 or later; the press channel may go out before"]
    assert listmonk.requests == []
    assert send(project, channel="press", target="production").state is S.SENT  # the outbox embeds its pictures
    assert send(project, channel="press", target="lm-production", at="2026-12-01T10:00+01:00").state is S.SCHEDULED
    assert listmonk.campaigns[1]["subject"].startswith("SPERRFRIST: 01.12.2026, 10:00 Uhr")


def picture_refusal(provider: str) -> str:
    return (f"{provider} takes only the HTML of a campaign, whose pictures are links, and before the embargo lifts "
            "(2026-12-01T10:00:00+01:00) the site holds none of the press mailing's pictures (images/logo.png): "
            "journalists would see them broken — send the press mailing through a target with provider outbox (it "
            f"sends out/{SEED}/press.eml with the pictures embedded), or send it with {provider} at or after "
            "2026-12-01T10:00:00+01:00 (--at 2026-12-01T10:00:00+01:00)")


@pytest.mark.parametrize(("target", "provider"), [("lm-production", "listmonk"), ("mailchimp", "mailchimp"),
                                                  ("brevo", "brevo")])
def test_an_embargoed_press_mailing_is_refused_where_its_pictures_would_break(project, listmonk, target, provider):
    settings = project / "content" / "newsroom.yaml"
    text = settings.read_text()
    for name in ("mailchimp", "brevo"):  # give them a press list; lm-production has one
        head = f"  {name}:\n    provider: {name}\n"
        text = text.replace(head, head + "    press_list: p\n")
    settings.write_text(text)
    embargo(project)  # builds again: the settings changed
    assert picture_refusal(provider) in refusal(project, channel="press", target=target)
    assert picture_refusal(provider) in refusal(project, channel="press", target=target, test_to=("me@example.org",))
    assert listmonk.requests == []


def test_the_outbox_sends_the_embargoed_press_mailing_with_its_pictures(project):
    import email
    from email import policy

    embargo(project)
    outcome = send(project, channel="press", target="production")
    data = (project / ".newsroom" / "outbox" / outcome.ref / "campaign.eml").read_bytes()
    message = email.message_from_bytes(data, policy=policy.default)
    pictures = [part for part in message.walk() if part.get_content_maintype() == "image"]
    assert [part.get_content() for part in pictures] == [(project / "content" / "images" / "logo.png").read_bytes()]
    html = message.get_body(("html",)).get_content()
    assert f'src="cid:{pictures[0]["Content-ID"].strip("<>")}"' in html
    assert "https://newsroom.example.org/" + SEED + "/images/" not in html
    built_message = email.message_from_bytes((project / "out" / SEED / "press.eml").read_bytes(), policy=policy.default)
    assert [p.get_content() for p in built_message.walk() if p.get_content_maintype() == "image"] == \
        [p.get_content() for p in pictures]


def test_a_scheduled_send_is_settled_by_reconcile_when_it_went_out(project, listmonk):
    outcome = send(project, target="lm-production", at="2026-12-01T09:00+01:00")
    assert outcome.state is S.SCHEDULED
    assert listmonk.campaigns[1]["send_at"] == "2026-12-01T09:00:00+01:00"
    lines = []
    assert send(project, target="lm-production", at="2026-12-01T09:00+01:00", lines=lines).state is S.SCHEDULED
    assert lines[0].startswith("already scheduled for 2026-12-01T09:00:00+01:00 as campaign 1")
    listmonk.campaigns[1]["status"] = "finished"
    settled = settle.reconcile(Project(project), secret_for=secret_for, echo=(out := []).append, now=lambda: NOW)
    assert [r.state for r in settled] == [S.SENT]
    assert out == [f"{outcome.ref} (lm-production): listmonk says finished; now SENT"]


def test_the_outbox_writes_the_message_with_the_real_unsubscribe_link(project):
    outcome = send(project, target="production")
    eml = (project / ".newsroom" / "outbox" / outcome.ref / "campaign.eml").read_bytes().decode()
    assert UNSUBSCRIBE_TOKEN not in eml
    assert "List-Unsubscribe: <https://newsroom.example.org/abmelden>" in eml


# -- status and reconcile ---------------------------------------------------------------------


def test_status_shows_each_send_and_a_reports_history(project, listmonk):
    assert settle.status_lines(Project(project)) == ["nothing sent yet from this folder (no .newsroom/ledger.sqlite3)"]
    outcome = send(project, target="production")
    lines = settle.status_lines(Project(project), SEED)
    url = (project / ".newsroom" / "outbox" / outcome.ref).as_uri()
    assert lines == [
        f"{SEED}  newsletter  production  outbox list newsletter  SENT  2026-11-25T12:00:00+00:00  "
        f"campaign {outcome.ref}  {url}",
        "    2026-11-25T12:00:00+00:00  - → PLANNED  outbox list newsletter",
        f"    2026-11-25T12:00:00+00:00  PLANNED → DRAFTED  draft {outcome.ref} at outbox",
        "    2026-11-25T12:00:00+00:00  DRAFTED → SENDING  send now",
        "    2026-11-25T12:00:00+00:00  SENDING → SENT  outbox status sent"]
    assert settle.status_lines(Project(project), "other") == ["nothing sent yet for other"]


def test_reconcile_with_nothing_open_says_so(project):
    assert settle.reconcile(Project(project), secret_for=secret_for, echo=(out := []).append) == []
    assert out == ["nothing to reconcile: no send ledger in this folder"]
    send(project, target="production")
    settle.reconcile(Project(project), secret_for=secret_for, echo=(out := []).append)
    assert out == ["nothing to reconcile: every send has a known outcome"]


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_an_empty_at_is_refused_never_read_as_send_now(project, blank):
    with pytest.raises(ConfigError, match="--at is empty — give a date and time like 2026-12-01T09:00\\+01:00"):
        send(project, target="production", at=blank)
    assert not (project / ".newsroom" / "ledger.sqlite3").exists() and not (project / ".newsroom" / "outbox").exists()


@pytest.mark.parametrize(("at", "message"), [
    ("2027-03-28T02:30", "--at 2027-03-28T02:30: 2027-03-28 02:30 does not exist in Europe/Berlin — the clocks jump "
                         "from 02:00 to 03:00 that night; choose another time, e.g. 2027-03-28T03:00:00+02:00"),
    ("2027-10-31T02:30", "--at 2027-10-31T02:30: 2027-10-31 02:30 happens twice in Europe/Berlin — the clocks go "
                         "back from 03:00 to 02:00 that night; add the offset: 2027-10-31T02:30:00+02:00 (the first) "
                         "or 2027-10-31T02:30:00+01:00 (the second)"),
])
def test_an_at_in_a_dst_gap_or_fold_is_refused_like_an_embargo(project, listmonk, at, message):
    with pytest.raises(ConfigError) as info:
        send(project, target="lm-production", at=at)
    assert str(info.value) == message
    assert listmonk.requests == []
    assert send(project, target="lm-production", at="2027-10-31T02:30:00+01:00").state is SendState.SCHEDULED


@pytest.mark.parametrize("at", ["2027-11-26T12:00:00+00:00", "2099-01-01T09:00:00+01:00",
                                "9999-12-31T23:59:00-12:00"])
def test_an_at_beyond_the_providers_horizon_is_refused_before_any_request(project, listmonk, at):
    assert refusal(project, target="lm-production", at=at) == [
        f"--at {at} is more than 365 days ahead, further than this provider schedules (docs/providers.md) — check "
        "the year, or send later"]
    assert listmonk.requests == []
    assert refusal(project, target="lm-production", at="0001-01-01T00:00:00+14:00") == [
        "--at 0001-01-01T00:00:00+14:00 is not at least 5 minutes in the future — pick a later time"]
    assert send(project, target="lm-production", at="2027-11-25T11:45:00+00:00").state is SendState.SCHEDULED
