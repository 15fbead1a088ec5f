"""XMP: the document's XML metadata packet, found in the raw bytes of a PDF and parsed safely.

PDFium (and so pypdfium2, which citelib reads PDFs with) has no API for the catalog's /Metadata
stream. The PDF specification recommends leaving that stream uncompressed precisely so that
tools can find it in the raw bytes; so we follow the trailer's /Root to the catalog and its
/Metadata stream when those are plain objects (inflating a FlateDecode stream), and otherwise scan
the file for `<x:xmpmeta>` packets and keep the most bibliographic one. The file is memory-mapped,
never read whole. Packets are parsed by lxml with entities, DTDs and the network all off.
"""

from __future__ import annotations

import mmap
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from lxml import etree

# The largest XMP packet we parse, and the most packets a file scan looks at.
_MAX_XMP: Final = 4 * 1024 * 1024
_MAX_PACKETS: Final = 64


@dataclass(frozen=True, slots=True)
class Xmp:
    """An XMP packet's simple properties: `prefix:name` -> values, in document order.

    Well-known namespaces get their usual prefixes whatever the file calls them (`dc`, `prism`,
    `pdf`, `xmp`, `pdfx`, `crossmark`, `xmpMM`, `jav`); others are keyed `{uri}name`. Arrays
    (rdf:Seq, rdf:Bag, rdf:Alt) give one value per `rdf:li`, the `x-default` language first.
    Structured values (xmpMM:History...) are left out.
    """

    values: Mapping[str, tuple[str, ...]]

    def get(self, key: str) -> tuple[str, ...]:
        return self.values.get(key, ())

    def first(self, *keys: str) -> str:
        """The first non-empty value of the first key that has one."""
        for key in keys:
            for value in self.values.get(key, ()):
                if value.strip():
                    return value.strip()
        return ""


_XMP_START: Final = re.compile(rb"<x:x[am]pmeta\b")
_XMP_END: Final = re.compile(rb"</x:x[am]pmeta\s*>")
_RDF_START: Final = re.compile(rb"<rdf:RDF\b")
_RDF_END: Final = re.compile(rb"</rdf:RDF\s*>")
_ROOT_REF: Final = re.compile(rb"/Root\s*(\d+)\s+(\d+)\s+R")
_METADATA_REF: Final = re.compile(rb"/Metadata\s*(\d+)\s+(\d+)\s+R")
_LENGTH: Final = re.compile(rb"/Length\s+(\d+)(?:\s+(\d+)\s+R)?")
_FILTER: Final = re.compile(rb"/Filter\s*(?:\[\s*)?/(\w+)")
_STREAM: Final = re.compile(rb"stream\r?\n")

RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG: Final = "{http://www.w3.org/XML/1998/namespace}lang"
_PREFIXES: Final[dict[str, str]] = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.adobe.com/pdf/1.3/": "pdf",
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/pdfx/1.3/": "pdfx",
    "http://crossref.org/crossmark/1.0/": "crossmark",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://www.niso.org/schemas/jav/1.0/": "jav",
    "http://www.aiim.org/pdfa/ns/id/": "pdfaid",
}
_PRISM_BASE: Final = "http://prismstandard.org/namespaces/basic/"


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def read_xmp(path: str | Path) -> tuple[Xmp | None, str]:
    """The document's XMP packet, and a warning when one was found but could not be parsed.

    Never raises: a file that cannot be read has no XMP. The catalog's /Metadata stream is
    followed when the objects are plain (possibly Flate-compressed); otherwise the packet with
    the most bibliographic properties among those in the file wins, the last one on a tie.
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            if f.seek(0, 2) == 0:
                return None, ""
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
                packets = []
                catalog = _catalog_metadata(data)
                if catalog is not None:
                    packets.append(catalog)
                else:
                    packets.extend(_scan_packets(data))
    except (OSError, ValueError):
        return None, ""
    best: Xmp | None = None
    best_score = -1
    error = ""
    for packet in packets:
        try:
            xmp = parse_xmp(packet)
        except ValueError as e:
            error = str(e)
            continue
        score = _xmp_score(xmp)
        if score >= best_score:
            best, best_score = xmp, score
    if best is None and error:
        return None, f"the XMP metadata could not be read ({error})"
    return best, ""


def _xmp_score(xmp: Xmp) -> int:
    keys = xmp.values.keys()
    score = sum(2 for k in ("dc:title", "prism:doi", "pdfx:doi", "crossmark:DOI") if k in keys)
    return score + sum(
        1 for k in ("dc:creator", "prism:publicationName", "pdf:Producer") if k in keys
    )


def _find_object(data: mmap.mmap, number: int, generation: int, limit: int = 1 << 16) -> int:
    """Offset just after `N G obj` of the last definition of an object (the newest in a file
    with incremental updates), or -1."""
    needle = b"%d %d obj" % (number, generation)
    end = len(data)
    for _ in range(16):
        at = data.rfind(needle, 0, end)
        if at < 0:
            return -1
        if at == 0 or not data[at - 1 : at].isdigit():
            return at + len(needle)
        end = at
    return -1


def _object_head(data: mmap.mmap, start: int, size: int = 1 << 16) -> bytes:
    """An object's text up to its stream data or `endobj` (bounded)."""
    chunk = bytes(data[start : start + size])
    cut = len(chunk)
    for word in (b"endobj", b"stream"):
        at = chunk.find(word)
        if 0 <= at < cut:
            cut = at
    return chunk[:cut]


