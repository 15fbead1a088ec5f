"""A whole library exported to CSL-JSON and imported into another holds the same items."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citelib.formats import csljson
from citelib.library import Library
from citelib.model import Item
from tests.test_csljson import _items


def comparable(item: Item) -> tuple[object, ...]:
    return (item.item_type, item.fields, item.creators, sorted(item.tags), item.notes)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_items(), min_size=1, max_size=5))
def test_export_then_import_gives_back_the_same_items(items: list[Item]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first = Library.open(Path(tmp) / "one")
        second = Library.open(Path(tmp) / "two")
        try:
            first.add_items(items)
            out = io.StringIO()
            csljson.write(first.iter_items(first.item_ids(sort="date_added")), out)
            result = csljson.read(out.getvalue())
            assert result.errors == []
            second.add_items(result.items)
            before = [comparable(i) for i in first.iter_items(first.item_ids(sort="date_added"))]
            after = [comparable(i) for i in second.iter_items(second.item_ids(sort="date_added"))]
            assert after == before
            assert len(after) == len(items)
        finally:
            first.close()
            second.close()
