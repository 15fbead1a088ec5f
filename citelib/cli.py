"""The command line: a thin front over the Library service (DESIGN §6).

Every failure ends in one line on stderr and a non-zero exit; a traceback never reaches the
user (an unexpected error writes its details to `citelib.log` in the library folder instead).
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from pathlib import Path
from typing import Final, TextIO

from sqlalchemy import exc as sa_exc

from citelib import __version__, backup, check
from citelib.errors import CitelibError, InvalidValue, NotFound
from citelib.formats import FORMATS, ReadResult, csljson, get_format, read_file, write_file
from citelib.gcpause import collector_paused
from citelib.library import Library, Scope, attaching
from citelib.paths import default_library_dir, resources_dir

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

log = logging.getLogger("citelib")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="citelib",
        description="citelib: a reference manager. Without a command, opens the desktop app.",
    )
    p.add_argument("--version", action="version", version=f"citelib {__version__}")
    p.add_argument(
        "--library",
        metavar="DIR",
        type=Path,
        help="library folder (default: $CITELIB_LIBRARY or the platform data folder)",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="use a new temporary library holding the demo references",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    imp = sub.add_parser("import", help="import references from files")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument("--format", choices=sorted(FORMATS), help="file format (default: detect)")
    imp.add_argument("--tag", action="append", default=[], help="add this tag to every item")
    imp.add_argument("--collection", help="put the items in this collection (created if new)")
    imp.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid records of a file that has invalid ones",
    )
    imp.add_argument(
        "--skip-duplicates",
        action="store_true",
        help="leave out records that are likely duplicates of library items or of each other",
    )
    imp.add_argument(
        "--link",
        action="store_true",
        help="link PDFs where they are instead of storing a copy in the library folder",
    )

    att = sub.add_parser("attach", help="attach files to an item (stored copies, or --link)")
    att.add_argument("item", metavar="ITEM", help="the item's key (or id)")
    att.add_argument("files", nargs="+", type=Path, metavar="FILE")
    att.add_argument("--link", action="store_true", help="link the files where they are")
    att.add_argument("--title", help="the attachment's title (default: the file's name)")

    atl = sub.add_parser("attachments", help="list an item's attachments, missing files marked")
    atl.add_argument("item", metavar="ITEM", help="the item's key (or id)")

    rel = sub.add_parser(
        "relink",
        help="find missing linked files: in folders (--search), or one by hand",
        description="Without arguments, list the attached files that are missing. With "
        "--search, look for missing linked files by name in those folders and relink them. "
        "With ATTACHMENT FILE, point that attachment at FILE.",
    )
    rel.add_argument("target", nargs="*", metavar="ATTACHMENT FILE")
    rel.add_argument(
        "--search",
        action="append",
        default=[],
        type=Path,
        metavar="FOLDER",
        help="a folder to search (and its subfolders); may be given more than once",
    )

    exp = sub.add_parser("export", help="export references to a file or stdout")
    exp.add_argument("--format", choices=sorted(FORMATS), help="default: from -o, else csljson")
    exp.add_argument("-o", "--output", default="-", help="output file, or - for stdout")
    _add_selection(exp)

    lst = sub.add_parser("list", help="list references")
    _add_selection(lst)
    lst.add_argument(
        "--sort",
        default="title",
        choices=["title", "creator", "year", "publication", "date_added", "date_modified", "type"],
    )
    lst.add_argument("--desc", action="store_true", help="sort descending")
    lst.add_argument("--limit", type=int, default=0, help="show at most N items")
    lst.add_argument("--json", action="store_true", help="print CSL-JSON")

    tag = sub.add_parser("tag", help="add, remove, rename or list tags")
    tag_sub = tag.add_subparsers(dest="tag_command", metavar="ACTION", required=True)
    for name, text in (("add", "add a tag to items"), ("remove", "remove a tag from items")):
        t = tag_sub.add_parser(name, help=text)
        t.add_argument("tag")
        t.add_argument("--search", default="", metavar="Q", help="only items matching Q")
        t.add_argument("--item", action="append", default=[], metavar="KEY", help="this item")
    tag_sub.add_parser("list", help="list tags with their item counts")
    ren = tag_sub.add_parser("rename", help="rename a tag (merges into an existing one)")
    ren.add_argument("old")
    ren.add_argument("new")

    chk = sub.add_parser("check", help="check the library for damage")
    chk.add_argument(
        "--repair", action="store_true", help="mend what can be mended, after a backup"
    )

    bak = sub.add_parser("backup", help="back up the library now, or list backups")
    bak.add_argument("--list", action="store_true", help="list the backups instead")

    sub.add_parser("formats", help="list the formats citelib reads and writes")

    idx = sub.add_parser(
        "index",
        help="read the text of attached PDFs into the full-text index",
        description="Index the attachments not yet indexed (or changed since); --fulltext "
        "searches then find their words.",
    )
    idx.add_argument(
        "--rebuild", action="store_true", help="read every attachment again, from scratch"
    )
    return p


def _add_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--search", default="", metavar="Q", help="quick-search query")
    p.add_argument(
        "--fulltext",
        action="store_true",
        help="the search's words may also be in the items' indexed PDFs (see `citelib index`)",
    )
    p.add_argument("--tag", action="append", default=[], help="only items with this tag")
    p.add_argument("--collection", help="only items in this collection")
    p.add_argument("--trash", action="store_true", help="the items in the Trash instead")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # References are Unicode whatever the terminal's locale says (JSON must be UTF-8 anyway).
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding="utf-8", errors="replace")
    lib: Library | None = None
    try:
        if args.command is None:
            return open_app(args)
        if args.command == "formats":
            return cmd_formats(sys.stdout)
        lib = open_library(args)
        return COMMANDS[args.command](lib, args)
    except CitelibError as e:
        _fail(str(e))
        return EXIT_FAIL
    except sa_exc.DBAPIError as e:
        _fail(f"database error: {e.orig}")
        return EXIT_FAIL
    except sqlite3.Error as e:  # from the bulk paths that use the driver directly
        _fail(f"database error: {e}")
        return EXIT_FAIL
    except KeyboardInterrupt:
        _fail("interrupted; nothing was changed by the unfinished step")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # the last line of defence: no traceback reaches the user
        where = _log_internal_error(lib, args)
        _fail(f"internal error: {type(e).__name__}: {e} (details in {where})")
        return EXIT_INTERNAL
    finally:
        if lib is not None:
            lib.close()
            if args.demo:
                shutil.rmtree(lib.folder, ignore_errors=True)


def open_app(args: argparse.Namespace) -> int:
    """The desktop app (Qt is loaded only here: the commands never need it)."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    ):
        _fail("no display to open the desktop app on; the commands work without one (--help)")
        return EXIT_FAIL
    from citelib.gui.app import run_app

    return run_app(args.library, demo=args.demo)


