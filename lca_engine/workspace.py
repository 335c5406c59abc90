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
    from .db import ProductView
    from .design_space import Exploration
    from .footprint import FootprintResult
    from .mapping import RuleSet
    from .pact.host import PactHost
    from .pact.supplier import ImportedPcfs, PactValidator
    from .product_model import Design, ProductModel
    from .screening.benchmark import Benchmark, ComparableClass
    from .screening.estimate import Estimate, ScreeningModel
    from .screening.training import RefitResult
    from .solver import Solver
    from .variants import BatchFootprints, Comparison, Sweep, Variant, VariantResult


#: Products read per database round trip by ``footprint_all``.
BATCH = 50


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
        self._solvers: dict[str, Solver] = {}
        self._baselines: dict[tuple[str, str], tuple[Any, ...]] = {}

    @classmethod
    def open(cls, home: str | Path | None = None, db_url: str | None = None) -> Workspace:
        return cls(resolve_home(home, db_url))

    def init(self, *, rebuild: bool = False, brightway: bool = True) -> InitReport:
        """Create or migrate the database and build the offline Brightway project (idempotent)."""
        started = time.perf_counter()
        self._solvers.clear()
        self._baselines.clear()
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

        try:
            view = self.database.show(product_number)
        except KeyError:
            raise LookupError(f"no product {product_number!r} in the database") from None
        if not isinstance(view, ProductView):
            raise LookupError(f"{product_number!r} is a part, not a product (a BoM imports "
                              "products)")
        return self._design_from_view(view, scenario)

    def _design_from_view(self, view: ProductView, scenario: Path | None) -> Design:
        from .product_model import design_from_view
        from .scenario import PRODUCT_SCENARIO_FILENAME, load_scenario

        product_number = view.product_number
        product_scenario = Path(view.bom_file).parent / PRODUCT_SCENARIO_FILENAME
        self._declarations[product_number] = {
            "bom": {"file": view.bom_file, "sha256": view.bom_sha256},
            "parts": {part: {"file": file, "sha256": sha}
                      for part, (file, sha) in sorted(view.declarations.items())}}
        design = design_from_view(view, load_scenario(product_scenario, scenario))
        return self._with_supplier_pcfs(design)

    def _with_supplier_pcfs(self, design: Design) -> Design:
        """Parts with an imported supplier PCF use it instead of their modelled gate."""
        from .pact.supplier import for_parts, with_supplier_pcfs

        return with_supplier_pcfs(design, for_parts(self.database))

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
        from .pact.supplier import sync_brightway

        sync_brightway(self.database)  # supplier PCFs as a Brightway database, when changed

    def solver(self, horizon: str = "GWP100") -> Solver:
        """The background solved once per GWP horizon (``lca_engine.solver``): the unit score of
        every background dataset, and its Monte Carlo draws. Rebuilt after ``init``."""
        import bw2data as bd

        from .solver import Solver

        self.activate_brightway()
        # a background written since (init --rebuild, data import-ecospold) is solved again
        stamp = tuple(sorted((name, str(meta.get("modified"))) for name, meta in
                             bd.databases.items() if not name.startswith("gscdm-fg-")))
        cached = self._solvers.get(horizon)
        if cached is None or cached.stamp != stamp:
            cached = Solver.for_background(horizon)
            cached.stamp = stamp
            self._solvers[horizon] = cached
        return cached

    def footprint(self, product_number: str, *, scenario: Path | None = None,
                  iterations: int = 0, seed: int = 42, strict: bool = False) -> FootprintResult:
        """Cradle-to-grave footprint of one product, computed by Brightway."""
        from .footprint import compute_footprint

        model = self.product_model(product_number, scenario=scenario)
        result = compute_footprint(model, iterations=iterations, seed=seed, strict=strict,
                                   solver=self.solver(model.scenario.gwp_horizon))
        result.provenance["inputs"] = self._declarations[product_number]
        result.provenance["scenario_files"] = list(model.scenario.sources)
        result.provenance["supplier_pcfs"] = [
            {"part_number": p.part_number, **p.supplier_pcf.as_json()}
            for p in model.parts if p.supplier_pcf is not None]
        return result

    def compare(self, product_number: str, variant_files: list[Path], *,
                scenario: Path | None = None, iterations: int = 0, seed: int = 42
                ) -> Comparison:
        """Baseline against design variants: deltas by stage and change, optionally with the
        probability (correlated Monte Carlo) that each variant is lower than the baseline."""
        import time

        import numpy as np

        from .compiled import compile_model, monte_carlo
        from .product_model import build_model
        from .variants import Comparison, compare_variants, load_variant

        started = time.perf_counter()
        variants = [load_variant(Path(path)) for path in variant_files]
        baseline, rules, model, solver, brightway_total = self._baseline(product_number,
                                                                         scenario)
        base, results, designs = compare_variants(baseline, variants, rules, solver,
                                                  brightway_total)
        method = self._method(baseline.scenario.gwp_horizon)
        comparison = Comparison(product=product_number, baseline_total=sum(base.values()),
                                baseline_by_stage=base, variants=results,
                                method=" / ".join(method), seconds=0.0,
                                baseline_lifetime_years=baseline.scenario.lifetime_years,
                                allocation=baseline.scenario.allocation,
                                allocation_parameters=baseline.scenario.allocation_parameters())
        if iterations:
            compiled = [compile_model(model, solver)]
            compiled += [compile_model(build_model(designs[r.name], rules), solver)
                         for r in results]
            draws = monte_carlo(compiled, solver, iterations, seed)
            for column, result in enumerate(results, start=1):
                delta = draws.totals[:, column] - draws.totals[:, 0]
                result.probability_lower = float(np.mean(delta < 0))
                p5, p50, p95 = np.percentile(delta, [5, 50, 95])
                result.delta_percentiles = {"p5": float(p5), "p50": float(p50),
                                            "p95": float(p95)}
            comparison.iterations, comparison.seed = iterations, seed
            comparison.notes.append(f"Monte Carlo path: {draws.path}; gases of one factor "
                                    f"drawn {draws.gases}")
        comparison.seconds = round(time.perf_counter() - started, 3)
        return comparison

    def sweep(self, product_number: str, variant_file: Path, param: str, *,
              scenario: Path | None = None) -> Sweep:
        """One variant parameter swept over a range in one vectorised pass: the variant is
        compiled at the ends of the range and checked to be affine in the parameter at two
        interior points (then every point is a multiply-add), else compiled point by point."""
        import time

        from .design_space import sweep_compiled
        from .variants import Sweep, sweep_values

        name, values = sweep_values(param)
        baseline, rules, _, solver, _ = self._baseline(product_number, scenario)
        started = time.perf_counter()
        points, base_total, path = sweep_compiled(baseline, rules, solver, Path(variant_file),
                                                  name, values)
        elapsed = time.perf_counter() - started
        return Sweep(product=product_number, variant=str(variant_file), param=name,
                     points=points, baseline_total=base_total, seconds=round(elapsed, 4),
                     path=path)

    def footprint_all(self, *, scenario: Path | None = None,
                      progress: Callable[[str, int], None] | None = None,
                      workers: int = 1, products: list[str] | None = None) -> BatchFootprints:
        """Every product's footprint by stage on the compiled path: the background solved once
        per GWP horizon (each product's own scenario decides it), then per batch of products
        one read of the database, and per product one model build, one compile and one sparse
        product with the unit scores. ``workers`` > 1 splits the products over that many
        processes, each with its own solver; the rows come back in the same order."""
        import time

        from .compiled import compile_model
        from .mapping import load_rules
        from .product_model import build_model
        from .variants import BatchFootprints

        started = time.perf_counter()
        if products is None:
            products = [p.product_number for p in self.database.products()]
        if workers > 1 and len(products) > 1:
            return self._footprint_all_parallel(products, scenario, progress, workers, started)
        rules = load_rules(self.home.path)
        self.solver("GWP100")
        setup = time.perf_counter() - started
        rows = []
        views: dict[str, Any] = {}
        for index, product in enumerate(products):
            if product not in views:  # the next batch, read in a few queries
                views = self.database.products_by_number(products[index:index + BATCH],
                                                         exemptions=False)
            model = build_model(self._design_from_view(views.pop(product), scenario), rules)
            solver = self.solver(model.scenario.gwp_horizon)
            by_stage = compile_model(model, solver).by_stage(solver.unit["total"])
            rows.append({"product": product, "total_kg_co2e": sum(by_stage.values()),
                         "by_stage": by_stage, "data_gaps": len(model.gaps),
                         "method": " / ".join(self._method(model.scenario.gwp_horizon))})
            if progress is not None:
                progress(product, len(products))
        elapsed = time.perf_counter() - started
        return BatchFootprints(rows=rows, seconds=round(elapsed, 3),
                               setup_seconds=round(setup, 3))

    def _footprint_all_parallel(self, products: list[str], scenario: Path | None,
                                progress: Callable[[str, int], None] | None, workers: int,
                                started: float) -> BatchFootprints:
        import time
        from concurrent.futures import ProcessPoolExecutor, as_completed

        from .variants import BatchFootprints

        size = -(-len(products) // (workers * 4))  # a few chunks per worker balance the load
        chunks = [products[i:i + size] for i in range(0, len(products), size)]
        by_product: dict[str, dict[str, Any]] = {}
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_footprint_chunk, str(self.home.path), self.home.db_url,
                                   chunk, None if scenario is None else str(scenario))
                       for chunk in chunks]
            for future in as_completed(futures):
                for row in future.result():
                    by_product[row["product"]] = row
                    if progress is not None:
                        progress(row["product"], len(products))
        elapsed = time.perf_counter() - started
        return BatchFootprints(rows=[by_product[p] for p in products],
                               seconds=round(elapsed, 3), setup_seconds=0.0)

    def _baseline(self, product_number: str, scenario: Path | None
                  ) -> tuple[Design, RuleSet, ProductModel, Solver, float]:
        """The stored design, written to Brightway and solved by it (its own total, which the
        compiled variants are checked against), and the solver of its GWP horizon."""
        from .mapping import load_rules
        from .product_model import build_model

        rules = load_rules(self.home.path)
        baseline = self.design(product_number, scenario=scenario)
        model = build_model(baseline, rules)
        solver = self.solver(baseline.scenario.gwp_horizon)
        per_role, ids = solver.solve_product(model)
        return baseline, rules, model, solver, per_role["total"][ids["product"]]

    def explore(self, product_number: str, space_file: Path, *, scenario: Path | None = None,
                objective: str = "kg_co2e", constraints: list[str] | None = None,
                top: int = 20, iterations: int = 0, seed: int = 42) -> Exploration:
        """Every design of a design space (or a sample when it is larger than the file's
        ``limit``): the best by ``objective`` under ``constraints`` and the Pareto fronts, with
        P(design < baseline) from shared Monte Carlo draws when ``iterations``."""
        from .design_space import SpaceError, compile_space, explore, load_space, parse_constraint

        space = load_space(Path(space_file))
        if space.spec.product and space.spec.product != product_number:
            raise SpaceError(f"{space_file}: product: the space is for {space.spec.product}, "
                             f"not {product_number}")
        parsed = [parse_constraint(text) for text in constraints or []]
        baseline, rules, _, solver, _ = self._baseline(product_number, scenario)
        compiled = compile_space(space, baseline, rules, solver)
        return explore(compiled, solver, rules, objective=objective, constraints=parsed,
                       top=top, iterations=iterations, seed=seed,
                       method=" / ".join(self._method(baseline.scenario.gwp_horizon)))

    def evaluate_variant(self, product_number: str, variant: Variant | dict[str, Any], *,
                         scenario: Path | None = None, iterations: int = 0, seed: int = 42
                         ) -> VariantResult:
        """One variant (a parsed ``Variant`` or the mapping a variant file holds) scored on the
        compiled path, fast: the baseline and its solver are kept between calls, the variant is
        applied, compiled and dotted with the unit scores; with ``iterations``, P(variant <
        baseline) from draws shared with the baseline (the same ``seed`` gives the same draws,
        so successive variants are compared on one sample). After importing new data into the
        same workspace, call ``forget_baselines``."""
        import numpy as np

        from .compiled import compile_model, monte_carlo
        from .product_model import STAGES, build_model
        from .variants import Variant, VariantResult, parse_variant

        if not isinstance(variant, Variant):
            variant = parse_variant(variant, "<variant>")
        key = (product_number, str(scenario))
        cached = self._baselines.get(key)
        if cached is None:
            baseline, rules, model, solver, _ = self._baseline(product_number, scenario)
            cached = (baseline, rules, solver, compile_model(model, solver))
            self._baselines[key] = cached
        baseline, rules, solver, base = cached
        design = variant.apply(baseline)
        compiled = compile_model(build_model(design, rules), solver)
        unit = solver.unit["total"]
        base_stages, stages = base.by_stage(unit), compiled.by_stage(unit)
        base_total, total = sum(base_stages.values()), sum(stages.values())
        result = VariantResult(
            name=variant.name, source=variant.source, total_kg_co2e=total, by_stage=stages,
            delta_kg_co2e=total - base_total,
            delta_pct=(total - base_total) / base_total if base_total else 0.0,
            by_stage_delta={s: stages[s] - base_stages[s] for s in STAGES}, changes=[],
            mass_g=compiled.mass_g, lifetime_years=design.scenario.lifetime_years)
        if iterations:
            draws = monte_carlo([base, compiled], solver, iterations, seed)
            delta = draws.totals[:, 1] - draws.totals[:, 0]
            result.probability_lower = float(np.mean(delta < 0))
            p5, p50, p95 = np.percentile(delta, [5, 50, 95])
            result.delta_percentiles = {"p5": float(p5), "p50": float(p50), "p95": float(p95)}
        return result

    def forget_baselines(self) -> None:
        """Drop the baselines ``evaluate_variant`` keeps (after an import changed a product)."""
        self._baselines.clear()

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

    # -- PACT exchange ---------------------------------------------------------------------

    def import_pcf(self, path: Path, validate: PactValidator, *,
                   part_number: str | None = None) -> ImportedPcfs:
        """Store a supplier's PACT footprint(s) (v3.0 or v2.3 JSON), each checked by
        ``validate`` (``reports.pact.validate_document``: the schemas ship with the reports);
        with ``part_number`` the footprint stands for that part from now on."""
        from .pact.supplier import import_file

        return import_file(self.database, Path(path), validate, part_number=part_number)

    def pact_host(self) -> PactHost:
        """The PACT host system's state in this database: clients, tokens, published
        footprints and events (the HTTP layer is ``gscdm.pact_host``)."""
        from .pact.host import PactHost

        return PactHost(self.database)
    # --- screening estimates and benchmarks (lca_engine.screening) ---------------------------

    @property
    def screening_dir(self) -> Path:
        """Where ``refit_screening`` writes a user's own fit; it wins over the shipped one."""
        return self.home.path / "screening"

    def screening_model(self) -> ScreeningModel:
        from .screening.estimate import read_model, shipped_model

        own = self.screening_dir / "model.json"
        return read_model(own) if own.exists() else shipped_model()

    def screening_comparables(self) -> tuple[ComparableClass, ...]:
        from .screening.benchmark import read_comparables, shipped_comparables

        own = self.screening_dir / "comparables.csv"
        return tuple(read_comparables(own)) if own.exists() else shipped_comparables()

    def estimate(self, values: dict[str, Any]) -> Estimate:
        """Screening estimate (P10/P50/P90, by stage) of one product from its attributes;
        ``values`` are fields of ``EstimateInput`` (EstimateInputError names a bad one)."""
        from .screening.estimate import estimate
        from .screening.inputs import validate_input

        return estimate(validate_input(values), self.screening_model())

    def estimate_batch(self, csv_path: Path) -> list[dict[str, Any]]:
        """One JSON-ready estimate per row of a CSV table, in row order; a row that cannot be
        estimated gets ``{"line", "error"}`` naming its column."""
        from .screening.config import ScreeningDataError
        from .screening.estimate import estimate
        from .screening.inputs import read_batch

        model = self.screening_model()
        results: list[dict[str, Any]] = []
        for row in read_batch(Path(csv_path)):
            if row.product is None:
                results.append({"line": row.line, "error": row.error})
                continue
            try:
                results.append({"line": row.line, **estimate(row.product, model).as_json()})
            except ScreeningDataError as exc:  # a refit without a TEC model for the category
                results.append({"line": row.line,
                                "error": f"{csv_path}:{row.line}: column 'yearly_tec': {exc}"})
            except KeyError as exc:  # a refit without that category
                results.append({"line": row.line,
                                "error": f"{csv_path}:{row.line}: column 'category': "
                                         f"{exc.args[0]}"})
        return results

    def refit_screening(self, csv_path: Path, *, description: str | None = None,
                        out_dir: Path | None = None, validate: bool = True) -> RefitResult:
        """Refit the screening model and comparables table on a sheets file (Boavizta's
        columns); written to ``out_dir`` (default: this home's ``screening/``)."""
        from .screening.training import refit, write_fit

        result = refit(Path(csv_path), description=description, validate=validate)
        target = Path(out_dir) if out_dir is not None else self.screening_dir
        write_fit(result, target / "model.json", target / "comparables.csv")
        return result

    def benchmark(self, product_number: str, *, scenario: Path | None = None,
                  attributes: dict[str, Any] | None = None) -> Benchmark:
        """The product's footprint among the published sheets of comparable products, with
        lifetime and use region harmonised to the product's scenario. Category, screen size,
        year and maker come from ``attributes.yaml`` beside the BoM, overridden by
        ``attributes``; the weight is the BoM mass without packaging and accessories."""
        result = self.footprint(product_number, scenario=scenario)
        return self.benchmark_total(product_number, result.total_kg_co2e, scenario=scenario,
                                    attributes=attributes)

    def benchmark_total(self, product_number: str, total_kg_co2e: float, *,
                        scenario: Path | None = None, attributes: dict[str, Any] | None = None,
                        default_year: int | None = None) -> Benchmark:
        """``benchmark`` for a footprint total already computed (reports reuse theirs); the
        year defaults to ``default_year``, else this year."""
        import datetime

        from .db import ProductView
        from .screening.benchmark import benchmark
        from .screening.inputs import validate_input
        from .screening.product import ATTRIBUTES_FILENAME, device_weight_kg, read_attributes

        view = self.database.show(product_number)
        if not isinstance(view, ProductView):
            raise LookupError(f"{product_number!r} is a part, not a product")
        values = read_attributes(Path(view.bom_file).parent / ATTRIBUTES_FILENAME)
        values.update({k: v for k, v in (attributes or {}).items() if v is not None})
        weight = device_weight_kg(view.tree)
        if weight is not None:
            values.setdefault("weight_kg", weight)
        if "category" not in values:
            raise LookupError(f"{product_number}: no product category: give --category or "
                              f"write {ATTRIBUTES_FILENAME} next to {view.bom_file}")
        values.setdefault("year", default_year or datetime.date.today().year)
        scenario_used = self.design(product_number, scenario=scenario).scenario
        values.update(lifetime_years=scenario_used.lifetime_years,
                      use_region=scenario_used.use_region,
                      tec_kwh=scenario_used.tec_kwh_per_year)
        product = validate_input(values)
        return benchmark(product_number, total_kg_co2e, product,
                         table=self.screening_comparables(), model=self.screening_model())

    def close(self) -> None:
        self.database.dispose()


def _footprint_chunk(home: str, db_url: str, products: list[str], scenario: str | None
                     ) -> list[dict[str, Any]]:
    """One worker process's share of ``footprint_all`` (its own workspace and solver)."""
    workspace = Workspace.open(home, db_url)
    try:
        return workspace.footprint_all(scenario=None if scenario is None else Path(scenario),
                                       products=products).rows
    finally:
        workspace.close()


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
