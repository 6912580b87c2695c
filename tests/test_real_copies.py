"""Real copies whose tables lost their layout: the pingtan archive texts in ../shared/real/pingtan
(bodies on one line, template cells run together, appendix cells separated by spaces or not).

Only the figures read from tables are scored here (prose is scored with the rest of the gold):
not one of them may be wrong, and the template pages' tables must be read nearly whole.
"""
from __future__ import annotations

import importlib.util
import json

import pytest
import yaml

from transforms.extract import extract

TEMPLATE_PAGES = ("pingtan/80576.txt", "pingtan/80613.txt", "pingtan/87885.txt")


@pytest.fixture(scope="module")
def scored(shared_dir):
    gold_path, tool = shared_dir / "gold" / "pingtan.yaml", shared_dir / "tools" / "score_extract.py"
    if not gold_path.is_file() or not tool.is_file():
        pytest.skip("pingtan gold or the scorer not found")
    spec = importlib.util.spec_from_file_location("score_extract", tool)
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    out = {}
    for name, gold in yaml.safe_load(gold_path.read_text(encoding="utf-8")).items():
        doc = json.loads(json.dumps(extract((shared_dir / "real" / name).read_bytes(), gold.get("url")).to_json()))
        doc["metrics"] = [m for m in doc["metrics"] if m["source"] == "table"]
        out[name] = (scorer.score_page(doc, gold), doc)
    return out


def test_no_table_figure_is_wrong(scored):
    wrong = {name: r["notes"] for name, (r, _) in scored.items() if r["fp"]}
    assert wrong == {}


def test_template_tables_are_read_nearly_whole(scored):
    tp = sum(scored[n][0]["tp"] for n in TEMPLATE_PAGES)
    fn = sum(scored[n][0]["fn"] for n in TEMPLATE_PAGES)
    withheld = sum(len(scored[n][1]["withheld"]) for n in TEMPLATE_PAGES)
    print(f"template pages: {tp} of {tp + fn} gold values read from tables, {withheld} figures withheld")
    assert tp >= 0.97 * (tp + fn)


def test_appendix_run_together_reads_this_years_figures(scored):
    _r, doc = scored["pingtan/80716.txt"]
    assert {m["key"]: m["value"] for m in doc["metrics"]}["proactive_total"] == 425
