"""`newsroom send` of a report with `subject_variants`, as a user runs it: refusals, the dry run, a real
variate send to the fake Mailchimp and what the ledger and `status` keep of it."""

import json

import pytest

from ab_support import MC_LIST, SUBJECTS, ab_project, mailchimp_env, shared_mailchimp
from pipeline.ledger import Ledger, SendState
from publish_support import SEED, run_cli, shared_cert

REPORT = f"content/reports/{SEED}.yaml"
NO_TEST = ("the report has subject_variants, but {name} has no A/B test of its own — send it through a target with "
           "provider mailchimp or brevo, or remove subject_variants from the report (the title is then the "
           "subject), build again and send")


@pytest.fixture
def mailchimp():
    fake = shared_mailchimp()
    fake.reset()
    yield fake
    fake.reset()


@pytest.mark.parametrize(("target", "name"), [("lm-production", "listmonk"), ("production", "outbox"),
                                              ("test", "outbox")])
def test_listmonk_and_the_outbox_refuse_a_subject_test_and_send_nothing(tmp_path, target, name):
    project = ab_project(tmp_path / "project")
    for extra in (("--yes",), ("--dry-run",), ("--test-to", "me@example.org")):
        result = run_cli(project, "send", SEED, "--target", target, *extra)
        assert result.returncode == 3, result.stderr
        assert result.stderr.splitlines() == ["error: refusing to send, nothing was sent:",
                                              f"  - {REPORT}: {NO_TEST.format(name=name)}"]
    assert not (project / ".newsroom" / "ledger.sqlite3").exists()
    assert not (project / ".newsroom" / "outbox").exists()


def test_the_press_mailing_of_a_report_with_variants_goes_out_as_before(tmp_path):
    """The variants are the newsletter's subjects; the press release keeps its own subject and any provider."""
    project = ab_project(tmp_path / "project")
    result = run_cli(project, "send", SEED, "--channel", "press", "--target", "production", "--yes")
    assert result.returncode == 0, result.stderr
    assert "subject    Pressemitteilung: " in result.stdout and "subject A" not in result.stdout


def test_brevo_refuses_three_subjects(tmp_path):
    project = ab_project(tmp_path / "project", subjects=SUBJECTS, ab_test="ab_test:\n  test_share: 100\n")
    result = run_cli(project, "send", SEED, "--target", "brevo", "--dry-run")
    assert result.returncode == 3
    assert result.stderr.splitlines()[1] == (
        f"  - {REPORT}: the report has 3 subject_variants, but brevo's A/B test takes at most 2 — remove one, build "
        "again and send (or send through a target with provider mailchimp, which tests up to 3)")


def test_brevo_refuses_a_test_share_that_needs_a_winner_by_opens_or_clicks(tmp_path):
    result = run_cli(ab_project(tmp_path / "project"), "send", SEED, "--target", "brevo", "--dry-run")
    assert result.returncode == 3
    assert "ab_test.test_share is 20 in content/newsroom.yaml, but Brevo picks the winner" in result.stderr
    assert "set ab_test.test_share: 100" in result.stderr


