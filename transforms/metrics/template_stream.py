"""The 2019/2021 template tables read from text that lost their layout.

The three tables have fixed row and column labels, so they are found in the text as a stream
(metrics/table_text.py): whatever separates the cells (spaces, bars, line breaks, nothing), each
row is its label and the run of values after it. A run that prints one piece per cell is read as
printed. A run whose cells ran together ("801000081") is split only where the template's
arithmetic leaves one reading (metrics/digit_runs.py): a row of table 三 adds up to its 总计, the
rows add up column by column (一 + 二 = 七 + 四; the results add up to 总计), each block of table 四
adds up to its 总计. Table 二 has no such sums: a run there is split only when it can be read one
way at all. A run with two readings loads neither: its candidates are withheld with the reason.
"""
from __future__ import annotations

import re
from typing import Optional

from transforms.cells import norm
from transforms.metrics import digit_runs
from transforms.metrics.digit_runs import Identity, Split
from transforms.metrics.table_text import Segment, segments, stream
from transforms.metrics.template import (DIMS, _INNER_NUMBERING, _flat_dims, _flat_row, _match_row, _t2_match, _t2_metric,
                                         _t3_known, _t4_known, _dim_label, _table3_sums, t4_columns,
                                         withhold_unless_adds_up)
from transforms.model import Metric

TABLE_SPAN = 6000  # characters after a header where its table's rows may be
ROW_SUM = (Identity(tuple(range(6))),)  # the six applicant columns add up to 总计
AS_PRINTED = "printed"


def stream_metrics(texts: list[str], rules: dict, tables: str = "二三四") -> list[Metric]:
    """The figures of the template tables (those named in `tables`) found in the texts."""
    s = stream("\n".join(texts))
    readers = {"二": _table2, "三": _table3, "四": _table4}
    return [m for t in tables for m in readers[t](s, rules)]


# ----------------------------------------------------------------------------- shared
def _cover(text: str, vocab: set[str]) -> Optional[list[str]]:
    """The text as a sequence of vocabulary words (the fewest), or None when it is not one.
    A remark in parentheses ("(万元)", "(单位:万元)") stays with the word before it."""
    best: dict[int, list[str]] = {0: []}
    longest = max((len(v) for v in vocab), default=0)
    for i in range(1, len(text) + 1):
        for j in range(max(0, i - longest), i):
            if j not in best:
                continue
            word = text[j:i]
            if word in vocab:
                cut = best[j] + [word]
            elif best[j] and _REMARK.fullmatch(word):
                cut = best[j][:-1] + [best[j][-1] + word]
            else:
                continue
            if i not in best or len(cut) < len(best[i]):
                best[i] = cut
    return best.get(len(text))


_REMARK = re.compile(r"\([^()]{1,12}\)")
_NOTE = re.compile(r"\([^()]*\)")
_LABEL_START = re.compile(r"(?:\([一二三四五六七八九十\d]{1,3}\)|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、](?!\d))")
_ROW_NUMBERING = re.compile(r"(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十\d]{1,3}\)|\d{1,2}[.、])$")


def _halves(labels: set[str]) -> set[str]:
    """Labels and their two halves: a header label broken over two lines prints in two parts."""
    out = set(labels)
    for v in labels:
        out |= {v[:k] for k in range(1, len(v))} | {v[k:] for k in range(1, len(v))}
    return out


def _readings(values: str, n: int, identities=()) -> tuple[str, list[Split]]:
    """How a run of values reads as n cells: as printed (one piece per cell), or its splits."""
    pieces = digit_runs.chunks(values)
    printed = digit_runs.as_printed(pieces, n)
    if printed is not None:
        return AS_PRINTED, [printed]
    found = digit_runs.splits(pieces, n, identities)
    return "split", found or []


def _cell(v) -> str:
    return "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))


def _show(split: Split) -> str:
    return "|".join(_cell(v) or "—" for v in split)


def _withheld(key: str, dim: Optional[str], values: set, evidence: str, reason: str) -> list[Metric]:
    return [Metric(key=key, value=v, dimension=dim, unit="件", unit_printed="件", source="table",
                   evidence=evidence, withheld=reason) for v in sorted(values)]


# ----------------------------------------------------------------------------- table 三
def _table3(s: str, rules: dict) -> list[Metric]:
    out: list[Metric] = []
    natural = rules["applicant_dims"]["natural_person"][0]
    pos = s.find(natural)
    while pos >= 0:
        out += _table3_at(s, pos, rules)
        pos = s.find(natural, pos + 1)
    return out


