"""RIS: the tagged format of Zotero, EndNote, Mendeley, PubMed, Web of Science and Scopus exports.

Reading uses a small tolerant line parser of our own, not rispy. rispy's `load` gives no line
numbers (every `Problem` here needs the line of its record's `TY` or of the offending line), it
raises KeyError on a malformed tag line (a reader must never raise), and its default mapping
merges or drops repeated tags we have to keep apart (two `SN`, `UR` + `L2`, `IS` + `AN`). RIS is
simple enough that one regular expression per line and the tables below do the whole job.

Reading, in short:
- A tag line is `XX  - value` (two capitals or a capital and a digit; one or two spaces before
  the hyphen; `ER  -` without its trailing space is fine). A line without a tag continues the
  previous value (wrapped `AB`), joined with a space. A line that looks like a broken tag line
  (`ti  - x`, `TI -x`) is a warning with its line number; its text is kept in `extra` as a
  `RIS line: ...` line and the record is kept. Text before the first `TY` (or between `ER` and
  the next `TY`) is ignored with a warning; a record without `TY` is an error; a record cut off
  by the end of the file or by the next `TY` is kept with a warning.
- Types and tags map through TYPES_IN / TYPES_OUT and FIELDS_IN. A tag for a field that is
  already set with a different value, and every tag we do not map, goes into `extra` as a
  `RIS XX: value` line; `extra` lines keep the order of the lines they came from.
- `L1`/`L2`/`L4` file links are only kept as `RIS L1: ...` text; nothing is ever opened.

Writing: CRLF line ends, `TY  - ` first and `ER  - ` last, a blank line between records, one tag
per line, no wrapped values (a newline inside a value becomes a space). The `RIS XX: value` lines
of `extra` are written back as `XX` tags (not TY, ER, SP or EP: see _NOT_WRITTEN_BACK), and an
unknown type's `RIS type: X` line as the TY of a document. Our choice for what RIS has no tag
for (every other `extra` line, and the fields PMCID, arXiv, event, number, rights,
numberOfPages outside books, and creators with the roles bookAuthor and contributor): each is one
`N1  - Extra: ...` line. Other tools show it as a note, so nothing is hidden from the user, and
our reader turns an `N1` that starts with `Extra: ` back into the `extra` line, the field or the
creator, so export -> import keeps them. A note of one's own that starts with `Extra: ` is
therefore read back into `extra`, and blank `extra` lines are not kept.

What RIS cannot carry (see also tests/test_ris.py): newlines inside values; notes' HTML (written as
plain text, read back as one `<p>` paragraph); `;` inside a name or a keyword (they split); a
literal (institution) name holding a comma (it reads back as family, given). A person with only a
family name is written `Family,` so that it does not come back as a literal.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import Final, TextIO

from citelib.formats import ReadResult
from citelib.formats.encoding import split_lines
from citelib.formats.lines import LineReader
from citelib.formats.normalise import ISBN_TYPES, clean_doi, place_serial
from citelib.model import Creator, CreatorRole, Item, note_text, parse_date

# citelib type -> the TY written. Preprints are `GEN` with `M3  - Preprint` (PREPRINT_MARK).
TYPES_OUT: Final[dict[str, str]] = {
    "journalArticle": "JOUR",
    "book": "BOOK",
    "bookSection": "CHAP",
    "conferencePaper": "CONF",
    "thesis": "THES",
    "report": "RPRT",
    "preprint": "GEN",
    "webpage": "ELEC",
    "dataset": "DATA",
    "patent": "PAT",
    "magazineArticle": "MGZN",
    "newspaperArticle": "NEWS",
    "manuscript": "MANSCPT",
    "document": "GEN",
}
# TY read -> citelib type. `GEN` with an `M3  - Preprint` line becomes a preprint.
TYPES_IN: Final[dict[str, str]] = {
    "JOUR": "journalArticle",
    "EJOUR": "journalArticle",
    "ABST": "journalArticle",
    "INPR": "journalArticle",
    "BOOK": "book",
    "CHAP": "bookSection",
    "CONF": "conferencePaper",
    "CPAPER": "conferencePaper",
    "THES": "thesis",
    "RPRT": "report",
    "ELEC": "webpage",
    "WEB": "webpage",
    "DATA": "dataset",
    "PAT": "patent",
    "MGZN": "magazineArticle",
    "NEWS": "newspaperArticle",
    "MANSCPT": "manuscript",
    "UNPB": "manuscript",
    "GEN": "document",
}
PREPRINT_MARK: Final = "Preprint"

# Tags holding one field. Where several tags feed a field, the first tag listed for it wins over
# the others whatever their order in the record (T2 before JF before JO); the rest, when they
# differ, go into `extra`.
FIELDS_IN: Final[dict[str, str]] = {
    "TI": "title",
    "T1": "title",
    "ST": "shortTitle",
    "AB": "abstract",
    "N2": "abstract",
    "T2": "publicationTitle",
    "JF": "publicationTitle",
    "JO": "publicationTitle",
    "J2": "journalAbbreviation",
    "JA": "journalAbbreviation",
    "T3": "series",
    "VL": "volume",
    "IS": "issue",
    "ET": "edition",
    "PB": "publisher",
    "CY": "place",
    "PP": "place",
    "LA": "language",
    "M3": "genre",
    "ID": "citationKey",
    "LB": "citationKey",
    "CN": "callNumber",
    "DP": "archive",
}
_TAG_RANK: Final[dict[str, int]] = {tag: rank for rank, tag in enumerate(FIELDS_IN)}
# citelib field -> the tag written for it, in the order written (after TY, TI and the creators).
FIELDS_OUT: Final[tuple[tuple[str, str], ...]] = (
    ("shortTitle", "ST"),
    ("publicationTitle", "T2"),
    ("journalAbbreviation", "J2"),
    ("series", "T3"),
    ("abstract", "AB"),
    ("volume", "VL"),
    ("issue", "IS"),
    ("edition", "ET"),
    ("publisher", "PB"),
    ("place", "CY"),
    ("language", "LA"),
    ("genre", "M3"),
    ("citationKey", "ID"),
    ("callNumber", "CN"),
    ("archive", "DP"),
)
ROLES_IN: Final[dict[str, CreatorRole]] = {
    "AU": "author",
    "A1": "author",
    "A2": "editor",
    "ED": "editor",
    "A3": "seriesEditor",
    "A4": "translator",
}
ROLES_OUT: Final[dict[CreatorRole, str]] = {
    "author": "AU",
    "editor": "A2",
    "seriesEditor": "A3",
    "translator": "A4",
}
# Creator roles RIS has no tag for: written as `N1  - Extra: <role>: <name>`.
EXTRA_ROLES: Final[frozenset[str]] = frozenset(("bookAuthor", "contributor"))
# Fields RIS has no tag for: written as `N1  - Extra: <field>: <value>` and read back.
EXTRA_FIELDS: Final[frozenset[str]] = frozenset(
    ("PMCID", "arXiv", "event", "number", "rights", "numberOfPages", "pages", "PMID", "genre")
)
# An all-digit AN is a PubMed ID unless DP/DB names another database (Embase, Web of Science).
_PUBMED_DATABASE: Final = re.compile(r"pubmed|medline|\bnlm\b|ncbi", re.IGNORECASE)
DATE_TAGS: Final[frozenset[str]] = frozenset(("PY", "Y1"))
EXTRA_NOTE: Final = "Extra: "
# `RIS XX:` lines of `extra` not written back as tags: TY and ER would break the record, and an
# SP or EP would join the pages (`SP  - 5` + `EP  - 9` is `5-9`). They go out as `N1  - Extra:`.
_NOT_WRITTEN_BACK: Final[frozenset[str]] = frozenset(("TY", "ER", "SP", "EP"))

_TAG_LINE: Final = re.compile(r"([A-Z][A-Z0-9]) {1,2}-(?:[ \t](.*))?$")
_BROKEN_TAG: Final = re.compile(r"(?:[A-Z0-9]{1,4} {1,3}-|[A-Za-z0-9]{1,4} {2,}-)")
_RIS_DATE: Final = re.compile(r"(\d{4})(?:/(\d{0,2})(?:/(\d{0,2})(?:/(.*))?)?)?")
_ISO_DATE: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?: (\d{2}:\d{2}(?::\d{2})?))?")
_DASHES: Final = "-\u2013\u2014\u2212"
_EXTRA_TAG: Final = re.compile(r"RIS ([A-Z][A-Z0-9]): (.*)")
_SPACES: Final = re.compile(r"\s*[\r\n]+\s*")

_Add = Callable[[str, str], None]
_Note = Callable[[str], None]


# ---------------------------------------------------------------------------------------------
# Reading


def sniff(head: str) -> bool:
    """Whether the start of a file looks like RIS: its first non-blank line starts `TY  -`."""
    return head.lstrip("\ufeff \t\r\n").startswith("TY  -")


def read(text: str, source: str = "<input>") -> ReadResult:
    """Parse RIS text into items and problems. Never raises."""
    return read_lines(split_lines(text), source)


def read_lines(lines: Iterable[str], source: str = "<input>") -> ReadResult:
    """Parse RIS lines (without their line ends) into items and problems. Never raises."""
    return _Reader.read_lines(lines, source)


class _Reader(LineReader):
    def run(self, lines: Iterable[str]) -> None:
        entries: list[tuple[str, str, int]] | None = None  # the open record's tag lines
        start = 0  # line of the open record's TY (or first tag)
        junk_line = 0  # first line of a run of text outside any record
        for number, raw in enumerate(lines, start=1):
            line = raw.replace("\ufeff", "") if "\ufeff" in raw else raw
            m = _TAG_LINE.match(line)
            if m is None:
                if not line.strip():
                    continue
                if entries is None:
                    if not junk_line:
                        junk_line = number
                    continue
                if _BROKEN_TAG.match(line):
                    shown = line.strip()
                    message = f"record {self.records}: malformed tag line kept in extra: {shown!r}"
                    self.problem(number, self.records, message, warning=True)
                    entries.append(("RIS line", line.strip(), number))
                elif entries:
                    tag, value, at = entries[-1]
                    extra = line.strip()
                    entries[-1] = (tag, f"{value} {extra}" if value else extra, at)
                continue
            tag, value = m.group(1), (m.group(2) or "").strip()
            if junk_line:
                self.junk(junk_line)
                junk_line = 0
            if tag == "TY":
                if entries is not None:
                    self.problem(
                        start,
                        self.records,
                        f"record {self.records}: no ER line before the next TY (line {number})",
                        warning=True,
                    )
                    self.finish(entries, start)
                self.records += 1
                entries, start = [(tag, value, number)], number
            elif tag == "ER":
                if entries is None:
                    self.problem(number, None, "ER line outside a record ignored", warning=True)
                else:
                    self.finish(entries, start)
                    entries = None
            else:
                if entries is None:
                    self.records += 1
                    entries, start = [], number
                entries.append((tag, value, number))
        if junk_line:
            self.junk(junk_line)
        if entries is not None:
            self.problem(
                start,
                self.records,
                f"record {self.records}: no ER line at the end of the file",
                warning=True,
            )
            self.finish(entries, start)
        if self.records == 0 and not self.problems:
            self.problem(None, None, "no records: the file is empty", warning=True)

    def junk(self, line: int) -> None:
        where = "before the first TY" if self.records == 0 else "outside a record (after ER)"
        self.problem(line, None, f"text {where} ignored", warning=True)

    def finish(self, entries: list[tuple[str, str, int]], start: int) -> None:
        number = self.records
        if not entries or entries[0][0] != "TY":
            self.problem(start, number, f"record {number} has no TY line; left out")
            return
        item, warnings = _item(entries)
        for message in warnings:
            self.problem(start, number, f"record {number}: {message}", warning=True)
        self.items.append(item)
        self.lines.append(start)


class _Record:
    """What one record's tag lines make: fields, creators and `extra` lines as they are read."""

    def __init__(self, item_type: str) -> None:
        self.item_type = item_type
        self.fields: dict[str, str] = {}
        self.creators: list[Creator] = []
        self.tags: list[str] = []
        self.notes: list[str] = []
        # (line, text, field it may fill) of each extra line; sorted by line at the end.
        self.extra: list[tuple[int, str, str]] = []

    def keep(self, line: int, tag: str, value: str) -> None:
        self.extra.append((line, f"RIS {tag}: {value}", ""))

    def put(self, name: str, value: str, line: int, tag: str) -> None:
        """Set a field unless set: an equal value is dropped, a different one kept in extra."""
        old = self.fields.get(name)
        if old is None:
            self.fields[name] = value
        elif old != value:
            self.keep(line, tag, value)


