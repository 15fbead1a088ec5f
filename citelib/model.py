"""Item types, fields and creators: the plain objects every other layer speaks.

Zotero's schema is the reference model (DESIGN §3). Nothing here knows about storage or formats;
format modules map their own tags onto these names through tables of their own.
"""

from __future__ import annotations

import html
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Final, Literal

ITEM_TYPES: Final[tuple[str, ...]] = (
    "journalArticle",
    "book",
    "bookSection",
    "conferencePaper",
    "thesis",
    "report",
    "preprint",
    "webpage",
    "dataset",
    "patent",
    "magazineArticle",
    "newspaperArticle",
    "manuscript",
    "document",
)

ITEM_TYPE_LABELS: Final[dict[str, str]] = {
    "journalArticle": "Journal Article",
    "book": "Book",
    "bookSection": "Book Section",
    "conferencePaper": "Conference Paper",
    "thesis": "Thesis",
    "report": "Report",
    "preprint": "Preprint",
    "webpage": "Web Page",
    "dataset": "Dataset",
    "patent": "Patent",
    "magazineArticle": "Magazine Article",
    "newspaperArticle": "Newspaper Article",
    "manuscript": "Manuscript",
    "document": "Document",
}

# Canonical field names, in the order an editor shows them.
FIELDS: Final[tuple[str, ...]] = (
    "title",
    "shortTitle",
    "abstract",
    "publicationTitle",
    "journalAbbreviation",
    "series",
    "volume",
    "issue",
    "pages",
    "edition",
    "numberOfPages",
    "publisher",
    "place",
    "date",
    "accessDate",
    "DOI",
    "PMID",
    "PMCID",
    "arXiv",
    "ISBN",
    "ISSN",
    "url",
    "language",
    "genre",
    "event",
    "number",
    "citationKey",
    "extra",
    "callNumber",
    "archive",
    "rights",
)
FIELD_SET: Final[frozenset[str]] = frozenset(FIELDS)

FIELD_LABELS: Final[dict[str, str]] = {
    "title": "Title",
    "shortTitle": "Short Title",
    "abstract": "Abstract",
    "publicationTitle": "Publication",
    "journalAbbreviation": "Journal Abbr",
    "series": "Series",
    "volume": "Volume",
    "issue": "Issue",
    "pages": "Pages",
    "edition": "Edition",
    "numberOfPages": "# of Pages",
    "publisher": "Publisher",
    "place": "Place",
    "date": "Date",
    "accessDate": "Accessed",
    "DOI": "DOI",
    "PMID": "PMID",
    "PMCID": "PMCID",
    "arXiv": "arXiv ID",
    "ISBN": "ISBN",
    "ISSN": "ISSN",
    "url": "URL",
    "language": "Language",
    "genre": "Type",
    "event": "Conference",
    "number": "Number",
    "citationKey": "Citation Key",
    "extra": "Extra",
    "callNumber": "Call Number",
    "archive": "Archive",
    "rights": "Rights",
}

_COMMON: Final = ("title", "shortTitle", "abstract", "date", "language", "url", "accessDate")
_TAIL: Final = ("citationKey", "archive", "callNumber", "rights", "extra")

# Which fields an item of each type shows. Any field may still be stored on any type: an import
# never drops a value because the type does not list it.
TYPE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "journalArticle": (
        *_COMMON,
        "publicationTitle",
        "journalAbbreviation",
        "series",
        "volume",
        "issue",
        "pages",
        "DOI",
        "PMID",
        "PMCID",
        "ISSN",
        *_TAIL,
    ),
    "book": (
        *_COMMON,
        "series",
        "volume",
        "edition",
        "numberOfPages",
        "publisher",
        "place",
        "ISBN",
        "DOI",
        *_TAIL,
    ),
    "bookSection": (
        *_COMMON,
        "publicationTitle",
        "series",
        "volume",
        "edition",
        "pages",
        "publisher",
        "place",
        "ISBN",
        "DOI",
        *_TAIL,
    ),
    "conferencePaper": (
        *_COMMON,
        "publicationTitle",
        "event",
        "series",
        "volume",
        "pages",
        "publisher",
        "place",
        "ISBN",
        "DOI",
        *_TAIL,
    ),
    "thesis": (*_COMMON, "genre", "publisher", "place", "numberOfPages", "DOI", *_TAIL),
    "report": (*_COMMON, "genre", "number", "series", "pages", "publisher", "place", "DOI", *_TAIL),
    "preprint": (*_COMMON, "publisher", "number", "arXiv", "DOI", "genre", *_TAIL),
    "webpage": (*_COMMON, "publicationTitle", "genre", *_TAIL),
    "dataset": (*_COMMON, "publisher", "number", "genre", "DOI", *_TAIL),
    "patent": (*_COMMON, "number", "place", "publisher", "pages", *_TAIL),
    "magazineArticle": (
        *_COMMON,
        "publicationTitle",
        "volume",
        "issue",
        "pages",
        "ISSN",
        "DOI",
        *_TAIL,
    ),
    "newspaperArticle": (*_COMMON, "publicationTitle", "place", "edition", "pages", "ISSN", *_TAIL),
    "manuscript": (*_COMMON, "genre", "place", "numberOfPages", *_TAIL),
    "document": (*_COMMON, "publisher", "DOI", *_TAIL),
}

