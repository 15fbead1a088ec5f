"""Errors a user can cause. Each carries a message fit to show as it is (CLI line, dialog)."""

from __future__ import annotations


class CitelibError(Exception):
    """Base of every error the edges (CLI, GUI) turn into a message instead of a traceback."""


class LibraryError(CitelibError):
    """The library folder or database cannot be used."""


class LibraryTooNew(LibraryError):
    """The database was written by a newer citelib than this one."""


class LibraryLocked(LibraryError):
    """Another process held the library longer than we were willing to wait."""


class HistoryLost(CitelibError):
    """Undo or redo refused: another program changed the library since the step was made."""


class NotFound(CitelibError):
    """An item, tag, collection or saved search that does not exist."""


class InvalidValue(CitelibError):
    """A value the library refuses (unknown field or type, empty name, a collection loop...)."""


class QueryError(CitelibError):
    """A quick-search query that cannot be understood."""


class FormatError(CitelibError):
    """A file that cannot be read or written in the format asked for."""


class Interrupted(CitelibError):
    """A read was stopped from another thread (its answer was no longer wanted)."""
