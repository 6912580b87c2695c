"""A second, deliberately different portal network on loopback (for crawler robustness tests).

Three hosts: ``main`` (a district portal), ``mirror`` (a second allowed host that old paths
redirect to) and ``outside`` (a host the crawl must never touch). The layouts differ from the
bundled sample portal: a home page that reaches the report column only through a 政府信息公开 hub
and a 年度报告 sub-column, <ul><li> listings with dates in <span>, <table> listings, truncated
anchors with the full title in ``title``, ``../`` links, ``javascript:window.open(...)`` and
``onclick`` links, ``?page=N`` and ``&pageIndex=N`` pagination, attachment-only detail pages with
.pdf/.wps/.doc/.xls files (some only by script or by a download URL named in the link text),
year sub-columns, a "report" link that is a listing, a site root that forwards by script, a
permanent 500, 301/302 redirects (one to the outside host), an oversized file, and notices and
other annual reports that are not disclosure reports.

    with start_unseen_portal() as net:
        net.start_url, net.registry_path, net.expected, net.hits
"""
from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Optional

from .server import LoopbackSites, SiteHandler

HOST = "127.0.0.1"
KEYS = ("main", "mirror", "outside")
HUGE_BYTES = 200 * 1024 * 1024  # announced size of the oversized file (never fully sent)
_LM = formatdate(1700000000, usegmt=True)


@dataclass
class Page:
    body: bytes
    ctype: str = "text/html; charset=utf-8"
    status: int = 200
    validators: bool = True
    location: Optional[str] = None
    huge: bool = False


@dataclass
class Net:
    netlocs: dict
    pages: dict = field(default_factory=dict)  # (key, path-with-query) -> Page
    expected: dict = field(default_factory=dict)


def _html(title: str, body: str) -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><div class=\"nav\"><a href=\"/index.html\">首页</a> "
            f"<a href=\"/zwgk/index.html\">政府信息公开</a></div>{body}</body></html>").encode("utf-8")


def _detail(title: str, extra: str = "") -> bytes:
    para = "<p>本报告依据《中华人民共和国政府信息公开条例》编制。</p>"
    return _html(title, f"<h1>{title}</h1><div class=\"content\">{para}{extra}</div>"
                        "<div class=\"related\"><a href=\"/zwgk/tzgg/\">通知公告</a></div>")