def _item(entries: list[tuple[str, str, int]]) -> tuple[Item, list[str]]:
    """One record's tag lines (TY first) -> the item and its warnings."""
    warnings: list[str] = []
    ty = entries[0][1]
    code = ty.upper()
    item_type = TYPES_IN.get(code)
    rec = _Record(item_type or "document")
    if item_type is None:
        warnings.append(f"unknown type {ty!r}; read as a document")
        if ty:
            rec.extra.append((0, f"RIS type: {ty}", ""))
    preprint_mark = code == "GEN" and any(
        t == "M3" and v.casefold() == PREPRINT_MARK.casefold() for t, v, _ in entries
    )
    if preprint_mark:
        rec.item_type = "preprint"
    is_book = rec.item_type == "book"

    databases = [v for t, v, _ in entries if t in ("DP", "DB") and v]
    pubmed = not databases or any(_PUBMED_DATABASE.search(v) for v in databases)
    ranked: dict[str, list[tuple[int, int, str, str]]] = {}  # field -> (rank, line, tag, value)
    dates: list[tuple[int, str, str]] = []  # PY / Y1
    full_dates: list[tuple[int, str, str]] = []  # DA
    start_page: tuple[int, str] | None = None
    end_page: tuple[int, str] | None = None
    for tag, value, line in entries[1:]:
        if not value:
            continue
        if tag == "RIS line":
            rec.extra.append((line, f"RIS line: {value}", ""))
        elif tag == "M3" and preprint_mark and value.casefold() == PREPRINT_MARK.casefold():
            preprint_mark = False  # the first marker only; a second is a genre
        elif tag in FIELDS_IN:
            ranked.setdefault(FIELDS_IN[tag], []).append((_TAG_RANK[tag], line, tag, value))
        elif tag in ROLES_IN:
            rec.creators.extend(_names(value, ROLES_IN[tag]))
        elif tag in DATE_TAGS:
            dates.append((line, tag, value))
        elif tag == "DA":
            full_dates.append((line, tag, value))
        elif tag == "Y2":
            rec.put("accessDate", _date_in(value), line, tag)
        elif tag == "SP":
            if start_page is None:
                start_page = (line, value)
            else:
                rec.keep(line, tag, value)
        elif tag == "EP":
            if end_page is None:
                end_page = (line, value)
            else:
                rec.keep(line, tag, value)
        elif tag == "DO":
            rec.put("DOI", clean_doi(value), line, tag)
        elif tag == "UR":
            rec.put("url", value, line, tag)
        elif tag == "SN":
            _serial(rec, value, line)
        elif tag == "AN":
            if value.isascii() and value.isdigit() and "PMID" not in rec.fields and pubmed:
                rec.fields["PMID"] = value
            elif value != rec.fields.get("PMID"):
                rec.keep(line, tag, value)
        elif tag == "KW":
            for word in value.split(";"):
                word = word.strip()
                if word and word not in rec.tags:
                    rec.tags.append(word)
        elif tag == "N1":
            if value.startswith(EXTRA_NOTE):
                _extra_note(rec, value[len(EXTRA_NOTE) :], line)
            else:
                rec.notes.append(f"<p>{html.escape(value, quote=False)}</p>")
        else:  # L1, L2, L4, C1-C8, M1, M2 and every tag we do not know
            rec.keep(line, tag, value)

    for name, found in ranked.items():
        for _rank, line, tag, value in sorted(found):
            rec.put(name, value, line, tag)
    _dates(rec, dates, full_dates)
    _pages(rec, start_page, end_page, is_book)

    extra_lines: list[str] = []
    for _line, text, name in sorted(rec.extra, key=lambda e: e[0]):
        if name and name not in rec.fields:
            rec.fields[name] = text.split(": ", 1)[1]
        else:
            extra_lines.append(text)
    if extra_lines:
        rec.fields["extra"] = "\n".join(extra_lines)
    item = Item(rec.item_type, rec.fields, rec.creators, rec.tags, rec.notes)
    return item, warnings


