"""Group parsed documents into reports: one report, however many copies of it were found.

Copies are found in two passes over fingerprints (transforms/fingerprint.py):
  1. exact: the same normalised text is the same report;
  2. near: MinHash LSH proposes candidate pairs, and a pair is merged only when the year agrees,
     the text is near-identical and the numbers agree (thresholds in rules/dedupe.yaml).
Each group keeps a stable report_id: an id already given to any of its documents is kept when
the group grows; a new group gets an id derived from its canonical copy's content.
Pure functions: no I/O, no clock.
"""
from __future__ import annotations

import hashlib
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional, Sequence

import numpy as np

from transforms.dedupe.fingerprint import NUM_PERM, RULES, Fingerprint
from transforms.hosts import host_matches, under_government_domain

BANDS = int(RULES["lsh_bands"])


@dataclass
class DedupeItem:
    """What dedupe needs to know about one annual-report document."""
    doc_id: str
    fingerprint: Fingerprint
    year: Optional[int]
    publisher: Optional[str]
    host: str
    url: str
    fetched_at: str  # ISO-8601, comparable as text
    own_host: bool = False  # on a host its portal's registry entry allows
    government_host: bool = False
    report_id: Optional[str] = None  # given by an earlier run
    settled: bool = False  # grouped by an earlier run: its group stands, only newcomers are compared
    referer: Optional[str] = None  # the page that linked to this one
    has_metrics: bool = False
    spam_wrapped: bool = False  # cleaning removed a spam wrapper: a mirror, whatever its host


@dataclass
class ReportGroup:
    report_id: str
    members: list[int]  # indexes into the items, canonical first
    government_host: bool  # at least one copy is on a government host
    new: bool  # no member had a report_id before

    @property
    def canonical(self) -> int:
        return self.members[0]

    @property
    def copies(self) -> int:
        return len(self.members)


@dataclass
class _UnionFind:
    parent: list[int] = field(default_factory=list)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def is_government_host(host: str, allowed: Iterable[str] = ()) -> bool:
    """A host of a registered portal, or one under a government domain suffix."""
    return host_matches(host, allowed) or under_government_domain(host)


@dataclass
class _Prepared:
    """What a pair comparison needs, computed once per document."""
    item: DedupeItem
    sig: object  # numpy array of the MinHash signature
    informative: Counter
    n_informative: int
    numbers: Counter
    n_numbers: int

    @classmethod
    def of(cls, item: DedupeItem) -> "_Prepared":
        fp = item.fingerprint
        inf = fp.informative_numbers()
        return cls(item, fp.signature(), Counter(inf), len(inf), Counter(fp.numbers), len(fp.numbers))


def _containment(a: Counter, na: int, b: Counter, nb: int) -> float:
    if not na or not nb:
        return 1.0 if not na and not nb else 0.0
    return sum((a & b).values()) / min(na, nb)


def _same(a: _Prepared, b: _Prepared) -> bool:
    fa, fb = a.item.fingerprint, b.item.fingerprint
    if fa.text_sha256 == fb.text_sha256:
        return True
    ya, yb = a.item.year, b.item.year
    if ya is not None and yb is not None and ya != yb:
        return False
    other_publisher = bool(a.item.publisher and b.item.publisher and a.item.publisher != b.item.publisher)
    text_bar = RULES["text_similarity_other_publisher" if other_publisher else "text_similarity"]
    number_bar = RULES["number_containment_other_publisher" if other_publisher
                       else "number_containment"]
    if not fa.length or not fb.length or len(a.sig) != len(b.sig):
        return False
    sim = float((a.sig == b.sig).mean())
    if sim < text_bar:
        return False
    if min(a.n_informative, b.n_informative) < RULES["min_informative_numbers"]:
        # Numbers cannot tell these apart (e.g. a template of zeros): demand near-identical text
        # and that whatever numbers there are agree.
        return (sim >= RULES["text_similarity_few_numbers"]
                and _containment(a.numbers, a.n_numbers, b.numbers, b.n_numbers) >= number_bar)
    return _containment(a.informative, a.n_informative, b.informative, b.n_informative) >= number_bar


def same_report(a: DedupeItem, b: DedupeItem) -> bool:
    """Are two documents copies of one report? The year must agree, the text be near-identical
    and the numbers agree: boilerplate alone never says yes."""
    return _same(_Prepared.of(a), _Prepared.of(b))


# The lowest text-similarity bar a pair must clear in _same, with the same publisher (or one
# unknown) and with two different ones: a cheap vectorised prefilter before the full check.
_BAR_SAME = min(RULES["text_similarity"], RULES["text_similarity_few_numbers"])
_BAR_OTHER = min(RULES["text_similarity_other_publisher"], RULES["text_similarity_few_numbers"])
_PREPARED_CACHE = 512  # documents whose number counts are kept between pair checks


def _comparable(items: Sequence[DedupeItem]) -> np.ndarray:
    """Which items take part in near matching: some text, and a signature of today's length."""
    return np.array([bool(it.fingerprint.length) and len(it.fingerprint.minhash) == NUM_PERM * 4
                     for it in items], dtype=bool)


