"""Hostile sources are refused with one line naming the limit they hit, before the work they
ask for is done; every error a source raises is an ExtractError; the time limit cannot be
swallowed. Small bombs with low limits: the full-size bombs are measured by
tests/bench/bench_bombs.py, not timed here."""
from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pytest

from flows.limits import time_limit
from tests.fuzz import bombs
from transforms.errors import ExtractError, TimeLimit
from transforms.extract import extract, to_rawpage
from transforms.limits import DEFAULT, Limits
from transforms.sources.docx import docx_to_rawpage

MB = 1024 * 1024
REPORT = [bombs.REPORT_TITLE, "2023年，全区共主动公开政府信息5321条，收到政府信息公开申请45件。"]


def _refusal(raw: bytes, limits: Limits = DEFAULT) -> str:
    with pytest.raises(ExtractError) as err:
        to_rawpage(raw, limits=limits)
    return str(err.value)


# ----------------------------------------------------------------------------- DOCX
@pytest.fixture(scope="module")
def paragraph_bomb(tmp_path_factory) -> bytes:
    return bombs.docx_paragraph_bomb(tmp_path_factory.mktemp("docx") / "p.docx", 8 * MB).read_bytes()


def test_docx_part_over_the_size_limit_refused_naming_it(paragraph_bomb):
    assert "(limit zip_max_part_bytes = 4 MB)" in _refusal(paragraph_bomb, Limits(zip_max_part_bytes=4 * MB))


def test_docx_part_over_the_ratio_limit_refused_naming_it(paragraph_bomb):
    assert "(limit zip_max_ratio = 50)" in _refusal(paragraph_bomb, Limits(zip_max_ratio=50))


def test_docx_parts_over_the_total_limit_refused_naming_it(paragraph_bomb):
    assert "(limit zip_max_total_bytes = 2 MB)" in _refusal(paragraph_bomb, Limits(zip_max_total_bytes=2 * MB,
                                                                           zip_max_ratio=10 ** 6))


def test_docx_with_too_many_parts_refused_naming_it():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(30):
            z.writestr(f"word/media/{i}.bin", b"x")
    assert "(limit zip_max_entries = 20)" in _refusal(buf.getvalue(), Limits(zip_max_entries=20))


def test_docx_within_the_limits_is_read():
    raw = bombs.docx_bytes(REPORT)
    assert docx_to_rawpage(raw).blocks[0].text == bombs.REPORT_TITLE


def _docx_relabelled(method: int) -> bytes:
    """A DOCX whose document.xml claims compression `method` (local header and directory)."""
    raw = bytearray(bombs.docx_bytes(REPORT))
    z = zipfile.ZipFile(io.BytesIO(bytes(raw)))
    info = z.getinfo("word/document.xml")
    z.close()
    for sig, at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # local header, central directory
        pos = raw.find(sig)
        while pos >= 0:
            name_len = struct.unpack_from("<H", raw, pos + (26 if sig == b"PK\x03\x04" else 28))[0]
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if raw[name_at:name_at + name_len] == info.filename.encode():
                struct.pack_into("<H", raw, pos + at, method)
            pos = raw.find(sig, pos + 4)
    return bytes(raw)


def test_docx_with_an_unknown_compression_method_is_an_extract_error():
    assert "compression method 99" in _refusal(_docx_relabelled(99))


def test_docx_with_a_corrupt_deflate_stream_is_an_extract_error():
    raw = bytearray(bombs.docx_bytes(REPORT * 50))
    z = zipfile.ZipFile(io.BytesIO(bytes(raw)))
    info = z.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename)
    raw[start + 10:start + 40] = b"\xff" * 30  # inside the deflate data: zlib.error when read
    assert _refusal(bytes(raw)).startswith("unreadable DOCX")


# ----------------------------------------------------------------------------- PDF
def test_pdf_stream_over_the_limit_refused_naming_it():
    raw = bombs.pdf_deflate_bomb(6 * MB)
    assert _refusal(raw, Limits(pdf_max_stream_bytes=2 * MB)) == \
        "PDF stream decodes to more than 2 MB (limit pdf_max_stream_bytes = 2 MB)"


def test_pdf_streams_over_the_document_budget_refused_naming_it():
    pages = [[f"line {i} of page {p}" * 20 for i in range(40)] for p in range(30)]
    assert "(limit pdf_max_decoded_bytes = 20 KB)" in _refusal(bombs.pdf_text(pages),
                                                                Limits(pdf_max_decoded_bytes=20 * 1024))


def test_pdf_page_laying_out_too_many_objects_refused_naming_it():
    assert _refusal(bombs.pdf_char_bomb(50000), Limits(pdf_max_page_objects=10000)) == \
        "PDF page lays out more than 10000 objects (limit pdf_max_page_objects = 10000)"


def test_pdf_within_the_limits_is_read():
    assert "annual report" in extract(bombs.pdf_text([["annual report text"]])).text


def test_long_pdf_reads_only_the_first_pages_and_says_so():
    pages = [[f"page {p} text"] for p in range(12)]
    raw = to_rawpage(bombs.pdf_text(pages), limits=Limits(pdf_max_pages=5))
    assert (max(b.page_no for b in raw.blocks), raw.warnings) == \
        (5, ["PDF too long: only the first 5 of 12 pages were read (limit pdf_max_pages = 5)"])


