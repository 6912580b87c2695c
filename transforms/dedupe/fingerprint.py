"""Fingerprints of a document's clean text, for finding copies of one report across URLs.

A fingerprint has three parts, each robust to something different:
  text_sha256  exact copy: hash of the normalised text (simplified, width-folded, no spacing
               or punctuation), so encoding, whitespace and traditional characters do not matter;
  minhash      near copy: MinHash signature over character shingles of the normalised text,
               so a spam wrapper, a swapped agency name or a small edit changes it only a little;
  numbers      what the report says: the multiset of numbers printed in the text. Two reports
               filled into the same template share their wording but not their numbers.
Pure functions: no I/O, no clock; hashing is seeded with constants so every process agrees.
"""
from __future__ import annotations

from transforms import rules

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np
import opencc

RULES = rules.load("dedupe.yaml")
SHINGLE = int(RULES["shingle_size"])
NUM_PERM = int(RULES["num_perm"])

_T2S = opencc.OpenCC("t2s.json")
_DROP = re.compile(r"[\W_]+", re.UNICODE)  # spacing and punctuation: layout, not content
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_YEAR = re.compile(r"^(19[5-9]\d|20\d\d)$")

# Fixed random parameters of the hash family: the same in every process and run.
_RNG = np.random.Generator(np.random.PCG64(20240611))
_A = (_RNG.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
_B = _RNG.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)
_EMPTY = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
_CHUNK = 4096  # shingles hashed at a time: bounds memory on very long texts


@dataclass(frozen=True)
class Fingerprint:
    text_sha256: str
    minhash: bytes  # NUM_PERM little-endian uint32
    numbers: tuple[str, ...]  # sorted multiset of the numbers in the text
    length: int  # characters of normalised text

    def signature(self) -> np.ndarray:
        return np.frombuffer(self.minhash, dtype="<u4")

    def informative_numbers(self) -> tuple[str, ...]:
        return tuple(n for n in self.numbers if is_informative(n))


def simplify(text: str) -> str:
    """Unicode width folding then traditional -> simplified characters."""
    return _T2S.convert(unicodedata.normalize("NFKC", text or ""))


def normalise(text: str) -> str:
    """The text as compared: simplified, lower case, without spacing or punctuation."""
    return _DROP.sub("", simplify(text).lower())


def text_sha256(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def numbers_in(text: str) -> tuple[str, ...]:
    """Numbers as printed, thousands separators dropped and trailing decimal zeros trimmed."""
    out = []
    for m in _NUMBER.finditer(unicodedata.normalize("NFKC", text or "")):
        n = m.group(0).replace(",", "")
        if "." in n:
            n = n.rstrip("0").rstrip(".") or "0"
        out.append(n.lstrip("0") or "0")
    return tuple(sorted(out))


def is_informative(number: str) -> bool:
    """A number that tells one report from another: not a single digit (list items, zero
    cells of a template) and not a year."""
    return len(number.split(".")[0]) > 1 and not _YEAR.match(number)


def _mix64(x: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser so that similar shingles get unrelated hashes."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def shingle_hashes(norm: str, k: int = SHINGLE) -> np.ndarray:
    """Distinct 64-bit hashes of the k-character shingles of a normalised text."""
    if not norm:
        return np.zeros(0, dtype=np.uint64)
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    k = min(k, len(cps))
    n = len(cps) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * np.uint64(1_000_003) + cps[j:j + n]
        return np.unique(_mix64(h))


def minhash(norm: str) -> np.ndarray:
    hashes = shingle_hashes(norm)
    if hashes.size == 0:
        return _EMPTY.copy()
    sig = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, hashes.size, _CHUNK):
            part = hashes[start:start + _CHUNK]
            permuted = _A[:, None] * part[None, :] + _B[:, None]
            sig = np.minimum(sig, permuted.min(axis=1))
    return (sig >> np.uint64(32)).astype("<u4")


def fingerprint(text: str) -> Fingerprint:
    norm = normalise(text)
    return Fingerprint(
        text_sha256=hashlib.sha256(norm.encode("utf-8")).hexdigest(),
        minhash=minhash(norm).tobytes(),
        numbers=numbers_in(text),
        length=len(norm),
    )


def text_similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    if a.text_sha256 == b.text_sha256:
        return 1.0
    if not a.length or not b.length:
        return 0.0
    return float(np.mean(a.signature() == b.signature()))


def number_containment(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Share of the smaller multiset found in the larger: a wrapper that adds numbers on one
    side does not lower it, a report with other figures does."""
    if not a or not b:
        return 1.0 if not a and not b else 0.0
    common = sum((Counter(a) & Counter(b)).values())
    return common / min(len(a), len(b))


def number_jaccard(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    ca, cb = Counter(a), Counter(b)
    union = sum((ca | cb).values())
    return sum((ca & cb).values()) / union if union else 1.0
