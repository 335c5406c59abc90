"""Screening estimates: accuracy under grouped cross-validation, and speed.

    python -m bench.estimate [--csv published-pcfs.csv] [--json OUT]

Accuracy: nested GroupKFold by product family over the published sheets (the shipped model's
method, refitted here on the file given), per category:
  - total: the estimate a user gets for the sheet's attributes, lifetime and use location (use
    stage = the sheet's TEC, else the estimated one, × lifetime × the engine's grid factor),
    against the sheet's gwp_total;
  - total, sheet's use: the estimated embodied part plus the sheet's own use stage, against
    gwp_total (isolates the learnt part from differences in use-stage assumptions);
  - embodied: the estimated embodied part against the sheet's (use stage removed);
each also as if the sheet's maker-year batch (unseen_year) or its maker (unseen_maker) were
absent from training: the case of a new product, which gets the pooled level and the interval
of predictions made that way.
Each beside baselines measured on the same folds: one fixed figure per category (the median
total of the training sheets, as a per-device-type default does), the median of the training
sheets of the same size class (their P10–P90 are the training sheets' P10 and P90), and the
alternative models considered: gradient-boosted quantile regression (compare it with the
"embodied + sheet's own use stage" row), and a gradient-boosted median with the interval from
inner out-of-fold residuals (CV+ style), measured both ways (total with the engine's use stage,
and embodied + the sheet's own use stage) like the shipped model.
Speed: one estimate, and a 1,000-row batch through ``Workspace.estimate_batch``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = [ROOT.parent / "shared/data/pcf/published-pcfs.csv",
              ROOT.parent.parent / "shared/data/pcf/published-pcfs.csv"]


def _block(p50: np.ndarray, p10: np.ndarray, p90: np.ndarray, actual: np.ndarray
           ) -> dict[str, float]:
    return {"mape_pct": round(float(np.mean(np.abs(p50 - actual) / actual)) * 100, 2),
            "coverage_p10_p90_pct": round(float(np.mean((p10 <= actual) & (actual <= p90)))
                                          * 100, 1)}


def baselines(category: str, sheets: list[Any], config: Any) -> dict[str, dict[str, float]]:
    """Fixed-figure and size-class-median baselines on the model's own grouped folds."""
    from lca_engine.screening.model import grouped_splits

    spec = config.category(category)
    totals = np.array([s.gwp_total for s in sheets])
    classes = [spec.size_class(s.screen_in) for s in sheets]
    fixed = np.zeros((len(sheets), 3))
    by_size = np.zeros((len(sheets), 3))
    for train, test in grouped_splits([s.family for s in sheets], config.cv_folds):
        fixed[test] = np.percentile(totals[train], [10, 50, 90])
        for i in test:
            same = [j for j in train if classes[j] == classes[i]] or list(train)
            by_size[i] = np.percentile(totals[same], [10, 50, 90])
    return {"fixed figure per category": _block(fixed[:, 1], fixed[:, 0], fixed[:, 2], totals),
            "size-class median": _block(by_size[:, 1], by_size[:, 0], by_size[:, 2], totals),
            "gradient-boosted quantiles": _boosted(sheets, config),
            **_boosted_conformal(category, sheets, config)}


