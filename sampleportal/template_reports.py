"""Synthetic annual reports in the 2019 and 2021 statistical templates, with their truth.

`make_template_report(fmt, year, publisher, seed)` builds a report (paragraphs and tables laid out
like the official templates, merged cells included) and the values it prints as
{metric key: value or {applicant dimension: value}}, consistent with the identities the
templates print. TEXT_KEYS are stated in the prose; every other key is in the tables.

Renderers: `render_html_tables` (an HTML page, rowspan/colspan exactly like the official tables;
`render_html_body` for the body alone), `render_flat_text` (one table cell per line, as pages
pasted from Word are), `render_row_text` (one table row per line, cells joined by a tab or a
space, as text copied from a PDF is), `render_markdown` (tables as markdown, as OCR and PDF-to-text
tools print them).

Irregular layouts seen on real portals can be asked for with `variant`:
  extra_blank_column  table 三 has an empty trailing column
  missing_row         one result row of table 三 is not printed (its values were all 0)
  split_header        header labels broken over two rows (结果 / 维持), as PDFs and Word do
  other_order         the 法人或其他组织 sub-columns in another order
  blank_marks         "/" printed for some values of table 二 (no value, not 0)
  broken_labels       long labels broken over two lines inside their cell (Word/PDF wrapping)
"""
from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from typing import Optional, Union

FORMATS = ("2019", "2021")
VARIANTS = ("extra_blank_column", "missing_row", "split_header", "other_order", "blank_marks",
            "broken_labels")

DIMS = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
        "legal_service_org", "other_org")
DIM_LABELS = {"natural_person": "自然人", "commercial_enterprise": "商业企业",
              "research_institution": "科研机构", "social_welfare_org": "社会公益组织",
              "legal_service_org": "法律服务机构", "other_org": "其他", "total": "总计"}
ORG_DIMS = DIMS[1:]
TEXT_KEYS = ("processing_fees",)  # truth stated in the prose, not in the tables


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass
class Table:
    caption: str  # the section heading printed above the table
    rows: list[list[Cell]]  # cells as in the source: a merged cell appears once

    def placed(self):
        """(row, column, cell) of every cell, columns counted past the cells merged into this
        row from above, as a renderer lays them out."""
        taken: set[tuple[int, int]] = set()
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while (r, c) in taken:
                    c += 1
                taken.update((r + dr, c + dc) for dr in range(cell.rowspan)
                             for dc in range(cell.colspan))
                yield r, c, cell
                c += cell.colspan


@dataclass
class TemplateReport:
    fmt: str
    year: int
    publisher: str
    title: str
    parts: list[Union[str, Table]] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [p for p in self.parts if isinstance(p, Table)]


# ----------------------------------------------------------------------------- table 三 rows
RESULT_GROUPS_COMMON = [
    ("（一）予以公开", [("", "result_disclosed")]),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", [("", "result_partially_disclosed")]),
    ("（三）不予公开", [
        ("1.属于国家秘密", "result_not_disclosed_state_secret"),
        ("2.其他法律行政法规禁止公开", "result_not_disclosed_prohibited_by_law"),
        ("3.危及“三安全一稳定”", "result_not_disclosed_security_stability"),
        ("4.保护第三方合法权益", "result_not_disclosed_third_party"),
        ("5.属于三类内部事务信息", "result_not_disclosed_internal_affairs"),
        ("6.属于四类过程性信息", "result_not_disclosed_process_info"),
        ("7.属于行政执法案卷", "result_not_disclosed_enforcement_file"),
        ("8.属于行政查询事项", "result_not_disclosed_administrative_query"),
    ]),
    ("（四）无法提供", [
        ("1.本机关不掌握相关政府信息", "result_unable_not_held"),
        ("2.没有现成信息需要另行制作", "result_unable_needs_creation"),
        ("3.补正后申请内容仍不明确", "result_unable_unclear"),
    ]),
    ("（五）不予处理", [
        ("1.信访举报投诉类申请", "result_not_processed_petition"),
        ("2.重复申请", "result_not_processed_duplicate"),
        ("3.要求提供公开出版物", "result_not_processed_publication"),
        ("4.无正当理由大量反复申请", "result_not_processed_excessive"),
        ("5.要求行政机关确认或重新出具已获取信息", "result_not_processed_confirm"),
    ]),
]
OTHER_2019 = ("（六）其他处理", [("", "result_other")])
OTHER_2021 = ("（六）其他处理", [
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "result_other_no_correction"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "result_other_unpaid_fee"),
    ("3.其他", "result_other_other"),
])
TOTAL_GROUP = ("（七）总计", [("", "result_total")])