def _first_row_at(label: str, rules: dict) -> Optional[int]:
    """Where the first row label starts inside the header text before it."""
    hits = [label.find(v) for row in rules["table3"]["rows"] for v in row["item"] if len(v) >= 4]
    hits = [h for h in hits if h > 0]
    if not hits:
        return None
    at = min(hits)
    numbering = _ROW_NUMBERING.search(label[:at])  # its numbering ("一、") goes with it
    return numbering.start() if numbering else at


def _t3_dims(header: str, rules: dict) -> Optional[list[str]]:
    vocab = _halves(_t3_known(rules))
    words = _cover(_NOTE.sub("", norm(header)), vocab)  # (the 勾稽 note may sit among the labels)
    if words is None:
        return None
    printed, _ = _flat_dims(words, rules)
    if printed is None or len(set(printed)) != len(DIMS) or len(printed) != len(DIMS):
        return None
    return [d for d in printed if d != "total"] + ["total"]


HEADER_SPAN = 300  # characters from 自然人 to the first row: the header and its note


def _table3_at(s: str, pos: int, rules: dict) -> list[Metric]:
    head = s[pos:pos + HEADER_SPAN]
    if not any(v in head for v in rules["applicant_dims"]["total"]) or not any(c.isdigit() for c in head):
        return []  # 自然人 in a sentence, not a header
    segs = segments(s, pos, min(len(s), pos + TABLE_SPAN))
    if not segs:
        return []
    first = segs[0]
    at = _first_row_at(first.label, rules)
    if at is None:
        return []
    dims = _t3_dims(first.label[:at], rules)
    if dims is None:
        return []
    segs[0] = Segment(first.label[at:], first.values, first.start + at, first.end)
    rows = _t3_rows(segs, rules)
    if not rows:
        return []
    return _t3_metrics(rows, dims, rules)


def _t3_rows(segs: list[Segment], rules: dict) -> dict[str, tuple]:
    """key -> (printed label, values) for the rows from the header on, until a label that is
    not a row of the table, or a row printing no values or more values than columns (a copy
    that printed some values before their labels, as PDF text of centred cells does: from there
    on, which values belong to which label is not known). A key printed twice is left out."""
    rows: dict[str, tuple] = {}
    twice: set[str] = set()
    prev_group = None
    segs = list(segs)
    for k, seg in enumerate(segs):
        row = _flat_row([seg.label], [])
        d = _match_row(row.parts, prev_group, rules)
        if d is None and seg.values and k + 1 < len(segs):
            # A label wrapped over two lines with the row's values printed between them (PDF
            # text of a centred row): "5.要求行政机关确认或重新出 1 0 0 0 0 0 1 具已获取信息".
            rest = _LABEL_START.split(segs[k + 1].label, 1)[0]  # up to the next row's numbering
            joined = _flat_row([seg.label + rest], [])
            d = _match_row(joined.parts, prev_group, rules) if rest else None
            if d is not None:
                row = joined
                nxt = segs[k + 1]
                segs[k + 1] = Segment(nxt.label[len(rest):], nxt.values, nxt.start + len(rest), nxt.end, nxt.exact)
        if d is None or not seg.values or len(digit_runs.chunks(seg.values)) > len(DIMS):
            break
        prev_group = d["group"]
        if not seg.exact:
            twice.add(d["key"])  # "3万": not a count as printed, the row gives nothing
        if d["key"] in rows:
            twice.add(d["key"])
        rows[d["key"]] = (" ".join(row.raw or row.parts), seg.values)
    return {k: v for k, v in rows.items() if k not in twice}


def _t3_identities(rows: dict, rules: dict) -> list[dict[str, int]]:
    sums = rules["table3"].get("sums") or {}
    out = []
    for ident in rules["table3"].get("identities") or []:
        terms: dict[str, int] = {}
        for side, coef in (("plus", 1), ("minus", -1)):
            for key in ident[side]:
                if key not in rows and key in sums and all(p in rows for p in sums[key]):
                    for p in sums[key]:
                        terms[p] = terms.get(p, 0) + coef
                else:
                    terms[key] = terms.get(key, 0) + coef
        out.append(terms)
    return out


