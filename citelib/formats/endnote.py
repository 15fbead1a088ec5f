"""EndNote tagged (`.enw`, the refer-style export of EndNote, PubMed, Google Scholar and Zotero).

Written by hand: no maintained Python library reads and writes it faithfully. rispy reads RIS
only; bibutils (`end2xml`) is C and converts to MODS, losing what MODS has no place for; Zotero's
Refer/BibIX translator is JavaScript inside Zotero; citation-js is JavaScript and import-only.
The format is one tag per line, so a line loop and the tables below do the whole job. The record
builder here is shared with `endnote_xml`, whose reader turns each XML element into the tag of
the same EndNote field: both formats read through one mapping and keep unknown data the same way.

Reading, in short:
- A tag line is `%X value`: a percent sign, one character, a space (or the end of the line). A
  record is a run of lines up to a blank line; a second `%0` inside a run starts a new record too.
  A line without a tag continues the previous tag: for `%X` (abstract) and `%Z` (notes) it is a new
  paragraph (joined with a newline); for list tags (`%A %E %Y %? %H %K %@ %U` and every tag we keep
  in `extra`) it is another value (one author, keyword or ISBN per line, as EndNote writes them);
  for every other tag it is joined with a space (a wrapped title).
- Types map through TYPE_NAMES (name -> type) and TYPES_OUT. An unknown `%0` is a document with an
  `EndNote type: Name` line in `extra`, written back as that `%0`; so is a known alias that is not
  our own name for the type (`Conference Proceedings`, `Unpublished Work`), so it goes back out as
  it came. A record without `%0` is a document, with a warning.
- Names: `%A Family, Given`; a name ending in a comma is an institution (`%A World Health
  Organization,`, EndNote's rule) and becomes a literal; a name without a comma is `Given Family`
  (EndNote's reading too), split by `normalise.person`.
- `%D` is the year and gives the date; `%8` (EndNote's "Date") replaces it only when its year
  agrees (it is then the fuller date); otherwise, or when it has no year (`Jan 12`), it stays in
  `extra`. `%M` (accession number) is the PMID when it is all digits and the record's database
  (`%~`, `%W`) is PubMed/MEDLINE/NLM or not named; otherwise it stays in `extra`. `%@` is an ISBN
  or an ISSN by its shape, else by the type (as RIS's SN). `%2` holding `PMC...` is the PMCID
  (EndNote's Journal Article keeps PMCIDs there). For a book or a thesis a `%P` without a dash is
  the page count (EndNote labels their Pages "Number of Pages").
- A tag for a field that is already set with a different value, and every tag we do not map,
  goes into `extra` as an `EndNote %X: value` line, in the order of the file. File links (`%>`)
  are text only: nothing is ever opened, read or copied because of them.

Writing: CRLF line ends, `%0` first, one tag per line, a blank line between records; one `%A`
(`%E`, `%Y`, `%?`, `%K`) per name or keyword; an institution is written with its trailing comma.
Abstracts and notes keep their paragraphs as continuation lines (blank lines end a record, so
they go; a paragraph that would start with `%` joins the one before it). `EndNote %X:` lines of
`extra` are written back as `%X` tags (not `%0`), an `EndNote type:` line as the `%0`. What the
format has no tag for (every other `extra` line; arXiv, event, rights; a PMCID not of the form
`PMC123`; a PMID whose database is not PubMed; `number` or `issue`, whichever `%N` does not carry
for the type; a book's pages without a dash or another type's page count; creators with the
roles bookAuthor and contributor) is one `%Z Extra: ...` note line each. Other tools show it as a
note, and our reader turns it back into the field, creator or `extra` line. A note of one's own
whose every paragraph starts with `Extra: ` therefore reads back into `extra`.

What the tagged format cannot carry (see also tests/test_endnote.py): newlines in any field but
the abstract and notes; blank lines inside those; notes' HTML (written as plain text, one
paragraph per line, read back as `<p>` paragraphs); a person with only a family name of several
words (no comma: read as `Given Family`, as EndNote reads it); a name or keyword spanning lines.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import Final, TextIO

from citelib.formats import Problem, ReadResult
from citelib.formats.encoding import split_lines
from citelib.formats.lines import LineReader
from citelib.formats.normalise import ISBN_TYPES, clean_doi, person, place_serial
from citelib.model import Creator, CreatorRole, Item, note_text, parse_date

# citelib type -> the `%0` name written (also the XML `ref-type` name).
TYPES_OUT: Final[dict[str, str]] = {
    "journalArticle": "Journal Article",
    "book": "Book",
    "bookSection": "Book Section",
    "conferencePaper": "Conference Paper",
    "thesis": "Thesis",
    "report": "Report",
    "preprint": "Electronic Article",
    "webpage": "Web Page",
    "dataset": "Dataset",
    "patent": "Patent",
    "magazineArticle": "Magazine Article",
    "newspaperArticle": "Newspaper Article",
    "manuscript": "Manuscript",
    "document": "Generic",
}
# EndNote type name -> citelib type. Names not listed are documents and keep their name in extra.
TYPE_NAMES: Final[dict[str, str]] = {
    **{name: kind for kind, name in TYPES_OUT.items()},
    "Conference Proceedings": "conferencePaper",
    "Edited Book": "book",
    "Electronic Book": "book",
    "Electronic Book Section": "bookSection",
    "Government Document": "report",
    "Electronic Source": "webpage",  # the name of Web Page before EndNote X
    "Blog": "webpage",
    "Online Multimedia": "webpage",
    "Online Database": "dataset",
    "Aggregated Database": "dataset",
    "Unpublished Work": "manuscript",
}
_TYPE_FOLDED: Final[dict[str, str]] = {name.casefold(): name for name in TYPE_NAMES}
TYPE_EXTRA: Final = "EndNote type: "

# Tags holding one field. The first value wins (`%J` or `%B`, whichever comes first; the writer
# writes the field before any `extra` line); a second one, when it differs, goes into `extra`.
FIELDS_IN: Final[dict[str, str]] = {
    "T": "title",
    "!": "shortTitle",
    "X": "abstract",
    "J": "publicationTitle",
    "B": "publicationTitle",
    "O": "journalAbbreviation",
    "S": "series",
    "V": "volume",
    "issue": "issue",  # EndNote XML's <issue>; `%N` is the issue or the number by type
    "7": "edition",
    "I": "publisher",
    "C": "place",
    "G": "language",
    "9": "genre",
    "F": "citationKey",
    "L": "callNumber",
    "~": "archive",
    "R": "DOI",
    "U": "url",
    "[": "accessDate",
}
ROLES_IN: Final[dict[str, CreatorRole]] = {
    "A": "author",
    "E": "editor",
    "Y": "seriesEditor",
    "?": "translator",
}
ROLES_OUT: Final[dict[CreatorRole, str]] = {role: tag for tag, role in ROLES_IN.items()}
# Creator roles EndNote has no tag for: written as `%Z Extra: <role>: <name>`.
EXTRA_ROLES: Final[frozenset[str]] = frozenset(("bookAuthor", "contributor"))
# Fields read back from a `%Z Extra: <field>: <value>` line.
EXTRA_FIELDS: Final[frozenset[str]] = frozenset(
    ("PMCID", "PMID", "arXiv", "event", "rights", "numberOfPages", "pages", "number", "issue")
)
# Types whose `%N` is a number (report, patent, ...) rather than a journal issue.
NUMBER_TYPES: Final[frozenset[str]] = frozenset(("report", "patent", "preprint", "dataset"))
# Types whose `%P` without a dash is the page count (EndNote labels it "Number of Pages").
COUNT_TYPES: Final[frozenset[str]] = frozenset(("book", "thesis"))
# Types whose container is a periodical: `%J` (XML: periodical/full-title) rather than `%B`.
PERIODICAL_TYPES: Final[frozenset[str]] = frozenset(
    ("journalArticle", "magazineArticle", "newspaperArticle", "preprint")
)
# Types whose bare `%@` is an ISBN when its shape does not tell; all others take an ISSN.
# Continuation lines of these tags are paragraphs of one value; of LIST_TAGS, further values.
PARAGRAPH_TAGS: Final[frozenset[str]] = frozenset(("X", "Z"))
LIST_TAGS: Final[frozenset[str]] = frozenset(("A", "E", "Y", "?", "H", "K", "@", "U"))
_KNOWN: Final[frozenset[str]] = frozenset(
    (*FIELDS_IN, *ROLES_IN, "0", "D", "8", "P", "N", "@", "M", "2", "K", "Z")
)
# Tags whose continuation lines join the value they continue (the others: another value).
_JOINED: Final[frozenset[str]] = (_KNOWN - LIST_TAGS) | PARAGRAPH_TAGS
EXTRA_NOTE: Final = "Extra: "
EXTRA_PREFIX: Final = "EndNote "
_DATABASE_TAGS: Final = ("~", "W")
_PROVIDER_LINES: Final = ("EndNote %W: ", "EndNote %~: ")
_PUBMED: Final = re.compile(r"pubmed|medline|\bnlm\b|ncbi", re.IGNORECASE)

_EXTRA_TAG: Final = re.compile(r"EndNote (%.|[a-z][a-z0-9/-]*): (.*)")
_PMCID: Final = re.compile(r"PMC\d+")
_QUALIFIER: Final = re.compile(r"\s*\([^)]*\)\s*$")
_ISO_DATE: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_DASHES: Final = "-\u2013\u2014\u2212"
_SPACES: Final = re.compile(r"\s*[\r\n]+\s*")
_BLOCK_END: Final = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6])>", re.IGNORECASE)

Entry = tuple[str, str, int]  # (tag or XML element key, value, line)


# ---------------------------------------------------------------------------------------------
# Reading


def sniff(head: str) -> bool:
    """Whether a file starts like EndNote tagged: `%0 ` first, or a known tag and a `%T` line."""
    text = head.lstrip("\ufeff \t\r\n")
    if text.startswith("%0 "):
        return True
    first = text.split("\n", 1)[0]
    return (
        len(first) > 2
        and first[0] == "%"
        and first[1] in _KNOWN
        and first[2] == " "
        and ("\n%T " in text or "\n%0 " in text)
    )


def read(text: str, source: str = "<input>") -> ReadResult:
    """Parse EndNote tagged text into items and problems. Never raises."""
    return read_lines(split_lines(text), source)


def read_lines(lines: Iterable[str], source: str = "<input>") -> ReadResult:
    """Parse EndNote tagged lines (without their line ends) into items and problems."""
    return _Reader.read_lines(lines, source)


class _Reader(LineReader):
    severity = "warning"

    def run(self, lines: Iterable[str]) -> None:
        entries: list[Entry] | None = None  # the open record's tag lines
        has_type = False
        start = 0
        junk = 0  # first line of a run of text outside any record
        last_tag = ""
        for number, raw in enumerate(lines, start=1):
            line = raw.replace("\ufeff", "") if "\ufeff" in raw else raw
            tag = line[1] if is_tag_line(line) else ""
            if tag:
                if entries is None or (tag == "0" and has_type):
                    if entries is not None:
                        self.finish(entries, start)
                    if junk:
                        self.junk(junk)
                        junk = 0
                    self.records += 1
                    entries, start, has_type = [], number, False
                if tag == "0":
                    has_type = True
                entries.append((tag, line[3:].strip(), number))
                last_tag = tag
            elif not line or line.isspace():
                if entries is not None:
                    self.finish(entries, start)
                    entries = None
            elif entries is None:
                if not junk:
                    junk = number
            else:
                value = line.strip()
                if last_tag in _JOINED:
                    tag, old, at = entries[-1]
                    sep = "\n" if last_tag in PARAGRAPH_TAGS else " "
                    entries[-1] = (tag, f"{old}{sep}{value}" if old else value, at)
                else:  # another author, keyword, ISBN or URL; another line of an extra tag
                    entries.append((last_tag, value, number))
        if entries is not None:
            self.finish(entries, start)
        if junk:
            self.junk(junk)
        if self.records == 0 and not self.problems:
            self.problems.append(
                Problem(self.source, None, None, "no records: the file is empty", "warning")
            )

    def junk(self, line: int) -> None:
        where = "before the first record" if self.records == 0 else "outside a record"
        self.problem(line, None, f"text {where} ignored (a record starts with a %0 line)")

    def finish(self, entries: list[Entry], start: int) -> None:
        number = self.records
        type_name: str | None = None
        rest: list[Entry] = []
        for entry in entries:
            if entry[0] == "0" and type_name is None:
                type_name = entry[1]
            else:
                rest.append(entry)
        item_type, kept, warning = resolve_type(type_name)
        if warning:
            self.problem(start, number, f"record {number}: {warning}")
        self.items.append(build_item(item_type, kept, rest))
        self.lines.append(start)


def is_tag_line(line: str) -> bool:
    """`%X value` or `%X`: a percent sign, a character that is not a space, then a space or tab."""
    return (
        len(line) > 1
        and line[0] == "%"
        and (len(line) == 2 or line[2] in " \t")
        and not line[1].isspace()
    )


def resolve_type(name: str | None) -> tuple[str, str | None, str]:
    """An EndNote type name -> (citelib type, name to keep in extra or None, warning or "")."""
    if name is None:
        return "document", None, "no %0 line; read as Generic (a document)"
    canonical = name if name in TYPE_NAMES else _TYPE_FOLDED.get(name.casefold())
    if canonical is None:
        if not name:
            return "document", None, "empty %0 line; read as Generic (a document)"
        return "document", name, f"unknown type {name!r}; read as a document"
    kind = TYPE_NAMES[canonical]
    return kind, (canonical if TYPES_OUT[kind] != canonical else None), ""


class _Record:
    """What one record's entries make: fields, creators and `extra` lines as they are read."""

    def __init__(self, item_type: str) -> None:
        self.item_type = item_type
        self.fields: dict[str, str] = {}
        self.creators: list[Creator] = []
        self.tags: list[str] = []
        self.notes: list[str] = []
        # (position, text, field it may fill) of each extra line; sorted by position at the end.
        self.extra: list[tuple[int, str, str]] = []

    def keep(self, at: int, tag: str, value: str) -> None:
        key = f"%{tag}" if len(tag) == 1 else tag
        value = one_line(value)  # a second abstract: its paragraphs on one line
        if value:
            self.extra.append((at, f"{EXTRA_PREFIX}{key}: {value}", ""))

    def put(self, name: str, value: str, at: int, tag: str) -> None:
        """Set a field unless set: an equal value is dropped, a different one kept in extra."""
        old = self.fields.get(name)
        if old is None:
            self.fields[name] = value
        elif old != value:
            self.keep(at, tag, value)