def result_groups(fmt: str) -> list[tuple[str, list[tuple[str, str]]]]:
    return RESULT_GROUPS_COMMON + [OTHER_2019 if fmt == "2019" else OTHER_2021, TOTAL_GROUP]


def result_leaf_keys(fmt: str) -> list[str]:
    """Result rows that add up to （七）总计."""
    return [k for g, items in result_groups(fmt)[:-1] for _, k in items]


# ----------------------------------------------------------------------------- values
def _split(rng: random.Random, total: int, n: int, weights: Optional[list[float]] = None) -> list[int]:
    """Split a total into n non-negative parts (skewed, like real tables)."""
    weights = weights or [rng.random() ** 3 for _ in range(n)]
    s = sum(weights) or 1.0
    parts = [int(total * w / s) for w in weights]
    parts[0] += total - sum(parts)
    return parts


def _request_values(rng: random.Random, fmt: str) -> dict[str, dict[str, int]]:
    scale = rng.choice([5, 30, 120, 600, 3000])
    share = {"natural_person": 1.0, "commercial_enterprise": rng.choice([0, 0.05, 0.15]),
             "research_institution": rng.choice([0, 0, 0.01]), "social_welfare_org": rng.choice([0, 0, 0.01]),
             "legal_service_org": rng.choice([0, 0.02, 0.08]), "other_org": rng.choice([0, 0.01, 0.03])}
    leaves = result_leaf_keys(fmt)
    out: dict[str, dict[str, int]] = {}
    for dim in DIMS:
        handled = int(rng.randint(scale // 2, scale) * share[dim])
        weights = [rng.random() ** 2 * (8 if k in ("result_disclosed", "result_unable_not_held") else 1)
                   for k in leaves]
        for k in leaves:
            if rng.random() < 0.35:
                weights[leaves.index(k)] = 0.0
        weights[0] += 0.01
        parts = _split(rng, handled, len(leaves), weights)
        forward = int(handled * rng.choice([0, 0.02, 0.05]))
        carried = min(int(handled * rng.choice([0, 0.01, 0.04])), handled + forward)
        new = handled + forward - carried
        for k, v in zip(leaves, parts):
            out.setdefault(k, {})[dim] = v
        out.setdefault("result_total", {})[dim] = handled
        out.setdefault("applications_new", {})[dim] = new
        out.setdefault("applications_carried_over", {})[dim] = carried
        out.setdefault("applications_carried_forward", {})[dim] = forward
    for per_dim in out.values():
        per_dim["total"] = sum(per_dim[d] for d in DIMS)
    if fmt == "2021":
        subs = [k for _, k in OTHER_2021[1]]
        out["result_other"] = {d: sum(out[k][d] for k in subs) for d in DIMS + ("total",)}
    return out


def _review_values(rng: random.Random) -> dict[str, int]:
    out: dict[str, int] = {}
    for prefix, scale in (("reconsideration", 60), ("litigation_direct", 20), ("litigation_after_review", 10)):
        parts = _split(rng, rng.randint(0, scale), 4)
        for name, v in zip(("upheld", "corrected", "other", "pending"), parts):
            out[f"{prefix}_{name}"] = v
        out[f"{prefix}_total"] = sum(parts)
    out["litigation_total"] = out["litigation_direct_total"] + out["litigation_after_review_total"]
    return out


# ----------------------------------------------------------------------------- table 二
def _section(label: str, width: int) -> list[Cell]:
    return [Cell(label, colspan=width, header=True)]


def _heads(labels: list[str], width: int) -> list[Cell]:
    """A header row; the last label stretches over the columns left."""
    cells = [Cell(t, header=True) for t in labels]
    cells[-1].colspan = width - len(labels) + 1
    return cells


def _data(label: str, values: list[str], width: int) -> list[Cell]:
    cells = [Cell(label)] + [Cell(v) for v in values]
    cells[-1].colspan = width - len(values)
    return cells


def _fmt_decimal(v: float) -> str:
    """A decimal as a table prints it: no exponent, no trailing zeros."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _fmt_signed(v: int) -> str:
    return f"+{v}" if v > 0 else str(v)


def _table2_2019(rng: random.Random, truth: dict, blank_marks: bool) -> Table:
    w = 4

    def put(key: str, value: int, text: Optional[str] = None) -> str:
        if blank_marks and rng.random() < 0.15:
            return "/"
        truth[key] = value
        return text if text is not None else str(value)

    rows = [_section("第二十条第（一）项", w), _heads(["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], w)]
    for label, stem in (("规章", "rules"), ("规范性文件", "normative_docs")):
        made = rng.randint(0, 40)
        vals = [put(f"{stem}_made", made), put(f"{stem}_published", made - rng.randint(0, min(made, 2))),
                put(f"{stem}_public_total", made + rng.randint(0, 300))]
        rows.append(_data(label, vals, w))
    for sec, items in (("第二十条第（五）项", (("行政许可", "licensing"), ("其他对外管理服务事项", "other_services"))),
                       ("第二十条第（六）项", (("行政处罚", "punishment"), ("行政强制", "coercion")))):
        rows += [_section(sec, w), _heads(["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"], w)]
        for label, stem in items:
            change = rng.randint(-20, 20)
            vals = [put(f"{stem}_items_prev_year", rng.randint(20, 900)),
                    put(f"{stem}_items_change", change, _fmt_signed(change)),
                    put(f"{stem}_decisions", rng.randint(0, 90000))]
            rows.append(_data(label, vals, w))
    rows += [_section("第二十条第（八）项", w), _heads(["信息内容", "上一年项目数量", "本年增/减"], w)]
    change = rng.randint(-5, 5)
    rows.append(_data("行政事业性收费", [put("fee_items_prev_year", rng.randint(0, 60)),
                                          put("fee_items_change", change, _fmt_signed(change))], w))
    amount_wan = round(rng.randint(0, 9_999_999) / 100, 2)
    unit_style = rng.choice(["header", "cell", "yuan"])
    head = "采购总金额（万元）" if unit_style == "header" else "采购总金额"
    rows += [_section("第二十条第（九）项", w), _heads(["信息内容", "采购项目数量", head], w)]
    if unit_style == "yuan":
        yuan = int(amount_wan * 100)
        amount = put("procurement_amount", yuan, f"{yuan}元")
    else:
        cell = _fmt_decimal(amount_wan) + ("万元" if unit_style == "cell" else "")
        amount = put("procurement_amount", round(amount_wan * 10000), cell)
    rows.append(_data("政府集中采购", [put("procurement_items", rng.randint(0, 500)), amount], w))
    return Table("二、主动公开政府信息情况", rows)


def _table2_2021(rng: random.Random, truth: dict, blank_marks: bool) -> Table:
    w = 4

    def put(key: str, value, text: Optional[str] = None) -> str:
        if blank_marks and rng.random() < 0.15:
            return "/"
        truth[key] = value
        return text if text is not None else str(value)

    rows = [_section("第二十条第（一）项", w), _heads(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], w)]
    for label, stem in (("规章", "rules"), ("行政规范性文件", "normative_docs")):
        rows.append(_data(label, [put(f"{stem}_issued", rng.randint(0, 30)), put(f"{stem}_repealed", rng.randint(0, 30)),
                                  put(f"{stem}_in_force", rng.randint(0, 400))], w))
    rows += [_section("第二十条第（五）项", w), _heads(["信息内容", "本年处理决定数量"], w)]
    rows.append(_data("行政许可", [put("licensing_decisions", rng.randint(0, 500000))], w))
    rows += [_section("第二十条第（六）项", w), _heads(["信息内容", "本年处理决定数量"], w)]
    rows.append(_data("行政处罚", [put("punishment_decisions", rng.randint(0, 900000))], w))
    rows.append(_data("行政强制", [put("coercion_decisions", rng.randint(0, 90000))], w))
    rows += [_section("第二十条第（八）项", w), _heads(["信息内容", "本年收费金额（单位：万元）"], w)]
    wan = round(rng.randint(0, 99_999_999) / 100, rng.choice([0, 1, 2]))
    rows.append(_data("行政事业性收费", [put("fees_amount", round(wan * 10000), _fmt_decimal(wan))], w))
    return Table("二、主动公开政府信息情况", rows)


# ----------------------------------------------------------------------------- table 三
def _dim_order(rng: random.Random, other_order: bool) -> list[str]:
    orgs = list(ORG_DIMS)
    if other_order:
        while orgs == list(ORG_DIMS):
            rng.shuffle(orgs)
    return orgs


def _wrap(text: str, width: int) -> str:
    """A label wrapped inside its cell every `width` characters."""
    return "\n".join(text[k:k + width] for k in range(0, len(text), width))


def _wrap_cells(table: Table, width: int, header_width: int) -> Table:
    for row in table.rows:
        for cell in row:
            if cell.text and not cell.text.lstrip("+-").replace(".", "").isdigit():
                cell.text = _wrap(cell.text, header_width if cell.header else width)
    return table


def _split_label(text: str) -> tuple[str, str]:
    half = (len(text) + 1) // 2
    return text[:half], text[half:]


def _table3(fmt: str, values: dict, rng: random.Random, variant: Optional[str]) -> tuple[Table, set[str]]:
    orgs = _dim_order(rng, variant == "other_order")
    extra = 1 if variant == "extra_blank_column" else 0
    split = variant == "split_header"
    cols = ["natural_person"] + orgs + ["total"]
    note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    head_rows = 4 if split else 3
    rows: list[list[Cell]] = [[Cell(note, rowspan=head_rows, colspan=3, header=True),
                               Cell("申请人情况", colspan=7, header=True)] + ([Cell("", rowspan=head_rows, header=True)] if extra else [])]
    rows.append([Cell("自然人", rowspan=head_rows - 1, header=True), Cell("法人或其他组织", colspan=5, header=True),
                 Cell("总计", rowspan=head_rows - 1, header=True)])
    if split:
        pairs = [_split_label(DIM_LABELS[d]) for d in orgs]
        rows.append([Cell(a, header=True) for a, _ in pairs])
        rows.append([Cell(b, header=True) for _, b in pairs])
    else:
        rows.append([Cell(DIM_LABELS[d], header=True) for d in orgs])

    dropped: set[str] = set()
    if variant == "missing_row":
        zero_rows = [k for k in result_leaf_keys(fmt) if all(v == 0 for v in values[k].values())
                     and not k.startswith("result_other")]
        if not zero_rows:
            k = "result_not_processed_excessive"
            values[k] = {d: 0 for d in cols}
            zero_rows = [k]
        dropped.add(rng.choice(zero_rows))

    def vals(key: str) -> list[Cell]:
        return [Cell(str(values[key][d])) for d in cols] + ([Cell("")] if extra else [])

    rows.append([Cell("一、本年新收政府信息公开申请数量", colspan=3)] + vals("applications_new"))
    rows.append([Cell("二、上年结转政府信息公开申请数量", colspan=3)] + vals("applications_carried_over"))
    groups = [(g, [(lab, k) for lab, k in items if k not in dropped]) for g, items in result_groups(fmt)]
    n_result = sum(len(items) for _, items in groups)
    first = True
    for group, items in groups:
        for i, (label, key) in enumerate(items):
            row: list[Cell] = []
            if first:
                row.append(Cell("三、本年度办理结果", rowspan=n_result))
                first = False
            if not label:
                row.append(Cell(group, colspan=2))
            else:
                if i == 0:
                    row.append(Cell(group, rowspan=len(items)))
                row.append(Cell(label))
            rows.append(row + vals(key))
    rows.append([Cell("四、结转下年度继续办理", colspan=3)] + vals("applications_carried_forward"))
    return Table("三、收到和处理政府信息公开申请情况", rows), dropped


# ----------------------------------------------------------------------------- table 四
def _table4(values: dict, split: bool) -> Table:
    outcome = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    rows = [[Cell("行政复议", colspan=5, header=True), Cell("行政诉讼", colspan=10, header=True)]]
    if split:
        tops = [t[:2] for t in outcome[:4]]
        bottoms = [Cell(t[2:], header=True) for t in outcome[:4]]
        rows.append([Cell(t, rowspan=2, header=True) for t in tops] + [Cell("总计", rowspan=3, header=True)]
                    + [Cell("未经复议直接起诉", colspan=5, header=True), Cell("复议后起诉", colspan=5, header=True)])
        rows.append([Cell(t, header=True) for _ in range(2) for t in tops + ["总计"]])
        for k in (4, 9):
            rows[-1][k].rowspan = 2
        rows.append([Cell(c.text, header=True) for _ in range(3) for c in bottoms])
    else:
        rows.append([Cell(t, rowspan=2, header=True) for t in outcome]
                    + [Cell("未经复议直接起诉", colspan=5, header=True), Cell("复议后起诉", colspan=5, header=True)])
        rows.append([Cell(t, header=True) for _ in range(2) for t in outcome])
    data = []
    for prefix in ("reconsideration", "litigation_direct", "litigation_after_review"):
        for name in ("upheld", "corrected", "other", "pending", "total"):
            data.append(Cell(str(values[f"{prefix}_{name}"])))
    rows.append(data)
    return Table("四、政府信息公开行政复议、行政诉讼情况", rows)


# ----------------------------------------------------------------------------- prose
def _prose_intro(year: int, publisher: str) -> list[str]:
    office = publisher.replace("人民政府", "人民政府办公室") if publisher.endswith("人民政府") else publisher
    return [
        f"本报告由{office}根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定编制。"
        f"报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
        f"如对本报告有疑问，请与{office}联系。",
        "一、总体情况",
        f"{year}年，{publisher}坚持以人民为中心的发展思想，认真贯彻落实《条例》各项规定，"
        "持续深化政务公开，不断提升政府工作透明度。",
        "（一）主动公开。围绕重点领域信息公开，及时发布政策文件、规划计划、财政预决算等信息，"
        "做好政策解读和回应关切。",
        "（二）依申请公开。规范办理流程，加强与申请人沟通，依法依规按时答复。",
        "（三）政府信息管理。落实公开前保密审查，动态调整主动公开基本目录。",
        "（四）平台建设。优化政府网站政府信息公开专栏，加强政务新媒体管理。",
        "（五）监督保障。将政务公开纳入绩效考核，组织业务培训，强化监督检查。",
    ]


def _prose_outro(rng: random.Random, fmt: str, year: int, truth: dict) -> list[str]:
    other = "无其他需要报告的事项。"
    if fmt == "2021":  # the 2021 template asks for the processing fees collected (section 六)
        fee = rng.choice([0, 0, rng.randint(10, 5000)])
        truth["processing_fees"] = fee
        other = (f"本年度共收取政府信息公开信息处理费{fee}元。" if fee
                 else "本年度未收取政府信息公开信息处理费。") + other
    return [
        "五、存在的主要问题及改进情况",
        f"{year}年政府信息公开工作取得一定成效，但仍存在政策解读形式较为单一、基层公开标准化规范化有待加强等问题。"
        "下一步将加强业务培训，提升公开质量。",
        "六、其他需要报告的事项",
        other,
    ]


def make_template_report(fmt: str, year: int, publisher: str, seed: int,
                         variant: Optional[str] = None) -> tuple[TemplateReport, dict]:
    """A report in the given template and its truth {key: value or {dim: value}}."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}")
    if variant is not None and variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}")
    rng = random.Random(f"{fmt}/{year}/{publisher}/{seed}/{variant}")
    truth: dict = {}
    table2 = (_table2_2019 if fmt == "2019" else _table2_2021)(rng, truth, variant == "blank_marks")
    requests = _request_values(rng, fmt)
    table3, dropped = _table3(fmt, requests, rng, variant)
    for key in dropped:
        requests.pop(key)
    truth.update(requests)
    review = _review_values(rng)
    truth.update(review)
    table4 = _table4(review, variant == "split_header")
    if variant == "broken_labels":
        _wrap_cells(table3, 14, 2)
        _wrap_cells(table4, 8, 2)
    title = f"{publisher}{year}年政府信息公开工作年度报告"
    parts: list = [title] + _prose_intro(year, publisher)
    parts += ["二、主动公开政府信息情况", table2, "三、收到和处理政府信息公开申请情况", table3,
              "四、政府信息公开行政复议、行政诉讼情况", table4]
    parts += _prose_outro(rng, fmt, year, truth)
    return TemplateReport(fmt=fmt, year=year, publisher=publisher, title=title, parts=parts), truth


