"""The warehouse's report documents that may group with this run's: near-duplicate
candidates, found by text hash, URL, linking page and the LSH bands of
transforms.dedupe.groups, so a run reads only the reports it may change, not all of them.
"""
from __future__ import annotations

import sys
from typing import Optional

import pyarrow as pa

from transforms.dedupe.fingerprint import Fingerprint
from transforms.dedupe.groups import BAND_WIDTH, BANDS, DedupeItem, bands
from transforms.dedupe.report_fields import ReportDoc
from warehouse.store import Warehouse


def near_query(new: list[ReportDoc]) -> dict:
    """What finds the warehouse's documents that may group with this run's: their text hashes,
    URLs, linking pages and LSH bands (transforms.dedupe.groups's banding)."""
    docs = {"text_sha256": [], "url": [], "referer": []}
    keys = {"band": [], "key": []}
    for d in new:
        it = d.item
        docs["text_sha256"].append(it.fingerprint.text_sha256)
        docs["url"].append(it.url)
        docs["referer"].append(it.referer)
        sig = it.fingerprint.minhash
        if it.fingerprint.length and len(sig) == BAND_WIDTH * BANDS:
            for b, band in enumerate(bands(sig)):
                keys["band"].append(b)
                keys["key"].append(band)
    return {"docs": pa.table(docs, schema=pa.schema([("text_sha256", pa.string()),
                                                     ("url", pa.string()), ("referer", pa.string())])),
            "bands": pa.table(keys, schema=pa.schema([("band", pa.int64()), ("key", pa.binary())])),
            "band_width": BAND_WIDTH, "band_count": BANDS}


def existing_report_docs(wh: Warehouse, new: Optional[list[ReportDoc]] = None) -> list[ReportDoc]:
    """The warehouse's report documents as dedupe items: all, or (given this run's) only the
    reports that may change."""
    out = []
    table = wh.report_documents(None if new is None else near_query(new))
    for r in table.to_pylist():
        fp = Fingerprint(text_sha256=r["text_sha256"], minhash=bytes(r["minhash"] or b""),
                         numbers=tuple(sys.intern(n) for n in (r["numbers"] or "").split()),
                         length=r["text_length"] or 0)  # only zero or not matters to dedupe
        item = DedupeItem(doc_id=r["doc_id"], fingerprint=fp, year=r["year"],
                          publisher=r["publisher"], host=r["host"] or "", url=r["url"],
                          fetched_at=r["fetched_at"] or "", own_host=bool(r["own_host"]),
                          government_host=bool(r["government_host"]), report_id=r["report_id"],
                          settled=True, referer=r["referer"], has_metrics=bool(r["has_metrics"]),
                          spam_wrapped=bool(r["spam_wrapped"]))
        out.append(ReportDoc(item, r["portal_id"], r["region"], r["region_code"], r["format"],
                              r["title"], r["published_date"]))
    return out
