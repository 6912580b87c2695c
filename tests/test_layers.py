"""The layer rule, read from the source: transforms/ is the leaf (imports nothing else of
ours); crawler/ and warehouse/ import only themselves and transforms/; flows/ may import all.
Every import counts, inside functions and TYPE_CHECKING blocks too."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = ("transforms", "crawler", "warehouse", "flows", "sampleportal")
ALLOWED = {"transforms": {"transforms"},
           "crawler": {"crawler", "transforms"},
           "warehouse": {"warehouse", "transforms"},
           "flows": set(OURS)}


def _imported(tree: ast.AST, package: list[str]) -> list[tuple[int, str]]:
    """(line, module) of every import; relative ones resolved against `package`."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.append((node.lineno, name))
    return out


def violations(root: Path) -> list[str]:
    """Each import under root/<layer>/ that crosses the rule, as 'path:line imports module'."""
    found = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((root / layer).rglob("*.py")):
            rel = path.relative_to(root)
            package = list(rel.parent.parts)
            tree = ast.parse(path.read_text("utf-8"), str(rel))
            for line, module in _imported(tree, package):
                top = module.split(".")[0]
                if top in OURS and top not in allowed:
                    found.append(f"{rel}:{line} imports {module}")
    return found


def test_no_module_imports_across_the_layers():
    assert violations(ROOT) == []


def test_the_rule_reads_every_layer():
    assert all(any((ROOT / layer).rglob("*.py")) for layer in ALLOWED)


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def test_a_crossing_import_is_found(tmp_path):
    _write(tmp_path, "transforms/sub/pure.py", "import json\nfrom transforms import model\n"
                                               "def f():\n    from crawler.registry import load_portals\n")
    _write(tmp_path, "crawler/spider.py", "from transforms.years import Years\nimport warehouse.store\n")
    _write(tmp_path, "warehouse/store.py", "from ..flows import pipeline\n")
    _write(tmp_path, "flows/run.py", "import crawler, warehouse, transforms, sampleportal\n")
    assert sorted(violations(tmp_path)) == ["crawler/spider.py:2 imports warehouse.store",
                                            "transforms/sub/pure.py:4 imports crawler.registry",
                                            "warehouse/store.py:1 imports flows"]


def test_a_relative_import_inside_its_own_layer_is_allowed(tmp_path):
    _write(tmp_path, "transforms/dedupe/groups.py", "from .fingerprint import RULES\nfrom .. import model\n")
    assert violations(tmp_path) == []
