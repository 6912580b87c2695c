"""Figures stated in the free text of a report (pre-2019 prose; the 2021 processing-fee sentence).

Labels live in rules/pre2019_text.yaml. The code finds numbers with units, asks which label sits
right before (or after) each one, and refuses, with a reason, what is not the publisher's own
figure for the statistical year:
  - cumulative ("累计", "《条例》实施以来", "截至目前"), plans ("计划", "下一步"), part-year or averages;
  - another year's figure (the last year printed before it in the segment is not ours);
  - changes ("比上年增加97件": previous-year words, a delta word right before the number);
  - sub-units ("省级部门", "市本级") named before it in the segment;
  - headline totals inside a "其中" (of which) clause;
  - out of scope (rules' `out_of_scope`): a hotline, approvals, one channel ("在互联网上");
    one office or department named as the subject ("县政府公开办主动公开…"), unless it is the
    publisher ("我局", the title's name) or the whole ("全区");
  - per-rule context: a review count needs "信息公开" in its sentence, a reply breakdown a
    paragraph (or section heading) about disclosure requests.
Labels that share one number with another label ("信函、传真申请数") give no figure at all.
Breakdowns shared by review and litigation ("维持", "纠错", "其他情形") take the key of the
topic named last before them. Zero stated in words counts ("未收取费用" -> 0), when the negated
noun is the key's ("未收到…行政复议申请" denies a review, not a request).
Every candidate is returned, refused ones with their reason (settle.py keeps them as withheld
values); two loadable values for one key are both returned when nothing tells them apart (a
figure for the whole area beats one without that wording), and settling then loads neither.
A body that lost its line breaks is cut back into paragraphs at its inline headings first.
"""
from __future__ import annotations

from transforms import rules

import fnmatch
import re
from dataclasses import dataclass
from typing import Iterator, Optional


from transforms.model import Classification, Metric, Page
from transforms.numbers import NUMBER_RE, parse_approx, to_halfwidth

_RULES = rules.load("pre2019_text.yaml")
_LABEL_CHAR = _RULES["label_char"]
_GAP_BEFORE = _RULES["gap_before"]
_GAP_AFTER = _RULES["gap_after"]
_G = _RULES["guards"]
_COMBINED_BEFORE = re.compile(_G["combined_before"])
_ITEM_END = re.compile(_G["item_end"])
_PART_YEAR_MONTHS = re.compile(_G["partial_period_months"])
_EACH_SUB_UNIT = re.compile(_G["sub_unit_each"])


def _opt(pattern: Optional[str]) -> Optional[re.Pattern]:
    return re.compile(pattern) if pattern else None


def _sub_unit(before: str) -> bool:
    """A sub-unit is named in `before` (the segment up to the number): "省级部门", or every area
    unit of one kind ("各区县"), unless the wording takes in every level or the departments as
    well ("全县各级…", "各乡镇街道和各部门")."""
    if _has_any(before, _G["sub_unit"]):
        return True
    return bool(_EACH_SUB_UNIT.search(before)) and "各级" not in before and "部门" not in before


_REASONS = _RULES["reasons"]
_OUT_OF_SCOPE = [{"reason": r["reason"], "keys": r["keys"], "where": r["where"], "words": re.compile(r["words"]),
                  "unless": _opt(r.get("unless"))} for r in _RULES["out_of_scope"]]
_SUBJECT = _RULES["subject_office"]
_SUBJECT_OFFICE = re.compile(_SUBJECT["office"])
_SUBJECT_OWN = re.compile(_SUBJECT["own"])
_CONTEXTS = {name: re.compile(p) for name, p in _RULES["contexts"].items()}
_CONTEXT_REQUIRES = re.compile(_RULES["context_requires"])
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?=年)")
_SENTENCE_END = re.compile(r"[。!?\n]")
_CLAUSE_DELIMS = ",;"
_SEGMENT_DELIMS = ";"
_MONEY_UNITS = {"万元": 10_000, "元": 1}
_LABEL_KEY = re.compile(r"^(?:被)?(?:依法)?|数$")  # "被依法撤销" and "撤销" are one label