def _boosted(sheets: list[Any], config: Any) -> dict[str, float]:
    """The alternative model considered: scikit-learn's HistGradientBoostingRegressor with
    quantile loss (P10, P50, P90) on log(embodied), with weight, screen size, year, maker and
    maker × year (categorical), on the same folds; embodied + the sheet's own use stage."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    from lca_engine.screening.model import grouped_splits

    makers = sorted({s.maker.lower() for s in sheets})
    batches = sorted({f"{s.maker.lower()}|{s.year}" for s in sheets})
    x = np.array([[np.log(s.weight_kg) if s.weight_kg else np.nan,
                   s.screen_in if s.screen_in else np.nan, s.year,
                   makers.index(s.maker.lower()), batches.index(f"{s.maker.lower()}|{s.year}")]
                  for s in sheets])
    y = np.log([s.embodied_kg for s in sheets])
    use = np.array([s.use_kg for s in sheets])
    totals = np.array([s.gwp_total for s in sheets])
    pred = np.zeros((len(sheets), 3))
    for train, test in grouped_splits([s.family for s in sheets], config.cv_folds):
        for column, q in enumerate((0.1, 0.5, 0.9)):
            model = HistGradientBoostingRegressor(
                loss="quantile", quantile=q, max_iter=200, learning_rate=0.05, max_depth=3,
                min_samples_leaf=10, categorical_features=[3, 4], random_state=0)
            model.fit(x[train], y[train])
            pred[test, column] = np.exp(model.predict(x[test])) + use[test]
    pred.sort(axis=1)  # quantile models fitted apart can cross
    return _block(pred[:, 1], pred[:, 0], pred[:, 2], totals)


def _boosted_features(sheets: list[Any], makers: dict[str, int], batches: dict[str, int]
                      ) -> np.ndarray:
    """log weight, screen size, year, maker and maker × year (categorical codes; a level the
    training part does not know is NaN, which the trees send down the missing-value branch)."""
    return np.array([[np.log(s.weight_kg) if s.weight_kg else np.nan,
                      s.screen_in if s.screen_in else np.nan, s.year,
                      makers.get(s.maker.lower(), np.nan),
                      batches.get(f"{s.maker.lower()}|{s.year}", np.nan)] for s in sheets])


def _boosted_median(train: list[Any]) -> Any:
    """A gradient-boosted median of log(embodied) fitted on ``train``; hyper-parameters fixed a
    priori (those of the quantile baseline above), so no choice is made on the test folds."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    makers = {m: i for i, m in enumerate(sorted({s.maker.lower() for s in train}))}
    batches = {b: i for i, b in enumerate(sorted({f"{s.maker.lower()}|{s.year}"
                                                  for s in train}))}
    model = HistGradientBoostingRegressor(
        loss="absolute_error", max_iter=200, learning_rate=0.05, max_depth=3,
        min_samples_leaf=10, categorical_features=[3, 4], random_state=0)
    model.fit(_boosted_features(train, makers, batches), np.log([s.embodied_kg for s in train]))
    return lambda rows: model.predict(_boosted_features(rows, makers, batches))


def _boosted_conformal(category: str, sheets: list[Any], config: Any
                       ) -> dict[str, dict[str, float]]:
    """The tree alternative to the shipped ridge, measured as the shipped model is: a
    gradient-boosted median of log(embodied) with the interval from out-of-fold residuals of
    inner grouped folds of each outer training part (CV+ style conformal quantiles), the use
    stage put back as the model does (the sheet's TEC, else the outer fold's TEC model, × the
    sheet's lifetime × the engine's grid factor). Printed as "total (engine use)" and "embodied
    + sheet's own use"."""
    from lca_engine.screening.model import (
        fit_category,
        grouped_splits,
        pairwise_sums,
        sheet_attributes,
    )
    from lca_engine.screening.training import _use_samples

    spec = config.category(category)
    levels = (np.arange(config.residual_levels) + 0.5) / config.residual_levels
    total: list[tuple[np.ndarray, float]] = []
    own_use: list[tuple[np.ndarray, float]] = []
    for train, test in grouped_splits([s.family for s in sheets], config.cv_folds):
        part = [sheets[i] for i in train]
        y_log = np.log([s.embodied_kg for s in part])
        out_of_fold = np.empty(len(part))
        for inner_train, inner_test in grouped_splits([s.family for s in part],
                                                      config.cv_folds):
            predict = _boosted_median([part[i] for i in inner_train])
            out_of_fold[inner_test] = predict([part[i] for i in inner_test])
        residuals = np.quantile(y_log - out_of_fold, levels)
        predict = _boosted_median(part)
        fitted = fit_category(part, spec, config, category)  # its TEC model
        centres = predict([sheets[i] for i in test])
        for i, centre in zip(test, centres, strict=True):
            sheet = sheets[i]
            embodied = np.exp(centre + residuals)
            own_use.append((np.quantile(embodied + sheet.use_kg, [0.1, 0.5, 0.9]),
                            sheet.gwp_total))
            if sheet.lifetime_years and sheet.use_region:
                use = _use_samples(fitted, fitted.for_prediction(sheet_attributes(sheet)),
                                   sheet.yearly_tec_kwh, sheet.lifetime_years,
                                   sheet.use_region)
                if np.isfinite(use).all():
                    total.append((np.quantile(pairwise_sums(embodied, use), [0.1, 0.5, 0.9]),
                                  sheet.gwp_total))

    def block(rows: list[tuple[np.ndarray, float]]) -> dict[str, float]:
        p = np.array([r[0] for r in rows])
        a = np.array([r[1] for r in rows])
        return {**_block(p[:, 1], p[:, 0], p[:, 2], a), "n": len(a)}

    return {"gradient-boosted median + CV+: total (engine use)": block(total),
            "gradient-boosted median + CV+: embodied + own use": block(own_use)}