def _names(value: str, role: CreatorRole) -> list[Creator]:
    """`Family, Given`, or a literal name without a comma; `A; B; C` holds several."""
    people: list[Creator] = []
    for part in value.split(";"):
        name = part.strip()
        if not name:
            continue
        family, comma, given = name.partition(",")
        family, given = family.strip(), given.strip()
        if comma and family:
            people.append(Creator(family, given, role=role))
        else:
            people.append(Creator(literal=name, role=role))
    return people


def _extra_note(rec: _Record, text: str, line: int) -> None:
    """An `N1  - Extra: ...` line our writer made: a creator, a field or an `extra` line."""
    key, sep, rest = text.partition(": ")
    if sep and key in EXTRA_ROLES and rest.strip():
        role: CreatorRole = "bookAuthor" if key == "bookAuthor" else "contributor"
        rec.creators.extend(_names(rest, role))
    elif sep and key in EXTRA_FIELDS and rest.strip():
        rec.extra.append((line, text, key))
    elif text.strip():
        rec.extra.append((line, text, ""))


def _serial(rec: _Record, value: str, line: int) -> None:
    """An SN: ISBN or ISSN by its shape, else by the item type; never overwriting."""
    if not place_serial(rec.fields, rec.item_type, value):
        rec.keep(line, "SN", value)


