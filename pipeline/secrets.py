"""Environment variables → masked `Secret` values, plus the redaction used by errors and logs (EMAIL-QUALITY S4).

Secrets live only in the environment. `cli/delivery.py` reads them with `secret_for(provider, os.environ)`
and passes the `Secret` in; nothing else reads the environment. `repr()`, `str()` and f-strings
show `Secret(NEWSROOM_BREVO_API_KEY=****)`; only `providers/http.py` calls `reveal()`, when it
sets the auth header. `RedactingFilter` is the second line of defence for log records.

A value that could not travel in an HTTP header as it is (a line break, another control character,
anything outside printable ASCII) is refused when it is read, naming the variable and never the value.
`redact` masks the value and every form derived from it that we send or a server might echo:
the auth header values (`Secret.sending`), their credential part, base64 and percent-encodings.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pipeline.errors import ConfigError, SecretNotSetError

MASK = "****"
MIN_REDACT_LENGTH = 4  # shorter values would garble ordinary text; real keys are 20+ characters

#: Which environment variables each provider needs. The first name holds the secret value;
#: a second name (listmonk) holds the API user, which is not secret but travels with it.
SECRET_ENV: dict[str, tuple[str, ...]] = {
    "outbox": (),
    "listmonk": ("NEWSROOM_LISTMONK_TOKEN", "NEWSROOM_LISTMONK_USER"),
    "mailchimp": ("NEWSROOM_MAILCHIMP_API_KEY",),
    "brevo": ("NEWSROOM_BREVO_API_KEY",),
}


@dataclass(frozen=True)
class Secret:
    """A credential read from the environment; its value never appears in repr, str or format."""

    env_name: str
    _value: str = field(repr=False)
    user: str | None = None
    #: What we send derived from the value (auth header values); masked as well, see `masks`.
    sent: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def reveal(self) -> str:
        """The raw value, for the one place that sets the auth header."""
        return self._value

    def sending(self, headers: Mapping[str, str]) -> Secret:
        """This secret, also masking the header values it travels in (e.g. Mailchimp's base64 `user:key`)."""
        return dataclasses.replace(self, sent=tuple(dict.fromkeys((*self.sent, *headers.values()))))

    def masks(self) -> list[str]:
        """Every text that would give the secret away, longest first: value, sent forms and their encodings."""
        plain = {self._value, *self.sent}
        if self.user:
            plain.add(f"{self.user}:{self._value}")
        plain |= {form.split(" ", 1)[1] for form in self.sent if " " in form}  # "Basic xyz" → "xyz"
        found: set[str] = set()
        for text in plain:
            found |= _encodings(text)
        found |= _base64_inside(self._value)
        return sorted((m for m in found if len(m) >= MIN_REDACT_LENGTH), key=len, reverse=True)

    def __repr__(self) -> str:
        return f"Secret({self.env_name}={MASK})"

    __str__ = __repr__

    def __reduce__(self):  # pickling would copy the value out of the process: refuse it
        raise TypeError("a Secret cannot be pickled")


def secret_for(provider: str, environ: Mapping[str, str]) -> Secret | None:
    """The provider's credential from `environ`; None for the outbox; ConfigError naming what is missing."""
    names = SECRET_ENV.get(provider)
    if names is None:
        raise ConfigError(f"unknown provider '{provider}' — use one of: {', '.join(SECRET_ENV)}")
    if not names:
        return None
    missing = [name for name in names if not environ.get(name, "").strip()]
    if missing:
        raise SecretNotSetError(
            f"{provider}: environment variable {' and '.join(missing)} is not set — export it in your shell "
            "or add it as a secret of the GitHub environment (see docs/providers.md)")
    for name in names:
        _check_header_safe(provider, name, environ[name].strip(" "))
    user = environ[names[1]].strip(" ") if len(names) > 1 else None
    return Secret(names[0], environ[names[0]].strip(" "), user=user)


def in_environment(environ: Mapping[str, str]) -> list[Secret]:
    """Every secret variable that is set, unchecked (malformed ones too, also line by line): to mask a crash report."""
    found = []
    for name in (names[0] for names in SECRET_ENV.values() if names):
        raw = environ.get(name, "")
        for value in dict.fromkeys((raw, raw.strip(), *raw.splitlines())):
            if len(value.strip()) >= MIN_REDACT_LENGTH:
                found.append(Secret(name, value))
    return found


def redact(text: str, secrets: Iterable[Secret | None]) -> str:
    """`text` with every secret value, and every form derived from it (`Secret.masks`), replaced by `****`."""
    for secret in secrets:
        if secret is not None:
            for form in secret.masks():
                text = text.replace(form, MASK)
    return text


def _check_header_safe(provider: str, name: str, value: str) -> None:
    """ConfigError naming `name` if `value` could not go into an HTTP header as is; the value is never shown."""
    if all(" " <= char <= "~" for char in value):
        return
    kind = ("a line break" if any(char in "\r\n" for char in value) else
            "a control character" if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in value) else
            "a character outside printable ASCII")
    raise ConfigError(f"{provider}: environment variable {name} contains {kind}, so it cannot be sent in an HTTP "
                      "header — copy the value again from the provider without a line break or surrounding text "
                      "and set it again (its value is not shown here)")


def _base64_inside(value: str) -> set[str]:
    """The stretch of base64 that `value` yields inside *any* longer text (`anyone:value`), at all 3 alignments."""
    data = value.encode("utf-8", "surrogatepass")
    cores = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data).decode()
        core = encoded[4 if shift else 0:-4]  # the first and last group also depend on the neighbouring bytes
        cores |= {core, core.replace("+", "-").replace("/", "_")}
    return cores


def _encodings(text: str) -> set[str]:
    """`text` as a server might echo it: as is, escaped, percent-encoded, base64 (with and without padding)."""
    data = text.encode("utf-8", "surrogatepass")
    forms = {text, repr(text)[1:-1], json.dumps(text)[1:-1], urllib.parse.quote(text, safe=""),
             urllib.parse.quote_plus(text, safe="")}
    for encoded in (base64.b64encode(data).decode(), base64.urlsafe_b64encode(data).decode()):
        forms |= {encoded, encoded.rstrip("="), urllib.parse.quote(encoded, safe="")}
    return forms


class RedactingFilter(logging.Filter):
    """Masks secret values in every record that passes a handler (attach it to handlers, not loggers)."""

    def __init__(self, secrets: Iterable[Secret | None] = ()):
        super().__init__()
        self.secrets = [s for s in secrets if s is not None]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info), self.secrets)
        elif record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True
