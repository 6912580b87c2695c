"""Cleaning on the seeds (plain text and wrapped in every portal template) and its rules."""
import re

import pytest
import yaml

from sampleportal.page_templates import STYLES, render_detail_page, text_to_body_html
from transforms.cleaning import normalise
from transforms.cleaning.clean import clean_page, collapse_repeats, join_broken_lines, repair_spacing
from transforms.sources.html_body import html_to_rawpage
from transforms.model import Block, RawPage
from transforms.sources.text import text_to_rawpage

SEEDS = ["000_a8ef66291314f876.txt", "001_d50b10d434d38268.txt", "002_c2de2f714b624d29.txt",
         "003_c8ec1a514fd7c6c9.txt", "004_396150d21ea0a45f.txt"]
SOURCES = ("text",) + STYLES
_TITLE = re.compile(r"(信息公开|信息公開).{0,16}(年度报告|年度報告)")
_cache: dict = {}


@pytest.fixture(scope="module")
def gold(shared_dir):
    return yaml.safe_load((shared_dir / "gold" / "seeds.yaml").read_text(encoding="utf-8"))


def seed_text(shared_dir, name):
    return (shared_dir / "seeds" / name).read_text(encoding="utf-8")


def cleaned(shared_dir, name, source):
    """The seed through the whole parse, as plain text or wrapped in a portal template."""
    if (name, source) not in _cache:
        text = seed_text(shared_dir, name)
        if source == "text":
            raw = text_to_rawpage(text.encode("utf-8"))
        else:
            title = next(line.strip() for line in text.splitlines() if _TITLE.search(line))
            raw = html_to_rawpage(render_detail_page(title, text_to_body_html(text), style=source))
        _cache[(name, source)] = clean_page(raw)
    return _cache[(name, source)]


def full_text(page):
    return (page.title or "") + "\n" + page.text


def in_report_prose(text, s):
    """The report's own long paragraphs contain s: it cannot be absent without losing the report."""
    return any(s in line for line in text.splitlines() if len(line) >= 200)


def _key(s):
    return re.sub(r"[^\w\u3400-\u9fff]+", "", s)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", SEEDS)
def test_gold_text_absent(shared_dir, gold, name, source):
    text = full_text(cleaned(shared_dir, name, source))
    wrapper = [s for s in gold[name]["text_absent"] if not in_report_prose(seed_text(shared_dir, name), s)]
    assert [s for s in wrapper if s in text] == []


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", SEEDS)
def test_gold_text_absent_inside_report_prose_only(shared_dir, gold, name, source):
    page = cleaned(shared_dir, name, source)
    inside = [s for s in gold[name]["text_absent"] if in_report_prose(seed_text(shared_dir, name), s)]
    assert [s for s in inside for b in page.blocks if s in b.text and len(b.text) < 200] == []


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", SEEDS)
def test_gold_text_present(shared_dir, gold, name, source):
    text = full_text(cleaned(shared_dir, name, source))
    assert [s for s in gold[name]["text_present"] if s not in text] == []


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", SEEDS)
def test_gold_body_once(shared_dir, gold, name, source):
    assert cleaned(shared_dir, name, source).text.count(gold[name]["body_once"]) == 1


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", SEEDS)
def test_no_report_paragraph_is_lost(shared_dir, name, source):
    """Every long line of the seed, simplified, is in the cleaned text (spam lines aside)."""
    text = seed_text(shared_dir, name)
    conv = normalise.pick_convention(text) if normalise.is_traditional(text) else None
    out = _key(cleaned(shared_dir, name, source).text)
    lost = []
    for line in text.splitlines():
        line = line.strip()
        if len(line) < 40:
            continue
        simple = normalise.normalise_line(normalise.to_simplified(line, conv) if conv else line)
        if _key(simple) not in out and not any(s in simple for s in cleaned(shared_dir, name, source).spam_removed):
            lost.append(line[:40])
    assert lost == []