def build_item(item_type: str, type_name: str | None, entries: list[Entry]) -> Item:
    """One record's entries (tag or XML key, value, line) -> the item. Shared with endnote_xml."""
    rec = _Record(item_type)
    if type_name:
        rec.extra.append((-1, TYPE_EXTRA + type_name, ""))
    databases = [v for t, v, _ in entries if t in _DATABASE_TAGS and v]
    dates: list[tuple[int, str, str]] = []
    full_dates: list[tuple[int, str, str]] = []
    pages: list[tuple[int, str]] = []
    number_field = "number" if item_type in NUMBER_TYPES else "issue"
    for at, (tag, value, _line) in enumerate(entries):
        if not value:
            continue
        role = ROLES_IN.get(tag)
        if role is not None:
            for name in value.split("\n"):
                creator = _name(name, role)
                if creator is not None:
                    rec.creators.append(creator)
        elif tag in FIELDS_IN:
            if tag == "R":
                value = clean_doi(value)
            rec.put(FIELDS_IN[tag], value, at, tag)
        elif tag == "K":
            for word in value.split("\n"):
                word = word.strip()
                if word and word not in rec.tags:
                    rec.tags.append(word)
        elif tag == "Z":
            _note(rec, value, at)
        elif tag == "D":
            dates.append((at, tag, value))
        elif tag == "8":
            full_dates.append((at, tag, value))
        elif tag == "P":
            pages.append((at, value))
        elif tag == "N":
            rec.put(number_field, value, at, tag)
        elif tag == "@":
            for serial in value.split("\n"):
                if serial.strip():
                    _serial(rec, serial.strip(), at)
        elif tag == "M":
            if (
                "PMID" not in rec.fields
                and value.isascii()
                and value.isdigit()
                and pubmed(databases)
            ):
                rec.fields["PMID"] = value
            elif value != rec.fields.get("PMID"):
                rec.keep(at, tag, value)
        elif tag == "2" and "PMCID" not in rec.fields and _PMCID.fullmatch(value):
            rec.fields["PMCID"] = value
        else:  # %> file links, %+ addresses, customs and every tag we do not map
            rec.keep(at, tag, value)

    _dates(rec, dates, full_dates)
    _pages(rec, pages)

    extra_lines: list[str] = []
    for _at, text, name in sorted(rec.extra, key=lambda e: e[0]):
        if name and name not in rec.fields:
            rec.fields[name] = text.split(": ", 1)[1]
        else:
            extra_lines.append(text)
    if extra_lines:
        rec.fields["extra"] = "\n".join(extra_lines)
    return Item(rec.item_type, rec.fields, rec.creators, rec.tags, rec.notes)


