"""EndNote XML reading and writing: EndNote's own export, style runs, hostile XML, the round trip.

tests/data/endnote/endnote_x9.xml is written the way EndNote X9/20 writes XML; every title, name
and number in it is synthetic.
"""

from __future__ import annotations

import io
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citelib.formats import ReadResult, endnote, read_file
from citelib.formats.endnote_xml import (
    STYLE,
    TYPE_NUMBERS,
    dumps,
    read,
    record_xml,
    sniff,
    write,
)
from citelib.model import CREATOR_ROLES, ITEM_TYPES, Creator, Item
from tests.test_endnote import items, same

DATA = Path(__file__).resolve().parent / "data" / "endnote"


def wrap(*records: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" ?><xml><records>{"".join(records)}</records></xml>'
    )


def styled(value: str) -> str:
    return f"{STYLE}{value}</style>"


def only(text: str) -> Item:
    result = read(text)
    assert result.problems == [], result.problems
    assert len(result.items) == 1
    return result.items[0]


def messages(result: ReadResult) -> list[str]:
    return [str(p) for p in result.problems]


_ROLE_ORDER = {role: min(index, 4) for index, role in enumerate(CREATOR_ROLES)}


def normal(item: Item) -> Item:
    """What XML keeps of an item: creators grouped by role (EndNote's contributors groups come
    in a fixed order), `extra` lines in any order (elements come in the DTD's order)."""
    fields = dict(item.fields)
    if "extra" in fields:
        fields["extra"] = "\n".join(sorted(fields["extra"].split("\n")))
    creators = sorted(item.creators, key=lambda c: _ROLE_ORDER[c.role])
    return Item(item.item_type, fields, creators, list(item.tags), list(item.notes))


# ---------------------------------------------------------------------------------------------
# EndNote X9/20 export


@pytest.fixture(scope="module")
def x9() -> ReadResult:
    return read((DATA / "endnote_x9.xml").read_text(encoding="utf-8"), "endnote_x9.xml")


def test_x9_reads_every_record(x9: ReadResult) -> None:
    assert x9.records == 6
    assert messages(x9) == [
        "endnote_x9.xml:7: record 6: unknown type 'Film or Broadcast'; read as a document"
    ]
    assert [i.item_type for i in x9.items] == [
        "journalArticle",
        "book",
        "bookSection",
        "thesis",
        "journalArticle",  # `Zeitschriftenartikel` 17: the number decides
        "document",
    ]


def test_x9_journal_article(x9: ReadResult) -> None:
    item = x9.items[0]
    assert item.fields == {
        # Three <style> runs (one italic) make one title.
        "title": "Synthetic NK-cell therapy in colorectal cancer models",
        "publicationTitle": "Journal of Synthetic Oncology",
        "journalAbbreviation": "J Synth Oncol",
        "pages": "101-109",
        "volume": "12",
        "issue": "3",  # <number> of a journal article
        "edition": "2024/03/07",  # EndNote's Epub Date lives in the edition field
        "date": "Mar 7, 2024",  # pub-dates agrees with the year and is fuller
        # ISSNs joined by &#xD;: the print one, the electronic one kept (never in ISBN).
        "ISSN": "1234-5678 (Print)",
        "PMID": "33000007",  # accession number from PubMed (remote-database-name)
        "PMCID": "PMC7000007",  # custom2
        "DOI": "10.5555/synth.2024.0001",
        "abstract": "Background: a synthetic abstract written for tests.\n"
        "Methods: a second paragraph.",
        "citationKey": "Testperson2024",
        "archive": "PubMed",
        "language": "eng",
        "url": "https://example.org/articles/0001",
        "extra": "EndNote %+: Department of Synthetic Studies, Example University, "
        "Example City\n"
        "EndNote %@: 2345-678X (Electronic)\n"
        "EndNote %<: Read again before the review.\n"
        "EndNote %W: NLM\n"
        # File links are text only: never opened, read or copied.
        "EndNote %>: file://localhost/Users/example/Documents/Synthetic%20Paper%202024.pdf\n"
        "EndNote %>: file://localhost/../../etc/passwd\n"
        "EndNote %U: javascript:alert(1)\n"
        "EndNote %1: custom value one\n"
        "EndNote coden: SYNTH7",
    }
    assert item.creators == [
        Creator("Testperson", "Alpha B."),
        Creator("Exampleton", "Beta"),
        Creator(literal="Synthetic Study Group on NK Cells"),
    ]
    assert item.tags == ["natural killer cells", "colorectal cancer", "synthetic data"]
    # <notes> with a blank line: two notes; markup in them is text.
    assert item.notes == [
        "<p>First synthetic note &lt;script&gt;alert(1)&lt;/script&gt; kept as text.</p>",
        "<p>Second synthetic note.</p>",
    ]


