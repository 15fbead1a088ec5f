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
            before = list(first.iter_items(first.item_ids(sort="date_added")))
            after = list(second.iter_items(second.item_ids(sort="date_added")))
            assert len(after) == len(before) == len(items)
            for old, new in zip(before, after, strict=True):
                if "citationKey" not in old.fields:
                    # CSL-JSON needs an id: an item without a key comes back with a generated one
                    assert new.fields.pop("citationKey", None) is not None
                assert comparable(new) == comparable(old)
        finally:
            first.close()
            second.close()