CreatorRole = Literal["author", "editor", "seriesEditor", "translator", "bookAuthor", "contributor"]
CREATOR_ROLES: Final[tuple[CreatorRole, ...]] = (
    "author",
    "editor",
    "seriesEditor",
    "translator",
    "bookAuthor",
    "contributor",
)

KEY_ALPHABET: Final = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"


def new_key() -> str:
    """A stable 8-character item key (Zotero's alphabet: no 0, 1 or O to misread)."""
    return new_keys(1)[0]


# Random bytes below 231 (7 x 33) map evenly onto the 33-letter alphabet.
_KEY_BYTE_LIMIT: Final = 231


def new_keys(n: int) -> list[str]:
    """n random keys at once (an import of 100,000 items needs them fast)."""
    alphabet = KEY_ALPHABET
    size = len(alphabet)
    letters: list[str] = []
    while len(letters) < 8 * n:
        letters.extend(
            alphabet[b % size] for b in secrets.token_bytes(9 * n + 16) if b < _KEY_BYTE_LIMIT
        )
    joined = "".join(letters[: 8 * n])
    return [joined[i : i + 8] for i in range(0, 8 * n, 8)]


@dataclass(slots=True)
class Creator:
    """One person or institution. Either family (+ given) or a single literal name."""

    family: str = ""
    given: str = ""
    literal: str = ""
    role: CreatorRole = "author"

    @property
    def is_literal(self) -> bool:
        return bool(self.literal)

    def display(self) -> str:
        if self.literal:
            return self.literal
        return f"{self.family}, {self.given}" if self.given else self.family

    def sort_name(self) -> str:
        return (self.literal or self.family).casefold()


@dataclass(slots=True)
class Item:
    """A reference as plain data. `fields` maps canonical field names to their text.

    `key`, `date_added`, `date_modified` and `trashed` are set once the item is in a library.
    `notes` hold rich text (HTML). Unknown input tags go into the `extra` field as `Key: value`
    lines, never dropped (see `add_extra`).
    """

    item_type: str = "document"
    fields: dict[str, str] = field(default_factory=dict)
    creators: list[Creator] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    key: str = ""
    date_added: str = ""
    date_modified: str = ""
    trashed: bool = False
    id: int | None = None

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    def set(self, name: str, value: str) -> None:
        if name not in FIELD_SET:
            raise KeyError(f"unknown field {name!r}")
        if value:
            self.fields[name] = value
        else:
            self.fields.pop(name, None)

    @property
    def title(self) -> str:
        return self.fields.get("title", "")

    @property
    def year(self) -> int | None:
        return parse_date(self.fields.get("date", "")).year

    def add_extra(self, key: str, value: str) -> None:
        """Keep a value no canonical field carries as a `Key: value` line in `extra`."""
        line = f"{key}: {value}"
        old = self.fields.get("extra", "")
        self.fields["extra"] = f"{old}\n{line}" if old else line


@dataclass(frozen=True, slots=True)
class ParsedDate:
    year: int | None = None
    month: int | None = None
    day: int | None = None


