"""ApiClient against a scripted loopback server: retries, Retry-After, timeouts, resets (EMAIL-QUALITY R3–R5, R7).

Sleep, wall clock and jitter are injected: no test here waits for a backoff. Only the read-timeout
tests spend real time, 0.2 s per attempt, because a socket timeout cannot be faked.
"""

import email.utils
import socket

import pytest

from pipeline.errors import (ProviderAuthError, ProviderRateLimitedError, ProviderRejectedError,
                             ProviderUnavailableError, SendOutcomeUnknownError)
from pipeline.providers.base import Call
from pipeline.providers.http import ApiClient, RetryPolicy
from pipeline.secrets import Secret
from scripted_server import RESET, STALL, Reply

WALL = 1_800_000_000.0
SECRET = Secret("NEWSROOM_BREVO_API_KEY", "xkeysib-SENTINEL-9f8e7d6c5b4a")
GET = Call("GET", "/emailCampaigns/1")
SEND = Call("POST", "/emailCampaigns/1/sendNow", idempotent=False, delivers=True)


@pytest.fixture
def sleeps():
    return []


def make_client(url, sleeps, *, jitter=lambda: 0.5, attempts=5, deadline=600.0, read_timeout=30.0):
    return ApiClient("brevo", url, secret=SECRET, auth=lambda s: {"api-key": s.reveal()}, sleep=sleeps.append,
                     wall=lambda: WALL, jitter=jitter, timeout=(2.0, read_timeout),
                     policy=RetryPolicy(max_attempts=attempts, deadline=deadline))


def test_429_with_retry_after_seconds_waits_at_least_that_long(scripted, sleeps):
    scripted.script = [Reply(429, {"message": "slow down"}, {"Retry-After": "2"}), Reply(200, {"id": 1})]
    assert make_client(scripted.url, sleeps).request(GET) == {"id": 1}
    assert sleeps == [2.0]
    assert len(scripted.requests) == 2


def test_429_with_retry_after_as_http_date(scripted, sleeps):
    when = email.utils.formatdate(WALL + 30, usegmt=True)
    scripted.script = [Reply(429, {}, {"Retry-After": when}), Reply()]
    make_client(scripted.url, sleeps).request(GET)
    assert sleeps == [30.0]


def test_429_without_retry_after_backs_off_exponentially_with_full_jitter_and_a_cap(scripted, sleeps):
    scripted.script = [Reply(429), Reply(429), Reply(429), Reply(429), Reply(200)]
    draws = iter([0.25, 0.5, 1.0, 1.0])
    client = make_client(scripted.url, sleeps, jitter=lambda: next(draws))
    client.policy = RetryPolicy(max_attempts=5, base=1.0, cap=3.0)
    client.request(GET)
    assert sleeps == [0.25, 1.0, 3.0, 3.0]  # uniform(0, min(cap, base·2^n)) with the draws above


def test_brevos_rate_limit_reset_header_is_honoured(scripted, sleeps):
    scripted.script = [Reply(429, {}, {"x-sib-ratelimit-reset": "7"}), Reply()]
    make_client(scripted.url, sleeps).request(GET)
    assert sleeps == [7.0]


def test_500_and_503_on_a_read_are_retried_until_it_works(scripted, sleeps):
    scripted.script = [Reply(500), Reply(503), Reply(200, {"status": "draft"})]
    assert make_client(scripted.url, sleeps).request(GET) == {"status": "draft"}
    assert (len(scripted.requests), sleeps) == (3, [0.5, 1.0])


def test_a_read_gives_up_after_the_last_attempt(scripted, sleeps):
    scripted.script = [Reply(503, {"message": "maintenance"})] * 3
    with pytest.raises(ProviderUnavailableError) as info:
        make_client(scripted.url, sleeps, attempts=3).request(GET)
    assert str(info.value) == ("brevo GET /emailCampaigns/1: 503 maintenance — the provider has a problem; "
                               "try again later")
    assert (len(scripted.requests), len(sleeps)) == (3, 2)


def test_a_post_is_never_retried(scripted, sleeps):
    scripted.script = [Reply(503), Reply(201, {"id": 2})]
    with pytest.raises(ProviderUnavailableError):
        make_client(scripted.url, sleeps).request(Call("POST", "/emailCampaigns", {"name": "x"}, idempotent=False))
    assert (len(scripted.requests), sleeps) == (1, [])


def test_429_on_a_post_is_reported_with_the_wait(scripted, sleeps):
    scripted.script = [Reply(429, {}, {"Retry-After": "2"})]
    with pytest.raises(ProviderRateLimitedError) as info:
        make_client(scripted.url, sleeps).request(Call("POST", "/emailCampaigns", {}, idempotent=False))
    assert info.value.retry_after == 2.0
    assert len(scripted.requests) == 1


