"""The Library service and the records it hands out."""

from citelib.library.changes import Change
from citelib.library.service import (
    AttachmentInfo,
    CollectionInfo,
    ItemSummary,
    Library,
    NoteInfo,
    Page,
    SavedSearch,
    Scope,
    TagInfo,
)
from citelib.store.database import Interrupt

__all__ = [
    "AttachmentInfo",
    "Change",
    "CollectionInfo",
    "Interrupt",
    "ItemSummary",
    "Library",
    "NoteInfo",
    "Page",
    "SavedSearch",
    "Scope",
    "TagInfo",
]
