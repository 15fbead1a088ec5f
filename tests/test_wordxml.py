"""Word bibliography XML (`Sources.xml`): Word's and other tools' files, hostile input, the schema,
the type table, the round trip.

tests/data/wordxml/word365.xml is written the way Word 2016/365 writes its source list (one line
after the declaration, `b:` prefix plus default namespace, braced upper-case Guids, LCID 1033,
RefOrder); jabref.xml the way a reference manager's exporter writes one (indented, JabRef's
BIBTEX_* elements, labelled StandardNumber). Every title, name and number in them is synthetic.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from citelib.formats import ReadResult
from citelib.formats.citekeys import unique_ids
from citelib.formats.wordxml import (
    NS,
    ROLE_ORDER,
    TYPES_IN,
    TYPES_OUT,
    dumps,
    plan_extra,
    read,
    sniff,
    source_xml,
    write,
)
from citelib.model import CREATOR_ROLES, ITEM_TYPES, Creator, Item

DATA = Path(__file__).resolve().parent / "data" / "wordxml"
B = f"{{{NS}}}"

# CT_SourceType of ECMA-376 Part 1 §22.6 (shared-bibliography.xsd): one xsd:choice, any order,
# any number; plus b:DOI, which Word 2013 and later write.
SOURCE_ELEMENTS = frozenset(
    (
        "AbbreviatedCaseNumber", "AlbumTitle", "Author", "BookTitle", "Broadcaster",
        "BroadcastTitle", "CaseNumber", "ChapterNumber", "City", "Comments", "ConferenceName",
        "CountryRegion", "Court", "Day", "DayAccessed", "Department", "Distributor", "Edition",
        "Guid", "Institution", "InternetSiteTitle", "Issue", "JournalName", "LCID", "Medium",
        "Month", "MonthAccessed", "NumberVolumes", "Pages", "PatentNumber", "PeriodicalTitle",
        "ProductionCompany", "PublicationTitle", "Publisher", "RecordingNumber", "RefOrder",
        "Reporter", "SourceType", "ShortTitle", "StandardNumber", "StateProvince", "Station",
        "Tag", "Theater", "ThesisType", "Title", "Type", "URL", "Version", "Volume", "Year",
        "YearAccessed", "DOI",
    )
)  # fmt: skip
# CT_AuthorType: the roles inside b:Author; only Author and Performer may hold b:Corporate.
AUTHOR_ROLES = frozenset(
    (
        "Artist", "Author", "BookAuthor", "Compiler", "Composer", "Conductor", "Counsel",
        "Director", "Editor", "Interviewee", "Interviewer", "Inventor", "Performer",
        "ProducerName", "Translator", "Writer",
    )
)  # fmt: skip
CORPORATE_ROLES = frozenset(("Author", "Performer"))
SOURCE_TYPES = frozenset(TYPES_IN)  # ST_SourceType: all 17 values


def load(name: str) -> ReadResult:
    return read((DATA / name).read_text(encoding="utf-8"), name)


def only(xml: str) -> Item:
    """The single item of a Word XML text that must read without errors."""
    result = read(xml)
    assert result.errors == [], result.errors
    assert len(result.items) == 1
    return result.items[0]


def wrap(*sources: str) -> str:
    return f'<?xml version="1.0"?><b:Sources xmlns:b="{NS}">{"".join(sources)}</b:Sources>'


def again(items: list[Item]) -> list[Item]:
    """Written and read back. The b:Tag our writer makes up for an item without a citation key
    is not read back as one (our own b:Guid tells it is ours)."""
    result = read(dumps(items))
    assert result.problems == [] or not items, result.problems
    return result.items


def messages(result: ReadResult) -> list[str]:
    return [str(p) for p in result.problems]


def check_schema(xml: str, also: frozenset[str] = frozenset()) -> etree._Element:
    """What Word expects of a Sources.xml: namespace, element names, roles, SourceType values.

    `also`: names of elements the input held; with it, what an invalid input held (unknown
    elements, a b:Corporate in another role) is allowed, being written back as it came.
    """
    root = etree.fromstring(xml.encode("utf-8"))
    assert root.tag == f"{B}Sources"
    assert root.nsmap == {"b": NS, None: NS}
    for source in root:
        assert source.tag == f"{B}Source"
        names = [etree.QName(child).localname for child in source]
        assert set(names) <= SOURCE_ELEMENTS | also, set(names) - SOURCE_ELEMENTS
        for once in ("Tag", "SourceType", "Guid", "Title", "Comments", "Author"):
            assert names.count(once) <= 1, once
        assert source.findtext(f"{B}SourceType") in SOURCE_TYPES
        for role in source.iterfind(f"{B}Author/*"):
            name = etree.QName(role).localname
            assert name in AUTHOR_ROLES | also
            kinds = [etree.QName(child).localname for child in role]
            assert kinds in (["NameList"], ["Corporate"])
            if kinds == ["Corporate"] and not also:
                assert name in CORPORATE_ROLES
            for person in role.iterfind(f"{B}NameList/*"):
                assert person.tag == f"{B}Person"
                parts = [etree.QName(part).localname for part in person]
                assert parts
                assert set(parts) <= {"Last", "First", "Middle"}
    tags = [s.findtext(f"{B}Tag") for s in root]
    assert len({t.casefold() for t in tags if t}) == len(tags)  # Word needs unique tags
    return root


# ---------------------------------------------------------------------------------------------
# A source list as Word 2016/365 writes it


@pytest.fixture(scope="module")
def word() -> ReadResult:
    return load("word365.xml")


def test_word_file_reads_without_problems(word: ReadResult) -> None:
    data = (DATA / "word365.xml").read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<b:Sources')
    assert sniff(data.decode("utf-8")[:4096])
    assert word.problems == []
    assert word.records == 14
    assert [i.item_type for i in word.items] == [
        "journalArticle",
        "book",
        "bookSection",
        "conferencePaper",
        "thesis",  # Report + ThesisType "PhD thesis"
        "report",
        "webpage",
        "webpage",  # DocumentFromInternetSite
        "magazineArticle",
        "patent",
        "document",  # Film
        "document",
        "document",  # ElectronicSource
        "document",  # Case
    ]


def test_word_journal_article(word: ReadResult) -> None:
    item = word.items[0]
    assert item.fields == {
        "citationKey": "Tes26",
        "title": "Synthetic NK-cell therapy in gastric cancer models",
        "publicationTitle": "Journal of Synthetic Immunology",
        "date": "2026-01-12",  # Year + Month name + Day
        "pages": "12-19",
        "volume": "12",
        "issue": "3",
        "DOI": "10.5555/synth.0001",
        "url": "https://example.org/article/1",
        "ISSN": "1234-5678",  # StandardNumber of ISSN shape
        # Word's own Guid, LCID and RefOrder are kept and written back; the free comment too.
        "extra": "Word Guid: {7C1E2A40-5B3D-4E8F-9A61-0D2C3B4A5F60}\nWord LCID: 1033\n"
        "Word RefOrder: 1\nA comment typed in Word's source editor.",
    }
    assert item.creators == [Creator("Testperson", "Alpha Q."), Creator("Exampleton", "Beta")]
    assert (item.tags, item.notes) == ([], [])


def test_word_book_and_section(word: ReadResult) -> None:
    book, section = word.items[1:3]
    assert book.fields == {
        "citationKey": "Syn15",
        "title": "A synthetic monograph on cytotoxicity",
        "shortTitle": "Synthetic monograph",
        "date": "2015",
        "place": "Example City",
        "publisher": "Example Press",
        "edition": "2",
        "volume": "1",
        "ISBN": "978-0-00-000000-2",
        "extra": "Word Guid: {0B8D6F1E-2C4A-4D3B-8E7F-6A5B4C3D2E1F}\nWord LCID: 1033\n"
        "Word StateProvince: Example State\nWord NumberVolumes: 3\nWord Medium: Print\n"
        "Word RefOrder: 2\n"
        "Word CountryRegion: Exampleland",  # second to City for the place of a book
    }
    assert book.creators == [
        Creator(literal="Synthetic Consortium for Testing"),  # b:Corporate
        Creator("Editorsson", "Delta", role="editor"),
        Creator("Translatova", "Eta", role="translator"),
    ]
    assert section.fields == {
        "citationKey": "Tes18",
        "title": "Synthetic chapter on NK-cell receptors",
        "publicationTitle": "Synthetic Handbook of Immunology",  # BookTitle
        "date": "2018",
        "pages": "101-130",
        "place": "Example City",
        "publisher": "Example Press",
        "extra": "Word Guid: {5E4D3C2B-1A09-4F8E-B7D6-C5B4A3928170}\nWord LCID: 1033",
    }
    assert section.creators == [
        Creator("Testperson", "Gamma"),
        Creator("Bookman", "Iota", role="bookAuthor"),
        Creator("Editorsson", "Epsilon", role="editor"),
        Creator("van der Sample", "Zeta", role="editor"),  # particles stay with the family name
    ]


def test_word_conference_thesis_report(word: ReadResult) -> None:
    conf, thesis, report = word.items[3:6]
    assert conf.fields == {
        "citationKey": "Sam24",
        "title": "Synthetic conference paper on tumour microenvironments",
        "publicationTitle": "Proceedings of the Synthetic Conference 2024",  # ConferenceName
        "date": "2024",
        "pages": "1-8",
        "place": "Example City",
        "publisher": "Example Society",
        "extra": "Word Guid: {9A8B7C6D-5E4F-4A3B-9C2D-1E0F9A8B7C6D}\nWord LCID: 1033",
    }
    assert conf.creators == [Creator("Sampleman", "Xi")]
    assert thesis.fields == {
        "citationKey": "Tes20",
        "title": "A synthetic thesis on NK-cell expansion",
        "date": "2020",
        "genre": "PhD thesis",
        "publisher": "Example University",  # Institution, there being no Publisher
        "place": "Example City",
        "extra": "Word Guid: {1F2E3D4C-5B6A-4978-8695-A4B3C2D1E0F9}\nWord LCID: 1033\n"
        "Word Department: Department of Synthetic Studies",
    }
    assert report.fields == {
        "citationKey": "Exa21",
        "title": "Synthetic surveillance report 2021",
        "date": "2021",
        "genre": "Technical report",
        "publisher": "Example Institute",
        "place": "Example City",
        "extra": "Word Guid: {2A3B4C5D-6E7F-4081-92A3-B4C5D6E7F809}\nWord LCID: 1033\n"
        "Word Institution: Example University",  # beside a Publisher: kept, not merged
    }
    assert report.creators == [Creator(literal="Example Institute of Synthetic Health")]


def test_word_web_periodical_patent(word: ReadResult) -> None:
    site, document, periodical, patent = word.items[6:10]
    assert site.fields == {
        "citationKey": "Exa25",
        "title": "Synthetic web page about NK cells",
        "publicationTitle": "Example Site",
        "date": "2025",
        "accessDate": "2026-01-05",
        "url": "https://example.org/page",
        "extra": "Word Guid: {3B4C5D6E-7F80-4192-A3B4-C5D6E7F8091A}\nWord LCID: 1033",
    }
    assert site.creators == [Creator(literal="Example Organisation")]
    assert document.fields == {
        "citationKey": "Pla24",
        "title": "Synthetic guideline document",
        "publicationTitle": "Example Guidelines",
        "date": "Spring 2024",  # a Month that is no month: the text
        "url": "https://example.org/guideline.pdf",
        # A webpage is written as InternetSite: the finer SourceType is kept to go back out.
        "extra": "Word SourceType: DocumentFromInternetSite\n"
        "Word Guid: {4C5D6E7F-8091-42A3-B4C5-D6E7F8091A2B}\nWord LCID: 1033",
    }
    assert periodical.fields == {
        "citationKey": "Wri23",
        "title": "Synthetic immune cells in the news",
        "publicationTitle": "Synthetic Science Weekly",
        "date": "2023-03-07",  # Month "Mar"
        "pages": "22-24",
        "extra": "Word Guid: {5D6E7F80-91A2-43B4-C5D6-E7F8091A2B3C}\nWord LCID: 1033",
    }
    assert patent.fields == {
        "citationKey": "Inv19",
        "title": "Synthetic method for expanding NK cells",
        "date": "2019-08-20",  # Month "8"
        "place": "Exampleland",  # CountryRegion of a patent
        "number": "EX 0000001",
        "extra": "Word Guid: {6E7F8091-A2B3-44C5-D6E7-F8091A2B3C4D}\nWord LCID: 1033",
    }
    assert patent.creators == [Creator("Inventorsen", "Tau"), Creator("Exampleton", "Upsilon")]


def test_word_types_citelib_has_not(word: ReadResult) -> None:
    film, misc, electronic, case = word.items[10:]
    assert film.fields == {
        "citationKey": "Dir22",
        "title": "Synthetic cells: a documentary",
        "date": "2022",
        # Roles citelib has not (Director, Performer) are kept, not made up into creators.
        "extra": "Word SourceType: Film\nWord Guid: {7F8091A2-B3C4-45D6-E7F8-091A2B3C4D5E}\n"
        "Word Director: Directorsdottir || Phi\nWord Performer: Actorson || Chi\n"
        "Word Performer: Playwell || Psi\nWord LCID: 1033\n"
        "Word ProductionCompany: Example Pictures\nWord Distributor: Example Distribution\n"
        "Word Medium: DVD",
    }
    assert film.creators == []
    assert misc.fields == {
        "citationKey": "Ano",
        "title": "Undated synthetic leaflet",
        "date": "n.d.",
        "PMID": "33000009",  # a labelled Comments line (CR LF inside Comments) is the field
        "extra": "Word Guid: {8091A2B3-C4D5-46E7-F809-1A2B3C4D5E6F}\nWord LCID: 1033\n"
        "Synthetic free comment.",
    }
    assert electronic.fields == {
        "citationKey": "Dat20",
        "title": "Synthetic cytokine measurements",
        "publicationTitle": "Example Data Repository",  # PublicationTitle
        "date": "2020",
        "place": "Example City",
        "extra": "Word SourceType: ElectronicSource\n"
        "Word Guid: {91A2B3C4-D5E6-47F8-8091-A2B3C4D5E6F7}\nWord LCID: 1033\n"
        "Word Medium: Online database",
    }
    assert electronic.creators == [Creator(literal="Synthetic Data Collective")]
    assert case.fields == {
        "citationKey": "Exa99",
        "title": "Example v. Synthetic",
        "date": "1999",
        "extra": "Word SourceType: Case\nWord Guid: {A2B3C4D5-E6F7-4809-91A2-B3C4D5E6F708}\n"
        "Word LCID: 1033\nWord Court: Example Court\n"
        "Word AbbreviatedCaseNumber: No. 99-0001\nWord Reporter: Example Reports",
    }


def test_word_file_goes_back_out_as_word_wrote_it(word: ReadResult) -> None:
    """Exported again, Word's file keeps its types, Guids, roles and unknown elements."""
    xml = dumps(word.items)
    root = check_schema(xml)
    original = etree.parse(str(DATA / "word365.xml")).getroot()
    for before, after in zip(original, root, strict=True):
        for name in ("Tag", "SourceType", "Guid", "LCID", "RefOrder", "Medium", "Court"):
            assert after.findtext(f"{B}{name}") == before.findtext(f"{B}{name}"), name
        for role in ("Author", "Editor", "Translator", "BookAuthor", "Inventor", "Director"):
            path = f"{B}Author/{B}{role}//{B}Last"
            assert [e.text for e in after.iterfind(path)] == [e.text for e in before.iterfind(path)]
    film = root[10]
    assert [etree.QName(e).localname for e in film.iterfind(f"{B}Author/*")] == [
        "Director",
        "Performer",
    ]
    assert again(word.items) == word.items


