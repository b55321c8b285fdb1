"""The provider registry: every adapter, keyed by the name used in `content/newsroom.yaml`.

This is the one place that lists extension points and wires an adapter to its `ApiClient`.
Adding a provider = one module with a `Provider` subclass + one line in `PROVIDERS` + the
secret's environment variable in `pipeline.secrets.SECRET_ENV`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.config import Target
from pipeline.errors import ConfigError
from pipeline.providers.base import Provider
from pipeline.providers.brevo import BrevoProvider
from pipeline.providers.http import ApiClient
from pipeline.providers.listmonk import ListmonkProvider
from pipeline.providers.mailchimp import MailchimpProvider
from pipeline.providers.outbox import OUTBOX_DIR, OutboxProvider

PROVIDERS: dict[str, type[Provider]] = {
    "outbox": OutboxProvider,
    "listmonk": ListmonkProvider,
    "mailchimp": MailchimpProvider,
    "brevo": BrevoProvider,
}


def provider_class(name: str) -> type[Provider]:
    """The adapter class for `name`; ConfigError listing the valid names."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ConfigError(f"unknown provider '{name}' — use one of: {', '.join(PROVIDERS)}") from None


def armed(provider: str, secret):
    """`secret` that also masks the header values `provider` sends it in (None stays None)."""
    return secret.sending(provider_class(provider).auth_headers(secret)) if secret is not None else None


def armed_in_environment(environ) -> list:
    """Every secret variable set in `environ` (malformed ones too, also line by line), each armed with the
    header forms its provider sends it in: what a crash report or a provider's words must never show."""
    from pipeline.secrets import SECRET_ENV, Secret, in_environment

    secrets = []
    for secret in in_environment(environ):
        provider, names = next((p, n) for p, n in SECRET_ENV.items() if n and n[0] == secret.env_name)
        user = environ.get(names[1]) if len(names) > 1 else None
        secrets.append(armed(provider, Secret(secret.env_name, secret.reveal(), user=user)))
    return secrets


def open_provider(target: Target, secret, *, state_dir: Path, unsubscribe_url: str,
                  client: Callable[..., ApiClient] = ApiClient) -> Provider:
    """A ready adapter for `target`; `client` lets tests inject sleep, clocks or a session."""
    cls = provider_class(target.provider)
    if not cls.needs_http:
        return OutboxProvider(target, root=state_dir / OUTBOX_DIR, unsubscribe_url=unsubscribe_url)
    if secret is None:
        raise ConfigError(f"{target.provider}: no credential given — see docs/providers.md for the variables")
    http = client(cls.name, cls.base_url_for(target, secret), secret=secret, auth=cls.auth_headers)
    return cls(target, secret, http)
