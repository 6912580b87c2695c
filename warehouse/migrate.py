"""Schema migrations: plain SQL files warehouse/schema/NNN_name.sql applied in order, forward only.

The table schema_version records every applied file; each file runs in its own transaction,
so a crash leaves the warehouse at the previous version.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb

SCHEMA_DIR = Path(__file__).parent / "schema"
_NAME = re.compile(r"^(\d{3})_[\w-]+\.sql$")


def migrations() -> list[tuple[int, Path]]:
    found = []
    for p in SCHEMA_DIR.iterdir():
        m = _NAME.match(p.name)
        if m:
            found.append((int(m.group(1)), p))
    return sorted(found)


def latest_version() -> int:
    return max((v for v, _ in migrations()), default=0)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection, up_to: int | None = None) -> list[int]:
    """Bring the schema up to date (or to version up_to); returns the versions applied now."""
    have = current_version(con)
    applied = []
    for version, path in migrations():
        if version <= have or (up_to is not None and version > up_to):
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", [version, path.name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