_MONTHS: Final[dict[str, int]] = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "januar", "janvier"),
            ("feb", "february", "februar", "fevrier", "février"),
            ("mar", "march", "märz", "maerz", "mars"),
            ("apr", "april", "avril"),
            ("may", "mai"),
            ("jun", "june", "juni", "juin"),
            ("jul", "july", "juli", "juillet"),
            ("aug", "august", "aout", "août"),
            ("sep", "sept", "september", "septembre"),
            ("oct", "october", "oktober", "octobre"),
            ("nov", "november", "novembre"),
            ("dec", "december", "dezember", "décembre", "decembre"),
        ),
        start=1,
    )
    for name in names
}
_SEASONS: Final = ("spring", "summer", "autumn", "fall", "winter")
_ISO_LIKE = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?")
_DMY = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_WORD = re.compile(r"[^\W\d_]+")
_NUMBER = re.compile(r"(?<!\d)(\d{1,2})(?!\d)")


def parse_date(text: str) -> ParsedDate:
    """Parse the year, month and day out of a date as people and formats write it.

    Handles `2015`, `2015-03-07`, `2015/03/`, RIS's `2015///`, `7 Mar 2015`, `March 7, 2015`,
    PubMed's `2015 Mar 7`, `Spring 2019`, `12/01/2020` (read day-first only where the first
    number cannot be a month).
    The original text is kept by the caller; this only derives the parts.
    """
    if not text:
        return ParsedDate()
    m = _ISO_LIKE.match(text)
    if m and _valid_month(m.group(2)):
        month = _valid_month(m.group(2))
        return ParsedDate(int(m.group(1)), month, _valid_day(m.group(3)))
    m = _DMY.match(text)
    if m:
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        first, second = (b, a) if a > 12 else (a, b)
        if 1 <= first <= 12 and 1 <= second <= 31:
            return ParsedDate(year, first, second)
        return ParsedDate(year)
    ym = _YEAR.search(text)
    if not ym:
        return ParsedDate()
    year = int(ym.group(1))
    month = None
    for word in _WORD.findall(text.lower()):
        if word in _MONTHS:
            month = _MONTHS[word]
            break
    day = None
    if month:
        rest = text[: ym.start()] + " " + text[ym.end() :]
        dm = _NUMBER.search(rest)
        if dm:
            day = _valid_day(dm.group(1))
    return ParsedDate(year, month, day)


def _valid_month(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    return value if 1 <= value <= 12 else None


def _valid_day(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    return value if 1 <= value <= 31 else None


_DOI_PREFIX = re.compile(r"^\s*(?:(?:https?://)?(?:dx\.|www\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def normalise_doi(text: str) -> str:
    """`https://doi.org/10.1/X`, `doi.org/10.1/X`, `doi:10.1/X` and `10.1/X` are the same DOI."""
    return _DOI_PREFIX.sub("", text).strip()


_ARTICLES = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_LEADING_JUNK = re.compile(r"^[\W_]+", re.UNICODE)


def sort_key_title(title: str) -> str:
    """Title as sorted in the item table: case-folded, leading punctuation and article skipped."""
    t = _LEADING_JUNK.sub("", title)
    t = _ARTICLES.sub("", t)
    return t.casefold()


# Letters Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED: Final = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L",
     "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i"}
)  # fmt: skip


_NOT_ALNUM: Final = re.compile(r"[\W_]+")  # what str.isalnum() rejects


# Every combining mark (all lie in U+0300..U+1EFFF; a test checks against unicodedata), for
# str.translate to drop them at C speed.
_COMBINING: Final[dict[int, None]] = dict.fromkeys(
    cp for cp in range(0x300, 0x1F000) if unicodedata.combining(chr(cp))
)


def fold_text(text: str) -> str:
    """Text with case and accents folded away (`Østby` and `ostby` are the same)."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return decomposed.translate(_COMBINING).casefold()


def title_key(title: str) -> str:
    """A title as duplicate detection compares it: letters and digits only, case and accents
    folded (`The CAR-NK Cell: A Review.` and `the car nk cell a review` are the same)."""
    return _NOT_ALNUM.sub("", fold_text(title))


def creator_summary(creators: list[Creator]) -> str:
    """The Creator column: `Smith`, `Smith and Jones`, `Smith et al.` (authors first)."""
    people = (
        [c for c in creators if c.role == "author"]
        or [c for c in creators if c.role == "editor"]
        or creators
    )
    names = [c.literal or c.family for c in people if c.literal or c.family]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


_HTML_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6])>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]*>")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def note_text(note_html: str) -> str:
    """A note's rich text as one line of plain text (for the search index and plain formats).

    Block ends and line breaks become spaces; inline tags vanish without splitting words.
    """
    text = html.unescape(_HTML_TAG.sub("", _HTML_BREAK.sub(" ", note_html)))
    return _LINE_BREAKS.sub(" ", text).strip()
