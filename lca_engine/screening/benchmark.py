"""Where a footprint stands among the published sheets of comparable products.

The comparables table (``comparables.csv``, fitted with the model) holds, per category, size
class and year range, the deciles of the sheets' *embodied* part (their own use stage removed).
To compare a product, each comparable gets the product's use stage back on the same footing:
the class's median yearly TEC × the product's lifetime × the engine's grid factor for the
product's use region. So a 4-year EU footprint is set beside 4-year EU versions of the sheets,
whatever lifetime and location each maker chose.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .config import COMPARABLES_FILE, ScreeningDataError, ScreeningSettings, settings
from .estimate import Estimate, ScreeningModel, estimate, shipped_model
from .inputs import EstimateInput
from .use_stage import grid_factor


@dataclass(frozen=True, slots=True)
class ComparableClass:
    """One row of the comparables table."""

    category: str
    size_class: str
    size_from: float
    size_to: float
    year_from: int
    year_to: int
    n: int
    families: int
    tec_kwh_median: float | None
    levels: tuple[float, ...]     # percent
    embodied: tuple[float, ...]   # kg CO2e at those levels


def read_comparables(path: Path = COMPARABLES_FILE) -> list[ComparableClass]:
    rows: list[ComparableClass] = []
    try:
        handle = path.open(encoding="utf-8", newline="")
    except FileNotFoundError:
        raise ScreeningDataError(f"{path}: no comparables table (run 'gscdm estimate refit "
                                 "--csv FILE')") from None
    with handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                levels = sorted(int(k.removeprefix("embodied_q")) for k in row
                                if k.startswith("embodied_q"))
                rows.append(ComparableClass(
                    category=row["category"], size_class=row["size_class"],
                    size_from=float(row["size_from"]), size_to=float(row["size_to"]),
                    year_from=int(row["year_from"]), year_to=int(row["year_to"]),
                    n=int(row["n"]), families=int(row["families"]),
                    tec_kwh_median=float(row["tec_kwh_median"]) if row["tec_kwh_median"]
                    else None,
                    levels=tuple(float(v) for v in levels),
                    embodied=tuple(float(row[f"embodied_q{v:03d}"]) for v in levels)))
            except (KeyError, ValueError) as exc:
                raise ScreeningDataError(f"{path}:{line}: bad comparables row ({exc})") from None
    return rows


@cache
def shipped_comparables() -> tuple[ComparableClass, ...]:
    return tuple(read_comparables())


def choose_comparables(table: list[ComparableClass] | tuple[ComparableClass, ...],
                       category: str, size: float | None, year: int,
                       config: ScreeningSettings) -> tuple[list[ComparableClass], list[str]]:
    """The classes to compare with: same category, size class and year range; widened to the
    nearest year ranges, then the nearest size classes, until ``min_comparables`` sheets."""
    spec = config.category(category)
    own_class = spec.size_class(size)
    rows = [r for r in table if r.category == category]
    if not rows:
        raise ScreeningDataError(f"the comparables table has no {category!r} sheets")
    mid = (own_class.from_ + own_class.to) / 2 if own_class else 0.0

    def size_distance(r: ComparableClass) -> float:
        return 0.0 if own_class and r.size_class == own_class.name else \
            abs((r.size_from + r.size_to) / 2 - mid)

    def year_distance(r: ComparableClass) -> float:
        return 0 if r.year_from <= year <= r.year_to else \
            min(abs(year - r.year_from), abs(year - r.year_to))

    ranked = sorted(rows, key=lambda r: (size_distance(r), year_distance(r), -r.year_to))
    chosen: list[ComparableClass] = []
    for row in ranked:
        if chosen and sum(r.n for r in chosen) >= config.min_comparables:
            break
        chosen.append(row)
    notes = []
    first = chosen[0]
    if size_distance(first) or year_distance(first):
        notes.append(f"no sheets in the product's own class; the nearest is {first.size_class}, "
                     f"{first.year_from}-{first.year_to}")
    if len(chosen) > 1:
        notes.append("fewer than {} sheets in one class: pooled {}".format(
            config.min_comparables,
            "; ".join(f"{r.size_class} {r.year_from}-{r.year_to} (n={r.n})" for r in chosen)))
    return chosen, notes


def _cdf(x: float, classes: list[ComparableClass], shifts: list[float]) -> float:
    """The pooled share of comparables at or below ``x``: each class's piecewise-linear
    distribution through its deciles, weighted by its number of sheets."""
    total = sum(c.n for c in classes)
    share = 0.0
    for c, shift in zip(classes, shifts, strict=True):
        values = np.asarray(c.embodied) + shift
        share += c.n / total * float(np.interp(x, values, np.asarray(c.levels) / 100.0,
                                               left=0.0, right=1.0))
    return share


def _quantile(p: float, classes: list[ComparableClass], shifts: list[float]) -> float:
    knots = np.unique(np.concatenate([np.asarray(c.embodied) + s
                                      for c, s in zip(classes, shifts, strict=True)]))
    shares = np.array([_cdf(k, classes, shifts) for k in knots])
    return float(np.interp(p, shares, knots))


@dataclass(slots=True)
class Benchmark:
    product: str
    product_kg_co2e: float
    n: int
    p10: float
    median: float
    p90: float
    percentile: float
    estimate: Estimate
    classes: list[ComparableClass]
    use_kg_per_comparable: list[float]
    explanation: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"product": self.product, "product_kg_co2e": self.product_kg_co2e,
                "comparables": {"n": self.n, "p10": self.p10, "median": self.median,
                                "p90": self.p90,
                                "classes": [{"category": c.category, "size_class": c.size_class,
                                             "years": f"{c.year_from}-{c.year_to}", "n": c.n,
                                             "tec_kwh_median": c.tec_kwh_median,
                                             "use_kg_co2e_added": round(u, 3)}
                                            for c, u in zip(self.classes,
                                                            self.use_kg_per_comparable,
                                                            strict=True)]},
                "percentile": self.percentile, "estimate": self.estimate.as_json(),
                "explanation": self.explanation}


def benchmark(product_number: str, product_kg_co2e: float, product: EstimateInput, *,
              table: list[ComparableClass] | tuple[ComparableClass, ...] | None = None,
              model: ScreeningModel | None = None,
              config: ScreeningSettings | None = None) -> Benchmark:
    """The product's footprint among comparable published sheets, harmonised to the product's
    lifetime and use region; with the screening estimate for the same attributes."""
    config = config or settings()
    table = shipped_comparables() if table is None else table
    classes, notes = choose_comparables(table, product.category, product.screen_in,
                                        product.year, config)
    grid = grid_factor(product.use_region)
    screening = estimate(product, model or shipped_model())
    shifts = []
    for c in classes:
        tec = c.tec_kwh_median if c.tec_kwh_median is not None else screening.use.tec_kwh_per_year
        shifts.append(tec * product.lifetime_years * grid.kg_co2e_per_kwh)
    n = sum(c.n for c in classes)
    p10, median, p90 = (_quantile(p, classes, shifts) for p in (0.1, 0.5, 0.9))
    percentile = round(100.0 * _cdf(product_kg_co2e, classes, shifts), 1)
    first = classes[0]
    explanation = [
        f"Comparables: {n} published sheets of {product.category}s, {first.size_class}, "
        f"reported {first.year_from}-{first.year_to}" + (f" ({'; '.join(notes)})" if notes
                                                          else "") + ".",
        "Each sheet's own use stage was removed (its gwp_use_ratio, else yearly TEC × its "
        "lifetime × the engine's grid factor for its use location) and the product's put back: "
        + "; ".join(f"median TEC {c.tec_kwh_median if c.tec_kwh_median is not None else 'n/a'} "
                    f"kWh/yr × {product.lifetime_years:g} yr × {grid.kg_co2e_per_kwh:g} "
                    f"kg CO2e/kWh ({grid.key}) = {s:.1f} kg" for c, s in zip(classes, shifts,
                                                                             strict=True)) + ".",
        f"Harmonised comparables: P10 {p10:.0f}, median {median:.0f}, P90 {p90:.0f} kg CO2e; "
        f"the product's {product_kg_co2e:.1f} kg is at percentile {percentile:.0f} "
        f"({'below' if product_kg_co2e < median else 'at or above'} the median).",
        "Screening estimate for the same attributes: P50 {1:.0f} kg (P10 {0:.0f}, "
        "P90 {2:.0f}).".format(*screening.percentiles()),
        "Most published sheets are made with MIT's PAIA tool, whose factors are not public; "
        "their makers state large margins of error, so a percentile is a screening signal, "
        "not a verdict.",
        config.attribution + ".",
    ]
    return Benchmark(product=product_number, product_kg_co2e=product_kg_co2e, n=n, p10=p10,
                     median=median, p90=p90, percentile=percentile, estimate=screening,
                     classes=classes, use_kg_per_comparable=shifts, explanation=explanation)
