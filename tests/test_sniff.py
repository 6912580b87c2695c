"""What a source is, from its bytes."""
from transforms.sources.sniff import sniff_kind


def test_pdf_by_magic():
    assert sniff_kind(b"%PDF-1.7\n...") == "pdf"


def test_html_by_markup():
    assert sniff_kind("<html><body><p>年度报告</p></body></html>".encode("gbk")) == "html"


def test_utf16_html_with_bom_is_html():
    assert sniff_kind("<html><body><p>年度报告</p></body></html>".encode("utf-16")) == "html"


def test_utf16_text_with_bom_is_text():
    assert sniff_kind("2018年政府信息公开工作年度报告\n全年受理申请3件。".encode("utf-16")) == "text"


def test_gbk_plain_text_is_text():
    assert sniff_kind("2018年政府信息公开工作年度报告\n全年受理申请3件。".encode("gb18030")) == "text"


def test_control_bytes_are_binary():
    assert sniff_kind(bytes(range(256)) * 10) == "binary"
