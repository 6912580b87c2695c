"""A hostile portal on loopback: every trap a crawl must survive, next to one honest report.

Two hosts: ``main`` (the portal) and ``internal`` (a service on the same machine that no link
may reach; it counts its hits). The portal's report column holds:
  - a report whose detail page links attachments on the cloud metadata address
    (169.254.169.254), on the internal service, on a private address and on a foreign host;
  - a report link that redirects in a loop (a -> b -> a), one that redirects to a page the crawl
    requests anyway;
  - an attachment that is a gzip bomb (a small body that inflates past the download limit);
  - an attachment that drips one byte every `drip_seconds` (never finishes);
  - a fan-out trap: a column whose every page links three new column paths, forever;
  - a calendar trap: a page titled like a report that is only a calendar, linking the next
    month for ever, reachable as a report link and as the column's next page.

    with start_hostile_portal() as net:
        net.start_url, net.registry_path, net.expected, net.hit_urls()
"""
from __future__ import annotations

import threading
import time
import zlib
from functools import lru_cache
from urllib.parse import urlsplit

from .server import LoopbackSites, SiteHandler

HOST = "127.0.0.1"
KEYS = ("main", "internal")
METADATA_URL = "http://169.254.169.254/latest/meta-data/iam/report.pdf"
PRIVATE_URL = "http://10.20.30.40/files/report.pdf"
FOREIGN_URL = "http://files.example-cdn.com/report.pdf"
DRIP_SECONDS = 5.0
BOMB_BYTES = 128 * 1024 * 1024  # inflated size of the gzip bomb: twice Scrapy's download limit
FANOUT = 3

REPORT_TITLE = "某区2023年政府信息公开工作年度报告"
REPORT_BODY = ("<p>本报告依据《中华人民共和国政府信息公开条例》编制，全文包括总体情况、主动公开政府信息情况、"
               "收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况。</p>"
               "<p>2023年，某区人民政府共主动公开政府信息5321条，收到政府信息公开申请45件，均已按时答复。</p>"
               "<p>某区人民政府办公室</p>")


def _html(title: str, body: str) -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><div class=\"nav\"><a href=\"/index.html\">首页</a></div>{body}</body></html>"
            ).encode("utf-8")


@lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """BOMB_BYTES of zeros as one gzip member (about 1/1000 of that on the wire)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    block = b"\0" * (1 << 20)
    return b"".join([comp.compress(block) for _ in range(BOMB_BYTES >> 20)] + [comp.flush()])


def _calendar(month: int) -> bytes:
    """A month of 2024 as a calendar, titled like a report, linking the next month for ever."""
    year, mon = 2024 + (month - 1) // 12, (month - 1) % 12 + 1
    days = "".join(f"<td><a href=\"/rl/{month}.html?day={d}\">{d}</a></td>" + ("</tr><tr>" if d % 7 == 0 else "")
                   for d in range(1, 29))
    return _html(f"{year}年政府信息公开工作年度报告", (
        f"<h1>{year}年政府信息公开工作年度报告</h1><div class=\"calendar\"><p>{year}年{mon}月</p>"
        "<table><tr><th>日</th><th>一</th><th>二</th><th>三</th><th>四</th><th>五</th><th>六</th></tr>"
        f"<tr>{days}</tr></table>"
        f"<a href=\"/rl/{month - 1}.html\">上个月</a> <a href=\"/rl/{month + 1}.html\">下一页</a></div>"))


def build(netlocs: dict) -> tuple[dict, dict]:
    """(path -> page, expected) for the main host."""
    main, internal = (f"http://{netlocs[k]}" for k in KEYS)
    internal_url = f"{internal}/admin/report.pdf"
    pages: dict[str, tuple] = {}

    def page(path, body, ctype="text/html; charset=utf-8", **extra):
        pages[path] = (body, ctype, extra)

    page("/index.html", _html("某区人民政府", (
        "<ul><li><a href=\"/zwgk/ndbg/\">政府信息公开年报</a></li>"
        "<li><a href=\"/lm/\">部门年报</a></li></ul>")))
    page("/zwgk/ndbg/", _html("政府信息公开年报", (
        "<ul>"
        "<li><a href=\"/art/2024/1/report.html\">某区2023年政府信息公开工作年度报告</a></li>"
        "<li><a href=\"/go/report.html\">某区2023年政府信息公开工作年度报告（转载）</a></li>"
        "<li><a href=\"/loop/a.html\">某区卫生健康局2023年政府信息公开工作年度报告</a></li>"
        "<li><a href=\"/rl/1.html\">2024年政府信息公开工作年度报告（日历）</a></li>"
        "<li><a href=\"/art/2024/2/files.html\">某区教育局2023年政府信息公开工作年度报告</a></li>"
        "</ul><a href=\"/rl/1.html?list=1\">下一页</a>")))
    # the honest report, whose attachments point where no crawl may go
    page("/art/2024/1/report.html", _html(REPORT_TITLE, (
        f"<h1>{REPORT_TITLE}</h1>{REPORT_BODY}"
        f"<p>附件：<a href=\"{METADATA_URL}\">年报全文.pdf</a></p>"
        f"<p>附件：<a href=\"{internal_url}\">年报附表.pdf</a></p>"
        f"<p>附件：<a href=\"{PRIVATE_URL}\">年报扫描件.pdf</a></p>"
        f"<p>附件：<a href=\"{FOREIGN_URL}\">年报下载.pdf</a></p>")))
    # a detail page whose attachments are a gzip bomb and a slow drip
    page("/art/2024/2/files.html", _html("某区教育局2023年政府信息公开工作年度报告", (
        "<h1>某区教育局2023年政府信息公开工作年度报告</h1>"
        "<p>附件：<a href=\"/upload/bomb.pdf\">年报全文.pdf</a></p>"
        "<p>附件：<a href=\"/upload/drip.pdf\">年报附表.pdf</a></p>")))
    page("/upload/bomb.pdf", None, "application/pdf", bomb=True)
    page("/upload/drip.pdf", None, "application/pdf", drip=True)
    page("/go/report.html", b"", status=302, location="/art/2024/1/report.html")  # to a page requested already
    page("/loop/a.html", b"", status=302, location="/loop/b.html")
    page("/loop/b.html", b"", status=302, location="/loop/a.html")
    expected = {
        "start_url": main + "/index.html",
        "report": main + "/art/2024/1/report.html",
        "refused": [METADATA_URL, internal_url, PRIVATE_URL, FOREIGN_URL],
        "loop": main + "/loop/a.html", "repeat": main + "/go/report.html", "bomb": main + "/upload/bomb.pdf",
        "drip": main + "/upload/drip.pdf", "calendar": main + "/rl/1.html",
        "fanout_prefix": main + "/lm/", "calendar_prefix": main + "/rl/",
        "hosts": dict(netlocs),
    }
    return pages, expected


def _fanout(path: str) -> bytes:
    """A column page linking FANOUT new column paths below its own, for ever."""
    links = "".join(f"<li><a href=\"{path}{chr(97 + i)}/\">部门年报</a></li>" for i in range(FANOUT))
    return _html("部门年报", f"<h2>部门年报</h2><ul>{links}</ul>")


class _Handler(SiteHandler):
    def do_GET(self):
        owner, key = self.visit()
        if key != "main":
            return self._send(200, "application/pdf", b"%PDF-1.4 internal secret\n")
        path = urlsplit(self.path).path
        if path == "/robots.txt":
            return self._send(200, "text/plain", b"User-agent: *\nDisallow:\n")
        if path.startswith("/lm/"):
            return self._send(200, "text/html; charset=utf-8", _fanout(path))
        if path.startswith("/rl/") and path[4:-5].lstrip("-").isdigit():
            return self._send(200, "text/html; charset=utf-8", _calendar(int(path[4:-5])))
        found = owner.pages.get(path)
        if found is None:
            return self._send(404, "text/html; charset=utf-8", b"<h1>404</h1>")
        body, ctype, extra = found
        if extra.get("bomb"):
            return self._send(200, ctype, gzip_bomb(), [("Content-Encoding", "gzip")])
        if extra.get("drip"):
            return self._drip(ctype)
        headers = [("Location", extra["location"])] if "location" in extra else []
        self._send(extra.get("status", 200), ctype, body, headers)

    def _send(self, status, ctype, body, headers=()):
        self.send(status, [("Content-Type", ctype), *headers], body)

    def _drip(self, ctype):
        """One byte every DRIP_SECONDS until the client hangs up (or the server stops)."""
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.close_connection = True
        owner = self.server.owner
        try:
            for _ in range(100000):
                self.wfile.write(b"%")
                self.wfile.flush()
                if owner.stopping.wait(owner.drip_seconds):
                    return
        except OSError:
            return


class HostilePortal(LoopbackSites):
    def __init__(self, host: str = HOST, drip_seconds: float = DRIP_SECONDS):
        self.drip_seconds = drip_seconds
        super().__init__(host, KEYS, _Handler, "hostileportal-")
        self.stopping = threading.Event()
        self.pages, self.expected = build(self.netlocs)
        self.start_url = self.expected["start_url"]
        self.write_registry({"id": "hostile", "name": "某区人民政府", "region": "某区",
                             "level": "county", "start_urls": [self.start_url],
                             "allowed_hosts": [self.netlocs["main"]]})

    def start(self) -> "HostilePortal":
        gzip_bomb()  # built before the first request, not during it
        return super().start()

    def stop(self) -> None:
        self.stopping.set()  # ends the drip answers, which would hold their threads
        super().stop()


def start_hostile_portal(host: str = HOST, drip_seconds: float = DRIP_SECONDS) -> HostilePortal:
    """drip_seconds: the pause between the slow attachment's bytes (shorter than a download
    deadline shows that the deadline is total, not an idle timeout)."""
    return HostilePortal(host, drip_seconds).start()


if __name__ == "__main__":  # python -m sampleportal.hostile: serve until interrupted
    with start_hostile_portal() as net:
        print(f"hostile portal: {net.start_url}  registry: {net.registry_path}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
