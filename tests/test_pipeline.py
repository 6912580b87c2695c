"""archive -> parse -> dedupe -> warehouse, on a real archive written with the crawler's writer."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import duckdb
import opencc
import pytest

from crawler.archive import ArchiveWriter, iter_records
from flows.parse_pool import parse_records
from flows.pipeline import process_archive
from warehouse.query import run_query

FIXTURES = Path(__file__).parent / "fixtures" / "warehouse"
S2T = opencc.OpenCC("s2t.json")
TEXT = [("Content-Type", "text/plain; charset=utf-8")]
PORTALS = [SimpleNamespace(id="xh", allowed_hosts=["www.xihu.gov.cn"]),
           SimpleNamespace(id="sy", allowed_hosts=["www.sanyuan.gov.cn"])]
DATA_TABLES = ("pages", "documents", "reports", "metrics", "document_metrics", "checks", "parses", "withheld")

OWN = "http://www.xihu.gov.cn/col1/a.html"
REPOST = "http://www.xihu.gov.cn/col2/b.html"
MIRROR = "http://mirror.example.com/copy.html"
SPAM_COPY = "http://spam.example.net/r.html"
ONLY_SPAM = "http://spam.example.net/other.html"
BROKEN = "http://www.sanyuan.gov.cn/broken.pdf"


def seed(shared_dir, prefix: str) -> str:
    [path] = (shared_dir / "seeds").glob(prefix + "_*.txt")
    return path.read_text(encoding="utf-8")


def wrapped(text: str) -> str:
    return "\n".join([(FIXTURES / "spam_head.txt").read_text(encoding="utf-8"), text,
                      (FIXTURES / "spam_tail.txt").read_text(encoding="utf-8")])


def write_archive(archive: Path, shared_dir) -> None:
    s0, s1, s3 = seed(shared_dir, "000"), seed(shared_dir, "001"), seed(shared_dir, "003")
    with ArchiveWriter(archive) as w:
        def page(url, text, fetched_at, portal=None, kind="detail", status=200, body=None):
            w.add_response(url=url, final_url=url, status=status, headers=TEXT,
                           body=body if body is not None else text.encode("utf-8"),
                           kind=kind, portal_id=portal, fetched_at=fetched_at)
        page(MIRROR, S2T.convert(s0), "2024-01-01T00:00:00Z")  # the mirror was found first
        page(OWN, s0, "2024-01-02T00:00:00Z", "xh")
        page(REPOST, s0, "2024-01-02T00:01:00Z", "xh")
        page(SPAM_COPY, wrapped(s0), "2024-01-02T00:02:00Z")
        page("http://www.sanyuan.gov.cn/r.html", s1, "2024-01-02T00:03:00Z", "sy")
        page(ONLY_SPAM, s3, "2024-01-02T00:04:00Z")
        page("http://www.sanyuan.gov.cn/list.html", "年度报告 列表", "2024-01-02T00:05:00Z", "sy", kind="listing")
        page("http://www.sanyuan.gov.cn/missing.html", "not found", "2024-01-02T00:06:00Z", "sy", status=404)
        page(BROKEN, "", "2024-01-02T00:07:00Z", "sy", kind="attachment", body=b"\x00\x01\x02\x03" * 64)
        w.add_failure(url="http://www.xihu.gov.cn/gone.html", error="DNS lookup failed",
                      portal_id="xh", kind="detail", fetched_at="2024-01-02T00:08:00Z")


def dump(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for t in DATA_TABLES:
            cols = "* EXCLUDE (run_id)" if t in ("pages", "documents", "parses") else "*"
            out[t] = sorted(map(repr, con.execute(f"SELECT {cols} FROM {t}").fetchall()))
        return out
    finally:
        con.close()


def rows(db, sql):
    return json.loads(run_query(db, sql, fmt="json"))


@pytest.fixture(scope="module")
def archive(tmp_path_factory, shared_dir):
    path = tmp_path_factory.mktemp("archive")
    write_archive(path, shared_dir)
    return path


@pytest.fixture(scope="module")
def harvested(archive, tmp_path_factory):
    db = tmp_path_factory.mktemp("wh") / "w.duckdb"
    messages = []
    counts = process_archive(archive, db, workers=2, portals=PORTALS, progress=messages.append)
    return SimpleNamespace(db=db, counts=counts, messages=messages)


def test_pages_have_one_row_per_fetch_attempt(harvested, archive):
    assert rows(harvested.db, "SELECT count(*) AS n FROM pages") == [{"n": len(list(iter_records(archive)))}]


def test_network_failure_is_a_page_row(harvested):
    assert rows(harvested.db, "SELECT error FROM pages WHERE status IS NULL") == [{"error": "DNS lookup failed"}]


def test_listing_and_404_are_not_parsed(harvested):
    got = rows(harvested.db, "SELECT count(*) AS n FROM documents WHERE url LIKE '%list%' OR url LIKE '%missing%'")
    assert got == [{"n": 0}]


def test_parse_error_is_kept_per_record(harvested):
    assert rows(harvested.db, "SELECT url FROM parses WHERE status = 'error'") == [{"url": BROKEN}]


def test_mirrors_and_repost_are_one_report(harvested):
    got = rows(harvested.db, "SELECT r.copies FROM reports r JOIN documents d USING (report_id) "
                             f"WHERE d.url = '{OWN}'")
    assert got == [{"copies": 4}]


def test_three_reports_in_all(harvested):
    assert rows(harvested.db, "SELECT count(*) AS n FROM reports") == [{"n": 3}]


def test_canonical_copy_is_on_the_portal_host(harvested):
    got = rows(harvested.db, f"SELECT canonical_url FROM reports WHERE canonical_url LIKE '%xihu%'")
    assert got == [{"canonical_url": OWN}]


def test_report_seen_only_on_spam_host_is_kept_and_marked(harvested):
    got = rows(harvested.db, f"SELECT government_host FROM reports WHERE canonical_url = '{ONLY_SPAM}'")
    assert got == [{"government_host": False}]


def test_every_metric_links_to_a_canonical_document(harvested):
    got = rows(harvested.db, "SELECT count(*) AS n FROM metrics m LEFT JOIN documents d USING (doc_id) "
                             "WHERE d.doc_id IS NULL OR NOT d.is_canonical OR d.report_id <> m.report_id")
    assert got == [{"n": 0}]


def test_metrics_are_loaded(harvested):
    assert rows(harvested.db, "SELECT count(*) > 0 AS some FROM metrics") == [{"some": True}]


def test_withheld_values_are_loaded_with_their_candidates(harvested):
    # Seed 001 prints cumulative figures ("《条例》实施以来,累计主动公开政府信息8131条"): not
    # loaded, kept in `withheld` with the sentence, on the report of its canonical copy.
    got = rows(harvested.db, "SELECT w.report_id IS NOT NULL AS linked, w.candidates FROM withheld w "
                             "JOIN documents d USING (doc_id) WHERE d.is_canonical AND w.key = 'proactive_total' "
                             "AND list_contains(w.candidate_values, 8131)")
    assert [(r["linked"], "8131" in json.loads(r["candidates"])[0]["evidence"]) for r in got] == [(True, True)]


def test_timings_are_reported_per_step(harvested):
    assert {"parse_seconds", "dedupe_seconds", "load_seconds"} <= set(harvested.counts["timings"])


def test_progress_is_reported(harvested):
    assert any("parsed" in m for m in harvested.messages)


def test_second_run_changes_nothing(harvested, archive):
    before = dump(harvested.db)
    counts = process_archive(archive, harvested.db, workers=1, portals=PORTALS)
    assert (counts["to_parse"], dump(harvested.db)) == (0, before)


def test_new_copy_keeps_the_report_id(archive, tmp_path, shared_dir):
    import shutil
    arch = tmp_path / "archive"
    shutil.copytree(archive, arch)
    db = tmp_path / "w.duckdb"
    process_archive(arch, db, workers=1, portals=PORTALS)
    before = rows(db, f"SELECT report_id, copies FROM reports WHERE canonical_url = '{OWN}'")
    with ArchiveWriter(arch) as w:
        w.add_response(url="http://other-mirror.example.org/x", final_url="http://other-mirror.example.org/x",
                       status=200, headers=TEXT, body=seed(shared_dir, "000").encode("utf-8"),
                       kind="detail", fetched_at="2024-02-01T00:00:00Z")
    process_archive(arch, db, workers=1, portals=PORTALS)
    after = rows(db, f"SELECT report_id, copies FROM reports WHERE canonical_url = '{OWN}'")
    assert after == [{"report_id": before[0]["report_id"], "copies": before[0]["copies"] + 1}]


def test_years_filter_keeps_only_those_years(archive, tmp_path):
    db = tmp_path / "w.duckdb"
    process_archive(archive, db, years=[2018], workers=1, portals=PORTALS)
    assert rows(db, "SELECT DISTINCT year FROM reports") == [{"year": 2018}]


def test_filtered_years_are_loaded_by_a_later_wider_run(archive, tmp_path):
    db = tmp_path / "w.duckdb"
    process_archive(archive, db, years=[2018], workers=1, portals=PORTALS)
    process_archive(archive, db, workers=1, portals=PORTALS)
    assert rows(db, "SELECT count(*) AS n FROM reports") == [{"n": 3}]


def test_reparse_keeps_report_ids(harvested, archive):
    before = rows(harvested.db, "SELECT report_id FROM reports ORDER BY 1")
    process_archive(archive, harvested.db, workers=1, reparse=True, portals=PORTALS)
    assert rows(harvested.db, "SELECT report_id FROM reports ORDER BY 1") == before


def test_parse_records_skips_known_bodies(archive):
    records = list(iter_records(archive))
    known = {(r.final_url, r.sha256) for r in records if r.url == OWN}
    parsed = parse_records(archive, records, workers=1, known=known)
    assert OWN not in {p.url for p in parsed}


def test_parse_records_in_a_pool_matches_inline(archive):
    records = list(iter_records(archive))
    inline = [(p.url, p.doc_id, p.error) for p in parse_records(archive, records, workers=1)]
    pooled = [(p.url, p.doc_id, p.error) for p in parse_records(archive, records, workers=2)]
    assert pooled == inline


def test_parse_then_dedupe_and_load_in_two_steps(archive, tmp_path):
    from flows.pipeline import dedupe_and_load
    from warehouse.store import Warehouse
    db = tmp_path / "w.duckdb"
    records = list(iter_records(archive))
    parsed = parse_records(archive, records, workers=1)
    with Warehouse(db) as wh:
        run_id = wh.start_run("harvest", {})
    dedupe_and_load(db, run_id, records, parsed, portals=PORTALS)
    assert rows(db, "SELECT count(*) AS n FROM reports") == [{"n": 3}]


def test_page_and_its_attachment_count_as_one_posting():
    from transforms.dedupe.report_fields import ReportDoc, postings
    from transforms.dedupe.groups import DedupeItem
    from transforms.dedupe.fingerprint import fingerprint

    def doc(url, referer=None):
        item = DedupeItem(doc_id=url, fingerprint=fingerprint(url), year=2024, publisher=None,
                          host="h", url=url, fetched_at="", referer=referer)
        return ReportDoc(item, None, None, None, None, None, None)

    docs = [doc("http://a/page1"), doc("http://a/file.pdf", referer="http://a/page1"),
            doc("http://a/page2"), doc("http://m/copy", referer="http://m/list")]
    assert postings(docs, [0, 1, 2, 3]) == 3


def test_spool_left_by_a_killed_writer_is_removed(archive, tmp_path):
    db = tmp_path / "w.duckdb"
    stale = tmp_path / f".{db.name}.spool-dead"
    stale.mkdir()
    (stale / "documents.parquet").write_bytes(b"partial")
    process_archive(archive, db, workers=1, portals=PORTALS)
    assert not stale.exists()


def _spooled(archive, tmp_path):
    from flows.pipeline import host_rules
    from flows.spool import Spool
    spool = Spool(tmp_path, host_rules(PORTALS), None)
    for p in parse_records(archive, list(iter_records(archive)), workers=1):
        spool.add(p)
    return spool


def test_spool_hands_the_load_parquet_files_to_stream(archive, tmp_path):
    spool = _spooled(archive, tmp_path)
    tables = spool.tables()
    assert Path(tables["documents"]).suffix == ".parquet"


def test_fingerprints_kept_for_dedupe_share_their_number_strings(archive, tmp_path):
    spool = _spooled(archive, tmp_path)
    by_url = {d.item.url: d.item.fingerprint.numbers for d in spool.reports}
    own, repost = by_url[OWN], by_url[REPOST]
    i = next(k for k, n in enumerate(own) if len(n) > 3)
    assert own[i] is repost[repost.index(own[i])]


def _titled(url, title, spam=False):
    from transforms.dedupe.report_fields import ReportDoc
    from transforms.dedupe.groups import DedupeItem
    from transforms.dedupe.fingerprint import fingerprint
    item = DedupeItem(doc_id=url, fingerprint=fingerprint(url), year=2024, publisher="淮安市人民政府",
                      host="h", url=url, fetched_at="", spam_wrapped=spam)
    return ReportDoc(item, None, None, None, None, title, None)


def test_report_title_names_the_publisher_whichever_copy_is_canonical():
    from transforms.dedupe.report_fields import report_title
    docs = [_titled("http://a/file.pdf", "2024年政府信息公开工作年度报告"),
            _titled("http://a/page", "淮安市人民政府2024年政府信息公开工作年度报告")]
    assert [report_title(docs, m, "淮安市人民政府") for m in ([0, 1], [1, 0])] == \
        ["淮安市人民政府2024年政府信息公开工作年度报告"] * 2


def test_report_title_never_comes_from_a_spam_wrapped_copy():
    from transforms.dedupe.report_fields import report_title
    docs = [_titled("http://a/file.pdf", "2024年政府信息公开工作年度报告"),
            _titled("http://shop/x", "手机壳商城-淮安市人民政府2024年政府信息公开工作年度报告", spam=True)]
    assert report_title(docs, [0, 1], "淮安市人民政府") == "2024年政府信息公开工作年度报告"


def _two_stage_archive(path: Path, shared_dir, stage: int) -> None:
    s0, s1, s3 = seed(shared_dir, "000"), seed(shared_dir, "001"), seed(shared_dir, "003")
    pages = [[(OWN, s0, "xh"), ("http://www.sanyuan.gov.cn/r.html", s1, "sy")],
             [(MIRROR, S2T.convert(s0), None), (ONLY_SPAM, s3, None)]][stage]
    with ArchiveWriter(path) as w:
        for n, (url, text, portal) in enumerate(pages):
            w.add_response(url=url, final_url=url, status=200, headers=TEXT, body=text.encode("utf-8"),
                           kind="detail", portal_id=portal, fetched_at=f"2024-01-0{stage + 1}T00:0{n}:00Z")


def _reports(db) -> list:
    return rows(db, "SELECT report_id, copies, canonical_doc_id, (SELECT count(*) FROM metrics m "
                    "WHERE m.report_id = r.report_id) AS metrics FROM reports r ORDER BY 1")


def test_later_run_regroups_only_what_it_touches_and_equals_one_run(tmp_path, shared_dir):
    staged, whole = tmp_path / "staged", tmp_path / "whole"
    _two_stage_archive(staged, shared_dir, 0)
    process_archive(staged, tmp_path / "a.duckdb", workers=1, portals=PORTALS)
    first = {r["report_id"]: r for r in rows(tmp_path / "a.duckdb", "SELECT * FROM reports")}
    _two_stage_archive(staged, shared_dir, 1)
    counts = process_archive(staged, tmp_path / "a.duckdb", workers=1, portals=PORTALS)
    for stage in (0, 1):
        _two_stage_archive(whole, shared_dir, stage)
    process_archive(whole, tmp_path / "b.duckdb", workers=1, portals=PORTALS)
    after = {r["report_id"]: r for r in rows(tmp_path / "a.duckdb", "SELECT * FROM reports")}
    untouched = [rid for rid in first if after[rid]["copies"] == 1]
    assert (counts["report_documents"], counts["reports_new"], _reports(tmp_path / "a.duckdb"),
            [first[r] == after[r] for r in untouched]) == \
        (3, 1, _reports(tmp_path / "b.duckdb"), [True])


def test_a_run_without_new_reports_reads_no_report_documents(tmp_path, shared_dir):
    """Nothing new can join a report: the warehouse's documents are not read at all (a scan
    pulled every text into DuckDB's buffers, so a nightly's memory grew with the warehouse)."""
    from flows.near_docs import existing_report_docs
    from warehouse.store import Warehouse
    archive, db = tmp_path / "archive", tmp_path / "w.duckdb"
    _two_stage_archive(archive, shared_dir, 0)
    process_archive(archive, db, workers=1, portals=PORTALS)
    with Warehouse(db) as wh:
        loaded = len(existing_report_docs(wh))
        wh.con.execute("ALTER TABLE documents RENAME TO documents_kept")
        try:  # any row read now fails the query
            wh.con.execute("CREATE TEMP VIEW documents AS SELECT * REPLACE "
                           "(error('a document was read')::BOOLEAN AS is_annual_report) "
                           "FROM documents_kept")
            assert (loaded, existing_report_docs(wh, [])) == (2, [])
        finally:
            wh.con.execute("DROP VIEW IF EXISTS documents")
            wh.con.execute("ALTER TABLE documents_kept RENAME TO documents")
    counts = process_archive(archive, db, workers=1, portals=PORTALS)
    assert (counts["report_documents"], counts["reports_new"]) == (0, 0)



def _sharing_only_band(doc, band: int):
    """A new report document whose signature equals `doc`'s in one LSH band only; nothing
    else (text hash, URL, linking page) in common."""
    from dataclasses import replace
    from transforms.dedupe.groups import BAND_WIDTH
    sig = bytearray(b ^ 0xFF for b in doc.item.fingerprint.minhash)
    if band is not None:
        at = slice(band * BAND_WIDTH, (band + 1) * BAND_WIDTH)
        sig[at] = doc.item.fingerprint.minhash[at]
    fp = replace(doc.item.fingerprint, text_sha256="0" * 64, minhash=bytes(sig))
    item = replace(doc.item, doc_id="new", fingerprint=fp, url="http://elsewhere.example.org/n.html",
                   referer=None, report_id=None, settled=False)
    return replace(doc, item=item)


@pytest.mark.parametrize("band", ["first", "last", None])
def test_a_new_document_sharing_one_lsh_band_reads_that_report(tmp_path, shared_dir, band):
    from flows.near_docs import existing_report_docs
    from transforms.dedupe.groups import BANDS
    from warehouse.store import Warehouse
    archive, db = tmp_path / "archive", tmp_path / "w.duckdb"
    _two_stage_archive(archive, shared_dir, 0)
    process_archive(archive, db, workers=1, portals=PORTALS)
    with Warehouse(db) as wh:
        first = min(existing_report_docs(wh), key=lambda d: d.item.doc_id)
        at = {"first": 0, "last": BANDS - 1, None: None}[band]
        found = existing_report_docs(wh, [_sharing_only_band(first, at)])
    assert [d.item.doc_id for d in found] == ([] if band is None else [first.item.doc_id])


def _publishes(db) -> int:
    from warehouse.store import PUBLISHED
    return PUBLISHED[str(Path(db).resolve())]


def test_a_run_publishes_the_warehouse_once(archive, tmp_path):
    """Each publish copies and fsyncs the whole file: a run on an existing warehouse does it
    once, at its end, and readers then see the run closed."""
    from warehouse.store import Warehouse
    db = tmp_path / "w.duckdb"
    with Warehouse(db):
        pass  # a new warehouse publishes its empty tables at once
    before = _publishes(db)
    counts = process_archive(archive, db, workers=1, portals=PORTALS)
    assert _publishes(db) - before == 1
    assert rows(db, f"SELECT status FROM runs WHERE run_id = '{counts['run_id']}'") == [{"status": "ok"}]


def test_a_run_loaded_in_two_steps_publishes_once(archive, tmp_path):
    from flows.pipeline import dedupe_and_load
    from warehouse.store import Warehouse
    db = tmp_path / "w.duckdb"
    records = list(iter_records(archive))
    with Warehouse(db) as wh:
        run_id = wh.start_run("harvest", {})
    before = _publishes(db)
    dedupe_and_load(db, run_id, records, parse_records(archive, records, workers=1), portals=PORTALS)
    assert _publishes(db) - before == 1


def _shared_page_archive(path: Path, shared_dir, fetched_by: tuple) -> None:
    """One mirror page fetched by the crawls of the given portals, in that order: the mirror's
    own, and a government portal that links to it. Portals crawled at once archive in either
    order; one crawl of both fetches it once, for whichever asked first."""
    text = seed(shared_dir, "003").encode("utf-8")
    with ArchiveWriter(path) as w:
        for n, portal in enumerate(fetched_by):
            w.add_response(url=MIRROR, final_url=MIRROR, status=200, headers=TEXT, body=text,
                           kind="detail", portal_id=portal, fetched_at=f"2024-01-02T00:00:0{n}Z")


@pytest.mark.parametrize("fetched_by", [("xh", "mirror"), ("mirror", "xh"), ("xh",)])
def test_a_page_two_portals_link_to_belongs_to_the_portal_whose_host_it_is(tmp_path, shared_dir,
                                                                          fetched_by):
    _shared_page_archive(tmp_path / "a", shared_dir, fetched_by)
    portals = PORTALS + [SimpleNamespace(id="mirror", allowed_hosts=["mirror.example.com"])]
    process_archive(tmp_path / "a", tmp_path / "w.duckdb", workers=1, portals=portals)
    assert rows(tmp_path / "w.duckdb", "SELECT portal_id, own_host FROM documents") == [
        {"portal_id": "mirror", "own_host": True}]