BAND_WIDTH = NUM_PERM * 4 // BANDS  # bytes of signature per LSH band


def bands(minhash: bytes) -> list[bytes]:
    """The signature cut into its LSH bands, band b at index b."""
    return [minhash[b * BAND_WIDTH:(b + 1) * BAND_WIDTH] for b in range(BANDS)]


def _band_keys(minhash: bytes) -> list[bytes]:
    """Bands tagged with their number: equal bytes in two different bands are no match."""
    return [bytes([b]) + band for b, band in enumerate(bands(minhash))]


def _band_index(items: Sequence[DedupeItem], comparable: np.ndarray,
                fresh: np.ndarray) -> dict[bytes, np.ndarray]:
    """LSH band -> sorted item indexes. Only bands some fresh (unsettled) item has are kept:
    pairs of two settled items are never compared, so a large warehouse costs no memory here."""
    keys = lambda it: _band_keys(it.fingerprint.minhash)  # noqa: E731
    index: dict[bytes, list[int]] = {}
    for i in np.flatnonzero(comparable & fresh):
        for k in keys(items[i]):
            index.setdefault(k, []).append(int(i))
    for i in np.flatnonzero(comparable & ~fresh):
        for k in keys(items[i]):
            if k in index:
                index[k].append(int(i))
    return {k: np.array(sorted(v), dtype=np.int64) for k, v in index.items() if len(v) > 1}


def _codes(values: Sequence) -> np.ndarray:
    """Each value as a small integer, None or empty as -1 (unknown)."""
    seen: dict = {}
    return np.array([seen.setdefault(v, len(seen)) if v not in (None, "") else -1 for v in values],
                    dtype=np.int64)


def _candidates(i: int, items: Sequence[DedupeItem], index: dict, fresh: np.ndarray,
                years: np.ndarray, publishers: np.ndarray, sigs: np.ndarray,
                scratch: np.ndarray) -> np.ndarray:
    """Items sharing a band with fresh item i, each unordered pair once (a fresh partner only
    from the higher index), the year compatible and the text similar enough to be worth a
    full check. Memory is one item's candidates, not the run's pairs."""
    parts = [p for p in map(index.get, _band_keys(items[i].fingerprint.minhash)) if p is not None]
    if not parts:
        return parts
    for p in parts:
        scratch[p] = True
    cand = np.flatnonzero(scratch)  # distinct and sorted, in time linear in the items
    scratch[cand] = False
    cand = cand[(cand > i) | ~fresh[cand]]
    if years[i] >= 0:
        cand = cand[(years[cand] < 0) | (years[cand] == years[i])]
    if cand.size:
        sim = (sigs[cand] == sigs[i]).mean(axis=1)
        other = (publishers[cand] >= 0) & (publishers[i] >= 0) & (publishers[cand] != publishers[i])
        cand = cand[sim >= np.where(other, _BAR_OTHER, _BAR_SAME)]
    return cand


class _PreparedCache:
    """_Prepared per item, the most recent few kept: number counts are large and only pairs
    that passed the similarity prefilter need them."""

    def __init__(self, items: Sequence[DedupeItem], size: int = _PREPARED_CACHE):
        self.items, self.size, self.data = items, size, OrderedDict()

    def __getitem__(self, i: int) -> "_Prepared":
        p = self.data.pop(i, None) or _Prepared.of(self.items[i])
        self.data[i] = p
        if len(self.data) > self.size:
            self.data.popitem(last=False)
        return p


