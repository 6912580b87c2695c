"""What one run loads: Arrow schemas of the incoming rows and the LoadBatch that carries them.

Producers (flows/pipeline.py, tests) build Arrow tables with these schemas; Warehouse.load
inserts them set-based. Large tables may be pyarrow datasets, or better the path of a Parquet
file (DuckDB streams it under the writer's memory cap).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

import pyarrow as pa

PAGES = pa.schema([
    ("record_id", pa.string()), ("url", pa.string()), ("final_url", pa.string()),
    ("host", pa.string()), ("status", pa.int32()), ("content_type", pa.string()),
    ("sha256", pa.string()), ("fetched_at", pa.timestamp("us")), ("error", pa.string()),
    ("portal_id", pa.string()), ("kind", pa.string()), ("referer", pa.string()),
    ("anchor_text", pa.string())])

DOCUMENTS = pa.schema([
    ("doc_id", pa.string()), ("url", pa.string()), ("host", pa.string()), ("portal_id", pa.string()),
    ("sha256", pa.string()), ("text_sha256", pa.string()), ("content_type", pa.string()),
    ("fetched_at", pa.timestamp("us")), ("is_annual_report", pa.bool_()), ("title", pa.string()),
    ("year", pa.int32()), ("publisher", pa.string()), ("region", pa.string()),
    ("region_code", pa.string()), ("published_date", pa.string()), ("format", pa.string()),
    ("traditional_source", pa.bool_()), ("spam_removed", pa.string()), ("warnings", pa.string()),
    ("text", pa.string()), ("government_host", pa.bool_()), ("own_host", pa.bool_()),
    ("minhash", pa.binary()), ("numbers", pa.string()), ("referer", pa.string())])

DOCUMENT_METRICS = pa.schema([
    ("doc_id", pa.string()), ("key", pa.string()), ("dimension", pa.string()),
    ("value", pa.float64()), ("unit", pa.string()), ("unit_printed", pa.string()),
    ("approx", pa.bool_()), ("source", pa.string()), ("evidence", pa.string())])

CHECKS = pa.schema([
    ("doc_id", pa.string()), ("check", pa.string()), ("ok", pa.bool_()), ("detail", pa.string())])

WITHHELD = pa.schema([
    ("doc_id", pa.string()), ("key", pa.string()), ("dimension", pa.string()),
    ("reason", pa.string()), ("loaded_value", pa.float64()),
    ("candidate_values", pa.list_(pa.float64())), ("candidates", pa.string())])

PARSES = pa.schema([
    ("url", pa.string()), ("sha256", pa.string()), ("doc_id", pa.string()),
    ("status", pa.string()), ("error", pa.string()), ("year", pa.int32())])

ASSIGNMENTS = pa.schema([("doc_id", pa.string()), ("report_id", pa.string()),
                         ("is_canonical", pa.bool_())])

REPORTS = pa.schema([
    ("report_id", pa.string()), ("publisher", pa.string()), ("region", pa.string()),
    ("region_code", pa.string()), ("year", pa.int32()), ("format", pa.string()),
    ("title", pa.string()), ("published_date", pa.string()), ("canonical_url", pa.string()),
    ("canonical_doc_id", pa.string()), ("copies", pa.int32()), ("government_host", pa.bool_()),
    ("portal_id", pa.string())])

SCHEMAS = {"pages": PAGES, "documents": DOCUMENTS, "document_metrics": DOCUMENT_METRICS,
           "checks": CHECKS, "parses": PARSES, "assignments": ASSIGNMENTS, "reports": REPORTS,
           "withheld": WITHHELD}


@dataclass
class LoadBatch:
    """Everything one run adds.

    pages, documents, document_metrics, checks, parses, withheld: new rows (pages and documents
    already present are skipped by key; metrics, checks and withheld values come with their
    document). assignments (doc_id, report_id, is_canonical) covers every report document;
    reports is the full set of report rows. replace_parsed: drop every document and parse first
    (a re-parse of the whole archive).
    """
    pages: object
    documents: object
    document_metrics: object
    checks: object
    parses: object
    assignments: object
    reports: object
    replace_parsed: bool = False
    withheld: object = None  # None: no withheld values in this batch


def _typed(row: dict, schema: pa.Schema) -> dict:
    """ISO-8601 strings in timestamp columns become naive UTC datetimes."""
    out = dict(row)
    for f in schema:
        v = out.get(f.name)
        if isinstance(v, str) and pa.types.is_timestamp(f.type):
            dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
            out[f.name] = dt.astimezone(timezone.utc).replace(tzinfo=None) if dt.tzinfo else dt
    return out


def batch_from_rows(replace_parsed: bool = False, **rows: Optional[list[dict]]) -> LoadBatch:
    """A LoadBatch from lists of dicts, one keyword per table; a missing table is empty."""
    unknown = set(rows) - set(SCHEMAS)
    if unknown:
        raise ValueError(f"unknown tables: {sorted(unknown)}")
    tables = {name: pa.Table.from_pylist([_typed(r, schema) for r in rows.get(name) or []],
                                         schema=schema)
              for name, schema in SCHEMAS.items()}
    return LoadBatch(replace_parsed=replace_parsed, **tables)
