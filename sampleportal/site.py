"""The sample portal's content: several small government sites (and a spam mirror and a file
host) built from generated reports (pre-2019 prose, 2019/2021-template tables, one as a PDF), plus
the truth of what a crawler should find on them, figures included.

Sites (one host each; hosts are 127.0.0.1:<port>):
  trs      杭州市西湖区  TRS WCM listing (createPageHTML), ETag/Last-Modified, robots.txt
                         disallows /private/, a report whose body is a DOCX on the file host
  hanweb   三明市三元区  Hanweb col/colNNN + jpage dataproxy.jsp, GBK labelled gb2312, one page
                         with no charset at all, a transient 503, a slow page, no validators
  gd       杭州市拱墅区  Guangdong-style content/post_NNN + index_N, crawled from the home page,
                         a report posted in two columns, a dead link (404), a notice, ETags
  generic  淮安市        下一页-only listing in GBK (header/meta disagreeing, then no charset),
                         a PDF attachment, an endless calendar trap, a link to the mirror host
  mirror   spam shop     reports inside shop pages, one in traditional characters on a gambling
                         mirror, and a traditional copy of the 拱墅区 2018 report (a duplicate)
  files    file host     attachments linked from the trs site (allowed as attachment host only)
"""
from __future__ import annotations

import hashlib
import re
import io
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Callable, Optional
from urllib.parse import quote, urljoin

from sampleportal import pages
from sampleportal.free_text_reports import make_free_text_report
from sampleportal.pdf_report import render_pdf
from sampleportal.template_reports import grid_blocks, make_template_report, render_html_body

# The pre-2019 reports, generated: name -> (publisher, region, year, seed).
FREE_TEXT = {"xihu-2017": ("杭州市西湖区人民政府", "西湖区", 2017, 0),
             "sanyuan-2017": ("三明市三元区人民政府", "三元区", 2017, 1),
             "gongshu-2018": ("杭州市拱墅区人民政府", "拱墅区", 2018, 2),
             "zj-2017-shop": ("浙江省人民政府", "浙江省", 2017, 3),
             "fuyang-2018-trad": ("杭州市富阳区人民政府", "富阳区", 2018, 4)}
# Foreign lines inside a report's text, as copied pages carry them: {paragraph index: line}.
SPAM_LINES = {"xihu-2017": {0: "江南419社区"}}
SLIPS = {"fuyang-2018-trad"}  # reports that misprint a figure (their checks fail)
BASE_TIME = 1704067200  # 2024-01-01T00:00:00Z: Last-Modified of every page until changed
SITE_NAMES = {"sample-xihu": "杭州市西湖区人民政府门户网站", "sample-sanyuan": "三明市三元区人民政府网",
              "sample-gongshu": "杭州市拱墅区人民政府门户网站", "sample-huaian": "淮安市人民政府门户网站"}
HOST_KEYS = ("trs", "hanweb", "gd", "generic", "mirror", "files")


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    flaky: int = 0  # this many first requests answer 503
    delay: float = 0.0  # seconds before answering
    modified: float = BASE_TIME

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'

    @property
    def last_modified(self) -> str:
        return formatdate(self.modified, usegmt=True)


