"""A harvest of the hostile portal (sampleportal.hostile): a real Prefect flow run, a real crawl
on loopback, the real parsers and a real DuckDB file. It ends on its own in bounded time, no
link reaches an address the policy forbids, and every attempt is a row of `pages`."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from flows.prefect_env import configure

configure(home=Path(tempfile.gettempdir()) / "govreports-test-prefect")

from crawler.archive import iter_records  # noqa: E402
from flows import harvest as flows_mod  # noqa: E402  (Prefect reads its settings at import)
from sampleportal.hostile import METADATA_URL, start_hostile_portal  # noqa: E402

DEADLINE = 3  # seconds per download (GOVREPORTS_LIMITS fetch_seconds), over a 1 s drip


@pytest.fixture(scope="module")
def harvested(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    db, archive = base / "warehouse.duckdb", base / "archive"
    old = os.environ.get("GOVREPORTS_LIMITS")
    os.environ["GOVREPORTS_LIMITS"] = f"fetch_seconds={DEADLINE}"  # the crawl subprocess inherits it
    try:
        with start_hostile_portal(drip_seconds=1.0) as net:
            start = time.monotonic()
            result = flows_mod.harvest(start_urls=[net.start_url], registry=str(net.registry_path),
                                       db=str(db), archive=str(archive), fast=True, workers=1)
            seconds = time.monotonic() - start
            hits = net.hit_urls()
            exp, internal = net.expected, net.netlocs["internal"]
    finally:
        if old is None:
            os.environ.pop("GOVREPORTS_LIMITS", None)
        else:
            os.environ["GOVREPORTS_LIMITS"] = old
    con = duckdb.connect(str(db), read_only=True)
    try:
        pages = con.execute("SELECT url, final_url, status, error FROM pages").fetchall()
        documents = dict(con.execute("SELECT url, is_annual_report FROM documents").fetchall())
    finally:
        con.close()
    return {"result": result, "seconds": seconds, "hits": hits, "exp": exp, "internal": internal,
            "pages": pages, "documents": documents, "records": list(iter_records(archive))}


def rows(h, url):
    return [(status, error) for u, _, status, error in h["pages"] if u == url]


def test_harvest_ends_on_its_own(harvested):
    assert harvested["result"]["status"] == "ok"


def test_harvest_ends_in_bounded_time(harvested):
    assert harvested["seconds"] < 120


def test_every_attempt_is_a_row_of_pages(harvested):
    assert len(harvested["pages"]) == len(harvested["records"])


def test_every_request_the_portal_saw_is_in_pages(harvested):
    recorded = {u for u, _, _, _ in harvested["pages"]} | {f for _, f, _, _ in harvested["pages"] if f}
    assert set(harvested["hits"]) - recorded == set()


def test_metadata_address_link_refused_and_recorded(harvested):
    assert rows(harvested, METADATA_URL) == [
        (None, "refused by the fetch policy: 169.254.169.254 is a link-local address the portal is not on")]


def test_every_forbidden_link_recorded_with_its_reason(harvested):
    assert [len(rows(harvested, u)) == 1 and rows(harvested, u)[0][1].startswith("refused by the fetch policy")
            for u in harvested["exp"]["refused"]] == [True] * 4


def test_internal_service_never_requested(harvested):
    assert [u for u in harvested["hits"] if harvested["internal"] in u] == []


def test_redirect_loop_recorded(harvested):
    [(status, error)] = rows(harvested, harvested["exp"]["loop"])
    assert status == 302 and error.startswith("cut off: redirect loop")


def test_redirect_to_a_page_requested_before_recorded(harvested):
    [(status, error)] = rows(harvested, harvested["exp"]["repeat"])
    assert status == 302 and error.startswith("redirect to a page requested before")


def test_gzip_bomb_cut_off_and_recorded(harvested):
    [(status, error)] = rows(harvested, harvested["exp"]["bomb"])
    assert status == 200 and error.startswith("cut off: gzip body larger than")


def test_slow_drip_cut_off_by_a_total_deadline(harvested):
    # one byte a second never leaves the connection idle: only a total deadline ends it
    errors = [e for s, e in rows(harvested, harvested["exp"]["drip"])]
    assert errors and all(f"took longer than {DEADLINE:.1f} seconds" in e for e in errors)


def test_fan_out_trap_stopped_by_link_structure(harvested):
    fanout = [u for u in harvested["hits"] if u.startswith(harvested["exp"]["fanout_prefix"])]
    assert 0 < len(fanout) <= 1 + 3 + 9 + 27


def test_calendar_trap_stopped(harvested):
    calendar = [u for u in harvested["hits"] if u.startswith(harvested["exp"]["calendar_prefix"])]
    assert 0 < len(calendar) <= 4


def test_calendar_trap_page_is_not_a_report(harvested):
    assert harvested["documents"][harvested["exp"]["calendar"]] is False


def test_honest_report_is_loaded(harvested):
    assert harvested["documents"][harvested["exp"]["report"]] is True