def pubmed(databases: list[str]) -> bool:
    """Whether an all-digit accession number is a PMID: no database named, or PubMed's."""
    return not databases or any(_PUBMED.search(name) for name in databases)


def _name(value: str, role: CreatorRole) -> Creator | None:
    """`Family, Given`; `Name,` (trailing comma) is an institution; `Given Family` otherwise."""
    text = value.strip()
    if not text:
        return None
    if text.endswith(","):
        literal = text[:-1].strip()
        return Creator(literal=literal, role=role) if literal else None
    family, comma, given = text.partition(",")
    if comma and "," not in given:
        family, given = family.strip(), given.strip()
        if family:
            return Creator(family, given, role=role)
        return Creator(literal=given, role=role)
    return person(text, role)


def _note(rec: _Record, value: str, at: int) -> None:
    """A note: its lines are paragraphs; `Extra: ...` lines are what our writer had no tag for."""
    lines = [line.strip() for line in value.split("\n") if line.strip()]
    if not lines:
        return
    if all(line.startswith(EXTRA_NOTE) for line in lines):
        for line in lines:
            _extra_note(rec, line[len(EXTRA_NOTE) :], at)
        return
    rec.notes.append("".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines))


def _extra_note(rec: _Record, text: str, at: int) -> None:
    key, sep, rest = text.partition(": ")
    rest = rest.strip()
    if sep and key in EXTRA_ROLES and rest:
        role: CreatorRole = "bookAuthor" if key == "bookAuthor" else "contributor"
        creator = _name(rest, role)
        if creator is not None:
            rec.creators.append(creator)
    elif sep and key in EXTRA_FIELDS and rest:
        rec.extra.append((at, f"{key}: {rest}", key))
    elif text.strip():
        rec.extra.append((at, text.strip(), ""))


