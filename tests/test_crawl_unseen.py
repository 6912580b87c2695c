"""Crawls of a second portal network laid out unlike the bundled sample portal
(sampleportal.unseen): hub > 年度报告 > nested columns, <ul>/<table> listings, truncated and
scripted links, ?page=/&pageIndex= pagination, attachment-only details, 500s, redirects, an
oversized file, an outside host and notices about reports. Plus the discovery rules they need."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from crawler.archive import iter_records
from crawler.discover import (Anchor, Link, anchors, links_to_follow, hub_links, is_page_link, listing_in_disguise,
                              looks_like_report, may_link_attachment, script_redirect, script_url, wants_hub)
from crawler.spiders.reports import _start_hosts
from crawler.run import crawl_argv
from sampleportal.unseen import start_unseen_portal

REPO = Path(__file__).resolve().parent.parent


def _crawl(archive, start_url, registry=None):
    argv = crawl_argv(archive, start_urls=[start_url], fast=True, registry=registry)
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Registry crawl twice (second is incremental), then a bare --start-url crawl."""
    archive = tmp_path_factory.mktemp("unseen")
    bare = tmp_path_factory.mktemp("unseen-bare")
    moved = tmp_path_factory.mktemp("unseen-moved")
    with start_unseen_portal() as net:
        first = _crawl(archive, net.start_url, net.registry_path)
        rec1 = list(iter_records(archive))
        hits1 = net.hit_urls()
        second = _crawl(archive, net.start_url, net.registry_path)
        rec2 = list(iter_records(archive))[len(rec1):]
        n_hits = len(net.hit_urls())
        third = _crawl(bare, net.root_url)  # the site root forwards to the home page by script
        n_bare = len(net.hit_urls())
        _crawl(moved, net.expected["moved_url"])  # an old address, 301 to the main host
        yield {"exp": net.expected, "first": first, "second": second, "third": third,
               "rec1": rec1, "rec2": rec2, "hits": net.hit_urls()[:n_bare], "hits1": hits1,
               "bare": list(iter_records(bare)), "bare_hits": net.hit_urls()[n_hits:n_bare],
               "moved": list(iter_records(moved)), "moved_hits": net.hit_urls()[n_bare:]}


def fetched(records):
    out = set()
    for r in records:
        if r.status == 200:
            out |= {r.url, r.final_url}
    return out


# ----------------------------------------------------------------------------- whole crawls
def test_every_report_found(run):
    assert set(run["exp"]["reports"]) - fetched(run["rec1"]) == set()


def test_every_attachment_found(run):
    assert set(run["exp"]["attachments"]) - fetched(run["rec1"]) == set()


def test_outside_host_never_requested(run):
    outside = run["exp"]["hosts"]["outside"]
    assert not [u for u in run["hits"] if f"//{outside}/" in u]


def test_notices_and_website_reports_not_fetched(run):
    assert set(run["exp"]["never"]) & set(run["hits"]) == set()


def test_crawl_ends_normally(run):
    assert [run["first"]["finish_reason"], run["second"]["finish_reason"]] == ["finished", "finished"]


def test_permanent_500_retried_a_bounded_number_of_times(run):
    url = run["exp"]["failing"][0]
    assert [r.status for r in run["rec1"] if r.url == url] == [500] * 4


def test_oversized_file_recorded_as_failure_not_body(run):
    url = run["exp"]["huge"][0]
    assert [(r.status, r.error is not None) for r in run["rec1"] if r.url == url] == [(None, True)]


def test_redirect_to_second_allowed_host_archived_under_link_url(run):
    mirror = run["exp"]["hosts"]["mirror"]
    assert any(r.status == 200 and f"//{mirror}/" in r.final_url and r.url != r.final_url
               for r in run["rec1"])


def test_second_run_fetches_no_unchanged_report_again(run):
    again = [r.url for r in run["rec2"] if r.kind in ("detail", "attachment") and r.status == 200]
    assert again == []


def test_second_run_still_walks_listings(run):
    assert run["second"]["not_modified"] > 0


def test_bare_start_url_finds_reports_on_its_host(run):
    main = run["exp"]["hosts"]["main"]
    wanted = {u for u in run["exp"]["reports"] + run["exp"]["attachments"] if f"//{main}/" in u}
    assert wanted - fetched(run["bare"]) == set()


def test_bare_start_url_stays_on_its_host(run):
    main = run["exp"]["hosts"]["main"]
    assert {u.split("/")[2] for u in run["bare_hits"]} == {main}


# ----------------------------------------------------------------------------- rules
PAGE = "http://x.gov.cn/zwgk/ndbg/list.html"


def test_javascript_window_open_href_is_a_link():
    found = anchors("<a href=\"javascript:window.open('../a/1.html')\">某局2022年政府信息公开工作年度报告</a>", PAGE)
    assert [a.url for a in found] == ["http://x.gov.cn/zwgk/a/1.html"]


def test_onclick_on_anchor_with_void_href_is_a_link():
    found = anchors("<a href=\"javascript:void(0)\" onclick=\"window.open('/a/2.html')\">x</a>", PAGE)
    assert [a.url for a in found] == ["http://x.gov.cn/a/2.html"]


def test_onclick_on_list_item_is_a_link_with_its_text():
    found = anchors("<ul><li onclick=\"location.href='/a/3.html'\">某局2021年度报告<span>2022-01-02</span>"
                    "</li></ul>", PAGE)
    assert [(a.url, a.text) for a in found] == [("http://x.gov.cn/a/3.html", "某局2021年度报告2022-01-02")]


def test_script_download_call_with_file_path_is_a_link():
    assert script_url("javascript:downLoadFile('/u/2022/nb.wps')") == "/u/2022/nb.wps"