# ----------------------------------------------------------------------------- renderers
def table_grid(table: Table, repeat: bool = True) -> list[list[str]]:
    """The table with rowspan/colspan expanded: every covered position repeats the cell text
    (or, with repeat=False, is left empty as OCR and PDF-to-text tools print merged cells)."""
    grid: dict[tuple[int, int], str] = {}
    for r, c, cell in table.placed():
        for dr in range(cell.rowspan):
            for dc in range(cell.colspan):
                grid[(r + dr, c + dc)] = cell.text if repeat or (dr, dc) == (0, 0) else ""
    n_rows = max(r for r, _ in grid) + 1
    n_cols = max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(n_cols)] for r in range(n_rows)]


def _table_html(table: Table) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0">', "<tbody>"]
    for row in table.rows:
        cells = []
        for cell in row:
            tag = "td"
            attrs = ""
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            text = "<br/>".join(html.escape(line) for line in cell.text.split("\n"))
            cells.append(f"<{tag}{attrs}><p>{text}</p></{tag}>" if not cell.header
                         else f"<{tag}{attrs}><p><strong>{text}</strong></p></{tag}>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def render_html_body(report: TemplateReport) -> str:
    """The report body: paragraphs and tables with the templates' merged cells."""
    out = []
    for part in report.parts:
        if isinstance(part, Table):
            out.append(_table_html(part))
        elif part == report.title:
            out.append(f"<h1>{html.escape(part)}</h1>")
        else:
            out.append(f"<p>{html.escape(part)}</p>")
    return "\n".join(out)


def render_html_tables(report: TemplateReport) -> str:
    """A whole HTML page for the report."""
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(report.title)}</title></head>\n<body>\n<div class=\"article\">\n"
            f"{render_html_body(report)}\n</div>\n</body></html>\n")