def _serial(rec: _Record, value: str, at: int) -> None:
    """A `%@`: ISBN or ISSN by its shape (`(Print)` and the like ignored), else by the item
    type; never overwriting."""
    if not place_serial(rec.fields, rec.item_type, value, _QUALIFIER.sub("", value)):
        rec.keep(at, "@", value)


def _dates(
    rec: _Record, dates: list[tuple[int, str, str]], full_dates: list[tuple[int, str, str]]
) -> None:
    """`%D` gives the date; the first `%8` replaces it only when its year agrees (it is fuller).

    A `%8` from another year, or with no year at all (`Jan 12`), never replaces the year: it is
    kept in extra. A repeated `%D` is dropped when it says the same.
    """
    main: str | None = None
    for at, tag, value in dates:
        if main is None:
            main = value
        elif value != main and not (value.isdigit() and _agrees(main, value)):
            rec.keep(at, tag, value)
    for index, (at, tag, value) in enumerate(full_dates):
        year = parse_date(value).year
        # Fuller than the year: more than the year's digits and punctuation (`2020-` is not).
        fuller = year is not None and _NOT_WORD.sub("", value) != str(year)
        if index == 0 and year is not None and (main is None or (fuller and _agrees(value, main))):
            main = value
        elif value != main:
            rec.keep(at, tag, value)
    if main:
        rec.fields["date"] = main


