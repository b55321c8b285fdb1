"""The hero's 16:9, 4:3 and 1:1 crops for Google's article results (issue 11, JSON-LD): made at build time,
cut at `hero.focus`, listed in the press page's JSON-LD and Open Graph, published with the report and
never before its embargo, the same bytes in every build."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from press_support import BEFORE, LIFT, SEED, copy_project, edit, embargoed_project

from pipeline.build import Project, build

SITE = "https://newsroom.example.org"
HERO = "images/2021-11-29-regionalveranstaltung.png"
FOCUS_LINE = "  focus: [0.1, 0.5]  # the title text on the left stays whole in the square crop\n"
RATIOS = {"16x9": (16, 9), "4x3": (4, 3), "1x1": (1, 1)}
RED, WHITE = (220, 0, 0), (255, 255, 255)


def json_ld(press_html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">\n(.*)\n</script>', press_html).group(1))


def og(press_html: str) -> list[tuple[str, str]]:
    return re.findall(r'<meta property="(og:image[^"]*)" content="([^"]*)">', press_html)


def crops_in(folder: Path) -> dict[str, Path]:
    """The crop files of a report's images/ folder by ratio name ("16x9": …)."""
    return {path.stem.rpartition("@")[2]: path for path in sorted(folder.glob("*@*"))}


def use_hero(root: Path, name: str, picture: Image.Image, focus: str | None, **save) -> None:
    """Make `picture` the seed's hero (content/images/<name>) with this focus line (None: no focus)."""
    picture.save(root / "content" / "images" / name, **save)
    edit(root, SEED, f"src: {HERO}", f"src: images/{name}")
    edit(root, SEED, FOCUS_LINE, f"  focus: {focus}\n" if focus else "")


def marked(size=(1200, 600), spot=(240, 300)) -> Image.Image:
    """A white picture with a 20×20 red square centred on `spot` (a fifth across, half down by default)."""
    picture = Image.new("RGB", size, WHITE)
    picture.paste(RED, (spot[0] - 10, spot[1] - 10, spot[0] + 10, spot[1] + 10))
    return picture


