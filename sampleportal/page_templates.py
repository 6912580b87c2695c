"""Realistic detail-page templates of Chinese government portals (and of pages that hijack them).

Used by the sample portal and by the parser's tests: a report body wrapped in the chrome real
sites put around it (big menus, breadcrumbs, 字号 大 中 小, 打印/关闭, 分享到, 相关文章, footers
with 主办/ICP备/网站标识码), in the markup of the CMSs portals run on, in the encodings they use.

    render_detail_page(title, body_html, style="trs") -> bytes
    text_to_body_html(text) -> str
"""
from __future__ import annotations

import html
from typing import Optional

STYLES = ("trs", "hanweb", "guangdong", "generic", "shop_spam", "gambling_mirror")

# Bytes are encoded with a superset of the declared charset, as real servers do (a page
# labelled gb2312 holds GBK characters).
_DEFAULT_ENCODING = {"trs": "gb2312", "hanweb": "utf-8", "guangdong": "utf-8", "generic": "utf-8",
                     "shop_spam": "utf-8", "gambling_mirror": "utf-8"}
_CODEC = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "utf-8": "utf-8", "big5": "big5hkscs"}

_MENU = ["首页", "政务公开", "政府信息公开", "政务服务", "互动交流", "走进本区", "专题专栏", "数据开放",
         "政策文件", "政策解读", "人事信息", "财政资金", "规划计划", "统计信息", "应急管理", "公示公告",
         "领导信息", "机构职能", "新闻发布会", "在线访谈", "区长信箱", "征集调查", "办事指南", "便民服务"]
_SUBMENU = ["政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报",
            "依申请公开", "重点领域信息公开", "建议提案办理", "政府会议", "政府公报"]
_RELATED = ["{year}年度政府信息公开工作年度报告（区发改局）", "{year}年度政府信息公开工作年度报告（区财政局）",
            "关于做好{year}年政府信息公开工作年度报告编制工作的通知", "{year}年度政务公开工作要点",
            "区人民政府办公室关于印发政务公开工作考核办法的通知"]


def text_to_body_html(text: str) -> str:
    """Plain report text to body HTML: one <p> per line, tab-separated runs as a <table>."""
    out: list[str] = []
    rows: list[list[str]] = []

    def close_table():
        if len(rows) == 1:
            out.append(f"<p>{html.escape(' '.join(c for c in rows[0] if c))}</p>")
        elif rows:
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c.strip())}</td>" for c in r) + "</tr>"
                           for r in rows)
            out.append(f'<table border="1" cellspacing="0" cellpadding="0"><tbody>{body}</tbody></table>')
        rows.clear()

    for line in text.replace("\r\n", "\n").split("\n"):
        if "\t" in line.strip():
            rows.append(line.split("\t"))
            continue
        close_table()
        if line.strip():
            out.append(f"<p>{html.escape(line.strip())}</p>")
    close_table()
    return "\n".join(out)