def _fail(message: str) -> None:
    print(f"citelib: {message}", file=sys.stderr)


def _log_internal_error(lib: Library | None, args: argparse.Namespace) -> Path:
    folder = lib.folder if lib is not None else Path(tempfile.gettempdir())
    path = folder / "citelib.log"
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"citelib {__version__}: {' '.join(sys.argv)}\n{traceback.format_exc()}\n")
    except OSError:
        pass
    return path


def open_library(args: argparse.Namespace) -> Library:
    if args.demo:
        folder = Path(tempfile.mkdtemp(prefix="citelib-demo-"))
        lib = Library.open(folder)
        load_demo(lib)
        return lib
    return Library.open(args.library if args.library is not None else default_library_dir())


# How the demo library is organised: collections by the demo's own tags, two coloured tags.
DEMO_COLLECTIONS: Final = (
    ("NK cell therapy", ("NK cells", "CAR-NK cells")),
    ("Adoptive cell transfer", ("Adoptive cell transfer", "CAR-T cells")),
)
DEMO_COLOURS: Final = (("CAR-NK cells", "#ff6666"), ("Adoptive cell transfer", "#2ea8e5"))


def load_demo(lib: Library) -> None:
    """The real references shipped in resources/demo/, tags included, put in a collection or
    two by their tags, with two coloured tags (keys 1 and 2 in the desktop app)."""
    source = resources_dir() / "demo" / "demo.json"
    result = csljson.read(source.read_text(encoding="utf-8"), str(source))
    change = lib.add_items(result.items, label="Add demo references")
    for name, tags in DEMO_COLLECTIONS:
        ids = [
            item_id
            for item_id, item in zip(change.new_ids, result.items, strict=True)
            if set(tags) & set(item.tags)
        ]
        if ids:
            collection = lib.create_collection(name).new_ids[0]
            lib.add_to_collection(collection, ids)
    for tag, colour in DEMO_COLOURS:
        lib.set_tag_color(tag, colour)  # each after the last: keys 1, 2
    lib.history.clear()  # the demo's setting up is not the user's to undo