def _t3_metrics(rows: dict[str, tuple], dims: list[str], rules: dict) -> list[Metric]:
    order = [DIMS.index(d) for d in dims]  # printed column -> template column
    readings: dict[str, tuple[str, list[Split]]] = {}
    for key, (_label, values) in rows.items():
        how, found = _readings(values, len(DIMS), ROW_SUM)
        if not found:
            break  # a row that reads no way: the rows after it may not be where they seem
        # cells in template order (natural person, the five kinds of organisation, total)
        readings[key] = (how, [tuple(sp[order.index(j)] for j in range(len(DIMS))) for sp in found])
    if not readings or not _printed_rows_add_up(readings):
        return []
    solved = digit_runs.solve({k: v for k, (_, v) in readings.items()}, _t3_identities(readings, rules))
    out: list[Metric] = []
    for key, (how, found) in readings.items():
        label, values = rows[key]
        left = found if solved is None else solved.get(key, found)
        if solved is None:  # the rows contradict each other: read off text, they may be misplaced
            out += _t3_withheld(key, label, values, found, rules,
                                f"the table's columns do not add up (row read as '{values}')")
        elif how == AS_PRINTED:
            out += withhold_unless_adds_up(_t3_loaded(key, label, left[0], rules, None), DIMS[:6], "total",
                                           "dimension", f"the row {label} does not add up")
        elif len(left) == 1:
            rule = "the row sum" + (" and the column totals" if len(found) > 1 else "")
            out += _t3_loaded(key, label, left[0], rules, f"'{values}' split {_show(left[0])} by {rule}")
        else:
            shown = " or ".join(_show(sp) for sp in left[:4]) + (" or more" if len(left) > 4 else "")
            out += _t3_withheld(key, label, values, left, rules, f"ambiguous split: '{values}' reads as {shown}")
    return out + _table3_sums([m for m in out if not m.withheld], rules)


