"""Merging duplicates, and the single-purpose edits (a field, the creators, the item type):
each one transaction on a real SQLite library, undone and redone exactly."""

from __future__ import annotations

from typing import Any

import pytest

from citelib import check
from citelib.errors import InvalidValue, NotFound
from citelib.library import Library, Scope
from citelib.model import Creator, Item
from tests.conftest import Dump, dump_library


def dump(lib: Library) -> Dump:
    return dump_library(lib, bookkeeping=False)


def add_attachment(
    lib: Library, item_id: int, key: str, title: str, sha256: str | None, added: str
) -> None:
    """An attachment row as an import would leave it (no API adds one yet)."""
    with lib.db.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO attachments (key, item_id, kind, title, path, url, sha256, date_added) "
            "VALUES (?, ?, 'linked', ?, ?, NULL, ?, ?)",
            (key, item_id, title, f"/papers/{title}.pdf", sha256, added),
        )


def state(lib: Library, ids: list[int]) -> dict[int, Any]:
    """Everything a user sees of these items."""
    return {
        i: (
            lib.get_item(i),
            lib.notes(i),
            lib.attachments(i),
            sorted(lib.item_collections(i)),
            lib.summaries([i])[0],
        )
        for i in ids
    }


@pytest.fixture
def dups(lib: Library) -> tuple[Library, list[int]]:
    """A master with some fields, notes, a tag, a collection and an attachment, and two
    duplicates carrying what it lacks."""
    ids = lib.add_items(
        [
            Item(
                "journalArticle",
                {"title": "NK cells in cancer", "date": "2020", "volume": "12"},
                [Creator("Smith", "Anna"), Creator("Jones", "Bo")],
                ["immunology"],
                ["<p>master note one</p>", "<p>master note two</p>"],
            ),
            Item(
                "journalArticle",
                {
                    "title": "NK Cells in Cancer.",
                    "date": "2021",
                    "volume": "99",
                    "publicationTitle": "Zanzibar Journal of Oncology",
                    "pages": "1-10",
                },
                [Creator("Smith", "A.")],
                ["cancer", "immunology"],
                ["<p>second's note</p>"],
            ),
            Item(
                "preprint",
                {"title": "NK cells in cancer", "pages": "5-9", "DOI": "10.1/nk", "issue": "3"},
                [Creator("Other", "Person")],
                ["preprint", "zeta"],
                ["<p>third a</p>", "<p>third b</p>"],
            ),
            Item("book", {"title": "Bystander"}, [Creator("Nobody")], ["zeta"]),
        ]
    ).new_ids
    master, second, third, bystander = ids
    reading = lib.create_collection("Reading").new_ids[0]
    nk = lib.create_collection("NK").new_ids[0]
    later = lib.create_collection("Later").new_ids[0]
    lib.add_to_collection(reading, [master, second])
    lib.add_to_collection(nk, [third])
    lib.add_to_collection(later, [second, bystander])
    add_attachment(lib, master, "ATTMAST2", "master-pdf", "a" * 64, "2024-01-01T00:00:00Z")
    add_attachment(lib, second, "ATTSECN2", "second-same", "a" * 64, "2024-01-02T00:00:00Z")
    add_attachment(lib, second, "ATTSECN3", "second-own", "b" * 64, "2024-01-03T00:00:00Z")
    add_attachment(lib, third, "ATTTHRD2", "third-link", None, "2023-01-01T00:00:00Z")
    add_attachment(lib, third, "ATTTHRD3", "third-dup-of-second", "b" * 64, "2024-02-01T00:00:00Z")
    lib.history.clear()
    return lib, list(ids)


# ------------------------------------------------------------------ merge


