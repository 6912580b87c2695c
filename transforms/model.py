"""The data shapes that move through transforms/: one raw page in, one Document out.

Stages (each a pure function, see transforms/extract.py for the chain):
  raw bytes --decode/convert--> RawPage --clean/normalise--> Page --classify--> Classification
  Page + Classification --metrics--> [Metric] --checks--> [Check]  ==> Document
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Optional

Grid = list[list[str]]  # a table after rowspan/colspan expansion; "" is an empty cell


@dataclass
class Block:
    """One part of a body in reading order: a paragraph, or a table.

    For a table, `table` holds the grid and `text` its rows rendered one per line,
    cells separated by a tab, so the document text still shows the table.
    """
    text: str
    table: Optional[Grid] = None
    page_no: Optional[int] = None  # PDF page the block came from, when known

    @property
    def is_table(self) -> bool:
        return self.table is not None


@dataclass
class RawPage:
    """A source converted to blocks, before cleaning. kind: html | pdf | docx | doc | text."""
    kind: str
    blocks: list[Block]
    title: Optional[str] = None  # <title>/<h1> or first heading as found
    meta: dict = field(default_factory=dict)  # e.g. published_date, publisher hints
    warnings: list[str] = field(default_factory=list)


@dataclass
class Page:
    """Clean, simplified-Chinese body: boilerplate, spam and repeats removed."""
    kind: str
    blocks: list[Block]
    title: Optional[str] = None
    published_date: Optional[str] = None  # ISO date, when the page prints one
    traditional_source: bool = False
    spam_removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The page's own title (its <title>/<h1>, or a metadata block's 标题), which may name a
    # letter or a notice rather than a report; and what a metadata block said (publisher, column,
    # source_url ...), read as metadata and never as body text.
    own_title: Optional[str] = None
    meta: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks if b.text)

    @property
    def prose(self) -> list[str]:
        return [b.text for b in self.blocks if not b.is_table and b.text]

    @property
    def tables(self) -> list[Grid]:
        return [b.table for b in self.blocks if b.table is not None]


@dataclass
class Classification:
    is_annual_report: bool
    title: Optional[str] = None
    year: Optional[int] = None
    publisher: Optional[str] = None
    region: Optional[str] = None
    region_code: Optional[str] = None
    format: Optional[str] = None  # "pre2019" | "2019" | "2021"
    reason: str = ""  # why it is (not) a report, for warnings and debugging


@dataclass
class Metric:
    key: str  # a key of shared/spec/metrics.yaml
    value: float | int
    dimension: Optional[str] = None  # applicant type for table 三, else None
    unit: Optional[str] = None  # unit of `value` (元 for money)
    unit_printed: Optional[str] = None  # unit as printed next to the number
    approx: bool = False
    source: str = "text"  # "text" | "table"
    evidence: str = ""  # the sentence, or "row label | column label: cell"
    # Set by a reader that found this candidate but knows it cannot be loaded (e.g. a run-together
    # digit string with two valid splits): the reason. Settling keeps it in `withheld`, never loads it.
    withheld: Optional[str] = None


@dataclass
class Withheld:
    """A figure not loaded, kept with every candidate seen for it and the reason."""
    key: str
    dimension: Optional[str]
    reason: str
    candidates: list[Metric] = field(default_factory=list)
    # The value loaded for this key from other candidates, when one was (e.g. the table's,
    # beside a sentence about one office); None when nothing was loaded for it.
    loaded: Optional[float] = None


@dataclass
class Check:
    check: str
    ok: bool
    detail: str = ""
    # The (key, dimension) of every figure the check compares: when it fails they are withheld.
    terms: list[tuple[str, Optional[str]]] = field(default_factory=list)


@dataclass
class Document:
    url: Optional[str]
    is_annual_report: bool
    title: Optional[str]
    year: Optional[int]
    publisher: Optional[str]
    region: Optional[str]
    region_code: Optional[str]
    published_date: Optional[str]
    format: Optional[str]
    traditional_source: bool
    spam_removed: list[str]
    text: str
    metrics: list[Metric]
    checks: list[Check]
    warnings: list[str]
    withheld: list[Withheld] = field(default_factory=list)

    def to_json(self) -> dict:
        out = asdict(self)
        for m in out["metrics"]:  # a loaded figure is never withheld: the field says nothing
            m.pop("withheld", None)
        for c in out["checks"]:  # the check's name and detail say which figures it compares
            c.pop("terms", None)
        return out
