"""Metrics of the 2019 and 2021 template tables: 二 (主动公开), 三 (依申请), 四 (复议/诉讼).

Tables come as grids (HTML with merged cells expanded, PDF, DOCX, DOC) or flattened to one cell per
line in the prose (pages pasted from Word). Both are read into the same intermediate shapes
and then matched by normalised labels (transforms/rules/template_<fmt>.yaml), never by position
alone. A row or column that cannot be aligned gives nothing: prefer no value to a wrong one.
"""
from __future__ import annotations

from transforms import rules

import re
from dataclasses import dataclass
from typing import Optional


from transforms.cells import (cell_number, drop_repeats, is_blank, label_matches, money_unit, norm, parse_money,
                              strip_numbering)
from transforms.model import Classification, Grid, Metric, Page
from transforms.classification.template_format import detect_format

FORMATS = ("2019", "2021")
DIMS = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
        "legal_service_org", "other_org", "total")
MAX_LABEL = 60  # a flat token longer than this is prose, not a table label
FRAGMENT = 3  # a header word this short may be half of a label broken over two rows


def _norm_list(values) -> list[str]:
    return [norm(v) for v in values]


def _load(fmt: str) -> dict:
    data = rules.load(f"template_{fmt}.yaml")
    t2 = data["table2"]
    t2["rows"] = {k: _norm_list(v) for k, v in t2["rows"].items()}
    t2["cols"] = {k: _norm_list(v) for k, v in t2["cols"].items()}
    t2["by_pair"] = {tuple(v): k for k, v in t2["keys"].items()}
    t2["unit_of"] = {key: unit for unit, keys in (t2.get("units") or {}).items() for key in keys}
    for row in data["table3"]["rows"]:
        row["item"] = _norm_list(row["item"])
        row["group"] = norm(row.get("group") or "") or None
    data["applicant_groups"] = _norm_list(data["applicant_groups"])
    data["applicant_table_heads"] = set(_norm_list(data["applicant_table_heads"]))
    data["applicant_dims"] = {k: _norm_list(v) for k, v in data["applicant_dims"].items()}
    t4 = data["table4"]
    t4["blocks"] = {k: _norm_list(v) for k, v in t4["blocks"].items()}
    t4["outcomes"] = {k: _norm_list(v) for k, v in t4["outcomes"].items()}
    data["known_labels"] = _known_labels(data)
    return data


def _known_labels(data: dict) -> set[str]:
    """Every header label of the three tables: a line made of these alone is a header row."""
    t2, t4 = data["table2"], data["table4"]
    groups = [t2["rows"], t2["cols"], data["applicant_dims"], t4["blocks"], t4["outcomes"]]
    labels = {v for g in groups for vs in g.values() for v in vs}
    return (labels | set(data["applicant_table_heads"]) | set(data["applicant_groups"])
            | {norm("信息内容"), norm("行政诉讼")})


RULES = {fmt: _load(fmt) for fmt in FORMATS}


# ============================================================================ shared pieces
@dataclass
class Row:
    """A table row as read: its label parts (group first) and its value cells."""
    parts: list[str]  # normalised, for matching
    cells: list[str]
    raw: Optional[list[str]] = None  # the parts as printed, for evidence


def _value(cell: str) -> Optional[float | int]:
    return None if is_blank(cell) else cell_number(cell)


def _metric(key: str, value, evidence: str, dim: Optional[str] = None, unit: str = "件",
            unit_printed: Optional[str] = None) -> Metric:
    return Metric(key=key, value=value, dimension=dim, unit=unit, unit_printed=unit_printed or unit,
                  source="table", evidence=evidence)


def _is_value_token(text: str) -> bool:
    """A flat token that is a table value: a number (with unit) or a blank mark."""
    if is_blank(text):
        return bool(text.strip())
    return cell_number(text) is not None or parse_money(text) is not None


def _unique(metrics: list[Metric]) -> list[Metric]:
    """One metric per (key, dimension, value). Two values for one pair are both kept: the
    settle step withholds them, which a reader of the document can see."""
    seen: set[tuple] = set()
    out = []
    for m in metrics:
        k = (m.key, m.dimension, round(float(m.value), 6), m.withheld)
        if k not in seen:
            seen.add(k)
            out.append(m)
    return out