def _scope(lib: Library, args: argparse.Namespace) -> Scope:
    collection = None
    if args.collection:
        collection = lib.find_collection(args.collection)
        if collection is None:
            raise NotFound(f"no collection {args.collection!r}")
    return Scope(collection=collection, trash=args.trash, tags=_exact_tags(lib, args.tag))


def _exact_tags(lib: Library, typed: list[str]) -> tuple[str, ...]:
    """Tag names as stored, for names typed in any letter case."""
    if not typed:
        return ()
    names = [t.name for t in lib.tags()]
    exact: list[str] = []
    for name in typed:
        if name in names:
            exact.append(name)
            continue
        matches = [n for n in names if n.casefold() == name.strip().casefold()]
        if not matches:
            raise NotFound(f"no tag {name!r}")
        if len(matches) > 1:
            raise InvalidValue(f"{name!r} could be any of {', '.join(map(repr, matches))}")
        exact.append(matches[0])
    return tuple(exact)


# ---------------------------------------------------------------------------- commands
def cmd_import(lib: Library, args: argparse.Namespace) -> int:
    """Reference files first (one transaction), then PDFs (another): a PDF whose reference
    came in the same command is attached to it."""
    pdfs = [p for p in args.files if _is_pdf_name(p)]
    others = [p for p in args.files if not _is_pdf_name(p)]
    if others:
        code = _import_records(lib, args, others)
        if code != EXIT_OK or not pdfs:
            return code
    return _import_pdfs(lib, args, pdfs)


def _is_pdf_name(path: Path) -> bool:
    return path.suffix.lower() == ".pdf"


def _import_pdfs(lib: Library, args: argparse.Namespace, paths: list[Path]) -> int:
    report = attaching.import_pdfs(
        lib,
        paths,
        mode="linked" if args.link else "stored",
        tags=args.tag,
        collection=args.collection,
    )
    for o in report.outcomes:
        for w in o.problems:
            print(f"{w} (warning)", file=sys.stderr)
        line = f"{o.path}: {o.detail}"
        print(line, file=sys.stderr if o.status == "failed" else sys.stdout)
    parts = []
    summary: tuple[tuple[attaching.Status, str], ...] = (
        ("added", "{n} new item{s}"),
        ("attached", "{n} attached to existing item{s}"),
        ("already", "{n} already in the library"),
    )
    for status, text in summary:
        n = report.count(status)
        if n:
            parts.append(text.format(n=n, s="" if n == 1 else "s"))
    failed = len(report.failed)
    total = len(report.outcomes)
    if parts:
        review = sum(1 for o in report.outcomes if o.needs_review)
        tail = f" ({review} tagged {attaching.NEEDS_REVIEW!r})" if review else ""
        print(f"PDFs: {', '.join(parts)}{tail}.")
    if failed:
        _fail(f"{failed} of {total} PDF{'s' if total != 1 else ''} not imported")
        return EXIT_FAIL
    return EXIT_OK


