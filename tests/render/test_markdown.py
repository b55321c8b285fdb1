"""Report Markdown → HTML and text (S3, E11, E17): whole outputs, pinned to what markdown-it-py gives.

Every expected string below was written by markdown-it-py + nh3; the pyromark walk that replaced them
for a while (issue 6) gave the very same bytes, and so does markdown-it-py again since issue 10 retired
it. The bodies of the three sample reports are copied from content/reports/ as they were then, so the
check stays put when the sample content is edited.
"""

import pytest

from pipeline.render import markdown
from pipeline.render.markdown import links_in, to_html, to_text

SAMPLE_BODIES = {  # content/reports/*.yaml, body: (Markdown, HTML, text)
    "industriestandort": (
        ('„Industrie 2030 steht für Zukunftsfähigkeit, Nachhaltigkeit, Digitalisierung und\n'
         'Klimafreundlichkeit“ – so die gemeinsame Zukunftsvision aus der Regionalveranstaltung.\n'
         'Unter der Überschrift **„Gegenwart und Visionen“** diskutierten am 29.11.2021\n'
         'Industrieakteure aus Initiativen, Unternehmen, Gewerkschaften, Verbänden und IHKs über\n'
         'zentrale Herausforderungen und Themen für den Industriestandort in der Metropolregion.\n'
         '\n'
         'Elisabeth Winkelmeier-Becker, Parlamentarische Staatssekretärin beim Bundesminister für\n'
         'Wirtschaft und Energie, wies in einer Keynote auf die Stärken und Potenziale der\n'
         'Metropolregion Berlin-Brandenburg als aufstrebender und bedeutsamer Automobilstandort hin.\n'
         '\n'
         'Dr. Kai Uwe Bindseil, Abteilungsleiter bei Berlin Partner für Wirtschaft und Technologie,\n'
         'und Dr. Peter Eulenhöfer, Bereichsleiter bei der Wirtschaftsförderung Brandenburg (WFBB),\n'
         'stellten in einem gemeinsamen Vortrag die Zusammenarbeit in fünf länderübergreifenden\n'
         'Clustern und die bereits heute bestehende Verzahnung der Innovations- und Industriepolitik vor.\n'
         '\n'
         'Anschließend boten vier parallele Workshops Gelegenheit zum Austausch. In einer\n'
         'abschließenden Podiumsdiskussion wurden die zentralen Schlussfolgerungen aus den\n'
         'verschiedenen Workshops zusammengefasst und Visionen für die Zukunft aufgestellt.\n'),
        ('<p>„Industrie 2030 steht für Zukunftsfähigkeit, Nachhaltigkeit, Digitalisierung und\n'
         'Klimafreundlichkeit“ – so die gemeinsame Zukunftsvision aus der Regionalveranstaltung.\n'
         'Unter der Überschrift <strong>„Gegenwart und Visionen“</strong> diskutierten am 29.11.2021\n'
         'Industrieakteure aus Initiativen, Unternehmen, Gewerkschaften, Verbänden und IHKs über\n'
         'zentrale Herausforderungen und Themen für den Industriestandort in der Metropolregion.</p>\n'
         '<p>Elisabeth Winkelmeier-Becker, Parlamentarische Staatssekretärin beim Bundesminister für\n'
         'Wirtschaft und Energie, wies in einer Keynote auf die Stärken und Potenziale der\n'
         'Metropolregion Berlin-Brandenburg als aufstrebender und bedeutsamer Automobilstandort hin.</p>\n'
         '<p>Dr. Kai Uwe Bindseil, Abteilungsleiter bei Berlin Partner für Wirtschaft und Technologie,\n'
         'und Dr. Peter Eulenhöfer, Bereichsleiter bei der Wirtschaftsförderung Brandenburg (WFBB),\n'
         'stellten in einem gemeinsamen Vortrag die Zusammenarbeit in fünf länderübergreifenden\n'
         'Clustern und die bereits heute bestehende Verzahnung der Innovations- und Industriepolitik vor.</p>\n'
         '<p>Anschließend boten vier parallele Workshops Gelegenheit zum Austausch. In einer\n'
         'abschließenden Podiumsdiskussion wurden die zentralen Schlussfolgerungen aus den\n'
         'verschiedenen Workshops zusammengefasst und Visionen für die Zukunft aufgestellt.</p>'),
        ('„Industrie 2030 steht für Zukunftsfähigkeit, Nachhaltigkeit,\n'
         'Digitalisierung und Klimafreundlichkeit“ – so die gemeinsame\n'
         'Zukunftsvision aus der Regionalveranstaltung. Unter der Überschrift\n'
         '„Gegenwart und Visionen“ diskutierten am 29.11.2021 Industrieakteure aus\n'
         'Initiativen, Unternehmen, Gewerkschaften, Verbänden und IHKs über\n'
         'zentrale Herausforderungen und Themen für den Industriestandort in der\n'
         'Metropolregion.\n'
         '\n'
         'Elisabeth Winkelmeier-Becker, Parlamentarische Staatssekretärin beim\n'
         'Bundesminister für Wirtschaft und Energie, wies in einer Keynote auf die\n'
         'Stärken und Potenziale der Metropolregion Berlin-Brandenburg als\n'
         'aufstrebender und bedeutsamer Automobilstandort hin.\n'
         '\n'
         'Dr. Kai Uwe Bindseil, Abteilungsleiter bei Berlin Partner für Wirtschaft\n'
         'und Technologie, und Dr. Peter Eulenhöfer, Bereichsleiter bei der\n'
         'Wirtschaftsförderung Brandenburg (WFBB), stellten in einem gemeinsamen\n'
         'Vortrag die Zusammenarbeit in fünf länderübergreifenden Clustern und die\n'
         'bereits heute bestehende Verzahnung der Innovations- und\n'
         'Industriepolitik vor.\n'
         '\n'
         'Anschließend boten vier parallele Workshops Gelegenheit zum Austausch.\n'
         'In einer abschließenden Podiumsdiskussion wurden die zentralen\n'
         'Schlussfolgerungen aus den verschiedenen Workshops zusammengefasst und\n'
         'Visionen für die Zukunft aufgestellt.'),
    ),
    "hydrogen_valley": (
        ('This sample report shows an English newsletter. Everything in it is **invented for\n'
         'testing**: names, places and findings are placeholders, not a record of a real event.\n'
         '\n'
         '## What the sessions covered\n'
         '\n'
         'Participants split into three working groups and reported back in a closing plenary.\n'
         'The [sample programme](https://newsroom.example.org/programme) lists the sessions.\n'),
        ('<p>This sample report shows an English newsletter. Everything in it is <strong>invented for\n'
         'testing</strong>: names, places and findings are placeholders, not a record of a real event.</p>\n'
         '<h2>What the sessions covered</h2>\n'
         '<p>Participants split into three working groups and reported back in a closing plenary.\n'
         'The <a href="https://newsroom.example.org/programme" rel="noopener noreferrer">sample programme</a>'
         ' lists the sessions.</p>'),
        ('This sample report shows an English newsletter. Everything in it is\n'
         'invented for testing: names, places and findings are placeholders, not a\n'
         'record of a real event.\n'
         '\n'
         'WHAT THE SESSIONS COVERED\n'
         '\n'
         'Participants split into three working groups and reported back in a\n'
         'closing plenary. The sample programme\n'
         '(https://newsroom.example.org/programme) lists the sessions.'),
    ),
    "kurzmeldung": (
        'Dieser Bericht enthält nur die Pflichtfelder und dient als Testfall.',
        '<p>Dieser Bericht enthält nur die Pflichtfelder und dient als Testfall.</p>',
        'Dieser Bericht enthält nur die Pflichtfelder und dient als Testfall.',
    ),
}

