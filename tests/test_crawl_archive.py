"""The WARC archive and its index: write, read back, other processes, crash tolerance."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from crawler.archive import (ArchiveError, ArchiveWriter, INDEX, iter_records, known_urls, read_body,
                             rebuild_index)

GBK_PAGE = "<html><body>2019年政府信息公开工作年度报告</body></html>".encode("gbk")


@pytest.fixture
def archive(tmp_path):
    with ArchiveWriter(tmp_path) as w:
        w.add_response(url="http://a.gov.cn/r", final_url="http://a.gov.cn/r2", status=200,
                       headers=[("Content-Type", "text/html; charset=gb2312"), ("ETag", '"v1"')],
                       body=GBK_PAGE, portal_id="p1", kind="detail", anchor_text="2019年报",
                       referer="http://a.gov.cn/list.html")
        w.add_failure(url="http://dead.gov.cn/", error="DNSLookupError: no such host", kind="listing",
                      portal_id="p1")
        w.add_response(url="http://a.gov.cn/gone", final_url="http://a.gov.cn/gone", status=404,
                       headers=[("Content-Type", "text/html")], body=b"not found", kind="detail")
    return tmp_path


def test_records_come_back_in_fetch_order(archive):
    assert [r.status for r in iter_records(archive)] == [200, None, 404]


def test_raw_bytes_kept(archive):
    assert next(iter_records(archive)).body() == GBK_PAGE


def test_redirect_keeps_both_urls(archive):
    r = next(iter_records(archive))
    assert (r.url, r.final_url, r.host) == ("http://a.gov.cn/r", "http://a.gov.cn/r2", "a.gov.cn")


def test_crawl_context_recorded(archive):
    r = next(iter_records(archive))
    assert (r.portal_id, r.kind, r.anchor_text, r.referer) == (
        "p1", "detail", "2019年报", "http://a.gov.cn/list.html")


def test_failure_recorded_without_body(archive):
    r = list(iter_records(archive))[1]
    assert (r.error.startswith("DNSLookupError"), r.sha256, r.body()) == (True, None, None)


def test_sha256_is_of_body(archive):
    import hashlib
    assert next(iter_records(archive)).sha256 == hashlib.sha256(GBK_PAGE).hexdigest()


def test_read_body_from_another_process(archive):
    rid = next(iter_records(archive)).record_id
    code = ("import sys; from crawler.archive import read_body; "
            "sys.stdout.buffer.write(read_body(sys.argv[1], sys.argv[2]))")
    out = subprocess.run([sys.executable, "-c", code, str(archive), rid], capture_output=True, check=True)
    assert out.stdout == GBK_PAGE


def test_unknown_record_raises(archive):
    with pytest.raises(ArchiveError):
        read_body(archive, "urn:uuid:nope")


def test_known_urls_keep_validators_of_good_fetches_only(archive):
    known = known_urls(archive)
    assert (list(known), known["http://a.gov.cn/r"].etag) == (["http://a.gov.cn/r"], '"v1"')


def test_index_rebuilt_from_warc_alone(archive):
    before = [(r.record_id, r.url, r.status, r.sha256, r.anchor_text) for r in iter_records(archive)]
    os.remove(archive / INDEX)
    assert [(r.record_id, r.url, r.status, r.sha256, r.anchor_text) for r in iter_records(archive)] == before


def test_truncated_last_record_tolerated(tmp_path):
    with ArchiveWriter(tmp_path) as w:
        w.add_response(url="http://a/1", final_url="http://a/1", status=200, headers=[], body=b"one")
        w.add_response(url="http://a/2", final_url="http://a/2", status=200, headers=[], body=b"two" * 500)
        warc = tmp_path / w.rel
    data = warc.read_bytes()
    warc.write_bytes(data[:-40])  # a crash in the middle of the last record
    os.remove(tmp_path / INDEX)
    assert rebuild_index(tmp_path) == 1


def test_missing_archive_is_a_clear_error(tmp_path):
    with pytest.raises(ArchiveError):
        list(iter_records(tmp_path / "nothing"))


def test_record_written_but_not_indexed_is_recovered(tmp_path):
    """A crash between the WARC write and the index insert: the next writer indexes it."""
    import sqlite3
    with ArchiveWriter(tmp_path) as w:
        w.add_response(url="http://a/1", final_url="http://a/1", status=200, headers=[], body=b"one")
        w.add_response(url="http://a/2", final_url="http://a/2", status=200, headers=[], body=b"two")
    con = sqlite3.connect(tmp_path / INDEX)
    con.execute("DELETE FROM fetches WHERE url = 'http://a/2'")
    con.commit()
    con.close()
    ArchiveWriter(tmp_path).close()
    assert [(r.url, r.body()) for r in iter_records(tmp_path)] == [("http://a/1", b"one"), ("http://a/2", b"two")]


def test_not_modified_has_no_body_hash(tmp_path):
    with ArchiveWriter(tmp_path) as w:
        w.add_response(url="http://a/1", final_url="http://a/1", status=304, headers=[], body=b"")
    r = next(iter_records(tmp_path))
    assert (r.status, r.sha256, r.body()) == (304, None, None)


def test_known_urls_of_an_index_another_crawler_is_still_creating_is_empty(tmp_path):
    import sqlite3
    sqlite3.connect(tmp_path / INDEX).close()  # the file exists, its tables not yet
    assert known_urls(tmp_path) == {}


def _open_at(directory, start: float, results) -> None:
    import time
    while time.time() < start:  # both processes open the new archive at the same instant
        pass
    try:
        ArchiveWriter(directory).close()
        results.put("ok")
    except Exception as exc:  # noqa: BLE001 - the failure is the finding
        results.put(f"{type(exc).__name__}: {exc}")


def test_two_crawlers_can_open_a_new_archive_at_the_same_instant(tmp_path):
    import multiprocessing
    import time
    ctx = multiprocessing.get_context("fork")
    outcomes = []
    for i in range(12):
        results, start = ctx.Queue(), time.time() + 0.2
        procs = [ctx.Process(target=_open_at, args=(tmp_path / str(i), start, results)) for _ in range(2)]
        for p in procs:
            p.start()
        outcomes += [results.get(timeout=60) for _ in procs]
        for p in procs:
            p.join()
    assert set(outcomes) == {"ok"}
