"""Word 97-2003 .doc reports: text, fields and merged-cell tables through the whole extract.

The .doc files are frozen fixtures made by LibreOffice (tests/fixtures/doc/make_fixtures.py, whose
parameters are in manifest.yaml so the synthetic reports' truth is rebuilt here).
"""
import re
import struct
from pathlib import Path

import pytest
import yaml

from sampleportal.template_reports import make_template_report, render_html_tables, table_grid
from test_docx_source import build as build_docx
from test_template_reports import _pairs
from transforms.sources import doc as doc_source
from transforms.sources.doc import doc_to_rawpage, split_paragraphs
from transforms.sources.docx import docx_to_rawpage
from transforms.errors import ExtractError
from transforms.extract import extract
from transforms.sources.sniff import sniff_kind

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "doc"
MANIFEST = yaml.safe_load((FIXTURES / "manifest.yaml").read_text(encoding="utf-8"))
TEMPLATES = MANIFEST["templates"]
FREE_TEXT_DOC, FREE_TEXT_SOURCE = next(iter(MANIFEST["free_text"].items()))


def _raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _report(name: str):
    p = TEMPLATES[name]
    return make_template_report(p["fmt"], p["year"], p["publisher"], p["seed"])


def _tables(raw: bytes):
    return [b.table for b in doc_to_rawpage(raw).blocks if b.is_table]


def _fib_offset(raw: bytes) -> int:
    """File offset of the FIB: the WordDocument stream starts a sector with the Word magic."""
    return next(off for off in range(512, len(raw), 512) if raw[off:off + 2] == b"\xec\xa5")


