"""BibTeX and BibLaTeX reading and writing: real exports, the traps, hostile input, round trips.

The files under tests/data/bibtex/ are written the way Zotero (plain and Better BibTeX), JabRef,
Mendeley, Google Scholar and PubMed-to-BibTeX tools write `.bib` files; every title, name and
number in them is synthetic.
"""

from __future__ import annotations

import html
import io
import logging
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from citelib.formats import ReadResult, bibtex
from citelib.formats.bibtex import (
    MASTERS_THESIS,
    PHD_THESIS,
    ROLE_ORDER,
    TYPES_IN,
    TYPES_OUT_BIBLATEX,
    TYPES_OUT_BIBTEX,
    citation_keys,
    decode_latex,
    dumps,
    entry_text,
    escape_latex,
    name_text,
    read,
    sniff,
    write,
    write_biblatex,
)
from citelib.model import CREATOR_ROLES, ITEM_TYPES, Creator, Item

DATA = Path(__file__).resolve().parent / "data" / "bibtex"


def load(name: str) -> ReadResult:
    return read((DATA / name).read_text(encoding="utf-8"), name)


def only(text: str) -> Item:
    """The single item of a BibTeX text that must read without errors."""
    result = read(text)
    assert result.errors == [], result.errors
    assert len(result.items) == 1
    return result.items[0]


def messages(result: ReadResult) -> list[str]:
    return [str(p) for p in result.problems]


def again(items: list[Item], *, biblatex: bool = False) -> list[Item]:
    result = read(dumps(items, biblatex=biblatex))
    assert result.problems == [] or not items, result.problems
    return result.items


def people(item: Item) -> list[tuple[str, str, str, str]]:
    return [(c.family, c.given, c.literal, c.role) for c in item.creators]


# ---------------------------------------------------------------------------------------------
# Real-world exports


def test_zotero_export() -> None:
    result = load("zotero.bib")
    assert result.problems == []
    assert result.records == 6
    article, chapter, thesis, report, page, preprint = result.items
    assert article.item_type == "journalArticle"
    assert article.fields == {
        "title": "Synthetic CAR-NK cells in gastric cancer models",  # braces gone for display
        "shortTitle": "Synthetic CAR-NK cells",
        "publicationTitle": "Journal of Synthetic Immunology",
        "volume": "12",
        "issue": "3",  # an article's `number`
        "pages": "12-19",
        "ISSN": "1234-5678",
        "url": "https://example.org/article/1",
        "DOI": "10.5555/synth.0001",
        "abstract": "A synthetic abstract about natural killer cells, written for tests. "
        "It costs 5% of nothing & says <b>not HTML</b>.",
        "language": "en",
        "accessDate": "2026-02-01",
        "date": "2026-01",  # `month = jan` macro
        # Zotero's braces protect exactly what citelib's writer protects: no `BibTeX title:`.
        "extra": "BibTeX file: Full Text PDF:files/12/synthetic.pdf:application/pdf",
        "citationKey": "testperson_synthetic_2026",
    }
    assert people(article) == [
        ("Testperson", "Alpha", "", "author"),
        ("Exampleton", "Beta", "", "author"),
        ("", "", "Synthetic Consortium for Testing", "author"),
    ]
    assert article.tags == ["NK cells", "synthetic data"]
    assert article.notes == ["<p>PMID: 33000001</p>"]
    assert chapter.item_type == "bookSection"
    assert chapter.fields == {
        "title": "Synthetic chapter on cytotoxicity",
        "publicationTitle": "Synthetic Handbook of Immunology",
        "series": "Synthetic Series in Biology",
        "place": "Example City",
        "edition": "2",
        "ISBN": "978-0-00-000000-2",
        "publisher": "Example Press",
        "date": "2018",
        "pages": "101-130",
        "citationKey": "testperson_chapter_2018",
    }
    assert people(chapter) == [
        ("Testperson", "Gamma", "", "author"),
        ("Editorsson", "Delta", "", "editor"),
        ("Editorsson", "Epsilon", "", "editor"),
    ]
    assert (thesis.item_type, thesis.fields) == (
        "thesis",
        {
            "title": "A synthetic thesis",
            "genre": "PhD Thesis",  # the `type` field wins over @phdthesis's own genre
            "publisher": "Example University",  # school
            "place": "Example City",
            "date": "2020",
            "citationKey": "testperson_thesis_2020",
        },
    )
    assert (report.item_type, report.fields) == (
        "report",
        {
            "title": "Synthetic report on NK cell counts",
            "genre": "Technical Report",
            "number": "TR-42",  # a report's number stays its number
            "publisher": "Example Institute",  # institution
            "place": "Example City",
            "date": "2021-05",
            "citationKey": "synthetic_report_2021",
        },
    )
    # Zotero writes web pages and preprints as plain @misc: nothing tells them from documents.
    assert (page.item_type, page.fields) == (
        "document",
        {
            "title": "Synthetic web page",
            "url": "https://example.org/page",
            "accessDate": "2026-01-05",
            "publicationTitle": "Example Site",
            "date": "2026-01",
            "citationKey": "example_organisation_synthetic_2026",
        },
    )
    assert people(page) == [("", "", "Example Organisation", "author")]
    assert preprint.item_type == "document"
    assert preprint.fields["publisher"] == "arXiv"
    assert preprint.notes == ["<p>arXiv:2506.00003 [q-bio]</p>"]
    assert preprint.tags == ["Quantitative Biology - Cell Behavior"]


