"""Numbers as reports print them."""
import pytest

from transforms.numbers import NUMBER_RE, Parsed, parse_approx


@pytest.mark.parametrize("token,value", [
    ("2681", 2681), ("2,681", 2681), ("9,341,853", 9341853), ("２６８１", 2681), ("1 234", 1234),
    ("104.4", 104.4), ("0", 0), ("0.15", 0.15),
])
def test_arabic(token, value):
    p = parse_approx(token)
    assert p is not None and p.value == value and not p.approx


@pytest.mark.parametrize("token,value", [
    ("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("两", 2), ("一百零五", 105), ("两千", 2000),
    ("三万二千", 32000), ("一千二百三十四", 1234), ("二〇一七", 2017), ("零", 0),
])
def test_chinese_numerals(token, value):
    assert parse_approx(token).value == value


@pytest.mark.parametrize("token,value", [("10余", 10), ("200多", 200), ("近200", 200), ("约3000", 3000), ("三十余", 30)])
def test_approximate_markers(token, value):
    p = parse_approx(token)
    assert p.value == value and p.approx


@pytest.mark.parametrize("token", ["", "abc", "万", "12a", "1.2.3", "二三十五万万"])
def test_not_a_number(token):
    assert parse_approx(token) is None


def test_number_re_finds_marker_and_digits():
    m = NUMBER_RE.search("开展培训10余次")
    assert (m.group("num"), m.group("post")) == ("10", "余")


def test_a_cell_gives_a_bare_value_a_token_says_whether_it_is_approximate():
    from transforms.cells import cell_number
    assert cell_number("1,234件") == 1234 and cell_number("3万") is None and cell_number("10余") is None
    assert parse_approx("10余") == Parsed(10, True)


def test_label_parts_lose_the_repeats_of_a_merged_cell():
    from transforms.cells import drop_repeats
    assert drop_repeats(["政府信息", "政府信息", "", "公开", "政府信息"]) == ["政府信息", "公开", "政府信息"]
