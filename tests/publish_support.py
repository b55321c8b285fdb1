"""Helpers for the publish-side tests: a built sample project with send targets, TLS for loopback fakes, the CLI.

Targets must be https:// (config rule), so the loopback fakes speak TLS with a throw-away
certificate made by `openssl`; the CLI trusts it through REQUESTS_CA_BUNDLE.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SEED = "2021-11-29-industriestandort-berlin-brandenburg"
DRAFT = "2022-03-15-hydrogen-valley-workshop"
USER = "newsroom"
TOKEN = "fake-token-0123456789"

_built: dict[str, Path] = {}
_shared: dict[str, object] = {}


def _scratch(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def make_cert(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid for one day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def shared_cert() -> tuple[Path, Path]:
    """One certificate for the whole test session."""
    if "cert" not in _shared:
        _shared["cert"] = make_cert(_scratch("newsroom-tls-"))
    return _shared["cert"]


def shared_listmonk():
    """One fake listmonk (TLS, 127.0.0.1) for the whole session, so one build serves every test folder."""
    from fake_listmonk import FakeListmonk

    if "listmonk" not in _shared:
        fake = FakeListmonk(user=USER, token=TOKEN, tls=shared_cert())
        fake.start()
        atexit.register(fake.stop)
        _shared["listmonk"] = fake
    return _shared["listmonk"]


def targets_yaml(listmonk_url: str) -> str:
    """Send targets for tests: the outbox ones of the sample, plus listmonk ones at the fake."""
    return f"""targets:
  test:
    provider: outbox
    list: team
  production:
    provider: outbox
    list: newsletter
    press_list: presse
  lm-test:
    provider: listmonk
    list: "4"
    base_url: {listmonk_url}
  lm-production:
    provider: listmonk
    list: "3"
    press_list: "4"
    base_url: {listmonk_url}
  lm-unknown-list:
    provider: listmonk
    list: "99"
    base_url: {listmonk_url}
  mailchimp:
    provider: mailchimp
    list: a1b2c3d4e5
  brevo:
    provider: brevo
    list: "7"
"""


def prepare_project(dest: Path, listmonk_url: str) -> Path:
    """Copy the sample content and templates to `dest` and replace its targets with the test targets."""
    shutil.copytree(PROJECT / "content", dest / "content")
    shutil.copytree(PROJECT / "templates", dest / "templates")
    settings = dest / "content" / "newsroom.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text[:text.index("\ntargets:") + 1] + targets_yaml(listmonk_url), encoding="utf-8")
    return dest


def built_project(dest: Path, listmonk_url: str = "https://127.0.0.1:9/api") -> Path:
    """A copy of the sample project with test targets and SEED + DRAFT built (one real build per URL)."""
    if listmonk_url not in _built:
        from pipeline.build import Project, build

        template = prepare_project(_scratch("newsroom-built-") / "project", listmonk_url)
        reports = template / "content" / "reports"
        build(Project(template), [reports / f"{SEED}.yaml", reports / f"{DRAFT}.yaml"])
        _built[listmonk_url] = template
    shutil.copytree(_built[listmonk_url], dest, symlinks=True)
    return dest


def cli_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The test process's environment without NEWSROOM_* and CA overrides, plus `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSROOM_", "REQUESTS_CA_BUNDLE"))}
    return {**clean, **(env or {})}


def run_cli(project: Path, *args: str, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
    """`python -m pipeline …` in `project`, with a clean NEWSROOM_* environment plus `env`."""
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=project, capture_output=True, text=True,
                          timeout=timeout, env=cli_env(env))


def start_cli(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Like run_cli, but returns the running process."""
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=project, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=cli_env(env))


def listmonk_env(cert: Path, token: str = TOKEN) -> dict[str, str]:
    """The environment a CLI run against the fake listmonk needs."""
    return {"NEWSROOM_LISTMONK_USER": USER, "NEWSROOM_LISTMONK_TOKEN": token, "REQUESTS_CA_BUNDLE": str(cert)}