def _date_in(value: str) -> str:
    """`2015///` -> `2015`, `2016/01/` -> `2016-01`, `2026/01/12/10:20` -> `2026-01-12 10:20`."""
    m = _RIS_DATE.fullmatch(value)
    if m is None:
        return value
    year, month, day, rest = m.groups()
    month_n = int(month) if month else 0
    day_n = int(day) if day else 0
    if not 0 <= month_n <= 12 or not 0 <= day_n <= 31 or (day_n and not month_n):
        return value
    text = year
    if month_n:
        text += f"-{month_n:02d}"
        if day_n:
            text += f"-{day_n:02d}"
    rest = (rest or "").strip()
    return f"{text} {rest}" if rest else text


def _dates(
    rec: _Record, dates: list[tuple[int, str, str]], full_dates: list[tuple[int, str, str]]
) -> None:
    """PY/Y1 give the date; the first DA replaces it when its year agrees (it is fuller).

    A repeated PY/Y1 is dropped when it says the same: the same text, or the bare year of it.
    """
    main: str | None = None
    for line, tag, value in dates:
        text = _date_in(value)
        if main is None:
            main = text
        elif text != main and not (text.isdigit() and _agrees(main, text)):
            rec.keep(line, tag, value)
    for index, (line, tag, value) in enumerate(full_dates):
        text = _date_in(value)
        if index == 0 and (main is None or _agrees(text, main)):
            main = text
        elif text != main:
            rec.keep(line, tag, value)
    if main:
        rec.fields["date"] = main


