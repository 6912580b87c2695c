"""Synthetic pre-2019 annual reports: free prose with their figures, and the truth of those figures.

Before the 2019 template, reports were prose: "全年共主动公开政府信息3120条", "收到政府信息公开申请
86件", "因政府信息公开申请行政复议4件" ... `make_free_text_report(publisher, region, year, seed)`
writes such a report (headings, paragraphs, figures in sentences the way county and provincial
reports word them) and returns it with its truth {metric key: value}: every figure the text
states for the publisher's whole year. Distractors a parser must not load (a cumulative count,
last year's figure, a plan) are printed too and are not in the truth. With `slip`, the report
misprints one figure as real ones do: its review outcomes add up to one more than their total
(the figures are the printed ones; a check on them must fail).

The text is written here, sentence by sentence; it copies no published report.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class FreeTextReport:
    year: int
    publisher: str
    region: str
    title: str
    paragraphs: list[str] = field(default_factory=list)

    def text(self, extra_lines: dict[int, str] | None = None) -> str:
        """The report as plain text, one paragraph a line; extra_lines {index: line} puts
        foreign lines (a spam string, a shop's form label) before that paragraph."""
        lines = []
        for i, para in enumerate(self.paragraphs):
            if extra_lines and i in extra_lines:
                lines.append(extra_lines[i])
            lines.append(para)
        return "\n\n".join(lines) + "\n"


def _split(rng: random.Random, total: int, n: int) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(n - 1))
    return [b - a for a, b in zip([0] + cuts, cuts + [total])]


def _values(rng: random.Random) -> dict[str, int]:
    v: dict[str, int] = {}
    v["proactive_total"] = rng.randint(800, 40000)
    v["proactive_via_website"] = rng.randint(v["proactive_total"] // 2, v["proactive_total"])
    v["trainings"] = rng.randint(2, 30)
    v["trainees"] = v["trainings"] * rng.randint(15, 40)
    v["applications_received"] = rng.randint(12, 900)
    granted, partial, denied, other = _split(rng, v["applications_received"], 4)
    v["replies_granted"], v["replies_partially_granted"], v["replies_denied"] = granted, partial, denied
    v["applications_completed"] = v["applications_received"] - rng.randint(0, 3)
    v["fees_collected"] = 0
    v["reconsideration_total"] = rng.randint(2, 40)
    v["reconsideration_upheld"], v["reconsideration_corrected"], v["reconsideration_other"] = \
        _split(rng, v["reconsideration_total"], 3)
    v["litigation_total"] = rng.randint(1, 20)
    v["litigation_upheld"], v["litigation_corrected"], v["litigation_other"] = _split(rng, v["litigation_total"], 3)
    return v


def _office(publisher: str) -> str:
    return publisher.replace("人民政府", "人民政府办公室") if publisher.endswith("人民政府") else publisher


def make_free_text_report(publisher: str, region: str, year: int, seed: int,
                          slip: bool = False) -> tuple[FreeTextReport, dict]:
    """A pre-2019 report of `publisher` (whose area is `region`) for `year`, and its truth."""
    rng = random.Random(f"pre2019/{publisher}/{year}/{seed}")
    v = _values(rng)
    if slip:
        v["reconsideration_other"] += 1
    scope = "全省" if region.endswith("省") else ("全市" if region.endswith("市") else "全区")
    office = _office(publisher)
    title = f"{publisher}{year}年政府信息公开工作年度报告"
    cumulative = v["proactive_total"] * rng.randint(4, 9)
    last_year = v["applications_received"] + rng.randint(5, 60)
    plan = rng.randint(3, 12)
    paras = [
        title,
        f"本年度报告根据《中华人民共和国政府信息公开条例》的要求，由{office}编制。报告由概述、"
        "主动公开政府信息情况、依申请公开政府信息情况、政府信息公开的收费及减免情况、"
        "因政府信息公开申请行政复议和提起行政诉讼的情况、存在的主要问题及改进措施等部分组成。"
        f"报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
        f"如对本报告有任何疑问，请与{office}联系。",
        "一、概述",
        f"{year}年，{scope}上下以“公开为常态、不公开为例外”为原则，围绕中心工作抓好政务公开，"
        "健全工作机制，规范公开流程，推动决策、执行、管理、服务、结果公开，"
        "政府工作的透明度和公信力进一步提升。",
        f"（一）加强组织领导。调整充实政务公开工作领导小组，明确分管领导和联络员，"
        f"把政务公开纳入年度目标考核。全年围绕政府信息公开举办业务培训{v['trainings']}次，"
        f"参训{v['trainees']}人次。",
        "（二）完善制度建设。修订政府信息公开指南和目录，建立公开属性源头认定、"
        "公开前保密审查等制度，做到应公开尽公开。",
        "二、主动公开政府信息情况",
        f"{year}年，{scope}共主动公开政府信息{v['proactive_total']}条，"
        f"其中在政府门户网站公开{v['proactive_via_website']}条。"
        f"自政府信息公开工作开展以来，累计主动公开政府信息{cumulative}条。"
        "公开内容涵盖机构职能、政策文件、规划计划、财政预决算、重大项目、"
        "公共资源配置、社会公益事业等重点领域。",
        "三、依申请公开政府信息情况",
        f"{year}年，{scope}共收到政府信息公开申请{v['applications_received']}件，"
        f"上年同期为{last_year}件。已办结{v['applications_completed']}件，"
        "其余申请在法定期限内继续办理。"
        f"在已答复的申请中，同意公开的{v['replies_granted']}件，"
        f"同意部分公开的{v['replies_partially_granted']}件，"
        f"不予公开的{v['replies_denied']}件，其余为信息不存在、不属于本机关公开范围等情形。",
        "四、政府信息公开的收费及减免情况",
        "本年度办理政府信息公开申请，未收取任何费用，也无减免费用情况。",
        "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
        f"{year}年，因政府信息公开申请行政复议{v['reconsideration_total']}件，"
        f"其中维持{v['reconsideration_upheld']}件，纠错{v['reconsideration_corrected']}件，"
        f"其他情形{v['reconsideration_other']}件。"
        f"因政府信息公开提起行政诉讼{v['litigation_total']}件，"
        f"其中维持{v['litigation_upheld']}件，纠错{v['litigation_corrected']}件，"
        f"其他情形{v['litigation_other']}件。",
        "六、存在的主要问题及改进措施",
        "一年来，政府信息公开工作取得了一定成效，但仍有不足：部分单位公开意识不强，"
        "信息更新不够及时，政策解读的形式比较单一。"
        f"下一步，计划组织专题培训{plan}次，加强对基层工作人员的业务指导，"
        "进一步规范依申请公开办理流程，提高答复质量。",
    ]
    return FreeTextReport(year, publisher, region, title, paras), v
