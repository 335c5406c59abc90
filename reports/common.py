"""What every footprint-based report needs, gathered once: the engine's result and its inputs.

Nothing here computes a footprint: ``Workspace.footprint`` does, and the numbers of every report
are the numbers of its ``FootprintResult``. This module adds what a reader of a certification
report asks for beside them — data quality (primary FMD coverage by mass), the inventory and the
cited factors used, and the fossil / biogenic / land-use split of each life-cycle stage (the same
adjoint solve as the engine, per stage, checked to add up to the engine's totals).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .model import ReportError, ReportRequest

if TYPE_CHECKING:
    from lca_engine.db.queries import ProductView
    from lca_engine.footprint import FootprintResult
    from lca_engine.product_model import ProductModel
    from lca_engine.workspace import Workspace

STAGES = ("materials", "manufacturing", "distribution", "use", "end_of_life")
GATE_STAGES = ("materials", "manufacturing")
GHG_ROLES = ("fossil", "biogenic", "land_use")
#: molar mass ratio C / CO2 (12.011 / 44.009)
C_PER_CO2 = 12.011 / 44.009
CLOSURE = 1e-6

#: Stoichiometric carbon mass fraction of the neat polymer, by the polymer token of a background
#: key (``plastic.<token>.…`` / ``packaging.<token>.…``). Fillers (glass fibre, silica) are not
#: subtracted, so the fossil-carbon content derived from it is an upper estimate.
POLYMER_CARBON = {
    "hdpe": 0.856, "ldpe": 0.856, "pp": 0.856, "pe_film": 0.856, "epe_foam": 0.856,
    "film_average": 0.856, "ps": 0.923, "eps": 0.923, "pet": 0.625, "pvc": 0.384,
    "abs": 0.85, "pc": 0.756, "pc_abs": 0.79, "pa6": 0.637, "pa66": 0.637, "epoxy": 0.741,
    "silicone_rtv1": 0.324, "pdms": 0.324, "pu_flexible_foam": 0.62, "pu_rigid_foam": 0.62,
    "average": 0.80, "rigid_average": 0.80, "mixed": 0.80,
}


# -- user inputs -------------------------------------------------------------------------------

def read_yaml(path: Path, what: str) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            content = yaml.safe_load(handle) or {}
    except OSError as exc:
        raise ReportError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ReportError(f"{where}: the {what} is not valid YAML: "
                          f"{getattr(exc, 'problem', exc)}") from None
    if not isinstance(content, dict):
        raise ReportError(f"{path}: the {what} must be a mapping of keys to values")
    return content


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ReportError(f"{where}: expected a text or a list of texts")


@dataclass(slots=True)
class StudyInfo:
    """Who publishes the report and about what (``--info`` YAML; every field optional)."""

    organisation: str | None = None
    organisation_ids: list[str] = field(default_factory=list)
    address: str | None = None
    contact: str | None = None
    product_ids: list[str] = field(default_factory=list)
    cpc: str | None = None
    description: str | None = None
    commissioner: str | None = None
    practitioner: str | None = None
    intended_application: str | None = None
    audience: str | None = None
    reference_period: tuple[str, str] | None = None
    verification: str | None = None
    source: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "organisation_ids": self.organisation_ids,
                "address": self.address, "contact": self.contact,
                "product_ids": self.product_ids, "cpc": self.cpc,
                "description": self.description, "commissioner": self.commissioner,
                "practitioner": self.practitioner,
                "intended_application": self.intended_application, "audience": self.audience,
                "reference_period": list(self.reference_period)
                if self.reference_period else None,
                "verification": self.verification}


def _date_text(value: Any, where: str) -> str:
    from datetime import date, datetime

    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ReportError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def load_info(*paths: Path | None, plan: Path | None = None) -> StudyInfo:
    """Merge the ``organisation`` / ``product`` / ``study`` sections of the given YAML files,
    then of the neutrality ``plan`` (which may carry them too; checked as a plan)."""
    from .input_schemas import InfoFile, PlanFile, read_checked

    info = StudyInfo()
    for path in (*paths, plan):
        if path is None:
            continue
        raw = (read_checked(path, "carbon-neutrality plan", PlanFile, code="plan-rejected")
               if path is plan else
               read_checked(path, "organisation and study details", InfoFile))
        where = str(path)
        org = raw.get("organisation") or {}
        product = raw.get("product") or {}
        study = raw.get("study") or {}
        for section, name in ((org, "organisation"), (product, "product"), (study, "study")):
            if not isinstance(section, dict):
                raise ReportError(f"{where}: '{name}' must be a mapping")
        if org:
            info.organisation = org.get("name", info.organisation)
            info.organisation_ids = _strings(org.get("ids"), f"{where}: organisation.ids") \
                or info.organisation_ids
            info.address = org.get("address", info.address)
            info.contact = org.get("contact", info.contact)
        if product:
            info.product_ids = _strings(product.get("ids"), f"{where}: product.ids") \
                or info.product_ids
            info.cpc = str(product["cpc"]) if product.get("cpc") is not None else info.cpc
            info.description = product.get("description", info.description)
        if study:
            for key in ("commissioner", "practitioner", "intended_application", "audience",
                        "verification"):
                if study.get(key) is not None:
                    setattr(info, key, str(study[key]))
            period = study.get("reference_period")
            if period is not None:
                if not (isinstance(period, dict) and {"start", "end"} <= set(period)):
                    raise ReportError(f"{where}: study.reference_period needs start and end")
                start = _date_text(period["start"], f"{where}: study.reference_period.start")
                end = _date_text(period["end"], f"{where}: study.reference_period.end")
                if end < start:
                    raise ReportError(f"{where}: study.reference_period ends before it starts")
                info.reference_period = (start, end)
        for ident in [*info.organisation_ids, *info.product_ids]:
            if not ident.lower().startswith("urn:"):
                raise ReportError(f"{where}: identifier {ident!r} is not a URN ('urn:…'), as "
                                  "PACT requires for company and product ids")
        info.source = where
    return info


# -- the footprint and its inputs ------------------------------------------------------------

def _finite(value: Any) -> Any:
    """NaN / infinity (e.g. the spread of a single Monte Carlo run) become null in JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def footprint_json(result: FootprintResult) -> dict[str, Any]:
    """``result.as_json()`` as JSON values, without the Monte Carlo wall-clock time (the only
    value that differs between two runs of the same inputs)."""
    data = _finite(json.loads(json.dumps(result.as_json(), ensure_ascii=False, default=str)))
    if "uncertainty" in data:
        data["uncertainty"].pop("seconds", None)
    return data


