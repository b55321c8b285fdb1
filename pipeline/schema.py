"""Field rules declared as data → validation with file:line:column issues, and JSON Schema.

Each model class lists its fields once (`Obj` with `F` entries). The same declaration drives
`check()` (plain data + locations → typed frozen dataclasses, collecting every issue) and
`json_schema()` (what editors use for autocompletion and typo flags). This is MJML's
`allowedAttributes` idea: the rules are data next to the model, not code spread over validators.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable

from pipeline.content import Source, dotted
from pipeline.errors import Issue, Location
from pipeline.headers import Problem

# Kinds of scalar values, with the words used in messages (never Python type names).
KIND_WORDS = {
    "str": "a text", "text": "a text", "int": "a whole number", "bool": "true or false",
    "date": "a date (YYYY-MM-DD)", "datetime": "a date and time (YYYY-MM-DDTHH:MM:SS+01:00)",
    "email": "an e-mail address", "url": "a web address (https://…)", "color": "a colour like #1a2b3c",
    "image": "an image path or https:// address", "enum": "one of the listed values",
    "texts": "a text, or one text per language (de: …, en: …)",
    "point": "two numbers from 0 to 1, [x, y]",
}
EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
GERMAN_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})")
LIST_HINT = "put each entry on its own line, starting with '- ' and indented under the field"
# Every provider runs its template engine over the whole campaign: listmonk and Brevo read `{{` and `{%`,
# Mailchimp `*|…|*`; `%GREETING(` is our own greeting's placeholder (render/personalize.py). In a text of a
# report or of the settings, one of them would be run at the provider (or make it refuse the campaign at
# send time) instead of being shown, so every text refuses them at check time.
TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\*\||%GREETING\(")


@dataclass(frozen=True)
class F:
    """One field: its name, kind, and the rules and help text for it."""

    name: str
    kind: str = "str"  # str text int bool date datetime email url color image enum list obj map texts point off_or_obj
    required: bool = False
    default: Any = None
    hint: str = ""  # how to fill it in, shown with every problem
    description: str = ""
    choices: tuple = ()  # enum: the allowed values; texts: the allowed languages
    min_len: int | None = None
    max_len: int | None = None
    items: "F | Obj | None" = None  # for kind="list"
    obj: "Obj | None" = None  # for kind="obj"
    min_items: int = 0
    max_items: int | None = None
    single_line: bool = True
    extra: Callable[[Any], str] | None = None  # returns a problem message or ""
    # The value reaches a mail header: a rule of pipeline.headers (header_problem, address_problem,
    # list_id_problem) refuses what could become a second header or a spoofed one.
    header: Callable[[str], Problem | None] | None = None


@dataclass(frozen=True)
class Texts:
    """A setting written per language (`footer_note: {de: …, en: …}`), or as one text (`language` "").

    A plain text is the publication language's: `config.load_settings` names that language once
    the settings are read. `where` and `field` locate the setting for errors about a missing language.
    """

    by_language: tuple[tuple[str, str], ...]  # (language, text), sorted
    field: str = ""
    where: Location | None = None

    def get(self, language: str) -> str | None:
        """The text in `language`, or None when the setting has none for it."""
        return dict(self.by_language).get(language)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(language for language, _ in self.by_language)

    def plain_as(self, language: str) -> Texts:
        """This setting with its plain text (if written as one) named as `language`'s."""
        if "" not in self.languages:
            return self
        texts = dict(self.by_language)
        return dataclasses.replace(self, by_language=tuple(sorted({language: texts[""], **{
            k: v for k, v in texts.items() if k}}.items())))


@dataclass(frozen=True)
class Obj:
    """An object: a dataclass and its fields; unknown keys are errors."""

    cls: type
    fields: tuple[F, ...]
    title: str = ""


