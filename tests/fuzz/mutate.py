"""Seeds and a mutation fuzzer for the parsers.

Seeds are read at run time: ../shared/seeds (report texts, also wrapped in the portal page
templates in UTF-8, GBK and Big5), ../shared/real PDFs, the project's own fixtures (PDF, .doc,
saved pages), and small DOCX and PDF files made here. A mutation is deterministic: (seed index,
mutation number) gives the same bytes on every machine, so a failure can be replayed.

Operators work on bytes (flip bits, overwrite with boundary values, insert, delete, repeat a
slice, truncate, splice two seeds, change numbers in the text: PDF lengths, counts, object
numbers) and, for DOCX, on the XML inside the package (mutated, then zipped again).
"""
from __future__ import annotations

import io
import random
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
_NUMBER = re.compile(rb"\d{1,10}")
_BOUNDARY = [b"\x00", b"\xff", b"\x7f", b"\x80", b"\xfe\xff", b"\xff\xfe", b"\x00\x00\x00\x00",
             b"\xff\xff\xff\xff", b"0", b"-1", b"9" * 12, b"<", b">", b"\xe4\xb8", b"\x81"]
_NUMBERS = [b"0", b"-1", b"1", b"4294967295", b"2147483648", b"999999999", b"65535", b"1e308",
            b"-999999", b"00000000000000000000001"]


@dataclass(frozen=True)
class Seed:
    name: str
    kind: str  # text | html | pdf | docx | doc
    data: bytes


def load_seeds(shared: Path = SHARED, with_real_pdfs: bool = True) -> list[Seed]:
    from sampleportal import page_templates
    from tests.fuzz import bombs

    seeds: list[Seed] = []
    texts = sorted((shared / "seeds").glob("*.txt"))
    if not texts:
        raise FileNotFoundError(f"no seeds in {shared / 'seeds'}")
    for i, path in enumerate(texts):
        data = path.read_bytes()
        seeds.append(Seed(path.name, "text", data))
        text = data.decode("utf-8")
        title = next((x.strip() for x in text.splitlines() if "报告" in x or "報告" in x), "年度报告")
        body = page_templates.text_to_body_html(text)
        for style, enc in (("trs", "gb18030"), ("hanweb", "utf-8"), ("generic", "big5")):
            if (i + len(style)) % 2 == 0 or style == "hanweb":
                page = page_templates.render_detail_page(title, body, style=style,
                                                         encoding=enc if enc != "big5" else "utf-8")
                if enc == "big5":
                    page = _as_big5(page)
                seeds.append(Seed(f"{path.name}.{style}.html", "html", page))
    for path in sorted((REPO / "tests" / "fixtures" / "pages").glob("*.html")):
        seeds.append(Seed(path.name, "html", path.read_bytes()))
    pdfs = sorted((REPO / "tests" / "fixtures").glob("*/*.pdf"))
    if with_real_pdfs:
        pdfs += sorted((shared / "real").glob("*/*.pdf"))
    for path in pdfs:
        seeds.append(Seed(path.name, "pdf", path.read_bytes()))
    seeds.append(Seed("made.pdf", "pdf", bombs.pdf_text([[f"Report line {i} 2023 45" for i in range(20)]] * 3)))
    for path in sorted((REPO / "tests" / "fixtures" / "doc").glob("*.doc")):
        seeds.append(Seed(path.name, "doc", path.read_bytes()))
    for path in texts[:3]:
        seeds.append(Seed(f"{path.stem}.docx", "docx", _docx_seed(path.read_text(encoding="utf-8"))))
    seeds.append(Seed("minimal.docx", "docx", bombs.docx_bytes([bombs.REPORT_TITLE, bombs.REPORT_BODY])))
    seeds.append(Seed("mixed.html", "html", bombs.html_mixed_encoding()))
    seeds.append(Seed("utf16.html", "html", bombs.html_utf16_no_bom()))
    seeds.append(Seed("deep.html", "html", bombs.html_deep(300)))
    return seeds


def _as_big5(page: bytes) -> bytes:
    import opencc
    text = opencc.OpenCC("s2tw.json").convert(page.decode("utf-8"))
    return text.replace("charset=utf-8", "charset=big5").encode("big5hkscs", "replace")


def _docx_seed(text: str) -> bytes:
    import docx
    d = docx.Document()
    lines = [x.strip() for x in text.splitlines() if x.strip()][:60]
    d.core_properties.title = lines[0]
    for line in lines:
        d.add_paragraph(line)
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).merge(t.cell(0, 1)).text = "申请人情况"
    for r, row in enumerate((["本年新收", "40", "5"], ["上年结转", "2", "0"]), start=1):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------- operators
def _span(rng: random.Random, n: int, most: int = 4096) -> tuple[int, int]:
    a = rng.randrange(n)
    return a, min(n, a + 1 + rng.randrange(min(most, n)))


def flip_bits(rng, data, seeds):
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def overwrite(rng, data, seeds):
    value = rng.choice(_BOUNDARY)
    i = rng.randrange(len(data))
    return data[:i] + value + data[i + len(value):]


def insert(rng, data, seeds):
    i = rng.randrange(len(data) + 1)
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    return data[:i] + junk + data[i:]


def delete(rng, data, seeds):
    a, b = _span(rng, len(data))
    return data[:a] + data[b:]


def repeat(rng, data, seeds):
    a, b = _span(rng, len(data), 256)
    return data[:b] + data[a:b] * rng.randint(2, 200) + data[b:]


def truncate(rng, data, seeds):
    return data[:rng.randrange(1, len(data))]


def splice(rng, data, seeds):
    other = rng.choice(seeds).data
    i, j = rng.randrange(len(data)), rng.randrange(len(other))
    return data[:i] + other[j:j + rng.randint(1, 8192)] + data[i:]


def numbers(rng, data, seeds):
    found = list(_NUMBER.finditer(data[:200000]))
    if not found:
        return overwrite(rng, data, seeds)
    b = data
    for m in sorted(rng.sample(found, min(len(found), rng.randint(1, 4))), key=lambda m: -m.start()):
        b = b[:m.start()] + rng.choice(_NUMBERS) + b[m.end():]  # from the end: offsets hold
    return b


BYTE_OPERATORS = [flip_bits, overwrite, insert, delete, repeat, truncate, splice, numbers]


def mutate_docx(rng, data, seeds):
    """Mutate one XML part of the package with the byte operators and zip it again."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    except Exception:
        return flip_bits(rng, data, seeds)
    xml = [n for n in parts if n.endswith(".xml") or n.endswith(".rels")]
    name = "word/document.xml" if "word/document.xml" in parts and rng.random() < 0.6 else rng.choice(xml)
    for _ in range(rng.randint(1, 3)):
        op = rng.choice([flip_bits, overwrite, insert, delete, repeat, truncate, numbers])
        parts[name] = op(rng, parts[name], seeds) or b" "
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for n, content in parts.items():
            out.writestr(n, content)
    return buf.getvalue()


def mutation(seeds: list[Seed], seed_index: int, number: int) -> bytes:
    """The mutation `number` of seed `seed_index`: the same bytes on every run."""
    rng = random.Random(seed_index * 1_000_003 + number)
    seed = seeds[seed_index]
    data = seed.data
    if seed.kind == "docx" and rng.random() < 0.7:
        return mutate_docx(rng, data, seeds)
    for _ in range(rng.randint(1, 4)):
        data = rng.choice(BYTE_OPERATORS)(rng, data, seeds) or b"\x00"
    return data