# ---------------------------------------------------------------------------------------------
# Other tools' exports and namespace spellings


def test_reference_manager_export() -> None:
    result = load("jabref.xml")
    assert result.problems == []
    article, book, thesis, misc = result.items
    assert article.item_type == "journalArticle"
    assert article.fields == {
        "title": "Synthetic title about NK cells in a model system",
        "date": "2021-03-05",  # numeric Month, after the Author block: any order
        "citationKey": "Testperson2021",
        "publicationTitle": "Journal of synthetic immunology",
        "volume": "8",
        "issue": "2",
        "pages": "101-109",
        "ISSN": "2345-6789",  # ` ISSN: 2345-6789`
        "DOI": "10.5555/synth.2021.0002",  # the doi.org prefix removed
        "url": "https://example.org/article/2",
        "abstract": "A synthetic abstract about natural killer cells, written for tests.",
        "extra": "Word BIBTEX_Entry: article",
    }
    assert article.creators == [Creator("Testperson", "Alpha B."), Creator("Müller-Sample", "Zoë")]
    assert article.tags == ["NK cells", "synthetic data", "model systems"]
    assert book.fields == {
        "title": "A synthetic book from a reference manager",
        "date": "2015",
        "citationKey": "Synthetic2015",
        "publisher": "Example Press",
        "place": "Example City",
        "edition": "3",
        "ISBN": "978-0-00-000001-9",
        "ISSN": "1234-5679",
        "series": "Synthetic Series in Biology",
        "extra": "Word BIBTEX_Entry: book",
    }
    assert book.creators == [
        Creator(literal="Synthetic Study Group"),
        Creator("Editorsson", "Kappa", role="editor"),
    ]
    assert thesis.item_type == "thesis"  # `Ph.D. dissertation`
    assert thesis.fields["publisher"] == "Example University"
    assert thesis.creators == [Creator("de la Example", "Lambda")]
    # Markup and script URLs are text: kept verbatim, never interpreted.
    assert misc.fields == {
        "title": "<b>Synthetic</b> & <script>alert(1)</script> title",
        "citationKey": "Anon2020",
        "date": "2020",
        "url": "javascript:alert(1)",
        "extra": "Word BIBTEX_Entry: misc\nSynthetic note & <i>markup</i> from the exporting tool",
    }
    written = dumps([misc])
    assert "<b:Title>&lt;b&gt;Synthetic&lt;/b&gt; &amp; &lt;script&gt;" in written
    assert "<b:URL>javascript:alert(1)</b:URL>" in written


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(
            lambda x: x.replace("b:", "bib:").replace("xmlns:b=", "xmlns:bib="), id="other"
        ),
        pytest.param(lambda x: x.replace("b:", "").replace(f' xmlns="{NS}"', ""), id="default"),
    ],
)
def test_other_prefix_and_default_namespace(word: ReadResult, spelling: object) -> None:
    text = (DATA / "word365.xml").read_text(encoding="utf-8")
    changed = spelling(text)  # type: ignore[operator]
    assert changed != text
    result = read(changed)
    assert result.problems == []
    assert result.items == word.items


