"""The pre-2019 "政府信息公开情况统计表" appendix: 指标名称 | 单位 | 统计数 [| 历年累计].

Read from table grids, and from tables that the page flattened to one cell per line in the
prose. Only the statistical year's column is read; a cumulative or previous-year column never is.
Row labels are matched to keys by rules/pre2019_appendix.yaml.
"""
from __future__ import annotations

from transforms import rules

import re
import unicodedata
from typing import Optional


from transforms.model import Classification, Grid, Metric, Page
from transforms.numbers import parse_approx

_RULES = rules.load("pre2019_appendix.yaml")
_H = {k: re.compile(v) for k, v in _RULES["header"].items()}
_SECTIONS = {k: re.compile(v) for k, v in _RULES["sections"].items()}
_ROWS = [(key, re.compile(p)) for key, ps in _RULES["rows"].items() for p in ps]
_CONTEXT_ROWS = [(spec["keys"], re.compile(p)) for spec in _RULES["context_rows"].values() for p in spec["labels"]]
_MONEY = _RULES["money"]
_ZERO_ROWS = [(re.compile(p), keys) for p, keys in (_RULES.get("zero_rows") or {}).items()]
_LEADING = re.compile(r"^(?:其中[:]?|[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十\d]+\)|\d+[.、)]|[①-⑳])")
_REMARK = re.compile(r"\([^)]*\)")
_YEAR_CELL = re.compile(r"^((?:19|20)\d\d)年?度?(?:统计数|数据|数量)?$")
_MONEY_KEYS = frozenset(_RULES["money_keys"])
_LABEL_UNIT = re.compile(r"[（(]\s*(万元|元)\s*[）)]")


def _label_unit(label: str) -> str:
    """A unit printed in the row label itself: "收取的费用（万元）"."""
    m = _LABEL_UNIT.search(_norm(label))
    return m.group(1) if m else ""


_UNIT_CELL = re.compile(r"^(?:条|件|个|人|人次|次|篇|场|项|万元|元|份|期)$")
_BLANK = {"", "-", "—", "——", "/", "\\", "无", "--"}
MIN_ROWS = 3  # fewer known rows: some other table, not the statistical appendix
MAX_LABEL_LEN = 40  # a flattened-table label line; longer lines are prose


def _norm(cell: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell or ""))


def norm_label(label: str) -> str:
    s = _REMARK.sub("", _norm(label))
    prev = None
    while prev != s:
        prev, s = s, _LEADING.sub("", s)
    return s


def _row_key(label: str, context: Optional[str]) -> Optional[str]:
    hits = {key for key, rx in _ROWS if rx.fullmatch(label)}
    for keys, rx in _CONTEXT_ROWS:
        if rx.fullmatch(label) and context in keys:
            hits.add(keys[context])
    return hits.pop() if len(hits) == 1 else None


def _is_header_label(cell: str) -> bool:
    return bool(_H["label"].fullmatch(_norm(cell)))


def _value_column(header: list[str], year: Optional[int]) -> Optional[int]:
    """The column holding the statistical year's figures, or None when it is not clear."""
    cols = []
    for i, cell in enumerate(header):
        c = _norm(cell)
        if not c or _H["label"].fullmatch(c) or _H["unit"].fullmatch(c) or _H["cumulative"].search(c):
            continue
        m = _YEAR_CELL.match(c)
        if m:
            if year is not None and int(m.group(1)) == year:
                return i
            continue  # another year's column
        if _H["value"].search(c):
            cols.append(i)
    return cols[0] if len(cols) == 1 else None


def _joined_label(row: list[str], label_cols: list[int]) -> str:
    """The row label across the label columns ("其中:" | "1.当面申请数"), spans counted once."""
    parts: list[str] = []
    for i in label_cols:
        cell = row[i].strip()
        if cell and (not parts or cell != parts[-1]):
            parts.append(cell)
    return "".join(parts)


def _grid_metrics(grid: Grid, year: Optional[int]) -> list[Metric]:
    head_i = next((i for i, row in enumerate(grid[:4]) if any(_is_header_label(c) for c in row)), None)
    if head_i is None:
        return []
    header = grid[head_i]
    label_cols = [i for i, c in enumerate(header) if _is_header_label(c)]  # 指标名称 may span columns
    unit_col = next((i for i, c in enumerate(header) if _H["unit"].fullmatch(_norm(c))), None)
    value_col = _value_column(header, year)
    if value_col is None:
        return []
    out, context = [], None
    for row in grid[head_i + 1:]:
        if len(row) <= max(label_cols + [value_col]):
            continue
        raw_label = _joined_label(row, label_cols)
        context = section(raw_label, context)
        unit = _norm(row[unit_col]) if unit_col is not None and unit_col < len(row) else ""
        out += row_metrics(raw_label, context, unit, row[value_col], header[value_col])
    return out if len(out) >= MIN_ROWS else []


def section(raw_label: str, context: Optional[str]) -> Optional[str]:
    """The section (行政复议 / 行政诉讼) a row belongs to, after this row's label."""
    label = norm_label(raw_label)
    for name, rx in _SECTIONS.items():
        if rx.search(label):
            context = name
    return context


