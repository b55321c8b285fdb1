"""The publish path's errors as a user meets them: clear messages and exit codes, never exit 70.

A listmonk base_url that names a web page (redirect, HTML, a JSON answer that is not listmonk's),
`--at ""`, `reconcile` while an outcome is still unknown, and an internal error: where its details
go (`--project`), what `--debug` shows, and that no secret is in either.
"""

import base64
import sys

import pytest

from fake_listmonk import Fault
from pipeline import cli as cli_module
from publish_support import SEED, built_project, listmonk_env, run_cli, shared_cert, shared_listmonk
from scripted_server import Reply, ScriptedServer

ARGS = ("send", SEED, "--target", "lm-test", "--yes")


@pytest.fixture
def scripted():
    server = ScriptedServer(tls=shared_cert())
    yield server
    server.stop()


@pytest.mark.parametrize(("answer", "expected"), [
    (Reply(301, None, {"Location": "https://listmonk.example.org/admin/login", "Content-Type": "text/html"}),
     "listmonk GET /lists/4: 301 redirect to https://listmonk.example.org/admin/login — check base_url: it must be "
     "the API address itself (now {url}/api), with https:// and the right path; nothing was sent"),
    (Reply(302, None, {"Location": "/login"}),
     "listmonk GET /lists/4: 302 redirect to /login — check base_url"),
    (Reply(200, None, {"Content-Type": "text/html; charset=utf-8"}, raw=b"<!doctype html><title>listmonk</title>"),
     "listmonk GET /lists/4: 200 answered with an HTML page, not the API's JSON — check base_url: it must be the "
     "API address (now {url}/api); nothing was sent"),
    (Reply(200, {"status": "ok"}),
     "listmonk GET /lists/4: the answer has no `data` object — check base_url: it must be the API address, e.g. "
     "https://listmonk.example.org/api; nothing was sent"),
])
def test_a_base_url_that_is_no_api_gets_a_message_naming_base_url(tmp_path, scripted, answer, expected):
    project = built_project(tmp_path / "project", scripted.url + "/api")
    scripted.script = [answer]
    result = run_cli(project, *ARGS, env=listmonk_env(shared_cert()[0]))
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("error: " + expected.format(url=scripted.url)), result.stderr
    assert len(scripted.requests) == 1  # no retry of a wrong address, no further call


@pytest.mark.parametrize("blank", ["", "  "])
def test_an_empty_at_is_a_usage_error_and_sends_nothing(tmp_path, blank):
    project = built_project(tmp_path / "project")
    result = run_cli(project, "send", SEED, "--target", "production", "--yes", "--at", blank)
    assert result.returncode == 2, result.stderr
    assert "Invalid value for '--at': empty — give a date and time like 2026-12-01T09:00+01:00" in result.stderr
    assert not (project / ".newsroom" / "outbox").exists() and not (project / ".newsroom" / "ledger.sqlite3").exists()


def test_reconcile_exits_4_while_an_outcome_stays_unknown(tmp_path):
    listmonk = shared_listmonk()
    listmonk.reset()
    try:
        project = built_project(tmp_path / "project", listmonk.base_url)
        env = listmonk_env(shared_cert()[0])
        listmonk.fault("PUT", "/api/campaigns/1/status", Fault("reset-before"))  # no answer; still a draft there
        sent = run_cli(project, *ARGS, env=env)
        assert sent.returncode == 4, sent.stderr
        result = run_cli(project, "reconcile", env=env)
        assert result.returncode == 4, result.stderr
        assert "still shows a draft, but the send may still be under way there" in result.stdout
        assert result.stderr.startswith("error: 1 send(s) still without a known outcome: newsroom-")
        assert "run `newsroom reconcile` again later" in result.stderr
        assert (len(listmonk.sends()), listmonk.campaigns[1]["status"]) == (1, "draft")  # reconcile never sends
    finally:
        listmonk.reset()


# -- internal errors ---------------------------------------------------------------------------

KEY = "mc0123456789abcdef0123456789abcd-us6"


@pytest.fixture
def crashing_command():
    """A command with a bug whose message carries the key, as a local variable in an f-string would."""
    @cli_module.cli.command("crash-for-test")
    def crash() -> None:
        basic = base64.b64encode(f"newsroom:{KEY}".encode()).decode()
        raise RuntimeError(f"bug while sending key={KEY!r} header='Basic {basic}'")

    yield
    del cli_module.cli.commands["crash-for-test"]


def run_main(argv, capsys):
    with pytest.raises(SystemExit) as info:
        cli_module.main(argv)
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.mark.parametrize("debug", [False, True])
def test_an_internal_error_goes_to_the_projects_last_error_file_masked_and_debug_shows_it(
        tmp_path, monkeypatch, capsys, crashing_command, debug):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir(), elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("NEWSROOM_DEBUG", raising=False)
    monkeypatch.setenv("NEWSROOM_MAILCHIMP_API_KEY", KEY)
    monkeypatch.setattr(sys, "argv", ["newsroom"])  # --debug must be read from the arguments given to main
    code, out, err = run_main(["--project", str(project), *(["--debug"] if debug else []), "crash-for-test"], capsys)
    last_error = project / ".newsroom" / "last-error.txt"
    assert code == 70
    assert err.splitlines()[0] == f"internal error — please report it; details in {last_error}"
    assert not (elsewhere / ".newsroom").exists()
    details = last_error.read_text(encoding="utf-8")
    assert details.startswith("Traceback") and "RuntimeError: bug while sending key='****' header='****'" in details
    assert ("Traceback" in err) is debug and ("RuntimeError: bug while sending key='****'" in err) is debug
    basic = base64.b64encode(f"newsroom:{KEY}".encode()).decode()
    assert all(form not in text for form in (KEY, KEY[4:-4], basic, basic[4:-4]) for text in (out, err, details))


def test_a_listmonk_behind_a_private_ca_names_requests_ca_bundle_and_then_works_with_it(tmp_path, scripted):
    project = built_project(tmp_path / "project", scripted.url + "/api")
    env = {k: v for k, v in listmonk_env(shared_cert()[0]).items() if k != "REQUESTS_CA_BUNDLE"}
    untrusted = run_cli(project, *ARGS, env=env)
    assert untrusted.returncode == 3, untrusted.stderr
    assert ("TLS handshake failed: the server's certificate is not trusted; for a private certificate authority set "
            "REQUESTS_CA_BUNDLE to its certificate file, see docs/providers.md") in untrusted.stderr
    scripted.script = [Reply(403, {"message": "Invalid API credentials"})]
    trusted = run_cli(project, *ARGS, env={**env, "REQUESTS_CA_BUNDLE": str(shared_cert()[0])})
    assert trusted.returncode == 3 and "403 Invalid API credentials" in trusted.stderr  # the TLS part worked
    assert len([r for r in scripted.requests if r[0] == "GET"]) == 1  # the untrusted run made no request at all
