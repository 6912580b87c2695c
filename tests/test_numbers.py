"""Numbers as reports print them."""
import pytest

from transforms.numbers import NUMBER_RE, parse_number


@pytest.mark.parametrize("token,value", [
    ("2681", 2681), ("2,681", 2681), ("9,341,853", 9341853), ("２６８１", 2681), ("1 234", 1234),
    ("104.4", 104.4), ("0", 0), ("0.15", 0.15),
])
def test_arabic(token, value):
    p = parse_number(token)
    assert p is not None and p.value == value and not p.approx


@pytest.mark.parametrize("token,value", [
    ("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("两", 2), ("一百零五", 105), ("两千", 2000),
    ("三万二千", 32000), ("一千二百三十四", 1234), ("二〇一七", 2017), ("零", 0),
])
def test_chinese_numerals(token, value):
    assert parse_number(token).value == value


@pytest.mark.parametrize("token,value", [("10余", 10), ("200多", 200), ("近200", 200), ("约3000", 3000), ("三十余", 30)])
def test_approximate_markers(token, value):
    p = parse_number(token)
    assert p.value == value and p.approx


@pytest.mark.parametrize("token", ["", "abc", "万", "12a", "1.2.3", "二三十五万万"])
def test_not_a_number(token):
    assert parse_number(token) is None


def test_number_re_finds_marker_and_digits():
    m = NUMBER_RE.search("开展培训10余次")
    assert (m.group("num"), m.group("post")) == ("10", "余")
