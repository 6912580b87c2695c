"""Table text with its layout gone, as a stream of labels and runs of values
(transforms/metrics/table_text.py)."""
from __future__ import annotations

from transforms.metrics.table_text import segments, stream


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(seg.label, seg.values) for seg in segments(stream(text))]


def test_full_width_digits_are_folded():
    assert stream("１５") == "15"


def test_spaces_inside_a_label_vanish():
    assert stream("自 然 人") == "自然人"


def test_bars_and_line_breaks_between_values_are_one_space():
    assert stream("0 |0\n 0") == "0 0 0"


def test_separators_between_a_label_and_its_values_vanish():
    assert stream("规章 | 0") == "规章0"


def test_numbering_glued_to_the_values_before_it_goes_to_the_next_label():
    assert _pairs("1.属于国家秘密00000002.其他法律行政法规禁止公开0000000") == [
        ("1.属于国家秘密", "0000000"), ("2.其他法律行政法规禁止公开", "0000000")]


def test_numbering_printed_apart_after_spaced_values():
    assert _pairs("1.当面申请数 件 0 0 2.传真申请数 件 0 0")[0][1] == "0 0"


def test_numbering_that_ran_into_the_last_value_of_a_spaced_row():
    assert _pairs("2.其他法律行政法规禁止公开 0 0 0 0 1 0 13.危及三安全一稳定 0")[0][1] == "0 0 0 0 1 0 1"


def test_numbering_right_after_a_group_label_is_label_text():
    assert _pairs("(三)不予公开1.属于国家秘密0000000") == [("(三)不予公开1.属于国家秘密", "0000000")]


def test_number_in_parentheses_is_label_text():
    assert _pairs("(1)政府网站公开数5") == [("(1)政府网站公开数", "5")]


def test_circled_number_is_label_text():
    assert _pairs("①政府网站公开数5") == [("(1)政府网站公开数", "5")]


def test_slash_inside_a_label_is_not_a_blank_cell():
    assert _pairs("本年增/减处理决定数量行政许可3") == [("本年增/减处理决定数量行政许可", "3")]


def test_blank_mark_between_values_is_a_value():
    assert _pairs("行政事业性收费/-5第二十条")[0] == ("行政事业性收费", "/-5")


def test_numbering_restarts_under_a_new_item_of_the_level_above():
    pairs = _pairs("(三)从事政府信息公开工作人员数人51.专职人员数人22.兼职人员数人3")
    assert [v for _, v in pairs] == ["5", "2", "3"]


def test_numbering_continues_over_a_row_without_one():
    pairs = _pairs("1.参加新闻发布会总次数次6其中:主要负责同志参加新闻发布会次数次22.政府网站在线访谈次数次4")
    assert [v for _, v in pairs] == ["6", "2", "4"]


def test_number_inside_a_remark_is_label_text():
    assert _pairs("主动公开政府信息数(不同渠道公开相同信息计1条)条1235")[0][1] == "1235"
