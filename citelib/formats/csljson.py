"""CSL-JSON: the exchange form of citeproc processors, Zotero, pandoc and citation-js.

Reading maps CSL variables onto citelib fields through the tables below. Whatever has no field of
its own (an unknown type, `original-date`, `director`, a tool's private key) is kept in `extra` as a
`key: value` line, and the writer turns exactly those lines back into the same variables, so
import -> export -> import loses nothing. Values that need it are stored as compact JSON.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from typing import Final, Literal, TextIO

from citelib.formats import Problem, ReadResult
from citelib.formats.citekeys import unique_from_bases, with_key_parts
from citelib.gcpause import collector_paused
from citelib.model import FIELD_SET, Creator, CreatorRole, Item, parse_date

# citelib type <-> CSL type, written as shown and read back the same way.
TYPES_OUT: Final[dict[str, str]] = {
    "journalArticle": "article-journal",
    "book": "book",
    "bookSection": "chapter",
    "conferencePaper": "paper-conference",
    "thesis": "thesis",
    "report": "report",
    "preprint": "article",
    "webpage": "webpage",
    "dataset": "dataset",
    "patent": "patent",
    "magazineArticle": "article-magazine",
    "newspaperArticle": "article-newspaper",
    "manuscript": "manuscript",
    "document": "document",
}
TYPES_IN: Final[dict[str, str]] = {
    **{csl: kind for kind, csl in TYPES_OUT.items()},
    "post-weblog": "webpage",
    "post": "webpage",
    "entry-encyclopedia": "bookSection",
    "entry-dictionary": "bookSection",
    "entry": "bookSection",
    "speech": "document",
    "interview": "document",
    "personal_communication": "document",
    "letter": "document",
    "broadcast": "document",
    "motion_picture": "document",
    "song": "document",
    "graphic": "document",
    "map": "document",
    "figure": "document",
    "musical_score": "document",
    "review": "document",
    "review-book": "document",
    "software": "document",
    "standard": "document",
    "legislation": "document",
    "legal_case": "document",
    "bill": "document",
    "regulation": "document",
    "treaty": "document",
    "hearing": "document",
    "classic": "document",
    "collection": "document",
    "event": "document",
    "performance": "document",
    "pamphlet": "document",
}

# CSL string variable -> citelib field. The first variable named for a field is the one written.
FIELDS_IN: Final[dict[str, str]] = {
    "title": "title",
    "title-short": "shortTitle",
    "shortTitle": "shortTitle",
    "abstract": "abstract",
    "container-title": "publicationTitle",
    "container-title-short": "journalAbbreviation",
    "journalAbbreviation": "journalAbbreviation",
    "collection-title": "series",
    "volume": "volume",
    "issue": "issue",
    "page": "pages",
    "edition": "edition",
    "number-of-pages": "numberOfPages",
    "publisher": "publisher",
    "publisher-place": "place",
    "DOI": "DOI",
    "PMID": "PMID",
    "PMCID": "PMCID",
    "ISBN": "ISBN",
    "ISSN": "ISSN",
    "URL": "url",
    "language": "language",
    "genre": "genre",
    "event": "event",
    "event-title": "event",
    "number": "number",
    "call-number": "callNumber",
    "archive": "archive",
}
# citelib field -> the CSL variable written for it (title comes first, on its own).
FIELDS_OUT: Final[tuple[tuple[str, str], ...]] = (
    ("shortTitle", "title-short"),
    ("abstract", "abstract"),
    ("publicationTitle", "container-title"),
    ("journalAbbreviation", "container-title-short"),
    ("series", "collection-title"),
    ("volume", "volume"),
    ("issue", "issue"),
    ("pages", "page"),
    ("edition", "edition"),
    ("numberOfPages", "number-of-pages"),
    ("publisher", "publisher"),
    ("place", "publisher-place"),
    ("DOI", "DOI"),
    ("PMID", "PMID"),
    ("PMCID", "PMCID"),
    ("ISBN", "ISBN"),
    ("ISSN", "ISSN"),
    ("url", "URL"),
    ("language", "language"),
    ("genre", "genre"),
    ("event", "event"),
    ("number", "number"),
    ("callNumber", "call-number"),
    ("archive", "archive"),
)
DATES: Final[dict[str, str]] = {"issued": "date", "accessed": "accessDate"}
_WRITTEN_FIELDS: Final[frozenset[str]] = frozenset(
    ("title", "citationKey", "extra", *DATES.values(), *(field for field, _ in FIELDS_OUT))
)
# In `custom`: the `id` was made up by our writer for an item without a citation key.
GENERATED_ID: Final = "generatedId"
# citelib fields CSL has no variable for (rights, arXiv) travel in `custom`.
CUSTOM_FIELDS: Final[frozenset[str]] = FIELD_SET - _WRITTEN_FIELDS

ROLES_IN: Final[dict[str, CreatorRole]] = {
    "author": "author",
    "editor": "editor",
    "collection-editor": "seriesEditor",
    "translator": "translator",
    "container-author": "bookAuthor",
    "contributor": "contributor",
}
ROLES_OUT: Final[dict[str, str]] = {role: csl for csl, role in ROLES_IN.items()}

# CSL variables citelib has no field for: kept as `extra` lines, written back as variables.
# fmt: off
PASS_STRINGS: Final[frozenset[str]] = frozenset(
    (
        "annote", "archive_collection", "archive_location", "archive-place", "authority",
        "chapter-number", "citation-label", "citation-number", "collection-number", "dimensions",
        "division", "event-place", "first-reference-note-number", "jurisdiction", "license",
        "locator", "medium", "number-of-volumes", "original-publisher", "original-publisher-place",
        "original-title", "page-first", "part-number", "part-title", "printing-number",
        "references", "reviewed-genre", "reviewed-title", "scale", "section", "source", "status",
        "supplement-number", "version", "volume-title", "volume-title-short", "year-suffix",
    )
)
PASS_DATES: Final[frozenset[str]] = frozenset(
    ("available-date", "event-date", "original-date", "submitted")
)
PASS_NAMES: Final[frozenset[str]] = frozenset(
    (
        "chair", "compiler", "composer", "curator", "director", "editorial-director",
        "editor-translator", "executive-producer", "guest", "host", "illustrator", "interviewer",
        "narrator", "organizer", "original-author", "performer", "producer", "recipient",
        "reviewed-author", "script-writer", "series-creator",
    )
)
# fmt: on
# Lines of a Zotero `Extra` (CSL `note`) that name a field: `PMID: 123`, `Citation Key: x`.
NOTE_FIELDS: Final[dict[str, str]] = {
    "pmid": "PMID",
    "pmcid": "PMCID",
    "doi": "DOI",
    "arxiv": "arXiv",
    "citation key": "citationKey",
    "citation-key": "citationKey",
}
_SPECIAL: Final[frozenset[str]] = frozenset(
    ("id", "type", "citation-key", "keyword", "note", "custom", *DATES, *ROLES_IN)
)
# Keys the writer fills itself: an `extra` line never overrides them.
_RESERVED: Final[frozenset[str]] = frozenset((*_SPECIAL, *FIELDS_IN))
_NOT_USABLE: Final = frozenset(("citationKey", "extra"))
_SEASONS: Final[dict[int, str]] = {1: "Spring", 2: "Summer", 3: "Autumn", 4: "Winter"}

_DECODER: Final = json.JSONDecoder()
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, check_circular=False)
_WS: Final = re.compile(r"[ \t\n\r]*")
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE: Final = re.compile("[\\ud800-\\udfff]")
_ISO_DATE: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_FAIL: Final = object()


# ---------------------------------------------------------------------------------------------
# Reading


def sniff(head: str) -> bool:
    """Whether the start of a file looks like CSL-JSON (a JSON array or object of records)."""
    text = head.lstrip("\ufeff \t\r\n")
    if not text.startswith(("[", "{")):
        return False
    if text[0] == "[" and text[1:].strip() == "]":
        return True  # an empty array: CSL-JSON with no records
    return any(key in text for key in ('"type"', '"title"', '"author"', '"issued"', '"id"'))


def read(text: str, source: str = "<input>") -> ReadResult:
    """Parse CSL-JSON: an array of records, a single record, or `{"items": [...]}`. Never raises."""
    reader = _Reader(text, source)
    with collector_paused():
        reader.run()
    return ReadResult(reader.items, reader.problems, reader.records, reader.lines)


class _Reader:
    """Walks the top-level JSON by hand so each record knows the line it starts on."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.items: list[Item] = []
        self.lines: list[int] = []
        self.problems: list[Problem] = []
        self.records = 0
        self.end = 0
        self._line = 1
        self._line_pos = 0

    def line_at(self, pos: int) -> int:
        # Positions only grow, so counting from the last one keeps the whole walk O(n).
        if pos > self._line_pos:
            self._line += self.text.count("\n", self._line_pos, pos)
            self._line_pos = pos
        return self._line

    def problem(
        self, line: int | None, record: int | None, message: str, *, warning: bool = False
    ) -> None:
        severity: Literal["error", "warning"] = "warning" if warning else "error"
        self.problems.append(Problem(self.source, line, record, message, severity))

    def run(self) -> None:
        text = self.text
        pos = self.skip(1 if text.startswith("\ufeff") else 0)
        if pos >= len(text):
            self.problem(None, None, "no records: the file is empty", warning=True)
            return
        first = text[pos]
        end: int | None
        if first == "[":
            end = self.array(pos)
        elif first == "{":
            end = self.top_object(pos)
        else:
            value = self.decode(pos, None)
            if value is _FAIL:
                return
            self.problem(
                self.line_at(pos), None, "expected a JSON array of CSL-JSON records or one record"
            )
            return
        if end is None:
            return
        end = self.skip(end)
        if end < len(text):
            self.problem(self.line_at(end), None, "unexpected text after the end of the JSON data")

    def skip(self, pos: int) -> int:
        m = _WS.match(self.text, pos)
        return m.end() if m else pos

    def decode(self, pos: int, record: int | None) -> object:
        """The JSON value at `pos` (self.end set after it), or _FAIL with the problem recorded."""
        try:
            value, self.end = _DECODER.raw_decode(self.text, pos)
        except json.JSONDecodeError as exc:
            self.problem(exc.lineno, record, f"invalid JSON: {exc.msg} (column {exc.colno})")
            return _FAIL
        except ValueError as exc:  # e.g. an integer longer than Python converts
            self.problem(self.line_at(pos), record, f"invalid JSON: {exc}")
            return _FAIL
        except RecursionError:
            self.problem(self.line_at(pos), record, "invalid JSON: nested too deeply")
            return _FAIL
        return value

    def array(self, pos: int) -> int | None:
        """Read the records of the array at `pos`; the position after it, None after an error."""
        text = self.text
        size = len(text)
        pos = self.skip(pos + 1)
        while True:
            if pos >= size:
                self.problem(self.line_at(pos), None, "unexpected end of file: ']' is missing")
                return None
            if text[pos] == "]":
                return pos + 1
            self.records += 1
            number = self.records
            value = self.decode(pos, number)
            if value is _FAIL:
                return None
            end = self.end
            if _SURROGATE_ESCAPE.search(text, pos, end):
                value = _clean_surrogates(value)
            self.record(value, self.line_at(pos), number)
            pos = self.skip(end)
            if pos < size and text[pos] == ",":
                pos = self.skip(pos + 1)
            elif pos < size and text[pos] == "]":
                return pos + 1
            elif pos >= size:
                self.problem(self.line_at(pos), None, "unexpected end of file: ']' is missing")
                return None
            else:
                self.problem(self.line_at(pos), None, f"expected ',' or ']' after record {number}")
                return None

    def top_object(self, pos: int) -> int | None:
        """A single record, or a wrapper whose `items` array holds the records."""
        text = self.text
        size = len(text)
        line = self.line_at(pos)
        start = pos
        record: dict[str, object] = {}
        wrapper = False
        pos = self.skip(pos + 1)
        if pos < size and text[pos] == "}":
            pos += 1
        else:
            while True:
                if pos >= size or text[pos] != '"':
                    return self.object_syntax(pos, "a key in double quotes")
                key = self.decode(pos, None)
                if key is _FAIL:
                    return None
                pos = self.skip(self.end)
                if pos >= size or text[pos] != ":":
                    return self.object_syntax(pos, "':'")
                pos = self.skip(pos + 1)
                if key == "items" and pos < size and text[pos] == "[":
                    wrapper = True
                    end = self.array(pos)
                    if end is None:
                        return None
                    pos = end
                else:
                    value = self.decode(pos, None)
                    if value is _FAIL:
                        return None
                    record[str(key)] = value
                    pos = self.end
                pos = self.skip(pos)
                if pos < size and text[pos] == ",":
                    pos = self.skip(pos + 1)
                elif pos < size and text[pos] == "}":
                    pos += 1
                    break
                else:
                    return self.object_syntax(pos, "',' or '}'")
        if not wrapper:
            self.records += 1
            found: object = record
            if _SURROGATE_ESCAPE.search(text, start, pos):
                found = _clean_surrogates(record)
            self.record(found, line, self.records)
        return pos

    def object_syntax(self, pos: int, expected: str) -> int | None:
        """Record a syntax error in the top-level object; None, to stop reading."""
        where = "end of file" if pos >= len(self.text) else repr(self.text[pos])
        self.problem(self.line_at(pos), None, f"invalid JSON: expected {expected}, found {where}")
        return None

    def record(self, value: object, line: int, number: int) -> None:
        if not isinstance(value, dict):
            kind = _json_kind(value)
            self.problem(line, number, f"record {number} is {kind}, not an object")
            return
        try:
            item, errors, warnings = _item(value)
        except RecursionError:
            self.problem(line, number, f"record {number} is nested too deeply")
            return
        for message in errors:
            self.problem(line, number, f"record {number}: {message}")
        for message in warnings:
            self.problem(line, number, f"record {number}: {message}", warning=True)
        if not errors:
            self.items.append(item)
            self.lines.append(line)


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return "a number"