def test_merge_fills_empty_fields_and_keeps_the_masters(dups: tuple[Library, list[int]]) -> None:
    lib, (master, second, third, bystander) = dups
    before = lib.get_item(master)
    change = lib.merge_items(master, [second, third])

    item = lib.get_item(master)
    assert item.item_type == "journalArticle"  # the master's type
    assert item.fields == {
        "title": "NK cells in cancer",  # the master's, not the others'
        "date": "2020",
        "volume": "12",
        "publicationTitle": "Zanzibar Journal of Oncology",  # only the second had it
        "pages": "1-10",  # the second comes before the third
        "DOI": "10.1/nk",
        "issue": "3",
    }
    assert [(c.family, c.given) for c in item.creators] == [("Smith", "Anna"), ("Jones", "Bo")]
    assert item.date_modified > before.date_modified
    assert item.date_added == before.date_added
    assert item.key == before.key
    assert change.label == "Merge 3 items"
    assert change.items == frozenset({master, second, third})
    assert change.tags
    assert change.collections
    assert lib.history.undo_label == "Merge 3 items"
    assert lib.summaries([master])[0].publication == "Zanzibar Journal of Oncology"
    assert lib.get_item(bystander).tags == ["zeta"]
    assert check.run_checks(lib) == []


def test_merge_takes_the_union_of_tags_collections_notes_and_attachments(
    dups: tuple[Library, list[int]],
) -> None:
    lib, (master, second, third, _) = dups
    lib.merge_items(master, [second, third])

    assert lib.get_item(master).tags == ["cancer", "immunology", "preprint", "zeta"]
    names = {c.id: c.name for c in lib.collections()}
    assert sorted(names[c] for c in lib.item_collections(master)) == ["Later", "NK", "Reading"]
    # the notes move, after the master's, in the order the items were named
    assert [n.html for n in lib.notes(master)] == [
        "<p>master note one</p>",
        "<p>master note two</p>",
        "<p>second's note</p>",
        "<p>third a</p>",
        "<p>third b</p>",
    ]
    assert lib.notes(second) == []
    assert lib.notes(third) == []
    # attachments move unless the master already holds the same file (then it stays put)
    assert [a.title for a in lib.attachments(master)] == [
        "third-link",
        "master-pdf",
        "second-own",
    ]
    assert [a.title for a in lib.attachments(second)] == ["second-same"]
    assert [a.title for a in lib.attachments(third)] == ["third-dup-of-second"]
    counts = {s.id: s.attachments for s in lib.summaries([master, second, third])}
    assert counts == {master: 3, second: 1, third: 1}
    # the others keep their own tags and collections: restored, they are whole items
    assert lib.get_item(second).tags == ["cancer", "immunology"]
    assert sorted(names[c] for c in lib.item_collections(third)) == ["NK"]


def test_merged_items_go_to_the_trash(dups: tuple[Library, list[int]]) -> None:
    lib, (master, second, third, bystander) = dups
    lib.merge_items(master, [second, third])
    assert set(lib.item_ids(scope=Scope(trash=True))) == {second, third}
    assert set(lib.item_ids()) == {master, bystander}
    assert lib.duplicate_sets() == []
    names = {c.name: c.count for c in lib.collections()}
    assert names == {"Reading": 1, "NK": 1, "Later": 2}
    lib.restore([second])
    assert lib.get_item(second).title == "NK Cells in Cancer."


def test_merge_with_chosen_field_values(dups: tuple[Library, list[int]]) -> None:
    lib, (master, second, third, _) = dups
    lib.merge_items(
        master,
        [second, third],
        {"title": "NK Cells in Cancer.", "pages": "5-9", "volume": "", "DOI": "doi:10.1/NK"},
    )
    item = lib.get_item(master)
    assert item.title == "NK Cells in Cancer."
    assert item.get("pages") == "5-9"
    assert "volume" not in item.fields  # an empty choice leaves the field empty
    assert item.get("DOI") == "10.1/NK"  # chosen values are checked as any edit's
    assert item.get("date") == "2020"


def test_a_master_without_creators_takes_the_first_others(lib: Library) -> None:
    master, bare, named, later = lib.add_items(
        [
            Item("book", {"title": "T"}),
            Item("book", {"title": "T"}),
            Item("book", {"title": "T"}, [Creator("Ng", "Li"), Creator("Editor", role="editor")]),
            Item("book", {"title": "T"}, [Creator("Late", "L")]),
        ]
    ).new_ids
    before = dump(lib)
    lib.merge_items(master, [bare, named, later])
    item = lib.get_item(master)
    assert [(c.family, c.role) for c in item.creators] == [("Ng", "author"), ("Editor", "editor")]
    assert lib.summaries([master])[0].creator == "Ng"
    assert lib.search("Ng").total == 1
    assert lib.undo() is not None
    assert dump(lib) == before


