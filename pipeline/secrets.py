"""Environment variables → masked `Secret` values, plus the redaction used by errors and logs (EMAIL-QUALITY S4).

Secrets live only in the environment. `cli.py` reads them with `secret_for(provider, os.environ)`
and passes the `Secret` in; nothing else reads the environment. `repr()`, `str()` and f-strings
show `Secret(NEWSROOM_BREVO_API_KEY=****)`; only `providers/http.py` calls `reveal()`, when it
sets the auth header. `RedactingFilter` is the second line of defence for log records.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pipeline.errors import ConfigError

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

    def reveal(self) -> str:
        """The raw value, for the one place that sets the auth header."""
        return self._value

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
        raise ConfigError(
            f"{provider}: environment variable {' and '.join(missing)} is not set — export it in your shell "
            "or add it as a secret of the GitHub environment (see docs/providers.md)")
    user = environ[names[1]].strip() if len(names) > 1 else None
    return Secret(names[0], environ[names[0]].strip(), user=user)


def redact(text: str, secrets: Iterable[Secret | None]) -> str:
    """`text` with every secret value replaced by `****`."""
    for secret in secrets:
        if secret is not None and len(secret.reveal()) >= MIN_REDACT_LENGTH:
            text = text.replace(secret.reveal(), MASK)
    return text


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
