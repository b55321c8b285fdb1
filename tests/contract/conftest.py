"""Prism mock servers for the providers' official specs, and adapters wired to them (STYLE §2.10).

One Prism per spec, all started in parallel once per session on 127.0.0.1 and a free port, without
`--errors` (Brevo's own examples break its schema), stopped by PID. Prism reports every invalid
request in an `sl-violations` header: request-side entries fail the test at once; response-side
entries (the spec's own examples) are only logged. Where a spec defect makes a correct request fail,
Prism serves a corrected copy made at test time (OVERLAYS, each with the defect quoted). Prism comes
from the project's package.json (`make setup`).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml

from pipeline import nodetools
from pipeline.config import Target
from pipeline.providers import PROVIDERS
from pipeline.providers.http import ApiClient, RetryPolicy
from pipeline.secrets import Secret

ROOT = Path(__file__).resolve().parents[2]
PRISM = nodetools.node_modules(ROOT, os.environ) / ".bin" / "prism"
SPEC_DIR = ROOT.parent / "shared" / "provider-specs"
SPECS = {
    "listmonk": SPEC_DIR / "listmonk" / "collections.yaml",
    "mailchimp": SPEC_DIR / "mailchimp" / "openapi.yaml",
    "brevo": SPEC_DIR / "brevo" / "swagger.yaml",
}
LISTS = {"listmonk": "3", "mailchimp": "a1b2c3d4e5", "brevo": "7"}
SECRETS = {
    "listmonk": Secret("NEWSROOM_LISTMONK_TOKEN", "contract-token", user="newsroom"),
    "mailchimp": Secret("NEWSROOM_MAILCHIMP_API_KEY", "0123456789abcdef-us6"),
    "brevo": Secret("NEWSROOM_BREVO_API_KEY", "xkeysib-contract"),
}
STARTUP_LIMIT = 60.0



def _listmonk_overlay(spec: dict) -> None:
    """collections.yaml, CampaignRequest: `send_at: {type: object, properties: {headers, template_id}}` nests two
    fields under send_at by mistake; the API takes an RFC 3339 timestamp there and headers/template_id at the top
    level (docs/apis/campaigns.md; CONTRACTS.md §4 item 10). Prism would answer 422 to every correct schedule."""
    request = spec["components"]["schemas"]["CampaignRequest"]["properties"]
    nested = request["send_at"]["properties"]
    request["send_at"] = {"type": "string", "format": "date-time", "nullable": True}
    request.update(nested)


def _brevo_overlay(spec: dict) -> None:
    """swagger.yaml, GET /emailCampaigns `excludeHtmlContent`: `type: "boolean"` with `enum: ["true", "false"]`
    (strings). Prism reads the query value as a boolean, which never equals the strings, so no value passes."""
    for parameter in spec["paths"]["/emailCampaigns"]["get"]["parameters"]:
        if parameter.get("name") == "excludeHtmlContent":
            del parameter["enum"]


#: Test-time fixes of spec defects that make correct requests fail; the saved specs stay untouched.
OVERLAYS = {"listmonk": _listmonk_overlay, "brevo": _brevo_overlay}

logger = logging.getLogger("contract")


@dataclass
class Mock:
    """One running Prism."""

    provider: str
    url: str
    process: subprocess.Popen
    startup_seconds: float
    log: object = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def prism(tmp_path_factory) -> dict[str, Mock]:
    """Every spec served by its own Prism; fails (never skips) when Prism or a spec is missing."""
    if not PRISM.exists():
        pytest.fail(f"Prism is not installed ({PRISM} is missing) — {nodetools.missing_hint(PRISM.parents[1])}",
                    pytrace=False)
    missing = [str(p) for p in SPECS.values() if not p.is_file()]
    if missing:
        pytest.fail(f"provider specs missing: {', '.join(missing)} — check out ../shared/provider-specs", pytrace=False)
    logs = tmp_path_factory.mktemp("prism")
    started = time.monotonic()
    mocks: dict[str, Mock] = {}
    try:
        for name, spec in SPECS.items():
            spec = _with_overlay(name, spec, logs)
            port = _free_port()
            log = (logs / f"{name}.log").open("w")
            process = subprocess.Popen([str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(spec)],
                                       stdout=log, stderr=subprocess.STDOUT)
            mocks[name] = Mock(name, f"http://127.0.0.1:{port}", process, 0.0, log)
        for name, mock in mocks.items():
            mock.startup_seconds = _wait_until_listening(mock, logs / f"{name}.log", started)
        logger.info("prism startup: %s", {n: round(m.startup_seconds, 2) for n, m in mocks.items()})
        yield mocks
    finally:
        for mock in mocks.values():
            mock.process.terminate()
        for mock in mocks.values():
            try:
                mock.process.wait(10)
            except subprocess.TimeoutExpired:
                mock.process.kill()
                mock.process.wait(5)
            mock.log.close()


def _with_overlay(name: str, spec: Path, folder: Path) -> Path:
    """The spec itself, or a corrected copy (JSON, in the session's temp folder) when OVERLAYS has a fix."""
    if name not in OVERLAYS:
        return spec
    data = yaml.load(spec.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    OVERLAYS[name](data)
    copy = folder / f"{name}-overlay.json"
    copy.write_text(json.dumps(data, default=str), encoding="utf-8")
    return copy


def _wait_until_listening(mock: Mock, log: Path, started: float) -> float:
    while time.monotonic() - started < STARTUP_LIMIT:
        if "Prism is listening" in log.read_text(errors="replace"):
            return time.monotonic() - started
        if mock.process.poll() is not None:
            pytest.fail(f"Prism for {mock.provider} exited: {log.read_text(errors='replace')[-2000:]}", pytrace=False)
        time.sleep(0.05)
    pytest.fail(f"Prism for {mock.provider} did not start within {STARTUP_LIMIT:.0f} s", pytrace=False)


def violations_hook(provider: str, seen: list, expected: frozenset = frozenset()):
    """A requests response hook: fail on request-side violations, log response-side ones.

    `expected` holds violation codes a test provokes on purpose (e.g. "401" for a missing credential).
    """

    def hook(response, *args, **kwargs):
        raw = response.headers.get("sl-violations")
        if not raw:
            return response
        method, path = response.request.method, response.request.path_url
        for entry in json.loads(raw):
            location = tuple(entry.get("location", ()))
            seen.append((method, path, location, entry.get("code")))
            if location[:1] != ("request",):
                logger.info("response-side violation (spec example) %s %s: %s", method, path, entry.get("message"))
                continue
            if str(entry.get("code")) in expected:
                continue
            raise AssertionError(f"{provider} {method} {path}: the request breaks the spec: {entry.get('message')} "
                                 f"(location {'.'.join(location)}, code {entry.get('code')})")
        return response

    return hook


@pytest.fixture
def adapter(prism, request):
    """An adapter of `request.param` talking to its Prism, with the violation check on every response."""
    return make_adapter(prism, request.param)


@pytest.fixture
def adapter_for(prism):
    """make_adapter with the session's Prism servers: adapter_for(name, headers=…, secret=…)."""
    return lambda name, **options: make_adapter(prism, name, **options)


def make_adapter(prism, name: str, *, headers: dict | None = None, secret: Secret | None = None, seen=None,
                 expected: frozenset = frozenset()):
    cls = PROVIDERS[name]
    session = requests.Session()
    session.headers.update(headers or {})
    session.hooks["response"].append(violations_hook(name, seen if seen is not None else [], expected))
    secret = SECRETS[name] if secret is None else secret
    http = ApiClient(name, prism[name].url, secret=secret, auth=cls.auth_headers if secret.reveal() else None,
                     session=session, sleep=lambda s: None, policy=RetryPolicy(max_attempts=1))
    return cls(Target(name, LISTS[name], base_url=prism[name].url), secret, http)