# ============================================================================ table 三
def _dim_of(parts: list[str], rules: dict) -> Optional[str]:
    """Applicant type of a column from its header parts (group labels left out)."""
    leaf = "".join(p for p in drop_repeats(parts)
                   if not any(g in p for g in rules["applicant_groups"]))
    hits = [d for d, variants in rules["applicant_dims"].items() if leaf in variants]
    return hits[0] if len(hits) == 1 else None


def _match_row(parts: list[str], prev_group: Optional[str], rules: dict) -> Optional[dict]:
    """The table 三 row definition a label matches, or None when none or several do.

    The item is the last label part; a label broken over lines (flat text) is tried joined
    back from its last two or three parts.
    """
    for n in (1, 2, 3):
        if n > len(parts) or (n > 1 and strip_numbering(parts[-n + 1]) != parts[-n + 1]):
            break  # a part that starts with its own numbering is a label, not a broken line
        found = _match_item(strip_numbering("".join(parts[-n:])), "".join(parts), prev_group, rules)
        if found is not False:
            return found
    return None


def _match_item(item: str, full: str, prev_group: Optional[str], rules: dict):
    """The row definition for an item; None when ambiguous, False when nothing matches."""
    found: list[tuple[int, dict]] = []
    for row in rules["table3"]["rows"]:
        for v in row["item"]:
            if not label_matches(item, v):
                continue
            generic = len(v) < 4
            if generic and row["group"] and row["group"] not in full and prev_group != row["group"]:
                continue
            found.append((len(v), row))
            break
    if not found:
        return False
    best = max(n for n, _ in found)
    rows = [r for n, r in found if n == best]
    return rows[0] if len(rows) == 1 else None


def _table3_metrics(dims: list[Optional[str]], rows: list[Row], rules: dict) -> list[Metric]:
    """Metrics from rows of table 三 whose cells line up with `dims` (None: not a value column)."""
    out: list[Metric] = []
    keys_seen: dict[str, int] = {}
    prev_group = None
    matched: list[tuple[dict, Row]] = []
    for row in rows:
        if len(row.cells) != len(dims):
            prev_group = None
            continue
        d = _match_row(row.parts, prev_group, rules)
        prev_group = d["group"] if d else None
        if d:
            matched.append((d, row))
            keys_seen[d["key"]] = keys_seen.get(d["key"], 0) + 1
    matched = [(d, row) for d, row in matched
               if keys_seen[d["key"]] == 1  # a row printed twice: cannot tell which is right
               and not _misaligned(dims, row.cells)]
    if not _columns_add_up(dims, [row.cells for _, row in matched]):
        return []
    for d, row in matched:
        label = " ".join(row.raw or row.parts)
        row_out = []
        for dim, cell in zip(dims, row.cells):
            value = _value(cell) if dim else None
            if value is None or value < 0 or isinstance(value, float):
                continue
            row_out.append(_metric(d["key"], value, f"{label} | {_dim_label(dim, rules)}: {cell.strip()}", dim=dim))
        out += withhold_unless_adds_up(row_out, [m.dimension for m in row_out if m.dimension != "total"], "total",
                                       "dimension", f"the row {label} does not add up")
    return out + _table3_sums([m for m in out if not m.withheld], rules)


def withhold_unless_adds_up(metrics: list[Metric], parts: list[str], total: str, field: str,
                            what: str) -> list[Metric]:
    """The metrics as read, or all of them withheld when the table prints every term of one of
    its sums and they do not add up (维持 10 + 纠正 1 = 总计 0): which figure is wrong cannot be told."""
    by = {getattr(m, field): m for m in metrics}
    if total not in by or len(parts) < 4 or any(p not in by for p in parts):
        return metrics
    left = sum(by[p].value for p in parts)
    if left == by[total].value:
        return metrics
    terms = " + ".join(_num(by[p].value) for p in parts)
    reason = f"{what}: {terms} = {_num(left)} but its total is {_num(by[total].value)}"
    for m in metrics:
        m.withheld = reason
    return metrics


def _num(v) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


MAX_MISPRINTS = 0.1  # share of rows (at least one row) allowed not to add up in a table read right


