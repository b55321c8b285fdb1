"""A build with a personal greeting goes only to a provider that can write its fallback (preflight)."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import copy_project
from pipeline.build import Project, build
from pipeline.config import load_settings
from pipeline.preflight import load_build, preflight

SEED = "2021-11-29-industriestandort-berlin-brandenburg"
GREETING = '\ngreeting:\n  named: {de: "Guten Tag {first_name},", en: "Hello {first_name},"}\n' \
           '  fallback: {de: "Guten Tag,", en: "Hello,"}\n'


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("preflight") / "project")
    with open(root / "content" / "newsroom.yaml", "a", encoding="utf-8") as settings:
        settings.write(GREETING)
    project = Project(root)
    build(project, [root / "content" / "reports" / f"{SEED}.yaml"], use_cache=False)
    return project


def problems(project, *, greeting_fallback: bool, channel: str = "newsletter") -> list[str]:
    settings = load_settings(project.content_dir)
    target = "test" if channel == "newsletter" else "production"  # the sample's target with a press list
    return preflight(project, settings, load_build(project, SEED, channel), channel=channel, target_name=target,
                     target=settings.targets[target], test_send=True, at=None,
                     now=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc), greeting_fallback=greeting_fallback)


def test_a_provider_without_a_fallback_is_refused(project):
    # every provider we have can write it (test_greeting.py); the outbox target stands in for one that cannot
    assert problems(project, greeting_fallback=False) == [
        f"out/{SEED} greets each subscriber by name, but outbox cannot write the greeting's fallback for subscribers "
        "without a name — send through a target whose provider can (outbox, listmonk, mailchimp, brevo), or turn "
        "the greeting off for this report (greeting: false) and build again"]


def test_a_provider_with_one_and_the_press_mailing_without_a_greeting_go(project):
    assert problems(project, greeting_fallback=True) == []
    assert problems(project, greeting_fallback=False, channel="press") == []