def render_detail_page(title: str, body_html: str, *, style: str = "trs", encoding: Optional[str] = None,
                       published: str = "2019-03-05", source: str = "区政府办",
                       site_name: str = "杭州市西湖区人民政府门户网站", traditional: str = "s2t") -> bytes:
    """A whole detail page around body_html, as bytes in the page's declared encoding.

    traditional: the OpenCC conversion the gambling_mirror style applies (s2t, s2hk, s2twp).
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; one of {', '.join(STYLES)}")
    encoding = encoding or _DEFAULT_ENCODING[style]
    ctx = dict(title=html.escape(title), body=body_html, published=published, source=html.escape(source),
               site=html.escape(site_name), charset=encoding, year=_year(title, published))
    page = _RENDER[style](ctx)
    if style == "gambling_mirror":
        import opencc  # only the mirror needs it; the sample portal imports this module
        page = opencc.OpenCC(f"{traditional}.json").convert(page)
    return page.encode(_CODEC.get(encoding.lower(), encoding), errors="xmlcharrefreplace")


def _year(title: str, published: str) -> str:
    for i in range(len(title) - 3):
        if title[i:i + 4].isdigit():
            return title[i:i + 4]
    return published[:4]


# ---- shared chrome --------------------------------------------------------------------------

def _menu(cls: str = "nav") -> str:
    items = "".join(f'<li><a href="/col/col{1000 + i}/index.html" target="_blank">{m}</a></li>'
                    for i, m in enumerate(_MENU))
    return f'<div class="{cls}"><ul>{items}</ul></div>'


def _submenu() -> str:
    items = "".join(f'<li><a href="/xxgk/col{2000 + i}/">{m}</a></li>' for i, m in enumerate(_SUBMENU))
    return f'<div class="left_menu sidebar"><h3>政府信息公开</h3><ul>{items}</ul></div>'


def _related(year: str, cls: str = "related") -> str:
    items = "".join(f'<li><a href="/art/{year}/3/{i}/art_{i}.html">{r.format(year=year)}</a>'
                    f'<span>{year}-03-0{i + 1}</span></li>' for i, r in enumerate(_RELATED))
    return f'<div class="{cls}"><div class="hd">相关文章</div><ul>{items}</ul></div>'


def _footer(site: str) -> str:
    return (
        '<div class="footer"><p><a href="/sitemap.html">网站地图</a> | <a href="/contact.html">联系我们</a> | '
        '<a href="/statement.html">网站声明</a></p>'
        f'<p>主办：{site.replace("门户网站", "")}办公室 承办：区大数据发展管理局</p>'
        '<p>地址：杭州市西湖区文三路1号 邮编：310012 联系电话：0571-87654321</p>'
        '<p><a href="https://beian.miit.gov.cn/">浙ICP备05005090号-1</a> '
        '<img src="/images/ga.png">浙公网安备 33010602000001号 网站标识码：3301060001</p>'
        '<p>建议使用1366×768分辨率 IE9以上版本浏览器浏览</p></div>')


def _share() -> str:
    return ('<div class="share bdsharebuttonbox">分享到：<a class="bds_weixin">微信</a>'
            '<a class="bds_tsina">新浪微博</a><a class="bds_qzone">QQ空间</a></div>')


def _head(ctx, extra: str = "") -> str:
    return (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={ctx["charset"]}">'
            f'<title>{ctx["title"]}_{ctx["site"]}</title>'
            f'<meta name="SiteName" content="{ctx["site"]}">{extra}'
            '<link rel="stylesheet" href="/css/style.css"><script src="/js/jquery.min.js"></script></head>')


# ---- styles ---------------------------------------------------------------------------------

def _trs(ctx) -> str:
    """TRS WCM: table layout, gb2312, TRS_Editor body, createPageHTML paging script."""
    return _head(ctx, f'<meta name="ArticleTitle" content="{ctx["title"]}">'
                      f'<meta name="PubDate" content="{ctx["published"]} 09:30">'
                      f'<meta name="ContentSource" content="{ctx["source"]}">') + f"""
