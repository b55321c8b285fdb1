"""Regenerate tests/golden/seed/ from the current templates (`make golden`); review the diff in the PR."""

import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEED = "2021-11-29-industriestandort-berlin-brandenburg"
GOLDEN_FILES = ("email.html", "email.txt", "email.mjml", "email.eml", "press.html", "press.txt", "press-email.html",
                "press-email.txt", "press.eml", "manifest.json")


def main() -> None:
    sys.path.insert(0, str(REPO))
    from pipeline.build import Project, build

    with tempfile.TemporaryDirectory() as tmp:
        # rendered afresh, never from (or into) a .newsroom/cache/ in the checkout
        build(Project(REPO), [REPO / "content" / "reports" / f"{SEED}.yaml"], Path(tmp) / "out", use_cache=False)
        target = REPO / "tests" / "golden" / "seed"
        target.mkdir(parents=True, exist_ok=True)
        for name in GOLDEN_FILES:
            shutil.copyfile(Path(tmp) / "out" / SEED / name, target / name)
            print(f"updated {target / name}")


if __name__ == "__main__":
    main()