@dataclass
class Site:
    key: str
    netloc: str
    validators: bool = False  # answers If-None-Match / If-Modified-Since with 304
    robots: Optional[str] = "User-agent: *\nDisallow:\n"
    routes: dict[str, Resource] = field(default_factory=dict)
    dynamic: dict[str, Callable[[dict], Optional[Resource]]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://{self.netloc}"

    def url(self, path: str) -> str:
        """Absolute URL as a client requests it (non-ASCII path percent-encoded as UTF-8)."""
        return urljoin(self.base + "/", quote(path.lstrip("/"), safe="/%?=&"))


def free_text(name: str) -> tuple[str, dict]:
    """A generated pre-2019 report's text (with its foreign lines, if any) and its truth."""
    report, truth = make_free_text_report(*FREE_TEXT[name], slip=name in SLIPS)
    return report.text(SPAM_LINES.get(name)), truth


def _encode(text, encoding: str) -> bytes:
    return text if isinstance(text, bytes) else text.encode(encoding, "xmlcharrefreplace")


def _strip_charset(page: bytes) -> bytes:
    """The page without any <meta ... charset=...> (a portal that declares nothing)."""
    return re.sub(rb"<meta[^>]*charset=[^>]*>", b"", page, flags=re.I)


def _detail(pid: str, title: str, body_html: str, **kw) -> bytes:
    """A detail page in the chrome of portal `pid`'s site."""
    kw.setdefault("site_name", SITE_NAMES.get(pid))
    return pages.detail_page(title, body_html, **kw)


def _html(text: str, charset_header: Optional[str] = "utf-8", encoding: str = "utf-8") -> Resource:
    ctype = f"text/html; charset={charset_header}" if charset_header else "text/html"
    return Resource(_encode(text, encoding), ctype)


class Truth:
    """What exists on the sample portal, per portal id. Each report says how it was made
    (`source`: template, free_text, template_pdf, or extra for the benchmarks' filler) and, but
    for the extras, its printed figures (`truth`: {key: value or {dimension: value}})."""

    def __init__(self):
        self.portals: dict[str, dict] = {}
        self.reports: list[dict] = []

    def portal(self, pid: str, site: Site, start_urls: list[str]) -> dict:
        return self.portals.setdefault(pid, {
            "host": site.netloc, "start_urls": start_urls, "reports": [], "attachments": [],
            "not_reports": [], "dead_links": [], "robots_disallowed": [], "offsite": [],
            "flaky": [], "slow": [], "trap_prefix": None, "validators": site.validators})

    def report(self, pid: str, url: str, **info) -> None:
        self.portals[pid]["reports"].append(url)
        self.reports.append({"portal_id": pid, "url": url, **info})


def _template(fmt: str, year: int, publisher: str, seed: int):
    return make_template_report(fmt, year, publisher, seed)


def _fmt_for(year: int) -> str:
    return "2019" if year < 2021 else "2021"


def _docx(report) -> bytes:
    import docx  # python-docx

    doc = docx.Document()
    for text, grid in grid_blocks(report):
        if grid is None:
            if text == report.title:
                doc.add_heading(text, level=1)
            else:
                doc.add_paragraph(text)
            continue
        width = max(len(r) for r in grid)
        table = doc.add_table(rows=len(grid), cols=width)
        for row, values in zip(table.rows, grid):
            for cell, value in zip(row.cells, values):  # row.cells: table.cell() is quadratic
                cell.text = value
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


FILLERS = ["关于印发2024年政务公开工作要点的通知", "区政府常务会议纪要", "2023年国民经济和社会发展统计公报",
           "关于公布行政权力事项清单的通知", "政府信息公开指南", "重大行政决策事项目录", "部门预算公开",
           "关于调整最低工资标准的通知", "人大代表建议办理情况", "公共资源交易信息"]


DEPARTMENTS = ["发展和改革局", "财政局", "教育局", "民政局", "司法局", "人力资源和社会保障局", "自然资源局",
               "生态环境局", "住房和城乡建设局", "交通运输局", "农业农村局", "商务局", "文化和旅游局",
               "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "信访局"]


def _extras(site: Site, truth: Truth, pid: str, scale: int, region: str, style: str,
            encoding: str, charset: Optional[str], path: Callable[[int], str]) -> list:
    """`scale` more department reports per year 2019-2023 (bigger portals for benchmarks)."""
    items = []
    for i in range(scale):
        dept = region + DEPARTMENTS[i % len(DEPARTMENTS)]
        for year in range(2023, 2018, -1):
            title = f"{dept}{year}年政府信息公开工作年度报告"
            p = path(i * 10 + (2023 - year))
            body = f"<p>{pages.esc(title)}</p><p>本年度共收到政府信息公开申请{i + year % 7}件。</p>"
            page = _detail(pid, title, body, style=style, encoding=encoding, published=f"{year + 1}-01-15")
            site.routes[p] = _html(page, charset_header=charset, encoding=encoding)
            truth.report(pid, site.url(p), year=year, title=title, publisher=dept, region=region,
                         format=_fmt_for(year), source="extra", truth=None, attachments=[])
            items.append((p, title, f"{year + 1}-01-15"))
    return items


def _fill(items: list, per_page: int, pages_wanted: int, href: Callable[[int], str]) -> list:
    """Pad a listing with ordinary news rows up to pages_wanted pages."""
    i = 0
    while len(items) < per_page * pages_wanted - 1:
        items.append((href(i), FILLERS[i % len(FILLERS)], f"2023-0{1 + i % 9}-1{i % 10}"))
        i += 1
    return items


# ----------------------------------------------------------------------------- sites
def build_trs(site: Site, files: Site, truth: Truth, scale: int = 0) -> None:
    pid, publisher, region = "sample-xihu", "杭州市西湖区人民政府", "西湖区"
    site.validators = True
    site.robots = "User-agent: *\nDisallow: /private/\nCrawl-delay: 0.5\n"
    col = "/zwgk/ndbg/"
    truth.portal(pid, site, [site.url(col + "index.html")])
    items = []
    for n, year in enumerate(range(2023, 2018, -1)):
        report, values = _template(_fmt_for(year), year, publisher, seed=n)
        path = f"{col}{year + 1}02/t{year + 1}0215_{2000 + n}.html"
        title = report.title
        attachments = []
        body = render_html_body(report)
        if year == 2022:  # body only in the attachment, on the file host
            fpath = f"/files/{year + 1}/{region}{year}年政府信息公开工作年度报告.docx"
            files.routes[fpath] = Resource(_docx(report), "application/vnd.openxmlformats-"
                                           "officedocument.wordprocessingml.document")
            attachments = [(files.base + fpath, f"{title}.docx")]  # raw UTF-8 href, as CMSs write it
            body = f"<p>{pages.esc(title)}全文详见附件。</p>"
            truth.portals[pid]["attachments"].append(files.url(fpath))
        site.routes[path] = _html(_detail(pid, title, body, style="trs", published=f"{year + 1}-02-15",
                                          publisher=publisher, attachments=attachments))
        truth.report(pid, site.url(path), year=year, title=title, publisher=publisher, region=region,
                     format=_fmt_for(year), source="template", truth=values,
                     attachments=[files.url(fpath)] if attachments else [],
                     body_in_attachment=bool(attachments))
        items.append((f"./{year + 1}02/t{year + 1}0215_{2000 + n}.html", title, f"{year + 1}-02-15"))
    notice = f"{col}201901/t20190110_1900.html"
    site.routes[notice] = _html(_detail(pid,
                                        "关于做好2018年度政府信息公开工作年度报告编制发布工作的通知",
                                        "<p>各街道、各部门：请于2019年1月31日前报送本单位2018年度政府信息公开工作年度报告。</p>",
                                        style="trs", published="2019-01-10", publisher=publisher))
    truth.portals[pid]["not_reports"].append(site.url(notice))
    items.append(("./201901/t20190110_1900.html", "关于做好2018年度政府信息公开工作年度报告编制发布工作的通知",
                  "2019-01-10"))
    seed = f"{col}201803/t20180319_1001.html"
    title = "2017年度西湖区政府信息公开工作年度报告"
    text, values = free_text("xihu-2017")
    site.routes[seed] = _html(_detail(pid, title, pages.text_to_body_html(text),
                                      style="trs", published="2018-03-19", publisher=publisher))
    truth.report(pid, site.url(seed), year=2017, title=title, publisher=publisher, region=region,
                 format="pre2019", source="free_text", truth=values, attachments=[], spam_line=True)
    items.append(("./201803/t20180319_1001.html", title, "2018-03-19"))
    draft = "/private/2016/draft.html"
    site.routes[draft] = _html(_detail(pid, "2016年度西湖区政府信息公开工作年度报告（征求意见稿）",
                                       "<p>草稿</p>"))
    truth.portals[pid]["robots_disallowed"].append(site.url(draft))
    items.append((draft, "2016年度西湖区政府信息公开工作年度报告（征求意见稿）", "2017-02-01"))
    items += _extras(site, truth, pid, scale, region, "trs", "utf-8", "utf-8",
                     lambda i: f"{col}2024/t2024_{5000 + i}.html")
    per = 4
    count = max(4, (len(items) + per) // per)
    items = _fill(items, per, count, lambda i: f"./2023/t2023_{3000 + i}.html")
    # Home page -> 政府信息公开 hub -> 政府信息公开年报 column (the home page has no direct link).
    site.routes["/"] = _html(pages.home_page("杭州市西湖区人民政府", [
        ("/zwgk/index.html", "政府信息公开"), ("/bsfw/", "政务服务"), ("/hdjl/", "互动交流")]))
    hub = _html(pages.home_page("政府信息公开", [
        ("/zwgk/xxgkzn/", "政府信息公开指南"), ("/zwgk/xxgkzd/", "政府信息公开制度"),
        (col + "index.html", "政府信息公开年报"), ("/zwgk/ysqgk/", "依申请公开")]))
    site.routes["/zwgk/index.html"] = site.routes["/zwgk/"] = hub
    for p in range(count):
        name = "index.html" if p == 0 else f"index_{p}.html"
        site.routes[col + name] = _html(pages.trs_listing("政府信息公开年报", items[p * per:(p + 1) * per],
                                                          p, count))


def build_hanweb(site: Site, truth: Truth, scale: int = 0) -> None:
    pid, publisher, region = "sample-sanyuan", "三明市三元区人民政府", "三元区"
    col_id, unit_id, per = 1229, 4821, 5
    col = f"/col/col{col_id}/index.html"
    truth.portal(pid, site, [site.url(col)])
    gbk = dict(charset_header="gb2312", encoding="gbk")
    items = []
    for n, year in enumerate(range(2023, 2018, -1)):
        report, values = _template(_fmt_for(year), year, publisher, seed=10 + n)
        path = f"/art/{year + 1}/1/2{n}/art_{col_id}_{6000 + n}.html"
        res = _html(_detail(pid, report.title, render_html_body(report), style="hanweb",
                            encoding="gbk", published=f"{year + 1}-01-2{n}",
                            publisher=publisher), **gbk)
        if year == 2020:
            res.flaky = 1
            truth.portals[pid]["flaky"].append(site.url(path))
        if year == 2021:
            res.delay = 1.0
            truth.portals[pid]["slow"].append(site.url(path))
        site.routes[path] = res
        truth.report(pid, site.url(path), year=year, title=report.title, publisher=publisher,
                     region=region, format=_fmt_for(year), source="template", truth=values,
                     attachments=[], encoding="gbk")
        items.append((path, report.title, f"{year + 1}-01-2{n}"))
    seed = f"/art/2018/1/19/art_{col_id}_5001.html"
    title = "三元区2017年政府信息公开工作年度报告"
    # No charset in the header nor in the page: GBK bytes a reader must sniff.
    text, values = free_text("sanyuan-2017")
    html_text = _detail(pid, title, pages.text_to_body_html(text),
                        style="hanweb", encoding="gbk", published="2018-01-19",
                        publisher="三元区政府办")
    site.routes[seed] = _html(_strip_charset(html_text), charset_header=None, encoding="gbk")
    truth.report(pid, site.url(seed), year=2017, title=title, publisher=publisher, region=region,
                 format="pre2019", source="free_text", truth=values, attachments=[], encoding="gbk")
    items.append((seed, title, "2018-01-19"))
    items += _extras(site, truth, pid, scale, region, "hanweb", "gbk", "gb2312",
                     lambda i: f"/art/2024/1/15/art_{col_id}_{8000 + i}.html")
    items = _fill(items, per, 3, lambda i: f"/art/2023/3/1/art_{col_id}_{7000 + i}.html")
    site.routes[col] = _html(pages.hanweb_column("政府信息公开年报", items[:per], col_id, unit_id, per,
                                                 len(items), charset="gb2312"), **gbk)
    site.routes["/"] = _html(pages.home_page("三元区人民政府", [(col, "政府信息公开年报")], charset="gb2312"),
                             **gbk)

    def dataproxy(params: dict) -> Optional[Resource]:
        if params.get("columnid") != str(col_id):
            return Resource(pages.hanweb_dataproxy([], 0, per).encode("utf-8"), "text/xml; charset=utf-8")
        start = max(1, int(params.get("startrecord", 1)))
        end = min(len(items), int(params.get("endrecord", start + 3 * per - 1)))
        chunk = items[start - 1:end]
        return Resource(pages.hanweb_dataproxy(chunk, len(items), per).encode("utf-8"),
                        "text/xml; charset=utf-8")
    site.dynamic["/module/jpage/dataproxy.jsp"] = dataproxy


def build_gd(site: Site, truth: Truth, scale: int = 0) -> None:
    pid, publisher, region = "sample-gongshu", "杭州市拱墅区人民政府", "拱墅区"
    site.validators = True
    site.robots = None  # robots.txt answers 404: everything allowed
    col, col2 = "/gkmlpt/ndbg/", "/zwgk/xxgkndbg/"
    truth.portal(pid, site, [site.url("/")])
    items, items2 = [], []
    for n, year in enumerate(range(2023, 2018, -1)):
        report, values = _template(_fmt_for(year), year, publisher, seed=20 + n)
        page = _detail(pid, report.title, render_html_body(report), style="gd",
                       published=f"{year + 1}-01-1{n}", publisher=publisher)
        path = f"/gkmlpt/content/post_{8000 + year}.html"
        site.routes[path] = _html(page)
        truth.report(pid, site.url(path), year=year, title=report.title, publisher=publisher,
                     region=region, format=_fmt_for(year), source="template", truth=values,
                     attachments=[])
        items.append((path, report.title, f"{year + 1}-01-1{n}"))
        if year == 2020:  # the same report posted again in the archive column
            copy = f"{col2}content/post_{9000 + year}.html"
            site.routes[copy] = _html(page)
            truth.report(pid, site.url(copy), year=year, title=report.title, publisher=publisher,
                         region=region, format=_fmt_for(year), source="template", truth=values,
                         attachments=[], duplicate_of=site.url(path))
            items2.append((copy, report.title, f"{year + 1}-01-1{n}"))
    seed = "/gkmlpt/content/post_4018.html"
    title = "杭州市拱墅区人民政府2018年政府信息公开工作年度报告"
    text, values = free_text("gongshu-2018")
    site.routes[seed] = _html(_detail(pid, title, pages.text_to_body_html(text),
                                      style="gd", published="2019-01-25", publisher=publisher))
    truth.report(pid, site.url(seed), year=2018, title=title, publisher=publisher, region=region,
                 format="pre2019", source="free_text", truth=values, attachments=[])
    items.append((seed, title, "2019-01-25"))
    notice = "/gkmlpt/content/post_7777.html"
    ntitle = "拱墅区关于开展2020年度政府信息公开工作年度报告评议工作的通知"
    site.routes[notice] = _html(_detail(pid, ntitle, "<p>请各单位于2021年3月底前完成评议。</p>",
                                        style="gd", published="2021-01-05"))
    truth.portals[pid]["not_reports"].append(site.url(notice))
    items.append((notice, ntitle, "2021-01-05"))
    dead = "/gkmlpt/content/post_404.html"
    truth.portals[pid]["dead_links"].append(site.url(dead))
    items.append((dead, "拱墅区2016年政府信息公开工作年度报告", "2017-03-01"))
    items += _extras(site, truth, pid, scale, region, "gd", "utf-8", "utf-8",
                     lambda i: f"/gkmlpt/content/post_{20000 + i}.html")
    per = 4
    count = max(3, (len(items) + per) // per)
    items = _fill(items, per, count, lambda i: f"/gkmlpt/content/post_{100 + i}.html")
    for p in range(1, count + 1):
        name = "index.html" if p == 1 else f"index_{p}.html"
        site.routes[col + name] = _html(pages.numbered_listing("政府信息公开年报", items[(p - 1) * per:p * per],
                                                               p, count))
    site.routes[col2 + "index.html"] = _html(pages.numbered_listing("信息公开年报（归档）", items2, 1, 1))
    site.routes["/"] = _html(pages.home_page("杭州市拱墅区人民政府", [
        (col + "index.html", "政府信息公开年报"), (col2 + "index.html", "信息公开年报（归档）"),
        ("/zwgk/", "政务公开"), ("/hdjl/", "互动交流")]))


def build_generic(site: Site, mirror: Site, truth: Truth, scale: int = 0) -> None:
    pid, publisher, region = "sample-huaian", "淮安市人民政府", "淮安市"
    col = "/xxgk/ndbg/"
    truth.portal(pid, site, [site.url(col + "list.html")])
    gbk = dict(charset_header="gb2312", encoding="gbk")
    items = []
    pdf_path = "/uploadfiles/2025/szfgs2024.pdf"
    report, values = _template("2021", 2024, publisher, seed=40)
    site.routes[pdf_path] = Resource(render_pdf(report), "application/pdf")
    title = report.title
    path = f"{col}202501/t20250120_4024.html"
    site.routes[path] = _html(_detail(pid,
                                      title, f"<p>{pages.esc(title)}（全文见附件）</p>", style="generic", encoding="gbk",
                                      published="2025-01-20", publisher=publisher,
                                      attachments=[(pdf_path, "szfgs2024.pdf")]), **gbk)
    truth.portals[pid]["attachments"].append(site.url(pdf_path))
    truth.report(pid, site.url(path), year=2024, title=title, publisher=publisher, region=region,
                 format="2021", source="template_pdf", truth=values,
                 attachments=[site.url(pdf_path)], body_in_attachment=True, encoding="gbk")
    items.append((path, title, "2025-01-20"))
    for n, year in enumerate(range(2023, 2018, -1)):
        report, values = _template(_fmt_for(year), year, publisher, seed=30 + n)
        path = f"{col}{year + 1}01/t{year + 1}0118_{4000 + year}.html"
        site.routes[path] = _html(_detail(pid, report.title, render_html_body(report),
                                          style="generic", encoding="gbk",
                                          published=f"{year + 1}-01-18", publisher=publisher),
                                  **gbk)
        truth.report(pid, site.url(path), year=year, title=report.title, publisher=publisher,
                     region=region, format=_fmt_for(year), source="template", truth=values,
                     attachments=[], encoding="gbk")
        items.append((path, report.title, f"{year + 1}-01-18"))
    off = mirror.url("/product/1001.html")
    truth.portals[pid]["offsite"].append(off)
    items.insert(3, (off, "浙江省2017年政府信息公开工作年度报告（转载）", "2018-05-01"))
    items += _extras(site, truth, pid, scale, region, "generic", "gbk", "gb2312",
                     lambda i: f"{col}2024/t2024_{9000 + i}.html")
    per = 3 if not scale else 15
    chunks = [items[i:i + per] for i in range(0, len(items), per)]
    trap = f"{col}calendar.html"
    truth.portals[pid]["trap_prefix"] = site.url(trap)
    for p, chunk in enumerate(chunks, start=1):
        name = "list.html" if p == 1 else f"list_{p}.html"
        nxt = f"list_{p + 1}.html" if p < len(chunks) else "calendar.html?date=20240101"
        text = pages.next_only_listing("政府信息公开年报", chunk, nxt, charset="gb2312")
        if p == 2:  # header says UTF-8, the page says gb2312, the bytes are GBK
            site.routes[col + name] = _html(text, charset_header="utf-8", encoding="gbk")
        elif p == 3:  # no charset anywhere
            site.routes[col + name] = _html(text.replace(
                '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', ""),
                charset_header=None, encoding="gbk")
        else:
            site.routes[col + name] = _html(text, **gbk)
    repeat = items[1]

    def calendar(params: dict) -> Optional[Resource]:
        """An endless calendar: every day links the next one, forever."""
        try:
            day = int(params.get("date", "20240101"))
        except ValueError:
            day = 20240101
        days = "".join(f'<a href="calendar.html?date={day + k}">{(day + k) % 100}</a> ' for k in range(1, 8))
        text = pages.next_only_listing(f"{day} 信息发布日历", [repeat], f"calendar.html?date={day + 1}",
                                       charset="gb2312", extra=f'<div class="calendar">{days}</div>')
        return _html(text, **gbk)
    site.dynamic[trap] = calendar


def build_mirror(site: Site, truth: Truth) -> None:
    """A spam site: two reports found nowhere else (one in a shop page, one in traditional
    characters on a gambling mirror) and a traditional copy of 拱墅区's 2018 report."""
    pid = "sample-mirror"
    truth.portal(pid, site, [site.url("/")])
    original = next(r for r in truth.reports if r["portal_id"] == "sample-gongshu" and r["year"] == 2018)
    products = [("/product/1001.html", "浙江省2017年政府信息公开工作年度报告"),
                ("/product/1002.html", "2018年富陽區信息公開工作年度報告"),
                ("/product/1003.html", "杭州市拱墅區人民政府2018年政府信息公開工作年度報告")]
    for (path, title), name, style, copy_of in (
            (products[0], "zj-2017-shop", "shop_spam", None),
            (products[1], "fuyang-2018-trad", "gambling_mirror", None),
            (products[2], "gongshu-2018", "gambling_mirror", original)):
        text, values = free_text(name)
        publisher, region, year, _seed = FREE_TEXT[name]
        site.routes[path] = _html(_detail(pid, title, pages.text_to_body_html(text), style=style,
                                          published="2019-03-05", site_name="欢迎光临我们的网站"))
        extra = {"duplicate_of": copy_of["url"]} if copy_of else {}
        truth.report(pid, site.url(path), year=year, title=title, publisher=publisher, region=region,
                     format="pre2019", source="free_text", truth=values, attachments=[],
                     spam_mirror=True, traditional=style == "gambling_mirror", **extra)
    site.routes["/"] = _html(pages.shop_page("产品中心", products + [("/product/2001.html", "华为手机套")]))


def build(netlocs: dict[str, str], scale: int = 0) -> tuple[dict[str, Site], Truth]:
    """Every site's routes for the given host:port of each site key; `scale` adds that many
    departments' 2019-2023 reports to each government site (benchmarks)."""
    sites = {k: Site(k, netlocs[k]) for k in HOST_KEYS}
    truth = Truth()
    build_trs(sites["trs"], sites["files"], truth, scale)
    build_hanweb(sites["hanweb"], truth, scale)
    build_gd(sites["gd"], truth, scale)
    build_generic(sites["generic"], sites["mirror"], truth, scale)
    build_mirror(sites["mirror"], truth)
    sites["files"].validators = True
    return sites, truth


PORTAL_META = {
    "sample-xihu": dict(site="trs", name="杭州市西湖区人民政府（示例）", region="西湖区", region_code="330106",
                        level="county", cms="trs"),
    "sample-sanyuan": dict(site="hanweb", name="三明市三元区人民政府（示例）", region="三元区",
                           region_code="350404", level="county", cms="hanweb", encoding="gb18030"),
    "sample-gongshu": dict(site="gd", name="杭州市拱墅区人民政府（示例）", region="拱墅区", region_code="330105",
                           level="county", cms="gd"),
    "sample-huaian": dict(site="generic", name="淮安市人民政府（示例）", region="淮安市", region_code="320800",
                          level="city", cms="generic", encoding="gb18030"),
    "sample-mirror": dict(site="mirror", name="镜像商城（垃圾站示例）", region="未知", region_code=None,
                          level="department", cms="generic", government=False),
}
