"""cms_render.py and the preview's /admin/ and POST /__newsroom/render: the CMS pane's checks and their guards."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import threading
from pathlib import Path

import pytest
import yaml

from pipeline.cms_render import MAX_BODY, as_saved, render_entry
from pipeline.content import parse_yaml
from pipeline.preview import make_server

PROJECT = Path(__file__).resolve().parents[2]
SEED = PROJECT / "content" / "reports" / "2021-11-29-industriestandort-berlin-brandenburg.yaml"


def entry_of(path: Path) -> dict:
    """A report as the CMS holds it: JSON, dates as the strings its pickers write."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return json.loads(json.dumps(data, default=lambda value: value.isoformat()))


def test_an_entry_is_read_back_as_decap_writes_it():
    """YAML 1.2 like Decap: a date stays a plain scalar (a date for `check`), a number-like text is quoted."""
    data = parse_yaml(as_saved({"event": {"date": "2026-12-01"}, "zip": "01067", "n": "12", "flag": "true",
                                "body": "Zeile eins\nZeile zwei\n"}), "x.yaml").data
    assert data == {"event": {"date": dt.date(2026, 12, 1)}, "zip": "01067", "n": "12", "flag": "true",
                    "body": "Zeile eins\nZeile zwei\n"}


def test_a_valid_entry_renders_the_newsletter_with_its_pictures_inline(tmp_project):
    code, answer = render_entry(tmp_project, json.dumps({"slug": SEED.stem, "data": entry_of(SEED)}).encode(),
                                "http://127.0.0.1:9")
    assert (code, answer["ok"], answer["subject"]) == (200, True, entry_of(SEED)["title"])
    assert "<mj-" not in answer["html"] and "data:image/png;base64," in answer["html"]
    assert "http://127.0.0.1:9/" + SEED.stem + "/images/" not in answer["html"]


def test_problems_come_back_by_field_as_check_reports_them(tmp_project):
    data = entry_of(SEED) | {"summary": "Zu kurz.", "status": "fertig"}
    data["event"] = data["event"] | {"date": "30.11.2026"}
    code, answer = render_entry(tmp_project, json.dumps({"slug": "", "data": data}).encode(), "http://127.0.0.1:9")
    assert (code, answer["ok"]) == (200, False)
    assert sorted((issue["field"], issue["message"]) for issue in answer["errors"]) == [
        ("event.date", "expected a date (YYYY-MM-DD), found the text '30.11.2026'"),
        ("status", "'fertig' is not allowed here"),
        ("summary", "is 8 characters, at least 40 are needed")]
    assert {issue["where"].split(":")[0] for issue in answer["errors"]} == {"content/reports/new-report.yaml"}


@pytest.mark.parametrize(("body", "error"), [
    (b"{", "the request is not JSON"),
    (b"[]", 'send {"slug": …, "data": {the entry\'s fields}}'),
    (b'{"data": ' + b"[" * 200_000 + b"]" * 200_000 + b"}", "the request is not JSON"),  # json's RecursionError
    (b'{"data": {"speakers": ' + b"[" * 500 + b"]" * 500 + b"}}", "the entry is nested deeper than 16 levels")])
def test_a_malformed_request_is_a_400(tmp_project, body, error):
    assert render_entry(tmp_project, body, "http://127.0.0.1:9") == (400, {"ok": False, "error": error})


