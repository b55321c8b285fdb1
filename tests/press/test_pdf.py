"""The press release PDF (P5): made by WeasyPrint from the press page; a journalist's text is all in it."""

from __future__ import annotations

import io
import subprocess

import pytest
from press_support import BEFORE, SEED, embargoed_project

from pipeline.build import Project, build
from pipeline.pdf import LocalOnlyFetcher, render_pdf


def pdf_text(data: bytes) -> str:
    """The PDF's text with pypdf, whitespace collapsed (line breaks fall anywhere)."""
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory):
    """The seed's PDF as `newsroom build --pdf` writes it (no embargo, the repository's content)."""
    from press_support import copy_project

    root = copy_project(tmp_path_factory.mktemp("pdf") / "project")
    build(Project(root), [root / "content" / "reports" / f"{SEED}.yaml"], now=BEFORE, pdf=True)
    return (root / "out" / SEED / "press.pdf").read_bytes()


def test_the_pdf_has_headline_dateline_quote_contact_and_imprint(seed_pdf):
    text = pdf_text(seed_pdf)
    for expected in (
        "PRESSEMITTEILUNG · SERVICE- UND BERATUNGSSTELLE FÜR REGIONALE INDUSTRIEINITIATIVEN",
        "Regionalveranstaltung zur Zukunft des Industriestandortes Berlin-Brandenburg",
        "Berlin, 29. November 2021 – Industrie 2030 steht für Zukunftsfähigkeit",
        "„Industrie 2030 steht für Zukunftsfähigkeit, Nachhaltigkeit, Digitalisierung und Klimafreundlichkeit.“",
        "Über die Service- und Beratungsstelle",
        "Pressekontakt Service- und Beratungsstelle für regionale Industrieinitiativen E-Mail: kontakt@example.org",
        "###",
        "Impressum: Service- und Beratungsstelle für regionale Industrieinitiativen (Musterträger e. V.),"
        " Musterstraße 1, 10115 Berlin · Vertreten durch: Vorstand Erika Mustermann",
    ):
        assert expected in text, expected
    # the print stylesheet spells out where links lead; navigation and the skip link are not printed
    assert "Datenschutzerklärung (https://newsroom.example.org/datenschutz)" in text
    assert "Als PDF herunterladen" not in text and "Zum Inhalt springen" not in text


def test_pdftotext_and_pdfinfo_agree(seed_pdf, tmp_path):
    path = tmp_path / "press.pdf"
    path.write_bytes(seed_pdf)
    first = subprocess.run(["pdftotext", "-l", "1", str(path), "-"], capture_output=True, text=True, check=True)
    headline = "Regionalveranstaltung zur Zukunft des Industriestandortes Berlin-Brandenburg"
    assert headline in " ".join(first.stdout.split())
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert {key: fields[key].strip() for key in ("Title", "Author", "Page size", "Tagged")} == {
        "Title": "Regionalveranstaltung zur Zukunft des Industriestandortes Berlin-Brandenburg – Pressemitteilung – "
                 "Service- und Beratungsstelle für regionale Industrieinitiativen",
        "Author": "Service- und Beratungsstelle für regionale Industrieinitiativen",
        "Page size": "595.276 x 841.89 pts (A4)",
        "Tagged": "yes",
    }


def test_the_hero_image_comes_from_the_build_not_the_network(seed_pdf):
    from pypdf import PdfReader

    images = {image.name for page in PdfReader(io.BytesIO(seed_pdf)).pages for image in page.images}
    assert len(images) == 1  # the title graphic, served by LocalOnlyFetcher from out/<slug>/images/


def test_the_same_page_gives_the_same_bytes():
    html = "<!DOCTYPE html><html lang='de'><head><title>T</title></head><body><h1>Überschrift</h1></body></html>"
    assert render_pdf(html, {}) == render_pdf(html, {})


def test_other_addresses_are_refused_and_left_out():
    fetcher = LocalOnlyFetcher({"https://site.example/a.png": b"\x89PNG"})
    with pytest.raises(ValueError, match="never load from the network"):
        fetcher.fetch("https://tracker.example/pixel.gif")
    html = "<html><body><h1>T</h1><img src='https://tracker.example/pixel.gif' alt='x'></body></html>"
    assert pdf_text(render_pdf(html, {})).startswith("T")


def test_an_embargoed_release_pdf_starts_with_the_sperrfrist(tmp_path):
    root = embargoed_project(tmp_path / "project")
    build(Project(root), [root / "content" / "reports" / f"{SEED}.yaml"], now=BEFORE, pdf=True)
    text = pdf_text((root / "out" / SEED / "press.pdf").read_bytes())
    assert text.startswith("PRESSEMITTEILUNG · SERVICE- UND BERATUNGSSTELLE FÜR REGIONALE INDUSTRIEINITIATIVEN "
                           "SPERRFRIST: 01.12.2026, 10:00 Uhr Regionalveranstaltung")
    assert "Berlin, 1. Dezember 2026 –" in text