_NOT_WORD: Final = re.compile(r"[\W_]+")


def _agrees(full: str, year_date: str) -> bool:
    year = parse_date(full).year
    return year is not None and year == parse_date(year_date).year


def _pages(rec: _Record, pages: list[tuple[int, str]]) -> None:
    """The first `%P` is the pages; a book's or thesis's `%P` without a dash is its page count."""
    for at, value in pages:
        name = "pages"
        if rec.item_type in COUNT_TYPES and not any(dash in value for dash in _DASHES):
            name = "numberOfPages"
        rec.put(name, value, at, "P")


# ---------------------------------------------------------------------------------------------
# Writing

_Add = Callable[[str, str], None]


def write(items: Iterable[Item], out: TextIO) -> None:
    """Write items as EndNote tagged: CRLF line ends, UTF-8 is the caller's file encoding."""
    first = True
    for item in items:
        if not first:
            out.write("\r\n")
        first = False
        out.write(_record_text(item))


def dumps(items: Iterable[Item]) -> str:
    """The EndNote tagged text of items (CRLF line ends)."""
    return "\r\n".join(_record_text(item) for item in items)


def _record_text(item: Item) -> str:
    return "".join(f"%{tag} {value}\r\n" for tag, value in record_lines(item))


def type_name_out(item: Item, extra: list[str]) -> tuple[str, int]:
    """The EndNote type name of an item and the index of the `extra` line it came from (or -1)."""
    for index, line in enumerate(extra):
        if line.startswith(TYPE_EXTRA):
            name = line[len(TYPE_EXTRA) :].strip()
            known = TYPE_NAMES.get(name)
            if name and (
                known == item.item_type or (known is None and item.item_type == "document")
            ):
                return name, index
            break
    return TYPES_OUT.get(item.item_type, "Generic"), -1


