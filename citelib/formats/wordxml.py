"""Word 2007+ bibliography XML (`Sources.xml`): what Word's References > Manage Sources reads.

Written by hand: no maintained Python library reads or writes Word's bibliography XML. The format
is Office Open XML's bibliography schema (ECMA-376 Part 1, §22.6; shared-bibliography.xsd) plus
`b:DOI`, which Word 2013 and later write. In the schema `CT_SourceType` is a sequence holding one
`xsd:choice minOccurs="0" maxOccurs="unbounded"` of its elements, and so is `CT_AuthorType`
(the roles inside `b:Author`): the children of `b:Source` may come in any order and Word itself
writes them in no fixed order. Only `b:Author/b:Author` (and `b:Performer`) may hold a
`b:Corporate` name; every other role holds `b:NameList/b:Person/{b:Last,b:First,b:Middle}`.

Writing (fast string building; lxml's serialiser cannot write Word's double-quoted declaration):
- `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`, then the root `b:Sources` with
  `SelectedStyle`, `StyleName` and `Version` as Word 2016/365 writes them and both the `b:`
  prefix and the default namespace bound, then one `b:Source` per line (CRLF line ends).
- Characters XML 1.0 cannot hold (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF; lone
  surrogates) are removed; a CR is written `&#13;` so that it survives parsing.
- `b:Tag` is the citation key, made unique within the file by `citekeys.unique_ids` (a key of
  its own, else `FamilyYear` with a, b, c suffixes): Word needs unique tags. `b:Guid` is derived
  from the tag and title (uuid5), so the same export gives the same file and our reader can tell
  its own Guids from Word's (Word's are kept as `Word Guid: {...}` lines and written back).
- Types and elements map through TYPES_OUT / TYPES_IN and the element tables below. What Word has
  no element for goes into `b:Comments`, which Word's source editor shows, as labelled lines in
  the manner of Zotero's Extra field (`PMID: 123`, `Keyword: NK cells`, `Note: ...`), then a
  blank line and the free lines of `extra`. A value's own line breaks continue on lines starting
  with a tab. Our reader reads these lines back into the same fields, creators, tags and notes.
- Several citelib types share a SourceType (thesis and report are both `Report`, preprint and
  journal article both `JournalArticle`...). The reader takes a `Report` whose type (ThesisType)
  mentions a thesis or dissertation for a thesis, and the other shared ones for the first type
  listed for them in TYPES_IN; where that would give the wrong type, the writer adds an
  `Item Type: Preprint` line to Comments.
- Dates: `2026-01-12` is written Year 2026, Month January, Day 12. A date that is not
  `YYYY[-MM[-DD]]` also goes whole into a `Date:` line (`Accessed:` for the access date), which
  the reader prefers while its year agrees with `b:Year`.
- Creators: author (`b:Inventor` for patents), bookAuthor, editor and translator go into
  `b:Author`; a lone institutional author is a `b:Corporate`, other institutions are a
  `b:Person` with only a `b:Last` plus a `Corporate Editor: Name` line so that they come back as
  institutions. Series editors and contributors have no Word role: `Series Editor: Family ||
  Given` lines.

Reading (lxml's pull parser: `resolve_entities=False, no_network=True, load_dtd=False,
huge_tree=False`; never raises): entities are never expanded (a reference is left out with a
warning; libxml2 refuses entity-amplification bombs as malformed), malformed XML is an error with
its line (sources complete before it are kept), a root that is not `Sources` in the bibliography
namespace (any prefix, or the default namespace, or no namespace) is an error. Elements we do not
map (`b:LCID`, `b:RefOrder`, `b:StateProvince`, `b:Medium`, roles such as `b:Director`...) are
kept in `extra` as `Word <Element>: value` lines and written back as the same elements; a second
value for a field already filled (two `b:Title`s, a `b:Institution` beside `b:Publisher`) is
kept the same way and written back into Comments. Free lines of `b:Comments` go to `extra`.

What Word XML cannot carry (see docs/formats.md): the order of creators across roles
(they come back grouped: authors, book authors, editors, translators, series editors,
contributors); runs of spaces inside given names (split into First and Middle); surrounding
space of any value; CR characters in Comments lines (they become line breaks); notes' HTML (one
plain-text `Note:` line each, read back as one `<p>` paragraph). `extra` lines come back in a
fixed order (the `Word <Element>:` lines written as elements first), and a free `extra` line that
looks like a Comments label (`PMID: 1`) is read back as that label.
"""

from __future__ import annotations

import hashlib
import html
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, TextIO

from lxml import etree

from citelib.formats import Problem, ReadResult
from citelib.formats.citekeys import unique_from_bases, unique_ids, with_key_parts
from citelib.formats.normalise import ISBN_TYPES, clean_doi
from citelib.gcpause import collector_paused
from citelib.model import ITEM_TYPE_LABELS, Creator, CreatorRole, Item, note_text, parse_date

NS: Final = "http://schemas.openxmlformats.org/officeDocument/2006/bibliography"

# The declaration and root start as Word 2016/365 writes them.
HEADER: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    '<b:Sources SelectedStyle="\\APASixthEditionOfficeOnline.xsl" StyleName="APA" Version="6" '
    f'xmlns:b="{NS}" xmlns="{NS}">'
)
FOOTER: Final = "</b:Sources>\r\n"

