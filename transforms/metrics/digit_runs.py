"""Table cells whose separators are gone, split back by the table's own arithmetic.

A copy that lost a table's layout prints a row's cells run together ("801000081") or partly
separated ("23 0 00 0 023"). A space is always a cell boundary; a run of digits may hold several
cells. A split is a reading of the row: one value per cell, no number with a leading zero.

`splits` enumerates the splits of one row that keep the row's identities (e.g. the applicant
columns add up to 总计), pruning by the arithmetic rather than trying every place to cut: a
total is placed first, then its parts are fitted to it, last part first, and a branch is dropped
as soon as the parts before it cannot add up to what is still missing. `solve` then keeps, row by
row, only the splits that fit the identities between rows (the column totals). Where more than
one split survives, the caller loads none of them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from typing import Iterable, Optional

Value = Optional[int | float]  # None: a blank mark ("—", "/"): no value, counted as 0 in sums
Split = tuple[Value, ...]

BLANK_MARKS = "-—–/\\"
# A number with thousands separators ("2,315") is one cell as printed: never split.
GROUPED = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"
# A blank mark: one or two of the marks; a "-" before a digit is that number's sign.
MARK = r"(?:[—–/\\]|-(?!\d)){1,2}"
_CHUNK = re.compile(r"[+\-]?(?:" + GROUPED + r"|\d+(?:\.\d+)?)|" + MARK)
_GROUPED = re.compile(GROUPED + "$")
_INT = re.compile(r"(?:0|[1-9]\d*)$")
_DEC = re.compile(r"(?:0|[1-9]\d*)\.\d+$")
MAX_SPLITS = 200  # more readings than this of one row: it says nothing
MAX_STATES = 20000  # partial sums kept while matching rows against one identity


@dataclass(frozen=True)
class Identity:
    """Cells of one row: the cells `parts` (consecutive) add up to the cell right after them."""
    parts: tuple[int, ...]

    @property
    def total(self) -> int:
        return self.parts[-1] + 1


def chunks(zone: str) -> list[str]:
    """The hard-separated pieces of a run of values: "23 0 00" -> ["23", "0", "00"]."""
    return _CHUNK.findall(zone)


def is_blank(chunk: str) -> bool:
    return all(c in BLANK_MARKS for c in chunk)


def as_printed(zone_chunks: list[str], n: int) -> Optional[Split]:
    """The row as printed when it prints exactly one piece per cell, else None."""
    if len(zone_chunks) != n:
        return None
    out = []
    for c in zone_chunks:
        v = _value(c)
        if v is False:
            return None
        out.append(v)
    return tuple(out)


def _value(piece: str) -> Value | bool:
    """The value of one cell's text; False when it is not one well-formed number."""
    if is_blank(piece):
        return None
    sign, body = (piece[0], piece[1:]) if piece[0] in "+-" else ("", piece)
    if _GROUPED.match(body):
        body = body.replace(",", "")
    if _INT.match(body):
        v: int | float = int(body)
    elif _DEC.match(body):
        v = float(body)
    else:
        return False
    return -v if sign == "-" else v