def _expand(pattern: str) -> str:
    return pattern.replace("~", _LABEL_CHAR)


@dataclass(frozen=True)
class Rule:
    name: str
    key: Optional[str]  # fixed key, or None when the key depends on the context
    context_keys: Optional[dict]  # context -> key, for breakdowns shared by review and litigation
    role: str
    units: tuple[str, ...]
    before: tuple[re.Pattern, ...]
    after: tuple[re.Pattern, ...]
    zero: tuple[re.Pattern, ...]
    zero_not_followed: Optional[re.Pattern]
    zero_object_excludes: Optional[re.Pattern]
    clause_excludes: Optional[re.Pattern]
    sentence_excludes: Optional[re.Pattern]
    followed_excludes: Optional[re.Pattern]
    requires_before: Optional[re.Pattern]
    requires_in_paragraph: Optional[re.Pattern]
    formats: tuple[str, ...]


def _rule(name: str, spec: dict, key: Optional[str], context_keys: Optional[dict]) -> Rule:
    return Rule(
        name=name, key=key, context_keys=context_keys, role=spec.get("role", "part"),
        units=tuple(spec["units"]),
        before=tuple(re.compile("(?:" + _expand(p) + ")" + _GAP_BEFORE + "$") for p in spec.get("before", [])),
        after=tuple(re.compile("^" + _GAP_AFTER + "(?:" + _expand(p) + ")") for p in spec.get("after", [])),
        zero=tuple(re.compile(_expand(p)) for p in spec.get("zero", [])),
        zero_not_followed=_opt(spec.get("zero_not_followed")),
        zero_object_excludes=_opt(spec.get("zero_object_excludes")),
        clause_excludes=_opt(spec.get("clause_excludes")),
        sentence_excludes=_opt(spec.get("sentence_excludes")),
        followed_excludes=_opt(spec.get("followed_excludes")),
        requires_before=_opt(spec.get("requires_before")),
        requires_in_paragraph=_opt(spec.get("requires_in_paragraph")),
        formats=tuple(str(f) for f in spec.get("formats", ["pre2019"])),
    )


RULES: tuple[Rule, ...] = tuple(
    [_rule(k, s, k, None) for k, s in _RULES["keys"].items()]
    + [_rule(n, s, None, s["keys"]) for n, s in _RULES["by_context"].items()]
)
_ALL_UPHELD = _RULES["all_upheld"]
_ALL_UPHELD_RE = re.compile(_ALL_UPHELD["pattern"])
_UNITS = sorted({u for r in RULES for u in r.units} | set(_MONEY_UNITS), key=len, reverse=True)
_TOKEN = re.compile(NUMBER_RE.pattern + r"(?P<mult>万|亿)?(?P<post2>余|多)?(?P<unit>"
                    + "|".join(map(re.escape, _UNITS)) + r")(?P<floor>以上)?")
# Words that make a Chinese numeral vague ("数十条", "几十次", "上千条"): no count at all.
_VAGUE_BEFORE = "数几若上成"


@dataclass
class Token:
    start: int
    end: int  # after the unit
    value: float | int
    approx: bool
    unit: str  # unit as printed (万元 when printed as 万 + 元)


@dataclass
class Candidate:
    key: str
    value: float | int
    unit_printed: str
    approx: bool
    evidence: str
    whole_scope: bool
    role: str
    refused: Optional[str] = None  # why this figure is not the publisher's whole-year figure


_QUOTES = re.compile("[\"'“”‘’「」『』]")


_SPACE_BETWEEN_DIGITS = re.compile(r"(?<=\d)\s+(?=\d)")


