"""A template report written as a multi-page PDF (ReportLab), as portals attach their reports.

The text is set in ReportLab's built-in CID font STSong-Light (a PDF viewer's standard Chinese
font: nothing to embed, and its text layer maps back to Unicode). Tables are ruled grids with the
templates' merged cells; a long table runs on over a page break the way Word prints it.
"""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from sampleportal.template_reports import Table, TemplateReport

FONT = "STSong-Light"


def _spans(table: Table) -> tuple[list[list[str]], list[tuple]]:
    """The table as a grid (a merged cell's text once, at its top left) and its SPAN commands."""
    texts: dict[tuple[int, int], str] = {}
    spans = []
    n_rows = n_cols = 0
    for r, c, cell in table.placed():
        texts[(r, c)] = cell.text
        if cell.rowspan > 1 or cell.colspan > 1:
            spans.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
        n_rows, n_cols = max(n_rows, r + cell.rowspan), max(n_cols, c + cell.colspan)
    return [[texts.get((r, c), "") for c in range(n_cols)] for r in range(n_rows)], spans


def _widths(n_cols: int, total: float) -> list[float]:
    if n_cols == 10:  # table 三: three label columns, seven of figures
        label = [0.07, 0.11, 0.30]
        rest = (1 - sum(label)) / 7
        return [total * w for w in label] + [total * rest] * 7
    if n_cols == 4:  # table 二
        return [total * 0.31] + [total * 0.23] * 3
    return [total / n_cols] * n_cols


def render_pdf(report: TemplateReport) -> bytes:
    """The report as PDF bytes: A4 pages, title, prose and the ruled tables."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    title = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=24, alignment=1, wordWrap="CJK")
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=17, firstLineIndent=21,
                          wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=7, leading=9, wordWrap="CJK")
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=50, rightMargin=50, topMargin=56, bottomMargin=56,
                            title=report.title, author=report.publisher)
    story = []
    for part in report.parts:
        if isinstance(part, Table):
            grid, spans = _spans(part)
            data = [[Paragraph(escape(t).replace("\n", "<br/>"), cell) if t else "" for t in row] for row in grid]
            table = LongTable(data, colWidths=_widths(len(grid[0]), doc.width), spaceBefore=4, spaceAfter=8)
            table.setStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                            ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                            *spans])
            story.append(table)
        elif part == report.title:
            story += [Paragraph(escape(part), title), Spacer(1, 10)]
        else:
            story.append(Paragraph(escape(part), body))
    doc.build(story, onLaterPages=_page_number, onFirstPage=_page_number)
    return buf.getvalue()


def _page_number(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(doc.pagesize[0] / 2, 30, f"- {doc.page} -")
    canvas.restoreState()