def _import_records(lib: Library, args: argparse.Namespace, paths: list[Path]) -> int:
    results: list[ReadResult] = []
    for path in paths:
        results.append(read_file(path, args.format))
    errors = [p for r in results for p in r.errors]
    for r, path in zip(results, paths, strict=True):
        for w in r.warnings:
            print(f"{w} (warning)", file=sys.stderr)
        if r.records == 0 and not r.errors:
            _fail(f"{path}: no references found; nothing imported")
            return EXIT_FAIL
    valid = [item for r in results for item in r.items]
    starts = list(accumulate((len(r.items) for r in results), initial=0))

    def where(n: int) -> str:
        """`file:line` of item n of `valid` (the files' items one after another)."""
        k = bisect_right(starts, n) - 1
        return results[k].where(n - starts[k], str(paths[k]))

    if errors:
        for problem in errors:
            print(problem, file=sys.stderr)
        bad = sum(r.records - len(r.items) for r in results)
        if not args.skip_invalid:
            _fail(
                f"nothing imported: {len(errors)} problem(s) in {bad} record(s); "
                f"--skip-invalid imports the {len(valid)} valid record(s)"
            )
            return EXIT_FAIL
    if not valid:
        _fail("no valid records; nothing imported")
        return EXIT_FAIL
    dups = lib.find_duplicates(valid)
    verb = "skipped" if args.skip_duplicates else "imported anyway"
    for dup in dups:
        title = valid[dup.index].title or "(no title)"
        if dup.library_id is not None:
            other = f"library item {dup.library_key} {dup.library_title!r}"
        else:
            other = f"the record at {where(dup.earlier or 0)}"
        print(
            f"{where(dup.index)}: {title!r} is likely a duplicate of {other} ({dup.reason}); "
            f"{verb}",
            file=sys.stderr,
        )
    if args.skip_duplicates and dups:
        left_out = {d.index for d in dups}
        valid = [item for n, item in enumerate(valid) if n not in left_out]
        if not valid:
            _fail(f"all {len(dups)} records are likely duplicates; nothing imported")
            return EXIT_FAIL
    change = lib.add_items(valid, tags=args.tag, collection=args.collection)
    files = f"{len(paths)} files" if len(paths) > 1 else str(paths[0])
    notes = []
    if errors:
        notes.append(f"skipped {len(errors)} invalid")
    if dups:
        notes.append(
            f"skipped {len(dups)} likely duplicates"
            if args.skip_duplicates
            else f"{len(dups)} likely duplicates (--skip-duplicates leaves them out)"
        )
    tail = f"; {'; '.join(notes)}" if notes else ""
    print(f"Imported {len(change.items_added)} items from {files}{tail}.")
    return EXIT_OK


def _item_id(lib: Library, text: str) -> int:
    """An item named by its key or its id."""
    try:
        return lib.item_ids_for_keys([text])[0]
    except NotFound:
        if not text.isdigit():
            raise
    item = lib.get_item(int(text))
    assert item.id is not None
    return item.id


def cmd_attach(lib: Library, args: argparse.Namespace) -> int:
    item_id = _item_id(lib, args.item)
    key = lib.get_item(item_id).key
    mode: attaching.Mode = "linked" if args.link else "stored"
    failed = 0
    for path in args.files:
        try:
            change = attaching.attach_file(lib, item_id, path, mode=mode, title=args.title)
        except CitelibError as e:
            _fail(str(e))
            failed += 1
            continue
        record = attaching.file_record(lib, change.new_ids[0])
        where = attaching.resolve_path(lib, record)
        verb = "Linked" if args.link else "Stored"
        print(f"{verb} {path} on item {key} as {where}")
        for other in attaching.same_file_elsewhere(lib, record.id):
            trashed = ", in the Trash" if other.item_trashed else ""
            print(
                f"{path}: the same file is also attached to item {other.item_key} "
                f"{other.item_title!r}{trashed}"
            )
    if failed:
        total = len(args.files)
        if total > 1:
            _fail(f"{failed} of {total} files not attached")
        return EXIT_FAIL
    return EXIT_OK


def cmd_attachments(lib: Library, args: argparse.Namespace) -> int:
    item_id = _item_id(lib, args.item)
    for a in lib.attachments(item_id):
        path = attaching.resolve_path(lib, a)
        where = str(path) if path is not None else (a.url or a.path or "")
        missing = "  (missing)" if attaching.is_missing(lib, a) else ""
        print(f"{a.key}  {a.kind:<6}  {where}{missing}")
    return EXIT_OK