def normalise(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII), no quotation marks (labels are often
    quoted: “同意公开”的120件), no whitespace (PDF text spaces out "2018 年", "78 件") except
    between two digits: there it separates two table cells ("12 215"), so it stays a break."""
    text = _SPACE_BETWEEN_DIGITS.sub(" ", to_halfwidth(text))
    return _QUOTES.sub("", re.sub(r"(?<!\d) +| +(?!\d)|[^\S ]+", "", text))


def _sentences(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() - start > 1:
            yield start, text[start:m.end()]
        start = m.end()
    if start < len(text):
        yield start, text[start:]


def _tokens(sentence: str) -> list[Token]:
    out = []
    for m in _TOKEN.finditer(sentence):
        parsed = parse_approx((m.group("pre") or "") + m.group("num") + (m.group("post") or ""))
        if parsed is None:
            continue
        value, unit, approx = parsed.value, m.group("unit"), parsed.approx
        if m.group("post2") and not m.group("mult"):
            continue  # "12余件" is no way of writing a number
        # "12万余条", "10次以上": a lower bound, not the count
        approx = approx or bool(m.group("post2")) or bool(m.group("floor"))
        if m.group("mult"):
            if unit == "元" and m.group("mult") == "万":
                unit = "万元"
            else:
                value = value * (10_000 if m.group("mult") == "万" else 100_000_000)
                approx = approx or not float(parsed.value).is_integer()
                if float(value).is_integer():
                    value = int(value)  # "1.2万条" is 12000 items, not 12000.0
        if sentence.startswith("百分点", m.end()):
            continue  # "3.9个百分点": a change in a rate
        before = sentence[m.start() - 1] if m.start() > 0 else ""
        if not m.group("pre") and not m.group("num")[0].isdigit() and before and before in _VAGUE_BEFORE:
            continue  # "数十条", "几十次": an order of magnitude, not a count
        if before == "第" or (m.group("num")[0].isdigit() and before in ".-—~"):
            continue  # an ordinal, or part of a code, a date or a range: not a count
        out.append(Token(m.start(), m.end(), value, approx, unit))
    return out


def _last_index(text: str, chars: str) -> int:
    return max(text.rfind(c) for c in chars)


def _has_any(text: str, words) -> bool:
    return any(w in text for w in words)


def _context(paragraph: str, upto: int) -> Optional[str]:
    """The topic (review or litigation) last named before `upto` in the paragraph, when the
    sentence naming it is about disclosure."""
    best, where = None, -1
    head = paragraph[:upto]
    for name, rx in _CONTEXTS.items():
        for m in rx.finditer(head):
            if m.start() > where:
                best, where = name, m.start()
    if best is None:
        return None
    # The sentence up to the end of the part (at a semicolon) naming the topic: "全年办理行政复议
    # 案件45件,其中维持30件;涉及政府信息公开的行政诉讼3件" names disclosure for litigation only,
    # "因政府信息公开引起的行政复议3件…;行政诉讼4件…" for both.
    start = max(paragraph.rfind(c, 0, where) for c in "。!?") + 1
    ends = [i for i in (paragraph.find(c, where) for c in "。!?;") if i != -1]
    return best if _CONTEXT_REQUIRES.search(paragraph[start:min(ends) if ends else len(paragraph)]) else None


def _not_this_year(sentence: str, tok: Token, clause: str, year: Optional[int]) -> Optional[str]:
    """Why the figure is not the statistical year's (a reason of rules' `reasons`), or None."""
    head = sentence[:tok.start]
    word = _first_word(head, _G["cumulative"])
    if word:
        return _reason("cumulative", word)
    word = _first_word(head, _G["future"])
    if word:
        return _reason("future", word)
    segment = head[_last_index(head, _SEGMENT_DELIMS) + 1:]
    years = [int(y) for y in _YEAR.findall(segment)]
    if years and (year is None or years[-1] != year):
        return _reason("another_year", str(years[-1]))  # dated another year (or any, ours unknown)
    m = _PART_YEAR_MONTHS.search(segment)
    if m:
        return _reason("part_year", m.group(0))  # "1-11月": part of the year
    word = _first_word(segment, _G["partial_period_heads"])
    if word and not _has_any(clause, _G["whole_year"]):
        return _reason("part_year", word)  # "2018年上半年,全区收到申请520件": the half year owns the segment
    word = _first_word(clause, _G["previous_year"])
    if word:
        return _reason("previous_year", word)
    word = _first_word(clause, _G["partial_period"])
    return _reason("part_year", word) if word else None


def _first_word(text: str, words) -> Optional[str]:
    return next((w for w in words if w in text), None)


def _reason(name: str, detail: str = "") -> str:
    """A refusal reason as printed in `withheld`: the rule file's wording, then what showed it."""
    return _REASONS[name] + (f" ({detail})" if detail else "")