def test_x9_book_section_and_thesis(x9: ReadResult) -> None:
    book, section, thesis = x9.items[1:4]
    assert book.fields == {
        "title": "A synthetic monograph on cytotoxicity",
        "series": "Synthetic Series in Biology",
        "numberOfPages": "320",
        "edition": "2nd",
        "date": "2015",
        "place": "Example City",
        "publisher": "Example Press",
        "ISBN": "978-0-00-000000-2",
        "extra": "EndNote %6: 2\nEndNote %@: 9780000000019",
    }
    assert book.creators == [
        Creator("Bookwright", "Gamma"),
        Creator("Editorsson", "Delta", role="editor"),
        Creator("Seriesman", "Zeta", role="seriesEditor"),
    ]
    # Bare values without <style> read the same.
    assert section.fields == {
        "title": "Synthetic chapter on NK-cell receptors",
        "publicationTitle": "Synthetic Handbook of Immunology",
        "pages": "45-67",
        "date": "2018",
        "place": "Example City",
        "publisher": "Example Press",
        "ISBN": "0-00-000000-0",
    }
    assert section.creators == [
        Creator("Chapterson", "Epsilon"),
        Creator("Editorsson", "Delta", role="editor"),
        Creator("Editorsson", "Eta", role="editor"),
        Creator("Translatova", "Theta", role="translator"),
    ]
    assert thesis.fields == {
        "title": "A synthetic thesis on adoptive cell transfer",
        "date": "2020",
        "place": "Example City",
        "publisher": "Example University",
        "genre": "PhD thesis",
    }


def test_x9_survives_export_and_import(x9: ReadResult) -> None:
    back = read(dumps(x9.items))
    assert [normal(i) for i in back.items] == [normal(i) for i in x9.items]
    assert [p.message for p in back.problems] == [p.message for p in x9.problems]


def test_tagged_to_xml_and_back() -> None:
    """An `.enw` import exported as XML and read again keeps every field, tag and note."""
    tagged = endnote.read((DATA / "endnote_x9.enw").read_text(encoding="utf-8")).items
    back = read(dumps(tagged)).items
    assert [normal(i) for i in back] == [normal(i) for i in tagged]
    assert endnote.read(endnote.dumps(back)).items == back


# ---------------------------------------------------------------------------------------------
# Values, types, traps


def test_style_runs_bare_values_and_line_breaks() -> None:
    item = only(
        wrap(
            '<record><ref-type name="Book">6</ref-type><titles><title>'
            '<style face="bold" font="default" size="100%">Syn</style>thetic'
            '<style face="normal" font="default" size="100%"> title</style></title></titles>'
            "<isbn>978-0-00-000000-2&#xD;1234-5678</isbn>"
            "<abstract>Line one.&#xD;Line two.\r\nLine three.</abstract>"
            "<keywords><keyword>alpha</keyword><keyword>  </keyword><keyword>beta</keyword>"
            "</keywords></record>"
        )
    )
    assert item.fields == {
        "title": "Synthetic title",
        "ISBN": "978-0-00-000000-2",
        "ISSN": "1234-5678",
        "abstract": "Line one.\nLine two.\nLine three.",
    }
    assert item.tags == ["alpha", "beta"]


