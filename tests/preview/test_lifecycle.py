"""Starting and stopping the preview: ports, signals, and editors writing swap files beside the reports."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from .conftest import SEED, Preview

CHURN_SECONDS = 1.5  # three of the watcher's polls (0.5 s)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_removes_the_temp_folder(start_preview, signum):
    preview = start_preview()
    [folder] = preview.temp_folders()
    assert (folder / "site" / "index.html").is_file()
    assert preview.stop(signum) == 1
    assert preview.temp_folders() == []
    assert "Traceback" not in preview.stderr and "internal error" not in preview.stderr


def test_editor_files_neither_stop_the_preview_nor_start_a_rebuild(start_preview, tmp_project):
    preview = start_preview()
    reports = tmp_project / "content" / "reports"
    report = reports / f"{SEED}.yaml"
    names = [f".{SEED}.yaml.swp", f".{SEED}.yaml.swx", f"{SEED}.yaml~", "4913", f"#{SEED}.yaml#"]
    deadline = time.monotonic() + CHURN_SECONDS
    while time.monotonic() < deadline:  # created and deleted as fast as we can: some vanish mid-scan
        for name in names:
            (reports / name).write_text("swap")
        os.symlink(f"user@host.{os.getpid()}", reports / f".#{SEED}.yaml")  # Emacs' lock: a dangling link
        for name in names:
            (reports / name).unlink()
        (reports / f".#{SEED}.yaml").unlink()
    (reports / f".{SEED}.yaml.swp").write_text("swap")  # while the editor has the file open
    os.symlink(f"user@host.{os.getpid()}", reports / f".#{SEED}.yaml")
    report.write_text(report.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle: Neu – ", 1), encoding="utf-8")
    line = preview.line()  # the first rebuild is the one for the real edit, and it succeeds
    assert line.startswith("built 3 report(s)") and "(1 rendered, 2 unchanged)" in line, line
    assert preview.proc.poll() is None
    assert preview.stop() == 1 and "Traceback" not in preview.stderr


def test_a_port_in_use_is_a_one_line_error(start_preview):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        preview = start_preview("--port", str(port), wait=False)
        assert preview.wait() == 1
    [message] = preview.errors[:-1]  # the reader's end marker follows
    assert f"port {port}" in message and "--port" in message and "in use" in message
    assert preview.temp_folders() == []


@pytest.mark.parametrize("port", ["70000", "65536", "-1", "eighty"])
def test_a_port_out_of_range_is_a_usage_error(tmp_project, tmp_path, port):
    preview = Preview(tmp_project, tmp_path / "tmp", "--port", port)
    assert preview.wait() == 2
    assert "--port" in preview.stderr and port in preview.stderr
    assert "internal error" not in preview.stderr
    assert preview.temp_folders() == []
