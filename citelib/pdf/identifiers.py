"""Find DOIs, arXiv IDs, PubMed IDs and ISBNs in text taken from a PDF, offline.

PDF text is not clean text: a DOI is broken across lines (after a `/`, `.` or hyphen), glued to
the word that follows it on the page (`10.1000/xyz123Received 3 May`, two text runs with no space
between them), followed by punctuation, written as a `https://doi.org/` link, hyphenated by the
typesetter, set with Unicode dashes or ligatures. `prepare_text` undoes what can be undone
safely; the finders then accept only what has the shape of an identifier:
- DOI: `10.NNNN/suffix`, continued over a line break only after `/`, `_`, `-`, or after `.`
  when the next line goes on with a digit; a capitalised word glued after it (`Received`,
  `Accepted`, `http`...) and trailing punctuation or unbalanced brackets are cut off.
- arXiv: only when labelled (`arXiv:`, `arxiv.org/abs/`, the DOI `10.48550/arXiv.`), new
  (`2301.01234v2`, month checked, 4 digits before 2015 and 5 from then) and old
  (`hep-th/9901001`, known archive names; these need no label) forms.
- PMID and PMCID: only when labelled (`PMID: 123`, `PubMed ID`, `pubmed.ncbi.nlm.nih.gov/123`).
- ISBN-10 and ISBN-13 with their check digit, after an `ISBN` label; an unlabelled ISBN-13 only
  when written with hyphens (`978-3-16-148410-0`).

Nothing here touches PDFium (pypdfium2 is the reader's business); these are plain functions on
strings so that the tests can throw any text at them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

from citelib.formats.normalise import clean_doi

IdentifierKind = Literal["DOI", "arXiv", "PMID", "PMCID", "ISBN"]


@dataclass(frozen=True, slots=True)
class Identifier:
    """An identifier found in text: `value` in its canonical form (DOI as written, minus any
    `doi:` or URL; arXiv without version; PMID digits; PMCID `PMC123`; ISBN digits only).

    `start` is the offset in the prepared text, `labelled` whether its label or link was right
    before it (`doi:`, `https://doi.org/`, `arXiv:`, `ISBN`), `version` an arXiv version (`v2`).
    """

    kind: IdentifierKind
    value: str
    start: int = 0
    labelled: bool = False
    version: str = ""


# ---------------------------------------------------------------------------------------------
# Preparing text

_DASHES: Final = str.maketrans(
    {
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2212": "-",  # minus sign
        "\ufffe": "-",  # PDFium's mark for a line-end hyphen it joined
        "\x02": "-",
        "\u00ad": None,  # soft hyphen: typesetting, never part of an identifier
        "\u200b": None,  # zero-width space
        "\ufeff": None,
        "\x00": None,
        # Superscript digits are footnote marks, not part of what they follow (NFKC would make
        # `10.1000/abc¹` into `10.1000/abc1`).
        **dict.fromkeys("\u00b9\u00b2\u00b3\u2070\u2074\u2075\u2076\u2077\u2078\u2079", " "),
    }
)
# A soft hyphen ends a line where the typesetter broke a word: the word goes on.
_SOFT_BREAK: Final = re.compile(r"\u00ad[ \t]*\n[ \t]*")
_HYPHEN_NEWLINE: Final = re.compile(r"-[ \t]*\n[ \t]*(?=[A-Za-z0-9])")


def prepare_text(text: str) -> str:
    """Text ready for the finders: NFKC (ligatures, full-width digits), `\\n` line ends, the
    Unicode hyphens and dashes as `-`, soft hyphens dropped, and a hyphen at a line end joined to
    the next line (the hyphen is kept: inside a DOI or ISBN it is part of it)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SOFT_BREAK.sub("", text).translate(_DASHES)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _HYPHEN_NEWLINE.sub("-", text)


# ---------------------------------------------------------------------------------------------
# DOI