<body><table width="1000" align="center" cellpadding="0" cellspacing="0" class="top"><tr><td>
<div class="head-top"><a href="/">{ctx["site"]}</a> <a href="#">无障碍</a> <a href="#">长者模式</a></div>
{_menu()}</td></tr></table>
<table width="1000" align="center" cellpadding="0" cellspacing="0"><tr>
<td width="240" valign="top">{_submenu()}</td>
<td width="760" valign="top">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a> &gt; <a href="/xxgk/nb/">政府信息公开年报</a></div>
<table width="100%" cellpadding="0" cellspacing="0"><tr><td class="title" align="center">{ctx["title"]}</td></tr>
<tr><td class="info" align="center">发布时间：{ctx["published"]} 来源：{ctx["source"]} 【字号：<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>】 浏览次数：<span id="hits">1234</span></td></tr>
<tr><td><div class="TRS_Editor"><style type="text/css">.TRS_Editor P{{line-height:2;font-size:12pt;}}</style>
{ctx["body"]}
</div>
<script language="JavaScript">var currentPage = 0; var countPage = 1; createPageHTML(countPage, currentPage, "t{ctx["published"].replace("-", "")}_12345", "html");</script>
</td></tr>
<tr><td align="right" class="tools">【<a href="javascript:window.print()">打印本页</a>】 【<a href="javascript:window.close()">关闭窗口</a>】</td></tr></table>
{_related(ctx["year"])}
</td></tr></table>
{_footer(ctx["site"])}
</body></html>"""


def _hanweb(ctx) -> str:
    """Hanweb: #zoom body, jpage scripts, an 信息公开 metadata table above the body."""
    return _head(ctx, '<script src="/module/jslib/jquery/jpage/jquery.jpage.js"></script>'
                      f'<meta name="pubdate" content="{ctx["published"]}">') + f"""
<body><div class="header"><div class="logo"><h1>{ctx["site"]}</h1></div>{_menu("main-nav")}</div>
<div class="wzy_position">您现在的位置：<a href="/">首页</a> &gt; <a href="/col/col1229/">信息公开</a> &gt; 年度报告</div>
<div class="main">
<table class="xxgk_table" width="100%" border="1">
<tr><td>索引号：</td><td>002502397/2019-0{ctx["year"][-2:]}417</td><td>发布机构：</td><td>{ctx["source"]}</td></tr>
<tr><td>生成日期：</td><td>{ctx["published"]}</td><td>公开方式：</td><td>主动公开</td></tr>
<tr><td>信息名称：</td><td colspan="3">{ctx["title"]}</td></tr></table>
<div class="article"><h2 class="tit">{ctx["title"]}</h2>
<div class="fontsize">【字体：<a href="javascript:void(0)" onclick="doZoom(18)">大</a> <a onclick="doZoom(16)">中</a> <a onclick="doZoom(14)">小</a>】 <a href="javascript:window.print()">打印</a></div>
<div id="zoom">{ctx["body"]}</div>
<script type="text/javascript">$(function(){{ $('#zoom').jpage({{dataStore: [], perPage: 20}}); }});</script>
<div class="ewm"><img src="/qrcode.png">扫一扫在手机打开当前页</div>
{_share()}
</div>{_related(ctx["year"], "xgwz")}</div>
{_footer(ctx["site"])}</body></html>"""


def _guangdong(ctx) -> str:
    """Guangdong intensive platform: article_title / article_source / article_content."""
    return _head(ctx, f'<meta name="ArticleTitle" content="{ctx["title"]}">'
                      f'<meta name="PubDate" content="{ctx["published"]} 10:00:00">') + f"""
<body><div class="top-bar"><a href="/">{ctx["site"]}</a><a href="#">登录</a><a href="#">注册</a></div>
{_menu("nav")}
<div class="breadcrumb"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <span>年度报告</span></div>
<div class="container"><div class="article">
<div class="article_title">{ctx["title"]}</div>
<div class="article_source"><span>来源：{ctx["source"]}</span><span>发布时间：{ctx["published"]} 10:00:00</span>
<span class="font-size">字号：<a>大</a><a>中</a><a>小</a></span></div>
<div class="article_content">{ctx["body"]}</div>
<div class="article-tools"><a href="javascript:window.print()">打印</a><a href="javascript:window.close()">关闭</a></div>
</div>{_related(ctx["year"])}</div>
{_footer(ctx["site"])}</body></html>"""