def test_merge_undo_restores_everything_and_redo_reapplies(
    dups: tuple[Library, list[int]],
) -> None:
    lib, ids = dups
    master, second, third, _ = ids
    before, seen = dump(lib), state(lib, ids)
    lib.merge_items(master, [second, third], {"title": "Chosen"})
    after, merged = dump(lib), state(lib, ids)
    assert after != before

    undone = lib.undo()
    assert undone is not None
    assert undone.label == "Undo Merge 3 items"
    assert state(lib, ids) == seen
    assert dump(lib) == before
    assert check.run_checks(lib) == []
    assert lib.history.redo_label == "Merge 3 items"

    redone = lib.redo()
    assert redone is not None
    assert redone.label == "Redo Merge 3 items"
    assert state(lib, ids) == merged
    assert dump(lib) == after
    assert check.run_checks(lib) == []


def test_search_finds_the_master_by_what_the_merge_filled_in(
    dups: tuple[Library, list[int]],
) -> None:
    lib, (master, second, third, _) = dups
    assert lib.item_ids("Zanzibar") == [second]
    assert lib.item_ids("preprint") == [third]
    lib.merge_items(master, [second, third])
    assert lib.item_ids("Zanzibar") == [master]  # a filled field
    assert lib.item_ids("preprint") == [master]  # a tag
    assert lib.item_ids("third") == [master]  # a moved note
    assert lib.item_ids("Zanzibar", scope=Scope(trash=True)) == [second]
    assert lib.item_ids("third", scope=Scope(trash=True)) == []
    lib.undo()
    assert lib.item_ids("Zanzibar") == [second]
    assert lib.item_ids("third") == [third]


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (lambda m, s, t, b: (m, []), InvalidValue, "at least one"),
        (lambda m, s, t, b: (m, [s, m]), InvalidValue, "into itself"),
        (lambda m, s, t, b: (m, [s, t, s]), InvalidValue, "twice"),
        (lambda m, s, t, b: (m, [s, 999]), NotFound, "no item 999"),
        (lambda m, s, t, b: (999, [s]), NotFound, "no item 999"),
        (lambda m, s, t, b: (b, [s], {"nonsense": "x"}), InvalidValue, "unknown field"),
    ],
)
def test_merge_refuses_bad_requests_and_changes_nothing(
    dups: tuple[Library, list[int]], args: Any, error: type[Exception], message: str
) -> None:
    lib, ids = dups
    lib.set_field(ids[3], "volume", "1")  # something to undo: the history must stay
    before = dump(lib)
    with pytest.raises(error, match=message):
        lib.merge_items(*args(*ids))
    assert dump(lib) == before
    assert lib.history.undo_label == "Edit Volume"


def test_merge_refuses_items_in_the_trash(dups: tuple[Library, list[int]]) -> None:
    lib, (master, second, third, _) = dups
    lib.trash([master])
    before = dump(lib)
    with pytest.raises(InvalidValue, match="in the Trash"):
        lib.merge_items(master, [second])
    with pytest.raises(InvalidValue, match=f"item {master} is in the Trash"):
        lib.merge_items(second, [third, master])
    assert dump(lib) == before
    assert lib.history.undo_label == "Move item to Trash"


def test_merge_of_two_items_is_labelled_by_its_count(dups: tuple[Library, list[int]]) -> None:
    lib, (master, second, _, _) = dups
    assert lib.merge_items(master, (second,)).label == "Merge 2 items"


# ------------------------------------------------------------------ set_field's label


@pytest.mark.parametrize(
    ("name", "label"),
    [("title", "Edit Title"), ("publicationTitle", "Edit Publication"), ("DOI", "Edit DOI")],
)
def test_set_field_is_labelled_by_the_field(
    dups: tuple[Library, list[int]], name: str, label: str
) -> None:
    lib, ids = dups
    change = lib.set_field(ids[0], name, "10.5/x")
    assert change.label == label
    assert lib.history.undo_label == label
    undone = lib.undo()
    assert undone is not None
    assert undone.label == f"Undo {label}"


