"""Method comparison: the product's footprint by component class beside published references.

A footprint answers "how much"; this answers "compared with what, and why different". Every
materials-stage flow of the product model is put in one component class (SoC and other ICs,
memory, storage, display, boards and passives, battery, enclosure, power supply, other,
packaging) by the ordered rules of ``data/reconciliation/references.yaml``; the other stages
become transport, use, end of life and "other" (factory electricity). The classes add up to
the product's total (checked). Each reference (a PAIA-style manufacturer sheet, open bottom-up
studies) groups the classes the way it reports them, and each group shows the reference's
figure, the product's, the difference, and the reason the data file gives for it.

Nothing here changes a result: the comparison reads the footprint, it never tunes towards it.
For memory and storage the same capacity is also valued on each ``semiconductor_basis`` (the
scenario's memory specs × the cited factor of that basis), so the largest method difference is
shown as a number, not only as a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .electronics.memory import memory_flows
from .electronics.spec import SemiconductorBasis
from .product_model import ProductModel

REFERENCES_FILE = Path(__file__).with_name("data") / "reconciliation" / "references.yaml"
BASES: tuple[SemiconductorBasis, ...] = ("fab", "die-area", "per-gb-high")
TOLERANCE = 1e-6


class ReconciliationError(RuntimeError):
    """The classes do not add up to the total (a classification bug, never silently shown)."""


@dataclass(frozen=True, slots=True)
class _Rule:
    target: str
    category: re.Pattern[str] | None
    name: re.Pattern[str] | None
    rule: re.Pattern[str] | None

    def matches(self, category: str, name: str, rule_id: str) -> bool:
        return all(pattern is None or pattern.search(text) for pattern, text in
                   ((self.category, category), (self.name, name), (self.rule, rule_id)))


def _rules(raw: list[dict[str, Any]]) -> tuple[_Rule, ...]:
    def pattern(value: Any) -> re.Pattern[str] | None:
        return re.compile(str(value), re.IGNORECASE) if value is not None else None

    return tuple(_Rule(str(r["class"]), pattern(r.get("category")), pattern(r.get("name")),
                       pattern(r.get("rule"))) for r in raw)


@cache
def references_data() -> dict[str, Any]:
    with REFERENCES_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    classes = set(data["classes"])
    for rule in (*data["part_rules"], *data["flow_rules"]):
        if rule["class"] not in classes:
            raise ValueError(f"{REFERENCES_FILE.name}: unknown class {rule['class']!r}")
    for reference in data["references"]:
        for group in reference.get("groups") or reference.get("computed") or ():
            unknown = set(group["classes"]) - classes
            if unknown:
                raise ValueError(f"{REFERENCES_FILE.name}: reference {reference['id']}: "
                                 f"unknown classes {sorted(unknown)}")
    return data


def classify(model: ProductModel, unit_score: Callable[[str], float],
             by_stage: dict[str, float]) -> dict[str, float]:
    """kg CO2e per component class; adds up to the sum of the stages."""
    data = references_data()
    part_rules, flow_rules = _rules(data["part_rules"]), _rules(data["flow_rules"])
    parts = {p.part_number: p for p in model.parts}
    by_class = dict.fromkeys(data["classes"], 0.0)
    part_class: dict[str, str | None] = {}
    for flow in model.flows:
        part = parts[flow.part_number]
        category, name = part.category or "", part.name or ""
        if flow.part_number not in part_class:
            part_class[flow.part_number] = next(
                (r.target for r in part_rules if r.matches(category, name, "")), None)
        target = part_class[flow.part_number] or next(
            r.target for r in flow_rules if r.matches(category, name, flow.rule_id))
        by_class[target] += (flow.input.amount * flow.units_per_product
                             * unit_score(flow.input.dataset))
    for stage, target in data["stage_classes"].items():
        by_class[target] += by_stage[stage]
    total = sum(by_stage.values())
    if abs(sum(by_class.values()) - total) > TOLERANCE * max(1.0, abs(total)):
        raise ReconciliationError(f"component classes add up to {sum(by_class.values()):.9g}, "
                                  f"the footprint is {total:.9g}")
    return by_class


def basis_sensitivity(model: ProductModel, unit_score: Callable[[str], float]
                      ) -> dict[str, dict[str, float]]:
    """Memory and storage valued on every semiconductor basis (the declared capacities × each
    basis's cited factor): {class: {basis: kg CO2e}}."""
    out: dict[str, dict[str, float]] = {}
    units = {p.part_number: p.units_per_product for p in model.parts}
    for part, spec in model.scenario.part_electronics.items():
        if spec.memory is None or part not in units:
            continue
        target = "memory" if spec.memory.kind == "dram" else "storage"
        for basis in BASES:
            kg = sum((f.amount * unit_score(f.dataset) for f in memory_flows(spec.memory, basis)),
                     0.0)
            table = out.setdefault(target, dict.fromkeys(BASES, 0.0))
            table[basis] += kg * units[part]
    return out


def product_quantities(model: ProductModel, part_class: Callable[[str], str | None]
                       ) -> dict[str, float]:
    """What a per-unit component model counts, from the scenario's part_electronics: SoC dies
    and their area, memory parts and their die area (capacity ÷ density), and the mass of the
    parts in the power-supply class, all per product."""
    from .electronics.memory import die_area_cm2

    units = {p.part_number: p.units_per_product for p in model.parts}
    out = dict.fromkeys(("soc_dies", "soc_die_cm2", "dram_parts", "dram_die_cm2", "nand_parts",
                         "nand_die_cm2", "power_supply_kg"), 0.0)
    for part, spec in model.scenario.part_electronics.items():
        n = units.get(part)
        if n is None:
            continue
        for die in spec.dies:
            if die.ic_class == "soc":
                out["soc_dies"] += die.count * n
                out["soc_die_cm2"] += die.count * die.area_mm2 / 100.0 * n
        if spec.memory is not None:
            # one module (drive) per memory part line: soldered packages declared per package
            # (CN15: 8 × one 16 Gb package) are one memory set, not eight modules
            kind = spec.memory.kind
            out[f"{kind}_parts"] += 1
            out[f"{kind}_die_cm2"] += die_area_cm2(spec.memory) * n
    for design in model.parts:
        if part_class(design.part_number) == "power_supply":
            out["power_supply_kg"] += (design.own_mass_g or 0.0) * design.units_per_product / 1000
    return out


def _computed_reference(reference: dict[str, Any], model: ProductModel,
                        unit_score: Callable[[str], float], by_class: dict[str, float],
                        total: float) -> dict[str, Any]:
    """A component model applied to this product's own quantities (e.g. Boavizta's per-unit
    base + per-cm² die factors): each group = base × count + per-cm² × area (or per kg × mass)."""
    part_rules = _rules(references_data()["part_rules"])
    parts = {p.part_number: p for p in model.parts}

    def part_class(number: str) -> str | None:
        part = parts[number]
        return next((r.target for r in part_rules
                     if r.matches(part.category or "", part.name or "", "")), None)

    quantities = product_quantities(model, part_class)
    groups = []
    for group in reference["computed"]:
        if "per_kg" in group:
            mass = quantities[group["mass"]]
            ref_kg = mass * unit_score(group["per_kg"])
            arithmetic = f"{mass:.4g} kg × {group['per_kg']}"
        else:
            count, area = quantities[group["count"]], quantities[group["area"]]
            ref_kg = count * unit_score(group["base"]) + area * unit_score(group["per_cm2"])
            arithmetic = (f"{count:g} × {group['base']} + {area:.4g} cm² × "
                          f"{group['per_cm2']}")
        product_kg = sum(by_class[c] for c in group["classes"])
        groups.append({
            "group": group["group"], "classes": list(group["classes"]),
            "reference_kg_co2e": ref_kg, "reference_share": None,
            "product_kg_co2e": product_kg,
            "product_share": product_kg / total if total else 0.0,
            "difference_kg_co2e": product_kg - ref_kg, "arithmetic": arithmetic,
            "why": " ".join(str(group.get("why", "")).split()),
            "why_zh": str(group.get("why_zh", ""))})
    return {"largest_differences": _largest(groups),
            "id": reference["id"], "kind": reference["kind"],
            "source": " ".join(str(reference["source"]).split()),
            "attribution": reference.get("attribution"),
            "total_kg_co2e": sum(g["reference_kg_co2e"] for g in groups),
            "product_total_kg_co2e": total,
            "product_kg_co2e_in_scope": sum(g["product_kg_co2e"] for g in groups),
            "groups": groups}


def _largest(groups: list[dict[str, Any]], count: int = 3) -> list[dict[str, Any]]:
    """The groups that explain most of the gap: largest absolute differences first, each with
    its share of the sum of absolute differences."""
    spread = sum(abs(g["difference_kg_co2e"]) for g in groups)
    ranked = sorted(groups, key=lambda g: -abs(g["difference_kg_co2e"]))[:count]
    return [{"group": g["group"], "difference_kg_co2e": g["difference_kg_co2e"],
             "share_of_differences": abs(g["difference_kg_co2e"]) / spread if spread else 0.0}
            for g in ranked]


def unit_scorer(scores: dict[int, float], ids: dict[str, int]) -> Callable[[str], float]:
    """Score of one unit of a dataset from the adjoint solution (which covers every activity
    of the matrices, also background datasets the product does not use, e.g. another basis)."""
    def score(key: str) -> float:
        if key not in ids:
            import bw2data as bd

            database, code = (key.split("::", 1) if "::" in key
                              else ("gscdm-background", key))
            ids[key] = bd.get_node(database=database, code=code).id
        return scores[ids[key]]

    return score


def reconcile(model: ProductModel, scores: dict[int, float], ids: dict[str, int],
              by_stage: dict[str, float]) -> dict[str, Any]:
    """The ``reconciliation`` block of a footprint result, from the adjoint unit scores."""
    unit_score = unit_scorer(scores, dict(ids))
    data = references_data()
    by_class = classify(model, unit_score, by_stage)
    total = sum(by_stage.values())
    kind = model.scenario.product_kind
    references = []
    for reference in data["references"]:
        if reference.get("applies_to") != kind:
            continue
        if "computed" in reference:
            references.append(_computed_reference(reference, model, unit_score, by_class,
                                                  total))
            continue
        ref_total = float(reference["total_kg_co2e"])
        groups = []
        for group in reference["groups"]:
            ref_kg = (float(group["kg_co2e"]) if "kg_co2e" in group
                      else float(group["share"]) * ref_total)
            product_kg = sum(by_class[c] for c in group["classes"])
            groups.append({
                "group": group["group"], "classes": list(group["classes"]),
                "reference_kg_co2e": ref_kg, "reference_share": ref_kg / ref_total,
                "product_kg_co2e": product_kg,
                "product_share": product_kg / total if total else 0.0,
                "difference_kg_co2e": product_kg - ref_kg,
                "why": " ".join(str(group.get("why", "")).split()),
                "why_zh": str(group.get("why_zh", ""))})
        covered = {c for g in reference["groups"] for c in g["classes"]}
        references.append({
            "largest_differences": _largest(groups),
            "id": reference["id"], "kind": reference["kind"],
            "source": " ".join(str(reference["source"]).split()),
            "attribution": reference.get("attribution"),
            "total_kg_co2e": ref_total,
            "product_total_kg_co2e": total,
            "product_kg_co2e_in_scope": sum(by_class[c] for c in covered),
            "groups": groups})
    sensitivity = basis_sensitivity(model, unit_score)
    return {
        "classes": [{"class": key, "label": label, "kg_co2e": by_class[key],
                     "share": by_class[key] / total if total else 0.0}
                    for key, label in data["classes"].items()],
        "product_kind": kind,
        "references": references,
        "semiconductor_basis": model.scenario.electronics.semiconductor_basis,
        "semiconductor_basis_sensitivity": sensitivity,
        "note": ("No factor is tuned towards a reference. Differences are differences of method "
                 "and data: the groups say where they arise and why."),
    }
