"""Cradle-to-grave footprints computed by Brightway, attributed by stage, part, material and gas.

``compute_footprint`` writes the product's foreground database (``product_model``) and asks
bw2calc for the adjoint solution (``FastScoresOnlyMultiLCA(direction="adjoint")``): one transposed
solve per method gives the score of one unit of *every* activity. The total is the product
activity's score; each stage is its stage activity's score; a part's own contribution is the sum
over its material inputs of amount × units per product × the score of one unit of that dataset;
the same dot products grouped by dataset give the by-material view. Fossil, biogenic and land-use
sub-totals are the same product under the three IPCC 2021 sub-methods. The stages and the
fossil / biogenic / land-use split are checked to add up to Brightway's total, and the parts to
its materials stage (``_check_closure``; the by-material view regroups the parts' own terms).

Monte Carlo (``iterations``) resamples every uncertain exchange — background factors and proxy
mappings — with bw2calc's ``MultiLCA(use_distributions=True)`` and a fixed seed, so the same seed
gives the same percentiles.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import __version__
from .background import data_version, factor_index
from .product_model import (
    PACKAGING,
    STAGES,
    ProductModel,
    build_model,
    foreground_data,
)
from .reconciliation import reconcile

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

    def as_json(self) -> dict[str, Any]:
        return {"iterations": self.iterations, "seed": self.seed, "p5": self.p5,
                "p50": self.p50, "p95": self.p95, "mean": self.mean, "std": self.std,
                "by_stage_p50": self.by_stage_p50, "seconds": self.seconds}


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


# -- Brightway ---------------------------------------------------------------------------------

@contextlib.contextmanager
def _quiet_empty_methods() -> Iterator[None]:
    """A product with no biogenic or land-use flows is normal, not worth a warning on stderr."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="All values in characterization matrix")
        yield


def write_foreground(model: ProductModel) -> None:
    """(Re)write the product's foreground database in the active Brightway project."""
    import bw2data as bd

    data = foreground_data(model)
    if model.database in bd.databases:
        bd.Database(model.database).delete(warn=False)
    database = bd.Database(model.database)
    database.register(description=f"GSCDM-LCA product system of {model.product_number}",
                      gscdm_product=model.product_number)
    # a few dozen activities: bw2data's progress bar would only be noise on stderr (errors
    # still raise)
    with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
        database.write(data)


def _node_ids(model: ProductModel) -> dict[str, int]:
    import bw2data as bd

    ids = {f"{a['code']}": a.id for a in bd.Database(model.database)}
    for key in {f.input.dataset for f in model.flows}:
        database, code = (key.split("::", 1) if "::" in key else ("gscdm-background", key))
        ids.setdefault(key, bd.get_node(database=database, code=code).id)
    return ids


def _methods(horizon: str) -> dict[str, tuple[str, ...]]:
    from .brightway_project import methods_for

    return dict(methods_for(horizon))  # type: ignore[arg-type]


def adjoint_scores(model: ProductModel) -> tuple[dict[str, dict[int, float]], dict[str, int]]:
    """Score of one unit of every activity, per method role, from one transposed solve each."""
    import bw2calc as bc
    import bw2data as bd

    methods = _methods(model.scenario.gwp_horizon)
    ids = _node_ids(model)
    demands = {"product": {ids["product"]: 1.0}}
    config = {"impact_categories": list(methods.values())}
    with _quiet_empty_methods():
        lca = bc.FastScoresOnlyMultiLCA(
            demands=demands, method_config=config,
            data_objs=bd.get_multilca_data_objs(demands, config), direction="adjoint")
        lca.calculate()
    scores = lca.product_scores
    per_role: dict[str, dict[int, float]] = {}
    for role, method in methods.items():
        row = scores.sel(LCIA=str(method)).values
        per_role[role] = dict(zip(scores.coords["products"].values.tolist(), row.tolist(),
                                  strict=True))
    return per_role, ids


def biogenic_inventory(model: ProductModel, ids: dict[str, int]) -> dict[str, float]:
    """Biogenic CO2 emitted and biogenic carbon stored (as CO2), read from the inventory."""
    import bw2calc as bc
    import bw2data as bd

    from .brightway_project import METHODS, ghg_flow_keys

    flows = ghg_flow_keys()
    lca = bc.LCA({ids["product"]: 1.0}, METHODS["total"])
    lca.lci()
    inventory = np.asarray(lca.inventory.sum(axis=1)).ravel()
    result = {}
    for role, name in (("co2_non_fossil", "biogenic_co2_emissions_kg"),
                       ("co2_uptake", "biogenic_carbon_removals_kg_co2")):
        node = bd.get_node(database=flows[role][0], code=flows[role][1])
        row = lca.dicts.biosphere.get(node.id)
        result[name] = float(inventory[row]) if row is not None else 0.0
    return result