def build(netlocs: dict) -> Net:
    net = Net(netlocs)
    main, mirror, outside = (f"http://{netlocs[k]}" for k in KEYS)
    P = net.pages
    reports: list[str] = []      # report pages (detail or redirect target) that must be fetched
    attachments: list[str] = []  # files that must be fetched
    never: list[str] = []        # URLs that must never be requested

    def add(key, path, page):
        P[(key, path)] = page if isinstance(page, Page) else Page(page)

    # ---- home page: only a disclosure hub link (plus an outside link)
    add("main", "/index.html", _html("某区人民政府", (
        "<ul class=\"menu\"><li><a href=\"/xwzx/\">新闻中心</a></li>"
        "<li><a href=\"/zwgk/index.html\">政府信息公开</a></li>"
        "<li><a href=\"/xwzx/2023/art_77.html\">区政府召开2023年政府信息公开工作年度报告编制工作培训会</a></li>"
        "<li><a href=\"/tzgg/index.html\">通知公告</a></li><li><a href=\"/gsgg/index.html\">公示公告</a></li>"
        f"<li><a href=\"{outside}/\">上级政府网站</a></li></ul>")))
    # the site root forwards to the home page by script only (no <a> at all)
    add("main", "/", b"<html><head><script type=\"text/javascript\">window.location.href = \"index.html\";"
                     b"</script></head><body></body></html>")
    add("main", "/xwzx/2023/art_77.html", _detail("区政府召开年度报告编制工作培训会"))
    # ---- hub: a 年度报告 sub-column among other menu entries
    add("main", "/zwgk/index.html", _html("政府信息公开", (
        "<div class=\"gk-menu\"><a href=\"zn/\">政府信息公开指南</a> <a href=\"zd/\">政府信息公开制度</a> "
        "<a href=\"fdzdgknr/\">法定主动公开内容</a> <a href=\"ndbg/\">年度报告</a> "
        "<a href=\"ysqgk/\">依申请公开</a></div>")))
    # ---- the 年度报告 sub-column: the report column, a departments' column, a website column
    add("main", "/zwgk/ndbg/", _html("年度报告", (
        "<div class=\"sub\"><a href=\"../ndbg/xxgknb/\">政府信息公开年报</a> "
        "<a href=\"bmnb/\">部门年报</a> "
        "<a href=\"wzbb/\">政府网站工作年度报表</a></div>")))
    add("main", "/zwgk/ndbg/wzbb/", _html("政府网站工作年度报表", (
        "<ul><li><a href=\"/art/2024/1/10/art_9_1.html\">某区人民政府门户网站2023年政府网站工作年度报表</a>"
        "<span>2024-01-10</span></li></ul>")))
    never.append(f"{main}/art/2024/1/10/art_9_1.html")

    # ---- report column page 1: <ul><li>, spans, truncation, onclick, javascript:, notices
    long_title = "某区人民政府办公室2023年政府信息公开工作年度报告"
    p1 = (
        "<ul class=\"list\">"
        f"<li><a href=\"../../../art/2024/1/20/art_1_101.html\" title=\"{long_title}\">"
        "某区人民政府办公室2023年政府信息...</a><span class=\"date\">2024-01-20</span></li>"
        "<li><a href=\"javascript:void(0)\" onclick=\"window.open('/art/2024/1/25/art_1_102.html')\">"
        "某区教育局2023年政府信息公开工作年度报告</a><span>2024-01-25</span></li>"
        "<li><a href=\"javascript:window.open('../../../art/2024/1/26/art_1_103.html')\">"
        "某区卫生健康局2023年政府信息公开工作年度报告</a><span>2024-01-26</span></li>"
        "<li><a href=\"/art/2024/1/28/art_1_104.html\">某区财政局2023年政府信息公开工作年度报告</a>"
        "<span>2024-01-28</span></li>"
        "<li><a href=\"/art/2024/2/1/art_1_105.html\">某区2024年政务公开工作要点</a><span>2024-02-01</span></li>"
        "<li><a href=\"/art/2024/2/2/art_1_107.html\">某区司法局2023年法治政府建设年度报告</a><span>2024-02-02</span></li>"
        "<li><a href=\"/art/2023/12/5/art_1_106.html\">关于做好2023年政府信息公开工作年度报告编制发布工作的通知</a>"
        "<span>2023-12-05</span></li>"
        "<li><a href=\"/go/art_1_108.html\">某区应急管理局2023年政府信息公开工作年度报告</a><span>2024-01-29</span></li>"
        f"<li><a href=\"{outside}/art/2024/1/30/art_5_1.html\">某市2023年政府信息公开工作年度报告</a>"
        "<span>2024-01-30</span></li>"
        "</ul><div class=\"years\"><a href=\"2021/\">2021年度</a> "
        "<a href=\"hz2020/index.html\">2020年政府信息公开年度报告</a></div>"
        "<div class=\"page\"><span>1</span> <a href=\"?page=2\">2</a> <a href=\"?page=2\">下一页</a></div>")
    add("main", "/zwgk/ndbg/xxgknb/", _html("政府信息公开年报", p1))
    # attachments reached only by script: a javascript: download call, an onclick on a <span>
    scripted = {
        "/art/2024/1/20/art_1_101.html": "<p>附件：<a href=\"javascript:downLoadFile('/upload/2024/bgs2023.pdf')\">"
                                         "某区人民政府办公室2023年政府信息公开工作年度报告</a></p>",
        "/art/2024/1/25/art_1_102.html": "<p>附件：<span class=\"file\" onclick=\"window.open('../../../../upload/"
                                         "2024/jyj2023.docx')\">年报全文</span></p>",
        "/art/2024/1/26/art_1_103.html": "<p>一、总体情况</p>",
    }
    for path, extra in scripted.items():
        add("main", path, _detail("某部门2023年政府信息公开工作年度报告", extra))
        reports.append(main + path)
    for path, ctype in (("/upload/2024/bgs2023.pdf", "application/pdf"),
                        ("/upload/2024/jyj2023.docx", "application/octet-stream")):
        add("main", path, Page(b"PK fake", ctype))
        attachments.append(main + path)
    # attachment-only detail page (no validators: the ledger decides on the second run)
    add("main", "/art/2024/1/28/art_1_104.html", Page(_detail(
        "某区财政局2023年政府信息公开工作年度报告",
        "<p>附件：<a href=\"/module/download/downfile.jsp?filename=caizheng2023.pdf&classid=0\">"
        "某区财政局2023年年报.pdf</a></p>"), validators=False))
    reports.append(main + "/art/2024/1/28/art_1_104.html")
    attachments.append(main + "/module/download/downfile.jsp?filename=caizheng2023.pdf&classid=0")
    add("main", "/module/download/downfile.jsp?filename=caizheng2023.pdf&classid=0",
        Page(b"%PDF-1.4 fake report\n", "application/pdf"))
    for path in ("/art/2024/2/1/art_1_105.html", "/art/2023/12/5/art_1_106.html", "/art/2024/2/2/art_1_107.html"):
        add("main", path, _detail("非报告"))
        never.append(main + path)
    never.append(f"{outside}/art/2024/1/30/art_5_1.html")
    # a report link on the portal that redirects to the outside host: the redirect is dropped
    add("main", "/go/art_1_108.html", Page(b"", status=302, location=f"{outside}/art/2024/1/29/art_5_2.html"))
    add("outside", "/art/2024/1/29/art_5_2.html", _detail("某区应急管理局2023年政府信息公开工作年度报告"))
    never.append(f"{outside}/art/2024/1/29/art_5_2.html")

    # ---- a year sub-column, and a "report" link that is a listing of every department's report
    add("main", "/zwgk/ndbg/xxgknb/2021/", _html("2021年度", (
        "<ul><li><a href=\"/art/2022/1/20/art_1_301.html\">某区人民政府办公室2021年政府信息公开工作年度报告</a>"
        "<span>2022-01-20</span></li></ul>")))
    add("main", "/zwgk/ndbg/xxgknb/hz2020/index.html", _html("2020年政府信息公开年度报告", (
        "<ul><li><a href=\"/art/2021/1/20/art_1_401.html\">某区人民政府办公室2020年政府信息公开工作年度报告</a></li>"
        "<li><a href=\"/art/2021/1/21/art_1_402.html\">某区教育局2020年政府信息公开工作年度报告</a></li></ul>")))
    for path in ("/art/2022/1/20/art_1_301.html", "/art/2021/1/20/art_1_401.html", "/art/2021/1/21/art_1_402.html"):
        add("main", path, _detail("某部门年度报告"))
        reports.append(main + path)

    # ---- report column page 2 (?page=2): a <table>, 2022 reports, redirects, 500, huge file
    rows = [
        ("/art/2023/1/15/art_1_201.html", "某区人民政府办公室2022年政府信息公开工作年度报告"),
        ("/art/2023/1/18/art_1_202.html", "某区教育局2022年政府信息公开工作年度报告"),
        ("/old/art_1_203.html", "某区卫生健康局2022年政府信息公开工作年度报告"),
        ("/old/art_1_204.html", "某区财政局2022年政府信息公开工作年度报告"),
        ("/art/2023/1/25/art_1_205.html", "某区民政局2022年政府信息公开工作年度报告"),
        ("/art/2023/1/26/art_1_206.html", "某区水利局2022年政府信息公开工作年度报告"),
    ]
    table = "".join(f"<tr><td>{i + 1}</td><td><a href=\"{h}\" target=\"_blank\">{t}</a></td>"
                    f"<td>2023-01-{15 + i}</td></tr>" for i, (h, t) in enumerate(rows))
    add("main", "/zwgk/ndbg/xxgknb/?page=2", _html("政府信息公开年报", (
        f"<table class=\"list\"><tr><th>序号</th><th>标题</th><th>日期</th></tr>{table}</table>"
        "<div class=\"page\"><a href=\"?page=1\">上一页</a> <span>2</span></div>")))
    add("main", "/zwgk/ndbg/xxgknb/?page=1", P[("main", "/zwgk/ndbg/xxgknb/")].body)
    # .wps attachment
    add("main", rows[0][0], _detail(rows[0][1], "<p>附件：<a href=\"../../../../upload/2023/bgs2022.wps\">"
                                               "2022年年报.wps</a></p>"))
    add("main", "/upload/2023/bgs2022.wps", Page(b"WPS fake", "application/kswps"))
    reports.append(main + rows[0][0])
    attachments.append(main + "/upload/2023/bgs2022.wps")
    # .doc + .xls attachments, no link text worth anything
    add("main", rows[1][0], _detail(rows[1][1], (
        "<p>附件：<a href=\"/upload/2023/jyj2022.doc\">下载</a></p>"
        "<p>附件：<a href=\"/upload/2023/jyj2022.xls\">附表.xls</a></p>"
        "<p>附件：<a href=\"/module/download.jsp?fileid=88\">某区教育局2022年年报全文.pdf</a></p>")))
    add("main", "/module/download.jsp?fileid=88", Page(b"%PDF-1.4 fake", "application/pdf"))
    attachments.append(main + "/module/download.jsp?fileid=88")
    add("main", "/upload/2023/jyj2022.doc", Page(b"\xd0\xcf\x11\xe0 fake doc", "application/msword"))
    add("main", "/upload/2023/jyj2022.xls", Page(b"\xd0\xcf\x11\xe0 fake xls", "application/vnd.ms-excel"))
    reports.append(main + rows[1][0])
    attachments += [main + "/upload/2023/jyj2022.doc", main + "/upload/2023/jyj2022.xls"]
    # 301 to the mirror host
    add("main", rows[2][0], Page(b"", status=301, location=f"{mirror}/art/2023/wjj2022.html"))
    add("mirror", "/art/2023/wjj2022.html", _detail(rows[2][1]))
    reports.append(f"{mirror}/art/2023/wjj2022.html")
    # 302 within the main host
    add("main", rows[3][0], Page(b"", status=302, location="/art/2023/1/22/art_1_204.html"))
    add("main", "/art/2023/1/22/art_1_204.html", _detail(rows[3][1]))
    reports.append(main + "/art/2023/1/22/art_1_204.html")
    # permanent 500
    add("main", rows[4][0], Page(b"<html><body>Internal Server Error</body></html>", status=500))
    # detail with an oversized attachment
    add("main", rows[5][0], _detail(rows[5][1], "<p>附件：<a href=\"/upload/2023/slj2022.pdf\">"
                                               "扫描件.pdf</a></p>"))
    add("main", "/upload/2023/slj2022.pdf", Page(b"", "application/pdf", huge=True))
    reports.append(main + rows[5][0])

    # ---- departments' column: only sub-columns, one per department (a third column level)
    add("main", "/zwgk/ndbg/bmnb/", _html("部门年报", (
        "<ul class=\"dept\"><li><a href=\"../../../col/list.jsp?catid=12\">区司法局年报</a></li>"
        "<li><a href=\"/col/list.jsp?catid=13\">区住建局年度报告</a></li></ul>")))
    # a listing whose rows are clickable <li> elements (onclick, no <a>)
    add("main", "/col/list.jsp?catid=13", _html("区住建局年度报告", (
        "<ul><li onclick=\"location.href='/art/2024/1/31/art_13_1.html'\">"
        "某区住房和城乡建设局2023年政府信息公开工作年度报告<span>2024-01-31</span></li></ul>")))
    add("main", "/art/2024/1/31/art_13_1.html", _detail("某区住房和城乡建设局2023年政府信息公开工作年度报告"))
    reports.append(main + "/art/2024/1/31/art_13_1.html")
    # ---- a department's column: a table, &pageIndex=N pagination, a .xls report, a .doc report
    add("main", "/col/list.jsp?catid=12", _html("部门年报", (
        "<table><tr><td><a href=\"../art/2024/1/29/art_12_1.html\">某区司法局2023年度报告</a></td>"
        "<td>2024-01-29</td></tr></table>"
        "<a href=\"list.jsp?catid=12&pageIndex=2\">下一页</a>")))
    add("main", "/art/2024/1/29/art_12_1.html", _detail("某区司法局2023年度报告",
                                                       "<a href=\"/upload/sfj2023.doc\">附件1</a>"))
    add("main", "/upload/sfj2023.doc", Page(b"\xd0\xcf\x11\xe0 doc", "application/msword"))
    reports.append(main + "/art/2024/1/29/art_12_1.html")
    attachments.append(main + "/upload/sfj2023.doc")
    add("main", "/col/list.jsp?catid=12&pageIndex=2", _html("部门年报", (
        "<table><tr><td><a href=\"/upload/sfj2022.xls\">某区司法局2022年政府信息公开年报（统计表）</a></td>"
        "<td>2023-01-29</td></tr></table><a href=\"list.jsp?catid=12&pageIndex=1\">上一页</a>")))
    add("main", "/col/list.jsp?catid=12&pageIndex=1", P[("main", "/col/list.jsp?catid=12")].body)
    add("main", "/upload/sfj2022.xls", Page(b"\xd0\xcf\x11\xe0 xls", "application/vnd.ms-excel"))
    attachments.append(main + "/upload/sfj2022.xls")

    # ---- announcement columns: one reposts a report (same page, second URL), one holds notices only
    add("main", "/tzgg/index.html", _html("通知公告", (
        "<ul><li><a href=\"/tzgg/2024/art_1_101.html\">某区人民政府办公室2023年政府信息公开工作年度报告</a>"
        "<span>2024-01-21</span></li><li><a href=\"/tzgg/2024/art_5_1.html\">关于开展政务公开培训的通知</a>"
        "<span>2024-01-19</span></li></ul>")))
    add("main", "/tzgg/2024/art_1_101.html", P[("main", "/art/2024/1/20/art_1_101.html")])
    add("main", "/tzgg/2024/art_5_1.html", _detail("关于开展政务公开培训的通知"))
    reports.append(main + "/tzgg/2024/art_1_101.html")
    never.append(main + "/tzgg/2024/art_5_1.html")
    add("main", "/gsgg/index.html", _html("公示公告", (
        "<ul><li><a href=\"/gsgg/2024/art_6_1.html\">2024年区级预算公示</a><span>2024-01-19</span></li></ul>"
        "<a href=\"index_1.html\">下一页</a>")))
    never += [main + "/gsgg/2024/art_6_1.html", main + "/gsgg/index_1.html"]

    # the portal's old address on the mirror host: moved for good to the main host's home page
    add("mirror", "/old/index.html", Page(b"", status=301, location=f"{main}/index.html"))

    never.append(f"{outside}/")
    net.expected = {"reports": reports, "attachments": attachments, "never": never,
                    "failing": [main + rows[4][0]], "huge": [main + "/upload/2023/slj2022.pdf"],
                    "start_url": main + "/index.html", "root_url": main + "/", "hosts": dict(netlocs),
                    "moved_url": mirror + "/old/index.html"}
    return net


