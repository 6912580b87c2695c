"""Fingerprints of clean text: exact hash, MinHash and the numbers a report prints."""
from __future__ import annotations

import os
import subprocess
import sys

import opencc
import pytest

from conftest import REPO
from transforms.dedupe.fingerprint import (fingerprint, is_informative, normalise, number_containment,
                                    numbers_in, text_similarity)

S2T = opencc.OpenCC("s2t.json")


@pytest.fixture(scope="module")
def seed_texts(shared_dir):
    return [p.read_text(encoding="utf-8") for p in sorted((shared_dir / "seeds").glob("*.txt"))]


def test_traditional_copy_has_the_same_text_hash(seed_texts):
    text = seed_texts[0]
    assert fingerprint(S2T.convert(text)).text_sha256 == fingerprint(text).text_sha256


def test_spacing_and_punctuation_do_not_change_the_hash():
    a = "2017年,全区共接到政府信息公开申请2681件。"
    b = "2017 年 ,全区共接到\n政府信息公开申请 2681 件 ."
    assert fingerprint(a).text_sha256 == fingerprint(b).text_sha256


def test_full_width_digits_fold_to_ascii():
    assert normalise("申请２６８１件") == normalise("申请2681件")


def test_thousands_separators_are_dropped_from_numbers():
    assert numbers_in("主动公开38,091条,其中1.50万元") == ("1.5", "38091")


def test_years_and_single_digits_are_not_informative():
    assert [is_informative(n) for n in ("2017", "7", "0", "2681", "12")] == [False, False, False, True, True]


def test_small_edit_keeps_text_similar(seed_texts):
    text = seed_texts[1]
    edited = text.replace("政府信息公开", "政务公开", 3)
    assert text_similarity(fingerprint(text), fingerprint(edited)) > 0.8


def test_different_reports_are_not_similar(seed_texts):
    assert text_similarity(fingerprint(seed_texts[0]), fingerprint(seed_texts[1])) < 0.3


def test_number_containment_ignores_numbers_added_on_one_side():
    report = ("2681", "2670", "233", "51")
    assert number_containment(report, report + ("400", "8899")) == 1.0


def test_number_containment_of_other_figures_is_low():
    assert number_containment(("2681", "2670", "233", "51"), ("1903", "1880", "97", "51")) == 0.25


def test_minhash_is_the_same_in_another_process(seed_texts):
    text = seed_texts[2][:3000]
    code = ("import sys; from transforms.dedupe.fingerprint import fingerprint; "
            "sys.stdout.write(fingerprint(sys.stdin.buffer.read().decode(\"utf-8\")).minhash.hex())")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], input=text.encode("utf-8"), cwd=REPO,
                         env=env, capture_output=True, check=True).stdout.decode()
    assert out == fingerprint(text).minhash.hex()


def test_empty_text_has_no_similarity():
    assert text_similarity(fingerprint(""), fingerprint("年度报告")) == 0.0
