"""BibTeX and BibLaTeX: the `.bib` files of LaTeX users, JabRef, Zotero, Mendeley, Google Scholar.

One reader handles both dialects (`read`); two writers make them (`write` for BibTeX,
`write_biblatex` for BibLaTeX). The tables below (entry types, field names, roles) are shared by
the reader and the writers; docs/formats.md shows them to users.

Reading, in short:
- bibtexparser 2.x splits the file into blocks (its `Splitter`, without middleware: its LaTeX
  middleware decodes every field of every entry and takes ~97% of its time). A block it cannot
  parse (an unbalanced brace or quote) becomes a `ParsingFailedBlock`; the splitter starts again
  at the next line that begins with `@`, so the entries after a broken one are still read and the
  broken one is an error with its line. An extra `}` that closes an entry early leaves its other
  fields as stray text after it: that entry is an error too. bibtexparser's log messages about
  broken blocks are silenced while we read (they become Problems instead).
- Values are expanded by us: `{...}`, `"..."`, numbers, `@string` macros and the month macros
  (`feb`), joined with `#`. Then each field goes through FIELDS_IN (with the type overrides
  below) to a canonical field; a second value for a field already set goes into `extra`.
- LaTeX is decoded by our own small decoder, only in values that hold `\\`, `{`, `}`, `~`, `$` or
  `--`: accents (`{\\"u}`, `\\'{\\i}`), letters (`\\o`, `\\ss`), escaped specials (`\\&`, `\\%`),
  `--`/`---` to en and em dashes in text fields, `~` to a space (a plain space, not U+00A0, so
  searches match), known formatting commands (`\\emph{x}`) to their text; math (`$...$`) and
  commands we do not know are kept exactly as written.
- Protected case: braces are removed for display (`{CAR}-NK` shows as `CAR-NK`). The writer
  protects every word that has a capital after its first letter (`{CAR-NK}`, `{mRNA}`), as many
  exporters do. When a title's braces protect a capital the writer would not protect (`{G}auss`)
  or it holds formatting commands (`\\emph{...}`), the title as written is kept in `extra` as a
  `BibTeX title: ...` line, and the writer writes that line back as the title for as long as it
  still reads as the item's title (an edited title is written from the new text, and the stale
  line goes out in the `extra` field, not lost). So BibTeX -> citelib -> BibTeX keeps `{CAR}`.
- Names: split on ` and ` outside braces; a name wholly in braces (`{World Health Organization}`)
  is one literal name; `Family, Given`, `von Family, Jr, Given` and `Given von Family` are read
  as BibTeX reads them (a `Jr` part stays with the family name, as elsewhere in citelib). A
  trailing `and others` becomes the `extra` line `BibTeX and others: author` (the field's name),
  and the writer writes ` and others` back at the end of that field.
- Fields no canonical field takes (`file`, `crossref`, `chapter`, `mendeley-tags`...) are kept in
  order as `BibTeX <field>: <value>` lines of `extra`, the value as written (LaTeX and all, macros
  expanded), and the writers write them back as the same fields. A `file` field is only this
  text: nothing is opened, read or copied because of it.
- `crossref`: a child gets the fields it lacks from its parent (as BibTeX does), the parent's
  title as its `booktitle` (as BibLaTeX does); not inherited: the parent's own identifiers, notes,
  abstract, keywords, file, pages and title (see NOT_INHERITED).

Writing: UTF-8 as is; the specials `\\ { } ~ ^ & % # _ $` escaped so that they read back as the
same text (`\\&`, `{\\textbraceleft}`, `\\textbackslash{}`...), `--` in text written `-{}-`, math
spans (`$...$` with balanced braces) written as they are. Keys are unique (citekeys.unique_ids)
and made of characters BibTeX and biber accept. Dates: BibTeX gets `year`, `month = feb`, `day`;
BibLaTeX gets `date = {2019-02-03}`; a date that is not ISO (`Spring 2019`, `n.d.`) is written
as the `year` text in both. Notes go into `note` (plain text; several notes separated by `\\\\`,
which the reader splits again). `extra` lines that are not `BibTeX x:` lines go into a field
called `extra`, one line per line; so do `BibTeX x:` lines that cannot be fields (the field is
already written, is one the reader would take for a canonical field, or is not a valid name),
and every line after the first such one, so that `extra` keeps its order.

What BibTeX cannot carry (see also tests/test_bibtex.py): newlines and runs of spaces inside
values (except `extra`); notes' HTML (plain text, read back as one `<p>` paragraph each); the
order of creators across roles (written per role: authors, editors, ...); `pages` with an en dash
(read back with `-`); a citation key with spaces, commas or braces (those characters are dropped).
"""

from __future__ import annotations

import html
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final, Literal, TextIO

from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.library import Library
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ImplicitComment,
    ParsingFailedBlock,
    String,
)
from bibtexparser.splitter import Splitter

from citelib.formats import Problem, ReadResult
from citelib.formats.citekeys import (
    KeyParts,
    generated_key,
    key_parts,
    unique_from_bases,
    with_key_parts,
)
from citelib.formats.encoding import iter_lines, sniff_file
from citelib.formats.normalise import clean_doi, clean_pages
from citelib.gcpause import collector_paused
from citelib.model import Creator, CreatorRole, Item, note_text, parse_date

# ---------------------------------------------------------------------------------------------
# Tables

# Entry type read -> citelib type. Entry types not listed are read as documents, with a
# `BibTeX type: X` line in `extra` that the writers turn back into `@X`.
TYPES_IN: Final[dict[str, str]] = {
    "article": "journalArticle",
    "book": "book",
    "mvbook": "book",
    "booklet": "book",
    "collection": "book",
    "mvcollection": "book",
    "proceedings": "book",
    "mvproceedings": "book",
    "reference": "book",
    "mvreference": "book",
    "inbook": "bookSection",
    "incollection": "bookSection",
    "bookinbook": "bookSection",
    "suppbook": "bookSection",
    "suppcollection": "bookSection",
    "inreference": "bookSection",
    "inproceedings": "conferencePaper",
    "conference": "conferencePaper",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "misc": "document",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "webpage": "webpage",
    "dataset": "dataset",
    "patent": "patent",
    "unpublished": "manuscript",
}
# citelib type -> entry type written by the BibTeX and the BibLaTeX writer.
TYPES_OUT_BIBTEX: Final[dict[str, str]] = {
    "journalArticle": "article",
    "book": "book",
    "bookSection": "incollection",
    "conferencePaper": "inproceedings",
    "thesis": "phdthesis",  # `mastersthesis` for a genre of exactly MASTERS_THESIS
    "report": "techreport",
    "preprint": "misc",
    "webpage": "misc",
    "dataset": "misc",
    "patent": "patent",
    "magazineArticle": "article",
    "newspaperArticle": "article",
    "manuscript": "unpublished",
    "document": "misc",
}
TYPES_OUT_BIBLATEX: Final[dict[str, str]] = {
    **TYPES_OUT_BIBTEX,
    "thesis": "thesis",
    "report": "report",
    "preprint": "online",
    "webpage": "online",
    "dataset": "dataset",
}
# `entrysubtype` values that tell types apart where the entry type cannot: BibLaTeX's own
# `magazine` and `newspaper` for @article, and ours for @misc, @online and @dataset. The
# writers add one only where the entry type (and an arXiv eprint) would read as another type.
SUBTYPES: Final[dict[str, str]] = {
    "magazineArticle": "magazine",
    "newspaperArticle": "newspaper",
    "preprint": "preprint",
    "webpage": "webpage",
    "dataset": "dataset",
    "document": "document",
}
SUBTYPES_IN: Final[dict[str, str]] = {code: kind for kind, code in SUBTYPES.items()}
ARTICLE_TYPES: Final[frozenset[str]] = frozenset(
    ("journalArticle", "magazineArticle", "newspaperArticle")
)
MISC_ENTRY_TYPES: Final[frozenset[str]] = frozenset(
    ("misc", "online", "electronic", "www", "webpage", "dataset")
)
PHD_THESIS: Final = "PhD thesis"
MASTERS_THESIS: Final = "Master's thesis"
# The genre an entry type implies when it has no `type` field.
GENRE_OF_TYPE: Final[dict[str, str]] = {"phdthesis": PHD_THESIS, "mastersthesis": MASTERS_THESIS}
# BibLaTeX's localisation keys in `type`, read as the words they stand for.
GENRE_KEYS: Final[dict[str, str]] = {
    "phdthesis": PHD_THESIS,
    "mathesis": MASTERS_THESIS,
    "mastersthesis": MASTERS_THESIS,
    "candthesis": "Candidate thesis",
    "techreport": "Technical report",
    "resreport": "Research report",
}