def _rule_refusal(rule: Rule, sentence: str, clause: str, upto: int, paragraph_head: str,
                  section: str = "") -> Optional[str]:
    """Why the rule's own conditions on the words around the number refuse it, or None. A
    heading the paragraph sits under ("(三)依申请公开政府信息收费情况") says what its sentences are
    about as well as their own words do; for words required before the number only the nearest
    heading counts (a part's heading "一、政府信息公开概述" says nothing of a "(四)培训情况"
    sentence's training)."""
    section = section.rstrip("\n").rsplit("\n", 1)[-1]
    for cond, text in (("clause_excludes", clause), ("sentence_excludes", sentence[:upto]),
                       ("followed_excludes", sentence[upto:])):
        rx = getattr(rule, cond)
        m = rx.search(text) if rx else None
        if m:
            return _reason(cond, m.group(0))
    if rule.requires_in_paragraph and not rule.requires_in_paragraph.search(paragraph_head):
        return _reason("requires_in_paragraph")
    if rule.requires_before and not rule.requires_before.search(section + sentence[:upto]):
        return _reason("requires_before")
    return None


def _out_of_scope(key: str, sentence: str, tok_start: int, label_start: int, own: str) -> Optional[str]:
    """Why the sentence is about something narrower or other than the publisher's whole year
    (rules' `out_of_scope`: a channel, a hotline, approvals, one office), or None."""
    clause_start = _last_index(sentence[:tok_start], _CLAUSE_DELIMS) + 1
    spans = {"clause": sentence[clause_start:tok_start],
             "segment": sentence[_last_index(sentence[:tok_start], _SEGMENT_DELIMS) + 1:tok_start],
             "sentence": sentence[:tok_start]}
    for rule in _OUT_OF_SCOPE:
        if not any(fnmatch.fnmatchcase(key, k) for k in rule["keys"]):
            continue
        m = rule["words"].search(spans[rule["where"]])
        if m and not (rule["unless"] and rule["unless"].search(spans[rule["where"]])):
            return f"{rule['reason']} ({m.group(0)})"
    if not any(fnmatch.fnmatchcase(key, k) for k in _SUBJECT["keys"]):
        return None
    subject = _subject_office(sentence[_last_index(sentence[:label_start], _CLAUSE_DELIMS) + 1:label_start], own)
    return f"{_SUBJECT['reason']} ({subject})" if subject else None


def _subject_office(before_label: str, own: str) -> Optional[str]:
    """The office or department named right before a label as the one that did it
    ("区管委会、县政府公开办主动公开信息数为62条"), unless the wording makes it the publisher
    itself or the whole ("我局办公室", "全区…") or the report's title names it."""
    m = _SUBJECT_OFFICE.search(before_label)
    if not m or _SUBJECT_OWN.search(before_label):
        return None
    name = m.group(0)
    if own and (name in own or name[-3:] in own):
        return None
    return name


def _combined(before_label: str) -> bool:
    """The label shares its number with the label before it ("信函、传真申请数")."""
    m = _COMBINED_BEFORE.search(before_label)
    return bool(m) and not _ITEM_END.search(before_label[:m.start()])


def _label_match(rule: Rule, sentence: str, clause_start: int, tok: Token) -> Optional[tuple[int, int]]:
    """(label start, label length) of the longest label of `rule` next to the token, or None."""
    best = None
    head = sentence[clause_start:tok.start]
    for rx in rule.before:
        m = rx.search(head)
        if m and not _combined(head[:m.start()]):
            cand = (clause_start + m.start(), m.end() - m.start())
            best = max(best, cand, key=lambda c: c[1]) if best else cand
    if best:
        return best
    clause_end = len(sentence)
    for d in _CLAUSE_DELIMS:
        i = sentence.find(d, tok.end)
        if i != -1:
            clause_end = min(clause_end, i)
    tail = sentence[tok.end:clause_end]
    before_tok = sentence[max(clause_start, tok.start - 2):tok.start]
    for rx in rule.after:
        m = rx.match(tail)
        if m and not any(before_tok.endswith(w) for w in _G["delta_before"]):
            cand = (tok.end, m.end())
            best = max(best, cand, key=lambda c: c[1]) if best else cand
    return best