def cmd_relink(lib: Library, args: argparse.Namespace) -> int:
    if args.target and args.search:
        raise InvalidValue("give either --search FOLDER or ATTACHMENT FILE, not both")
    if args.target:
        if len(args.target) != 2:
            raise InvalidValue("relink one attachment by naming it and the file: ATTACHMENT FILE")
        att_id = attaching.attachment_id(lib, args.target[0])
        attaching.relink(lib, att_id, Path(args.target[1]))
        record = attaching.file_record(lib, att_id)
        print(f"Relinked {record.key} to {attaching.resolve_path(lib, record)}")
        return EXIT_OK
    if not args.search:
        missing = attaching.missing_files(lib)
        for r in missing:
            print(f"{r.item_key}  {r.key}  {attaching.resolve_path(lib, r) or r.path}")
        if missing:
            _fail(
                f"{len(missing)} attached file(s) missing; `citelib relink --search FOLDER` "
                "looks for them"
            )
            return EXIT_FAIL
        print("No attached file is missing.")
        return EXIT_OK
    report = attaching.relink_by_folder(lib, args.search)
    for done in report.relinked:
        note = "" if done.same_content else " (same name, other content)"
        print(f"{done.old_path} -> {done.new_path}{note}")
    for r in report.still_missing:
        print(f"{r.path}: still missing (item {r.item_key})", file=sys.stderr)
    if not report.missing_before:
        print("No linked file is missing.")
        return EXIT_OK
    print(f"Relinked {len(report.relinked)} of {report.missing_before} missing files.")
    if report.still_missing:
        _fail(f"{len(report.still_missing)} file(s) still missing")
        return EXIT_FAIL
    return EXIT_OK


def cmd_export(lib: Library, args: argparse.Namespace) -> int:
    name = args.format
    if name is None:
        name = _format_for_path(args.output) if args.output != "-" else "csljson"
    fmt = get_format(name)
    if fmt.write is None:
        raise InvalidValue(f"citelib cannot write {fmt.label}")
    ids = lib.item_ids(args.search, _scope(lib, args), sort="date_added", fulltext=args.fulltext)
    if not ids and (args.search or args.tag or args.collection or args.trash):
        raise NotFound("no items match; nothing exported")
    items = lib.export_items(ids)
    if args.output == "-":
        with collector_paused():
            fmt.write(items, sys.stdout)
        sys.stdout.flush()
    else:
        write_file(Path(args.output), items, name)
        print(f"Exported {len(ids)} items to {args.output}.", file=sys.stderr)
    return EXIT_OK


def _format_for_path(output: str) -> str:
    """The writer for a file name: by extension; `.bib` is BibTeX (BibLaTeX by --format), an
    XML file is Word's only when called Sources.xml, as Word names it."""
    path = Path(output)
    suffix = path.suffix.lower()
    names = [f.name for f in FORMATS.values() if f.write is not None and suffix in f.extensions]
    if suffix == ".xml" and path.name.casefold() == "sources.xml" and "word-xml" in names:
        return "word-xml"
    if len(names) > 1 and suffix == ".xml":
        raise InvalidValue(
            f"{output!r} could be any of {', '.join(names)}; name the format with --format"
        )
    if names:
        return names[0]
    raise InvalidValue(f"cannot tell the format from {output!r}; name it with --format")


