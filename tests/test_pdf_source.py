"""PDF to RawPage: reading order, tables as grids (merged across pages), and clean failures."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from transforms.errors import ExtractError
from transforms.sources.pdf import pdf_to_rawpage

FIXTURES = Path(__file__).parent / "fixtures" / "templates"


@pytest.fixture(scope="module")
def real_bytes(shared_dir):
    return (shared_dir / "real" / "huaian-2024" / "report.pdf").read_bytes()


@pytest.fixture(scope="module")
def real(real_bytes):
    return pdf_to_rawpage(real_bytes)


def _tables(rawpage):
    return [b for b in rawpage.blocks if b.table is not None]


def _table_with(rawpage, label):
    return next(b for b in _tables(rawpage) if label in b.text)


def test_kind_is_pdf(real):
    assert real.kind == "pdf"


def test_title_from_first_page(real):
    assert real.title == "淮安市人民政府2024年政府信息公开工作年度报告"


def test_three_statistical_tables(real):
    # table 三 runs over pages 4 and 5 and comes out as one grid
    assert len(_tables(real)) == 3


def test_request_table_merged_across_pages(real):
    block = _table_with(real, "本年新收政府信息公开申请数量")
    labels = [row[2] for row in block.table]
    assert "2.没有现成信息需要另行制作" in labels and "四、结转下年度继续办理" in labels


def test_request_table_rows_have_one_width(real):
    grid = _table_with(real, "本年新收政府信息公开申请数量").table
    assert {len(r) for r in grid} == {10}


def test_group_label_broken_per_character_is_one_cell(real):
    grid = _table_with(real, "本年新收政府信息公开申请数量").table
    assert grid[5][0] == "三、本年度办理结果"


def test_merged_group_cell_continues_on_next_page(real):
    grid = _table_with(real, "本年新收政府信息公开申请数量").table
    row = next(r for r in grid if r[2] == "2.没有现成信息需要另行制作")
    assert row[0] == "三、本年度办理结果"


def test_two_line_header_cells_joined(real):
    grid = _table_with(real, "行政复议").table
    assert grid[1][:5] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def test_colspan_repeats_text(real):
    grid = _table_with(real, "行政复议").table
    assert grid[0][:5] == ["行政复议"] * 5 and grid[0][5:] == ["行政诉讼"] * 10


def test_table_text_is_tab_separated_rows(real):
    block = _table_with(real, "行政复议")
    assert block.text.splitlines()[-1].split("\t")[:5] == ["72", "64", "178", "37", "351"]


def test_table_in_place_after_its_heading(real):
    i = next(k for k, b in enumerate(real.blocks) if b.table is not None and "行政复议" in b.text)
    assert real.blocks[i - 1].text.endswith("四、政府信息公开行政复议、行政诉讼情况")


def test_paragraph_text_as_printed_lines_with_page_numbers(real):
    # spacing ("2024 年") and page numbers are left for clean_page to repair
    page1 = [b for b in real.blocks if b.page_no == 1 and b.table is None]
    assert page1[0].text.splitlines()[:2] == ["淮安市人民政府", "2024 年政府信息公开工作年度报告"]


def test_table_merged_across_pages_with_fewer_columns(real):
    # table 二 continues on page 4 with a two-column layout that sits on the first part's edges
    grid = _table_with(real, "本年制发件数").table
    assert [r[0] for r in grid][-2:] == ["信息内容", "行政事业性收费"] and {len(r) for r in grid} == {4}


def test_framed_paragraph_stays_text(real):
    # page 1 boxes the foreword in a one-column frame: it is text, not a table
    assert not any(b.page_no == 1 for b in _tables(real))


def test_no_text_layer():
    with pytest.raises(ExtractError, match="PDF has no text layer"):
        pdf_to_rawpage((FIXTURES / "no_text_layer.pdf").read_bytes())


@pytest.mark.parametrize("fraction", [0.02, 0.3, 0.7, 0.97])
def test_truncated_pdf_fails_cleanly_or_parses(real_bytes, fraction):
    raw = real_bytes[: int(len(real_bytes) * fraction)]
    try:
        page = pdf_to_rawpage(raw)
    except ExtractError as exc:
        assert str(exc).startswith(("cannot read PDF", "PDF has no text layer"))
    else:
        assert page.kind == "pdf"


def test_junk_after_pdf_header():
    with pytest.raises(ExtractError, match="cannot read PDF"):
        pdf_to_rawpage(b"%PDF-1.7\n" + bytes(range(256)) * 64)


def test_error_message_is_one_line():
    with pytest.raises(ExtractError) as info:
        pdf_to_rawpage(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    assert "\n" not in str(info.value)


def test_real_pdf_is_quick(real_bytes):
    start = time.monotonic()
    pdf_to_rawpage(real_bytes)
    assert time.monotonic() - start < 10


# A 2021 template report printed to PDF by an office suite (our own synthetic report: fmt 2021,
# year 2021, 南京市鼓楼区人民政府, seed 100): table 三's header sits alone at the foot of a page,
# its body on the next page has finer label columns, and table 四 is cut the same way.
SPLIT_HEADER = Path(__file__).parent / "fixtures" / "pdf" / "template_2021_header_on_its_own_page.pdf"


def test_header_alone_on_a_page_continues_on_the_bodys_columns():
    grids = [b.table for b in pdf_to_rawpage(SPLIT_HEADER.read_bytes()).blocks if b.is_table]
    request = next(g for g in grids if any("申请人情况" in c for c in g[0]))
    assert any(r[0].startswith("一、本年新收") for r in request)


def test_report_with_headers_cut_from_their_bodies_gives_the_truth():
    from sampleportal.template_reports import make_template_report
    from test_template_reports import _pairs
    from transforms.extract import extract
    _report, truth = make_template_report("2021", 2021, "南京市鼓楼区人民政府", 100)
    doc = extract(SPLIT_HEADER.read_bytes(), "http://x.gov.cn/a.pdf", "application/pdf")
    assert {(m.key, m.dimension): m.value for m in doc.metrics} == _pairs(truth)


# Made with LibreOffice Writer from the synthetic report above (南京市鼓楼区人民政府 2021, seed 100),
# with more or less prose before the tables, so that the page breaks fall inside them.
PDF_FIXTURES = Path(__file__).parent / "fixtures" / "pdf"
GAINS_A_COLUMN = PDF_FIXTURES / "template_2021_request_table_gains_a_label_column_on_the_next_page.pdf"
CUT_ROWS = PDF_FIXTURES / "template_2021_rows_cut_by_page_breaks.pdf"
LONE_HEADER_ROW = PDF_FIXTURES / "template_2021_review_header_row_alone_at_a_page_foot.pdf"


def _grids(path):
    return [b.table for b in pdf_to_rawpage(path.read_bytes()).blocks if b.is_table]


def _request_grid(path):
    return next(g for g in _grids(path) if any("申请人情况" in c for c in g[0]))


def test_request_table_with_more_label_columns_on_the_next_page_is_one_table():
    grid = _request_grid(GAINS_A_COLUMN)
    assert {"一、本年新收政府信息公开申请数量", "四、结转下年度继续办理"} <= {r[0] for r in grid}


def test_row_cut_by_a_page_break_is_one_row():
    items = [r[2] for r in _request_grid(CUT_ROWS)]
    assert "2.其他法律行政法规禁止公开" in items and "公开" not in items


def test_label_spanning_rows_across_a_page_break_is_whole_on_both_pages():
    groups = {r[1] for r in _request_grid(CUT_ROWS) if r[2].startswith(("1.属于国家秘密", "8.属于行政查询"))}
    assert groups == {"（三）不予公开"}


def test_empty_rest_of_a_cut_row_is_no_row():
    items = [r[2] for r in _request_grid(CUT_ROWS)]
    assert items.count("3.其他") == 1


def test_header_row_alone_at_a_page_foot_heads_the_table_on_the_next_page():
    review = next(g for g in _grids(LONE_HEADER_ROW) if any("结果维持" in c for c in g[1]))
    assert "行政复议" in review[0] and "行政诉讼" in review[0]


@pytest.mark.parametrize("path", [GAINS_A_COLUMN, CUT_ROWS, LONE_HEADER_ROW], ids=lambda p: p.stem)
def test_tables_over_page_breaks_give_the_truth(path):
    from sampleportal.template_reports import make_template_report
    from test_template_reports import _pairs
    from transforms.extract import extract
    _report, truth = make_template_report("2021", 2021, "南京市鼓楼区人民政府", 100)
    doc = extract(path.read_bytes(), "http://x.gov.cn/a.pdf", "application/pdf")
    assert {(m.key, m.dimension): m.value for m in doc.metrics} == _pairs(truth)


def test_radicals_a_text_layer_prints_for_ideographs_are_folded_back():
    from transforms.sources.pdf import _ideographs
    assert _ideographs("南京市⿎楼区⼈⺠政府⻓效机制") == "南京市鼓楼区人民政府长效机制"
