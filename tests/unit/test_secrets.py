"""Secrets: read from a given environment, masked in repr/str/format/logs, never picklable."""

import logging
import pickle

import pytest

from pipeline.errors import ConfigError
from pipeline.secrets import RedactingFilter, Secret, redact, secret_for

KEY = "xkeysib-SENTINEL-0123456789abcdef"


def test_secret_never_shows_its_value():
    secret = Secret("NEWSROOM_BREVO_API_KEY", KEY)
    shown = [repr(secret), str(secret), f"{secret}", "%s" % secret, repr([secret]), repr({"k": secret})]
    assert all(KEY not in text for text in shown)
    assert repr(secret) == "Secret(NEWSROOM_BREVO_API_KEY=****)"
    assert secret.reveal() == KEY


def test_secret_cannot_be_pickled():
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Secret("NEWSROOM_BREVO_API_KEY", KEY))


@pytest.mark.parametrize(("provider", "environ", "expected"), [
    ("brevo", {"NEWSROOM_BREVO_API_KEY": f" {KEY}  "}, ("NEWSROOM_BREVO_API_KEY", KEY, None)),
    ("mailchimp", {"NEWSROOM_MAILCHIMP_API_KEY": "abc-us6"}, ("NEWSROOM_MAILCHIMP_API_KEY", "abc-us6", None)),
    ("listmonk", {"NEWSROOM_LISTMONK_USER": "api", "NEWSROOM_LISTMONK_TOKEN": "tok123"},
     ("NEWSROOM_LISTMONK_TOKEN", "tok123", "api")),
])
def test_secret_for_reads_the_providers_variables(provider, environ, expected):
    secret = secret_for(provider, environ)
    assert (secret.env_name, secret.reveal(), secret.user) == expected


def test_the_outbox_needs_no_secret():
    assert secret_for("outbox", {}) is None


def test_a_missing_variable_is_named_with_a_fix():
    with pytest.raises(ConfigError) as info:
        secret_for("listmonk", {"NEWSROOM_LISTMONK_USER": "api", "NEWSROOM_LISTMONK_TOKEN": "  "})
    assert str(info.value) == ("listmonk: environment variable NEWSROOM_LISTMONK_TOKEN is not set — export it in "
                               "your shell or add it as a secret of the GitHub environment (see docs/providers.md)")


def test_redact_masks_every_occurrence_but_not_short_values():
    secret = Secret("NEWSROOM_BREVO_API_KEY", KEY)
    assert redact(f"key {KEY} and again {KEY}", [secret, None]) == "key **** and again ****"
    assert redact("a b c", [Secret("X", "b")]) == "a b c"


def test_redacting_filter_masks_messages_arguments_and_tracebacks(caplog):
    secret = Secret("NEWSROOM_BREVO_API_KEY", KEY)
    logger = logging.getLogger("test.secrets")
    caplog.handler.addFilter(RedactingFilter([secret]))
    with caplog.at_level(logging.INFO, logger="test.secrets"):
        logger.info("header api-key=%s", KEY)
        try:
            raise ValueError(f"provider echoed {KEY}")
        except ValueError:
            logger.exception("failed")
    assert KEY not in caplog.text
    assert "header api-key=****" in caplog.text
    assert "provider echoed ****" in caplog.text


@pytest.mark.parametrize("bad", [f"{KEY}\nX-Evil: 1", f"{KEY}\n", f"\r{KEY}", f"{KEY}\x00", f"{KEY}\x7f",
                                 f"{KEY}\x85", f"{KEY}\t", f"{KEY}ключ", f"{KEY}é", f"{KEY}\u200b"])
@pytest.mark.parametrize("provider", ["brevo", "mailchimp", "listmonk"])
def test_a_malformed_secret_is_refused_naming_the_variable_never_the_value(provider, bad):
    name = {"brevo": "NEWSROOM_BREVO_API_KEY", "mailchimp": "NEWSROOM_MAILCHIMP_API_KEY",
            "listmonk": "NEWSROOM_LISTMONK_TOKEN"}[provider]
    with pytest.raises(ConfigError) as info:
        secret_for(provider, {name: bad, "NEWSROOM_LISTMONK_USER": "api"})
    message = str(info.value)
    assert name in message and "copy the value again" in message
    assert not any(bad[i:i + 4] in message for i in range(len(bad) - 3))  # not even partly echoed


def test_a_malformed_listmonk_user_is_refused_too():
    with pytest.raises(ConfigError, match="NEWSROOM_LISTMONK_USER contains a line break"):
        secret_for("listmonk", {"NEWSROOM_LISTMONK_USER": "api\nX: y", "NEWSROOM_LISTMONK_TOKEN": KEY})


def test_redact_masks_every_form_of_the_key_the_auth_headers_send():
    import base64
    import urllib.parse

    from pipeline.providers import PROVIDERS

    listmonk = Secret("NEWSROOM_LISTMONK_TOKEN", KEY, user="api")
    for provider, secret in (("mailchimp", Secret("NEWSROOM_MAILCHIMP_API_KEY", KEY + "-us6")),
                             ("brevo", Secret("NEWSROOM_BREVO_API_KEY", KEY)), ("listmonk", listmonk)):
        armed = secret.sending(PROVIDERS[provider].auth_headers(secret))
        header = next(iter(PROVIDERS[provider].auth_headers(secret).values()))
        credential = header.split(" ", 1)[-1]
        echoes = [header, credential, urllib.parse.quote(header, safe=""), urllib.parse.quote_plus(credential),
                  credential.rstrip("="), base64.b64encode(f"api:{secret.reveal()}".encode()).decode(),
                  repr(header), f'{{"auth": "{header}"}}', urllib.parse.quote(secret.reveal())]
        for echo in echoes:
            masked = redact(f"server said: {echo}.", [armed])
            assert secret.reveal() not in masked and credential.rstrip("=") not in masked, (provider, masked)
            assert "****" in masked