def monte_carlo(model: ProductModel, ids: dict[str, int], iterations: int, seed: int
                ) -> Uncertainty:
    import bw2calc as bc
    import bw2data as bd

    started = time.perf_counter()
    method = _methods(model.scenario.gwp_horizon)["total"]
    demands = {"product": {ids["product"]: 1.0}}
    demands.update({stage: {ids[f"stage:{stage}"]: 1.0} for stage in STAGES})
    config = {"impact_categories": [method]}
    lca = bc.MultiLCA(demands=demands, method_config=config,
                      data_objs=bd.get_multilca_data_objs(demands, config),
                      use_distributions=True, seed_override=seed)
    lca.lci()
    lca.lcia()
    totals = np.empty(iterations)
    stages = {stage: np.empty(iterations) for stage in STAGES}
    for i in range(iterations):
        next(lca)
        totals[i] = lca.scores[(method, "product")]
        for stage in STAGES:
            stages[stage][i] = lca.scores[(method, stage)]
    p5, p50, p95 = np.percentile(totals, [5, 50, 95])
    return Uncertainty(iterations=iterations, seed=seed, p5=float(p5), p50=float(p50),
                       p95=float(p95), mean=float(totals.mean()), std=float(totals.std(ddof=1)),
                       by_stage_p50={s: float(np.median(v)) for s, v in stages.items()},
                       seconds=round(time.perf_counter() - started, 3))


# -- attribution -------------------------------------------------------------------------------

def _attribute(model: ProductModel, unit_scores: dict[int, float], ids: dict[str, int]
               ) -> tuple[dict[str, float], dict[str, float], float]:
    """Own contribution of each part and of each dataset to the materials stage."""
    by_part: dict[str, float] = {}
    by_dataset: dict[str, float] = {}
    proxy = 0.0
    for flow in model.flows:
        kg = flow.input.amount * flow.units_per_product * unit_scores[ids[flow.input.dataset]]
        by_part[flow.part_number] = by_part.get(flow.part_number, 0.0) + kg
        by_dataset[flow.input.dataset] = by_dataset.get(flow.input.dataset, 0.0) + kg
        if flow.proxy:
            proxy += kg
    return by_part, by_dataset, proxy


def _check_closure(label: str, parts: float, whole: float) -> None:
    if abs(parts - whole) > CLOSURE_TOLERANCE * max(1.0, abs(whole)):
        raise FootprintError(f"{label} adds up to {parts:.9g}, Brightway's total is "
                             f"{whole:.9g}: the attribution is inconsistent")


def compute_footprint(model: ProductModel, *, iterations: int = 0, seed: int = 42,
                      strict: bool = False) -> FootprintResult:
    """Write, solve and attribute; optionally Monte Carlo. Needs an active Brightway project."""
    gaps = [g.as_json(model.mass_g) for g in model.gaps]
    if strict and gaps:
        raise DataGapError(gaps)
    write_foreground(model)
    per_role, ids = adjoint_scores(model)
    total_scores = per_role["total"]
    total = total_scores[ids["product"]]
    by_stage = {stage: total_scores[ids[f"stage:{stage}"]] for stage in STAGES}
    _check_closure("the stages", sum(by_stage.values()), total)

    by_part, by_dataset, proxy = _attribute(model, total_scores, ids)
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
    uncertainty = monte_carlo(model, ids, iterations, seed) if iterations else None
    methods = _methods(model.scenario.gwp_horizon)
    provenance = {
        "engine_version": __version__,
        "data_version": data_version(),
        "brightway_database": model.database,
        "method": list(methods["total"]),
        "declarations": {},
    }
    notes = []
    packaging = sum(p["kg_co2e"] for p in parts if p["group"] == PACKAGING)
    notes.append(f"packaging accounts for {packaging:.3g} kg CO2e of the materials stage")
    return FootprintResult(
        product=model.product_number, name=model.name,
        functional_unit=model.scenario.functional_unit.format(
            product=model.name or model.product_number,
            lifetime_years=f"{model.scenario.lifetime_years:g}"),
        method=" / ".join(methods["total"]), total_kg_co2e=total, by_stage=by_stage, ghg=ghg,
        by_part=parts, by_material=materials,
        biogenic_carbon=biogenic_inventory(model, ids), data_gaps=gaps,
        scenario=model.scenario.as_json(), quantities=model.quantities, provenance=provenance,
        mass_g=model.mass_g, packaging_mass_g=model.packaging_mass_g,
        proxy_share=proxy / by_stage["materials"] if by_stage["materials"] else 0.0,
        uncertainty=uncertainty, notes=notes,
        reconciliation=reconcile(model, total_scores, ids, by_stage))


__all__ = ["DataGapError", "FootprintError", "FootprintResult", "build_model",
           "compute_footprint"]
