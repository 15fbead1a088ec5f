"""Identifier finders on the text PDFs really give: broken lines, glued words, odd dashes."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citelib.pdf.identifiers import (
    find_arxiv_ids,
    find_dois,
    find_identifiers,
    find_isbns,
    find_pmcids,
    find_pmids,
    isbn_13,
    isbn_valid,
    prepare_text,
    references_start,
)


def dois(text: str) -> list[str]:
    return [i.value for i in find_dois(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # plain, labelled, linked
        ("10.1000/182", ["10.1000/182"]),
        ("doi:10.1038/nature12373", ["10.1038/nature12373"]),
        ("DOI: 10.1038/nature12373", ["10.1038/nature12373"]),
        ("https://doi.org/10.1038/nature12373", ["10.1038/nature12373"]),
        ("http://dx.doi.org/10.1038/nature12373", ["10.1038/nature12373"]),
        ("doi.org/10.1038/nature12373", ["10.1038/nature12373"]),
        # trailing punctuation and brackets
        ("see 10.1038/nature12373.", ["10.1038/nature12373"]),
        ("see 10.1038/nature12373, and", ["10.1038/nature12373"]),
        ("(doi:10.1038/nature12373)", ["10.1038/nature12373"]),
        ("[doi:10.1038/nature12373];", ["10.1038/nature12373"]),
        ("'10.1038/nature12373'", ["10.1038/nature12373"]),
        # brackets that belong to the DOI
        ("10.1016/S0140-6736(20)30183-5", ["10.1016/S0140-6736(20)30183-5"]),
        ("(doi:10.1016/S0140-6736(20)30183-5).", ["10.1016/S0140-6736(20)30183-5"]),
        (
            "10.1002/(SICI)1097-4636(199606)31:2<123::AID-JBM1>3.0.CO;2-N",
            ["10.1002/(SICI)1097-4636(199606)31:2<123::AID-JBM1>3.0.CO;2-N"],
        ),
        # capitals inside a DOI are not glued words
        ("10.1103/PhysRevLett.116.061102", ["10.1103/PhysRevLett.116.061102"]),
        ("10.1371/journal.pone.0123456", ["10.1371/journal.pone.0123456"]),
        ("10.1111/j.1365-2702.2011.03710.x", ["10.1111/j.1365-2702.2011.03710.x"]),
        # glued to the next text run on the page
        ("doi:10.1000/xyz123Received 3 May 2020", ["10.1000/xyz123"]),
        ("10.1111/j.1365-2702.2011.03710.xReceived", ["10.1111/j.1365-2702.2011.03710.x"]),
        ("10.1038/s41586-020-2649-2Check for updates", ["10.1038/s41586-020-2649-2"]),
        ("10.1000/abcACCEPTED 2 June", ["10.1000/abc"]),
        ("10.1000/abc.Published online", ["10.1000/abc"]),
        ("10.1000/abc123https://www.journal.org", ["10.1000/abc123"]),
        ("10.1000/abc123www.journal.org", ["10.1000/abc123"]),
        ("10.1000/abc123Copyright 2020", ["10.1000/abc123"]),
        ("10.1000/xyz123Keywords: a, b", ["10.1000/xyz123"]),
        ("10.1000/xyz123Abstract", ["10.1000/xyz123"]),
        # split across lines
        ("DOI: 10.1016/j.cell.\n2020.01.002 and more", ["10.1016/j.cell.2020.01.002"]),
        ("DOI: 10.1016/j.\ncell.2020.01.002", ["10.1016/j.cell.2020.01.002"]),
        ("https://doi.org/10.1016/\nj.cell.2020.01.002", ["10.1016/j.cell.2020.01.002"]),
        ("doi: 10.1000/abc-\ndef", ["10.1000/abc-def"]),
        ("10.1007/978-3-319-24277-4_\n9 more", ["10.1007/978-3-319-24277-4_9"]),
        ("doi:10.1000/xyz\r\n2020 next", ["10.1000/xyz"]),
        # a sentence ending in a DOI: the next line is not part of it
        ("see doi:10.1000/xyz.\nThe next sentence", ["10.1000/xyz"]),
        # PDFium's line-end hyphen mark, Unicode hyphens, soft hyphens, ligatures
        ("10.1000/ab\ufffecd", ["10.1000/ab-cd"]),
        ("10.1000/ab\u2010cd", ["10.1000/ab-cd"]),
        ("10.1000/ab\u00adcd", ["10.1000/abcd"]),
        ("10.1000/ab\u00ad\ncd", ["10.1000/abcd"]),
        ("doi:10.1000/\ufb01gure1", ["10.1000/figure1"]),
        ("doi：１０.1000/x1", ["10.1000/x1"]),
        # a space PDFium put after the slash of a labelled DOI; a line break after any slash
        ("doi: 10.1016/ j.cell.2020.01.002", ["10.1016/j.cell.2020.01.002"]),
        ("see 10.1016/\nj.cell.2020.01.002", ["10.1016/j.cell.2020.01.002"]),
        ("a ratio of 10.1234/ 5 or 10.1234 / 5", []),
        # a superscript footnote mark after a DOI
        ("doi:10.1000/abc\u00b9", ["10.1000/abc"]),
        ("doi:10.1000/abc\u00b2\u00b3 next", ["10.1000/abc"]),
        # several, each once, in order; case-insensitive duplicates
        (
            "10.1000/a1 and 10.1000/B2 and 10.1000/A1",
            ["10.1000/a1", "10.1000/B2"],
        ),
        # not DOIs
        ("version 10.1 of the code", []),
        ("10.10/abc", []),
        ("110.1000/abc", []),
        ("10.1000/", []),
        ("10.1000/.", []),
        ("", []),
    ],
)
def test_find_dois(text: str, expected: list[str]) -> None:
    assert dois(text) == expected


def test_doi_labelled_flag() -> None:
    found = find_dois("doi:10.1000/a1 then 10.1000/b2 then https://doi.org/10.1000/c3")
    assert [(i.value, i.labelled) for i in found] == [
        ("10.1000/a1", True),
        ("10.1000/b2", False),
        ("10.1000/c3", True),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arXiv:2301.01234v2 [cs.LG] 3 Jan 2023", [("2301.01234", "v2")]),
        ("arXiv:2301.01234", [("2301.01234", "")]),
        ("ARXIV: 2301.01234", [("2301.01234", "")]),
        ("arXiv 1501.00001", [("1501.00001", "")]),
        ("https://arxiv.org/abs/2301.01234v3", [("2301.01234", "v3")]),
        ("arxiv.org/pdf/2301.01234.pdf", [("2301.01234", "")]),
        ("doi:10.48550/arXiv.2301.01234", [("2301.01234", "")]),
        ("arXiv:0704.0001", [("0704.0001", "")]),
        ("arXiv:1412.7878", [("1412.7878", "")]),
        ("arXiv:hep-th/9901001", [("hep-th/9901001", "")]),
        ("hep-th/9901001v2", [("hep-th/9901001", "v2")]),
        ("arxiv.org/abs/hep-th/9901001v1", [("hep-th/9901001", "v1")]),
        ("math.AG/0601001", [("math.AG/0601001", "")]),
        (
            "cond-mat/0207270 and astro-ph/0703001",
            [("cond-mat/0207270", ""), ("astro-ph/0703001", "")],
        ),
        ("arXiv:\n2301.01234", [("2301.01234", "")]),
        ("hep-\nth/9901001", [("hep-th/9901001", "")]),
        # unlabelled new-style numbers are anything
        ("2301.01234", []),
        ("version 2301.01234v2", []),
        # impossible months, wrong digit counts for the period, before April 2007
        ("arXiv:2313.01234", []),
        ("arXiv:1412.12345", []),
        ("arXiv:1501.0001", []),
        ("arXiv:0703.1234", []),
        ("hep-th/9913001", []),
        ("foo-th/9901001", []),
    ],
)
def test_find_arxiv_ids(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(i.value, i.version) for i in find_arxiv_ids(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PMID: 12345678", ["12345678"]),
        ("PMID 31452104.", ["31452104"]),
        ("PubMed PMID: 31452104", ["31452104"]),
        ("PubMed ID 31452104", ["31452104"]),
        ("https://pubmed.ncbi.nlm.nih.gov/31452104/", ["31452104"]),
        ("www.ncbi.nlm.nih.gov/pubmed/31452104", ["31452104"]),
        ("pmid=31452104", ["31452104"]),
        # only labelled numbers
        ("12345678", []),
        ("ID 12345678", []),
        ("PMID: 0", []),
        ("PMID: 123456789", []),
    ],
)
def test_find_pmids(text: str, expected: list[str]) -> None:
    assert [i.value for i in find_pmids(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PMCID: PMC1234567", ["PMC1234567"]),
        ("PMC1234567", ["PMC1234567"]),
        ("PMCID PMC1234567 and PMC7654321", ["PMC1234567", "PMC7654321"]),
        ("XPMC1234567", []),
        ("PMC12", []),
    ],
)
def test_find_pmcids(text: str, expected: list[str]) -> None:
    assert [i.value for i in find_pmcids(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ISBN 978-0-19-852663-6", ["9780198526636"]),
        ("ISBN-13: 978-0-19-852663-6", ["9780198526636"]),
        ("ISBN 13 9780198526636", ["9780198526636"]),
        ("ISBN-10: 0-19-852663-6", ["0198526636"]),
        ("ISBN 0 19 852663 6", ["0198526636"]),
        ("ISBN (pbk.) 978-0-19-852663-6", ["9780198526636"]),
        ("isbn:0-8044-2957-X", ["080442957X"]),
        ("ISBN 0-8044-2957-x", ["080442957X"]),
        (
            "ISBN 978-0-19-852663-6 (hbk), 978-3-16-148410-0 (pbk)",
            ["9780198526636", "9783161484100"],
        ),
        ("ISBN 978-0-19-\n852663-6", ["9780198526636"]),
        ("ISBN 978\u20110\u201119\u2011852663\u20116", ["9780198526636"]),
        # unlabelled: only a hyphenated ISBN-13
        ("printed as 978-3-16-148410-0 in Berlin", ["9783161484100"]),
        ("9783161484100", []),
        ("0198526636", []),
        # bad check digits
        ("ISBN 978-0-19-852663-7", []),
        ("ISBN 0-19-852663-5", []),
        ("ISBN 123", []),
        ("ISSN 0028-0836", []),
        # a phone number after the label's window is not an ISBN
        ("ISBN " + "x" * 120 + " 0198526636", []),
    ],
)
def test_find_isbns(text: str, expected: list[str]) -> None:
    assert [i.value for i in find_isbns(text)] == expected


def test_isbn_helpers() -> None:
    assert isbn_valid("978-0-19-852663-6")
    assert isbn_valid("0-8044-2957-X")
    assert not isbn_valid("0-8044-2957-1")
    assert not isbn_valid("97801985266")
    assert not isbn_valid("X123456789")
    assert isbn_13("0-19-852663-6") == "9780198526636"
    assert isbn_13("9780198526636") == "9780198526636"


def test_find_identifiers_in_order() -> None:
    text = (
        "arXiv:2301.01234v1 [cs.LG]\nDOI: 10.1000/abc\nPMID: 123456\n"
        "PMCID: PMC7654321\nISBN 978-3-16-148410-0"
    )
    found = find_identifiers(text)
    assert [(i.kind, i.value) for i in found] == [
        ("arXiv", "2301.01234"),
        ("DOI", "10.1000/abc"),
        ("PMID", "123456"),
        ("PMCID", "PMC7654321"),
        ("ISBN", "9783161484100"),
    ]
    assert [i.start for i in found] == sorted(i.start for i in found)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Intro\nReferences\n[1] x", True),
        ("Intro\n7. References\n[1] x", True),
        ("Intro\nREFERENCES\n", True),
        ("Intro\nBibliography:\n", True),
        ("Intro\nLiterature Cited\n", True),
        ("Intro\nReferences and Notes\n", True),
        ("see the references below", False),
        ("References to the past are many.", False),
    ],
)
def test_references_start(text: str, found: bool) -> None:
    start = references_start(text)
    assert (start is not None) == found
    if start is not None:
        assert text[start:].lstrip(" 7.").startswith(("Ref", "REF", "Bib", "Lit"))


def test_prepare_text() -> None:
    assert prepare_text("a\r\nb\rc") == "a\nb\nc"
    assert prepare_text("immuno-\n  therapy") == "immuno-therapy"
    assert prepare_text("e\u00adnough") == "enough"
    assert prepare_text("\ufb01 \u2013") == "fi -"


# ---------------------------------------------------------------------------------------------
# Properties

# Lower-case suffixes: a capitalised word after a digit at the end (`...123Received`) is cut off
# on purpose, as are `http`/`www.` glued on (see the table above).
_SUFFIX_CHARS = string.ascii_lowercase + string.digits + "-._/;()"
_SUFFIX = st.text(_SUFFIX_CHARS, min_size=1, max_size=30).filter(
    lambda s: (
        s[-1].isalnum()
        and s[0].isalnum()
        and s.count("(") == s.count(")")
        and "http" not in s
        and "www." not in s
    )
)
_DOI = st.builds(
    lambda prefix, suffix: f"10.{prefix}/{suffix}",
    st.integers(min_value=1000, max_value=999999999),
    _SUFFIX,
)


@given(_DOI, st.sampled_from(["doi:", "DOI: ", "https://doi.org/", "(", ""]), st.text(max_size=20))
def test_any_doi_is_found_where_it_is_written(doi: str, label: str, after: str) -> None:
    text = f"Some text {label}{doi} {after}"
    assert find_dois(text)[0].value == doi


@given(_DOI, st.data())
def test_a_doi_broken_after_a_slash_dot_or_hyphen_is_joined(doi: str, data: st.DataObject) -> None:
    breaks = [i + 1 for i, c in enumerate(doi) if c in "/-_" and i + 1 < len(doi) and i > 3]
    breaks += [
        i + 1
        for i, c in enumerate(doi)
        if c == "." and i > 3 and i + 1 < len(doi) and doi[i + 1 :].split()[0][:1].isdigit()
    ]
    if not breaks:
        return
    at = data.draw(st.sampled_from(breaks))
    text = f"DOI: {doi[:at]}\n{doi[at:]}\nReceived 3 May"
    assert find_dois(text)[0].value == doi


@given(st.text(max_size=300))
def test_finders_never_raise(text: str) -> None:
    for ident in find_identifiers(text):
        assert ident.value


@given(st.lists(st.integers(min_value=0, max_value=9), min_size=9, max_size=9), st.booleans())
def test_isbn_check_digits(digits: list[int], thirteen: bool) -> None:
    body = "".join(map(str, digits))
    if thirteen:
        isbn = isbn_13(body + "0")  # computes a correct ISBN-13 check digit
    else:
        total = sum((10 - i) * d for i, d in enumerate(digits))
        check = (11 - total % 11) % 11
        isbn = body + ("X" if check == 10 else str(check))
    assert isbn_valid(isbn)
    assert [i.value for i in find_isbns(f"ISBN {isbn}")] == [isbn]
    wrong = isbn[:-1] + ("1" if isbn[-1] == "0" else "0")
    assert find_isbns(f"ISBN {wrong}") == []