@pytest.mark.parametrize("source", SOURCES)
def test_seo_string_in_header_recorded_as_spam(shared_dir, source):
    assert "上海419论坛" in cleaned(shared_dir, SEEDS[0], source).spam_removed


@pytest.mark.parametrize("source", SOURCES)
def test_gambling_string_in_source_line_recorded_as_spam(shared_dir, source):
    assert any("manbetx" in s for s in cleaned(shared_dir, SEEDS[3], source).spam_removed)


def test_shop_wrapper_recorded_as_spam(shared_dir):
    assert "admin@baidu.com" in cleaned(shared_dir, SEEDS[2], "text").spam_removed


def test_plain_boilerplate_is_not_recorded_as_spam(shared_dir):
    assert not any("扫一扫" in s or "相关文章" in s for s in cleaned(shared_dir, SEEDS[1], "text").spam_removed)


def test_traditional_seed_is_flagged(shared_dir):
    assert cleaned(shared_dir, SEEDS[3], "text").traditional_source


def test_simplified_seed_is_not_flagged(shared_dir):
    assert not cleaned(shared_dir, SEEDS[0], "text").traditional_source


def test_printed_date_of_seed(shared_dir):
    assert cleaned(shared_dir, SEEDS[1], "text").published_date == "2018-01-19"


def test_title_of_traditional_seed_is_simplified(shared_dir):
    assert cleaned(shared_dir, SEEDS[3], "gambling_mirror").title == "2018年富阳区信息公开工作年度报告"


def test_appendix_table_cells_survive_the_trailing_cut(shared_dir):
    blocks = [b.text for b in cleaned(shared_dir, SEEDS[1], "text").blocks]
    assert blocks[-2:] == ["三元区政府信息公开工作领导小组办公室", "2018年1月12日"] and "行政诉讼数" in blocks


def test_pdf_text_spaces_repaired(shared_dir):
    assert "区政府收到依申请政府信息公开为78件" in cleaned(shared_dir, SEEDS[4], "text").text


# ---- rules on small inputs -------------------------------------------------------------------

def page_of(lines, kind="text", title=None):
    return clean_page(RawPage(kind=kind, blocks=[Block(x) if isinstance(x, str) else x for x in lines], title=title))


BODY = ["某区2019年政府信息公开工作年度报告",
        "2019年，全区共主动公开政府信息5321条，其中政府网站公开4210条，政务微博发布300条。",
        "一、主动公开政府信息情况",
        "全区各部门认真落实政务公开各项要求，及时公开财政预决算、重大建设项目等重点领域信息。",
        "二、依申请公开情况",
        "2019年，区政府共收到政府信息公开申请45件，均在规定期限内答复。",
        "某区人民政府办公室", "2020年1月15日"]


def test_body_printed_twice_is_collapsed():
    wrapped = ["首页 > 信息公开"] + BODY + ["索引号：123", "浏览次数：5"] + BODY + ["扫一扫在手机打开当前页"]
    assert page_of(wrapped).text.count("均在规定期限内答复") == 1


def test_body_printed_twice_keeps_every_paragraph():
    wrapped = BODY + ["发布日期：2020-01-16"] + BODY
    assert [b.text for b in page_of(wrapped).blocks] == BODY


def test_near_identical_second_copy_is_collapsed():
    second = [s.replace("，", ",") for s in BODY]
    second[3] = second[3] + "另有补充"
    assert page_of(BODY + second).text.count("区政府共收到政府信息公开申请45件") == 1


def test_repeated_short_lines_are_not_a_second_copy():
    table_like = BODY[:3] + ["0", "0", "3", "0", "0", "3"] + BODY[3:]
    assert page_of(table_like).text.count("\n0\n") >= 1


def test_collapse_handles_a_big_doubled_body():
    """Two copies of a 200-page body (about 450,000 characters) collapse to one (speed: see tests/bench)."""
    lines = [Block(f"第{i}段，全区共公开政府信息{i}条，其中政府网站公开{i // 2}条，微博微信发布{i // 3}条。") for i in range(5000)]
    kept, _ = collapse_repeats(lines + lines)
    assert len(kept) == 5000


