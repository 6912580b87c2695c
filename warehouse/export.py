"""Export the published snapshot: every table and view, one Parquet (or CSV) file each.

Reads `<db>.snapshot` (see warehouse/store.py), so an export never waits for a harvest and
never sees half a run. Files are written under a temporary name and renamed when complete.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .query import QueryError, _one_line, _source

FORMATS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "csv": "(FORMAT csv, HEADER true)"}


@dataclass
class Exported:
    name: str  # table or view
    kind: str  # "table" | "view"
    rows: int
    path: Path


def relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(name, 'table' | 'view') of every table and view of the warehouse, tables first."""
    rows = con.execute("SELECT table_name, table_type FROM information_schema.tables "
                       "WHERE table_schema = 'main' AND table_catalog = current_database() "
                       "ORDER BY table_type, table_name").fetchall()
    return [(name, "view" if kind == "VIEW" else "table") for name, kind in rows]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def export(db_path, out_dir, fmt: str = "parquet") -> list[Exported]:
    """Write every table and view of the published warehouse into out_dir as NAME.parquet (or
    NAME.csv); returns what was written with its row count."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise QueryError(f"cannot create {out}: {e.strerror}") from None
    try:
        con = duckdb.connect(str(_source(db_path)), read_only=True)
    except duckdb.Error as e:
        raise QueryError(f"cannot open the warehouse {db_path}: {_one_line(e)}") from None
    done: list[Exported] = []
    try:
        for name, kind in relations(con):
            path = out / f"{name}.{fmt}"
            tmp = out / f".{name}.{fmt}.tmp"
            rows = con.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0]
            try:
                con.execute(f"COPY (SELECT * FROM {_quote(name)}) TO {_literal(str(tmp))} "
                            f"{FORMATS[fmt]}")
            except duckdb.Error as e:
                tmp.unlink(missing_ok=True)
                raise QueryError(f"cannot export {name} to {path}: {_one_line(e)}") from None
            os.replace(tmp, path)
            done.append(Exported(name, kind, rows, path))
    finally:
        con.close()
    return done