def _columns_add_up(dims: list[str], rows: list[list[str]]) -> bool:
    """Whether the columns were read right: in most rows the applicant columns add up to 总计.

    A header read against the wrong columns (merged cells lost, a ragged copy) breaks the sum
    in every row where the columns differ; a misprint in a report breaks it in one or two.
    """
    if "total" not in dims or len(set(dims)) != len(DIMS):
        return False
    checked = consistent = 0
    for cells in rows:
        values = dict(zip(dims, (_value(c) for c in cells)))
        if any(v is None for v in values.values()):
            continue
        checked += 1
        consistent += sum(v for d, v in values.items() if d != "total") == values["total"]
    return checked > 0 and checked - consistent <= max(1, int(MAX_MISPRINTS * checked))


def _misaligned(dims: list[str], cells: list[str]) -> bool:
    """A row whose values may have shifted: one cell short (total blank while others print
    values), or a label where a value should be (a span too long pushed the row right)."""
    if any(c.strip() and not is_blank(c) and cell_number(c) is None for c in cells):
        return True
    if "total" not in dims:
        return False
    total = cells[dims.index("total")]
    return not total.strip() and any(c.strip() for c in cells)


def _dim_label(dim: str, rules: dict) -> str:
    return rules["applicant_dims"][dim][0]


def _table3_sums(found: list[Metric], rules: dict) -> list[Metric]:
    """Rows the template splits into parts (2021 （六）其他处理): their sum, where all parts are printed."""
    out = []
    by = {(m.key, m.dimension): m for m in found}
    for key, parts in (rules["table3"].get("sums") or {}).items():
        for dim in rules["applicant_dims"]:
            if (key, dim) in by:
                continue
            ms = [by.get((p, dim)) for p in parts]
            if any(m is None for m in ms):
                continue
            total = sum(m.value for m in ms)
            terms = " + ".join(f"{m.key} {m.value}" for m in ms)
            evidence = f"computed: {terms} = {total} | {_dim_label(dim, rules)}"
            out.append(_metric(key, total, evidence, dim=dim))
    return out


_OTHER_TABLE_HEADS = {norm("行政复议"), norm("行政诉讼"), norm("信息内容")}


def _table_end(grid: Grid, first: int) -> int:
    """Index of the row where another table starts inside the same grid, else the grid's end."""
    for i in range(first, len(grid)):
        if any(norm(c) in _OTHER_TABLE_HEADS for c in grid[i]):
            return i
    return len(grid)


def _first_value_col(row: list[str]) -> Optional[int]:
    return next((j for j, c in enumerate(row) if cell_number(c) is not None), None)


def _usual_first_value_col(rows: Grid) -> Optional[int]:
    cols = [c for c in (_first_value_col(r) for r in rows) if c is not None]
    return max(set(cols), key=cols.count) if cols else None


def _grid_table3(grid: Grid, rules: dict) -> list[Metric]:
    start = next((i for i, r in enumerate(grid) if any(norm(c) in rules["applicant_table_heads"] for c in r)), None)
    if start is None:
        return []
    first_data = next((i for i in range(start, len(grid))
                       if any(cell_number(c) is not None for c in grid[i])), None)
    if first_data is None:
        return []
    header = grid[start:first_data]
    body = grid[first_data:_table_end(grid, first_data)]
    n_cols = len(grid[0])
    dims: list[Optional[str]] = []
    for j in range(n_cols):
        dims.append(_dim_of([norm(r[j]) for r in header], rules))
    if not any(dims):
        return []
    # Label columns end where values start in most rows (an unknown value column is not part of
    # the label; a row whose values start elsewhere, a span lost, is left out below).
    start_col = _usual_first_value_col(body)
    first_dim = min([start_col if start_col is not None else n_cols]
                    + [next(j for j, d in enumerate(dims) if d)])
    real = [d for d in dims if d]
    if len(set(real)) != len(real):
        return []  # two columns claim the same applicant type
    rows = []
    for r in body:
        if _first_value_col(r) not in (None, start_col):
            continue  # this row's values start elsewhere: it does not line up with the header
        parts = drop_repeats([norm(c) for c in r[:first_dim]])
        raw = drop_repeats([c.strip() for c in r[:first_dim]])
        cells = [c for c, d in zip(r, dims) if d]
        rows.append(Row(parts=parts, cells=cells, raw=raw if len(raw) == len(parts) else None))
    return _table3_metrics(real, rows, rules)