CASES = {  # name: (Markdown, HTML, text)
    "umlauts": (
        ('Die **Förderung** für *Fachkräfte* im Süden – „Zukunft“ & Übergänge, gemeinsam mit\n'
         'den Kammern; Straßenbau und Ölwirtschaft gehören dazu.'),
        ('<p>Die <strong>Förderung</strong> für <em>Fachkräfte</em> im Süden – „Zukunft“ &amp; Übergänge, '
         'gemeinsam mit\n'
         'den Kammern; Straßenbau und Ölwirtschaft gehören dazu.</p>'),
        ('Die Förderung für Fachkräfte im Süden – „Zukunft“ & Übergänge, gemeinsam\n'
         'mit den Kammern; Straßenbau und Ölwirtschaft gehören dazu.'),
    ),
    "nested_list": (
        ('- eins\n'
         '- zwei mit einem recht langen Text, der über die Zeilenbreite von zweiundsiebzig Zeichen hinausgeht\n'
         '  - zwei a\n'
         '  - zwei b\n'
         '- drei'),
        ('<ul>\n'
         '<li>eins</li>\n'
         '<li>zwei mit einem recht langen Text, der über die Zeilenbreite von zweiundsiebzig Zeichen hinausgeht\n'
         '<ul>\n'
         '<li>zwei a</li>\n'
         '<li>zwei b</li>\n'
         '</ul>\n'
         '</li>\n'
         '<li>drei</li>\n'
         '</ul>'),
        ('- eins\n'
         '- zwei mit einem recht langen Text, der über die Zeilenbreite von\n'
         '  zweiundsiebzig Zeichen hinausgeht\n'
         '  - zwei a\n'
         '  - zwei b\n'
         '- drei'),
    ),
    "ordered_list": (  # the text part numbers from 1, and a loose item's paragraphs count on
        ('3. erstens\n'
         '4. zweitens\n'
         '\n'
         '   Absatz im zweiten Punkt\n'
         '5. drittens'),
        ('<ol>\n'
         '<li>\n'
         '<p>erstens</p>\n'
         '</li>\n'
         '<li>\n'
         '<p>zweitens</p>\n'
         '<p>Absatz im zweiten Punkt</p>\n'
         '</li>\n'
         '<li>\n'
         '<p>drittens</p>\n'
         '</li>\n'
         '</ol>'),
        ('1. erstens\n'
         '2. zweitens\n'
         '3. Absatz im zweiten Punkt\n'
         '4. drittens'),
    ),
    "links": (  # targets normalised as markdown-it did: punycode host, percent-encoded path
        ('Mehr im [Programm](https://example.org/programm?jahr=2024&tag=2 "Programm"), '
         'per [E-Mail](mailto:presse@example.org),\n'
         'unter <https://example.org/kontakt> oder bei [Bücher](https://bücher.example/straße).'),
        ('<p>Mehr im <a href="https://example.org/programm?jahr=2024&amp;tag=2" title="Programm" '
         'rel="noopener noreferrer">Programm</a>, per <a href="mailto:presse@example.org" '
         'rel="noopener noreferrer">E-Mail</a>,\n'
         'unter <a href="https://example.org/kontakt" rel="noopener noreferrer">https://example.org/kontakt</a> '
         'oder bei <a href="https://xn--bcher-kva.example/stra%C3%9Fe" rel="noopener noreferrer">Bücher</a>.</p>'),
        ('Mehr im Programm (https://example.org/programm?jahr=2024&tag=2), per\n'
         'E-Mail (presse@example.org), unter https://example.org/kontakt\n'
         '(https://example.org/kontakt) oder bei Bücher\n'
         '(https://xn--bcher-kva.example/stra%C3%9Fe).'),
    ),
    "headings": (  # E11: the page has the only <h1>
        ('# Eins\n'
         '\n'
         '## Zwei\n'
         '\n'
         '### Drei\n'
         '\n'
         '#### Vier\n'
         '\n'
         '###### Sechs'),
        ('<h2>Eins</h2>\n'
         '<h2>Zwei</h2>\n'
         '<h3>Drei</h3>\n'
         '<h3>Vier</h3>\n'
         '<h3>Sechs</h3>'),
        ('EINS\n'
         '\n'
         'ZWEI\n'
         '\n'
         'DREI\n'
         '\n'
         'VIER\n'
         '\n'
         'SECHS'),
    ),
    "raw_html": (  # S3: raw HTML is text, never markup
        ('<script>alert(1)</script>\n'
         '\n'
         'Text mit <b>fett</b> und <img src=x onerror=alert(1)>.\n'
         '\n'
         '<div>\n'
         '*Block*\n'
         '</div>'),
        ('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n'
         '<p>Text mit &lt;b&gt;fett&lt;/b&gt; und &lt;img src=x onerror=alert(1)&gt;.</p>\n'
         '<p>&lt;div&gt;\n'
         '<em>Block</em>\n'
         '&lt;/div&gt;</p>'),
        ('<script>alert(1)</script>\n'
         '\n'
         'Text mit <b>fett</b> und <img src=x onerror=alert(1)>.\n'
         '\n'
         '<div> Block </div>'),
    ),
    "refused_links": (  # S3: links a script could run from stay literal text, entities or not
        ('[klick](javascript:alert(1)) und [daten](data:text/html;base64,PHNjcmlwdD4=),\n'
         '<javascript:alert(1)>, [y](java&#115;cript:alert(1)) und [ref]\n'
         '\n'
         '[ref]: vbscript:msgbox(1)'),
        ('<p>[klick](javascript:alert(1)) und [daten](data:text/html;base64,PHNjcmlwdD4=),\n'
         '&lt;javascript:alert(1)&gt;, [y](javascript:alert(1)) und [ref]</p>\n'
         '<p>[ref]: vbscript:msgbox(1)</p>'),
        ('[klick](javascript:alert(1)) und\n'
         '[daten](data:text/html;base64,PHNjcmlwdD4=), <javascript:alert(1)>,\n'
         '[y](javascript:alert(1)) und [ref]\n'
         '\n'
         '[ref]: vbscript:msgbox(1)'),
    ),
    "code_image_rule": (  # as before: code is bare text in HTML and left out of the text part
        ('Vorher\n'
         '\n'
         '    code <b>\n'
         '\n'
         '![Bild](https://example.org/b.png)\n'
         '\n'
         '---\n'
         '\n'
         '> Zitat\n'
         '> weiter'),
        ('<p>Vorher</p>\n'
         'code &lt;b&gt;\n'
         '\n'
         '<p></p>\n'
         '\n'
         '<blockquote>\n'
         '<p>Zitat\n'
         'weiter</p>\n'
         '</blockquote>'),
        ('Vorher\n'
         '\n'
         '\n'
         '\n'
         'Zitat weiter'),
    ),
}


