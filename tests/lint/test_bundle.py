"""Preview bundle without the browser: contents, summary, and embargoed reports kept out of public bundles (C2)."""

from __future__ import annotations

import datetime as dt
import json

from pipeline.bundle import embargo_active, export_bundle, select_reports

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def with_embargo(folder, value):
    """Set the manifest's embargo of a fixture report."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["embargo"] = value
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_embargo_is_active_until_it_lifts():
    assert embargo_active({"embargo": "2026-11-25T14:00:00+01:00"}, NOW)
    assert not embargo_active({"embargo": "2026-11-25T13:00:00+01:00"}, NOW)
    assert not embargo_active({"embargo": None}, NOW)
    assert embargo_active({"embargo": "2026-11-25T10:00:00"}, NOW)  # no offset: withheld to be safe


def test_public_bundle_withholds_embargoed_reports_private_keeps_them(make_report, tmp_path):
    make_report("open")
    with_embargo(make_report("secret"), "2026-12-01T09:00:00+01:00")
    out = tmp_path / "out"
    assert select_reports(out, public=True, now=NOW) == (["open"], 1)
    assert select_reports(out, public=False, now=NOW) == (["open", "secret"], 0)

    public = export_bundle(out, tmp_path / "public", public=True, browser=False, now=NOW)
    assert public.slugs == ["open"] and not (tmp_path / "public" / "reports" / "secret").exists()
    everything = "".join(p.read_text(encoding="utf-8", errors="replace")
                         for p in (tmp_path / "public").rglob("*") if p.is_file())
    assert "secret" not in everything
    private = export_bundle(out, tmp_path / "private", public=False, browser=False, now=NOW)
    assert private.slugs == ["open", "secret"]
    assert (tmp_path / "private" / "reports" / "secret" / "email.html").is_file()


def test_bundle_holds_outputs_reports_and_summary(make_report, tmp_path):
    make_report("good")
    bundle = export_bundle(tmp_path / "out", tmp_path / "preview", browser=False)
    dest = tmp_path / "preview"
    for name in ("index.html", "lint.txt", "lint.json", "axe.json", "summary.md",
                 "reports/good/email.html", "reports/good/email.txt", "reports/good/manifest.json"):
        assert (dest / name).is_file(), name
    assert json.loads((dest / "lint.json").read_text(encoding="utf-8")) == [f.to_json() for f in bundle.findings]
    summary = (dest / "summary.md").read_text(encoding="utf-8")
    assert "| `good` | ready |" in summary and "not run |" in summary
    assert "<script" not in (dest / "index.html").read_text(encoding="utf-8")
