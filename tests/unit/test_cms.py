"""cms.py: the browser editor's configuration comes from the field rules, and the committed admin/ is current."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline import cms
from pipeline.config import SETTINGS
from pipeline.content import Source
from pipeline.model import REPORT
from pipeline.schema import Checker, F, Obj

PROJECT = Path(__file__).resolve().parents[2]
ADMIN = PROJECT / "admin"


def config(language: str = "de") -> dict:
    return yaml.safe_load((ADMIN / cms.FOLDERS[language] / "config.yml").read_text(encoding="utf-8"))


def reports(cfg: dict) -> dict:
    return next(c for c in cfg["collections"] if c["name"] == "reports")


def by_path(fields: list[dict], prefix: str = "") -> dict[str, dict]:
    """Every Decap field by dotted path (list items as `speakers.name`)."""
    found = {}
    for field in fields:
        path = prefix + field["name"]
        found[path] = field
        found.update(by_path(field.get("fields", []), path + "."))
    return found


def schema_paths(schema: dict, prefix: str = "") -> set[str]:
    """Every property of a JSON Schema by dotted path (array items, per-language texts and the group of a
    "false or a group" field looked into)."""
    paths = set()
    for name, prop in schema.get("properties", {}).items():
        paths.add(prefix + name)
        inner = prop.get("items", {}) if prop.get("type") == "array" else prop.get("else", prop)
        paths |= schema_paths(inner, prefix + name + ".")
    return paths


def test_the_committed_admin_folder_is_what_the_rules_make_now():
    """Like the JSON Schemas: change a rule, run `newsroom cms`, commit admin/ with it."""
    made = cms.admin_files("Europe/Berlin", cms.committed_backend(PROJECT))
    committed = {path.relative_to(ADMIN).as_posix(): path.read_bytes() for path in ADMIN.rglob("*") if path.is_file()}
    assert sorted(committed) == sorted(made)
    for name, data in made.items():
        assert committed[name] == data, f"admin/{name} is stale: run `newsroom cms`"


def test_the_form_has_every_field_of_the_report_schema_and_no_other():
    schema = json.loads((PROJECT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    assert set(by_path(reports(config())["fields"])) == schema_paths(schema)


def test_the_settings_form_has_every_setting_but_the_send_targets():
    schema = json.loads((PROJECT / "schema" / "newsroom.schema.json").read_text(encoding="utf-8"))
    settings = next(c for c in config()["collections"] if c["name"] == "settings")["files"][0]
    assert settings["file"] == "content/newsroom.yaml"
    fields = set(by_path(settings["fields"]))
    texts = {path + "." + language for path in fields for language in ("de", "en") if path + "." + language in fields}
    assert fields - texts == {p for p in schema_paths(schema) if not p.startswith("targets")}


def rules(spec: Obj, prefix: str = "", optional_parent: bool = False) -> dict[str, tuple[F, bool]]:
    """Every field rule by dotted path, with whether it sits in an optional group."""
    found = {}
    for f in spec.fields:
        found[prefix + f.name] = (f, optional_parent)
        child = f.obj if f.kind == "obj" else f.items if isinstance(f.items, Obj) else None
        if child is not None:
            found.update(rules(child, prefix + f.name + ".", optional_parent or (f.kind == "obj" and not f.required)))
    return found


@pytest.mark.parametrize("language", ["de", "en"])
def test_required_flags_follow_the_rules(language):
    fields = by_path(reports(config(language))["fields"])
    for path, (rule, in_optional_group) in rules(REPORT).items():
        # a required field of an optional group (hero.src) is asked for by the preview pane's check instead
        assert fields[path]["required"] == (rule.required and not in_optional_group), path


def accepted(f: F, pattern: str | None, text: str) -> tuple[bool, bool]:
    """Whether the rule, and the form's pattern, accept `text` for the field."""
    checker = Checker(Source("x.yaml", {f.name: text}))
    checker.obj(Obj(dict, (f,)), {f.name: text})
    return not checker.issues, pattern is None or re.search(pattern, text) is not None


@pytest.mark.parametrize("path", ["title", "summary", "subtitle", "event.place", "hero.alt", "links.label",
                                  "contact.email", "links.url", "translation"])
def test_the_forms_patterns_agree_with_the_rules(path):
    """The form refuses nothing the rules accept, and lets nothing through that they refuse, except what a
    pattern cannot say (a rule in code, `extra` or a header rule): the preview pane's check reports that."""
    pattern = by_path(reports(config())["fields"])[path].get("pattern", [None])[0]
    rule = rules(REPORT)[path][0]
    samples = ["x" * n for n in (1, 39, 40, 41, 80, 81, 120, 121, 140, 141, 150, 151, 200)] + [
        "presse@example.org", "presse", "https://example.org/programm", "http://example.org",
        "2026-12-01-bericht", "Bericht Eins"]
    results = {text: accepted(rule, pattern, text) for text in samples}
    assert [text for text, (by_rule, by_form) in results.items() if by_rule and not by_form] == []
    if rule.extra is None and rule.header is None:
        assert [text for text, (by_rule, by_form) in results.items() if by_form and not by_rule] == []


