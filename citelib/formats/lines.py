"""What the line-based readers (RIS, EndNote tagged, MEDLINE) share: the reader's state
(items, their first lines, problems, the record count) and how a run becomes a ReadResult.
Each format subclasses `LineReader` and writes only `run`, its own parsing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Literal

from citelib.formats import Problem, ReadResult
from citelib.gcpause import collector_paused
from citelib.model import Item


class LineReader:
    """One pass over a file's lines (without their line ends)."""

    # What a problem is unless the call says: RIS reports errors; the EndNote and MEDLINE
    # readers mend what they can and only warn.
    severity: ClassVar[Literal["error", "warning"]] = "error"

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[Item] = []
        self.lines: list[int] = []
        self.problems: list[Problem] = []
        self.records = 0

    @classmethod
    def read_lines(cls, lines: Iterable[str], source: str) -> ReadResult:
        reader = cls(source)
        with collector_paused():
            reader.run(lines)
        return ReadResult(reader.items, reader.problems, reader.records, reader.lines)

    def problem(
        self, line: int | None, record: int | None, message: str, *, warning: bool = False
    ) -> None:
        severity = "warning" if warning else self.severity
        self.problems.append(Problem(self.source, line, record, message, severity))

    def run(self, lines: Iterable[str]) -> None:
        raise NotImplementedError
