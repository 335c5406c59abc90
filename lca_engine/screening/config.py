"""The screening settings (``data/screening/screening.yaml``), read through a strict schema."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "screening"
CONFIG_FILE = DATA_DIR / "screening.yaml"
MODEL_FILE = DATA_DIR / "model.json"
COMPARABLES_FILE = DATA_DIR / "comparables.csv"


class ScreeningDataError(ValueError):
    """A screening data file is malformed (the message names the file and the key)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SizeClass(_Strict):
    name: str
    from_: float = Field(alias="from")
    to: float

    def holds(self, size: float) -> bool:
        return self.from_ <= size < self.to


class CategorySettings(_Strict):
    sheet_subcategories: tuple[str, ...]
    size: str | None
    requires: tuple[str, ...]
    features: tuple[str, ...]
    #: candidate feature sets of the TEC model; grouped CV picks one (see screening.yaml)
    tec_feature_sets: tuple[tuple[str, ...], ...] = Field(min_length=1)
    size_classes: tuple[SizeClass, ...]
    max_weight_kg: float = Field(gt=0)

    def size_class(self, size: float | None) -> SizeClass | None:
        if self.size is None:
            return self.size_classes[0]
        if size is None:
            return None
        return next((c for c in self.size_classes if c.holds(size)), None)


class YearRange(_Strict):
    from_: int = Field(alias="from")
    to: int

    @property
    def label(self) -> str:
        return f"{self.from_}-{self.to}"


class ScreeningSettings(_Strict):
    version: str
    attribution: str
    categories: dict[str, CategorySettings]
    year_ranges: tuple[YearRange, ...]
    min_comparables: int = Field(ge=1)
    weight_excludes_bom_categories: tuple[str, ...]
    region_aliases: dict[str, str]
    min_sheets_per_level: dict[str, int]
    effect_sets: tuple[tuple[str, ...], ...]
    ridge_alphas: tuple[float, ...]
    cv_folds: int = Field(ge=2)
    residual_levels: int = Field(ge=10)

    def category(self, name: str) -> CategorySettings:
        try:
            return self.categories[name]
        except KeyError:
            raise KeyError(f"unknown category {name!r}; known: "
                           f"{', '.join(sorted(self.categories))}") from None

    def year_range(self, year: int) -> int | None:
        """Index of the year range holding ``year`` (None outside every range)."""
        return next((i for i, r in enumerate(self.year_ranges) if r.from_ <= year <= r.to), None)


def read_settings(path: Path = CONFIG_FILE) -> ScreeningSettings:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return ScreeningSettings.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise ScreeningDataError(f"{path}: key {key!r}: {first['msg']}") from None


@cache
def settings() -> ScreeningSettings:
    return read_settings()