class _Handler(SiteHandler):
    def do_GET(self):
        owner, key = self.visit()
        page = owner.net.pages.get((key, self.path))
        if page is None:
            return self.send(404, [("Content-Type", "text/html; charset=utf-8")], b"<h1>404</h1>")
        headers = [("Content-Type", page.ctype)]
        if page.location:
            headers.append(("Location", page.location))
        if page.validators and page.status == 200:
            etag = f'"{abs(hash(page.body)) % 10 ** 12}"'
            headers += [("ETag", etag), ("Last-Modified", _LM)]
            if self.headers.get("If-None-Match") == etag:
                return self.send(304, headers, b"")
        if page.huge:
            return self._huge(headers)
        self.send(page.status, headers, page.body)

    def _huge(self, headers):
        self.send_response(200)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        chunk = b"\0" * 65536
        try:
            for _ in range(HUGE_BYTES // len(chunk)):  # the client hangs up long before
                self.wfile.write(chunk)
        except (ConnectionError, OSError):
            pass
        self.close_connection = True


class UnseenPortal(LoopbackSites):
    def __init__(self, host: str = HOST):
        super().__init__(host, KEYS, _Handler, "unseenportal-")
        self.net = build(self.netlocs)
        self.expected = self.net.expected
        self.start_url = self.expected["start_url"]
        self.root_url = self.expected["root_url"]
        self.write_registry({"id": "unseen-district", "name": "某区人民政府", "region": "某区",
                             "level": "county", "start_urls": [self.start_url],
                             "allowed_hosts": [self.netlocs["main"], self.netlocs["mirror"]]})

def start_unseen_portal(host: str = HOST) -> UnseenPortal:
    return UnseenPortal(host).start()
