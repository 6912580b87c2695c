"""Benchmark: finding the warehouse's reports a run's new report documents may join (the
candidate query of Warehouse.report_documents) as the warehouse grows.

Not a test: prints numbers. A real warehouse file (the project's migrations) holds N report
documents with random 128-value signatures; a run brings 10 or 1,000 new documents, half of
them sharing one LSH band with a loaded document. The band step slices each stored signature
as a blob; the earlier form (hex text, then substrings) runs on the same file in the same
process for the ratio. Both must find the same reports.

    .venv/bin/python tests/bench/bench_near_candidates.py [--sizes 100000 300000]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from flows.near_docs import near_query  # noqa: E402
from transforms.dedupe.fingerprint import NUM_PERM, Fingerprint  # noqa: E402
from transforms.dedupe.groups import BAND_WIDTH, BANDS, DedupeItem  # noqa: E402
from transforms.dedupe.report_fields import ReportDoc  # noqa: E402
from warehouse.store import Warehouse  # noqa: E402


def fill(wh: Warehouse, sigs: np.ndarray) -> None:
    n = len(sigs)
    table = pa.table({"doc_id": [f"d{i}" for i in range(n)],
                      "url": [f"http://www.example.gov.cn/{i}.html" for i in range(n)],
                      "text_sha256": [f"{i:064x}" for i in range(n)],
                      "minhash": [s.tobytes() for s in sigs],
                      "report_id": [f"r{i}" for i in range(n)]})
    wh.con.register("fill", table)
    wh.con.execute("INSERT INTO documents (doc_id, url, text_sha256, minhash, report_id, "
                   "is_annual_report) SELECT doc_id, url, text_sha256, minhash, report_id, true "
                   "FROM fill")
    wh.con.unregister("fill")


def new_docs(sigs: np.ndarray, count: int, rng: np.random.Generator) -> list[ReportDoc]:
    out = []
    for k in range(count):
        sig = rng.integers(0, 2**32, size=NUM_PERM, dtype=np.uint32).tobytes()
        if k % 2 == 0:  # shares band k % BANDS with loaded document k
            b = k % BANDS
            old = sigs[k].tobytes()
            sig = sig[:b * BAND_WIDTH] + old[b * BAND_WIDTH:(b + 1) * BAND_WIDTH] + sig[(b + 1) * BAND_WIDTH:]
        fp = Fingerprint(text_sha256=f"new{k}", minhash=sig, numbers=(), length=1000)
        item = DedupeItem(doc_id=f"n{k}", fingerprint=fp, year=2024, publisher=None, host="",
                          url=f"http://new.example.org/{k}.html", fetched_at="")
        out.append(ReportDoc(item, None, None, None, None, None, None))
    return out


def hex_form(wh: Warehouse, near: dict) -> set:
    """The earlier band step: the signature as hex text, one substring per band."""
    width = int(near["band_width"])
    bands = pa.table({"band": near["bands"]["band"],
                      "key": [k.hex().upper() for k in near["bands"]["key"].to_pylist()]})
    wh.con.register("hex_bands", bands)
    try:
        return {r[0] for r in wh.con.execute(
            "SELECT DISTINCT d.report_id FROM (SELECT report_id, r.i AS band, "
            f"substr(hex(minhash), r.i * {2 * width} + 1, {2 * width}) AS key "
            f"FROM documents, range({BANDS}) r(i) WHERE is_annual_report AND report_id IS NOT NULL "
            f"AND octet_length(minhash) = {width * BANDS}) d "
            "JOIN hex_bands b ON d.band = b.band AND d.key = b.key").fetchall()}
    finally:
        wh.con.unregister("hex_bands")


def timed(fn, *args):
    best, out = float("inf"), None
    for _ in range(3):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    args = ap.parse_args()
    rng = np.random.default_rng(5)
    print(f"{'documents':>10} {'new':>6} {'found':>6} {'blob s':>8} {'hex s':>8} {'ratio':>6}")
    for n in args.sizes:
        sigs = rng.integers(0, 2**32, size=(n, NUM_PERM), dtype=np.uint32)
        with tempfile.TemporaryDirectory() as tmp, Warehouse(Path(tmp) / "w.duckdb") as wh:
            fill(wh, sigs)
            for count in (10, 1000):
                near = near_query(new_docs(sigs, count, rng))
                t_blob, rows = timed(wh.report_documents, near)
                t_hex, ids = timed(hex_form, wh, near)
                found = set(rows.column("report_id").to_pylist())
                if found != ids or len(found) != (count + 1) // 2:
                    print(f"MISMATCH at {n}/{count}: {len(found)} vs {len(ids)}")
                    return 1
                print(f"{n:>10,} {count:>6} {len(found):>6} {t_blob:>8.2f} {t_hex:>8.2f} "
                      f"{t_hex / t_blob:>5.1f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
