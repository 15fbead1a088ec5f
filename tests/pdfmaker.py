"""Real PDFs for the PDF tests, made with reportlab under a test's tmp_path.

`write_paper` lays out a first page the way journals and arXiv do (a small running header, the
title in large type over one or more lines, an author line with superscript marks, an abstract,
a DOI line, a rotated arXiv stamp in the margin), optional further pages and a reference list,
and can set the Info dictionary, encrypt the file, and add an XMP packet. reportlab cannot write
XMP, so `add_xmp` appends an incremental update (a /Metadata stream and a new catalog pointing to
it), the way Acrobat and exiftool add metadata to an existing file; `set_info` does the same for
Info keys reportlab does not know. The rest are the awkward files: image-only ("scanned")
pages, many pages, damaged, zero-byte and non-PDF files.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

WIDTH, HEIGHT = A4
MARGIN = 56.0
# A synthetic abstract for page 1 of the test papers (what a recogniser must not take for
# the title).
ABSTRACT = [
    "Abstract",
    "We study things with deep learning and find that they can be studied. The method",
    "is simple, the results are strong and the code is free for anyone to use.",
]


@dataclass
class Paper:
    """What goes on the pages. In `authors`, `^x` sets `x` as a small raised mark
    (`Jane Smith^1, John Doe^2*`). `body` lines follow the authors on page 1; `pages` are the
    lines of each further page; `references` start a `References` section on the last page."""

    title: list[str] = field(default_factory=lambda: ["Deep Learning for the Study of Things"])
    authors: str = "Jane Smith^1, John Doe^2*"
    header: str = "Journal of Testing 12 (2020) 101-110"
    body: list[str] = field(
        default_factory=lambda: [
            "Abstract",
            "We study things with deep learning and find that they can be studied. The method",
            "is simple, the results are strong and the code is free for anyone to use.",
            "Keywords: things, learning",
            "1 Introduction",
            "Things have long been studied by hand.",
        ]
    )
    pages: list[list[str]] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    stamp: str = ""  # rotated text in the left margin of page 1 (arXiv's stamp)
    title_size: float = 20.0
    body_size: float = 10.0
    info: dict[str, str] = field(default_factory=dict)  # Title, Author, Subject, Keywords


def _draw_marked(c: canvas.Canvas, x: float, y: float, text: str, font: str, size: float) -> None:
    """Text with `^x` parts drawn as small raised marks (superscripts)."""
    for i, part in enumerate(re.split(r"\^([0-9a-z*†]+(?:,[0-9a-z*†]+)*)", text)):
        if not part:
            continue
        if i % 2:
            c.setFont(font, size * 0.6)
            c.drawString(x, y + size * 0.4, part)
            x += c.stringWidth(part, font, size * 0.6)
        else:
            c.setFont(font, size)
            c.drawString(x, y, part)
            x += c.stringWidth(part, font, size)


def write_paper(
    path: Path,
    paper: Paper | None = None,
    *,
    encrypt: str | StandardEncryption | None = None,
) -> Path:
    """Write `paper` as a PDF at `path` (uncompressed pages, fixed dates) and return the path."""
    paper = paper or Paper()
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, pageCompression=0, encrypt=encrypt)
    info = paper.info
    if "Title" in info:
        c.setTitle(info["Title"])
    if "Author" in info:
        c.setAuthor(info["Author"])
    if "Subject" in info:
        c.setSubject(info["Subject"])
    if "Keywords" in info:
        c.setKeywords(info["Keywords"])
    y = HEIGHT - 40
    if paper.header:
        c.setFont("Helvetica", 8)
        c.drawString(MARGIN, y, paper.header)
    y = HEIGHT - 110
    for line in paper.title:
        c.setFont("Helvetica-Bold", paper.title_size)
        c.drawString(MARGIN, y, line)
        y -= paper.title_size * 1.2
    y -= 10
    if paper.authors:
        _draw_marked(c, MARGIN, y, paper.authors, "Helvetica", 12)
        y -= 30
    for line in paper.body:
        c.setFont("Times-Roman", paper.body_size)
        c.drawString(MARGIN, y, line)
        y -= paper.body_size * 1.3
    if paper.stamp:
        c.saveState()
        c.setFillGray(0.5)
        c.translate(30, 250)
        c.rotate(90)
        c.setFont("Times-Roman", 20)
        c.drawString(0, 0, paper.stamp)
        c.restoreState()
    pages = [list(p) for p in paper.pages]
    if paper.references:
        if not pages:
            pages.append([])
        pages[-1] += ["References", *paper.references]
    for lines in pages:
        c.showPage()
        y = HEIGHT - 60
        for line in lines:
            c.setFont("Times-Roman", paper.body_size)
            c.drawString(MARGIN, y, line)
            y -= paper.body_size * 1.3
    c.showPage()
    c.save()
    return path


def xmp_packet(
    *,
    title: str = "",
    creators: list[str] | None = None,
    doi: str = "",
    description: str = "",
    cover_date: str = "",
    publication: str = "",
    volume: str = "",
    number: str = "",
    pages: tuple[str, str] | None = None,
    doi_as_attribute: bool = False,
) -> str:
    """An XMP packet as publishers write them (dc, prism, pdfx namespaces), wrapped in
    `<?xpacket?>` with padding."""
    props: list[str] = []
    attrs = ""
    if title:
        props.append(
            "<dc:title><rdf:Alt>"
            f'<rdf:li xml:lang="x-default">{escape(title)}</rdf:li>'
            "</rdf:Alt></dc:title>"
        )
    if creators:
        lis = "".join(f"<rdf:li>{escape(n)}</rdf:li>" for n in creators)
        props.append(f"<dc:creator><rdf:Seq>{lis}</rdf:Seq></dc:creator>")
    if description:
        props.append(
            "<dc:description><rdf:Alt>"
            f'<rdf:li xml:lang="x-default">{escape(description)}</rdf:li>'
            "</rdf:Alt></dc:description>"
        )
    if doi and doi_as_attribute:
        attrs = f' prism:doi="{escape(doi)}"'
    elif doi:
        props.append(f"<prism:doi>{escape(doi)}</prism:doi>")
        props.append(f"<pdfx:doi>{escape(doi)}</pdfx:doi>")
    for name, value in (
        ("prism:coverDate", cover_date),
        ("prism:publicationName", publication),
        ("prism:volume", volume),
        ("prism:number", number),
    ):
        if value:
            props.append(f"<{name}>{escape(value)}</{name}>")
    if pages:
        props.append(f"<prism:startingPage>{pages[0]}</prism:startingPage>")
        props.append(f"<prism:endingPage>{pages[1]}</prism:endingPage>")
    body = "".join(props)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about=""'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/"'
        ' xmlns:pdfx="http://ns.adobe.com/pdfx/1.3/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/"'
        f' pdf:Producer="pdfmaker"{attrs}>'
        f"{body}</rdf:Description>\n"
        "</rdf:RDF>\n"
        "</x:xmpmeta>\n" + " " * 200 + '\n<?xpacket end="w"?>'
    )


class _Update:
    """An incremental update appended to a (reportlab) PDF: new objects, or new versions of old
    ones, a cross-reference section for them and a trailer pointing back to the previous one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        data = path.read_bytes()
        self.root = int(re.findall(rb"/Root (\d+) 0 R", data)[-1])
        self.size = int(re.findall(rb"/Size (\d+)", data)[-1])
        infos = re.findall(rb"/Info (\d+) 0 R", data)
        self.info = int(infos[-1]) if infos else None
        self.prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
        m = re.search(rb"\n%d 0 obj\s*<<(.*?)>>\s*endobj" % self.root, data, re.DOTALL)
        assert m is not None, "catalog not found"
        self.catalog = m.group(1).strip()
        self.out = io.BytesIO()
        self.out.write(data if data.endswith(b"\n") else data + b"\n")
        self.offsets: dict[int, int] = {}

    def new(self) -> int:
        number = self.size
        self.size += 1
        return number

    def write(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def stream(self, number: int, data: bytes, entries: bytes = b"") -> None:
        self.write(
            number, b"<< %s /Length %d >>\nstream\n%s\nendstream" % (entries, len(data), data)
        )

    def finish(self) -> Path:
        xref = self.out.tell()
        self.out.write(b"xref\n0 1\n0000000000 65535 f \n")
        for obj in sorted(self.offsets):
            self.out.write(b"%d 1\n%010d 00000 n \n" % (obj, self.offsets[obj]))
        info = b" /Info %d 0 R" % self.info if self.info is not None else b""
        self.out.write(
            b"trailer\n<< /Size %d /Root %d 0 R%s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
            % (self.size, self.root, info, self.prev, xref)
        )
        self.path.write_bytes(self.out.getvalue())
        return self.path


def add_xmp(path: Path, packet: str | bytes, *, compress: bool = False, decoy: str = "") -> Path:
    """Add `packet` as the document's XMP: a /Metadata stream and a new version of the catalog
    that points to it. `decoy` is another XMP packet stored before it in an object nothing
    refers to (like an image's own metadata)."""
    update = _Update(path)
    if decoy:
        update.stream(update.new(), decoy.encode("utf-8"), b"/Type /Metadata /Subtype /XML")
    raw = packet.encode("utf-8") if isinstance(packet, str) else packet
    meta = update.new()
    if compress:
        update.stream(
            meta, zlib.compress(raw), b"/Type /Metadata /Subtype /XML /Filter /FlateDecode"
        )
    else:
        update.stream(meta, raw, b"/Type /Metadata /Subtype /XML")
    update.write(update.root, b"<< %s /Metadata %d 0 R >>" % (update.catalog, meta))
    return update.finish()


def _pdf_string(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("latin-1") + b")"


def set_info(path: Path, entries: dict[str, str]) -> Path:
    """Replace the Info dictionary with `entries` (any keys, e.g. the `/doi` Elsevier adds)."""
    update = _Update(path)
    number = update.new()
    body = b" ".join(b"/%s %s" % (k.encode("ascii"), _pdf_string(v)) for k, v in entries.items())
    update.write(number, b"<< %s >>" % body)
    update.info = number
    return update.finish()


def scanned_pdf(path: Path, pages: int = 2) -> Path:
    """Pages that are only an image (grey blocks where a scan would have lines of text)."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (400, 560), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 360, 70), fill=60)
    for row in range(100, 520, 18):
        draw.rectangle((40, row, 340 - (row % 50), row + 8), fill=110)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    reader = ImageReader(buffer)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for _ in range(pages):
        c.drawImage(reader, 0, 0, WIDTH, HEIGHT)
        c.showPage()
    c.save()
    return path


def many_pages(path: Path, count: int = 500, first: list[str] | None = None) -> Path:
    """A long document: `first` lines on page 1, one numbered line on every page after it."""
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    y = HEIGHT - 80
    for line in first or []:
        c.setFont("Helvetica", 10)
        c.drawString(MARGIN, y, line)
        y -= 14
    for number in range(1, count + 1):
        c.setFont("Helvetica", 10)
        c.drawString(MARGIN, 60, f"Page {number} of the long report")
        c.showPage()
    c.save()
    return path


def truncated(source: Path, path: Path, keep: float = 0.5) -> Path:
    """The first `keep` of a real PDF: its xref and trailer are gone."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def garbage_pdf(path: Path) -> Path:
    """A PDF header followed by bytes that are no PDF at all."""
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n")
    return path


def zip_named_pdf(path: Path) -> Path:
    """A ZIP archive (what a .docx is) with a .pdf name."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return path


def empty_password(owner: str = "owner") -> StandardEncryption:
    """Encryption with an empty user password: opens without asking, as most 'protected'
    journal PDFs do."""
    return StandardEncryption("", ownerPassword=owner, canPrint=1, canCopy=0, canModify=0)
