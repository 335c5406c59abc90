"""The engine's Python API in one object: a home directory with its database and LCA project.

The CLI is a thin layer over this class; everything a command does can be done from Python:

    >>> ws = Workspace.open(home="~/gscdm")            # doctest: +SKIP
    >>> ws.init()                                      # doctest: +SKIP
    >>> ws.database.import_paths(["fmd/"], bom="bom.csv")  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .db import MaterialDatabase
from .home import EngineHome, resolve_home

if TYPE_CHECKING:
    from datetime import date

    from .compliance import ComplianceResult
    from .footprint import FootprintResult
    from .mapping import RuleSet
    from .product_model import Design, ProductModel
    from .variants import BatchFootprints, Comparison, Sweep, UnitScores


if TYPE_CHECKING:  # the workbench's design explorer (``Workspace.explorer``)
    from .explorer import DesignExplorer


class NotInitialisedError(RuntimeError):
    """The home has no Brightway project yet (``gscdm init`` creates it)."""


@dataclass(slots=True)
class InitReport:
    home: str
    database: str
    schema_revision: str
    brightway: dict[str, Any] | None
    seconds: float

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Workspace:
    """A home directory: the material database and the Brightway project inside it."""

    def __init__(self, home: EngineHome) -> None:
        self.home = home
        self.database = MaterialDatabase(home.db_url)
        self._declarations: dict[str, dict[str, Any]] = {}

    @classmethod
    def open(cls, home: str | Path | None = None, db_url: str | None = None) -> Workspace:
        return cls(resolve_home(home, db_url))

    def init(self, *, rebuild: bool = False, brightway: bool = True) -> InitReport:
        """Create or migrate the database and build the offline Brightway project (idempotent)."""
        started = time.perf_counter()
        revision = self.database.initialise()
        bw_report: dict[str, Any] | None = None
        if brightway:
            # heavy imports, only when needed
            from .background import build_background
            from .brightway_project import setup_project

            bw_report = _jsonable(asdict(setup_project(self.home, rebuild=rebuild)))
            bw_report["background"] = asdict(build_background(rebuild=rebuild))
        return InitReport(
            home=str(self.home.path),
            database=_redact(self.home.db_url),
            schema_revision=revision,
            brightway=bw_report,
            seconds=round(time.perf_counter() - started, 3),
        )

    def design(self, product_number: str, *, scenario: Path | None = None) -> Design:
        """The stored product as a ``Design``: BoM, declared materials and merged scenario."""
        from .db import ProductView
        from .product_model import design_from_view
        from .scenario import PRODUCT_SCENARIO_FILENAME, load_scenario

        try:
            view = self.database.show(product_number)
        except KeyError:
            raise LookupError(f"no product {product_number!r} in the database") from None
        if not isinstance(view, ProductView):
            raise LookupError(f"{product_number!r} is a part, not a product (a BoM imports "
                              "products)")
        product_scenario = Path(view.bom_file).parent / PRODUCT_SCENARIO_FILENAME
        self._declarations[product_number] = {
            "bom": {"file": view.bom_file, "sha256": view.bom_sha256},
            "parts": {part: {"file": file, "sha256": sha}
                      for part, (file, sha) in sorted(view.declarations.items())}}
        return design_from_view(view, load_scenario(product_scenario, scenario))

    def product_model(self, product_number: str, *, scenario: Path | None = None
                      ) -> ProductModel:
        """The product's model: BoM, mapped materials and the merged scenario, not yet solved."""
        from .mapping import load_rules
        from .product_model import build_model

        return build_model(self.design(product_number, scenario=scenario),
                           load_rules(self.home.path))

    def explorer(self, product_number: str, *, scenario: Path | None = None,
                 variant_dirs: list[Path] | None = None) -> DesignExplorer:
        """The design explorer of one product: its baseline solved once, variants evaluated
        against it on demand (the workbench's live updates; see ``lca_engine.explorer``)."""
        from .explorer import open_explorer

        return open_explorer(self, product_number, scenario=scenario, variant_dirs=variant_dirs)

    def activate_brightway(self) -> None:
        """Point Brightway at this home; fails with a clear message before ``gscdm init``."""
        from .brightway_project import activate, is_set_up

        if not is_set_up(self.home):
            raise NotInitialisedError(f"the Brightway project in {self.home.brightway_dir} is "
                                      "not set up: run 'gscdm init' first")
        activate(self.home)

    def footprint(self, product_number: str, *, scenario: Path | None = None,
                  iterations: int = 0, seed: int = 42, strict: bool = False) -> FootprintResult:
        """Cradle-to-grave footprint of one product, computed by Brightway."""
        from .footprint import compute_footprint

        model = self.product_model(product_number, scenario=scenario)
        self.activate_brightway()
        result = compute_footprint(model, iterations=iterations, seed=seed, strict=strict)
        result.provenance["inputs"] = self._declarations[product_number]
        result.provenance["scenario_files"] = list(model.scenario.sources)
        return result

    def compare(self, product_number: str, variant_files: list[Path], *,
                scenario: Path | None = None, iterations: int = 0, seed: int = 42
                ) -> Comparison:
        """Baseline against design variants: deltas by stage and change, optionally with the
        probability (correlated Monte Carlo) that each variant is lower than the baseline."""
        import time

        import numpy as np

        from .product_model import build_model
        from .variants import (
            Comparison,
            compare_variants,
            correlated_monte_carlo,
            load_variant,
            sanitise,
        )

        started = time.perf_counter()
        variants = [load_variant(Path(path)) for path in variant_files]
        baseline, rules, model, unit, brightway_total = self._baseline(product_number, scenario)
        base, results, designs = compare_variants(baseline, variants, rules, unit,
                                                  brightway_total)
        method = self._method(baseline.scenario.gwp_horizon)
        comparison = Comparison(product=product_number, baseline_total=sum(base.values()),
                                baseline_by_stage=base, variants=results,
                                method=" / ".join(method), seconds=0.0,
                                baseline_lifetime_years=baseline.scenario.lifetime_years)
        if iterations:
            models = {"baseline": model}
            for result in results:
                models[result.name] = build_model(designs[result.name], rules,
                                                  variant=sanitise(result.name))
            totals = correlated_monte_carlo(model, models, iterations, seed, method)
            for result in results:
                delta = totals[result.name] - totals["baseline"]
                result.probability_lower = float(np.mean(delta < 0))
                p5, p50, p95 = np.percentile(delta, [5, 50, 95])
                result.delta_percentiles = {"p5": float(p5), "p50": float(p50),
                                            "p95": float(p95)}
            comparison.iterations, comparison.seed = iterations, seed
        comparison.seconds = round(time.perf_counter() - started, 3)
        return comparison

    def sweep(self, product_number: str, variant_file: Path, param: str, *,
              scenario: Path | None = None) -> Sweep:
        """One variant parameter swept over a range, each point a dot product."""
        import time

        from .variants import Sweep, evaluate, load_variant, sweep_values

        name, values = sweep_values(param)
        baseline, rules, _, unit, _ = self._baseline(product_number, scenario)
        started = time.perf_counter()
        points = []
        for value in values:
            variant = load_variant(Path(variant_file), {name: value})
            _, scores = evaluate(variant.apply(baseline), rules, unit)
            points.append((value, sum(scores.values()), scores))
        elapsed = time.perf_counter() - started
        _, base = evaluate(baseline, rules, unit)
        return Sweep(product=product_number, variant=str(variant_file), param=name,
                     points=points, baseline_total=sum(base.values()),
                     seconds=round(elapsed, 4))

    def footprint_all(self, *, scenario: Path | None = None,
                      progress: Callable[[str, int], None] | None = None) -> BatchFootprints:
        """Every product's footprint by stage, on the fast path: Brightway's adjoint scores of
        the background once, then per product one model build and one dot product."""
        import time

        from .background import DATABASE
        from .footprint import _quiet_empty_methods
        from .mapping import load_rules
        from .product_model import build_model
        from .variants import BatchFootprints, stage_scores, unit_scores

        started = time.perf_counter()
        products = [p.product_number for p in self.database.products()]
        rules = load_rules(self.home.path)
        self.activate_brightway()
        import bw2calc as bc
        import bw2data as bd

        any_node = next(iter(bd.Database(DATABASE)))
        demands = {"background": {any_node.id: 1.0}}
        config = {"impact_categories": [self._method("GWP100")]}
        with _quiet_empty_methods():
            lca = bc.FastScoresOnlyMultiLCA(
                demands=demands, method_config=config,
                data_objs=bd.get_multilca_data_objs(demands, config), direction="adjoint")
            lca.calculate()
        scores = lca.product_scores.sel(LCIA=str(config["impact_categories"][0]))
        unit = unit_scores(dict(zip(scores.coords["products"].values.tolist(),
                                    scores.values.tolist(), strict=True)))
        setup = time.perf_counter() - started
        rows = []
        for product in products:
            model = build_model(self.design(product, scenario=scenario), rules)
            by_stage = stage_scores(model, unit)
            rows.append({"product": product, "total_kg_co2e": sum(by_stage.values()),
                         "by_stage": by_stage, "data_gaps": len(model.gaps)})
            if progress is not None:
                progress(product, len(products))
        elapsed = time.perf_counter() - started
        return BatchFootprints(rows=rows, seconds=round(elapsed, 3),
                               setup_seconds=round(setup, 3))

    def _baseline(self, product_number: str, scenario: Path | None
                  ) -> tuple[Design, RuleSet, ProductModel, UnitScores, float]:
        """The stored design, written to Brightway and solved in the adjoint direction: the
        unit score of every background dataset, which variants and sweeps take dot products
        with, and Brightway's own total of the baseline to check them against."""
        from .footprint import adjoint_scores, write_foreground
        from .mapping import load_rules
        from .product_model import build_model
        from .variants import unit_scores

        rules = load_rules(self.home.path)
        baseline = self.design(product_number, scenario=scenario)
        model = build_model(baseline, rules)
        self.activate_brightway()
        write_foreground(model)
        per_role, ids = adjoint_scores(model)
        return (baseline, rules, model, unit_scores(per_role["total"]),
                per_role["total"][ids["product"]])

    @staticmethod
    def _method(horizon: str) -> tuple[str, ...]:
        from .brightway_project import methods_for

        return tuple(methods_for(horizon)["total"])  # type: ignore[arg-type]

    def compliance(self, key: str, *, on: date | None = None,
                   rohs_category: int | None = None) -> ComplianceResult:
        """Substance screening of a product (or a part) with this home's substance lists."""
        from .compliance import screen

        return screen(self.database, key, home=self.home.path, on=on,
                      rohs_category=rohs_category)

    def close(self) -> None:
        self.database.dispose()


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _jsonable(value: Any) -> Any:
    """Tuples (Brightway method names) and paths as JSON-friendly lists and strings."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