def test_no_namespace_at_all() -> None:
    item = only("<Sources><Source><Tag>k</Tag><SourceType>Book</SourceType>"
                "<Title>Synthetic</Title></Source></Sources>")  # fmt: skip
    assert (item.item_type, item.fields) == ("book", {"citationKey": "k", "title": "Synthetic"})


def test_other_namespace_is_not_a_word_file() -> None:
    result = read('<b:Sources xmlns:b="urn:example"><b:Source/></b:Sources>')
    assert result.items == []
    assert messages(result) == [
        f"<input>:1: not a Word bibliography: the root element is {{urn:example}}Sources, "
        f"not b:Sources in {NS}"
    ]
    assert not sniff('<b:Sources xmlns:b="urn:example">')
    assert not sniff("TY  - JOUR\n")


def test_foreign_elements_are_warnings() -> None:
    result = read(
        f'<b:Sources xmlns:b="{NS}" xmlns:x="urn:x"><x:Meta>m</x:Meta>\n'
        "<b:Source><b:Title>T</b:Title><x:Private>p</x:Private><b:SourceType>Book</b:SourceType>"
        "</b:Source>\n<b:Other>o</b:Other></b:Sources>"
    )
    assert [i.fields for i in result.items] == [{"title": "T"}]
    assert messages(result) == [
        "<input>:1: element Meta outside any b:Source ignored",
        "<input>:2: record 1: element {urn:x}Private of another namespace ignored",
        "<input>:3: element Other outside any b:Source ignored",
    ]


