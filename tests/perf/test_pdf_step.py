"""The press PDF as an opt-in, cached step (`build --pdf`): made once per revision, never for a plain build.

These call WeasyPrint for real (about 0.2 s per PDF), so they build the seed report only.
"""

from __future__ import annotations

from pipeline import cache
from perf.conftest import SEED, run, tree


def seed_only(project):
    return [project.content_dir / "reports" / f"{SEED}.yaml"]


def test_a_plain_build_makes_no_pdf(project):
    manifests, stats = run(project, paths=seed_only(project))
    assert stats.pdfs == 0 and "press.pdf" not in manifests[0]["files"]
    assert not list((project.root / cache.CACHE_DIR).rglob("*.pdf"))


def test_the_pdf_comes_from_the_cache_for_another_output_folder(project, tmp_path):
    _, first = run(project, paths=seed_only(project), pdf=True)
    _, elsewhere = run(project, tmp_path / "elsewhere", paths=seed_only(project), pdf=True)
    assert (first.pdfs, elsewhere.pdfs) == (1, 0)
    assert tree(tmp_path / "elsewhere") == tree(project.out_dir)


def test_pdf_after_a_plain_build_renders_nothing_else(project):
    run(project, paths=seed_only(project))
    manifests, stats = run(project, paths=seed_only(project), pdf=True)
    assert (stats.pdfs, stats.rendered, stats.written) == (1, 0, 1)
    assert manifests[0]["files"]["press.pdf"]["bytes"] == len((project.out_dir / SEED / "press.pdf").read_bytes())
    _, again = run(project, paths=seed_only(project), pdf=True)
    assert (again.pdfs, again.rendered, again.written) == (0, 0, 0)


def test_a_changed_image_makes_the_pdf_again(project):
    run(project, paths=seed_only(project), pdf=True)
    image = project.content_dir / "images" / "logo.png"
    image.write_bytes(image.read_bytes() + b"\0")
    _, again = run(project, paths=seed_only(project), pdf=True)
    assert again.pdfs == 1  # the cached PDF showed the old logo


def test_a_changed_report_drops_its_old_pdf_from_out(project):
    run(project, paths=seed_only(project), pdf=True)
    source = seed_only(project)[0]
    source.write_text(source.read_text(encoding="utf-8").replace("status: ready", "status: draft"), encoding="utf-8")
    manifests, _ = run(project, paths=seed_only(project))
    assert "press.pdf" not in manifests[0]["files"]  # it showed the old text
    assert not (project.out_dir / SEED / "press.pdf").exists()
