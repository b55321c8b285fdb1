"""Fixtures for adapter tests: a TLS fake listmonk on 127.0.0.1 and an ApiClient that trusts it."""

from __future__ import annotations

import functools

import pytest
import requests

from fake_listmonk import FakeListmonk
from pipeline.config import Target
from pipeline.providers import open_provider
from pipeline.providers.http import ApiClient, RetryPolicy
from pipeline.secrets import Secret
from publish_support import TOKEN, USER, make_cert


@pytest.fixture(scope="session")
def cert(tmp_path_factory):
    return make_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def listmonk(cert):
    fake = FakeListmonk(user=USER, token=TOKEN, tls=cert)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def sleeps():
    """Delays the client asked for; nothing really sleeps."""
    return []


@pytest.fixture
def client_factory(cert, sleeps, monkeypatch):
    # requests lets REQUESTS_CA_BUNDLE override session.verify, so trust the fake's certificate there.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert[0]))
    session = requests.Session()
    yield functools.partial(ApiClient, session=session, sleep=sleeps.append, jitter=lambda: 0.5,
                            policy=RetryPolicy(max_attempts=3))
    session.close()


@pytest.fixture
def listmonk_provider(listmonk, client_factory, tmp_path):
    target = Target("listmonk", "3", base_url=listmonk.base_url)
    secret = Secret("NEWSROOM_LISTMONK_TOKEN", TOKEN, user=USER)
    with open_provider(target, secret, state_dir=tmp_path, unsubscribe_url="https://x.example/u",
                       client=client_factory) as provider:
        yield provider
