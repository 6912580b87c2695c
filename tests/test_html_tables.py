"""HTML tables become grids with rowspan/colspan expanded."""
from pathlib import Path

import lxml.html

from transforms.sources.html_tables import grid_text, is_data_table, table_grid

PAGES = Path(__file__).parent / "fixtures" / "pages"


def first_table(markup: str):
    return lxml.html.fromstring(f"<div>{markup}</div>").find(".//table")


def test_colspan_repeats_the_cell_across_columns():
    t = first_table("<table><tr><td colspan='3'>申请人情况</td></tr><tr><td>a</td><td>b</td><td>c</td></tr></table>")
    assert table_grid(t)[0] == ["申请人情况"] * 3


def test_rowspan_repeats_the_cell_down_rows():
    t = first_table("<table><tr><td rowspan='2'>三、本年度办理结果</td><td>予以公开</td><td>1</td></tr>"
                    "<tr><td>部分公开</td><td>2</td></tr></table>")
    assert table_grid(t) == [["三、本年度办理结果", "予以公开", "1"], ["三、本年度办理结果", "部分公开", "2"]]


def test_rowspan_and_colspan_together_fill_a_block():
    t = first_table("<table><tr><td rowspan='2' colspan='2'>X</td><td>a</td></tr><tr><td>b</td></tr>"
                    "<tr><td>1</td><td>2</td><td>3</td></tr></table>")
    assert table_grid(t) == [["X", "X", "a"], ["X", "X", "b"], ["1", "2", "3"]]


def test_short_rows_are_padded_to_the_table_width():
    t = first_table("<table><tr><td>a</td><td>b</td><td>c</td></tr><tr><td>1</td></tr></table>")
    assert table_grid(t)[1] == ["1", "", ""]


def test_absurd_span_is_clamped():
    t = first_table("<table><tr><td colspan='100000'>a</td></tr><tr><td>b</td></tr></table>")
    assert len(table_grid(t)[0]) <= 50


def test_nested_table_rows_are_not_the_outer_table_rows():
    t = first_table("<table><tr><td><table><tr><td>in1</td><td>in2</td></tr></table></td></tr></table>")
    assert len(table_grid(t)) == 1


def test_layout_table_with_nested_table_is_not_data():
    t = first_table("<table><tr><td>menu</td><td><table><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table></td></tr></table>")
    assert not is_data_table(t)


def test_single_column_frame_is_not_data():
    t = first_table("<table><tr><td>标题</td></tr><tr><td>正文</td></tr></table>")
    assert not is_data_table(t)


def test_value_table_is_data():
    t = first_table("<table><tr><td>指标</td><td>数量</td></tr><tr><td>主动公开</td><td>912</td></tr></table>")
    assert is_data_table(t)


def test_grid_text_is_tab_and_newline_joined():
    assert grid_text([["a", "b"], ["1", "2"]]) == "a\tb\n1\t2"


def test_fixture_header_with_three_level_spans():
    tree = lxml.html.fromstring((PAGES / "xxgk.qingshan.gov.cn.nested-tables.html").read_bytes())
    data = [t for t in tree.iter("table") if is_data_table(t)]
    grid = table_grid(data[1])
    assert grid[1][3:] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def test_fixture_value_row_lines_up_with_its_header():
    tree = lxml.html.fromstring((PAGES / "xxgk.qingshan.gov.cn.nested-tables.html").read_bytes())
    grid = table_grid([t for t in tree.iter("table") if is_data_table(t)][1])
    row = next(r for r in grid if r[0].startswith("一、本年新收"))
    assert dict(zip(grid[1], row))["法律服务机构"] == "61"


def test_fixture_layout_tables_are_not_data():
    tree = lxml.html.fromstring((PAGES / "xxgk.qingshan.gov.cn.nested-tables.html").read_bytes())
    assert sum(1 for t in tree.iter("table") if is_data_table(t)) == 2


def test_three_row_page_frame_with_body_cell_is_not_data():
    body = "全区共主动公开政府信息5321条。" * 30
    t = first_table(f"<table><tr><td>logo</td><td>banner</td></tr><tr><td>菜单</td><td>{body}</td></tr>"
                    "<tr><td>主办单位</td><td>联系电话</td></tr></table>")
    assert not is_data_table(t)
