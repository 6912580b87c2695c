"""Classification: report or not, statistical year, publisher, region, format."""
from pathlib import Path

import pytest
import yaml

from transforms.classification.classify import classify, is_report_title, resolve_region
from transforms.years import year_in
from transforms.model import Block, Page

FIX = Path(__file__).parent / "fixtures" / "pre2019"
CASES = yaml.safe_load((FIX / "classify_cases.yaml").read_text(encoding="utf-8"))


def _page(case):
    return Page(kind="html", title=case.get("title"), blocks=[Block(x) for x in case["lines"]])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_classification(case):
    cls = classify(_page(case), case.get("url"))
    assert {k: getattr(cls, k) for k in case["expect"]} == case["expect"]


def test_not_a_report_has_no_format():
    case = next(c for c in CASES if c["name"] == "notice about compiling reports")
    assert classify(_page(case)).format is None


def test_year_never_from_url():
    page = Page(kind="html", blocks=[Block("政府信息公开工作年度报告"), Block("现将有关情况报告如下。")])
    assert classify(page, "https://example.gov.cn/2018/12/report2017.html").year is None


@pytest.mark.parametrize("title,ok", [
    ("2017年度西湖区政府信息公开工作年度报告", True),
    ("2016年政务公开工作年度报告", True),
    ("关于印发2018年政务公开工作要点的通知", False),
    ("2017年政府信息公开工作年度报告编制工作的通知", False),
    # pages about a report, not the report
    ("政府信息公开工作年度报告格式模板", False),
    ("2016年政府信息公开工作年度报告情况的通报", False),
    ("2016年政府信息公开工作年度报告解读", False),
    ("图解:2016年政府信息公开工作年度报告", False),
    ("2012年政府信息公开工作年度报告撰写要求", False),
    ("全市2015年政府信息公开工作年度报告抽查情况", False),
    ("关于2014年政府信息公开工作年度报告的更正说明", False),
    ("某省2015年政府信息公开工作年度报告发布情况分析", False),
    # a publisher's own name is not a word about the report
    ("某市政府督查室2015年政府信息公开工作年度报告", True),
    ("2016年政府信息公开工作年度报告(2017年3月更正)", True),
])
def test_report_titles(title, ok):
    assert is_report_title(title) is ok


def test_region_told_apart_by_parent():
    region, parent = resolve_region("西湖区", "南昌市西湖区人民政府")
    assert (region["code"], parent) == ("360103", "南昌市")


def test_title_in_a_table_row_of_its_own():
    # An OCR or PDF-to-text tool put the heading into the first row of the table below it.
    title = "某某县2022年政府信息公开工作年度报告"
    page = Page(kind="text", blocks=[Block(title, table=[[title, title, title], ["信息内容", "本年制发件数", "本年废止件数"]]),
                                     Block("本报告根据《条例》编制。")])
    cls = classify(page)
    assert (cls.is_annual_report, cls.title, cls.year) == (True, title, 2022)


def test_own_title_naming_a_letter_is_not_a_report_whatever_the_body_names():
    page = Page(kind="text", own_title="关于2014年政务公开工作要点落实情况的函",
                blocks=[Block("某某县2013年政府信息公开工作年度报告"), Block("现将落实情况函告如下。")])
    assert classify(page).is_annual_report is False


SAMPLES = Path(__file__).parent / "fixtures" / "classify"


def test_english_page_about_reports_is_not_a_report():
    from transforms.extract import extract
    raw = (SAMPLES / "english_readme_about_reports.md").read_bytes()
    assert extract(raw, "file:///readme.md", "text/plain").is_annual_report is False


def test_a_report_with_some_latin_letters_is_still_a_report():
    page = Page(kind="html", blocks=[Block("2019年某区政府信息公开工作年度报告"),
                                     Block("本报告电子版可在某区人民政府门户网站(www.example.gov.cn)查阅。"),
                                     Block("本年度共收到政府信息公开申请10件。")])
    assert classify(page).is_annual_report is True


def test_calendar_titled_like_a_report_is_not_a_report():
    from sampleportal.hostile import _calendar
    from transforms.extract import extract
    assert extract(_calendar(1), "http://x.gov.cn/rl/1.html").is_annual_report is False


def test_report_page_that_only_points_to_its_attachment_stays_a_report():
    page = Page(kind="html", title="甲区人民政府2023年政府信息公开工作年度报告",
                blocks=[Block("甲区人民政府2023年政府信息公开工作年度报告"), Block("（全文见附件）")])
    assert classify(page).is_annual_report is True


def test_title_over_a_list_of_dates_is_not_a_report():
    page = Page(kind="html", title="2024年政府信息公开工作年度报告",
                blocks=[Block("2024年政府信息公开工作年度报告"), Block("2024年3月"),
                        Block("日 一 二 三 四 五 六"), Block("1 2 3 4 5 6 7 8 9 10"), Block("上个月 下个月")])
    assert classify(page).is_annual_report is False


@pytest.mark.parametrize("text,bare,year", [("二〇一九年度政府信息公开工作年度报告", False, 2019),
                                            ("一九九九年", False, 1999),
                                            ("一二三四年", False, None),
                                            ("政府信息公开工作年度报告（2019）", False, None),
                                            ("政府信息公开工作年度报告（2019）", True, 2019),
                                            (None, True, None)])
def test_year_in_title_or_link_text(text, bare, year):
    assert year_in(text, bare=bare) == year