@pytest.fixture
def server(tmp_project, tmp_path):
    """The preview's server for the project, on a free loopback port, in this process."""
    (tmp_path / "site").mkdir()
    httpd = make_server(tmp_path / "site", 0, root=tmp_project, proxy_url="http://127.0.0.1:8765/api/v1")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def ask(port: int, method: str, path: str, body: bytes = b"", **headers: str) -> tuple[int, bytes, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in ({"Host": f"127.0.0.1:{port}"} | headers).items():
            connection.putheader(name.replace("_", "-"), value)
        if body or method == "POST":
            connection.putheader("Content-Length", headers.pop("Content_Length", str(len(body))))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Content-Type", "")
    finally:
        connection.close()


def post(port: int, body: bytes, **headers: str) -> tuple[int, bytes, str]:
    return ask(port, "POST", "/__newsroom/render", body,
               **({"Origin": f"http://127.0.0.1:{port}", "Content_Type": "application/json"} | headers))


def test_the_admin_page_and_its_configuration_are_served_with_the_proxy_address(server):
    status, page, kind = ask(server, "GET", "/admin/")
    assert (status, kind) == (200, "text/html; charset=utf-8") and b'src="cms/decap-cms.js"' in page
    status, page, _ = ask(server, "GET", "/admin/en/")
    assert status == 200 and b'<html lang="en">' in page and b'src="../cms/decap-cms.js"' in page
    status, config, kind = ask(server, "GET", "/admin/en/config.yml")
    assert (status, kind) == (200, "text/yaml; charset=utf-8")
    assert yaml.safe_load(config)["local_backend"] == {"url": "http://127.0.0.1:8765/api/v1"}
    assert [ask(server, "GET", path)[0] for path in ("/admin", "/admin/en", "/admin/nothing.js",
                                                     "/admin/cms/../../x", "/admin/cms/no-such-chunk.js",
                                                     "/admin/cms/en")] == [301, 301, 404, 404, 404, 404]


@pytest.mark.node  # node_modules from `npm ci`
def test_decap_is_served_from_node_modules(server):
    status, script, kind = ask(server, "GET", "/admin/cms/decap-cms.js")
    assert (status, kind) == (200, "text/javascript; charset=utf-8") and len(script) > 1_000_000


def test_the_endpoint_answers_the_page_it_served(server, tmp_project):
    before = sorted(p.relative_to(tmp_project) for p in tmp_project.rglob("*"))
    status, body, kind = post(server, json.dumps({"slug": SEED.stem, "data": entry_of(SEED)}).encode())
    assert (status, kind, json.loads(body)["ok"]) == (200, "application/json; charset=utf-8", True)
    assert sorted(p.relative_to(tmp_project) for p in tmp_project.rglob("*")) == before  # nothing written


@pytest.mark.parametrize(("headers", "status"), [
    ({"Origin": "https://evil.example"}, 403),  # another page open in the browser (CSRF)
    ({"Origin": "http://127.0.0.1:1"}, 403),  # another local server
    ({"Origin": "null"}, 403),
    ({"Content_Type": "text/plain"}, 415),  # what a form on another site could send without asking first
    ({"Content_Length": str(MAX_BODY + 1)}, 413),
    ({"Host": "evil.example"}, 421),  # DNS rebinding: the preview's own guard runs first
])
def test_the_endpoint_refuses_what_the_cms_page_would_never_send(server, headers, status):
    answer = post(server, b"{}", **headers)
    assert answer[0] == status, answer


def test_a_request_without_origin_is_refused(server):
    status, body, _ = ask(server, "POST", "/__newsroom/render", b"{}", Content_Type="application/json")
    assert (status, body) == (403, b"403 Forbidden: only the CMS page served by this preview may ask for a render\n")


def test_other_posts_stay_refused(server):
    assert post(server, b"{}")[0] == 400  # the endpoint: not an entry
    assert ask(server, "POST", "/index.html", b"{}", Origin=f"http://127.0.0.1:{server}")[0] == 405


def test_an_embargo_from_the_picker_is_read_in_the_publications_zone(tmp_project):
    """The picker stores local time without offset (`YYYY-MM-DDTHH:mm:ss`); `check` reads it in Europe/Berlin."""
    data = entry_of(SEED)
    data["press"] = {"dateline": "Berlin", "embargo": "2026-12-01T10:00:00"}
    code, answer = render_entry(tmp_project, json.dumps({"slug": SEED.stem, "data": data}).encode(),
                                "http://127.0.0.1:9")
    assert (code, answer["ok"]) == (200, True), answer
    data["press"]["embargo"] = "2026-03-29T02:30:00"  # the hour clocks skip in spring: no such local time
    code, answer = render_entry(tmp_project, json.dumps({"slug": SEED.stem, "data": data}).encode(),
                                "http://127.0.0.1:9")
    assert [issue["field"] for issue in answer["errors"]] == ["press.embargo"]