def newsroom(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    return subprocess.run([sys.executable, "-m", "pipeline", "--project", str(project), *args], capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("crops") / "project")
    build(Project(root))
    return root / "out"


def test_the_seed_hero_gets_three_crops_of_exact_ratio_cut_from_it(seed_build):
    folder = seed_build / SEED / "images"
    crops = crops_in(folder)
    assert sorted(crops) == ["16x9", "1x1", "4x3"]
    with Image.open(folder / "2021-11-29-regionalveranstaltung.png") as hero:
        hero.load()
    sizes = {}
    for ratio, path in crops.items():
        with Image.open(path) as crop:
            assert crop.format == "PNG" and path.suffix == ".png"  # a PNG hero (a title graphic) stays lossless
            width, height = crop.size
            sizes[ratio] = crop.size
            assert width * RATIOS[ratio][1] == height * RATIOS[ratio][0], (ratio, crop.size)
            assert width * height >= 50_000  # Google's floor for article images
            # cut, not scaled: the crop is a window of the hero's own pixels (focus [0.1, 0.5])
            left, top = round((1200 - width) * 0.1), round((600 - height) * 0.5)
            assert crop.convert("RGB").tobytes() == hero.convert("RGB").crop(
                (left, top, left + width, top + height)).tobytes(), ratio
    # the largest crop of each ratio a 1200×600 hero allows; never enlarged
    assert sizes == {"16x9": (1056, 594), "4x3": (800, 600), "1x1": (600, 600)}


def test_json_ld_lists_the_crops_by_absolute_urls_that_exist_on_the_site(seed_build):
    page = (seed_build / SEED / "press.html").read_text(encoding="utf-8")
    images = json_ld(page)["image"]
    assert images == [f"{SITE}/{SEED}/images/2021-11-29-regionalveranstaltung@{ratio}.png"
                      for ratio in ("16x9", "4x3", "1x1")]
    for url in images:
        published = seed_build / "site" / url.removeprefix(f"{SITE}/")
        assert published.read_bytes() == (seed_build / SEED / url.removeprefix(f"{SITE}/{SEED}/")).read_bytes()
    # the public press page says the same
    public_page = (seed_build / "site" / "presse" / SEED / "index.html").read_text(encoding="utf-8")
    assert json_ld(public_page)["image"] == images
    assert og(page) == [("og:image", images[0]), ("og:image:width", "1056"), ("og:image:height", "594"),
                        ("og:image:alt", "Titelgrafik: „Industriestandort Berlin-Brandenburg – Regionalveranstaltung "
                                         "29.11.2021“ vor einer Industriesilhouette")]


def test_the_focal_point_moves_the_crop_and_keeps_the_spot_where_it_is_in_the_picture(tmp_path):
    def red_at(crop_path: Path, fx: float, fy: float) -> bool:
        with Image.open(crop_path) as crop:
            return crop.convert("RGB").getpixel((int(crop.width * fx), int(crop.height * fy))) == RED

    outs = {}
    for focus in (None, "[0.2, 0.5]"):
        root = copy_project(tmp_path / f"project-{bool(focus)}")
        use_hero(root, "marked.png", marked(), focus)
        build(Project(root))
        outs[focus] = crops_in(root / "out" / SEED / "images")
    # the red square sits a fifth across the picture: with focus [0.2, 0.5] it is a fifth across every
    # crop; cut at the centre (no focus), the square crop (x 300–900) misses it
    assert all(red_at(path, 0.2, 0.5) for path in outs["[0.2, 0.5]"].values())
    assert not red_at(outs[None]["1x1"], 0.2, 0.5)
    with Image.open(outs[None]["1x1"]) as centred:
        assert RED not in [colour for _, colour in centred.convert("RGB").getcolors(1 << 16)]


def test_a_too_small_hero_gets_no_crops_and_the_page_names_the_hero(tmp_path):
    root = copy_project(tmp_path / "project")
    use_hero(root, "small.png", marked((695, 600), (300, 300)), "[0.5, 0.5]")
    build(Project(root))
    assert crops_in(root / "out" / SEED / "images") == {}
    page = (root / "out" / SEED / "press.html").read_text(encoding="utf-8")
    assert json_ld(page)["image"] == [f"{SITE}/{SEED}/images/small.png"]
    assert [name for name, _ in og(page)] == ["og:image", "og:image:alt"]


def test_an_embargoed_reports_crops_reach_the_site_only_at_the_lift(tmp_path):
    project = Project(embargoed_project(tmp_path / "project"))
    build(project, out_dir=tmp_path / "before", now=BEFORE)
    assert sorted(crops_in(tmp_path / "before" / SEED / "images")) == ["16x9", "1x1", "4x3"]  # built, private
    assert not (tmp_path / "before" / "site" / SEED).exists()
    assert [p for p in (tmp_path / "before" / "site").rglob("*") if "@" in p.name] == []
    build(project, out_dir=tmp_path / "after", now=LIFT)
    assert sorted(crops_in(tmp_path / "after" / "site" / SEED / "images")) == ["16x9", "1x1", "4x3"]


def test_a_jpeg_hero_gives_upright_progressive_jpeg_crops_without_exif(tmp_path):
    root = copy_project(tmp_path / "project")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; shown rotated 90° clockwise, 800×1200
    exif[0x010F] = "Kamera GmbH"  # Make
    use_hero(root, "foto.jpg", marked((1200, 800), (600, 100)), None, quality=90, exif=exif.tobytes())
    build(Project(root))
    crops = crops_in(root / "out" / SEED / "images")
    assert sorted(path.name for path in crops.values()) == ["foto@16x9.jpg", "foto@1x1.jpg", "foto@4x3.jpg"]
    sizes = {}
    for ratio, path in crops.items():
        with Image.open(path) as crop:
            assert crop.format == "JPEG" and crop.info.get("progressive") == 1
            assert "exif" not in crop.info and dict(crop.getexif()) == {}
            sizes[ratio] = crop.size
    assert sizes == {"16x9": (800, 450), "4x3": (800, 600), "1x1": (800, 800)}  # cut from the upright 800×1200


def test_two_builds_write_the_same_crop_bytes(tmp_path):
    made = []
    for name in ("one", "two"):  # separate projects: nothing is shared, not even the crop store
        root = copy_project(tmp_path / name)
        use_hero(root, "foto.jpg", marked((1200, 800)), "[0.3, 0.6]", quality=90)
        build(Project(root), use_cache=False)
        made.append({path.name: path.read_bytes() for path in crops_in(root / "out" / SEED / "images").values()})
    assert len(made[0]) == 3 and made[0] == made[1]


def test_a_damaged_crop_store_entry_is_made_again(tmp_path):
    root = copy_project(tmp_path / "project")
    build(Project(root))
    first = {p.name: p.read_bytes() for p in crops_in(root / "out" / SEED / "images").values()}
    entries = [p for p in (root / ".newsroom" / "cache" / "crops").rglob("*") if p.is_file()]
    assert len(entries) == 1
    entries[0].write_bytes(entries[0].read_bytes()[:-100])  # cut short, as by a full disk
    edit(root, SEED, "status: ready", "status: ready  # checked")  # the report is rendered again
    assert newsroom(root, "build").returncode == 0  # a new process: it reads the store
    assert {p.name: p.read_bytes() for p in crops_in(root / "out" / SEED / "images").values()} == first


def test_a_focus_outside_the_picture_is_refused_at_check_with_its_place_and_the_fix(tmp_project):
    edit(tmp_project, SEED, FOCUS_LINE, "  focus: [0.5, 1.5]\n")
    result = newsroom(tmp_project, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        f"content/reports/{SEED}.yaml:19:16: hero.focus[1]: y is 1.5, outside 0 to 1 — write the focal point as "
        "[x, y], fractions of the width and height from the top left corner, e.g. [0.5, 0.3] for the middle, a "
        "third from the top")


def test_a_focus_that_is_not_two_numbers_is_refused_at_check(tmp_project):
    edit(tmp_project, SEED, FOCUS_LINE, "  focus: 0.5\n")
    result = newsroom(tmp_project, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith(
        f"content/reports/{SEED}.yaml:19:10: hero.focus: expected two numbers from 0 to 1, [x, y], "
        "found the number 0.5 — ")


def test_a_hero_that_does_not_decode_is_a_content_error_not_an_internal_one(tmp_project):
    picture = io.BytesIO()
    marked().save(picture, "PNG")
    (tmp_project / "content" / HERO).write_bytes(picture.getvalue()[:2000])  # a PNG cut short: the magic is right
    result = newsroom(tmp_project, "build")
    assert result.returncode == 1, result.stderr
    assert f"content/reports/{SEED}.yaml:16:8: hero.src: the picture '{HERO}' cannot be decoded (" in result.stderr
    assert "export it again as JPEG or PNG" in result.stderr and "Traceback" not in result.stderr
