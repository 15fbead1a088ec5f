"""Citation keys that are unique within one export (CSL-JSON `id`, BibTeX entry keys)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from itertools import count, product
from string import ascii_lowercase
from typing import Final

from citelib.model import Item, parse_date

# Letters NFKD does not split into an ASCII base and a combining mark.
_FOLD: Final = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "Æ": "AE",
        "æ": "ae",
        "Ø": "O",
        "ø": "o",
        "Œ": "OE",
        "œ": "oe",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ð": "D",
        "ð": "d",
        "Þ": "Th",
        "þ": "th",
        "ı": "i",
    }
)


def ascii_letters(text: str) -> str:
    """`Müller-Lüdenscheidt` -> `MullerLudenscheidt`: ASCII letters only, accents folded."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalpha())


def generated_key(item: Item) -> str:
    """`FamilyYear` from the first author, else the first creator: `Muller2020`, `Anonnd`."""
    people = [c for c in item.creators if c.role == "author"] or item.creators
    first = people[0] if people else None
    name = (first.literal or first.family) if first is not None else ""
    return key_from(name, parse_date(item.fields.get("date", "")).year)


def key_from(name: str, year: int | None) -> str:
    """The generated key of an item whose first creator is called `name`, of `year`."""
    return f"{ascii_letters(name) or 'Anon'}{year if year is not None else 'nd'}"


# (the item's own citation key or "", the key generated for it): what writers need to give every
# item a unique key. A source of items that can say them without being read whole (a library's
# export, see Library.export_items) has a method `key_parts()` returning them in order.
KeyParts = tuple[str, str]


def key_parts(item: Item) -> KeyParts:
    return item.fields.get("citationKey", ""), generated_key(item)


def with_key_parts(items: Iterable[Item]) -> tuple[list[KeyParts], Iterable[Item]]:
    """The key parts of `items`, and the items to write: the source itself when it can say its
    key parts (then it is read once, lazily, as it is written), else the items as a list."""
    source = getattr(items, "key_parts", None)
    if callable(source):
        parts: list[KeyParts] = source()
        return parts, items
    listed = list(items)
    return [key_parts(item) for item in listed], listed


def is_generated(key: str, item: Item) -> bool:
    """Whether `key` is what `unique_ids` makes up for `item` when it has no key of its own:
    `generated_key(item)`, maybe with a suffix (a, b, ..., aa, ...). Readers use it so that a
    key our writer made up is not read back as one the user chose."""
    generated = generated_key(item)
    if not key.startswith(generated):
        return False
    suffix = key[len(generated) :]
    return not suffix or (suffix.isascii() and suffix.isalpha() and suffix.islower())


def _suffixes() -> Iterator[str]:
    """a ... z, aa, ab ... zz, aaa ..."""
    for size in count(1):
        for letters in product(ascii_lowercase, repeat=size):
            yield "".join(letters)


def unique_ids(items: Sequence[Item]) -> list[str]:
    """One key per item: its citationKey, else a generated one; later duplicates get a, b, c...

    Keys are compared case-insensitively (BibTeX treats `Smith2020` and `smith2020` as one), and
    a suffixed key never takes a key another item in the list already carries.
    """
    return unique_from_bases([own or made for own, made in map(key_parts, items)])


def unique_from_bases(bases: Sequence[str]) -> list[str]:
    """`bases` made unique as unique_ids does (see there)."""
    taken_later = {base.casefold() for base in bases}
    used: set[str] = set()
    suffixes: dict[str, Iterator[str]] = {}
    ids: list[str] = []
    for base in bases:
        key = base
        if key.casefold() in used:
            # Each base resumes where its last duplicate stopped: linear even for 10,000 `Anonnd`.
            for suffix in suffixes.setdefault(base.casefold(), _suffixes()):
                key = base + suffix
                folded = key.casefold()
                if folded not in used and folded not in taken_later:
                    break
        used.add(key.casefold())
        ids.append(key)
    return ids
