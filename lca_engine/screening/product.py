"""A stored product's attributes for its screening estimate and benchmark.

Category, screen size, year and maker are not in an FMD or a BoM table: they come from
``attributes.yaml`` next to the product's BoM (or from the caller, which wins key by key). The
weight is the product's BoM mass without packaging and accessories; lifetime, use region and
TEC are the product's merged scenario, so the benchmark is harmonised to the same assumptions
as its footprint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .config import ScreeningDataError, ScreeningSettings, settings

ATTRIBUTES_FILENAME = "attributes.yaml"


class ProductAttributesFile(BaseModel):
    """``attributes.yaml``: what the BoM and the FMD files do not say about a product."""

    model_config = ConfigDict(extra="forbid")

    category: str | None = None
    screen_in: float | None = Field(default=None, gt=0)
    year: int | None = None
    maker: str | None = None
    memory_gb: float | None = Field(default=None, gt=0)
    ssd_gb: float | None = Field(default=None, gt=0)


def read_attributes(path: Path) -> dict[str, Any]:
    """The non-empty values of an attributes file; {} when there is none. The error names the
    file and the key."""
    if not path.exists():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        parsed = ProductAttributesFile.model_validate(raw)
    except yaml.YAMLError as exc:
        raise ScreeningDataError(f"{path}: not YAML ({exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        raise ScreeningDataError(f"{path}: key {key!r}: {message}") from None
    return parsed.model_dump(exclude_none=True)


def device_weight_kg(tree: list[Any], config: ScreeningSettings | None = None) -> float | None:
    """BoM mass of the top-level lines that are not packaging or accessories, in kg."""
    config = config or settings()
    excluded = {c.lower() for c in config.weight_excludes_bom_categories}
    grams = sum(node.quantity * (node.unit_mass_g or 0.0) for node in tree
                if (node.category or "").lower() not in excluded)
    return grams / 1000.0 if grams > 0 else None
