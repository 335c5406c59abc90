"""Fitting the screening model and the comparables table from a sheets file, validating the model
by nested grouped cross-validation, and writing both as data files with their provenance."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import COMPARABLES_FILE, MODEL_FILE, ScreeningSettings, settings
from .estimate import ScreeningModel
from .features import ProductAttributes
from .model import (
    CategoryModel,
    fit_category,
    grouped_splits,
    mape,
    pairwise_sums,
    quantiles_of,
    sheet_attributes,
)
from .sheets import PublishedSheet, SheetSet, read_sheets
from .use_stage import grid_factor

MODEL_NAME = "gscdm-screening-ridge-by-maker"
#: quantile levels of the comparables table, in percent
COMPARABLE_LEVELS = tuple(range(0, 101, 10))


#: validation scenarios: how many leading group effects (maker, maker × year) a prediction may
#: use. "as_published" uses every level the training folds know; "unseen_year" drops the
#: maker-year level (a new product of a known maker, the usual case for a design in progress);
#: "unseen_maker" drops the maker too.
SCENARIOS: dict[str, int | None] = {"as_published": None, "unseen_year": 1, "unseen_maker": 0}


@dataclass(slots=True)
class SheetPrediction:
    """Out-of-fold P10/P50/P90 of one sheet (validation), per scenario."""

    sheet: PublishedSheet
    #: the embodied part
    embodied: dict[str, tuple[float, float, float]]
    #: the total as a user gets it: engine use stage at the sheet's lifetime and location
    #: (absent when the sheet gives no lifetime or no known location)
    total: dict[str, tuple[float, float, float]]
    #: the estimated embodied part plus the sheet's own use stage (isolates the learnt part)
    total_own_use: dict[str, tuple[float, float, float]]


def _use_samples(model: CategoryModel, product: ProductAttributes, tec: float | None,
                 lifetime: float, region: str) -> np.ndarray:
    grid = grid_factor(region)
    if tec is not None:
        tecs = np.array([tec])
    elif model.tec is not None:
        tecs = model.tec.samples(product)
    else:
        return np.array([np.nan])
    return tecs * lifetime * grid.kg_co2e_per_kwh


def _q(samples: np.ndarray) -> tuple[float, float, float]:
    low, mid, high = quantiles_of(samples)
    return low, mid, high


def cross_validate(sheets: list[PublishedSheet], category: str,
                   config: ScreeningSettings) -> list[SheetPrediction]:
    """Nested grouped CV: each outer fold's model chooses its effects and penalty and takes its
    residual quantiles from inner folds of its own training sheets only, then predicts the
    held-out families as a user with the sheet's attributes, lifetime, use location and (when
    the sheet gives it) TEC would; once per scenario of ``SCENARIOS``."""
    spec = config.category(category)
    groups = [s.family for s in sheets]
    predictions: list[SheetPrediction | None] = [None] * len(sheets)
    for train, test in grouped_splits(groups, config.cv_folds):
        model = fit_category([sheets[i] for i in train], spec, config, category)
        for i in test:
            sheet = sheets[i]
            product = model.for_prediction(sheet_attributes(sheet))
            use = None
            if sheet.lifetime_years and sheet.use_region:
                use = _use_samples(model, product, sheet.yearly_tec_kwh, sheet.lifetime_years,
                                   sheet.use_region)
            prediction = SheetPrediction(sheet=sheet, embodied={}, total={}, total_own_use={})
            for scenario, at_most in SCENARIOS.items():
                embodied = model.embodied.samples(product, at_most)
                prediction.embodied[scenario] = _q(embodied)
                prediction.total_own_use[scenario] = _q(embodied + sheet.use_kg)
                if use is not None and np.isfinite(use).all():
                    prediction.total[scenario] = _q(pairwise_sums(embodied, use))
            predictions[i] = prediction
    return [p for p in predictions if p is not None]


def validation_metrics(predictions: Sequence[SheetPrediction]) -> dict[str, Any]:
    """MAPE of the central value (P50) and the share of sheets inside P10–P90: for the total
    as a user gets it (engine use stage at the sheet's lifetime and location) against the
    sheet's gwp_total; for the estimated embodied part plus the sheet's own use stage against
    gwp_total; and for the embodied part alone. The top-level blocks are the "as_published"
    scenario; ``scenarios`` holds every scenario."""
    def block(pred: list[tuple[float, float, float]], actual: list[float]) -> dict[str, Any]:
        p = np.array(pred, dtype=float).reshape(-1, 3)
        a = np.array(actual, dtype=float)
        if not len(a):
            return {"n": 0, "mape_p50_pct": None, "median_ape_pct": None,
                    "coverage_p10_p90_pct": None}
        inside = (p[:, 0] <= a) & (a <= p[:, 2])
        return {"n": len(a), "mape_p50_pct": round(mape(p[:, 1], a), 2),
                "median_ape_pct": round(float(np.median(np.abs(p[:, 1] - a) / a)) * 100, 2),
                "coverage_p10_p90_pct": round(float(np.mean(inside)) * 100, 1)}

    scenarios = {}
    for scenario in SCENARIOS:
        with_total = [p for p in predictions if scenario in p.total]
        scenarios[scenario] = {
            "total": block([p.total[scenario] for p in with_total],
                           [p.sheet.gwp_total for p in with_total]),
            "total_sheet_use": block([p.total_own_use[scenario] for p in predictions],
                                     [p.sheet.gwp_total for p in predictions]),
            "embodied": block([p.embodied[scenario] for p in predictions],
                              [p.sheet.embodied_kg for p in predictions])}
    return {**scenarios["as_published"], "scenarios": scenarios,
            "families": len({p.sheet.family for p in predictions})}


def comparables_rows(sheets: list[PublishedSheet], model: CategoryModel, category: str,
                     config: ScreeningSettings) -> list[dict[str, Any]]:
    """Per size class and year range: the count of sheets, the quantiles of their embodied part
    (use stage removed) and the median yearly TEC (the sheet's own, else the model's)."""
    spec = config.category(category)
    rows = []
    for size_class in spec.size_classes:
        for years in config.year_ranges:
            chosen = [s for s in sheets if years.from_ <= s.year <= years.to
                      and spec.size_class(s.screen_in) == size_class]
            if not chosen:
                continue
            embodied = np.array([s.embodied_kg for s in chosen])
            tecs = []
            for s in chosen:
                if s.yearly_tec_kwh:
                    tecs.append(s.yearly_tec_kwh)
                elif model.tec is not None:
                    tecs.append(float(np.median(model.tec.samples(sheet_attributes(s)))))
            row: dict[str, Any] = {
                "category": category, "size_class": size_class.name,
                "size_from": size_class.from_, "size_to": size_class.to,
                "year_from": years.from_, "year_to": years.to, "n": len(chosen),
                "families": len({s.family for s in chosen}),
                "tec_kwh_median": round(float(np.median(tecs)), 3) if tecs else "",
                "tec_n_given": sum(1 for s in chosen if s.yearly_tec_kwh)}
            for level, value in zip(COMPARABLE_LEVELS,
                                    np.percentile(embodied, COMPARABLE_LEVELS), strict=True):
                row[f"embodied_q{level:03d}"] = round(float(value), 2)
            rows.append(row)
    return rows


@dataclass(slots=True)
class RefitResult:
    model: ScreeningModel
    comparables: list[dict[str, Any]]
    sheets: SheetSet
    predictions: dict[str, list[SheetPrediction]]

    def summary(self) -> dict[str, Any]:
        return {"model": {"name": self.model.name, "version": self.model.version,
                          "fitted_on": self.model.fitted_on},
                "training": self.model.training, "validation": self.model.validation,
                "comparables_rows": len(self.comparables)}


def refit(csv_path: Path, *, description: str | None = None, validate: bool = True,
          config: ScreeningSettings | None = None, today: dt.date | None = None) -> RefitResult:
    """Fit every category that has sheets, validate it, build the comparables table."""
    config = config or settings()
    sheets = read_sheets(csv_path, config)
    categories: dict[str, CategoryModel] = {}
    validation: dict[str, Any] = {}
    predictions: dict[str, list[SheetPrediction]] = {}
    comparables: list[dict[str, Any]] = []
    for category in config.categories:
        chosen = sheets.of(category)
        if len(chosen) < 10:
            continue
        fitted = fit_category(chosen, config.category(category), config, category)
        categories[category] = fitted
        comparables += comparables_rows(chosen, fitted, category, config)
        if validate:
            predictions[category] = cross_validate(chosen, category, config)
            validation[category] = validation_metrics(predictions[category])
    if not categories:
        raise ValueError(f"{csv_path}: fewer than 10 usable sheets in every category "
                         f"({sheets.provenance()})")
    fitted_on = (today or dt.date.today()).isoformat()
    training = {"source": {"description": description or csv_path.name,
                           **sheets.provenance()},
                "settings_version": config.version,
                "method": "ridge regression of log(embodied) on standardised attributes with "
                          "group offsets (maker; maker x report year) shrunk towards the "
                          "pooled level, effect set and penalty chosen by grouped CV; interval "
                          "from out-of-fold residuals under GroupKFold by product family; use "
                          "stage = TEC x lifetime x the engine's grid factor, TEC given or from "
                          "a ridge regression of log(yearly TEC) whose feature set (of the "
                          "category's tec_feature_sets) is chosen by the same grouped CV",
                "validation": "nested GroupKFold by product family (outer "
                              f"{config.cv_folds} folds; effect set, penalty, TEC feature set "
                              "and residuals from inner folds of the training part only)"
                              if validate else "not run"}
    model = ScreeningModel(name=MODEL_NAME, version=f"{config.version}+{sheets.sha256[:8]}",
                           fitted_on=fitted_on, attribution=config.attribution,
                           training=training, validation=validation, categories=categories)
    return RefitResult(model=model, comparables=comparables, sheets=sheets,
                       predictions=predictions)


def write_fit(result: RefitResult, model_path: Path = MODEL_FILE,
              comparables_path: Path = COMPARABLES_FILE) -> None:
    """Write model.json and comparables.csv (each via a temporary file, so an interrupted write
    leaves the previous fit in place)."""
    model_path.parent.mkdir(parents=True, exist_ok=True)
    comparables_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_model = model_path.with_suffix(".json.tmp")
    tmp_model.write_text(json.dumps(result.model.as_json(), indent=1, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    tmp_rows = comparables_path.with_suffix(".csv.tmp")
    with tmp_rows.open("w", encoding="utf-8", newline="") as handle:
        fields = list(result.comparables[0]) if result.comparables else ["category"]
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(result.comparables)
    tmp_model.replace(model_path)
    tmp_rows.replace(comparables_path)