_DOI_HEAD: Final = re.compile(r"(?<![0-9.])10\.\d{4,9}(?:\.\d+)*/")
# Space (or a line break) after the slash of a labelled DOI: `doi: 10.1016/ j.cell...`; after
# an unlabelled one only a line break (`10.1234 / 5` is arithmetic).
_AFTER_SLASH: Final = re.compile(r"[ \t]*\n?[ \t]*")
_BREAK_AFTER_SLASH: Final = re.compile(r"[ \t]*\n[ \t]*")
_DOI_BODY: Final = re.compile(r"[-._;()/:A-Za-z0-9<>\[\]+#*~']+")
_DOI_LABEL: Final = re.compile(
    r"(?:\bdoi\b[ \t]*(?:[:=][ \t]*|\.org/)?|\bdoi\.org/|\bdx\.doi\.org/)[ \t]*(?:\n[ \t]*)?$",
    re.IGNORECASE,
)
_NEXT_LINE: Final = re.compile(r"[ \t]*\n[ \t]*([-._;()/:A-Za-z0-9<>\[\]+#*~']+)")
# Words found glued to the end of a DOI in real PDFs (the next text run on the page).
_GLUED_WORDS: Final = (
    "Received", "Revised", "Accepted", "Published", "Available", "Abstract", "Keywords",
    "Copyright", "Citation", "Cite", "Article", "Journal", "Volume", "Vol", "Issue", "Edited",
    "Editor", "Handling", "Open", "Downloaded", "Submitted", "Online", "Corresponding", "Email",
    "Contents", "Original", "Research", "Review", "Licence", "License", "Creative", "This", "The",
    "ISSN", "ISBN", "PMID", "PMCID", "Page", "Pages", "Introduction", "Supplementary", "Funding",
    "Check", "Updates", "Citations", "Download", "View", "Read",
)  # fmt: skip
_GLUED: Final = re.compile(
    r"(?<=[a-z0-9).])(?:"
    + "|".join(sorted({*(_GLUED_WORDS), *(w.upper() for w in _GLUED_WORDS)}, key=len, reverse=True))
    + r"|E-?mail)(?![a-z])|https?:|www\."
)
# A capitalised word glued straight after digits at the very end: `10.1000/xyz123Received`.
_GLUED_TAIL: Final = re.compile(r"(?<=\d)[A-Z][a-z]{2,}$")
_TRAILING: Final = ".,;:'/*~#+"
_PAIRS: Final = {")": "(", "]": "[", ">": "<"}


def _trim_doi(suffix: str) -> str:
    cut = _GLUED.search(suffix)
    if cut is not None:
        suffix = suffix[: cut.start()]
    while suffix:
        before = suffix
        suffix = suffix.rstrip(_TRAILING)
        tail = _GLUED_TAIL.search(suffix)
        if tail is not None:
            suffix = suffix[: tail.start()]
        last = suffix[-1:]
        if last in _PAIRS and suffix.count(last) > suffix.count(_PAIRS[last]):
            suffix = suffix[:-1]
        if suffix == before:
            break
    # An opening bracket left unclosed at the end is not part of the DOI either.
    return suffix.rstrip("([<")


def _continues(last: str, token: str) -> bool:
    """Whether a DOI that ends a line with `last` goes on with the next line's first `token`."""
    if last in "/_-":
        return True
    return last == "." and any(c.isdigit() for c in token)


def find_dois(text: str, *, prepared: bool = False) -> list[Identifier]:
    """Every DOI in `text`, in order, each once (compared case-insensitively)."""
    if not prepared:
        text = prepare_text(text)
    found: list[Identifier] = []
    seen: set[str] = set()
    pos = 0
    while True:
        head = _DOI_HEAD.search(text, pos)
        if head is None:
            break
        before = text[max(0, head.start() - 24) : head.start()]
        labelled = bool(_DOI_LABEL.search(before))
        gap = (_AFTER_SLASH if labelled else _BREAK_AFTER_SLASH).match(text, head.end())
        start = gap.end() if gap is not None else head.end()
        body = _DOI_BODY.match(text, start)
        if body is None:
            pos = head.end()
            continue
        suffix = body.group(0)
        end = body.end()
        while suffix and suffix[-1] in "/_-.":
            nxt = _NEXT_LINE.match(text, end)
            if nxt is None or not _continues(suffix[-1], nxt.group(1)):
                break
            suffix += nxt.group(1)
            end = nxt.end()
        pos = end
        suffix = _trim_doi(suffix)
        if not any(c.isalnum() for c in suffix):
            continue
        doi = clean_doi(head.group(0) + suffix)
        key = doi.casefold()
        if key in seen:
            continue
        seen.add(key)
        found.append(Identifier("DOI", doi, head.start(), labelled))
    return found


# ---------------------------------------------------------------------------------------------
# arXiv