def row_keys(raw_label: str, context: Optional[str]) -> list[str]:
    """The metric keys of a row label: its own key, else the keys a zero_rows label covers;
    [] for an unknown label."""
    return _row_keys(raw_label, context)[0]


def _row_keys(raw_label: str, context: Optional[str]) -> tuple[list[str], bool]:
    """(keys, read only as 0)."""
    label = norm_label(raw_label)
    key = _row_key(label, context)
    if key:
        return [key], False
    return next((keys for rx, keys in _ZERO_ROWS if rx.fullmatch(label)), []), True


def row_metrics(raw_label: str, context: Optional[str], unit: str, cell: str, head: str) -> list[Metric]:
    """The metric(s) of one row's statistical-year cell; [] when it gives none."""
    keys, zero_only = _row_keys(raw_label, context)
    cell_n = _norm(cell)
    if not keys or cell_n in _BLANK:
        return []
    parsed = parse_approx(cell_n)
    if parsed is None or (zero_only and parsed.value != 0):
        return []
    if not unit:
        unit = _label_unit(raw_label)
    if keys[0] in _MONEY_KEYS and unit not in _MONEY:
        return []  # money in 万元 on one form, 元 on another: no unit printed, no value
    value, stored_unit = parsed.value, unit or None
    if unit in _MONEY:
        v = round(parsed.value * _MONEY[unit], 2)
        value, stored_unit = (int(v) if float(v).is_integer() else v), "元"
    evidence = f"{raw_label} | {head.strip()}: {cell.strip()}"
    if zero_only:
        evidence += f" (a row covering {', '.join(keys)}: 0 for each)"
    return [Metric(key=key, value=value, unit=stored_unit, unit_printed=unit or None, approx=parsed.approx,
                   source="table", evidence=evidence) for key in keys]


def _is_header_cell(line: str) -> bool:
    c = _norm(line)
    return bool(_H["unit"].fullmatch(c) or _H["value"].fullmatch(c) or _H["cumulative"].search(c)
                or _YEAR_CELL.match(c))


def _is_value_cell(line: str) -> bool:
    c = _norm(line)
    return c in _BLANK or parse_approx(c) is not None


def _cells_of_line(line: str) -> list[str]:
    """A table row printed on one line ("(一)收到申请数 件 12 215") as its cells; any other
    line as itself. The label is everything before the trailing value and unit cells."""
    tokens = line.split()
    if len(tokens) < 2:
        return [line]
    if _is_header_label(tokens[0]) and all(_is_header_cell(t) for t in tokens[1:]):
        return tokens
    k = len(tokens)
    while k > 1 and (_is_value_cell(tokens[k - 1]) or _UNIT_CELL.match(_norm(tokens[k - 1]))):
        k -= 1
    if k == len(tokens):
        return [line]
    return [" ".join(tokens[:k])] + tokens[k:]


def flattened_grids(paragraphs: list[str]) -> list[Grid]:
    """Tables printed as text, one cell per line or one row per line: rebuild a grid from the
    header onwards."""
    lines = [cell for p in paragraphs for ln in p.split("\n") if ln.strip()
             for cell in _cells_of_line(ln.strip())]
    grids = []
    i = 0
    while i < len(lines):
        if not _is_header_label(lines[i]):
            i += 1
            continue
        header = [lines[i]]
        i += 1
        while i < len(lines) and _is_header_cell(lines[i]):
            header.append(lines[i])
            i += 1
        unit_col = next((k for k, c in enumerate(header) if _H["unit"].fullmatch(_norm(c))), None)
        grid, row = [header], None
        while i < len(lines) and len(_norm(lines[i])) <= MAX_LABEL_LEN and not _is_header_label(lines[i]):
            line = lines[i]
            if row is not None and (_is_value_cell(line) or _UNIT_CELL.match(_norm(line))):
                row.append(line)
            else:
                if row is not None:
                    grid.append(_align(row, header, unit_col))
                row = [line]
            i += 1
        if row is not None:
            grid.append(_align(row, header, unit_col))
        grids.append([r for r in grid if r])
    return grids


def _align(row: list[str], header: list[str], unit_col: Optional[int]) -> list[str]:
    """Row cells in header order; a row whose cells cannot be placed for sure is dropped."""
    if len(row) == len(header):
        return row
    has_unit = any(_UNIT_CELL.match(_norm(c)) for c in row[1:])
    if unit_col is not None and not has_unit and len(row) == len(header) - 1:
        return row[:unit_col] + [""] + row[unit_col:]
    return []


def appendix_metrics(page: Page, cls: Classification) -> list[Metric]:
    if not cls.is_annual_report or cls.format not in (None, "pre2019"):
        return []
    out: list[Metric] = []
    for grid in list(page.tables) + flattened_grids(page.prose):
        out += _grid_metrics(grid, cls.year)
    from transforms.metrics.appendix_stream import stream_metrics  # (it builds on this module)
    return out + stream_metrics(page.prose, cls.year)
