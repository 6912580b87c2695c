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


def test_utf16_html_without_bom_is_html_not_binary():
    from tests.fuzz.bombs import html_utf16_no_bom
    assert sniff_kind(html_utf16_no_bom()) == "html"


def test_utf16_text_without_bom_is_text_not_binary():
    assert sniff_kind("某区2023年政府信息公开工作年度报告\n共收到申请45件。".encode("utf-16-le")) == "text"


def test_zip_without_word_parts_is_binary():
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff_kind(buf.getvalue()) == "binary"