def test_same_words_with_other_figures_are_not_a_copy():
    lines = [Block(f"第{i}段，全区共公开政府信息{i}条，其中政府网站公开{i // 2}条，微博微信发布{i // 3}条。") for i in range(300)]
    kept, _ = collapse_repeats(lines + lines)
    assert len(kept) == 300


def test_wrapper_before_the_title_is_dropped():
    assert page_of(["欢迎访问某区政府网站", "网站首页 政务公开 政务服务"] + BODY).blocks[0].text == BODY[0]


def test_header_lines_before_the_title_are_kept():
    assert page_of(["索引号：002/2020-01", "发布机构：区政府办"] + BODY).blocks[0].text == "索引号：002/2020-01"


def test_publisher_line_above_the_title_is_kept():
    assert page_of(["某区人民政府"] + BODY).blocks[0].text == "某区人民政府"


def test_footer_after_sign_off_is_dropped():
    footer = ["网站地图 | 联系我们", "主办：某区人民政府办公室", "网站标识码：3301060001", "浙ICP备05005090号"]
    assert page_of(BODY + footer).blocks[-1].text == "2020年1月15日"


def test_toolbar_line_is_dropped():
    assert "打印" not in page_of(BODY[:3] + ["【打印本页】 【关闭窗口】"] + BODY[3:]).text


def test_view_counter_is_cut_from_a_header_line():
    assert page_of(["发布时间：2020-01-15 来源：区政府办 浏览次数：312"] + BODY).blocks[0].text == "发布时间：2020-01-15 来源：区政府办"


def test_gambling_brand_in_body_recorded():
    assert "澳门新葡京娱乐场" in page_of(BODY[:2] + ["澳门新葡京娱乐场"] + BODY[2:]).spam_removed


def test_ordinary_words_near_spam_vocab_survive():
    line = "全年共办理福利彩票公益金项目12个，开展盲人按摩培训3期，金沙县来函1件。"
    assert line in page_of(BODY[:2] + [line] + BODY[2:]).text


def test_shop_lines_need_shop_context():
    """A lone 详细 on a government page is chrome at worst, never a recorded shop string."""
    assert page_of(BODY[:2] + ["详细"] + BODY[2:]).spam_removed == []


def test_table_blocks_pass_untouched():
    grid = [["指标", "自然人", "总计"], ["本年新收", "40", "45"]]
    page = page_of(BODY[:5] + [Block("指标\t自然人\t总计\n本年新收\t40\t45", table=grid)] + BODY[5:])
    assert page.tables == [grid]


def test_page_numbers_are_dropped():
    assert "- 3 -" not in page_of(BODY[:3] + ["- 3 -", "第 4 页 共 9 页"] + BODY[3:]).text


def test_bare_numbers_at_pdf_page_edges_are_dropped():
    lines = [Block(t, page_no=1) for t in BODY[:4]] + [Block("1", page_no=1)] + [Block(t, page_no=2) for t in BODY[4:]]
    assert "\n1\n" not in "\n" + page_of(lines, kind="pdf").text + "\n"


def test_running_header_kept_once():
    lines = []
    for p, t in enumerate(BODY, start=1):
        lines += [Block("某区政府信息公开年度报告（2019）", page_no=p), Block(t, page_no=p)]
    assert page_of(lines, kind="pdf").text.count("某区政府信息公开年度报告（2019）") == 1


@pytest.mark.parametrize("raw,fixed", [
    ("特向社会公布 2018 年度报告", "特向社会公布2018年度报告"),
    ("区政府收到申请为 78 件，办结 78 件", "区政府收到申请为78件，办结78件"),
    ("共公开信息 38 091 条", "共公开信息38091条"),
    ("政 府 信 息 公 开 工 作 年 度 报 告", "政府信息公开工作年度报告"),
    ("“杭州 拱墅”门户网站", "“杭州 拱墅”门户网站"),
    ("时间：2019-03-05 15:14", "时间：2019-03-05 15:14"),
])
def test_repair_spacing(raw, fixed):
    assert repair_spacing(raw) == fixed


