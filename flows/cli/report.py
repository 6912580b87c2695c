"""`govreports report`: the static report site, built from the published snapshot.

The site itself is publishing (warehouse/site/); here are only the command's options and the
archive reader handed to it (the warehouse never reads the crawler's archive itself).
"""
from __future__ import annotations

import sys
import webbrowser
from pathlib import Path
from typing import Optional

from flows.cli.options import check_db_for_reading, check_writable_dir


def default_out(db) -> Path:
    return Path(db).parent / "site"


def _archive_reader(archive: Optional[Path]):
    """record_id -> archived body, or None when the archive (or the record) is not at hand."""
    if archive is None or not (archive / "index.sqlite").is_file():
        return None
    from crawler.archive import read_body

    def body(record_id: str) -> Optional[bytes]:
        try:
            return read_body(archive, record_id)
        except Exception:  # a missing or damaged WARC: the page says the copy is not exported
            return None
    return body


def write_report(db, out=None, archive=None) -> dict:
    """Build the site; returns build_site's summary (index path, counts, seconds)."""
    from warehouse.site import build_site
    out = Path(out) if out else default_out(db)
    check_writable_dir(out, "report folder")
    archive = Path(archive) if archive else Path(db).parent / "archive"
    return build_site(db, out, archived_body=_archive_reader(archive))


def say_where(result: dict) -> None:
    print(f"report: {result['reports']} reports, {result['publishers']} publishers, "
          f"{result['charts']} charts, {result['archived']} archived copies in {result['seconds']:g}s")
    print(f"open {Path(result['index']).as_uri()}")


def run_report(args) -> int:
    check_db_for_reading(args.db)
    result = write_report(args.db, args.out, args.archive)
    say_where(result)
    if args.open and not webbrowser.open(Path(result["index"]).as_uri()):
        print("govreports: no browser to open here; open the address above", file=sys.stderr)
    return 0