def _clean_surrogates(value: object) -> object:
    """Replace lone surrogates (`"\\ud800"` is valid JSON) that no file or database can store."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_LONE_SURROGATE.sub("\ufffd", k): _clean_surrogates(v) for k, v in value.items()}
    return value


def _item(rec: dict[str, object]) -> tuple[Item, list[str], list[str]]:
    """One CSL record -> (item, errors, warnings)."""
    fields: dict[str, str] = {}
    authors: list[Creator] = []
    others: list[Creator] = []
    errors: list[str] = []
    warnings: list[str] = []
    lines: list[tuple[str, str]] = []  # (key, value) of what becomes `extra` lines
    keyword_tags: list[str] = []
    custom_tags: list[str] | None = None
    generated_id = False
    notes: list[str] = []
    custom_rest: dict[str, object] = {}
    note = ""
    csl_type: object = None
    csl_id: object = None
    for key, value in rec.items():
        field = FIELDS_IN.get(key)
        if field is not None:
            if key == "title" and isinstance(value, list | dict):
                errors.append(f"title is {_json_kind(value)}, not text")
                continue
            text = value.strip() if type(value) is str else _field_text(value)
            if text is None:
                if value is not None:
                    lines.append((key, _line_value(value)))
                continue
            if not text:
                continue
            old = fields.setdefault(field, text)
            if old != text:
                lines.append((key, _line_value(value)))
        elif key in _SPECIAL:
            role = ROLES_IN.get(key)
            if role is not None:
                read_names = _creators(value, role)
                if read_names is None:
                    errors.append(f"{key} is not a list of name objects")
                    continue
                people, empty = read_names
                if empty:
                    warnings.append(f"{key}: {empty} empty name(s) left out")
                (authors if role == "author" else others).extend(people)
            elif key in DATES:
                date = _date_text(value)
                if date:
                    fields.setdefault(DATES[key], date)
                elif value is not None:
                    lines.append((key, _line_value(value)))
            elif key == "type":
                csl_type = value
            elif key == "id":
                csl_id = value
            elif key == "citation-key":
                text = _field_text(value)
                if text:
                    fields["citationKey"] = text
                elif value is not None:
                    lines.append((key, _line_value(value)))
            elif key == "keyword":
                tags = _tags(value)
                if tags is None:
                    lines.append((key, _line_value(value)))
                else:
                    keyword_tags = tags
            elif key == "note":
                text = _field_text(value)
                if text is None:
                    lines.append((key, _line_value(value)))
                else:
                    note = text
            else:  # custom
                if isinstance(value, dict):
                    rest: dict[str, object] = {}
                    generated_id = value.get(GENERATED_ID) is True
                    custom_tags = _custom(value, fields, notes, rest)
                    if rest:
                        custom_rest = rest
                elif value is not None:
                    lines.append((key, _line_value(value)))
        elif key in PASS_NAMES and isinstance(value, list) and value:
            if all(isinstance(n, dict) for n in value):
                lines.extend((key, _name_line(n)) for n in value)
            else:
                lines.append((key, _line_value(value)))
        elif key in PASS_DATES:
            if value is not None:
                lines.append((key, _date_line(value)))
        elif value is not None and value != "":
            lines.append((key, _line_value(value)))

    item_type = "document"
    if csl_type is None:
        warnings.append("no type; read as a document")
    elif isinstance(csl_type, str) and csl_type in TYPES_IN:
        item_type = TYPES_IN[csl_type]
        if TYPES_OUT[item_type] != csl_type:
            lines.insert(0, ("type", csl_type))  # `post-weblog`, `speech`: kept for the way back
    else:
        shown = _line_value(csl_type)
        warnings.append(f"unknown type {shown!r}; read as a document")
        lines.insert(0, ("type", shown))
    if custom_rest:
        lines.append(("custom", _line_value(custom_rest)))

    note_lines = _note_fields(note.split("\n"), fields) if note else []
    if note_lines or lines:
        more = _note_fields([f"{_line_key(key)}: {rest}" for key, rest in lines], fields)
        extra, plain_note = _assemble_extra(note_lines, more, item_type)
        if extra:
            fields["extra"] = extra
    else:
        plain_note = False
    # Judged on what a second read of the written record sees: the note counts only through
    # lines that stay text, not those written back as variables.
    usable = plain_note or bool(authors or others or notes)
    usable = usable or any(f not in _NOT_USABLE for f in fields)
    if "citationKey" not in fields and not isinstance(csl_id, list):
        key_text = _field_text(csl_id)
        # An id our writer made up for an item without a key says so (custom.generatedId); any
        # other id is a key someone cites (pandoc, Better BibTeX), kept whatever it looks like.
        if key_text and not generated_id:
            fields["citationKey"] = key_text

    tags = custom_tags or keyword_tags
    # A record of a known type is a reference even when empty (an item the user has not filled
    # in yet); anything else needs at least one field we know.
    known_type = isinstance(csl_type, str) and csl_type in TYPES_IN
    if not (usable or tags or errors or known_type):
        errors.append("no usable field (no title, creator, date or other known variable)")
    item = Item(item_type, fields, authors + others if others else authors, tags, notes)
    return item, errors, warnings


def _field_text(value: object) -> str | None:
    """Text of a string or number; None for anything else. CrossRef's lists of strings join."""
    if type(value) is str:
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(value)
    if isinstance(value, list) and value:
        texts = [v.strip() for v in value if type(v) is str]
        if len(texts) == len(value):
            return ", ".join(t for t in texts if t)
    return None


