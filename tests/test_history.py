"""Undo and redo: every mutating Library call, undone, gives back the exact database it found."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from citelib import check
from citelib.errors import CitelibError, HistoryLost
from citelib.library import Change, Library
from citelib.library.history import History, Step
from citelib.model import Creator, Item
from tests.conftest import Dump, dump_library, sample_items


def dump(lib: Library) -> Dump:
    return dump_library(lib, bookkeeping=False)


def populate(lib: Library) -> None:
    """Something of everything: tags with and without colours, a tree of collections, notes,
    an item in the trash, a saved search. Leaves no history."""
    items = sample_items()
    items[1].notes = ["<p>Method &amp; results</p>"]
    items.append(Item("thesis", {"title": "Trashed thesis", "date": "2019"}, [Creator("Zed")]))
    ids = lib.add_items(items).new_ids
    lib.trash([ids[4]])
    lib.add_tags([ids[0], ids[4]], ["red"])
    lib.set_tag_color("red", "#ff0000")
    lib.set_tag_color("blue", "#0000ff")  # on no item
    research = lib.create_collection("Research").new_ids[0]
    nk = lib.create_collection("NK", research).new_ids[0]
    deep = lib.create_collection("Deep", nk).new_ids[0]
    other = lib.create_collection("Other").new_ids[0]
    later = lib.create_collection("Later").new_ids[0]
    lib.move_collection(other, later)  # a child with a smaller id than its parent
    lib.add_to_collection(research, [ids[1]])
    lib.add_to_collection(nk, [ids[0], ids[4]])
    lib.add_to_collection(deep, [ids[0]])
    lib.add_note(ids[2], "<p>Chapter 3 is the one</p>")
    lib.save_search("Recent", "year:2016..")
    lib.history.clear()


@pytest.fixture
def full(lib: Library) -> Library:
    populate(lib)
    return lib


def _coll(lib: Library, name: str) -> int:
    found = lib.find_collection(name)
    assert found is not None
    return found


def _note(lib: Library, item_id: int) -> int:
    return lib.notes(item_id)[0].id


def _update(lib: Library) -> Change:
    item = lib.get_item(1)
    item.item_type = "preprint"
    item.set("title", "Edited title")
    item.set("PMID", "")
    item.set("arXiv", "2401.00001")
    item.creators = [item.creators[2], Creator("New", "E", role="editor"), item.creators[0]]
    item.tags = ["Adoptive cell transfer", "brand new"]  # CAR-NK cells and red go
    return lib.update_item(item)


OPERATIONS: dict[str, Callable[[Library], Change]] = {
    "add_items": lambda lib: lib.add_items(
        [
            Item("book", {"title": "New book"}, [Creator("A", "B")], ["Textbook", "fresh"]),
            Item("webpage", {"title": "Page"}, [], [], ["<p>a note</p>", "<p>two</p>"]),
        ],
        tags=["imported"],
        collection="Imports",
    ),
    "add_items_into_existing_collection": lambda lib: lib.add_items(
        [Item("book", {"title": "Another"})], collection="Research"
    ),
    "add_item": lambda lib: lib.add_item(Item("report", {"title": "One report", "date": "1999"})),
    "update_item": _update,
    "set_field": lambda lib: lib.set_field(2, "title", "Set by field"),
    "clear_field": lambda lib: lib.set_field(2, "volume", ""),
    "set_creators": lambda lib: lib.set_creators(1, [Creator("New", "N"), Creator(literal="WHO")]),
    "set_item_type": lambda lib: lib.set_item_type(3, "bookSection"),
    "merge_items": lambda lib: lib.merge_items(1, [3, 2], {"volume": "1"}),
    "trash": lambda lib: lib.trash([1, 2]),
    "restore": lambda lib: lib.restore([5]),
    "empty_trash": lambda lib: lib.empty_trash(),
    "delete_items": lambda lib: lib.delete_items([1, 3]),
    "add_tags": lambda lib: lib.add_tags([1, 2, 3], ["new tag", "Textbook"]),
    "remove_tags": lambda lib: lib.remove_tags([1, 2], ["Adoptive cell transfer"]),
    "remove_last_use_of_a_tag": lambda lib: lib.remove_tags([1], ["CAR-NK cells"]),
    "rename_tag": lambda lib: lib.rename_tag("Textbook", "Books"),
    "rename_tag_merge": lambda lib: lib.rename_tag("CAR-NK cells", "Adoptive cell transfer"),
    "rename_coloured_tag_merge": lambda lib: lib.rename_tag("red", "Textbook"),
    "delete_tag": lambda lib: lib.delete_tag("Adoptive cell transfer"),
    "delete_coloured_tag": lambda lib: lib.delete_tag("red"),
    "colour_new_tag": lambda lib: lib.set_tag_color("green", "#00ff00", 0),
    "colour_used_tag": lambda lib: lib.set_tag_color("Textbook", "#123456", 1),
    "recolour": lambda lib: lib.set_tag_color("red", "#aa0000"),
    "uncolour_used_tag": lambda lib: lib.set_tag_color("red", None),
    "uncolour_unused_tag": lambda lib: lib.set_tag_color("blue", None),
    "toggle_tag_on": lambda lib: lib.toggle_tag([2, 3], "Textbook"),
    "toggle_tag_off": lambda lib: lib.toggle_tag([1, 2], "Adoptive cell transfer"),
    "create_collection": lambda lib: lib.create_collection("Fresh"),
    "create_subcollection": lambda lib: lib.create_collection("Child", _coll(lib, "Research/NK")),
    "rename_collection": lambda lib: lib.rename_collection(_coll(lib, "NK"), "Natural killer"),
    "move_collection": lambda lib: lib.move_collection(_coll(lib, "NK"), _coll(lib, "Other")),
    "move_collection_to_top": lambda lib: lib.move_collection(_coll(lib, "Deep"), None),
    "delete_collection_tree": lambda lib: lib.delete_collection(_coll(lib, "Research")),
    "delete_tree_with_an_older_child": lambda lib: lib.delete_collection(_coll(lib, "Later")),
    "add_to_collection": lambda lib: lib.add_to_collection(_coll(lib, "Other"), [1, 2, 3]),
    "remove_from_collection": lambda lib: lib.remove_from_collection(_coll(lib, "NK"), [1, 5]),
    "add_note": lambda lib: lib.add_note(1, "<p>new note</p>"),
    "update_note": lambda lib: lib.update_note(_note(lib, 2), "<p>rewritten</p>"),
    "delete_note": lambda lib: lib.delete_note(_note(lib, 3)),
    "save_search": lambda lib: lib.save_search("Old", "year:..2000"),
    "replace_saved_search": lambda lib: lib.save_search("Recent", "year:2020.."),
    "delete_saved_search": lambda lib: lib.delete_saved_search("Recent"),
}


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_undo_and_redo_restore_the_exact_state(full: Library, name: str) -> None:
    lib = full
    before = dump(lib)
    change = OPERATIONS[name](lib)
    after = dump(lib)
    assert after != before
    assert lib.history.undo_label == change.label
    assert lib.history.redo_label is None

    undone = lib.undo()
    assert undone is not None
    assert undone.label == f"Undo {change.label}"
    assert undone.items_removed == change.items_added
    assert undone.items_added == change.items_removed
    assert dump(lib) == before
    assert check.run_checks(lib) == []
    assert lib.history.undo_label is None
    assert lib.history.redo_label == change.label

    redone = lib.redo()
    assert redone is not None
    assert redone.label == f"Redo {change.label}"
    assert redone.items_added == change.items_added
    assert dump(lib) == after
    assert check.run_checks(lib) == []

    assert lib.undo() is not None
    assert dump(lib) == before


def test_a_sequence_undone_and_redone(full: Library) -> None:
    lib = full
    states = [dump(lib)]
    new = lib.add_items([Item("book", {"title": "Sequence"}, tags=["seq"])]).new_ids[0]
    states.append(dump(lib))
    lib.set_field(new, "title", "Sequence, edited")
    states.append(dump(lib))
    lib.add_tags([new, 1], ["more"])
    states.append(dump(lib))
    lib.trash([new, 2])
    states.append(dump(lib))
    lib.empty_trash()
    states.append(dump(lib))
    assert lib.count(scope=None) == 3  # the new item, item 2 and the thesis went

    for expected in reversed(states[:-1]):
        assert lib.undo() is not None
        assert dump(lib) == expected
    assert lib.undo() is None
    assert lib.get_item(5).title == "Trashed thesis"
    for expected in states[1:]:
        assert lib.redo() is not None
        assert dump(lib) == expected
    assert lib.redo() is None
    assert check.run_checks(lib) == []


def test_a_new_change_clears_redo(full: Library) -> None:
    lib = full
    lib.set_field(1, "title", "one")
    lib.set_field(1, "title", "two")
    lib.undo()
    assert lib.history.redo_label == "Edit Title"
    lib.add_tags([2], ["x"])
    assert lib.history.redo_label is None
    assert lib.redo() is None
    assert lib.get_item(1).title == "one"


def test_nothing_to_undo(lib: Library) -> None:
    assert lib.undo() is None
    assert lib.redo() is None
    assert lib.history.undo_label is None


def test_failed_calls_leave_no_step(full: Library) -> None:
    lib = full
    with pytest.raises(CitelibError):
        lib.move_collection(_coll(lib, "Research"), _coll(lib, "Deep"))
    with pytest.raises(CitelibError):
        lib.rename_tag("nope", "x")
    assert lib.history.undo_label is None


def test_the_history_limit(full: Library) -> None:
    lib = full
    lib.history = History(limit=3)
    states = [dump(lib)]
    for n in range(5):
        lib.set_field(1, "title", f"title {n}")
        states.append(dump(lib))
    assert len(lib.history.undo_stack) == 3
    for expected in reversed(states[2:5]):
        assert lib.undo() is not None
        assert dump(lib) == expected
    assert lib.undo() is None
    assert lib.get_item(1).title == "title 1"


@pytest.mark.parametrize("limit", [0, 1, 2])
def test_history_keeps_at_most_its_limit(limit: int) -> None:
    history = History(limit=limit)
    for n in range(4):
        history.push(Step(Change(f"step {n}")))
    assert [s.change.label for s in history.undo_stack] == [
        f"step {n}" for n in range(4 - limit, 4)
    ]


def test_undo_of_a_large_import(lib: Library) -> None:
    items = [
        Item("document", {"title": f"Doc {n}"}, [Creator(f"F{n}")], [f"t{n % 9}"])
        for n in range(5000)
    ]
    lib.add_items(items)
    empty = dump(lib)
    lib.add_items(items, tags=["second"], collection="Second")
    after = dump(lib)
    lib.undo()
    assert dump(lib) == empty
    lib.redo()
    assert dump(lib) == after
    assert lib.search("doc").total == 10_000


def test_check_repair_clears_the_history(full: Library) -> None:
    full.set_field(1, "title", "x")
    with full.db.write() as conn:
        conn.exec_driver_sql("UPDATE items SET sort_title = 'stale' WHERE id = 2")
    check.repair(full)
    assert full.history.undo_label is None


# ------------------------------------------------------------------ random sequences

TAGS = ["a", "b", "Ärzte", "Textbook", "CAR-NK cells", "x y", "red"]
TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
NAMES = st.sampled_from(["A", "B", "Research", "ä/b", " padded "])


@st.composite
def items(draw: st.DrawFn) -> Item:
    fields = {"title": draw(TEXT)}
    if draw(st.booleans()):
        fields["date"] = draw(st.sampled_from(["2015", "2015-03-07", "Spring 2019", "n.d."]))
    if draw(st.booleans()):
        fields["DOI"] = draw(st.sampled_from(["10.1/a", "https://doi.org/10.1/B"]))
    creators = draw(
        st.lists(
            st.builds(
                Creator,
                family=st.sampled_from(["Smith", "Müller", ""]),
                given=st.sampled_from(["", "J."]),
                literal=st.sampled_from(["", "WHO"]),
                role=st.sampled_from(["author", "editor", "translator"]),
            ),
            max_size=3,
        )
    )
    tags = draw(st.lists(st.sampled_from(TAGS), max_size=3))
    notes = draw(st.lists(st.sampled_from(["<p>x</p>", "<b>note &amp; more</b>"]), max_size=2))
    return Item(draw(st.sampled_from(["book", "journalArticle"])), fields, creators, tags, notes)


class UndoMachine(RuleBasedStateMachine):
    """Random edits, undos and redos; every undo must give back the state before its step."""

    template: Path

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="citelib-undo-"))
        (self.tmp / "lib").mkdir()
        shutil.copy(self.template, self.tmp / "lib" / "library.sqlite")
        self.lib = Library.open(self.tmp / "lib", create=False)
        self.states = [dump(self.lib)]
        self.redo_states: list[Dump] = []

    # -- helpers
    def ids(self, trashed: bool | None = None) -> list[int]:
        with self.lib.db.read() as conn:
            where = "" if trashed is None else f" WHERE trashed = {int(trashed)}"
            return [r[0] for r in conn.exec_driver_sql(f"SELECT id FROM items{where} ORDER BY id")]

    def some(self, data: st.DataObject, values: list[Any], min_size: int = 1) -> list[Any]:
        return data.draw(st.lists(st.sampled_from(values), min_size=min_size, max_size=4))

    def collections(self) -> list[int]:
        return [c.id for c in self.lib.collections()]

    def apply(self, operation: Callable[[], object]) -> None:
        before = self.states[-1]
        steps = len(self.lib.history.undo_stack)
        try:
            operation()
        except CitelibError:
            assert dump(self.lib) == before
            assert len(self.lib.history.undo_stack) == steps
            return
        now = dump(self.lib)
        if len(self.lib.history.undo_stack) == steps:
            assert now == before  # no step, no change
            return
        self.states.append(now)
        self.redo_states.clear()

    # -- items
    @rule(new=st.lists(items(), min_size=1, max_size=3), data=st.data())
    def add(self, new: list[Item], data: st.DataObject) -> None:
        extra = self.some(data, TAGS, min_size=0)
        collection = data.draw(st.one_of(st.none(), NAMES))
        self.apply(lambda: self.lib.add_items(new, tags=extra, collection=collection))

    @precondition(lambda self: self.ids())
    @rule(data=st.data(), changed=items())
    def update(self, data: st.DataObject, changed: Item) -> None:
        item = self.lib.get_item(data.draw(st.sampled_from(self.ids())))
        item.item_type = changed.item_type
        item.fields = changed.fields
        item.creators = data.draw(st.permutations(item.creators + changed.creators))
        item.tags = changed.tags
        self.apply(lambda: self.lib.update_item(item))

    @precondition(lambda self: self.ids())
    @rule(data=st.data(), value=TEXT)
    def set_field(self, data: st.DataObject, value: str) -> None:
        item_id = data.draw(st.sampled_from(self.ids()))
        name = data.draw(st.sampled_from(["title", "date", "publicationTitle", "volume"]))
        self.apply(lambda: self.lib.set_field(item_id, name, value))

    @precondition(lambda self: self.ids())
    @rule(data=st.data(), to_trash=st.booleans())
    def trash_or_restore(self, data: st.DataObject, to_trash: bool) -> None:
        ids = self.some(data, self.ids())
        self.apply(lambda: self.lib.trash(ids) if to_trash else self.lib.restore(ids))

    @rule()
    def empty_trash(self) -> None:
        self.apply(self.lib.empty_trash)

    @precondition(lambda self: self.ids())
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        ids = self.some(data, self.ids())
        self.apply(lambda: self.lib.delete_items(ids))

    # -- tags
    @precondition(lambda self: self.ids())
    @rule(data=st.data(), how=st.sampled_from(["add", "remove", "toggle"]))
    def tag(self, data: st.DataObject, how: str) -> None:
        ids = self.some(data, self.ids())
        names = self.some(data, TAGS)
        if how == "add":
            self.apply(lambda: self.lib.add_tags(ids, names))
        elif how == "remove":
            self.apply(lambda: self.lib.remove_tags(ids, names))
        else:
            self.apply(lambda: self.lib.toggle_tag(ids, names[0]))

    @rule(data=st.data(), new=st.sampled_from(TAGS))
    def rename_or_delete_tag(self, data: st.DataObject, new: str) -> None:
        existing = [t.name for t in self.lib.tags()] or ["missing"]
        old = data.draw(st.sampled_from(existing))
        if data.draw(st.booleans()):
            self.apply(lambda: self.lib.rename_tag(old, new))
        else:
            self.apply(lambda: self.lib.delete_tag(old))

    @rule(
        name=st.sampled_from(TAGS),
        color=st.sampled_from([None, "#ff0000", "#00ff00"]),
        position=st.sampled_from([None, 0, 1, 9]),
    )
    def colour(self, name: str, color: str | None, position: int | None) -> None:
        self.apply(lambda: self.lib.set_tag_color(name, color, position))

    # -- collections
    @rule(name=NAMES, data=st.data())
    def create_collection(self, name: str, data: st.DataObject) -> None:
        parent = data.draw(st.sampled_from([None, *self.collections()]))
        self.apply(lambda: self.lib.create_collection(name, parent))

    @precondition(lambda self: self.lib.collections())
    @rule(data=st.data(), how=st.sampled_from(["rename", "move", "delete", "add", "remove"]))
    def change_collection(self, data: st.DataObject, how: str) -> None:
        cid = data.draw(st.sampled_from(self.collections()))
        if how == "rename":
            name = data.draw(NAMES)
            self.apply(lambda: self.lib.rename_collection(cid, name))
        elif how == "move":
            parent = data.draw(st.sampled_from([None, *self.collections()]))
            self.apply(lambda: self.lib.move_collection(cid, parent))
        elif how == "delete":
            self.apply(lambda: self.lib.delete_collection(cid))
        elif self.ids():
            ids = self.some(data, self.ids())
            if how == "add":
                self.apply(lambda: self.lib.add_to_collection(cid, ids))
            else:
                self.apply(lambda: self.lib.remove_from_collection(cid, ids))

    # -- notes and saved searches
    @precondition(lambda self: self.ids())
    @rule(data=st.data(), html=st.sampled_from(["<p>n</p>", "<i>protocol</i> &lt;"]))
    def note(self, data: st.DataObject, html: str) -> None:
        item_id = data.draw(st.sampled_from(self.ids()))
        notes = [n.id for n in self.lib.notes(item_id)]
        how = data.draw(st.sampled_from(["add", "update", "delete"] if notes else ["add"]))
        if how == "add":
            self.apply(lambda: self.lib.add_note(item_id, html))
        elif how == "update":
            self.apply(lambda: self.lib.update_note(data.draw(st.sampled_from(notes)), html))
        else:
            self.apply(lambda: self.lib.delete_note(data.draw(st.sampled_from(notes))))

    @rule(name=st.sampled_from(["s1", "s2"]), query=st.sampled_from(["a", "year:2015", "tag:b"]))
    def saved_search(self, name: str, query: str) -> None:
        if name in {s.name for s in self.lib.saved_searches()} and query == "a":
            self.apply(lambda: self.lib.delete_saved_search(name))
        else:
            self.apply(lambda: self.lib.save_search(name, query))

    # -- undo and redo
    @precondition(lambda self: len(self.states) > 1)
    @rule()
    def undo(self) -> None:
        assert self.lib.undo() is not None
        self.redo_states.append(self.states.pop())
        assert dump(self.lib) == self.states[-1]

    @precondition(lambda self: self.redo_states)
    @rule()
    def redo(self) -> None:
        assert self.lib.redo() is not None
        self.states.append(self.redo_states.pop())
        assert dump(self.lib) == self.states[-1]

    @invariant()
    def stacks_match(self) -> None:
        assert len(self.lib.history.undo_stack) == len(self.states) - 1
        assert len(self.lib.history.redo_stack) == len(self.redo_states)

    def teardown(self) -> None:
        try:
            while self.lib.undo() is not None:
                pass
            assert dump(self.lib) == self.states[0]
            assert check.run_checks(self.lib) == []
        finally:
            self.lib.close()
            shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template") / "library"
    with Library.open(folder) as lib:
        populate(lib)
    return folder / "library.sqlite"


def test_random_operations_undo_back_to_the_start(template: Path) -> None:
    UndoMachine.template = template
    UndoMachine.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=20,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    UndoMachine.TestCase().runTest()


def test_undo_refuses_after_another_program_wrote(tmp_path: Path) -> None:
    """Restoring old rows over another program's edit would silently lose that edit."""
    folder = tmp_path / "shared"
    mine, theirs = Library.open(folder), Library.open(folder)
    try:
        (item_id,) = mine.add_items([Item("book", {"title": "Original"})]).new_ids
        mine.set_field(item_id, "title", "Mine")
        theirs.set_field(item_id, "title", "Theirs")
        with pytest.raises(HistoryLost, match="changed by another program"):
            mine.undo()
        assert mine.get_item(item_id).title == "Theirs"
        assert mine.history.undo_label is None  # forgotten, not half-applied
        assert theirs.undo() is not None  # their own last step is still theirs to undo
        assert theirs.get_item(item_id).title == "Mine"
        mine.set_field(item_id, "title", "Again")
        assert mine.undo() is not None  # a new history works as before
        assert mine.get_item(item_id).title == "Mine"
    finally:
        mine.close()
        theirs.close()