MAX_EVIDENCE = 300


def _evidence(sentence: str, tok: Token) -> str:
    """The sentence; a window around the figure when the sentence runs on (no punctuation)."""
    if len(sentence) <= MAX_EVIDENCE:
        return sentence
    half = MAX_EVIDENCE // 2
    start = max(0, min(tok.start - half, len(sentence) - MAX_EVIDENCE))
    return sentence[start:start + MAX_EVIDENCE]


def _value(tok: Token) -> tuple[float | int, str]:
    """Value as stored and its unit: money in 元."""
    if tok.unit in _MONEY_UNITS:
        v = round(tok.value * _MONEY_UNITS[tok.unit], 2)
        return (int(v) if float(v).is_integer() else v), "元"
    return tok.value, tok.unit


def _pick(matches: list[tuple]) -> Optional[tuple]:
    """The match with the longest label, when one key holds it (two keys equally well: none)."""
    if not matches:
        return None
    longest = max(m[0] for m in matches)
    best = [m for m in matches if m[0] == longest]
    return best[0] if len({(m[1], m[2]) for m in best}) == 1 else None


def _sentence_candidates(paragraph: str, offset: int, sentence: str, year: Optional[int],
                         rules: tuple[Rule, ...], section: str = "", own: str = "") -> list[Candidate]:
    """Figures of one sentence, each with the reason it is refused (None: loadable). `section`
    is the heading the paragraph sits under: it tells what the paragraph is about
    ("三、依申请公开情况") as much as the paragraph's own words. `own`: the report's title."""
    found: list[Candidate] = []
    labels: dict[str, set[str]] = {}  # key -> the label words that named it in this sentence
    whole = lambda upto: _has_any(sentence[:upto], _G["whole_scope"])  # noqa: E731
    for tok in _tokens(sentence):
        clause_start = _last_index(sentence[:tok.start], _CLAUSE_DELIMS) + 1
        segment_start = _last_index(sentence[:tok.start], _SEGMENT_DELIMS) + 1
        clause = sentence[clause_start:tok.start]
        matches = []  # (label length, key, role, label, refusal, label start)
        for rule in rules:
            if tok.unit not in rule.units:
                continue
            lm = _label_match(rule, sentence, clause_start, tok)
            if lm is None:
                continue
            key = rule.key
            if key is None:
                key = rule.context_keys.get(_context(paragraph, offset + lm[0]) or "")
                if key is None:
                    continue
            why = _rule_refusal(rule, sentence, clause, tok.start, section + paragraph[:offset + tok.start], section)
            if why is None and rule.role == "total" and _has_any(sentence[segment_start:tok.start], _G["of_which"]):
                why = _reason("of_which")
            matches.append((lm[1], key, rule.role, sentence[lm[0]:lm[0] + lm[1]], why, lm[0]))
        # A label whose rule allows the number wins over labels whose rules refuse it.
        pick = _pick([m for m in matches if m[4] is None]) or _pick(matches)
        if pick is None:
            continue
        _n, key, role, label, why, label_start = pick
        # A sub-unit named earlier in the segment owns what follows ("省级部门…500件,其中当面…").
        # The most telling reason first: the period, the unit, the scope, then the rule's topic.
        why = (_not_this_year(sentence, tok, clause, year)
               or (_reason("sub_unit") if _sub_unit(sentence[segment_start:tok.start]) else None)
               or _out_of_scope(key, sentence, tok.start, label_start, own) or why)
        value, _unit = _value(tok)
        found.append(Candidate(key, value, tok.unit, tok.approx, _evidence(sentence, tok), whole(tok.start),
                               role, why))
        if why is None:
            labels.setdefault(key, set()).add(_LABEL_KEY.sub("", label))
    # One key named by two different labels in one sentence ("1件撤销,1件确认违法" are both
    # corrections) is a sum the sentence leaves to the reader: not ours to add up.
    split = {k for k, labs in labels.items()
             if any(a not in b and b not in a for a in labs for b in labs)}
    for c in found:
        if c.key in split and c.refused is None:
            c.refused = _reason("two_labels")
    found += _all_upheld(paragraph, offset, sentence, found)
    found += _zeros(section + paragraph[:offset], sentence, year, rules, section, own)
    return found


