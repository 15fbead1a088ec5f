"""PubMed MEDLINE (`.nbib`): what PubMed's "Send to: Citation manager" saves, read and written.

A record is a run of tag lines (`PMID- 99000001`, `TI  - Title`: a tag of 2-4 capitals padded to
four characters, then `- `); a line starting with spaces continues the value above it (joined with
a space) and a blank line ends the record. NLM's element list is the reference.

Reading, in short:
- A line that is not a tag line and does not start with a space continues the value above, like
  an indented one, unless it looks like a broken tag line (`TI - x`, `ti  - x`): that is a warning
  and its text is kept in `extra` as `PubMed line: ...`. Text outside any record (a saved web
  page, a header) is ignored with a warning; a second `PMID` line without a blank line before it
  starts a new record (with a warning); a file that stops in the middle of a line ends its last
  record with a warning that it may be cut off. Records are never errors: whatever tag lines a
  record has, it is kept.
- The type comes from the publication types (PT, see TYPES_IN: `Preprint`, `Book Chapter`,
  `Book`, ... beat `Journal Article`), else from the book tags (`BTI` with a `TI` is a chapter,
  alone a book), else it is a journal article. The PT that chose the type is implied by the type;
  every other PT (`Review`, `Randomized Controlled Trial`) is kept in `extra`.
- Fields map through FIELDS_IN; where several tags feed a field (a book's `BTI` and `TI`), the
  tag ranked first wins whatever the line order, and a second value that differs goes to `extra`
  as `PubMed XX: value` (an equal one is dropped). Every tag we do not map goes there too, in line
  order: OWN, STAT, DCOM, LR, AD, AUID, GR, DEP, JID, SB, EDAT, MHDA, CRDT, PHST, PST, SO, COIS,
  MID, RN, the `[pii]` identifiers of LID and AID, ...
- Decisions: `DP` is kept as written (`2015 Mar 7`, `2019 Spring`, `2020 Jan-Feb`; parse_date
  reads all of them). Abbreviated page ranges are expanded as Zotero does (`123-9` -> `123-129`,
  `S12-9` -> `S12-19`), since a range that reads as going backwards is wrong everywhere else.
  `LA` keeps MEDLINE's three-letter code (`eng`), as RIS from PubMed does. MeSH headings (MH) and
  other terms (OT) become tags as written: `Killer Cells, Natural/*immunology` keeps its
  subheadings and the `*` that marks a major topic. The full name (FAU, FED) is preferred over
  the initials form (AU, ED) that follows it; AU alone (records before 2002) is read as
  `Family Initials`. CN is an institution (a literal name). Affiliations (AD) and ORCIDs (AUID)
  stay in `extra` in line order, so the author they belong to is not kept with them. The first IS
  gives ISSN (its `(Print)`/`(Electronic)`/`(Linking)` label dropped); every further IS line is
  kept in `extra` as written. Several ISBN lines are joined with a space. The DOI comes from
  `LID`/`AID` values ending `[doi]`, the PMCID from `PMC` (or an AID ending `[pmc]`).

Writing (not a format PubMed reads back, but what other tools import as PubMed): one line per
value (a newline inside a value becomes a space; values are not wrapped at 80 characters, which
readers of MEDLINE accept), LF line ends, a blank line between records, `PMID` first. Creators
are written FAU + AU (FED + ED for editors) in their order, institutions as CN. The type is a PT
(TYPES_OUT); a type PubMed has no PT for is written as `GN  - Extra: itemType: webpage`. What
MEDLINE has no tag for (the fields in EXTRA_FIELDS, creators of other roles, institutions as
editors, `extra` lines that are not `PubMed XX: value`) goes into `GN` (General Note) lines that
start `Extra: `, as the RIS writer does with N1: other tools show them as a note, and our reader
turns them back into the field, creator or `extra` line. Other notes are `GN` lines of plain
text; the `PubMed XX: value` lines of `extra` go back out as `XX` tags (not PMID, which would
start a new record). Tags are written as OT (the MeSH/keyword distinction is not kept).

What MEDLINE cannot carry (see tests/test_pubmed.py): newlines and space around values; an
abbreviated page range (read back expanded); notes' HTML; a comma in a family name or an
institution written as an `Extra:` creator; a note starting `Extra: `.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final, TextIO

from citelib.formats import ReadResult
from citelib.formats.encoding import split_lines
from citelib.formats.lines import LineReader
from citelib.formats.normalise import clean_doi, clean_issn
from citelib.model import CREATOR_ROLES, ITEM_TYPES, Creator, CreatorRole, Item, note_text

# Publication type (PT) -> citelib type, in priority order: the first of these a record has wins.
TYPES_IN: Final[dict[str, str]] = {
    "Preprint": "preprint",
    "Book Chapter": "bookSection",
    "Book": "book",
    "Newspaper Article": "newspaperArticle",
    "Academic Dissertation": "thesis",
    "Technical Report": "report",
    "Journal Article": "journalArticle",
    "Congress": "conferencePaper",
    "Dataset": "dataset",
}
_TYPE_RANK: Final[dict[str, int]] = {pt.casefold(): rank for rank, pt in enumerate(TYPES_IN)}
_TYPE_BY_RANK: Final[tuple[str, ...]] = tuple(TYPES_IN.values())
# citelib type -> the PT written. The other types are written as `GN  - Extra: itemType: <type>`.
TYPES_OUT: Final[dict[str, str]] = {kind: pt for pt, kind in TYPES_IN.items()}
TYPE_MARK: Final = "itemType"

# Tag -> field, for every type; TYPE_FIELDS_IN changes a few for one type. Where several tags
# feed one field, the one listed first (in the type's table) wins and is the one written.
FIELDS_IN: Final[dict[str, str]] = {
    "PMID": "PMID",
    "TI": "title",
    "AB": "abstract",
    "JT": "publicationTitle",
    "BTI": "publicationTitle",
    "TA": "journalAbbreviation",
    "CTI": "series",
    "VI": "volume",
    "IP": "issue",
    "PG": "pages",
    "EN": "edition",
    "PB": "publisher",
    "PL": "place",
    "DP": "date",
    "PMC": "PMCID",
    "LA": "language",
    "CI": "rights",
}
# A book's title is its BTI; a chapter's book is its BTI; a preprint's server (JT) is its
# publisher, as in Zotero's "Repository".
TYPE_FIELDS_IN: Final[dict[str, dict[str, str]]] = {
    "book": {"BTI": "title", "TI": "title", "JT": "publicationTitle"},
    "bookSection": {"TI": "title", "BTI": "publicationTitle", "JT": "publicationTitle"},
    "preprint": {"JT": "publisher", "PB": "publisher"},
}


def _type_table(item_type: str) -> dict[str, tuple[str, int]]:
    first = TYPE_FIELDS_IN.get(item_type, {})
    merged = {**first, **{tag: name for tag, name in FIELDS_IN.items() if tag not in first}}
    return {tag: (name, rank) for rank, (tag, name) in enumerate(merged.items())}


# type -> tag -> (field, rank); type -> field -> the tag written for it.
_FIELD_TAGS: Final[dict[str, dict[str, tuple[str, int]]]] = {
    kind: _type_table(kind) for kind in ITEM_TYPES
}
_FIELD_OUT: Final[dict[str, dict[str, str]]] = {
    kind: {name: tag for tag, (name, _rank) in reversed(table.items())}
    for kind, table in _FIELD_TAGS.items()
}
# Fields MEDLINE has no tag for: written as `GN  - Extra: <field>: <value>` and read back.
EXTRA_FIELDS: Final[tuple[str, ...]] = (
    "shortTitle",
    "url",
    "accessDate",
    "citationKey",
    "callNumber",
    "archive",
    "genre",
    "event",
    "number",
    "numberOfPages",
    "arXiv",
)
# Full-name tag -> (role, the initials tag that repeats it).
NAME_TAGS: Final[dict[str, tuple[CreatorRole, str]]] = {
    "FAU": ("author", "AU"),
    "FED": ("editor", "ED"),
}
SHORT_NAME_TAGS: Final[dict[str, CreatorRole]] = {"AU": "author", "ED": "editor"}
TAG_TAGS: Final[frozenset[str]] = frozenset(("MH", "OT"))
ID_TAGS: Final[frozenset[str]] = frozenset(("LID", "AID"))
EXTRA_NOTE: Final = "Extra: "
EXTRA_PREFIX: Final = "PubMed "
# `PubMed XX:` lines of `extra` not written back as tags: a PMID line starts a new record.
_NOT_WRITTEN_BACK: Final[frozenset[str]] = frozenset(("PMID",))
_NAME_SUFFIXES: Final[frozenset[str]] = frozenset(("Jr", "Sr", "2nd", "3rd", "4th", "II", "III"))

_TAG_LINE: Final = re.compile(r"(?=[A-Z][A-Z0-9 ]{3}-)([A-Z][A-Z0-9]{1,3}) *-(?:[ \t](.*))?$")
_BROKEN_TAG: Final = re.compile(r"[A-Za-z][A-Za-z0-9]{1,3} *-(?:\s|$)")
_ID_KIND: Final = re.compile(r"(.*?)\s*\[([A-Za-z]+)\]\s*$")
_ISSN_LABEL: Final = re.compile(r"\s*\([A-Za-z ]*\)\s*$")
_PAGES: Final = re.compile(r"([A-Za-z]*)(\d+)-([A-Za-z]*)(\d+)")
_EXTRA_TAG: Final = re.compile(r"PubMed ([A-Z][A-Z0-9]{1,3}): (.*)")
_INITIAL_SPLIT: Final = re.compile(r"[\s.\-]+")
_SPACES: Final = re.compile(r"\s*[\r\n]+\s*")

_Add = Callable[[str, str], None]


# ---------------------------------------------------------------------------------------------
# Shared with the PubMed XML reader


def expand_pages(pages: str) -> str:
    """`123-9` -> `123-129`, `1234-45` -> `1234-1245`, `S12-9` -> `S12-19`; others as they are.

    Only a range whose end has fewer digits than its start, and reads as at least the start when
    completed, is expanded.
    """
    m = _PAGES.fullmatch(pages.strip())
    if m is None:
        return pages.strip()
    prefix, start, end_prefix, end = m.groups()
    if end_prefix not in ("", prefix) or len(end) >= len(start):
        return pages.strip()
    full = start[: len(start) - len(end)] + end
    if int(full) < int(start):
        return pages.strip()
    return f"{prefix}{start}-{prefix}{full}" if end_prefix else f"{prefix}{start}-{full}"


def type_from_publication_types(types: Iterable[str]) -> tuple[str, str] | None:
    """The citelib type the publication types give, and the PT that gave it (or None)."""
    best: tuple[int, str] | None = None
    for value in types:
        rank = _TYPE_RANK.get(value.strip().casefold())
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, value)
    if best is None:
        return None
    return _TYPE_BY_RANK[best[0]], best[1]


# ---------------------------------------------------------------------------------------------
# Reading


def sniff(head: str) -> bool:
    """Whether a file starts like MEDLINE: a first tag line `PMID- `, or four-wide tag lines that
    include a tag RIS does not have (RIS's `TI  - ` lines look the same)."""
    lines = [line for line in split_lines(head.lstrip("\ufeff \t\r\n")) if line.strip()]
    if not lines:
        return False
    if lines[0].startswith("PMID-"):
        return True
    first = _TAG_LINE.match(lines[0])
    if first is None or first.group(1) in ("TY", "ER"):
        return False
    for line in lines[:200]:
        m = _TAG_LINE.match(line)
        if m and (len(m.group(1)) > 2 or m.group(1) in _MEDLINE_ONLY):
            return True
    return False


_MEDLINE_ONLY: Final = frozenset(("PT", "VI", "IP", "PG", "JT", "TA", "MH", "OT", "GN", "CI"))


def read(text: str, source: str = "<input>") -> ReadResult:
    """Parse MEDLINE text into items and problems. Never raises."""
    return read_lines(split_lines(text), source)


def read_lines(lines: Iterable[str], source: str = "<input>") -> ReadResult:
    """Parse MEDLINE lines (without their line ends) into items and problems. Never raises."""
    return _Reader.read_lines(lines, source)


_Entry = tuple[str, str, int]  # tag, value, line


class _Reader(LineReader):
    severity = "warning"

    def run(self, lines: Iterable[str]) -> None:
        entries: list[_Entry] | None = None  # the open record's tag lines
        has_pmid = False
        start = 0
        junk_line = 0
        last_line = 0
        line = ""
        for number, line in enumerate(lines, start=1):
            if number == 1 and line.startswith("\ufeff"):
                line = line[1:]
            m = _TAG_LINE.match(line)
            if m is None:
                if not line.strip():
                    if entries is not None:
                        self.finish(entries, start)
                        entries = None
                    continue
                if entries is None:
                    junk_line = junk_line or number
                    continue
                last_line = number
                if not line[0].isspace() and _BROKEN_TAG.match(line):
                    shown = line.strip()
                    self.problem(
                        number,
                        self.records,
                        f"record {self.records}: malformed tag line kept in extra: {shown!r}",
                    )
                    entries.append(("PubMed line", shown, number))
                elif entries:
                    tag, value, at = entries[-1]
                    more = line.strip()
                    entries[-1] = (tag, f"{value} {more}" if value else more, at)
                continue
            if junk_line:
                self.junk(junk_line)
                junk_line = 0
            tag = m.group(1)
            if entries is not None and tag == "PMID" and has_pmid:
                self.problem(
                    start,
                    self.records,
                    f"record {self.records}: no blank line before the next PMID (line {number})",
                )
                self.finish(entries, start)
                entries = None
            if entries is None:
                self.records += 1
                entries, start, has_pmid = [], number, False
            has_pmid = has_pmid or tag == "PMID"
            entries.append((tag, (m.group(2) or "").strip(), number))
            last_line = number
        if junk_line:
            self.junk(junk_line)
        if entries is not None:
            if line:  # the last line had no line end
                self.problem(
                    last_line,
                    self.records,
                    f"record {self.records}: the file ends in the middle of a line; "
                    "the record may be cut off",
                )
            self.finish(entries, start)
        if self.records == 0 and not self.problems:
            self.problem(None, None, "no records: the file is empty")

    def junk(self, line: int) -> None:
        where = "before the first record" if self.records == 0 else "between records"
        self.problem(line, None, f"text {where} ignored (not a MEDLINE tag line)")

    def finish(self, entries: list[_Entry], start: int) -> None:
        self.items.append(_item(entries))
        self.lines.append(start)


@dataclass
class _Record:
    item_type: str
    fields: dict[str, str] = field(default_factory=dict)
    creators: list[Creator] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # (line, text, field it may fill) of each `extra` line; sorted by line at the end.
    extra: list[tuple[int, str, str]] = field(default_factory=list)

    def keep(self, line: int, tag: str, value: str) -> None:
        self.extra.append((line, f"{EXTRA_PREFIX}{tag}: {value}", ""))


def _item(entries: list[_Entry]) -> Item:
    """One record's tag lines -> the item."""
    item_type, type_line = _record_type(entries)
    rec = _Record(item_type)
    table = _FIELD_TAGS[item_type]
    ranked: dict[str, list[tuple[int, int, str, str, str]]] = {}  # field -> rank, line, tag, ...
    pending: str | None = None  # the initials tag that may repeat the last full name
    issn_seen = False
    isbns: list[str] = []
    for tag, value, line in entries:
        if not value or line == type_line:
            continue
        if pending is not None and tag not in ("AD", "AUID"):
            expected, pending = pending, None
            if tag == expected:
                continue  # the initials form of the full name just read
        if tag in NAME_TAGS:
            role, pending = NAME_TAGS[tag]
            person = _full_name(value, role)
            if person is not None:
                rec.creators.append(person)
        elif tag in SHORT_NAME_TAGS:
            person = _short_name(value, SHORT_NAME_TAGS[tag])
            if person is not None:
                rec.creators.append(person)
        elif tag == "CN":
            rec.creators.append(Creator(literal=value))
        elif tag in table:
            name, rank = table[tag]
            ranked.setdefault(name, []).append((rank, line, tag, value, value))
        elif tag in ID_TAGS:
            m = _ID_KIND.fullmatch(value)
            kind = m.group(2).casefold() if m else ""
            if m and kind == "doi" and m.group(1):
                ranked.setdefault("DOI", []).append((0, line, tag, value, clean_doi(m.group(1))))
            elif m and kind == "pmc" and m.group(1):
                ranked.setdefault("PMCID", []).append((99, line, tag, value, m.group(1)))
            else:
                rec.keep(line, tag, value)
        elif tag == "IS":
            number = _ISSN_LABEL.sub("", value)
            if not issn_seen and number:
                rec.fields["ISSN"] = clean_issn(number)
                issn_seen = True
            else:
                rec.keep(line, tag, value)
        elif tag == "ISBN":
            isbns.append(value)
        elif tag in TAG_TAGS:
            if value not in rec.tags:
                rec.tags.append(value)
        elif tag == "GN":
            if value.startswith(EXTRA_NOTE):
                _extra_note(rec, value[len(EXTRA_NOTE) :], line)
            else:
                rec.notes.append(f"<p>{html.escape(value, quote=False)}</p>")
        elif tag == "PubMed line":
            rec.extra.append((line, f"PubMed line: {value}", ""))
        else:
            rec.keep(line, tag, value)

    for name, found in ranked.items():
        found.sort()
        _rank, _line, _tag, _raw, value = found[0]
        rec.fields[name] = expand_pages(value) if name == "pages" else value
        for _rank, line, tag, raw, value in found[1:]:
            if value != found[0][4]:
                rec.keep(line, tag, raw)
    if isbns:
        rec.fields["ISBN"] = " ".join(isbns)

    extra_lines: list[str] = []
    for _line, text, name in sorted(rec.extra, key=lambda e: e[0]):
        if name and name not in rec.fields:
            rec.fields[name] = text.split(": ", 1)[1]
        else:
            extra_lines.append(text)
    if extra_lines:
        rec.fields["extra"] = "\n".join(extra_lines)
    return Item(rec.item_type, rec.fields, rec.creators, rec.tags, rec.notes)


def _record_type(entries: list[_Entry]) -> tuple[str, int]:
    """The record's type and the line that gave it (0: none), per the module docstring."""
    for tag, value, line in entries:
        if tag == "GN" and value.startswith(EXTRA_NOTE):
            key, _sep, rest = value[len(EXTRA_NOTE) :].partition(": ")
            if key == TYPE_MARK and rest.strip() in ITEM_TYPES:
                return rest.strip(), line
    best: tuple[int, int, str] | None = None
    for tag, value, line in entries:
        if tag == "PT":
            rank = _TYPE_RANK.get(value.casefold())
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, line, _TYPE_BY_RANK[rank])
    if best is not None:
        return best[2], best[1]
    tags = {tag for tag, value, _line in entries if value}
    if "BTI" in tags:
        return ("bookSection" if "TI" in tags else "book"), 0
    return "journalArticle", 0


