"""schema.py: the field rules as JSON Schema (Draft 2020-12), pinned to the model's dataclasses; the Checker."""

from __future__ import annotations

import dataclasses
import functools
import datetime as dt
import json
import operator
import types
import typing
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
import yaml

from pipeline import config, model
from pipeline.config import SETTINGS
from pipeline.content import parse_yaml
from pipeline.editor_schema import schemas
from pipeline.model import REPORT
from pipeline.render.links import Utm
from pipeline.render.personalize import Greeting
from pipeline.schema import Checker, F, Obj, Texts, json_schema

PROJECT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data"
SEED = PROJECT / "content" / "reports" / "2021-11-29-industriestandort-berlin-brandenburg.yaml"
# Dataclass fields the pipeline fills in itself; they must never be accepted from YAML.
INTERNAL = {model.Report: {"slug", "source_path", "source_sha256"}, config.Settings: {"path"}}
SCALAR_TYPES = {"date": dt.date, "datetime": dt.datetime, "int": int, "bool": bool, "point": tuple[float, float]}


def plain(path: Path) -> object:
    """What an editor's YAML 1.2 parser sees: yaml.safe_load, with dates as the strings they were written as."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=dt.date.isoformat))


def validator(spec: Obj) -> jsonschema.Draft202012Validator:
    schema = json_schema(spec, title="t", schema_id="https://example.org/t.json")
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def all_specs(root: Obj) -> dict[type, Obj]:
    """Every Obj reachable from root, by dataclass."""
    found: dict[type, Obj] = {}

    def visit(spec: Obj) -> None:
        found.setdefault(spec.cls, spec)
        for f in spec.fields:
            for child in (f.obj, f.items):
                if isinstance(child, Obj):
                    visit(child)

    visit(root)
    return found


# --- JSON Schema ---------------------------------------------------------------------------

@pytest.mark.parametrize("spec", [REPORT, SETTINGS], ids=["report", "settings"])
def test_json_schema_is_valid_draft_2020_12_and_serialisable(spec):
    schema = json_schema(spec, title="Newsroom", schema_id="https://newsroom.example.org/schema/x.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://newsroom.example.org/schema/x.json"
    assert schema["title"] == "Newsroom"
    assert json.loads(json.dumps(schema)) == schema  # no dataclass instances as defaults


@pytest.mark.parametrize("spec", [REPORT, SETTINGS], ids=["report", "settings"])
def test_every_object_in_the_schema_refuses_unknown_keys(spec):
    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                yield node
            for value in node.values():
                yield from objects(value)

    def uses(obj: Obj) -> int:
        return 1 + sum(uses(child) for f in obj.fields for child in (f.obj, f.items) if isinstance(child, Obj))

    found = list(objects(json_schema(spec, title="t", schema_id="https://example.org/t.json")))
    assert len(found) == uses(spec)  # one object schema per use of an Obj
    assert all(node["additionalProperties"] is False for node in found)


# numbers-as-text.yaml is left out on purpose: the Checker accepts `time: 10:00` and `phone: 0301234567`
# as text (keeping their spelling), while the schema asks editors for strings, i.e. quotes.
@pytest.mark.parametrize("path", [SEED, *sorted((PROJECT / "content" / "reports").glob("[!_]*.yaml")),
                                  DATA / "valid" / "minimal.yaml"], ids=lambda p: p.name)
def test_valid_reports_validate_against_the_report_schema(path):
    errors = [e.message for e in validator(REPORT).iter_errors(plain(path))]
    assert errors == []


def test_typo_key_fails_the_report_schema():
    data = plain(SEED)
    data["titel"] = data.pop("title")
    errors = sorted(validator(REPORT).iter_errors(data), key=lambda e: e.validator)
    assert [(e.validator, list(e.path)) for e in errors] == [("additionalProperties", []), ("required", [])]
    assert "'titel' was unexpected" in errors[0].message


@pytest.mark.parametrize(("name", "keyword", "where"), [
    ("unknown-key.yaml", "additionalProperties", ["event"]),
    ("wrong-type.yaml", "type", ["speakers"]),
    ("bad-status.yaml", "enum", ["status"]),
    ("summary-too-short.yaml", "minLength", ["summary"]),
    ("missing-alt.yaml", "required", ["hero"]),
    ("http-link.yaml", "pattern", ["links", 0, "url"]),
])
def test_invalid_fixtures_fail_the_schema_for_the_same_reason(name, keyword, where):
    data = plain(DATA / "invalid" / name)
    errors = [(e.validator, list(e.absolute_path)) for e in validator(REPORT).iter_errors(data)]
    if keyword != "required":  # unknown-key.yaml also lacks 'place'; that is the second, expected error
        errors = [error for error in errors if error[0] != "required"]
    assert errors == [(keyword, where)]


def test_sample_settings_validate_against_the_settings_schema():
    assert [e.message for e in validator(SETTINGS).iter_errors(plain(PROJECT / "content" / "newsroom.yaml"))] == []


def test_settings_typo_key_fails_the_settings_schema():
    data = plain(PROJECT / "content" / "newsroom.yaml")
    data["imprnt"] = data.pop("imprint")
    assert sorted(e.validator for e in validator(SETTINGS).iter_errors(data)) == ["additionalProperties", "required"]


def test_committed_schema_files_match_the_model():
    for name, schema in schemas().items():
        committed = json.loads((PROJECT / "schema" / name).read_text(encoding="utf-8"))
        assert committed == schema, f"schema/{name} is stale: run `newsroom schema`"


# --- the spec is pinned to the dataclasses ----------------------------------------------------

def test_report_spec_reaches_every_model_class():
    assert set(all_specs(REPORT)) == {model.Report, model.Event, model.Image, model.Speaker, model.Workshop,
                                      model.Quote, model.Link, model.Contact, model.Press, Greeting}


def test_settings_spec_reaches_every_settings_class():
    assert set(all_specs(SETTINGS)) == {config.Settings, config.Organisation, config.Party, config.Imprint,
                                        config.Brand, config.Logo, config.Target, config.AbTest,
                                        config.GreetingTexts, Utm}


def _expected_type(f: F) -> object:
    if f.kind == "obj":
        return f.obj.cls
    if f.kind == "off_or_obj":  # false, or the group
        return f.obj.cls | bool
    if f.kind == "map":
        return dict
    if f.kind == "texts":  # one text, or one per language
        return str | Texts
    if f.kind == "list":
        return tuple[f.items.cls if isinstance(f.items, Obj) else _expected_type(f.items), ...]
    return SCALAR_TYPES.get(f.kind, str)


def _non_optional(hint: object) -> tuple[object, bool]:
    """(the type without None, whether None was allowed)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return functools.reduce(operator.or_, args), type(None) in typing.get_args(hint)
    return hint, False


