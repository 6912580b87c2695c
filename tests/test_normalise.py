"""Traditional copies read back as the mainland original; widths, punctuation, dates."""
import difflib

import opencc
import pytest

from transforms.cleaning import normalise as N

MAINLAND = ("2017年，全区共主动公开政府信息38091条，其中文件类信息696条。依托门户网站、政务微博微信及新闻发布会等方式，"
            "建立健全政务舆情收集、研判、处置和回应机制，加强网络信息安全，推进数据开放和软件正版化工作。"
            "着力推进重点领域信息公开，各部门认真执行信息发布审核制度，区卫生健康局按时发布项目信息，"
            "全年共办理依申请公开件26件，通过互联网受理11件。")
DOMAIN_TERMS = ["信息", "文件", "网络", "门户网站", "数据", "软件", "发布", "项目", "卫生", "着力", "建立", "执行"]


def converted(config: str) -> str:
    return opencc.OpenCC(f"{config}.json").convert(MAINLAND)


def back(text: str) -> str:
    assert N.is_traditional(text)
    return N.to_simplified(text, N.pick_convention(text))


@pytest.mark.parametrize("config", ["s2t", "s2hk", "s2tw"])
def test_character_conversions_round_trip_exactly(config):
    assert back(converted(config)) == MAINLAND


def test_taiwan_phrase_conversion_restores_domain_terms():
    result = back(converted("s2twp"))
    assert [t for t in DOMAIN_TERMS if MAINLAND.count(t) != result.count(t)] == []


def test_taiwan_phrase_conversion_reads_as_the_original():
    result = back(converted("s2twp"))
    assert difflib.SequenceMatcher(None, MAINLAND, result).ratio() > 0.97


def test_taiwan_phrases_are_evidence_for_the_taiwan_convention():
    assert N.pick_convention(converted("s2twp")) == "tw2s+phrases"


def test_hong_kong_variants_choose_hk2s():
    assert N.pick_convention(converted("s2hk")) == "hk2s"


def test_simplified_text_is_not_traditional():
    assert not N.is_traditional(MAINLAND)


def test_a_few_traditional_names_do_not_make_a_page_traditional():
    assert not N.is_traditional(MAINLAND * 3 + "（引自《後漢書》）")


def test_seed_in_traditional_is_detected(shared_dir):
    text = (shared_dir / "seeds" / "003_c8ec1a514fd7c6c9.txt").read_text(encoding="utf-8")
    assert N.is_traditional(text)


def test_seed_in_traditional_converts_to_mainland_terms(shared_dir):
    text = (shared_dir / "seeds" / "003_c8ec1a514fd7c6c9.txt").read_text(encoding="utf-8")
    out = N.to_simplified(text, N.pick_convention(text))
    assert "体制机制" in out and "全面推进政务公开工作" in out


def test_converter_objects_are_built_once():
    assert N.converter("t2s") is N.converter("t2s")


def test_fullwidth_digits_and_letters_become_ascii():
    assert N.normalise_line("共１２３件，ＰＰＰ项目占５０％") == "共123件，PPP项目占50%"


def test_ascii_comma_in_chinese_becomes_fullwidth():
    assert N.normalise_line("2017年,全区共接到申请2681件,办结2670件") == "2017年，全区共接到申请2681件，办结2670件"


def test_thousands_separator_and_time_stay_ascii():
    assert N.normalise_line("共1,234件 时间 14:57") == "共1,234件 时间 14:57"


def test_parentheses_around_chinese_become_fullwidth_as_a_pair():
    assert N.normalise_line("(以下简称《条例》)") == "（以下简称《条例》）"


def test_numbered_marker_parentheses_are_converted_as_a_pair():
    assert N.normalise_line("(1)加强预期引导") == "（1）加强预期引导"


def test_colon_after_label_becomes_fullwidth():
    assert N.normalise_line("发布时间:2018-01-19") == "发布时间：2018-01-19"


def test_circled_numbers_are_not_turned_into_digits():
    assert N.normalise_line("①加强领导") == "①加强领导"


def test_ideographic_space_and_nbsp_collapse():
    assert N.normalise_line("发布日期：2020-01-15\u3000\u3000来源：\xa0区政府") == "发布日期：2020-01-15 来源： 区政府"


@pytest.mark.parametrize("printed,iso", [("2018-03-19 14:57", "2018-03-19"), ("2018年3月9日", "2018-03-09"),
                                         ("2018/03/19", "2018-03-19"), ("20180319145700", "2018-03-19")])
def test_parse_date(printed, iso):
    assert N.parse_date(printed) == iso


def test_invalid_date_is_none():
    assert N.parse_date("2018-13-45") is None


def test_printed_date_with_label():
    assert N.find_printed_date("三元区报告\n发布时间：2018-01-19 11:51 | 来源：三元区政府办") == "2018-01-19"


def test_printed_date_in_traditional_label():
    assert N.find_printed_date("時間:2019-03-05 15:14 來源") == "2019-03-05"


def test_number_without_label_is_not_a_printed_date():
    assert N.find_printed_date("统计期限从2017年1月1日起到2017年12月31日止") is None


# A short Taiwan-convention copy whose only Taiwan term is 資訊 (no second distinct term).
SHORT_TW = opencc.OpenCC("s2twp.json").convert(
    "某区2023年政府信息公开工作年度报告。二、主动公开政府信息情况。三、收到和处理政府信息公开申请情况。"
    "本年新收政府信息公开申请数量26件。")


def test_short_taiwan_copy_with_one_term_everywhere_is_taiwan_convention():
    assert N.pick_convention(SHORT_TW) == "tw2s+phrases"


def test_short_taiwan_copy_gets_its_mainland_terms_back():
    assert "本年新收政府信息公开申请数量26件" in N.to_simplified(SHORT_TW, N.pick_convention(SHORT_TW))


def test_one_taiwan_term_beside_the_mainland_one_is_not_taiwan_convention():
    text = opencc.OpenCC("s2t.json").convert("政府信息公开工作年度报告，政府信息公开申请。") + "資訊資訊資訊"
    assert N.pick_convention(text) != "tw2s+phrases"