def primary_coverage(view: ProductView) -> dict[str, Any]:
    """Share of the product mass (incl. packaging) whose composition comes from an FMD."""
    total = view.mass_g or 0.0
    by_source = {"fmd": 0.0, "bom": 0.0, "gap": 0.0}
    parts = {"fmd": 0, "bom": 0, "gap": 0}
    for node in view.nodes:
        if node.children and node.own_mass_g is None:
            continue  # an assembly without a declaration of its own: its children count
        source = node.mass_source or "gap"
        mass = (node.own_mass_g or 0.0) * node.total_quantity
        by_source[source if source in by_source else "gap"] += mass
        parts[source if source in parts else "gap"] += 1
    share = {k: (v / total if total else 0.0) for k, v in by_source.items()}
    return {"product_mass_g": total, "mass_g": by_source, "share": share, "parts": parts,
            "flags": [f.as_json() for f in view.flags]}


def _factor_row(key: str, factors: dict[str, Any]) -> dict[str, Any]:
    factor = factors.get(key)
    if factor is None:
        database = key.split("::", 1)[0] if "::" in key else "gscdm-background"
        return {"key": key, "name": key, "unit": None, "value_kg_co2e": None,
                "gwp_basis": None, "geography": None, "year": None, "source": database,
                "source_detail": "user database (see its own documentation)", "url": "",
                "uncertainty": None, "category": None}
    spread = (f"lognormal GSD {factor.gsd:g}" if factor.uncertainty_type == "lognormal"
              else f"{factor.uncertainty_type} {factor.min:g}–{factor.max:g}")
    return {"key": key, "name": factor.name, "unit": factor.unit,
            "value_kg_co2e": factor.gwp100_kg_co2e, "gwp_basis": factor.gwp_basis,
            "geography": factor.geography, "year": factor.year, "source": factor.source,
            "source_detail": factor.source_detail, "url": factor.url, "uncertainty": spread,
            "category": factor.category}


def inventory(model: ProductModel) -> list[dict[str, Any]]:
    """Every input of the product system per functional unit, as the engine modelled it."""
    rows: list[dict[str, Any]] = []
    for flow in model.flows:
        rows.append({
            "stage": "materials", "part_number": flow.part_number, "material": flow.material,
            "rule": flow.rule_id, "dataset": flow.input.dataset,
            "amount_per_part": flow.input.amount, "units_per_product": flow.units_per_product,
            "amount": flow.input.amount * flow.units_per_product, "proxy": flow.proxy,
            "label": flow.input.label})
    scenario = model.scenario
    for stage in STAGES[1:]:
        for item in model.stages.get(stage, []):
            if item.dataset.startswith("@"):
                shares = [(scenario.grid(scenario.factory_region), 1.0 - scenario.pv_share),
                          (scenario.pv_dataset, scenario.pv_share)]
                for dataset, share in shares:
                    if share > 0:
                        rows.append({"stage": stage, "part_number": None, "material": None,
                                     "rule": None, "dataset": dataset,
                                     "amount_per_part": None, "units_per_product": None,
                                     "amount": item.amount * share, "proxy": False,
                                     "label": item.label + (f" × {share:g}" if share < 1
                                                            else "")})
            else:
                rows.append({"stage": stage, "part_number": None, "material": None,
                             "rule": None, "dataset": item.dataset, "amount_per_part": None,
                             "units_per_product": None, "amount": item.amount,
                             "proxy": False, "label": item.label})
    return rows