class Checker:
    """Validates plain data against an Obj, collecting Issues located through the Source."""

    def __init__(self, source: Source):
        self.source = source
        self.issues: list[Issue] = list(source.issues)
        self._flagged = {issue.field for issue in source.issues}  # already reported while loading

    def problem(self, path: tuple, message: str, hint: str = "", key: bool = False) -> None:
        self.issues.append(Issue(self.source.where(path, key=key), dotted(path), message, hint))

    def obj(self, spec: Obj, data: Any, path: tuple = ()) -> Any:
        if not isinstance(data, dict):
            self.problem(path, f"expected a group of 'key: value' lines, found {_describe(data)}",
                         "indent the fields of this group under it")
            return None
        names = [f.name for f in spec.fields]
        for key in data:
            if key not in names:
                close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else "allowed here: " + ", ".join(names)
                self.problem(path + (key,), f"unknown field '{key}'", hint, key=True)
        values = {}
        flagged = {issue.field for issue in self.source.issues}  # e.g. an impossible date, already reported
        for f in spec.fields:
            if f.name in data and data[f.name] is not None:
                values[f.name] = self.value(f, data[f.name], path + (f.name,))
            elif f.required:
                if dotted(path + (f.name,)) not in flagged:
                    # a missing field is named in full (hero.alt) and located at its parent
                    self.problem(path + (f.name,),
                                 f"'{f.name}' is required" + (" but empty" if f.name in data else " but missing"),
                                 f.hint or f"add '{f.name}:'")
                values[f.name] = None
            elif f.default is not None:
                values[f.name] = f.default() if callable(f.default) else f.default
            # else: the dataclass default applies (e.g. () for lists, never None)
        try:
            return spec.cls(**values)
        except (TypeError, ValueError):  # pragma: no cover - only when a required field is missing
            return None

    def value(self, f: F, raw: Any, path: tuple) -> Any:
        if f.kind == "texts":
            return self.texts(f, raw, path)
        if f.kind == "point":
            return self.point(f, raw, path)
        if f.kind == "obj":
            return self.obj(f.obj, raw, path)
        if f.kind == "off_or_obj":  # `false` turns a setting off here, a group overrides it
            if raw is False:
                return False
            if isinstance(raw, bool):
                self.problem(path, f"expected false or a group of fields, found {_describe(raw)}",
                             f.hint or "write false to turn it off, or give its fields")
                return None
            return self.obj(f.obj, raw, path)
        if f.kind == "map":
            if not isinstance(raw, dict):
                self.problem(path, f"expected a group of named entries, found {_describe(raw)}", f.hint)
                return {}
            return {str(k): self.obj(f.items, v, path + (k,)) for k, v in raw.items()}
        if f.kind == "list":
            if not isinstance(raw, list):
                self.problem(path, f"expected a list (lines starting with '- '), found {_describe(raw)}",
                             f.hint or LIST_HINT)
                return ()
            if len(raw) < f.min_items:
                self.problem(path, f"needs at least {f.min_items} entr{'y' if f.min_items == 1 else 'ies'}",
                             f.hint or LIST_HINT)
            if f.max_items is not None and len(raw) > f.max_items:
                self.problem(path + (f.max_items,), f"has {len(raw)} entries, at most {f.max_items} are allowed",
                             f.hint or LIST_HINT)
            item = f.items
            out = []
            for i, entry in enumerate(raw):
                out.append(self.obj(item, entry, path + (i,)) if isinstance(item, Obj)
                           else self.value(item, entry, path + (i,)))
            return tuple(out)
        converted = self.scalar(f, raw, path)
        if converted is not None and f.extra:
            message = f.extra(converted)
            if message:
                self.problem(path, message, f.hint)
        return converted

    def texts(self, f: F, raw: Any, path: tuple) -> Texts | None:
        """One text, or a group of texts by language (keys from `f.choices`), each checked like a text field."""
        one = dataclasses.replace(f, kind="str" if f.single_line else "text")
        where, field = self.source.where(path, key=True), dotted(path)
        if not isinstance(raw, dict):
            text = self.scalar(one, raw, path)
            return Texts((("", text),), field, where) if text is not None else None
        found = []
        for language, text in raw.items():
            if language not in f.choices:
                self.problem(path + (language,), f"'{language}' is not a language of this publication",
                             "write one text per language under it: " + ", ".join(f"{c}: …" for c in f.choices),
                             key=True)
                continue
            checked = self.scalar(one, text, path + (language,)) if text is not None else None
            if checked is None and text is None:
                self.problem(path + (language,), f"the {language} text is empty", f"write the text after '{language}:'")
            if checked is not None:
                found.append((str(language), checked))
        if not raw:
            self.problem(path, "has no text", "write the text, or one per language: " +
                         ", ".join(f"{c}: …" for c in f.choices))
        return Texts(tuple(sorted(found)), field, where) if found else None

    def point(self, f: F, raw: Any, path: tuple) -> tuple[float, float] | None:
        """Two numbers from 0 to 1, [x, y]: a place in a picture as fractions of its width and height."""
        if not isinstance(raw, list):
            self.problem(path, f"expected {KIND_WORDS['point']}, found {_describe(raw)}", f.hint)
            return None
        if len(raw) != 2:
            self.problem(path, f"has {len(raw)} number{'' if len(raw) == 1 else 's'}, two are needed: [x, y]", f.hint)
            return None
        values = []
        for i, (axis, value) in enumerate(zip("xy", raw)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.problem(path + (i,), f"{axis} is {_describe(value)}, not a number", f.hint)
            elif not 0 <= value <= 1:  # NaN fails this too
                self.problem(path + (i,), f"{axis} is {value}, outside 0 to 1", f.hint)
            else:
                values.append(float(value))
        return (values[0], values[1]) if len(values) == 2 else None

    def scalar(self, f: F, raw: Any, path: tuple) -> Any:
        kind = f.kind
        if kind == "bool":
            return raw if isinstance(raw, bool) else self._wrong(f, raw, path)
        if kind == "int":
            return raw if isinstance(raw, int) and not isinstance(raw, bool) else self._wrong(f, raw, path)
        if kind == "date":
            if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
                return raw
            return self._wrong(f, raw, path)
        if kind == "datetime":
            if isinstance(raw, dt.datetime):
                return raw
            return self._wrong(f, raw, path)
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)) or isinstance(raw, (dt.date,)):
            return self._wrong(f, raw, path)
        # A number in a text field keeps its spelling: `time: 10:00` is not 600, `01067` not 567.
        text = (raw if isinstance(raw, str) else self.source.written.get(path, str(raw))).strip()
        if kind == "enum":
            if text not in f.choices:
                close = difflib.get_close_matches(text, [str(c) for c in f.choices], n=1, cutoff=0.5)
                self.problem(path, f"'{text}' is not allowed here",
                             (f"did you mean '{close[0]}'? " if close else "") + "use one of: " + ", ".join(f.choices))
                return None
            return text
        if not text:
            if f.required:
                self.problem(path, f"'{f.name}' is required but empty", f.hint or f"fill in '{f.name}'")
            return None
        if f.single_line and len(text.splitlines()) > 1:  # also NEL, U+2028, VT, FF: header injection
            self.problem(path, "must be a single line", "remove the line breaks (no '|' block here)")
            return None
        if f.header is not None and dotted(path) not in self._flagged:
            problem = f.header(text)
            if problem is not None:
                self.problem(path, problem.message, problem.fix)
                return None
        syntax = TEMPLATE_SYNTAX.search(text)
        if syntax is not None:
            self.problem(path, f"contains '{syntax.group()}', which the mailing-list provider would read as its "
                         "template syntax and run instead of showing it",
                         f"write it another way, e.g. with a space: '{' '.join(syntax.group())}'")
            return None
        if f.min_len is not None and len(text) < f.min_len:
            self.problem(path, f"is {len(text)} characters, at least {f.min_len} are needed", f.hint)
        if f.max_len is not None and len(text) > f.max_len:
            self.problem(path, f"is {len(text)} characters, at most {f.max_len} are allowed", f.hint)
        if kind == "email" and not EMAIL_RE.match(text):
            self.problem(path, f"'{text}' is not an e-mail address", f.hint or "write it like presse@example.org")
            return None
        if kind == "url" and not (text.startswith("https://") and len(text) > 8 and " " not in text):
            self.problem(path, f"'{text}' is not an https:// address",
                         f.hint or "write the full address starting with https://")
            return None
        if kind == "color" and not COLOR_RE.match(text):
            self.problem(path, f"'{text}' is not a colour", "write it as # and six hex digits, e.g. #0b5394")
            return None
        return text

    def _wrong(self, f: F, raw: Any, path: tuple) -> None:
        hint = f.hint
        if f.kind in ("date", "datetime") and isinstance(raw, str):
            german = GERMAN_DATE_RE.match(raw.strip())
            if german:
                day, month, year = german.groups()
                iso = f"{year}-{int(month):02d}-{int(day):02d}"
                hint = f"write the date as {iso} (year-month-day); '{raw.strip()}' is the German notation"
            elif f.kind == "datetime" and re.match(r"^\d{4}-\d{2}-\d{2}$", raw.strip()):
                hint = "add a time and the UTC offset, e.g. 2026-12-01T10:00:00+01:00"
        if f.kind == "datetime" and isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            hint = "add a time and the UTC offset, e.g. 2026-12-01T10:00:00+01:00"
        self.problem(path, f"expected {KIND_WORDS.get(f.kind, f.kind)}, found {_describe(raw)}",
                     hint or f"write {KIND_WORDS.get(f.kind, f.kind)}")
        return None


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (yes/no/true/false are read as true or false; quote it to keep the text)"
    if isinstance(value, dict):
        return "a group of fields"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.datetime):
        return f"the date and time {value.isoformat()}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"the text '{value}'"