def test_script_without_url_is_no_link():
    assert script_url("javascript:window.print()") is None


def test_onclick_on_large_block_is_not_a_link():
    text = "某局2021年政府信息公开工作年度报告" * 10
    assert anchors(f"<div onclick=\"window.open('/a/4.html')\">{text}</div>", PAGE) == []


def test_detail_precheck_sees_scripted_attachment():
    assert may_link_attachment("<span onclick=\"window.open('../../u/nb2022.docx')\">全文</span>")


def test_notice_about_reports_is_not_a_report():
    assert not looks_like_report("关于做好2023年政府信息公开工作年度报告编制发布工作的通知")


def test_report_announcement_is_still_a_report():
    assert looks_like_report("某县2023年政府信息公开工作年度报告的公告")


def test_news_items_naming_a_report_do_not_hide_the_hub():
    links = links_to_follow([Anchor("http://x.gov.cn/news/1.html", "县政府召开2023年政府信息公开工作年度报告编制培训会")])
    assert wants_hub(links)


def test_start_page_with_report_column_skips_hub():
    assert not wants_hub([Link("http://x.gov.cn/ndbg/", "年度报告", "listing")])


def test_start_page_listing_many_reports_skips_hub():
    links = [Link(f"http://x.gov.cn/a/{y}.html", f"{y}年政府信息公开工作年度报告", "detail", y)
             for y in (2019, 2020, 2021)]
    assert not wants_hub(links)


def test_download_link_named_by_file_text_is_attachment_on_detail():
    links = links_to_follow([Anchor("http://x.gov.cn/module/download.jsp?fileid=7", "某局2022年年报全文.pdf")],
                     on_detail=True)
    assert [l.kind for l in links] == ["attachment"]


def test_other_page_links_on_detail_still_ignored():
    links = links_to_follow([Anchor("http://x.gov.cn/a/9.html", "某局2021年政府信息公开工作年度报告")], on_detail=True)
    assert links == []


@pytest.mark.parametrize("href", ["list.jsp?catid=3&pn=2", "index-2.html", "list.do?page_no=3"])
def test_numbered_page_link_styles(href):
    assert is_page_link(Anchor(f"http://x.gov.cn/col/{href}", "2"))


def test_bare_www_start_url_admits_its_domain_subhosts():
    assert _start_hosts("www.x.gov.cn") == ["www.x.gov.cn", "x.gov.cn"]


def test_bare_start_url_with_port_is_exact():
    assert _start_hosts("127.0.0.1:8080") == ["127.0.0.1:8080"]


def test_www_of_a_short_domain_is_not_widened():
    assert _start_hosts("www.gov.cn") == ["www.gov.cn"]


def test_script_only_page_forwards_to_its_target():
    page = "<html><head><script>window.location.href='/col/col1/index.html';</script></head></html>"
    assert script_redirect(page, "http://x.gov.cn/") == "http://x.gov.cn/col/col1/index.html"


def test_page_without_script_forward_has_none():
    assert script_redirect("<html><body><p>x</p></body></html>", "http://x.gov.cn/") is None


@pytest.mark.parametrize("text", ["某区司法局2023年法治政府建设年度报告", "某区人民政府门户网站2023年度工作年度报告",
                                  "某县2022年统计年报"])
def test_other_annual_reports_are_not_reports(text):
    assert not looks_like_report(text)


def test_department_annual_report_without_scope_words_is_a_report():
    assert looks_like_report("某区司法局2023年度报告")


def test_year_only_link_to_listing_is_a_year_column():
    links = links_to_follow([Anchor("http://x.gov.cn/ndbg/2021/", "2021年度")])
    assert [(l.kind, l.year) for l in links] == [("listing", 2021)]


def test_year_only_link_to_article_is_ignored():
    assert links_to_follow([Anchor("http://x.gov.cn/art/2021/5/1/art_3.html", "2021年")]) == []


def test_report_link_to_listing_of_reports_is_a_listing():
    links = [Link(f"http://x.gov.cn/a/{i}.html", f"某局{i}2021年政府信息公开工作年度报告", "detail", 2021)
             for i in range(2)]
    assert listing_in_disguise(links, "http://x.gov.cn/ndbg/hz2021/index.html")


def test_article_with_related_reports_is_not_a_listing():
    links = [Link(f"http://x.gov.cn/a/{i}.html", f"某局{i}2021年政府信息公开工作年度报告", "detail", 2021)
             for i in range(5)]
    assert not listing_in_disguise(links, "http://x.gov.cn/art/2022/1/3/art_9_1.html")


def test_hub_link_with_decorations_found():
    found = [Anchor("http://x.gov.cn/zwgk/", "·政府信息公开>>")]
    assert [l.url for l in hub_links(found)] == ["http://x.gov.cn/zwgk/"]


def test_redirect_off_the_portal_is_archived_as_refused(run):
    outside = run["exp"]["hosts"]["outside"]
    refused = [r for r in run["rec1"] if r.url.endswith("/go/art_1_108.html")]
    assert [(r.status, f"to a host not allowed: http://{outside}/" in (r.error or ""))
            for r in refused] == [(None, True)]


def test_start_url_that_moved_to_another_host_is_followed_there(run):
    main = run["exp"]["hosts"]["main"]
    wanted = {u for u in run["exp"]["reports"] if f"//{main}/" in u}
    assert wanted - fetched(run["moved"]) == set()


def test_start_url_that_moved_never_reaches_the_outside_host(run):
    outside = run["exp"]["hosts"]["outside"]
    assert not [u for u in run["moved_hits"] if f"//{outside}/" in u]