def test_better_bibtex_biblatex_export() -> None:
    result = load("betterbibtex.bib")
    assert result.problems == []
    article, page, thesis, paper, preprint, report, magazine = result.items
    assert article.fields == {
        "title": "Synthetic CAR-NK Cells in Gastric Cancer Models",  # `{{CAR-NK}}`
        "publicationTitle": "Journal of Synthetic Immunology",  # journaltitle
        "journalAbbreviation": "J Synth Immunol",  # shortjournal
        "volume": "12",
        "issue": "3",
        "pages": "12-19",
        "ISSN": "1234-5678",
        "DOI": "10.5555/synth.0001",
        "PMID": "33000001",  # eprint + eprinttype = pmid
        "accessDate": "2026-02-01",
        "abstract": "A synthetic abstract about natural killer cells — written for tests.",
        "language": "english",  # langid
        "date": "2026-01-12",  # BibLaTeX date
        "extra": "BibTeX file: /home/user/Zotero/storage/ABCD1234/Testperson - 2026 - "
        "Synthetic.pdf",
        "citationKey": "testperson2026",
    }
    assert article.tags == ["NK cells", "synthetic data"]
    assert (page.item_type, page.fields) == (
        "webpage",
        {
            "title": "Synthetic Web Page",
            "url": "https://example.org/page",
            "accessDate": "2026-01-05",
            "publisher": "Example Site",  # organization
            "date": "2026-01-05",
            "citationKey": "exampleorganisation2026",
        },
    )
    assert (thesis.item_type, thesis.fields["genre"]) == ("thesis", PHD_THESIS)  # `phdthesis`
    assert thesis.fields["publisher"] == "Example University"  # institution
    assert thesis.fields["place"] == "Example City"  # location
    assert (paper.item_type, paper.fields) == (
        "conferencePaper",
        {
            "title": "Synthetic Conference Paper",
            "publicationTitle": "Proceedings of the Synthetic Conference 2024",
            "pages": "1-8",
            "publisher": "Example Society",
            "place": "Example City",
            "event": "Synthetic Conference 2024",
            "ISBN": "978-0-00-000001-9",
            "date": "2024-09",
            "citationKey": "testperson2024",
        },
    )
    assert people(paper) == [
        ("Testperson", "Lambda", "", "author"),
        ("Ödegård", "Åse", "", "author"),
        ("Editorsson", "Mu", "", "editor"),
    ]
    assert (preprint.item_type, preprint.fields) == (
        "preprint",  # @online with an arXiv eprint
        {
            "title": "Synthetic Preprint about NK Cell Signalling",
            "arXiv": "2506.00003",
            "DOI": "10.5555/preprint.0003",
            "date": "2025-06-30",
            "extra": "BibTeX eprintclass: q-bio\nBibTeX pubstate: prepublished",
            "citationKey": "testperson2025",
        },
    )
    assert (report.item_type, report.fields["genre"]) == ("report", "Technical report")
    assert people(report) == [("", "", "Synthetic Agency for Testing", "author")]
    assert magazine.item_type == "magazineArticle"  # entrysubtype = magazine
    assert magazine.fields == {
        "title": "Synthetic Magazine Piece",
        "publicationTitle": "Synthetic Weekly",
        "pages": "44-45",
        "date": "2019-03-07",
        "citationKey": "sampleman2019",
    }


def test_jabref_export_with_strings_crossref_and_comments() -> None:
    result = load("jabref.bib")
    assert result.problems == []  # @Preamble, @Comment{jabref-meta: ...} and `%` lines ignored
    assert result.records == 4
    article, paper, proceedings, book = result.items
    assert article.fields == {
        "title": "Synthetic NK cells and the Über-receptor in Møller models",
        "publicationTitle": "Journal of Synthetic Immunology",  # @String jsi
        "volume": "9",
        "issue": "4",
        "pages": "201-210",
        "DOI": "10.5555/jabref.0009",
        "date": "2017-04",  # month = {apr}
        # `{M}{\o}ller` protects an M the writer would not: the title as written is kept.
        "extra": 'BibTeX title: Synthetic {NK} cells and the {\\"U}ber-receptor in {M}{\\o}ller '
        "models\nBibTeX groups: Synthetic group\nBibTeX owner: tester\n"
        "BibTeX timestamp: 2017.05.01\nBibTeX comment: Read twice.",
        "citationKey": "Testperson2017",
    }
    assert people(article) == [
        ("Testperson", "Alpha", "", "author"),
        ("van der Exampleton", "Beta", "", "author"),  # `Given von Last`
        ("de la Sample", "Gamma", "", "author"),
        ("Exampleton, Jr.", "Delta", "", "author"),  # `Last, Jr, First`
        ("Sample Testperson", "Epsilon", "", "author"),  # braced two-word family name
    ]
    # crossref: the child takes booktitle (the parent's title), editor, publisher, address,
    # series, volume and year from its parent.
    assert paper.item_type == "conferencePaper"
    assert paper.fields == {
        "title": "Synthetic paper in proceedings",
        "pages": "11-20",
        "publicationTitle": "Proceedings of the Synthetic Workshop",
        "publisher": "Example Press",
        "place": "Example City",  # @String ecity
        "series": "Synthetic Lecture Notes",
        "volume": "3",
        "date": "2016",
        "extra": "BibTeX crossref: Proc2016",
        "citationKey": "Sampleman2016",
    }
    assert people(paper) == [
        ("Sampleman", "Xi", "", "author"),
        ("Çelik", "Zeynep", "", "author"),  # {\c{C}}
        ("Niño", "José", "", "author"),  # {\~n}, {\'e}
        ("Editorsson", "Omicron", "", "editor"),
    ]
    assert proceedings.item_type == "book"
    assert proceedings.fields["title"] == "Proceedings of the Synthetic Workshop"
    assert book.fields == {
        "title": "A synthetic monograph",
        "publisher": "Example Press",
        "place": "Example City and elsewhere",  # ecity # { and elsewhere}
        "edition": "2nd",
        "ISBN": "0-00-000000-0",
        "numberOfPages": "320",  # pagetotal
        "date": "2015",
        "citationKey": "Testperson2015",
    }


def test_mendeley_export() -> None:
    result = load("mendeley.bib")
    assert result.problems == []
    article, book = result.items
    assert article.fields == {
        "title": "Synthetic title from a reference manager",
        "abstract": "Synthetic background. Synthetic methods with 50% of cells and "
        "$\\alpha$-chains.",  # math kept as written
        "arXiv": "1901.00001",  # eprint + archivePrefix
        "DOI": "10.5555/mendeley.0005",
        "ISSN": "1234-5678",
        "publicationTitle": "Synthetic Reports",
        "issue": "2",
        "pages": "100-110",
        "PMID": "30000005",
        "url": "http://example.org/x_y?a=1&b=2",  # Mendeley's `\_` and `{\&}` undone
        "volume": "5",
        "date": "2019",
        # Mendeley braces whole titles: kept, so that the export protects it the same way.
        "extra": "BibTeX title: {Synthetic title from a reference manager}\n"
        "BibTeX arxivid: 1901.00001\n"
        "BibTeX file: :home/user/Documents/Mendeley Desktop/Testperson et al. - 2019 - "
        "Synthetic.pdf:pdf\nBibTeX mendeley-groups: Synthetic",
        "citationKey": "Testperson2019",
    }
    assert people(article) == [
        ("Testperson", "Alpha", "", "author"),
        ("Müller", "Jürgen", "", "author"),  # M{\"{u}}ller
        ("Ødegård", "Åse", "", "author"),  # {\O}deg{\aa}rd, {\AA}se
    ]
    assert article.tags == ["NK cells", "cytotoxicity", "synthetic"]
    assert book.fields["extra"] == "BibTeX title: {A Synthetic Textbook}"
    assert people(book) == [
        ("Exampleton", "Rho", "", "author"),
        ("Editorsson", "Sigma", "", "editor"),
    ]