@pytest.mark.parametrize("name", SAMPLE_BODIES)
def test_sample_bodies_give_the_html_and_text_they_gave_before(name):
    body, html, text = SAMPLE_BODIES[name]
    assert to_html(body) == html
    assert to_text(body) == text


@pytest.mark.parametrize("name", CASES)
def test_markdown_gives_the_html_and_text_it_gave_before(name):
    body, html, text = CASES[name]
    assert to_html(body) == html
    assert to_text(body) == text


def test_text_width_is_a_parameter():
    assert to_text(CASES["nested_list"][0], width=40) == (
        "- eins\n"
        "- zwei mit einem recht langen Text, der\n"
        "  über die Zeilenbreite von\n"
        "  zweiundsiebzig Zeichen hinausgeht\n"
        "  - zwei a\n"
        "  - zwei b\n"
        "- drei")


def test_links_in_lists_https_and_mailto_targets_in_order():
    assert links_in(CASES["links"][0]) == [
        "https://example.org/programm?jahr=2024&tag=2",
        "mailto:presse@example.org",
        "https://example.org/kontakt",
        "https://xn--bcher-kva.example/stra%C3%9Fe",
    ]
    assert links_in(CASES["refused_links"][0]) == []
    assert links_in("[alt](http://example.org) ![Bild](https://example.org/b.png) [neu](https://example.org/n)") == [
        "https://example.org/n"]


