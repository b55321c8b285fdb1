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
    assert "token newsroom:****" in runs["refused list"][0].stderr  # the provider did echo it; we masked it
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