def test_google_scholar_export() -> None:
    result = load("scholar.bib")
    assert result.problems == []
    article, paper, thesis, misc, book = result.items
    assert article.fields == {
        "title": "Synthetic title about NK cell receptors",
        "publicationTitle": "Journal of Synthetic Immunology",
        "volume": "15",
        "issue": "4",
        "pages": "55-63",
        "publisher": "Example Publisher",
        "date": "2019",
        "extra": "BibTeX and others: author",  # `and others`, written back by the writers
        "citationKey": "testperson2019synthetic",
    }
    assert people(article) == [
        ("Testperson", "Alpha", "", "author"),
        ("Exampleton", "Beta", "", "author"),
    ]
    assert paper.fields["publisher"] == "Example Society"  # organization when no publisher
    assert paper.fields["publicationTitle"] == "Proceedings of the Synthetic Conference"
    assert (thesis.item_type, thesis.fields["genre"]) == ("thesis", PHD_THESIS)
    assert misc.fields == {
        "title": "Synthetic working notes",
        "url": "https://example.org/notes",  # howpublished = {\url{...}}
        "date": "2020",
        "citationKey": "exampleton2020synthetic",
    }
    assert people(book) == [("", "", "World Synthetic Organization", "author")]
    assert book.fields["extra"] == "BibTeX and others: author"


def test_pubmed_to_bibtex_export() -> None:
    result = load("pubmed.bib")
    assert result.problems == []
    first, second = result.items
    assert first.fields == {
        "title": "Synthetic title about NK cells in a model system",  # quoted value
        "publicationTitle": "J Synth Immunol",
        "volume": "8",
        "issue": "2",
        "pages": "101-109",
        "abstract": "Synthetic background sentence. Synthetic results sentence.",
        "url": "https://www.ncbi.nlm.nih.gov/pubmed/33000001",
        "date": "2021-03",  # Month="Mar"
        "extra": "BibTeX title: {{S}ynthetic title about {N}{K} cells in a model system}",
        "citationKey": "pmid33000001",
    }
    assert people(first) == [("Testperson", "A.", "", "author"), ("Sampleman", "X.", "", "author")]
    # A command we do not know (\href) is kept as written, as text in the note.
    assert first.notes[0].startswith("<p>[DOI:\\href{https://dx.doi.org/10.5555/")
    assert second.fields == {
        "title": "Synthetic follow-up study",
        "publicationTitle": "J Synth Immunol",
        "volume": "9",
        "issue": "1",
        "pages": "e1001",
        "PMID": "35000002",
        "PMCID": "PMC0000002",
        "DOI": "10.5555/synth.2022.0001",
        "ISSN": "2345-6789",
        "language": "eng",
        "date": "2022-01-15",  # year + month + day
        "citationKey": "Sampleman2022",
    }


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.bib")))
@pytest.mark.parametrize("biblatex", [False, True])
def test_golden_files_read_write_read_is_stable(name: str, biblatex: bool) -> None:
    first = load(name)
    assert first.items
    assert again(first.items, biblatex=biblatex) == first.items


# ---------------------------------------------------------------------------------------------
# The traps of DESIGN §4


def test_string_macros_months_and_concatenation() -> None:
    item = only(
        '@string{jsi = "Journal of Synthetic" # { Immunology}}\n'
        "@STRING(pre = {Synth})\n"
        '@article{k, journal = jsi, title = pre # {etic } # 2 # "nd", month = feb, year = 2019}'
    )
    assert item.fields == {
        "publicationTitle": "Journal of Synthetic Immunology",
        "title": "Synthetic 2nd",
        "date": "2019-02",
        "citationKey": "k",
    }
    result = read("@article{k, journal = nosuchmacro, year = 2019}")
    assert messages(result) == ["<input>:1: unknown @string macro 'nosuchmacro' kept as text"]
    assert result.items[0].fields["publicationTitle"] == "nosuchmacro"


def test_latex_accents_and_specials() -> None:
    cases = {
        r"M{\"u}ller": "Müller",
        r"M\"uller": "Müller",
        r"M\"{u}ller": "Müller",
        r"{\'\i}": "í",
        r"\'{\i}": "í",
        r"{\o}": "ø",
        r"Stra\ss e": "Straße",
        r"\c{c}\c c": "çç",
        r"\v{s}\u{a}\H{o}\k{e}\r{a}\={a}\.{z}\~n": "šăőęåāżñ",
        r"{\AA}ngstr{\"o}m": "Ångström",
        r"R\&D 50\% \#1 a\_b \$5": "R&D 50% #1 a_b $5",
        r"a--b---c": "a–b—c",
        r"J.~Doe": "J. Doe",
        r"$\alpha$-helix and $x_{1}$": r"$\alpha$-helix and $x_{1}$",
        r"\emph{in vivo} and {\em in vitro}": "in vivo and in vitro",
        r"\unknowncommand{x} stays": r"\unknowncommand{x} stays",
        r"\textbackslash{}path \textasciitilde{}": "\\path ~",
        "{CAR}-NK  cells\n  wrapped": "CAR-NK cells wrapped",
        r"\~{}": "~",
    }
    for latex, text in cases.items():
        assert decode_latex(latex) == text, latex
    assert decode_latex("12--19", dashes=False) == "12--19"


def test_protected_case_is_shown_without_braces_and_written_back() -> None:
    text = "@article{k, title = {{CAR}-NK cells in {G}aussian models}}"
    item = only(text)
    assert item.title == "CAR-NK cells in Gaussian models"
    # `{G}` protects a capital the writer would not protect: the title as written is kept...
    assert item.fields["extra"] == "BibTeX title: {CAR}-NK cells in {G}aussian models"
    # ... and written back, so BibTeX -> citelib -> BibTeX keeps `{CAR}` and `{G}`.
    assert "  title = {{CAR}-NK cells in {G}aussian models}\n" in dumps([item])
    assert again([item]) == [item]
    # Braces the writer would add anyway are not kept: it protects words with inner capitals.
    plain = only("@article{k, title = {Synthetic {CAR-NK} cells and {mRNA}}}")
    assert plain.fields == {"title": "Synthetic CAR-NK cells and mRNA", "citationKey": "k"}
    assert "title = {Synthetic {CAR-NK} cells and {mRNA}}" in dumps([plain])
    # An edited title is written from its text; the stale line goes out in `extra`, not lost.
    item.fields["title"] = "Edited CAR-NK title"
    out = dumps([item])
    assert "title = {Edited {CAR-NK} title}" in out
    assert "extra = {BibTeX title: {\\textbraceleft}CAR{\\textbraceright}-NK" in out
    assert again([item]) == [item]