# Field read -> canonical field, whatever the type (see ARTICLE_FIELDS_IN for articles).
FIELDS_IN: Final[dict[str, str]] = {
    "title": "title",
    "shorttitle": "shortTitle",
    "abstract": "abstract",
    "journal": "publicationTitle",
    "journaltitle": "publicationTitle",
    "booktitle": "publicationTitle",
    "shortjournal": "journalAbbreviation",
    "series": "series",
    "volume": "volume",
    "issue": "issue",
    "number": "number",
    "pages": "pages",
    "edition": "edition",
    "pagetotal": "numberOfPages",
    "publisher": "publisher",
    "institution": "publisher",
    "school": "publisher",
    "organization": "publisher",
    "address": "place",
    "location": "place",
    "urldate": "accessDate",
    "doi": "DOI",
    "pmid": "PMID",
    "pmcid": "PMCID",
    "isbn": "ISBN",
    "issn": "ISSN",
    "url": "url",
    "language": "language",
    "langid": "language",
    "type": "genre",
    "eventtitle": "event",
    "callnumber": "callNumber",
    "archive": "archive",
    "rights": "rights",
}
# For journal, magazine and newspaper articles, `number` is the issue and `eid` the article
# number (citelib's `number`).
ARTICLE_FIELDS_IN: Final[dict[str, str]] = {**FIELDS_IN, "number": "issue", "eid": "number"}
# Where several fields feed one canonical field, the first listed wins whatever the order in the
# entry; the others, when they differ, go into `extra`. Types not listed use "*".
PREFERENCE: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "publicationTitle": {
        "journalArticle": ("journaltitle", "journal", "booktitle"),
        "magazineArticle": ("journaltitle", "journal", "booktitle"),
        "newspaperArticle": ("journaltitle", "journal", "booktitle"),
        "*": ("booktitle", "journaltitle", "journal"),
    },
    "publisher": {
        "thesis": ("school", "institution", "publisher", "organization"),
        "report": ("institution", "school", "publisher", "organization"),
        "*": ("publisher", "institution", "school", "organization"),
    },
    "issue": {"*": ("number", "issue")},
    "place": {"*": ("address", "location")},
    "language": {"*": ("language", "langid")},
    "url": {"*": ("url", "howpublished")},
}
# Canonical field -> (BibTeX field, BibLaTeX field) written, in the order written; the type
# overrides are in `_field_name`.
FIELDS_OUT: Final[tuple[tuple[str, str, str], ...]] = (
    ("shortTitle", "shorttitle", "shorttitle"),
    ("publicationTitle", "journal", "journaltitle"),  # booktitle for non-article types
    ("journalAbbreviation", "shortjournal", "shortjournal"),
    ("event", "eventtitle", "eventtitle"),
    ("series", "series", "series"),
    ("date", "year", "date"),  # year, month, day in BibTeX; see _write_date
    ("volume", "volume", "volume"),
    ("issue", "issue", "issue"),  # number for articles
    ("number", "number", "number"),  # eid for articles
    ("pages", "pages", "pages"),
    ("numberOfPages", "pagetotal", "pagetotal"),
    ("edition", "edition", "edition"),
    ("publisher", "publisher", "publisher"),  # school / institution for theses and reports
    ("place", "address", "location"),
    ("genre", "type", "type"),
    ("ISBN", "isbn", "isbn"),
    ("ISSN", "issn", "issn"),
    ("DOI", "doi", "doi"),
    ("PMID", "pmid", "pmid"),
    ("PMCID", "pmcid", "pmcid"),
    ("url", "url", "url"),
    ("accessDate", "urldate", "urldate"),
    ("language", "language", "language"),
)
FIELDS_OUT_LAST: Final[tuple[tuple[str, str], ...]] = (
    ("abstract", "abstract"),
    ("callNumber", "callnumber"),
    ("archive", "archive"),
    ("rights", "rights"),
)
# Name fields <-> creator roles. `serieseditor` and `contributor` are ours (BibTeX ignores them).
ROLES_IN: Final[dict[str, CreatorRole]] = {
    "author": "author",
    "editor": "editor",
    "translator": "translator",
    "bookauthor": "bookAuthor",
    "serieseditor": "seriesEditor",
    "contributor": "contributor",
}
ROLES_OUT: Final[dict[CreatorRole, str]] = {role: name for name, role in ROLES_IN.items()}
ROLE_ORDER: Final[dict[CreatorRole, int]] = {role: i for i, role in enumerate(ROLES_OUT)}
NOTE_FIELDS: Final[frozenset[str]] = frozenset(("note", "annote", "annotation"))
DATE_FIELDS: Final[frozenset[str]] = frozenset(("year", "month", "day", "date"))
EPRINT_FIELDS: Final[frozenset[str]] = frozenset(("eprint", "eprinttype", "archiveprefix"))
# `eprinttype` (BibLaTeX) or `archiveprefix` (BibTeX) -> the field an `eprint` of that kind fills.
EPRINT_TYPES: Final[dict[str, str]] = {
    "arxiv": "arXiv",
    "pubmed": "PMID",
    "pmid": "PMID",
    "pmc": "PMCID",
    "pmcid": "PMCID",
}
# Fields the reader takes for something of its own: an `extra` line naming one of them is never
# written back as that field (it would not read back as the same line) but into `extra`.
READ_FIELDS: Final[frozenset[str]] = frozenset(
    (
        *FIELDS_IN,
        *ARTICLE_FIELDS_IN,
        *ROLES_IN,
        *NOTE_FIELDS,
        *DATE_FIELDS,
        *EPRINT_FIELDS,
        "keywords",
        "entrysubtype",
        "extra",
    )
)
# What a crossref child does not take from its parent.
NOT_INHERITED: Final[frozenset[str]] = frozenset(
    (
        "title", "shorttitle", "subtitle", "titleaddon", "crossref", "xref", "ids", "entryset",
        "entrysubtype", "execute", "label", "options", "presort", "related", "relatedoptions",
        "relatedstring", "relatedtype", "shorthand", "shorthandintro", "sortkey", "abstract",
        "note", "annote", "annotation", "keywords", "file", "doi", "url", "urldate", "pmid",
        "pmcid", "eprint", "eprinttype", "archiveprefix", "primaryclass", "pages", "pagetotal",
        "extra",
    )
)  # fmt: skip
# Entry types whose crossref parent's title is their `booktitle`.
IN_TYPES: Final[frozenset[str]] = frozenset(
    (
        "inbook", "incollection", "inproceedings", "conference", "bookinbook", "suppbook",
        "suppcollection", "inreference",
    )
)  # fmt: skip
MONTH_MACROS: Final[dict[str, str]] = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}
MONTHS_OUT: Final[tuple[str, ...]] = tuple(MONTH_MACROS)
_MONTH_NUMBERS: Final[dict[str, int]] = {
    **{abbr: n for n, abbr in enumerate(MONTH_MACROS, start=1)},
    **{name.casefold(): n for n, name in enumerate(MONTH_MACROS.values(), start=1)},
    "sept": 9,
}

EXTRA_PREFIX: Final = "BibTeX "
TYPE_LINE: Final = "BibTeX type: "
TITLE_LINE: Final = "BibTeX title: "
OTHERS_LINE: Final = "BibTeX and others: "

# ---------------------------------------------------------------------------------------------
# LaTeX -> Unicode

# Accent commands -> the combining mark they put on the next letter.
ACCENTS: Final[dict[str, str]] = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "d": "\u0323",
    "b": "\u0331",
    "r": "\u030a",
    "k": "\u0328",
    "t": "\u0361",
}
# An accent with nothing under it (`\~{}`) is the accent character itself.
_SPACING_ACCENTS: Final[dict[str, str]] = {
    "'": "´",
    "`": "`",
    "^": "^",
    '"': "¨",
    "~": "~",
    "=": "¯",
    ".": "˙",
}
# Commands that stand for a character or a word.
SYMBOLS: Final[dict[str, str]] = {
    "i": "ı",
    "j": "ȷ",
    "o": "ø",
    "O": "Ø",
    "ss": "ß",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "dj": "đ",
    "DJ": "Đ",
    "ng": "ŋ",
    "NG": "Ŋ",
    "textbackslash": "\\",
    "textbraceleft": "{",
    "textbraceright": "}",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textunderscore": "_",
    "textdollar": "$",
    "textbar": "|",
    "textless": "<",
    "textgreater": ">",
    "textendash": "–",
    "textemdash": "—",
    "textquoteleft": "‘",
    "textquoteright": "’",
    "textquotedblleft": "“",
    "textquotedblright": "”",
    "guillemotleft": "«",
    "guillemotright": "»",
    "guillemetleft": "«",
    "guillemetright": "»",
    "guilsinglleft": "‹",
    "guilsinglright": "›",
    "quotedblbase": "„",
    "quotesinglbase": "‚",
    "ldots": "…",
    "dots": "…",
    "textellipsis": "…",
    "textdegree": "°",
    "textmu": "µ",
    "S": "§",
    "P": "¶",
    "pounds": "£",
    "textsterling": "£",
    "euro": "€",
    "texteuro": "€",
    "copyright": "©",
    "textcopyright": "©",
    "textregistered": "®",
    "texttrademark": "™",
    "dag": "†",
    "ddag": "‡",
    "textdagger": "†",
    "textdaggerdbl": "‡",
    "textbullet": "•",
    "textperiodcentered": "·",
    "textexclamdown": "¡",
    "textquestiondown": "¿",
    "textordfeminine": "ª",
    "textordmasculine": "º",
    "textsection": "§",
    "textparagraph": "¶",
    "LaTeX": "LaTeX",
    "TeX": "TeX",
    "BibTeX": "BibTeX",
    "LaTeXe": "LaTeX2e",
    "par": " ",
    "newline": " ",
    "linebreak": " ",
    "quad": " ",
    "qquad": " ",
    "enspace": " ",
    "thinspace": " ",
    "nobreakspace": " ",
    "relax": "",
    "noindent": "",
    "ignorespaces": "",
    "slash": "/",
    "textslash": "/",
}
# Control symbols: `\&` is `&`; `\-` (a hyphenation hint) and `\/` are nothing.
CONTROL_SYMBOLS: Final[dict[str, str]] = {
    "&": "&",
    "%": "%",
    "$": "$",
    "#": "#",
    "_": "_",
    "{": "{",
    "}": "}",
    " ": " ",
    "\n": " ",
    "\t": " ",
    ",": " ",
    ";": " ",
    ":": " ",
    "\\": " ",
    "!": "",
    "-": "",
    "/": "",
    "@": "",
}
# Formatting commands whose argument is the text (`\emph{in vivo}` shows as `in vivo`).
WRAPPERS: Final[frozenset[str]] = frozenset(
    (
        "emph", "textit", "textbf", "textsc", "textrm", "textsf", "texttt", "textup", "textsl",
        "textmd", "textnormal", "mbox", "hbox", "text", "url", "NoCaseChange", "nocase",
        "uppercase", "lowercase", "MakeUppercase", "MakeLowercase",
    )
)  # fmt: skip
# Font switches that show as nothing (`{\em x}`, `{\bf x}`).
SWITCHES: Final[frozenset[str]] = frozenset(
    (
        "em", "it", "bf", "sc", "rm", "sf", "tt", "sl", "up", "md", "normalfont", "itshape",
        "bfseries", "scshape", "upshape", "slshape", "mdseries", "rmfamily", "sffamily",
        "ttfamily", "protect",
    )
)  # fmt: skip