def _all_upheld(paragraph: str, offset: int, sentence: str, found: list[Candidate]) -> list[Candidate]:
    """"行政诉讼案件2件,均维持…": the upheld count equals the total just named (and is refused
    when that total is)."""
    out = []
    pos = 0
    for part in re.split(r"([,;])", sentence):
        if _ALL_UPHELD_RE.search(part):
            ctx = _context(paragraph, offset + pos)
            total_key = _ALL_UPHELD["totals"].get(ctx or "")
            totals = [c for c in found if c.key == total_key]
            if totals:
                t = totals[-1]
                out.append(Candidate(_ALL_UPHELD["keys"][ctx], t.value, t.unit_printed, t.approx,
                                     sentence, t.whole_scope, "part", t.refused))
        pos += len(part)
    return out


def _zeros(paragraph_head: str, sentence: str, year: Optional[int], rules: tuple[Rule, ...],
           section: str = "", own: str = "") -> list[Candidate]:
    out = []
    for rule in rules:
        for rx in rule.zero:
            m = rx.search(sentence)
            if not m:
                continue
            rest = re.split(r"[,;]", sentence[m.end():], maxsplit=1)[0]
            if rule.zero_not_followed and rule.zero_not_followed.search(rest):
                continue  # "未收到…申请提起的行政复议": the zero is about something else
            if rule.zero_object_excludes and rule.zero_object_excludes.search(m.group(0)):
                continue  # "未收到有关政府信息公开行政复议申请": the negated noun is a review
            fake = Token(m.start(), m.end(), 0, False, rule.units[0])
            clause_start = _last_index(sentence[:m.start()], _CLAUSE_DELIMS) + 1
            clause = sentence[clause_start:m.start()]
            why = (_not_this_year(sentence, fake, clause, year)
                   or (_reason("sub_unit") if _sub_unit(clause) else None)
                   or _out_of_scope(rule.key, sentence, m.start(), m.start(), own)
                   or _rule_refusal(rule, sentence, clause, m.end(), paragraph_head + sentence[:m.end()], section))
            out.append(Candidate(rule.key, 0, rule.units[0], False, sentence,
                                 _has_any(sentence[:m.start()], _G["whole_scope"]), rule.role, why))
            break
    return out


def _settle(cands: list[Candidate]) -> list[Candidate]:
    """Every candidate, one value per key among the loadable ones when whole-area wording picks
    one: the others are refused as narrower (they stay, with that reason)."""
    by_key: dict[str, list[Candidate]] = {}
    for c in cands:
        by_key.setdefault(c.key, []).append(c)
    for cs in by_key.values():
        ok = [c for c in cs if c.refused is None]
        if len({float(c.value) for c in ok}) > 1:
            wide = [c for c in ok if c.whole_scope]
            if wide and len({float(c.value) for c in wide}) == 1:
                for c in ok:
                    if not c.whole_scope:
                        c.refused = _reason("narrower")
    return cands


def active_rules(fmt: Optional[str]) -> tuple[Rule, ...]:
    return tuple(r for r in RULES if (fmt or "pre2019") in r.formats)


_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十\d]+\)|\d+[.、])")
_BARE_CELL = re.compile(r"^(?:[\d.,%/-]+|[件条个人次篇场项元万]+|人次|万元)$")
MIN_WRAPPED_LINE = 20  # PDF lines wrap at a page width; shorter lines are headings or cells


MAX_HEADING = 40
_TOP_HEADING = re.compile(r"^[一二三四五六七八九十]+[、.]")


def _is_heading(block: str) -> bool:
    """A numbered heading line ("五、因政府信息公开申请行政复议…的情况"): it does not wrap."""
    return bool(_HEADING.match(block)) and len(block) <= MAX_HEADING and "。" not in block


