"""EMAIL-QUALITY S4: a sentinel API key runs through the whole flow and shows up nowhere.

The fake listmonk here is *leaky*: its error messages quote the Authorization header back, as a
careless provider might. The flow is the real one: `newsroom build`, test send, send, repeat,
a refused list, an unclear send, reconcile, status, dry run, with logging on (-v) and --debug.
"""

import secrets
import sqlite3
import traceback

import pytest

from fake_listmonk import Fault, FakeListmonk
from pipeline import publish
from pipeline.build import Project
from pipeline.errors import PipelineError
from pipeline.secrets import Secret
from publish_support import SEED, USER, listmonk_env, prepare_project, run_cli, shared_cert

SENTINEL = f"sk_SENTINEL_{secrets.token_hex(12)}"


@pytest.fixture
def leaky():
    fake = FakeListmonk(user=USER, token=SENTINEL, tls=shared_cert(), leaky=True)
    fake.start()
    yield fake
    fake.stop()


def test_the_api_key_appears_in_no_output_file_log_ledger_or_error(tmp_path, leaky, monkeypatch):
    project = prepare_project(tmp_path / "project", leaky.base_url)
    env = listmonk_env(shared_cert()[0], token=SENTINEL)
    leaky.fault("PUT", "/api/campaigns/2/status", Fault("reset-after"))
    leaky.fault("GET", "/api/campaigns/2", Fault("status", 403, body={"message": "not now"}))
    send = ("send", SEED, "--yes")
    runs = {
        "build": (run_cli(project, "build", env=env), 0),
        "test send": (run_cli(project, "-v", *send, "--target", "lm-test", "--test-to", "me@example.org", env=env), 0),
        "send": (run_cli(project, "-v", "--debug", *send, "--target", "lm-test", env=env), 0),
        "repeat": (run_cli(project, "-v", *send, "--target", "lm-test", env=env), 0),
        "refused list": (run_cli(project, "-v", "--debug", *send, "--target", "lm-unknown-list", env=env), 3),
        "unclear send": (run_cli(project, "-v", "--debug", *send, "--target", "lm-production", env=env), 4),
        "reconcile": (run_cli(project, "-v", "reconcile", env=env), 0),
        "status": (run_cli(project, "status", SEED, env=env), 0),
        "dry run": (run_cli(project, "-v", *send, "--target", "lm-production", "--dry-run", env=env), 0),
    }
    for name, (result, code) in runs.items():
        assert result.returncode == code, f"{name}: {result.stderr}"
    assert "(request had '****')" in runs["refused list"][0].stderr  # the provider did echo it; we masked it
    assert "provider=listmonk method=PUT path=/campaigns/1/status status=200" in runs["send"][0].stderr

    # Errors raised in-process, with their causes and tracebacks.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(shared_cert()[0]))
    with pytest.raises(PipelineError) as info:
        publish.send(Project(project), publish.SendRequest(SEED, target="lm-unknown-list"),
                     secret_for=lambda p: Secret("NEWSROOM_LISTMONK_TOKEN", SENTINEL, user=USER),
                     echo=lambda line: None, confirm=lambda plan: True)
    texts = {"exception": "".join(traceback.format_exception(info.value)), "repr": repr(info.value)}

    texts.update({f"{name} stdout": r.stdout for name, (r, _) in runs.items()})
    texts.update({f"{name} stderr": r.stderr for name, (r, _) in runs.items()})
    for folder in ("out", ".newsroom"):
        for path in (project / folder).rglob("*"):
            if path.is_file():
                texts[str(path.relative_to(project))] = path.read_bytes().decode("latin-1")
    with sqlite3.connect(project / ".newsroom" / "ledger.sqlite3") as db:
        texts["ledger rows"] = repr(db.execute("SELECT * FROM sends").fetchall())
        texts["ledger events"] = repr(db.execute("SELECT * FROM events").fetchall())
    assert "ERROR" not in texts["ledger events"]
    leaks = sorted(where for where, text in texts.items() if SENTINEL in text or SENTINEL[8:] in text)
    assert leaks == []
    assert len(texts) > 30  # the scan really covered the outputs, the outbox-free ledger and every run


# -- Mailchimp and Brevo: servers that echo what we sent, in the forms we sent it ---------------

MAILCHIMP_KEY = f"{secrets.token_hex(16)}-us6"
BREVO_KEY = f"xkeysib-{secrets.token_hex(24)}"


def echo(headers: dict) -> dict:
    """A careless provider: the credential headers back, as sent, percent-encoded and in a JSON string."""
    import urllib.parse

    sent = headers.get("Authorization") or headers.get("api-key") or ""
    return {"title": "Bad Request", "detail": f"refused {sent}",
            "errors": [{"field": "auth", "message": urllib.parse.quote(sent, safe="")}], "echo": repr(sent)}


def forms_of(key: str, header: str) -> list[str]:
    """The key and what we derive from it: the header value and its credential part, padded and not."""
    credential = header.split(" ", 1)[-1]
    return [key, key[4:-4], header, credential, credential.rstrip("=")[4:-4]]