_TOKEN_DASH: Final = re.compile(r"\\(?:[A-Za-z]+|[^A-Za-z]|$)|\{\}|[{}~$]|---?")
_TOKEN_PLAIN: Final = re.compile(r"\\(?:[A-Za-z]+|[^A-Za-z]|$)|\{\}|[{}~$]")
_NEEDS_DECODE_PLAIN: Final = re.compile(r"[\\{}~$]")
_CONTROL_WORD: Final = re.compile(r"\\([A-Za-z]+)")
# ASCII white space only: U+00A0 and other Unicode spaces are text, kept as they are.
_WS_CHARS: Final = " \t\n\r\f\v"
_WS: Final = re.compile(r"[ \t\n\r\f\v]+")


def _spaces(text: str) -> str:
    """Runs of ASCII white space as one space, none at the ends (BibTeX's own rule)."""
    # isprintable() is False for tabs and line ends (and a few more, which the regex keeps).
    if "  " not in text and text[:1] != " " and text[-1:] != " " and text.isprintable():
        return text
    return _WS.sub(" ", text).strip(" ")


# What makes a text value more than plain text: LaTeX specials and white space to collapse.
_INTERESTING: Final = re.compile(r"[\\{}~$\t\n\r\f\v]")


def _group_end(s: str, start: int) -> int:
    """Index of the `}` closing the `{` at `start` (escaped braces do not count), or -1."""
    depth = 0
    i = start
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _math_end(s: str, start: int) -> int:
    """Index of the `$` closing a math span whose content starts at `start`, or -1."""
    j = s.find("$", start)
    while j > 0 and s[j - 1] == "\\":
        j = s.find("$", j + 1)
    return j


def _skip_spaces(s: str, pos: int) -> int:
    n = len(s)
    while pos < n and s[pos] in _WS_CHARS:
        pos += 1
    return pos


def _accent(s: str, pos: int, command: str) -> tuple[str, int]:
    """The accented letter after an accent command at `pos`, and where the text goes on."""
    mark = ACCENTS[command]
    spacing = _SPACING_ACCENTS.get(command, mark)
    if command.isalpha():
        pos = _skip_spaces(s, pos)
    if pos >= len(s):
        return spacing, pos
    c = s[pos]
    if c == "{":
        end = _group_end(s, pos)
        if end < 0:
            return spacing, pos
        inner = s[pos + 1 : end].strip(_WS_CHARS)
        m = _CONTROL_WORD.fullmatch(inner)
        if m is not None and m.group(1) in ("i", "j"):
            base = m.group(1)
        elif "\\" in inner or "{" in inner:
            base = _decode(inner, False, False)[0]
        else:
            base = inner
        pos = end + 1
    elif c == "\\":
        m = _CONTROL_WORD.match(s, pos)
        if m is None:
            return spacing, pos
        name = m.group(1)
        if name in ("i", "j"):
            base = name
        elif name in SYMBOLS:
            base = SYMBOLS[name]
        else:
            return spacing, pos
        pos = _skip_spaces(s, m.end())
    else:
        base = c
        pos += 1
    if not base:
        return spacing, pos
    if base[0] in "ıȷ":
        base = ("i" if base[0] == "ı" else "j") + base[1:]
    return unicodedata.normalize("NFC", base[0] + mark) + base[1:], pos


def _decode(s: str, dashes: bool, sim: bool) -> tuple[str, str, bool]:
    """Decode LaTeX: (display text, case-changed text, whether it held formatting commands).

    The second text is what BibTeX's title case change would make of it: every letter outside
    protecting braces lower-cased (only built when `sim`); the writer compares it with its own
    protection of the display text to tell whether a title's braces would be lost.
    """
    token = _TOKEN_DASH if dashes else _TOKEN_PLAIN
    out: list[str] = []
    low: list[str] = []
    stack: list[bool] = []  # the open groups: whether each protects case
    formatting = False
    pos = 0
    n = len(s)
    while pos < n:
        m = token.search(s, pos)
        if m is None:
            piece = s[pos:]
            pos = n
        else:
            start = m.start()
            if start > pos:
                piece = s[pos:start]
                out.append(piece)
                if sim:
                    low.append(piece if stack and stack[0] else _fold(piece))
            tok = m.group()
            pos = m.end()
            c = tok[0]
            if c == "\\":
                name = tok[1:]
                if not name:
                    piece = "\\"
                elif name[0].isalpha():
                    if name in SYMBOLS:
                        piece = SYMBOLS[name]
                        pos = _skip_spaces(s, pos)
                    elif name in ACCENTS:
                        piece, pos = _accent(s, pos, name)
                    elif name in WRAPPERS:
                        formatting = True
                        at = _skip_spaces(s, pos)
                        end = _group_end(s, at) if at < n and s[at] == "{" else -1
                        if end < 0:
                            piece = ""
                        else:
                            inner = s[at + 1 : end]
                            piece = inner if name == "url" else _decode(inner, dashes, False)[0]
                            pos = end + 1
                    elif name in SWITCHES:
                        formatting = True
                        piece = ""
                        pos = _skip_spaces(s, pos)
                    else:  # a command we do not know: kept as written, with its arguments
                        formatting = True
                        while pos < n and s[pos] == "{":
                            end = _group_end(s, pos)
                            if end < 0:
                                break
                            pos = end + 1
                        piece = s[start:pos]
                elif name in ACCENTS:
                    piece, pos = _accent(s, pos, name)
                elif name in CONTROL_SYMBOLS:
                    piece = CONTROL_SYMBOLS[name]
                else:
                    formatting = True
                    piece = tok
            elif tok == "{}":
                continue
            elif c == "{":
                stack.append(not stack and not s.startswith("\\", pos))
                continue
            elif c == "}":
                if stack:
                    stack.pop()
                    continue
                piece = "}"
            elif c == "~":
                piece = " "
            elif c == "$":
                end = _math_end(s, pos)
                if end < 0:
                    piece = "$"
                else:
                    piece = s[start : end + 1]
                    pos = end + 1
            else:
                piece = "–" if len(tok) == 2 else "—"
        out.append(piece)
        if sim:
            low.append(piece if stack and stack[0] else _fold(piece))
    text = _spaces("".join(out))
    return text, (_spaces("".join(low)) if sim else ""), formatting


def decode_latex(value: str, *, dashes: bool = True) -> str:
    """A BibTeX value's LaTeX as Unicode text: accents, escaped specials, braces removed."""
    return _text(value) if dashes else _plain(value)


def _plain(value: str) -> str:
    if value.isdigit():
        return value
    if "\\" in value:
        value = _simple_escapes(value)
    if _INTERESTING.search(value) is None:
        if "  " in value or value[:1] == " " or value[-1:] == " ":
            return _WS.sub(" ", value).strip(" ")
        return value
    return _decode(value, False, False)[0]


def _text(value: str) -> str:
    if "\\" in value:
        value = _simple_escapes(value)
    if _INTERESTING.search(value) is None and "--" not in value:
        if "  " in value or value[:1] == " " or value[-1:] == " ":
            return _WS.sub(" ", value).strip(" ")
        return value
    return _decode(value, True, False)[0]


def _simple_escapes(value: str) -> str:
    """`\\%`, `\\&`, `\\#`, `\\_` undone with str.replace, much faster than the decoder (or a
    regex) on long abstracts; not where a `\\\\` or math could make them mean something else."""
    if "\\\\" in value or "$" in value:
        return value
    for escape, char in _SIMPLE_ESCAPES:
        if escape in value:
            value = value.replace(escape, char)
    return value


_SIMPLE_ESCAPES: Final = (("\\%", "%"), ("\\&", "&"), ("\\#", "#"), ("\\_", "_"))


_VERBATIM_ESCAPES: Final = re.compile(
    r"\{\\([_%&#$])\}|\\([_%&#$])|\{\\~\}|\\~\{\}|\\textasciitilde(?:\{\})?"
    r"|\\textunderscore(?:\{\})?"
)
_URL_COMMAND: Final = re.compile(r"\\(?:url|path|nolinkurl)\s*\{(.*)\}$", re.DOTALL)


def _verbatim(value: str) -> str:
    """A URL, DOI or eprint: `\\url{...}` unwrapped and escaped specials undone, nothing else."""
    value = value.strip(_WS_CHARS)
    m = _URL_COMMAND.match(value)
    if m is not None:
        value = m.group(1)
    if "\\" in value:
        value = _VERBATIM_ESCAPES.sub(_unescape_verbatim, value)
    return _spaces(value)


def _unescape_verbatim(m: re.Match[str]) -> str:
    return m.group(1) or m.group(2) or ("_" if "under" in m.group(0) else "~")


# ---------------------------------------------------------------------------------------------
# Unicode -> BibTeX

_ESCAPE_MAP: Final[dict[str, str]] = {
    "\\": "\\textbackslash{}",
    "{": "{\\textbraceleft}",
    "}": "{\\textbraceright}",
    "~": "\\textasciitilde{}",
    "^": "\\textasciicircum{}",
    "&": "\\&",
    "%": "\\%",
    "#": "\\#",
    "_": "\\_",
    "$": "\\$",
}
_SPECIAL_CHAR: Final = re.compile(r"[\\{}~^&%#_$]")
_ESCAPE_SIMPLE: Final = tuple((c, e) for c, e in _ESCAPE_MAP.items() if c not in "\\{}")


def _needs_escape(text: str) -> bool:
    return "--" in text or _SPECIAL_CHAR.search(text) is not None


def _escape_char(m: re.Match[str]) -> str:
    return _ESCAPE_MAP[m.group()]


_DOUBLE_DASH: Final = re.compile(r"-(?=-)")


def _balanced(text: str) -> bool:
    """Braces balanced as BibTeX counts them (all) and as bibtexparser does (unescaped)."""
    depth = 0
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return False
    if depth:
        return False
    return _group_end("{" + text + "}", 0) == len(text) + 1


def _math_spans(text: str) -> list[tuple[int, int]]:
    """The `$...$` spans the writer keeps as they are: non-empty, braces balanced, no `\\\\`,
    not ending in a backslash. The reader keeps exactly these spans as they are too."""
    spans: list[tuple[int, int]] = []
    i = text.find("$")
    while i >= 0:
        j = text.find("$", i + 1)
        if j < 0:
            break
        content = text[i + 1 : j]
        if content and not content.endswith("\\") and "\\\\" not in content and _balanced(content):
            spans.append((i, j + 1))
            i = text.find("$", j + 1)
        else:
            i = j
    return spans