def render_flat_text(report: TemplateReport) -> str:
    """Plain text: paragraphs one per line, tables flattened to one cell per line (source order)."""
    lines: list[str] = []
    for part in report.parts:
        if isinstance(part, Table):
            lines += [line for row in part.rows for cell in row for line in cell.text.split("\n")]
        else:
            lines.append(part)
    return "\n".join(lines) + "\n"


def render_row_text(report: TemplateReport, sep: str = "\t") -> str:
    """Plain text: each table row on one line, its cells (as in the source) joined by `sep`,
    as text copied from a PDF or a Word table often is."""
    lines: list[str] = []
    for part in report.parts:
        if isinstance(part, Table):
            lines += [sep.join(cell.text.replace("\n", "") for cell in row if cell.text) for row in part.rows]
        else:
            lines.append(part)
    return "\n".join(lines) + "\n"


def render_markdown(report: TemplateReport) -> str:
    """Plain text with markdown tables, as OCR and PDF-to-text tools print a report: a merged cell
    once, the positions it covers empty, line breaks inside a cell gone."""
    lines: list[str] = []
    for part in report.parts:
        if isinstance(part, Table):
            grid = table_grid(part, repeat=False)
            rows = ["| " + " | ".join(c.replace("\n", "") for c in row) + " |" for row in grid]
            lines += [rows[0], "|" + " --- |" * len(grid[0])] + rows[1:] + [""]
        else:
            lines.append(part)
    return "\n".join(lines) + "\n"


def grid_blocks(report: TemplateReport) -> list[tuple[str, Optional[list[list[str]]]]]:
    """(text, grid) per part: grid is None for a paragraph. For tests that build pages directly."""
    out: list[tuple[str, Optional[list[list[str]]]]] = []
    for part in report.parts:
        if isinstance(part, Table):
            grid = table_grid(part)
            out.append(("\n".join("\t".join(r) for r in grid), grid))
        else:
            out.append((part, None))
    return out