def test_type_by_number_then_name() -> None:
    def kind(ref_type: str) -> tuple[str, dict[str, str]]:
        item = read(wrap(f"<record>{ref_type}</record>")).items[0]
        return item.item_type, item.fields

    assert kind('<ref-type name="Anything">17</ref-type>') == ("journalArticle", {})
    assert kind('<ref-type name="Conference Proceedings">10</ref-type>') == (
        "conferencePaper",
        {"extra": "EndNote type: Conference Proceedings"},
    )
    assert kind("<ref-type>47</ref-type>") == ("conferencePaper", {})
    assert kind('<ref-type name="Hologram">13</ref-type>') == (
        "document",
        {"extra": "EndNote type: Hologram"},
    )
    assert kind('<ref-type name="Web Page">999</ref-type>') == ("webpage", {})
    assert kind("<ref-type>999</ref-type>") == ("document", {"extra": "EndNote type: 999"})
    result = read(wrap("<record><titles><title>T</title></titles></record>"))
    assert messages(result) == ["<input>:1: record 1: no ref-type; read as Generic (a document)"]


@pytest.mark.parametrize("kind", ITEM_TYPES)
def test_every_type_writes_its_number(kind: str) -> None:
    item = Item(kind, {"title": "T"})
    name = endnote.TYPES_OUT[kind]
    assert f'<ref-type name="{name}">{TYPE_NUMBERS[name]}</ref-type>' in record_xml(item, 1)
    assert only(dumps([item])) == item


def test_other_endnote_types_go_back_out_with_their_number() -> None:
    item = read(wrap('<record><ref-type name="Map">20</ref-type></record>')).items[0]
    assert item.fields == {"extra": "EndNote type: Map"}
    assert '<ref-type name="Map">20</ref-type>' in record_xml(item, 1)


def test_accession_numbers_and_databases() -> None:
    def fields(inner: str) -> dict[str, str]:
        return only(
            wrap(f'<record><ref-type name="Journal Article">17</ref-type>{inner}</record>')
        ).fields

    assert fields("<accession-num>31000001</accession-num>") == {"PMID": "31000001"}
    assert fields(
        "<accession-num>31000001</accession-num>"
        "<remote-database-name>Synthetic Index</remote-database-name>"
    ) == {"archive": "Synthetic Index", "extra": "EndNote %M: 31000001"}
    assert fields(
        "<accession-num>31000001</accession-num>"
        "<remote-database-provider>NLM</remote-database-provider>"
    ) == {"PMID": "31000001", "extra": "EndNote %W: NLM"}


def test_unknown_elements_and_groups_go_to_extra_and_back_out() -> None:
    item = only(
        wrap(
            '<record><ref-type name="Generic">13</ref-type><titles><title>T</title>'
            "<translated-title>Tr</translated-title><odd-title>O</odd-title></titles>"
            "<periodical><abbr-2>A2</abbr-2></periodical>"
            "<alt-periodical><full-title>Alt</full-title></alt-periodical>"
            "<contributors><translated-authors><author>Other, A</author></translated-authors>"
            "</contributors><dates><copyright-dates><date>1999</date></copyright-dates></dates>"
            "<urls><text-urls><url>a.txt</url></text-urls><web-urls><url>https://e.org/w</url>"
            "</web-urls></urls><misc1>m</misc1><custom7>c7</custom7><report-id>R1</report-id>"
            "<database>bookkeeping</database><rec-number>9</rec-number></record>"
        )
    )
    assert item.fields == {
        "title": "T",
        "url": "https://e.org/w",
        "extra": "EndNote %Q: Tr\nEndNote titles/odd-title: O\nEndNote periodical/abbr-2: A2\n"
        "EndNote alt-periodical/full-title: Alt\nEndNote %H: Other, A\n"
        "EndNote copyright-dates: 1999\nEndNote text-urls: a.txt\nEndNote misc1: m\n"
        "EndNote %]: c7\nEndNote report-id: R1",
    }
    text = record_xml(item, 1)
    for part in (
        "<translated-title>",
        "<translated-authors>",
        "<copyright-dates>",
        "<text-urls><url>a.txt</url></text-urls>",
        "<misc1>",
        "<custom7>",
        "<report-id>",
    ):
        assert part in text
    assert normal(only(dumps([item]))) == normal(item)