# A heading printed inside a run-on body (an archive that kept one line per page): after a space
# or a sentence's end, a heading number, then the heading up to the next space, or up to a year
# that starts its paragraph ("。三、依申请公开情况 2011年全区…", "(一)申请情况2013年…").
_HEADING_NUMBER = r"(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|(?<![\d.])\d{1,2}[、.．](?!\d))"
_INLINE_HEADING = re.compile(r"(?:^|\s+|(?<=[。!?;！？；]))(" + _HEADING_NUMBER
                             + r"\s*[^\s。!?！？]{2,%d}?)(?=\s|$|(?:19|20)\d\d年)" % MAX_HEADING)
MIN_RUN_ON = 200  # characters: a block this long holding headings is several paragraphs


def split_run_on(block: str) -> list[str]:
    """A body that lost its line breaks, cut back into paragraphs at the headings it prints
    inline, each heading a paragraph of its own (so headings give their sections a topic)."""
    if len(block) < MIN_RUN_ON:
        return [block]
    out, pos = [], 0
    for m in _INLINE_HEADING.finditer(block):
        out += [block[pos:m.start(1)], m.group(1)]
        pos = m.end(1)
    out.append(block[pos:])
    return [p.strip() for p in out if p.strip()] or [block]


def join_wrapped(paragraphs: list[str]) -> list[str]:
    """Re-join paragraphs that a PDF or a hard-wrapped page broke mid-sentence.

    A long block that does not end a sentence continues into the next one, unless the next is
    a heading or a bare table cell (a number or a unit).
    """
    out: list[str] = []
    for raw in paragraphs:
        text = normalise(raw)
        if not text:
            continue
        prev = out[-1] if out else ""
        if (len(prev) >= MIN_WRAPPED_LINE and prev[-1] not in "。!?;:" and not _is_heading(prev)
                and not _HEADING.match(text) and not _BARE_CELL.match(text)):
            out[-1] = prev + text
        else:
            out.append(text)
    return out


def read_paragraphs(paragraphs: list[str], year: Optional[int], fmt: Optional[str],
                    own: str = "") -> list[Candidate]:
    """Every labelled figure of the prose, refused ones included (with their reason)."""
    rules = active_rules(fmt)
    if not rules:
        return []
    found: list[Candidate] = []
    section = top = ""
    for paragraph in join_wrapped([p for raw in paragraphs for p in split_run_on(raw)]):
        if _is_heading(paragraph):
            # "三、依申请公开政府信息情况" / "(二)申请处理情况": a sub-heading's topic is its
            # part's heading's topic too, so the part's heading is kept with it.
            if _TOP_HEADING.match(paragraph):
                top = section = paragraph + "\n"
            else:
                section = top + paragraph + "\n"
        for offset, sentence in _sentences(paragraph):
            found += _sentence_candidates(paragraph, offset, sentence, year, rules, section, own)
    return _settle(found)


def candidates_from_paragraphs(paragraphs: list[str], year: Optional[int], fmt: Optional[str],
                               own: str = "") -> list[Candidate]:
    """The loadable figures of the prose, one per (key, value)."""
    seen, out = set(), []
    for c in read_paragraphs(paragraphs, year, fmt, own):
        if c.refused is None and (c.key, float(c.value)) not in seen:
            seen.add((c.key, float(c.value)))
            out.append(c)
    return out


def _metric(c: Candidate) -> Metric:
    unit = "元" if c.unit_printed in _MONEY_UNITS else c.unit_printed
    return Metric(key=c.key, value=c.value, unit=unit, unit_printed=c.unit_printed, approx=c.approx,
                  source="text", evidence=c.evidence, withheld=c.refused)


def text_metrics(page: Page, cls: Classification) -> list[Metric]:
    """Every candidate of the prose; a refused one carries its reason in `withheld`."""
    if not cls.is_annual_report:
        return []
    own = "\n".join(x for x in (cls.title, cls.publisher) if x)  # names the publisher goes by
    return [_metric(c) for c in read_paragraphs(page.prose, cls.year, cls.format, own)]
