"""The pre-2019 statistics appendix (政府信息公开情况统计表) read from text that lost its layout.

A copy may print the table as one run of text: "指标名称计量单位2011年度历年累计主动公开信息数条4251516
其中:1.网站公开条41815092.政府公报公开条77…", or with spaces between the cells ("主动公开信息数 条 425
1516"). The header names the columns; each row is its label, its unit, then one value per column
(metrics/table_text.py cuts the text into rows). A run that prints one piece per column is read as
printed. A run whose cells ran together is split only where one reading is left by what the table
says of itself: a cumulative column (历年累计) is never less than the year's figure, and a row listed
under a total ("其中") is never more than it. Only the statistical year's column is ever loaded; a
run with two readings loads nothing and its candidates are withheld.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from transforms import rules
from transforms.metrics import appendix, digit_runs
from transforms.metrics.digit_runs import Split
from transforms.metrics.table_text import segments, stream
from transforms.model import Metric

_RULES = rules.load("pre2019_appendix.yaml")
_SH = _RULES["stream_header"]
_COLUMN = "|".join(f"(?:{c})" for c in _SH["columns"])
_HEADER = re.compile(rf"(?:{_SH['label']})(?:{_SH['unit']})?((?:{_COLUMN})+)")
_ONE_COLUMN = re.compile(_COLUMN)
_CUMULATIVE = re.compile(_SH["cumulative"])
_UNITS = sorted(("人次", "万元", "条", "件", "个", "人", "次", "篇", "场", "项", "元", "份", "期"), key=len, reverse=True)
_PARTS = {p: total for total, parts in (_RULES.get("parts") or {}).items() for p in parts}
_RELATED = set(_PARTS) | set(_PARTS.values())
TABLE_SPAN = 4000  # characters after the header where the table's rows may be
MAX_LABEL = 40  # a longer label is prose: the table has ended


@dataclass
class _Row:
    label: str  # as printed, without its unit
    unit: str
    values: str
    keys: list[str]
    context: Optional[str]  # the section it is printed in (行政复议 / 行政诉讼)
    readings: list[Split]
    how: str  # "printed" | "split"

    def __post_init__(self):
        self.ways = len(self.readings)  # readings of the run before the table's rules

def stream_metrics(texts: list[str], year: Optional[int]) -> list[Metric]:
    s = stream("\n".join(texts))
    out: list[Metric] = []
    for m in _HEADER.finditer(s):
        out += _table_at(s, m, year)
    return out


def _columns(text: str) -> list[str]:
    """The column names of a header run ("2011年度历年累计" -> ["2011年度", "历年累计"])."""
    out, pos = [], 0
    while pos < len(text):
        m = _ONE_COLUMN.match(text, pos)
        if not m or not m.group(0):
            return []
        out.append(m.group(0))
        pos = m.end()
    return out


def _table_at(s: str, m: re.Match, year: Optional[int]) -> list[Metric]:
    columns = _columns(m.group(1))
    has_unit = bool(re.search(_SH["unit"], m.group(0)))
    header = ["指标名称"] + (["计量单位"] if has_unit else []) + columns
    value_col = appendix._value_column(header, year)
    if value_col is None or len(columns) < 1:
        return []
    value_col -= len(header) - len(columns)
    cumulative = next((j for j, c in enumerate(columns) if _CUMULATIVE.search(c)), None)
    rows = _rows(s, m.end(), len(columns), has_unit)
    if rows is None:
        return []
    _fit_cumulative(rows, value_col, cumulative)
    _fit_parts(rows, len(columns))
    out: list[Metric] = []
    for row in rows:
        out += _row_metrics(row, columns, value_col, cumulative)
    return out if len([m for m in out if not m.withheld]) + len({m.key for m in out if m.withheld}) >= appendix.MIN_ROWS else []


def _rows(s: str, start: int, n: int, has_unit: bool) -> Optional[list[_Row]]:
    """The table's rows, until a label that is prose; None when the spaces in it are not cell
    boundaries (a row prints more pieces than columns: "3 410" for 3410)."""
    rows: list[_Row] = []
    context = None
    for seg in segments(s, start, min(len(s), start + TABLE_SPAN)):
        label, unit = _label_and_unit(_own_label(seg.label), has_unit)
        if not seg.values or len(appendix.norm_label(label)) > MAX_LABEL:
            break
        pieces = digit_runs.chunks(seg.values)
        if len(pieces) > n:
            return None
        if not seg.exact:
            continue  # "3万", "10余": not a figure as printed
        context = appendix.section(label, context)
        keys = appendix.row_keys(label, context)
        printed = digit_runs.as_printed(pieces, n)
        if printed is not None:
            rows.append(_Row(label, unit, seg.values, keys, context, [printed], "printed"))
        else:
            rows.append(_Row(label, unit, seg.values, keys, context, digit_runs.splits(pieces, n) or [], "split"))
    if any(not r.readings and digit_runs.splits(digit_runs.chunks(r.values), len(digit_runs.chunks(r.values)))
           for r in rows):
        # A row with too few figures for its columns: blank cells leave no trace in this copy,
        # so any run may hide one ("77" may be 77 and a blank). Only rows read as printed stand.
        for r in rows:
            if r.how == "split":
                r.readings = []
    return rows


_NUMBERED = re.compile(r"(?=\([一二三四五六七八九十]{1,3}\)|(?<![\d(])\d{1,2}[.、](?!\d)|[一二三四五六七八九十]{1,3}、)")


def _own_label(label: str) -> str:
    """The row's own label without the section title printed before it in the same run
    ("三、依申请公开情况(一)收到申请数件" -> "(一)收到申请数件"): the shortest tail from a
    numbering on that names a row, else the whole label."""
    starts = [m.start() for m in _NUMBERED.finditer(label) if m.start() > 0]
    for at in reversed(starts):
        tail = label[at:]
        if appendix.row_keys(_label_and_unit(tail, True)[0], None) or \
                appendix.row_keys(_label_and_unit(tail, True)[0], "reconsideration"):
            return tail
    return label


def _label_and_unit(label: str, has_unit: bool) -> tuple[str, str]:
    """A row label without the unit printed after it ("网站公开条" -> "网站公开", "条")."""
    if not has_unit:
        return label, ""
    for u in _UNITS:
        if label.endswith(u) and appendix.row_keys(label[:-len(u)], None):
            return label[:-len(u)], u
    for u in _UNITS:
        if label.endswith(u) and not appendix.row_keys(label, None):
            return label[:-len(u)], u
    return label, ""


def _fit_cumulative(rows: list[_Row], value_col: int, cumulative: Optional[int]) -> None:
    """A cumulative column is never less than the year's figure."""
    if cumulative is None or cumulative == value_col:
        return
    for r in rows:
        if r.how == "split":
            r.readings = [sp for sp in r.readings
                          if None in (sp[value_col], sp[cumulative]) or sp[value_col] <= sp[cumulative]]


