"""Benchmark: grouping copies of reports with our MinHash, LSH bands and union-find (numpy,
transforms/dedupe/) against datasketch's MinHash and MinHashLSH (with scipy's connected
components for the groups).

Not a test: prints numbers. A realistic synthetic set: template reports (sampleportal's 2019 and
2021 templates, whose wording every report shares: only the numbers tell them apart) with prose
paragraphs of their own, and planted copies of a fifth of them: the same text re-spaced, a mirror
with a spam wrapper and no publisher, a copy with a few characters changed and a line dropped.
Both ways run in this one process on the same texts, from the text to the groups (normalising,
signatures, bands, candidate pairs, the same acceptance rules of rules/dedupe.yaml, groups);
the ratio is datasketch's time over ours. Both must find the same groups, and every planted copy.

datasketch is not a dependency (ours was measured faster, see transforms/README.md): without it
this prints our figures only. To compare: .venv/bin/pip install datasketch==2.0.0 (brings scipy).

    .venv/bin/python tests/bench/bench_dedupe.py [--sizes 2000 10000]
"""
from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sampleportal.template_reports import make_template_report, render_flat_text  # noqa: E402
from transforms.dedupe.fingerprint import (NUM_PERM, SHINGLE, Fingerprint, fingerprint,  # noqa: E402
                                           normalise, numbers_in)
from transforms.dedupe.groups import BANDS, DedupeItem, cluster, same_report  # noqa: E402

_PHRASES = ["加强政务公开标准化规范化建设", "围绕优化营商环境", "做好重大决策预公开",
            "推进基层政务公开", "完善依申请公开办理机制", "召开新闻发布会", "开展政策解读",
            "回应社会关切", "更新公开目录", "组织专题培训", "强化保密审查", "办理人大建议和政协提案",
            "推动数据开放共享", "规范政府网站管理", "公开财政预决算信息", "发布重点项目进展"]
_WRAP = ["本站信息来源于网络，如有侵权请联系删除", "首页 | 新闻中心 | 联系我们 | 网站地图",
         "热门推荐：最新楼盘 二手车 招聘信息", "Copyright © 某某信息网 版权所有"]


def _prose(rng: random.Random, publisher: str, year: int) -> str:
    out = []
    for _ in range(rng.randint(6, 14)):
        words = rng.sample(_PHRASES, 3)
        out.append(f"{year}年，{publisher}{words[0]}，{words[1]}{rng.randint(2, 980)}次，"
                   f"{words[2]}，涉及{rng.randint(10, 99999)}件。")
    return "\n".join(out)


def corpus(n: int, seed: int = 7) -> tuple[list[DedupeItem], list[str], dict[str, int]]:
    """n documents: reports and planted copies; (items without fingerprints, texts, origin)."""
    rng = random.Random(seed)
    docs: list[tuple[str, str, int, str | None, int]] = []
    k = 0
    while len(docs) < n:
        year = 2019 + k % 5
        fmt = "2019" if year <= 2020 else "2021"
        publisher = f"某{k // 5 % 400}县{('财政局', '教育局', '人民政府', '卫生健康委员会')[k % 4]}{k // 2000 or ''}"
        report, _ = make_template_report(fmt, year, publisher, k)
        text = render_flat_text(report) + _prose(rng, publisher, year)
        docs.append((f"d{len(docs)}", text, year, publisher, k))
        if rng.random() < 0.2:
            kind = rng.choice(("respaced", "wrapped", "edited"))
            if kind == "respaced":
                copy = text.replace("\n", "  \n ").replace("，", ", ")
            elif kind == "wrapped":
                copy = "\n".join(rng.sample(_WRAP, 2)) + "\n" + text + "\n" + rng.choice(_WRAP)
            else:
                lines = text.split("\n")
                del lines[rng.randrange(len(lines))]
                copy = "\n".join(lines)
                for _ in range(4):
                    i = rng.randrange(len(copy))
                    copy = copy[:i] + "之" + copy[i + 1:]
            docs.append((f"d{len(docs)}", copy, year, None if kind == "wrapped" else publisher, k))
        k += 1
    docs = docs[:n]
    items = [DedupeItem(doc_id=d, fingerprint=None, year=y, publisher=p, host="x.gov.cn",
                        url=f"http://x.gov.cn/{d}.html", fetched_at="2024-01-01T00:00:00")
             for d, _, y, p, _ in docs]
    return items, [t for _, t, *_ in docs], {d: o for d, *_, o in docs}