def json_schema(spec: Obj, *, title: str, schema_id: str) -> dict:
    """The JSON Schema (draft 2020-12) of an Obj, for editors (yaml-language-server)."""
    schema = _obj_schema(spec)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, "title": title, **schema}


def _obj_schema(spec: Obj) -> dict:
    props = {f.name: _field_schema(f) for f in spec.fields}
    out: dict = {"type": "object", "properties": props, "additionalProperties": False}
    required = [f.name for f in spec.fields if f.required]
    if required:
        out["required"] = required
    if spec.title:
        out["description"] = spec.title
    return out


def _field_schema(f: F) -> dict:
    base: dict
    if f.kind == "obj":
        base = _obj_schema(f.obj)
    elif f.kind == "off_or_obj":
        base = {"if": {"type": "boolean"}, "then": {"const": False}, "else": _obj_schema(f.obj)}
    elif f.kind == "list":
        item = _obj_schema(f.items) if isinstance(f.items, Obj) else _field_schema(f.items)
        base = {"type": "array", "items": item}
        if f.min_items:
            base["minItems"] = f.min_items
        if f.max_items is not None:
            base["maxItems"] = f.max_items
    elif f.kind == "map":
        base = {"type": "object", "additionalProperties": _obj_schema(f.items)}
    elif f.kind == "texts":
        one = _field_schema(dataclasses.replace(f, kind="str", description="", hint="", default=None))
        base = {"anyOf": [one, {"type": "object", "properties": {language: one for language in f.choices},
                                "additionalProperties": False, "minProperties": 1}]}
    elif f.kind == "point":
        base = {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1}, "minItems": 2, "maxItems": 2}
    elif f.kind == "enum":
        base = {"enum": list(f.choices)}
    elif f.kind == "bool":
        base = {"type": "boolean"}
    elif f.kind == "int":
        base = {"type": "integer"}
    else:
        base = {"type": "string"}
        formats = {"date": "date", "datetime": "date-time", "email": "email", "url": "uri"}
        if f.kind in formats:
            base["format"] = formats[f.kind]
        if f.kind == "url":
            base["pattern"] = "^https://"
        if f.kind == "color":
            base["pattern"] = COLOR_RE.pattern
        if f.min_len is not None:
            base["minLength"] = f.min_len
        if f.max_len is not None:
            base["maxLength"] = f.max_len
    text = " ".join(part for part in (f.description, f.hint) if part)
    if text:
        base["description"] = text
    if isinstance(f.default, dt.date):
        base["default"] = f.default.isoformat()
    elif isinstance(f.default, (str, int, float, bool)):  # not Brand() or dict: JSON has no such values
        base["default"] = f.default
    return base


def field_names(cls: type) -> list[str]:
    """Names of a dataclass's fields (used by tests that pin the schema to the model)."""
    return [f.name for f in dataclasses.fields(cls)]