# ---------------------------------------------------------------------------------------------
# Hostile input


def test_external_entity_is_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SYNTHETIC-SECRET-CONTENT", encoding="utf-8")
    xml = (
        f'<?xml version="1.0"?>\n<!DOCTYPE b:Sources [\n'
        f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">\n<!ENTITY inner "INNER-TEXT">\n]>\n'
        f'<b:Sources xmlns:b="{NS}"><b:Source><b:SourceType>Book</b:SourceType>\n'
        "<b:Title>before &xxe; after &inner;</b:Title></b:Source></b:Sources>"
    )
    result = read(xml)
    assert [i.title for i in result.items] == ["before  after"]
    assert "SYNTHETIC-SECRET-CONTENT" not in repr(result)
    assert "INNER-TEXT" not in repr(result)
    assert result.errors == []
    assert messages(result) == [
        "<input>:7: record 1: entity reference &xxe; left out (never expanded)",
        "<input>:7: record 1: entity reference &inner; left out (never expanded)",
    ]


def test_billion_laughs_is_never_expanded() -> None:
    lol = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    )
    xml = f'<!DOCTYPE b:Sources [{lol}]><b:Sources xmlns:b="{NS}"><b:Source><b:Title>&lol9;'
    xml += "</b:Title></b:Source></b:Sources>"
    result = read(xml)  # expanded it would be 3 GB of `lol` (pytest-timeout would stop it)
    assert result.items == []
    assert len(result.errors) == 1
    assert "not well-formed XML" in result.errors[0].message


def test_binary_garbage_empty_and_zero_sources() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 3
    for text in (garbage, "<" + garbage, "\x00", "\ud800<a/>"):
        result = read(text)
        assert result.items == []
        assert len(result.errors) == 1
    for text in ("", "  \r\n", "\ufeff"):
        result = read(text)
        assert (result.items, result.errors, result.records) == ([], [], 0)
        assert messages(result) == ["<input>: no sources: the file is empty"]
    result = read(wrap())
    assert (result.items, result.errors, result.records) == ([], [], 0)
    assert messages(result) == ["<input>: no sources: the file holds no b:Source"]


def test_malformed_xml_is_an_error_with_its_line() -> None:
    xml = wrap(
        "<b:Source><b:SourceType>Book</b:SourceType><b:Title>Kept</b:Title></b:Source>\n",
        "\n<b:Source><b:Title>Broken</b:Titel></b:Source>\n",
        "<b:Source><b:Title>After</b:Title></b:Source>",
    )
    result = read(xml)
    assert [i.title for i in result.items] == ["Kept"]  # complete before the error
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.line == 3
    assert error.message.startswith("not well-formed XML: ")
    assert error.message.endswith("; sources after this point are not read")
    assert read("<b:Sources>").errors[0].message.startswith("not well-formed XML")


def test_other_declared_encoding_of_decoded_text() -> None:
    # read() gets text already decoded: a declaration naming another encoding must not matter.
    xml = (
        '<?xml version="1.0" encoding="windows-1252"?>'
        + wrap("<b:Source><b:Title>Übër</b:Title></b:Source>")[21:]
    )
    assert only(xml).title == "Übër"
    assert only("\ufeff" + wrap("<b:Source><b:Title>T</b:Title></b:Source>")).title == "T"


def test_control_characters_removed_on_writing() -> None:
    item = Item("book", {"title": "A\x00B\x0bC\x1f\ufffeD\ud800E\tF\r\nG & <H>"})
    xml = dumps([item])
    assert "<b:Title>ABCDE\tF&#13;\nG &amp; &lt;H&gt;</b:Title>" in xml
    assert again([item])[0].title == "ABCDE\tF\r\nG & <H>"


# ---------------------------------------------------------------------------------------------
# Types


@pytest.mark.parametrize(("source_type", "kind"), sorted(TYPES_IN.items()))
def test_every_source_type_reads(source_type: str, kind: str) -> None:
    item = only(wrap(f"<b:Source><b:SourceType>{source_type}</b:SourceType></b:Source>"))
    assert item.item_type == kind
    if TYPES_OUT[kind] != source_type:  # kept, to go back out as it came
        assert item.fields == {"extra": f"Word SourceType: {source_type}"}
        assert f"<b:SourceType>{source_type}</b:SourceType>" in dumps([item])