def factors_used(rows: list[dict[str, Any]], result: FootprintResult) -> list[dict[str, Any]]:
    """Each cited factor the inventory draws on, with its amount and (materials) contribution."""
    from lca_engine.background import factor_index

    factors = factor_index()
    by_dataset = {m["dataset"]: m["kg_co2e"] for m in result.by_material}
    amounts: dict[str, float] = {}
    stages: dict[str, set[str]] = {}
    for row in rows:
        amounts[row["dataset"]] = amounts.get(row["dataset"], 0.0) + row["amount"]
        stages.setdefault(row["dataset"], set()).add(row["stage"])
    out = []
    for key in sorted(amounts, key=lambda k: (STAGES.index(min(stages[k], key=STAGES.index)),
                                              -by_dataset.get(k, 0.0), k)):
        row = _factor_row(key, factors)
        row["stages"] = [s for s in STAGES if s in stages[key]]
        row["amount_per_unit"] = amounts[key]
        row["materials_kg_co2e"] = by_dataset.get(key)
        out.append(row)
    return out


def stage_ghg(ws: Workspace, model: ProductModel, result: FootprintResult
              ) -> dict[str, dict[str, float]]:
    """Fossil / biogenic / land-use GHG and biogenic CO2 flows of each stage.

    The engine's solver (``lca_engine.solver``) writes the product and solves it with
    Brightway's adjoint: the score of one unit of every activity under each IPCC 2021 sub-method,
    the stage activities included. The biogenic CO2 emitted and taken up by each stage is the
    compiled product's rows times the unit inventories of those flows. Both are checked to add up
    to the engine's product totals.
    """
    import numpy as np

    from lca_engine.compiled import compile_model
    from lca_engine.solver import INVENTORY_FLOWS

    solver = ws.solver(model.scenario.gwp_horizon)
    per_role, ids = solver.solve_product(model)
    split: dict[str, dict[str, float]] = {
        stage: {role: per_role[role][ids[f"stage:{stage}"]] for role in ("total", *GHG_ROLES)}
        for stage in STAGES}
    compiled = compile_model(model, solver)
    for role, name in INVENTORY_FLOWS.items():
        per_stage = np.bincount(compiled.stage,
                                weights=compiled.amount * solver.flows[role][compiled.dataset],
                                minlength=len(STAGES))
        for index, stage in enumerate(STAGES):
            split[stage][name] = float(per_stage[index])
    checks = [("total", result.total_kg_co2e)] + [(r, result.ghg[r]) for r in GHG_ROLES]
    checks += [(k, result.biogenic_carbon[k]) for k in ("biogenic_co2_emissions_kg",
                                                        "biogenic_carbon_removals_kg_co2")]
    for role, whole in checks:
        parts = sum(split[s][role] for s in STAGES)
        if abs(parts - whole) > 1e-5 * max(1.0, abs(whole)):
            raise ReportError(f"the stages' {role} GHG add up to {parts:.9g} but the footprint "
                              f"says {whole:.9g}: the product system changed between the two "
                              "solves; run the report again")
    return split


