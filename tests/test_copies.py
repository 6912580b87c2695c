"""Copies a crawl also brings back: an archive's text with its own metadata header, a letter in
the report column, a work plan naming a report, a Markdown copy (fixtures/copies/)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from transforms.cleaning.metadata import pairs
from transforms.extract import extract

FIX = Path(__file__).parent / "fixtures" / "copies"


def _doc(name):
    return extract((FIX / name).read_bytes(), None)


@pytest.fixture(scope="module")
def archived():
    return _doc("archive_header_report.txt")


def test_metadata_title_is_the_report_title_without_its_label(archived):
    assert archived.title == "某某县2015年政府信息公开工作年度报告"


def test_metadata_publisher_office_gives_its_government(archived):
    assert archived.publisher == "某某县人民政府"


def test_metadata_date_is_the_published_date(archived):
    assert archived.published_date == "2016-03-01"


def test_archive_header_is_not_body_text(archived):
    assert [w for w in ("原文链接", "栏目", "本地目录", "links.tsv", "=====") if w in archived.text] == []


def test_archived_report_reads_its_whole_year_figures(archived):
    assert {m.key: m.value for m in archived.metrics} == {
        "proactive_total": 1204, "applications_received": 0, "reconsideration_total": 0}


def test_archived_report_keeps_what_it_did_not_load(archived):
    assert {(w.key, c.value) for w in archived.withheld for c in w.candidates} == {
        ("proactive_total", 87), ("applications_completed", 3118)}


def test_letter_filed_in_the_report_column_is_not_a_report():
    doc = _doc("letter_in_report_column.txt")
    assert (doc.is_annual_report, doc.title, doc.metrics) == (False, "关于2014年政务公开工作要点落实情况的函", [])


def test_work_plan_naming_a_report_is_not_a_report():
    assert _doc("work_plan_naming_a_report.html").is_annual_report is False


@pytest.fixture(scope="module")
def markdown():
    return _doc("markdown_copy_report.md")


def test_markdown_copy_is_a_report(markdown):
    assert (markdown.is_annual_report, markdown.year) == (True, 2020)


def test_markdown_marks_are_not_in_the_title(markdown):
    assert markdown.title == "某某县2020年政府信息公开工作年度报告"


def test_markdown_table_at_the_end_stays_in_the_text(markdown):
    assert "规范性文件\t5\t5\t30" in markdown.text  # read as a grid, printed one row per line


def test_several_metadata_pairs_on_one_line():
    assert pairs("信息索引号: 00250239-7/2018-01417 文号: 发布机构：某区政府办") == [
        ("信息索引号", "00250239-7/2018-01417"), ("文号", ""), ("发布机构", "某区政府办")]


def test_extract_json_lists_withheld_values_with_candidates_and_reason(cli):
    out = cli("extract", FIX / "archive_header_report.txt", "--json")
    w = {x["key"]: x for x in json.loads(out.stdout)["withheld"]}["proactive_total"]
    assert (w["loaded"], w["candidates"][0]["value"], "互联网上" in w["reason"]) == (1204, 87, True)


def test_a_stale_file_title_property_does_not_unmake_a_report():
    import io

    import docx

    d = docx.Document()
    d.core_properties.title = "关于做好2016年政务公开工作的通知"  # the template the file was made from
    d.add_paragraph("某区2016年政府信息公开工作年度报告")
    d.add_paragraph("2016年,全区共主动公开政府信息5321条。")
    buf = io.BytesIO()
    d.save(buf)
    doc = extract(buf.getvalue(), None)
    assert (doc.is_annual_report, doc.year) == (True, 2016)


@pytest.mark.parametrize("head", [
    "某某县2022年政府信息公开工作\n年度报告\n",               # broken before 年度报告
    "某某县人民政府\n2022年政府信息公开工作年\n度报告\n",     # broken mid-word, publisher above
])
def test_a_title_broken_over_short_lines_is_one_title(head):
    body = "本报告根据《中华人民共和国政府信息公开条例》编制。\n一、总体情况\n2022年,全县深入推进政务公开。\n"
    doc = extract((head + body).encode("utf-8"), None)
    assert (doc.is_annual_report, doc.year, doc.title.endswith("2022年政府信息公开工作年度报告")) == (True, 2022, True)