@pytest.mark.parametrize("kind", ITEM_TYPES)
def test_every_type_writes_and_reads_back(kind: str) -> None:
    item = Item(kind, {"title": "T"})
    xml = dumps([item])
    assert f"<b:SourceType>{TYPES_OUT[kind]}</b:SourceType>" in xml
    check_schema(xml)
    assert again([item])[0].item_type == kind


def test_item_type_line_only_where_needed() -> None:
    def comments(item: Item) -> str | None:
        root = etree.fromstring(dumps([item]).encode())
        return root[0].findtext(f"{B}Comments")

    assert comments(Item("journalArticle", {"title": "T"})) is None
    assert comments(Item("preprint", {"title": "T"})) == "Item Type: Preprint"
    assert comments(Item("thesis", {"genre": "PhD thesis"})) is None  # the genre says it
    assert comments(Item("thesis", {"genre": "Habilitation"})) == "Item Type: Thesis"
    assert comments(Item("report", {"genre": "Master's thesis"})) == "Item Type: Report"
    assert comments(Item("newspaperArticle", {})) == "Item Type: Newspaper Article"
    assert comments(Item("dataset", {})) == "Item Type: Dataset"


def test_item_type_line_that_does_not_fit_is_kept() -> None:
    comments = "<b:Comments>Item Type: Thesis\nItem Type: Report</b:Comments>"
    result = read(wrap(f"<b:Source><b:SourceType>Book</b:SourceType>{comments}</b:Source>"))
    item = result.items[0]
    assert item.item_type == "book"
    assert item.fields == {"extra": "Item Type: Thesis\nItem Type: Report"}
    assert messages(result) == [
        "<input>:1: record 1: 'Item Type: Thesis' does not fit SourceType 'Book'; kept in extra"
    ]
    assert again([item]) == [item]


def test_missing_and_unknown_source_type() -> None:
    result = read(wrap("<b:Source><b:Title>A</b:Title></b:Source>",
                       "<b:Source><b:SourceType>Hologram</b:SourceType></b:Source>"))  # fmt: skip
    assert [i.item_type for i in result.items] == ["document", "document"]
    assert result.items[1].fields == {"extra": "Word SourceType: Hologram"}
    assert result.errors == []
    assert messages(result) == [
        "<input>:1: record 1: no b:SourceType; read as a document",
        "<input>:1: record 2: unknown SourceType 'Hologram'; read as a document",
    ]
    xml = dumps(result.items[1:])
    check_schema(xml)  # never an invalid SourceType: Misc, the unknown one kept in Comments
    assert "<b:SourceType>Misc</b:SourceType>" in xml
    assert again(result.items) == result.items


# ---------------------------------------------------------------------------------------------
# Writing


def test_writer_output_is_exact() -> None:
    item = Item(
        "journalArticle",
        {
            "title": "Synthetic NK-cell therapy in gastric cancer models",
            "shortTitle": "Synthetic NK-cell therapy",
            "publicationTitle": "Journal of Synthetic Immunology",
            "journalAbbreviation": "J Synth Immunol",
            "abstract": "Line one.\nLine two.",
            "volume": "12",
            "issue": "3",
            "pages": "12-19",
            "date": "2026-01-12",
            "accessDate": "2026-02-01 10:20",
            "DOI": "10.5555/synth.0001",
            "ISSN": "1234-5678",
            "PMID": "33000001",
            "url": "https://example.org/a?x=1&y=2",
            "language": "en",
            "citationKey": "testperson2026",
            "extra": "Word LCID: 1033\nfree text line\nWord Title: a second title",
        },
        [
            Creator("Testperson", "Alpha Beta"),
            Creator(literal="Synthetic Group"),
            Creator("Sampleman", ""),
            Creator("Editorsson", "Delta", role="editor"),
            Creator("Seriesman", "Zeta", role="seriesEditor"),
        ],
        ["NK cells", "synthetic data"],
        ["<p>A <b>bold</b> note &amp; more</p>"],
    )
    out = io.StringIO()
    write([item, Item("book", {"title": "Second"}, [Creator(literal="Example Press")])], out)
    guid1 = "{DFA10E58-6CE3-55CD-BBCE-BD873852C0F0}"
    assert out.getvalue() == (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<b:Sources SelectedStyle="\\APASixthEditionOfficeOnline.xsl" StyleName="APA" '
        f'Version="6" xmlns:b="{NS}" xmlns="{NS}">\r\n'
        "<b:Source><b:Tag>testperson2026</b:Tag><b:SourceType>JournalArticle</b:SourceType>"
        f"<b:Guid>{guid1}</b:Guid>"
        "<b:Author><b:Author><b:NameList>"
        "<b:Person><b:Last>Testperson</b:Last><b:First>Alpha</b:First><b:Middle>Beta</b:Middle>"
        "</b:Person><b:Person><b:Last>Synthetic Group</b:Last></b:Person>"
        "<b:Person><b:Last>Sampleman</b:Last></b:Person></b:NameList></b:Author>"
        "<b:Editor><b:NameList><b:Person><b:Last>Editorsson</b:Last><b:First>Delta</b:First>"
        "</b:Person></b:NameList></b:Editor></b:Author>"
        "<b:Title>Synthetic NK-cell therapy in gastric cancer models</b:Title>"
        "<b:ShortTitle>Synthetic NK-cell therapy</b:ShortTitle>"
        "<b:JournalName>Journal of Synthetic Immunology</b:JournalName>"
        "<b:Year>2026</b:Year><b:Month>January</b:Month><b:Day>12</b:Day>"
        "<b:YearAccessed>2026</b:YearAccessed><b:MonthAccessed>February</b:MonthAccessed>"
        "<b:DayAccessed>1</b:DayAccessed>"
        "<b:Volume>12</b:Volume><b:Issue>3</b:Issue><b:Pages>12-19</b:Pages>"
        "<b:DOI>10.5555/synth.0001</b:DOI><b:URL>https://example.org/a?x=1&amp;y=2</b:URL>"
        "<b:StandardNumber>1234-5678</b:StandardNumber><b:LCID>1033</b:LCID>"
        "<b:Comments>Accessed: 2026-02-01 10:20\n"
        "Journal Abbr: J Synth Immunol\n"
        "Language: en\n"
        "PMID: 33000001\n"
        "Corporate Author: Synthetic Group\n"
        "Series Editor: Seriesman || Zeta\n"
        "Keyword: NK cells\n"
        "Keyword: synthetic data\n"
        "Abstract: Line one.\n\tLine two.\n"
        "Note: A bold note &amp; more\n"
        "\n"
        "free text line\n"
        "Word Title: a second title</b:Comments></b:Source>\r\n"
        "<b:Source><b:Tag>ExamplePressnd</b:Tag><b:SourceType>Book</b:SourceType>"
        "<b:Guid>{FD485BAB-ACDC-5E95-B95D-513C3BF22F56}</b:Guid>"
        "<b:Author><b:Author><b:Corporate>Example Press</b:Corporate></b:Author></b:Author>"
        "<b:Title>Second</b:Title></b:Source>\r\n"
        "</b:Sources>\r\n"
    )
    check_schema(out.getvalue())
    back = again([item])[0]
    assert back.creators == [*item.creators[:4], item.creators[4]]
    assert back.fields == {
        **item.fields,
        "extra": "Word LCID: 1033\nfree text line\nWord Title: a second title",
    }
    assert (back.tags, back.notes) == (item.tags, ["<p>A bold note &amp; more</p>"])


