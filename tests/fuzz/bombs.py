"""Generators of hostile sources: decompression bombs, page-count bombs, deep nesting, mixed
encodings. Each writes to a path (big ones are streamed: the generator never holds the inflated
size in memory) or returns bytes (small ones). Sizes are parameters: tests use small versions
with low limits, the benchmark uses the sizes measured in the issue."""
from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

MB = 1024 * 1024

# ----------------------------------------------------------------------------- DOCX
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
_DOC_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
             '<w:body>')
_DOC_TAIL = '</w:body></w:document>'


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A minimal valid DOCX holding these paragraphs (python-docx reads it)."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", _DOC_HEAD + body + _DOC_TAIL)
    return buf.getvalue()


def _docx_streamed(path: Path, chunks) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(_DOC_HEAD.encode())
            for chunk in chunks:
                fh.write(chunk)
            fh.write(_DOC_TAIL.encode())
    return path


def docx_paragraph_bomb(path: Path, inflated: int = 1100 * MB) -> Path:
    """document.xml of `inflated` bytes of small paragraphs (the issue's 1.1 GB case)."""
    para = "<w:p><w:r><w:t>政府信息公开</w:t></w:r></w:p>".encode()
    block = para * (MB // len(para))
    return _docx_streamed(path, (block for _ in range(inflated // len(block))))


def docx_text_node_bomb(path: Path, inflated: int = 1200 * MB) -> Path:
    """One paragraph whose single text node is `inflated` bytes (the issue's 1.2 GB case)."""
    def chunks():
        yield b"<w:p><w:r><w:t>"
        block = b"A" * MB
        for _ in range(inflated // MB):
            yield block
        yield b"</w:t></w:r></w:p>"
    return _docx_streamed(path, chunks())


# ----------------------------------------------------------------------------- PDF
def _pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF file of numbered objects (1..n) with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, root, xref))
    return out.getvalue()


def _stream(data: bytes, compress: bool = True) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def pdf_text(pages: list[list[str]]) -> bytes:
    """A small valid PDF: one page per list of (ASCII) lines, Helvetica text."""
    n = len(pages)
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", _FONT]
    kids = []
    for lines in pages:
        content = b"BT /F1 12 Tf 72 720 Td 14 TL " + b" ".join(
            b"(" + line.encode("latin-1").replace(b"(", b"").replace(b")", b"") + b") '" for line in lines) + b" ET"
        objs.append(_stream(content))
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 3 0 R >> >> >>" % (len(objs)))
        kids.append(len(objs))
    objs[1] = b"<< /Type /Pages /Count %d /Kids [%s] >>" % (n, b" ".join(b"%d 0 R" % k for k in kids))
    return _pdf(objs)


def pdf_page_bomb(pages: int) -> bytes:
    """A PDF of `pages` empty pages (no content, no text): the issue's 5k/10k-page case."""
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
    kids = []
    for _ in range(pages):
        objs.append(page)
        kids.append(len(objs))
    objs[1] = b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, b" ".join(b"%d 0 R" % k for k in kids))
    return _pdf(objs)


def pdf_deflate_bomb(inflated: int = 2048 * MB, fill: bytes = b" ") -> bytes:
    """One page whose content stream inflates to `inflated` bytes (the issue's 2 GB case).
    Compressed in chunks: the generator never holds the inflated stream."""
    comp = zlib.compressobj(9)
    block = fill * MB
    parts = [comp.compress(block) for _ in range(inflated // MB)]
    parts.append(comp.compress(b" BT /F1 12 Tf 72 720 Td (bomb) Tj ET"))
    parts.append(comp.flush())
    data = b"".join(parts)
    content = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            content, _FONT]
    return _pdf(objs)


def pdf_char_bomb(chars: int = 2_000_000) -> bytes:
    """One page showing `chars` characters from one string: a 2 KB stream, millions of objects."""
    content = b"BT /F1 1 Tf 10 700 Td (" + b"a" * chars + b") Tj ET"
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                 b"/Resources << /Font << /F1 5 0 R >> >> >>", _stream(content), _FONT])


def pdf_slow(pages: int = 200, chars_per_page: int = 12000) -> bytes:
    """Pages dense with tiny text runs: within every size limit, yet slow to lay out (the
    input that shows whether the per-document time limit holds)."""
    line = b"(0123456789) Tj 0 -1 Td "
    per = max(1, chars_per_page // 10)
    content = b"BT /F1 1 Tf 10 780 Td " + line * per + b"ET"
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", _FONT, _stream(content)]
    kids = []
    for _ in range(pages):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                    b"/Resources << /Font << /F1 3 0 R >> >> >>")
        kids.append(len(objs))
    objs[1] = b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, b" ".join(b"%d 0 R" % k for k in kids))
    return _pdf(objs)


# ----------------------------------------------------------------------------- HTML and text
REPORT_TITLE = "某区2023年政府信息公开工作年度报告"
REPORT_BODY = ("本报告依据《中华人民共和国政府信息公开条例》编制，全文包括总体情况、主动公开政府信息情况、"
               "收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况。"
               "2023年，全区共主动公开政府信息5321条，收到政府信息公开申请45件，均已按时答复。")


def html_deep(depth: int = 300, title: str = REPORT_TITLE, body: str = REPORT_BODY) -> bytes:
    """A report whose body sits `depth` elements deep (lxml's default limit is 256)."""
    inner = f"<h1>{title}</h1>" + "".join(f"<p>{body}</p>" for _ in range(3))
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>"
            + "<div>" * depth + inner + "</div>" * depth + "</body></html>").encode("utf-8")


def html_mixed_encoding(title: str = REPORT_TITLE, body: str = REPORT_BODY) -> bytes:
    """A UTF-8 page (declared so) with one paragraph pasted in GBK bytes."""
    head = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><h1>{title}</h1><div class=\"content\">").encode("utf-8")
    paras = b"".join(f"<p>{body}</p>".encode("utf-8") for _ in range(3))
    gbk = "<p>附件：政府信息公开申请情况统计表（单位：件）</p>".encode("gbk")
    return head + paras + gbk + b"</div></body></html>"


def html_utf16_no_bom(title: str = REPORT_TITLE, body: str = REPORT_BODY, big_endian: bool = False) -> bytes:
    page = (f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
            + "".join(f"<p>{body}</p>" for _ in range(3)) + "</body></html>")
    return page.encode("utf-16-be" if big_endian else "utf-16-le")