_ARXIV_NEW: Final = re.compile(
    r"(?<![\w.])(?P<label>(?i:arxiv)[ \t]*[:.]?[ \t]*(?:\n[ \t]*)?|(?i:arxiv\.org)/(?:abs|pdf)/"
    r"|10\.48550/(?i:arxiv)\.)(?P<id>(?P<yy>\d\d)(?P<mm>\d\d)\.(?P<num>\d{4,5}))"
    r"(?P<version>v\d+)?(?![\d])"
)
ARXIV_ARCHIVES: Final[frozenset[str]] = frozenset(
    (
        "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an",
        "chao-dyn", "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an",
        "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th", "nlin",
        "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio", "quant-ph",
        "solv-int", "supr-con",
    )
)  # fmt: skip
_ARXIV_OLD: Final = re.compile(
    r"(?<![\w.-])(?P<label>(?i:arxiv)[ \t]*:?[ \t]*|(?i:arxiv\.org)/(?:abs|pdf)/)?"
    r"(?P<id>(?P<archive>"
    + "|".join(sorted((re.escape(a) for a in ARXIV_ARCHIVES), key=len, reverse=True))
    + r")(?:\.[A-Z]{2})?/(?P<yy>\d\d)(?P<mm>\d\d)\d{3})(?P<version>v\d+)?(?!\d)"
)


def _valid_new_arxiv(yy: int, mm: int, num: str) -> bool:
    if not 1 <= mm <= 12 or (yy, mm) < (7, 4):
        return False
    return len(num) == (4 if (yy, mm) < (15, 1) else 5)


def find_arxiv_ids(text: str, *, prepared: bool = False) -> list[Identifier]:
    """Every arXiv ID in `text`, in order, each once (without version; the first version seen
    is kept in `Identifier.version`)."""
    if not prepared:
        text = prepare_text(text)
    hits: list[Identifier] = []
    for m in _ARXIV_NEW.finditer(text):
        if _valid_new_arxiv(int(m.group("yy")), int(m.group("mm")), m.group("num")):
            hits.append(
                Identifier("arXiv", m.group("id"), m.start(), True, m.group("version") or "")
            )
    for m in _ARXIV_OLD.finditer(text):
        yy, mm = int(m.group("yy")), int(m.group("mm"))
        if 1 <= mm <= 12 and (yy >= 91 or yy <= 7):
            start = m.start("label") if m.group("label") else m.start("id")
            hits.append(
                Identifier(
                    "arXiv", m.group("id"), start, bool(m.group("label")), m.group("version") or ""
                )
            )
    return _unique(sorted(hits, key=lambda i: i.start))


# ---------------------------------------------------------------------------------------------
# PubMed

_PMID: Final = re.compile(
    r"(?:\bPMID\b|\bPub[Mm]ed[ \t]*(?:ID|PMID)\b|\bpubmed\.ncbi\.nlm\.nih\.gov/"
    r"|\bncbi\.nlm\.nih\.gov/pubmed/)[ \t]*[:#=]?[ \t]*(\d{1,8})(?!\d)",
    re.IGNORECASE,
)
_PMCID: Final = re.compile(
    r"(?<![A-Za-z0-9])PMC(?:[ \t]*ID[ \t]*:?[ \t]*(?:PMC)?)?[ \t]*(\d{4,9})(?!\d)"
)


def find_pmids(text: str, *, prepared: bool = False) -> list[Identifier]:
    """Every labelled PubMed ID (`PMID: 123`, `PubMed ID 123`, a PubMed link) in `text`."""
    if not prepared:
        text = prepare_text(text)
    hits = [
        Identifier("PMID", m.group(1).lstrip("0") or "0", m.start(), True)
        for m in _PMID.finditer(text)
    ]
    return _unique([h for h in hits if h.value != "0"])


def find_pmcids(text: str, *, prepared: bool = False) -> list[Identifier]:
    """Every PubMed Central ID (`PMC1234567`, `PMCID: PMC1234567`) in `text`."""
    if not prepared:
        text = prepare_text(text)
    return _unique(
        [Identifier("PMCID", f"PMC{m.group(1)}", m.start(), True) for m in _PMCID.finditer(text)]
    )


# ---------------------------------------------------------------------------------------------
# ISBN

