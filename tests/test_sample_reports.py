"""The sample portal's generated reports read back to their truth through the real extract: the
pre-2019 prose (plain, behind spam, in a shop page, in traditional characters on a gambling
mirror) and the 2021-template PDF attachment (ReportLab's CID font read back by pdfplumber)."""
from __future__ import annotations

import io
from urllib.parse import unquote, urlsplit

import pdfplumber
import pytest

from sampleportal.free_text_reports import make_free_text_report
from sampleportal.site import HOST_KEYS, build
from transforms.extract import extract


def _figures(doc) -> dict:
    out: dict = {}
    for m in doc.metrics:
        if m.dimension is None:
            out[m.key] = m.value
        else:
            out.setdefault(m.key, {})[m.dimension] = m.value
    return out


@pytest.fixture(scope="module")
def portal():
    sites, truth = build({k: f"127.0.0.1:{9100 + i}" for i, k in enumerate(HOST_KEYS)})
    return sites, truth


def _served(sites, url: str):
    parts = urlsplit(url)
    site = next(s for s in sites.values() if s.netloc == parts.netloc)
    return site.routes.get(parts.path) or site.routes[unquote(parts.path)]


@pytest.fixture(scope="module")
def extracted(portal):
    """{url: (truth entry, Document)} for every generated pre-2019 and PDF report."""
    sites, truth = portal
    out = {}
    for r in truth.reports:
        if r["source"] in ("free_text", "template_pdf"):
            url = r["attachments"][0] if r.get("body_in_attachment") else r["url"]
            res = _served(sites, url)
            out[r["url"]] = (r, extract(res.body, url, res.content_type))
    return out


def test_every_pre2019_and_pdf_report_has_its_truth(portal):
    _sites, truth = portal
    kinds = [r["source"] for r in truth.reports if r["format"] == "pre2019" or r.get("body_in_attachment")]
    assert {"free_text", "template_pdf"} <= set(kinds) and all(
        r["truth"] for r in truth.reports if r["source"] in ("free_text", "template_pdf"))


def test_served_reports_give_exactly_their_truth(extracted):
    wrong = {url: doc.year for url, (r, doc) in extracted.items()
             if (_figures(doc), doc.year, doc.is_annual_report) != (r["truth"], r["year"], True)}
    assert wrong == {}


@pytest.mark.parametrize("seed", range(8))
def test_free_text_reports_of_other_seeds_give_their_truth(seed):
    report, truth = make_free_text_report("某市某县人民政府", "某县", 2012 + seed % 7, seed)
    assert _figures(extract(report.text().encode("utf-8"), None)) == truth


def test_free_text_report_prints_figures_that_are_not_the_year_s(extracted):
    r, doc = next(v for v in extracted.values() if v[0]["portal_id"] == "sample-xihu")
    assert {w.key for w in doc.withheld} >= {"proactive_total"}  # the cumulative count


def test_spam_line_is_stripped(extracted):
    r, doc = next(v for v in extracted.values() if v[0].get("spam_line"))
    assert doc.spam_removed and not any(s in doc.text for s in doc.spam_removed)


def test_shop_page_wrapper_and_form_are_not_report_text(extracted):
    r, doc = next(v for v in extracted.values() if v[0].get("spam_mirror") and not v[0]["traditional"])
    assert [w for w in ("留言", "华为手机套", "admin@baidu.com", "产品中心") if w in doc.text] == []


def test_traditional_mirror_is_converted_and_its_spam_stripped(extracted):
    trad = [(r, doc) for r, doc in extracted.values() if r.get("traditional")]
    assert len(trad) == 2 and all(
        doc.traditional_source and "manbetx" not in doc.text and "公开" in doc.text and "公開" not in doc.text
        for _r, doc in trad)


def test_mirrored_copy_reads_the_same_as_its_original(extracted):
    copy = next(v for v in extracted.values() if v[0].get("duplicate_of"))
    original = extracted[copy[0]["duplicate_of"]]
    assert (copy[1].title, _figures(copy[1])) == (original[1].title, _figures(original[1]))


def test_pdf_attachment_has_pages_and_tables(portal):
    sites, truth = portal
    r = next(r for r in truth.reports if r["source"] == "template_pdf")
    with pdfplumber.open(io.BytesIO(_served(sites, r["attachments"][0]).body)) as pdf:
        pages = [(p.extract_text() or "", len(p.find_tables())) for p in pdf.pages]
    assert len(pages) >= 2 and r["title"] in pages[0][0] and all(n for _t, n in pages)


def test_misprinted_report_fails_its_check_and_keeps_its_printed_figures(extracted):
    from sampleportal.site import SLIPS, free_text
    for name in SLIPS:
        text, truth = free_text(name)
        doc = extract(text.encode("utf-8"), None)
        assert ([c.check for c in doc.checks if not c.ok], _figures(doc)) == (["reconsideration_outcomes"], truth)


def test_pdf_table_three_breaks_right_after_rows_one_and_two(portal):
    """The attachment's table 三 runs over a page break just after its rows 一 and 二: the reading
    above (exact truth) joins the two parts."""
    sites, truth = portal
    r = next(r for r in truth.reports if r["source"] == "template_pdf")
    with pdfplumber.open(io.BytesIO(_served(sites, r["attachments"][0]).body)) as pdf:
        texts = [p.extract_text() for p in pdf.pages]
    first, second = next((a, b) for a, b in zip(texts, texts[1:]) if "二、上年结转" in a)
    assert "（一）予以公开" not in first and second.lstrip().startswith("（一）予以公开")
