"""Real crawls (`python -m crawler.run --fast` subprocesses) against the real sample portal."""
from __future__ import annotations

import json
import subprocess
from urllib.parse import urlsplit

import pytest

from crawler.archive import KINDS, iter_records
from crawler.run import crawl_argv
from sampleportal.server import start_sample_portal

REPO = __import__("pathlib").Path(__file__).resolve().parent.parent


def crawl(archive, portal, *, portals=None, **kw):
    argv = crawl_argv(archive, portals=portals or portal.portal_ids, fast=True,
                      registry=portal.registry_path, **kw)
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One portal, three crawls: full, full again after a page changed, huaian alone."""
    archive = tmp_path_factory.mktemp("archive")
    with start_sample_portal() as portal:
        first = crawl(archive, portal)
        n_first = len(list(iter_records(archive)))
        changed = portal.expected["portals"]["sample-xihu"]["reports"][0]
        portal.modify(changed)
        second = crawl(archive, portal)
        records = list(iter_records(archive))
        alone = tmp_path_factory.mktemp("alone")
        huaian = crawl(alone, portal, portals=["sample-huaian"])
        yield {"portal": portal, "expected": portal.expected, "first": first, "second": second,
               "rec1": records[:n_first], "rec2": records[n_first:], "changed": changed,
               "huaian": list(iter_records(alone)), "hits": list(portal.hits)}


def ok_urls(records):
    return {r.url for r in records if r.status == 200}


def sent(records):
    """Records of requests that were sent (refusals are archived too, never sent)."""
    return [r for r in records if not (r.error or "").startswith("refused")]


@pytest.mark.parametrize("pid", ["sample-xihu", "sample-sanyuan", "sample-gongshu", "sample-huaian",
                                 "sample-mirror"])
def test_every_report_found(run, pid):
    missing = set(run["expected"]["portals"][pid]["reports"]) - ok_urls(run["rec1"])
    assert missing == set()


def test_every_attachment_found(run):
    wanted = {u for p in run["expected"]["portals"].values() for u in p["attachments"]}
    assert wanted - ok_urls(run["rec1"]) == set()


def test_nothing_fetched_outside_allowed_hosts(run):
    exp = run["expected"]
    allowed = {p["host"] for p in exp["portals"].values()} | set(exp["attachment_hosts"])
    assert {r.host for r in sent(run["rec1"])} <= allowed


def test_attachment_host_only_serves_attachments_and_robots(run):
    files = run["expected"]["attachment_hosts"][0]
    assert {r.kind for r in run["rec1"] if r.host == files} <= {"attachment", "robots"}


def test_offsite_report_link_not_followed(run):
    offsite = set(run["expected"]["portals"]["sample-huaian"]["offsite"])
    assert offsite & {r.url for r in sent(run["huaian"])} == set()


def test_offsite_report_link_recorded_as_refused_by_policy(run):
    offsite = set(run["expected"]["portals"]["sample-huaian"]["offsite"])
    assert [(r.status, r.error.split(":")[0]) for r in run["huaian"] if r.url in offsite] == \
        [(None, "refused by the fetch policy")]


def test_single_portal_crawl_stays_on_its_host(run):
    host = run["expected"]["portals"]["sample-huaian"]["host"]
    assert {r.host for r in sent(run["huaian"])} == {host}


def test_calendar_trap_ends(run):
    trap = run["expected"]["portals"]["sample-huaian"]["trap_prefix"]
    assert 0 < sum(r.url.startswith(trap) for r in run["rec1"]) <= 3


def test_crawl_finishes_normally(run):
    assert run["first"]["finish_reason"] == "finished"


def test_transient_503_retried_to_success(run):
    url = run["expected"]["portals"]["sample-sanyuan"]["flaky"][0]
    assert [r.status for r in run["rec1"] if r.url == url] == [503, 200]


def test_slow_page_fetched(run):
    url = run["expected"]["portals"]["sample-sanyuan"]["slow"][0]
    assert url in ok_urls(run["rec1"])


def test_dead_link_recorded_as_404(run):
    url = run["expected"]["portals"]["sample-gongshu"]["dead_links"][0]
    assert [r.status for r in run["rec1"] if r.url == url] == [404]


def test_robots_disallowed_page_never_requested(run):
    path = urlsplit(run["expected"]["portals"]["sample-xihu"]["robots_disallowed"][0]).path
    assert not any(h.path == path for h in run["hits"])


def test_robots_txt_archived(run):
    assert any(r.kind == "robots" for r in run["rec1"])


def test_duplicate_report_in_second_column_found(run):
    copies = [r["url"] for r in run["expected"]["reports"] if r.get("duplicate_of")]
    assert copies and set(copies) <= ok_urls(run["rec1"])


def test_gbk_listing_with_conflicting_charsets_followed(run):
    pages = {urlsplit(r.url).path.rsplit("/", 1)[-1] for r in run["rec1"]
             if r.portal_id == "sample-huaian" and r.kind == "listing" and r.status == 200}
    assert {"list.html", "list_2.html", "list_3.html"} <= pages


def test_hanweb_records_beyond_first_screen_found(run):
    urls = ok_urls(run["rec1"])
    reports = run["expected"]["portals"]["sample-sanyuan"]["reports"]
    assert all(u in urls for u in reports[5:]) and len(reports) > 5


def test_records_have_kind_and_time(run):
    assert all(r.kind in KINDS and r.fetched_at for r in run["rec1"])


def test_summary_line_has_contract_keys(run):
    assert {"pages_fetched", "errors", "not_modified", "skipped_known", "portals"} <= set(run["first"])


def test_summary_counts_the_404_as_error(run):
    assert run["first"]["errors"] >= 1


# ----------------------------------------------------------------------------- incremental
def test_second_run_requests_every_listing_again(run):
    first = {r.url for r in run["rec1"] if r.kind == "listing" and r.status == 200}
    second = {r.url for r in run["rec2"] if r.kind == "listing" and r.status in (200, 304)}
    assert first - second == set()


def test_unchanged_listing_with_validators_answers_304(run):
    host = run["expected"]["portals"]["sample-xihu"]["host"]
    assert {r.status for r in run["rec2"] if r.kind == "listing" and r.host == host} == {304}


def test_listing_without_validators_fetched_in_full(run):
    host = run["expected"]["portals"]["sample-huaian"]["host"]
    assert {r.status for r in run["rec2"] if r.kind == "listing" and r.host == host} == {200}


def test_second_run_fetches_no_unchanged_detail_page(run):
    again = {r.url for r in run["rec2"] if r.kind in ("detail", "attachment") and r.status == 200}
    assert again == {run["changed"]}


def test_changed_page_archived_as_new_version(run):
    versions = [r.sha256 for r in run["rec1"] + run["rec2"] if r.url == run["changed"] and r.status == 200]
    assert len(versions) == 2 and versions[0] != versions[1]


def test_second_run_uses_conditional_requests(run):
    assert run["second"]["not_modified"] > 0


def test_second_run_skips_known_pages_without_validators(run):
    assert run["second"]["skipped_known"] > 0


def test_304_recorded_in_archive(run):
    assert any(r.status == 304 for r in run["rec2"])


def test_second_run_sends_validators_for_non_ascii_attachment_url(tmp_path):
    """An attachment whose href is written with raw UTF-8 is looked up in the archive under
    the percent-encoded URL Scrapy fetched, so its detail page changing does not refetch it."""
    with start_sample_portal() as portal:
        crawl(tmp_path, portal, portals=["sample-xihu"])
        n = len(list(iter_records(tmp_path)))
        page = next(r for r in portal.expected["reports"] if r["portal_id"] == "sample-xihu" and r["attachments"])
        portal.modify(page["url"])
        crawl(tmp_path, portal, portals=["sample-xihu"])
        again = [r.status for r in list(iter_records(tmp_path))[n:] if r.kind == "attachment"]
    assert again == [304]


def test_summary_lists_linked_years_per_portal(run):
    expected = sorted({r["year"] for r in run["expected"]["reports"] if r["portal_id"] == "sample-gongshu"}
                      | {2016})  # the dead 2016 link is linked too
    assert run["first"]["years_linked"]["sample-gongshu"] == expected


def test_summary_reports_no_missing_year_when_all_linked(run):
    assert "sample-xihu" not in run["first"]["years_missing"]
