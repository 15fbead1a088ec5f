"""PDFs: read them (pypdfium2), find their identifiers, and make items out of them offline.

- `reader`: open a PDF with pypdfium2 (PDFium, Chrome's PDF engine: robust on damaged files,
  pages loaded on demand, per-character font data, a self-contained wheel) and read its page
  count, Info dictionary, XMP packet and page texts. `page_texts` walks a whole document page by
  page for full-text indexing.
- `identifiers`: DOI, arXiv ID, PMID, PMCID and ISBN finders for the messy text PDFs give.
- `recognise`: `recognise(path) -> Recognised`, an item with notes and a review flag.

Every failure to read a file is a `PdfError` (a `FormatError`) whose message names the file.
"""

from __future__ import annotations

from citelib.pdf.identifiers import Identifier, find_identifiers
from citelib.pdf.reader import PdfError, PdfInfo, page_count, page_texts, read_pdf
from citelib.pdf.recognise import Recognised, recognise

__all__ = [
    "Identifier",
    "PdfError",
    "PdfInfo",
    "Recognised",
    "find_identifiers",
    "page_count",
    "page_texts",
    "read_pdf",
    "recognise",
]
