"""HTML pages to blocks: the body container, tables in reading order, title, date, no-body errors."""
from pathlib import Path

import pytest

from sampleportal.page_templates import STYLES, render_detail_page, text_to_body_html
from transforms.errors import ExtractError
from transforms.sources.html_body import html_to_rawpage

PAGES = Path(__file__).parent / "fixtures" / "pages"
TITLE = "青山区2019年政府信息公开工作年度报告"
REPORT = (f"{TITLE}\n一、总体情况\n2019年，全区共主动公开政府信息5321条，其中政府网站公开4210条。\n"
          "二、收到和处理政府信息公开申请情况\n指标\t自然人\t总计\n本年新收\t40\t45\n"
          "三、存在的主要问题及改进情况\n一是公开质量有待提高；二是队伍建设有待加强。\n青山区人民政府办公室\n2020年1月15日")


def page(name: str):
    return html_to_rawpage((PAGES / name).read_bytes())


def rendered(style: str, **kw):
    return html_to_rawpage(render_detail_page(TITLE, text_to_body_html(REPORT), style=style, **kw))


@pytest.mark.parametrize("style", [s for s in STYLES if s != "gambling_mirror"])
def test_each_template_body_found_by_a_cms_container(style):
    assert rendered(style).meta["body_from"] == "container"


@pytest.mark.parametrize("style", STYLES)
def test_each_template_keeps_the_table_between_its_paragraphs(style):
    blocks = rendered(style).blocks
    table_at = next(i for i, b in enumerate(blocks) if b.is_table)
    assert blocks[table_at - 1].text.startswith("二、") and blocks[table_at + 1].text.startswith("三、")


@pytest.mark.parametrize("style", ["trs", "hanweb", "generic"])
def test_site_menus_are_not_in_the_body(style):
    assert not any("区长信箱" in b.text for b in rendered(style).blocks)


def test_related_list_inside_the_container_is_dropped():
    assert not any("相关文章" in b.text for b in rendered("generic").blocks)


def test_share_bar_inside_the_container_is_dropped():
    assert not any("分享到" in b.text for b in rendered("generic").blocks)


def test_hidden_spam_links_are_not_read():
    assert not any("百家乐" in b.text for b in rendered("gambling_mirror").blocks)


def test_title_from_meta_article_title():
    assert rendered("trs").title == TITLE


def test_title_from_h1_when_no_meta():
    assert rendered("generic").title == TITLE


def test_title_from_head_title_without_site_name():
    raw = ("<html><head><title>青山区2019年政府信息公开工作年度报告_青山区人民政府</title></head><body>"
           "<div class='content'><p>2019年，全区共主动公开政府信息5321条，其中政府网站公开4210条，政务微博发布300条。</p>"
           "</div></body></html>").encode("utf-8")
    assert html_to_rawpage(raw).title == TITLE


def test_title_is_prepended_when_the_body_lacks_it():
    raw = render_detail_page(TITLE, text_to_body_html(REPORT.split("\n", 1)[1]), style="guangdong")
    assert html_to_rawpage(raw).blocks[0].text == TITLE


def test_published_date_from_meta():
    assert rendered("trs", published="2020-01-16").meta["published_date"] == "2020-01-16"


def test_published_date_printed_on_the_page():
    assert rendered("generic", published="2020-01-17").meta["published_date"] == "2020-01-17"


def test_unknown_template_falls_back_to_generic_extraction():
    raw = render_detail_page(TITLE, text_to_body_html(REPORT), style="guangdong").replace(b"article_content", b"qwe")
    rp = html_to_rawpage(raw)
    assert rp.meta["body_from"] == "generic" and any("5321条" in b.text for b in rp.blocks)


def test_generic_extraction_keeps_the_table_grid():
    raw = render_detail_page(TITLE, text_to_body_html(REPORT), style="guangdong").replace(b"article_content", b"qwe")
    assert [["指标", "自然人", "总计"], ["本年新收", "40", "45"]] in [b.table for b in html_to_rawpage(raw).blocks]


def test_script_only_page_has_no_body():
    with pytest.raises(ExtractError, match="no body text"):
        page("www.example-shell.gov.cn.script-only.html")