def test_tags_are_unique_and_guids_stable() -> None:
    items = [
        Item("book", {"title": "A", "citationKey": "Key"}),
        Item("book", {"title": "B", "citationKey": "key"}),
        Item("book", {"title": "C"}, [Creator("Müller", "Z")]),
        Item("book", {"title": "D"}, [Creator("Müller", "Z")]),
    ]
    root = check_schema(dumps(items))
    assert [s.findtext(f"{B}Tag") for s in root] == ["Key", "keya", "Mullernd", "Mullernda"]
    assert dumps(items) == dumps(items)
    guids = [s.findtext(f"{B}Guid") for s in root]
    assert len(set(guids)) == 4
    assert all(g and g.startswith("{") and g.endswith("}") and g == g.upper() for g in guids)
    # Our own Guids are not kept as `Word Guid:` lines; Word's are, and go back out.
    assert all("extra" not in i.fields for i in read(dumps(items)).items)


def test_institutions_and_roles() -> None:
    item = Item(
        "patent",
        {"title": "T", "place": "Exampleland", "number": "EX 1"},
        [
            Creator(literal="Synthetic Lab"),
            Creator("Inventorsen", "Tau"),
            Creator(literal="Example Editors", role="editor"),
            Creator("Bookman", "Iota", role="bookAuthor"),
            Creator("Translatova", "", role="translator"),
            Creator(literal="Example Helpers", role="contributor"),
        ],
    )
    root = check_schema(dumps([item]))
    source = root[0]
    roles = [etree.QName(e).localname for e in source.iterfind(f"{B}Author/*")]
    assert roles == ["Inventor", "BookAuthor", "Editor", "Translator"]
    assert source.findtext(f"{B}CountryRegion") == "Exampleland"
    assert source.findtext(f"{B}PatentNumber") == "EX 1"
    assert source.findtext(f"{B}Comments") == (
        "Corporate Author: Synthetic Lab\nCorporate Editor: Example Editors\n"
        "Contributor: Example Helpers"
    )
    back = again([item])[0]
    assert back.fields == item.fields
    assert back.creators == sorted(item.creators, key=lambda c: ROLE_ORDER[c.role])


def test_dates_written_and_read() -> None:
    def dates(value: str) -> dict[str, str]:
        root = etree.fromstring(dumps([Item("book", {"date": value})]).encode())
        names = ("Year", "Month", "Day", "Comments")
        return {n: t for n in names if (t := root[0].findtext(f"{B}{n}")) is not None}

    assert dates("2026") == {"Year": "2026"}
    assert dates("2026-03") == {"Year": "2026", "Month": "March"}
    assert dates("2026-03-07") == {"Year": "2026", "Month": "March", "Day": "7"}
    assert dates("n.d.") == {"Year": "n.d."}
    assert dates("Spring 2019") == {"Year": "2019", "Comments": "Date: Spring 2019"}
    assert dates("7 March 2001 (reprint)") == {
        "Year": "2001",
        "Month": "March",
        "Day": "7",
        "Comments": "Date: 7 March 2001 (reprint)",
    }
    assert dates("2026-13-01") == {"Year": "2026", "Comments": "Date: 2026-13-01"}
    for value in ("2026", "2026-03-07", "n.d.", "Spring 2019", "2026-13-01", "0042"):
        assert again([Item("book", {"date": value})])[0].fields["date"] == value

    def date_of(parts: str) -> str | None:
        xml = wrap(f"<b:Source><b:SourceType>Book</b:SourceType>{parts}</b:Source>")
        return only(xml).fields.get("date")

    assert date_of("<b:Year>2015</b:Year><b:Month>sept.</b:Month><b:Day>09</b:Day>") == "2015-09-09"
    assert date_of("<b:Year>2015</b:Year><b:Month>März</b:Month>") == "März 2015"
    assert date_of("<b:Year>2015</b:Year><b:Day>9</b:Day>") == "9 2015"  # no month: the text
    assert date_of("<b:Month>May</b:Month>") == "May"
    # A Date line whose year disagrees with b:Year (edited in Word since) is not used.
    result = read(wrap("<b:Source><b:SourceType>Book</b:SourceType><b:Year>2016</b:Year>"
                       "<b:Comments>Date: Spring 2015</b:Comments></b:Source>"))  # fmt: skip
    assert result.items[0].fields == {"date": "2016", "extra": "Date: Spring 2015"}
    assert again(result.items) == result.items


def test_standard_numbers() -> None:
    def serial(kind: str, **fields: str) -> tuple[str | None, str | None]:
        root = etree.fromstring(dumps([Item(kind, dict(fields))]).encode())
        return root[0].findtext(f"{B}StandardNumber"), root[0].findtext(f"{B}Comments")

    assert serial("book", ISBN="978-0-00-000000-2", ISSN="1234-5678") == (
        "978-0-00-000000-2",
        "ISSN: 1234-5678",
    )
    assert serial("journalArticle", ISBN="978-0-00-000000-2", ISSN="1234-5678") == (
        "1234-5678",
        "ISBN: 978-0-00-000000-2",
    )
    # A value of no shape goes where its type's shapeless number goes, else into Comments.
    assert serial("book", ISBN="odd") == ("odd", None)
    assert serial("journalArticle", ISBN="odd") == (None, "ISBN: odd")
    for kind in ("book", "journalArticle"):
        for fields in ({"ISBN": "odd"}, {"ISSN": "odd", "ISBN": "0-00-000000-0"}):
            item = Item(kind, dict(fields))
            assert again([item])[0].fields == fields