def _agrees(full: str, year_date: str) -> bool:
    year = parse_date(full).year
    return year is not None and year == parse_date(year_date).year


def _pages(
    rec: _Record, start: tuple[int, str] | None, end: tuple[int, str] | None, is_book: bool
) -> None:
    """SP+EP -> `12-19`; SP holding a range stays whole; a book's lone SP is its page count."""
    if start is None:
        if end is not None:
            rec.put("pages", end[1], end[0], "EP")
        return
    line, first = start
    if any(dash in first for dash in _DASHES):
        rec.put("pages", first, line, "SP")
        if end is not None and not first.endswith(end[1]):
            rec.keep(end[0], "EP", end[1])
    elif end is not None:
        rec.put("pages", f"{first}-{end[1]}", line, "SP")
    elif is_book:
        rec.put("numberOfPages", first, line, "SP")
    else:
        rec.put("pages", first, line, "SP")


# ---------------------------------------------------------------------------------------------
# Writing


def write(items: Iterable[Item], out: TextIO) -> None:
    """Write items as RIS: CRLF line ends, UTF-8 is the caller's file encoding."""
    first = True
    for item in items:
        if not first:
            out.write("\r\n")
        first = False
        out.write("".join(f"{tag}  - {value}\r\n" for tag, value in record_lines(item)))


def dumps(items: Iterable[Item]) -> str:
    """The RIS text of items (CRLF line ends)."""
    lines: list[str] = []
    for item in items:
        if lines:
            lines.append("\r\n")
        lines.extend(f"{tag}  - {value}\r\n" for tag, value in record_lines(item))
    return "".join(lines)


