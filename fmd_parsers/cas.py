"""CAS Registry Numbers: normalisation and check-digit validation."""

from __future__ import annotations

import re
from functools import lru_cache

# ASCII only: \d and str.isdigit() also match other scripts' digits, and "²" even breaks int().
_CAS = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$", re.ASCII)


@lru_cache(maxsize=65536)
def normalise_cas(text: str) -> str | None:
    """Canonical ``NNNNNNN-NN-N`` form, or None if the text is not shaped like a CAS RN.

    Accepts stray whitespace and the unhyphenated form some ERP exports use ("7439921").
    """
    raw = re.sub(r"\s+", "", text)
    if _CAS.match(raw):
        return raw.lstrip("0") if not raw.startswith("0-") else raw
    if raw.isascii() and raw.isdigit() and 5 <= len(raw) <= 10:
        return f"{int(raw[:-3])}-{raw[-3:-1]}-{raw[-1]}"
    return None


@lru_cache(maxsize=65536)
def cas_checksum_ok(cas: str) -> bool:
    """True when the last digit equals the weighted digit sum mod 10 (CAS's own rule)."""
    match = _CAS.match(cas)
    if not match:
        return False
    digits = (match.group(1) + match.group(2))[::-1]
    total = sum((i + 1) * int(d) for i, d in enumerate(digits))
    return total % 10 == int(match.group(3))