def _patched(raw: bytes, fib_offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(raw)
    struct.pack_into(fmt, out, _fib_offset(raw) + fib_offset, value)
    return bytes(out)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ----------------------------------------------------------------------------- template reports
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_doc_gives_the_truth(name):
    report, truth = _report(name)
    doc = extract(_raw(name))
    got = {(m.key, m.dimension): m.value for m in doc.metrics}
    assert (doc.format, doc.year, got) == (TEMPLATES[name]["fmt"], TEMPLATES[name]["year"], _pairs(truth))


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_doc_same_metrics_as_html(name):
    report, _ = _report(name)
    from_doc = extract(_raw(name))
    from_html = extract(render_html_tables(report).encode("utf-8"))
    assert ([(m.key, m.dimension, m.value) for m in from_doc.metrics]
            == [(m.key, m.dimension, m.value) for m in from_html.metrics])


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_grids_repeat_merged_cells_like_the_source(name):
    report, _ = _report(name)
    assert _tables(_raw(name)) == [table_grid(t) for t in report.tables]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_grids_are_rectangular(name):
    assert all(len({len(row) for row in grid}) == 1 for grid in _tables(_raw(name)))


def test_title_from_summary_information():
    report, _ = _report("template_2021.doc")
    assert doc_to_rawpage(_raw("template_2021.doc")).title == report.title


def test_tables_sit_between_their_headings():
    blocks = doc_to_rawpage(_raw("template_2019.doc")).blocks
    at = next(i for i, b in enumerate(blocks) if b.is_table and len(b.table[0]) == 10)
    assert blocks[at - 1].text.startswith("三、") and blocks[at + 1].text.startswith("四、")


# ----------------------------------------------------------------------------- merges, like DOCX
def test_same_grid_as_the_docx_it_was_saved_from():
    docx_grid = next(b.table for b in docx_to_rawpage(build_docx()).blocks if b.is_table)
    assert _tables(_raw("fields.doc")) == [docx_grid]


def test_horizontal_merge_repeats_the_cell():
    assert _tables(_raw("fields.doc"))[0][0] == ["项目"] + ["申请人情况"] * 3


def test_vertical_merge_repeats_the_cell():
    assert _tables(_raw("fields.doc"))[0][1] == ["项目", "自然人", "法人或其他组织", "总计"]


def _row(cells, bounds, hmerge=None, vmerge=None):
    n = len(bounds) - 1
    rowdef = doc_source._RowDef(tuple(bounds), tuple(hmerge or [0] * n), tuple(vmerge or [0] * n))
    return doc_source._Row(list(cells), rowdef)


def test_rows_with_other_cell_edges_share_one_grid():
    grid = doc_source.table_grid([_row(["申请人情况"], [0, 3000]),
                                  _row(["自然人", "法人", "总计"], [0, 1000, 2000, 3000])])
    assert grid == [["申请人情况"] * 3, ["自然人", "法人", "总计"]]


def test_nearly_equal_cell_edges_are_one_column():
    grid = doc_source.table_grid([_row(["a", "b"], [0, 1000, 2000]), _row(["c", "d"], [0, 1004, 2000])])
    assert grid == [["a", "b"], ["c", "d"]]


def test_old_style_horizontal_merge_repeats_the_first_cell():
    grid = doc_source.table_grid([_row(["合计", ""], [0, 1000, 2000], hmerge=[1, 2]),
                                  _row(["1", "2"], [0, 1000, 2000])])
    assert grid[0] == ["合计", "合计"]


def test_vertical_merge_continues_the_restart_cell():
    grid = doc_source.table_grid([_row(["项目", "x"], [0, 1000, 2000], vmerge=[3, 0]),
                                  _row(["", "y"], [0, 1000, 2000], vmerge=[1, 0])])
    assert [r[0] for r in grid] == ["项目", "项目"]


def _tdef_operand(bounds, tcgrfs) -> bytes:
    body = bytes([len(tcgrfs)]) + struct.pack(f"<{len(bounds)}h", *bounds)
    body += b"".join(struct.pack("<H", f) + bytes(18) for f in tcgrfs)
    return struct.pack("<H", len(body) + 1) + body


def _row_end_grpprl() -> bytes:
    return (struct.pack("<HB", 0x2416, 1) + struct.pack("<HB", 0x2417, 1)
            + struct.pack("<H", 0xD608) + _tdef_operand([0, 1000, 2000], [0x60, 0])
            + struct.pack("<HBBB", 0xD62B, 2, 1, 0x03))


def test_row_end_properties_read_from_sprms():
    pap = doc_source._pap(_row_end_grpprl(), b"")
    assert (pap.in_table, pap.ttp, pap.row.bounds, pap.row.vmerge) == (True, True, (0, 1000, 2000), (3, 3))


def test_huge_papx_read_from_the_data_stream():
    grpprl = _row_end_grpprl()
    data = bytes(10) + struct.pack("<H", len(grpprl)) + grpprl
    pap = doc_source._pap(struct.pack("<HI", 0x6646, 10), data)
    assert (pap.in_table, pap.ttp, pap.row.bounds) == (True, True, (0, 1000, 2000))


# ----------------------------------------------------------------------------- free text
def _free_text_source() -> tuple[bytes, dict]:
    """The generated report the .doc was made from (sampleportal.site.FREE_TEXT), and its truth."""
    from sampleportal.site import free_text
    text, truth = free_text(FREE_TEXT_SOURCE)
    return text.encode("utf-8"), truth


def test_free_text_doc_same_text_as_its_source():
    from_doc = extract(_raw(FREE_TEXT_DOC))
    from_txt = extract(_free_text_source()[0], None, "text/plain; charset=utf-8")
    assert _squash(from_doc.text) == _squash(from_txt.text)


def test_free_text_doc_is_a_2018_report():
    doc = extract(_raw(FREE_TEXT_DOC))
    assert (doc.is_annual_report, doc.year, doc.format) == (True, 2018, "pre2019")


def test_free_text_doc_same_metrics_as_its_source():
    from_doc = extract(_raw(FREE_TEXT_DOC))
    from_txt = extract(_free_text_source()[0], None, "text/plain; charset=utf-8")
    assert from_doc.metrics and from_doc.metrics == from_txt.metrics


def test_free_text_doc_gives_the_truth():
    assert {m.key: m.value for m in extract(_raw(FREE_TEXT_DOC)).metrics} == _free_text_source()[1]


# ----------------------------------------------------------------------------- fields and characters
def test_hyperlink_field_keeps_its_text_not_its_instruction():
    text = doc_to_rawpage(_raw("fields.doc")).blocks
    lines = [b.text for b in text]
    assert f"详见{MANIFEST['fields']['hyperlink_text']}。" in lines
    assert not any("HYPERLINK" in line or "gongshu.gov.cn" in line for line in lines)


def test_page_field_keeps_its_result():
    lines = [b.text for b in doc_to_rawpage(_raw("fields.doc")).blocks]
    assert "第1页" in lines and not any("PAGE" in line for line in lines)


def test_nested_field_shows_only_the_outer_result():
    paras = split_paragraphs("甲\x13 IF \x13 PAGE \x141\x15 = 1 \x14是\x15乙\r")
    assert [p.text for p in paras] == ["甲是乙"]


def test_field_without_result_disappears():
    assert [p.text for p in split_paragraphs("甲\x13 TC \"目录\" \x15乙\r")] == ["甲乙"]


def test_marks_split_paragraphs_and_cells():
    paras = split_paragraphs("标题\r单元\x07\x07下页\x0c")
    assert [(p.text, p.mark) for p in paras] == [("标题", "\r"), ("单元", "\x07"), ("", "\x07"),
                                                 ("下页", "\x0c")]


def test_special_characters_mapped():
    paras = split_paragraphs("一\x0b二\x1e三\x1f四\x01\x08五\r")
    assert paras[0].text == "一\n二-三四五"


def test_compressed_and_unicode_pieces_joined():
    word = b"caf\x82\x93x\x94" + "中文".encode("utf-16-le")
    pieces = [doc_source._Piece(0, 7, 0, True), doc_source._Piece(7, 9, 7, False)]
    assert doc_source._main_text(word, pieces, 9) == "caf\u201a\u201cx\u201d中文"


def test_text_stops_at_the_main_document():
    word = "正文\r脚注\r".encode("utf-16-le")
    assert doc_source._main_text(word, [doc_source._Piece(0, 6, 0, False)], 3) == "正文\r"


# ----------------------------------------------------------------------------- refusals
def test_ole2_without_worddocument_is_refused():
    with pytest.raises(ExtractError, match="not a Word document"):
        doc_to_rawpage(_raw("not_word.xls"))


@pytest.mark.parametrize("keep", [100, 1000, 4096, 0.5, 0.9])
def test_truncated_doc_is_refused(keep):
    raw = _raw("template_2019.doc")
    cut = raw[:int(len(raw) * keep) if isinstance(keep, float) else keep]
    with pytest.raises(ExtractError, match="truncated|corrupt") as err:
        doc_to_rawpage(cut)
    assert "\n" not in str(err.value)


def test_any_cut_gives_a_page_or_an_extract_error():
    raw = _raw("fields.doc")
    outcomes = set()
    for n in range(8, len(raw), 333):
        try:
            outcomes.add(type(doc_to_rawpage(raw[:n])).__name__)
        except ExtractError:
            outcomes.add("ExtractError")
    assert outcomes <= {"RawPage", "ExtractError"} and "ExtractError" in outcomes


def test_encrypted_flag_is_refused():
    original = _raw("template_2019.doc")
    flags = struct.unpack_from("<H", original, _fib_offset(original) + 0x0A)[0]
    raw = _patched(original, 0x0A, "<H", flags | 0x0100)  # fEncrypted
    with pytest.raises(ExtractError, match="encrypted"):
        doc_to_rawpage(raw)


def test_word95_is_refused_as_too_old():
    raw = _patched(_raw("template_2019.doc"), 2, "<H", 104)
    with pytest.raises(ExtractError, match="Word 6/95"):
        doc_to_rawpage(raw)


def test_document_without_text_is_refused():
    raw = _patched(_raw("fields.doc"), 76, "<i", 0)  # ccpText
    with pytest.raises(ExtractError, match="no text"):
        doc_to_rawpage(raw)


def test_piece_table_outside_its_stream_is_refused():
    raw = _patched(_raw("fields.doc"), 0x1A6, "<I", 0x7FFFFFF)  # lcbClx
    with pytest.raises(ExtractError, match="corrupt"):
        doc_to_rawpage(raw)


def test_unreadable_paragraph_properties_fall_back_with_a_warning():
    raw = _patched(_raw("fields.doc"), 0x106, "<I", 0)  # lcbPlcfBtePapx
    page = doc_to_rawpage(raw)
    assert any("paragraph properties" in w for w in page.warnings) and any(b.is_table for b in page.blocks)


# ----------------------------------------------------------------------------- dispatch
def test_sniffed_as_doc():
    assert sniff_kind(_raw("template_2019.doc")) == "doc"


def test_extract_reads_doc_instead_of_refusing_it():
    assert extract(_raw("fields.doc")).text.startswith("某区2019年政府信息公开工作年度报告")


def test_extract_refuses_an_ole2_spreadsheet():
    with pytest.raises(ExtractError, match="not a Word document"):
        extract(_raw("not_word.xls"))