def cluster(items: Sequence[DedupeItem]) -> list[list[int]]:
    """Partition item indexes into groups of copies, each group sorted, groups by first index.

    Edges: an earlier run's groups (settled items sharing a report_id); the same normalised
    text; a pair sharing an LSH band that _same accepts; versions of one URL; a page and the
    report file it links to. A pair of two settled items is never re-decided."""
    n = len(items)
    uf = _UnionFind(list(range(n)))
    fresh = np.array([not it.settled for it in items], dtype=bool)
    first_of: dict[str, int] = {}
    for i, it in enumerate(items):
        if it.settled and it.report_id:
            uf.union(first_of.setdefault(it.report_id, i), i)
    by_text: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        by_text.setdefault(it.fingerprint.text_sha256, []).append(i)
    for members in by_text.values():
        pivot = next((i for i in members if fresh[i]), None)
        if pivot is not None:
            for i in members:
                uf.union(pivot, i)
    comparable = _comparable(items)
    if comparable.any():
        sigs = np.zeros((n, NUM_PERM), dtype="<u4")
        for i in np.flatnonzero(comparable):
            sigs[i] = items[i].fingerprint.signature()
        years = np.array([-1 if it.year is None else it.year for it in items], dtype=np.int64)
        publishers = _codes([it.publisher for it in items])
        index = _band_index(items, comparable, fresh)
        prepared = _PreparedCache(items)
        scratch = np.zeros(n, dtype=bool)  # all False between calls
        for i in np.flatnonzero(comparable & fresh):
            i = int(i)
            for j in _candidates(i, items, index, fresh, years, publishers, sigs, scratch):
                j = int(j)
                if uf.find(i) != uf.find(j) and _same(prepared[i], prepared[j]):
                    uf.union(i, j)
    linked = [_same_url_pairs(items)]
    if RULES.get("merge_linked_attachments", True):
        linked.append(_linked_pairs(items))
    for pairs in linked:
        for i, j in pairs:
            if not (items[i].settled and items[j].settled):
                uf.union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(uf.find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def _same_url_pairs(items: Sequence[DedupeItem]) -> Iterator[tuple[int, int]]:
    """Versions of one page (its text changed between harvests, a corrected figure say) with the
    same year and publisher: one report, whose current version becomes canonical."""
    first: dict[tuple, int] = {}
    for i, it in enumerate(items):
        if it.year is None:
            continue
        key = (it.url, it.year, it.publisher or "")
        if key in first:
            yield first[key], i
        else:
            first[key] = i


def _linked_pairs(items: Sequence[DedupeItem]) -> Iterator[tuple[int, int]]:
    """A report document reached from another report document's page, same year and publisher:
    the page announcing a report ("全文见附件") and the attached report itself. A page linking
    to several report documents (a list of departments' reports, say) links nothing."""
    by_url: dict[str, list[int]] = {}
    children: dict[str, set[str]] = {}
    for i, it in enumerate(items):
        by_url.setdefault(it.url, []).append(i)
        if it.referer and it.referer != it.url:
            children.setdefault(it.referer, set()).add(it.url)
    for i, it in enumerate(items):
        if len(children.get(it.referer or "", ())) != 1:
            continue
        for j in by_url.get(it.referer or "", ()):
            a, b = items[i], items[j]
            if i == j or a.year is None or b.year != a.year:
                continue
            if a.publisher and b.publisher and a.publisher != b.publisher:
                continue
            yield i, j


def canonical_order(items: Sequence[DedupeItem], members: list[int]) -> list[int]:
    """The current version of each URL before its older versions; a copy that came wrapped in
    spam (a mirror, even when its host was given as a start URL) after the clean ones; then the
    portal's own host, other government hosts (a mirror never outranks the publisher's own
    copy); among those, a copy with figures before a page that only points to them (the
    report's metrics come from its canonical copy); then the earliest fetched."""
    latest: dict[str, str] = {}
    for i in members:
        latest[items[i].url] = max(latest.get(items[i].url, ""), items[i].fetched_at or "")
    # A file the portal's own page links to is the publisher's own copy, whatever host serves it.
    own_urls = {items[i].url for i in members if items[i].own_host}
    own = {i for i in members if items[i].own_host or (items[i].referer or "") in own_urls}
    return sorted(members, key=lambda i: ((items[i].fetched_at or "") < latest[items[i].url],
                                          items[i].spam_wrapped,
                                          i not in own,
                                          not (items[i].government_host or i in own),
                                          not items[i].has_metrics, items[i].fetched_at or "~",
                                          items[i].url, items[i].doc_id))


def on_government_host(item: DedupeItem) -> bool:
    """A copy that counts for a report's government_host: on a government host, and either on
    its portal's own host (an SEO string injected into the publisher's own page does not make
    it a mirror) or not wrapped in spam (a spam-wrapped copy elsewhere is a mirror, whatever
    its host)."""
    return item.government_host and (item.own_host or not item.spam_wrapped)


def new_report_id(item: DedupeItem) -> str:
    """Derived from content, so the same report gets the same id in any fresh warehouse."""
    key = f"{item.fingerprint.text_sha256}|{item.year}"
    return "r" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:19]


def _keep_id(items: Sequence[DedupeItem], ordered: list[int], taken: set[str]) -> Optional[str]:
    """The earlier id of the best-placed member that still is free."""
    for i in ordered:
        rid = items[i].report_id
        if rid and rid not in taken:
            return rid
    return None


def group_reports(items: Sequence[DedupeItem]) -> list[ReportGroup]:
    """Cluster, pick each group's canonical copy and its report_id."""
    groups = [canonical_order(items, g) for g in cluster(items)]
    # Groups that had ids first claim them, largest first, so a split keeps the id on the bigger part.
    order = sorted(range(len(groups)), key=lambda g: (-len(groups[g]), groups[g][0]))
    taken: set[str] = set()
    ids: dict[int, str] = {}
    for g in order:
        rid = _keep_id(items, groups[g], taken)
        if rid:
            ids[g] = rid
            taken.add(rid)
    out = []
    for g, members in enumerate(groups):
        rid = ids.get(g)
        new = rid is None and not any(items[i].report_id for i in members)
        if rid is None:
            rid = new_report_id(items[members[0]])
            salt = 0
            while rid in taken:  # identical content with another year label, or a split
                salt += 1
                rid = new_report_id(items[members[0]])[:-4] + f"{salt:04x}"
            taken.add(rid)
        out.append(ReportGroup(report_id=rid, members=members,
                               government_host=any(on_government_host(items[i]) for i in members),
                               new=new))
    return out
