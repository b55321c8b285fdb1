"""Press page HTML → PDF with WeasyPrint (P5): the same HTML and its print stylesheet, plus page rules.

The page's images have public URLs ({site_url}/{slug}/images/…) that may not exist yet; the URL
fetcher serves them from the build's own files and refuses every other address, so building a PDF
never touches the network. Fonts are pinned to DejaVu (Debian fonts-dejavu-core, `make setup`) so
the PDF looks the same on every machine that builds it.
"""

from __future__ import annotations

import io
import logging
import mimetypes

from pipeline.extras import require

require("pdf", "a press PDF (newsroom build --pdf)")

from weasyprint import CSS, HTML  # noqa: E402 - after the check: a missing extra is a message, not a traceback
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

logger = logging.getLogger(__name__)

# Page geometry, running footer and pinned fonts; the page's own `@media print` rules do the rest.
# WeasyPrint applies these as a *user* stylesheet, so they need !important to beat the page's rules.
PAGE_CSS = """
@page {
  size: A4;
  margin: 18mm 18mm 22mm 18mm;
  @bottom-left { content: string(kicker); font: 8pt "DejaVu Sans"; color: #52606d; }
  @bottom-right { content: counter(page) " / " counter(pages); font: 8pt "DejaVu Sans"; color: #52606d; }
}
.kicker { string-set: kicker content(text); }
body { font-family: "DejaVu Serif", serif !important; font-size: 10.5pt !important; }
h1, h2, header, .kicker, .embargo, figcaption, .site-footer, blockquote footer {
  font-family: "DejaVu Sans", sans-serif !important;
}
h1 { font-size: 20pt !important; hyphens: manual !important; }  /* a copied headline must not read "In‐dustrie" */
h2 { font-size: 13pt !important; }
.skip { display: none !important; }
.endmark { letter-spacing: 0 !important; }  /* copies as "###", not "# # #" */
header, main, footer { max-width: none !important; padding-left: 0 !important; padding-right: 0 !important; }
"""


class LocalOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that answers only from `files` (URL → bytes) and refuses the rest."""

    def __init__(self, files: dict[str, bytes]):
        super().__init__(allowed_protocols=())
        self.files = files
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        data = self.files.get(url)
        if data is None:
            self.refused.append(url)
            raise ValueError(f"{url}: not part of this build; PDFs never load from the network")
        mime = mimetypes.guess_type(url)[0] or "application/octet-stream"
        return URLFetcherResponse(url, data, {"Content-Type": mime})


def render_pdf(html: str, assets: dict[str, bytes]) -> bytes:
    """The PDF of one press page; `assets` maps the absolute URLs the page uses to their bytes."""
    fetcher = LocalOnlyFetcher(assets)
    document = HTML(string=html, url_fetcher=fetcher, base_url="about:blank")
    buffer = io.BytesIO()
    document.write_pdf(buffer, stylesheets=[CSS(string=PAGE_CSS)], pdf_identifier=_identifier(html), pdf_tags=True)
    for url in fetcher.refused:
        logger.warning("PDF: left out %s (not a file of this build)", url)
    return buffer.getvalue()


def _identifier(html: str) -> bytes:
    """The PDF /ID from the page itself: the same page gives the same bytes (WeasyPrint's default is random)."""
    import hashlib

    return hashlib.sha256(html.encode()).hexdigest()[:32].encode()