def test_line_broken_mid_sentence_is_joined():
    lines = [Block("依托“杭州·拱墅”门户网站、“拱墅发布”微博微信平台及新闻发布会等方式，围"),
             Block("绕百姓关心的热点问题充分回应社会关切。")]
    assert [b.text for b in join_broken_lines(lines)] == ["依托“杭州·拱墅”门户网站、“拱墅发布”微博微信平台及新闻发布会等方式，围绕百姓关心的热点问题充分回应社会关切。"]


def test_heading_is_not_joined_to_its_paragraph():
    lines = [Block("（一）推进转职能、促改革领域政务公开"), Block("全区通过不同渠道和方式主动公开信息。")]
    assert len(join_broken_lines(lines)) == 2


def test_title_is_not_joined_to_the_first_paragraph():
    lines = [Block("杭州市某区2018年政府信息公开工作年度报告"), Block("根据《条例》要求，特向社会公布本报告。")]
    assert len(join_broken_lines(lines)) == 2


def test_finished_sentence_is_not_joined():
    lines = [Block("全区共公开政府信息27490条，其中政府网站公开20515条。"), Block("政务微博发布4039条。")]
    assert len(join_broken_lines(lines)) == 2


def test_sign_off_without_date_is_kept():
    assert page_of(BODY[:-1] + ["网站地图"]).blocks[-1].text == "某区人民政府办公室"


def test_report_sentence_starting_like_chrome_is_kept():
    line = "相关文件均已在政府门户网站公开，群众用手机扫码即可查阅全文。"
    assert line in page_of(BODY[:3] + [line] + BODY[3:]).text


def test_title_like_line_below_the_body_does_not_cut_it():
    body = BODY[1:] + ["相关报告", "某区2018年政府信息公开工作年度报告"]
    assert page_of(body).blocks[0].text == BODY[1]


def test_second_copy_wrapped_differently_is_collapsed():
    rewrapped = [BODY[0], BODY[1] + BODY[2] + BODY[3], BODY[4] + BODY[5]] + BODY[6:]
    assert page_of(BODY + ["发布日期：2020-01-16"] + rewrapped).text.count("区政府共收到政府信息公开申请45件") == 1


def test_stray_repeat_inside_the_first_copy_does_not_start_the_cut():
    first = BODY[:4] + [BODY[1]] + BODY[4:]  # one paragraph printed twice inside the body
    page = page_of(first + ["发布日期：2020-01-16"] + BODY)
    assert "区政府共收到政府信息公开申请45件" in page.text and page.text.count(BODY[3]) == 1


@pytest.mark.parametrize("line", [
    "2019年，全区共受理政府信息公开申请419件，其中网络申请200件。",
    "推进城乡社区网格化管理，实行昼夜网格巡查，全年巡查1200次。",
    "全区共有体育彩票网点50个，福利彩票销售额1.2亿元。",
    "公安分局依法查处网上赌博案件12起，打击六合彩赌博团伙3个。",
])
def test_report_sentences_with_spam_like_words_survive(line):
    assert line in page_of(BODY[:2] + [line] + BODY[2:]).text


def test_short_gambling_link_line_is_spam():
    assert "百家乐开户" in page_of(BODY[:2] + ["百家乐开户"] + BODY[2:]).spam_removed


def test_market_heading_does_not_make_a_shop_page():
    lines = BODY[:2] + ["（三）推进农产品批发市场信息公开", "电话：0598-1234567"] + BODY[2:]
    assert "（三）推进农产品批发市场信息公开" in page_of(lines).text


def test_sentence_about_site_identifiers_is_kept():
    line = "完成政府网站标识码和ICP备案信息核查，网站地图按要求更新。"
    assert line in page_of(BODY[:3] + [line] + BODY[3:]).text


