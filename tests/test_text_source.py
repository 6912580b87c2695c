"""Plain text to blocks (transforms/sources/text.py): tab-separated runs and markdown tables as grids."""
from __future__ import annotations

from transforms.sources.text import text_blocks

MARKDOWN = """前言
| 申请人情况 | 自然人 | 总计 |
| --- | :---: | --- |
| 一、本年新收 | 3 | 3 |
后记 | 无
"""


def test_markdown_table_is_a_grid():
    tables = [b.table for b in text_blocks(MARKDOWN) if b.is_table]
    assert tables == [[["申请人情况", "自然人", "总计"], ["一、本年新收", "3", "3"]]]


def test_text_around_a_markdown_table_stays_prose():
    assert [b.text for b in text_blocks(MARKDOWN) if not b.is_table] == ["前言", "后记 | 无"]


def test_full_width_bars_make_a_table_too():
    assert text_blocks("｜规章｜0｜\n｜规范性文件｜2｜")[0].table == [["规章", "0"], ["规范性文件", "2"]]


def test_one_barred_line_is_a_paragraph():
    assert text_blocks("| 规章 | 0 |")[0].table is None


def test_tab_separated_rows_are_a_grid():
    assert text_blocks("a\tb\nc\td")[0].table == [["a", "b"], ["c", "d"]]
