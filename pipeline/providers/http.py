"""`Call` → one provider request with timeouts, safe retries and errors that name the place, never the secret.

One `ApiClient` (one `requests.Session`) per provider. Rules (STYLE §2.5, EMAIL-QUALITY R3–R5):

1. Every request has a timeout, `(5, 30)` seconds by default.
2. Only calls marked `idempotent` are retried: on connection errors and 408/429/500/502/503/504, at most
   five attempts, exponential backoff (base 1 s, cap 60 s) with full jitter, and never sooner than
   the provider asked (`Retry-After` in seconds or as an HTTP date, Brevo's `x-sib-ratelimit-reset`,
   `X-RateLimit-Reset`). A wait beyond the overall deadline fails at once instead of sleeping.
3. The call that starts delivery (`Call.delivers`) gets exactly one attempt. If it fails in a way
   that may have reached the provider (read timeout, reset, 5xx) it raises SendOutcomeUnknownError:
   the caller reconciles by reading the campaign's status, it never resends blindly.

The retry loop is ours rather than urllib3's `Retry`: `Retry` decides by HTTP method, and two of our
delivery calls are PUTs (listmonk's status change, Brevo's scheduledAt), which `Retry` would repeat.
Sleep, clocks and the jitter source are injected so tests never wait for real.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
import urllib3.exceptions

from pipeline import __version__
from pipeline.errors import (PublishError, ProviderAuthError, ProviderRateLimitedError, ProviderRejectedError,
                             ProviderUnavailableError, SendOutcomeUnknownError)
from pipeline.providers.base import Call
from pipeline.secrets import Secret, redact

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (5.0, 30.0)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-sib-request-id", "x-amzn-requestid", "cf-ray")
MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long idempotent calls are retried."""

    max_attempts: int = 5
    base: float = 1.0
    cap: float = 60.0
    deadline: float = 600.0


class _SecretAuth(requests.auth.AuthBase):
    """Sets the auth headers at send time; passing `auth=` also stops requests from consulting ~/.netrc."""

    def __init__(self, secret: Secret | None, headers: Callable[[Secret], dict[str, str]] | None):
        self.secret, self.headers = secret, headers

    def __call__(self, request):
        if self.secret is not None and self.headers is not None:
            request.headers.update(self.headers(self.secret))
        return request