# ============================================================================ table 四
def _column_of(parts: list[str], rules: dict) -> Optional[str]:
    """Metric key of a table 四 column from its header parts, e.g. litigation_direct_upheld."""
    text = "".join(drop_repeats(parts))
    t4 = rules["table4"]
    block = next((b for b, vs in t4["blocks"].items() if any(v in text for v in vs)), None)
    if block is None:
        return None
    rest = text
    for vs in t4["blocks"].values():
        for v in vs:
            rest = rest.replace(v, "")
    rest = rest.replace("行政诉讼", "")
    outcomes = [o for o, vs in t4["outcomes"].items() if any(v in rest for v in vs)]
    if len(outcomes) != 1:
        return None
    return f"{block}_{outcomes[0]}"


def _table4_metrics(columns: list[Optional[str]], headers: list[str], cells: list[str]) -> list[Metric]:
    keys = [c for c in columns if c]
    if len(set(keys)) != len(keys) or len(keys) != 15:
        return []  # the template has 15 columns; fewer, and the header was not read right
    printed = [cell for key, cell in zip(columns, cells) if key]
    if printed and not printed[-1].strip() and any(c.strip() for c in printed):
        return []  # the row is a cell short: its values may have shifted left
    out = []
    for key, head, cell in zip(columns, headers, cells):
        value = _value(cell) if key else None
        if value is None or value < 0 or isinstance(value, float):
            continue
        out.append(_metric(key, value, f"行政复议、行政诉讼 | {head}: {cell.strip()}"))
    checked = []
    for block, name in (("reconsideration", "行政复议"), ("litigation_direct", "未经复议直接起诉"),
                        ("litigation_after_review", "复议后起诉")):
        ms = [m for m in out if m.key.startswith(block + "_")]
        parts = [f"{block}_{o}" for o in ("upheld", "corrected", "other", "pending")]
        checked += withhold_unless_adds_up(ms, [p for p in parts if any(m.key == p for m in ms)],
                                           f"{block}_total", "key", f"the block {name} does not add up")
    return checked + _litigation_total([m for m in checked if not m.withheld])


def _litigation_total(found: list[Metric]) -> list[Metric]:
    by = {m.key: m for m in found}
    a, b = by.get("litigation_direct_total"), by.get("litigation_after_review_total")
    if not a or not b:
        return []
    total = a.value + b.value
    return [_metric("litigation_total", total,
                    f"computed: 未经复议直接起诉 总计 {a.value} + 复议后起诉 总计 {b.value} = {total}")]


def _grid_table4(grid: Grid, rules: dict) -> list[Metric]:
    start = next((i for i, r in enumerate(grid)
                  if any("行政复议" in norm(c) for c in r) and any("行政诉讼" in norm(c) for c in r)), None)
    if start is None:
        return []
    first_data = next((i for i in range(start, len(grid))
                       if sum(cell_number(c) is not None for c in grid[i]) >= 5), None)
    if first_data is None:
        return []
    header = grid[start:first_data]
    n_cols = len(grid[0])
    columns = [_column_of([norm(r[j]) for r in header], rules) for j in range(n_cols)]
    heads = [" ".join(drop_repeats([r[j].replace("\n", "") for r in header])) for j in range(n_cols)]
    return _table4_metrics(columns, heads, grid[first_data])


# ============================================================================ table 二
def _t2_match(label: str, table: dict) -> Optional[str]:
    hits = [k for k, vs in table.items() if any(label_matches(label, v) for v in vs)]
    if len(hits) > 1:  # "行政规范性文件" also contains "规范性文件": keep the exact one
        hits = [k for k in hits if label in table[k]] or hits
    return hits[0] if len(hits) == 1 else None


def _table2_metrics(items: list[tuple[str, list[str], list[str]]], rules: dict) -> list[Metric]:
    """items: (row label, column labels, cells) already lined up one column label per cell."""
    t2 = rules["table2"]
    out = []
    for row_label, col_labels, cells in items:
        row = _t2_match(norm(row_label), t2["rows"])
        if not row:
            continue
        per_col: dict[str, set] = {}
        for head, cell in zip(col_labels, cells):
            per_col.setdefault(head, set()).add(cell.strip())
        for head, values in per_col.items():
            col = _t2_match(norm(head), t2["cols"])
            key = t2["by_pair"].get((row, col)) if col else None
            if key is None or len(values) != 1:
                continue
            cell = next(iter(values))
            m = _t2_metric(key, row_label, head, cell, t2)
            if m:
                out.append(m)
    return out