def _with(items: list[DedupeItem], fps: list[Fingerprint]) -> list[DedupeItem]:
    return [DedupeItem(**{**it.__dict__, "fingerprint": fp}) for it, fp in zip(items, fps)]


def ours(items: list[DedupeItem], texts: list[str]) -> list[list[int]]:
    return cluster(_with(items, [fingerprint(t) for t in texts]))


def with_datasketch(items: list[DedupeItem], texts: list[str]) -> list[list[int]]:
    from datasketch import MinHash, MinHashLSH
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    fps, sketches = [], []
    permutations = MinHash(num_perm=NUM_PERM, seed=1).permutations  # drawn once, as ours are
    for t in texts:
        norm = normalise(t)
        m = MinHash(num_perm=NUM_PERM, permutations=permutations, scheme="affine32")
        k = min(SHINGLE, len(norm))
        m.update_batch({norm[i:i + k].encode("utf-8") for i in range(len(norm) - k + 1)})
        sketches.append(m)
        fps.append(Fingerprint(hashlib.sha256(norm.encode("utf-8")).hexdigest(),
                               m.hashvalues.astype("<u4").tobytes(), numbers_in(t), len(norm)))
    docs = _with(items, fps)
    lsh = MinHashLSH(num_perm=NUM_PERM, params=(BANDS, NUM_PERM // BANDS))
    for i, m in enumerate(sketches):
        lsh.insert(i, m)
    sigs = np.stack([fp.signature() for fp in fps])
    edges = []
    by_text: dict[str, int] = {}
    for i, fp in enumerate(fps):
        edges.append((by_text.setdefault(fp.text_sha256, i), i))
    for i, m in enumerate(sketches):
        cand = np.array([j for j in lsh.query(m) if j > i and docs[j].year == docs[i].year], dtype=np.int64)
        if cand.size:  # the same cheap prefilter as ours, before the full check
            cand = cand[(sigs[cand] == sigs[i]).mean(axis=1) >= 0.6]
        edges += [(i, int(j)) for j in cand if same_report(docs[i], docs[int(j)])]
    rows, cols = zip(*edges)
    n = len(docs)
    _, labels = connected_components(coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)),
                                     directed=False)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def planted(items: list[DedupeItem], origin: dict[str, int]) -> set[frozenset[int]]:
    by: dict[int, list[int]] = {}
    for i, it in enumerate(items):
        by.setdefault(origin[it.doc_id], []).append(i)
    return {frozenset(g) for g in by.values()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    args = ap.parse_args()
    start = time.perf_counter()
    try:
        import datasketch, scipy.sparse.csgraph  # noqa: E401,F401
    except ImportError:
        ways = (("ours", ours),)
        print("datasketch is not installed: our figures only (pip install datasketch==2.0.0 to compare)")
    else:
        ways = (("ours", ours), ("datasketch", with_datasketch))
        print(f"importing datasketch and scipy: {time.perf_counter() - start:.2f} s (not in the figures below)")
    print("times: wall (CPU of this process); the machine is shared, so compare the ratios", flush=True)
    ok = True
    for n in args.sizes:
        items, texts, origin = corpus(n)
        timings, cpu, found = {}, {}, {}
        for name, way in ways:
            start, start_cpu = time.perf_counter(), time.process_time()
            found[name] = {frozenset(g) for g in way(items, texts)}
            timings[name] = time.perf_counter() - start
            cpu[name] = time.process_time() - start_cpu
        truth = planted(items, origin)
        copies = sum(len(g) > 1 for g in truth)
        ok &= found["ours"] == truth
        if "datasketch" not in found:
            print(f"{n} documents ({copies} planted copy groups): ours {timings['ours']:.2f} s "
                  f"({cpu['ours']:.2f} s); ours = planted: {found['ours'] == truth}", flush=True)
            continue
        same = found["ours"] == found["datasketch"]
        ok &= same
        print(f"{n} documents ({copies} planted copy groups): ours {timings['ours']:.2f} s "
              f"({cpu['ours']:.2f} s), datasketch {timings['datasketch']:.2f} s ({cpu['datasketch']:.2f} s); "
              f"ratio datasketch/ours {timings['datasketch'] / timings['ours']:.2f} "
              f"({cpu['datasketch'] / cpu['ours']:.2f}); same groups both ways: {same}; "
              f"ours = planted: {found['ours'] == truth}, datasketch = planted: {found['datasketch'] == truth}",
              flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