def recycled_content(view: ProductView) -> dict[str, Any]:
    """Recycled and bio-based content of the product and its packaging, from the FMD shares."""
    from lca_engine.product_model import PACKAGING

    nodes = {n.part_number: n for n in view.nodes}
    groups: dict[str, dict[str, float]] = {
        scope: {"mass_g": 0.0, "recycled_g": 0.0, "bio_based_g": 0.0, "fibre_g": 0.0,
                "plastic_g": 0.0, "plastic_recycled_g": 0.0, "metal_g": 0.0,
                "metal_recycled_g": 0.0}
        for scope in ("product", "packaging")}
    by_kind: dict[str, float] = {}
    for part, materials in view.part_materials.items():
        node = nodes.get(part)
        if node is None:
            continue
        scope = "packaging" if node.category == PACKAGING else "product"
        acc = groups[scope]
        for mat in materials:
            mass = (mat.mass_g or 0.0) * node.total_quantity
            share = mat.recycled_share or 0.0
            kind = mat.recycled_kind
            text = f"{mat.group or ''} {mat.name}".lower()
            fibre = any(w in text for w in ("paper", "board", "fibre", "fiber", "pulp",
                                            "bamboo", "bagasse", "straw", "mycelium"))
            plastic = not fibre and any(w in text for w in (
                "plastic", "poly", "styren", "abs", "pet", "pvc", "epoxy", "silicone",
                "thermoplastic", "polyamide", "foam", "film"))
            metal = not fibre and not plastic and any(w in text for w in (
                "alumin", "magnesium", "steel", "copper", "iron", "zinc", "nickel", "metal",
                "alloy", "brass", "bronze", "tin", "gold", "silver"))
            acc["mass_g"] += mass
            if kind == "bio-based":
                acc["bio_based_g"] += mass * (share or 1.0)
            elif kind:
                acc["recycled_g"] += mass * share
                by_kind[kind] = by_kind.get(kind, 0.0) + mass * share
            if fibre:
                acc["fibre_g"] += mass
            if plastic:
                acc["plastic_g"] += mass
                if kind and kind != "bio-based":
                    acc["plastic_recycled_g"] += mass * share
            if metal:
                acc["metal_g"] += mass
                if kind and kind != "bio-based":
                    acc["metal_recycled_g"] += mass * share
    out: dict[str, Any] = {"by_kind_g": dict(sorted(by_kind.items()))}
    for scope, acc in groups.items():
        mass = acc["mass_g"]
        out[scope] = {**acc,
                      "recycled_share": acc["recycled_g"] / mass if mass else 0.0,
                      "fibre_share": acc["fibre_g"] / mass if mass else 0.0,
                      "plastic_share": acc["plastic_g"] / mass if mass else 0.0,
                      "plastic_recycled_share": acc["plastic_recycled_g"] / acc["plastic_g"]
                      if acc["plastic_g"] else 0.0,
                      "metal_recycled_share": acc["metal_recycled_g"] / acc["metal_g"]
                      if acc["metal_g"] else 0.0}
    return out


def fossil_carbon_kg(model: ProductModel, view: ProductView) -> tuple[float, float]:
    """Fossil carbon in the product's polymers (kg C) and the polymer mass it covers (kg)."""
    carbon = 0.0
    covered = 0.0
    units = {n.part_number: n.total_quantity for n in view.nodes}
    for part, mappings in model.mappings.items():
        for mapping in mappings:
            keys = [f.dataset for f in mapping.flows]
            fraction = None
            for key in keys:
                parts = key.split(".")
                if len(parts) > 1 and parts[0] in {"plastic", "packaging"}:
                    fraction = POLYMER_CARBON.get(parts[1])
                    if fraction is not None:
                        break
            if fraction is None:
                continue
            kg = (mapping.material.mass_g or 0.0) / 1000.0 * units.get(part, 1.0)
            carbon += kg * fraction
            covered += kg
    return carbon, covered


@dataclass(slots=True)
class FootprintBundle:
    """The engine's result for one request and the inputs the reports describe."""

    result: FootprintResult
    data: dict[str, Any]
    view: ProductView
    model: ProductModel
    coverage: dict[str, Any]
    inventory: list[dict[str, Any]]
    factors: list[dict[str, Any]]


def gather(ws: Workspace, request: ReportRequest, *, iterations: int | None = None
           ) -> FootprintBundle:
    """Compute the footprint (Brightway, via ``Workspace.footprint``) and read its inputs."""
    from lca_engine.db import ProductView

    n = request.iterations if iterations is None else iterations
    result = ws.footprint(request.product, scenario=request.scenario, iterations=n,
                          seed=request.seed)
    view = ws.database.show(request.product)
    assert isinstance(view, ProductView)
    model = ws.product_model(request.product, scenario=request.scenario)
    rows = inventory(model)
    return FootprintBundle(result=result, data=footprint_json(result), view=view, model=model,
                           coverage=primary_coverage(view), inventory=rows,
                           factors=factors_used(rows, result))


def stage_table(data: dict[str, Any]) -> list[dict[str, Any]]:
    total = data["total_kg_co2e"]
    return [{"stage": s, "kg_co2e": v, "share": v / total if total else 0.0}
            for s, v in data["by_stage"].items()]


def report_header(kind: str, request: ReportRequest, title: str, standard: str | None,
                  data_version: str | None) -> dict[str, Any]:
    from lca_engine import __version__

    return {"kind": kind, "title": title, "standard": standard, "lang": request.lang,
            "report_date": request.resolved_date().isoformat(), "engine_version": __version__,
            "data_version": data_version}
