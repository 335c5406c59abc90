"""The screening model: the embodied footprint of a product learnt from published sheets, and
its yearly energy (TEC) where the user does not give it.

Embodied model, per category: a ridge regression of log(embodied kg CO2e) on standardised
attributes (weight, screen size, year) plus one offset per maker. The penalty shrinks each
maker's offset towards the pooled level in proportion to how few sheets it has: the
partial pooling of a hierarchical model by maker, with a closed-form fit. An unknown maker gets
the pooled level. The interval comes from the model's own out-of-fold errors: residuals of
log(embodied) under grouped cross-validation (groups = product families, so near-duplicate
sheets of one series never sit on both sides of a split), kept at equally spaced quantile levels.

The fitted model is data (``model.json``: coefficients, standardisation, residual quantiles,
provenance); prediction needs numpy only. scikit-learn does the fitting (``Ridge``,
``GroupKFold``) when a user refits.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import CategorySettings, ScreeningSettings
from .features import ProductAttributes, effect_level, feature_values
from .sheets import PublishedSheet


@dataclass(frozen=True, slots=True)
class GroupEffect:
    """Ridge offsets of one group effect (``maker``, ``maker_year``): one per level."""

    name: str
    levels: tuple[str, ...]
    coef: tuple[float, ...]

    def offset(self, product: ProductAttributes) -> float:
        level = effect_level(self.name, product)
        return self.coef[self.levels.index(level)] if level in self.levels else 0.0

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "levels": list(self.levels), "coef": list(self.coef)}


@dataclass(frozen=True, slots=True)
class LinearLogModel:
    """log(y) = intercept + coef · standardised features + one offset per group effect, with
    residual quantiles (log space) at levels (i + 0.5) / n.

    Effects are ordered coarse to fine (maker, then maker × year). A product whose maker, or
    whose maker's year, has no level gets the offsets of the leading effects it has only, and
    the error of predictions made that way: ``residual_quantiles[k]`` are the out-of-fold
    residuals with at most the first ``k`` effects applied, so a product of an unseen maker or
    year gets the wider interval it deserves."""

    features: tuple[str, ...]
    center: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    effects: tuple[GroupEffect, ...]
    residual_quantiles: tuple[tuple[float, ...], ...]
    alpha: float
    n: int

    def known_effects(self, product: ProductAttributes, at_most: int | None = None) -> int:
        """How many leading effects have a level for the product (capped at ``at_most``)."""
        known = 0
        for effect in self.effects:
            if effect_level(effect.name, product) not in effect.levels:
                break
            known += 1
        return known if at_most is None else min(known, at_most)

    def log_center(self, product: ProductAttributes, at_most: int | None = None) -> float:
        values = feature_values(self.features, product)
        total = self.intercept
        for value, mean, scale, coef in zip(values, self.center, self.scale, self.coef,
                                            strict=True):
            x = mean if value is None else value  # impute the training mean
            total += coef * (x - mean) / scale
        known = self.known_effects(product, at_most)
        return total + sum(effect.offset(product) for effect in self.effects[:known])

    def samples(self, product: ProductAttributes, at_most: int | None = None) -> np.ndarray:
        """Equally weighted values of y at the residual quantile levels (of predictions made
        with as many effects as this one)."""
        known = self.known_effects(product, at_most)
        return np.exp(self.log_center(product, at_most)
                      + np.asarray(self.residual_quantiles[known]))

    def as_json(self) -> dict[str, Any]:
        return {"features": list(self.features), "center": list(self.center),
                "scale": list(self.scale), "coef": list(self.coef),
                "intercept": self.intercept,
                "effects": [effect.as_json() for effect in self.effects],
                "residual_quantiles": [list(q) for q in self.residual_quantiles],
                "alpha": self.alpha,
                "n": self.n}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> LinearLogModel:
        return cls(features=tuple(raw["features"]), center=tuple(raw["center"]),
                   scale=tuple(raw["scale"]), coef=tuple(raw["coef"]),
                   intercept=float(raw["intercept"]),
                   effects=tuple(GroupEffect(name=e["name"], levels=tuple(e["levels"]),
                                             coef=tuple(e["coef"])) for e in raw["effects"]),
                   residual_quantiles=tuple(tuple(q) for q in raw["residual_quantiles"]),
                   alpha=float(raw["alpha"]), n=int(raw["n"]))


@dataclass(frozen=True, slots=True)
class CategoryModel:
    category: str
    embodied: LinearLogModel
    tec: LinearLogModel | None
    #: first and last report year of the training sheets
    years: tuple[int, int]

    def for_prediction(self, product: ProductAttributes) -> ProductAttributes:
        """The product as the models see it: a year outside the training sheets' years keeps
        its maker-year lookup but its trend features take the nearest training year (the
        sheets' trend over years, tool versions and greener grids, is not extrapolated)."""
        first, last = self.years
        if first <= product.year <= last:
            return product
        return dataclasses.replace(product, trend_year=min(max(product.year, first), last))

    def as_json(self) -> dict[str, Any]:
        return {"years": list(self.years), "embodied": self.embodied.as_json(),
                "tec": self.tec.as_json() if self.tec else None}

    @classmethod
    def from_json(cls, category: str, raw: dict[str, Any]) -> CategoryModel:
        return cls(category=category, embodied=LinearLogModel.from_json(raw["embodied"]),
                   tec=LinearLogModel.from_json(raw["tec"]) if raw.get("tec") else None,
                   years=(int(raw["years"][0]), int(raw["years"][1])))


def sheet_attributes(sheet: PublishedSheet) -> ProductAttributes:
    return ProductAttributes(category=sheet.category, year=sheet.year, screen_in=sheet.screen_in,
                             weight_kg=sheet.weight_kg, maker=sheet.maker)


def _levels(n: int) -> np.ndarray:
    return (np.arange(n) + 0.5) / n


def _design(products: list[ProductAttributes], features: tuple[str, ...]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature matrix with missing values imputed by the column mean, the means and scales."""
    raw = np.array([[np.nan if v is None else v for v in feature_values(features, p)]
                    for p in products], dtype=float).reshape(len(products), len(features))
    if not len(features):
        return raw, np.zeros(0), np.zeros(0)
    with np.errstate(all="ignore"):
        center = np.nanmean(raw, axis=0)
    center = np.where(np.isnan(center), 0.0, center)
    filled = np.where(np.isnan(raw), center, raw)
    scale = filled.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    return filled, center, scale


def _levels_of(products: list[ProductAttributes], effect: str, minimum: int
               ) -> tuple[str, ...]:
    counts: dict[str, int] = {}
    for product in products:
        level = effect_level(effect, product)
        counts[level] = counts.get(level, 0) + 1
    return tuple(sorted(level for level, c in counts.items() if c >= minimum and level))


def _effect_matrix(products: list[ProductAttributes], effect: str, levels: tuple[str, ...]
                   ) -> np.ndarray:
    matrix = np.zeros((len(products), len(levels)))
    index = {level: i for i, level in enumerate(levels)}
    for row, product in enumerate(products):
        column = index.get(effect_level(effect, product))
        if column is not None:
            matrix[row, column] = 1.0
    return matrix


def _model(products: list[ProductAttributes], y_log: np.ndarray, features: tuple[str, ...],
           effects: tuple[str, ...], alpha: float, residuals: list[np.ndarray],
           config: ScreeningSettings) -> LinearLogModel:
    """``residuals[k]``: out-of-fold residuals with at most k leading effects applied (empty
    inside cross-validation, where the sub-models need no interval)."""
    """Ridge fit on standardised features and 0/1 effect columns (left unscaled, so the penalty
    shrinks every level's offset alike and a level with few sheets stays near zero)."""
    from sklearn.linear_model import Ridge

    filled, center, scale = _design(products, features)
    levels = [(_levels_of(products, e, config.min_sheets_per_level.get(e, 1))) for e in effects]
    blocks = [(filled - center) / scale if len(features) else np.zeros((len(products), 0))]
    blocks += [_effect_matrix(products, e, lv) for e, lv in zip(effects, levels, strict=True)]
    x = np.hstack(blocks)
    if x.shape[1]:
        ridge = Ridge(alpha=alpha).fit(x, y_log)
        coef, intercept = ridge.coef_, float(ridge.intercept_)
    else:
        coef, intercept = np.zeros(0), float(np.mean(y_log))
    k = len(features)
    fitted_effects = []
    for effect, lv in zip(effects, levels, strict=True):
        fitted_effects.append(GroupEffect(name=effect, levels=lv,
                                          coef=tuple(float(c) for c in coef[k:k + len(lv)])))
        k += len(lv)
    levels_q = _levels(config.residual_levels)
    quantiles = [tuple(float(q) for q in np.quantile(r, levels_q)) if len(r)
                 else (0.0,) * config.residual_levels
                 for r in (residuals or [np.zeros(0)] * (len(effects) + 1))]
    return LinearLogModel(
        features=features, center=tuple(map(float, center)), scale=tuple(map(float, scale)),
        coef=tuple(float(c) for c in coef[:len(features)]), intercept=intercept,
        effects=tuple(fitted_effects), residual_quantiles=tuple(quantiles),
        alpha=alpha, n=len(products))


def grouped_splits(groups: list[str], folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import GroupKFold

    n_groups = len(set(groups))
    if n_groups < 2:
        return []
    splitter = GroupKFold(n_splits=min(folds, n_groups))
    return list(splitter.split(np.zeros(len(groups)), groups=groups))


def fit_log_model(products: list[ProductAttributes], y: np.ndarray, groups: list[str],
                  feature_sets: tuple[tuple[str, ...], ...], config: ScreeningSettings, *,
                  effect_sets: tuple[tuple[str, ...], ...] | None = None) -> LinearLogModel:
    """Choose the feature set, the effect set and the ridge penalty by grouped CV (lowest
    out-of-fold mean absolute error of log y), keep the out-of-fold residuals of the chosen
    triple as the error distribution, then refit on all rows. Inside a nested validation this
    runs on the outer fold's training sheets only, so every choice is made in inner folds."""
    y_log = np.log(y)
    splits = grouped_splits(groups, config.cv_folds)
    candidates = effect_sets if effect_sets is not None else config.effect_sets
    best: tuple[float, tuple[str, ...], tuple[str, ...], float, list[np.ndarray]] | None = None
    for features, effects, alpha in itertools.product(feature_sets, candidates,
                                                      config.ridge_alphas):
        # residuals[k]: predictions with at most k leading effects (k = all: as fitted)
        residuals = [np.empty(len(products)) for _ in range(len(effects) + 1)]
        for train, test in splits:
            sub = _model([products[i] for i in train], y_log[train], features, effects,
                         alpha, [], config)
            for k, r in enumerate(residuals):
                r[test] = y_log[test] - np.array([sub.log_center(products[i], k)
                                                  for i in test])
        score = float(np.mean(np.abs(residuals[-1]))) if splits else 0.0
        if best is None or score < best[0]:
            best = (score, features, effects, alpha, residuals if splits else [])
    if best is None:
        raise ValueError("no candidate feature set, effect set or ridge penalty to fit")
    _, features, effects, alpha, residuals = best
    return _model(products, y_log, features, effects, alpha, residuals, config)


def fit_category(sheets: list[PublishedSheet], spec: CategorySettings,
                 config: ScreeningSettings, category: str) -> CategoryModel:
    products = [sheet_attributes(s) for s in sheets]
    groups = [s.family for s in sheets]
    embodied = fit_log_model(products, np.array([s.embodied_kg for s in sheets]), groups,
                             (spec.features,), config)
    with_tec = [i for i, s in enumerate(sheets) if s.yearly_tec_kwh]
    tec = None
    if len(with_tec) >= 5:
        tec = fit_log_model([products[i] for i in with_tec],
                            np.array([sheets[i].yearly_tec_kwh for i in with_tec]),
                            [groups[i] for i in with_tec], spec.tec_feature_sets, config,
                            effect_sets=((),))
    return CategoryModel(category=category, embodied=embodied, tec=tec,
                         years=(min(s.year for s in sheets), max(s.year for s in sheets)))


def quantiles_of(samples: np.ndarray, levels: tuple[float, ...] = (0.1, 0.5, 0.9)
                 ) -> list[float]:
    return [float(v) for v in np.quantile(samples, levels)]


def pairwise_sums(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Every a + b: the distribution of a sum of two independent equally weighted samples."""
    return (a[:, None] + b[None, :]).ravel()


def mape(predicted: np.ndarray, actual: np.ndarray) -> float:
    return float(np.mean(np.abs(predicted - actual) / actual)) * 100.0 if len(actual) else \
        math.nan