def accuracy(csv_path: Path) -> dict[str, Any]:
    from lca_engine.screening.config import settings
    from lca_engine.screening.sheets import read_sheets
    from lca_engine.screening.training import refit

    started = time.perf_counter()
    result = refit(csv_path, description=csv_path.name)
    seconds = time.perf_counter() - started
    config = settings()
    sheets = read_sheets(csv_path, config)
    out: dict[str, Any] = {"refit_seconds": round(seconds, 2),
                           "source": result.model.training["source"]}
    for category, metrics in result.model.validation.items():
        out[category] = {**metrics, "baselines": baselines(category, sheets.of(category), config)}
    return out


def speed() -> dict[str, Any]:
    from lca_engine.screening.estimate import estimate
    from lca_engine.screening.inputs import validate_input
    from lca_engine.workspace import Workspace

    product = validate_input({"category": "laptop", "screen_in": 14, "weight_kg": 1.4,
                              "year": 2022, "lifetime_years": 4, "use_region": "EU",
                              "maker": "Dell"})
    estimate(product)  # load the model once
    n = 2000
    started = time.perf_counter()
    for _ in range(n):
        estimate(product)
    single = (time.perf_counter() - started) / n
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "batch.csv"
        rows = ["category,screen_size,weight,year,lifetime,use_location,manufacturer"]
        for i in range(1000):
            category, size = [("laptop", 13 + i % 5), ("monitor", 22 + i % 10),
                              ("desktop", "")][i % 3]
            rows.append(f"{category},{size},{1 + i % 7},{2016 + i % 8},{3 + i % 4},"
                        f"{['EU', 'US', 'WW', 'CN'][i % 4]},{['Dell', 'HP', 'Lenovo'][i % 3]}")
        table.write_text("\n".join(rows) + "\n")
        workspace = Workspace.open(Path(tmp) / "home")
        started = time.perf_counter()
        results = workspace.estimate_batch(table)
        batch = time.perf_counter() - started
        assert len(results) == 1000 and not any("error" in r for r in results)
    return {"single_estimate_ms": round(single * 1000, 3),
            "batch_1000_rows_seconds": round(batch, 3),
            "batch_rows_per_second": round(1000 / batch, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=None)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    csv_path = args.csv or (Path(os.environ["GSCDM_PCF_CSV"]) if "GSCDM_PCF_CSV" in os.environ
                            else next((p for p in CANDIDATES if p.exists()), None))
    figures: dict[str, Any] = {}
    if csv_path is None or not csv_path.exists():
        print("published-pcfs.csv not found (give --csv or GSCDM_PCF_CSV): accuracy skipped")
    else:
        figures["accuracy"] = accuracy(csv_path)
        print(f"nested grouped CV on {csv_path.name} "
              f"(refit with validation {figures['accuracy']['refit_seconds']} s)")
        header = f"{'category':<9} {'what':<64} {'n':>4} {'MAPE %':>7} {'P10-P90 %':>10}"
        print(header)
        for category in ("laptop", "monitor", "desktop"):
            m = figures["accuracy"].get(category)
            if m is None:
                continue
            lines = [("model: total (engine use stage)", m["total"]),
                     ("model: embodied + sheet's own use stage", m["total_sheet_use"]),
                     ("model: embodied part only", m["embodied"])]
            for scenario in ("unseen_year", "unseen_maker"):
                s = m["scenarios"][scenario]
                lines += [(f"{scenario}: total (engine use stage)", s["total"]),
                          (f"{scenario}: embodied + sheet's own use", s["total_sheet_use"])]
            lines += [(f"baseline: {name}", {"n": m["total_sheet_use"]["n"]} | block)
                      for name, block in m["baselines"].items()]
            for what, block in lines:
                mape = block.get("mape_p50_pct", block.get("mape_pct"))
                print(f"{category:<9} {what:<64} {block['n']:>4} {mape:>7.1f} "
                      f"{block['coverage_p10_p90_pct']:>10.1f}")
    figures["speed"] = speed()
    s = figures["speed"]
    print(f"one estimate {s['single_estimate_ms']} ms; 1,000-row batch "
          f"{s['batch_1000_rows_seconds']} s ({s['batch_rows_per_second']} rows/s)")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