def _fit_parts(rows: list[_Row], n: int) -> None:
    """A row under a total is never more than it, column by column: readings of the total and
    of its parts that cannot stand together are dropped (each part only needs the total)."""
    by_key = {r.keys[0]: r for r in rows if len(r.keys) == 1}
    pairs = [(by_key[t], by_key[p]) for p, t in _PARTS.items() if p in by_key and t in by_key]
    changed = True
    while changed:
        changed = False
        for total, part in pairs:
            keep_t = [t for t in total.readings if any(_at_most(p, t) for p in part.readings)]
            keep_p = [p for p in part.readings if any(_at_most(p, t) for t in total.readings)]
            if len(keep_t) != len(total.readings) or len(keep_p) != len(part.readings):
                total.readings, part.readings, changed = keep_t, keep_p, True


def _at_most(part: Split, total: Split) -> bool:
    return all(p is None or t is None or p <= t for p, t in zip(part, total))


def _cell(v) -> str:
    return "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))


def _row_metrics(row: _Row, columns: list[str], value_col: int, cumulative: Optional[int]) -> list[Metric]:
    if not row.keys or not row.readings:
        return []
    head = columns[value_col]
    if len(row.readings) == 1:
        found = appendix.row_metrics(row.label, row.context, row.unit, _cell(row.readings[0][value_col]), head)
        if row.how == "split":
            shown = "|".join(_cell(v) or "—" for v in row.readings[0])
            rules_used = [f"{columns[cumulative]} is at least {head}" if cumulative not in (None, value_col) else "",
                          "a row under a total is at most the total" if row.keys[0] in _RELATED else ""]
            rule = " and ".join(r for r in rules_used if r) if row.ways > 1 else "its only reading"
            for m in found:
                m.evidence += f" (cells run together: '{row.values}' split {shown} by {rule})"
        return found
    shown = " or ".join("|".join(_cell(v) or "—" for v in sp) for sp in row.readings[:4])
    reason = f"ambiguous split: '{row.values}' reads as {shown}" + (" or more" if len(row.readings) > 4 else "")
    out: list[Metric] = []
    seen: set = set()
    for sp in row.readings:
        for m in appendix.row_metrics(row.label, row.context, row.unit, _cell(sp[value_col]), head):
            if (m.key, m.value) not in seen:
                seen.add((m.key, m.value))
                m.withheld = reason
                m.evidence = f"{row.label} | {head}: one of the readings of '{row.values}'"
                out.append(m)
    return out
