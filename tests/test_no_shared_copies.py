"""The project never holds a copy of the shared test data (seeds, real reports, gold files): tests
read it from ../shared. A tracked file fails when it is byte-identical to any shared file, or when
it holds a run of RUN or more characters (whitespace removed) of a shared text: a seed, a real
report's text or a gold file. Binary files are searched in UTF-16 too (Word keeps text so).
The spec's vocabulary (metric keys, the templates' printed labels) is everybody's: it is taken
out of both sides first, and a window of digits and punctuation alone says nothing, so template
rows of zeros or a list of keys in the spec's order are not copies.

Fast: shared files are indexed once (sizes and hashes; every WINDOW-character window of the
texts), and a tracked file is probed only at every STEP-th character, which cannot miss a run of
RUN characters since STEP + WINDOW <= RUN; a probe that hits is then measured in full.
"""
from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import REPO

RUN = 200
WINDOW = 50
STEP = RUN - WINDOW
TEXT_GLOBS = ("seeds/**/*", "real/**/*.txt", "real/**/*.md", "gold/**/*.yaml")
MIN_DISTINCT = 12  # characters a window must vary over to carry text
_SPACE = re.compile(r"\s+")


def squash(text: str) -> str:
    return _SPACE.sub("", text)


def vocabulary(shared: Path) -> re.Pattern:
    """The spec's metric keys and printed labels (each part of a label), longest first."""
    spec = yaml.safe_load((shared / "spec" / "metrics.yaml").read_text(encoding="utf-8"))
    terms = set(spec.get("applicant_dims", {}).values())
    for m in spec["metrics"]:
        terms.add(m["key"])
        terms.update(part for part in str(m.get("zh", "")).split() if not part.startswith("("))
    terms = sorted((squash(t) for t in terms if len(squash(t)) >= 2), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, terms)))


def tracked_files(repo: Path) -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True).stdout
    return [repo / name for name in out.decode("utf-8").split("\0") if name and (repo / name).is_file()]


class SharedIndex:
    """What the shared folder holds: file hashes by size, and windows of its texts."""

    def __init__(self, shared: Path):
        self.vocabulary = vocabulary(shared)
        self.by_size: dict[int, dict[str, Path]] = {}
        for path in (p for p in shared.rglob("*") if p.is_file()):
            data = path.read_bytes()
            if data.strip():  # an empty file is nobody's copy
                self.by_size.setdefault(len(data), {})[hashlib.sha256(data).hexdigest()] = path
        self.texts: list[tuple[Path, str]] = []
        self.windows: dict[int, list[tuple[int, int]]] = {}  # hash of a window: where it is
        paths = sorted({p for g in TEXT_GLOBS for p in shared.glob(g) if p.is_file()})
        for path in paths:
            text = self.plain(path.read_bytes().decode("utf-8", "replace"))
            n = len(self.texts)
            self.texts.append((path, text))
            for i in range(len(text) - WINDOW + 1):
                window = text[i:i + WINDOW]
                if len(set(window)) >= MIN_DISTINCT:
                    self.windows.setdefault(hash(window), []).append((n, i))
        # A window found in two shared files is common ground (template labels with rows of
        # zeros, metric keys in the order of the spec), not one source's text.
        self.windows = {h: where for h, where in self.windows.items() if len({n for n, _ in where}) == 1}

    def plain(self, text: str) -> str:
        """Text without whitespace nor the spec's vocabulary."""
        return self.vocabulary.sub("", squash(text))

    def identical(self, data: bytes):
        same = self.by_size.get(len(data))
        return same and same.get(hashlib.sha256(data).hexdigest())

    def longest_run(self, text: str) -> tuple[int, str]:
        """The longest run of `text` found in a shared text, at least RUN long (else 0, '')."""
        best, where = 0, ""
        for p in range(0, len(text) - WINDOW + 1, STEP):
            probe = text[p:p + WINDOW]
            for n, i in self.windows.get(hash(probe), ()):
                shared = self.texts[n][1]
                if shared[i:i + WINDOW] != probe:
                    continue
                a, b = p, i
                while a > 0 and b > 0 and text[a - 1] == shared[b - 1]:
                    a, b = a - 1, b - 1
                end = p + WINDOW
                while end < len(text) and b + end - a < len(shared) and text[end] == shared[b + end - a]:
                    end += 1
                if end - a > best:
                    best, where = end - a, f"{self.texts[n][0].name}: {text[a:a + 40]}…"
        return (best, where) if best >= RUN else (0, "")


def readable_texts(data: bytes) -> list[str]:
    """A file's text as a reader of its bytes would find it."""
    if b"\0" not in data:
        return [data.decode("utf-8", "ignore")]
    return [data[k:].decode("utf-16-le", "ignore") for k in (0, 1)]


def copies_of_shared(files: list[Path], index: SharedIndex, root: Path) -> list[str]:
    found = []
    for path in files:
        data = path.read_bytes()
        same = index.identical(data)
        if same:
            found.append(f"{path.relative_to(root)}: identical to {same}")
            continue
        for text in readable_texts(data):
            length, where = index.longest_run(index.plain(text))
            if length:
                found.append(f"{path.relative_to(root)}: {length} characters of {where}")
                break
    return found


@pytest.fixture(scope="module")
def index(shared_dir):
    return SharedIndex(shared_dir)


def test_no_tracked_file_copies_shared_data(index):
    assert copies_of_shared(tracked_files(REPO), index, REPO) == []


def test_a_copied_seed_is_caught(index, shared_dir, tmp_path):
    seed = sorted((shared_dir / "seeds").iterdir())[0]
    (tmp_path / "same.txt").write_bytes(seed.read_bytes())
    text = seed.read_text(encoding="utf-8")
    (tmp_path / "excerpt.md").write_text("说明\n" + text[2000:2400].replace("。", "。\n  ") + "\n", encoding="utf-8")
    (tmp_path / "short.txt").write_text(text[2000:2150], encoding="utf-8")
    (tmp_path / "word.doc").write_bytes(b"\xd0\xcf\x11\xe0\0\0" + text[3000:3300].encode("utf-16-le"))
    found = copies_of_shared(sorted(tmp_path.iterdir()), index, tmp_path)
    assert [f.split(":")[0] for f in found] == ["excerpt.md", "same.txt", "word.doc"]


def test_a_copied_pdf_is_caught(index, shared_dir, tmp_path):
    pdf = shared_dir / "real" / "huaian-2024" / "report.pdf"
    (tmp_path / "report.pdf").write_bytes(pdf.read_bytes())
    assert copies_of_shared([tmp_path / "report.pdf"], index, tmp_path) == [
        f"report.pdf: identical to {pdf}"]
