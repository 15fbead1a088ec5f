"""Make an item out of a PDF, offline: `recognise(path) -> Recognised`.

Evidence is weighed in a fixed order, most trusted first:
1. identifiers: a DOI in the XMP metadata or the Info dictionary (publishers put it there), then
   one on the first page (labelled `doi:` or a doi.org link first), then on the next pages; DOIs
   after a `References` heading belong to other works and are never taken. An arXiv stamp (the
   rotated `arXiv:2301.01234v2 [cs.LG] 3 Jan 2023` in the margin) or an arXiv-style file name
   makes a preprint; an ISBN a book. These are what a later online lookup will use
   (`Recognised.identifiers`, best first).
2. title and authors: metadata (XMP dc:title/dc:creator, Info Title/Author) when it is
   plausible and found again on page 1; else the largest text on page 1 and the names on the
   lines under it; else metadata nobody confirms; else the file name.
3. year: the publication date in XMP (prism:coverDate...), the arXiv stamp's date, `Published`,
   `Available online`, `©`, `Accepted`, `Received` on page 1, a year in the file name, and at
   last the creation date of a PDF with text (never of a scan: that is the day it was scanned).

Everything guessed from layout or file names is marked `needs_review`. PDFs are read through
`citelib.pdf.reader` (pypdfium2; see there why); nothing here touches PDFium directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from citelib.formats import Problem
from citelib.formats.normalise import normalise_item
from citelib.model import Creator, Item, title_key
from citelib.pdf.identifiers import (
    Identifier,
    find_arxiv_ids,
    find_dois,
    find_isbns,
    find_pmcids,
    find_pmids,
    prepare_text,
    references_start,
)
from citelib.pdf.reader import FIRST_PAGES, PdfInfo, join_hyphenated, read_pdf
from citelib.pdf.titlepage import (
    DATE_CUES,
    FILE_YEAR,
    OWN_NAME,
    STAMP_DATE,
    abstract_text,
    clean_file_title,
    file_stem,
    first_line,
    iso_date,
    layout_authors,
    layout_title,
    make_creator,
    plausible_name,
    plausible_title,
    split_names,
)
from citelib.pdf.xmp import Xmp

# How many pages an item with an ISBN must have to be taken for a whole book.
BOOK_PAGES: Final = 40


@dataclass
class Recognised:
    """What `recognise` made of a PDF.

    `item` is ready to store (normalised). `needs_review` is true when any of title, authors or
    year was guessed (from the page layout, unconfirmed metadata or the file name) or no
    identifier was found; the import should flag the item for the user. `notes` say in plain
    words what was found where (for a log or the item pane). `problems` are warnings about the
    file itself (an unreadable page, broken XMP). `identifiers` lists what a lookup should try,
    best first (DOI, then arXiv, PMID, PMCID, ISBN).
    """

    item: Item
    needs_review: bool
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    page_count: int = 0
    has_text: bool = True

    @property
    def identifier(self) -> Identifier | None:
        """The best identifier to look the item up by, if any."""
        return self.identifiers[0] if self.identifiers else None


def recognise(
    path: str | Path, *, pages: int = FIRST_PAGES, password: str | None = None
) -> Recognised:
    """Build the best item for the PDF at `path` from its metadata and first `pages` pages.

    Raises `citelib.pdf.PdfError` (a `FormatError`) with a message naming the file when it
    cannot be read at all: missing, zero bytes, not a PDF, damaged, encrypted with a password.
    Anything less ends in an item.
    """
    info = read_pdf(path, pages=pages, password=password)
    return _Recogniser(info).run()


# ---------------------------------------------------------------------------------------------
# The recogniser


_ARXIV_FILE: Final = re.compile(
    r"^(?:arxiv[_.: -]?)?(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?_\d{7})(v\d+)?$", re.IGNORECASE
)
_XMP_DOI_KEYS: Final = ("prism:doi", "pdfx:doi", "crossmark:DOI", "pdfx:WPS-ARTICLEDOI")


# Candidate ranks: 0-1 metadata, 2-3 page 1 (labelled, not), 4-5 later pages, 3 the file name.
_LABELLED_LATER: Final = 4


@dataclass
class _Candidate:
    ident: Identifier
    rank: int
    where: str


class _Recogniser:
    def __init__(self, info: PdfInfo) -> None:
        self.info = info
        self.path = info.path
        self.notes: list[str] = []
        self.review: list[str] = []
        self.xmp = info.xmp or Xmp({})
        self.prepared = [prepare_text(t) for t in info.texts]
        self.bodies: list[str] = []
        self.references_seen = False
        for text in self.prepared:
            if self.references_seen:
                self.bodies.append("")
                continue
            cut = references_start(text)
            if cut is not None:
                self.references_seen = True
                self.bodies.append(text[:cut])
            else:
                self.bodies.append(text)
        self.page1_key = title_key(join_hyphenated(info.texts[0]) if info.texts else "")

    # -- identifiers ------------------------------------------------------------------------

    def _meta_text(self) -> list[tuple[str, int, str]]:
        """Metadata values to search for identifiers: (text, rank, where)."""
        out: list[tuple[str, int, str]] = []
        for key in _XMP_DOI_KEYS:
            for value in self.xmp.get(key):
                out.append((value, 0, "the XMP metadata"))
        for key in ("doi", "DOI", "WPS-ARTICLEDOI"):
            if key in self.info.info:
                out.append((self.info.info[key], 0, "the PDF's Info dictionary"))
        for key, values in self.xmp.values.items():
            if key in _XMP_DOI_KEYS or key.startswith(("xmpMM:", "pdfaid:", "{")):
                continue
            if key in ("pdf:Producer", "xmp:CreatorTool"):
                continue
            for value in values:
                out.append((value, 1, "the XMP metadata"))
        for key in ("Subject", "Keywords", "Title"):
            if key in self.info.info:
                out.append((self.info.info[key], 1, "the PDF's Info dictionary"))
        return out

    def identifiers(self) -> tuple[list[_Candidate], list[_Candidate], list[_Candidate]]:
        """DOI, arXiv and other candidates, each list best first."""
        dois: list[_Candidate] = []
        arxiv: list[_Candidate] = []
        others: list[_Candidate] = []
        for text, rank, where in self._meta_text():
            prepared = prepare_text(text)
            for ident in find_dois(prepared, prepared=True):
                if ident.value.casefold().startswith("10.48550/arxiv."):
                    continue
                dois.append(_Candidate(ident, rank, where))
            for ident in find_arxiv_ids(prepared, prepared=True):
                arxiv.append(_Candidate(ident, rank, where))
            for ident in find_isbns(prepared, prepared=True):
                others.append(_Candidate(ident, rank, where))
        for page, body in enumerate(self.bodies):
            where = f"page {page + 1}"
            base = 2 if page == 0 else 4
            for ident in find_dois(body, prepared=True):
                if ident.value.casefold().startswith("10.48550/arxiv."):
                    continue
                dois.append(_Candidate(ident, base + (0 if ident.labelled else 1), where))
            for ident in find_arxiv_ids(body, prepared=True):
                arxiv.append(_Candidate(ident, base + (0 if ident.labelled else 1), where))
            for finder in (find_pmids, find_pmcids, find_isbns):
                for ident in finder(body, prepared=True):
                    others.append(_Candidate(ident, base, where))
        stem = file_stem(self.path)
        m = _ARXIV_FILE.match(stem)
        if m:
            value = m.group(1).replace("_", "/")
            for ident in find_arxiv_ids(f"arXiv:{value}{m.group(2) or ''}"):
                arxiv.append(_Candidate(ident, 3, "the file name"))
        return _best(dois), _best(arxiv), _best(others)

    def references_dois(self) -> int:
        count = 0
        for text in self.prepared:
            cut = references_start(text)
            if cut is not None:
                count += len(find_dois(text[cut:], prepared=True))
        return count

    def arxiv_stamp(self) -> Identifier | None:
        """The arXiv ID of the stamp arXiv prints in the margin of page 1, if there is one."""
        for line in self.info.first_page_lines:
            if line.rotated or STAMP_DATE.search(line.text):
                found = find_arxiv_ids(line.text)
                if found:
                    return found[0]
        return None

    # -- title and creators -----------------------------------------------------------------

    def confirmed(self, text: str) -> bool:
        key = title_key(text)
        return bool(key) and key in self.page1_key

    def size_on_page(self, text: str) -> float:
        """The largest font size of the page-1 lines that are part of `text`."""
        key = title_key(text)
        sizes = [
            line.size
            for line in self.info.first_page_lines
            if len(part := title_key(line.main_text)) >= 6 and part in key
        ]
        return max(sizes, default=0.0)

    def meta_creators(self) -> tuple[list[Creator], str]:
        names = [
            name
            for value in self.xmp.get("dc:creator")
            for name in (split_names(value) if ";" in value or " and " in value else [value])
        ]
        where = "the XMP metadata"
        if not names and self.info.info.get("Author"):
            names = split_names(self.info.info["Author"])
            where = "the PDF's Info dictionary"
        creators = []
        for name in names:
            if plausible_name(name):
                creator = make_creator(name)
                if creator is not None:
                    creators.append(creator)
        return creators, where

    def creators_confirmed(self, creators: list[Creator]) -> bool:
        return bool(creators) and all(
            title_key(c.family or c.literal) in self.page1_key for c in creators
        )

    # -- date -------------------------------------------------------------------------------

    def date(self) -> tuple[str, str, bool]:
        """(date, where it came from, trusted)."""
        for key in (
            "prism:coverDate",
            "prism:publicationDate",
            "prism:coverDisplayDate",
            "dc:date",
        ):
            value = iso_date(self.xmp.first(key))
            if value:
                return value, f"the XMP metadata ({key})", True
        page1 = self.prepared[0] if self.prepared else ""
        stamp = STAMP_DATE.search(page1)
        if stamp:
            value = iso_date(stamp.group(1))
            if value:
                return value, "the arXiv stamp on page 1", True
        for label, pattern in DATE_CUES:
            m = pattern.search(self.bodies[0] if self.bodies else "")
            value = iso_date(m.group(1)) or iso_date(m.group(2)) if m else ""
            if value and label in ("accepted", "received"):
                # The day a paper was received is not the day it came out; the year may be.
                return value[:4], f"'{label}' on page 1", False
            if value:
                return value, f"'{label}' on page 1", True
        stem = file_stem(self.path)
        own = OWN_NAME.match(stem)
        named = FILE_YEAR.search(stem)
        if own is not None or named is not None:
            year = own.group("year") if own is not None else named.group(1) if named else ""
            if iso_date(year):
                return year, "the file name", False
        if not self.info.has_text:
            return "", "", False  # a scan's creation date is the day it was scanned
        for value, where in (
            (self.xmp.first("xmp:CreateDate"), "the PDF's creation date (XMP)"),
            (self.info.info.get("CreationDate", ""), "the PDF's creation date"),
        ):
            year = iso_date(value)[:4]
            if year:
                return year, where, False
        return "", "", False

    # -- putting it together ----------------------------------------------------------------

    def run(self) -> Recognised:
        info = self.info
        source = info.path.name
        problems = [Problem(source, None, None, w, "warning") for w in info.warnings]
        if info.encrypted:
            self.notes.append("encrypted; opened without a password")
        has_text = info.has_text
        if not has_text:
            shown = min(len(info.texts), info.page_count)
            where = "page 1" if shown == 1 else f"the first {shown} pages"
            self.notes.append(f"no text on {where} (a scanned PDF?)")

        dois, arxivs, others = self.identifiers()
        stamp = self.arxiv_stamp()
        item = Item("document")
        chosen: list[Identifier] = []

        meta_doi = dois[0] if dois and dois[0].rank <= 1 else None
        # On page 1 any DOI; after it only a labelled one (unlabelled ones there are citations).
        text_doi = dois[0] if dois and 1 < dois[0].rank <= _LABELLED_LATER else None
        # The arXiv ID of this PDF: arXiv's stamp, metadata or the file name say so; an arXiv
        # ID in the text of a PDF with a DOI is more likely a citation.
        arxiv = None
        if stamp is not None:
            arxiv = _Candidate(stamp, 0, "the arXiv stamp on page 1")
        else:
            trusted = [c for c in arxivs if c.rank <= 1 or c.where == "the file name"]
            if trusted:
                arxiv = trusted[0]
            elif arxivs and not dois:
                arxiv = arxivs[0]

        if meta_doi is not None:
            item.item_type = "journalArticle"
            item.set("DOI", meta_doi.ident.value)
            chosen.append(meta_doi.ident)
            self.notes.append(f"DOI {meta_doi.ident.value} from {meta_doi.where}")
        elif arxiv is not None and stamp is not None:
            if text_doi is not None:
                self.notes.append(
                    f"DOI {text_doi.ident.value} on {text_doi.where} not used: the PDF is an "
                    "arXiv preprint (it may be the published version's DOI)"
                )
        elif text_doi is not None:
            item.item_type = "journalArticle"
            item.set("DOI", text_doi.ident.value)
            chosen.append(text_doi.ident)
            self.notes.append(f"DOI {text_doi.ident.value} from {text_doi.where}")
            if text_doi.rank >= _LABELLED_LATER:
                self.review.append(f"DOI found only on {text_doi.where}")
        for extra in dois[1:4]:
            if extra.ident.value.casefold() != item.get("DOI").casefold():
                self.notes.append(f"other DOI on {extra.where}: {extra.ident.value}")
        refs = self.references_dois()
        if refs:
            self.notes.append(f"{refs} DOI{'s' if refs != 1 else ''} in the reference list ignored")

        if arxiv is not None:
            ident = arxiv.ident
            item.set("arXiv", ident.value)
            chosen.append(ident)
            version = f" (version {ident.version[1:]})" if ident.version else ""
            self.notes.append(f"arXiv ID {ident.value}{version} from {arxiv.where}")
            if not item.get("DOI"):
                item.item_type = "preprint"
                item.set("publisher", "arXiv")
                item.set("url", f"https://arxiv.org/abs/{ident.value}")

        for cand in others:
            ident = cand.ident
            if ident.kind in ("PMID", "PMCID") and not item.get(ident.kind):
                item.set(ident.kind, ident.value)
                chosen.append(ident)
                self.notes.append(f"{ident.kind} {ident.value} from {cand.where}")
        isbns = [c for c in others if c.ident.kind == "ISBN"]
        if isbns and item.item_type != "document":
            # An article's page may name a book; an ISBN field would make it a duplicate of
            # every other item with that ISBN.
            self.notes.append(f"ISBN {isbns[0].ident.value} on {isbns[0].where} not used")
        elif isbns:
            item.set("ISBN", " ".join(c.ident.value for c in isbns[:2]))
            chosen.extend(c.ident for c in isbns)
            self.notes.append(f"ISBN {isbns[0].ident.value} from {isbns[0].where}")
            if item.item_type == "document":
                if info.page_count >= BOOK_PAGES:
                    item.item_type = "book"
                else:
                    self.notes.append(
                        f"an ISBN but only {info.page_count} pages: a chapter or a paper in a "
                        "book? kept as a document"
                    )
        aggregation = self.xmp.first("prism:aggregationType").casefold()
        if item.item_type == "document" and aggregation == "journal":
            item.item_type = "journalArticle"
        elif item.item_type == "document" and aggregation == "book":
            item.item_type = "book"

        self.fill_title_and_creators(item)
        self.fill_date(item)
        self.fill_publication(item)
        if has_text and not item.get("abstract"):
            abstract = abstract_text(info.first_page_lines)
            if abstract:
                item.set("abstract", abstract)
                self.notes.append("abstract from page 1")

        if not chosen:
            self.review.append("no identifier found")
        normalise_item(item)
        ordered = _order(chosen)
        return Recognised(
            item=item,
            needs_review=bool(self.review),
            notes=self.notes + [f"to review: {r}" for r in self.review],
            problems=problems,
            identifiers=ordered,
            page_count=info.page_count,
            has_text=has_text,
        )

    def fill_title_and_creators(self, item: Item) -> None:
        info = self.info
        stem = file_stem(self.path)
        meta_title, meta_where = "", ""
        for value, where in (
            (self.xmp.first("dc:title"), "the XMP metadata"),
            (info.info.get("Title", ""), "the PDF's Info dictionary"),
        ):
            text = " ".join(value.split())
            if text and plausible_title(text, stem):
                meta_title, meta_where = text, where
                break
        page_title, after, size = layout_title(self.info.first_page_lines)
        own = OWN_NAME.match(stem)

        # Metadata confirmed by page 1 wins, unless it is set in smaller type than the title the
        # layout shows (a journal's name as Info Title, found again in the running header).
        confirmed = bool(meta_title) and self.confirmed(meta_title)
        if confirmed and page_title and self.size_on_page(meta_title) < size - 0.5:
            self.notes.append(f"title {meta_title!r} from {meta_where} not used")
            meta_title, confirmed = "", False
        if confirmed:
            item.set("title", meta_title)
            self.notes.append(f"title from {meta_where}, also on page 1")
        elif page_title:
            item.set("title", page_title)
            self.notes.append("title from the largest text on page 1")
            self.review.append("title guessed from the page layout")
        elif meta_title:
            item.set("title", meta_title)
            where = "" if not info.has_text else ", not found on page 1"
            self.notes.append(f"title from {meta_where}{where}")
            self.review.append("title from metadata nothing confirms")
        elif own is not None:
            item.set("title", own.group("title").strip())
            self.notes.append("title from the file name")
            self.review.append("title from the file name")
        elif info.has_text and first_line(self.info.first_page_lines):
            item.set("title", first_line(self.info.first_page_lines))
            self.notes.append("title from the first line of page 1")
            self.review.append("title guessed from the first line of page 1")
        else:
            title = clean_file_title(self.path) or self.path.name
            item.set("title", title)
            self.notes.append("title from the file name")
            self.review.append("title from the file name")

        creators, where = self.meta_creators()
        page_names = layout_authors(self.info.first_page_lines, after, size) if page_title else []
        if creators and self.creators_confirmed(creators):
            self.notes.append(f"authors from {where}, also on page 1")
        elif page_names:
            creators = [c for c in (make_creator(n) for n in page_names) if c is not None]
            self.notes.append("authors from the line under the title on page 1")
            self.review.append("authors guessed from the page layout")
        elif creators:
            self.notes.append(f"authors from {where}")
            self.review.append("authors from metadata nothing confirms")
        elif own is not None:
            creator = make_creator(own.group("creator"))
            creators = [creator] if creator is not None else []
            self.notes.append("first author from the file name")
            self.review.append("authors from the file name")
        else:
            self.review.append("no authors found")
        item.creators = creators

    def fill_date(self, item: Item) -> None:
        value, where, trusted = self.date()
        if value:
            item.set("date", value)
            self.notes.append(f"date from {where}")
            if not trusted:
                self.review.append(f"date from {where}")
        else:
            self.review.append("no date found")

    def fill_publication(self, item: Item) -> None:
        xmp = self.xmp
        for name, keys in (
            ("publicationTitle", ("prism:publicationName",)),
            ("volume", ("prism:volume",)),
            ("issue", ("prism:number", "prism:issueIdentifier")),
            ("ISSN", ("prism:issn", "prism:eIssn")),
            ("publisher", ("dc:publisher",)),
            ("language", ("dc:language",)),
        ):
            value = xmp.first(*keys)
            if value and not item.get(name) and value.casefold() not in ("x-unknown", "unknown"):
                item.set(name, value)
        first, last = xmp.first("prism:startingPage"), xmp.first("prism:endingPage")
        if first:
            item.set("pages", f"{first}-{last}" if last and last != first else first)


def _best(cands: list[_Candidate]) -> list[_Candidate]:
    """Candidates by rank (then first found), each value once."""
    seen: set[str] = set()
    out: list[_Candidate] = []
    for cand in sorted(cands, key=lambda c: c.rank):  # sorted() is stable: page order stays
        key = cand.ident.value.casefold()
        if key not in seen:
            seen.add(key)
            out.append(cand)
    return out


_KIND_ORDER: Final = {"DOI": 0, "arXiv": 1, "PMID": 2, "PMCID": 3, "ISBN": 4}


def _order(idents: list[Identifier]) -> list[Identifier]:
    seen: set[tuple[str, str]] = set()
    out: list[Identifier] = []
    for ident in sorted(idents, key=lambda i: _KIND_ORDER[i.kind]):
        key = (ident.kind, ident.value.casefold())
        if key not in seen:
            seen.add(key)
            out.append(ident)
    return out