def test_corporate_names_others_and_name_forms() -> None:
    item = only(
        "@book{k, author = {{World Health Organization} and van Beethoven, Ludwig and "
        "Jean de la Fontaine and Smith, Jr., John and {\\relax Ch}ristensen, Ole and "
        "de Gaulle and Plato and Doe,  and others}, editor = {Editorsson, Delta AND Other, "
        "Alpha}, translator = {Trans, Lator}, bookauthor = {Book, Author}}"
    )
    assert people(item) == [
        ("", "", "World Health Organization", "author"),
        ("van Beethoven", "Ludwig", "", "author"),
        ("de la Fontaine", "Jean", "", "author"),
        ("Smith, Jr.", "John", "", "author"),
        ("Christensen", "Ole", "", "author"),
        ("de Gaulle", "", "", "author"),  # a lower-case first word starts the family name
        ("Plato", "", "", "author"),
        ("Doe", "", "", "author"),
        ("Editorsson", "Delta", "", "editor"),  # `AND` splits too
        ("Other", "Alpha", "", "editor"),
        ("Trans", "Lator", "", "translator"),
        ("Book", "Author", "", "bookAuthor"),
    ]
    assert item.fields["extra"] == "BibTeX and others: author"
    out = dumps([item])
    assert "author = {{World Health Organization} and van Beethoven, Ludwig and " in out
    assert "Plato and Doe and others},\n" in out
    assert again([item]) == [item]


def test_pages_doi_url_and_identifiers() -> None:
    item = only(
        "@article{k, pages = {12--19}, doi = {https://doi.org/10.5555/A\\_B}, "
        "url = {\\url{https://example.org/a_b}}, pmid = {33000001}, pmcid = {PMC1}, "
        "eprint = {2101.00001v2}, archivePrefix = {arXiv}, primaryClass = {q-bio.CB}, "
        "isbn = {978-0-00-000000-2}, issn = {1234-5678}}"
    )
    assert item.fields == {
        "pages": "12-19",
        "DOI": "10.5555/A_B",
        "url": "https://example.org/a_b",
        "PMID": "33000001",
        "PMCID": "PMC1",
        "arXiv": "2101.00001v2",
        "ISBN": "978-0-00-000000-2",
        "ISSN": "1234-5678",
        "extra": "BibTeX primaryclass: q-bio.CB",
        "citationKey": "k",
    }
    assert only("@book{k, pages = {xii, 300}}").fields["pages"] == "xii, 300"


def test_dates() -> None:
    def date(fields: str) -> dict[str, str]:
        item = only(f"@article{{k, {fields}}}")
        return {k: v for k, v in item.fields.items() if k != "citationKey"}

    assert date("year = 2019") == {"date": "2019"}
    assert date("year = 2019, month = feb") == {"date": "2019-02"}
    assert date("year = 2019, month = {February}, day = 3") == {"date": "2019-02-03"}
    assert date("year = 2019, month = 11") == {"date": "2019-11"}
    assert date("year = 2019, month = {Spring}") == {"date": "Spring 2019"}
    assert date("year = 2019, month = 2, day = {40}") == {
        "date": "2019-02",
        "extra": "BibTeX day: 40",
    }
    assert date("year = {in press}") == {"date": "in press"}
    assert date("date = {2019-02-03/2019-02-05}") == {"date": "2019-02-03/2019-02-05"}
    assert date("date = {2019-02}, year = 2019, month = feb") == {"date": "2019-02"}
    assert date("date = {2019-02}, year = 2018") == {
        "date": "2019-02",
        "extra": "BibTeX year: 2018",
    }
    assert date("month = jan") == {"extra": "BibTeX month: January"}
    assert date("urldate = {2026-02-01}") == {"accessDate": "2026-02-01"}


def test_keywords_notes_and_extra_field() -> None:
    item = only(
        "@article{k, keywords = {alpha, beta,gamma, alpha}, note = {First \\& note \\\\ "
        "second <i>note</i>}, annote = {Annotation}, extra = {free line\n  {@}article"
        "{\\textbraceleft}x,\nBibTeX chapter: 3}}"
    )
    assert item.tags == ["alpha", "beta", "gamma"]
    assert item.notes == [
        "<p>First &amp; note</p>",
        "<p>second &lt;i&gt;note&lt;/i&gt;</p>",
        "<p>Annotation</p>",
    ]
    assert item.fields["extra"] == "free line\n@article{x,\nBibTeX chapter: 3"
    assert only("@article{k, keywords = {a, b; c, d}}").tags == ["a, b", "c, d"]
    assert only("@article{k, keywords = {{a, b}, c}}").tags == ["a, b", "c"]


def test_fields_not_mapped_are_kept_in_order_and_written_back() -> None:
    item = only(
        "@inbook{k, chapter = {3}, title = {T}, howpublished = {Hand-bound}, "
        "mendeley-tags = {x}, file = {:a.pdf:PDF}}"
    )
    assert item.fields["extra"] == (
        "BibTeX chapter: 3\nBibTeX howpublished: Hand-bound\nBibTeX mendeley-tags: x\n"
        "BibTeX file: :a.pdf:PDF"
    )
    out = dumps([item])
    for line in ("chapter = {3}", "howpublished = {Hand-bound}", "mendeley-tags = {x}"):
        assert f"  {line}" in out
    assert again([item]) == [item]


def test_duplicate_fields_and_keys_lose_nothing() -> None:
    result = read(
        "@article{k, title = {One}, title = {Two}, journal = {J}, journaltitle = {K}}\n"
        "@article{K, title = {Three}}\n"
    )
    assert messages(result) == [
        "<input>:1: entry 'k': field 'title' given twice; the second value is kept in extra",
        "<input>:2: entry 'K': the key is used before (line 1); both entries are read",
    ]
    assert result.errors == []
    first, second = result.items
    assert first.fields == {
        "title": "One",
        "publicationTitle": "K",  # journaltitle before journal, whatever the order
        "extra": "BibTeX title: Two\nBibTeX journal: J",
        "citationKey": "k",
    }
    assert second.fields["citationKey"] == "K"


def test_entry_without_key_gets_one() -> None:
    result = read("@article{, author = {Testperson, Alpha}, year = 2020, title = {T}}")
    assert messages(result) == [
        "<input>:1: record 1: no citation key; it gets the key 'Testperson2020'"
    ]
    assert result.items[0].fields["citationKey"] == "Testperson2020"


def test_unknown_entry_type_is_a_document_and_goes_back_out() -> None:
    result = read("@software{k, title = {Synthetic tool}}")
    assert messages(result) == [
        "<input>:1: entry 'k': unknown entry type 'software'; read as a document"
    ]
    item = result.items[0]
    assert item.fields == {
        "title": "Synthetic tool",
        "extra": "BibTeX type: software",
        "citationKey": "k",
    }
    assert entry_text(item, "k").startswith("@software{k,\n")
    assert read(dumps([item])).items == [item]


