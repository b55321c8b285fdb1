"""The `newsroom` command as a user runs it: exit codes, messages with file:line:column, outputs on disk."""

import email
import email.policy
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

SEED = "2021-11-29-industriestandort-berlin-brandenburg"


def run(project: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=project, capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_help_and_usage_errors(tmp_project):
    assert run(tmp_project, "--help").returncode == 0
    result = run(tmp_project, "no-such-command")
    assert result.returncode == 2
    assert "No such command" in result.stderr


def test_check_passes_on_the_sample_content(tmp_project):
    result = run(tmp_project, "check")
    assert (result.returncode, result.stdout.strip()) == (0, "ok: 3 report(s) valid")


def test_check_reports_every_problem_with_location_and_exits_1(tmp_project):
    bad = tmp_project / "content" / "reports" / "2024-01-01-kaputt.yaml"
    bad.write_text("title: Kaputt\nstatus: fertig\nevent:\n  date: 01.02.2024\n  place: Berlin\n"
                   "summary: zu kurz\nbody: Text\ncontact:\n  name: A\n  emial: a@example.org\n", encoding="utf-8")
    result = run(tmp_project, "check")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "content/reports/2024-01-01-kaputt.yaml:2:9: status: 'fertig' is not allowed here — use one of: draft, ready",
        "content/reports/2024-01-01-kaputt.yaml:4:9: event.date: expected a date (YYYY-MM-DD), found the text "
        "'01.02.2024' — write the date as 2024-02-01 (year-month-day); '01.02.2024' is the German notation",
        "content/reports/2024-01-01-kaputt.yaml:6:10: summary: is 7 characters, at least 40 are needed — one or two "
        "sentences, 40–140 characters; inbox preview text (preheader)",
        "content/reports/2024-01-01-kaputt.yaml:9:3: contact.email: 'email' is required but missing — add 'email:'",
        "content/reports/2024-01-01-kaputt.yaml:10:3: contact.emial: unknown field 'emial' — did you mean 'email'?",
        "5 problem(s) in 1 file(s); nothing was written or sent.",
    ]
    assert "Traceback" not in result.stderr


def test_build_writes_every_output(tmp_project):
    result = run(tmp_project, "build")
    assert result.returncode == 0, result.stderr
    folder = tmp_project / "out" / SEED
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["email.eml", "email.html", "email.mjml", "email.txt", "images", "manifest.json",
                     "press-email.html", "press-email.txt", "press.eml", "press.html", "press.txt"]
    index = (tmp_project / "out" / "index.html").read_text(encoding="utf-8")
    assert f'src="{SEED}/email.html" width="375"' in index and f'href="{SEED}/press.html"' in index
    assert "press.pdf" not in index  # no PDF was made, so none is linked
    assert "1 press release(s) without PDF; `newsroom build --pdf` makes them" in result.stdout


