"""The metric dictionary (`metric_keys` table): every metric key with its Chinese label, unit,
report formats, and the table and row it is read from.

The 2019 and 2021 template figures are described by the parser's own rules
(transforms/rules/template_2019.yaml, template_2021.yaml), so the dictionary says what the
parser reads; the figures of free text and of the pre-2019 appendix by metric_keys.yaml here.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from transforms import rules

LABELS = Path(__file__).with_name("metric_keys.yaml")
TEMPLATE_FORMATS = ("2019", "2021")
TABLE2 = "表二 主动公开政府信息情况"
TABLE3 = "表三 收到和处理政府信息公开申请情况"
TABLE4 = "表四 政府信息公开行政复议、行政诉讼情况"
PRE2019_TABLE = "正文或政府信息公开情况统计表"
TEXT_2021 = "正文（六、收取费用）"
COLUMNS = ("key", "label_zh", "unit", "formats", "table_name", "row_label")


def _table2(t2: dict) -> dict[str, dict]:
    unit_of = {key: unit for unit, keys in (t2.get("units") or {}).items() for key in keys}
    out = {}
    for key, (row, col) in t2["keys"].items():
        row_label, col_label = t2["rows"][row][0], t2["cols"][col][0]
        unit = unit_of.get(key, "件")
        if key in (t2.get("money") or ()):
            unit = "万元" if "万元" in col_label else "元"
        out[key] = {"label_zh": f"{row_label} {col_label}", "unit": unit, "table_name": TABLE2,
                    "row_label": f"{row_label} × {col_label}"}
    return out


def _table3(t3: dict) -> dict[str, dict]:
    out = {}
    for row in t3["rows"]:
        label = row["item"][0]
        if row.get("group") and row["group"] not in label:
            label = f"{row['group']}：{label}"
        out[row["key"]] = {"label_zh": label, "unit": "件", "table_name": TABLE3, "row_label": label}
    return out


def _table4(t4: dict) -> dict[str, dict]:
    out = {}
    for block, block_labels in t4["blocks"].items():
        for outcome, outcome_labels in t4["outcomes"].items():
            label = f"{block_labels[0]} {outcome_labels[0]}"
            out[f"{block}_{outcome}"] = {"label_zh": label, "unit": "件", "table_name": TABLE4,
                                         "row_label": f"{block_labels[0]} × {outcome_labels[0]}"}
    # Printed as two blocks; the parser adds them up (transforms/metrics/template.py).
    out["litigation_total"] = {"label_zh": "行政诉讼 总计（两栏之和）", "unit": "件", "table_name": TABLE4,
                               "row_label": "未经复议直接起诉 总计 + 复议后起诉 总计"}
    return out


def _template(fmt: str) -> dict[str, dict]:
    r = rules.load(f"template_{fmt}.yaml")
    return {**_table2(r["table2"]), **_table3(r["table3"]), **_table4(r["table4"])}


def _by_format(texts: dict[str, list[str]]) -> str:
    """{"表三 ...": ["2019", "2021"]} -> "表三 ..."; several texts say which format prints which."""
    if len(texts) == 1:
        return next(iter(texts))
    return "; ".join(f"{'/'.join(fmts)}: {text}" for text, fmts in texts.items())


@lru_cache(maxsize=1)
def metric_keys() -> tuple[dict, ...]:
    """One dict per key (COLUMNS); a key printed in several formats names each table and row."""
    own = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    entries: dict[str, dict] = {}

    def add(key: str, fmt: str, label: str, unit: str, table: str, row: str) -> None:
        e = entries.setdefault(key, {"key": key, "label_zh": label, "unit": unit, "formats": [],
                                     "table_name": {}, "row_label": {}})
        e["formats"].append(fmt)
        e["table_name"].setdefault(table, []).append(fmt)
        e["row_label"].setdefault(row, []).append(fmt)

    for key, (label, unit) in own["pre2019"].items():
        add(key, "pre2019", label, unit, PRE2019_TABLE, label)
    for fmt in TEMPLATE_FORMATS:
        for key, e in _template(fmt).items():
            add(key, fmt, e["label_zh"], e["unit"], e["table_name"], e["row_label"])
    for key, (label, unit) in own["2021_text"].items():
        add(key, "2021", label, unit, TEXT_2021, label)
    out = []
    for e in entries.values():
        out.append({**e, "table_name": _by_format(e["table_name"]), "row_label": _by_format(e["row_label"])})
    return tuple(out)
