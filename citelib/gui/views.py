"""What the sidebar can show: My Library, Unfiled, Duplicates, Trash, a collection, a saved
search. The main window turns the chosen view, the tags clicked in the tag selector and the
quick-search text into one query and Scope for the item table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from citelib.library import Scope

ViewKind = Literal["library", "unfiled", "duplicates", "trash", "collection", "saved"]


@dataclass(frozen=True, slots=True)
class LibraryView:
    """One entry of the sidebar. `collection` is set for a collection, `query` for a saved
    search; `name` is what the sidebar and the window title show."""

    kind: ViewKind = "library"
    name: str = "My Library"
    collection: int | None = None
    query: str = ""
    fulltext: bool = False  # a saved search's mode: its words also match attachments' text

    def scope(self, tags: tuple[str, ...] = ()) -> Scope:
        """The items this view holds, narrowed to those carrying every tag in `tags`."""
        if self.kind == "trash":
            return Scope(trash=True, tags=tags)
        if self.kind == "unfiled":
            return Scope(unfiled=True, tags=tags)
        if self.kind == "collection":
            return Scope(collection=self.collection, subcollections=True, tags=tags)
        return Scope(tags=tags)

    def search_text(self, typed: str) -> str:
        """The quick-search query: a saved search's terms and the typed ones (terms are
        combined with AND)."""
        return " ".join(p for p in (self.query.strip(), typed.strip()) if p)


MY_LIBRARY = LibraryView()
UNFILED = LibraryView("unfiled", "Unfiled Items")
DUPLICATES = LibraryView("duplicates", "Duplicate Items")
TRASH = LibraryView("trash", "Trash")