def _escape_plain(text: str, dashes: bool) -> str:
    if "\\" in text or "{" in text or "}" in text:
        # Their escapes hold backslashes and braces: one pass with a callback.
        text = _SPECIAL_CHAR.sub(_escape_char, text)
    elif _SPECIAL_CHAR.search(text) is not None:
        # The other escapes hold no special but their own character, so one replace per
        # character present is safe in any order (and much faster on long abstracts than a
        # regex callback or str.translate with a dict).
        for char, escaped in _ESCAPE_SIMPLE:
            if char in text:
                text = text.replace(char, escaped)
    if dashes and "--" in text:
        text = _DOUBLE_DASH.sub("-{}", text)
    return text


def _escape_long(text: str) -> str:
    """escape_latex(text), quickest for long text: without a `$` (math spans), it is a few
    substring tests and replaces, never a regex search over the whole text."""
    if "$" in text:
        return escape_latex(text)
    if "\\" in text or "{" in text or "}" in text:
        text = _SPECIAL_CHAR.sub(_escape_char, text)
    else:
        for char, escaped in _ESCAPE_SIMPLE:
            if char in text:
                text = text.replace(char, escaped)
    if "--" in text:
        text = _DOUBLE_DASH.sub("-{}", text)
    return text


def _protect(token: str) -> bool:
    """Whether the writer braces a word of a title: a capital after its first letter."""
    rest = token[1:]
    return rest != rest.lower()


def escape_latex(text: str, *, dashes: bool = True, protect: bool = False) -> str:
    """Text as a BibTeX value that reads back as the same text (see the module docstring).

    With `protect`, words with a capital after their first letter are put in braces.
    """
    if not protect and not _needs_escape(text):
        return text
    spans = _math_spans(text) if "$" in text else []
    if not spans:
        return _escape_segment(text, dashes, protect)
    parts: list[str] = []
    at = 0
    for start, end in spans:
        parts.append(_escape_segment(text[at:start], dashes, protect))
        parts.append(text[start:end])
        at = end
    parts.append(_escape_segment(text[at:], dashes, protect))
    return "".join(parts)


def _escape_segment(text: str, dashes: bool, protect: bool) -> str:
    if not protect:
        return _escape_plain(text, dashes)
    if _SPECIAL_CHAR.search(text) is None and not (dashes and "--" in text):
        # Nothing to escape (most titles): only brace the words _protect picks.
        return _brace_capitals(text)
    return " ".join(_protected_word(w, dashes) for w in text.split(" "))


# An ASCII word (between single spaces) with a capital after its first letter: the words
# _protect picks, when the text is ASCII.
_ASCII_CAPITALS_WORD: Final = re.compile(r"(?<![^ ])([^ ][^ A-Z]*[A-Z][^ ]*)")


def _brace_capitals(text: str) -> str:
    """The words of text (split at single spaces) that _protect picks, in braces."""
    if text.isascii():
        return _ASCII_CAPITALS_WORD.sub(r"{\1}", text)
    return " ".join("{" + w + "}" if w[1:] != w[1:].lower() else w for w in text.split(" "))


def _protected_word(word: str, dashes: bool) -> str:
    text = _escape_plain(word, dashes)
    if not _protect(word):
        return text
    # `{\&Co}` would be a BibTeX "special character", whose case is changed: `{{}\&Co}` is not.
    return "{{}" + text + "}" if text.startswith("\\") else "{" + text + "}"


def _fold(text: str) -> str:
    """Lower case, one character for one (no final sigma, no `İ` -> `i̇`), so positions agree."""
    low = text.lower()
    if len(low) == len(text) and "Σ" not in text:
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _title_case_of_output(title: str) -> str:
    """What the case change makes of the title as the writer protects it (see `_decode`)."""
    spans = _math_spans(title) if "$" in title else []
    parts: list[str] = []
    at = 0
    for start, end in [*spans, (len(title), len(title))]:
        segment = title[at:start]
        parts.append(" ".join(w if _protect(w) else _fold(w) for w in segment.split(" ")))
        parts.append(_fold(title[start:end]))
        at = end
    return "".join(parts)


def _title_needs_raw(raw: str) -> tuple[str, bool]:
    """A title's display text, and whether its braces or commands would be lost on export."""
    if "{" not in raw and "\\" not in raw:
        return _text(raw), False
    display = _text(raw)
    if not _needs_escape(display):
        ours = _brace_capitals(display)
    else:
        ours = escape_latex(display, protect=True)
    if ours == raw:
        return display, False  # braced exactly as the writer braces it: the usual case
    display, folded, formatting = _decode(raw, True, True)
    if formatting:
        return display, True
    ours = _title_case_of_output(display)
    if len(ours) != len(display) or len(folded) != len(display):
        return display, folded != ours
    # The raw title protects a capital that the writer's braces would not.
    return display, any(f == d and o != d for f, o, d in zip(folded, ours, display, strict=True))


# ---------------------------------------------------------------------------------------------
# Reading


def sniff(head: str) -> bool:
    """Whether the start of a file looks like BibTeX or BibLaTeX: a line starting `@type{`."""
    return _SNIFF.search(head) is not None


_SNIFF: Final = re.compile(r"(?m)^[\ufeff \t]*@[A-Za-z]+[ \t]*[{(]")

_quiet = threading.local()


class _QuietWhileReading(logging.Filter):
    """bibtexparser logs each broken block; while we read, those become Problems instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_quiet, "on", False)


logging.getLogger("bibtexparser.splitter").addFilter(_QuietWhileReading())


@contextmanager
def _quiet_splitter() -> Iterator[None]:
    was = getattr(_quiet, "on", False)
    _quiet.on = True
    try:
        yield
    finally:
        _quiet.on = was


def read(text: str, source: str = "<input>") -> ReadResult:
    """Parse BibTeX or BibLaTeX text into items and problems. Never raises."""
    reader = _Reader(source)
    with collector_paused(), _quiet_splitter():
        reader.run(text)
    return ReadResult(reader.items, reader.problems, reader.records, reader.lines)


def read_lines(lines: Iterable[str], source: str = "<input>") -> ReadResult:
    """Parse BibTeX or BibLaTeX lines (without their line ends), as a file streamed from disk
    gives them: the whole text is never in memory. Never raises."""
    reader = _Reader(source)
    with collector_paused(), _quiet_splitter():
        reader.run_parts(_line_parts(lines))
    return ReadResult(reader.items, reader.problems, reader.records, reader.lines)


def read_path(path: Path, source: str) -> ReadResult:
    """Parse a BibTeX file streamed from disk. A file with no `crossref` anywhere (one quick
    pass over its bytes tells) has its entries made into items part by part, so a 100,000-entry
    import never holds them twice. Never raises on the file's content."""
    codec, skip, _binary = sniff_file(path)
    has_crossref = False
    with path.open("rb") as fh:
        tail = b""
        while block := fh.read(1 << 20):
            if _CROSSREF_BYTES.search(tail + block):
                has_crossref = True
                break
            tail = block[-8:]
    reader = _Reader(source)
    with collector_paused(), _quiet_splitter():
        lines = iter_lines(path, codec or "utf-8", skip)
        reader.run_parts(_line_parts(lines), early=not has_crossref)
    return ReadResult(reader.items, reader.problems, reader.records, reader.lines)


_CROSSREF_BYTES: Final = re.compile(rb"crossref", re.IGNORECASE)


# bibtexparser's splitter gets the text in parts of about _PART_CHARS characters, each cut just
# before a line that starts with `@` (where the splitter itself ends an unclosed entry), so that
# its blocks for a 100,000-entry file are never all in memory at once. Each part comes with
# whether more text follows it.


def _text_parts(text: str) -> Iterator[tuple[str, bool]]:
    pos, size = 0, len(text)
    while pos < size:
        end = size
        if pos + _PART_CHARS < size:
            cut = text.find("\n@", pos + _PART_CHARS)
            end = size if cut < 0 else cut + 1
        yield text[pos:end], end < size
        pos = end


def _line_parts(lines: Iterable[str]) -> Iterator[tuple[str, bool]]:
    buffer: list[str] = []
    size = 0
    for number, line in enumerate(lines):
        if number == 0 and line.startswith("\ufeff"):
            line = line[1:]
        if size >= _PART_CHARS and line.startswith("@"):
            yield "\n".join(buffer) + "\n", True
            buffer, size = [], 0
        buffer.append(line)
        size += len(line) + 1
    yield "\n".join(buffer), False


class _Record:
    """One entry as split: its fields' expanded values, not yet mapped."""

    __slots__ = ("broken", "entry_type", "fields", "key", "line", "number")

    def __init__(
        self, entry_type: str, key: str, fields: list[tuple[str, str]], line: int, number: int
    ) -> None:
        self.entry_type = entry_type
        self.key = key
        self.fields = fields
        self.line = line
        self.number = number
        self.broken = ""