def test_a_wait_beyond_the_deadline_fails_at_once(scripted, sleeps):
    scripted.script = [Reply(429, {"message": "daily quota"}, {"Retry-After": "3600"})]
    with pytest.raises(ProviderRateLimitedError, match="next attempt would be in 3600 s, beyond the 600 s") as info:
        make_client(scripted.url, sleeps).request(GET)
    assert (sleeps, info.value.retry_after) == ([], 3600.0)


def test_client_errors_are_not_retried_and_name_provider_method_path_status_message_and_request_id(scripted, sleeps):
    scripted.script = [Reply(400, {"code": "invalid_parameter", "message": "subject is missing"},
                             {"x-request-id": "req-4711"})]
    call = Call("GET", "/emailCampaigns", params={"limit": 100, "token": "query-must-not-show"})
    with pytest.raises(ProviderRejectedError) as info:
        make_client(scripted.url, sleeps).request(call)
    assert str(info.value) == "brevo GET /emailCampaigns: 400 subject is missing (request id req-4711)"
    assert len(scripted.requests) == 1


def test_a_provider_echoing_the_key_does_not_leak_it(scripted, sleeps):
    scripted.script = [Reply(401, {"message": f"key {SECRET.reveal()} is not valid"})]
    with pytest.raises(ProviderAuthError) as info:
        make_client(scripted.url, sleeps).request(GET)
    assert str(info.value) == ("brevo GET /emailCampaigns/1: 401 key **** is not valid — NEWSROOM_BREVO_API_KEY "
                               "was rejected: is it set, and for the right account?")


def test_a_stall_past_the_read_timeout_is_retried_for_reads(scripted, sleeps):
    scripted.script = [STALL, Reply(200, {"ok": True})]
    assert make_client(scripted.url, sleeps, read_timeout=0.2).request(GET) == {"ok": True}
    assert len(scripted.requests) == 2


def test_a_stalled_send_is_an_unknown_outcome_and_is_not_repeated(scripted, sleeps):
    scripted.script = [STALL]
    with pytest.raises(SendOutcomeUnknownError, match=r"no answer \(read timeout\) — the provider may have started"):
        make_client(scripted.url, sleeps, read_timeout=0.2).request(SEND)
    assert (len(scripted.requests), sleeps) == (1, [])


def test_a_reset_after_the_send_was_received_is_an_unknown_outcome(scripted, sleeps):
    scripted.script = [RESET]
    with pytest.raises(SendOutcomeUnknownError, match=r"connection dropped.*run `newsroom reconcile`"):
        make_client(scripted.url, sleeps).request(SEND)
    assert len(scripted.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_on_send_is_an_unknown_outcome(scripted, sleeps, status):
    scripted.script = [Reply(status)]
    with pytest.raises(SendOutcomeUnknownError):
        make_client(scripted.url, sleeps).request(SEND)
    assert len(scripted.requests) == 1


def test_a_reset_on_a_read_is_retried(scripted, sleeps):
    scripted.script = [RESET, Reply(200, {"ok": True})]
    assert make_client(scripted.url, sleeps).request(GET) == {"ok": True}


def test_connection_refused_on_send_means_nothing_was_sent(sleeps):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ProviderUnavailableError) as info:
        make_client(f"http://127.0.0.1:{port}", sleeps).request(SEND)
    assert not isinstance(info.value, SendOutcomeUnknownError)
    assert "connection refused" in str(info.value)


def test_auth_is_ours_even_with_a_netrc_for_the_host(scripted, sleeps, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password from-netrc\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    make_client(scripted.url, sleeps).request(GET)
    headers = scripted.requests[0][2]
    assert headers["api-key"] == SECRET.reveal()
    assert "Authorization" not in headers
    assert headers["User-Agent"].startswith("newsroom/")


def test_a_retry_warning_prints_the_reason_as_text_not_as_escapes(scripted, sleeps, caplog):
    scripted.script = [Reply(503, {"message": "Wartung — gleich zurück"}), Reply(200, {"id": 1})]
    with caplog.at_level("WARNING", logger="pipeline.providers.http"):
        make_client(scripted.url, sleeps).request(GET)
    (line,) = [r.getMessage() for r in caplog.records if "retry=1" in r.getMessage()]
    assert line.endswith('reason="brevo GET /emailCampaigns/1: 503 Wartung — gleich zurück — the provider has a '
                         'problem; try again later"'), line