def test_crossref_chain_missing_parent_and_cycles() -> None:
    result = read(
        "@incollection{child, title = {C}, crossref = {mid}}\n"
        "@book{mid, title = {Book}, crossref = {top}, editor = {Ed, A}}\n"
        "@mvbook{top, title = {Top}, publisher = {P}, year = 2000}\n"
        "@article{orphan, crossref = {nowhere}}\n"
        "@article{loop1, crossref = {loop2}}\n@article{loop2, crossref = {loop1}, volume = 1}\n"
    )
    child, mid, _top, orphan, loop1, _loop2 = result.items
    assert child.fields["publicationTitle"] == "Book"
    assert (child.fields["publisher"], child.fields["date"]) == ("P", "2000")
    assert people(child) == [("Ed", "A", "", "editor")]
    assert mid.fields["publisher"] == "P"
    assert "publicationTitle" not in orphan.fields
    assert loop1.fields["volume"] == "1"
    assert messages(result) == [
        "<input>:4: entry 'orphan': crossref 'nowhere' names no entry in the file"
    ]


# ---------------------------------------------------------------------------------------------
# Hostile and odd input


def test_unbalanced_brace_in_the_middle_does_not_swallow_the_rest() -> None:
    result = load("hostile.bib")
    assert [i.fields["citationKey"] for i in result.items] == ["good1", "good2"]
    assert result.records == 3
    assert [str(p) for p in result.errors] == [
        "hostile.bib:6: entry 'broken': a brace or quote is not closed before the next entry "
        "(line 12); the entries after it are read; left out"
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.bib")))
def test_a_file_streamed_from_disk_reads_as_its_text(name: str) -> None:
    """read_path (what read_file uses for UTF-8 files) against read on the whole text; only
    jabref.bib has a crossref, the others are made into items part by part."""
    path = DATA / name
    streamed = bibtex.read_path(path, name)
    whole = load(name)
    assert (streamed.items, streamed.lines, streamed.problems, streamed.records) == (
        whole.items,
        whole.lines,
        whole.problems,
        whole.records,
    )


def test_a_big_file_is_split_in_parts_without_losing_an_entry_or_a_line() -> None:
    """The splitter gets the text in parts (bibtex._PART_CHARS); entries, line numbers and a
    broken entry right at the end of a part come out as from one piece."""
    entries = [
        f"@article{{k{n},\n  title = {{Synthetic title {n}}},\n  year = 2020,\n}}\n"
        for n in range(3 * bibtex._PART_CHARS // 60)
    ]
    text = "".join(entries)
    cut = text.find("\n@", bibtex._PART_CHARS) + 1  # where the first part ends
    last_of_part = text.count("\n@", 0, cut)  # index of the entry that ends the first part
    entries[last_of_part] = entries[last_of_part].replace("year = 2020,", "year = {2020,")
    entries[-2] = entries[-2].replace("year = 2020,", "year = {2020,")
    text = "".join(entries)
    result = read(text)
    broken = {last_of_part, len(entries) - 2}
    assert [i.fields["citationKey"] for i in result.items] == [
        f"k{n}" for n in range(len(entries)) if n not in broken
    ]
    assert result.lines == [4 * n + 1 for n in range(len(entries)) if n not in broken]
    assert [(p.line, p.message.split(":")[0]) for p in result.errors] == [
        (4 * n + 1, f"entry 'k{n}'") for n in sorted(broken)
    ]
    assert all("the entries after it are read" in p.message for p in result.errors)
    # Streamed from disk line by line (read_lines), and made into items part by part
    # (read_path, as read_file does, since no entry has a crossref): the same result.
    streamed = bibtex.read_lines(text.split("\n"))
    assert (streamed.items, streamed.lines, streamed.problems) == (
        result.items,
        result.lines,
        result.problems,
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.bib"
        path.write_text(text, encoding="utf-8")
        from_disk = bibtex.read_path(path, "<input>")
    assert (from_disk.items, from_disk.lines, from_disk.problems) == (
        result.items,
        result.lines,
        result.problems,
    )


def test_unclosed_last_entry_and_extra_closing_brace() -> None:
    result = read("@article{a, title = {A}}\n@article{b, title = {B\n")
    assert [i.title for i in result.items] == ["A"]
    assert messages(result) == [
        "<input>:2: entry 'b': a brace or quote is never closed: the file ends inside the "
        "entry; left out"
    ]
    result = read("@article{a, title = {A}}, year = {2020}}\n@article{c, title = {C}}\n")
    assert [i.title for i in result.items] == ["C"]
    assert messages(result) == [
        "<input>:1: entry 'a': an extra `}` closes the entry early: text that looks like more "
        "fields follows it on line 1; left out"
    ]


def test_broken_string_is_an_error_and_broken_comment_a_warning() -> None:
    result = read("@string{x = {unclosed}\n@article{k, title = {T}}\n@comment{y\n@book{b,}")
    assert [i.fields["citationKey"] for i in result.items] == ["k", "b"]
    assert result.records == 2
    assert messages(result) == [
        "<input>:1: @string cannot be read: a brace or quote is not closed before the next entry "
        "(line 2); the entries after it are read",
        "<input>:3: @comment cannot be read: a brace or quote is not closed before the next "
        "entry (line 4); the entries after it are read",
    ]
    assert [p.severity for p in result.problems] == ["error", "warning"]


def test_file_field_is_only_text() -> None:
    item = load("hostile.bib").items[1]
    assert item.fields["extra"] == "BibTeX file: ../../etc/passwd"
    # HTML and `javascript:` are text, stored as they are; a note's HTML is escaped.
    assert item.title == "<script>alert(1)</script> synthetic"
    assert item.fields["url"] == "javascript:alert(1)"
    assert item.notes == ["<p>&lt;img src=x onerror=alert(1)&gt;</p>"]


def test_empty_and_zero_record_files() -> None:
    for text in ("", "\n\n  \r\n", "\ufeff", "% only a comment\n", "@comment{x}\n@preamble{y}"):
        result = read(text)
        assert result.records == 0
        assert result.items == []
        assert result.errors == []
        assert messages(result) == ["<input>: no entries: the file holds no BibTeX records"]


def test_binary_garbage_never_raises() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 3
    assert read(garbage).items == []
    result = read("@article{k, title = {" + garbage + "}}")
    assert result.records == 1


def test_crlf_and_bom() -> None:
    item = only("\ufeff@article{k,\r\n  title = {Two\r\n  lines},\r\n  year = 2020\r\n}\r\n")
    assert item.fields == {"title": "Two lines", "date": "2020", "citationKey": "k"}


def test_bibtexparser_logging_does_not_leak(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        read("@article{a, title = {A\n@article{b, title = {B}}\n")
    assert [r for r in caplog.records if r.name.startswith("bibtexparser")] == []


# ---------------------------------------------------------------------------------------------
# Types


@pytest.mark.parametrize(("code", "kind"), sorted(TYPES_IN.items()))
def test_every_entry_type_reads(code: str, kind: str) -> None:
    assert only(f"@{code}{{k, title = {{T}}}}").item_type == kind


@pytest.mark.parametrize("kind", ITEM_TYPES)
@pytest.mark.parametrize("biblatex", [False, True])
def test_every_type_writes_and_reads_back(kind: str, biblatex: bool) -> None:
    table = TYPES_OUT_BIBLATEX if biblatex else TYPES_OUT_BIBTEX
    fields = {"title": "T", "citationKey": "k"}
    if kind == "thesis" and not biblatex:
        fields["genre"] = PHD_THESIS
    item = Item(kind, fields)
    assert entry_text(item, "k", biblatex=biblatex).startswith(f"@{table[kind]}{{k,\n")
    assert again([item], biblatex=biblatex) == [item]
    with_arxiv = Item(kind, {**fields, "arXiv": "2101.00001"})
    assert again([with_arxiv], biblatex=biblatex) == [with_arxiv]


def test_thesis_genres_in_bibtex() -> None:
    masters = Item("thesis", {"title": "T", "genre": MASTERS_THESIS, "citationKey": "k"})
    assert entry_text(masters, "k").startswith("@mastersthesis{k,\n")
    assert "type =" not in entry_text(masters, "k")
    other = Item("thesis", {"title": "T", "genre": "Habilitation", "citationKey": "h"})
    assert "  type = {Habilitation}" in entry_text(other, "h")
    assert again([masters, other]) == [masters, other]
    # BibTeX has no thesis without a kind: @phdthesis reads back as a PhD thesis.
    bare = Item("thesis", {"title": "T", "citationKey": "k"})
    assert again([bare])[0].fields["genre"] == PHD_THESIS
    assert again([bare], biblatex=True) == [bare]


# ---------------------------------------------------------------------------------------------
# Writing


def test_writer_output_is_exact() -> None:
    item = Item(
        "journalArticle",
        {
            "title": "Synthetic CAR-NK cells: 50% of R&D -- in $\\alpha$ {braces}",
            "shortTitle": "Synthetic CAR-NK",
            "publicationTitle": "Journal of Synthetic Immunology",
            "journalAbbreviation": "J Synth Immunol",
            "abstract": "Line one.\nLine two ~ and a_b.",
            "volume": "12",
            "issue": "3",
            "number": "e1001",
            "pages": "12-19",
            "date": "2026-01-12",
            "accessDate": "2026-02-01",
            "DOI": "10.5555/synth.0001",
            "ISSN": "1234-5678",
            "PMID": "33000001",
            "PMCID": "PMC0000001",
            "arXiv": "2601.00001",
            "url": "https://example.org/a?b=1&c=%20",
            "language": "en",
            "citationKey": "testperson2026",
            "callNumber": "QR185.8",
            "extra": "BibTeX and others: author\nBibTeX file: files/a.pdf\nfree text line\n"
            "BibTeX chapter: 3",
        },
        [
            Creator("Testperson", "Alpha"),
            Creator(literal="Synthetic Group & Co"),
            Creator("Sampleman", ""),
            Creator("van der Berg", "Anna, Maria"),
            Creator("Editorsson", "Delta", role="editor"),
            Creator("Bookman", "Iota", role="bookAuthor"),
        ],
        ["NK cells", "synthetic, data"],
        ["<p>A <b>bold</b> note &amp; more</p><p>Second paragraph</p>", "<p>Other</p>"],
    )
    out = io.StringIO()
    write([item, Item("book", {"title": "Second", "date": "Spring 2019"})], out)
    assert out.getvalue() == (
        "@article{testperson2026,\n"
        "  author = {Testperson, Alpha and {Synthetic Group \\& Co} and Sampleman and "
        "van der Berg, {Anna, Maria} and others},\n"
        "  editor = {Editorsson, Delta},\n"
        "  bookauthor = {Bookman, Iota},\n"
        "  title = {Synthetic {CAR-NK} cells: 50\\% of {R\\&D} -{}- in $\\alpha$ "
        "{\\textbraceleft}braces{\\textbraceright}},\n"
        "  shorttitle = {Synthetic CAR-NK},\n"
        "  journal = {Journal of Synthetic Immunology},\n"
        "  shortjournal = {J Synth Immunol},\n"
        "  year = {2026},\n"
        "  month = jan,\n"
        "  day = {12},\n"
        "  volume = {12},\n"
        "  number = {3},\n"
        "  eid = {e1001},\n"
        "  pages = {12--19},\n"
        "  issn = {1234-5678},\n"
        "  doi = {10.5555/synth.0001},\n"
        "  pmid = {33000001},\n"
        "  pmcid = {PMC0000001},\n"
        "  url = {https://example.org/a?b=1&c=%20},\n"
        "  urldate = {2026-02-01},\n"
        "  language = {en},\n"
        "  eprint = {2601.00001},\n"
        "  archiveprefix = {arXiv},\n"
        "  keywords = {NK cells, {synthetic, data}},\n"
        "  note = {A bold note \\& more Second paragraph \\\\ Other},\n"
        "  abstract = {Line one. Line two \\textasciitilde{} and a\\_b.},\n"
        "  callnumber = {QR185.8},\n"
        "  file = {files/a.pdf},\n"
        "  extra = {free text line\nBibTeX chapter: 3}\n"
        "}\n"
        "\n"
        "@book{Anon2019,\n"
        "  title = {Second},\n"
        "  year = {Spring 2019}\n"
        "}\n"
    )
    back = again([item])[0]
    assert back.creators == sorted(item.creators, key=lambda c: ROLE_ORDER[c.role])
    assert back.fields == {**item.fields, "abstract": "Line one. Line two ~ and a_b."}
    assert back.notes == ["<p>A bold note &amp; more Second paragraph</p>", "<p>Other</p>"]


def test_biblatex_writer_output_is_exact() -> None:
    items = [
        Item(
            "thesis",
            {"title": "T", "date": "2020-05", "publisher": "U", "place": "C", "genre": PHD_THESIS},
            [Creator("Testperson", "Eta")],
        ),
        Item("webpage", {"title": "W", "url": "https://example.org", "arXiv": "2101.00001"}),
    ]
    out = io.StringIO()
    write_biblatex(items, out)
    assert out.getvalue() == (
        "@thesis{Testperson2020,\n"
        "  author = {Testperson, Eta},\n"
        "  title = {T},\n"
        "  date = {2020-05},\n"
        "  institution = {U},\n"
        "  location = {C},\n"
        "  type = {PhD thesis}\n"
        "}\n"
        "\n"
        "@online{Anonnd,\n"
        "  entrysubtype = {webpage},\n"
        "  title = {W},\n"
        "  url = {https://example.org},\n"
        "  eprint = {2101.00001},\n"
        "  eprinttype = {arxiv}\n"
        "}\n"
    )


def test_citation_keys_are_unique_and_safe() -> None:
    items = [
        Item("book", {"citationKey": "smith 2020, {x}"}),
        Item("book", {"citationKey": "Smith2020x"}),
        Item("book", {"citationKey": "smith2020x"}),
        Item("book", {"citationKey": "{}"}, [Creator("Müller", "A")]),
    ]
    assert citation_keys(items) == ["smith2020x", "Smith2020xa", "smith2020xb", "Mullernd"]
    assert name_text(Creator("others", "")) == "others,"
    assert name_text(Creator("Plato", "")) == "Plato"
    assert name_text(Creator("Smith and Jones", "")) == "{Smith and Jones},"


def test_escaping_reads_back_identically() -> None:
    for text in [
        "{ } \\ ~ ^ & % # _ $ @",
        "$a$ $ $$ $}$ $x\\$ a--b---c ----",
        "\\emph{x} \\o \\& {CAR}",
        "ü ø ß – — “quoted”",
    ]:
        for protect in (False, True):
            written = escape_latex(text, protect=protect)
            assert decode_latex(written) == text, written


def test_sniff() -> None:
    assert sniff("@article{k,\n title = {x}}")
    assert sniff("% Encoding: UTF-8\n\n@Article{k,")
    assert sniff("\ufeff@string{x = {y}}")
    assert sniff("\n  @book (k,")
    assert not sniff("TY  - JOUR\nTI  - x\n")
    assert not sniff('[{"id": "x@example.org", "type": "book"}]')
    assert not sniff("an email a@b.org {not bibtex}")


# ---------------------------------------------------------------------------------------------
# Properties

# Text BibTeX carries: no surrogates (not encodable) and no ASCII white space other than single
# spaces inside (BibTeX reads any run of white space as one space, none at the ends).
_CHARS = st.characters(exclude_categories=["Cs"], exclude_characters="\t\n\r\x0b\x0c")
_TRICKY = st.sampled_from(
    ["{", "}", "\\", "~", "^", "&", "%", "#", "_", "$", "$x^2$", "--", "---", "@", "@article{",
     " and ", ",", ";", "\\emph{x}", "{CAR}", "CAR-NK", "mRNA", "é", '"', "\\\\", "others",
     "\\'e", "Σ", "İ", "<b>"]
)  # fmt: skip
_TEXT = (
    st.lists(st.one_of(st.text(_CHARS, max_size=6), _TRICKY), min_size=1, max_size=6)
    .map(lambda parts: re.sub(" +", " ", "".join(parts)).strip(" "))
    .filter(bool)
)
_PLAIN = [
    "title", "shortTitle", "abstract", "publicationTitle", "journalAbbreviation", "series",
    "volume", "issue", "edition", "numberOfPages", "publisher", "place", "language", "genre",
    "event", "number", "callNumber", "archive", "rights", "PMID", "PMCID", "ISBN", "ISSN",
    "accessDate",
]  # fmt: skip
_SAFE = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789._;()/:-?=&%#"), min_size=1
)
_FREE_DATES = st.sampled_from(
    ["Spring 2019", "ca. 1850", "7 March 2001 (reprint)", "n.d.", "2019-13", "2019/2020"]
)
_EXTRA_LINES = st.sampled_from(
    ["BibTeX file: ../../etc/passwd", "BibTeX chapter: 3", "BibTeX owner: {x} y",
     "BibTeX journal: second", "Tex.foo: bar"]
)  # fmt: skip


@st.composite
def _iso_dates(draw: st.DrawFn) -> str:
    year = draw(st.integers(0, 9999))
    month = draw(st.none() | st.integers(1, 12))
    day = draw(st.none() | st.integers(1, 28)) if month else None
    return "-".join([f"{year:04d}"] + [f"{n:02d}" for n in (month, day) if n])


@st.composite
def _items(draw: st.DrawFn) -> Item:
    """Items on every field BibTeX carries. Excluded, because BibTeX cannot carry them or our
    reader normalises them: ASCII white space other than single inner spaces; pages with an en
    dash or `--` (read back with `-`); URLs, DOIs and arXiv IDs with braces, backslashes or
    spaces (verbatim fields); DOIs not starting `10.`; notes other than one escaped paragraph
    each (notes are plain text); `extra` lines that are our own markers (`BibTeX type:`,
    `BibTeX title:`, `BibTeX and others:`), which the writers consume; a genre that is one of
    BibLaTeX's keys (`techreport`, read as `Technical report`); a thesis without a genre in
    BibTeX (see _expected); citation keys BibTeX cannot hold (tested apart). The order of
    creators across roles is not kept (written per role): see _expected."""
    fields = draw(st.dictionaries(st.sampled_from(_PLAIN), _TEXT, max_size=10))
    if draw(st.booleans()):
        fields["date"] = draw(_iso_dates() | _FREE_DATES | _TEXT)
    if draw(st.booleans()):
        fields["pages"] = draw(st.sampled_from(["12-19", "e1001", "5", "iv-x", "3, 7-9", "A1"]))
    if draw(st.booleans()):
        fields["DOI"] = "10.5555/" + draw(_SAFE)
    if draw(st.booleans()):
        fields["url"] = "https://example.org/" + draw(_SAFE)
    if draw(st.booleans()):
        fields["arXiv"] = draw(st.sampled_from(["2101.00001", "2101.00001v2", "hep-th/9901001"]))
    if draw(st.booleans()):
        fields["citationKey"] = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9:_-]{0,12}", fullmatch=True))
    if fields.get("genre", "").casefold() in ("phdthesis", "mathesis", "mastersthesis",
                                              "candthesis", "techreport", "resreport"):  # fmt: skip
        del fields["genre"]
    extra = draw(
        st.lists(_TEXT.filter(lambda t: not t.startswith("BibTeX ")) | _EXTRA_LINES, max_size=3)
    )
    if extra:
        fields["extra"] = "\n".join(extra)
    creators: list[Creator] = []
    for role in draw(st.lists(st.sampled_from(CREATOR_ROLES), max_size=5)):
        if draw(st.booleans()):
            creators.append(Creator(literal=draw(_TEXT), role=role))
        else:
            creators.append(Creator(draw(_TEXT), draw(st.just("") | _TEXT), role=role))
    tags = draw(st.lists(_TEXT, unique=True, max_size=4))
    notes = draw(
        st.lists(
            _TEXT.filter(lambda t: t == t.strip()).map(
                lambda t: f"<p>{html.escape(t, quote=False)}</p>"
            ),
            max_size=2,
        )
    )
    kind = draw(st.sampled_from(ITEM_TYPES))
    return Item(kind, fields, creators, tags, notes)


def _expected(item: Item, key: str, biblatex: bool) -> Item:
    """What reading back an item written with `key` gives: creators grouped by role, the key,
    and BibTeX's @phdthesis for a thesis of no genre."""
    fields = {**item.fields, "citationKey": key}
    if item.item_type == "thesis" and not biblatex and not fields.get("genre"):
        fields["genre"] = PHD_THESIS
    creators = sorted(item.creators, key=lambda c: ROLE_ORDER[c.role])
    return Item(item.item_type, fields, creators, item.tags, item.notes)


def _unique_keys(items: list[Item]) -> list[Item]:
    seen: set[str] = set()
    for item in items:
        key = item.fields.get("citationKey", "")
        if key and key.casefold() in seen:
            del item.fields["citationKey"]
        seen.add(key.casefold())
    return items


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_items(), max_size=3).map(_unique_keys), st.booleans())
def test_write_then_read_gives_the_same_items(items: list[Item], biblatex: bool) -> None:
    keys = citation_keys(items)
    result = read(dumps(items, biblatex=biblatex))
    assert result.problems == [] or not items, result.problems
    assert len(result.items) == len(items)
    for before, key, after in zip(items, keys, result.items, strict=True):
        expected = _expected(before, key, biblatex)
        assert after.item_type == expected.item_type
        assert after.fields == expected.fields
        assert after.creators == expected.creators
        assert after.tags == expected.tags
        assert after.notes == expected.notes


