"""Text copies damaged the way copies are: hard-wrapped at a fixed width (a mirror, a mail, a
terminal dump: the wrap cuts through figures) and OCR text that read a 0 as the letter O. The
real texts in ../shared are damaged here, in the test, and scored against their gold: no figure
may be wrong, and the damage undone reads what the undamaged copy reads."""
from __future__ import annotations

import importlib.util
import json
import re

import pytest
import yaml

from transforms.cleaning.clean import fixed_wrap
from transforms.cleaning.normalise import ocr_digits
from transforms.extract import extract
from transforms.model import Block


@pytest.fixture(scope="module")
def gold(shared_dir):
    pages = {}
    for name in ("seeds", "pingtan"):
        for key, spec in yaml.safe_load((shared_dir / "gold" / f"{name}.yaml").read_text("utf-8")).items():
            path = shared_dir / name / key if name == "seeds" else shared_dir / "real" / key
            if path.suffix == ".txt" and path.is_file():
                pages[key] = (path.read_text("utf-8"), spec)
    return pages


@pytest.fixture(scope="module")
def scorer(shared_dir):
    spec = importlib.util.spec_from_file_location("score_extract", shared_dir / "tools" / "score_extract.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hard_wrap(text: str, width: int) -> str:
    """Every line cut every `width` characters, whatever it cuts."""
    return "\n".join(line[i:i + width] for line in text.split("\n")
                     for i in range(0, max(len(line), 1), width))


def ocr_zeros(text: str) -> str:
    """Every 0 inside a figure read as the letter O (leading zeros and lone 0s kept)."""
    return re.sub(r"(?<=\d)0", "O", text)


def scores(pages: dict, scorer, damage) -> dict:
    out = {}
    for key, (text, spec) in pages.items():
        doc = json.loads(json.dumps(extract(damage(text).encode("utf-8")).to_json()))
        out[key] = scorer.score_page(doc, spec)
    return out


@pytest.mark.parametrize("width", [25, 40, 64])
def test_no_figure_of_a_hard_wrapped_copy_is_wrong(gold, scorer, width):
    wrong = {k: r["notes"] for k, r in scores(gold, scorer, lambda t: hard_wrap(t, width)).items() if r["fp"]}
    assert wrong == {}


@pytest.mark.parametrize("width", [25, 40])
def test_a_hard_wrapped_copy_reads_as_the_original(gold, scorer, width):
    whole = scores(gold, scorer, lambda t: t)
    wrapped = scores(gold, scorer, lambda t: hard_wrap(t, width))
    assert {k: r["tp"] for k, r in wrapped.items()} == {k: r["tp"] for k, r in whole.items()}


def test_no_figure_of_an_ocr_copy_is_wrong(gold, scorer):
    wrong = {k: r["notes"] for k, r in scores(gold, scorer, ocr_zeros).items() if r["fp"]}
    assert wrong == {}


def test_an_ocr_o_inside_a_figure_is_a_zero():
    assert ocr_digits("政府网站公开数条346O853762、2O16年1O1条3OO人") == \
        "政府网站公开数条3460853762、2016年101条300人"


def test_letters_not_inside_a_figure_stay_letters():
    assert ocr_digits("答复数条OO，邮箱pzxxgkb@163.com，IOS 10") == "答复数条OO，邮箱pzxxgkb@163.com，IOS 10"


def test_prose_with_lines_of_many_lengths_is_not_taken_for_a_hard_wrap(gold):
    assert [k for k, (text, _) in gold.items()
            if fixed_wrap([Block(line) for line in text.split("\n") if line.strip()])] == []


def test_one_line_repeated_is_not_taken_for_a_hard_wrap():
    line = "2019年，全区认真贯彻落实政务公开决策部署，围绕群众关心的热点问题，进一步推进重点领域信息公开。"
    assert fixed_wrap([Block(line) for _ in range(40)]) is None
