"""detect_format: which statistical template a text prints, from its labels, not its year."""
from __future__ import annotations

import pytest

from sampleportal.template_reports import make_template_report, render_flat_text
from transforms.classification.template_format import detect_format, marker_counts


@pytest.mark.parametrize("fmt", ["2019", "2021"])
def test_flat_report_is_detected(fmt):
    report, _ = make_template_report(fmt, 2020, "某县人民政府", seed=3)
    assert detect_format(render_flat_text(report)) == fmt


def test_year_does_not_decide():
    # a 2019-template table in a report on 2022 is still the 2019 template
    report, _ = make_template_report("2019", 2022, "某县人民政府", seed=4)
    assert detect_format(render_flat_text(report)) == "2019"


def test_labels_broken_by_whitespace_still_count():
    text = "信息内容 本年制\n发件数 本年废止 件数 现行有效件数"
    assert detect_format(text) == "2021"


def test_full_width_slash_in_change_column():
    text = "上一年项目数量\n本年增／减\n处理决定数量"
    assert detect_format(text) == "2019"


def test_pre2019_text_is_none():
    text = ("2017年，全区共接到政府信息公开申请2681件。主动公开政府信息数12000条，"
            "其中主动公开规范性文件数30条。行政复议数量5件。")
    assert detect_format(text) is None


def test_one_label_quoted_in_prose_is_not_enough():
    assert detect_format("全年行政事业性收费本年收费金额为12万元。") is None


def test_tie_is_none():
    assert detect_format("本年新制作数量 本年新公开数量 本年制发件数 本年废止件数") is None


def test_marker_counts_are_distinct_labels():
    counts = marker_counts("本年制发件数 本年制发件数 本年制发件数")
    assert counts == {"2019": 0, "2021": 1}


def test_real_pdf_text_is_2021(shared_dir):
    from transforms.sources.pdf import pdf_to_rawpage
    raw = (shared_dir / "real" / "huaian-2024" / "report.pdf").read_bytes()
    text = "\n".join(b.text for b in pdf_to_rawpage(raw).blocks)
    assert detect_format(text) == "2021"