_FUZZ_FIELDS = st.sampled_from(
    ["title", "author", "editor", "journal", "booktitle", "year", "month", "day", "date", "pages",
     "keywords", "note", "doi", "url", "crossref", "eprint", "archiveprefix", "entrysubtype",
     "extra", "file", "type", "number", "howpublished", "x-odd"]
)  # fmt: skip
_FUZZ_VALUES = st.sampled_from(
    ["{x}", '"x"', "feb", "2019", "{A and others}", "{{Org}}", "{\\\"u}", "{a, b; c}", "jan # 2",
     "{\\url{http://x}}", "{--}", "{$x$}", "{\\}", "{{}", "{}", "nomacro", "{@article{}",
     "{arXiv}", "{magazine}", "{k}", "{BibTeX title: x}", "{\\\\}", '"{"}"', "{,}"]
) | st.text(max_size=6)  # fmt: skip
_FUZZ_ENTRY = st.builds(
    lambda kind, key, fields: (
        f"@{kind}{{{key},\n" + ",\n".join(f"  {n} = {v}" for n, v in fields) + "\n}\n"
    ),
    st.sampled_from(["article", "misc", "online", "phdthesis", "inproceedings", "odd", "string"]),
    st.sampled_from(["k", "K", "", "a b", "x"]),
    st.lists(st.tuples(_FUZZ_FIELDS, _FUZZ_VALUES), max_size=6),
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text() | st.lists(_FUZZ_ENTRY | st.text(max_size=8), max_size=6).map("".join))
def test_any_text_reads_without_exception(text: str) -> None:
    result = read(text)
    assert len(result.items) <= result.records
    assert all(p.line is not None for p in result.problems if p.record is not None)
    assert not [p for p in result.problems if "internal error" in p.message]
    # What was read writes and reads back without errors, whatever it held.
    for biblatex in (False, True):
        back = read(dumps(result.items, biblatex=biblatex))
        assert back.errors == []
        assert len(back.items) == len(result.items)