def test_figures_repeated_on_many_pdf_pages_are_not_running_headers():
    lines = []
    for p, t in enumerate(BODY, start=1):
        lines += [Block(t, page_no=p), Block("申请数量", page_no=p), Block("0", page_no=p), Block("合计", page_no=p)]
    assert page_of(lines, kind="pdf").text.count("\n0\n") >= 5


def test_figure_at_a_pdf_page_edge_is_not_a_page_number():
    lines = [Block(t, page_no=1) for t in BODY[:4]] + [Block("38", page_no=1)] + [Block(t, page_no=2) for t in BODY[4:]]
    assert "\n38\n" in "\n" + page_of(lines, kind="pdf").text + "\n"


# ---- unseen wrappers: copy sites, injected links before cells, other reports listed above ----

def test_figure_left_after_an_injected_spam_link_is_kept():
    lines = BODY[:2] + ["申请数量", "澳门银河官网0"] + BODY[2:]
    assert "\n0\n" in page_of(lines).text


def test_injected_spam_link_before_a_figure_is_recorded():
    lines = BODY[:2] + ["申请数量", "澳门银河官网0"] + BODY[2:]
    assert "澳门银河官网" in page_of(lines).spam_removed


def test_page_title_wins_over_another_report_listed_above_it():
    other = "某区2020年度政府信息公开工作年度报告（区教育局）"
    assert page_of([other] + BODY, title=BODY[0]).title == BODY[0]


def test_body_starts_at_the_page_title_not_at_another_report_listed_above():
    other = "某区2020年度政府信息公开工作年度报告（区教育局）"
    assert other not in page_of([other] + BODY, title=BODY[0]).text


REPOST = "本文来源于网络，仅供学习交流，如有侵权请联系本站删除。"
OUTRO = "以上就是小编为大家整理的某区2019年政府信息公开工作年度报告，希望对您有所帮助，更多精彩内容请关注本站。"
STUFFING = "，".join(["年度报告范文", "年报怎么写", "信息公开年报模板"] * 4) + "。"


@pytest.mark.parametrize("line", [REPOST, OUTRO, STUFFING])
def test_copy_site_lines_are_removed(line):
    assert line not in page_of(BODY[:1] + [line] + BODY[1:] + [line]).text


@pytest.mark.parametrize("line", [REPOST, OUTRO, STUFFING])
def test_copy_site_lines_are_recorded_as_spam(line):
    assert line in page_of(BODY[:1] + [line] + BODY[1:] + [line]).spam_removed


@pytest.mark.parametrize("line", [
    "对侵犯商业秘密、个人隐私的信息，依法不予公开，共涉及申请3件。",
    "全区各单位对网上发布的信息进行了全面排查，删除过期信息120条。",
    "政府网站、政务微博、政务微信、政务头条号、政务抖音号、政务快手号、政务视频号、政务小程序同步发布。",
])
def test_report_sentences_like_copy_site_lines_survive(line):
    assert line in page_of(BODY[:2] + [line] + BODY[2:]).text


def test_spam_links_around_the_body_are_recorded():
    raw = RawPage(kind="html", blocks=[Block(x) for x in BODY], title=BODY[0],
                  meta={"aside_text": ["首页", "威尼斯人官網", "百家乐开户"]})
    assert {"威尼斯人官网", "百家乐开户"} <= set(clean_page(raw).spam_removed)


def test_menu_links_around_the_body_are_not_spam():
    raw = RawPage(kind="html", blocks=[Block(x) for x in BODY], title=BODY[0],
                  meta={"aside_text": ["首页", "政务公开", "政府信息公开年报"]})
    assert clean_page(raw).spam_removed == []


# ---- mirrors that annotate characters with pinyin; figures printed on lines of their own ----

PINYIN_BODY = [re.sub(r"(政|府|公|开|申|请)", lambda m: m.group(1) + {"政": "(zheng)", "府": "(fu)(fu)", "公": "(gong)",
                      "开": "(kai)(kai)", "申": "(shen)", "请": "(qing)"}[m.group(1)], x) for x in BODY]


