"""`POST /__newsroom/render`: an entry of the browser editor → checked like `newsroom check` → the newsletter.

The CMS's preview pane posts the entry it is editing (JSON) to the Newsroom server that served the
admin page. The entry is written as YAML the way Decap writes it (YAML 1.2: `2026-12-01` stays a plain
scalar), read back by the same loader as every report file, validated with the same rules and the
publication's settings, then rendered in memory. The answer is the email HTML and subject, or every
problem with its field name. Nothing is written: not into content/, not into a cache.

The preview serves drafts on loopback only; this endpoint keeps its guards (`loopback.check_host`,
called before any handler) and adds its own (`check_request`): a request must come from a page of this
same server (Origin, so another web page open in the browser cannot post here), carry JSON, and be at
most MAX_BODY bytes.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from pathlib import Path

import yaml

from pipeline.content import MAX_FILE_BYTES, parse_yaml
from pipeline.errors import ContentError, Issue, PipelineError
from pipeline.loopback import LOOPBACK_NAMES, Refused
from pipeline.model import SLUG_RE

RENDER_PARTS = ("__newsroom", "render")
MAX_BODY = 2 * MAX_FILE_BYTES  # JSON of a report at the file size limit, with room for escapes
NEW_ENTRY = "new-report"  # the file name of an entry Decap has not saved yet


def check_request(headers, port: int) -> int:
    """The body length a render request may send, or Refused (403 foreign page, 411/413 size, 415 type)."""
    origins = headers.get_all("Origin") or []
    allowed = {f"http://{name}:{port}" for name in LOOPBACK_NAMES}
    if len(origins) != 1 or origins[0].strip().lower() not in allowed:
        raise Refused(HTTPStatus.FORBIDDEN, "only the CMS page served by this preview may ask for a render")
    kind = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise Refused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send the entry as application/json")
    length = headers.get("Content-Length")
    if length is None or not length.isdigit():
        raise Refused(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length")
    if int(length) > MAX_BODY:
        raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"an entry is at most {MAX_BODY} bytes")
    return int(length)


class _Decap(yaml.SafeDumper):
    """Writes YAML as Decap does (the `yaml` npm package, YAML 1.2 core schema): only a text that 1.2 would
    read as a boolean, null or number is quoted, so `2026-12-01` and `yes` stay plain, as in the saved file."""


_Decap.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
        ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                  r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789.")):
    _Decap.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Decap.add_representer(str, _text)


def as_saved(data: dict) -> bytes:
    """The entry as the YAML file Decap would save."""
    return yaml.dump(data, Dumper=_Decap, sort_keys=False, allow_unicode=True, width=80).encode()


#: A report is at most four levels deep (speakers → one speaker → a per-language text); anything much deeper is
#: not an entry of the form, and would only make the YAML writer and the rules recurse.
MAX_DEPTH = 16


def _deeper_than(value, limit: int) -> bool:
    """True if lists and objects in `value` nest more than `limit` levels (walked without recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def render_entry(root: Path, body: bytes, site_url: str) -> tuple[HTTPStatus, dict]:
    """The answer to one render request: (status, JSON object) with `ok` and `html`, or `errors`/`error`."""
    from pipeline.config import language_issues, load_settings
    from pipeline.model import validate
    from pipeline.render import render

    try:
        entry = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: arrays nested thousands deep
        return HTTPStatus.BAD_REQUEST, {"ok": False, "error": "the request is not JSON"}
    if _deeper_than(entry, MAX_DEPTH):
        return HTTPStatus.BAD_REQUEST, {"ok": False, "error": f"the entry is nested deeper than {MAX_DEPTH} levels"}
    if not isinstance(entry, dict) or not isinstance(entry.get("data"), dict):
        return HTTPStatus.BAD_REQUEST, {"ok": False, "error": "send {\"slug\": …, \"data\": {the entry's fields}}"}
    slug = entry.get("slug")
    slug = slug if isinstance(slug, str) and SLUG_RE.match(slug) else NEW_ENTRY
    name = f"content/reports/{slug}.yaml"
    content_dir = root / "content"
    try:
        source = parse_yaml(as_saved(entry["data"]), name)
        settings = load_settings(content_dir)
        report = validate(source, content_dir, settings.timezone)
        issues = language_issues(settings, [(report.language, name)])
        if issues:
            raise ContentError(issues)
        rendition = render(report, settings, root / "templates", content_dir, site_url=site_url)
    except ContentError as err:
        return HTTPStatus.OK, {"ok": False, "errors": [_issue(issue) for issue in err.issues]}
    except PipelineError as err:
        return HTTPStatus.OK, {"ok": False, "error": str(err)}
    return HTTPStatus.OK, {"ok": True, "subject": rendition.subject, "html": _inline_pictures(rendition)}


def _inline_pictures(rendition) -> str:
    """The email HTML with its pictures as data: addresses: an entry not yet saved has no built folder to
    load them from, and the pane must not write one."""
    import base64
    import mimetypes

    pictures = {name: Path(source).read_bytes for name, source in rendition.assets.items()}
    pictures.update({name: (lambda data=data: data) for name, data in rendition.images.items()})
    html = rendition.email_html
    for name, read in pictures.items():
        address = rendition.web_url + name
        if address in html:
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            html = html.replace(address, f"data:{kind};base64,{base64.b64encode(read()).decode()}")
    return html


def _issue(issue: Issue) -> dict:
    return {"field": issue.field, "message": issue.message, "hint": issue.hint, "where": str(issue.location)}