def _catalog_metadata(data: mmap.mmap) -> bytes | None:
    """The catalog's /Metadata stream's bytes, when the trailer, catalog and stream are plain
    objects; None when any of them is not (an object stream, an unknown filter, encryption)."""
    end = len(data)
    root = None
    for _ in range(8):
        at = data.rfind(b"/Root", 0, end)
        if at < 0:
            break
        root = _ROOT_REF.match(data, at)
        if root:
            break
        end = at
    if root is None:
        return None
    catalog = _find_object(data, int(root.group(1)), int(root.group(2)))
    if catalog < 0:
        return None
    meta = _METADATA_REF.search(_object_head(data, catalog))
    if meta is None:
        return None
    obj = _find_object(data, int(meta.group(1)), int(meta.group(2)))
    if obj < 0:
        return None
    head = _object_head(data, obj)
    stream = _STREAM.match(data, obj + len(head))
    if stream is None:
        return None
    begin = stream.end()
    length = _LENGTH.search(head)
    size = -1
    if length and length.group(2) is None:
        size = int(length.group(1))
    elif length:
        ref = _find_object(data, int(length.group(1)), int(length.group(2)))
        if ref >= 0:
            m = re.match(rb"\s*(\d+)", _object_head(data, ref, 64))
            size = int(m.group(1)) if m else -1
    if not 0 <= size <= _MAX_XMP:
        stop = data.find(b"endstream", begin, begin + _MAX_XMP)
        if stop < 0:
            return None
        size = stop - begin
    raw = bytes(data[begin : begin + size])
    flt = _FILTER.search(head)
    if flt is not None:
        if flt.group(1) != b"FlateDecode":
            return None
        try:
            inflater = zlib.decompressobj()
            raw = inflater.decompress(raw, _MAX_XMP)
        except zlib.error:
            return None
    body = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body.startswith((b"<?xpacket", b"<x:x", b"<?xml", b"<rdf:RDF")):
        return None  # encrypted, or not XMP at all
    return raw


def _scan_packets(data: mmap.mmap) -> Iterator[bytes]:
    """Every `<x:xmpmeta>...</x:xmpmeta>` in the file (or bare `<rdf:RDF>` when there is none),
    bounded in size and number."""
    found = 0
    for start_re, end_re in ((_XMP_START, _XMP_END), (_RDF_START, _RDF_END)):
        for start in start_re.finditer(data):
            end = end_re.search(data, start.start(), start.start() + _MAX_XMP)
            if end is None:
                continue
            yield bytes(data[start.start() : end.end()])
            found += 1
            if found >= _MAX_PACKETS:
                return
        if found:
            return


def parse_xmp(packet: bytes) -> Xmp:
    """Parse an XMP packet (or the bytes around one) into its simple properties.

    Raises ValueError when it is not well-formed XML. External entities, DTDs and the network
    are never used.
    """
    start = _XMP_START.search(packet) or _RDF_START.search(packet)
    if start is not None:
        end_re = _XMP_END if start.re is _XMP_START else _RDF_END
        ends = list(end_re.finditer(packet, start.start()))
        if ends:
            end = ends[-1]
            packet = packet[start.start() : end.end()]
    try:
        root = etree.fromstring(packet, _xml_parser())
    except etree.XMLSyntaxError as e:
        raise ValueError(str(e).split(" (line")[0] or "not well-formed XML") from None
    if root is None:
        raise ValueError("empty XMP packet")
    values: dict[str, list[str]] = {}

    def add(key: str, value: str) -> None:
        value = value.strip()
        if value:
            values.setdefault(key, []).append(value)

    for desc in root.iter(f"{{{RDF}}}Description"):
        for name, value in desc.attrib.items():
            key = _xmp_key(str(name))
            if key and not key.startswith("rdf:"):
                add(key, str(value))
        for prop in desc:
            if not isinstance(prop.tag, str):
                continue
            key = _xmp_key(prop.tag)
            if not key or key.startswith("rdf:"):
                continue
            container = next(
                (c for c in prop if c.tag in {f"{{{RDF}}}{n}" for n in ("Seq", "Bag", "Alt")}),
                None,
            )
            if container is not None:
                items = [li for li in container if li.tag == f"{{{RDF}}}li"]
                items.sort(key=lambda li: li.get(XML_LANG, "") != "x-default")
                for li in items:
                    if len(li) == 0:
                        add(key, li.text or "")
            elif len(prop) == 0:
                resource = prop.get(f"{{{RDF}}}resource")
                add(key, prop.text or resource or "")
    return Xmp({k: tuple(v) for k, v in values.items()})


def _xmp_key(tag: str) -> str:
    if not tag.startswith("{"):
        return ""
    uri, _, local = tag[1:].partition("}")
    if uri == RDF:
        return f"rdf:{local}"
    prefix = _PREFIXES.get(uri)
    if prefix is None and uri.startswith(_PRISM_BASE):
        prefix = "prism"
    return f"{prefix}:{local}" if prefix else tag
