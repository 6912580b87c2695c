"""HTML for the sample portal: detail pages and the listing styles of the CMS families.

Detail pages use the realistic templates of sampleportal.page_templates when that module is
present, else the small fallback below. Listings are written here, one function per family.
"""
from __future__ import annotations

import html
from typing import Optional

try:  # realistic detail-page templates, when available
    from sampleportal import page_templates as _templates
except ImportError:  # pragma: no cover - depends on the working tree
    _templates = None


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def text_to_body_html(text: str) -> str:
    if _templates is not None and hasattr(_templates, "text_to_body_html"):
        return _templates.text_to_body_html(text)
    return "\n".join(f"<p>{esc(line.strip())}</p>" for line in text.splitlines() if line.strip())


def _fallback_detail(title: str, body_html: str, encoding: str, published: Optional[str],
                     publisher: Optional[str]) -> str:
    charset = "gb2312" if encoding in ("gbk", "gb18030", "gb2312") else encoding
    info = " ".join(x for x in (f"发布日期：{published}" if published else "",
                                f"来源：{publisher}" if publisher else "") if x)
    return (f'<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; '
            f'charset={charset}"><title>{esc(title)}</title></head>\n<body>\n'
            '<div class="header"><a href="/">首页</a> <a href="/search/">站内搜索</a></div>\n'
            f'<div class="article"><h1>{esc(title)}</h1>\n<div class="info">{esc(info)}</div>\n'
            f'<div class="content">\n{body_html}\n</div></div>\n'
            '<div class="footer">主办单位：示例政府办公室 网站标识码 0000000000</div>\n</body></html>\n')


_STYLE_NAMES = {"gd": "guangdong"}


def detail_page(title: str, body_html: str, *, style: str = "trs", encoding: str = "utf-8",
                published: Optional[str] = None, publisher: Optional[str] = None,
                site_name: Optional[str] = None, attachments: list[tuple[str, str]] = ()) -> bytes:
    """A report (or notice) page as bytes in `encoding`; attachments are (href, text) links."""
    if attachments:
        body_html += "\n<div class=\"attachments\"><p>附件：</p>" + "".join(
            f'<p><a href="{esc(h)}">{esc(t)}</a></p>' for h, t in attachments) + "</div>"
    style = _STYLE_NAMES.get(style, style)
    if _templates is not None and hasattr(_templates, "render_detail_page"):
        kwargs = {"style": style, "encoding": "gb2312" if encoding in ("gbk", "gb18030") else encoding}
        if published:
            kwargs["published"] = published
        if publisher:
            kwargs["source"] = publisher
        if site_name:
            kwargs["site_name"] = site_name
        try:
            page = _templates.render_detail_page(title, body_html, **kwargs)
            return page if isinstance(page, bytes) else page.encode(encoding, "xmlcharrefreplace")
        except (TypeError, ValueError, KeyError):
            pass  # an older template module: use the fallback below
    text = _fallback_detail(title, body_html, encoding, published, publisher)
    return text.encode(encoding, "xmlcharrefreplace")


def _page(title: str, inner: str, charset: Optional[str]) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return (f"<!DOCTYPE html>\n<html><head>{meta}<title>{esc(title)}</title></head>\n<body>\n"
            '<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> '
            '<a href="/hdjl/">互动交流</a></div>\n'
            f"<h2>{esc(title)}</h2>\n{inner}\n"
            '<div class="footer">版权所有 示例人民政府 技术支持：示例公司</div>\n</body></html>\n')


def _rows(items: list[tuple[str, str, str]], truncate: int = 0) -> str:
    out = []
    for href, text, date in items:
        shown = text if not truncate or len(text) <= truncate else text[:truncate] + "..."
        out.append(f'<li><a href="{esc(href)}" target="_blank" title="{esc(text)}">{esc(shown)}</a>'
                   f"<span>{esc(date)}</span></li>")
    return "<ul class=\"list\">\n" + "\n".join(out) + "\n</ul>"


def trs_listing(title: str, items, page: int, pages: int, charset="utf-8") -> str:
    """TRS WCM: the page count exists only in the createPageHTML script call."""
    script = (f"<script>var currentPage = {page};var countPage = {pages};\n"
              f'createPageHTML(countPage, currentPage, "index", "html");</script>')
    return _page(title, _rows(items, truncate=18) + f'\n<div class="page">{script}</div>', charset)


