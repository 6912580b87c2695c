"""Classification: report or not, statistical year, publisher, region, format."""
from pathlib import Path

import pytest
import yaml

from transforms.classify import classify, is_report_title, resolve_region
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
])
def test_report_titles(title, ok):
    assert is_report_title(title) is ok


def test_region_told_apart_by_parent():
    region, parent = resolve_region("西湖区", "南昌市西湖区人民政府")
    assert (region["code"], parent) == ("360103", "南昌市")