def test_pinyin_after_characters_is_removed():
    assert "2019年，区政府共收到政府信息公开申请45件，均在规定期限内答复。" in page_of(PINYIN_BODY).text


def test_pinyin_removal_is_warned():
    assert any("pinyin" in w for w in page_of(PINYIN_BODY).warnings)


def test_a_few_latin_words_in_brackets_are_kept():
    line = "全区推行政务服务“一网通办”(yiwang)，开通政务公开(open)专栏。"
    text = page_of(BODY[:2] + [line] + BODY[2:]).text
    assert "yiwang" in text and "open" in text


@pytest.mark.parametrize("line", ["免费菠萝视频app下载", "午夜福利影院在线"])
def test_porn_app_link_lines_are_spam(line):
    assert line in page_of(BODY[:2] + [line] + BODY[2:]).spam_removed


SPLIT = ["某区2012年政府信息公开工作年度报告", "二、主动公开政府信息情况",
         "本区到年底累计主动公开政府信息", "6137", "条，全文电子化率达", "92.5%", "，其中，本年度新增主动公开政府信息",
         "2284", "条。", "三、依申请公开政府信息情况", "全区共收到政府信息公开申请", "73", "件，均已按期答复。"]


def test_figure_on_its_own_line_is_joined_back_into_its_sentence():
    assert "全区共收到政府信息公开申请73件，均已按期答复。" in page_of(SPLIT).text


def test_chain_of_split_figures_is_one_sentence():
    assert "本区到年底累计主动公开政府信息6137条，全文电子化率达92.5%，其中，本年度新增主动公开政府信息2284条。" in page_of(SPLIT).text


def test_cells_written_one_per_line_are_not_joined():
    cells = ["指标名称", "单位", "数量", "主动公开文件数", "条", "912", "收到申请数", "件", "3"]
    assert "\n912\n" in page_of(BODY[:4] + cells + BODY[4:]).text


BROKEN_TITLE = ["某市人民政府2016年", "政府信息公开工作年度报告", "某市人民政府办公室", "2017年3月"] + BODY[1:]


def test_title_broken_over_two_lines_is_one_title():
    assert page_of(BROKEN_TITLE).title == "某市人民政府2016年政府信息公开工作年度报告"


def test_title_broken_over_two_lines_is_one_line_of_text():
    assert page_of(BROKEN_TITLE).text.startswith("某市人民政府2016年政府信息公开工作年度报告\n")


def test_publisher_line_above_a_dated_title_stays_its_own_line():
    lines = ["某市某区人民政府"] + BODY
    assert page_of(lines).title == BODY[0]


NO_TITLE_LINE = ["索 引 号 | 000000000/2018-00001 | 分 类 | 政府信息公开年报 综合政务 |", "发布机构 | 市政府办 | 发文日期 | 2018-02-26 |",
                 "根据《中华人民共和国政府信息公开条例》规定，现公布某市人民政府2017年政府信息公开工作年度报告。报告所列数据的统计期限自2017年1月1日起至12月31日止。"] + BODY[1:]


def test_metadata_row_naming_the_column_is_not_the_title():
    assert "分 类" not in (page_of(NO_TITLE_LINE).title or "")


def test_report_named_in_the_opening_prose_is_the_title():
    assert page_of(NO_TITLE_LINE).title == "某市人民政府2017年政府信息公开工作年度报告"


def test_table_row_of_repeated_zeros_is_not_keyword_stuffing():
    from transforms.cleaning.clean import _is_farm_line
    assert not _is_farm_line("0 0 0 0 2 0 2 0 0 0 0 0 0 0 0")


def test_review_header_printed_twice_is_not_keyword_stuffing():
    from transforms.cleaning.clean import _is_farm_line
    assert not _is_farm_line("结果维持 结果纠正 其他结果 尚未审结 总计 结果维持 结果纠正 其他结果 尚未审结 总计")