def hanweb_column(title: str, first_items, column_id: int, unit_id: int, per_page: int,
                  total: int, charset="utf-8") -> str:
    """Hanweb (大汉) col/colNNN/index.html: first screen embedded as XML, the rest via jpage."""
    records = "".join(f"<record><![CDATA[<li><a href=\"{esc(h)}\" title=\"{esc(t)}\" target=\"_blank\">"
                      f"{esc(t)}</a><span>{esc(d)}</span></li>]]></record>" for h, t, d in first_items)
    proxy = (f"/module/jpage/dataproxy.jsp?page=1&amp;appid=1&amp;webid=1&amp;path=/&amp;"
             f"columnid={column_id}&amp;unitid={unit_id}&amp;webname=sample&amp;permissiontype=0")
    inner = (f'<div id="{unit_id}"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="{proxy}">'
             f"</a>]]></nextgroup><recordset>{records}</recordset></datastore></script></div>\n"
             "<script>$(document).ready(function(){ $('#%d').jpage({dataStore: dataStore, "
             "proxyUrl: '/module/jpage/dataproxy.jsp', perPage: %d, totalRecord: %d, "
             "groupSize: 3, ajaxParam: {col: 1, appid: 1, webid: 1, path: '/', columnid: %d, "
             "sourceContentType: 1, unitid: %d, webname: 'sample', permissiontype: 0}}); });</script>"
             % (unit_id, per_page, total, column_id, unit_id))
    return _page(title, inner, charset)


def hanweb_dataproxy(items, total: int, per_page: int) -> str:
    records = "".join(f"<record><![CDATA[<li><a href=\"{esc(h)}\" title=\"{esc(t)}\" target=\"_blank\">"
                      f"{esc(t)}</a><span>{esc(d)}</span></li>]]></record>" for h, t, d in items)
    pages = (total + per_page - 1) // per_page
    return (f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{total}</totalrecord>'
            f"<totalpage>{pages}</totalpage><recordset>{records}</recordset></datastore>")


def numbered_listing(title: str, items, page: int, pages: int, charset="utf-8",
                     name: str = "index") -> str:
    """Guangdong style: index.html, index_2.html ... with numbered links, 下一页 and 尾页."""
    def href(n: int) -> str:
        return f"{name}.html" if n == 1 else f"{name}_{n}.html"
    nav = [f'<a href="{href(1)}">首页</a>']
    if page > 1:
        nav.append(f'<a href="{href(page - 1)}">上一页</a>')
    nav += [f'<a href="{href(n)}">{n}</a>' if n != page else f"<span>{n}</span>"
            for n in range(max(1, page - 2), min(pages, page + 2) + 1)]
    if page < pages:
        nav.append(f'<a href="{href(page + 1)}">下一页</a>')
    nav.append(f'<a href="{href(pages)}">尾页</a>')
    return _page(title, _rows(items) + '\n<div class="page">' + " ".join(nav) + "</div>", charset)


def next_only_listing(title: str, items, next_href: Optional[str], charset: Optional[str],
                      extra: str = "") -> str:
    """Generic listing with only a 下一页 link."""
    nav = f'<div class="page"><a href="{esc(next_href)}">下一页</a></div>' if next_href else ""
    return _page(title, _rows(items) + "\n" + nav + extra, charset)


def home_page(title: str, menu: list[tuple[str, str]], news: list[tuple[str, str, str]] = (),
              charset="utf-8") -> str:
    links = " ".join(f'<a href="{esc(h)}">{esc(t)}</a>' for h, t in menu)
    return _page(title, f'<div class="menu">{links}</div>\n' + _rows(list(news)), charset)


def shop_page(title: str, products: list[tuple[str, str]], body_html: str = "") -> str:
    items = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a> <a href="{esc(h)}">订购</a></li>'
                    for h, t in products)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(title)}</title></head>'
            f'<body><div class="top">欢迎光临我们的网站!</div><div class="nav">产品中心</div>'
            f'<ul class="products">{items}</ul>{body_html}<div class="foot">客服热线 400-000-0000</div>'
            "</body></html>")
