"""The registry and the per-provider constants: names, merge tags, secrets, base URLs, auth headers."""

import base64

import pytest

from pipeline.config import PROVIDER_NAMES, Target
from pipeline.errors import ConfigError
from pipeline.providers import PROVIDERS, open_provider, provider_class
from pipeline.providers.base import Provider
from pipeline.secrets import SECRET_ENV, Secret


def test_config_registry_and_secrets_name_the_same_providers():
    assert tuple(PROVIDERS) == PROVIDER_NAMES == tuple(SECRET_ENV)
    for name, cls in PROVIDERS.items():
        assert issubclass(cls, Provider) and cls.name == name and cls.__name__.lower() == f"{name}provider"


def test_each_provider_has_its_own_unsubscribe_merge_tag():
    assert {n: c.unsubscribe_tag for n, c in PROVIDERS.items() if c.needs_http} == {
        "listmonk": "{{ UnsubscribeURL }}", "mailchimp": "*|UNSUB|*", "brevo": "{{ unsubscribe }}"}


def test_unknown_provider_lists_the_valid_ones():
    with pytest.raises(ConfigError,
                       match="unknown provider 'sendgrid' — use one of: outbox, listmonk, mailchimp, brevo"):
        provider_class("sendgrid")


def test_http_providers_need_a_secret(tmp_path):
    with pytest.raises(ConfigError, match="brevo: no credential given"):
        open_provider(Target("brevo", "7"), None, state_dir=tmp_path, unsubscribe_url="https://x.example/u")


def test_listmonk_needs_a_base_url(tmp_path):
    secret = Secret("NEWSROOM_LISTMONK_TOKEN", "t0ken", user="api")
    with pytest.raises(ConfigError, match="the listmonk target needs base_url"):
        open_provider(Target("listmonk", "3"), secret, state_dir=tmp_path, unsubscribe_url="https://x.example/u")


@pytest.mark.parametrize(("target", "key", "url"), [
    (Target("brevo", "7"), "xkeysib-abc", "https://api.brevo.com/v3"),
    (Target("mailchimp", "a1"), "0123abcd-us6", "https://us6.api.mailchimp.com/3.0"),
    (Target("mailchimp", "a1", base_url="https://proxy.example.org/3.0/"), "0123abcd-us6",
     "https://proxy.example.org/3.0"),
    (Target("listmonk", "3", base_url="https://lists.example.org/api"), "t0ken", "https://lists.example.org/api"),
])
def test_base_urls(target, key, url):
    assert provider_class(target.provider).base_url_for(target, Secret("K", key, user="api")) == url


def test_a_mailchimp_key_without_data_centre_is_explained():
    with pytest.raises(ConfigError, match="does not end in a data centre such as -us6"):
        provider_class("mailchimp").base_url_for(Target("mailchimp", "a1"), Secret("K", "0123abcd"))


def test_auth_headers_carry_the_secret_in_each_providers_scheme():
    secret = Secret("K", "s3cret-us6", user="api")
    assert PROVIDERS["listmonk"].auth_headers(secret) == {"Authorization": "token api:s3cret-us6"}
    assert PROVIDERS["brevo"].auth_headers(secret) == {"api-key": "s3cret-us6"}
    basic = PROVIDERS["mailchimp"].auth_headers(secret)["Authorization"]
    assert base64.b64decode(basic.removeprefix("Basic ")).decode() == "newsroom:s3cret-us6"


def test_the_outbox_needs_neither_secret_nor_network(tmp_path):
    provider = open_provider(Target("outbox", "team"), None, state_dir=tmp_path, unsubscribe_url="https://x.example/u")
    assert (provider.name, provider.http, provider.root) == ("outbox", None, tmp_path / "outbox")
