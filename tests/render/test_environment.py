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


def test_compiled_templates_are_kept_in_the_user_cache(tmp_path, monkeypatch):
    from pipeline.render import environment

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "t.txt.j2").write_text("Hallo {{ name }}\n", encoding="utf-8")
    environment.make_environment.cache_clear()
    try:
        template = environment.make_environment(str(templates)).get_template("t.txt.j2")
        assert template.render(name="Welt") == "Hallo Welt\n"
        (compiled,) = (tmp_path / "newsroom" / "jinja").iterdir()
        environment.make_environment.cache_clear()  # a new process: the template is loaded compiled
        assert environment.make_environment(str(templates)).get_template("t.txt.j2").render(name="Du") == "Hallo Du\n"
        (templates / "t.txt.j2").write_text("Servus {{ name }}\n", encoding="utf-8")  # edited: compiled anew
        environment.make_environment.cache_clear()
        assert environment.make_environment(str(templates)).get_template("t.txt.j2").render(name="Du") == "Servus Du\n"
        assert list(compiled.parent.iterdir()) == [compiled]  # one bucket per template, its source checked
    finally:
        environment.make_environment.cache_clear()