# citelib type -> the SourceType written (DESIGN §3).
TYPES_OUT: Final[dict[str, str]] = {
    "journalArticle": "JournalArticle",
    "book": "Book",
    "bookSection": "BookSection",
    "conferencePaper": "ConferenceProceedings",
    "thesis": "Report",
    "report": "Report",
    "preprint": "JournalArticle",
    "webpage": "InternetSite",
    "dataset": "Misc",
    "patent": "Patent",
    "magazineArticle": "ArticleInAPeriodical",
    "newspaperArticle": "ArticleInAPeriodical",
    "manuscript": "Misc",
    "document": "Misc",
}
# Every SourceType of the schema (ST_SourceType) -> the citelib type read. A `Report` whose
# ThesisType names a thesis is a thesis; an `Item Type:` line in Comments overrides both.
TYPES_IN: Final[dict[str, str]] = {
    "JournalArticle": "journalArticle",
    "Book": "book",
    "BookSection": "bookSection",
    "ConferenceProceedings": "conferencePaper",
    "Report": "report",
    "InternetSite": "webpage",
    "DocumentFromInternetSite": "webpage",
    "ArticleInAPeriodical": "magazineArticle",
    "Patent": "patent",
    "Misc": "document",
    "ElectronicSource": "document",
    "Film": "document",
    "Interview": "document",
    "SoundRecording": "document",
    "Performance": "document",
    "Art": "document",
    "Case": "document",
}
_THESIS: Final = re.compile(r"thesis|dissertation", re.IGNORECASE)

# The element holding publicationTitle for each SourceType; others use b:PublicationTitle.
CONTAINERS: Final[dict[str, str]] = {
    "JournalArticle": "JournalName",
    "ArticleInAPeriodical": "PeriodicalTitle",
    "BookSection": "BookTitle",
    "ConferenceProceedings": "ConferenceName",
    "InternetSite": "InternetSiteTitle",
    "DocumentFromInternetSite": "InternetSiteTitle",
}
# Read in this order of preference after the SourceType's own container.
CONTAINER_ELEMENTS: Final[tuple[str, ...]] = (
    "JournalName",
    "PeriodicalTitle",
    "BookTitle",
    "ConferenceName",
    "InternetSiteTitle",
    "PublicationTitle",
)
# Elements holding one field whatever the SourceType, in the order written. Patents write `place`
# as b:CountryRegion (Word's patent form has no City) and `number` as b:PatentNumber; other types
# write `number` as a Comments line.
ELEMENTS: Final[tuple[tuple[str, str], ...]] = (
    ("Title", "title"),
    ("ShortTitle", "shortTitle"),
    ("Volume", "volume"),
    ("Issue", "issue"),
    ("Pages", "pages"),
    ("Edition", "edition"),
    ("Publisher", "publisher"),
    ("City", "place"),
    ("ThesisType", "genre"),
    ("PatentNumber", "number"),
    ("DOI", "DOI"),
    ("URL", "url"),
)
_ELEMENT_FIELDS: Final[dict[str, str]] = dict(ELEMENTS)
# Elements other tools write that we read into a field (second choice after the usual element):
# Word's b:Institution (reports and theses), JabRef's BIBTEX_Abstract and BIBTEX_Series.
ALIASES_IN: Final[dict[str, str]] = {
    "Institution": "publisher",
    "BIBTEX_Abstract": "abstract",
    "BIBTEX_Series": "series",
}
DATE_ELEMENTS: Final[dict[str, tuple[str, str, str]]] = {
    "date": ("Year", "Month", "Day"),
    "accessDate": ("YearAccessed", "MonthAccessed", "DayAccessed"),
}
DATE_LABELS: Final[dict[str, str]] = {"date": "Date", "accessDate": "Accessed"}

# Creator roles -> the role element inside b:Author (authors of patents are b:Inventor).
ROLES_OUT: Final[dict[CreatorRole, str]] = {
    "author": "Author",
    "bookAuthor": "BookAuthor",
    "editor": "Editor",
    "translator": "Translator",
}
ROLES_IN: Final[dict[str, CreatorRole]] = {
    "Author": "author",
    "Inventor": "author",
    "BookAuthor": "bookAuthor",
    "Editor": "editor",
    "Translator": "translator",
}
# Roles Word has and citelib has not: kept as `Word Director: Family || Given` lines.
WORD_ROLES: Final[frozenset[str]] = frozenset(
    (
        "Artist", "Compiler", "Composer", "Conductor", "Counsel", "Director", "Interviewee",
        "Interviewer", "Performer", "ProducerName", "Writer",
    )
)  # fmt: skip
# Roles Word has not: Comments lines.
COMMENT_ROLES: Final[dict[CreatorRole, str]] = {
    "seriesEditor": "Series Editor",
    "contributor": "Contributor",
}
# An institution written as a b:Person (only b:Author/b:Author takes b:Corporate, and only one).
CORPORATE_LABELS: Final[dict[CreatorRole, str]] = {
    "author": "Corporate Author",
    "bookAuthor": "Corporate Book Author",
    "editor": "Corporate Editor",
    "translator": "Corporate Translator",
}
_CORPORATE_ROLE: Final[dict[str, CreatorRole]] = {v: k for k, v in CORPORATE_LABELS.items()}
_COMMENT_ROLE: Final[dict[str, CreatorRole]] = {v: k for k, v in COMMENT_ROLES.items()}
ROLE_ORDER: Final[dict[str, int]] = {
    role: rank
    for rank, role in enumerate(
        ("author", "bookAuthor", "editor", "translator", "seriesEditor", "contributor")
    )
}

