"""Link discovery and listing parsers on frozen HTML fixtures (no network)."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler import cms
from crawler.discover import (Anchor, anchors, links_to_follow, decode_page, is_attachment, looks_like_report,
                              may_link_attachment)
from transforms.years import year_in

FIX = Path(__file__).parent / "fixtures" / "crawler"
BASE = "http://www.example.gov.cn/zwgk/ndbg/index.html"


def read(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


def links_of(name: str, url: str = BASE, **kw):
    return links_to_follow(anchors(read(name), url), **kw)


# ----------------------------------------------------------------------------- TRS
def test_trs_page_count_read_through_script_variables():
    assert cms.trs_page_info(read("trs_listing_vars.html")) == (7, 0, "index", "html")


def test_trs_pages_are_index_1_to_n_minus_1():
    urls = [p.url for p in cms.trs_pages(read("trs_listing_vars.html"), BASE)]
    assert urls == [f"http://www.example.gov.cn/zwgk/ndbg/index_{i}.html" for i in range(1, 7)]


def test_trs_literal_call_with_element_id_and_record_count():
    assert cms.trs_page_info(read("trs_listing_literal.html")) == (4, 2, "index", "shtml")


def test_trs_lazy_mode_asks_only_for_the_next_page():
    urls = [p.url for p in cms.trs_pages(read("trs_listing_literal.html"), BASE, eager=False)]
    assert urls == ["http://www.example.gov.cn/zwgk/ndbg/index_3.shtml"]


def test_trs_truncated_anchor_text_uses_title_attribute():
    texts = [l.text for l in links_of("trs_listing_vars.html") if l.kind == "detail"]
    assert texts == ["某区2023年政府信息公开工作年度报告", "某区2022年政府信息公开工作年度报告"]


def test_page_without_createpagehtml_has_no_trs_pages():
    assert cms.trs_pages(read("gd_listing.html"), BASE) == []


# ----------------------------------------------------------------------------- Hanweb
def test_hanweb_embedded_records_give_report_links():
    found = cms.hanweb_records(read("hanweb_column.html"), "https://www.zj.gov.cn/col/col1229019364/index.html")
    reports = [l.url for l in links_to_follow(found) if l.kind == "detail"]
    assert reports == ["https://www.zj.gov.cn/art/2024/1/31/art_1229019364_2508900.html",
                       "https://www.zj.gov.cn/art/2023/1/31/art_1229019364_2450001.html"]


def test_hanweb_proxy_params_come_from_nextgroup_link():
    base, params, total, per = cms.hanweb_proxy(read("hanweb_column.html"),
                                                "https://www.zj.gov.cn/col/col1229019364/index.html")
    assert (base, params["columnid"], params["unitid"], total, per) == (
        "https://www.zj.gov.cn/module/jpage/dataproxy.jsp", "1229019364", "8806", 95, 20)


def test_hanweb_requests_cover_all_records_in_batches_of_three_pages():
    reqs = cms.hanweb_requests(read("hanweb_column.html"), "https://www.zj.gov.cn/col/col1229019364/index.html")
    assert [r.url.split("?")[1] for r in reqs] == [
        "startrecord=1&endrecord=60&perpage=20", "startrecord=61&endrecord=120&perpage=20"]


def test_hanweb_requests_are_posts_with_column_form():
    req = cms.hanweb_requests(read("hanweb_column.html"), "https://www.zj.gov.cn/col/col1229019364/index.html")[0]
    assert (req.method, dict(req.formdata)["columnid"]) == ("POST", "1229019364")


def test_hanweb_dataproxy_records_parsed_from_cdata():
    found = cms.hanweb_records(read("hanweb_dataproxy.xml"), "https://www.zj.gov.cn/module/jpage/dataproxy.jsp")
    years = sorted(l.year for l in links_to_follow(found) if l.kind == "detail")
    assert years == [2010, 2011]


def test_hanweb_next_batch_from_totalrecord():
    url = "https://www.zj.gov.cn/module/jpage/dataproxy.jsp?startrecord=1&endrecord=60&perpage=20"
    nxt = cms.hanweb_next(read("hanweb_dataproxy.xml"), url, {"columnid": "1"})
    assert [r.url.split("?")[1] for r in nxt] == ["startrecord=61&endrecord=120&perpage=20"]


def test_hanweb_next_stops_after_last_record():
    url = "https://www.zj.gov.cn/module/jpage/dataproxy.jsp?startrecord=61&endrecord=120&perpage=20"
    assert cms.hanweb_next(read("hanweb_dataproxy.xml"), url, {}) == []


# ----------------------------------------------------------------------------- generic / GD
def test_next_page_link_found_on_gbk_page_declared_gb2312():
    text = decode_page((FIX / "next_page_gbk.html").read_bytes(), "text/html")
    pages = [l.url for l in links_to_follow(anchors(text, "http://x.gov.cn/xxgk/list.html")) if l.kind == "listing"]
    assert "http://x.gov.cn/xxgk/list.html?page=3" in pages


def test_gbk_only_characters_decoded_on_gb2312_page():
    text = decode_page((FIX / "next_page_gbk.html").read_bytes(), "text/html; charset=gb2312")
    assert "镕基县2018年" in text


def test_utf8_body_wins_over_wrong_gbk_header():
    body = "<html><body>2019年政府信息公开工作年度报告</body></html>".encode("utf-8")
    assert "政府信息公开工作年度报告" in decode_page(body, "text/html; charset=gbk")


def test_gbk_body_with_utf8_header_decoded_by_meta():
    body = '<meta charset="gbk"><a href="a.html">2019年政府信息公开工作年度报告</a>'.encode("gbk")
    assert "年度报告" in decode_page(body, "text/html; charset=utf-8")


def test_links_of_a_page_nested_past_the_parser_depth_limit_are_found():
    page = "<html><body>" + "<div>" * 300 + '<a href="/a/1.html">某局2022年政府信息公开工作年度报告</a>' + \
        "</div>" * 300 + "</body></html>"
    assert [a.url for a in anchors(page, "http://x.gov.cn/")] == ["http://x.gov.cn/a/1.html"]


def test_gd_listing_numbered_pages_and_next():
    pages = {l.url.rsplit("/", 1)[1] for l in links_of("gd_listing.html") if l.kind == "listing"}
    assert pages == {"index_2.html", "index_3.html", "index_9.html"}


def test_gd_listing_report_links_drop_fragment():
    details = [l.url for l in links_of("gd_listing.html") if l.kind == "detail"]
    assert details[0] == "https://www.example.gov.cn/gkmlpt/content/4/4350/post_4350123.html"


def test_gd_listing_pdf_report_is_attachment():
    kinds = {l.url.rsplit("/", 1)[1]: l.kind for l in links_of("gd_listing.html")}
    assert kinds["3950456.pdf"] == "attachment"


def test_unrelated_links_not_followed():
    urls = {l.url for l in links_of("gd_listing.html")}
    assert "http://www.gov.cn/" not in urls


def test_home_page_column_link_found_through_base_href():
    links = links_of("home_page.html", "http://www.example.gov.cn/")
    assert [(l.url, l.kind) for l in links] == [
        ("http://www.example.gov.cn/portal/zwgk/xxgkndbg/index.html", "listing")]


# ----------------------------------------------------------------------------- detail pages
def test_detail_page_attachments_of_every_type():
    links = links_of("detail_with_attachments.html", "http://www.example.gov.cn/art/2022/1/28/art_1_1.html",
                     on_detail=True)
    exts = sorted(l.url.rsplit(".", 1)[1] for l in links if l.kind == "attachment")
    assert exts == ["doc", "docx", "pdf", "wps"]


def test_detail_page_follows_no_related_links_nor_pagination():
    links = links_of("detail_with_attachments.html", "http://www.example.gov.cn/art/2022/1/28/art_1_1.html",
                     on_detail=True)
    assert [l.url for l in links if l.kind != "attachment"] == []


# ----------------------------------------------------------------------------- small classifiers
@pytest.mark.parametrize("text,year", [("2017年度西湖区政府信息公开工作年度报告", 2017),
                                       ("三元区 2018 年政府信息公开工作年度报告", 2018),
                                       ("二〇一六年政府信息公开工作年度报告", 2016),
                                       ("政府信息公开年报", None)])
def test_year_in_link_text(text, year):
    assert year_in(text, bare=True) == year


@pytest.mark.parametrize("text,ok", [("2018年富陽區信息公開工作年度報告", True),
                                     ("浙江省2017年政府信息公开工作年度报告", True),
                                     ("2023年国民经济和社会发展统计公报", False),
                                     ("区政府工作报告", False)])
def test_looks_like_report(text, ok):
    assert looks_like_report(text) is ok


def test_attachment_named_in_query_string():
    assert is_attachment("http://x.gov.cn/module/download/downfile.jsp?classid=0&filename=a.PDF")


def test_html_page_is_not_attachment():
    assert not is_attachment("http://x.gov.cn/art/2020/1/1/art_1_1.html")


def test_javascript_and_mail_links_skipped():
    found = anchors('<a href="javascript:void(0)">x</a><a href="mailto:a@b">y</a><a href="#top">z</a>',
                    "http://x.gov.cn/")
    assert found == []


def test_attachment_precheck_sees_attachment_href():
    assert may_link_attachment(read("detail_with_attachments.html"))


def test_attachment_precheck_false_without_attachments():
    assert not may_link_attachment(read("gd_listing.html").replace(".pdf", ".html"))


@pytest.mark.parametrize("value,seconds", [(b"7", 7.0), (None, None), (b"soon", None)])
def test_retry_after_header(value, seconds):
    from crawler.middlewares import _retry_after_seconds
    assert _retry_after_seconds(value) == seconds


def test_hub_link_found_by_whole_text():
    from crawler.discover import hub_links
    found = [Anchor("http://x.gov.cn/zwgk/", "政府信息公开"), Anchor("http://x.gov.cn/a", "政府信息公开指南")]
    assert [l.url for l in hub_links(found)] == ["http://x.gov.cn/zwgk/"]


def test_generic_anchor_text_takes_the_row_text():
    page = ('<table><tr><td>某区2019年政府信息公开工作年度报告</td><td>2020-01-20</td>'
            '<td><a href="/a/1.html">查看</a></td></tr></table>')
    links = links_to_follow(anchors(page, "http://x.gov.cn/list.html"))
    assert [(l.url, l.year) for l in links] == [("http://x.gov.cn/a/1.html", 2019)]


def test_page_number_keeps_its_own_text():
    page = '<ul><li>某区2019年政府信息公开工作年度报告 <a href="list_2.html">2</a></li></ul>'
    assert [a.text for a in anchors(page, "http://x.gov.cn/list.html")] == ["2"]


def test_year_in_brackets_read():
    assert year_in("政府信息公开工作年度报告（2019）", bare=True) == 2019


def test_dates_are_not_bare_years():
    assert year_in("发布于2020-01-20", bare=True) is None


def test_annual_word_with_year_is_a_report_without_scope_words():
    assert looks_like_report("区财政局2019年度报告")


def test_government_work_report_is_not_an_annual_disclosure_report():
    assert not looks_like_report("2019年政府工作报告")


def test_hanweb_params_declared_before_the_proxy_url():
    base, params, total, per = cms.hanweb_proxy(read("hanweb_column_params_first.html"),
                                                "https://www.example.gov.cn/col/col1229019364/index.html")
    assert (base.endswith("/module/web/jpage/dataproxy.jsp"), params["columnid"], params["unitid"],
            total, per) == (True, "1229019364", "4846986", 31, 15)
