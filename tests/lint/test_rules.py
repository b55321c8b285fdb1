"""Each lint rule stays silent on the good fixture and fires on its deliberately bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.lint import Finding, Severity, failed, lint, summary
from pipeline.lint.rules import size

# (rule, severity, file to swap in the good report, bad fixture in tests/data/lint/bad/)
BAD_CASES = [
    pytest.param("E3", Severity.ERROR, "email.mjml", "E3-illegal-attribute.mjml", marks=pytest.mark.node),
    ("E5", Severity.ERROR, "email.html", "E5-hidden-text.html"),
    ("E5", Severity.ERROR, "email.html", "E5-fixed-width.html"),
    ("E6", Severity.WARNING, "email.html", "E6-flexbox.html"),
    ("E10", Severity.ERROR, "email.html", "E10-missing-alt.html"),
    ("E10", Severity.ERROR, "email.html", "E10-file-name-alt.html"),
    ("E11", Severity.ERROR, "email.html", "E11-two-h1.html"),
    ("E11", Severity.ERROR, "email.html", "E11-skipped-level.html"),
    ("E13", Severity.ERROR, "email.html", "E13-vague-link-text.html"),
    ("E15", Severity.ERROR, "email.html", "E15-short-preheader.html"),
    ("E15", Severity.WARNING, "email.html", "E15-white-preheader.html"),  # MJML's mj-preview: white text
    ("E19", Severity.ERROR, "email.html", "E19-script.html"),
    ("E19", Severity.ERROR, "email.html", "E19-http-link.html"),
    ("E19", Severity.ERROR, "email.html", "E19-relative-link.html"),
    ("D3", Severity.ERROR, "email.html", "D3-no-unsubscribe.html"),
    ("D3", Severity.ERROR, "email.txt", "D3-no-unsubscribe.txt"),
    ("D5", Severity.ERROR, "email.html", "D5-no-imprint.html"),
    ("D5", Severity.ERROR, "email.txt", "D5-no-imprint.txt"),
    ("E10", Severity.ERROR, "press.html", "press-E10-generic-alt.html"),
    ("E13", Severity.ERROR, "press.html", "press-E13-vague-link.html"),
]


def failing(findings: list[Finding]) -> list[Finding]:
    """Findings that are not informational."""
    return [f for f in findings if f.severity is not Severity.INFO]


@pytest.mark.node  # E3 runs the npm mjml validator
def test_good_report_has_no_errors_or_warnings(make_report):
    folder = make_report()
    findings = lint(folder.parent)
    assert failing(findings) == []
    assert not failed(findings, strict=True)


@pytest.mark.parametrize(("rule", "severity", "target", "fixture"), BAD_CASES,
                         ids=[f"{c[0]}-{c[3]}" for c in (getattr(c, "values", c) for c in BAD_CASES)])
def test_rule_fires_on_its_bad_fixture(bad, make_report, rule, severity, target, fixture):
    folder = make_report(**{target: bad(fixture)})
    findings = failing(lint(folder.parent, validate_mjml=rule == "E3"))  # E3 runs Node: only where it is tested
    assert {(f.rule, f.severity, Path(f.path).name) for f in findings} == {(rule, severity, target)}, \
        "\n".join(map(str, findings))


def test_findings_print_path_rule_message_and_fix(bad, make_report):
    folder = make_report(**{"email.html": bad("E10-missing-alt.html")})
    [finding] = failing(lint(folder.parent, validate_mjml=False))
    assert str(finding) == (
        f"{folder / 'email.html'}:21: E10: <img src=…ofen.png> has no alt attribute — describe the picture in "
        "the report's alt field, or use alt=\"\" if it is decorative"
    )


def test_size_budget_warns_at_90kb_and_fails_at_102kb(make_report):
    good_html = (make_report("base") / "email.html").read_text(encoding="utf-8")
    padding = "<!-- " + "x" * 1000 + " -->\n"
    big = make_report("big", **{"email.html": good_html.replace("</body>", padding * 92 + "</body>")})
    make_report("huge", **{"email.html": good_html.replace("</body>", padding * 103 + "</body>")})
    found = {Path(f.path).parent.name: f for f in lint(big.parent, validate_mjml=False) if f.rule == "E1"}
    assert set(found) == {"big", "huge"}
    assert (found["big"].severity, found["huge"].severity) == (Severity.WARNING, Severity.ERROR)
    assert size.MAX_BYTES == 102_000 and size.WARN_BYTES == 90_000


def test_missing_output_file_is_an_error(make_report):
    folder = make_report()
    (folder / "email.txt").unlink()
    findings = failing(lint(folder.parent, validate_mjml=False))
    assert [(f.rule, Path(f.path).name) for f in findings] == [("OUT", "email.txt")]


def test_imprint_values_from_the_settings_are_each_required(make_report):
    class Imprint:  # the fields D5 reads from config.Imprint
        organisation = "Musterträger e. V."
        representative = "Erika Mustermann"
        street = "Musterstraße 1"
        postal_code = "10115"
        city = "Berlin"
        email = "kontakt@example.org"
        phone = "+49 30 0000000"

    folder = make_report()
    findings = failing(lint(folder.parent, imprint=Imprint(), validate_mjml=False))
    assert [(f.rule, Path(f.path).name) for f in findings] == [("D5", "email.html"), ("D5", "email.txt")]
    assert all("phone (+49 30 0000000)" in f.message and "street" not in f.message for f in findings)


def test_unsubscribe_link_hidden_inline_does_not_count(make_report):
    html = (make_report("base") / "email.html").read_text(encoding="utf-8")
    hidden = html.replace('<p><a href="%UNSUBSCRIBE_URL%"', '<p style="display:none"><a href="%UNSUBSCRIBE_URL%"')
    folder = make_report("hidden", **{"email.html": hidden})
    rules = {f.rule for f in failing(lint(folder.parent, ["hidden"], validate_mjml=False))}
    assert "D3" in rules


def test_strict_turns_warnings_into_failure(bad, make_report):
    folder = make_report(**{"email.html": bad("E6-flexbox.html")})
    findings = lint(folder.parent, validate_mjml=False)
    assert not failed(findings) and failed(findings, strict=True)
    assert summary(findings, 1).startswith("lint: 1 report(s) checked, 0 error(s), 1 warning(s)")


def test_e15_warns_when_gmail_mobile_webmail_would_show_the_preheader(make_report):
    folder = make_report()
    html = (folder / "email.html").read_text(encoding="utf-8")
    gmail_mobile = "max-height:0;max-width:0;opacity:0;overflow:hidden;"
    assert gmail_mobile in html
    (folder / "email.html").write_text(html.replace(gmail_mobile, "opacity:0;"), encoding="utf-8")
    [finding] = failing(lint(folder.parent, validate_mjml=False))
    assert (finding.rule, finding.severity) == ("E15", Severity.WARNING)
    assert "Gmail's mobile webmail (which ignores display:none) shows it" in finding.message