def cmd_list(lib: Library, args: argparse.Namespace) -> int:
    ids = lib.item_ids(
        args.search,
        _scope(lib, args),
        sort=args.sort,
        descending=args.desc,
        limit=args.limit if args.limit > 0 else None,
        fulltext=args.fulltext,
    )
    if args.json:
        csljson.write(lib.export_items(ids), sys.stdout)
        return EXIT_OK
    width = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else 0
    out = sys.stdout
    for start in range(0, len(ids), 2000):
        for s in lib.summaries(ids[start : start + 2000]):
            line = f"{s.key}  {s.year or '    '}  {_cut(s.creator, 24):<24}  {s.title}"
            out.write((line[:width] if width else line) + "\n")
    return EXIT_OK


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def cmd_tag(lib: Library, args: argparse.Namespace) -> int:
    action = args.tag_command
    if action == "list":
        for t in lib.tags():
            colour = f"  {t.color}" if t.color else ""
            print(f"{t.count:>7}  {t.name}{colour}")
        return EXIT_OK
    if action == "rename":
        lib.rename_tag(args.old, args.new)
        print(f"Renamed tag {args.old!r} to {args.new!r}.")
        return EXIT_OK
    ids = lib.item_ids_for_keys(args.item) if args.item else []
    if args.search or not args.item:
        found = lib.item_ids(args.search)
        matching = set(found)
        ids = [i for i in ids if i in matching] if args.item else found
    if not ids:
        _fail("no items match; nothing changed")
        return EXIT_FAIL
    if action == "add":
        change = lib.add_tags(ids, [args.tag])
        already = len(ids) - len(change.items)
        note = f" ({already} already had it)" if already else ""
        print(f"Tagged {len(change.items)} items with {args.tag!r}{note}.")
    else:
        (name,) = _exact_tags(lib, [args.tag])
        change = lib.remove_tags(ids, [name])
        print(f"Removed tag {name!r} from {len(change.items)} items.")
    return EXIT_OK


def cmd_check(lib: Library, args: argparse.Namespace) -> int:
    findings = check.run_checks(lib)
    if not findings:
        print(f"Library OK: {lib.count(scope=None)} items, {lib.db_path}")
        return EXIT_OK
    for f in findings:
        print(f)
    if not args.repair:
        _fail(
            f"{len(findings)} problem(s) found; `citelib check --repair` mends them after a backup"
        )
        return EXIT_FAIL
    for line in check.repair(lib, findings):
        print(f"repaired: {line}")
    left = check.run_checks(lib)
    for f in left:
        print(f"still wrong: {f}")
    if left:
        return EXIT_FAIL
    print(f"Library OK after repair: {lib.count(scope=None)} items")
    return EXIT_OK


def cmd_backup(lib: Library, args: argparse.Namespace) -> int:
    if args.list:
        for b in backup.list_backups(lib.backups_dir):
            print(f"{b.path}  {b.size / 1e6:.1f} MB  {b.reason}")
        return EXIT_OK
    path = backup.make_backup(lib.db_path, lib.backups_dir, "manual")
    print(f"Backed up to {path}")
    return EXIT_OK


def cmd_index(lib: Library, args: argparse.Namespace) -> int:
    if args.rebuild:
        lib.reindex_fulltext()
    shown = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if sys.stderr.isatty() and (now - shown[0] > 0.5 or done == total):
            shown[0] = now
            print(f"\rindexing {done:,} of {total:,}", end="", file=sys.stderr, flush=True)

    run = lib.index_fulltext_pending(progress=progress)
    if sys.stderr.isatty() and run.pending:
        print(file=sys.stderr)
    for result in run.failed:
        record = attaching.file_record(lib, result.attachment_id)
        where = f"{record.key} ({Path(record.path).name}, item {record.item_key})"
        print(f"citelib: attachment {where}: {result.error}", file=sys.stderr)
    print(
        f"Indexed {run.indexed:,} of {run.pending:,} attachments ({run.pages:,} pages); "
        f"{len(run.failed):,} could not be read."
    )
    return EXIT_FAIL if run.failed else EXIT_OK


def cmd_formats(out: TextIO) -> int:
    out.write(f"{'name':<12} {'read':<5} {'write':<5} {'extensions':<18} description\n")
    for f in FORMATS.values():
        out.write(
            f"{f.name:<12} {'yes' if f.read else 'no':<5} {'yes' if f.write else 'no':<5} "
            f"{' '.join(f.extensions):<18} {f.label}\n"
        )
    return EXIT_OK


COMMANDS = {
    "import": cmd_import,
    "attach": cmd_attach,
    "attachments": cmd_attachments,
    "relink": cmd_relink,
    "export": cmd_export,
    "list": cmd_list,
    "tag": cmd_tag,
    "check": cmd_check,
    "backup": cmd_backup,
    "index": cmd_index,
}


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