def test_html_and_text_of_one_body_come_from_one_parse_and_nothing_outlives_the_report():
    """The renderer calls to_html and to_text on the same body one after the other: they share one
    pass, and no cache holds earlier reports (issue 6: the benchmark must see the real cost)."""
    assert markdown._parsed.cache_info().maxsize == 1
    assert not hasattr(to_html, "cache_info") and not hasattr(to_text, "cache_info")
    first, second = SAMPLE_BODIES["industriestandort"][0], SAMPLE_BODIES["hydrogen_valley"][0]
    assert (to_html(first), to_html(second), to_text(first)) == (SAMPLE_BODIES["industriestandort"][1],
                                                                 SAMPLE_BODIES["hydrogen_valley"][1],
                                                                 SAMPLE_BODIES["industriestandort"][2])


# --- links check refuses (E19) -------------------------------------------------------------------

@pytest.mark.parametrize(("target", "message", "hint"), [
    ("//host.example/x", "has no scheme", "write it in full: https://host.example/x"),
    ("foo.html", "is not a full web address", "starting with https://"),
    ("/x", "is not a full web address", "starting with https://"),
    ("#a", "is not a full web address", "starting with https://"),
    ("https:foo", "is not a full web address", "starting with https://"),
    ("http://example.org/a", "uses http:", "write https://example.org/a"),
    ("javascript:alert(1)", "uses javascript:", "https:// web addresses or mailto:"),
    ("data:text/html,x", "uses data:", "https:// web addresses or mailto:"),
    ("mailto:", "has no e-mail address", "mailto:presse@example.org"),
    ("HTTPS://example.org", "has its scheme in capitals", "lower case"),
])
def test_link_problems_name_each_link_that_is_not_absolute_https_or_mailto(target, message, hint):
    problems = markdown.link_problems(f"Erste Zeile\nund [der Link]({target}) hier.")
    assert [(p.line, p.target, p.message) for p in problems] == [(1, target, f"the link '{target}' {message}")]
    assert hint in problems[0].hint


