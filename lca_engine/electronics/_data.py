"""The electronics data files, read once per process."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "electronics"


@cache
def load(name: str) -> dict[str, Any]:
    path = DATA_DIR / f"{name}.yaml"
    with path.open(encoding="utf-8") as handle:
        content = yaml.safe_load(handle)
    if not isinstance(content, dict):
        raise ValueError(f"{path}: expected a mapping")
    return content