_ENTRY_HEAD: Final = re.compile(r"@\s*([A-Za-z]\w*)\s*[{(]\s*([^,\s{}()]*)")
_STRAY_FIELDS: Final = re.compile(r"\s*(?:,|\}|[A-Za-z][\w:.-]*\s*=)")
_NON_RECORDS: Final[frozenset[str]] = frozenset(("string", "comment", "preamble"))
_PART_CHARS: Final = 1 << 20  # the splitter gets the text in parts of about this size


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[Item] = []
        self.lines: list[int] = []
        self.problems: list[Problem] = []
        self.records = 0
        self.macros: dict[str, str] = dict(MONTH_MACROS)
        self.crossrefs = False  # whether any entry has a crossref (then all are kept to the end)
        self.key_lines: dict[str, int] = {}  # each key (case-folded) and the line it is first on
        self.next_part_line: int | None = None  # where the next part of the text starts (split)

    def problem(
        self, line: int | None, record: int | None, message: str, *, warning: bool = False
    ) -> None:
        severity: Literal["error", "warning"] = "warning" if warning else "error"
        self.problems.append(Problem(self.source, line, record, message, severity))

    def run(self, text: str) -> None:
        if text.startswith("\ufeff"):
            text = text[1:]
        self.run_parts(_text_parts(text))

    def run_parts(self, parts: Iterable[tuple[str, bool]], *, early: bool = False) -> None:
        """Split and convert the parts. With `early` (the caller knows no entry has a crossref)
        each part's entries become items at once, so they are never all held twice."""
        records: list[_Record] = []
        offset = 1
        entries = 0
        for part, more in parts:
            lines = part.count("\n")
            self.next_part_line = offset + lines if more else None
            for library, at in self.split(part, offset):
                self.blocks(library, at, records)
            offset += lines
            if early:
                entries += len(records)
                self.convert(records)
                records.clear()
        entries += len(records)
        if not entries and not self.errors():
            self.problem(None, None, "no entries: the file holds no BibTeX records", warning=True)
        self.convert(records)
        self.problems.sort(key=lambda p: p.line or 0)

    def errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def split(self, part: str, offset: int) -> Iterator[tuple[Library, int]]:
        """bibtexparser's blocks of one part of the text (see _text_parts), with the line offset
        to add to their (0-based) lines. Should the splitter fail on the part (a bug of its
        own), each entry of the part is split on its own, so one bad entry costs only itself."""
        try:
            library = Splitter(part).split()
        except Exception:  # bibtexparser may raise on input it cannot handle
            yield from self.split_entries(part, offset)
        else:
            yield library, offset

    def split_entries(self, text: str, offset: int) -> Iterator[tuple[Library, int]]:
        for chunk in re.split(r"\n(?=[ \t]*@)", text):
            try:
                library = Splitter(chunk).split()
            except Exception as exc:
                self.problem(offset, None, f"text the BibTeX splitter cannot read ({exc}); skipped")
            else:
                yield library, offset
            offset += chunk.count("\n") + 1

    def blocks(self, library: Library, offset: int, records: list[_Record]) -> None:
        previous: _Record | None = None
        for block in library.blocks:
            line = (block.start_line or 0) + offset
            if isinstance(block, DuplicateFieldKeyBlock | DuplicateBlockKeyBlock):
                inner = block.ignore_error_block
                if isinstance(inner, String):
                    self.string(inner, line, redefined=True)
                    previous = None
                    continue
                if isinstance(inner, Entry):
                    previous = self.entry(inner, line, records)
                    continue
            if isinstance(block, Entry):
                previous = self.entry(block, line, records)
            elif isinstance(block, String):
                self.string(block, line)
                previous = None
            elif isinstance(block, ParsingFailedBlock):
                self.failed(block, line)
                previous = None
            elif isinstance(block, ImplicitComment):
                if previous is not None and _STRAY_FIELDS.match(block.comment):
                    previous.broken = (
                        f"an extra `}}` closes the entry early: text that looks like more "
                        f"fields follows it on line {line}"
                    )
                previous = None
            else:  # @comment, @preamble: nothing to read
                previous = None

    def entry(self, entry: Entry, line: int, records: list[_Record]) -> _Record:
        self.records += 1
        fields: list[tuple[str, str]] = []
        for field in entry.fields:
            value = field.value
            raw = value if isinstance(value, str) else str(value)
            name = field.key.lower().strip()
            if name == "crossref":
                self.crossrefs = True
            fields.append((name, self.expand(raw, line)))
        record = _Record(entry.entry_type.lower(), entry.key.strip(), fields, line, self.records)
        records.append(record)
        return record

    def string(self, block: String, line: int, *, redefined: bool = False) -> None:
        name = block.key.strip().lower()
        if redefined or (name in self.macros and name not in MONTH_MACROS):
            message = f"@string {name!r} defined again; the later value is used"
            self.problem(line, None, message, warning=True)
        self.macros[name] = self.expand(block.value, line)

    def failed(self, block: ParsingFailedBlock, line: int) -> None:
        raw = block.raw or ""
        m = _ENTRY_HEAD.match(raw.lstrip())
        kind = m.group(1).lower() if m else ""
        error = block.error
        reason = error.abort_reason if isinstance(error, BlockAbortedException) else str(error)
        until = line + raw.count("\n") + 1
        if "end of file" in reason and self.next_part_line is not None:
            # The end of a part of the text (see split) is just before the next entry.
            why = (
                f"a brace or quote is not closed before the next entry "
                f"(line {self.next_part_line}); the entries after it are read"
            )
        elif "end of file" in reason:
            why = "a brace or quote is never closed: the file ends inside the entry"
        elif "block start" in reason:
            why = (
                f"a brace or quote is not closed before the next entry (line {until}); "
                "the entries after it are read"
            )
        else:
            why = f"syntax error: {reason.strip()}"
        if kind in _NON_RECORDS:
            warning = kind != "string"
            self.problem(line, None, f"@{kind} cannot be read: {why}", warning=warning)
            return
        self.records += 1
        key = m.group(2) if m else ""
        what = f"entry {key!r}" if key else f"record {self.records}"
        self.problem(line, self.records, f"{what}: {why}; left out")

    def expand(self, raw: str, line: int) -> str:
        """A field's value as written between its delimiters, macros and `#` resolved."""
        raw = raw.strip(_WS_CHARS)
        if not raw:
            return ""
        first, last = raw[0], raw[-1]
        if "#" not in raw and (
            (first == "{" and last == "}") or (first == '"' and last == '"' and len(raw) > 1)
        ):
            return raw[1:-1]
        if raw.isdigit():
            return raw
        parts: list[str] = []
        i = 0
        n = len(raw)
        while i < n:
            c = raw[i]
            if c in _WS_CHARS or c == "#":
                i += 1
            elif c == "{":
                end = _group_end(raw, i)
                end = n if end < 0 else end
                parts.append(raw[i + 1 : end])
                i = end + 1
            elif c == '"':
                j = i + 1
                depth = 0
                while j < n and (raw[j] != '"' or depth > 0):
                    if raw[j] == "{":
                        depth += 1
                    elif raw[j] == "}":
                        depth -= 1
                    j += 1
                parts.append(raw[i + 1 : j])
                i = j + 1
            else:
                j = i
                while j < n and raw[j] not in _WS_CHARS and raw[j] not in '#{"':
                    j += 1
                word = raw[i:j]
                i = j
                if word.isdigit():
                    parts.append(word)
                    continue
                value = self.macros.get(word.lower())
                if value is None:
                    self.problem(
                        line, None, f"unknown @string macro {word!r} kept as text", warning=True
                    )
                    value = word
                parts.append(value)
        return "".join(parts)

    def convert(self, records: list[_Record]) -> None:
        by_key: dict[str, _Record] = {}
        for record in records:
            folded = record.key.casefold()
            if not folded:
                continue
            first_line = self.key_lines.get(folded)
            if first_line is None:
                self.key_lines[folded] = record.line
                by_key[folded] = record
            else:
                self.problem(
                    record.line,
                    record.number,
                    f"entry {record.key!r}: the key is used before (line {first_line}); "
                    "both entries are read",
                    warning=True,
                )
        for record in records:
            if record.broken:
                self.problem(
                    record.line, record.number, f"entry {record.key!r}: {record.broken}; left out"
                )
                continue
            fields = record.fields
            if self.crossrefs and any(name == "crossref" for name, _ in fields):
                fields = self.inherit(record, by_key)
            elif not self.crossrefs:
                record.fields = []  # no entry needs it again: free it while the items grow
            try:
                item, warnings = _item(record.entry_type, record.key, fields)
            except Exception as exc:  # a reader never raises: say which entry failed
                message = f"entry {record.key!r}: internal error ({type(exc).__name__}: {exc})"
                self.problem(record.line, record.number, message)
                continue
            what = f"entry {record.key!r}" if record.key else f"record {record.number}"
            if not record.key:
                key = generated_key(item)
                item.fields["citationKey"] = key
                warnings.insert(0, f"no citation key; it gets the key {key!r}")
            for message in warnings:
                self.problem(record.line, record.number, f"{what}: {message}", warning=True)
            self.items.append(item)
            self.lines.append(record.line)

    def inherit(self, record: _Record, by_key: dict[str, _Record]) -> list[tuple[str, str]]:
        """The child's fields plus those it lacks from its crossref parent (and its parents)."""
        fields = list(record.fields)
        have = {name for name, _ in fields}
        seen = {record.key.casefold()}
        current = record
        for _depth in range(8):
            target = next((v for n, v in current.fields if n == "crossref"), "").strip()
            parent = by_key.get(target.casefold()) if target else None
            if parent is None:
                if target and current is record:
                    self.problem(
                        record.line,
                        record.number,
                        f"entry {record.key!r}: crossref {target!r} names no entry in the file",
                        warning=True,
                    )
                break
            if parent.key.casefold() in seen:
                break
            seen.add(parent.key.casefold())
            parent_has_booktitle = any(n == "booktitle" for n, _ in parent.fields)
            for name, value in parent.fields:
                if name == "title":
                    if (
                        record.entry_type in IN_TYPES
                        and "booktitle" not in have
                        and not parent_has_booktitle
                    ):
                        fields.append(("booktitle", value))
                        have.add("booktitle")
                    continue
                if name in have or name in NOT_INHERITED:
                    continue
                fields.append((name, value))
                have.add(name)
            current = parent
        return fields


def _month(text: str) -> int | None:
    value = text.strip(_WS_CHARS + ".").casefold()
    if value.isdigit():
        number = int(value)
        return number if 1 <= number <= 12 else None
    return _MONTH_NUMBERS.get(value)


def _day(text: str) -> int | None:
    value = text.strip(_WS_CHARS)
    if value.isdigit() and 1 <= int(value) <= 31:
        return int(value)
    return None


