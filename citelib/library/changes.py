"""What a mutating Library call changed, so a view refreshes only that (Anki's OpChanges)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Change:
    """The record every mutating call returns.

    `items` are ids whose row, creators, tags, notes or membership changed; `new_ids` the ids
    the call created (items, a collection or a note), in order. `elsewhere`: another program
    wrote to the library (`Library.changed_elsewhere`), and anything may have changed.
    """

    label: str
    items: frozenset[int] = frozenset()
    items_added: frozenset[int] = frozenset()
    items_removed: frozenset[int] = frozenset()
    tags: bool = False
    collections: bool = False
    saved_searches: bool = False
    new_ids: tuple[int, ...] = field(default=())
    elsewhere: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.elsewhere
            or self.items
            or self.items_added
            or self.items_removed
            or self.tags
            or self.collections
            or self.saved_searches
        )

    def relabel(self, label: str) -> Change:
        return Change(
            label,
            self.items,
            self.items_added,
            self.items_removed,
            self.tags,
            self.collections,
            self.saved_searches,
            self.new_ids,
            self.elsewhere,
        )

    def inverted(self, label: str) -> Change:
        """The change undoing this one makes: what was added is removed and back again."""
        return Change(
            label,
            self.items,
            self.items_removed,
            self.items_added,
            self.tags,
            self.collections,
            self.saved_searches,
            elsewhere=self.elsewhere,
        )
