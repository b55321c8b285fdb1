"""caniemail API JSON (npm `caniemail`'s `data/caniemail.json`) → the trimmed `data/caniemail.json` we vendor.

Maintenance tool, not part of a build. Refresh the vendored data with::

    cd "$(mktemp -d)" && npm pack caniemail@2.0.2 && tar xzf caniemail-2.0.2.tgz
    python -m pipeline.lint.caniemail_extract package/data/caniemail.json

It keeps, for every `css-*`, `html-*` and `image-*` feature, only the *latest* result for each client that
matters in Germany (`TARGET_CLIENTS`), with the notes those results point to.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# family.platform of caniemail's `stats`; EMAIL-QUALITY E6 plus Apple Mail on macOS (the issue names "Apple Mail").
TARGET_CLIENTS = (
    "gmail.desktop-webmail", "gmail.ios", "gmail.android", "gmail.mobile-webmail",
    "outlook.windows", "outlook.outlook-com",
    "apple-mail.ios", "apple-mail.macos",
    "gmx.desktop-webmail", "gmx.ios", "gmx.android",
    "web-de.desktop-webmail", "web-de.ios", "web-de.android",
    "t-online-de.desktop-webmail",
)
CATEGORIES = ("css", "html", "image")
OUTPUT = Path(__file__).parent / "data" / "caniemail.json"


def latest(results: dict[str, str]) -> tuple[str, str]:
    """(version-or-date, value) of the newest result; caniemail lists versions oldest → newest."""
    version = list(results)[-1]
    return version, results[version]


def extract_feature(entry: dict) -> dict:
    """One caniemail feature entry → {title, last_test_date, support: {client: [value, version]}, notes}."""
    support: dict[str, list[str]] = {}
    used_notes: set[str] = set()
    for client in TARGET_CLIENTS:
        family, platform = client.split(".")
        results = (entry.get("stats") or {}).get(family, {}).get(platform)
        if not results:
            continue
        version, value = latest(results)
        support[client] = [value, version]
        if not value.startswith("y"):  # notes explain partial or missing support; the rest never reach a finding
            used_notes.update(token[1:] for token in value.split() if token.startswith("#"))
    notes = {num: text for num, text in (entry.get("notes_by_num") or {}).items() if num in used_notes}
    return {
        "title": entry["title"],
        "last_test_date": entry.get("last_test_date"),
        "support": support,
        "notes": notes,
    }


def extract(api: dict) -> dict:
    """The whole API document → the trimmed document we vendor (with its provenance)."""
    features = {
        entry["slug"]: extract_feature(entry)
        for entry in api["data"]
        if entry.get("category") in CATEGORIES
    }
    return {
        "source": {
            "data": "caniemail.com API (hteumeuleu/caniemail, MIT, Copyright (c) 2019 HTeuMeuLeu)",
            "via": "npm caniemail@2.0.2, data/caniemail.json (MIT, Copyright Avi Goldman, Andrew Powell)",
            "api_version": api.get("api_version"),
            "last_update_date": api.get("last_update_date"),
        },
        "clients": {
            client: f"{api['nicenames']['family'][client.split('.')[0]]} "
            f"{api['nicenames']['platform'][client.split('.')[1]]}"
            for client in TARGET_CLIENTS
        },
        "features": features,
    }


def main(argv: list[str]) -> int:
    """Write `data/caniemail.json` from the API JSON named on the command line."""
    api = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    OUTPUT.write_text(dump(extract(api)), encoding="utf-8")
    return 0


def dump(document: dict) -> str:
    """JSON with one feature per line: compact, yet a data refresh shows up as a readable diff."""
    compact = {"ensure_ascii": False, "sort_keys": True, "separators": (",", ":")}
    features = ",\n".join(
        f"  {json.dumps(slug)}:{json.dumps(entry, **compact)}" for slug, entry in sorted(document["features"].items())
    )
    head = {key: value for key, value in document.items() if key != "features"}
    return (
        "{\n" + "".join(f"{json.dumps(k)}:{json.dumps(v, **compact)},\n" for k, v in sorted(head.items()))
        + '"features":{\n' + features + "\n}}\n"
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