# Fields with no element of their own: `Label: value` lines of b:Comments, in the order written
# (after `Item Type:`, `Date:` and `Accessed:`). ISBN and ISSN go here when b:StandardNumber
# cannot take them (it holds one number, read as ISBN or ISSN by its shape).
COMMENT_FIELDS: Final[tuple[tuple[str, str], ...]] = (
    ("Journal Abbr", "journalAbbreviation"),
    ("Series", "series"),
    ("Event", "event"),
    ("Number", "number"),
    ("Number of Pages", "numberOfPages"),
    ("Language", "language"),
    ("ISBN", "ISBN"),
    ("ISSN", "ISSN"),
    ("PMID", "PMID"),
    ("PMCID", "PMCID"),
    ("arXiv", "arXiv"),
    ("Call Number", "callNumber"),
    ("Archive", "archive"),
    ("Rights", "rights"),
    ("Abstract", "abstract"),
)
_COMMENT_FIELD: Final[dict[str, str]] = dict(COMMENT_FIELDS)
TYPE_LABEL: Final = "Item Type"
KEYWORD_LABEL: Final = "Keyword"
NOTE_LABEL: Final = "Note"
LABELS: Final[frozenset[str]] = frozenset(
    (
        *_COMMENT_FIELD,
        *DATE_LABELS.values(),
        *COMMENT_ROLES.values(),
        *CORPORATE_LABELS.values(),
        TYPE_LABEL,
        KEYWORD_LABEL,
        NOTE_LABEL,
    )
)
MONTHS: Final[tuple[str, ...]] = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_MONTH_IN: Final[dict[str, int]] = {
    **{name.casefold(): n for n, name in enumerate(MONTHS, start=1)},
    **{name[:3].casefold(): n for n, name in enumerate(MONTHS, start=1)},
    "sept": 9,
}
# Elements the reader gives a meaning to. A `Word <Element>:` line naming one of them is
# written into Comments, never as the element (it would compete with the field's own).
RESERVED: Final[frozenset[str]] = frozenset(
    (
        "Sources", "Source", "Tag", "SourceType", "Guid", "Comments", "NameList", "Person",
        "Corporate", "Last", "First", "Middle", "CountryRegion", "StandardNumber",
        "BIBTEX_KeyWords", *_ELEMENT_FIELDS, *ALIASES_IN, *CONTAINER_ELEMENTS, *ROLES_IN,
        *(name for names in DATE_ELEMENTS.values() for name in names),
    )
)  # fmt: skip
WORD_LINE: Final = "Word "