def record_lines(item: Item) -> list[tuple[str, str]]:
    """The (tag, value) lines of one record, `%0` first. Values may hold CRLF continuations."""
    fields = item.fields
    extra = [line.strip() for line in fields.get("extra", "").split("\n") if line.strip()]
    type_name, type_line = type_name_out(item, extra)
    lines: list[tuple[str, str]] = [("0", one_line(type_name) or "Generic")]
    notes: list[tuple[str, str]] = []  # `%Z Extra:` lines, written after the real notes

    def add(tag: str, value: str) -> None:
        value = one_line(value)
        if value:
            lines.append((tag, value))

    def extra_note(text: str) -> None:
        text = one_line(text)
        if text:
            notes.append(("Z", EXTRA_NOTE + text))

    for creator in item.creators:
        name = name_out(creator)
        tag = ROLES_OUT.get(creator.role)
        if tag is not None:
            add(tag, name)
        elif name:  # in place, so that creators keep their order
            add("Z", f"{EXTRA_NOTE}{creator.role}: {name}")
    add("T", fields.get("title", ""))
    periodical = item.item_type in PERIODICAL_TYPES
    add("J" if periodical else "B", fields.get("publicationTitle", ""))
    add("O", fields.get("journalAbbreviation", ""))
    add("S", fields.get("series", ""))
    year, full = date_out(fields.get("date", ""))
    if year and not full and "EndNote %8: " in fields.get("extra", ""):
        full = year  # so that the %8 kept in extra is not the first %8, read as the date
    add("D", year)
    add("8", full)
    add("V", fields.get("volume", ""))
    number_field, other = (
        ("number", "issue") if item.item_type in NUMBER_TYPES else ("issue", "number")
    )
    add("N", fields.get(number_field, ""))
    if fields.get(other):
        extra_note(f"{other}: {fields[other]}")
    pages, count = pages_out(item)
    add("P", pages)
    add("P", count)
    if fields.get("pages") and not pages:
        extra_note(f"pages: {fields['pages']}")
    if fields.get("numberOfPages") and not count:
        extra_note(f"numberOfPages: {fields['numberOfPages']}")
    for name, tag in (("edition", "7"), ("publisher", "I"), ("place", "C"), ("genre", "9")):
        add(tag, fields.get(name, ""))
    # The field a shapeless %@ goes to for this type first, so it comes back to the same field.
    serials = ("ISBN", "ISSN") if item.item_type in ISBN_TYPES else ("ISSN", "ISBN")
    for name in serials:
        add("@", fields.get(name, ""))
    add("R", fields.get("DOI", ""))
    pmid = fields.get("PMID", "")
    if pmid:
        if pmid.isascii() and pmid.isdigit() and pubmed(databases_out(item, extra)):
            add("M", pmid)
        else:
            extra_note(f"PMID: {pmid}")
    pmcid = fields.get("PMCID", "")
    if _PMCID.fullmatch(pmcid):
        add("2", pmcid)
    elif pmcid:
        extra_note(f"PMCID: {pmcid}")
    add("U", fields.get("url", ""))
    add("[", fields.get("accessDate", ""))
    add("~", fields.get("archive", ""))
    for name, tag in (
        ("shortTitle", "!"),
        ("language", "G"),
        ("callNumber", "L"),
        ("citationKey", "F"),
    ):
        add(tag, fields.get(name, ""))
    for name in ("arXiv", "event", "rights"):
        if fields.get(name):
            extra_note(f"{name}: {fields[name]}")
    for tag_name in item.tags:
        add("K", tag_name)
    abstract = paragraphs(fields.get("abstract", "").split("\n"))
    if abstract:
        lines.append(("X", abstract))
    for note in item.notes:
        text = paragraphs(note_lines(note))
        if text:
            lines.append(("Z", text))
    lines.extend(notes)
    for index, line in enumerate(extra):
        if index == type_line:
            continue  # written as the %0
        m = _EXTRA_TAG.fullmatch(line)
        tag = m.group(1)[1:] if m else ""
        if len(tag) == 1 and tag != "0" and not tag.isspace():
            add(tag, m.group(2) if m else "")
        else:
            add("Z", EXTRA_NOTE + line)  # in place: `extra` keeps its order
    return lines


