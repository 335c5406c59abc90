"""A screening estimate: embodied part from the fitted model, use stage from TEC × lifetime ×
the engine's grid factor, and the P10/P50/P90 of their sum."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .config import MODEL_FILE, ScreeningDataError
from .inputs import EstimateInput
from .model import CategoryModel, pairwise_sums, quantiles_of
from .use_stage import GridFactor, grid_factor, use_stage_kg

#: inputs the user may give that no training sheet carries (recorded, not used)
_NOT_IN_TRAINING = ("memory_gb", "ssd_gb")


@dataclass(frozen=True, slots=True)
class ScreeningModel:
    """Every category's fitted model with the provenance of its fit (``model.json``)."""

    name: str
    version: str
    fitted_on: str
    attribution: str
    training: dict[str, Any]
    validation: dict[str, Any]
    categories: dict[str, CategoryModel]
    path: str = ""

    def category(self, name: str) -> CategoryModel:
        try:
            return self.categories[name]
        except KeyError:
            raise KeyError(f"the screening model has no {name!r} category; it has "
                           f"{', '.join(sorted(self.categories))}") from None

    def describe(self, category: str) -> dict[str, Any]:
        return {"name": self.name, "version": self.version,
                "trained_on": self.training.get("source", {}).get("description", ""),
                "n": self.category(category).embodied.n, "fitted_on": self.fitted_on,
                "attribution": self.attribution}

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "fitted_on": self.fitted_on,
                "attribution": self.attribution, "training": self.training,
                "validation": self.validation,
                "categories": {k: v.as_json() for k, v in sorted(self.categories.items())}}

    @classmethod
    def from_json(cls, raw: dict[str, Any], path: str = "") -> ScreeningModel:
        return cls(name=raw["name"], version=raw["version"], fitted_on=raw["fitted_on"],
                   attribution=raw["attribution"], training=raw["training"],
                   validation=raw.get("validation", {}),
                   categories={k: CategoryModel.from_json(k, v)
                               for k, v in raw["categories"].items()}, path=path)


def read_model(path: Path = MODEL_FILE) -> ScreeningModel:
    try:
        return ScreeningModel.from_json(json.loads(path.read_text(encoding="utf-8")), str(path))
    except FileNotFoundError:
        raise ScreeningDataError(f"{path}: no fitted screening model (run 'gscdm estimate "
                                 "refit --csv FILE')") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ScreeningDataError(f"{path}: not a screening model file ({exc!r})") from None


@cache
def shipped_model() -> ScreeningModel:
    return read_model(MODEL_FILE)


@dataclass(slots=True)
class UseStage:
    tec_kwh_per_year: float
    tec_basis: str
    lifetime_years: float
    grid: GridFactor
    samples: np.ndarray = field(repr=False)

    def as_json(self) -> dict[str, Any]:
        p10, p50, p90 = quantiles_of(self.samples)
        return {"kg_co2e": use_stage_kg(self.tec_kwh_per_year, self.lifetime_years, self.grid),
                "p10": p10, "p50": p50, "p90": p90,
                "tec_kwh_per_year": self.tec_kwh_per_year, "tec_basis": self.tec_basis,
                "lifetime_years": self.lifetime_years,
                "grid": {"region": self.grid.region, "key": self.grid.key,
                         "kg_co2e_per_kwh": self.grid.kg_co2e_per_kwh,
                         "source": self.grid.source, "year": self.grid.year},
                "arithmetic": f"{self.tec_kwh_per_year:.4g} kWh/yr × {self.lifetime_years:g} yr "
                              f"× {self.grid.kg_co2e_per_kwh:g} kg CO2e/kWh ({self.grid.key})"}


@dataclass(slots=True)
class Estimate:
    product: EstimateInput
    model: dict[str, Any]
    embodied: np.ndarray = field(repr=False)
    use: UseStage
    total: np.ndarray = field(repr=False)
    notes: list[str] = field(default_factory=list)

    def percentiles(self) -> tuple[float, float, float]:
        p10, p50, p90 = quantiles_of(self.total)
        return p10, p50, p90

    def as_json(self) -> dict[str, Any]:
        p10, p50, p90 = self.percentiles()
        e10, e50, e90 = quantiles_of(self.embodied)
        use = self.use.as_json()
        return {
            "category": self.product.category,
            "kg_co2e": p50, "p10": p10, "p50": p50, "p90": p90,
            # the stages' own medians; they need not add up to the total's median
            "by_stage": {"embodied": e50, "use": use["p50"]},
            "stages": {"embodied": {"p10": e10, "p50": e50, "p90": e90,
                                    "covers": "manufacture, transport and end of life as "
                                              "the published sheets report them"},
                       "use": use},
            "model": self.model,
            "inputs": self.product.model_dump(),
            "notes": self.notes,
        }


def estimate(product: EstimateInput, model: ScreeningModel | None = None) -> Estimate:
    model = model or shipped_model()
    fitted = model.category(product.category)
    attributes = fitted.for_prediction(product.attributes())
    first, last = fitted.years
    embodied = fitted.embodied.samples(attributes)
    grid = grid_factor(product.use_region)
    notes = [f"{name} is recorded but not used: no training sheet gives it"
             for name in _NOT_IN_TRAINING if getattr(product, name) is not None]
    if product.tec_kwh is not None:
        tec_samples = np.array([product.tec_kwh])
        tec, basis = product.tec_kwh, "given"
    elif fitted.tec is not None:
        tec_samples = fitted.tec.samples(attributes)
        tec = float(np.median(tec_samples))
        basis = (f"estimated from {', '.join(fitted.tec.features) or 'the category'} "
                 f"({fitted.tec.n} sheets with a yearly TEC)")
    else:
        raise ScreeningDataError(f"the {product.category} model has no TEC model: give the "
                                 "yearly energy (--tec-kwh / yearly_tec)")
    known = fitted.embodied.known_effects(attributes)
    missing = [e.name for e in fitted.embodied.effects[known:]]
    if missing:
        what = {"maker": f"maker {product.maker or '(not given)'}",
                "maker_year": f"{product.maker or 'its maker'}'s {product.year} sheets"}
        notes.append("no level for " + " nor ".join(what.get(m, m) for m in missing)
                     + " in the training sheets: the pooled level is used, with the wider "
                     "interval of out-of-fold predictions made the same way")
    if attributes.trend_year is not None:
        notes.append(f"year {product.year} is outside the training sheets' {first}-{last}: the "
                     f"year trend is taken at {attributes.trend_year}, not extrapolated")
    if product.weight_kg is None:
        notes.append("weight not given: the model used the training mean weight")
    use_samples = tec_samples * product.lifetime_years * grid.kg_co2e_per_kwh
    use = UseStage(tec_kwh_per_year=tec, tec_basis=basis, lifetime_years=product.lifetime_years,
                   grid=grid, samples=use_samples)
    return Estimate(product=product, model=model.describe(product.category), embodied=embodied,
                    use=use, total=pairwise_sums(embodied, use_samples), notes=notes)