def test_comments_lines_read_back() -> None:
    item = only(
        wrap(
            "<b:Source><b:SourceType>Book</b:SourceType><b:Comments>"
            "Keyword: a\nKeyword: a\nNote: x &lt;b&gt;\nSeries Editor: Seriesman || Zeta\n"
            "Contributor: Example Helpers\nAbstract:  first  \n\t  second\n\n\tnot continued\n"
            "PMID: 1\nPMID: 2\nLanguage:\nUnknown Label: x\nCorporate Author: Nobody"
            "</b:Comments></b:Source>"
        )
    )
    assert item.tags == ["a"]
    assert item.notes == ["<p>x &lt;b&gt;</p>"]
    assert item.creators == [
        Creator("Seriesman", "Zeta", role="seriesEditor"),
        Creator(literal="Example Helpers", role="contributor"),
    ]
    assert item.fields == {
        "abstract": "first  \n  second",
        "PMID": "1",
        "extra": "not continued\nLanguage:\nUnknown Label: x\nPMID: 2\nCorporate Author: Nobody",
    }
    assert again([item]) == [item]


def test_extra_lines_plan() -> None:
    plan = plan_extra(
        [
            "free",
            "Word LCID: 1033",
            "Word Guid: {X}",
            "Word Director: Doe || Jane",
            "Word Title: second",
            "Word Performer: Example Troupe",
            "Word SourceType: Film",
            "Word Performer: Roe || Rita",
            "Word Bad Name: x",
        ],
        "document",
    )
    assert (plan.source_type, plan.guid) == ("Film", "{X}")
    assert plan.roles == [
        ("Director", "Doe || Jane"),
        ("Performer", "Roe || Rita"),
        ("Performer", "Example Troupe"),
    ]
    assert plan.elements == [("LCID", "1033")]
    assert plan.comments == ["free", "Word Title: second", "Word Bad Name: x"]
    assert plan.ordered[:3] == [
        "Word SourceType: Film",
        "Word Guid: {X}",
        "Word Director: Doe || Jane",
    ]
    # Not for a book: a Film is read as a document.
    assert plan_extra(["Word SourceType: Film"], "book").comments == ["Word SourceType: Film"]


def test_source_xml_is_one_line() -> None:
    xml = source_xml(Item("book", {"title": "a\nb", "abstract": "c\r\nd"}), "k")
    assert "\r\n" not in xml.replace("&#13;", "")


# ---------------------------------------------------------------------------------------------
# Properties

_WORDS = st.text(
    st.characters(
        exclude_categories=["Cs", "Cc", "Zs", "Zl", "Zp"], exclude_characters="|\ufffe\uffff"
    ),
    min_size=1,
    max_size=6,
)
_NAME = st.lists(_WORDS, min_size=1, max_size=3).map(" ".join)
_CHARS = st.characters(exclude_categories=["Cs", "Cc"], include_characters="\n\t")
_TRICKY = st.sampled_from(
    ["<b>", "&amp;", "]]>", "PMID: ", "Word ", ": ", "||", "\n\t", "\n\n", "é", "\U0001f600", "'\""]
)
_TEXT = (
    st.lists(
        st.one_of(st.text(_CHARS.filter(lambda c: c not in "\ufffe\uffff"), max_size=6), _TRICKY),
        min_size=1,
        max_size=5,
    )
    .map(lambda parts: "".join(parts).strip())
    .filter(bool)
)
_LINE = _TEXT.map(lambda t: " ".join(t.split())).filter(bool)
_PLAIN = [
    "title", "shortTitle", "abstract", "publicationTitle", "journalAbbreviation", "series",
    "volume", "issue", "pages", "edition", "numberOfPages", "publisher", "place", "url",
    "language", "genre", "event", "number", "PMID", "PMCID", "arXiv", "callNumber", "archive",
    "rights",
]  # fmt: skip
_DATES = st.sampled_from(
    ["2026", "2026-03", "2026-03-07", "0042-12-31", "Spring 2019", "7 March 2001 (reprint)",
     "n.d.", "2026-13-01", "ca. 1850"]
)  # fmt: skip
_EXTRA_SAMPLES = st.sampled_from(
    ["Word LCID: 1033", "Word StateProvince: Example State", "Word Director: Doe || Jane",
     "Word Performer: Example Troupe", "Word SourceType: Film", "Word SourceType: ElectronicSource",
     "Word Guid: {00000000-0000-4000-8000-000000000001}", "Word Title: a second title",
     "Word Medium: Print", "Word Bad Name: x"]
)  # fmt: skip