# The writer's quick paths (entry_text runs for every item of a 100,000-item export) must write
# exactly what the general functions write.
_TRICKY = st.lists(
    st.sampled_from(
        [*"aAbZé Σİ-–{}\\$%&_^~#,;\n\t\r\f\v\x01\u00a0", "and", " and ", "AND", "--", "  ", "12"]
    ),
    max_size=14,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_TRICKY)
def test_quick_escape_of_long_text_is_escape_latex(text: str) -> None:
    assert bibtex._escape_long(text) == escape_latex(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TRICKY, max_size=4))
@example(["a ", "b"])
@example(["a", " b"])
@example(["a", "b "])
@example([" a", "b"])
@example(["a", "", "b--c"])
def test_keywords_tested_at_once_are_written_as_each_alone(tags: list[str]) -> None:
    written = entry_text(Item("book", {"title": "T"}, tags=tags), "k")
    expected = ", ".join(bibtex._keyword_out(t) for t in tags if t)
    if expected:
        assert written == f"@book{{k,\n  title = {{T}},\n  keywords = {{{expected}}}\n}}\n"
    else:
        assert written == "@book{k,\n  title = {T}\n}\n"


@settings(max_examples=300, deadline=None)
@given(_TRICKY, _TRICKY, st.sampled_from(["", "", "Org and Co", "A, B"]))
def test_names_tested_at_once_are_written_as_name_text(
    family: str, given_name: str, literal: str
) -> None:
    person = Creator(family, given_name, literal)
    written = entry_text(Item("book", {"title": "T"}, [person]), "k")
    assert written == f"@book{{k,\n  author = {{{name_text(person)}}},\n  title = {{T}}\n}}\n"