def test_empty_html_has_no_body():
    with pytest.raises(ExtractError):
        html_to_rawpage(b"<html><body></body></html>")


def test_xml_declaration_is_accepted():
    raw = ('<?xml version="1.0" encoding="utf-8"?>' + render_detail_page(TITLE, text_to_body_html(REPORT), style="hanweb").decode()).encode()
    assert any("5321条" in b.text for b in html_to_rawpage(raw).blocks)


# ---- frozen fixtures -------------------------------------------------------------------------

def test_fixture_gbk_lying_meta_body_text():
    assert any("王堃同志分管政府信息公开工作" in b.text for b in page("www.rongcheng.gov.cn.gbk-lying-meta.html").blocks)


def test_fixture_gbk_lying_meta_title():
    assert page("www.rongcheng.gov.cn.gbk-lying-meta.html").title == "镕城区2019年政府信息公开工作年度报告"


def test_fixture_gbk_lying_meta_printed_date():
    assert page("www.rongcheng.gov.cn.gbk-lying-meta.html").meta["published_date"] == "2020-01-15"


def test_fixture_gbk_lying_meta_table_grid():
    grid = next(b.table for b in page("www.rongcheng.gov.cn.gbk-lying-meta.html").blocks if b.is_table)
    assert grid[4] == ["三、本年度办理结果", "（一）予以公开", "20", "3", "23"]


def test_fixture_gbk_lying_meta_footer_not_in_body():
    assert not any("ICP备" in b.text for b in page("www.rongcheng.gov.cn.gbk-lying-meta.html").blocks)


def test_fixture_nested_layout_tables_give_two_data_tables():
    assert sum(b.is_table for b in page("xxgk.qingshan.gov.cn.nested-tables.html").blocks) == 2


def test_fixture_nested_tables_in_reading_order():
    texts = [b.text for b in page("xxgk.qingshan.gov.cn.nested-tables.html").blocks]
    first = next(i for i, t in enumerate(texts) if t.startswith("第二十条"))
    assert texts[first - 1] == "二、主动公开政府信息情况" and texts[first + 1] == "三、收到和处理政府信息公开申请情况"


def test_fixture_nested_tables_menu_cell_not_in_body():
    assert not any("机构职能" in b.text for b in page("xxgk.qingshan.gov.cn.nested-tables.html").blocks)


def test_fixture_big5_without_charset():
    assert any("富陽區深入貫徹落實" in b.text for b in page("www.fuyang.gov.cn.big5-no-charset.html").blocks)


def test_column_heading_with_title_class_is_not_the_title():
    raw = ("<html><head><title>青山区2019年政府信息公开工作年度报告_青山区人民政府</title></head><body>"
           "<div class='title'>政府信息公开年报</div><div class='content'><h2>青山区2019年政府信息公开工作年度报告</h2>"
           "<p>2019年，全区共主动公开政府信息5321条，其中政府网站公开4210条，政务微博发布300条。</p>"
           "</div></body></html>").encode("utf-8")
    assert html_to_rawpage(raw).title == TITLE


@pytest.mark.parametrize("style", ["display:none", "position:absolute;left:-9999px", "font-size:0"])
def test_hidden_injected_links_are_not_read(style):
    raw = ("<html><body><div class='TRS_Editor'>"
           f"<div style='{style}'><a href='http://x.example/'>澳门新葡京娱乐场官网</a></div>"
           "<p>2019年，全区共主动公开政府信息5321条，其中政府网站公开4210条，政务微博发布300条。</p>"
           "</div></body></html>").encode("utf-8")
    assert not any("葡京" in b.text for b in html_to_rawpage(raw).blocks)


def test_hidden_text_is_dropped_before_generic_extraction():
    raw = ("<html><body><div class='qwe'><span style='display:none'>澳门新葡京娱乐场官网</span>"
           "<p>2019年，全区共主动公开政府信息5321条，其中政府网站公开4210条，政务微博发布300条。</p>"
           "</div></body></html>").encode("utf-8")
    assert not any("葡京" in b.text for b in html_to_rawpage(raw).blocks)