def test_set_field_takes_a_label(dups: tuple[Library, list[int]]) -> None:
    lib, ids = dups
    assert lib.set_field(ids[0], "title", "x", label="Paste title").label == "Paste title"
    assert lib.history.undo_label == "Paste title"


# ------------------------------------------------------------------ set_creators


def test_set_creators(dups: tuple[Library, list[int]]) -> None:
    lib, ids = dups
    item_id = ids[0]
    before = dump(lib)
    modified = lib.get_item(item_id).date_modified
    given = [
        Creator(literal="  World Health Organization "),
        Creator("", "", ""),  # no name: left out
        Creator("Ed", "It", role="editor"),
        Creator("Jones", "Bo"),
    ]
    change = lib.set_creators(item_id, given)
    assert change.label == "Edit Creators"
    assert change.items == frozenset({item_id})
    assert given[0].literal == "  World Health Organization "  # the caller's objects stay
    item = lib.get_item(item_id)
    assert [(c.display(), c.role) for c in item.creators] == [
        ("World Health Organization", "author"),
        ("Ed, It", "editor"),
        ("Jones, Bo", "author"),
    ]
    assert item.date_modified > modified
    assert lib.summaries([item_id])[0].creator == "World Health Organization and Jones"
    assert lib.item_ids("Organization") == [item_id]
    assert lib.item_ids("Anna Smith") == []
    after = dump(lib)

    undone = lib.undo()
    assert undone is not None
    assert undone.label == "Undo Edit Creators"
    assert dump(lib) == before
    assert lib.item_ids("Organization") == []
    assert lib.redo() is not None
    assert dump(lib) == after
    assert check.run_checks(lib) == []


def test_set_creators_to_none(dups: tuple[Library, list[int]]) -> None:
    lib, ids = dups
    lib.set_creators(ids[0], [])
    assert lib.get_item(ids[0]).creators == []
    assert lib.summaries([ids[0]])[0].creator == ""


def test_set_creators_refuses_bad_input(dups: tuple[Library, list[int]]) -> None:
    lib, ids = dups
    before = dump(lib)
    with pytest.raises(InvalidValue, match="role"):
        lib.set_creators(ids[0], [Creator("A"), Creator("B", role="boss")])  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        lib.set_creators(999, [Creator("A")])
    assert dump(lib) == before
    assert lib.history.undo_label is None


# ------------------------------------------------------------------ set_item_type


def test_set_item_type_keeps_every_field(dups: tuple[Library, list[int]]) -> None:
    lib, ids = dups
    item_id = ids[1]
    before_item, before = lib.get_item(item_id), dump(lib)
    change = lib.set_item_type(item_id, "book")  # a book lists no publicationTitle or pages
    assert change.label == "Change Item Type"
    assert change.items == frozenset({item_id})
    item = lib.get_item(item_id)
    assert item.item_type == "book"
    assert item.fields == before_item.fields
    assert item.creators == before_item.creators
    assert item.date_modified > before_item.date_modified
    assert lib.summaries([item_id])[0].item_type == "book"
    after = dump(lib)

    undone = lib.undo()
    assert undone is not None
    assert undone.label == "Undo Change Item Type"
    assert dump(lib) == before
    assert lib.redo() is not None
    assert dump(lib) == after


def test_set_item_type_to_the_same_type_changes_nothing(dups: tuple[Library, list[int]]) -> None:
    lib, ids = dups
    before = dump(lib)
    change = lib.set_item_type(ids[0], "journalArticle")
    assert change.empty
    assert dump(lib) == before
    assert lib.history.undo_label is None


def test_set_item_type_refuses_bad_input(dups: tuple[Library, list[int]]) -> None:
    lib, ids = dups
    before = dump(lib)
    with pytest.raises(InvalidValue, match="item type"):
        lib.set_item_type(ids[0], "novel")
    with pytest.raises(NotFound):
        lib.set_item_type(999, "book")
    assert dump(lib) == before
    assert lib.history.undo_label is None