def test_page_count_bomb_says_which_limit_and_not_just_no_text():
    assert _refusal(bombs.pdf_page_bomb(5000)) == (
        "PDF has no text layer in the pages read: only the first 200 of 5000 pages were read "
        "(limit pdf_max_pages = 200)")


def test_page_count_bomb_ends_without_listing_every_page():
    start = time.monotonic()
    _refusal(bombs.pdf_page_bomb(20000))
    small = time.monotonic()
    _refusal(bombs.pdf_page_bomb(400))
    # Listing is lazy: 50 times the pages costs about the parse of the file, not 50 times.
    assert small - start < 10 * (time.monotonic() - small) + 1.0


def test_time_limit_is_not_swallowed_by_the_pdf_code():
    raw = bombs.pdf_slow(pages=60, chars_per_page=3000)
    start = time.monotonic()
    with pytest.raises(TimeLimit):
        with time_limit(0.3):
            extract(raw)
    assert time.monotonic() - start < 3.0  # and nothing lists the pages again on the way out


def test_time_limit_is_not_an_exception():
    assert not issubclass(TimeLimit, Exception)


# ----------------------------------------------------------------------------- others
def test_html_with_too_many_tags_refused_naming_it():
    raw = b"<html><body>" + b"<p>a</p>" * 2000 + b"</body></html>"
    assert "(limit html_max_tags = 1000)" in _refusal(raw, Limits(html_max_tags=1000))


def test_text_with_too_many_lines_refused_naming_it():
    assert "(limit text_max_lines = 100)" in _refusal("报告\n".encode() * 500, Limits(text_max_lines=100))


def test_doc_text_over_the_limit_refused_naming_it():
    from pathlib import Path
    raw = (Path(__file__).parent / "fixtures" / "doc" / "template_2021.doc").read_bytes()
    assert "(limit doc_max_chars = 100)" in _refusal(raw, Limits(doc_max_chars=100))


def test_doc_stream_over_the_limit_refused_naming_it():
    from pathlib import Path
    raw = (Path(__file__).parent / "fixtures" / "doc" / "template_2021.doc").read_bytes()
    assert "(limit doc_max_stream_bytes = 1 KB)" in _refusal(raw, Limits(doc_max_stream_bytes=1024))


def test_source_over_the_byte_limit_refused_naming_it():
    assert "(limit max_source_bytes = 1 KB)" in _refusal(b"x" * 2048, Limits(max_source_bytes=1024))


# ----------------------------------------------------------------------------- limits as settings
def test_limits_overridden_by_name_with_size_suffixes():
    assert DEFAULT.with_overrides("pdf_max_pages=300, zip_max_part_bytes=64M").zip_max_part_bytes == 64 * MB


def test_unknown_limit_name_is_refused():
    with pytest.raises(ExtractError, match="unknown limit 'pdf_pages'"):
        DEFAULT.with_overrides("pdf_pages=3")


def test_bad_limit_value_is_refused():
    with pytest.raises(ExtractError, match="needs a number"):
        DEFAULT.with_overrides("pdf_max_pages=many")


def test_bad_limits_in_the_environment_are_one_line_usage_error(tmp_path):
    import os
    import subprocess
    from tests.conftest import CLI
    p = tmp_path / "a.txt"
    p.write_text("报告", encoding="utf-8")
    out = subprocess.run([str(CLI), "extract", str(p)], capture_output=True,
                         env={**os.environ, "GOVREPORTS_LIMITS": "nonsense=1"})
    assert (out.returncode, out.stderr.decode().count("\n")) == (2, 1)


def test_limits_from_the_environment_reach_extract(tmp_path):
    import os
    import subprocess
    from tests.conftest import CLI
    p = tmp_path / "long.pdf"
    p.write_bytes(bombs.pdf_text([[f"page {i}"] for i in range(4)]))
    out = subprocess.run([str(CLI), "extract", "--json", str(p)], capture_output=True,
                         env={**os.environ, "GOVREPORTS_LIMITS": "pdf_max_pages=2"})
    assert "only the first 2 of 4 pages" in out.stdout.decode()


# ----------------------------------------------------------------------------- zip internals
def test_lying_entry_count_does_not_hide_a_huge_directory():
    from transforms.sources.docx import zip_directory
    raw = bombs.docx_bytes(REPORT)
    at = raw.rfind(b"PK\x05\x06")
    lied = raw[:at + 8] + struct.pack("<HH", 1, 1) + raw[at + 12:]
    assert zip_directory(lied)[0] == 1 and zip_directory(raw)[0] == 3


def test_deflate_salvage_is_linear_on_a_damaged_stream():
    from transforms.sources.pdf_bounds import _decompress_corrupted
    data = zlib.compress(b"BT (x) Tj ET " * 200000)
    damaged = data[:len(data) // 2] + b"\xff" * 64 + data[len(data) // 2 + 64:]
    start = time.monotonic()
    out = _decompress_corrupted(damaged)
    assert out.startswith(b"BT (x) Tj ET") and time.monotonic() - start < 2.0