def splits(zone_chunks: list[str], n: int, identities: Iterable[Identity] = (),
           limit: int = MAX_SPLITS) -> Optional[list[Split]]:
    """Every reading of the chunks as n cells that keeps the identities; None when there are
    more than `limit` (the row cannot be read).

    Cells are read left to right. Where a group of parts and its total starts, the total is
    placed first (each place it can print at), then the parts are fitted to it from the last
    one back: each part is at most the sum still missing (so at most as wide), and the parts
    before it must be able to print that sum (the least and greatest sums they can print are
    tabled once per group). Readings are shared between paths that reach the same place.
    """
    text = "".join(zone_chunks)
    size = len(text)
    cuts = [0]
    for c in zone_chunks:
        cuts.append(cuts[-1] + len(c))
    next_cut = [0] * (size + 1)  # the chunk end after each position: no cell runs past it
    for a, b in zip(cuts, cuts[1:]):
        for pos in range(a, b):
            next_cut[pos] = b
    chunks_after = [sum(1 for c in cuts[1:] if c > pos) for pos in range(size + 1)]
    groups = {i.parts[0]: i for i in identities}
    memo: dict[tuple, Optional[list[tuple]]] = {}
    values: dict[tuple[int, int], Value | bool] = {}

    def value(a: int, b: int) -> Value | bool:
        if (a, b) not in values:
            piece = text[a:b]
            whole = a in cuts and b == next_cut[a]
            if not whole and ("," in text[a:next_cut[a]] or is_blank(piece)):
                values[(a, b)] = False  # a blank mark, or a number with thousands separators, is one cell
            else:
                values[(a, b)] = None if is_blank(piece) else _value(piece)
        return values[(a, b)]

    most = max([len(i.parts) for i in groups.values()] or [0])
    chunk_start = [0] * (size + 1)  # for an end position: where the chunk of the digit before it starts
    for a, b in zip(cuts, cuts[1:]):
        for e in range(a + 1, b + 1):
            chunk_start[e] = a

    def bounds(pos: int, width: int) -> tuple[list[list[float]], list[list[float]]]:
        """The least and the greatest sum of k whole numbers, each at most `width` digits wide,
        that [pos, e) reads as, for every k (up to a group's parts) and every e: what the parts
        before a place can add up to."""
        key = ("b", pos, width)
        if key not in memo:
            inf = float("inf")
            lo = [[inf] * (size + 1) for _ in range(most + 1)]
            hi = [[-inf] * (size + 1) for _ in range(most + 1)]
            lo[0][pos] = hi[0][pos] = 0
            for k in range(1, most + 1):
                for e in range(pos + 1, size + 1):
                    for a in range(max(pos, chunk_start[e], e - width), e):
                        v = value(a, e)
                        if v is False or isinstance(v, float) or lo[k - 1][a] == inf:
                            continue
                        lo[k][e] = min(lo[k][e], (v or 0) + lo[k - 1][a])
                        hi[k][e] = max(hi[k][e], (v or 0) + hi[k - 1][a])
            memo[key] = (lo, hi)
        return memo[key]

    def room(k: int, pos: int) -> bool:
        left = size - pos
        return n - k <= left and chunks_after[pos] <= n - k

    def walk(k: int, pos: int) -> Optional[list[tuple]]:
        """Readings of cells k.. from position pos; None past the limit."""
        if k == n:
            return [()] if pos == size else []
        if not room(k, pos):
            return []
        key = ("w", k, pos)
        if key in memo:
            return memo[key]
        found: Optional[list[tuple]] = []
        group = groups.get(k)
        if group is None:
            options = ((v, (), b) for b in range(pos + 1, next_cut[pos] + 1)
                       for v in [value(pos, b)] if v is not False)
            for v, _, b in options:
                found = _extend(found, [(v,)], walk(k + 1, b), limit)
                if found is None:
                    break
        else:
            m = len(group.parts)
            for start in range(pos + m, size):
                for end in range(start + 1, next_cut[start] + 1):
                    total = value(start, end)
                    if (total is False or isinstance(total, float) or not room(group.total + 1, end)
                            or not _can_sum(start - pos, m, total or 0)):
                        continue
                    heads = parts(m, pos, start, total or 0, len(str(total or 0)))
                    if heads is None:
                        return None
                    if heads:
                        found = _extend(found, [h + (total,) for h in heads], walk(group.total + 1, end), limit)
                        if found is None:
                            break
                if found is None:
                    break
        memo[key] = found
        return found

    def parts(m: int, pos: int, end: int, need: int, width: int) -> Optional[list[tuple]]:
        """Readings of [pos, end) as m whole numbers, each at most `width` digits, adding up to
        `need`; the last one is placed first, the ones before it must fit the bounds."""
        if m == 0:
            return [()] if pos == end and need == 0 else []
        if m == 1:  # the first part is what is left: it must print the sum still missing
            v = value(pos, end) if end <= next_cut[pos] else False
            return [(v,)] if v is not False and not isinstance(v, float) and (v or 0) == need else []
        if not _can_sum(end - pos, m, need):
            return []
        lo, hi = bounds(pos, width)
        if not lo[m][end] <= need <= hi[m][end]:
            return []
        key = ("p", m, pos, end, need)
        if key in memo:
            return memo[key]
        found: Optional[list[tuple]] = []
        for a in range(max(pos + m - 1, chunk_start[end], end - len(str(need))), end):
            v = value(a, end)
            if v is False or isinstance(v, float):
                continue
            found = _extend(found, parts(m - 1, pos, a, need - (v or 0), width), [(v,)], limit)
            if found is None:
                break
        memo[key] = found
        return found

    return walk(0, 0)


