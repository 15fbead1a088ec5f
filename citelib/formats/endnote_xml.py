"""EndNote XML: the `<xml><records><record>` export of EndNote X9/20 (File > Export > XML).

Written by hand: no maintained Python library reads and writes EndNote XML faithfully (rispy is
RIS only; bibutils' `endx2xml` is C and reads into MODS only; the Zotero translator is JavaScript
inside Zotero). Parsing uses lxml with every door shut: entities are never resolved
(`resolve_entities=False`), nothing is fetched (`no_network=True`), no DTD is loaded or validated,
and libxml2's limits stay on (`huge_tree=False`), so an external entity, a `SYSTEM` DTD and a
billion-laughs expansion all come to nothing. The records are read with `iterparse`, one
`<record>` at a time, each cleared once read, so a 100,000-record file is never one tree.

Reading turns each element into the EndNote tag of the same field (`<title>` is `%T`,
`<periodical><full-title>` is `%J`, `<electronic-resource-num>` is `%R`, see ELEMENT_TAGS) and
builds the item with `endnote.build_item`, so both EndNote formats share one mapping and keep what
they do not map the same way: as `EndNote %X: value` lines in `extra` (`EndNote element: value`
for elements with no tag, such as `<coden>`). Values are the text of the element whatever `<style>`
runs wrap it (EndNote writes several for mixed fonts); carriage returns (`&#xD;`, EndNote's line
break: several ISBNs in one `<isbn>`) are newlines. A known `ref-type` number decides the type
(its name may be in any language); an unknown number falls back to the name. `<notes>` is split
into notes at blank lines. `<database>`, `<source-app>`, `<rec-number>` and `<foreign-keys>` are
bookkeeping of the exporting library and are not kept. `<pdf-urls>` and other file links are
text in `extra` only: nothing is ever opened, read or copied because of them. Entity references
stay as written (`&name;`), with a warning.

Malformed XML: parsing stops at the first error, which is a Problem with lxml's line number; the
records completed before it are kept (the record cut by the error is lost), so the user sees what
is importable and where the file breaks. lxml's recovery mode is not used: it guesses.

Writing follows EndNote's own export: a UTF-8 declaration, `<xml><records>`, one `<record>` per
line, elements in the order of EndNote's DTD, every text value wrapped in
`<style face="normal" font="default" size="100%">` as EndNote writes it (tools that read
EndNote XML look for it; EndNote reads it either way), line breaks as `&#xD;`. What has no
element (see `endnote` for the list) goes into `<notes>` as `Extra: ...` lines, after the notes.
XML cannot carry control characters other than tab and newline: they are dropped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal, TextIO, cast

from lxml import etree

from citelib.formats import Problem, ReadResult
from citelib.formats.encoding import EncodedText, watched
from citelib.formats.endnote import (
    EXTRA_NOTE,
    NUMBER_TYPES,
    PERIODICAL_TYPES,
    ROLES_OUT,
    Entry,
    build_item,
    date_out,
    name_out,
    note_lines,
    one_line,
    pages_out,
    pubmed,
    resolve_type,
    type_name_out,
)
from citelib.formats.normalise import ISBN_TYPES
from citelib.gcpause import collector_paused
from citelib.model import Item

# How much of the start of a file is looked at for an internal DTD subset and its encoding.
_HEAD: Final = 65536

# EndNote's reference type numbers (the `ref-type` element). Names beyond TYPE_NAMES are read as
# documents that keep their name, so they go back out as the same number.
TYPE_NUMBERS: Final[dict[str, int]] = {
    "Artwork": 2,
    "Audiovisual Material": 3,
    "Bill": 4,
    "Book Section": 5,
    "Book": 6,
    "Case": 7,
    "Computer Program": 9,
    "Conference Proceedings": 10,
    "Web Page": 12,
    "Generic": 13,
    "Hearing": 14,
    "Journal Article": 17,
    "Magazine Article": 19,
    "Map": 20,
    "Film or Broadcast": 21,
    "Newspaper Article": 23,
    "Pamphlet": 24,
    "Patent": 25,
    "Personal Communication": 26,
    "Report": 27,
    "Edited Book": 28,
    "Statute": 31,
    "Thesis": 32,
    "Unpublished Work": 34,
    "Manuscript": 36,
    "Figure": 37,
    "Chart or Table": 38,
    "Equation": 39,
    "Electronic Article": 43,
    "Electronic Book": 44,
    "Online Database": 45,
    "Government Document": 46,
    "Conference Paper": 47,
    "Online Multimedia": 48,
    "Classical Work": 49,
    "Legal Rule or Regulation": 50,
    "Dictionary": 52,
    "Encyclopedia": 53,
    "Blog": 56,
    "Serial": 57,
    "Standard": 58,
    "Dataset": 59,
    "Electronic Book Section": 60,
    "Music": 61,
}
NUMBER_NAMES: Final[dict[str, str]] = {str(n): name for name, n in TYPE_NUMBERS.items()}
GENERIC: Final = 13

# Leaf elements of <record> -> the EndNote tag of the same field (or a key of their own: `issue`),
# in the order of EndNote's DTD. Elements not listed keep their name as the key.
ELEMENT_TAGS: Final[dict[str, str]] = {
    "pages": "P",
    "volume": "V",
    "number": "N",
    "issue": "issue",
    "num-vols": "6",
    "edition": "7",
    "section": "&",
    "reprint-edition": ")",
    "pub-location": "C",
    "publisher": "I",
    "orig-pub": "(",
    "isbn": "@",
    "accession-num": "M",
    "call-num": "L",
    "electronic-resource-num": "R",
    "abstract": "X",
    "label": "F",
    "caption": "^",
    "notes": "Z",
    "research-notes": "<",
    "work-type": "9",
    "reviewed-item": "*",
    "remote-database-name": "~",
    "remote-database-provider": "W",
    "language": "G",
    "access-date": "[",
    "modified-date": "=",
    "custom1": "1",
    "custom2": "2",
    "custom3": "3",
    "custom4": "4",
    "custom5": "#",
    "custom6": "$",
    "custom7": "]",
    "auth-address": "+",
}
# (group, child) -> tag, for the elements grouped under <titles>, <periodical>, <dates>.
GROUP_TAGS: Final[dict[tuple[str, str], str]] = {
    ("titles", "title"): "T",
    ("titles", "secondary-title"): "B",
    ("titles", "tertiary-title"): "S",
    ("titles", "alt-title"): "O",
    ("titles", "short-title"): "!",
    ("titles", "translated-title"): "Q",
    ("periodical", "full-title"): "J",
    ("periodical", "abbr-1"): "O",
    ("dates", "year"): "D",
}
# List groups: <contributors><authors><author>, <urls><pdf-urls><url>, <dates><pub-dates><date>.
LIST_TAGS: Final[dict[str, str]] = {
    "authors": "A",
    "secondary-authors": "E",
    "tertiary-authors": "Y",
    "subsidiary-authors": "?",
    "translated-authors": "H",
    "related-urls": "U",
    "web-urls": "U",
    "pdf-urls": ">",
    "text-urls": "text-urls",
    "image-urls": "image-urls",
    "pub-dates": "8",
    "copyright-dates": "copyright-dates",
}
_LIST_PARENTS: Final = frozenset(("contributors", "urls", "dates"))
_BOOKKEEPING: Final = frozenset(("database", "source-app", "rec-number", "foreign-keys"))
# The order of <record>'s children in EndNote's DTD (leaf elements and groups).
_RECORD_ORDER: Final[tuple[str, ...]] = (
    "pages", "volume", "number", "issue", "secondary-volume", "secondary-issue", "num-vols",
    "edition", "section", "reprint-edition", "reprint-status", "keywords", "dates",
    "pub-location", "publisher", "orig-pub", "isbn", "accession-num", "call-num", "report-id",
    "coden", "electronic-resource-num", "abstract", "label", "image", "caption", "notes",
    "research-notes", "work-type", "reviewed-item", "availability", "remote-source",
    "meeting-place", "work-location", "work-extent", "pack-method", "size", "repro-ratio",
    "remote-database-name", "remote-database-provider", "language", "urls", "access-date",
    "modified-date", "custom1", "custom2", "custom3", "custom4", "custom5", "custom6",
    "custom7", "misc1", "misc2", "misc3",
)  # fmt: skip
_WRITABLE_LEAVES: Final = frozenset(_RECORD_ORDER) - {"keywords", "dates", "urls"}
# Extra lines written back as elements: key (as in `EndNote key: value`) -> element.
_EXTRA_ELEMENTS: Final[dict[str, str]] = {
    **{f"%{tag}": element for element, tag in ELEMENT_TAGS.items() if len(tag) == 1},
    **{name: name for name in _WRITABLE_LEAVES if name not in ELEMENT_TAGS},
}
# Elements the writer fills from fields: an extra line for them goes into <notes> instead.
_FROM_FIELDS: Final = frozenset(
    ("pages", "volume", "number", "issue", "edition", "pub-location", "publisher", "isbn",
     "accession-num", "call-num", "electronic-resource-num", "abstract", "label", "notes",
     "work-type", "remote-database-name", "language", "access-date")
)  # fmt: skip
_EXTRA_LISTS: Final[dict[str, tuple[str, str]]] = {
    "%H": ("contributors", "translated-authors"),
    "%>": ("urls", "pdf-urls"),
    "%U": ("urls", "related-urls"),
    "%8": ("dates", "pub-dates"),
    "text-urls": ("urls", "text-urls"),
    "image-urls": ("urls", "image-urls"),
    "copyright-dates": ("dates", "copyright-dates"),
}
_EXTRA_TITLES: Final[dict[str, str]] = {"%Q": "translated-title"}

_SAFE: Final = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
}
_DECLARATION: Final = re.compile(r"^(\s*<\?xml\b[^>]*?)\s+encoding\s*=\s*(?:\"[^\"]*\"|'[^']*')")
_BLANK_LINE: Final = re.compile(r"\n\s*\n")
_EXTRA_LINE: Final = re.compile(r"EndNote (%.|[a-z][a-z0-9/-]*): (.*)")
_INVALID: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPECIAL: Final = re.compile("[&<>\r\n\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
STYLE: Final = '<style face="normal" font="default" size="100%">'
HEADER: Final = '<?xml version="1.0" encoding="UTF-8" ?><xml><records>'
FOOTER: Final = "</records></xml>\n"


# ---------------------------------------------------------------------------------------------
# Reading


def sniff(head: str) -> bool:
    """Whether a file looks like EndNote XML: an `<xml>` root with `<records>`, or `<ref-type`."""
    text = head.lstrip("\ufeff \t\r\n")
    if not text.startswith("<"):
        return False
    return bool(re.search(r"<xml>\s*<records>", text)) or (
        "<record>" in text and "<ref-type" in text
    )


def read(text: str, source: str = "<input>") -> ReadResult:
    """Parse EndNote XML text into items and problems. Never raises."""
    reader = _Reader(source)
    text = text.lstrip("\ufeff")
    if not text.strip():
        reader.problem(None, None, "no records: the file is empty")
    else:
        head = _DECLARATION.sub(r"\1", text[:200], count=1)  # the text is already decoded
        reader.parse(EncodedText(head + text[200:]), "<!ENTITY" in text[:_HEAD])
    return ReadResult(reader.items, reader.problems, reader.records, reader.lines)


def read_path(path: Path, source: str) -> ReadResult:
    """Parse an EndNote XML file straight from disk (its own encoding declaration applies), so
    that neither its text nor its bytes are ever whole in memory. Never raises on its content."""
    reader = _Reader(source)
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
        if not head.strip(b" \t\r\n\xef\xbb\xbf"):
            reader.problem(None, None, "no records: the file is empty")
        else:
            fh.seek(0)
            with watched(fh) as stream:
                reader.parse(stream, b"<!ENTITY" in head)
    return ReadResult(reader.items, reader.problems, reader.records, reader.lines)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[Item] = []
        self.lines: list[int] = []
        self.problems: list[Problem] = []
        self.records = 0

    def problem(
        self, line: int | None, record: int | None, message: str, *, error: bool = False
    ) -> None:
        severity: Literal["error", "warning"] = "error" if error else "warning"
        self.problems.append(Problem(self.source, line, record, message, severity))

    def parse(self, stream: BinaryIO | EncodedText, entities: bool) -> None:
        if entities:
            self.problem(
                None, None, "the file declares entities; they are never expanded (kept as &name;)"
            )
        with collector_paused():
            try:
                self.run(stream)
            except Exception as exc:  # never raise: a parser failure we did not foresee
                self.problem(None, None, f"cannot read the XML: {exc}", error=True)

    def run(self, stream: BinaryIO | EncodedText) -> None:
        events = etree.iterparse(stream, events=("end",), tag="record", **_SAFE)
        try:
            for _event, record in events:
                self.records += 1
                self.record(record)
                record.clear(keep_tail=True)
                parent = record.getparent()
                if parent is not None:
                    while record.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            line, message = _syntax_error(exc)
            if self.records:
                message += f"; the {self.records} records before it are read"
            self.problem(line, None, f"malformed XML: {message}", error=True)
        if self.records == 0 and not self.problems:
            self.problem(None, None, "no records: the file has no <record> elements")

    def record(self, record: etree._Element) -> None:
        number = self.records
        line = _line(record, 0)
        type_number = ""
        type_name: str | None = None
        entries: list[Entry] = []
        at = line  # problems name the record's line; entries keep their order by position
        etree.strip_tags(record, "style")  # in C: every value is then its element's text
        for child in record:
            tag = child.tag
            if not isinstance(tag, str) or tag in _BOOKKEEPING:
                continue
            if tag == "ref-type":
                type_number = _text(child)
                type_name = child.get("name")
            elif tag in ELEMENT_TAGS:
                key = ELEMENT_TAGS[tag]
                value = _text(child)
                if key == "Z":
                    entries.extend(("Z", block, at) for block in _BLANK_LINE.split(value))
                else:
                    entries.append((key, value, at))
            elif tag == "keywords":
                entries.extend(("K", _text(k), at) for k in child if k.tag == "keyword")
            elif tag in _LIST_PARENTS or tag in ("titles", "periodical", "alt-periodical"):
                for group in child:
                    if not isinstance(group.tag, str):
                        continue
                    single = GROUP_TAGS.get((tag, group.tag))
                    if single is not None:
                        entries.append((single, _text(group), at))
                    elif tag in _LIST_PARENTS:
                        key = LIST_TAGS.get(group.tag, f"{tag}/{group.tag}")
                        entries.extend((key, _text(v), at) for v in group if isinstance(v.tag, str))
                    else:
                        entries.append((f"{tag}/{group.tag}", _text(group), at))
            else:
                entries.append((tag, _text(child), at))
        name = NUMBER_NAMES.get(type_number)
        if name is None or (name == "Generic" and type_name and type_name != "Generic"):
            name = type_name or type_number or None
        if name is None:
            kind, kept, warning = "document", None, "no ref-type; read as Generic (a document)"
        else:
            kind, kept, warning = resolve_type(name)
        if warning:
            self.problem(line, number, f"record {number}: {warning}")
        self.items.append(build_item(kind, kept, entries))
        self.lines.append(line)


def _text(element: etree._Element) -> str:
    """The text of an element, whatever `<style>` runs wrap it; CR (`&#xD;`) is a newline."""
    runs = cast(Iterable[str], element.itertext())
    text = element.text if len(element) == 0 else "".join(runs)
    if not text:
        return ""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def _line(element: etree._Element, default: int) -> int:
    line = cast(int | None, element.sourceline)
    return line if line else default


def _syntax_error(exc: etree.XMLSyntaxError) -> tuple[int | None, str]:
    """The line and message of the first real error (with entities off, lxml's own is vague)."""
    # The log may hold older entries of this thread: the error that stopped parsing is the last.
    for entry in reversed(list(cast(Iterable[Any], exc.error_log))):
        if entry.level >= etree.ErrorLevels.ERROR:
            return entry.line or None, entry.message.strip()
    return exc.lineno or None, str(exc.msg or exc)


# ---------------------------------------------------------------------------------------------
# Writing


def write(items: Iterable[Item], out: TextIO) -> None:
    """Write items as EndNote XML (UTF-8 is the caller's file encoding)."""
    out.write(HEADER + "\n")
    for number, item in enumerate(items, start=1):
        out.write(record_xml(item, number))
        out.write("\n")
    out.write(FOOTER)


def dumps(items: Iterable[Item]) -> str:
    """The EndNote XML text of items."""
    out = io.StringIO()
    write(items, out)
    return out.getvalue()


def record_xml(item: Item, number: int) -> str:
    """One `<record>` element, on one line."""
    fields = item.fields
    extra = [line.strip() for line in fields.get("extra", "").split("\n") if line.strip()]
    type_name, type_line = type_name_out(item, extra)
    leaves: dict[str, str] = {}
    lists: dict[tuple[str, str], list[str]] = {}
    titles: dict[str, str] = {}
    notes_extra: list[str] = []  # `Extra:` lines of <notes>
    periodical = item.item_type in PERIODICAL_TYPES

    def note(text: str) -> None:
        notes_extra.append(EXTRA_NOTE + one_line(text))

    contributors: dict[str, list[str]] = {}
    groups = {"A": "authors", "E": "secondary-authors", "Y": "tertiary-authors"}
    groups["?"] = "subsidiary-authors"
    for creator in item.creators:
        name = name_out(creator)
        tag = ROLES_OUT.get(creator.role)
        if tag is not None and name:
            contributors.setdefault(groups[tag], []).append(name)
        elif name:
            note(f"{creator.role}: {name}")
    for name, element in (
        ("title", "title"),
        ("publicationTitle", "secondary-title"),
        ("series", "tertiary-title"),
        ("journalAbbreviation", "alt-title"),
        ("shortTitle", "short-title"),
    ):
        if fields.get(name):
            titles[element] = fields[name]
    year, full = date_out(fields.get("date", ""))
    number_field = "number" if item.item_type in NUMBER_TYPES else "issue"
    leaves["volume"] = fields.get("volume", "")
    leaves["number"] = fields.get(number_field, "")
    if item.item_type in NUMBER_TYPES:
        leaves["issue"] = fields.get("issue", "")
    elif fields.get("number"):
        note(f"number: {fields['number']}")
    pages, count = pages_out(item)
    leaves["pages"] = pages or count
    if pages and count:
        note(f"numberOfPages: {count}")
    if fields.get("pages") and not pages:
        note(f"pages: {fields['pages']}")
    if fields.get("numberOfPages") and not count:
        note(f"numberOfPages: {fields['numberOfPages']}")
    for name, element in (
        ("edition", "edition"),
        ("place", "pub-location"),
        ("publisher", "publisher"),
        ("callNumber", "call-num"),
        ("DOI", "electronic-resource-num"),
        ("abstract", "abstract"),
        ("citationKey", "label"),
        ("genre", "work-type"),
        ("archive", "remote-database-name"),
        ("language", "language"),
        ("accessDate", "access-date"),
    ):
        leaves[element] = fields.get(name, "")
    serials = ("ISBN", "ISSN") if item.item_type in ISBN_TYPES else ("ISSN", "ISBN")
    leaves["isbn"] = "\n".join(fields[name] for name in serials if fields.get(name))
    pmcid = fields.get("PMCID", "")
    if re.fullmatch(r"PMC\d+", pmcid):
        leaves["custom2"] = pmcid
    elif pmcid:
        note(f"PMCID: {pmcid}")
    for name in ("arXiv", "event", "rights"):
        if fields.get(name):
            note(f"{name}: {fields[name]}")
    if fields.get("url"):
        lists[("urls", "related-urls")] = [fields["url"]]
    for index, line in enumerate(extra):
        if index == type_line:
            continue
        m = _EXTRA_LINE.fullmatch(line)
        key, value = (m.group(1), m.group(2).strip()) if m else ("", "")
        element = _EXTRA_ELEMENTS.get(key, "")
        if element and value and element not in _FROM_FIELDS and not leaves.get(element):
            leaves[element] = value
        elif key in _EXTRA_LISTS and value:
            lists.setdefault(_EXTRA_LISTS[key], []).append(value)
        elif key in _EXTRA_TITLES and value and _EXTRA_TITLES[key] not in titles:
            titles[_EXTRA_TITLES[key]] = value
        else:
            note(line)
    # The databases a reader will see: one <remote-database-name>, one <...-provider>.
    pmid = fields.get("PMID", "")
    databases = [v for v in (fields.get("archive"), leaves.get("remote-database-provider")) if v]
    if pmid:
        if pmid.isascii() and pmid.isdigit() and pubmed(databases):
            leaves["accession-num"] = pmid
        else:
            note(f"PMID: {pmid}")
    for (group, child), values in lists.items():
        if group == "contributors":
            contributors.setdefault(child, []).extend(values)

    blocks = ["\n".join(line for line in note_lines(html) if line) for html in item.notes]
    blocks = [b for b in blocks if b]
    if notes_extra:
        blocks.append("\n".join(notes_extra))
    leaves["notes"] = "\n\n".join(blocks)

    parts = [f"<record><rec-number>{number}</rec-number>"]
    number_out = TYPE_NUMBERS.get(type_name, GENERIC)
    parts.append(f'<ref-type name="{_attr(type_name)}">{number_out}</ref-type>')
    if contributors:
        parts.append("<contributors>")
        for group in (*groups.values(), "translated-authors"):
            names = contributors.get(group)
            if names:
                inner = "".join(f"<author>{_styled(n)}</author>" for n in names)
                parts.append(f"<{group}>{inner}</{group}>")
        parts.append("</contributors>")
    if leaves.get("auth-address"):
        parts.append(_leaf("auth-address", leaves.pop("auth-address")))
    if titles:
        parts.append("<titles>")
        for element in (
            "title",
            "secondary-title",
            "tertiary-title",
            "alt-title",
            "short-title",
            "translated-title",
        ):
            if titles.get(element):
                parts.append(_leaf(element, titles[element]))
        parts.append("</titles>")
    if periodical and (fields.get("publicationTitle") or fields.get("journalAbbreviation")):
        parts.append("<periodical>")
        if fields.get("publicationTitle"):
            parts.append(_leaf("full-title", fields["publicationTitle"]))
        if fields.get("journalAbbreviation"):
            parts.append(_leaf("abbr-1", fields["journalAbbreviation"]))
        parts.append("</periodical>")
    for element in _RECORD_ORDER:
        if element == "keywords":
            if item.tags:
                inner = "".join(f"<keyword>{_styled(t)}</keyword>" for t in item.tags)
                parts.append(f"<keywords>{inner}</keywords>")
        elif element == "dates":
            copyright_dates = lists.get(("dates", "copyright-dates"), [])
            kept_dates = lists.get(("dates", "pub-dates"), [])
            # A kept date must not be the first: it would be read as the item's date.
            first_date = full or (year if kept_dates and year else "")
            pub_dates = [first_date] if first_date else []
            pub_dates += kept_dates
            if year or pub_dates or copyright_dates:
                parts.append("<dates>")
                if year:
                    parts.append(_leaf("year", year))
                if pub_dates:
                    inner = "".join(_leaf("date", d) for d in pub_dates)
                    parts.append(f"<pub-dates>{inner}</pub-dates>")
                if copyright_dates:
                    inner = "".join(_leaf("date", d) for d in copyright_dates)
                    parts.append(f"<copyright-dates>{inner}</copyright-dates>")
                parts.append("</dates>")
        elif element == "urls":
            kinds = ("web-urls", "pdf-urls", "text-urls", "related-urls", "image-urls")
            urls = [(kind, lists.get(("urls", kind), [])) for kind in kinds]
            if any(values for _kind, values in urls):
                parts.append("<urls>")
                for kind, values in urls:
                    if values:
                        inner = "".join(f"<url>{_escape(u)}</url>" for u in values)
                        parts.append(f"<{kind}>{inner}</{kind}>")
                parts.append("</urls>")
        elif leaves.get(element):
            parts.append(_leaf(element, leaves[element]))
    parts.append("</record>")
    return "".join(parts)


def _leaf(element: str, value: str) -> str:
    return f"<{element}>{STYLE}{_escape(value)}</style></{element}>"


def _styled(value: str) -> str:
    return f"{STYLE}{_escape(value)}</style>"


def _escape(value: str) -> str:
    """Text as XML content: `&<>` escaped, line breaks as `&#xD;` (EndNote's), no controls."""
    value = value.strip()
    if _SPECIAL.search(value) is None:
        return value
    value = _INVALID.sub("", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "&#xD;")


def _attr(value: str) -> str:
    return _escape(value).replace('"', "&quot;")
