"""config.load_settings: content/newsroom.yaml → Settings, or every problem with file:line:column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from pipeline.config import PROVIDER_NAMES, SETTINGS, Settings, load_settings
from pipeline.errors import ConfigError, ContentError

SAMPLE = Path(__file__).resolve().parents[2] / "content"


def sample_text() -> str:
    return (SAMPLE / "newsroom.yaml").read_text(encoding="utf-8")


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the sample newsroom.yaml no longer has exactly one {old!r}"
    return text.replace(old, new)


def line_of(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def first_key_line(text: str) -> int:
    """Where the top-level mapping starts: missing top-level fields are reported there."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.strip() and not line.startswith("#"))


def project(tmp_path: Path, text: str) -> Path:
    """A content folder with the sample images and the given newsroom.yaml."""
    root = tmp_path / "content"
    shutil.copytree(SAMPLE / "images", root / "images")
    (root / "newsroom.yaml").write_text(text, encoding="utf-8")
    return root


def issues(root: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_settings(root)
    return [str(issue) for issue in info.value.issues]


def test_sample_settings_load(content_root):
    settings = load_settings(content_root)
    raw = yaml.safe_load(sample_text())
    assert isinstance(settings, Settings)
    assert settings.path == str(content_root / "newsroom.yaml")
    assert (settings.name, settings.language, settings.timezone) == (raw["name"], raw["language"], raw["timezone"])
    assert settings.imprint.postal_code == raw["imprint"]["postal_code"]
    assert settings.brand.logo.src == raw["brand"]["logo"]["src"]
    assert set(settings.targets) == set(raw["targets"])
    assert "test" in settings.targets  # the default target (STYLE §2.8)
    assert {t.provider for t in settings.targets.values()} <= set(PROVIDER_NAMES)


def test_typo_in_a_top_level_key_suggests_the_right_one(tmp_path):
    text = replace_once(sample_text(), "\nimprint:\n", "\nimprnt:\n")
    root = project(tmp_path, text)
    path = root / "newsroom.yaml"
    assert issues(root) == [
        f"{path}:{first_key_line(text)}:1: imprint: 'imprint' is required but missing — add 'imprint:'",
        f"{path}:{line_of(text, 'imprnt:')}:1: imprnt: unknown field 'imprnt' — did you mean 'imprint'?",
    ]


def test_unknown_time_zone_is_an_issue(tmp_path):
    text = replace_once(sample_text(), "timezone: Europe/Berlin", "timezone: Europe/Berln")
    root = project(tmp_path, text)
    assert issues(root) == [
        f"{root / 'newsroom.yaml'}:{line_of(text, 'timezone:')}:11: timezone: 'Europe/Berln' is not a known time zone"
        " — use an IANA name such as Europe/Berlin",
    ]


def test_missing_time_zone_is_reported_once(tmp_path):
    text = replace_once(sample_text(), "timezone: Europe/Berlin\n", "")
    root = project(tmp_path, text)
    assert issues(root) == [
        f"{root / 'newsroom.yaml'}:{first_key_line(text)}:1: timezone: 'timezone' is required but missing"
        " — an IANA time zone, e.g. Europe/Berlin",
    ]


def test_provider_outside_the_registry_lists_the_valid_ones(tmp_path):
    text = replace_once(sample_text(), "  test:\n    provider: outbox\n", "  test:\n    provider: pigeon-post\n")
    root = project(tmp_path, text)
    with pytest.raises(ContentError) as info:
        load_settings(root)
    [issue] = info.value.issues
    assert (str(issue.location), issue.field, issue.message) == (
        f"{root / 'newsroom.yaml'}:{line_of(text, '    provider: pigeon-post')}:15",
        "targets.test.provider", "'pigeon-post' is not allowed here")
    assert issue.hint == "use one of: " + ", ".join(PROVIDER_NAMES)


def test_a_secret_cannot_be_put_into_a_target(tmp_path):
    # Secrets come from environment variables only; the schema has no field that could hold one.
    text = replace_once(sample_text(), "  test:\n    provider: outbox\n",
                        "  test:\n    provider: outbox\n    api_key: geheim\n")
    root = project(tmp_path, text)
    target_fields = next(f for f in SETTINGS.fields if f.name == "targets").items.fields
    assert issues(root) == [
        f"{root / 'newsroom.yaml'}:{line_of(text, '    api_key:')}:5: targets.test.api_key: unknown field 'api_key'"
        " — allowed here: " + ", ".join(f.name for f in target_fields),
    ]


def test_logo_outside_the_content_folder_is_refused(tmp_path):
    text = replace_once(sample_text(), "src: images/logo.png", "src: ../../etc/passwd")
    root = project(tmp_path, text)
    assert issues(root) == [
        f"{root / 'newsroom.yaml'}:{line_of(text, '    src: ../../etc/passwd')}:10: brand.logo.src: '../../etc/passwd'"
        " points outside the content folder — put the image below content/images/",
    ]


def test_postal_code_with_leading_zero_keeps_its_spelling(tmp_path):
    # Unquoted, YAML 1.1 reads 01067 as the octal number 567.
    text = replace_once(sample_text(), "postal_code: \"10115\"", "postal_code: 01067")
    assert load_settings(project(tmp_path, text)).imprint.postal_code == "01067"


def test_duplicate_key_in_settings_is_an_issue(tmp_path):
    text = sample_text() + "name: Zweiter Name\n"
    root = project(tmp_path, text)
    assert issues(root) == [
        f"{root / 'newsroom.yaml'}:{len(text.splitlines())}:1: name: the key 'name' appears twice"
        f" (first at line {line_of(text, 'name:')}) — keep one of them; YAML would silently use only the last",
    ]


def test_empty_settings_name_every_required_field(tmp_path):
    root = project(tmp_path, "# noch leer\n")
    with pytest.raises(ContentError) as info:
        load_settings(root)
    assert [issue.field for issue in info.value.issues] == sorted(f.name for f in SETTINGS.fields if f.required)
    assert {str(issue.location) for issue in info.value.issues} == {f"{root / 'newsroom.yaml'}:1:1"}


def test_missing_settings_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert str(info.value).startswith(f"{tmp_path / 'newsroom.yaml'}: the settings file is missing — ")


def test_config_choices_are_the_provider_registry():
    # config.py cannot import the registry (the providers import config), so it keeps its own list.
    from pipeline.providers import PROVIDERS

    assert PROVIDER_NAMES == tuple(PROVIDERS)


@pytest.mark.parametrize("width", ["0", "-5", "601", "100000000000000000000000"])
def test_logo_width_must_be_a_width_the_email_can_show(tmp_path, width):
    """0 or less hid the logo and MJML silently cut more than 600 px down; both passed check before."""
    text = replace_once(sample_text(), "width: 180", f"width: {width}")
    root = project(tmp_path, text)
    assert issues(root) == [
        f"{root / 'newsroom.yaml'}:{line_of(text, '    width:')}:12: brand.logo.width: {width} is not a width between"
        " 1 and 600 pixels — the logo's width in the email in pixels, e.g. 180; the email is 600 px wide",
    ]


def test_logo_that_is_not_a_real_image_is_refused(tmp_path):
    text = sample_text()
    root = project(tmp_path, text)
    (root / "images" / "logo.png").write_bytes(b"<html>Fehlerseite statt Bild</html>")
    assert issues(root) == [
        f"{root / 'newsroom.yaml'}:{line_of(text, '    src: images/logo.png')}:10: brand.logo.src: 'images/logo.png'"
        " is not a PNG image: its content is no known image format"
        " — export the picture again as PNG, or give the file the extension of its real format",
    ]