def _can_sum(chars: int, m: int, need: int) -> bool:
    """Whether m whole numbers printed in `chars` digits can add up to `need`.

    The widest of them has at least ceil(chars / m) digits, so (no leading zeros) the sum is at
    least 10 ** (that - 1); it is below 10 ** (chars - m + 1) + 9 * (m - 1), one number taking all
    the digits the others leave; and no part has more digits than the sum."""
    if need < 0 or chars < m or (m == 0) != (chars == 0):
        return m == 0 and chars == 0 and need == 0
    widest = -(-chars // m)
    low = 10 ** (widest - 1) if widest > 1 else 0
    return (low <= need < 10 ** (chars - m + 1) + 9 * (m - 1)
            and chars <= m * len(str(need)))  # no part is wider than the sum


def _extend(found: Optional[list[tuple]], heads: Optional[list[tuple]], tails: Optional[list[tuple]],
            limit: int) -> Optional[list[tuple]]:
    """found + every head followed by every tail; None past the limit (or when any of them is)."""
    if found is None or heads is None or tails is None:
        return None
    if len(found) + len(heads) * len(tails) > limit:
        return None
    return found + [h + t for h in heads for t in tails]


def _num_text(v: int | float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


# ----------------------------------------------------------------------------- between rows
Terms = dict[str, int]  # row name -> +1 / -1: the identity sum(coef * row) == 0, column by column


def solve(candidates: dict[str, list[Split]], identities: list[Terms],
          exact_limit: int = 4096) -> Optional[dict[str, list[Split]]]:
    """The splits of each row that fit every identity between rows.

    Identities naming a row that is not in `candidates` are left out (nothing to check them on).
    Each identity prunes its rows' splits to those that can take part in a solution of it
    (partial sums carried row by row); then, when few combinations are left, they are tried
    exactly. None when the identities cannot all hold: the table contradicts itself.
    """
    cands = {k: list(v) for k, v in candidates.items() if v}
    usable = [t for t in identities if t and all(k in cands for k in t)]
    changed = True
    while changed:
        changed = False
        for terms in usable:
            pruned = _prune(cands, terms)
            if pruned is None:
                continue  # too many partial sums to follow: this identity prunes nothing
            for k, keep in pruned.items():
                if len(keep) != len(cands[k]):
                    cands[k] = keep
                    changed = True
            if any(not cands[k] for k in terms):
                return None
    open_rows = [k for k in cands if len(cands[k]) > 1 and any(k in t for t in usable)]
    combos = 1
    for k in open_rows:
        combos *= len(cands[k])
    if not open_rows:
        return cands if _holds(cands, usable) else None
    if combos > exact_limit:
        return cands  # what the identities one by one leave: some may still be ruled out
    viable: dict[str, set] = {k: set() for k in open_rows}
    fixed = {k: v[0] for k, v in cands.items() if k not in open_rows}
    for choice in product(*(cands[k] for k in open_rows)):
        pick = dict(fixed, **dict(zip(open_rows, choice)))
        if all(_sums_to_zero(pick, t) for t in usable):
            for k, v in zip(open_rows, choice):
                viable[k].add(v)
    if any(not v for v in viable.values()):
        return None
    for k in open_rows:
        cands[k] = [v for v in cands[k] if v in viable[k]]
    return cands


def _holds(cands: dict[str, list[Split]], usable: list[Terms]) -> bool:
    pick = {k: v[0] for k, v in cands.items()}
    return all(_sums_to_zero(pick, t) for t in usable)


def _vec(split: Split, coef: int) -> tuple:
    return tuple(coef * (v or 0) for v in split)


def _add(a: tuple, b: tuple) -> tuple:
    return tuple(x + y for x, y in zip(a, b))


def _sums_to_zero(pick: dict[str, Split], terms: Terms) -> bool:
    width = len(next(iter(pick.values())))
    acc = (0,) * width
    for k, coef in terms.items():
        acc = _add(acc, _vec(pick[k], coef))
    return all(abs(x) < 1e-6 for x in acc)


def _prune(cands: dict[str, list[Split]], terms: Terms) -> Optional[dict[str, list[Split]]]:
    """Splits of each row of one identity that take part in at least one solution of it."""
    rows = list(terms)
    width = len(cands[rows[0]][0])
    zero = (0,) * width
    forward = [{zero}]
    for k in rows:
        nxt = {_add(f, _vec(v, terms[k])) for f in forward[-1] for v in cands[k]}
        if len(nxt) > MAX_STATES:
            return None
        forward.append(nxt)
    backward = [{zero}]
    for k in reversed(rows):
        nxt = {_add(b, _vec(v, terms[k])) for b in backward[-1] for v in cands[k]}
        if len(nxt) > MAX_STATES:
            return None
        backward.append(nxt)
    backward.reverse()  # backward[j]: sums of rows j.. to the end
    out = {}
    for j, k in enumerate(rows):
        after = backward[j + 1]
        keep = []
        for v in cands[k]:
            vec = _vec(v, terms[k])
            if any(tuple(-(x + y) for x, y in zip(f, vec)) in after for f in forward[j]):
                keep.append(v)
        out[k] = keep
    return out
