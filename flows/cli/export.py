"""`govreports export DIR`: every table and view of the published warehouse as files."""
from __future__ import annotations

import sys

from flows.cli.options import check_db_for_reading, check_writable_dir


def run_export(args) -> int:
    check_db_for_reading(args.db)
    check_writable_dir(args.dir, "export directory")
    from warehouse.export import export
    written = export(args.db, args.dir, fmt=args.format)
    for e in written:
        print(f"{e.name:<18} {e.kind:<5} {e.rows:>9} rows  {e.path}")
    print(f"{len(written)} tables and views of {args.db} (published snapshot) written to "
          f"{args.dir}", file=sys.stderr)
    return 0