def test_steps_made_before_another_program_wrote_are_not_undone_after_a_new_step(
    tmp_path: Path,
) -> None:
    """Our own write after theirs must not make our older steps look safe to undo again."""
    folder = tmp_path / "shared"
    mine, theirs = Library.open(folder), Library.open(folder)
    try:
        (item_id,) = mine.add_items([Item("book", {"title": "Original"})]).new_ids
        mine.set_field(item_id, "title", "Mine")
        theirs.set_field(item_id, "volume", "7")  # the same item row, another field
        mine.set_field(item_id, "publisher", "Later")  # a step of ours after theirs
        assert mine.undo() is not None  # that step saw their volume: safe to undo
        assert mine.get_item(item_id).get("publisher") == ""
        assert mine.get_item(item_id).get("volume") == "7"
        # the title step's snapshot predates their edit: restoring it would drop the volume
        assert mine.history.undo_label is None
        assert mine.undo() is None
        assert mine.get_item(item_id).title == "Mine"
        assert mine.get_item(item_id).get("volume") == "7"
    finally:
        mine.close()
        theirs.close()


def test_changed_elsewhere_tells_of_another_programs_writes_once(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    mine, theirs = Library.open(folder), Library.open(folder)
    try:
        assert not mine.changed_elsewhere()
        (item_id,) = mine.add_items([Item("book", {"title": "Original"})]).new_ids
        assert not mine.changed_elsewhere()  # our own write
        mine.undo()
        mine.redo()
        assert not mine.changed_elsewhere()  # undo and redo are ours too
        assert theirs.changed_elsewhere()  # ours, seen from theirs
        assert not theirs.changed_elsewhere()  # told once
        theirs.set_field(item_id, "volume", "7")
        assert mine.changed_elsewhere()
        assert not mine.changed_elsewhere()
        theirs.set_field(item_id, "volume", "8")
        mine.set_field(item_id, "title", "Mine")  # a write of ours does not hide theirs
        assert mine.changed_elsewhere()
        assert not mine.changed_elsewhere()
    finally:
        mine.close()
        theirs.close()