def test_quick_paths_on_the_usual_values() -> None:
    item = Item(
        "journalArticle",
        {
            "title": "CAR-NK cells in HER2+ gastric cancer",
            "abstract": "Response in 45% of\tpatients;  p_value < 0.05 -- see $x^2$ and {braces}",
            "pages": "12-19",
            "DOI": "10.1000/x{y}",
        },
        [Creator("Anderson", "Sandra"), Creator("Smith and Sons", "Ltd"), Creator("Li", "")],
        tags=["CAR-NK", " adoptive  cell transfer", "a;b"],
    )
    text = entry_text(item, "k")
    assert "  author = {Anderson, Sandra and {Smith and Sons}, Ltd and Li}" in text
    assert "  title = {{CAR-NK} cells in {HER2+} gastric cancer}" in text
    assert "  pages = {12--19}" in text
    assert "  doi = {10.1000/x{y}}" in text
    assert (
        "  abstract = {Response in 45\\% of patients; p\\_value < 0.05 -{}- see $x^2$ and "
        "{\\textbraceleft}braces{\\textbraceright}}"
    ) in text
    assert "  keywords = {CAR-NK, adoptive cell transfer, {a;b}}" in text
    assert only(text).fields["abstract"] == (
        "Response in 45% of patients; p_value < 0.05 -- see $x^2$ and {braces}"
    )
