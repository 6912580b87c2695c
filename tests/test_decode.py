"""Bytes in the encodings Chinese portals use decode without mojibake."""
import codecs
from pathlib import Path

from transforms.sources.decode import canonical, decode_bytes

PAGES = Path(__file__).parent / "fixtures" / "pages"
# 镕 and 堃 are in GBK but not in GB2312: a page labelled gb2312 routinely contains them.
TEXT = "镕城区2019年政府信息公开工作年度报告，王堃同志分管，共主动公开政府信息5321条。"


def html(charset: str, body: str = TEXT) -> str:
    return f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"></head><body><p>{body}</p></body></html>'


def test_utf8_page_decodes_as_utf8():
    text, codec = decode_bytes(html("utf-8").encode("utf-8"))
    assert TEXT in text and codec == "utf-8"


def test_gbk_bytes_declared_gb2312_keep_gbk_only_characters():
    text, _ = decode_bytes(html("gb2312").encode("gbk"))
    assert TEXT in text


def test_gb2312_label_maps_to_gb18030():
    assert canonical("GB2312") == "gb18030"


def test_meta_that_claims_utf8_over_gbk_bytes():
    text, codec = decode_bytes(html("utf-8").encode("gbk"))
    assert TEXT in text and codec == "gb18030"


def test_meta_that_claims_gb2312_over_utf8_bytes():
    text, codec = decode_bytes(html("gb2312").encode("utf-8"))
    assert TEXT in text and codec == "utf-8"


def test_header_charset_is_used_when_page_has_none():
    raw = f"<html><body><p>{TEXT}</p></body></html>".encode("gbk")
    text, _ = decode_bytes(raw, content_type="text/html; charset=GBK")
    assert TEXT in text


def test_latin1_label_is_not_trusted_over_gbk_bytes():
    text, _ = decode_bytes(html("iso-8859-1").encode("gbk"))
    assert TEXT in text


def test_utf8_bom():
    text, _ = decode_bytes(codecs.BOM_UTF8 + TEXT.encode("utf-8"), html=False)
    assert text == TEXT


def test_utf16_bom():
    text, _ = decode_bytes(TEXT.encode("utf-16"), html=False)
    assert text == TEXT


def test_gbk_text_without_any_charset():
    text, _ = decode_bytes(TEXT.encode("gbk"), html=False)
    assert text == TEXT


def test_big5_text_without_any_charset():
    trad = "富陽區深入貫徹落實黨的十九大精神，堅持以公開為常態、不公開為例外原則。"
    text, codec = decode_bytes(trad.encode("big5"), html=False)
    assert text == trad and codec.startswith("big5")


def test_undecodable_bytes_do_not_raise():
    text, _ = decode_bytes(b"\xff\xfe\xfa\x80\x81" * 10 + TEXT.encode("gbk"), html=False)
    assert isinstance(text, str)


def test_fixture_with_lying_meta_decodes_cleanly():
    text, _ = decode_bytes((PAGES / "www.rongcheng.gov.cn.gbk-lying-meta.html").read_bytes())
    assert "王堃同志分管政府信息公开工作" in text and "\ufffd" not in text


def test_utf8_page_with_a_damaged_byte_stays_utf8():
    raw = html("utf-8", TEXT * 20).encode("utf-8")
    raw = raw[:200] + b"\xff" + raw[200:]
    text, codec = decode_bytes(raw)
    assert codec == "utf-8" and TEXT in text


def test_short_gbk_text_is_not_taken_for_damaged_utf8():
    raw = '<html><body><p>Annual report 年报</p></body></html>'.encode("gbk")
    assert "年报" in decode_bytes(raw)[0]


# A long body: a stray byte is a tiny share of it.
LONG = TEXT * 20


def test_big5_without_charset_with_one_broken_byte():
    import opencc
    raw = f"<html><body><p>{opencc.OpenCC('s2tw.json').convert(LONG)}</p></body></html>".encode("big5hkscs")
    text, codec = decode_bytes(raw[:200] + b"\xff" + raw[200:])
    assert codec == "big5hkscs" and "年度報告" in text


def test_gbk_declared_gb2312_with_one_broken_byte():
    raw = html("gb2312", LONG).encode("gbk")
    text, codec = decode_bytes(raw[:300] + b"\x81\x20" + raw[300:])
    assert codec == "gb18030" and "镕城区2019年政府信息公开工作年度报告" in text


def test_many_broken_bytes_are_not_taken_as_a_damaged_page():
    from transforms.sources.decode import _damaged_decode
    raw = html("gb2312", LONG).encode("gbk")
    assert _damaged_decode(b"\xff".join(raw[i:i + 20] for i in range(0, len(raw), 20)), ["gb2312"]) is None


# ----------------------------------------------------------------------------- evidence per page
def test_utf8_page_with_one_gbk_paragraph_stays_utf8():
    from tests.fuzz.bombs import html_mixed_encoding
    text, codec = decode_bytes(html_mixed_encoding())
    assert codec == "utf-8+gb18030" and "某区2023年政府信息公开工作年度报告" in text


def test_the_gbk_paragraph_of_a_utf8_page_is_read_too():
    from tests.fuzz.bombs import html_mixed_encoding
    assert "政府信息公开申请情况统计表" in decode_bytes(html_mixed_encoding())[0]


def test_utf8_page_with_one_gbk_paragraph_keeps_its_report_title():
    from tests.fuzz.bombs import REPORT_TITLE, html_mixed_encoding
    from transforms.extract import extract
    assert extract(html_mixed_encoding()).title == REPORT_TITLE


def test_utf16_le_without_bom():
    text, codec = decode_bytes(html("utf-16", LONG).encode("utf-16-le"))
    assert codec == "utf-16-le" and TEXT in text


def test_utf16_be_without_bom():
    text, codec = decode_bytes(("年报\n" + LONG).encode("utf-16-be"), html=False)
    assert codec == "utf-16-be" and TEXT in text


def test_binary_junk_is_not_taken_for_utf16():
    from transforms.sources.decode import utf16_without_bom
    import random
    rng = random.Random(7)
    assert [utf16_without_bom(bytes(rng.randrange(256) for _ in range(4096))) for _ in range(20)] == [None] * 20


def test_gbk_page_is_not_taken_for_mostly_utf8():
    text, codec = decode_bytes(html("gb2312", LONG).encode("gbk"))
    assert codec == "gb18030" and TEXT in text


def test_declared_charsets_read_by_w3lib_aliases():
    from transforms.sources.decode import declared_charsets
    raw = b'<meta http-equiv="Content-Type" content="text/html; charset=GB2312">'
    assert declared_charsets(raw, "text/html; charset=big5") == ["big5hkscs", "gb18030"]