def test_body_hidden_until_a_script_shows_it_is_read():
    para = "2019年，全区共主动公开政府信息5321条，其中政府网站公开4210条，政务微博发布300条。"
    paragraphs = "".join(f"<p>第{i}项工作：{para}</p>" for i in range(10))
    raw = f"<html><body><div id='zoom' style='display:none'>{paragraphs}</div></body></html>".encode("utf-8")
    assert any("5321条" in b.text for b in html_to_rawpage(raw).blocks)


# ---- unseen templates: table layouts, copy sites, mirrors (frozen fixtures) ----------------

def extracted(name: str):
    from transforms.extract import extract
    return extract((PAGES / name).read_bytes())


LAYOUT = "www.yangliu.gov.cn.layout-related-first.html"
FARM = "www.fanwen-copy.example.content-farm.html"
MIRROR = "www.yangliu-mirror.example.tw-gambling-links.html"


def test_table_layout_page_year_is_the_reports_not_a_listed_ones():
    assert extracted(LAYOUT).year == 2018


def test_table_layout_page_title_is_its_own_report():
    assert extracted(LAYOUT).title == "杨柳区2018年政府信息公开工作年度报告"


def test_table_of_related_report_links_is_not_read():
    assert not any("区教育局" in b.text for b in page(LAYOUT).blocks)


def test_table_layout_page_keeps_its_data_table():
    assert any(b.is_table and b.table[-1][-1] == "87" for b in page(LAYOUT).blocks)


def test_table_layout_page_figures():
    assert {m.key: m.value for m in extracted(LAYOUT).metrics if m.dimension is None}["applications_received"] == 87


def test_copy_site_title_drops_the_appended_keyword():
    assert page(FARM).title == "杨柳区2018年政府信息公开工作年度报告"


def test_copy_site_link_farm_paragraph_is_not_read():
    assert not any("入党申请书" in b.text for b in page(FARM).blocks)


@pytest.mark.parametrize("gone", ["本文来源于网络", "以上就是", "模板", "范文"])
def test_copy_site_wrapper_is_not_in_the_text(gone):
    assert gone not in extracted(FARM).text


def test_copy_site_body_is_whole():
    doc = extracted(FARM)
    assert "提升公开质量" in doc.text and "2019年3月20日" in doc.text


def test_copy_site_figures_unchanged():
    assert {m.key: m.value for m in extracted(FARM).metrics if m.dimension is None}["proactive_total"] == 4126


def test_mirror_spam_links_outside_the_body_are_recorded():
    assert {"威尼斯人官网", "皇冠体育开户", "太阳城娱乐官网"} <= set(extracted(MIRROR).spam_removed)


def test_mirror_spam_links_are_not_in_the_text():
    assert "皇冠" not in extracted(MIRROR).text


def test_mirror_in_taiwan_convention_is_simplified():
    assert "杨柳区2018年政府信息公开工作年度报告" in extracted(MIRROR).text


def test_menu_of_links_with_an_unknown_class_is_not_read():
    html = ("<html><body><div class='dh-x'><a href='/1'>首页</a><a href='/2'>政务公开</a><a href='/3'>办事服务</a>"
            "<a href='/4'>互动交流</a></div><div class='wbnr'><p>" + "2019年，全区共主动公开政府信息5321条。" * 5
            + "</p></div></body></html>")
    assert not any("办事服务" in b.text for b in html_to_rawpage(html.encode("utf-8")).blocks)


def test_paragraph_with_a_few_links_is_read():
    html = ("<html><body><div class='wbnr'><p>全区通过<a href='/a'>政府网站</a>、<a href='/b'>政务微博</a>和"
            "<a href='/c'>政务微信</a>等渠道主动公开政府信息5321条，其中政府网站公开4210条。</p>"
            "<p>" + "全区各部门认真落实政务公开各项要求。" * 4 + "</p></div></body></html>")
    assert any("5321条" in b.text for b in html_to_rawpage(html.encode("utf-8")).blocks)


# ---- a body printed in several elements ----------------------------------------------------

THREE = "www.yangliu.gov.cn.trs-editor-in-three-blocks.html"
SIBLING = "www.yangliu.gov.cn.sections-in-a-sibling.html"


