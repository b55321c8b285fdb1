"""Helpers for subject A/B test sends: the sample project with `subject_variants` in the seed report, built
once per variant set and settings, and a TLS fake Mailchimp for the whole session."""

from __future__ import annotations

import atexit
import shutil
from pathlib import Path

from publish_support import SEED, _scratch, prepare_project, shared_cert

SUBJECTS = ("Industriestandort Berlin-Brandenburg: was jetzt zählt", "Zukunft der Industrie – Bericht aus Berlin",
            "Gegenwart und Visionen der Industrie")
MC_LIST = "a1b2c3d4e5"
_built: dict[tuple, Path] = {}
_shared: dict[str, object] = {}


def shared_mailchimp():
    """One fake Mailchimp (TLS, 127.0.0.1) for the whole session."""
    from fake_mailchimp import FakeMailchimp

    if "mailchimp" not in _shared:
        fake = FakeMailchimp(tls=shared_cert())
        fake.start()
        atexit.register(fake.stop)
        _shared["mailchimp"] = fake
    return _shared["mailchimp"]


def with_variants(text: str, subjects: tuple[str, ...]) -> str:
    """A report's YAML with `subject_variants` after its title."""
    lines = "".join(f'  - "{subject}"\n' for subject in subjects)
    return text.replace("\nstatus: ready\n", f"\nstatus: ready\nsubject_variants:\n{lines}", 1)


def ab_project(dest: Path, *, subjects: tuple[str, ...] = SUBJECTS[:2], ab_test: str = "",
               mailchimp_url: str = "https://127.0.0.1:9/3.0", listmonk_url: str = "https://127.0.0.1:9/api") -> Path:
    """A copy of the sample project whose seed report tests `subjects`, with the test targets, an `mc-production`
    Mailchimp target at `mailchimp_url` and `ab_test` (YAML) appended to newsroom.yaml; SEED built."""
    key = (subjects, ab_test, mailchimp_url, listmonk_url)
    if key not in _built:
        from pipeline.build import Project, build

        template = prepare_project(_scratch("newsroom-ab-") / "project", listmonk_url)
        settings = template / "content" / "newsroom.yaml"
        settings.write_text(settings.read_text(encoding="utf-8") + f"""  mc-production:
    provider: mailchimp
    list: {MC_LIST}
    base_url: {mailchimp_url}
{ab_test}""", encoding="utf-8")
        report = template / "content" / "reports" / f"{SEED}.yaml"
        report.write_text(with_variants(report.read_text(encoding="utf-8"), subjects), encoding="utf-8")
        build(Project(template), [report])
        _built[key] = template
    shutil.copytree(_built[key], dest, symlinks=True)
    return dest


def mailchimp_env(cert: Path) -> dict[str, str]:
    """The environment a CLI run against the fake Mailchimp needs."""
    from fake_mailchimp import KEY

    return {"NEWSROOM_MAILCHIMP_API_KEY": KEY, "REQUESTS_CA_BUNDLE": str(cert)}
