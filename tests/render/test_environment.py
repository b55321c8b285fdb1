"""The Jinja environment: our own autoescape rule (EMAIL-QUALITY S2) and StrictUndefined."""

import jinja2
import pytest

from pipeline.render.environment import autoescape_for, make_environment, wrap


@pytest.mark.parametrize("name, expected", [
    ("email/newsletter.mjml.j2", True),
    ("press/page.html.j2", True),
    ("text/newsletter.txt.j2", False),
    ("whatever.mjml", True),
    (None, True),
])
def test_autoescape_follows_the_suffix(name, expected):
    assert autoescape_for(name) is expected


def test_mjml_templates_escape_while_select_autoescape_would_not(tmp_path):
    (tmp_path / "x.mjml.j2").write_text("<mj-text>{{ value }}</mj-text>")
    (tmp_path / "x.txt.j2").write_text("{{ value }}")
    env = make_environment(str(tmp_path))
    assert env.get_template("x.mjml.j2").render(value="<script>&") == "<mj-text>&lt;script&gt;&amp;</mj-text>"
    assert env.get_template("x.txt.j2").render(value="<script>&") == "<script>&"
    assert jinja2.select_autoescape()("x.mjml.j2") is False  # the pitfall this module exists for


def test_undefined_variables_raise(tmp_path):
    (tmp_path / "y.html.j2").write_text("{{ missing }}")
    with pytest.raises(jinja2.UndefinedError):
        make_environment(str(tmp_path)).get_template("y.html.j2").render()


def test_wrap_keeps_urls_whole_and_lines_short():
    url = "https://newsroom.example.org/" + "a" * 90
    text = wrap("Lesen Sie mehr unter " + url + " und im Archiv", width=72)
    assert url in text.splitlines()[1]
    assert all(len(line) <= 72 for line in text.splitlines() if "https://" not in line)


def test_hyphenate_puts_soft_hyphens_only_into_long_words():
    from pipeline.render.environment import SOFT_HYPHEN, hyphenate

    result = hyphenate("Zukunft des Industriestandortes Berlin-Brandenburg", "de")
    assert result.replace(SOFT_HYPHEN, "") == "Zukunft des Industriestandortes Berlin-Brandenburg"
    assert result.split(" ")[:2] == ["Zukunft", "des"]  # short words untouched
    assert SOFT_HYPHEN in result.split(" ")[2]
    assert "Brandenburg" in result  # 11 letters: below the threshold