def _number_text(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return json.dumps(value)


def _name_text(value: object) -> str:
    if type(value) is str:
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(value)
    return ""


def _creators(names: object, role: CreatorRole) -> tuple[list[Creator], int] | None:
    """The creators of a CSL name list and how many names were empty; None if not a list of
    name objects."""
    if not isinstance(names, list):
        return None
    people: list[Creator] = []
    for name in names:
        if type(name) is not dict:
            return None
        creator = _creator(name, role)
        if creator is not None:
            people.append(creator)
    return people, len(names) - len(people)


def _creator(name: dict[str, object], role: CreatorRole) -> Creator | None:
    family = name.get("family")
    given = name.get("given")
    if type(family) is str and type(given) is str and len(name) == 2:
        family = family.strip()
        if family:
            return Creator(family, given.strip(), "", role)
    literal = _name_text(name.get("literal"))
    if literal:
        return Creator(literal=literal, role=role)
    family = _name_text(family)
    given = _name_text(given)
    particle = _name_text(name.get("non-dropping-particle"))
    if particle:
        family = particle + family if particle[-1] in "'’-" else f"{particle} {family}".strip()
    dropping = _name_text(name.get("dropping-particle"))
    if dropping:
        given = f"{given} {dropping}".strip()
    suffix = _name_text(name.get("suffix"))
    if suffix:
        given = f"{given}, {suffix}" if given else suffix
    if family:
        return Creator(family, given, "", role)
    if given:
        return Creator(literal=given, role=role)
    return None


def _tags(value: object) -> list[str] | None:
    """Tags from `keyword`: one comma-separated string (or a list of strings)."""
    if isinstance(value, str):
        parts: list[object] = list(value.split(","))
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        parts = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parts = [_number_text(value)]
    else:
        return None
    return _unique_texts(parts)


def _unique_texts(values: list[object]) -> list[str]:
    texts = (v.strip() for v in values if isinstance(v, str))
    return list(dict.fromkeys(t for t in texts if t))


def _custom(
    custom: dict[str, object], fields: dict[str, str], notes: list[str], rest: dict[str, object]
) -> list[str] | None:
    """Take citelib's own keys out of `custom` (fields, notes, tags); leave the rest in `rest`."""
    tags: list[str] | None = None
    for key, value in custom.items():
        if key in CUSTOM_FIELDS and isinstance(value, str) and key not in fields:
            if value.strip():
                fields[key] = value.strip()
        elif key == "notes" and isinstance(value, list) and all(isinstance(n, str) for n in value):
            notes.extend(n for n in value if isinstance(n, str) and n.strip())
        elif key == "tags" and isinstance(value, list) and all(isinstance(t, str) for t in value):
            tags = _unique_texts(value)
        elif key == GENERATED_ID and value is True:
            pass  # read by _item: the id is not a citation key
        else:
            rest[key] = value
    return tags


def _note_fields(lines: list[str], fields: dict[str, str]) -> list[str]:
    """Move Zotero-style `PMID: 123` lines into the empty fields they name; the other lines."""
    kept: list[str] = []
    for line in lines:
        label, sep, value = line.partition(":")
        field = NOTE_FIELDS.get(label.strip().casefold()) if sep else None
        value = value.strip()
        if field is None or not value:
            kept.append(line)
        elif field not in fields:
            fields[field] = value
        elif fields[field] != value:
            kept.append(line)
    return kept


def _assemble_extra(note: list[str], lines: list[str], item_type: str) -> tuple[str, bool]:
    """The `extra` text: plain lines, then those the writer turns back into variables; and
    whether the note has any plain text.

    Restorable lines always go last, in the order met, so that writing and reading again gives
    the same text even when the note itself held some (a Zotero `original-date: 1900` line).
    """
    plain: list[str] = []
    # The writer puts `type` first and `custom` last; so do these lines.
    types: list[str] = []
    restorable: list[str] = []
    customs: list[str] = []
    plain_note = False
    for index, line in enumerate(note + lines):
        restored = _restore_line(line, item_type)
        if restored is None:
            plain.append(line)
            plain_note = plain_note or (index < len(note) and bool(line.strip()))
        elif restored[1] == "type":
            types.append(line)
        elif restored[0] == "custom":
            customs.append(line)
        else:
            restorable.append(line)
    head = "\n".join(plain).strip()
    return "\n".join(t for t in (head, *types, *restorable, *customs) if t), plain_note


# ---------------------------------------------------------------------------------------------
# `extra` lines: each kind of value has an encoder (read) and a decoder (write) with
# encode(decode(text)) == text, which is what makes the round trip exact.


def _safe(text: str) -> bool:
    """Whether text can stand as it is after `key: ` on a line of its own."""
    return bool(text) and "\n" not in text and text[0] not in '"{[ ' and text == text.strip()


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _line_value(value: object) -> str:
    if isinstance(value, str):
        return value if _safe(value) else _compact(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(value)
    return _compact(value)


def _loads(text: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _FAIL


def _date_line(value: object) -> str:
    text = _date_text(value)
    return text if text and _safe(text) else _compact(value)


def _name_line(name: dict[str, object]) -> str:
    """Zotero's `Family || Given` or a literal name; JSON for anything more."""
    text: str | None = None
    if set(name) == {"literal"}:
        text = name["literal"] if isinstance(name["literal"], str) else None
    elif set(name) <= {"family", "given"}:
        family, given = name.get("family", ""), name.get("given", "")
        if isinstance(family, str) and isinstance(given, str):
            text = f"{family} || {given}".strip()
    if text is not None and _safe(text) and _name_from_line(text) == name:
        return text
    return _compact(name)


def _name_from_line(text: str) -> dict[str, object]:
    if "||" not in text:
        return {"literal": text}
    family, _, given = text.partition("||")
    family, given = family.strip(), given.strip()
    name: dict[str, object] = {}
    if family:
        name["family"] = family
    if given:
        name["given"] = given
    return name


def _line_key(key: str) -> str:
    """A key as it starts an `extra` line: in JSON quotes when it could not stand bare."""
    if key and key == key.strip() and "\n" not in key and ": " not in key and key[0] != '"':
        return key
    return _compact(key)


def _restore_line(line: str, item_type: str) -> tuple[str, str, object] | None:
    """(key, how, value) of an `extra` line the writer turns back into a variable, else None."""
    if line.startswith('"'):
        try:
            key, end = _DECODER.raw_decode(line)
        except (ValueError, RecursionError):
            return None
        if not isinstance(key, str) or line[end : end + 2] != ": " or _line_key(key) != line[:end]:
            return None
        rest = line[end + 2 :]
    else:
        key, sep, rest = line.partition(": ")
        if not sep or _line_key(key) != key:
            return None
    restored = _restore(key, rest, item_type)
    return None if restored is None else (key, *restored)


def _restore(key: str, rest: str, item_type: str) -> tuple[str, object] | None:
    """What an `extra` line `key: rest` writes back as: (how, value), or None to stay in `note`.

    how is "set" (the variable takes the value), "name" (one more name for the variable),
    "names" (a whole list of names) or "type".
    """
    if not rest:
        return None
    if key == "type":
        # A CSL type this item's type stands for, other than the one written for it anyway.
        fits = TYPES_IN.get(rest, "document") == item_type and rest != TYPES_OUT.get(item_type)
        return ("type", rest) if fits and _safe(rest) else None
    if key in PASS_STRINGS:
        if _safe(rest):
            return ("set", rest)
        value = _loads(rest) if rest[0] in '"{[' else _FAIL
        if value is not _FAIL and _line_value(value) == rest:
            return ("set", value)
        return None
    if key in PASS_DATES:
        if rest[0] in "{[":
            value = _loads(rest)
            if value is not _FAIL and _date_line(value) == rest:
                return ("set", value)
            return None
        return ("set", _date_value(rest)) if _safe(rest) else None
    if key in PASS_NAMES:
        if rest[0] in "{[":
            value = _loads(rest)
            if isinstance(value, dict) and _name_line(value) == rest:
                return ("name", value)
            if isinstance(value, list) and _compact(value) == rest:
                return ("names", value)
            return None
        return ("name", _name_from_line(rest)) if _safe(rest) else None
    if key == "custom":
        value = _loads(rest) if rest[0] == "{" else _FAIL
        if isinstance(value, dict) and _compact(value) == rest:
            # Only what a read leaves in `custom`: no fields, notes or tags of citelib's own.
            kept: dict[str, object] = {}
            if _custom(value, {}, [], kept) is None and len(kept) == len(value):
                return ("set", value)
        return None
    if key in _RESERVED or rest[0] not in '"{[':
        return None
    value = _loads(rest)
    if value is not _FAIL and _line_value(value) == rest:
        return ("set", value)
    return None


def _extra_out(extra: str, item_type: str) -> tuple[str, dict[str, object], str | None]:
    """Split `extra` into the note text, variables to write back, and a CSL type to use."""
    lines = extra.split("\n")
    types: list[tuple[int, str]] = []
    customs: list[tuple[int, object]] = []
    others: list[tuple[int, str, str, object]] = []
    for index, line in enumerate(lines):
        restored = _restore_line(line, item_type)
        if restored is None:
            continue
        key, how, value = restored
        if how == "type":
            types.append((index, str(value)))
        elif key == "custom":
            customs.append((index, value))
        else:
            others.append((index, key, how, value))
    if not (types or customs or others):
        return extra, {}, None
    used: set[int] = set()
    values: dict[str, object] = {}
    csl_type: str | None = None
    # Of repeated `type` or `custom` lines the last wins; the others stay in the note.
    if types:
        index, csl_type = types[-1]
        used.add(index)
    if _single_runs(others):
        for index, key, how, value in others:
            if how == "name":
                names = values.get(key)
                if not isinstance(names, list):
                    names = values[key] = []
                names.append(value)
            else:
                values[key] = value
            used.add(index)
    if customs:
        index, values["custom"] = customs[-1]
        used.add(index)
    note = "\n".join(line for i, line in enumerate(lines) if i not in used).strip()
    return note, values, csl_type


def _single_runs(found: list[tuple[int, str, str, object]]) -> bool:
    """Whether each variable has one line, or one unbroken run of `name` lines.

    Otherwise no line is written back: all stay in the note, where the next read finds them in
    the same order. Writing some and keeping others would reorder them.
    """
    seen: set[str] = set()
    previous = ("", "")
    for _, key, how, _ in found:
        if key == previous[0]:
            if how != "name" or previous[1] != "name":
                return False
        elif key in seen:
            return False
        seen.add(key)
        previous = (key, how)
    return True


# ---------------------------------------------------------------------------------------------
# Dates


def _date_text(value: object) -> str | None:
    """`{"date-parts": [[2026, 1, 12]]}` -> `2026-01-12`; `raw`/`literal` text wins when present."""
    if isinstance(value, dict):
        for key in ("raw", "literal"):
            text = _field_text(value.get(key))
            if text:
                return text
        parts = value.get("date-parts")
        if not isinstance(parts, list) or not parts:
            return None
        text = _parts_text(parts[0])
        if text is None:
            return None
        if len(parts) > 1:
            until = _parts_text(parts[1])
            if until:
                text = f"{text}/{until}"
        season = value.get("season")
        if season is not None and season != "":
            name = _SEASONS.get(season) if isinstance(season, int) else _field_text(season)
            if name:
                text = f"{name} {text}"
        return text
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(value)
    return None


def _parts_text(parts: object) -> str | None:
    if not isinstance(parts, list) or not parts:
        return None
    numbers: list[int] = []
    for part in parts[:3]:
        number = _int(part)
        if number is None:
            break
        numbers.append(number)
    if not numbers:
        return None
    year = numbers[0]
    text = f"{year:04d}" if year >= 0 else str(year)
    for number in numbers[1:]:
        text += f"-{number:02d}"
    return text


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _iso_parts(text: str) -> list[int] | None:
    m = _ISO_DATE.fullmatch(text)
    if m is None:
        return None
    parts = [int(m.group(1))]
    if m.group(2):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            return None
        parts.append(month)
        if m.group(3):
            day = int(m.group(3))
            if not 1 <= day <= 31:
                return None
            parts.append(day)
    return parts


def _date_value(text: str) -> dict[str, object]:
    """A date text as CSL: plain date-parts for ISO-like text, else date-parts + raw, or literal."""
    parts = _iso_parts(text)
    if parts is not None:
        return {"date-parts": [parts]}
    start, sep, end = text.partition("/")
    if sep:
        first, second = _iso_parts(start), _iso_parts(end)
        if first is not None and second is not None:
            return {"date-parts": [first, second]}
    parsed = parse_date(text)
    if parsed.year is None:
        return {"literal": text}
    parts = [parsed.year]
    if parsed.month is not None:
        parts.append(parsed.month)
        if parsed.day is not None:
            parts.append(parsed.day)
    return {"date-parts": [parts], "raw": text}


# ---------------------------------------------------------------------------------------------
# Writing


def write(items: Iterable[Item], out: TextIO) -> None:
    """Write a JSON array with one record per line."""
    parts, items = with_key_parts(items)
    ids = unique_from_bases([own or made for own, made in parts])
    out.write("[\n")
    for index, (item, csl_id) in enumerate(zip(items, ids, strict=True)):
        if index:
            out.write(",\n")
        out.write(_ENCODER.encode(to_csl(item, csl_id)))
    out.write("\n]\n" if items else "]\n")


def dumps(items: Iterable[Item]) -> str:
    buffer = io.StringIO()
    write(items, buffer)
    return buffer.getvalue()


def to_csl(item: Item, csl_id: str) -> dict[str, object]:
    """One item as a CSL-JSON record (`csl_id` from `unique_ids`)."""
    fields = item.fields
    csl_type = TYPES_OUT.get(item.item_type, "document")
    out: dict[str, object] = {"id": csl_id, "type": csl_type}
    title = fields.get("title")
    if title:
        out["title"] = title
    key = fields.get("citationKey")
    if key:
        out["citation-key"] = key
    if item.creators:
        _write_names(item.creators, out)
    for field, csl in FIELDS_OUT:
        value = fields.get(field)
        if value:
            out[csl] = value
    for csl, field in DATES.items():
        value = fields.get(field)
        if value:
            out[csl] = _date_value(value)
    custom: dict[str, object] = {}
    if item.tags:
        out["keyword"] = ", ".join(item.tags)
        if any("," in tag or tag != tag.strip() or not tag for tag in item.tags):
            custom["tags"] = list(item.tags)
    extra = fields.get("extra")
    restored: dict[str, object] = {}
    if extra:
        note, restored, restored_type = _extra_out(extra, item.item_type)
        if restored_type:
            out["type"] = restored_type
        for csl, restored_value in restored.items():
            if csl != "custom":
                out.setdefault(csl, restored_value)
        if note:
            out["note"] = note
    for field, text in fields.items():
        if text and field not in _WRITTEN_FIELDS:
            custom[field] = text
    if item.notes:
        custom["notes"] = list(item.notes)
    if not fields.get("citationKey"):
        custom[GENERATED_ID] = True  # the id is made up (unique_ids), not a key to keep
    extra_custom = restored.get("custom")
    if isinstance(extra_custom, dict):
        custom = {**extra_custom, **custom}
    if custom:
        out["custom"] = custom
    return out


def _write_names(creators: list[Creator], out: dict[str, object]) -> None:
    groups: dict[str, list[dict[str, str]]] = {"author": []}
    for creator in creators:
        csl = ROLES_OUT.get(creator.role, "contributor")
        if creator.literal:
            name = {"literal": creator.literal}
        else:
            name = {}
            if creator.family:
                name["family"] = creator.family
            if creator.given:
                name["given"] = creator.given
            if not name:
                continue
        groups.setdefault(csl, []).append(name)
    for csl, names in groups.items():
        if names:
            out[csl] = names
