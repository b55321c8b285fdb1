"""The build cache: unchanged reports are neither validated nor rendered again; every input invalidates."""

from __future__ import annotations

import os
import shutil

import pytest

from pipeline import cache
from pipeline.errors import ContentError
from perf.conftest import SEED, run, tree


def test_second_build_renders_nothing_and_writes_nothing(project):
    manifests, first = run(project)
    assert (first.rendered, first.written) == (len(manifests), len(manifests))
    before = tree(project.out_dir)
    again, second = run(project)
    assert (second.rendered, second.written) == (0, 0)
    assert again == manifests
    assert tree(project.out_dir) == before


def test_changed_source_renders_that_report_only(project):
    run(project)
    source = project.content_dir / "reports" / f"{SEED}.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("status: ready", "status: draft"), encoding="utf-8")
    manifests, stats = run(project)
    assert (stats.rendered, stats.written) == (1, 1)
    assert next(m for m in manifests if m["slug"] == SEED)["status"] == "draft"


@pytest.mark.parametrize("change", ["template", "settings", "site_url"])
def test_shared_inputs_invalidate_every_report(project, change):
    manifests, _ = run(project)
    kwargs = {}
    if change == "template":
        path = project.template_dir / "text" / "newsletter.txt.j2"
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "settings":
        path = project.content_dir / "newsroom.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("Industrie-Newsletter", "Industrie-Brief"),
                        encoding="utf-8")
    else:
        kwargs["site_url"] = "http://127.0.0.1:8000"
    _, stats = run(project, **kwargs)
    assert stats.rendered == len(manifests)


def test_the_generator_is_part_of_every_key():
    """A new package version or an edited pipeline module (the generator digest) is a miss for every report."""
    old, new = (cache.Inputs("settings", "templates", None, generator) for generator in ("one", "another"))
    assert cache.report_key(old, "content/reports/a.yaml", b"title: A") != cache.report_key(
        new, "content/reports/a.yaml", b"title: A")
    assert cache.Inputs("settings", "templates").generator == cache.generator_digest()


def test_a_changed_image_is_a_miss_and_lands_in_the_output(project):
    run(project)
    image = project.content_dir / "images" / "logo.png"
    image.write_bytes(image.read_bytes() + b"\0")  # still a PNG to every check that reads the name
    _, stats = run(project)
    assert stats.rendered == 8  # every report shows the logo
    assert (project.out_dir / SEED / "images" / "logo.png").read_bytes() == image.read_bytes()


def test_a_new_output_folder_is_filled_from_the_cache_without_rendering(project, tmp_path):
    run(project)
    elsewhere = tmp_path / "elsewhere"
    _, stats = run(project, elsewhere)
    assert (stats.rendered, stats.written) == (0, 8)
    assert tree(elsewhere) == tree(project.out_dir)


def test_cached_build_equals_a_build_without_cache(project, tmp_path):
    run(project)
    run(project, tmp_path / "cached")  # every report from the cache
    run(project, tmp_path / "fresh", use_cache=False)
    assert tree(tmp_path / "cached") == tree(tmp_path / "fresh")


