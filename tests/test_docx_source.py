"""DOCX reports: paragraphs and tables in order, merged cells expanded, through cleaning."""
import io

import docx
import pytest

from transforms.cleaning.clean import clean_page
from transforms.sources.docx import docx_to_rawpage
from transforms.errors import ExtractError

TITLE = "某区2019年政府信息公开工作年度报告"


def build() -> bytes:
    d = docx.Document()
    d.core_properties.title = TITLE
    d.add_paragraph(TITLE)
    d.add_paragraph("一、总体情况")
    d.add_paragraph("2019年，全区共主动公开政府信息5321条，其中政府网站公开4210条。")
    d.add_paragraph("二、收到和处理政府信息公开申请情况")
    t = d.add_table(rows=4, cols=4)
    t.cell(0, 0).merge(t.cell(1, 0)).text = "项目"
    t.cell(0, 1).merge(t.cell(0, 3)).text = "申请人情况"
    for c, v in zip((1, 2, 3), ("自然人", "法人或其他组织", "总计")):
        t.cell(1, c).text = v
    for r, row in ((2, ["本年新收", "40", "5", "45"]), (3, ["上年结转", "2", "0", "2"])):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    d.add_paragraph("三、存在的主要问题及改进情况")
    d.add_paragraph("一是公开质量有待提高；二是队伍建设有待加强。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def raw():
    return docx_to_rawpage(build())


def test_kind_is_docx(raw):
    assert raw.kind == "docx"


def test_table_sits_between_its_paragraphs(raw):
    at = next(i for i, b in enumerate(raw.blocks) if b.is_table)
    assert raw.blocks[at - 1].text.startswith("二、") and raw.blocks[at + 1].text.startswith("三、")


def test_horizontal_merge_repeats_the_cell(raw):
    assert raw.blocks[4].table[0] == ["项目", "申请人情况", "申请人情况", "申请人情况"]


def test_vertical_merge_repeats_the_cell(raw):
    assert raw.blocks[4].table[1] == ["项目", "自然人", "法人或其他组织", "总计"]


def test_value_rows_keep_their_columns(raw):
    assert raw.blocks[4].table[2] == ["本年新收", "40", "5", "45"]


def test_title_from_document_properties(raw):
    assert raw.title == TITLE


def test_cleaned_docx_keeps_text_and_table():
    page = clean_page(docx_to_rawpage(build()))
    assert "全区共主动公开政府信息5321条" in page.text and len(page.tables) == 1


def test_not_a_docx_raises():
    with pytest.raises(ExtractError):
        docx_to_rawpage(b"PK\x03\x04 not really a zip")