def test_check_refuses_a_winner_by_opens_naming_the_line(tmp_path):
    project = ab_project(tmp_path / "project")
    settings = project / "content" / "newsroom.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "ab_test:\n  winner: opens\n", encoding="utf-8")
    line = len(settings.read_text(encoding="utf-8").splitlines())
    result = run_cli(project, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith(
        f"content/newsroom.yaml:{line}:11: ab_test.winner: winner: opens needs open tracking, and Newsroom creates "
        "every campaign with open and click tracking off (EMAIL-QUALITY D7")


def test_the_dry_run_shows_each_subject_and_the_variate_request(tmp_path):
    project = ab_project(tmp_path / "project", subjects=SUBJECTS)
    result = run_cli(project, "send", SEED, "--target", "mailchimp", "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[2:6] == [f"subject A  {SUBJECTS[0]}", f"subject B  {SUBJECTS[1]}", f"subject C  {SUBJECTS[2]}",
                          "a/b test   20 % of the list get a variant; the winner you pick at mailchimp goes to the "
                          "other 80 %"]
    (create,) = [line for line in lines if line.startswith("  POST ") and line.split("  ")[1].endswith("/campaigns")]
    assert "type: 'variate'" in create
    assert (f"variate_settings: {{winner_criteria: 'manual', wait_time: 240, test_size: 20, subject_lines: "
            f"['{SUBJECTS[0]}', '{SUBJECTS[1]}', '{SUBJECTS[2]}']}}") in create
    assert not (project / ".newsroom" / "ledger.sqlite3").exists()


def test_the_brevo_dry_run_splits_the_list_in_halves(tmp_path):
    project = ab_project(tmp_path / "project", ab_test="ab_test:\n  test_share: 100\n")
    result = run_cli(project, "send", SEED, "--target", "brevo", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "a/b test   100 % of the list get a variant; the whole list is split evenly, no winner" in result.stdout
    assert (f"abTesting: True, subjectA: '{SUBJECTS[0]}', subjectB: '{SUBJECTS[1]}', splitRule: 50}}"
            in result.stdout)


def test_a_variate_send_reaches_mailchimp_once_and_the_ledger_keeps_the_test(tmp_path, mailchimp):
    cert = shared_cert()
    project = ab_project(tmp_path / "project", mailchimp_url=mailchimp.base_url)
    result = run_cli(project, "send", SEED, "--target", "mc-production", "--yes", env=mailchimp_env(cert[0]))
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith(("subject", "a/b"))] == [
        f"subject A  {SUBJECTS[0]}", f"subject B  {SUBJECTS[1]}",
        "a/b test   20 % of the list get a variant; the winner you pick at mailchimp goes to the other 80 %"]
    (campaign,) = mailchimp.campaigns.values()
    assert (campaign["type"], campaign["status"], campaign["variate_settings"]["subject_lines"]) == (
        "variate", "sending", list(SUBJECTS[:2]))
    assert campaign["recipients"]["list_id"] == MC_LIST
    with Ledger.open(project / ".newsroom" / "ledger.sqlite3", create=False) as ledger:
        (record,) = ledger.records()
        test = ledger.subject_test(record.id)
    assert (record.state, record.remote_id) == (SendState.SENT, campaign["id"])
    assert (test.subjects, test.test_share, test.winner_criterion, test.wait_hours, test.winner) == (
        SUBJECTS[:2], 20, "manual", 4, None)
    again = run_cli(project, "send", SEED, "--target", "mc-production", "--yes", env=mailchimp_env(cert[0]))
    assert again.stdout.startswith("already sent at ") and len(mailchimp.sends(applied=True)) == 1
    status = run_cli(project, "status", SEED)
    assert status.stdout.splitlines()[1] == (
        f"    subject test: 20 % of the list, winner manual (not known yet); A '{SUBJECTS[0]}'; B '{SUBJECTS[1]}'")


def test_the_winner_mailchimp_names_is_kept_by_report_and_shown_by_status(tmp_path, mailchimp):
    cert = shared_cert()
    project = ab_project(tmp_path / "project", mailchimp_url=mailchimp.base_url)
    sent = run_cli(project, "send", SEED, "--target", "mc-production", "--yes", env=mailchimp_env(cert[0]))
    assert sent.returncode == 0, sent.stderr
    (campaign,) = mailchimp.campaigns.values()
    # the winner picked in Mailchimp's web interface
    campaign["variate_settings"].update(winning_combination_id="k2",
                                        combinations=[{"id": "k1", "subject_line": 0}, {"id": "k2", "subject_line": 1}])
    first = run_cli(project, "report", SEED, "--json", env=mailchimp_env(cert[0]))
    assert first.returncode == 0, first.stderr
    (record,) = json.loads(first.stdout)
    assert record["winner"] == SUBJECTS[1]
    with Ledger.open(project / ".newsroom" / "ledger.sqlite3", create=False) as ledger:
        (sent,) = ledger.records()
        assert ledger.subject_test(sent.id).winner == SUBJECTS[1]
    ledger_file = project / ".newsroom" / "ledger.sqlite3"
    before = ledger_file.read_bytes()
    assert run_cli(project, "report", SEED, env=mailchimp_env(cert[0])).returncode == 0
    assert ledger_file.read_bytes() == before  # nothing new: the ledger is not written again
    status = run_cli(project, "status", SEED)
    assert status.stdout.splitlines()[1].startswith(
        f"    subject test: 20 % of the list, winner manual: {SUBJECTS[1]!r};")