def test_a_build_without_cache_writes_nothing_under_dot_newsroom(project, tmp_path):
    """use_cache=False (the golden and browser fixtures build the repository's own content so) leaves no
    cache behind, the hero's crops included."""
    run(project, tmp_path / "out", use_cache=False)
    assert list((tmp_path / "out" / SEED / "images").glob("*@*"))  # the seed's hero was cut
    assert not (project.root / ".newsroom").exists()


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_an_unreadable_entry_is_a_miss(project, damage):
    run(project)
    for entry in (project.root / cache.CACHE_DIR).rglob("*"):
        if entry.is_file():
            data = entry.read_bytes()
            entry.write_bytes({"truncate": data[: len(data) // 2], "garbage": os.urandom(64), "empty": b""}[damage])
    (project.out_dir / SEED).rename(project.root / "moved-away")  # so the files must come from somewhere
    _, stats = run(project)
    assert stats.rendered >= 1
    assert (project.out_dir / SEED / "manifest.json").is_file()


def test_an_entry_cannot_unpickle_anything_but_the_model():
    import pickle

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo no",))

    with pytest.raises(pickle.UnpicklingError):
        cache.load_report(pickle.dumps(Evil()))


def test_invalid_report_is_reported_even_when_the_others_are_cached(project):
    run(project)
    bad = project.content_dir / "reports" / "2024-01-01-kopie-0.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("status: ready", "status: fertig"), encoding="utf-8")
    before = tree(project.out_dir)
    with pytest.raises(ContentError) as info:
        run(project)
    assert [issue.field for issue in info.value.issues] == ["status"]
    assert tree(project.out_dir) == before
    assert not [p for p in project.root.iterdir() if p.name.startswith(".out") and p.name != ".out.lock"]


def test_translation_rules_see_cached_reports(project):
    """A link checked against a report that comes from the cache (not validated in this build)."""
    reports = project.content_dir / "reports"
    english = reports / "2022-03-15-hydrogen-valley-workshop.yaml"
    text = english.read_text(encoding="utf-8")
    assert "translation:" not in text  # the sample reports are not linked; this test links them
    english.write_text(text.rstrip("\n") + f"\ntranslation: {SEED}\n", encoding="utf-8")
    run(project)  # English → German: a valid link
    seed = reports / f"{SEED}.yaml"
    seed.write_text(seed.read_text(encoding="utf-8").replace("language: de", "language: en"), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        run(project)  # the English report comes from the cache; the seed is now English too
    assert [str(issue.location.path) for issue in info.value.issues] == [str(english.relative_to(project.root))]
    assert "is in the same language" in info.value.issues[0].message


def test_prune_keeps_what_the_last_build_used(project):
    run(project)
    folder = project.root / cache.CACHE_DIR / "reports"
    used = {p.name for p in folder.rglob("*") if p.is_file()}
    path = project.template_dir / "text" / "press.txt.j2"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    store = cache.Cache(project.root / cache.CACHE_DIR)
    run(project)
    now = {p.name for p in folder.rglob("*") if p.is_file()}
    assert len(now) == 16 and used < now  # old entries are kept up to KEEP_AT_LEAST
    store.stored, store.used = 1, now - used
    assert store.prune(keep_at_least=0) == len(used)
    assert {p.name for p in folder.rglob("*") if p.is_file()} == now - used


def test_a_noop_build_renders_and_writes_nothing_and_keeps_every_inode(project):
    run(project)
    inodes = {p: p.stat().st_ino for p in project.out_dir.rglob("*")}
    _, stats = run(project)
    assert (stats.rendered, stats.written) == (0, 0)
    assert {p: p.stat().st_ino for p in project.out_dir.rglob("*")} == inodes


def test_a_removed_folder_comes_back_from_the_cache_and_a_changed_image_renders_again(project):
    run(project)
    shutil.rmtree(project.out_dir / SEED)  # gone: back from the cache, not rendered
    _, stats = run(project)
    assert (stats.rendered, stats.written) == (0, 1) and (project.out_dir / SEED / "email.html").is_file()
    image = project.content_dir / "images" / "logo.png"
    image.write_bytes(image.read_bytes() + b"\0")
    _, stats = run(project)
    assert stats.rendered == 8
    assert (project.out_dir / SEED / "images" / "logo.png").read_bytes() == image.read_bytes()


@pytest.mark.parametrize("damage", ["edit", "delete", "manifest"])
def test_a_hand_edited_or_deleted_output_file_is_written_again(project, damage):
    run(project)
    folder = project.out_dir / SEED
    expected = tree(folder)
    if damage == "edit":
        (folder / "press.txt").write_bytes(expected["press.txt"].replace(b"Berlin", b"Bonn!!"))  # same size
    elif damage == "delete":
        (folder / "images" / "logo.png").unlink()
    else:
        (folder / "manifest.json").write_text(expected["manifest.json"].decode().replace('"ready"', '"draft"'))
    _, stats = run(project)
    assert (stats.rendered, stats.written) == (0, 1)
    assert tree(folder) == expected


def test_prune_keeps_the_site_stamps_of_the_latest_output_folders(project, tmp_path):
    for i in range(cache.KEEP_OUTPUT_FOLDERS + 3):  # e.g. a preview's temp folder each session
        run(project, tmp_path / f"out-{i}")
        path = project.template_dir / "text" / "press.txt.j2"  # so the next build stores, and prunes
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    stamps = list((project.root / cache.CACHE_DIR / "site").iterdir())
    assert len(stamps) == cache.KEEP_OUTPUT_FOLDERS
