"""Reading the PDFs the app renders, the same way on every machine.

pypdf reads the text through the fonts' ToUnicode maps that WeasyPrint writes, so no optional tool
(poppler's pdftotext) decides what a test sees. Letter-spaced titles come out with spaces between the
characters in some readers, so a test compares text with the whitespace taken out (`squeezed`).
"""

import io
import re

from pypdf import PdfReader


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, in order."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def squeezed(text: str) -> str:
    """The text without any whitespace: "土 地经营权" and "土地经营权" read the same."""
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: bytes) -> str:
    """The whole document's text without whitespace, with its title and keywords in front."""
    reader = PdfReader(io.BytesIO(pdf))
    info = reader.metadata or {}
    head = " ".join(str(info.get(key) or "") for key in ("/Title", "/Keywords"))
    return squeezed(head + "".join(page.extract_text() or "" for page in reader.pages))
