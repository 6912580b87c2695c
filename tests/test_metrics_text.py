"""Figures read from report prose: the year's own figures, nothing else."""
from pathlib import Path

import pytest
import yaml

from transforms.metrics.text import candidates_from_paragraphs, text_metrics
from transforms.model import Block, Classification, Page

FIX = Path(__file__).parent / "fixtures" / "pre2019"
CASES = yaml.safe_load((FIX / "text_cases.yaml").read_text(encoding="utf-8"))
TRAPS = yaml.safe_load((FIX / "traps.yaml").read_text(encoding="utf-8"))


def _read(text, year, fmt="pre2019"):
    got = {}
    for c in candidates_from_paragraphs([text], year, fmt):
        got.setdefault(c.key, []).append(c)
    return got


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_expected_values(case):
    got = _read(case["text"], case["year"])
    assert {k: [c.value for c in got.get(k, [])] for k in case["expect"]} == \
        {k: [v] for k, v in case["expect"].items()}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_nothing_else_loaded(case):
    got = _read(case["text"], case["year"])
    assert set(got) - set(case["expect"]) == set()


@pytest.mark.parametrize("case", [c for c in CASES if c.get("approx")], ids=lambda c: c["name"])
def test_approx_flag(case):
    got = _read(case["text"], case["year"])
    assert all(got[k][0].approx for k in case["approx"])


@pytest.mark.parametrize("sentence", TRAPS["sentences"])
def test_traps_load_nothing(sentence):
    assert _read(sentence, TRAPS["year"]) == {}


def _page(*paragraphs):
    return Page(kind="text", blocks=[Block(p) for p in paragraphs])


def test_metric_shape_and_evidence():
    s = "2017年,全区共接到政府信息公开申请2681件,办结2670件。"
    ms = text_metrics(_page(s), Classification(True, year=2017, format="pre2019"))
    m = next(m for m in ms if m.key == "applications_received")
    assert (m.value, m.unit, m.source, m.evidence, m.dimension) == (2681, "件", "text", s, None)


def test_money_stored_in_yuan():
    ms = text_metrics(_page("全年依申请公开共收取费用0.15万元。"), Classification(True, year=2014, format="pre2019"))
    assert [(m.key, m.value, m.unit, m.unit_printed) for m in ms] == [("fees_collected", 1500, "元", "万元")]


def test_tables_in_blocks_are_not_read_as_prose():
    page = Page(kind="text", blocks=[Block("收到申请数\t12", table=[["收到申请数", "12"]])])
    assert text_metrics(page, Classification(True, year=2017, format="pre2019")) == []


def test_not_a_report_gives_nothing():
    page = _page("2017年,全区共接到政府信息公开申请2681件。")
    assert text_metrics(page, Classification(False, year=2017)) == []


def test_template_reports_use_only_the_fee_sentence():
    s = "2021年,全市共收到政府信息公开申请300件,收取信息处理费3940元。"
    assert {k: [c.value for c in v] for k, v in _read(s, 2021, "2021").items()} == {"processing_fees": [3940]}


def test_processing_fee_zero_in_words():
    got = _read("本机关未收取信息处理费。", 2022, "2021")
    assert [c.value for c in got["processing_fees"]] == [0]


def test_conflicting_values_are_both_returned_for_the_merge_to_drop():
    got = _read("区政府受理政府信息公开申请26件;区政府受理政府信息公开申请27件。", 2018)
    assert sorted(c.value for c in got["applications_received"]) == [26, 27]


def test_statistical_year_other_than_the_printed_year_rejects():
    assert _read("2017年,全区共接到政府信息公开申请2681件。", 2018) == {}


# ---------------------------------------------------------------- the seeds, at function level
def _seed_page(path):
    """The seed as the cleaner would hand it over at the least: simplified, one block per line.

    Spam and the doubled body stay in: the extractors must not be fooled by them either.
    """
    import opencc

    text = opencc.OpenCC("t2s.json").convert(path.read_text(encoding="utf-8"))
    return Page(kind="text", blocks=[Block(line.strip()) for line in text.splitlines() if line.strip()])


def _eq(a, b):
    return abs(float(a) - float(b)) < 1e-6


def test_seeds_precision_and_recall(shared_dir):
    from transforms.classification import classify
    from transforms.metrics import settle

    gold = yaml.safe_load((shared_dir / "gold" / "seeds.yaml").read_text(encoding="utf-8"))
    tp = fp = fn = 0
    notes = []
    for name, g in gold.items():
        page = _seed_page(shared_dir / "seeds" / name)
        cls = classify.classify(page, None)
        for field in ("year", "format", "publisher", "region"):
            assert getattr(cls, field) == g[field], (name, field)
        metrics, _checks, _withheld, _warnings = settle.report_metrics(page, cls)
        got = {m.key: m.value for m in metrics if m.dimension is None}
        for key, v in got.items():
            if key in g.get("expect", {}):
                ok = _eq(v, g["expect"][key])
            elif key in g.get("accept_any", {}):
                ok = any(_eq(v, x) for x in g["accept_any"][key])
            else:
                ok = not any(_eq(v, x) for x in g.get("forbid", {}).get(key, []))
            tp += ok and key in g.get("expect", {})
            fp += not ok
            if not ok:
                notes.append(f"{name}: {key}={v}")
        fn += sum(1 for k, v in g.get("expect", {}).items() if k not in got or not _eq(got[k], v))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"seeds: precision={precision:.3f} recall={recall:.3f} tp={tp} fp={fp} fn={fn}")
    assert fp == 0, notes
    assert recall >= 0.95