def _item_type(entry_type: str, subtype: str, has_arxiv: bool) -> tuple[str, bool, bool]:
    """(citelib type, whether the entry type is known, whether `entrysubtype` told the type)."""
    base = TYPES_IN.get(entry_type)
    if base is None:
        return "document", False, False
    sub = SUBTYPES_IN.get(subtype.casefold()) if subtype else None
    if sub is not None:
        if entry_type == "article" and sub in ("magazineArticle", "newspaperArticle"):
            return sub, True, True
        if entry_type in MISC_ENTRY_TYPES and sub not in ARTICLE_TYPES:
            return sub, True, True
    if has_arxiv and entry_type in ("misc", "online", "electronic", "www", "webpage"):
        return "preprint", True, False
    return base, True, False


_URLISH: Final = re.compile(r"\s*(?:\\url\s*\{|https?://|ftp://)", re.IGNORECASE)


def _split_depth0(value: str, sep: str) -> list[str]:
    """`value` split on `sep` where it is outside braces."""
    if "{" not in value:
        return value.split(sep)
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(value)
    width = len(sep)
    while i < n:
        c = value[i]
        if c == "\\" and sep != "\\\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and value.startswith(sep, i):
            parts.append(value[start:i])
            i += width
            start = i
            continue
        i += 1
    parts.append(value[start:])
    return parts


_AND: Final = re.compile(r"[ \t\n\r\f\v]+and[ \t\n\r\f\v]+", re.IGNORECASE)
_NAME_WORDS: Final = re.compile(r"[ \t\n\r\f\v~]+")
_PARTICLES: Final[frozenset[str]] = frozenset(
    (
        "van", "von", "der", "den", "de", "del", "della", "degli", "di", "da", "das", "dos", "du",
        "la", "le", "les", "lo", "ten", "ter", "vom", "zu", "zur", "al", "el", "bin", "ibn", "y",
        "e", "st.", "mac", "af", "av",
    )
)  # fmt: skip
_SUFFIXES: Final[frozenset[str]] = frozenset(
    ("jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v", "2nd", "3rd", "4th")
)


def _split_names(value: str) -> list[str]:
    """A name field split on ` and ` outside braces."""
    if "{" not in value:
        return _AND.split(value)
    parts: list[str] = []
    depth = 0
    at = 0  # where depth was last counted up to
    last = 0  # start of the current name
    for m in _AND.finditer(value):
        depth += value.count("{", at, m.start()) - value.count("}", at, m.start())
        at = m.end()
        if depth == 0:
            parts.append(value[last : m.start()])
            last = m.end()
    parts.append(value[last:])
    return parts


def _name_words(name: str) -> list[str]:
    """The words of a `Given von Family` name, split on spaces and `~` outside braces."""
    if "{" not in name:
        return [w for w in _NAME_WORDS.split(name) if w]
    words: list[str] = []
    depth = 0
    start = 0
    for i, c in enumerate(name):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and (c in _WS_CHARS or c == "~"):
            if i > start:
                words.append(name[start:i])
            start = i + 1
    if start < len(name):
        words.append(name[start:])
    return words


def _is_von(raw_word: str, word: str, inner: bool) -> bool:
    """BibTeX's rule (a word starting in lower case) and, inside a name, the usual particles."""
    first = raw_word[:1]
    if first.isalpha() and first.islower():
        return True
    return inner and word.casefold() in _PARTICLES


def _person(text: str, role: CreatorRole) -> Creator | None:
    """One name of a name field, as BibTeX reads it (see the module docstring)."""
    name = text.strip(_WS_CHARS)
    if not name:
        return None
    if name[0] == "{" and _group_end(name, 0) == len(name) - 1:
        literal = _plain(name[1:-1])
        return Creator(literal=literal, role=role) if literal else None
    simple = _NEEDS_DECODE_PLAIN.search(name) is None and name.isprintable()
    if "," in name:
        if simple:
            decoded = [p.strip(" ") for p in name.split(",")]
            if any("  " in p for p in decoded):
                decoded = [_spaces(p) for p in decoded]
        else:
            decoded = [_plain(p) for p in _split_depth0(name, ",")]
        given = decoded[-1]
        family = ", ".join(p for p in decoded[:-1] if p)
        if not family:
            return Creator(family=given, role=role) if given else None
        return Creator(family=family, given=given, role=role)
    raw_words = _name_words(name)
    words = raw_words if simple else [_plain(w) for w in raw_words]
    if len(words) == 1:
        return Creator(family=words[0], role=role) if words[0] else None
    suffix = ""
    if len(words) > 2 and words[-1].casefold() in _SUFFIXES:
        suffix = words.pop()
        raw_words.pop()
    start = len(words) - 1
    for i in range(len(words) - 1):
        if _is_von(raw_words[i], words[i], i > 0):
            start = i
            break
    family = " ".join(words[start:])
    if suffix:
        family = f"{family}, {suffix}"
    return Creator(family=family, given=" ".join(words[:start]), role=role)


def _names(value: str, role: CreatorRole) -> tuple[list[Creator], bool]:
    """The creators of a name field, and whether it ends with `and others`."""
    parts = _split_names(value)
    others = False
    if parts and parts[-1].strip(_WS_CHARS).casefold() == "others":
        others = True
        parts.pop()
    creators: list[Creator] = []
    if _INTERESTING.search(value) is None and "  " not in value:
        # The usual `Family, Given and Family, Given`: no LaTeX, no braces, single spaces.
        for part in parts:
            family, comma, given = part.partition(",")
            if comma and "," not in given and family and family[0] != " ":
                creators.append(Creator(family.rstrip(" "), given.strip(" "), role=role))
            else:
                person = _person(part, role)
                if person is not None:
                    creators.append(person)
        return creators, others
    creators.extend(c for c in (_person(p, role) for p in parts) if c is not None)
    return creators, others


def _keywords(value: str) -> list[str]:
    """Keywords separated by `;` (when there is one outside braces) or else by `,`."""
    sep = ";" if ";" in value and len(_split_depth0(value, ";")) > 1 else ","
    if _INTERESTING.search(value) is None and "  " not in value:
        return list(dict.fromkeys(t for t in (p.strip(" ") for p in value.split(sep)) if t))
    tags: list[str] = []
    for part in _split_depth0(value, sep):
        tag = _plain(part)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _notes(value: str) -> list[str]:
    """A note field as notes: one `<p>` each, split where the writer joined them with `\\\\`."""
    notes: list[str] = []
    for part in _split_depth0(value, "\\\\") if "\\\\" in value else [value]:
        text = _text(part)
        if text:
            notes.append(f"<p>{html.escape(text, quote=False)}</p>")
    return notes


def _canonical(name: str, value: str) -> str:
    """A mapped field's value as citelib keeps it."""
    if name in ("DOI", "url"):
        text = _verbatim(value)
        return clean_doi(text) if name == "DOI" else text
    if name == "pages":
        return clean_pages(_plain(value))
    if name in _TEXT_FIELDS:
        return _text(value)
    return _plain(value)


# Canonical fields whose BibTeX values are text: `--` is a dash there (not in pages or numbers).
_TEXT_FIELDS: Final[frozenset[str]] = frozenset(
    (
        "title", "shortTitle", "abstract", "publicationTitle", "journalAbbreviation", "series",
        "publisher", "place", "genre", "event", "callNumber", "archive", "rights",
    )
)  # fmt: skip


def _item(entry_type: str, key: str, fields: list[tuple[str, str]]) -> tuple[Item, list[str]]:
    """One entry's fields (names lower-cased, values expanded) -> the item and its warnings."""
    warnings: list[str] = []
    first: dict[str, str] = {}
    for name, value in fields:
        first.setdefault(name, value)
    subtype = _plain(first["entrysubtype"]) if "entrysubtype" in first else ""
    eprint_field = None
    if "eprint" in first and first["eprint"].strip(_WS_CHARS):
        prefix = first.get("archiveprefix") or first.get("eprinttype") or ""
        eprint_field = EPRINT_TYPES.get(_plain(prefix).casefold())
    has_arxiv = eprint_field == "arXiv"
    item_type, known, subtype_used = _item_type(entry_type, subtype, has_arxiv)
    markers: list[str] = []
    if not known:
        warnings.append(f"unknown entry type {entry_type!r}; read as a document")
        markers.append(f"{TYPE_LINE}{entry_type}")
    article = item_type in ARTICLE_TYPES
    table = ARTICLE_FIELDS_IN if article else FIELDS_IN

    item_fields: dict[str, str] = {}
    origin: dict[str, tuple[int, str, str]] = {}  # canonical -> (index, field, value) it came from
    extra: list[tuple[int, str]] = []  # (index, line)

    def put(target: str, text: str, index: int, name: str, value: str) -> None:
        """Set a canonical field; of two different values the preferred field's wins (see
        PREFERENCE), else the first; the other goes into extra. An equal value is dropped."""
        old = item_fields.get(target)
        if old is None:
            item_fields[target] = text
            origin[target] = (index, name, value)
            return
        if old == text:
            return
        o_index, o_name, o_value = origin[target]
        if _rank(target, name, item_type) < _rank(target, o_name, item_type):
            item_fields[target] = text
            origin[target] = (index, name, value)
            index, name, value = o_index, o_name, o_value
        extra.append((index, f"{EXTRA_PREFIX}{name}: {_one_line(value)}"))

    creators: dict[CreatorRole, list[Creator]] = {}
    others: list[str] = []
    tags: list[str] = []
    notes: list[str] = []
    dates: dict[str, tuple[int, str]] = {}
    seen: set[str] = set()
    title_raw = ""
    for index, (name, value) in enumerate(fields):
        if name in seen:
            warnings.append(f"field {name!r} given twice; the second value is kept in extra")
            extra.append((index, f"{EXTRA_PREFIX}{name}: {_one_line(value)}"))
            continue
        seen.add(name)
        target = table.get(name)
        if target is not None:
            if name == "title":
                text, keep = _title_needs_raw(value)
                if keep and text:
                    title_raw = _one_line(value)
            else:
                text = _canonical(target, value)
            if text:
                put(target, text, index, name, value)
        elif name in ROLES_IN:
            role = ROLES_IN[name]
            people, etal = _names(value, role)
            creators.setdefault(role, []).extend(people)
            if etal:
                others.append(name)
        elif name in DATE_FIELDS:
            dates[name] = (index, value)
        elif name == "keywords":
            for tag in _keywords(value):
                if tag not in tags:
                    tags.append(tag)
        elif name in NOTE_FIELDS:
            notes.extend(_notes(value))
        elif name == "extra":
            for raw_line in value.split("\n"):
                line = _text(raw_line)
                if line:
                    extra.append((index, line))
        elif name == "howpublished" and _URLISH.match(value):
            text = _verbatim(value)
            if text:
                put("url", text, index, name, value)
        elif name == "eprint" and eprint_field:
            text = _verbatim(value)
            if text:
                put(eprint_field, text, index, name, value)
        elif (name in ("archiveprefix", "eprinttype") and eprint_field) or (
            name == "entrysubtype" and subtype_used
        ):
            continue  # they told the type
        elif value.strip(_WS_CHARS):
            extra.append((index, f"{EXTRA_PREFIX}{name}: {_one_line(value)}"))

    if "genre" not in item_fields and entry_type in GENRE_OF_TYPE:
        item_fields["genre"] = GENRE_OF_TYPE[entry_type]
    elif "genre" in item_fields:
        item_fields["genre"] = GENRE_KEYS.get(item_fields["genre"].casefold(), item_fields["genre"])
    _dates(dates, item_fields, extra)
    if title_raw:
        markers.append(f"{TITLE_LINE}{title_raw}")
    markers.extend(f"{OTHERS_LINE}{name}" for name in sorted(others, key=_role_rank))
    lines = markers + [line for _index, line in sorted(extra, key=lambda e: e[0])]
    if lines:
        item_fields["extra"] = "\n".join(lines)
    if key:
        item_fields["citationKey"] = key
    people = [c for role in sorted(creators, key=ROLE_ORDER.__getitem__) for c in creators[role]]
    return Item(item_type, item_fields, people, tags, notes), warnings


