"""What a PACT footprint says about data gaps and characterisation, computed from the result.

PACT's exemption rule is on emissions, not mass: the emissions a footprint leaves out are
estimated and reported as ``exemptedEmissionsPercent``, and a footprint leaving out more than the
bound in ``data/pact/methodology.yaml`` is refused. The IPCC assessment reports behind the numbers
are listed as they are, including the AR4/AR5 totals some cited sources publish.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from lca_engine.footprint import FootprintResult
    from lca_engine.product_model import ProductModel

RULES_FILE = Path(__file__).resolve().parents[1] / "data" / "pact" / "methodology.yaml"
GATE_STAGES = ("materials", "manufacturing")


class ExemptionError(ValueError):
    """The footprint leaves out emissions PACT does not allow (or that cannot be estimated)."""


@cache
def rules() -> dict[str, Any]:
    with RULES_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


@dataclass(frozen=True, slots=True)
class ExcludedEmissions:
    """The estimate of what data gaps leave out of the cradle-to-gate footprint."""

    gap_mass_kg: float
    excluded_kg_co2e: float
    modelled_gate_kg_co2e: float
    gate_to_materials: float
    percent: float
    max_percent: float
    gaps: tuple[dict[str, Any], ...]  # each gap with its intensity, basis and estimate

    @property
    def intensity_kg_co2e_per_kg(self) -> float:
        return self.excluded_kg_co2e / self.gap_mass_kg if self.gap_mass_kg else 0.0

    def as_json(self) -> dict[str, Any]:
        return {"gap_mass_kg": self.gap_mass_kg, "excluded_kg_co2e": self.excluded_kg_co2e,
                "modelled_gate_kg_co2e": self.modelled_gate_kg_co2e,
                "gate_to_materials": self.gate_to_materials, "percent": self.percent,
                "max_percent": self.max_percent, "method": rules()["exemption"]["method"],
                "gaps": list(self.gaps)}


def _intensities(result: FootprintResult, model: ProductModel
                 ) -> tuple[dict[str, float], dict[str | None, float], float]:
    """Materials kg CO2e per modelled kg: by part, by BoM category, for the whole product."""
    gap_kg: dict[str, float] = {}
    for gap in result.data_gaps:
        gap_kg[gap["part_number"]] = gap_kg.get(gap["part_number"], 0.0) + \
            float(gap["mass_g"] or 0.0) / 1000.0
    kg_co2e = {row["part_number"]: float(row["kg_co2e"]) for row in result.by_part}
    by_part: dict[str, float] = {}
    category_sums: dict[str | None, list[float]] = {}
    total = [0.0, 0.0]
    for part in model.parts:
        if part.materials is None and part.supplier_pcf is None:
            continue  # assemblies without a declaration and BoM-only parts: nothing modelled
        mass = (part.own_mass_g or 0.0) / 1000.0 * part.units_per_product \
            - gap_kg.get(part.part_number, 0.0)
        if mass <= 1e-12:
            continue
        kg = kg_co2e.get(part.part_number, 0.0)
        by_part[part.part_number] = kg / mass
        sums = category_sums.setdefault(part.category, [0.0, 0.0])
        sums[0] += kg
        sums[1] += mass
        total[0] += kg
        total[1] += mass
    by_category = {c: s[0] / s[1] for c, s in category_sums.items() if s[1] > 0}
    return by_part, by_category, (total[0] / total[1] if total[1] > 0 else 0.0)


def excluded_emissions(result: FootprintResult, model: ProductModel) -> ExcludedEmissions:
    """Estimate the cradle-to-gate emissions the result's data gaps leave out (the arithmetic
    is in ``data/pact/methodology.yaml``); raises ``ExemptionError`` if a gap has no mass or
    the estimate exceeds PACT's bound."""
    bound = float(rules()["exemption"]["max_percent"])
    unknown = [g for g in result.data_gaps if g.get("mass_g") is None]
    if unknown:
        names = ", ".join(sorted({g["part_number"] for g in unknown}))
        raise ExemptionError(
            f"{result.product}: part(s) {names} have no mass, so the emissions they leave out "
            "cannot be estimated and PACT's exemption rule cannot be checked — give their mass "
            "in the BoM or import their declarations")
    gate = sum(result.by_stage.get(s, 0.0) for s in GATE_STAGES)
    materials = result.by_stage.get("materials", 0.0)
    ratio = gate / materials if materials > 0 else 1.0
    by_part, by_category, product = _intensities(result, model)
    categories = {p.part_number: p.category for p in model.parts}
    gaps: list[dict[str, Any]] = []
    excluded = gap_total = 0.0
    for gap in result.data_gaps:
        kg = float(gap["mass_g"]) / 1000.0
        part = gap["part_number"]
        category = categories.get(part)
        if gap["gap"] == "unmapped material" and part in by_part:
            intensity, basis = by_part[part], f"part {part}"
        elif category in by_category:
            intensity, basis = by_category[category], f"BoM category {category}"
        else:
            intensity, basis = product, "product"
        estimate = kg * intensity * ratio
        excluded += estimate
        gap_total += kg
        gaps.append({**gap, "intensity_kg_co2e_per_kg": intensity, "intensity_of": basis,
                     "excluded_kg_co2e": estimate})
    percent = 100.0 * excluded / (gate + excluded) if gate + excluded > 0 else 0.0
    estimate_ = ExcludedEmissions(
        gap_mass_kg=gap_total, excluded_kg_co2e=excluded, modelled_gate_kg_co2e=gate,
        gate_to_materials=ratio, percent=percent, max_percent=bound, gaps=tuple(gaps))
    if percent > bound:
        raise ExemptionError(
            f"{result.product}: data gaps ({gap_total:.3f} kg) leave out an estimated "
            f"{excluded:.3f} kg CO2e, {percent:.2f} % of the cradle-to-gate footprint; PACT "
            f"allows at most {bound:g} % ({rules()['exemption']['source']}) — close the gaps "
            "(gscdm footprint --strict lists them)")
    return estimate_


def characterisation_bases(datasets: Iterable[str],
                           supplier_bases: Iterable[str] = ()) -> list[str]:
    """The IPCC assessment reports behind a footprint built from ``datasets`` (background keys
    or ``database::code``): AR6 for the elementary flows Brightway characterises, plus the basis
    of every cited row whose published CO2e total is carried as it is, plus the bases supplier
    footprints declare. Sorted by report number."""
    from lca_engine.background import factor_index, gas_amounts

    bases = {str(rules()["characterisation"]["method_basis"])}
    index = factor_index()
    for key in set(datasets):
        factor = index.get(key)
        if factor is None or not factor.gwp_basis.startswith("AR"):
            continue  # user databases are characterised by the AR6 methods; CO2-only needs none
        if not factor.has_gas_split:
            bases.add(factor.gwp_basis)
            continue
        carried = gas_amounts(factor, 1.0).get("co2_fossil", 0.0) - (factor.co2_fossil_kg or 0.0)
        if carried > 1e-12:
            bases.add(factor.gwp_basis)
    bases.update(b for b in supplier_bases if b.startswith("AR"))
    return sorted(bases, key=lambda b: int(b[2:]) if b[2:].isdigit() else 0)