def _generic(ctx) -> str:
    """A home-grown CMS: div.content holding the body plus share bar and related list."""
    nav = _menu("menu") + _menu("submenu")
    return _head(ctx) + f"""
<body><div id="header"><div class="logo"><a href="/"><img src="/logo.png" alt="{ctx["site"]}"></a></div>
<div class="search"><input type="text" placeholder="请输入关键字"><button>搜索</button></div></div>
{nav}
<div class="location">当前位置：<a href="/">首页</a> » <a href="/xxgk/">信息公开</a> » <a href="/xxgk/ndbg/">年度报告</a></div>
<div class="wrap">{_submenu()}
<div class="content">
<h1>{ctx["title"]}</h1>
<div class="info">发布日期：{ctx["published"]}　信息来源：{ctx["source"]}　阅读次数：<span>86</span></div>
<div class="text">{ctx["body"]}</div>
<div class="print"><a href="javascript:window.print()">[打印]</a> <a href="javascript:window.close()">[关闭]</a></div>
{_share()}
{_related(ctx["year"])}
</div></div>
{_footer(ctx["site"])}</body></html>"""


def _shop_spam(ctx) -> str:
    """A shop site that re-hosts a report as a product description."""
    contact = ('<div class="contact"><h3>联系我们</h3><p>+86-765-4321</p><p>admin@baidu.com</p>'
               '<p>+86-123-4567</p><p>天朝天堂路99号</p></div>')
    form = ('<form class="inquiry"><p>姓名：<input name="n">*</p><p>电话：<input name="t">*</p>'
            '<p>Email:<input name="e">*</p><p>留言：<textarea></textarea></p><button>提交</button></form>')
    return (f'<!DOCTYPE html><html><head><meta charset="{ctx["charset"]}"><title>{ctx["title"]}-华为手机套-产品中心</title>'
            '<meta name="keywords" content="华为手机套,手机壳,保护套批发"></head>' + f"""
<body><div class="topbar">欢迎光临我们的网站！</div>
<div class="menu"><a href="/">网站首页</a><a href="/about/">关于我们</a><a href="/products/">产品中心</a><a href="/news/">新闻动态</a><a href="/contact/">联系我们</a></div>
<div class="pos">主页 &gt; 产品中心 &gt; 华为手机套 &gt;</div>
<div class="product"><h1>{ctx["title"]}</h1><div class="pimg"><img src="/uploads/p1.jpg"></div>
<div class="buy"><p>...</p><ul><li><a href="#">详细</a></li><li><a href="#">订购</a></li></ul></div>
<div class="content">{ctx["body"]}</div>{form}</div>
<div class="side"><ul><li><a href="/products/">产品中心</a></li><li><a href="/contact/">联系我们</a></li></ul>{contact}</div>
</body></html>""")


def _gambling_mirror(ctx) -> str:
    """A mirror of a government page on a gambling domain: injected links, a hijacked source line."""
    links = "".join(f'<a href="http://www.{d}.com/">{t}</a>' for d, t in
                    [("manbetx", "万博体育manbetx"), ("pj", "澳门新葡京娱乐场"), ("bjl", "百家乐开户"),
                     ("ssc", "时时彩平台")])
    return _head(ctx, f'<meta name="keywords" content="manbetx,万博体育,澳门新葡京">'
                      f'<meta name="PubDate" content="{ctx["published"]}">') + f"""
<body><div class="top-bar">{links}</div>
{_menu()}
<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">信息公开</a></div>
<div class="main"><div class="title"><h1>{ctx["title"]}</h1></div>
<div id="Zoom">
<p>时间：{ctx["published"]} 15:14 来源：“manbetxbrf com ”政府门户网站 浏览次数：</p>
<div style="display:none">{links}</div>
{ctx["body"]}
</div>
<div class="tools">【<a href="javascript:window.print()">打印</a>】【<a href="javascript:window.close()">关闭</a>】</div>
{_related(ctx["year"])}</div>
<div class="footer"><p>版权所有：{ctx["site"]} 技术支持：manbetx万博体育</p></div></body></html>"""


_RENDER = {"trs": _trs, "hanweb": _hanweb, "guangdong": _guangdong, "generic": _generic,
           "shop_spam": _shop_spam, "gambling_mirror": _gambling_mirror}