# ---------------------------------------------------------------------------------------------
# Hostile input


def _server() -> tuple[socket.socket, list[Any]]:
    """A local listener that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    seen: list[Any] = []

    def accept() -> None:
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            seen.append(conn)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    return server, seen


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SYNTHETIC-SECRET-CONTENT")
    server, seen = _server()
    port = server.getsockname()[1]
    try:
        text = (
            f'<?xml version="1.0"?>\n<!DOCTYPE xml SYSTEM "http://127.0.0.1:{port}/x.dtd" [\n'
            f'<!ENTITY file SYSTEM "file://{secret}">\n'
            f'<!ENTITY net SYSTEM "http://127.0.0.1:{port}/entity">\n]>\n'
            '<xml><records><record><ref-type name="Generic">13</ref-type>'
            "<titles><title>A &file; B &net; C</title></titles></record></records></xml>\n"
        )
        result = read(text)
        time.sleep(0.3)
    finally:
        server.close()
    assert seen == []  # no network access: neither the DTD nor the entity
    assert "SYNTHETIC-SECRET-CONTENT" not in repr(result)
    assert result.items[0].title == "A &file; B &net; C"  # kept as written, never expanded
    assert messages(result) == [
        "<input>: the file declares entities; they are never expanded (kept as &name;)"
    ]


def test_billion_laughs_is_never_expanded() -> None:
    entities = '<!ENTITY a "lol">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    text = f"<!DOCTYPE xml [{entities}]><xml><records><record><titles><title>&j;</title>"
    text += "</titles></record></records></xml>"
    result = read(text)  # an expansion would be 3 GB of `lol` (pytest-timeout would stop it)
    assert all(len(i.title) < 100 for i in result.items)
    assert result.items == [] or result.items[0].title == "&j;"


def test_malformed_xml_keeps_the_records_before_it() -> None:
    text = wrap(
        "\n<record><titles><title>One</title></titles></record>",
        "\n<record><titles><title>Two</title></titles></record>",
        "\n<record><titles><title>Three</title></record>",
        "\n<record><titles><title>Four</title></titles></record>",
    )
    result = read(text)
    assert [i.title for i in result.items] == ["One", "Two"]
    assert result.records == 2
    [error] = result.errors
    assert error.line == 4
    assert "Opening and ending tag mismatch" in error.message
    assert error.message.endswith("the 2 records before it are read")


def test_record_with_no_end() -> None:
    result = read('<xml><records><record><ref-type name="Book">6</ref-type><titles><title>Cut')
    assert result.items == []
    assert len(result.errors) == 1
    assert result.errors[0].line == 1


def test_undeclared_entity_is_an_error_with_its_line() -> None:
    result = read(
        wrap("<record><titles><title>a</title></titles></record>\n<record>&nbsp;</record>")
    )
    assert [i.title for i in result.items] == ["a"]
    assert messages(result)[-1].startswith("<input>:2: malformed XML: Entity 'nbsp' not defined")


def test_empty_zero_record_and_garbage() -> None:
    assert messages(read("")) == ["<input>: no records: the file is empty"]
    assert messages(read("\ufeff \n")) == ["<input>: no records: the file is empty"]
    zero = read(wrap())
    assert (zero.records, zero.items, zero.errors) == (0, [], [])
    assert messages(zero) == ["<input>: no records: the file has no <record> elements"]
    garbage = read(bytes(range(256)).decode("latin-1") * 3)
    assert garbage.items == []
    assert len(garbage.errors) == 1


def test_bom_and_cp1252_through_read_file(tmp_path: Path) -> None:
    record = '<record><ref-type name="Book">6</ref-type><titles><title>{}</title></titles></record>'
    bom = tmp_path / "bom.xml"
    bom.write_bytes(b"\xef\xbb\xbf" + wrap(record.format("Über synthetic")).encode("utf-8"))
    assert [i.title for i in read_file(bom).items] == ["Über synthetic"]
    old = tmp_path / "old.xml"
    text = wrap(record.format("Synthetic “quoted” title – café")).replace("UTF-8", "windows-1252")
    old.write_bytes(text.encode("cp1252"))
    result = read_file(old, "endnote-xml")
    assert result.problems == []
    assert [i.title for i in result.items] == ["Synthetic “quoted” title – café"]


def test_pdf_links_are_never_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.pdf"
    secret.write_text("SYNTHETIC-SECRET-CONTENT")
    text = wrap(
        '<record><ref-type name="Journal Article">17</ref-type><urls><pdf-urls>'
        f"<url>file://localhost{secret}</url><url>../../etc/passwd</url>"
        "<url>internal-pdf://../../../etc/passwd</url></pdf-urls></urls></record>"
    )
    opened: list[Any] = []
    watching = False

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if watching and event in ("open", "os.listdir", "os.scandir", "shutil.copyfile"):
            opened.append((event, args))

    sys.addaudithook(hook)
    watching = True
    try:
        result = read(text)
        xml = dumps(result.items)
    finally:
        watching = False
    assert opened == []
    assert "SYNTHETIC-SECRET-CONTENT" not in repr(result)
    assert result.items[0].fields["extra"].splitlines() == [
        f"EndNote %>: file://localhost{secret}",
        "EndNote %>: ../../etc/passwd",
        "EndNote %>: internal-pdf://../../../etc/passwd",
    ]
    assert "<pdf-urls><url>file://localhost" in xml


def test_html_and_javascript_are_stored_verbatim() -> None:
    item = only(
        wrap(
            '<record><ref-type name="Web Page">12</ref-type><titles><title>'
            "&lt;script&gt;alert(1)&lt;/script&gt; Synthetic</title></titles>"
            "<urls><related-urls><url>javascript:alert(1)</url></related-urls></urls>"
            "<abstract><![CDATA[<img src=x onerror=alert(1)>]]></abstract></record>"
        )
    )
    assert item.fields == {
        "title": "<script>alert(1)</script> Synthetic",
        "url": "javascript:alert(1)",
        "abstract": "<img src=x onerror=alert(1)>",
    }
    assert "&lt;script&gt;" in dumps([item])
    assert only(dumps([item])) == item


# ---------------------------------------------------------------------------------------------
# Writing


def test_writer_output_is_exact() -> None:
    item = Item(
        "journalArticle",
        {
            "title": "Synthetic <title> & more",
            "publicationTitle": "Journal of Synthetic Immunology",
            "journalAbbreviation": "J Synth Immunol",
            "abstract": "Line one.\nLine two.",
            "volume": "12",
            "issue": "3",
            "pages": "12-19",
            "date": "2026-01-12",
            "DOI": "10.5555/synth.0001",
            "ISSN": "1234-5678",
            "PMID": "33000001",
            "PMCID": "PMC0000001",
            "rights": "CC BY",
            "url": "https://example.org/a",
            "extra": "EndNote %>: files/a.pdf\nfree text\nEndNote %W: NLM",
        },
        [
            Creator("Testperson", "Alpha"),
            Creator(literal="Synthetic Group"),
            Creator("Editorsson", "Delta", role="editor"),
            Creator("Bookman", "Iota", role="bookAuthor"),
        ],
        ["NK cells"],
        ["<p>A <b>bold</b> note</p><p>Second paragraph</p>"],
    )
    s = STYLE
    assert dumps([item]) == (
        '<?xml version="1.0" encoding="UTF-8" ?><xml><records>\n'
        '<record><rec-number>1</rec-number><ref-type name="Journal Article">17</ref-type>'
        f"<contributors><authors><author>{s}Testperson, Alpha</style></author>"
        f"<author>{s}Synthetic Group,</style></author></authors>"
        f"<secondary-authors><author>{s}Editorsson, Delta</style></author></secondary-authors>"
        "</contributors>"
        f"<titles><title>{s}Synthetic &lt;title&gt; &amp; more</style></title>"
        f"<secondary-title>{s}Journal of Synthetic Immunology</style></secondary-title>"
        f"<alt-title>{s}J Synth Immunol</style></alt-title></titles>"
        f"<periodical><full-title>{s}Journal of Synthetic Immunology</style></full-title>"
        f"<abbr-1>{s}J Synth Immunol</style></abbr-1></periodical>"
        f"<pages>{s}12-19</style></pages><volume>{s}12</style></volume>"
        f"<number>{s}3</style></number>"
        f"<keywords><keyword>{s}NK cells</style></keyword></keywords>"
        f"<dates><year>{s}2026</style></year>"
        f"<pub-dates><date>{s}2026-01-12</style></date></pub-dates></dates>"
        f"<isbn>{s}1234-5678</style></isbn><accession-num>{s}33000001</style></accession-num>"
        f"<electronic-resource-num>{s}10.5555/synth.0001</style></electronic-resource-num>"
        f"<abstract>{s}Line one.&#xD;Line two.</style></abstract>"
        f"<notes>{s}A bold note&#xD;Second paragraph&#xD;&#xD;"
        "Extra: bookAuthor: Bookman, Iota&#xD;Extra: rights: CC BY&#xD;"
        "Extra: free text</style></notes>"
        f"<remote-database-provider>{s}NLM</style></remote-database-provider>"
        "<urls><pdf-urls><url>files/a.pdf</url></pdf-urls>"
        "<related-urls><url>https://example.org/a</url></related-urls></urls>"
        f"<custom2>{s}PMC0000001</style></custom2></record>\n"
        "</records></xml>\n"
    )
    back = only(dumps([item]))
    assert normal(back) == normal(
        Item(
            item.item_type,
            item.fields,
            item.creators,
            item.tags,
            ["<p>A bold note</p><p>Second paragraph</p>"],
        )
    )


def test_control_characters_are_dropped() -> None:
    item = Item("document", {"title": "A\x00B\x1fC\ufffeD\tE"})
    assert only(dumps([item])).title == "ABCD\tE"


def test_write_and_dumps_agree() -> None:
    out = io.StringIO()
    write([Item("book", {"title": "A"})], out)
    assert out.getvalue() == dumps([Item("book", {"title": "A"})])
    assert read(dumps([])).items == []


def test_sniff() -> None:
    assert sniff('<?xml version="1.0" encoding="UTF-8" ?><xml><records><record>')
    assert sniff("\ufeff<xml>\n  <records>")
    assert sniff('<EndNote><Cite><record><ref-type name="Book">6</ref-type>')
    assert not sniff('<?xml version="1.0"?><b:Sources xmlns:b="x"><b:Source>')
    assert not sniff("<PubmedArticleSet><PubmedArticle>")
    assert not sniff("%0 Journal Article\n")
    assert not sniff("")


# ---------------------------------------------------------------------------------------------
# Properties

# Text XML carries: no control characters but tab (XML 1.0 has no way to write them), no
# U+FFFE/U+FFFF, no surrogates, no BOM; one line, no surrounding space.
_CHARS = st.characters(
    exclude_categories=["Cs", "Cc"], exclude_characters="\ufeff\ufffe\uffff\u2028\u2029\x85"
)
_TRICKY = st.sampled_from(["<b>", "&amp;", "]]>", "&#xD;", "\t", "é", '"', "Extra", "%T "])
_TEXT = (
    st.lists(st.one_of(st.text(_CHARS, max_size=6), _TRICKY), min_size=1, max_size=6)
    .map(lambda parts: "".join(parts).strip())
    .filter(bool)
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(items(_TEXT), max_size=4))
def test_write_then_read_gives_the_same_items(written: list[Item]) -> None:
    result = read(dumps(written))
    assert result.problems == [] or not written, result.problems
    assert len(result.items) == len(written)
    for before, after in zip(written, result.items, strict=True):
        same(before, after, normal)


_ELEMENTS = [
    "pages", "volume", "number", "issue", "edition", "isbn", "accession-num", "notes",
    "electronic-resource-num", "abstract", "label", "custom2", "remote-database-name",
    "remote-database-provider", "language", "coden", "research-notes", "access-date",
]  # fmt: skip
_VALUES = st.sampled_from(
    [
        "",
        "12-19",
        "320",
        "1234-5678&#xD;978-0-00-000000-2",
        "31000001",
        "PMC1",
        "PubMed",
        "Extra: pages: 3",
        "Extra: bookAuthor: A, B",
        "a&#xD;&#xD;b",
        "&amp;&lt;",
        "x,",
        ", y",
        "Smith, Jr., A",
        "2020",
        "Mar 7",
        "2020-03-05",
        "n.d.",
        "doi:10.1/x",
    ]
) | st.text(_CHARS, max_size=5).map(lambda t: t.replace("&", "&amp;").replace("<", "&lt;"))
_WRAPPED = st.builds(
    lambda styled_value, value: styled(value) if styled_value else value, st.booleans(), _VALUES
)
_PIECES = st.one_of(
    st.builds(lambda n, name: f'<ref-type name="{name}">{n}</ref-type>',
              st.sampled_from(["17", "6", "5", "10", "13", "99", "x"]),
              st.sampled_from(["Journal Article", "Book", "Hologram", "Map"])),
    st.builds(lambda e, v: f"<{e}>{v}</{e}>", st.sampled_from(_ELEMENTS), _WRAPPED),
    st.builds(lambda g, v: f"<contributors><{g}><author>{v}</author></{g}></contributors>",
              st.sampled_from(["authors", "secondary-authors", "tertiary-authors", "odd"]),
              _WRAPPED),
    st.builds(lambda t, v: f"<titles><{t}>{v}</{t}></titles>",
              st.sampled_from(["title", "secondary-title", "alt-title", "short-title", "x"]),
              _WRAPPED),
    st.builds(lambda t, v: f"<periodical><{t}>{v}</{t}></periodical>",
              st.sampled_from(["full-title", "abbr-1", "abbr-3"]), _WRAPPED),
    st.builds(lambda k, v: f"<urls><{k}><url>{v}</url></{k}></urls>",
              st.sampled_from(["related-urls", "pdf-urls", "web-urls", "image-urls"]), _VALUES),
    st.builds(lambda v: f"<dates><year>{v}</year><pub-dates><date>{v}</date></pub-dates></dates>",
              _WRAPPED),
    st.builds(lambda v: f"<keywords><keyword>{v}</keyword></keywords>", _WRAPPED),
    st.sampled_from(["<!-- c -->", "<database>d</database>", "<empty/>", "<", "&", "</record>"]),
)  # fmt: skip
_RECORDS = st.lists(
    st.lists(_PIECES, max_size=12).map(lambda p: f"<record>{''.join(p)}</record>"), max_size=4
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text() | _RECORDS.map(lambda records: wrap(*records)))
def test_any_text_reads_without_exception(text: str) -> None:
    result = read(text)
    assert len(result.items) <= result.records
    back = read(dumps(result.items))
    assert back.errors == []
    assert [normal(i) for i in back.items] == [normal(i) for i in result.items]