@pytest.fixture
def scripted_tls():
    from scripted_server import ScriptedServer

    server = ScriptedServer(tls=shared_cert())
    yield server
    server.stop()


def echo_project(tmp_path, url: str, build: bool = True):
    project = prepare_project(tmp_path / "project", "https://127.0.0.1:9/api")
    settings = project / "content" / "newsroom.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + f"""  mc-echo:
    provider: mailchimp
    list: a1b2c3d4e5
    base_url: {url}/3.0
  brevo-echo:
    provider: brevo
    list: "7"
    base_url: {url}/v3
""", encoding="utf-8")
    if build:
        assert run_cli(project, "build", f"content/reports/{SEED}.yaml").returncode == 0
    return project


def scan(project, runs) -> dict[str, str]:
    texts = {f"{name} {stream}": getattr(result, stream) for name, result in runs.items()
             for stream in ("stdout", "stderr")}
    for folder in ("out", ".newsroom"):
        for path in (project / folder).rglob("*"):
            if path.is_file():
                texts[str(path.relative_to(project))] = path.read_bytes().decode("latin-1")
    return texts


@pytest.mark.parametrize("provider", ["mailchimp", "brevo"])
def test_a_server_echoing_the_derived_credential_never_gets_it_shown_or_stored(tmp_path, scripted_tls, provider):
    from scripted_server import Reply

    from pipeline.providers import PROVIDERS

    if provider == "mailchimp":
        key, target, env_name = MAILCHIMP_KEY, "mc-echo", "NEWSROOM_MAILCHIMP_API_KEY"
        flow = [Reply(200, {"id": "a1b2c3d4e5", "name": "News", "stats": {"member_count": 2}}),
                Reply(200, {"campaigns": []}), Reply(200, {"id": "c1", "web_id": 5, "status": "save"}),
                Reply(200, {}), Reply(200, {"is_ready": True}), Reply(400, echo), Reply(200, {"status": "save"})]
    else:
        key, target, env_name = BREVO_KEY, "brevo-echo", "NEWSROOM_BREVO_API_KEY"
        flow = [Reply(200, {"name": "News", "totalSubscribers": 2}), Reply(200, {"campaigns": []}),
                Reply(201, {"id": 11}), Reply(200, {"id": 11, "status": "draft"}), Reply(400, echo),
                Reply(200, {"id": 11, "status": "draft"})]
    project = echo_project(tmp_path, scripted_tls.url)
    env = {env_name: key, "REQUESTS_CA_BUNDLE": str(shared_cert()[0])}
    scripted_tls.script = [Reply(401, echo)]
    runs = {"refused key": run_cli(project, "-v", "--debug", "send", SEED, "--target", target, "--yes", env=env)}
    scripted_tls.script = flow
    runs["refused send"] = run_cli(project, "-v", "--debug", "send", SEED, "--target", target, "--yes", env=env)
    runs["status"] = run_cli(project, "status", SEED, env=env)
    runs["dry run"] = run_cli(project, "-v", "send", SEED, "--target", target, "--dry-run", env=env)
    assert [r.returncode for r in runs.values()] == [3, 3, 0, 0], [r.stderr for r in runs.values()]
    assert "refused ****" in runs["refused key"].stderr  # the server did echo it; we masked it
    assert "refused ****" in runs["refused send"].stderr
    header = next(iter(PROVIDERS[provider].auth_headers(Secret(env_name, key)).values()))
    assert any(header in str(request) for request in scripted_tls.requests)  # it was really sent
    texts = scan(project, runs)
    with sqlite3.connect(project / ".newsroom" / "ledger.sqlite3") as db:
        texts["ledger events"] = repr(db.execute("SELECT * FROM events").fetchall())
    assert "FAILED" in runs["status"].stdout and "refused ****" in texts["ledger events"]
    leaks = sorted((where, form) for where, text in texts.items() for form in forms_of(key, header) if form in text)
    assert leaks == []


@pytest.mark.parametrize(("env_name", "value"), [
    ("NEWSROOM_MAILCHIMP_API_KEY", f"{MAILCHIMP_KEY}\nX-Injected: 1"),
    ("NEWSROOM_MAILCHIMP_API_KEY", f"{MAILCHIMP_KEY}\r"),
    ("NEWSROOM_MAILCHIMP_API_KEY", f"{MAILCHIMP_KEY}ü€"),
    ("NEWSROOM_BREVO_API_KEY", f"{BREVO_KEY}\x1b[2J"),
    ("NEWSROOM_LISTMONK_TOKEN", f"{BREVO_KEY}\u2028"),
])
def test_a_malformed_key_is_refused_at_start_up_naming_the_variable_not_the_value(tmp_path, scripted_tls, env_name,
                                                                               value):
    project = echo_project(tmp_path, scripted_tls.url, build=False)
    target = {"NEWSROOM_MAILCHIMP_API_KEY": "mc-echo", "NEWSROOM_BREVO_API_KEY": "brevo-echo",
              "NEWSROOM_LISTMONK_TOKEN": "lm-test"}[env_name]
    env = {env_name: value, "NEWSROOM_LISTMONK_USER": USER, "REQUESTS_CA_BUNDLE": str(shared_cert()[0])}
    runs = {"send": run_cli(project, "send", SEED, "--target", target, "--yes", env=env),
            "dry run": run_cli(project, "send", SEED, "--target", target, "--dry-run", env=env)}
    for result in runs.values():
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith("error: ") and f"environment variable {env_name} contains" in result.stderr
        assert "Traceback" not in result.stderr
    assert scripted_tls.requests == []  # refused before any request
    texts = scan(project, runs)
    assert sorted(where for where, text in texts.items() if value.strip()[4:-4] in text) == []


def test_a_dry_run_never_builds_a_host_name_from_a_malformed_mailchimp_key(tmp_path):
    project = prepare_project(tmp_path / "project", "https://127.0.0.1:9/api")
    assert run_cli(project, "build", f"content/reports/{SEED}.yaml").returncode == 0
    key = "0123456789abcdef-attacker.example#"  # printable, so a header could carry it; no data centre
    result = run_cli(project, "send", SEED, "--target", "mailchimp", "--dry-run",
                     env={"NEWSROOM_MAILCHIMP_API_KEY": key})
    assert result.returncode == 0, result.stderr
    assert "POST <mailchimp API address>/campaigns" in result.stdout
    assert "attacker" not in result.stdout + result.stderr


def test_provider_words_that_quote_the_credential_are_masked_in_the_plan_and_the_refusal(tmp_path, scripted_tls):
    from scripted_server import Reply

    from pipeline.providers import PROVIDERS

    project = echo_project(tmp_path, scripted_tls.url)
    env = {"NEWSROOM_MAILCHIMP_API_KEY": MAILCHIMP_KEY, "REQUESTS_CA_BUNDLE": str(shared_cert()[0])}
    scripted_tls.script = [
        Reply(200, lambda h: {"id": "a1b2c3d4e5", "name": f"News {h['Authorization']}", "stats": {}}),
        Reply(200, {"campaigns": []}), Reply(200, {"id": "c1", "web_id": 5, "status": "save"}), Reply(200, {}),
        Reply(200, lambda h: {"is_ready": False, "items": [{"type": "error", "heading": "Auth",
                                                             "details": h["Authorization"]}]})]
    result = run_cli(project, "send", SEED, "--target", "mc-echo", "--yes", env=env)
    assert result.returncode == 3, result.stderr
    assert "list       a1b2c3d4e5 — News ****" in result.stdout
    assert result.stderr.endswith("is not ready, nothing was sent:\n  - Auth: ****\n")
    header = PROVIDERS["mailchimp"].auth_headers(Secret("X", MAILCHIMP_KEY))["Authorization"]
    texts = scan(project, {"send": result})
    with sqlite3.connect(project / ".newsroom" / "ledger.sqlite3") as db:
        texts["ledger events"] = repr(db.execute("SELECT * FROM events").fetchall())
    assert "Auth: ****" in texts["ledger events"]
    assert sorted((w, f) for w, t in texts.items() for f in forms_of(MAILCHIMP_KEY, header) if f in t) == []


def test_a_campaign_link_that_quotes_the_key_is_stored_masked_in_the_ledger(tmp_path, scripted_tls):
    from scripted_server import Reply

    project = echo_project(tmp_path, scripted_tls.url)
    env = {"NEWSROOM_BREVO_API_KEY": BREVO_KEY, "REQUESTS_CA_BUNDLE": str(shared_cert()[0])}
    scripted_tls.script = [
        Reply(200, {"name": "News", "totalSubscribers": 2}), Reply(200, {"campaigns": []}), Reply(201, {"id": 11}),
        Reply(200, lambda h: {"id": 11, "status": "draft", "shareLink": f"https://brevo.example/s?k={h['api-key']}"}),
        Reply(204, None)]
    runs = {"send": run_cli(project, "send", SEED, "--target", "brevo-echo", "--yes", env=env)}
    runs["status"] = run_cli(project, "status", SEED, env=env)
    assert runs["send"].returncode == 0, runs["send"].stderr
    assert runs["send"].stdout.splitlines()[-1] == "sent: campaign 11 at brevo — https://brevo.example/s?k=****"
    texts = scan(project, runs)
    with sqlite3.connect(project / ".newsroom" / "ledger.sqlite3") as db:
        texts["ledger rows"] = repr(db.execute("SELECT * FROM sends").fetchall())
        texts["ledger events"] = repr(db.execute("SELECT * FROM events").fetchall())
    assert "https://brevo.example/s?k=****" in texts["ledger rows"]
    assert sorted(where for where, text in texts.items() if BREVO_KEY in text or BREVO_KEY[4:-4] in text) == []