def _t2_metric(key: str, row_label: str, head: str, cell: str, t2: dict) -> Optional[Metric]:
    value = None if is_blank(cell) else (parse_money(cell) if key in t2["money"] else cell_number(cell))
    if value is None:
        return None
    if key not in t2["signed"] and value < 0:
        return None
    evidence = f"{row_label.strip()} | {head.strip()}: {cell}"
    if key in t2["money"]:
        unit = money_unit(cell, head)
        if unit is None:
            return None  # 元 or 万元 cannot be told apart: no value
        scaled = value * 10000 if unit == "万元" else value
        scaled = round(scaled) if abs(scaled - round(scaled)) < 1e-6 else scaled
        return _metric(key, scaled, evidence, unit="元", unit_printed=unit)
    if isinstance(value, float):
        return None
    unit = t2["unit_of"].get(key, "件")
    return _metric(key, value, evidence, unit=unit)


def _is_t2_header(row: list[str], rules: dict) -> bool:
    """A column-label row without 信息内容: labels, no values, and no row label first."""
    t2 = rules["table2"]
    return (not _t2_match(norm(row[0]), t2["rows"]) and all(cell_number(c) is None for c in row[1:])
            and any(_t2_match(norm(c), t2["cols"]) for c in row[1:]))


def _grid_table2(grid: Grid, rules: dict) -> list[Metric]:
    items = []
    heads: Optional[list[str]] = None
    for r in grid:
        first = norm(r[0]) if r else ""
        if first == "信息内容" or _is_t2_header(r, rules):
            heads = r[1:]
            continue
        if heads is None or not first or len(r) - 1 != len(heads):
            continue
        items.append((r[0], heads, r[1:]))
    return _table2_metrics(items, rules)


# ============================================================================ flat text
def _tokens(page: Page, rules: dict) -> list[str]:
    """Prose lines as table tokens: one cell per token.

    A table copied as text may also print a row on one line ("规章 1 0 11", cells separated
    by tabs, bars or spaces): such a line is cut into its label and its values, and a header line
    made of known labels into those labels.
    """
    known = rules["known_labels"]
    out: list[str] = []
    for text in page.prose:
        for line in text.splitlines():
            for cell in _CELL_SEP.split(line) if _is_piped(line) else line.split("\t"):
                out += _split_row_line(cell.strip(), known)
    return out


_CELL_SEP = re.compile(r"[\t|｜]")


def _is_piped(line: str) -> bool:
    """A row printed with bars between its cells ("规章 | 0 | 1 | 15 |"), as copies in a
    markdown-like text do."""
    return "|" in line or "｜" in line


_GLUED_VALUE = re.compile(r"^(.*[\u3400-\u9fff）)”\"」』])(\d[\d,]*(?:\.\d+)?)$")


def _is_known(word: str, known: set[str]) -> bool:
    return word in known or any(label_matches(word, k) for k in known)


def _segment(word: str, known: set[str]) -> Optional[list[str]]:
    """A header word made of two or more known labels glued together (a copy that joined the
    header rows of a table: "总计商业企业"), cut back into them; None when it is not one."""
    w = norm(word)
    if not w or w in known or len(w) > 2 * MAX_LABEL or any(p in w for p in ".,;:"):
        return None  # a label, or prose (too long, or punctuated like a sentence)
    best: dict[int, list[str]] = {0: []}  # the fewest labels that spell w[:i]
    for i in range(1, len(w) + 1):
        for j in range(max(0, i - MAX_LABEL), i):
            if j in best and w[j:i] in known and len(w[j:i]) >= 2:
                cut = best[j] + [w[j:i]]
                if i not in best or len(cut) < len(best[i]):
                    best[i] = cut
    found = best.get(len(w))
    return found if found and len(found) > 1 else None


def _split_header(words: list[str], known: set[str]) -> Optional[list[str]]:
    """The labels of a header line whose words are known labels or known labels glued together."""
    out: list[str] = []
    for w in words:
        pieces = _segment(w, known)
        if pieces is None and not _is_known(norm(w), known):
            return None
        out += pieces or [w]
    return out if len(out) > 1 else None