def _role_rank(name: str) -> int:
    return ROLE_ORDER[ROLES_IN[name]]


def _rank(target: str, name: str, item_type: str) -> int:
    preference = PREFERENCE.get(target)
    if preference is None or name == "eprint":
        return 0
    order = preference.get(item_type) or preference["*"]
    return order.index(name) if name in order else len(order)


def _one_line(value: str) -> str:
    return _spaces(value)


def _dates(
    dates: dict[str, tuple[int, str]], fields: dict[str, str], extra: list[tuple[int, str]]
) -> None:
    """`date` (BibLaTeX), else `year` + `month` + `day`, as the date; the rest into extra."""

    def keep(name: str) -> None:
        index, value = dates[name]
        extra.append((index, f"{EXTRA_PREFIX}{name}: {_one_line(value)}"))

    values = {name: _plain(value) for name, (_index, value) in dates.items()}
    date = values.get("date", "")
    year = values.get("year", "")
    month_text = values.get("month", "")
    day_text = values.get("day", "")
    if date:
        fields["date"] = date
        parsed = parse_date(date)
        if year and (parsed.year is None or year != f"{parsed.year:04d}"):
            keep("year")
        if month_text and _month(month_text) != parsed.month:
            keep("month")
        if day_text and _day(day_text) != parsed.day:
            keep("day")
        return
    if not year:
        for name in ("month", "day"):
            if name in dates and values[name]:
                keep(name)
        return
    if len(year) != 4 or not year.isdigit():
        fields["date"] = year
        for name in ("month", "day"):
            if name in dates and values[name]:
                keep(name)
        return
    month = _month(month_text) if month_text else None
    if month_text and month is None:
        fields["date"] = f"{month_text} {year}"
        if day_text:
            keep("day")
        return
    if month is None:
        fields["date"] = year
        if day_text:
            keep("day")
        return
    fields["date"] = f"{year}-{month:02d}"
    if day_text:
        day = _day(day_text)
        if day is None:
            keep("day")
        else:
            fields["date"] += f"-{day:02d}"


# ---------------------------------------------------------------------------------------------
# Writing


def write(items: Iterable[Item], out: TextIO) -> None:
    """Write items as BibTeX (UTF-8 is the caller's file encoding)."""
    _write(items, out, biblatex=False)


def write_biblatex(items: Iterable[Item], out: TextIO) -> None:
    """Write items as BibLaTeX."""
    _write(items, out, biblatex=True)


def dumps(items: Iterable[Item], *, biblatex: bool = False) -> str:
    """The BibTeX (or BibLaTeX) text of items."""
    listed = list(items)
    keys = citation_keys(listed)
    return "\n".join(
        entry_text(item, key, biblatex=biblatex) for item, key in zip(listed, keys, strict=True)
    )


def _write(items: Iterable[Item], out: TextIO, *, biblatex: bool) -> None:
    parts, items = with_key_parts(items)
    keys = _unique_keys(parts)
    batch: list[str] = []
    for index, (item, key) in enumerate(zip(items, keys, strict=True)):
        if index:
            batch.append("\n")
        batch.append(entry_text(item, key, biblatex=biblatex))
        if len(batch) >= 2000:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch))


_KEY_UNSAFE: Final = re.compile(r"[\s,{}()\"#%'=\\~@]+")


def citation_keys(items: Sequence[Item]) -> list[str]:
    """One unique BibTeX key per item: its citationKey without the characters keys cannot hold
    (space, `,{}()"#%'=\\~@`), else one made from the first creator and the year."""
    return _unique_keys([key_parts(item) for item in items])


def _unique_keys(parts: Sequence[KeyParts]) -> list[str]:
    bases = []
    for own, made in parts:
        safe = _KEY_UNSAFE.sub("", own) if own and _KEY_UNSAFE.search(own) else own
        bases.append(safe or made)
    return unique_from_bases(bases)


_FIELD_NAME: Final = re.compile(r"[a-z][a-z0-9_.:+-]*")
_TYPE_NAME: Final = re.compile(r"[a-z][a-z0-9_]*")
_EXTRA_FIELD: Final = re.compile(r"BibTeX ([^\s:]+): (.*)")
_SIMPLE_WORD: Final = re.compile(r"[^\W\d_][\w.'’-]*")
# What makes a name part need escaping or braces: a LaTeX special, a comma, the word `and`.
_NAME_NEEDS: Final = re.compile(r"[\\{}~^&%#_$,]|(?:^|[ \t\n\r\f\v])and(?:[ \t\n\r\f\v]|$)", re.I)
_AND_WORD: Final = re.compile(r"(?:^|[ \t\n\r\f\v])and(?:[ \t\n\r\f\v]|$)", re.IGNORECASE)
_NAME_SPECIAL: Final = re.compile(r"[\\{}~^&%#_$,]")  # _NAME_NEEDS is this or _AND_WORD
_ISO_DATE: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _braced_if_needed(text: str, escaped: str) -> str:
    if "," in text or _AND_WORD.search(text):
        return "{" + escaped + "}"
    return escaped


def name_text(person: Creator) -> str:
    """One creator as BibTeX writes it: `Family, Given`, `{Literal Name}`, `Family`."""
    if person.literal:
        return "{" + escape_latex(person.literal, dashes=False) + "}"
    if (
        person.given
        and _NAME_NEEDS.search(person.family) is None
        and _NAME_NEEDS.search(person.given) is None
    ):
        return f"{person.family}, {person.given}"  # the usual name: nothing to escape
    family = _braced_if_needed(person.family, escape_latex(person.family, dashes=False))
    if not person.given:
        if _SIMPLE_WORD.fullmatch(person.family) and person.family.casefold() not in (
            "and",
            "others",
        ):
            return family
        return family + ","
    given = _braced_if_needed(person.given, escape_latex(person.given, dashes=False))
    return f"{family}, {given}"


def _raw_ok(value: str) -> bool:
    """Whether an `extra` line's value can be written back as a field and read back the same."""
    return (
        bool(value)
        and _spaces(value) == value
        and _balanced(value)
        and (len(value) - len(value.rstrip("\\"))) % 2 == 0
    )


def _verbatim_out(value: str) -> str:
    """A URL or DOI as written: as it is, unless its braces would not balance."""
    value = _spaces(value)
    if not value.endswith("\\") and (("{" not in value and "}" not in value) or _balanced(value)):
        return value
    return value.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def _type_for(item: Item, biblatex: bool) -> str:
    table = TYPES_OUT_BIBLATEX if biblatex else TYPES_OUT_BIBTEX
    entry_type = table.get(item.item_type, "misc")
    if not biblatex and item.item_type == "thesis" and item.fields.get("genre") == MASTERS_THESIS:
        entry_type = "mastersthesis"
    return entry_type


# How entry_text writes each FIELDS_OUT field, worked out once per (item type, BibTeX or
# BibLaTeX): (canonical field, field name written, how).
_DATE, _PAGES, _VERBATIM, _TEXT, _PLAIN, _THESIS_GENRE = range(6)
_PLANS: dict[tuple[str, bool], tuple[tuple[str, str, int], ...]] = {}


def _plan(kind: str, biblatex: bool) -> tuple[tuple[str, str, int], ...]:
    plan = _PLANS.get((kind, biblatex))
    if plan is not None:
        return plan
    rows = []
    for canonical, bibtex_name, biblatex_name in FIELDS_OUT:
        name = _field_name(canonical, biblatex_name if biblatex else bibtex_name, kind, biblatex)
        if canonical == "date":
            how = _DATE
        elif canonical == "pages":
            how = _PAGES
        elif canonical in ("DOI", "url"):
            how = _VERBATIM
        elif canonical == "genre" and kind == "thesis" and not biblatex:
            how = _THESIS_GENRE
        elif canonical in _TEXT_FIELDS:
            how = _TEXT
        else:
            how = _PLAIN
        rows.append((canonical, name, how))
    plan = _PLANS[(kind, biblatex)] = tuple(rows)
    return plan


