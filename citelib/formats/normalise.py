"""Normalising what readers produce, shared by every format.

Readers call the parsing helpers here (names, pages, identifiers) so that each format reads a
name or an ISBN the same way; the import pipeline then runs `normalise_item` on every item read,
whatever its format (see `citelib.formats.read_file`). Normalising never drops text: a value that
does not have the expected shape is kept as it came.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Final

from citelib.model import Creator, CreatorRole, Item, normalise_doi

# Words that start a family name when they come before it in `Given von Family` order. A
# lower-case word in that position is a particle too (BibTeX's rule); these are the capitalised
# ones a few languages write.
_PARTICLES: Final[frozenset[str]] = frozenset(
    (
        "van", "von", "der", "den", "de", "del", "della", "degli", "di", "da", "das", "dos", "du",
        "la", "le", "les", "lo", "ten", "ter", "vom", "zu", "zur", "al", "el", "bin", "ibn",
        "y", "e", "st.", "mac", "af", "av",
    )
)  # fmt: skip
_SUFFIXES: Final[frozenset[str]] = frozenset(
    ("jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v", "2nd", "3rd", "4th")
)
# A page range: two page tokens joined by a hyphen, `--`, an en or em dash or a minus sign.
_PAGE_RANGE: Final = re.compile(
    r"^\s*([A-Za-z]{0,3}\d+[A-Za-z]?|[ivxlcdmIVXLCDM]+)\s*(?:--?|[\u2010-\u2015\u2212])\s*"
    r"([A-Za-z]{0,3}\d+[A-Za-z]?|[ivxlcdmIVXLCDM]+)\s*$"
)
_ISSN: Final = re.compile(r"^\s*(\d{4})[\s\-\u2010-\u2015]?(\d{3}[\dXx])\s*$")
_ISBN_TOKEN: Final = re.compile(r"(?<![\dXx])(?:97[89][\s\-]?)?(?:\d[\s\-]?){9}[\dXx](?![\dXx-])")
_SPACE: Final = re.compile(r"\s+")
# Long free text is only trimmed: checking every abstract for Unicode normal form costs more than
# the rest of normalising together, and nothing compares abstracts.
_LONG_TEXT: Final = frozenset(("abstract", "extra"))


def clean_doi(text: str) -> str:
    """The DOI without `https://doi.org/`, `doi:` (even repeated) or space around it."""
    value = text.strip()
    doi = normalise_doi(value)
    while doi and doi != value:
        value, doi = doi, normalise_doi(doi)
    return doi or value


def clean_pages(text: str) -> str:
    """`12--19`, `12 – 19` and `12−19` become `12-19`; anything else is kept as it is."""
    m = _PAGE_RANGE.match(text)
    if m is None:
        return text.strip()
    return f"{m.group(1)}-{m.group(2)}"


def _isbn_valid(digits: str) -> bool:
    if len(digits) == 10:
        total = sum((10 - i) * (10 if c in "Xx" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if len(digits) == 13 and digits.isdigit():
        total = sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(digits))
        return total % 10 == 0
    return False


def clean_isbn(text: str) -> str:
    """Each valid ISBN in `text` without hyphens or spaces, several joined by a space.

    `978-0-19-852663-6 (pbk.)` becomes `9780198526636`. Text holding no valid ISBN is kept.
    """
    found: list[str] = []
    for m in _ISBN_TOKEN.finditer(text):
        digits = re.sub(r"[\s\-]", "", m.group(0)).upper()
        if _isbn_valid(digits) and digits not in found:
            found.append(digits)
    return " ".join(found) if found else text.strip()


def clean_issn(text: str) -> str:
    """`03064522` and `0306 4522` become `0306-4522`; several ISSNs are cleaned one by one."""
    parts = [p for p in re.split(r"[;,]\s*|\s{2,}|\s(?=\d{4}-)", text) if p.strip()]
    out: list[str] = []
    for part in parts:
        m = _ISSN.match(part)
        out.append(f"{m.group(1)}-{m.group(2).upper()}" if m else part.strip())
    return " ".join(out) if out else text.strip()


def person(text: str, role: CreatorRole = "author") -> Creator | None:
    """A person's name in any of the usual orders, or None for an empty one.

    - `Family, Given` and `von Family, Jr., Given` (BibTeX's three-part form);
    - `Given Family` and `Given von Family`: the family name starts at the first particle
      (`van`, `de la`, or any lower-case word), else it is the last word;
    - one word is a family name.
    A name that is one literal (an institution) is the reader's call: use `Creator(literal=...)`.
    """
    name = _SPACE.sub(" ", text).strip().strip(",").strip()
    if not name:
        return None
    if "," in name:
        parts = [p.strip() for p in name.split(",")]
        if len(parts) >= 3 and parts[1].casefold() in _SUFFIXES:
            family = f"{parts[0]}, {parts[1]}"
            given = ", ".join(p for p in parts[2:] if p)
        else:
            family, given = parts[0], ", ".join(p for p in parts[1:] if p)
        if not family:
            return Creator(family=given, role=role) if given else None
        return Creator(family=family, given=given, role=role)
    words = name.split(" ")
    if len(words) == 1:
        return Creator(family=name, role=role)
    suffix = ""
    if len(words) > 2 and words[-1].casefold() in _SUFFIXES:
        suffix = words.pop()
    start = len(words) - 1
    for i in range(1, len(words) - 1):
        word = words[i]
        if word.casefold() in _PARTICLES or (word[:1].islower() and word[:1].isalpha()):
            start = i
            break
    family = " ".join(words[start:])
    if suffix:
        family = f"{family}, {suffix}"
    return Creator(family=family, given=" ".join(words[:start]), role=role)


def clean_tag(text: str) -> str:
    """A keyword as a tag: one line, no space around it."""
    return " ".join(text.split())


def _clean_text(value: str) -> str:
    # NFC so that `e` + combining acute and `é` are the same text to search and compare. Both
    # checks are cheap when there is nothing to do, which is almost always.
    if not value.isascii() and not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    if value and (value[0].isspace() or value[-1].isspace()):
        value = value.strip()
    return value


def normalise_item(item: Item) -> Item:
    """Normalise one read item in place (and return it): identifiers, pages, names, tags.

    Fields keep their text but lose space around it (and are put in Unicode NFC, but for the
    long free texts abstract and extra); DOI, ISBN, ISSN and pages get their
    canonical forms; tags are cleaned and de-duplicated (first spelling wins, any case);
    creators lose surrounding space. Nothing is dropped but empty values and repeated tags.
    """
    fields = item.fields
    for name, raw in list(fields.items()):
        cleaner = _CLEANERS.get(name)
        # The usual case, plain ASCII with no space around it, costs three cheap tests.
        if cleaner is None and raw[-1:] > " " and raw[:1] > " " and raw.isascii():
            continue
        if name in _LONG_TEXT:
            value = raw.strip() if name == "abstract" else raw.strip("\n")
        else:
            value = _clean_text(raw)
        if cleaner is not None:
            value = cleaner(value)
        if not value:
            del fields[name]
        elif value is not raw:
            fields[name] = value
    for creator in item.creators:
        value = creator.family
        if value and (not value.isascii() or value[0] <= " " or value[-1] <= " "):
            creator.family = _clean_text(value)
        value = creator.given
        if value and (not value.isascii() or value[0] <= " " or value[-1] <= " "):
            creator.given = _clean_text(value)
        value = creator.literal
        if value and (not value.isascii() or value[0] <= " " or value[-1] <= " "):
            creator.literal = _clean_text(value)
    if item.tags:
        seen: set[str] = set()
        tags: list[str] = []
        for tag in item.tags:
            clean = " ".join(tag.split())
            if not clean.isascii():
                clean = _clean_text(clean)
            folded = clean.casefold()
            if clean and folded not in seen:
                seen.add(folded)
                tags.append(clean)
        item.tags = tags
    return item


_CLEANERS: Final[dict[str, Callable[[str], str]]] = {
    "DOI": clean_doi,
    "pages": clean_pages,
    "ISBN": clean_isbn,
    "ISSN": clean_issn,
}


# ---------------------------------------------------------------------------------------------
# ISBN or ISSN? RIS `SN`, EndNote `%@` and Word's `b:StandardNumber` hold either.

# Types whose serial number is an ISBN when its shape does not tell; all others take an ISSN.
ISBN_TYPES: Final[frozenset[str]] = frozenset(
    ("book", "bookSection", "conferencePaper", "report", "thesis")
)
_ISSN_SHAPE: Final = re.compile(r"\d{4}-?\d{3}[\dXx]")
_ISBN_SHAPE: Final = re.compile(r"(?:\d{9}[\dXx]|\d{12}[\dXx])")
_ISBN_SPLIT: Final = re.compile(r"[\s;,]+")


def looks_like_isbn(value: str) -> bool:
    """One or more ISBN-10/13 shapes (hyphens allowed), separated by spaces, `;` or `,`."""
    parts = [p for p in _ISBN_SPLIT.split(value) if p]
    return bool(parts) and all(_ISBN_SHAPE.fullmatch(p.replace("-", "")) for p in parts)


def place_serial(fields: dict[str, str], item_type: str, value: str, shape: str = "") -> bool:
    """Put a serial number into ISBN or ISSN: by the shape of `shape` (default: the value), else
    by the item type (ISBN_TYPES); never overwriting. True when placed or already there; False
    when both fields are taken (the caller keeps the value elsewhere)."""
    text = shape or value
    if _ISSN_SHAPE.fullmatch(text):
        kind: str | None = "ISSN"
    elif looks_like_isbn(text):
        kind = "ISBN"
    else:
        kind = None
    target = kind or ("ISBN" if item_type in ISBN_TYPES else "ISSN")
    other = "ISSN" if target == "ISBN" else "ISBN"
    if value in (fields.get("ISBN"), fields.get("ISSN")):
        return True
    if target not in fields:
        fields[target] = value
        return True
    if kind is None and other not in fields:
        fields[other] = value
        return True
    return False