def _split_row_line(line: str, known: set[str]) -> list[str]:
    words = line.split()
    if len(words) < 2:
        glued = _GLUED_VALUE.match(line)
        if glued and norm(strip_numbering(norm(glued.group(1)))) in known:
            return [glued.group(1), glued.group(2)]  # "行政许可1412": one label, one value
        if len(line) > 2 * MAX_LABEL or any(p in line for p in "。，；"):
            return [line] if line else []  # prose, not a header row
        return _split_header(words, known) or ([line] if line else [])
    k = len(words)
    while k > 0 and _is_value_token(words[k - 1]):
        k -= 1
    label, values = words[:k], words[k:]
    glued = _GLUED_VALUE.match(label[-1]) if label and values else None
    if glued:  # "规章1 0 11": spacing repair glued the first value to its label
        label, values = label[:-1] + [glued.group(1)], [glued.group(2)] + values
    header = _split_header(label, known) if not values else None
    if header:
        return header  # header rows joined into one line: "申请人情况自然人 法人或其他组织 总计商业企业"
    if len("".join(drop_repeats(label))) > MAX_LABEL:  # (a merged cell may be copied once per column)
        return [line]  # prose that happens to end with a number
    if len(label) > 1 and all(_is_known(norm(w), known) or len(w) <= FRAGMENT for w in label):
        return label + values  # a header row: labels, or halves of labels split over two rows
    return ([" ".join(label)] if label else []) + values


def _runs(tokens: list[str]) -> list[tuple[list[str], list[str]]]:
    """(text tokens, value tokens) pairs: labels followed by the values of their row."""
    runs: list[tuple[list[str], list[str]]] = []
    texts: list[str] = []
    values: list[str] = []
    for tok in tokens:
        if _is_value_token(tok):
            values.append(tok)
            continue
        if values:
            runs.append((texts, values))
            texts, values = [], []
        texts.append(tok)
    runs.append((texts, values))
    return runs


def _join_fragments(texts: list[str], known: set[str]) -> list[str]:
    """Header labels broken over lines (one cell, two lines) joined back when that makes a label.

    The longest join wins: "其他" is a label, but "其他" + "结果" is the one printed.
    """
    out: list[str] = []
    k = 0
    while k < len(texts):
        t, step = texts[k], 1
        for n in (4, 3, 2):
            joined = "".join(texts[k:k + n])
            if k + n <= len(texts) and norm(joined) in known:
                t, step = joined, n
                break
        out.append(t)
        k += step
    return out


def _t3_known(rules: dict) -> set[str]:
    return {v for vs in rules["applicant_dims"].values() for v in vs} | set(rules["applicant_groups"])


def _t4_known(rules: dict) -> set[str]:
    t4 = rules["table4"]
    return ({v for vs in t4["blocks"].values() for v in vs} | {v for vs in t4["outcomes"].values() for v in vs}
            | {"行政复议", "行政诉讼"})


def _flat_table3(runs, rules: dict) -> list[Metric]:
    """Every flattened table 三 (a page may print more than one: the caller drops conflicts)."""
    known = _t3_known(rules)
    natural = rules["applicant_dims"]["natural_person"]
    out: list[Metric] = []
    for i, (texts, values) in enumerate(runs):
        texts = _join_fragments(texts, known)
        normed = [norm(t) for t in texts]
        start = next((k for k, t in enumerate(normed) if t in natural), None)
        if start is None:
            continue
        printed, label_at = _flat_dims(normed[start:], rules)
        if printed is None or len(set(printed)) != len(printed):
            continue
        dims = [d for d in printed if d != "total"] + (["total"] if "total" in printed else [])
        label_at += start
        rows = [_flat_row(texts[label_at:], values)]
        for texts2, values2 in runs[i + 1:]:
            n2 = [norm(t) for t in texts2]
            if any("行政复议" in t or "行政诉讼" in t for t in n2) or any(t in natural for t in n2):
                break  # the next table (四, or another 三) starts
            rows.append(_flat_row(texts2, values2))
        out += _table3_metrics(dims, rows, rules)
    return out