def _metric(doc, key):
    return {m.key: m.value for m in doc.metrics if m.dimension is None}.get(key)


@pytest.mark.parametrize("name", [THREE, SIBLING])
def test_body_in_several_elements_keeps_its_first_part(name):
    assert _metric(extracted(name), "proactive_total") == 4126


@pytest.mark.parametrize("name", [THREE, SIBLING])
def test_body_in_several_elements_keeps_its_later_sections(name):
    assert _metric(extracted(name), "reconsideration_total") == 3


@pytest.mark.parametrize("name", [THREE, SIBLING])
def test_body_in_several_elements_keeps_the_table_as_a_grid(name):
    assert any(b.is_table and b.table[-1] == ["收到申请数", "件", "87"] for b in page(name).blocks)


@pytest.mark.parametrize("name", [THREE, SIBLING])
def test_prose_box_after_the_body_is_not_read(name):
    assert not any("9999" in b.text or "8888" in b.text for b in page(name).blocks)


@pytest.mark.parametrize("name", [THREE, SIBLING])
def test_body_in_several_elements_is_in_order(name):
    text = extracted(name).text
    assert text.index("二、主动公开") < text.index("三、依申请") < text.index("六、存在的主要问题")


PINYIN = "www.mirror-paper.example.pinyin-annotated.html"


def test_pinyin_annotated_mirror_figures_are_read():
    assert _metric(extracted(PINYIN), "applications_received") == 87


def test_pinyin_annotated_mirror_text_has_no_pinyin():
    assert "(zheng)" not in extracted(PINYIN).text and "（zheng）" not in extracted(PINYIN).text


def test_pinyin_annotated_mirror_app_link_is_recorded():
    assert "免费菠萝视频app下载" in extracted(PINYIN).spam_removed


@pytest.mark.parametrize("cls", ["con_con", "wzy_content", "zw-content", "article-con"])
def test_more_cms_body_classes_are_containers(cls):
    html = (f"<html><body><div class='side'><p>{'全区各部门认真落实政务公开各项要求。' * 3}</p></div>"
            f"<div class='{cls}'><p>{'2019年，全区共主动公开政府信息5321条。' * 5}</p></div></body></html>")
    assert html_to_rawpage(html.encode("utf-8")).meta["body_from"] == "container"


def _around_body(top: str, side: str = "", paragraphs: int = 25) -> bytes:
    para = "<p>2019年，全区认真贯彻落实政务公开决策部署，围绕群众关心的热点问题，进一步推进重点领域信息公开。</p>"
    body = text_to_body_html(REPORT)
    return (f"<html><head><meta charset=\"utf-8\"><title>{TITLE}</title></head><body>"
            f"<div class=\"top\">{top}</div><div class=\"side\">{side}</div>"
            f"<h1>{TITLE}</h1><div class=\"body\">{para * paragraphs}{body}</div>"
            "<div class=\"foot\">主办单位：青山区人民政府办公室</div></body></html>").encode("utf-8")


def test_casino_banner_outside_a_long_body_is_recorded_as_spam():
    from transforms.extract import extract
    doc = extract(_around_body("澳门新葡京娱乐场 | 百家乐 | 真人荷官 | 注册送88元 | 体育投注"),
                  "http://m.example.com/1.html", "text/html")
    assert doc.spam_removed == ["澳门新葡京娱乐场 | 百家乐 | 真人荷官 | 注册送88元 | 体育投注"]


def test_one_headline_about_fighting_gambling_beside_a_body_is_not_spam():
    from transforms.extract import extract
    doc = extract(_around_body("首页 | 政务公开 | 办事服务", side="我区开展打击网上赌场专项行动"),
                  "http://www.qs.gov.cn/1.html", "text/html")
    assert doc.spam_removed == []


# ----------------------------------------------------------------------------- deep nesting
@pytest.mark.parametrize("depth", [300, 3000, 50000])
def test_report_nested_past_the_parser_depth_limit_is_read(depth):
    from tests.fuzz.bombs import REPORT_TITLE, html_deep
    from transforms.extract import extract
    doc = extract(html_deep(depth))
    assert (doc.is_annual_report, doc.title, doc.year) == (True, REPORT_TITLE, 2023)