def test_build_pdf_adds_the_press_pdf_and_keeps_the_revision(tmp_project):
    assert run(tmp_project, "build").returncode == 0
    folder = tmp_project / "out" / SEED
    plain = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    result = run(tmp_project, "build", "--pdf")
    assert result.returncode == 0, result.stderr
    with_pdf = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    data = (folder / "press.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert with_pdf["files"]["press.pdf"] == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert with_pdf["revision"] == plain["revision"]  # the PDF is derived from press.html, not new content
    assert (tmp_project / "out" / "site" / "presse" / SEED / f"{SEED}.pdf").read_bytes() == data
    assert "without PDF" not in result.stdout
    # a later build without --pdf keeps the PDF made for the same revision, in the folder and on the site
    assert run(tmp_project, "build").returncode == 0
    assert (folder / "press.pdf").read_bytes() == data
    assert (tmp_project / "out" / "site" / "presse" / SEED / f"{SEED}.pdf").is_file()


def test_eml_is_multipart_alternative_text_first_utf8(tmp_project):
    assert run(tmp_project, "build").returncode == 0
    raw = (tmp_project / "out" / SEED / "email.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]
    assert message["Subject"].strip() == "Regionalveranstaltung zur Zukunft des Industriestandortes Berlin-Brandenburg"
    assert message["Content-Language"] == "de"
    expected = (tmp_project / "out" / SEED / "email.txt").read_text(encoding="utf-8")
    assert parts[0].get_content().replace("\r\n", "\n") == expected


def test_failed_build_keeps_the_previous_output(tmp_project):
    assert run(tmp_project, "build").returncode == 0
    before = (tmp_project / "out" / SEED / "manifest.json").read_text()
    template = tmp_project / "templates" / "email" / "newsletter.mjml.j2"
    template.write_text(template.read_text().replace("{{ report.title | hyphenate(lang) }}",
                                                     "{{ report.no_such_field }}"))
    result = run(tmp_project, "build")
    assert result.returncode == 1, result.stderr
    assert re.search(r"templates/email/newsletter.mjml.j2:\d+: .*'no_such_field' — check the spelling", result.stderr)
    assert (tmp_project / "out" / SEED / "manifest.json").read_text() == before
    assert [p.name for p in tmp_project.iterdir() if p.name.startswith(".out")] == [".out.lock"]


def test_content_error_writes_nothing(tmp_project):
    (tmp_project / "content" / "reports" / "2024-01-01-leer.yaml").write_text("title: [unclosed\n")
    result = run(tmp_project, "build")
    assert result.returncode == 1
    assert re.match(r"content/reports/2024-01-01-leer.yaml:\d+:\d+: YAML syntax error", result.stderr)
    assert not (tmp_project / "out").exists()


def test_schema_files_in_the_repo_are_current(tmp_project):
    repo = Path(__file__).resolve().parents[2]
    assert run(tmp_project, "schema", "--out", "schema").returncode == 0
    for name in ("report.schema.json", "newsroom.schema.json"):
        written, committed = (json.loads((root / "schema" / name).read_text()) for root in (tmp_project, repo))
        assert written == committed, \
            f"schema/{name} is stale: run `newsroom schema`"


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_preview_serves_on_loopback_and_rebuilds(tmp_project):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "preview", "--port", "0"], cwd=tmp_project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().startswith("built 3 report(s)")
        serving = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", serving).group(0)
        page = fetch(f"{url}/{SEED}/email.html")
        assert f'src="{url}/{SEED}/images/' in page  # images load from the preview server
        with urllib.request.urlopen(f"{url}/{SEED}/email.txt", timeout=10) as response:
            assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        for escape in ("/../pyproject.toml", "/%2e%2e/pyproject.toml"):
            try:
                fetch(url + escape)
                raise AssertionError(f"{escape} was served")
            except urllib.error.HTTPError as err:
                assert err.code == 404
                err.close()
        assert f'href="{SEED}/press.pdf"' in fetch(f"{url}/")  # linked although the build made none
        with urllib.request.urlopen(f"{url}/{SEED}/press.pdf", timeout=60) as response:  # made on request
            assert response.headers["Content-Type"] == "application/pdf"
            assert response.read().startswith(b"%PDF-")
        try:
            fetch(f"{url}/no-such-report/press.pdf")
            raise AssertionError("a PDF for a missing report was served")
        except urllib.error.HTTPError as err:
            assert err.code == 404
            err.close()
        report = tmp_project / "content" / "reports" / "2023-06-01-kurzmeldung.yaml"
        report.write_text(report.read_text().replace("title: Kurzmeldung", "title: Kurzmeldung geändert"))
        assert proc.stdout.readline().startswith("built 3 report(s)")
        deadline = time.monotonic() + 10
        while "Kurzmeldung geändert" not in fetch(f"{url}/2023-06-01-kurzmeldung/email.html"):
            assert time.monotonic() < deadline
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_a_build_repairs_an_edited_or_deleted_output_file_and_send_accepts_it_again(tmp_path):
    from publish_support import built_project, run_cli

    project = built_project(tmp_path / "project")
    folder = project / "out" / SEED
    original = (folder / "email.html").read_bytes()
    (folder / "email.html").write_bytes(original.replace(b"</body>", b"<p>edited by hand</p></body>"))
    refused = run_cli(project, "send", SEED, "--target", "production", "--dry-run")
    assert refused.returncode == 1 and "changed since `newsroom build`" in refused.stderr
    (folder / "press.txt").unlink()
    built = run_cli(project, "build", f"content/reports/{SEED}.yaml")
    assert built.returncode == 0, built.stderr
    assert (folder / "email.html").read_bytes() == original and (folder / "press.txt").is_file()
    accepted = run_cli(project, "send", SEED, "--target", "production", "--dry-run")
    assert accepted.returncode == 0, accepted.stderr


def test_a_plain_build_repairs_the_archive_site_edited_or_deleted_by_hand(tmp_project):
    assert run(tmp_project, "build").returncode == 0
    site = tmp_project / "out" / "site"
    index, page = site / "index.html", site / "presse" / SEED / "index.html"
    originals = {index: index.read_bytes(), page: page.read_bytes()}
    index.write_text("edited by hand")
    page.unlink()
    again = run(tmp_project, "build")
    assert again.returncode == 0, again.stderr
    assert {path: path.read_bytes() for path in originals} == originals
    untouched = {path: path.stat().st_ino for path in originals}
    assert run(tmp_project, "build").returncode == 0  # and then it is a no-op again: nothing rewritten
    assert {path: path.stat().st_ino for path in originals} == untouched


def test_build_no_cache_renders_everything_and_rewrites_out(tmp_project):
    assert run(tmp_project, "build").returncode == 0
    index = tmp_project / "out" / "index.html"
    before = {p: p.stat().st_ino for p in (tmp_project / "out").rglob("*") if p.is_file()}
    (tmp_project / "out" / "site" / "index.html").write_text("edited by hand")
    again = run(tmp_project, "build", "--no-cache")
    assert again.returncode == 0, again.stderr
    assert re.search(r"3 report\(s\): 3 rendered, 3 written, 0 unchanged", again.stdout), again.stdout
    after = {p: p.stat().st_ino for p in (tmp_project / "out").rglob("*") if p.is_file()}
    assert set(after) == set(before) and not set(after.items()) & set(before.items())
    assert index.is_file() and "edited by hand" not in (tmp_project / "out" / "site" / "index.html").read_text()


def test_a_report_named_like_the_builds_own_output_is_refused_with_the_fix(tmp_project):
    from pipeline.site import RESERVED_SLUGS

    assert {"site", "index", "presse", "images", "404", "feed", "sitemap", "robots", "reports", "all"} <= RESERVED_SLUGS
    assert run(tmp_project, "build").returncode == 0
    archive = (tmp_project / "out" / "site" / "index.html").read_bytes()
    seed = (tmp_project / "content" / "reports" / f"{SEED}.yaml").read_text(encoding="utf-8")
    for name in ("site", "presse", "all"):  # all: out/reports/all.html is `newsroom report`'s page of every report
        (tmp_project / "content" / "reports" / f"{name}.yaml").write_text(seed, encoding="utf-8")
    for command in ("check", "build"):
        result = run(tmp_project, command)
        assert result.returncode == 1, result.stderr
        assert "content/reports/site.yaml: the file name 'site' is one the build uses for its own output — " \
               "rename the file, e.g. to 'site-report.yaml'" in result.stderr
        assert "content/reports/presse.yaml: the file name 'presse'" in result.stderr
        assert "content/reports/all.yaml: the file name 'all'" in result.stderr
    assert (tmp_project / "out" / "site" / "index.html").read_bytes() == archive


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_template_mistakes_name_the_file_and_line_and_exit_1(tmp_project):
    assert run(tmp_project, "build").returncode == 0
    before = _tree(tmp_project / "out")
    template = tmp_project / "templates" / "email" / "newsletter.mjml.j2"
    original = template.read_text()
    lines = original.splitlines(keepends=True)
    where = next(i for i, line in enumerate(lines) if "{{ report.title" in line)
    cases = {
        "misspelt": (lines[:where] + [lines[where].replace("report.title", "report.titel", 1)] + lines[where + 1:],
                     rf"templates/email/newsletter.mjml.j2:{where + 1}: .*titel"),
        "unclosed": (["{% if report.title %}\n"] + lines,
                     r"templates/email/newsletter.mjml.j2:\d+: template syntax error: .*endif"),
    }
    for name, (text, expected) in cases.items():
        template.write_text("".join(text))
        result = run(tmp_project, "build")
        assert result.returncode == 1 and re.search(expected, result.stderr), (name, result.stderr)
        assert _tree(tmp_project / "out") == before, name
    template.write_text(original)
    os.rename(tmp_project / "templates", tmp_project / "moved")
    result = run(tmp_project, "build")
    assert result.returncode == 1 and "templates: no such template folder" in result.stderr, result.stderr
    assert _tree(tmp_project / "out") == before


def test_a_full_disk_is_an_output_error_naming_the_file_and_out_stays_as_it_was(tmp_project):
    """RLIMIT_FSIZE makes every write past 20 kB fail as a full disk does (EFBIG), even for root."""
    import resource
    import signal

    assert run(tmp_project, "build").returncode == 0
    before = _tree(tmp_project / "out")
    (tmp_project / "templates" / "email" / "newsletter.mjml.j2").write_text(
        (tmp_project / "templates" / "email" / "newsletter.mjml.j2").read_text() + "\n")

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    result = subprocess.run([sys.executable, "-m", "pipeline", "build"], cwd=tmp_project, capture_output=True,
                            text=True, timeout=60, env=env, preexec_fn=small_disk)
    assert result.returncode == 1, result.stderr
    assert re.search(r"error: \S+: cannot write \(File too large\) — free some disk space", result.stderr)
    assert _tree(tmp_project / "out") == before
    assert [p.name for p in tmp_project.iterdir() if p.name.startswith(".out")] == [".out.lock"]


def test_every_yaml_file_is_built_or_named_and_rename_hints_are_valid_slugs(tmp_project):
    reports = tmp_project / "content" / "reports"
    seed = (reports / f"{SEED}.yaml").read_text(encoding="utf-8")
    (reports / "2024-02-01-gross.YAML").write_text(seed.replace("title: Regionalveranstaltung", "title: Gross"))
    (reports / "sub").mkdir()
    (reports / "sub" / "2024-02-02-versteckt.yaml").write_text(seed)
    result = run(tmp_project, "build")
    assert result.returncode == 0, result.stderr
    assert (tmp_project / "out" / "2024-02-01-gross" / "email.html").is_file()
    assert "content/reports/sub/2024-02-02-versteckt.yaml: not built: reports in subfolders are not read — " \
           "move it into content/reports/" in result.stderr
    (reports / "..yaml").write_text(seed)
    (reports / "Über Uns.yml").write_text(seed)
    result = run(tmp_project, "check")
    assert result.returncode == 1
    hints = re.findall(r"rename the file to '([^']*)\.yaml'", result.stderr)
    assert sorted(hints) == ["report", "ueber-uns"], result.stderr
    from pipeline.model import SLUG_RE

    assert all(SLUG_RE.match(hint) for hint in hints)
