"""What the preview answers, and refuses, over HTTP: only loopback names, only files, never a traceback.

One preview process serves every test here; its stderr is checked when it stops (module teardown).
"""

from __future__ import annotations

import json
import signal
import socket
import time

import pytest

from .conftest import SEED, Preview, copy_project, exchange, get

IDLE_LIMIT = 20  # seconds an idle connection may stay open at most in these tests (the server closes at 5)


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    root = tmp_path_factory.mktemp("requests")
    preview = Preview(copy_project(root / "project"), root / "tmp").started()
    yield preview.port
    assert preview.stop(signal.SIGTERM) == 1
    assert "Traceback" not in preview.stderr and "Error" not in preview.stderr, preview.stderr
    assert preview.temp_folders() == []


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "[::1]", "LocalHost"])
def test_loopback_names_with_the_port_are_served(port, name):
    status, headers, body = get(port, "/", host=f"{name}:{port}")
    assert status == 200 and b"Newsroom preview" in body
    assert headers["cache-control"] == "no-store"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}",
                                  "localhost.:{port}", "127.0.0.1.:{port}", "127.0.0.2:{port}", "0.0.0.0:{port}",
                                  "127.0.0.1:{other}", "localhost:{other}", "127.0.0.1", "localhost", "[::1]",
                                  "127.0.0.1:0{port}", "127.0.0.1:{port}@evil.example", ""])
@pytest.mark.parametrize("target", ["/", "/__newsroom/status", f"/{SEED}/email.html", "/site/"])
def test_any_other_host_gets_421_and_nothing_of_the_preview(port, host, target):
    """DNS rebinding: a page at evil.example resolved to 127.0.0.1 sends `Host: evil.example:PORT`."""
    other = port + 1 if port < 65535 else port - 1
    status, headers, body = get(port, target, host=host.format(port=port, other=other))
    assert status == 421
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert body.startswith(b"421 Misdirected Request: ") and len(body) < 200
    assert f"http://127.0.0.1:{port}/".encode() in body  # says where the preview is


def test_other_methods_with_a_foreign_host_are_refused_too(port):
    for method in ("HEAD", "POST", "PUT", "DELETE", "OPTIONS"):
        status, _, _ = get(port, "/", host="evil.example", method=method)
        assert status == 421, method


@pytest.mark.parametrize("head", [
    b"GET / HTTP/1.1\r\n\r\n",  # HTTP/1.1 requires Host
    b"GET / HTTP/1.0\r\n\r\n",  # allowed by HTTP/1.0, but every browser sends one
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil.example\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: evil.example\r\nHost: 127.0.0.1:{port}\r\n\r\n",
])
def test_a_missing_or_repeated_host_is_a_bad_request(port, head):
    status, headers, body = exchange(port, head.replace(b"{port}", str(port).encode()))
    assert status == 400 and b"Host" in body and b"Newsroom" not in body
    assert headers["content-type"] == "text/plain; charset=utf-8"


def test_http_1_0_with_the_right_host_is_served(port):
    status, _, body = exchange(port, f"GET / HTTP/1.0\r\nHost: localhost:{port}\r\n\r\n".encode())
    assert status == 200 and b"Newsroom preview" in body


@pytest.mark.parametrize(("target", "expected"), [
    ("/%00", 400), ("/a%00b", 400), (f"/{SEED}%00/email.html", 400), ("/%0d%0aSet-Cookie:x", 400),
    ("/%zz", 400), ("/%", 400), ("/%2", 400), ("/%C3", 400), ("/%FF%FE", 400),
    ("/?x=1", 400), ("/index.html?x", 400), (f"/{SEED}/email.html?v=2", 400), ("/#x", 400),
    ("http://evil.example/", 400), ("*", 400), ("index.html", 400),
    ("/../pyproject.toml", 404), ("/%2e%2e/pyproject.toml", 404), ("/%2E%2E%2Fpyproject.toml", 404),
    ("/..", 404), ("/.", 404), ("/%2e", 404), ("//x", 404), ("//etc/passwd", 404), ("/site//index.html", 404),
    ("/%2fetc%2fpasswd", 404), ("/..%5c..%5cpyproject.toml", 404), ("/.hidden", 404),
    ("/" + "a" * 300, 404), ("/a/" * 700, 414), ("/" + "a" * 5000, 414),
    ("/no-such-file.html", 404),
])
def test_odd_paths_get_a_4xx_never_a_traceback(port, target, expected):
    status, headers, body = get(port, target)
    assert status == expected, body
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert len(body) < 200 and b"Traceback" not in body


def test_a_folder_without_index_html_is_404_not_a_listing(port):
    status, _, body = get(port, f"/{SEED}/")
    assert status == 404 and b"email.html" not in body and b"Directory listing" not in body
    status, _, _ = get(port, f"/{SEED}/email.html")
    assert status == 200


def test_a_folder_with_index_html_is_served_and_its_name_without_slash_redirects(port):
    status, headers, _ = get(port, "/site")
    assert status == 301 and headers["location"] == "/site/"
    status, _, body = get(port, "/site/")
    assert status == 200 and b"<html" in body


def test_the_status_endpoint_says_the_last_build_was_good(port):
    status, headers, body = get(port, "/__newsroom/status")
    assert status == 200 and headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(body) == {"generation": 1, "error": None}


def test_an_idle_connection_is_closed_and_does_not_hold_up_others(port):
    with socket.create_connection(("127.0.0.1", port), timeout=IDLE_LIMIT) as idle, \
            socket.create_connection(("127.0.0.1", port), timeout=IDLE_LIMIT) as half:
        half.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1")  # a request line and half a header, then nothing
        assert get(port, "/")[0] == 200  # served while the other two connections wait
        started = time.monotonic()
        for sock in (idle, half):
            assert sock.recv(1024) == b""  # closed by the server (a socket.timeout here fails the test)
        assert time.monotonic() - started < IDLE_LIMIT


@pytest.mark.parametrize("head", [
    b"GET /\r\n\r\n",  # HTTP/0.9: no headers, so no Host
    b"\r\n\r\n", b"\xff\xfe / HTTP/1.1\r\n\r\n", b"GET / HTTP/9.9\r\nHost: 127.0.0.1:{port}\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + b"X: y\r\n" * 200 + b"\r\n",
    b"GET / HTTP/1.1\r\nHost: \xff127.0.0.1:{port}\r\n\r\n",
])
def test_garbage_gets_no_page(port, head):
    with socket.create_connection(("127.0.0.1", port), timeout=IDLE_LIMIT) as sock:
        sock.sendall(head.replace(b"{port}", str(port).encode()))
        answer = b"".join(iter(lambda: sock.recv(65536), b""))
    assert b"Newsroom preview" not in answer and b"Traceback" not in answer


def test_without_a_port_only_where_http_allows_it():
    """Port 80 needs root, so this one rule is checked on the function itself."""
    from pipeline.loopback import Refused, check_host

    for name in ("localhost", "127.0.0.1", "[::1]", "localhost:80"):
        check_host([name], 80)
    with pytest.raises(Refused):
        check_host(["localhost"], 8080)