@st.composite
def _items(draw: st.DrawFn) -> Item:
    """Items on every field Word XML carries, in elements or as Comments lines.

    Excluded, because Word XML cannot carry them: characters XML 1.0 forbids (removed on
    writing), CR (a line break in Comments), surrounding space of any value; in names, space
    other than single spaces between words (First/Middle split) and `||` (our name separator);
    DOIs not starting `10.` (prefixes are removed on reading); notes other than one escaped
    paragraph (notes are plain `Note:` lines); `extra` lines that look like Comments labels
    (`PMID: 1`) or start with `Word ` other than the samples (they are read as what they look
    like); an institution and a person with only a family name that are the same text in one
    role (the `Corporate Author:` line marks the first of them). Creators come back grouped by
    role and `extra` lines in plan order: the expectation says so.
    """
    fields = draw(st.dictionaries(st.sampled_from(_PLAIN), _TEXT, max_size=10))
    if draw(st.booleans()):
        fields["date"] = draw(_DATES)
    if draw(st.booleans()):
        fields["accessDate"] = draw(_DATES | st.just("2026-02-01 10:20:30"))
    if draw(st.booleans()):
        fields["DOI"] = "10.5555/" + draw(_LINE)
    if draw(st.booleans()):
        fields["ISBN"] = draw(st.sampled_from(["978-0-00-000000-2", "000000000X"]) | _LINE)
    if draw(st.booleans()):
        fields["ISSN"] = draw(st.sampled_from(["1234-5678", "2345-678X"]) | _LINE)
    if draw(st.booleans()):
        fields["citationKey"] = draw(_TEXT)
    extra = draw(
        st.lists(
            _LINE.filter(lambda t: not t.startswith("Word ") and ": " not in t) | _EXTRA_SAMPLES,
            max_size=4,
        )
    )
    if extra:
        fields["extra"] = "\n".join(extra)
    creators: list[Creator] = []
    for role in draw(st.lists(st.sampled_from(CREATOR_ROLES), max_size=6)):
        if draw(st.booleans()):
            creators.append(Creator(literal=draw(_NAME), role=role))
        else:
            creators.append(Creator(draw(_NAME), draw(st.just("") | _NAME), role=role))
    literal = {(c.role, c.literal) for c in creators if c.literal}
    creators = [c for c in creators if c.literal or c.given or (c.role, c.family) not in literal]
    tags = draw(st.lists(_LINE, unique=True, max_size=4))
    notes = [f"<p>{html.escape(t, quote=False)}</p>" for t in draw(st.lists(_LINE, max_size=2))]
    return Item(draw(st.sampled_from(ITEM_TYPES)), fields, creators, tags, notes)


def _unique_keys(items: list[Item]) -> list[Item]:
    seen: set[str] = set()
    for item in items:
        key = item.fields.get("citationKey")
        if key is not None:
            if key.casefold() in seen:
                del item.fields["citationKey"]
            seen.add(key.casefold())
    return items


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_items(), max_size=4).map(_unique_keys))
def test_write_then_read_gives_the_same_items(items: list[Item]) -> None:
    xml = dumps(items)
    check_schema(xml)  # valid for Word whatever the content
    result = read(xml)
    assert result.errors == []
    assert len(result.items) == len(items)
    for before, after in zip(items, result.items, strict=True):
        expected = dict(before.fields)  # a b:Tag made up for a keyless item is not read back
        lines = [x for x in before.fields.get("extra", "").split("\n") if x]
        keyless = "citationKey" not in before.fields
        ordered = plan_extra(lines, before.item_type, keyless).ordered
        if ordered:
            expected["extra"] = "\n".join(ordered)
        assert after.item_type == before.item_type
        assert after.fields == expected
        assert after.creators == sorted(before.creators, key=lambda c: ROLE_ORDER[c.role])
        assert after.tags == before.tags
        assert after.notes == before.notes


_ELEMENT_NAMES = sorted(SOURCE_ELEMENTS - {"Author"} | {"BIBTEX_Abstract", "BIBTEX_KeyWords", "X"})
_FUZZ_VALUES = st.sampled_from(
    ["", " ", "Book", "Report", "JournalArticle", "Film", "Hologram", "2015", "March", "13",
     "sept.", "7", "n.d.", "PhD thesis", "1234-5678", "978-0-00-000000-2", " ISBN: 1 ISSN: 2",
     "ISBN: x", "https://doi.org/10.1/x", "&amp;&lt;", "a, b; c", "{G}",
     "Item Type: Thesis", "Item Type: Preprint\nDate: Spring 2015", "Date: x 2015\nDate: 2015",
     "PMID: 1\n\tmore\nPMID: 2", "Corporate Author: A\nCorporate Editor: A",
     "Series Editor: A || B\nContributor: C", "Keyword: k\nNote: n", "Word LCID: 5",
     "Word SourceType: Film\nWord Guid: {G}", "Accessed: 2020-01-01 10:00", "free\n\tline"]
) | st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=6)  # fmt: skip


@st.composite
def _fuzz_xml(draw: st.DrawFn) -> str:
    def esc(text: str) -> str:
        return html.escape(text, quote=False) if not text.startswith("&") else text

    sources = []
    for _ in range(draw(st.integers(0, 3))):
        parts = []
        for _ in range(draw(st.integers(0, 8))):
            if draw(st.integers(0, 5)) == 0:
                roles = []
                for role in draw(
                    st.lists(st.sampled_from(sorted(AUTHOR_ROLES | {"Odd"})), max_size=3)
                ):
                    if draw(st.booleans()):
                        roles.append(
                            f"<b:{role}><b:Corporate>{esc(draw(_FUZZ_VALUES))}</b:Corporate></b:{role}>"
                        )
                    else:
                        people = "".join(
                            f"<b:Person><b:Last>{esc(a)}</b:Last><b:First>{esc(b)}</b:First></b:Person>"
                            for a, b in draw(
                                st.lists(st.tuples(_FUZZ_VALUES, _FUZZ_VALUES), max_size=2)
                            )
                        )
                        roles.append(f"<b:{role}><b:NameList>{people}</b:NameList></b:{role}>")
                parts.append(f"<b:Author>{''.join(roles)}</b:Author>")
            else:
                name = draw(st.sampled_from(_ELEMENT_NAMES))
                parts.append(f"<b:{name}>{esc(draw(_FUZZ_VALUES))}</b:{name}>")
        sources.append(f"<b:Source>{''.join(parts)}</b:Source>")
    return wrap(*sources)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40) | _fuzz_xml() | _fuzz_xml().map(lambda x: x[: len(x) // 2]))
def test_any_text_reads_without_exception(text: str) -> None:
    result = read(text)
    assert len(result.items) <= result.records
    # What was read writes and reads back the same: import -> export -> import loses nothing.
    xml = dumps(result.items)
    check_schema(xml, frozenset(("X", "Odd", "BIBTEX_Abstract", "BIBTEX_KeyWords")))
    back = read(xml)
    assert back.errors == []
    # Word needs unique tags: a key used twice comes back with a suffix (`Book`, `Booka`).
    expected = [
        Item(i.item_type, {**i.fields, "citationKey": key}, i.creators, i.tags, i.notes)
        if "citationKey" in i.fields
        else i
        for i, key in zip(result.items, unique_ids(result.items), strict=True)
    ]
    assert back.items == expected