def test_link_problems_finds_autolinks_and_reference_definitions_on_their_lines():
    text = "Absatz\n\n- <http://example.org>\n- [ref]\n\n[ref]: vbscript:msgbox(1)\n"
    assert [(p.line, p.target) for p in markdown.link_problems(text)] == [
        (2, "http://example.org"), (3, "vbscript:msgbox(1)")]


def test_absolute_https_and_mailto_links_and_the_sample_bodies_have_no_problem():
    assert markdown.link_problems(CASES["links"][0]) == []
    assert markdown.link_problems("![Bild](bild.png) `[x](y)`") == []  # images and code are no links
    for body, _, _ in SAMPLE_BODIES.values():
        assert markdown.link_problems(body) == []


def test_link_problems_names_the_links_markdown_it_leaves_as_text_entities_and_escapes_too():
    assert [(p.line, p.target) for p in markdown.link_problems(CASES["refused_links"][0])] == [
        (0, "javascript:alert(1)"), (0, "data:text/html;base64,PHNjcmlwdD4="), (1, "javascript:alert(1)"),
        (1, "javascript:alert(1)"), (1, "vbscript:msgbox(1)")]
    assert [p.target for p in markdown.link_problems("[x](javascript\\:alert(1))")] == ["javascript:alert(1)"]
