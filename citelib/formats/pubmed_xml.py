"""PubMed XML: what E-utilities' efetch (`db=pubmed&retmode=xml`) and PubMed's XML export give.

Read only. The file is a `PubmedArticleSet` of `PubmedArticle` (a journal article, preprint, ...)
and `PubmedBookArticle` (a Bookshelf book or chapter) records, and sometimes `DeleteCitation`
(PMIDs withdrawn from PubMed: a warning each, nothing imported).

Safety: lxml parses with entities unresolved, no DTD loaded and no network (see `_Reader.run`).
The `<!DOCTYPE PubmedArticleSet PUBLIC ... pubmed_250101.dtd>` every file starts with is never
fetched; an external entity is never read (a `&xxe;` reference stays in the text as `&xxe;`);
an entity expansion bomb stops the parser with an error (libxml2's amplification limit), and
`huge_tree` stays off. Records are parsed one at a time (`iterparse`) and freed after use, so a
200 MB file does not become a 2 GB tree.

Problems: broken XML is an error with its line number; the records before the break are kept
(and the caller decides whether to import them). A file whose root is not a PubMed article set is
an error; an empty file or a set with no articles is a warning.

Mapping: the same article read from PubMed XML and from MEDLINE (`citelib.formats.pubmed`) gives
the same item, as far as the two formats say the same things: the date is MEDLINE's `DP` text
(`2015 Mar 7`, or `MedlineDate` as written), MeSH headings become tags in MEDLINE's
`Descriptor/*Qualifier` form (`*` marks a major topic), the journal abbreviation is `MedlineTA`,
abbreviated page ranges are expanded, the type comes from the publication types, and what has no
field is kept in `extra` under the MEDLINE tag NLM prints for it (`PubMed AD: ...` for an
affiliation, `PubMed AUID: ORCID: ...`, `PubMed GR: ...`, `PubMed PHST: 2024/01/02 00:00
[received]`), so that a MEDLINE export writes them back as MEDLINE tags. Elements with no MEDLINE
tag are kept as `PubMed <ElementName>: text`; nothing in a record is dropped without a trace.
Titles and abstracts keep the text of inline markup (`<i>`, `<sup>`, `<sub>`, `<b>`) and lose the
markup; runs of white space become one space. Labelled abstract sections become paragraphs
(`BACKGROUND: ...`) separated by a newline. Text that looks like HTML or a `javascript:` link is
stored as text, never interpreted.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import BinaryIO, Final, Literal

from lxml import etree

from citelib.formats import Problem, ReadResult
from citelib.formats.encoding import EncodedText, watched
from citelib.formats.normalise import clean_doi, clean_issn
from citelib.formats.pubmed import (
    EXTRA_PREFIX,
    TYPES_OUT,
    expand_pages,
    type_from_publication_types,
)
from citelib.gcpause import collector_paused
from citelib.model import Creator, CreatorRole, Item

# How much of the start of a file is looked at for an internal DTD subset and its encoding.
_HEAD: Final = 65536

_RECORD_TAGS: Final = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
_ROOTS: Final = frozenset(("PubmedArticleSet", "PubmedBookArticleSet"))
# CommentsCorrections RefType -> MEDLINE tag.
COMMENT_TAGS: Final[dict[str, str]] = {
    "CommentOn": "CON",
    "CommentIn": "CIN",
    "ErratumIn": "EIN",
    "ErratumFor": "EFR",
    "CorrectedandRepublishedIn": "CRI",
    "CorrectedandRepublishedFrom": "CRF",
    "PartialRetractionIn": "PRIN",
    "PartialRetractionOf": "PROF",
    "RepublishedFrom": "RPF",
    "RepublishedIn": "RPI",
    "RetractionOf": "ROF",
    "RetractionIn": "RIN",
    "UpdateIn": "UIN",
    "UpdateOf": "UOF",
    "SummaryForPatientsIn": "SPIN",
    "OriginalReportIn": "ORI",
    "ExpressionOfConcernIn": "ECI",
    "ExpressionOfConcernFor": "ECF",
}
# Elements holding one value, kept in `extra` under the MEDLINE tag NLM uses for them.
EXTRA_TAGS: Final[dict[str, str]] = {
    "CoiStatement": "COIS",
    "VernacularTitle": "TT",
    "CitationSubset": "SB",
    "NlmUniqueID": "JID",
    "PublicationStatus": "PST",
    "OtherID": "OID",
    "SpaceFlightMission": "SFM",
    "NumberOfReferences": "RF",
    "VolumeTitle": "VTI",
}
_MONTH_NUMBERS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
)  # fmt: skip
_DECLARED_ENCODING: Final = re.compile(r"""(<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")
_SNIFF: Final = re.compile(r"<(?:!DOCTYPE\s+)?Pubmed(?:Book)?Article(?:Set)?[\s>]")
_SPACE: Final = re.compile(r"\s+")


def sniff(head: str) -> bool:
    """Whether the start of a file looks like PubMed XML (its DOCTYPE or root element)."""
    return _SNIFF.search(head) is not None


def read(text: str, source: str = "<input>") -> ReadResult:
    """Parse PubMed XML text into items and problems. Never raises."""
    reader = _Reader(source)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        reader.problem(None, None, "no records: the file is empty", warning=True)
    else:
        # The text is already decoded: parse it as UTF-8 whatever its declaration says.
        head = _DECLARED_ENCODING.sub(r"\1", text[:_HEAD], count=1)
        with collector_paused():
            reader.run(EncodedText(head + text[_HEAD:]))
    return ReadResult(reader.items, reader.problems, reader.records, reader.lines)


def read_path(path: Path, source: str) -> ReadResult:
    """Parse a PubMed XML file straight from disk (its own encoding declaration applies), so
    that neither its text nor its bytes are ever whole in memory. Never raises on its content."""
    reader = _Reader(source)
    with path.open("rb") as fh:
        if not fh.read(_HEAD).strip(b" \t\r\n\xef\xbb\xbf"):
            reader.problem(None, None, "no records: the file is empty", warning=True)
        else:
            fh.seek(0)
            with collector_paused(), watched(fh) as stream:
                reader.run(stream)
    return ReadResult(reader.items, reader.problems, reader.records, reader.lines)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[Item] = []
        self.lines: list[int] = []
        self.problems: list[Problem] = []
        self.records = 0

    def problem(
        self, line: int | None, record: int | None, message: str, *, warning: bool = False
    ) -> None:
        severity: Literal["error", "warning"] = "warning" if warning else "error"
        self.problems.append(Problem(self.source, line, record, message, severity))

    def run(self, stream: BinaryIO | EncodedText) -> None:
        events = etree.iterparse(
            stream,
            events=("end",),
            tag=_RECORD_TAGS,
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        try:
            for _event, element in events:
                self.record(element)
                element.clear(keep_tail=True)
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            line = exc.lineno if exc.lineno else None
            kept = f"; the {self.records} records before it were read" if self.records else ""
            reason = _SPACE.sub(" ", str(exc.msg or exc)).strip()
            self.problem(line, None, f"broken XML: {reason}{kept}")
            return
        root = events.root
        if (root is None or root.tag not in _ROOTS) and self.records == 0:
            name = root.tag if root is not None else "?"
            line = _line_of(root) if root is not None else None
            self.problem(
                line, None, f"not PubMed XML: the root element is <{name}>, not <PubmedArticleSet>"
            )
            return
        if self.records == 0 and not self.problems:
            self.problem(None, None, "no records: the file holds no PubMed articles", warning=True)

    def record(self, element: etree._Element) -> None:
        line = _line_of(element)
        if element.tag == "DeleteCitation":
            ids = [_text(e) for e in element.iter("PMID")]
            shown = ", ".join(i for i in ids if i) or "none given"
            self.problem(
                line, None, f"PubMed deleted these PMIDs; not imported: {shown}", warning=True
            )
            return
        self.records += 1
        number = self.records
        try:
            if element.tag == "PubmedBookArticle":
                item = _book_article(element)
            else:
                item = _article(element)
        except Exception as exc:  # a reader never raises: one odd record is one problem
            self.problem(line, number, f"record {number} could not be read: {exc!r}")
            return
        if not item.fields and not item.creators:
            self.problem(line, number, f"record {number} is empty; left out")
            return
        self.items.append(item)
        self.lines.append(line or 0)


class _Record:
    """An item being filled: the first value of a field wins, a different one goes to `extra`."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.creators: list[Creator] = []
        self.tags: list[str] = []
        self.notes: list[str] = []
        self.extra: list[str] = []

    def keep(self, tag: str, value: str) -> None:
        if value:
            self.extra.append(f"{EXTRA_PREFIX}{tag}: {value}")

    def put(self, name: str, value: str, tag: str, raw: str | None = None) -> None:
        if not value:
            return
        old = self.fields.get(name)
        if old is None:
            self.fields[name] = value
        elif old != value:
            self.keep(tag, raw if raw is not None else value)

    def tag(self, value: str) -> None:
        if value and value not in self.tags:
            self.tags.append(value)

    def item(self, item_type: str) -> Item:
        if self.extra:
            self.fields["extra"] = "\n".join(self.extra)
        return Item(item_type, self.fields, self.creators, self.tags, self.notes)


def _text(element: etree._Element | None) -> str:
    """All the text in an element, inline markup dropped, white space runs made one space."""
    if element is None:
        return ""
    return _SPACE.sub(" ", "".join(str(t) for t in element.itertext())).strip()


def _line_of(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


def _child(element: etree._Element | None, path: str) -> str:
    return _text(element.find(path)) if element is not None else ""


def _generic(rec: _Record, element: etree._Element) -> None:
    """An element we have no mapping for: kept in `extra` under its own name."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag:
        rec.keep(EXTRA_TAGS.get(tag, tag), _text(element))


# ---------------------------------------------------------------------------------------------
# Journal articles, preprints and the rest


def _article(element: etree._Element) -> Item:
    rec = _Record()
    citation = element.find("MedlineCitation")
    article = citation.find("Article") if citation is not None else None
    types = (
        [_text(e) for e in article.iterfind("PublicationTypeList/PublicationType")]
        if (article is not None)
        else []
    )
    found = type_from_publication_types(types)
    item_type, type_pt = found if found else ("journalArticle", "")
    if citation is not None:
        _citation(rec, citation, item_type, type_pt)
    for child in element:
        if child.tag == "PubmedData":
            _pubmed_data(rec, child)
        elif child.tag != "MedlineCitation":
            _generic(rec, child)
    return rec.item(item_type)


def _citation(rec: _Record, citation: etree._Element, item_type: str, type_pt: str) -> None:
    rec.put("PMID", _child(citation, "PMID"), "PMID")
    for attribute, tag in (("Owner", "OWN"), ("Status", "STAT")):
        rec.keep(tag, citation.get(attribute, ""))
    info = citation.find("MedlineJournalInfo")
    abbreviation = _child(info, "MedlineTA")
    iso = _child(citation, "Article/Journal/ISOAbbreviation")
    rec.put("journalAbbreviation", abbreviation or iso, "TA")
    for child in citation:
        tag = child.tag
        if tag == "PMID":
            continue
        if tag == "DateCompleted":
            rec.keep("DCOM", _ymd(child))
        elif tag == "DateRevised":
            rec.keep("LR", _ymd(child))
        elif tag == "Article":
            _journal_article(rec, child, item_type, type_pt, abbreviation)
        elif tag == "MedlineJournalInfo":
            for part in child:
                if part.tag == "Country":
                    rec.put("place", _text(part), "PL")
                elif part.tag == "ISSNLinking":
                    rec.keep("IS", f"{_text(part)} (Linking)")
                elif part.tag != "MedlineTA":
                    _generic(rec, part)
        elif tag == "ChemicalList":
            for chemical in child:
                number, name = (
                    _child(chemical, "RegistryNumber"),
                    _child(chemical, "NameOfSubstance"),
                )
                rec.keep("RN", f"{number} ({name})" if number else name)
        elif tag == "SupplMeshList":
            for term in child:
                rec.keep("NM", _text(term))
        elif tag == "CommentsCorrectionsList":
            for comment in child:
                _comment(rec, comment)
        elif tag == "MeshHeadingList":
            for heading in child:
                rec.tag(_mesh(heading))
        elif tag == "KeywordList":
            _keywords(rec, child)
        elif tag == "GeneralNote":
            rec.notes.append(_paragraph(_text(child)))
        elif tag == "InvestigatorList":
            for person in child:
                who = _person(person, "author")
                if who is not None:
                    rec.keep("FIR", who.literal or f"{who.family}, {who.given}".rstrip(", "))
        else:
            _generic(rec, child)


def _journal_article(
    rec: _Record, article: etree._Element, item_type: str, type_pt: str, medline_ta: str
) -> None:
    for child in article:
        tag = child.tag
        if tag == "Journal":
            _journal(rec, child, item_type, medline_ta)
        elif tag == "ArticleTitle":
            rec.put("title", _text(child), "TI")
        elif tag == "Pagination":
            _pagination(rec, child)
        elif tag == "ELocationID":
            _location(rec, child, "LID")
        elif tag == "Abstract":
            _abstract(rec, child)
        elif tag == "AuthorList":
            _authors(rec, child, "editor" if child.get("Type") == "editors" else "author")
        elif tag == "Language":
            rec.put("language", _text(child), "LA")
        elif tag == "DataBankList":
            for bank in child:
                name = _child(bank, "DataBankName")
                for number in bank.iterfind("AccessionNumberList/AccessionNumber"):
                    rec.keep("SI", f"{name}/{_text(number)}")
        elif tag == "GrantList":
            for grant in child:
                parts = [_child(grant, p) for p in ("GrantID", "Acronym", "Agency", "Country")]
                rec.keep("GR", "/".join(parts).strip("/"))
        elif tag == "PublicationTypeList":
            consumed = False
            for pt in child:
                value = _text(pt)
                if value == type_pt and not consumed:
                    consumed = True
                else:
                    rec.keep("PT", value)
        elif tag == "ArticleDate":
            rec.keep("DEP", _ymd(child).replace("/", ""))
        else:
            _generic(rec, child)


def _journal(rec: _Record, journal: etree._Element, item_type: str, medline_ta: str) -> None:
    title_field = "publisher" if item_type == "preprint" else "publicationTitle"
    for child in journal:
        tag = child.tag
        if tag == "ISSN":
            value = _text(child)
            kind = child.get("IssnType", "")
            if "ISSN" not in rec.fields and value:
                rec.fields["ISSN"] = clean_issn(value)
            else:
                rec.keep("IS", f"{value} ({kind})" if kind else value)
        elif tag == "JournalIssue":
            for part in child:
                if part.tag == "Volume":
                    rec.put("volume", _text(part), "VI")
                elif part.tag == "Issue":
                    rec.put("issue", _text(part), "IP")
                elif part.tag == "PubDate":
                    rec.put("date", _pub_date(part), "DP")
                else:
                    _generic(rec, part)
        elif tag == "Title":
            rec.put(title_field, _text(child), "JT")
        elif tag == "ISOAbbreviation":
            value = _text(child)
            if medline_ta and value != medline_ta:
                rec.keep("ISOAbbreviation", value)
        else:
            _generic(rec, child)


def _pubmed_data(rec: _Record, data: etree._Element) -> None:
    for child in data:
        tag = child.tag
        if tag == "History":
            for date in child:
                status = date.get("PubStatus", "")
                rec.keep("PHST", f"{_ymd(date, time=True)} [{status}]" if status else _ymd(date))
        elif tag == "ArticleIdList":
            _article_ids(rec, child)
        elif tag == "ReferenceList":
            for reference in child.iter("Reference"):
                ids = [
                    f"{i.get('IdType', '')}: {_text(i)}"
                    for i in reference.iterfind("ArticleIdList/ArticleId")
                ]
                cited = _child(reference, "Citation")
                rec.keep("Reference", f"{cited} [{'; '.join(ids)}]" if ids else cited)
        else:
            _generic(rec, child)


def _article_ids(rec: _Record, ids: etree._Element) -> None:
    for article_id in ids:
        value = _text(article_id)
        kind = article_id.get("IdType", "")
        if kind == "pubmed":
            rec.put("PMID", value, "AID", f"{value} [pubmed]")
        elif kind == "doi":
            rec.put("DOI", clean_doi(value), "AID", f"{value} [doi]")
        elif kind == "pmc":
            rec.put("PMCID", value, "PMC")
        elif kind == "mid":
            rec.keep("MID", value)
        elif value:
            rec.keep("AID", f"{value} [{kind}]" if kind else value)


def _location(rec: _Record, location: etree._Element, tag: str) -> None:
    value = _text(location)
    kind = location.get("EIdType", "")
    if kind == "doi":
        rec.put("DOI", clean_doi(value), tag, f"{value} [doi]")
    else:
        rec.keep(tag, f"{value} [{kind}]" if kind else value)


def _pagination(rec: _Record, pagination: etree._Element) -> None:
    medline = _child(pagination, "MedlinePgn")
    if medline:
        rec.put("pages", expand_pages(medline), "PG", medline)
        return
    start, end = _child(pagination, "StartPage"), _child(pagination, "EndPage")
    rec.put("pages", f"{start}-{end}" if start and end else start or end, "PG")


def _abstract(rec: _Record, abstract: etree._Element) -> None:
    parts: list[str] = []
    for child in abstract:
        if child.tag == "AbstractText":
            label = child.get("Label", "")
            text = _text(child)
            parts.append(f"{label}: {text}" if label and text else label or text)
        elif child.tag == "CopyrightInformation":
            rec.put("rights", _text(child), "CI")
        else:
            _generic(rec, child)
    rec.put("abstract", "\n".join(p for p in parts if p), "AB")


def _authors(rec: _Record, authors: etree._Element, role: CreatorRole) -> None:
    for author in authors:
        person = _person(author, role)
        if person is None:
            continue
        rec.creators.append(person)
        for identifier in author.iterfind("Identifier"):
            source = identifier.get("Source", "")
            value = _text(identifier)
            rec.keep("AUID", f"{source}: {value}" if source else value)
        for affiliation in author.iterfind("AffiliationInfo/Affiliation"):
            rec.keep("AD", _text(affiliation))


def _person(author: etree._Element, role: CreatorRole) -> Creator | None:
    collective = _child(author, "CollectiveName")
    if collective:
        return Creator(literal=collective, role=role)
    family = _child(author, "LastName")
    given = _child(author, "ForeName") or _child(author, "Initials")
    suffix = _child(author, "Suffix")
    if suffix:
        given = f"{given} {suffix}".strip()
    if not family and not given:
        return None
    return Creator(family, given, role=role)


def _mesh(heading: etree._Element) -> str:
    """`Killer Cells, Natural/*immunology/metabolism`, `*Neoplasms`: MEDLINE's MH form."""
    parts: list[str] = []
    for child in heading:
        if child.tag in ("DescriptorName", "QualifierName"):
            star = "*" if child.get("MajorTopicYN") == "Y" else ""
            parts.append(star + _text(child))
    return "/".join(p for p in parts if p)


def _keywords(rec: _Record, keywords: etree._Element) -> None:
    owner = keywords.get("Owner", "")
    if owner:
        rec.keep("OTO", owner)
    for keyword in keywords:
        rec.tag(_text(keyword))


def _comment(rec: _Record, comment: etree._Element) -> None:
    kind = comment.get("RefType", "")
    source, pmid = _child(comment, "RefSource"), _child(comment, "PMID")
    value = f"{source} PMID: {pmid}" if pmid else source
    rec.keep(COMMENT_TAGS.get(kind, kind or "CommentsCorrections"), value)


def _pub_date(date: etree._Element) -> str:
    """PubDate as MEDLINE's DP: `2015 Mar 7`, `2019 Spring`, or the MedlineDate text."""
    medline = _child(date, "MedlineDate")
    if medline:
        return medline
    year, month, day = _child(date, "Year"), _child(date, "Month"), _child(date, "Day")
    season = _child(date, "Season")
    if month.isdigit() and 1 <= int(month) <= 12:
        month = _MONTH_NUMBERS[int(month) - 1]
    if day.isdigit():
        day = str(int(day))
    return " ".join(p for p in (year, month or season, day) if p)


def _ymd(date: etree._Element, *, time: bool = False) -> str:
    """`20240102` (DCOM, LR, DEP), or `2024/01/02 06:00` with the time (PHST), as MEDLINE writes."""
    parts = [_child(date, p) for p in ("Year", "Month", "Day")]
    if not time:
        return (
            "".join(parts) if all(p.isdigit() for p in parts) else "/".join(p for p in parts if p)
        )
    text = "/".join(p.zfill(2) if p.isdigit() and i else p for i, p in enumerate(parts) if p)
    hour, minute = _child(date, "Hour") or "0", _child(date, "Minute") or "0"
    return f"{text} {hour.zfill(2)}:{minute.zfill(2)}" if text else text


def _paragraph(text: str) -> str:
    return f"<p>{html.escape(text, quote=False)}</p>"


# ---------------------------------------------------------------------------------------------
# Bookshelf books and chapters


def _book_article(element: etree._Element) -> Item:
    rec = _Record()
    document = element.find("BookDocument")
    item_type = "journalArticle"
    if document is not None:
        item_type = "bookSection" if document.find("ArticleTitle") is not None else "book"
        _book_document(rec, document, item_type)
    for child in element:
        if child.tag == "PubmedBookData":
            _pubmed_data(rec, child)
        elif child.tag != "BookDocument":
            _generic(rec, child)
    return rec.item(item_type if document is not None else "book")


def _book_document(rec: _Record, document: etree._Element, item_type: str) -> None:
    rec.put("PMID", _child(document, "PMID"), "PMID")
    title_field = "title" if item_type == "book" else "publicationTitle"
    type_pt = TYPES_OUT[item_type]
    consumed = False
    for child in document:
        tag = child.tag
        if tag == "PMID":
            continue
        if tag == "ArticleIdList":
            _article_ids(rec, child)
        elif tag == "Book":
            _book(rec, child, item_type, title_field)
        elif tag == "ArticleTitle":
            rec.put("title", _text(child), "TI")
        elif tag == "AuthorList":
            _authors(rec, child, "editor" if child.get("Type") == "editors" else "author")
        elif tag == "Abstract":
            _abstract(rec, child)
        elif tag == "Language":
            rec.put("language", _text(child), "LA")
        elif tag == "PublicationType":
            value = _text(child)
            if value == type_pt and not consumed:
                consumed = True
            else:
                rec.keep("PT", value)
        elif tag == "KeywordList":
            _keywords(rec, child)
        elif tag == "DateRevised":
            rec.keep("LR", _ymd(child))
        elif tag == "ContributionDate":
            rec.keep("ContributionDate", _ymd(child))
        elif tag == "GrantList":
            for grant in child:
                parts = [_child(grant, p) for p in ("GrantID", "Acronym", "Agency", "Country")]
                rec.keep("GR", "/".join(parts).strip("/"))
        elif tag == "ELocationID":
            _location(rec, child, "LID")
        else:
            _generic(rec, child)


def _book(rec: _Record, book: etree._Element, item_type: str, title_field: str) -> None:
    isbns: list[str] = []
    for child in book:
        tag = child.tag
        if tag == "Publisher":
            rec.put("publisher", _child(child, "PublisherName"), "PB")
            rec.put("place", _child(child, "PublisherLocation"), "PL")
        elif tag == "BookTitle":
            rec.put(title_field, _text(child), "BTI")
        elif tag == "PubDate":
            rec.put("date", _pub_date(child), "DP")
        elif tag == "AuthorList":
            if child.get("Type") == "editors":
                role: CreatorRole = "editor"
            else:
                role = "bookAuthor" if item_type == "bookSection" else "author"
            _authors(rec, child, role)
        elif tag == "Volume":
            rec.put("volume", _text(child), "VI")
        elif tag == "Edition":
            rec.put("edition", _text(child), "EN")
        elif tag == "CollectionTitle":
            rec.put("series", _text(child), "CTI")
        elif tag == "Isbn":
            isbns.append(_text(child))
        elif tag == "ELocationID":
            _location(rec, child, "LID")
        elif tag in ("BeginningDate", "EndingDate"):
            rec.keep(tag, _ymd(child))
        else:
            _generic(rec, child)
    if isbns:
        rec.put("ISBN", " ".join(i for i in isbns if i), "ISBN")