_ISBN_LABEL: Final = re.compile(
    r"\bISBN(?:[ \t]*-?[ \t]*1[03])?\b(?:[ \t]*\([^)\n]{0,20}\))?[ \t]*[:#]?[ \t]*", re.IGNORECASE
)
_ISBN_13: Final = re.compile(r"(?<![\dXx-])97[89](?:[- ]?\d){10}(?![\dXx])")
_ISBN_10: Final = re.compile(r"(?<![\dXx-])\d(?:[- ]?\d){8}[- ]?[\dXx](?![\dXx])")
_ISBN_HYPHENATED: Final = re.compile(r"(?<![\dXx-])97[89]-\d{1,5}-\d{1,7}-\d{1,7}-\d(?![\dXx-])")
# How far after an `ISBN` label its numbers may go (`ISBN 978-... (hbk), 978-... (pbk)`).
_ISBN_WINDOW: Final = 100


def isbn_valid(isbn: str) -> bool:
    """Whether an ISBN-10 or ISBN-13 (hyphens and spaces allowed) has a correct check digit."""
    digits = re.sub(r"[\s-]", "", isbn).upper()
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if len(digits) == 13 and digits.isdigit():
        total = sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(digits))
        return total % 10 == 0
    return False


def isbn_13(isbn: str) -> str:
    """An ISBN-10 as its ISBN-13 (`978` + the nine digits + a new check digit); others as they
    are, without hyphens."""
    digits = re.sub(r"[\s-]", "", isbn).upper()
    if len(digits) != 10:
        return digits
    body = "978" + digits[:9]
    check = (10 - sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(body)) % 10) % 10
    return body + str(check)


def find_isbns(text: str, *, prepared: bool = False) -> list[Identifier]:
    """Every valid ISBN in `text`: the ISBN-10s and -13s after an `ISBN` label, and unlabelled
    hyphenated ISBN-13s. Values are digits (and a final X) only; an ISBN-10 and the ISBN-13 of
    the same book are both kept, the first written first."""
    if not prepared:
        text = prepare_text(text)
    hits: list[Identifier] = []
    for label in _ISBN_LABEL.finditer(text):
        window_end = label.end() + _ISBN_WINDOW
        nxt = _ISBN_LABEL.search(text, label.end())
        if nxt is not None:
            window_end = min(window_end, nxt.start())
        pos = label.end()
        first = True
        while pos < window_end:
            m13 = _ISBN_13.search(text, pos, window_end)
            m10 = _ISBN_10.search(text, pos, window_end)
            candidates = [m for m in (m13, m10) if m is not None and isbn_valid(m.group(0))]
            if not candidates:
                break
            m = min(candidates, key=lambda c: (c.start(), -len(c.group(0))))
            value = re.sub(r"[\s-]", "", m.group(0)).upper()
            hits.append(Identifier("ISBN", value, label.start() if first else m.start(), True))
            first = False
            pos = m.end()
    for m in _ISBN_HYPHENATED.finditer(text):
        if isbn_valid(m.group(0)):
            hits.append(Identifier("ISBN", m.group(0).replace("-", ""), m.start(), False))
    return _unique(sorted(hits, key=lambda i: (i.start, not i.labelled)))


# ---------------------------------------------------------------------------------------------
# All together


def find_identifiers(text: str) -> list[Identifier]:
    """Every DOI, arXiv ID, PMID, PMCID and ISBN in `text`, in the order they appear."""
    text = prepare_text(text)
    hits = [
        *find_dois(text, prepared=True),
        *find_arxiv_ids(text, prepared=True),
        *find_pmids(text, prepared=True),
        *find_pmcids(text, prepared=True),
        *find_isbns(text, prepared=True),
    ]
    return sorted(hits, key=lambda i: i.start)


_REFERENCES: Final = re.compile(
    r"^[ \t]*(?:[0-9IVX]{1,4}\.?[ \t]+)?"
    r"(?:References(?: and [Nn]otes| [Cc]ited)?|REFERENCES(?: AND NOTES| CITED)?|Bibliography"
    r"|BIBLIOGRAPHY|Literature [Cc]ited|LITERATURE CITED|Works [Cc]ited|WORKS CITED"
    r"|Notes and [Rr]eferences|NOTES AND REFERENCES|Reference [Ll]ist|REFERENCE LIST)"
    r"[ \t]*:?[ \t]*$",
    re.MULTILINE,
)


def references_start(text: str) -> int | None:
    """The offset of the first `References` (or `Bibliography`, `Literature cited`...) heading on
    a line of its own, or None. Identifiers after it belong to other works."""
    m = _REFERENCES.search(text)
    return m.start() if m else None


def _unique(hits: list[Identifier]) -> list[Identifier]:
    seen: set[str] = set()
    out: list[Identifier] = []
    for hit in hits:
        key = hit.value.casefold()
        if key not in seen:
            seen.add(key)
            out.append(hit)
    return out
