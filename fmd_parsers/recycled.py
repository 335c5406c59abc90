"""Recycled and bio-based content read from the words suppliers actually write.

Declarations rarely carry a structured field for recycled content; it hides in material names and
comments: "PC/ABS, 30% PCC", "PC+ABS 50 % PCR", "Al 6063 (75% recycled)", "closed-loop PCR 35%",
"30% OBP", "bamboo fibre (bio-based)". This module turns such text into ``RecycledContent``.
"""

from __future__ import annotations

import re

from .model import RecycledContent, RecycledKind

_METAL_WORDS = (
    r"alumin(?:i)?um|\bal\b|magnesium|\bmg\b|mg-al|steel|copper|\bcu\b|brass|tin|nickel|zinc|"
    r"gold|silver|rare[- ]earth|ndfeb|cobalt|metal|alloy|\b\d{4}\b"
)

# Kind words, most specific first. Each maps the way suppliers spell it to one kind.
_KIND_PATTERNS: list[tuple[RecycledKind, re.Pattern[str]]] = [
    (RecycledKind.CL_PCC,
     re.compile(r"closed[- ]?loop(?:\s+(?:pcc|pcr|post[- ]consumer))?|cl[- ]pc[cr]", re.I)),
    (RecycledKind.OBP, re.compile(r"ocean[- ]bound(?:\s+plastics?)?|\bobp\b", re.I)),
    (RecycledKind.PIC, re.compile(r"\bpic\b|\bpir\b|post[- ]industrial|pre[- ]consumer", re.I)),
    (RecycledKind.PCC, re.compile(r"\bpc[cr]\b|post[- ]consumer", re.I)),
    (RecycledKind.BIO_BASED, re.compile(r"bio[- ]?based|biobased|plant[- ]based", re.I)),
    (RecycledKind.RECYCLED_METAL, re.compile(r"recycled|secondary|re-?melt", re.I)),
]

_PERCENT = r"(\d{1,3}(?:[.,]\d+)?)\s*(?:%|percent|pct)"


def _share(text: str, kind_match: re.Match[str]) -> float | None:
    """The percentage nearest to the kind word, before or after it."""
    before = text[: kind_match.start()]
    after = text[kind_match.end() :]
    candidates: list[tuple[int, float]] = []
    for m in re.finditer(_PERCENT, before, re.I):
        candidates.append((len(before) - m.end(), float(m.group(1).replace(",", "."))))
    for m in re.finditer(_PERCENT, after, re.I):
        candidates.append((m.start(), float(m.group(1).replace(",", "."))))
    if not candidates:
        return None
    distance, value = min(candidates)
    if distance > 40:
        return None
    return value / 100.0


def parse_recycled_text(text: str | None, *, source: str = "name") -> RecycledContent | None:
    """``RecycledContent`` from free text, or None if the text names no recycled content.

    A kind word with no percentage (e.g. "bio-based PE") means the whole material (share 1.0)
    only for bio-based; a bare "recycled" without a share is ambiguous and is ignored.
    """
    if not text:
        return None
    for kind, pattern in _KIND_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        if kind is RecycledKind.RECYCLED_METAL and not re.search(_METAL_WORDS, text, re.I):
            # "recycled" in a plastic's name without PCC/PIC wording: treat as post-consumer.
            kind = RecycledKind.PCC
        share = _share(text, match)
        if share is None:
            if kind is RecycledKind.BIO_BASED:
                share = 1.0
            else:
                continue
        if not 0.0 <= share <= 1.0:
            return None
        return RecycledContent(kind=kind, share=share, source=source)
    return None


def parse_kind(text: str) -> RecycledKind:
    """A kind from a table cell or YAML value: 'PCC', 'pcr', 'closed-loop', 'recycled-metal'…"""
    cleaned = text.strip()
    for kind in RecycledKind:
        if cleaned.lower() == kind.value.lower():
            return kind
    aliases = {"pcr": RecycledKind.PCC, "cl-pcr": RecycledKind.CL_PCC, "pir": RecycledKind.PIC,
               "closed-loop": RecycledKind.CL_PCC, "recycled": RecycledKind.RECYCLED_METAL,
               "bio": RecycledKind.BIO_BASED, "biobased": RecycledKind.BIO_BASED}
    if cleaned.lower() in aliases:
        return aliases[cleaned.lower()]
    raise ValueError(
        f"unknown recycled-content kind {text!r} "
        f"(expected one of {', '.join(k.value for k in RecycledKind)})"
    )
