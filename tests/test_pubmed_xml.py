"""PubMed XML (efetch) reading: the golden file, safety of the XML parser, hostile input.

tests/data/pubmed/efetch.xml is laid out the way efetch returns PubMed XML (DOCTYPE, one line per
record, a DeleteCitation); every title, name and number in it is synthetic. Its first records
are the same articles as in citations.nbib, so the two readers are checked against each other.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citelib.formats import ReadResult, pubmed
from citelib.formats.pubmed_xml import read, sniff
from citelib.model import Creator, Item

DATA = Path(__file__).resolve().parent / "data" / "pubmed"
GOLDEN = (DATA / "efetch.xml").read_text(encoding="utf-8")
HEAD = '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'  # noqa: E501


def article(title: str = "Synthetic title", pmid: str = "99000050", more: str = "") -> str:
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}'
        f"</PMID><Article><ArticleTitle>{title}</ArticleTitle>{more}</Article></MedlineCitation>"
        "</PubmedArticle>"
    )


def wrap(*records: str, head: str = HEAD) -> str:
    return f"{head}<PubmedArticleSet>\n" + "\n".join(records) + "\n</PubmedArticleSet>\n"


def messages(result: ReadResult) -> list[str]:
    return [str(p) for p in result.problems]


@pytest.fixture(scope="module")
def golden() -> ReadResult:
    return read(GOLDEN, "efetch.xml")


def test_golden_records_and_deleted_citation(golden: ReadResult) -> None:
    assert golden.records == 3
    assert [i.item_type for i in golden.items] == ["journalArticle", "preprint", "bookSection"]
    assert messages(golden) == ["efetch.xml:10: PubMed deleted these PMIDs; not imported: 99000099"]
    assert golden.errors == []


def test_golden_journal_article(golden: ReadResult) -> None:
    item = golden.items[0]
    assert item.fields == {
        "PMID": "99000001",
        "journalAbbreviation": "J Synth Immunol",  # MedlineTA, as MEDLINE's TA
        "ISSN": "2950-0001",
        "volume": "14",
        "issue": "3",
        "date": "2025 Mar 7",  # as MEDLINE's DP
        "publicationTitle": "Journal of synthetic immunology",
        "title": "Synthetic CAR-NK cells targeting CLDN18.2 in a gastric cancer model.",
        "pages": "1234-1245",
        "DOI": "10.5555/synth.2025.0001",
        "rights": "(c) 2025. Synthetic Publisher. All rights reserved.",
        # Labelled sections become paragraphs; escaped markup is text.
        "abstract": "BACKGROUND: Synthetic natural killer cells were engineered for this test "
        "record.\nMETHODS: Cells carrying a synthetic receptor were studied in a made-up model.\n"
        "RESULTS: Synthetic results with <i>markup</i> & a javascript:alert(1) link were kept "
        "as text.\nCONCLUSIONS: This abstract is synthetic.",
        "language": "eng",
        "place": "England",
        "PMCID": "PMC9900001",
        "extra": "\n".join(
            [
                "PubMed OWN: NLM",
                "PubMed STAT: MEDLINE",
                "PubMed DCOM: 20250312",
                "PubMed LR: 20250401",
                "PubMed AUID: ORCID: 0000-0000-0000-0001",
                "PubMed AD: Department of Synthetic Immunology, Example University, "
                "Example City, Exampleland.",
                "PubMed AD: Example Institute, Example City, Exampleland.",
                "PubMed GR: R01 XX000001/XX/Example Agency/Exampleland",
                "PubMed PT: Research Support, Non-U.S. Gov't",
                "PubMed DEP: 20250301",
                "PubMed JID: 990000001",
                "PubMed IS: 2950-0000 (Linking)",
                "PubMed SB: IM",
                "PubMed OTO: NOTNLM",
                "PubMed COIS: The authors declare no synthetic conflicts.",
                "PubMed PHST: 2024/11/02 00:00 [received]",
                "PubMed PHST: 2025/02/20 00:00 [accepted]",
                "PubMed PHST: 2025/03/08 06:00 [pubmed]",
                "PubMed PST: ppublish",
                "PubMed AID: S0000-0000(25)00001-X [pii]",
                "PubMed Reference: Synthetic reference one. J Synth Immunol. 2020;1:1-2. "
                "[pubmed: 99000009]",
            ]
        ),
    }
    assert item.creators == [
        Creator("Testperson", "Alpha B"),
        Creator("van der Exampleton", "Beta"),
        Creator("Sampleman", "Gamma C Jr"),  # Suffix after the given names, as MEDLINE's FAU
        Creator(literal="Synthetic Cell Therapy Consortium"),  # CollectiveName
    ]
    assert item.tags == [
        "Animals",
        "*Killer Cells, Natural/immunology/transplantation",  # MajorTopicYN as MEDLINE's `*`
        "Stomach Neoplasms/*therapy",
        "CAR-NK",
        "CLDN18.2",
    ]


def test_golden_preprint_with_inline_markup(golden: ReadResult) -> None:
    item = golden.items[1]
    assert item.fields == {
        "PMID": "99000002",
        "journalAbbreviation": "bioRxiv",
        "ISSN": "2692-8205",
        "date": "2025 Jan 10",
        "publisher": "bioRxiv : the preprint server for biology",
        # <i>, <sup>, <sub> are dropped, their text kept.
        "title": "Synthetic single-cell atlas of γδ T cells in a made-up tumour model with "
        "CD3+ and Ca2 notes.",
        "DOI": "10.5555/synth.preprint.0002",
        "abstract": "A synthetic preprint abstract for testing.",
        "language": "eng",
        "place": "United States",
        "PMCID": "PMC9900002",
        "extra": "PubMed OWN: NLM\nPubMed STAT: PubMed-not-MEDLINE\nPubMed LR: 20250115\n"
        "PubMed LID: 2025.01.08.000001 [pii]\nPubMed DEP: 20250110\nPubMed JID: 101680187\n"
        "PubMed IS: 2692-8205 (Linking)\nPubMed PHST: 2025/01/15 06:00 [pubmed]\n"
        "PubMed PST: epublish\nPubMed AID: 2025.01.08.000001 [pii]",
    }
    assert item.creators == [Creator("Exampleton", "Delta")]


def test_golden_book_chapter(golden: ReadResult) -> None:
    item = golden.items[2]
    assert item.fields == {
        "PMID": "99000003",
        "publisher": "Example University Press",
        "place": "Example City (EX)",
        "publicationTitle": "Synthetic Handbook of Cell Therapy",
        "date": "2024",
        "series": "Synthetic Reviews Collection",
        "title": "Synthetic chapter on NK cell receptors.",
        "language": "eng",
        "rights": "Copyright (c) 2024, Example University Press.",
        "abstract": "A synthetic chapter abstract.",
        "extra": "PubMed AID: NBK990003 [bookaccession]\nPubMed Medium: Internet\n"
        "PubMed LocationLabel: Chapter 4\nPubMed PT: Review\nPubMed Sections: Introduction\n"
        "PubMed ContributionDate: 20240101\nPubMed LR: 20240601\n"
        "PubMed PHST: 2024/06/01 00:00 [pubmed]\nPubMed PST: ppublish",
    }
    assert item.creators == [
        Creator("Editorsson", "Epsilon", role="editor"),
        Creator("Redakteur", "Zeta Q", role="editor"),
        Creator("Chapterwright", "Eta"),
    ]


def test_same_articles_as_the_nbib(golden: ReadResult) -> None:
    nbib = pubmed.read((DATA / "citations.nbib").read_text(encoding="utf-8")).items
    for from_xml, from_nbib in zip(golden.items, nbib, strict=False):
        assert from_xml.item_type == from_nbib.item_type
        assert from_xml.creators == from_nbib.creators
        assert from_xml.tags == from_nbib.tags
        # The abstract's paragraphs, the preprint's title and `extra` differ between the two.
        skip = {"abstract", "extra", "title"}
        assert {k: v for k, v in from_xml.fields.items() if k not in skip} == {
            k: v for k, v in from_nbib.fields.items() if k not in skip
        }


def test_golden_exports_to_nbib_and_back(golden: ReadResult) -> None:
    back = pubmed.read(pubmed.dumps(golden.items))
    assert back.problems == []
    for before, after in zip(golden.items, back.items, strict=True):
        assert after.creators == before.creators
        assert after.tags == before.tags
        # The abstract's paragraph breaks become spaces in MEDLINE; all else comes back.
        assert {**after.fields, "abstract": ""} == {
            **before.fields,
            "abstract": "",
        }


# ---------------------------------------------------------------------------------------------
# Elements


def test_book_dates_isbns_and_editors() -> None:
    book = (
        "<PubmedBookArticle><BookDocument><PMID>99000060</PMID><Book><Publisher>"
        "<PublisherName>Example Press</PublisherName></Publisher><BookTitle>Synthetic Book"
        "</BookTitle><PubDate><Year>2020</Year><Month>02</Month></PubDate><AuthorList "
        'Type="authors"><Author><LastName>Bookwright</LastName><ForeName>Iota</ForeName>'
        "</Author></AuthorList><Edition>3rd</Edition><Volume>2</Volume><Isbn>9780000000002"
        "</Isbn><Isbn>0000000000</Isbn></Book><PublicationType>Book</PublicationType>"
        "</BookDocument></PubmedBookArticle>"
    )
    item = read(wrap(book)).items[0]
    assert item == Item(
        "book",
        {
            "PMID": "99000060",
            "publisher": "Example Press",
            "title": "Synthetic Book",
            "date": "2020 Feb",
            "edition": "3rd",
            "volume": "2",
            "ISBN": "9780000000002 0000000000",
        },
        [Creator("Bookwright", "Iota")],
    )


def test_dates_pages_ids_and_unknown_elements() -> None:
    more = (
        "<Journal><JournalIssue><PubDate><MedlineDate>2020 Jan-Feb</MedlineDate></PubDate>"
        "</JournalIssue></Journal><Pagination><StartPage>e5</StartPage></Pagination>"
        '<ELocationID EIdType="doi">https://doi.org/10.5555/X</ELocationID>'
        "<Language>eng</Language><Language>ger</Language><NewElement>odd <b>text</b></NewElement>"
        "<AuthorList><Author><Initials>AB</Initials></Author><Author></Author></AuthorList>"
        "<PublicationTypeList><PublicationType>Dataset</PublicationType></PublicationTypeList>"
    )
    item = read(wrap(article(more=more))).items[0]
    assert item.item_type == "dataset"
    assert item.fields == {
        "PMID": "99000050",
        "date": "2020 Jan-Feb",
        "title": "Synthetic title",
        "pages": "e5",
        "DOI": "10.5555/X",
        "language": "eng",
        "extra": "PubMed OWN: NLM\nPubMed STAT: MEDLINE\nPubMed LA: ger\n"
        "PubMed NewElement: odd text",
    }
    assert item.creators == [Creator("", "AB")]


def test_seasons_and_numeric_months() -> None:
    for pub_date, text in (
        ("<Year>2019</Year><Season>Spring</Season>", "2019 Spring"),
        ("<Year>2015</Year><Month>03</Month><Day>07</Day>", "2015 Mar 7"),
        ("<Year>2015</Year><Month>13</Month>", "2015 13"),
    ):
        more = f"<Journal><JournalIssue><PubDate>{pub_date}</PubDate></JournalIssue></Journal>"
        assert read(wrap(article(more=more))).items[0].get("date") == text


# ---------------------------------------------------------------------------------------------
# Safety


def test_doctype_is_never_fetched() -> None:
    # A DTD on a host that does not exist: parsing must neither wait for it nor fail.
    head = (
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//X//EN" '
        '"http://dtd.invalid.example/pubmed_250101.dtd">\n'
    )
    result = read(wrap(article(), head=head))
    assert result.problems == []
    assert result.items[0].title == "Synthetic title"


def test_external_entity_is_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    head = (
        f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n'
        f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">\n]>\n'
    )
    result = read(wrap(article("Before &xxe; after"), head=head))
    assert "TOP-SECRET" not in repr(result)
    assert result.items[0].title == "Before &xxe; after"  # the reference stays as text


def test_external_dtd_entities_are_never_loaded(tmp_path: Path) -> None:
    dtd = tmp_path / "pubmed.dtd"
    dtd.write_text('<!ENTITY leak "FROM-THE-DTD">', encoding="utf-8")
    head = f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet SYSTEM "{dtd.as_uri()}">\n'
    result = read(wrap(article("A &leak; title"), head=head))
    assert "FROM-THE-DTD" not in repr(result)
    assert result.items[0].title == "A &leak; title"


def test_billion_laughs_is_never_expanded() -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    head = f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [{entities}]>\n'
    result = read(wrap(article("&lol9;"), head=head))  # expanded it would be 3 GB
    assert result.items == [] or all(len(i.title) < 100 for i in result.items)
    assert all(len(str(p)) < 500 for p in result.problems)


# ---------------------------------------------------------------------------------------------
# Hostile and odd input


def test_broken_xml_keeps_the_records_before_the_break() -> None:
    text = wrap(article("One", "1"), article("Two", "2"), "<PubmedArticle><Medline")
    result = read(text, "cut.xml")
    assert [i.title for i in result.items] == ["One", "Two"]
    assert len(result.errors) == 1
    problem = result.errors[0]
    assert problem.line == 7  # where the parser noticed: the line after the broken tag
    assert str(problem).startswith("cut.xml:7: broken XML: ")
    assert str(problem).endswith("; the 2 records before it were read")


def test_file_cut_off_in_a_record() -> None:
    text = wrap(article("One", "1"), article("Two", "2"))
    result = read(text[: text.index("Two") + 2])
    assert [i.title for i in result.items] == ["One"]
    assert [p.severity for p in result.problems] == ["error"]


def test_empty_and_zero_record_files() -> None:
    for text in ("", "  \n", "\ufeff"):
        result = read(text)
        assert (result.records, result.items, messages(result)) == (
            0,
            [],
            ["<input>: no records: the file is empty"],
        )
    result = read(wrap())
    assert (result.records, result.errors) == (0, [])
    assert messages(result) == ["<input>: no records: the file holds no PubMed articles"]


def test_other_xml_and_garbage_are_errors() -> None:
    result = read('<?xml version="1.0"?>\n<eSearchResult><Count>0</Count></eSearchResult>\n')
    assert messages(result) == [
        "<input>:2: not PubMed XML: the root element is <eSearchResult>, not <PubmedArticleSet>"
    ]
    garbage = bytes(range(256)).decode("latin-1") * 3
    result = read(garbage)
    assert result.items == []
    assert len(result.errors) == 1
    assert read("PMID- 1\nTI  - nbib, not XML\n").errors != []


def test_declared_encoding_of_decoded_text() -> None:
    head = '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    result = read(wrap(article("Über café"), head=head))
    assert result.problems == []
    assert result.items[0].title == "Über café"


def test_html_and_javascript_stored_verbatim() -> None:
    title = "&lt;script&gt;alert(1)&lt;/script&gt; <i>javascript:alert(2)</i>"
    item = read(wrap(article(title))).items[0]
    assert item.title == "<script>alert(1)</script> javascript:alert(2)"


def test_sniff() -> None:
    assert sniff(GOLDEN[:4096])
    assert sniff("<PubmedArticleSet>\n<PubmedArticle>")
    assert sniff('<?xml version="1.0"?>\n<PubmedBookArticleSet>')
    assert not sniff('<?xml version="1.0"?>\n<xml><records><record>')  # EndNote XML
    assert not sniff("PMID- 99000001\n")
    assert not sniff("")


# ---------------------------------------------------------------------------------------------
# Properties


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_text_reads_without_exception(text: str) -> None:
    result = read(text)
    assert len(result.items) <= result.records


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, len(GOLDEN)),
    st.integers(0, 40),
    st.text(st.sampled_from("<>&;/\"'= aZ\x00é]!["), max_size=6),
)
def test_damaged_golden_file_reads_without_exception(at: int, cut: int, insert: str) -> None:
    text = GOLDEN[:at] + insert + GOLDEN[at + cut :]
    result = read(text)
    assert len(result.items) <= result.records
    assert all(p.line is not None for p in result.errors if "broken XML" in p.message)
    # What was read exports to MEDLINE and reads back without problems.
    assert pubmed.read(pubmed.dumps(result.items)).errors == []