def _full_name(value: str, role: CreatorRole) -> Creator | None:
    """FAU/FED: `Family, Given` (MEDLINE writes suffixes after the given names)."""
    family, _comma, given = value.partition(",")
    if not family.strip() and not given.strip():
        return None
    return Creator(family.strip(), given.strip(), role=role)


def _short_name(value: str, role: CreatorRole) -> Creator | None:
    """AU/ED without a full name before it: `Family Initials`, `Family Initials Jr`, `Family`;
    `Family, Given` as other tools write it."""
    if "," in value:
        return _full_name(value, role)
    words = value.split()
    suffix = ""
    if len(words) > 2 and words[-1] in _NAME_SUFFIXES:
        suffix = words.pop()
    if len(words) > 1 and words[-1].isalpha() and words[-1].isupper():
        given = f"{words[-1]} {suffix}" if suffix else words[-1]
        return Creator(" ".join(words[:-1]), given, role=role)
    return Creator(value.strip(), role=role)


def _extra_note(rec: _Record, text: str, line: int) -> None:
    """A `GN  - Extra: ...` line our writer made: a creator, a field or an `extra` line."""
    key, sep, rest = text.partition(": ")
    if sep and key in CREATOR_ROLES and rest.strip():
        family, comma, given = rest.partition(",")
        role: CreatorRole = CREATOR_ROLES[CREATOR_ROLES.index(key)]
        if comma and family.strip():
            rec.creators.append(Creator(family.strip(), given.strip(), role=role))
        else:
            rec.creators.append(Creator(literal=rest.strip(), role=role))
    elif sep and key in EXTRA_FIELDS and rest.strip():
        rec.extra.append((line, text, key))
    elif text.strip():
        rec.extra.append((line, text, ""))