def _printed_rows_add_up(readings: dict) -> bool:
    """Rows read as printed mostly add up to their 总计: the columns were found right."""
    printed = [r[0] for how, r in readings.values() if how == AS_PRINTED and None not in r[0]]
    bad = sum(1 for r in printed if sum(r[:6]) != r[6])
    return bad <= max(1, len(printed) // 10)


def _t3_loaded(key: str, label: str, split: Split, rules: dict, how: Optional[str]) -> list[Metric]:
    out = []
    for dim, v in zip(DIMS, split):
        if v is None or v < 0 or isinstance(v, float):
            continue
        evidence = f"{label} | {_dim_label(dim, rules)}: {_cell(v)}" + (f" (cells run together: {how})" if how else "")
        out.append(Metric(key=key, value=v, dimension=dim, unit="件", unit_printed="件", source="table",
                          evidence=evidence))
    return out


def _t3_withheld(key, label, values, found, rules, reason) -> list[Metric]:
    out = []
    for j, dim in enumerate(DIMS):
        vals = {sp[j] for sp in found if sp[j] is not None}
        out += _withheld(key, dim, vals, f"{label} | {_dim_label(dim, rules)}: one of the readings of '{values}'",
                         reason)
    return out


# ----------------------------------------------------------------------------- table 四
def _table4(s: str, rules: dict) -> list[Metric]:
    out: list[Metric] = []
    pos = s.find("行政复议")
    vocab = _halves(_t4_known(rules)) | {"行政诉讼"}
    while pos >= 0:
        head = s[pos:pos + 200]
        segs = segments(s, pos, min(len(s), pos + 600)) if "行政诉讼" in head and "维持" in head else []
        if segs and segs[0].values and segs[0].exact:
            words = _cover(norm(segs[0].label), vocab)
            found = t4_columns(words, rules) if words else None
            if found:
                out += _t4_metrics(*found, segs[0].values)
        pos = s.find("行政复议", pos + 1)
    return out


def _t4_identities(columns: list[str]) -> Optional[list[Identity]]:
    """Each block's four outcomes, then its 总计, as printed; None when printed otherwise."""
    out = []
    for k in range(0, len(columns), 5):
        block = columns[k:k + 5]
        if not block[-1].endswith("_total") or len({c.rsplit("_", 1)[0] for c in block}) != 1:
            return None
        out.append(Identity(tuple(range(k, k + 4))))
    return out


def _t4_metrics(columns: list[str], heads: list[str], values: str) -> list[Metric]:
    from transforms.metrics.template import _table4_metrics
    identities = _t4_identities(columns)
    how, found = _readings(values, len(columns), identities or ())
    if how == AS_PRINTED:
        return _table4_metrics(columns, heads, [_cell(v) for v in found[0]])
    if identities is None or not found:
        return []
    if len(found) == 1:
        out = _table4_metrics(columns, heads, [_cell(v) for v in found[0]])
        for m in out:
            m.evidence += f" (cells run together: '{values}' split {_show(found[0])} by the block sums)"
        return out
    shown = " or ".join(_show(sp) for sp in found[:4]) + (" or more" if len(found) > 4 else "")
    out = []
    for j, (key, head) in enumerate(zip(columns, heads)):
        out += _withheld(key, None, {sp[j] for sp in found if sp[j] is not None},
                         f"行政复议、行政诉讼 | {head}: one of the readings of '{values}'",
                         f"ambiguous split: '{values}' reads as {shown}")
    return out


# ----------------------------------------------------------------------------- table 二
_UNITS_AFTER = ("万元", "元")


def _table2(s: str, rules: dict) -> list[Metric]:
    t2 = rules["table2"]
    vocab = {v for vs in t2["cols"].values() for v in vs} | {v for vs in t2["rows"].values() for v in vs}
    out: list[Metric] = []
    pos = s.find("信息内容")
    while pos >= 0:
        segs = segments(s, pos, min(len(s), pos + 1500))
        heads: Optional[list[str]] = None
        for k, seg in enumerate(segs):
            label = norm(seg.label)
            if "信息内容" in label and k > 0:
                break  # the next block: read from its own header
            if "信息内容" in label:
                words = _cover(label[label.rindex("信息内容") + 4:], vocab)
                if not words:
                    break
                heads, label = words[:-1], words[-1]
                if not heads or not all(_t2_match(h, t2["cols"]) for h in heads):
                    break
            if (heads is None or not seg.values or not _t2_match(label, t2["rows"])
                    or len(digit_runs.chunks(seg.values)) > len(heads)):
                break  # the block ends, or its values are no longer after their labels
            if not seg.exact:
                continue
            unit = next((u for u in _UNITS_AFTER if k + 1 < len(segs) and segs[k + 1].label.startswith(u)), "")
            out += _t2_row(label, heads, seg.values, unit, t2)
        pos = s.find("信息内容", pos + 1)
    return out


def _t2_row(label: str, heads: list[str], values: str, unit: str, t2: dict) -> list[Metric]:
    how, found = _readings(values, len(heads))
    if not found:
        return []
    # A blank cell may leave no trace in a run: "159" may be 15|9|(blank) as well as 1|5|9.
    fewer = how != AS_PRINTED and _fewer_cells(values, len(heads))
    if len(found) == 1 and not fewer:
        cells = [_cell(v) for v in found[0]]
        cells[-1] += unit
        out = [m for h, c in zip(heads, cells) if (m := _metric2(label, h, c, t2))]
        if how != AS_PRINTED:
            for m in out:
                m.evidence += f" (cells run together: '{values}' reads only as {_show(found[0])})"
        return out
    row = _t2_match(label, t2["rows"])
    shown = " or ".join(_show(sp) for sp in found[:4]) + (" or more" if len(found) > 4 else "")
    reason = f"ambiguous split: '{values}' reads as {shown}" + (" or as fewer cells" if fewer else "")
    out = []
    for j, head in enumerate(heads):
        key = t2["by_pair"].get((row, _t2_match(head, t2["cols"])))
        if key is None:
            continue
        cands: list[Metric] = []
        for sp in found:
            cell = _cell(sp[j]) + (unit if j == len(heads) - 1 else "")
            m = _t2_metric(key, label, head, cell, t2)
            if m and all(c.value != m.value for c in cands):
                m.withheld = reason
                m.evidence = f"{label} | {head}: one of the readings of '{values}{unit}'"
                cands.append(m)
        out += cands
    return out


def _fewer_cells(values: str, n: int) -> bool:
    """Whether the run also reads as fewer cells than n (the others blank and not printed)."""
    pieces = digit_runs.chunks(values)
    return any(digit_runs.splits(pieces, k) for k in range(len(pieces), n))


def _metric2(label: str, head: str, cell: str, t2: dict) -> Optional[Metric]:
    row, col = _t2_match(label, t2["rows"]), _t2_match(head, t2["cols"])
    key = t2["by_pair"].get((row, col)) if row and col else None
    return _t2_metric(key, label, head, cell, t2) if key else None