def databases_out(item: Item, extra: list[str]) -> list[str]:
    """The database names a reader will see beside the PMID: the archive and `%W` lines."""
    names = [item.fields["archive"]] if item.fields.get("archive") else []
    for line in extra:
        for prefix in _PROVIDER_LINES:
            if line.startswith(prefix):
                names.append(line[len(prefix) :])
    return names


def name_out(creator: Creator) -> str:
    """`Family, Given`, `Family`, or `Institution,` (EndNote's mark of a corporate name)."""
    if creator.literal:
        return f"{one_line(creator.literal)},"
    family, given = one_line(creator.family), one_line(creator.given)
    if not family:
        return f"{given}," if given else ""
    return f"{family}, {given}" if given else family


def date_out(date: str) -> tuple[str, str]:
    """(`%D` year, `%8` full date): `2026` alone, or the year and the date as written."""
    if not date:
        return "", ""
    m = _ISO_DATE.fullmatch(date)
    if m and not m.group(2):
        return date, ""
    year = parse_date(date).year
    if year is None:
        return date, ""  # `n.d.`: no year to write, so the text is the year
    return f"{year:04d}", date


def pages_out(item: Item) -> tuple[str, str]:
    """(`%P` pages, `%P` page count) as written; what `%P` cannot say is left for extra."""
    pages = item.fields.get("pages", "")
    count = item.fields.get("numberOfPages", "")
    if item.item_type not in COUNT_TYPES:
        return pages, ""
    dashed = pages if any(dash in pages for dash in _DASHES) else ""
    bare_count = count if count and not any(dash in count for dash in _DASHES) else ""
    return dashed, bare_count


def note_lines(note_html: str) -> list[str]:
    """A note's paragraphs as lines of plain text."""
    return [note_text(part) for part in _BLOCK_END.split(note_html)]


def paragraphs(lines: list[str]) -> str:
    """Lines joined as continuation lines: no blank ones; one that would read as a tag line joins
    the line before it."""
    out: list[str] = []
    for raw in lines:
        line = one_line(raw)
        if not line:
            continue
        if out and is_tag_line(line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\r\n".join(out)


def one_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        value = _SPACES.sub(" ", value)
    return value.strip()
