"""Process pool and incremental output: the same bytes either way; unchanged folders are left alone."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perf.conftest import REPO, SEED, run, tree
from pipeline.errors import OutputError


def test_pool_and_sequential_builds_write_identical_bytes(project, tmp_path):
    _, sequential = run(project, tmp_path / "sequential", use_cache=False, workers=1)
    _, pooled = run(project, tmp_path / "pooled", use_cache=False, workers=2)
    assert (sequential.workers, pooled.workers) == (1, 2)
    assert tree(tmp_path / "pooled") == tree(tmp_path / "sequential")


def test_pool_workers_fill_the_cache_for_the_next_build(project):
    _, first = run(project, workers=2)
    _, second = run(project)
    assert (first.workers, first.rendered, second.rendered) == (2, 8, 0)


def test_pool_reports_every_invalid_file(project):
    from pipeline.errors import ContentError

    for i in (0, 3):
        path = project.content_dir / "reports" / f"2024-01-0{i + 1}-kopie-{i}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("status: ready", "status: fertig"), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        run(project, workers=2)
    assert sorted(issue.location.path for issue in info.value.issues) == [
        "content/reports/2024-01-01-kopie-0.yaml", "content/reports/2024-01-04-kopie-3.yaml"]
    assert not project.out_dir.exists()


def test_noop_build_leaves_every_file_in_place(project):
    run(project)
    inodes = {p: p.stat().st_ino for p in project.out_dir.rglob("*")}
    run(project)
    assert {p: p.stat().st_ino for p in project.out_dir.rglob("*")} == inodes


def test_one_changed_report_replaces_only_its_folder(project):
    run(project)
    other = project.out_dir / "2024-01-01-kopie-0" / "manifest.json"
    before = other.stat().st_ino
    source = project.content_dir / "reports" / f"{SEED}.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("Industrie 2030", "Industrie 2031", 1),
                      encoding="utf-8")
    run(project)
    assert other.stat().st_ino == before
    assert "Industrie 2031" in (project.out_dir / SEED / "email.html").read_text(encoding="utf-8")


def test_removed_report_disappears_and_stray_files_go(project):
    run(project)
    (project.content_dir / "reports" / "2024-01-01-kopie-0.yaml").unlink()
    (project.out_dir / "stray.txt").write_text("left by hand")
    manifests, _ = run(project)
    assert "2024-01-01-kopie-0" not in {m["slug"] for m in manifests}
    assert not (project.out_dir / "2024-01-01-kopie-0").exists()
    assert not (project.out_dir / "stray.txt").exists()
    assert "2024-01-01-kopie-0" not in (project.out_dir / "index.html").read_text(encoding="utf-8")


def test_a_failed_commit_puts_everything_back(project, monkeypatch):
    from pipeline import outputs

    run(project)
    source = project.content_dir / "reports" / f"{SEED}.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("Industrie 2030", "Industrie 2031", 1),
                      encoding="utf-8")
    before = tree(project.out_dir)
    real_rename, calls = os.rename, []

    def failing_rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 3:  # after the old folder went and the new one came in
            raise OSError(28, "No space left on device")
        return real_rename(src, dst)

    monkeypatch.setattr(outputs.os, "rename", failing_rename)
    with pytest.raises(OutputError, match="cannot write \\(No space left on device\\)"):
        run(project)
    monkeypatch.setattr(outputs.os, "rename", real_rename)
    assert tree(project.out_dir) == before
    assert not [p for p in project.root.iterdir() if p.name.startswith((".out.tmp-", ".out.old-"))]


def test_help_imports_no_heavy_module():
    """`newsroom --help` starts fast because the CLI imports the renderer, YAML and HTTP stack lazily."""
    code = ("import sys\nfrom pipeline.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = ('jinja2', 'mjml', 'css_inline', 'requests', 'yaml', 'markdown_it', 'nh3', 'babel',"
            " 'weasyprint')\n"
            "print('HEAVY:' + ' '.join(sorted(m for m in heavy if m in sys.modules)))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "HEAVY:", "imported at start-up: " + result.stdout[-200:]


def test_an_unchanged_site_is_not_made_again(project):
    _, first = run(project)
    site = {p: p.stat().st_ino for p in (project.out_dir / "site").rglob("*")}
    _, same = run(project)
    assert (first.site_files > 0, same.site_files) == (True, 0)  # same published reports, same inputs
    assert {p: p.stat().st_ino for p in (project.out_dir / "site").rglob("*")} == site
    shutil.rmtree(project.out_dir / "site")
    _, again = run(project)
    assert again.site_files == first.site_files and (project.out_dir / "site" / "index.html").is_file()
    source = project.content_dir / "reports" / f"{SEED}.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("Industrie 2030", "Industrie 2031", 1),
                      encoding="utf-8")
    _, changed = run(project)
    assert 0 < changed.site_files < first.site_files  # the seed's pages, the index, feed and sitemap
    assert "Industrie 2031" in (project.out_dir / "site" / "presse" / SEED / "index.html").read_text(encoding="utf-8")


def test_a_site_kept_up_to_date_in_place_equals_one_made_afresh(project, tmp_path):
    """Edits, a removed report and one taken back to draft, each an in-place update of out/site: the
    result is the site a clean build makes, file for file, with no folder left behind."""
    reports = project.content_dir / "reports"
    run(project)
    seed = reports / f"{SEED}.yaml"
    seed.write_text(seed.read_text(encoding="utf-8").replace("Industrie 2030", "Industrie 2031", 1), encoding="utf-8")
    run(project)
    (reports / "2024-01-01-kopie-0.yaml").unlink()
    run(project)
    other = reports / "2024-01-02-kopie-1.yaml"
    other.write_text(other.read_text(encoding="utf-8").replace("status: ready", "status: draft"), encoding="utf-8")
    site_folder = (project.out_dir / "site").stat().st_ino
    run(project)
    assert (project.out_dir / "site").stat().st_ino == site_folder  # updated in place, not replaced
    run(project, tmp_path / "fresh", use_cache=False)
    assert tree(project.out_dir / "site") == tree(tmp_path / "fresh" / "site")
    folders = {p.relative_to(project.out_dir) for p in (project.out_dir / "site").rglob("*") if p.is_dir()}
    fresh = tmp_path / "fresh"
    assert folders == {p.relative_to(fresh) for p in (fresh / "site").rglob("*") if p.is_dir()}
    assert "2024-01-02-kopie-1" not in {p.name for p in (project.out_dir / "site").iterdir()}


def test_a_partial_build_keeps_every_other_report_and_its_site_pages(project):
    """`newsroom build PATH`: only the named report is built; the others stay in out/ and on out/site."""
    run(project)
    before = tree(project.out_dir)
    source = project.content_dir / "reports" / f"{SEED}.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("Industrie 2030", "Industrie 2031", 1),
                      encoding="utf-8")
    manifests, stats = run(project, paths=[source])
    assert [m["slug"] for m in manifests] == [SEED] and stats.public == 6
    after = tree(project.out_dir)
    assert {name for name in after if not name.startswith((f"{SEED}/", "site/", "index.html"))} == {
        name for name in before if not name.startswith((f"{SEED}/", "site/", "index.html"))}
    assert "site/presse/2024-01-01-kopie-0/index.html" in after
    assert "2024-01-01-kopie-0" in after["index.html"].decode()
    assert "Industrie 2031" in after[f"site/presse/{SEED}/index.html"].decode()
    _, fresh = run(project)  # the full build that follows finds everything in place
    assert (fresh.rendered, fresh.written) == (0, 0)


def test_a_second_build_waits_for_the_first_and_cleans_what_a_killed_one_left(project):
    """The lock: a build started while another holds out/ waits (and says so), then finishes normally;
    the staging and retired folders of a killed build are removed, and nothing temporary is left."""
    import fcntl

    run(project)
    leftovers = [project.root / ".out.tmp-killed", project.root / ".out.old-killed"]
    for folder in leftovers:
        (folder / "report").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    with open(project.root / ".out.lock", "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running build holds it
        second = subprocess.Popen([sys.executable, "-m", "pipeline", "build"], cwd=project.root, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert "another build is writing this folder; waiting for it to finish" in second.stderr.readline()
            assert all(folder.is_dir() for folder in leftovers)  # the running build's: not touched
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
        out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert not [p.name for p in project.root.iterdir() if p.name.startswith((".out.tmp-", ".out.old-"))]
    assert not [p for p in project.out_dir.rglob("*") if ".tmp" in p.name]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def test_pool_workers_die_with_a_killed_build(project):
    """A build killed with SIGKILL while its workers render: the workers go too (none keeps rendering)."""
    import signal

    template = project.template_dir / "email" / "newsletter.mjml.j2"
    template.write_text("{% for i in range(10**15) %}{% endfor %}" + template.read_text(encoding="utf-8"),
                        encoding="utf-8")  # the workers render forever: the trigger is the kill, not a delay
    code = ("import sys\nfrom pathlib import Path\nfrom pipeline.build import Project, build\n"
            "build(Project(Path(sys.argv[1])), use_cache=False, workers=2)\n")
    parent = subprocess.Popen([sys.executable, "-c", code, str(project.root)])
    workers: set[int] = set()
    try:
        while len(workers) < 2 and parent.poll() is None:
            workers = _children(parent.pid)
        assert len(workers) == 2
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30  # a bound, not a measurement: SIGKILL arrives at once
        while workers and time.monotonic() < deadline:  # until the system has reaped them
            workers = {pid for pid in workers if _alive(pid)}
        assert not workers, "pool workers outlived the killed build"
    finally:
        for pid in workers:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def test_write_atomic_keeps_the_old_file_and_no_temp_file_when_it_fails(tmp_path):
    from pipeline.atomic import write_atomic

    (tmp_path / "folder").mkdir()  # a folder where the file should go: the rename fails
    (tmp_path / "folder" / "inside").write_text("kept")
    with pytest.raises(OSError):
        write_atomic(tmp_path / "folder", b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["folder"]
    write_atomic(tmp_path / "file", b"one")
    write_atomic(tmp_path / "file", b"two", link_from=str(tmp_path / "missing"))  # no link possible: a copy
    assert (tmp_path / "file").read_bytes() == b"two" and sorted(p.name for p in tmp_path.iterdir()) == [
        "file", "folder"]