def test_widgets_come_from_the_kinds_of_the_rules():
    fields = by_path(reports(config())["fields"])
    assert fields["event.date"].items() >= {"widget": "datetime", "format": "YYYY-MM-DD", "time_format": False}.items()
    assert fields["press.embargo"].items() >= {"widget": "datetime", "format": "YYYY-MM-DDTHH:mm:ss"}.items()
    assert "Europe/Berlin" in fields["press.embargo"]["hint"]
    assert (fields["status"]["widget"], fields["status"]["options"]) == ("select", ["draft", "ready"])
    assert (fields["language"]["widget"], fields["language"]["options"]) == ("select", ["de", "en"])
    assert [fields[name]["widget"] for name in ("speakers", "workshops", "quotes", "links", "tags")] == ["list"] * 5
    assert [f["name"] for f in fields["speakers"]["fields"]] == ["name", "role", "organisation", "contribution"]
    assert (fields["body"]["widget"], fields["hero.src"]["widget"], fields["hero.focus"]["max"]) == \
        ("markdown", "image", 2)
    whole = config()
    assert (whole["media_folder"], whole["public_folder"], whole["publish_mode"]) == \
        ("content/images", "images", "editorial_workflow")
    collection = reports(whole)
    assert (collection["folder"], collection["format"], collection["slug"]) == \
        ("content/reports", "yml", "{{fields.event.date}}-{{slug}}")


def test_labels_are_german_and_english():
    german, english = (by_path(reports(config(language))["fields"]) for language in ("de", "en"))
    assert [german[p]["label"] for p in ("title", "event.date", "speakers", "press.embargo")] == \
        ["Titel", "Datum", "Auf dem Podium", "Sperrfrist"]
    assert [english[p]["label"] for p in ("title", "event.date", "speakers", "press.embargo")] == \
        ["Title", "Date", "Speakers", "Embargo"]
    assert (config("de")["locale"], config("en")["locale"]) == ("de", "en")


def test_every_field_has_a_label():
    names = {path.rpartition(".")[2] for spec in (REPORT, SETTINGS) for path in rules(spec)
             if path.split(".")[0] not in cms.NOT_IN_FORM}
    assert sorted(names - set(cms.LABELS)) == []


def test_the_admin_page_loads_decap_from_our_server_not_a_cdn():
    page = (ADMIN / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'src="([^"]+)"', page) == ["cms/decap-cms.js", "preview.js"]
    assert re.findall(r'src="([^"]+)"', (ADMIN / "en" / "index.html").read_text()) == ["../cms/decap-cms.js",
                                                                                      "../preview.js"]
    lock = json.loads((PROJECT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/decap-cms"]["version"].startswith("3.")
    assert lock["packages"]["node_modules/decap-server"]["version"].startswith("3.")


def run_cms(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "cms", *args], cwd=project, capture_output=True,
                          text=True, timeout=60)


def test_newsroom_cms_writes_admin_and_keeps_the_backend_block(tmp_project):
    first = run_cms(tmp_project, "--repo", "example-org/newsroom-content", "--auth-url", "https://auth.example.org/")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == ["wrote admin/config.yml", "wrote admin/index.html",
                                         "wrote admin/en/config.yml", "wrote admin/en/index.html",
                                         "wrote admin/preview.js"]
    again = run_cms(tmp_project)
    assert again.returncode == 0, again.stderr
    backend = yaml.safe_load((tmp_project / "admin" / "config.yml").read_text())["backend"]
    assert backend == {"name": "github", "repo": "example-org/newsroom-content", "branch": "main",
                       "base_url": "https://auth.example.org", "auth_endpoint": "auth"}


def test_an_admin_that_cannot_be_written_is_named_with_the_fix(tmp_project):
    (tmp_project / "admin").write_text("not a folder", encoding="utf-8")
    result = run_cms(tmp_project)
    assert (result.returncode, result.stderr.strip()) == (1, (
        "error: admin/config.yml: cannot write the editor's file (File exists) — make sure admin is a folder you may "
        "write to and the disk has room, then run `newsroom cms` again"))
    assert (tmp_project / "admin").read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize(("option", "value", "error"), [
    ("--repo", "not a repo", "error: --repo 'not a repo' is not a GitHub repository — write it as owner/name"),
    ("--branch", "-x", "error: --branch '-x' is not a branch name — letters, digits, '.', '_', '-' and '/'"),
    ("--auth-url", "http://auth.example.org",
     "error: --auth-url 'http://auth.example.org' is not an https:// address — give the OAuth proxy's address"),
])
def test_bad_backend_options_are_refused_without_a_traceback(tmp_project, option, value, error):
    result = run_cms(tmp_project, option, value)
    assert (result.returncode, result.stderr.strip()) == (1, error)
    assert not (tmp_project / "admin").exists()


def test_local_mode_without_the_npm_tools_says_how_to_get_them(tmp_project, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    result = subprocess.run([sys.executable, "-m", "pipeline", "cms", "--local", "--port", "0"], cwd=tmp_project,
                            capture_output=True, text=True, timeout=60,
                            env=env | {"NEWSROOM_NODE_MODULES": str(tmp_path / "none")})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: decap-server (the CMS's local proxy) is missing — run `npm ci` in the project (`make setup` does), "
        f"or set NEWSROOM_NODE_MODULES to a node_modules folder installed from Newsroom's package.json "
        f"(now: {tmp_path / 'none'})")


@pytest.mark.node
def test_local_mode_refuses_a_proxy_port_another_program_holds(tmp_project):
    """The editor would send its saves to whatever answers on the proxy port; decap-server alone may."""
    import socket

    from pipeline.nodetools import node_modules

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "pipeline", "cms", "--local", "--port", "0", "--proxy-port",
                                 str(port)], cwd=tmp_project, capture_output=True, text=True, timeout=60,
                                env=env | {"NEWSROOM_NODE_MODULES": str(node_modules(PROJECT, os.environ))})
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: port {port} on 127.0.0.1 is in use by another program, and the editor would send its saves there "
        "— pick a free one with --proxy-port, or 0 for any")
    assert "serving" not in result.stdout
