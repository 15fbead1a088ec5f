"""What a title page and a PDF's metadata say about a work, read with care: the title as the
largest text on page 1, the names under it, dates in the wording journals and arXiv use, the
abstract, and the file name as a last resort; plus the checks that keep `Microsoft Word -
draft.docx`, `untitled`, `Scan0001` or a Windows user name out of an item.

Plain functions over `TextLine`s and strings (the reader gets those from pypdfium2); nothing
here opens a file or touches PDFium. All of it is heuristics: whatever comes from here is marked
for review by `recognise`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Final

from citelib.formats.normalise import person
from citelib.model import Creator, parse_date, title_key
from citelib.pdf.reader import TextLine, join_hyphenated

# ---------------------------------------------------------------------------------------------
# Plausible titles and names

_BAD_TITLE: Final = re.compile(
    r"^(?:untitled\S*|unknown|title|no title|document\s*\d*|doc\d*|scan\w*|img[\s_-]*\d*"
    r"|image\s*\d*|slide\s*\d*|layout\s*\d*|template|none|null|paper|manuscript|main|article"
    r"|pdf|print|default|new document|microsoft word|word|pii:.*|\W*)$",
    re.IGNORECASE,
)
_FILE_TITLE: Final = re.compile(
    r"(?:^microsoft (?:word|powerpoint|excel)\s*-|\.(?:pdf|docx?|rtf|tex|dvi|ps|odt|indd|qxd|txt"
    r"|pptx?|xlsx?)\s*$|^untitled\b)",
    re.IGNORECASE,
)
_NOT_TITLE_LINE: Final = re.compile(
    r"(?:arxiv\s*:|\bdoi\b|10\.\d{4,9}/|https?://|www\.|@|©|\bcopyright\b|\bjournal of\b"
    r"|\bvol(?:ume)?\.?\s*\d|\bissn\b|\bisbn\b|\bpp?\.\s*\d|\breceived\b|\baccepted\b"
    r"|\bpublished\b|available online|contents lists|downloaded from|\bpreprint\b"
    r"|^\W*(?:research|original|review|short|brief)?\s*(?:article|paper|letter|communication"
    r"|report)s?\W*$|^\W*page\s*\d|^[\d\W]+$"
    r"|^(?:abstract|summary|keywords|introduction)\s*(?:[.:—–-]|$))",
    re.IGNORECASE,
)
# Words that make a line an affiliation or a heading, not a list of names.
_NOT_NAME_WORDS: Final[frozenset[str]] = frozenset(
    (
        "university", "universität", "université", "universidad", "department", "dept",
        "institute", "institut", "school", "college", "hospital", "center", "centre",
        "laboratory", "laboratories", "faculty", "inc", "ltd", "gmbh", "corp", "corresponding",
        "author", "authors", "email", "abstract", "summary", "journal", "keywords",
        "introduction", "article", "research", "review", "received", "accepted", "published",
        "vol", "volume", "the", "of", "for", "in", "on", "with", "to", "from", "a", "an", "is",
        "are", "study", "analysis", "using", "via", "based", "new", "data", "model", "system",
        "user", "admin", "administrator", "owner", "microsoft", "office", "pdf", "windows",
    )
)  # fmt: skip
_PARTICLES: Final[frozenset[str]] = frozenset(
    ("van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "dos", "du", "la",
     "le", "ten", "ter", "y", "bin", "ibn", "al", "el", "zu")
)  # fmt: skip
_NAME_SPLIT: Final = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|·|•|\|)\s*")
_MARKS: Final = re.compile(r"[\d*†‡§¶#∗✉⁎⋆☆★\u2020\u2021^]+")
_INITIALS: Final = re.compile(r"^(?:[A-Z]\.?(?:[ -]?[A-Z]\.?)*)$")


def plausible_title(title: str, stem: str = "") -> bool:
    """Whether a metadata title could be the work's title (not `Microsoft Word - x.docx`,
    `untitled`, `Scan0001`, a file name or a PII code)."""
    text = " ".join(title.split())
    letters = sum(1 for c in text if c.isalpha())
    if letters < 4 or len(text) > 500 or _BAD_TITLE.match(text) or _FILE_TITLE.search(text):
        return False
    return not (stem and title_key(text) == title_key(stem))


def _plausible_name_token(token: str) -> bool:
    if token.casefold() in _PARTICLES:
        return True
    if _INITIALS.match(token):
        return True
    core = token.strip(".")
    if not core or not core[0].isupper():
        return False
    if all(c.isalpha() or c in "'’-." for c in core) and any(c.islower() for c in core):
        return True
    return core.isupper() and core.isalpha() and len(core) >= 2


def plausible_name(name: str) -> bool:
    """Whether `name` looks like one person's name (`Jane Smith`, `J.-P. Sartre`, `Smith, J.`,
    `Ludwig van Beethoven`), not an affiliation, a sentence or a user name."""
    text = name.replace(",", " ")
    tokens = text.split()
    if not 2 <= len(tokens) <= 5 or len(text) > 60:
        return False
    if any(t.strip(".").casefold() in _NOT_NAME_WORDS for t in tokens):
        return False
    if not any(sum(c.isalpha() for c in t) >= 2 for t in tokens):
        return False
    return all(_plausible_name_token(t) for t in tokens)


def make_creator(name: str) -> Creator | None:
    """A creator from a name as written (`Jane Smith`, `Smith, Jane`); ALL-CAPS names are put
    in title case."""
    name = " ".join(name.split()).strip(" ,;.")
    if name.isupper():
        name = name.title()
    return person(name)


def split_names(text: str) -> list[str]:
    """Names in a list as metadata and title pages write them: `A; B`, `A, B and C`,
    `Smith, J., Doe, K.` (family, initials pairs), `Smith, Jane and Doe, John`."""
    text = " ".join(text.split())
    if not text:
        return []
    if ";" in text:
        parts = [p for p in re.split(r"\s*;\s*|\s+and\s+|\s*&\s*", text) if p]
        return parts
    pieces = [p for p in _NAME_SPLIT.split(text) if p]
    if len(pieces) >= 2 and len(pieces) % 2 == 0:
        odd = pieces[1::2]
        even = pieces[0::2]
        # `Smith, J., Doe, K.` or `Smith, Jane, Doe, John`: family names alone, then givens.
        if all(len(p.split()) == 1 for p in even) and (
            all(_INITIALS.match(p) for p in odd) or all(len(p.split()) == 1 for p in pieces)
        ):
            return [f"{f}, {g}" for f, g in zip(even, odd, strict=True)]
    if " and " in text and "," in text:
        # `Smith, Jane and Doe, John`: each side of `and` is one `Family, Given` name.
        halves = [h.strip() for h in re.split(r"\s+and\s+", text)]
        if all(h.count(",") == 1 and len(h.split(",")[0].split()) == 1 for h in halves):
            return halves
    return pieces


def author_names(text: str) -> list[str]:
    """The names on one line under the title, or [] when the line is not a list of names."""
    text = re.sub(r"^\s*(?:by|authors?:)\s+", "", text, flags=re.IGNORECASE)
    text = _MARKS.sub(" ", text)
    text = re.sub(r"\S+@\S+", " ", text)
    names = [n for n in split_names(text) if n.strip(" .,")]
    if not names:
        return []
    good = [n for n in names if plausible_name(n)]
    if not good or len(good) * 10 < len(names) * 7:
        return []
    return good


# ---------------------------------------------------------------------------------------------
# Dates

_PDF_DATE: Final = re.compile(r"^\s*D:(\d{4})(\d{2})?(\d{2})?")
STAMP_DATE: Final = re.compile(
    r"arXiv:\s*\S+\s+\[[^\]\n]{1,30}\]\s+(\d{1,2}\s+[A-Z][a-z]{2}\s+(\d{4}))"
)
DATE_CUES: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (label, re.compile(pattern, re.IGNORECASE))
    for label, pattern in (
        (
            "published",
            r"(?:published(?:\s+online)?|publication date|first published|date of publication"
            r"|version of record online)\s*:?\s*([^\n]{0,30}?\b((?:1[89]|20)\d\d)\b)",
        ),
        ("available online", r"available online\s*:?\s*([^\n]{0,30}?\b((?:1[89]|20)\d\d)\b)"),
        ("copyright", r"(?:©|\(c\)|copyright)\s*(?:©\s*)?(((?:1[89]|20)\d\d))\b"),
        ("accepted", r"accepted\s*:?\s*([^\n]{0,30}?\b((?:1[89]|20)\d\d)\b)"),
        ("received", r"received\s*:?\s*([^\n]{0,30}?\b((?:1[89]|20)\d\d)\b)"),
    )
)


def iso_date(text: str) -> str:
    """A date's text as `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; "" when it holds no plausible year.
    Reads PDF dates (`D:20230103120000+01'00'`) and whatever `parse_date` reads."""
    m = _PDF_DATE.match(text)
    parsed = parse_date("-".join(p for p in m.groups() if p) if m is not None else text)
    if parsed.year is None or not 1800 <= parsed.year <= date.today().year + 1:
        return ""
    if parsed.month and parsed.day:
        return f"{parsed.year:04d}-{parsed.month:02d}-{parsed.day:02d}"
    if parsed.month:
        return f"{parsed.year:04d}-{parsed.month:02d}"
    return f"{parsed.year:04d}"


# ---------------------------------------------------------------------------------------------
# Abstract

# `Abstract`, `Abstract:`, `Abstract—We...`, `ABSTRACT We...`; not `Abstract Syntax Notation`.
ABSTRACT_HEAD: Final = re.compile(
    r"^\s*(?:(?:Abstract|ABSTRACT|abstract|Summary|SUMMARY)\s*(?:[.:—–-]+\s*|$)"
    r"|(?:ABSTRACT|SUMMARY)\b\s*)"
)
_ABSTRACT_END: Final = re.compile(
    r"^\s*(?:key\s*words|index terms|(?:1|I)\.?\s+introduction|introduction\b|background\b"
    r"|©|copyright\b|received\b|\*?\s*corresponding|article history|citation:|doi\b)",
    re.IGNORECASE,
)


def abstract_text(page_lines: Sequence[TextLine]) -> str:
    """The text under an `Abstract` heading on page 1 (not the rotated margin text), up to the
    keywords, the introduction or the copyright line."""
    lines = [line.text for line in page_lines if not line.rotated]
    for i, line in enumerate(lines):
        head = ABSTRACT_HEAD.match(line)
        if head is None:
            continue
        body = [line[head.end() :]]
        for nxt in lines[i + 1 :]:
            if _ABSTRACT_END.match(nxt):
                break
            body.append(nxt)
        joined = join_hyphenated("\n".join(body))
        abstract = " ".join(joined.split())
        if 80 <= len(abstract) <= 4000:
            return abstract
        return ""
    return ""


# ---------------------------------------------------------------------------------------------
# Title and authors from the layout of page 1


def layout_title(page_lines: Sequence[TextLine]) -> tuple[str, int, float]:
    """The title as the largest text on a page, over one or more lines of that size:
    (title, index of the line after it among the unrotated lines, its size). ("", 0, 0.0)
    when no line stands out from the body text."""
    lines = [line for line in page_lines if not line.rotated]
    if not lines:
        return "", 0, 0.0
    weights: Counter[float] = Counter()
    for line in lines:
        weights[round(line.size * 2) / 2] += len(line.text)
    body_size = weights.most_common(1)[0][0]
    candidates = [
        i
        for i, line in enumerate(lines)
        if sum(c.isalpha() for c in line.main_text) >= 4
        and not _NOT_TITLE_LINE.search(line.main_text)
    ]
    if not candidates:
        return "", 0, 0.0
    biggest = max(lines[i].size for i in candidates)
    if biggest < body_size + 1.0:
        return "", 0, 0.0
    start = next(i for i in candidates if lines[i].size >= biggest - 0.5)
    block = [lines[start]]
    j = start + 1
    while j < len(lines) and len(block) < 6:
        line, prev = lines[j], block[-1]
        if abs(line.size - biggest) > 0.5 or _NOT_TITLE_LINE.search(line.main_text):
            break
        if prev.bottom and line.top and prev.bottom - line.top > 2.0 * biggest:
            break
        block.append(line)
        j += 1
    title = join_hyphenated("\n".join(line.main_text for line in block))
    title = " ".join(title.split()).strip(" .,;:")
    if len(title) > 400:
        return "", 0, 0.0
    return title, j, biggest


def layout_authors(page_lines: Sequence[TextLine], after: int, title_size: float) -> list[str]:
    """The names on the lines under the title (`after` as `layout_title` gives it): the first
    lines that read as lists of names, skipping at most two that do not (a subtitle, a
    \"Research article\" line), stopping at the abstract."""
    lines = [line for line in page_lines if not line.rotated]
    names: list[str] = []
    misses = 0
    for line in lines[after : after + 8]:
        if title_size and line.size >= title_size - 0.5:
            break
        if ABSTRACT_HEAD.match(line.main_text):
            break
        found = author_names(line.main_text)
        if found:
            names.extend(found)
            continue
        if names:
            break
        misses += 1
        if misses > 2:
            break
    return names


def first_line(page_lines: Sequence[TextLine]) -> str:
    """The first plausible line of a page: a weak title when nothing stands out."""
    for line in page_lines:
        text = line.main_text.strip(" .")
        words = text.split()
        if (
            not line.rotated
            and 2 <= len(words) <= 30
            and sum(c.isalpha() for c in text) >= 8
            and not _NOT_TITLE_LINE.search(text)
        ):
            return text
    return ""


# ---------------------------------------------------------------------------------------------
# File names


def file_stem(path: Path) -> str:
    """The file name without its last extension."""
    return path.name.rsplit(".", 1)[0] if "." in path.name else path.name


def clean_file_title(path: Path) -> str:
    """A title from a file name: extension dropped, `_` and `-` as spaces, ` (1)` copies and
    repeated spaces gone (`my_paper-final (1).pdf` -> `my paper final`)."""
    stem = re.sub(r"\s*\(\d+\)\s*$", "", file_stem(path))
    stem = re.sub(r"[_\-]+", " ", stem)
    return " ".join(stem.split())


# Our own attachment names (DESIGN §5): `{first creator} - {year} - {title}.pdf`.
OWN_NAME: Final = re.compile(r"^(?P<creator>[^\d]+?) - (?P<year>\d{4}) - (?P<title>.+)$")
FILE_YEAR: Final = re.compile(r"(?<![\d.])((?:19|20)\d\d)(?![\d.])")