def test_wrapped_pdf_lines_are_rejoined_before_reading():
    lines = ["全省发布各类政策解读稿件16216篇,比2016年的",
             "16850篇减少634篇。全省通过微博微信回应事件数达",
             "93610次。"]
    got = candidates_from_paragraphs(lines, 2017, "pre2019")
    assert {(c.key, c.value) for c in got} == {("policy_interpretations", 16216), ("responses_weibo_wechat", 93610)}


def test_headings_and_table_cells_are_not_joined():
    from transforms.metrics.text import join_wrapped

    assert join_wrapped(["危及国家安全、公共安全、经济安全和社会稳定", "0", "3", "件", "三、依申请公开情况"]) == \
        ["危及国家安全、公共安全、经济安全和社会稳定", "0", "3", "件", "三、依申请公开情况"]


def test_unknown_year_refuses_dated_figures():
    assert _read("2016年,全区共接到政府信息公开申请120件。", None) == {}


@pytest.mark.parametrize("sentence,value", [
    ("2022年,本机关未产生信息处理费。", 0),
    ("全年共收取政府信息公开信息处理费0.12万元。", 1200),
    ("本年度信息处理费收费金额为0。", 0),
])
def test_processing_fee_phrasings(sentence, value):
    got = _read(sentence, 2022, "2021")
    assert [c.value for c in got["processing_fees"]] == [value]


def test_section_heading_gives_the_paragraph_its_topic():
    paragraphs = ["三、依申请公开政府信息情况", "全年共受理申请45件,其中同意公开30件,信息不存在15件。"]
    got = candidates_from_paragraphs(paragraphs, 2016, "pre2019")
    assert {(c.key, c.value) for c in got} == {("replies_granted", 30), ("replies_not_exist", 15)}


def test_same_paragraph_without_the_heading_reads_nothing():
    got = candidates_from_paragraphs(["全年共受理申请45件,其中同意公开30件,信息不存在15件。"], 2016, "pre2019")
    assert got == []


def test_decimal_ten_thousands_stored_as_an_integer_count():
    got = _read("全年主动公开政府信息1.2万条。", 2016)
    c = got["proactive_total"][0]
    assert (c.value, type(c.value), c.approx) == (12000, int, True)


def _read_blocks(blocks, year):
    return {c.key: c.value for c in candidates_from_paragraphs(blocks, year, "pre2019")}


def test_sub_heading_keeps_its_part_heading_topic():
    blocks = ["三、依申请公开政府信息情况", "(二)申请处理情况", "“同意公开”的7件,占总数70%;"]
    assert _read_blocks(blocks, 2014) == {"replies_granted": 7}


def test_fee_heading_makes_a_zero_in_words_a_disclosure_fee():
    assert _read_blocks(["(三)依申请公开政府信息收费情况", "本镇未收取任何费用。"], 2014) == {"fees_collected": 0}


def test_part_heading_does_not_stand_in_for_the_nearest_heading():
    blocks = ["一、政府信息公开工作概述", "(四)培训情况", "全年举办安全生产培训班9期。"]
    assert _read_blocks(blocks, 2016) == {}


# ---------------------------------------------------------------- scope: the publisher's whole year
SCOPE = yaml.safe_load((FIX / "scope_cases.yaml").read_text(encoding="utf-8"))


def _scope_read(case):
    from transforms.metrics.text import read_paragraphs

    return read_paragraphs(case["paragraphs"], case["year"], "pre2019", case.get("title", ""))


@pytest.mark.parametrize("case", SCOPE, ids=[c["name"] for c in SCOPE])
def test_scope_loads_only_whole_year_figures(case):
    got = {(c.key, c.value) for c in _scope_read(case) if c.refused is None}
    assert got == set(case["expect"].items())


@pytest.mark.parametrize("case", [c for c in SCOPE if c["refused"]], ids=lambda c: c["name"])
def test_scope_refusals_keep_their_reason(case):
    reasons = {}
    for c in _scope_read(case):
        if c.refused:
            reasons.setdefault(c.key, []).append(c.refused)
    assert all(any(words in r for r in reasons.get(key, [])) for key, words in case["refused"].items()), reasons


def test_refused_candidates_reach_the_metrics_with_their_reason():
    page = _page("2015年,全县主动公开政府信息510条。", "在网站上,县政府公开办主动公开信息数为71条。")
    ms = text_metrics(page, Classification(True, year=2015, format="pre2019"))
    assert [(m.value, m.withheld is None) for m in ms] == [(510, True), (71, False)]


def test_run_on_body_is_cut_at_inline_headings():
    from transforms.metrics.text import split_run_on

    body = "本报告依据条例编制。" * 30 + " 一、概述 2013年全县推进公开。 （一）申请情况 未收到申请。"
    assert split_run_on(body)[1:] == ["一、概述", "2013年全县推进公开。", "（一）申请情况", "未收到申请。"]