CASES = [pytest.param(cls, spec, id=cls.__name__)
         for root in (REPORT, SETTINGS) for cls, spec in all_specs(root).items()]


@pytest.mark.parametrize(("cls", "spec"), CASES)
def test_spec_declares_exactly_the_dataclass_fields(cls, spec):
    declared = [f.name for f in spec.fields]
    assert len(declared) == len(set(declared))
    assert set(declared) == {f.name for f in dataclasses.fields(cls)} - INTERNAL.get(cls, set())


@pytest.mark.parametrize(("cls", "spec"), CASES)
def test_spec_kinds_and_required_match_the_dataclass(cls, spec):
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for f in spec.fields:
        hint, optional = _non_optional(hints[f.name])
        assert hint == _expected_type(f), f"{cls.__name__}.{f.name}"
        has_default = fields[f.name].default is not dataclasses.MISSING \
            or fields[f.name].default_factory is not dataclasses.MISSING
        assert has_default == (not f.required), f"{cls.__name__}.{f.name}: required ⇔ no dataclass default"
        if f.required:
            assert not optional, f"{cls.__name__}.{f.name} is required but typed as optional"
        if f.default is not None:
            default = fields[f.name].default
            if default is dataclasses.MISSING:
                default = fields[f.name].default_factory()
            assert (f.default() if callable(f.default) else f.default) == default, f"{cls.__name__}.{f.name}"


@pytest.mark.parametrize(("cls", "spec"), CASES)
def test_internal_fields_are_not_accepted_from_yaml(cls, spec):
    assert not INTERNAL.get(cls, set()) & {f.name for f in spec.fields}


# --- the Checker on a small spec ---------------------------------------------------------------

@dataclass(frozen=True)
class Thing:
    name: str
    count: int = 3
    labels: tuple[str, ...] = ()


THING = Obj(Thing, (F("name", required=True, hint="a name"), F("count", "int", default=3),
                    F("labels", "list", items=F("label", max_len=5))))


def check(text: str):
    source = parse_yaml(text.encode(), "t.yaml")
    checker = Checker(source)
    return checker.obj(THING, source.data), [str(i) for i in sorted(checker.issues)]


def test_checker_fills_defaults_from_spec_and_dataclass():
    assert check("name: a\n") == (Thing("a", 3, ()), [])


def test_checker_collects_every_problem():
    thing, issues = check("nme: a\ncount: yes\nlabels: [ok, too long]\n")
    assert thing == Thing(None, None, ("ok", "too long"))
    assert issues == [
        "t.yaml:1:1: name: 'name' is required but missing — a name",
        "t.yaml:1:1: nme: unknown field 'nme' — did you mean 'name'?",
        "t.yaml:2:8: count: expected a whole number, found 'true' (yes/no/true/false are read as true or false;"
        " quote it to keep the text) — write a whole number",
        "t.yaml:3:14: labels[1]: is 8 characters, at most 5 are allowed",
    ]


def test_unknown_key_without_a_close_match_lists_the_allowed_keys():
    assert check("name: a\nzzz: 1\n")[1] == [
        "t.yaml:2:1: zzz: unknown field 'zzz' — allowed here: name, count, labels",
    ]
