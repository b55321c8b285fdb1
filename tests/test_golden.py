"""Golden files: the seed report's outputs, built afresh, equal the reviewed copies in tests/golden/seed/.

After an intended template change run `make golden` and review the diff in the pull request.
"""

import json
from pathlib import Path

import pytest

from pipeline.manifest import DERIVED
from pipeline.build import Project, build

REPO = Path(__file__).resolve().parent.parent
SEED = "2021-11-29-industriestandort-berlin-brandenburg"
GOLDEN = REPO / "tests" / "golden" / "seed"
FILES = ("email.html", "email.txt", "email.mjml", "email.eml", "press.html", "press.txt", "press-email.html",
         "press-email.txt", "press.eml", "manifest.json")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden") / "out"
    build(Project(REPO), [REPO / "content" / "reports" / f"{SEED}.yaml"], out, use_cache=False)  # no .newsroom/ here
    return out / SEED


def normalised(name: str, text: str) -> str:
    """The manifest without the PDF's hash and size: its bytes depend on the machine's fonts and WeasyPrint.

    The PDF is left out of the revision for the same reason (pipeline.manifest.DERIVED); its content is tested by
    extracting its text (tests/press/test_pdf.py).
    """
    if name != "manifest.json":
        return text
    manifest = json.loads(text)
    for derived in DERIVED:
        manifest["files"][derived] = "(machine-dependent)"
    return json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@pytest.mark.parametrize("name", FILES)
def test_output_matches_golden(built, name):
    if name.endswith(".eml"):  # byte for byte: CRLF line ends and folding are part of what is pinned
        assert (built / name).read_bytes() == (GOLDEN / name).read_bytes(), \
            f"{name} changed; if intended, run `make golden` and review the diff"
        return
    expected = normalised(name, (GOLDEN / name).read_text(encoding="utf-8"))
    actual = normalised(name, (built / name).read_text(encoding="utf-8"))
    assert actual == expected, f"{name} changed; if intended, run `make golden` and review the diff"


def test_manifest_hashes_match_the_files(built):
    import hashlib

    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in manifest["files"].items():
        data = (built / name).read_bytes()
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}, name
    assert set(manifest["files"]) == {p.relative_to(built).as_posix() for p in built.rglob("*")
                                      if p.is_file() and p.name != "manifest.json"}