# Where a row's next label cell starts inside one word, the space before it lost in the copy:
# "（六）其他处理3.其他" is the group "（六）其他处理" and the item "3.其他".
_INNER_NUMBERING = re.compile(r"(?<=[\u3400-\u9fff）)])(?=(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.．、](?!\d)|[\u2460-\u2473]))")


def _flat_row(texts: list[str], values: list[str]) -> Row:
    """A table 三 row from its label tokens. A row printed on one line keeps its label cells
    apart by spaces ("三、本年度办理结果 （六）其他处理 3.其他"), or by the numbering of the next cell
    when the space was lost: they are parts of the label, so that the item is matched on its
    own cell, never on the group label before it."""
    raw = [p for t in texts for w in t.split() for p in _INNER_NUMBERING.split(w) if p]
    keep = [(norm(w), w) for w in raw if len(norm(w)) <= MAX_LABEL]
    pairs = [p for k, p in enumerate(keep) if k == 0 or keep[k - 1][0] != p[0]]  # merged cells repeat
    return Row(parts=[n for n, _ in pairs], cells=values, raw=[w for _, w in pairs])


def _flat_dims(header: list[str], rules: dict) -> tuple[Optional[list[str]], int]:
    """Applicant types in printed order from flat header tokens, and where the row label starts.

    Labels split over two header rows come out as all the top halves, then all the bottom
    halves ("商业", "科研", ..., "企业", "机构", ...): paired back when every pair is a label.
    """
    groups = rules["applicant_groups"]
    dims: list[str] = []
    rest: list[int] = []
    for k, t in enumerate(header):
        d = _dim_of([t], rules)
        if d:
            dims.append(d)
        elif not any(g in t for g in groups):
            rest.append(k)
    if len(set(dims)) == len(DIMS) or len(rest) < 2:
        last = max((k for k, t in enumerate(header) if _dim_of([t], rules)), default=-1)
        return dims, last + 1
    for n in range(len(rest) // 2, 0, -1):
        pairs = [_dim_of([header[rest[i]] + header[rest[i + n]]], rules) for i in range(n)]
        if all(pairs) and len(set(dims + pairs)) == len(dims) + n:
            orgs = _orgs_in_order(pairs, [d for d in dims if d not in ("total", "natural_person")], rules)
            if orgs is None:
                return None, 0
            first = [d for d in dims if d == "natural_person"]
            total = [d for d in dims if d == "total"]
            return first + orgs + total, rest[2 * n - 1] + 1
    return None, 0


def _orgs_in_order(pairs: list[str], whole: list[str], rules: dict) -> Optional[list[str]]:
    """The applicant columns of a header whose labels were broken over lines. Where one was
    printed whole among them ("其他" on one line between "商业企 科研机" and "业 构"), its place is
    not in the text: the template's order is taken when the broken ones follow it, else None."""
    if not whole:
        return pairs
    order = [d for d in rules["applicant_dims"] if d in set(pairs) | set(whole)]
    return order if [d for d in order if d in pairs] == pairs else None


def _paired_outcomes(labels: list[str], t4: dict) -> list[str]:
    """Outcome labels split over two header rows, flattened as the 12 top halves (with the three
    总计) then the 12 bottom halves ("结果" ... "维持"): joined back when every pair is a label."""
    known = {v for vs in t4["outcomes"].values() for v in vs}
    if all(t in known for t in labels):
        return labels
    totals = [t for t in labels if t in t4["outcomes"]["total"]]
    halves = [t for t in labels if t not in t4["outcomes"]["total"]]
    if len(totals) != 3 or len(halves) != 24:
        return labels
    pairs = [halves[i] + halves[i + 12] for i in range(12)]
    if not all(p in known for p in pairs):
        return labels
    return [x for b in range(3) for x in pairs[4 * b:4 * b + 4] + [totals[b]]]


def _flat_table4(runs, rules: dict) -> list[Metric]:
    """Table 四 flattened: its 15 outcome labels in source order (the 5 review columns, then
    未经复议直接起诉 and 复议后起诉), then exactly 15 values."""
    out: list[Metric] = []
    for texts, values in runs:
        found = t4_columns(texts, rules)
        if found is None or len(values) != 15:
            continue
        columns, heads = found
        out += _table4_metrics(columns, heads, values)
    return out


def t4_columns(texts: list[str], rules: dict) -> Optional[tuple[list[str], list[str]]]:
    """Metric keys and printed heads of table 四's 15 value columns, from its header labels in
    source order (the 5 review columns, then 未经复议直接起诉 and 复议后起诉); None when the
    labels are not those of table 四."""
    t4 = rules["table4"]
    known = _t4_known(rules)
    block_labels = {v for vs in t4["blocks"].values() for v in vs} | {"行政诉讼"}
    normed = [norm(t) for t in _join_fragments(texts, known)]
    if "行政复议" not in normed or "行政诉讼" not in normed:
        return None
    header = normed[normed.index("行政复议"):]
    labels = _paired_outcomes([t for t in header if t not in block_labels], t4)
    outcomes = [o for t in labels for o, vs in t4["outcomes"].items() if t in vs]
    litigation = [b for t in header for b in ("litigation_direct", "litigation_after_review")
                  if t in t4["blocks"][b]]
    if (len(labels) != 15 or len(outcomes) != 15
            or litigation != ["litigation_direct", "litigation_after_review"]):
        return None
    blocks = ["reconsideration"] * 5 + ["litigation_direct"] * 5 + ["litigation_after_review"] * 5
    names = ["行政复议"] * 5 + ["行政诉讼 未经复议直接起诉"] * 5 + ["行政诉讼 复议后起诉"] * 5
    columns = [f"{b}_{o}" for b, o in zip(blocks, outcomes)]
    heads = [f"{n} {t}" for n, t in zip(names, labels)]
    return columns, heads


def _flat_table2(runs, rules: dict) -> list[Metric]:
    t2 = rules["table2"]
    items = []
    heads: Optional[list[str]] = None
    for texts, values in runs:
        normed = [norm(t) for t in texts]
        if "信息内容" in normed:
            k = len(normed) - 1 - normed[::-1].index("信息内容")
            heads = [t for t in texts[k + 1:] if _t2_match(norm(t), t2["cols"])]
        if heads is None or not texts:
            continue
        label = texts[-1]
        if len(norm(label)) > MAX_LABEL or not _t2_match(norm(label), t2["rows"]):
            heads = None  # the table has ended
            continue
        if len(values) != len(heads):
            continue
        items.append((label, heads, values))
    return _table2_metrics(items, rules)


# ============================================================================ entry point
def _format(page: Page, cls: Classification) -> Optional[str]:
    if cls.format in FORMATS:
        return cls.format
    if cls.format is None:
        return detect_format(page.text)
    return None


def template_metrics(page: Page, cls: Classification) -> list[Metric]:
    fmt = _format(page, cls)
    if fmt is None:
        return []
    rules = RULES[fmt]
    found: list[Metric] = []
    from transforms.metrics.template_stream import stream_metrics  # (it builds on this module)
    for grid in page.tables:
        grid = _square(grid)
        if not grid:
            continue
        read = _grid_table2(grid, rules) + _grid_table3(grid, rules) + _grid_table4(grid, rules)
        # A grid made from rows as printed (text, DOCX without spans) lines up only cell by cell.
        read += _flat_metrics(_runs(_grid_tokens(grid)), rules)
        # A table of the grid that gave nothing may hold whole runs of values in a cell (OCR and
        # PDF-to-text tools): read as a stream.
        missing = "".join(t for t in "二三四" if t not in {_table_of(m) for m in read})
        if missing:
            read += [m for m in stream_metrics([" ".join(row) for row in grid], rules, missing)
                     if _table_of(m) in missing]
        found += read
    found += _flat_metrics(_runs(_tokens(page, rules)), rules)
    found += stream_metrics(page.prose, rules)
    return _unique(found)


def _table_of(m: Metric) -> str:
    if m.dimension:
        return "三"
    return "四" if m.key.startswith(("reconsideration_", "litigation_")) else "二"


def _flat_metrics(runs, rules: dict) -> list[Metric]:
    return _flat_table2(runs, rules) + _flat_table3(runs, rules) + _flat_table4(runs, rules)


def _grid_tokens(grid: Grid) -> list[str]:
    return [c.strip() for row in grid for c in row if c.strip()]


def _square(grid: Grid) -> Grid:
    """Rows padded to one width, None cells as ""."""
    if not grid:
        return []
    width = max(len(r) for r in grid)
    return [[(c or "") for c in r] + [""] * (width - len(r)) for r in grid]