# ---------------------------------------------------------------------------------------------
# Writing


def write(items: Iterable[Item], out: TextIO) -> None:
    """Write items as MEDLINE (LF line ends; UTF-8 is the caller's file encoding)."""
    first = True
    for item in items:
        if not first:
            out.write("\n")
        first = False
        out.write("".join(_line(tag, value) for tag, value in record_lines(item)))


def dumps(items: Iterable[Item]) -> str:
    """The MEDLINE text of items."""
    parts: list[str] = []
    for item in items:
        if parts:
            parts.append("\n")
        parts.extend(_line(tag, value) for tag, value in record_lines(item))
    return "".join(parts)


def _line(tag: str, value: str) -> str:
    return f"{tag:<4}- {value}\n"


def record_lines(item: Item) -> list[tuple[str, str]]:
    """The (tag, value) lines of one record, in PubMed's order where it has one."""
    fields = item.fields
    out = _FIELD_OUT[item.item_type] if item.item_type in _FIELD_OUT else _FIELD_OUT["document"]
    lines: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []

    def add(tag: str, value: str) -> None:
        value = _one_line(value)
        if value:
            lines.append((tag, value))

    def add_field(name: str) -> None:
        value = fields.get(name, "")
        if value:
            add(out[name], value)

    def extra_note(text: str) -> None:
        text = _one_line(text)
        if text:
            notes.append(("GN", EXTRA_NOTE + text))

    add_field("PMID")
    add("IS", fields.get("ISSN", ""))
    for name in ("volume", "issue", "date", "title", "pages"):
        add_field(name)
    doi = _one_line(fields.get("DOI", ""))
    if doi:
        add("LID", f"{doi} [doi]")
    add_field("abstract")
    add_field("rights")
    for person in item.creators:
        _write_creator(person, add)
    add_field("language")
    pt = TYPES_OUT.get(item.item_type)
    if pt:
        add("PT", pt)
    else:
        extra_note(f"{TYPE_MARK}: {item.item_type}")
    for name in ("place", "journalAbbreviation", "publicationTitle", "publisher", "edition"):
        add_field(name)
    add_field("series")
    for isbn in _isbn_lines(fields.get("ISBN", "")):
        add("ISBN", isbn)
    for tag_name in item.tags:
        add("OT", tag_name)
    add_field("PMCID")
    if doi:
        add("AID", f"{doi} [doi]")
    for name in EXTRA_FIELDS:
        if fields.get(name):
            extra_note(f"{name}: {fields[name]}")
    for note in item.notes:
        add("GN", note_text(note))
    lines.extend(notes)
    for line in fields.get("extra", "").split("\n"):
        if not line.strip():
            continue
        m = _EXTRA_TAG.fullmatch(line)
        if m and m.group(1) not in _NOT_WRITTEN_BACK:
            add(m.group(1), m.group(2))
        else:
            add("GN", EXTRA_NOTE + line)
    return lines


def _write_creator(person: Creator, add: _Add) -> None:
    if person.literal:
        if person.role == "author":
            add("CN", person.literal)
        else:
            add("GN", f"{EXTRA_NOTE}{person.role}: {person.literal}")
        return
    full = f"{person.family}, {person.given}" if person.given else person.family
    if person.role == "author":
        add("FAU", full)
        add("AU", _initials_name(person))
    elif person.role == "editor":
        add("FED", full)
        add("ED", _initials_name(person))
    else:
        add("GN", f"{EXTRA_NOTE}{person.role}: {person.family}, {person.given}")


def _initials_name(person: Creator) -> str:
    """`Testperson, Alpha Beta` -> `Testperson AB` (the AU form)."""
    initials = "".join(w[:1].upper() for w in _INITIAL_SPLIT.split(person.given) if w[:1].isalpha())
    return f"{person.family} {initials}" if initials else person.family


def _isbn_lines(value: str) -> list[str]:
    parts = value.split()
    if len(parts) > 1 and all(re.fullmatch(r"[\dXx-]{10,17}", p) for p in parts):
        return parts
    return [value]


def _one_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        value = _SPACES.sub(" ", value)
    return value.strip()
