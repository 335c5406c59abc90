"""Cradle-to-grave footprints computed by Brightway, attributed by stage, part, material and gas.

``compute_footprint`` asks the solver (``lca_engine.solver``, the only module that imports
bw2calc) to write the product's foreground database and solve it with bw2calc's adjoint
(``FastScoresOnlyMultiLCA(direction="adjoint")``): one transposed solve per method gives the score
of one unit of *every* activity. The total is the product activity's score; each stage is its
stage activity's score; fossil, biogenic and land-use sub-totals are the same under the three
IPCC 2021 sub-methods. Parts and materials come from the compiled product
(``lca_engine.compiled``): its rows times the background's unit scores, grouped; the compiled total
is checked against Brightway's to 1e-9 and every attribution against the stage it belongs to;
the stages and the fossil / biogenic / land-use split are checked to add up to Brightway's total
(``_check_closure``).

Monte Carlo (``iterations``) scores the compiled product on shared draws
(``lca_engine.compiled.monte_carlo``): on the flat shipped background every draw is an array
operation; the gases of one background factor are drawn together. Cited factors are lognormal
medians, so the deterministic total lies below the Monte Carlo P50 and mean; the result states
all three.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import __version__
from .background import data_version, factor_index
from .compiled import CompiledProduct, compile_model
from .compiled import monte_carlo as compiled_monte_carlo
from .product_model import (
    PACKAGING,
    STAGES,
    ProductModel,
    build_model,
)
from .reconciliation import reconcile
from .solver import (
    Solver,
    biogenic_inventory,
    methods,
    quiet_empty_methods,
    write_foreground,
)

#: Attributions must add back to Brightway's total within this relative tolerance.
CLOSURE_TOLERANCE = 1e-6


class FootprintError(RuntimeError):
    """The footprint cannot be computed (message says why and what to do)."""


class DataGapError(FootprintError):
    """Strict mode: the product has data gaps (unmapped materials, missing masses)."""

    def __init__(self, gaps: list[dict[str, Any]]) -> None:
        share = sum(g["share_of_product_mass"] for g in gaps)
        super().__init__(f"{len(gaps)} data gap(s) covering {share:.2%} of the product mass; "
                         "first: " + f"{gaps[0]['part_number']}: {gaps[0]['gap']} "
                         f"({gaps[0]['detail']})")
        self.gaps = gaps


@dataclass(slots=True)
class Uncertainty:
    iterations: int
    seed: int
    p5: float
    p50: float
    p95: float
    mean: float
    std: float
    by_stage_p50: dict[str, float]
    seconds: float
    deterministic: float | None = None  # the total from the cited medians, beside P50 and mean
    path: str = ""  # which sampling path ran (solver.PATH_*)
    gases: str = "together"  # the gases of one factor drawn together or independently
    convention: str = ""
    samples: np.ndarray | None = field(default=None, repr=False)  # totals per iteration
    stage_samples: np.ndarray | None = field(default=None, repr=False)  # iterations × stages

    def as_json(self) -> dict[str, Any]:
        return {"iterations": self.iterations, "seed": self.seed, "p5": self.p5,
                "p50": self.p50, "p95": self.p95, "mean": self.mean, "std": self.std,
                "by_stage_p50": self.by_stage_p50, "seconds": self.seconds,
                "deterministic_kg_co2e": self.deterministic,
                "mean_over_deterministic": (self.mean / self.deterministic
                                            if self.deterministic else None),
                "centre_convention": self.convention, "gas_sampling": self.gases,
                "path": self.path}


@dataclass(slots=True)
class FootprintResult:
    product: str
    name: str | None
    functional_unit: str
    method: str
    total_kg_co2e: float
    by_stage: dict[str, float]
    ghg: dict[str, float]
    by_part: list[dict[str, Any]]
    by_material: list[dict[str, Any]]
    biogenic_carbon: dict[str, float]
    data_gaps: list[dict[str, Any]]
    scenario: dict[str, Any]
    quantities: dict[str, float]
    provenance: dict[str, Any]
    mass_g: float
    packaging_mass_g: float
    proxy_share: float
    uncertainty: Uncertainty | None = None
    notes: list[str] = field(default_factory=list)
    #: method comparison by component class (lca_engine.reconciliation)
    reconciliation: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "product": self.product,
            "name": self.name,
            "functional_unit": self.functional_unit,
            "method": self.method,
            "data_version": self.provenance["data_version"],
            "total_kg_co2e": self.total_kg_co2e,
            "by_stage": self.by_stage,
            "ghg": self.ghg,
            "biogenic_carbon": self.biogenic_carbon,
            "by_part": self.by_part,
            "by_material": self.by_material,
            "mass_g": self.mass_g,
            "packaging_mass_g": self.packaging_mass_g,
            "proxy_share_of_materials": self.proxy_share,
            "data_gaps": self.data_gaps,
            "scenario": self.scenario,
            "quantities": self.quantities,
            "provenance": self.provenance,
            "notes": self.notes,
        }
        if self.uncertainty is not None:
            data["uncertainty"] = self.uncertainty.as_json()
        if self.reconciliation is not None:
            data["reconciliation"] = self.reconciliation
        return data


# -- Brightway (through lca_engine.solver, the only module that imports bw2calc) -----------------

#: Kept for callers of the earlier API.
_quiet_empty_methods = quiet_empty_methods

#: How the Monte Carlo centre relates to the deterministic total (issue 12 item 7).
CENTRE_CONVENTION = (
    "Cited factors, and the amounts with a stated uncertainty of their own (proxy mappings, the "
    "electronics models' parameters), are lognormal medians: the deterministic total is the sum "
    "of those medians. "
    "A lognormal's mean is its median × exp(σ²/2), and a sum of skewed draws has its median "
    "above the sum of the medians, so the Monte Carlo P50 and mean lie above the deterministic "
    "total (see mean_over_deterministic). The gases of one background factor are drawn "
    "together (one cited total, one uncertainty).")


def _methods(horizon: str) -> dict[str, tuple[str, ...]]:
    return methods(horizon)


def adjoint_scores(model: ProductModel, solver: Solver | None = None
                   ) -> tuple[dict[str, dict[int, float]], dict[str, int]]:
    """Score of one unit of every activity of the written product, per method role."""
    solver = solver or Solver(horizon=model.scenario.gwp_horizon)
    return solver.solve_product(model, write=False)


def monte_carlo(model: ProductModel, iterations: int, seed: int, *,
                solver: Solver | None = None, compiled: CompiledProduct | None = None,
                deterministic: float | None = None, gases: str = "together") -> Uncertainty:
    """Percentiles of the product total from ``iterations`` shared draws (``compiled``)."""
    solver = solver or Solver.for_background(model.scenario.gwp_horizon)
    compiled = compiled or compile_model(model, solver)
    draws = compiled_monte_carlo([compiled], solver, iterations, seed, gases=gases)
    totals = draws.totals[:, 0]
    p5, p50, p95 = np.percentile(totals, [5, 50, 95])
    return Uncertainty(
        iterations=iterations, seed=seed, p5=float(p5), p50=float(p50), p95=float(p95),
        mean=float(totals.mean()), std=float(totals.std(ddof=1)) if iterations > 1 else 0.0,
        by_stage_p50={s: float(np.median(draws.stages[:, 0, i]))
                      for i, s in enumerate(STAGES)},
        seconds=draws.seconds, deterministic=deterministic, path=draws.path,
        gases=draws.gases, convention=CENTRE_CONVENTION, samples=totals,
        stage_samples=draws.stages[:, 0, :])


# -- attribution -------------------------------------------------------------------------------

def _check_closure(label: str, parts: float, whole: float) -> None:
    if abs(parts - whole) > CLOSURE_TOLERANCE * max(1.0, abs(whole)):
        raise FootprintError(f"{label} adds up to {parts:.9g}, Brightway's total is "
                             f"{whole:.9g}: the attribution is inconsistent")


def compute_footprint(model: ProductModel, *, iterations: int = 0, seed: int = 42,
                      strict: bool = False, solver: Solver | None = None) -> FootprintResult:
    """Write, solve and attribute; optionally Monte Carlo. Needs an active Brightway project.

    Brightway solves the written product (its own total and stage scores); the compiled product
    gives the attributions by part and material and is checked against Brightway's total."""
    gaps = [g.as_json(model.mass_g) for g in model.gaps]
    if strict and gaps:
        raise DataGapError(gaps)
    if solver is None or solver.horizon != model.scenario.gwp_horizon:
        solver = Solver.for_background(model.scenario.gwp_horizon)
    per_role, ids = solver.solve_product(model)
    total_scores = per_role["total"]
    total = total_scores[ids["product"]]
    by_stage = {stage: total_scores[ids[f"stage:{stage}"]] for stage in STAGES}
    _check_closure("the stages", sum(by_stage.values()), total)

    compiled = compile_model(model, solver)
    unit = solver.unit["total"]
    compiled_total = compiled.total(unit)
    if abs(compiled_total - total) > 1e-9 * max(1.0, abs(total)):
        raise FootprintError(f"the compiled product gives {compiled_total:.12g} kg CO2e, "
                             f"Brightway {total:.12g}: the compiler missed an exchange")
    by_part = {p: kg for p, kg in compiled.by_part(unit).items()
               if p in {compiled.parts[i] for i in compiled.part[compiled.part >= 0]}}
    by_dataset = compiled.by_dataset(unit)
    proxy = float(compiled.contributions(unit)[compiled.proxy].sum())
    _check_closure("the parts", sum(by_part.values()), by_stage["materials"])
    nodes = {p.part_number: p for p in model.parts}
    parts: list[dict[str, Any]] = [{
        "part_number": part,
        "name": nodes[part].name,
        "group": PACKAGING if nodes[part].category == PACKAGING else "product",
        "units_per_product": nodes[part].units_per_product,
        "kg_co2e": kg,
        "share": kg / total if total else 0.0,
    } for part, kg in sorted(by_part.items(), key=lambda item: -item[1])]
    factors = factor_index()
    materials = [{
        "material": factors[key].name if key in factors else key,
        "dataset": key,
        "kg_co2e": kg,
        "share": kg / total if total else 0.0,
    } for key, kg in sorted(by_dataset.items(), key=lambda item: -item[1])]

    ghg = {role: per_role[role][ids["product"]] for role in ("fossil", "biogenic", "land_use")}
    _check_closure("the fossil, biogenic and land-use split", sum(ghg.values()), total)
    uncertainty = (monte_carlo(model, iterations, seed, solver=solver, compiled=compiled,
                               deterministic=total) if iterations else None)
    horizon_methods = methods(model.scenario.gwp_horizon)
    provenance = {
        "engine_version": __version__,
        "data_version": data_version(),
        "brightway_database": model.database,
        "method": list(horizon_methods["total"]),
        "declarations": {},
    }
    notes = []
    packaging = sum(p["kg_co2e"] for p in parts if p["group"] == PACKAGING)
    notes.append(f"packaging accounts for {packaging:.3g} kg CO2e of the materials stage")
    if uncertainty is not None:
        notes.append(CENTRE_CONVENTION)
    return FootprintResult(
        product=model.product_number, name=model.name,
        functional_unit=model.scenario.functional_unit.format(
            product=model.name or model.product_number,
            lifetime_years=f"{model.scenario.lifetime_years:g}"),
        method=" / ".join(horizon_methods["total"]), total_kg_co2e=total, by_stage=by_stage,
        ghg=ghg, by_part=parts, by_material=materials,
        biogenic_carbon=biogenic_inventory(model), data_gaps=gaps,
        scenario=model.scenario.as_json(), quantities=model.quantities, provenance=provenance,
        mass_g=model.mass_g, packaging_mass_g=model.packaging_mass_g,
        proxy_share=proxy / by_stage["materials"] if by_stage["materials"] else 0.0,
        uncertainty=uncertainty, notes=notes,
        reconciliation=reconcile(model, total_scores, ids, by_stage))


__all__ = ["CENTRE_CONVENTION", "DataGapError", "FootprintError", "FootprintResult",
           "adjoint_scores", "build_model", "compute_footprint", "monte_carlo",
           "write_foreground"]