def _extra_directives(
    lines: list[str], kind: str, title: str
) -> tuple[set[int], str, set[str], str]:
    """The `extra` lines the writer turns back into what they stand for: (their indexes, the
    entry type a document had, the roles with `and others`, the title as written)."""
    used: set[int] = set()
    entry_type = ""
    title_raw = ""
    others: set[str] = set()
    for index, line in enumerate(lines):
        if line.startswith(TYPE_LINE) and not entry_type:
            code = line[len(TYPE_LINE) :].strip()
            if (
                kind == "document"
                and _TYPE_NAME.fullmatch(code)
                and code not in TYPES_IN
                and code not in _NON_RECORDS
            ):
                entry_type = code
                used.add(index)
        elif line.startswith(TITLE_LINE) and not title_raw:
            raw = line[len(TITLE_LINE) :]
            if _raw_ok(raw):
                display, needed = _title_needs_raw(raw)
                if display == title and needed:
                    used.add(index)
                    title_raw = raw
        elif line.startswith(OTHERS_LINE):
            name = line[len(OTHERS_LINE) :].strip()
            if name in ROLES_IN and name not in others:
                others.add(name)
                used.add(index)
    return used, entry_type, others, title_raw


def entry_text(item: Item, key: str, *, biblatex: bool = False) -> str:
    """One item as a BibTeX (or BibLaTeX) entry, ending with a newline."""
    # Written for speed (it runs for every item of a 100,000-item export): fields go straight
    # into `out` as `  name = {value}` lines, and the usual values skip the escaping functions.
    f = item.fields
    kind = item.item_type
    entry_type = _type_for(item, biblatex)
    title = f.get("title", "")
    extra = f.get("extra", "")
    lines: list[str] = []
    used: set[int] = set()
    others: set[str] = set()
    title_raw = ""
    if extra:
        lines = [line for line in (x.strip(_WS_CHARS) for x in extra.split("\n")) if line]
        used, document_type, others, title_raw = _extra_directives(lines, kind, title)
        entry_type = document_type or entry_type

    out: list[str] = []
    subtype = _subtype(item, entry_type, biblatex)
    if subtype:
        out.append(f"  entrysubtype = {{{subtype}}}")
    if item.creators or others:
        by_role: dict[str, list[str]] = {}
        for person in item.creators:
            role = ROLES_OUT.get(person.role, "contributor")
            # Both parts searched at once: the line end between them counts as white space,
            # so the search finds whatever a search of each part would (see _NAME_NEEDS).
            both = f"{person.family}\n{person.given}"
            if (
                person.given
                and not person.literal
                and _NAME_SPECIAL.search(both) is None
                and ("and" not in both.lower() or _AND_WORD.search(both) is None)
            ):
                written_name = f"{person.family}, {person.given}"
            else:
                written_name = name_text(person)
            if role in by_role:
                by_role[role].append(written_name)
            else:
                by_role[role] = [written_name]
        for name in others:
            by_role.setdefault(name, []).append("others")
        for name in ROLES_IN:
            if name in by_role:
                out.append(f"  {name} = {{{' and '.join(by_role[name])}}}")
    if title_raw:
        out.append(f"  title = {{{title_raw}}}")
    elif title:
        value = escape_latex(_spaces(title), protect=True)
        if value:
            out.append(f"  title = {{{value}}}")
    for canonical, name, how in _plan(kind, biblatex):
        value = f.get(canonical, "")
        if not value:
            continue
        if how in (_TEXT, _PLAIN):
            if not (value.isprintable() and "  " not in value and value[0] != " " != value[-1]):
                value = _WS.sub(" ", value).strip(" ")
            if how == _TEXT:
                if "--" in value or _SPECIAL_CHAR.search(value) is not None:
                    value = escape_latex(value)
            elif _SPECIAL_CHAR.search(value) is not None:
                value = escape_latex(value, dashes=False)
            if value:
                out.append(f"  {name} = {{{value}}}")
        elif how == _DATE:
            out.extend(_date_lines(value, biblatex))
        elif how == _PAGES:
            value = _pages_out(value)
            if value:
                out.append(f"  {name} = {{{value}}}")
        elif how == _VERBATIM:
            value = _verbatim_out(value)
            if value:
                out.append(f"  {name} = {{{value}}}")
        elif value not in (PHD_THESIS, MASTERS_THESIS):  # _THESIS_GENRE: the entry type says it
            value = _spaces(value)
            if "--" in value or _SPECIAL_CHAR.search(value) is not None:
                value = escape_latex(value)
            if value:
                out.append(f"  {name} = {{{value}}}")
    arxiv = f.get("arXiv", "")
    if arxiv:
        value = _verbatim_out(arxiv)
        if value:
            out.append(f"  eprint = {{{value}}}")
            out.append("  eprinttype = {arxiv}" if biblatex else "  archiveprefix = {arXiv}")
    if not biblatex and entry_type == "misc" and f.get("url"):
        out.append("  howpublished = {\\url{" + _verbatim_out(f["url"]) + "}}")
    tags = item.tags
    if tags:
        joined = "\x01".join(tags)
        if (
            "" in tags
            or _KEYWORD_CHARS.search(joined) is not None
            or "  " in joined
            or " \x01" in joined
            or "\x01 " in joined
            or joined[0] == " "
            or joined[-1] == " "
        ):  # the test of _KEYWORD_CHARS on each tag, on them all at once
            value = ", ".join(_keyword_out(t) for t in tags if t)
        else:
            value = ", ".join(tags)
        if value:
            out.append(f"  keywords = {{{value}}}")
    if item.notes:
        notes = [escape_latex(t) for t in (_spaces(note_text(n)) for n in item.notes) if t]
        if notes:
            out.append("  note = {" + " \\\\ ".join(notes) + "}")
    for canonical, name in FIELDS_OUT_LAST:  # the abstract: long text
        value = f.get(canonical, "")
        if value:
            if (
                "\n" in value
                or "\t" in value
                or "\r" in value
                or "\f" in value
                or "\v" in value
                or "  " in value
                or value[0] == " "
                or value[-1] == " "
            ):  # what _WS.sub would change, tested quicker than isprintable() on long text
                value = _WS.sub(" ", value).strip(" ")
            value = _escape_long(value)
            if value:
                out.append(f"  {name} = {{{value}}}")
    if len(used) < len(lines):
        out.extend(_extra_out(lines, used, {line[2 : line.index(" = ")] for line in out}))

    body = ",\n".join(out)
    return f"@{entry_type}{{{key},\n{body}\n}}\n" if body else f"@{entry_type}{{{key},\n}}\n"


def _extra_out(lines: list[str], used: set[int], written: set[str]) -> list[str]:
    """The `extra` lines not used for something else: `BibTeX <field>: <value>` lines back as
    their fields while they can be, the rest (from the first that cannot) as `extra`."""
    out: list[str] = []
    into_extra = False
    extra_lines: list[str] = []
    for index, line in enumerate(lines):
        if index in used:
            continue
        m = _EXTRA_FIELD.fullmatch(line)
        if (
            not into_extra
            and m is not None
            and _FIELD_NAME.fullmatch(m.group(1))
            and m.group(1) not in written
            and m.group(1) not in READ_FIELDS
            and _raw_ok(m.group(2))
        ):
            out.append(f"  {m.group(1)} = {{{m.group(2)}}}")
            written.add(m.group(1))
        else:
            into_extra = True
            extra_lines.append(_extra_line_out(line))
    if extra_lines:
        out.append("  extra = {" + "\n".join(extra_lines) + "}")
    return out


def _extra_line_out(line: str) -> str:
    text = escape_latex(line)
    # A line starting `@word{` would look like the start of an entry to bibtexparser.
    return "{@}" + text[1:] if text.startswith("@") else text


# A keyword with none of these, no double space and no space at either end is written as it
# is (_keyword_out would return it unchanged).
_KEYWORD_CHARS: Final = re.compile(r"[\\{}~^&%#_$,;\t\n\r\f\v]")


def _keyword_out(tag: str) -> str:
    text = escape_latex(_spaces(tag), dashes=False)
    return "{" + text + "}" if ("," in tag or ";" in tag) else text


def _subtype(item: Item, entry_type: str, biblatex: bool) -> str:
    """The `entrysubtype` the type needs to read back as itself, if any."""
    code = SUBTYPES.get(item.item_type)
    if code is None or entry_type not in TYPES_IN:
        return ""
    has_arxiv = bool(item.fields.get("arXiv"))
    inferred, _known, _used = _item_type(entry_type, "", has_arxiv)
    return "" if inferred == item.item_type else code


def _field_name(canonical: str, name: str, kind: str, biblatex: bool) -> str:
    """The field a canonical field goes into for this type (see ARTICLE_FIELDS_IN, PREFERENCE)."""
    article = kind in ARTICLE_TYPES
    if canonical == "publicationTitle" and not article:
        return "booktitle"
    if canonical == "issue" and article:
        return "number"
    if canonical == "number" and article:
        return "eid"
    if canonical == "publisher":
        if kind == "thesis":
            return "institution" if biblatex else "school"
        if kind == "report":
            return "institution"
    return name


def _pages_out(pages: str) -> str:
    """`12-19` as `12--19` when the reader's clean_pages gives `12-19` back; else as it is."""
    if pages.count("-") == 1:
        first, last = pages.split("-")
        if first.isdigit() and last.isdigit() and first.isascii() and last.isascii():
            return f"{first}--{last}"  # what clean_pages reads back as `first-last`
        wide = f"{first}--{last}"
        if clean_pages(wide) == pages:
            return escape_latex(wide, dashes=False)
    return escape_latex(_spaces(pages), dashes=False)


def _date_lines(value: str, biblatex: bool) -> list[str]:
    """An ISO date as `year`/`month`/`day` (BibTeX) or `date` (BibLaTeX); other text as `year`."""
    date = _spaces(value)
    m = _ISO_DATE.fullmatch(date)
    valid = m is not None and (
        (m.group(2) is None or 1 <= int(m.group(2)) <= 12)
        and (m.group(3) is None or 1 <= int(m.group(3)) <= 31)
    )
    if m is None or not valid:
        if _SPECIAL_CHAR.search(date) is not None:
            date = escape_latex(date, dashes=False)
        return [f"  year = {{{date}}}"] if date else []
    if biblatex:
        return [f"  date = {{{date}}}"]
    out = [f"  year = {{{m.group(1)}}}"]
    if m.group(2):
        out.append(f"  month = {MONTHS_OUT[int(m.group(2)) - 1]}")
    if m.group(3):
        out.append(f"  day = {{{m.group(3)}}}")
    return out