_GUID_NAMESPACE: Final = uuid.UUID("6b3c8d52-4f0e-5a7b-9c1d-2e3f4a5b6c7d")
_ISO: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_YEAR4: Final = re.compile(r"\d{4}")
_ISSN: Final = re.compile(r"\d{4}-?\d{3}[\dXx]")
_ISBN: Final = re.compile(r"\d{9}[\dXx]|\d{12}[\dXx]")
_ISBN_SPLIT: Final = re.compile(r"[\s;,]+")
_SERIAL_LABEL: Final = re.compile(r"\b(ISBN|ISSN|LCCN|MRN|CODEN)\b\s*:?\s*")
_KEYWORDS_SPLIT: Final = re.compile(r"[,;]")
_LINES: Final = re.compile(r"\r\n|\r|\n")
_BREAKS: Final = re.compile(r"\s*[\t\r\n]+\s*")
_NAME: Final = re.compile(r"[^\W\d][\w.\-]*")
_XML_DECL: Final = re.compile(r"<\?xml[^>]*\?>")
_ENCODING: Final = re.compile(r"""encoding\s*=\s*(["'])[^"']*\1""")
_ROOT: Final = re.compile(r"<(?:[\w.\-]+:)?Sources[\s>/]")
# Everything that needs escaping or removal in element text: & < > CR and what XML 1.0 forbids.
_UNSAFE: Final = re.compile(
    "[^\t\n\x20-\x25\x27-\x3b\x3d\x3f-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CHUNK: Final = 1 << 20


# ---------------------------------------------------------------------------------------------
# Shared by reader and writer


def infer_type(source_type: str, genre: str) -> str:
    """The citelib type a SourceType reads as without an `Item Type:` line."""
    kind = TYPES_IN.get(source_type, "document")
    if kind == "report" and _THESIS.search(genre):
        return "thesis"
    return kind


def _fits(kind: str, source_type: str) -> bool:
    """Whether an `Item Type:` line naming `kind` may apply to a source of this SourceType."""
    return TYPES_OUT.get(kind) == source_type or TYPES_IN.get(source_type, "document") == kind


def _label(line: str) -> tuple[str, str] | None:
    """(label, value) of a labelled Comments line, else None."""
    label, sep, value = line.partition(": ")
    if sep and label in LABELS and value.strip():
        return label, value.strip()
    return None


def _guid(tag: str, title: str, made_up: bool = False) -> str:
    """`{uuid5 of tag and title}` in Word's spelling (upper case, braces), computed directly:
    uuid.uuid5 builds objects that cost more than the rest of a source's XML. `made_up` marks a
    tag our writer made up for an item without a citation key: it is not read back as one."""
    marker = "\x1fmade-up" if made_up else ""
    name = f"{tag}\x1f{title}{marker}".encode("utf-8", "surrogatepass")
    digest = bytearray(hashlib.sha1(_GUID_NAMESPACE.bytes + name).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    x = digest.hex().upper()
    return f"{{{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}}}"


def _serial_in(text: str, item_type: str) -> dict[str, str]:
    """A b:StandardNumber as {ISBN/ISSN: value}: by its labels (`ISBN: x ISSN: y`, as JabRef
    writes them), else by its shape, else by the item type."""
    parts = _SERIAL_LABEL.split(text)
    if len(parts) > 1 and not parts[0].strip(" ;,"):
        labelled: dict[str, str] = {}
        for index in range(1, len(parts), 2):
            label, value = parts[index], parts[index + 1].strip(" ;,")
            if label not in ("ISBN", "ISSN") or not value or label in labelled:
                break
            labelled[label] = value
        else:
            return labelled
    if _ISSN.fullmatch(text):
        return {"ISSN": text}
    tokens = [t for t in _ISBN_SPLIT.split(text) if t]
    if tokens and all(_ISBN.fullmatch(t.replace("-", "")) for t in tokens):
        return {"ISBN": text}
    return {"ISBN" if item_type in ISBN_TYPES else "ISSN": text}


def _name_text(creator: Creator) -> str:
    """A creator in a Comments or `Word <Role>:` line: `Family || Given`, or a literal name."""
    if creator.literal:
        return creator.literal
    return f"{creator.family} || {creator.given}".rstrip()


def _name_from_text(text: str, role: CreatorRole) -> Creator:
    family, sep, given = text.partition("||")
    if sep:
        return Creator(family.strip(), given.strip(), role=role)
    return Creator(literal=text.strip(), role=role)


@dataclass
class _Plan:
    """How the lines of `extra` are written: which become elements, which go into Comments.

    The reader orders the `extra` it builds by the same plan (`ordered`), so that what it read
    writes back and reads again in the same order.
    """

    source_type: str | None = None  # a `Word SourceType:` line written as the SourceType
    guid: str | None = None  # a `Word Guid:` line written as the Guid
    roles: list[tuple[str, str]] = field(default_factory=list)  # (Word role, name text)
    elements: list[tuple[str, str]] = field(default_factory=list)  # (element, value)
    comments: list[str] = field(default_factory=list)  # free lines of b:Comments
    ordered: list[str] = field(default_factory=list)


def plan_extra(lines: Sequence[str], item_type: str, keyless: bool = False) -> _Plan:
    """Sort `extra` lines into what is written where (see _Plan). For an item without a
    citation key (`keyless`) a `Word Guid:` line stays in Comments: the b:Guid then marks the
    b:Tag as made up by us (see _guid)."""
    plan = _Plan()
    first: list[str] = []
    role_lines: dict[str, tuple[list[str], list[str]]] = {}  # role -> (people, institutions)
    element_lines: list[str] = []
    for line in lines:
        name, sep, value = line[len(WORD_LINE) :].partition(": ")
        value = value.strip()
        if not line.startswith(WORD_LINE) or not sep or not value or not _NAME.fullmatch(name):
            plan.comments.append(line)
        elif (
            name == "SourceType"
            and plan.source_type is None
            and value in TYPES_IN
            and value != TYPES_OUT.get(item_type)
            and TYPES_IN[value] == item_type
        ):
            plan.source_type = value
            first.insert(0, f"{WORD_LINE}{name}: {value}")
        elif name == "Guid" and plan.guid is None and not keyless:
            plan.guid = value
            first.append(f"{WORD_LINE}{name}: {value}")
        elif name in WORD_ROLES:
            people, institutions = role_lines.setdefault(name, ([], []))
            (people if "||" in value else institutions).append(value)
        elif name in RESERVED:
            plan.comments.append(line)
        else:
            plan.elements.append((name, value))
            element_lines.append(f"{WORD_LINE}{name}: {value}")
    ordered = first
    for name, (people, institutions) in role_lines.items():
        for value in (*people, *institutions):
            plan.roles.append((name, value))
            ordered.append(f"{WORD_LINE}{name}: {value}")
    plan.ordered = [*ordered, *element_lines, *plan.comments]
    return plan


# ---------------------------------------------------------------------------------------------
# Reading


def sniff(head: str) -> bool:
    """Whether the start of a file looks like Word XML: a `Sources` root in its namespace."""
    return NS in head and _ROOT.search(head) is not None


def read(text: str, source: str = "<input>") -> ReadResult:
    """Parse Word bibliography XML into items and problems. Never raises."""
    reader = _Reader(source)
    with collector_paused():
        reader.run(text)
    return ReadResult(reader.items, reader.problems, reader.records)


def _utf8_chunks(text: str) -> Iterable[bytes]:
    """The text as UTF-8 bytes in chunks, its declaration saying so (the text is decoded)."""
    text = text.lstrip("\ufeff")
    m = _XML_DECL.match(text)
    if m:
        decl = _ENCODING.sub('encoding="UTF-8"', m.group(0))
        text = decl + text[m.end() :]
    for start in range(0, len(text), _CHUNK):
        # surrogatepass: a lone surrogate reaches the parser, which reports it with its line.
        yield text[start : start + _CHUNK].encode("utf-8", "surrogatepass")


def _split(tag: object) -> tuple[str | None, str]:
    """(namespace, local name) of an element's tag; never raises (etree.QName can)."""
    if not isinstance(tag, str):
        return None, ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return None, tag


def _one_line(text: str) -> str:
    return _BREAKS.sub(" ", text) if ("\n" in text or "\t" in text or "\r" in text) else text


def _line(element: etree._Element) -> int | None:
    line: object = element.sourceline
    return line if isinstance(line, int) else None


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[Item] = []
        self.problems: list[Problem] = []
        self.records = 0
        self.root_checked = False
        self.root_ok = False
        self.ns: str | None = None
        self.parts_of: dict[str, str] = {}  # qualified tag of Last, First, Middle -> local name
        self.tags: dict[str, tuple[str | None, str]] = {}

    def split(self, tag: object) -> tuple[str | None, str]:
        """_split, remembered: a file uses the same few dozen tags again and again."""
        if not isinstance(tag, str):
            return None, ""
        found = self.tags.get(tag)
        if found is None:
            found = self.tags[tag] = _split(tag)
        return found

    def qualified(self, local: str) -> str:
        return local if self.ns is None else f"{{{self.ns}}}{local}"

    def problem(
        self, line: int | None, record: int | None, message: str, *, warning: bool = False
    ) -> None:
        severity: Literal["error", "warning"] = "warning" if warning else "error"
        self.problems.append(Problem(self.source, line, record, message, severity))

    def run(self, text: str) -> None:
        if not text.lstrip("\ufeff").strip():
            self.problem(None, None, "no sources: the file is empty", warning=True)
            return
        parser = etree.XMLPullParser(
            events=("end",),
            tag="{*}Source",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        )
        try:
            for chunk in _utf8_chunks(text):
                parser.feed(chunk)
                self.drain(parser)
            root = parser.close()
            self.drain(parser)
        except etree.LxmlError as exc:
            self.drain(parser)
            line = getattr(exc, "lineno", None) or None
            message = str(exc).split(" (<string>", 1)[0] or "malformed XML"
            after = "; sources after this point are not read" if self.records else ""
            self.problem(line, None, f"not well-formed XML: {message}{after}")
            return
        if not self.root_checked:
            self.check_root(root)
        if not self.root_ok:
            return
        self.outside(root, None)
        if self.records == 0:
            self.problem(None, None, "no sources: the file holds no b:Source", warning=True)

    def check_root(self, root: etree._Element) -> None:
        self.root_checked = True
        namespace, local = _split(root.tag)
        if local == "Sources" and namespace in (NS, None):
            self.root_ok = True
            self.ns = namespace
            self.parts_of = {self.qualified(name): name for name in ("Last", "First", "Middle")}
            return
        shown = local if namespace is None else f"{{{namespace}}}{local}"
        self.problem(
            _line(root),
            None,
            f"not a Word bibliography: the root element is {shown}, not b:Sources in {NS}",
        )

    def drain(self, parser: etree.XMLPullParser) -> None:
        for _event, found in parser.read_events():
            if not isinstance(found, etree._Element):
                continue
            element = found
            parent = element.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # the root itself, or a Source nested in something else
            if not self.root_checked:
                self.check_root(parent)
            if not self.root_ok or _split(element.tag)[0] != self.ns:
                continue
            self.outside(parent, element)
            self.records += 1
            try:
                self.read_source(element)
            finally:
                element.clear()
                while element.getprevious() is not None:
                    del parent[0]

    def outside(self, root: etree._Element, upto: etree._Element | None) -> None:
        """Warn about root children other than sources (before `upto`, or all that are left)."""
        for child in root:
            if child is upto:
                return
            if not isinstance(child.tag, str):
                continue
            namespace, local = _split(child.tag)
            if local == "Source" and namespace == self.ns:
                continue
            message = f"element {local} outside any b:Source ignored"
            self.problem(_line(child), None, message, warning=True)

    def text(self, element: etree._Element, record: int) -> str:
        """The element's text (its children's too); entity references are left out."""
        if len(element) == 0:
            return (element.text or "").strip()
        parts: list[str] = []
        self.collect(element, parts, record)
        return "".join(parts).strip()

    def collect(self, element: etree._Element, parts: list[str], record: int) -> None:
        parts.append(element.text or "")
        for child in element:
            if child.tag is etree.Entity:
                message = (
                    f"record {record}: entity reference {child.text} left out (never expanded)"
                )
                self.problem(_line(child), record, message, warning=True)
            elif isinstance(child.tag, str):
                self.collect(child, parts, record)
            parts.append(child.tail or "")

    def read_source(self, element: etree._Element) -> None:
        split = self.split
        number = self.records
        rec = _Source(self, number, _line(element))
        children: list[tuple[str, etree._Element]] = []
        for child in element:
            if not isinstance(child.tag, str):
                if child.tag is etree.Entity:
                    rec.warn(f"entity reference {child.text} left out (never expanded)")
                continue
            namespace, local = split(child.tag)
            if namespace != self.ns:
                shown = local if namespace is None else f"{{{namespace}}}{local}"
                rec.warn(f"element {shown} of another namespace ignored")
                continue
            children.append((local, child))
        for name, child in children:
            if name == "SourceType" and not rec.source_type:
                rec.source_type = self.text(child, number)
        for name, child in children:
            if name == "Author":
                rec.authors(child)
            elif name != "SourceType" or rec.seen_source_type:
                rec.element(name, self.text(child, number))
            else:
                rec.seen_source_type = True
        self.items.append(rec.item())


class _Source:
    """What one b:Source's elements make, field by field, before the winners are chosen."""

    def __init__(self, reader: _Reader, number: int, line: int | None) -> None:
        self.reader = reader
        self.number = number
        self.line = line
        self.source_type = ""
        self.seen_source_type = False
        self.seq = 0
        # field -> (rank, order, value, the `extra` line if it loses, its Comments line or -1)
        self.candidates: dict[str, list[tuple[int, int, str, str, int]]] = {}
        self.dates: dict[str, str] = {}
        self.tag = ""
        self.guid = ""
        self.creators: list[tuple[Creator, bool]] = []  # (creator, written as a b:Person)
        self.tags: list[str] = []
        self.notes: list[str] = []
        self.lines: list[str] = []  # `extra` lines in the order found
        self.comments: list[str] = []
        self.serials: list[str] = []

    def warn(self, message: str) -> None:
        self.reader.problem(
            self.line, self.number, f"record {self.number}: {message}", warning=True
        )

    def offer(self, name: str, rank: int, value: str, lost: str, position: int = -1) -> None:
        self.seq += 1
        self.candidates.setdefault(name, []).append((rank, self.seq, value, lost, position))

    def element(self, name: str, value: str) -> None:
        if not value:
            return
        lost = f"{WORD_LINE}{name}: {value}"  # one line when kept (_one_line)
        if name == "Tag":
            if self.tag:
                self.lines.append(_one_line(lost))
            else:
                self.tag = value
        elif name == "Guid":
            if self.guid:
                self.lines.append(_one_line(lost))
            else:
                self.guid = value
        elif name == "SourceType":
            self.lines.append(_one_line(lost))  # a second SourceType
        elif name == "Comments":
            self.comments.append(value)
        elif name in _ELEMENT_FIELDS:
            target = _ELEMENT_FIELDS[name]
            self.offer(target, 0, clean_doi(value) if target == "DOI" else value, lost)
        elif name in CONTAINER_ELEMENTS:
            own = CONTAINERS.get(self.source_type, "PublicationTitle")
            rank = 0 if name == own else 1 + CONTAINER_ELEMENTS.index(name)
            self.offer("publicationTitle", rank, value, lost)
        elif name == "CountryRegion":
            self.offer("place", -1 if self.source_type == "Patent" else 1, value, lost)
        elif name in ALIASES_IN:
            self.offer(ALIASES_IN[name], 1 if name == "Institution" else 0, value, lost)
        elif name == "StandardNumber":
            self.serials.append(value)
        elif name == "BIBTEX_KeyWords":
            for word in _KEYWORDS_SPLIT.split(value):
                self.add_tag(word.strip())
        elif any(name in names for names in DATE_ELEMENTS.values()):
            if name in self.dates:
                self.lines.append(_one_line(lost))
            else:
                self.dates[name] = value
        else:
            self.lines.append(_one_line(lost))

    def add_tag(self, tag: str) -> None:
        if tag and tag not in self.tags:
            self.tags.append(tag)

    def authors(self, container: etree._Element) -> None:
        reader = self.reader
        for role_element in container:
            if not isinstance(role_element.tag, str):
                continue
            namespace, name = reader.split(role_element.tag)
            if namespace != reader.ns:
                continue
            role = ROLES_IN.get(name)
            for creator, as_person in self.names(role_element, role or "contributor"):
                if role is not None:
                    self.creators.append((creator, as_person))
                else:
                    self.lines.append(f"{WORD_LINE}{name}: {_name_text(creator).strip()}")

    def names(self, element: etree._Element, role: CreatorRole) -> list[tuple[Creator, bool]]:
        reader = self.reader
        person_tag, corporate_tag = reader.qualified("Person"), reader.qualified("Corporate")
        parts_of = reader.parts_of
        found: list[tuple[Creator, bool]] = []
        for child in element.iter(person_tag, corporate_tag):
            if child.tag == corporate_tag:
                value = _one_line(reader.text(child, self.number))
                if value:
                    found.append((Creator(literal=value, role=role), False))
                continue
            parts: dict[str, list[str]] = {"Last": [], "First": [], "Middle": []}
            for part in child:
                part_name = parts_of.get(part.tag)
                if part_name is not None:
                    value = _one_line(reader.text(part, self.number))
                    if value:
                        parts[part_name].append(value)
            family = " ".join(parts["Last"])
            given = " ".join(parts["First"] + parts["Middle"])
            if family or given:
                found.append((Creator(family, given, role=role), True))
        return found

    def item(self) -> Item:
        fields: dict[str, str] = {}
        entries, free = _comment_lines("\n".join(self.comments))
        unused: list[tuple[int, str]] = []  # labelled Comments lines not used: (position, text)
        type_line: tuple[int, str] | None = None
        date_lines: dict[str, tuple[int, str]] = {}
        markers: list[tuple[int, str, str]] = []
        comment_creators: list[Creator] = []
        for position, label, value in entries:
            if label == TYPE_LABEL and type_line is None:
                type_line = (position, value)
            elif label in DATE_LABELS.values() and label not in date_lines:
                date_lines[label] = (position, value)
            elif label in _COMMENT_FIELD:
                self.offer(_COMMENT_FIELD[label], 2, value, f"{label}: {value}", position)
            elif label in _CORPORATE_ROLE:
                markers.append((position, label, value))
            elif label == KEYWORD_LABEL:
                self.add_tag(value)
            elif label == NOTE_LABEL:
                self.notes.append(f"<p>{html.escape(value, quote=False)}</p>")
            elif label in _COMMENT_ROLE:
                comment_creators.append(_name_from_text(value, _COMMENT_ROLE[label]))
            else:  # a second Item Type, Date or Accessed line
                unused.append((position, f"{label}: {value}"))

        # The type: SourceType (and ThesisType), unless an Item Type line that fits says more.
        genre_found = self.candidates.get("genre", [])
        source_type = self.source_type
        kind = infer_type(source_type, min(genre_found)[2] if genre_found else "")
        if type_line is not None:
            named = _type_named(type_line[1])
            if named is not None and _fits(named, source_type):
                kind = named
            else:
                text = f"{TYPE_LABEL}: {type_line[1]}"
                self.warn(f"{text!r} does not fit SourceType {source_type!r}; kept in extra")
                unused.append((type_line[0], text))
        if not source_type:
            self.warn("no b:SourceType; read as a document")
        elif source_type not in TYPES_IN:
            self.warn(f"unknown SourceType {source_type!r}; read as a document")
        for value in self.serials:
            for name, number in _serial_in(value, kind).items():
                self.offer(name, 0, number, f"{WORD_LINE}StandardNumber: {value}")

        # Each field takes its best candidate; a different value is kept in extra.
        lost: list[str] = []
        for name, found in self.candidates.items():
            found.sort()
            winner = found[0][2]
            fields[name] = winner
            for _rank, _seq, value, line, position in found[1:]:
                if value == winner:
                    continue
                if position < 0:
                    line = _one_line(line)
                    if line not in lost:
                        lost.append(line)
                else:
                    unused.append((position, line))
        for name, (year_el, month_el, day_el) in DATE_ELEMENTS.items():
            dates = self.dates
            built = _date_in(dates.get(year_el, ""), dates.get(month_el, ""), dates.get(day_el, ""))
            label = DATE_LABELS[name]
            if label in date_lines:
                position, written = date_lines[label]
                agrees = parse_date(written).year == parse_date(built).year
                if year_el in dates and agrees:
                    built = written
                else:
                    unused.append((position, f"{label}: {written}"))
            if built:
                fields[name] = built
        title = fields.get("title", "")
        made_up = bool(self.guid) and self.guid == _guid(self.tag, title, made_up=True)
        ours = made_up or (bool(self.guid) and self.guid == _guid(self.tag, title))
        if self.tag and not made_up:
            fields["citationKey"] = self.tag

        # Creators: institutions written as a b:Person come back as institutions.
        creators = [creator for creator, _ in self.creators]
        as_person = [person for _, person in self.creators]
        for position, label, value in markers:
            role = _CORPORATE_ROLE[label]
            for index, creator in enumerate(creators):
                if (
                    as_person[index]
                    and creator.role == role
                    and not creator.given
                    and creator.family == value
                ):
                    creators[index] = Creator(literal=value, role=role)
                    as_person[index] = False
                    break
            else:
                unused.append((position, f"{label}: {value}"))
        creators.extend(comment_creators)
        creators.sort(key=lambda c: ROLE_ORDER[c.role])

        # extra: the SourceType when the type does not give it back, Word's own Guid, elements
        # we do not map, values that lost to another, free Comments lines, unused labelled ones.
        first: list[str] = []
        if source_type and source_type != TYPES_OUT.get(kind):
            first.append(f"{WORD_LINE}SourceType: {_BREAKS.sub(' ', source_type)}")
        if self.guid and not ours:
            first.append(f"{WORD_LINE}Guid: {_BREAKS.sub(' ', self.guid)}")
        unused.sort()
        lines = [
            *first,
            *self.lines,
            *lost,
            *(line for _, line in free),
            *(_BREAKS.sub(" ", line) for _, line in unused),
        ]
        ordered = plan_extra(lines, kind, keyless="citationKey" not in fields).ordered
        if ordered:
            fields["extra"] = "\n".join(ordered)
        return Item(kind, fields, creators, self.tags, self.notes)


def _comment_lines(text: str) -> tuple[list[tuple[int, str, str]], list[tuple[int, str]]]:
    """b:Comments split into labelled entries (position, label, value) and free lines.

    A line starting with a tab continues the labelled value above it (the writer folds a
    value's own line breaks so); a blank line ends it.
    """
    entries: list[tuple[int, str, str]] = []
    free: list[tuple[int, str]] = []
    current: list[str] | None = None
    start = 0
    for number, raw in enumerate(_LINES.split(text)):
        if raw.startswith("\t") and current is not None:
            current.append(raw[1:])
            continue
        if current is not None:
            entries.append((start, current[0], "\n".join(current[1:]).strip()))
            current = None
        line = raw.strip()
        if not line:
            continue
        labelled = _label(line)
        if labelled is None:
            free.append((number, line))
        else:  # the value keeps space before a line break of its own
            label = labelled[0]
            current, start = [label, raw.lstrip()[len(label) + 2 :].lstrip()], number
    if current is not None:
        entries.append((start, current[0], "\n".join(current[1:]).strip()))
    return entries, free


def _type_named(text: str) -> str | None:
    for kind, label in ITEM_TYPE_LABELS.items():
        if text.casefold() in (kind.casefold(), label.casefold()):
            return kind
    return None


def _month_in(text: str) -> int | None:
    if text.isascii() and text.isdigit():
        value = int(text)
        return value if 1 <= value <= 12 else None
    return _MONTH_IN.get(text.rstrip(".").casefold())


def _date_in(year: str, month: str, day: str) -> str:
    """Year, Month and Day elements as a date: ISO when they are plain, else their text."""
    month_n = _month_in(month) if month else None
    day_ok = not day or (
        month_n is not None and day.isascii() and day.isdigit() and 1 <= int(day) <= 31
    )
    if _YEAR4.fullmatch(year) and (not month or month_n) and day_ok:
        text = year
        if month_n:
            text += f"-{month_n:02d}"
            if day:
                text += f"-{int(day):02d}"
        return text
    return " ".join(p for p in (day, month, year) if p)


# ---------------------------------------------------------------------------------------------
# Writing


def write(items: Iterable[Item], out: TextIO) -> None:
    """Write items as a Word `Sources.xml`; the caller's file encoding must be UTF-8."""
    parts, items = with_key_parts(items)
    tags = unique_from_bases([own or made for own, made in parts])
    out.write(HEADER)
    out.write("\r\n")
    for item, tag in zip(items, tags, strict=True):
        out.write(source_xml(item, tag))
        out.write("\r\n")
    out.write(FOOTER)


def dumps(items: Iterable[Item]) -> str:
    """The Word XML text of items."""
    listed = list(items)
    parts = [HEADER, "\r\n"]
    for item, tag in zip(listed, unique_ids(listed), strict=True):
        parts.append(source_xml(item, tag))
        parts.append("\r\n")
    parts.append(FOOTER)
    return "".join(parts)


def _esc(text: str) -> str:
    if _UNSAFE.search(text) is None:
        return text
    text = _NOT_XML.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _clean(text: str) -> str:
    """Text as the reader will see it: without what XML cannot hold, without surrounding space."""
    return _NOT_XML.sub("", text).strip()


def _el(name: str, value: str) -> str:
    return f"<b:{name}>{_esc(value)}</b:{name}>" if value.strip() else ""


def _fold(value: str) -> str:
    """A value's line breaks as continuation lines of one Comments entry."""
    return _LINES.sub("\n\t", value) if ("\n" in value or "\r" in value) else value


def source_xml(item: Item, tag: str) -> str:
    """One `<b:Source>` element (on one line) for an item written under `tag`."""
    fields = item.fields
    kind = item.item_type
    extra = [line.strip() for line in fields.get("extra", "").split("\n") if line.strip()]
    plan = plan_extra(extra, kind, keyless="citationKey" not in fields)
    source_type = plan.source_type or TYPES_OUT.get(kind, "Misc")
    title = fields.get("title", "")
    comments: list[str] = []
    parts = [
        "<b:Source>",
        _el("Tag", tag),
        _el("SourceType", source_type),
        _el("Guid", plan.guid or _guid(_clean(tag), _clean(title), "citationKey" not in fields)),
        _authors_xml(item, plan, comments),
    ]
    is_patent = kind == "patent"
    for name, field_name in ELEMENTS:
        value = fields.get(field_name)
        if name == "City" and is_patent:
            name = "CountryRegion"
        elif name == "PatentNumber" and not is_patent:
            continue
        if value:
            parts.append(_el(name, value))
        if name == "ShortTitle":
            container = CONTAINERS.get(source_type, "PublicationTitle")
            parts.append(_el(container, fields.get("publicationTitle", "")))
            for date_field, names in DATE_ELEMENTS.items():
                parts.append(_dates_xml(fields.get(date_field, ""), names))
    in_comments = _serials_xml(item, parts)
    for name, value in plan.elements:
        parts.append(_el(name, value))

    # b:Comments: type, dates, fields, institutions, creators, keywords, abstract, notes, extra.
    lines: list[str] = []
    genre = fields.get("genre", "")
    shadowed = {label for line in extra if (label := (_label(line) or ("", ""))[0])}
    if infer_type(source_type, genre) != kind or TYPE_LABEL in shadowed:
        lines.append(f"{TYPE_LABEL}: {ITEM_TYPE_LABELS.get(kind, kind)}")
    for date_field, label in DATE_LABELS.items():
        value = fields.get(date_field, "")
        if value and (label in shadowed or _needs_line(value)):
            lines.append(f"{label}: {_fold(value)}")
    for label, field_name in COMMENT_FIELDS:
        value = fields.get(field_name, "")
        if field_name == "number" and is_patent:
            continue
        if field_name in ("ISBN", "ISSN") and field_name not in in_comments:
            continue
        if field_name == "abstract":
            lines.extend(comments)
            lines.extend(f"{KEYWORD_LABEL}: {_fold(t)}" for t in item.tags if t.strip())
        if value.strip():
            lines.append(f"{label}: {_fold(value)}")
    for note in item.notes:
        text = note_text(note)
        if text:
            lines.append(f"{NOTE_LABEL}: {text}")
    if plan.comments:
        if lines:
            lines.append("")
        lines.extend(plan.comments)
    parts.append(_el("Comments", "\n".join(lines)))
    parts.append("</b:Source>")
    return "".join(parts)


def _needs_line(value: str) -> bool:
    """Whether Year, Month and Day cannot give a date back: not plain, yet with a year."""
    return not _plain_date(value) and parse_date(value).year is not None


def _plain_date(value: str) -> bool:
    m = _ISO.fullmatch(value)
    if m is None:
        return False
    month, day = m.group(2), m.group(3)
    return (month is None or 1 <= int(month) <= 12) and (day is None or 1 <= int(day) <= 31)


def _dates_xml(value: str, names: tuple[str, str, str]) -> str:
    """Year, Month (English name) and Day elements of a date."""
    if not value:
        return ""
    year_el, month_el, day_el = names
    m = _ISO.fullmatch(value)
    if m is not None and _plain_date(value):
        year, month, day = m.group(1), m.group(2), m.group(3)
    else:
        parsed = parse_date(value)
        if parsed.year is None:
            return _el(year_el, value)  # `n.d.`: the text is all there is
        year = f"{parsed.year:04d}"
        month = str(parsed.month) if parsed.month else None
        day = str(parsed.day) if parsed.day and parsed.month else None
    out = _el(year_el, year)
    if month:
        out += _el(month_el, MONTHS[int(month) - 1])
        if day:
            out += _el(day_el, str(int(day)))
    return out


def _serials_xml(item: Item, parts: list[str]) -> set[str]:
    """b:StandardNumber for the ISBN or ISSN that reads back the same; the rest for Comments."""
    fields = item.fields
    order = ("ISBN", "ISSN") if item.item_type in ISBN_TYPES else ("ISSN", "ISBN")
    rest: set[str] = set()
    used = False
    for name in order:
        value = fields.get(name, "")
        if not value.strip():
            continue
        if (
            not used
            and value == value.strip()
            and _serial_in(value, item.item_type) == {name: value}
        ):
            parts.append(_el("StandardNumber", value))
            used = True
        else:
            rest.add(name)
    return rest


def _authors_xml(item: Item, plan: _Plan, comments: list[str]) -> str:
    """b:Author with its roles; Comments lines for institutions as persons and other roles."""
    groups: dict[str, list[Creator]] = {}
    others: list[str] = []
    for creator in item.creators:
        if not (creator.literal or creator.family or creator.given):
            continue
        role = creator.role
        if role in ROLES_OUT:
            groups.setdefault(role, []).append(creator)
        elif role in COMMENT_ROLES:
            others.append(f"{COMMENT_ROLES[role]}: {_name_text(creator)}")
    parts: list[str] = []
    for role, element in ROLES_OUT.items():
        people = groups.get(role)
        if not people:
            continue
        if role == "author" and item.item_type == "patent":
            element = "Inventor"
        if element == "Author" and len(people) == 1 and people[0].literal:
            parts.append(f"<b:Author>{_el('Corporate', people[0].literal)}</b:Author>")
            continue
        persons: list[str] = []
        for person in people:
            if person.literal:
                persons.append(f"<b:Person>{_el('Last', person.literal)}</b:Person>")
                comments.append(f"{CORPORATE_LABELS[role]}: {person.literal}")
            else:
                persons.append(_person_xml(person.family, person.given))
        parts.append(f"<b:{element}><b:NameList>{''.join(persons)}</b:NameList></b:{element}>")
    # Word's own roles kept in `extra`: people in one name list, then each institution alone.
    by_role: dict[str, list[Creator]] = {}
    for name, value in plan.roles:
        by_role.setdefault(name, []).append(_name_from_text(value, "contributor"))
    for name, creators in by_role.items():
        persons = [_person_xml(c.family, c.given) for c in creators if not c.literal]
        if persons:
            parts.append(f"<b:{name}><b:NameList>{''.join(persons)}</b:NameList></b:{name}>")
        for creator in creators:
            if creator.literal:
                parts.append(f"<b:{name}>{_el('Corporate', creator.literal)}</b:{name}>")
    comments.extend(others)
    return f"<b:Author>{''.join(parts)}</b:Author>" if parts else ""


def _person_xml(family: str, given: str) -> str:
    first, _, middle = given.strip(" ").partition(" ")
    if middle.startswith(" "):  # several spaces between given names: Word keeps single ones
        middle = " ".join(word for word in middle.split(" ") if word)
    last = f"<b:Last>{_esc(family)}</b:Last>" if family.strip() else ""
    if first:
        last += f"<b:First>{_esc(first)}</b:First>"
        if middle.strip():
            last += f"<b:Middle>{_esc(middle)}</b:Middle>"
    return f"<b:Person>{last}</b:Person>"