class ApiClient:
    """HTTP for one provider: base URL, auth, timeouts, retries, error mapping, redaction."""

    def __init__(self, provider: str, base_url: str, *, secret: Secret | None = None,
                 auth: Callable[[Secret], dict[str, str]] | None = None, timeout=DEFAULT_TIMEOUT,
                 policy: RetryPolicy = RetryPolicy(), session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time, jitter: Callable[[], float] = random.random):
        self.provider, self.base_url = provider, base_url.rstrip("/")
        if secret is not None and auth is not None:
            secret = secret.sending(auth(secret))  # errors mask the header values too, not only the key
        self.secret, self.timeout, self.policy = secret, timeout, policy
        self.session = session or requests.Session()
        self.session.headers.update({"User-Agent": f"newsroom/{__version__}", "Accept": "application/json"})
        self._auth = _SecretAuth(secret, auth)
        self._sleep, self._clock, self._wall, self._jitter = sleep, clock, wall, jitter

    def request(self, call: Call) -> Any:
        """Perform `call`; the decoded JSON body ({} when empty); a PublishError subclass on failure."""
        attempts = self.policy.max_attempts if call.idempotent and not call.delivers else 1
        started = self._clock()
        for attempt in range(1, attempts + 1):
            try:
                response = self._send_once(call, attempt)
            except requests.RequestException as err:
                failure = self._transport_error(call, err)
                logger.warning("provider=%s method=%s path=%s status=- error=%s attempt=%d", self.provider,
                               call.method, call.path, _transport_reason(err).replace(" ", "_"), attempt)
                if attempt == attempts or isinstance(err, requests.exceptions.SSLError):  # a retry cannot fix trust
                    raise failure from err
                delay, error = self._backoff(attempt), failure
            else:
                if 300 <= response.status_code < 400:
                    raise self._redirect_error(call, response)
                if response.status_code < 400:
                    return self._decode(call, response)
                error = self._status_error(call, response)
                if response.status_code not in RETRY_STATUSES or attempt == attempts:
                    raise error
                delay = max(self._backoff(attempt), self._server_delay(response) or 0.0)
            if delay > self.policy.deadline - (self._clock() - started):
                raise _past_deadline(error, delay, self.policy.deadline) from error
            logger.warning("provider=%s method=%s path=%s retry=%d delay=%.2fs reason=%s", self.provider,
                           call.method, call.path, attempt, delay, _reason(error))
            self._sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def close(self) -> None:
        """Close the session's connections."""
        self.session.close()

    # -- one attempt -------------------------------------------------------------------------

    def _send_once(self, call: Call, attempt: int) -> requests.Response:
        began = time.perf_counter()
        response = self.session.request(call.method, self.base_url + call.path, params=call.params,
                                        json=call.json, timeout=self.timeout, auth=self._auth,
                                        allow_redirects=False)
        logger.info("provider=%s method=%s path=%s status=%s request_id=%s attempt=%d ms=%d", self.provider,
                    call.method, call.path, response.status_code, _request_id(response) or "-", attempt,
                    (time.perf_counter() - began) * 1000)
        return response

    def _decode(self, call: Call, response: requests.Response) -> Any:
        if not response.content:
            return {}
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            return body
        if call.delivers:  # the provider accepted the send; an odd body must not turn that into an error
            return {}
        kind = response.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
        what = "an HTML page" if "html" in kind else f"something that is not a JSON object ({kind})"
        raise ProviderUnavailableError(self._where(call, response.status_code, f"answered with {what}, not the "
                                                   "API's JSON — check base_url: it must be the API address "
                                                   f"(now {self.base_url}); nothing was sent"))

    def _redirect_error(self, call: Call, response: requests.Response) -> PublishError:
        """APIs do not redirect; a 3xx means base_url names a web page or the wrong scheme or host."""
        location = response.headers.get("Location", "")[:200] or "nowhere"
        return ProviderUnavailableError(self._where(call, response.status_code, f"redirect to {location} — check "
                                                    "base_url: it must be the API address itself (now "
                                                    f"{self.base_url}), with https:// and the right path; nothing "
                                                    "was sent"))

    # -- errors ------------------------------------------------------------------------------

    def _where(self, call: Call, status: int | str, message: str, request_id: str | None = None) -> str:
        text = f"{self.provider} {call.method} {call.path}: {status} {message}"
        if request_id:
            text += f" (request id {request_id})"
        return redact(text, [self.secret])

    def _status_error(self, call: Call, response: requests.Response) -> PublishError:
        status = response.status_code
        text = self._where(call, status, _provider_message(response), _request_id(response))
        if call.delivers and (status >= 500 or status == 408):
            return SendOutcomeUnknownError(f"{text} — the provider may have started the send anyway; "
                                           "nothing will be resent: run `newsroom reconcile`")
        if status in (401, 403):
            name = self.secret.env_name if self.secret else "the API key"
            return ProviderAuthError(f"{text} — {name} was rejected: is it set, and for the right account?")
        if status == 429:
            return ProviderRateLimitedError(f"{text} — rate limit reached", self._server_delay(response))
        if status >= 500 or status == 408:
            return ProviderUnavailableError(f"{text} — the provider has a problem; try again later")
        return ProviderRejectedError(text)

    def _transport_error(self, call: Call, err: requests.RequestException) -> PublishError:
        reason = _transport_reason(err)
        if call.delivers and not _never_reached_server(err):
            return SendOutcomeUnknownError(self._where(call, "no answer", f"({reason}) — the provider may have "
                                                       "started the send; nothing will be resent: run "
                                                       "`newsroom reconcile`"))
        return ProviderUnavailableError(self._where(call, "no answer", f"({reason}) — check base_url and the "
                                                    "network, then try again"))

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform(0, min(cap, base · 2^(attempt-1)))."""
        return self._jitter() * min(self.policy.cap, self.policy.base * 2 ** (attempt - 1))

    def _server_delay(self, response: requests.Response) -> float | None:
        """Seconds the provider asked us to wait, from whichever header it uses; None if it said nothing."""
        headers = response.headers
        value = headers.get("Retry-After")
        if value:
            if value.strip().isdigit():
                return float(value)
            try:
                return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - self._wall())
            except (TypeError, ValueError):
                pass
        value = headers.get("x-sib-ratelimit-reset")  # Brevo: seconds until the window resets
        if value and _is_number(value):
            return float(value)
        value = headers.get("X-RateLimit-Reset")  # epoch seconds (SendGrid style) or a delta
        if value and _is_number(value):
            number = float(value)
            return max(0.0, number - self._wall()) if number > 1e9 else number
        return None


def _past_deadline(error: PublishError, delay: float, deadline: float) -> PublishError:
    message = (f"{error} — the next attempt would be in {delay:.0f} s, beyond the {deadline:.0f} s this "
               "command may take; try again later")
    if isinstance(error, ProviderRateLimitedError):
        return ProviderRateLimitedError(message, delay)
    return type(error)(message)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _request_id(response: requests.Response) -> str | None:
    for name in REQUEST_ID_HEADERS:
        if response.headers.get(name):
            return response.headers[name][:80]
    return None


def _provider_message(response: requests.Response) -> str:
    """The provider's own error text (listmonk/Brevo `message`, Mailchimp `detail` + field errors)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    parts: list[str] = []
    if isinstance(body, dict):
        for key in ("message", "title", "detail", "error"):
            if isinstance(body.get(key), str) and body[key] not in parts:
                parts.append(body[key])
        for item in body.get("errors") or []:
            if isinstance(item, dict) and item.get("message"):
                parts.append(f"{item.get('field', '')}: {item['message']}".lstrip(": "))
    text = "; ".join(parts) or response.reason or "error"
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT - 1] + "…"


def _transport_reason(err: requests.RequestException) -> str:
    if isinstance(err, requests.ConnectTimeout):
        return "connect timeout"
    if isinstance(err, requests.ReadTimeout):
        return "read timeout"
    if isinstance(err, requests.exceptions.SSLError):
        return ("TLS handshake failed: the server's certificate is not trusted; for a private certificate "
                "authority set REQUESTS_CA_BUNDLE to its certificate file, see docs/providers.md")
    if _never_reached_server(err):
        return "connection refused"
    return "connection dropped"


def _never_reached_server(err: requests.RequestException) -> bool:
    """True only where the request provably did not arrive: the TCP connection was never made."""
    if isinstance(err, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        return True  # no TCP connection, or TLS refused before any request byte was sent
    cause = err.args[0] if err.args else None
    reason = getattr(cause, "reason", cause)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _reason(error: Exception) -> str:
    """The reason as readable text in quotes (one line; a dash stays a dash, not \\u2014)."""
    return json.dumps(str(error)[:120], ensure_ascii=False)