def record_lines(item: Item) -> list[tuple[str, str]]:
    """The (tag, value) lines of one record, TY first and ER last."""
    fields = item.fields
    extra = [line for line in fields.get("extra", "").split("\n") if line.strip()]
    ty = TYPES_OUT.get(item.item_type, "GEN")
    type_line = -1  # the `extra` line written as the TY
    if item.item_type == "document":
        for index, line in enumerate(extra):
            if line.startswith("RIS type: ") and line[10:].strip():
                ty, type_line = line[10:].strip(), index
                break
    lines: list[tuple[str, str]] = [("TY", ty)]
    notes: list[tuple[str, str]] = []  # `N1  - Extra:` lines, written after the real notes

    def add(tag: str, value: str) -> None:
        value = _one_line(value)
        if value:
            lines.append((tag, value))

    def extra_note(text: str) -> None:
        text = _one_line(text)
        if text:
            notes.append(("N1", EXTRA_NOTE + text))

    if item.item_type == "preprint":
        add("M3", PREPRINT_MARK)
    add("TI", fields.get("title", ""))
    for person in item.creators:
        name = _name_out(person)
        tag = ROLES_OUT.get(person.role)
        if tag is not None:
            add(tag, name)
        else:  # in place, so that creators keep their order
            add("N1", f"{EXTRA_NOTE}{person.role}: {name}")
    for name, tag in FIELDS_OUT:
        value = fields.get(name, "")
        if (
            tag == "M3"
            and item.item_type != "preprint"
            and TYPES_OUT.get(item.item_type) == "GEN"
            and value.strip().casefold() == PREPRINT_MARK.casefold()
        ):
            extra_note(f"genre: {value}")  # as M3 it would make a GEN record a preprint
        else:
            add(tag, value)
    _write_pages(item, add, extra_note)
    _write_dates(fields, add)
    add("DO", fields.get("DOI", ""))
    # The field a shapeless SN goes to for this type first, so it comes back to the same field.
    serials = ("ISBN", "ISSN") if item.item_type in ISBN_TYPES else ("ISSN", "ISBN")
    for name in serials:
        add("SN", fields.get(name, ""))
    add("UR", fields.get("url", ""))
    pmid = fields.get("PMID", "")
    archive = fields.get("archive", "")
    if pmid and archive and not _PUBMED_DATABASE.search(archive) and pmid.isdigit():
        extra_note(f"PMID: {pmid}")  # an AN beside another database is read as its number
    else:
        add("AN", pmid)
    for name in ("PMCID", "arXiv", "event", "number", "rights"):
        if fields.get(name):
            extra_note(f"{name}: {fields[name]}")
    for tag_name in item.tags:
        add("KW", tag_name)
    for note in item.notes:
        add("N1", note_text(note))
    lines.extend(notes)
    notes.clear()
    for index, line in enumerate(extra):
        m = _EXTRA_TAG.fullmatch(line)
        if index == type_line:
            continue  # written as the TY
        if m and m.group(1) not in _NOT_WRITTEN_BACK:
            add(m.group(1), m.group(2))
        else:
            add("N1", EXTRA_NOTE + line)  # in place: `extra` keeps its order
    lines.append(("ER", ""))
    return lines


def _write_pages(item: Item, add: _Add, extra_note: _Note) -> None:
    """Pages as SP/EP; for a book, SP alone is the page count (as EndNote reads it)."""
    pages = item.fields.get("pages", "")
    count = item.fields.get("numberOfPages", "")
    is_book = item.item_type == "book"
    split = _split_range(pages)
    if split:
        add("SP", split[0])
        add("EP", split[1])
    elif pages and (not is_book or any(dash in pages for dash in _DASHES)):
        add("SP", pages)
    elif pages:
        extra_note(f"pages: {pages}")  # a book's lone SP would come back as its page count
    if count:
        if is_book and not pages and not any(dash in count for dash in _DASHES):
            add("SP", count)
        else:
            extra_note(f"numberOfPages: {count}")


def _split_range(pages: str) -> tuple[str, str] | None:
    first, dash, last = pages.partition("-")
    if not dash or "-" in last:
        return None
    if not first or not last or first != first.strip() or last != last.strip():
        return None
    if any(d in first or d in last for d in _DASHES):
        return None
    return first, last


def _write_dates(fields: dict[str, str], add: _Add) -> None:
    """`PY  - 2026` always, `DA  - 2026/01/12` when the month is known; other text as DA."""
    date = fields.get("date", "")
    if date:
        m = _ISO_DATE.fullmatch(date)
        if m and not m.group(4):
            year, month, day = m.group(1), m.group(2), m.group(3)
            add("PY", year)
            if month:
                add("DA", "/".join(p for p in (year, month, day) if p))
        else:
            year_n = parse_date(date).year
            if year_n is None:
                add("PY", date)  # `n.d.`: no year to write, so the text is the year
            else:
                add("PY", f"{year_n:04d}")
                add("DA", date)
    accessed = fields.get("accessDate", "")
    if accessed:
        m = _ISO_DATE.fullmatch(accessed)
        if m:
            parts = [p or "" for p in m.groups()]
            add("Y2", "/".join(parts).rstrip("/") if not parts[3] else "/".join(parts))
        else:
            add("Y2", accessed)


def _name_out(person: Creator) -> str:
    if person.literal:
        return person.literal
    return f"{person.family}, {person.given}" if person.given else f"{person.family},"


def _one_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        value = _SPACES.sub(" ", value)
    return value.strip()
