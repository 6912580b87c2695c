"""Ad hoc read-only SQL on the warehouse, never blocked by (and never blocking) a writer.

Queries read the published snapshot (`<db>.snapshot`, see warehouse/store.py) opened read-only
with external access off: no writes to the warehouse, no files read or written elsewhere. A
query is interrupted after `timeout` seconds, and at most `max_rows` rows are fetched (results
stream from DuckDB, so a huge result is refused without being built).
"""
from __future__ import annotations

import csv
import io
import json
import math
import threading
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import duckdb

from .store import snapshot_path

FORMATS = ("table", "csv", "json")
MAX_CELL = 80  # characters of a cell shown in the table format
DEFAULT_TIMEOUT = 60.0  # seconds a query may run
DEFAULT_MAX_ROWS = 100_000  # rows a query may return


class QueryError(RuntimeError):
    """A query that cannot run: bad SQL, a write, or no warehouse yet. One-line message."""


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:400] if text else exc.__class__.__name__


def _source(db_path) -> Path:
    snap = snapshot_path(db_path)
    if snap.is_file():
        return snap
    if Path(db_path).is_file():
        return Path(db_path)  # never published yet: readable while no writer holds it
    raise QueryError(f"no warehouse at {db_path}: run `govreports harvest` or `govreports demo` first")


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=True,
                              config={"enable_external_access": False, "lock_configuration": True})
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise QueryError(f"the warehouse {path} is being written by a first harvest and has no "
                             "published snapshot yet; try again when it has finished") from None
        raise QueryError(f"cannot open the warehouse {path} for reading: {_one_line(exc)}") from None


def fetch(db_path, sql: str, timeout: float = DEFAULT_TIMEOUT,
          max_rows: int = DEFAULT_MAX_ROWS) -> tuple[list[str], list[tuple]]:
    """Column names and rows of a read-only query, within the time limit and the row cap; values
    of JSON columns (runs.params, runs.timings) come parsed, as the lists and objects they hold."""
    if not sql or not sql.strip():
        raise QueryError("empty query")
    con = _connect(_source(db_path))
    timer = threading.Timer(timeout, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        cur = con.execute(sql)
        if cur.description is None:
            return [], []
        cols = [d[0] for d in cur.description]
        json_cols = [i for i, d in enumerate(cur.description) if str(d[1]) == "JSON"]
        rows = cur.fetchmany(max_rows + 1)
        if len(rows) > max_rows:
            raise QueryError(f"the query returns more than {max_rows} rows (the --max-rows limit): "
                             "add a LIMIT or raise --max-rows")
        if json_cols:
            rows = [tuple(json.loads(v) if i in json_cols and isinstance(v, str) else v
                          for i, v in enumerate(row)) for row in rows]
        return cols, rows
    except duckdb.InterruptException:
        raise QueryError(f"the query ran longer than {timeout:g}s (the --timeout limit): narrow it "
                         "or raise --timeout") from None
    except duckdb.Error as exc:
        msg = _one_line(exc)
        if "read-only" in msg.lower() or "read only" in msg.lower():
            raise QueryError(f"the warehouse is read-only here: {msg}") from None
        raise QueryError(msg) from None
    finally:
        timer.cancel()
        con.close()


def _plain(v):
    if v is None:
        return None
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return None
        return int(v) if v.is_integer() else v
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, (datetime, date, time)):
        return v.isoformat()
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return v


CUT_NOTE = (f"(cells longer than {MAX_CELL} characters are cut, marked …: "
            "--format csv or --format json prints them whole)")


def _whole_cell(v) -> str:
    v = _plain(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else str(v)
    return " ".join(s.split())


def _cell(v) -> str:
    s = _whole_cell(v)
    return s if len(s) <= MAX_CELL else s[:MAX_CELL - 1] + "…"


def _width(s: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) >= 0x1100 and not (0x303F <= ord(ch) <= 0x3040) else 1 for ch in s)


def _pad(s: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(s))
    return gap + s if right else s + gap


def format_table(cols: list[str], rows: list[tuple]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    numeric = [all(isinstance(_plain(r[i]), (int, float)) or r[i] is None for r in rows) and rows
               for i in range(len(cols))]
    widths = [max([_width(c)] + [_width(r[i]) for r in cells]) for i, c in enumerate(cols)]
    line = lambda vals: " | ".join(_pad(v, widths[i], bool(numeric[i])) for i, v in enumerate(vals))  # noqa: E731
    out = [line(cols), "-+-".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    if any(len(_whole_cell(v)) > MAX_CELL for row in rows for v in row):
        out.append(CUT_NOTE)
    return "\n".join(out)


def _csv_value(v):
    v = _plain(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return v


def format_csv(cols: list[str], rows: list[tuple]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for row in rows:
        w.writerow([_csv_value(v) for v in row])
    return buf.getvalue().rstrip("\n")


def format_json(cols: list[str], rows: list[tuple]) -> str:
    return json.dumps([{c: _plain(v) for c, v in zip(cols, row)} for row in rows], ensure_ascii=False)


def run_query(db_path, sql: str, fmt: str = "table", timeout: float = DEFAULT_TIMEOUT,
              max_rows: int = DEFAULT_MAX_ROWS) -> str:
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if timeout <= 0 or max_rows < 1:
        raise QueryError("--timeout must be positive and --max-rows at least 1")
    cols, rows = fetch(db_path, sql, timeout, max_rows)
    if not cols:
        return ""
    return {"table": format_table, "csv": format_csv, "json": format_json}[fmt](cols, rows)
