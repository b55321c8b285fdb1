"""Fixtures of the fault tests: the scripted server for the HTTP client, the fake listmonk for whole sends."""

from __future__ import annotations

import pytest

from publish_support import built_project, shared_cert, shared_listmonk
from scripted_server import ScriptedServer


@pytest.fixture
def scripted():
    server = ScriptedServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cert():
    return shared_cert()


@pytest.fixture
def listmonk(monkeypatch, cert):
    """The session's fake listmonk, emptied for this test; in-process clients trust its certificate."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert[0]))
    fake = shared_listmonk()
    fake.reset()
    yield fake
    fake.reset()


@pytest.fixture
def project(tmp_path, listmonk):
    """A built copy of the sample project whose lm-* targets point at the fake listmonk."""
    return built_project(tmp_path / "project", listmonk.base_url)
