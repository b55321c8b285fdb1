"""E6 building blocks: feature mapping, the vendored data and the MJML baseline."""

from __future__ import annotations

from pipeline.lint import caniemail
from pipeline.lint.document import parse
from pipeline.lint.rules import compatibility


def test_declarations_map_to_caniemail_slugs():
    assert caniemail.property_slugs("display", "flex") == ["css-display", "css-display-flex"]
    assert caniemail.property_slugs("border-top-left-radius", "4px") == ["css-border-radius"]
    assert caniemail.property_slugs("margin-inline-start", "0") == ["css-margin-inline-start-end"]
    assert caniemail.property_slugs("padding-left", "0") == ["css-padding"]
    assert caniemail.property_slugs("mso-line-height-rule", "exactly") == []
    pairs = caniemail.css_declaration_features("color: rgb(0 0 0) !important; width: calc(100% - 2rem)")
    assert {slug for slug, _ in pairs} >= {"css-rgb", "css-important", "css-unit-calc", "css-unit-rem",
                                           "css-unit-percent", "css-width"}


def test_selectors_and_at_rules_map_to_caniemail_slugs():
    assert set(caniemail.selector_slugs(".a > p:hover, [data-ogsc] a")) == {
        "css-selector-grouping", "css-selector-class", "css-selector-child", "css-selector-type",
        "css-pseudo-class-hover", "css-selector-attribute", "css-selector-descendant",
    }
    found = {slug for slug, _, _ in caniemail.stylesheet_features(
        "@media (prefers-color-scheme: dark) { .x { color: #fff !important; } }")}
    assert found >= {"css-at-media", "css-at-media-prefers-color-scheme", "css-selector-class", "css-important"}


def test_verdict_reads_the_latest_result_per_target_client():
    flex = caniemail.verdict("css-display-flex")
    assert any(label.startswith("Outlook Windows") for label in flex.unsupported)
    style = caniemail.verdict("html-style")
    assert any(label.startswith("GMX Desktop Webmail") for label in style.unsupported)
    assert any(label.startswith("WEB.DE Desktop Webmail") for label in style.unsupported)
    assert caniemail.data()["source"]["last_update_date"].startswith("2026-05-13")


def test_mjml_baseline_holds_what_mjml_itself_emits():
    baseline = compatibility.baseline_features()
    assert {"html-style", "css-at-media", "html-table", "css-border-collapse"} <= baseline
    assert "css-display-flex" not in baseline


def test_features_report_their_first_use_with_line():
    tree = parse("<html><body>\n<div>\n<p style=\"display:flex\">x</p></div></body></html>")
    use = caniemail.features_of(tree)["css-display-flex"]
    assert (use.sample, use.line) == ("display:flex", 3)
