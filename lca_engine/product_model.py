"""A product as a Brightway foreground database: parts, stages and the functional unit.

Built in named steps, each a pure function of the previous one's output:

1. ``material_flows``  — every homogeneous material of every declared part, mapped by the rules,
   as inputs of background datasets per unit of that part (yield losses applied);
2. ``stage_exchanges`` — manufacturing (factory electricity with its PV share: assembly, SMT
   reflow by solder, injection moulding, the forming processes named per part in
   ``part_processes``: CNC machining, die casting, thixomoulding, stamping), distribution
   (tonne-km per leg), use (TEC × years × grid) and end of life (mass by route and material
   family; a route may charge several datasets, e.g. WEEE transport and treatment);
3. ``foreground_data`` — the ``Database.write`` payload: one activity per part (its materials and
   its BoM children), one per stage, a factory electricity mix, and the product itself, whose
   inputs are one of each stage.

Brightway then does every calculation (``lca_engine.footprint``). The model keeps, beside the
payload, the records the results are attributed with (which part and material each input came
from), so every number in a result can be traced back to a declaration and a cited factor.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from .db.queries import ProductView
from .electronics import part_model_flows, replaced
from .electronics.batteries import cell_rule_prefixes
from .mapping import (
    MappedFlow,
    MaterialInput,
    MaterialMapping,
    RuleSet,
    map_material,
    material_inputs_from_view,
)
from .scenario import PartProcess, Scenario

if TYPE_CHECKING:
    from .pact.supplier import SupplierPcfUse

BACKGROUND = "gscdm-background"
STAGES = ("materials", "manufacturing", "distribution", "use", "end_of_life")
PACKAGING = "packaging"


def foreground_name(product_number: str, variant: str | None = None) -> str:
    base = f"gscdm-fg-{product_number}"
    return base if variant is None else f"{base}--{variant}"


@dataclass(frozen=True, slots=True)
class Input:
    """An input of ``amount`` (dataset unit) of background ``dataset`` into one activity."""

    dataset: str
    amount: float
    label: str
    gsd: float | None = None


@dataclass(frozen=True, slots=True)
class MaterialFlow:
    """A mapped material input of one part, per unit of that part."""

    part_number: str
    material: str
    rule_id: str
    input: Input
    units_per_product: float
    proxy: bool


@dataclass(frozen=True, slots=True)
class DataGap:
    part_number: str
    what: str  # "unmapped material", "no declaration", "no mass"
    detail: str
    mass_g: float | None

    def as_json(self, product_mass_g: float) -> dict[str, Any]:
        share = (self.mass_g or 0.0) / product_mass_g if product_mass_g else 0.0
        return {"part_number": self.part_number, "gap": self.what, "detail": self.detail,
                "mass_g": self.mass_g, "share_of_product_mass": share}


@dataclass(frozen=True, slots=True)
class PartDesign:
    """One BoM line as the model sees it: where it sits, how many, what it is made of."""

    part_number: str
    name: str | None
    category: str | None
    parent: str | None
    quantity: float  # per parent
    units_per_product: float  # all BoM levels multiplied
    bom_mass_g: float | None  # mass from the BoM table, used when there is no declaration
    materials: tuple[MaterialInput, ...] | None  # None: no FMD declaration
    has_children: bool = False
    supplier_pcf: SupplierPcfUse | None = None  # a supplier's PCF stands for the part's gate

    @property
    def own_mass_g(self) -> float | None:
        if self.materials is not None:
            return sum(m.mass_g or 0.0 for m in self.materials)
        return self.bom_mass_g


@dataclass(frozen=True, slots=True)
class Design:
    """A product design: its parts and materials and the scenario it is used in.

    The stored baseline comes from the database (``design_from_view``); design variants are
    functions from one ``Design`` to another (``lca_engine.variants``), so the database is never
    changed by a what-if.
    """

    product_number: str
    name: str | None
    parts: tuple[PartDesign, ...]
    scenario: Scenario

    @property
    def mass_g(self) -> float:
        return sum((p.own_mass_g or 0.0) * p.units_per_product for p in self.parts)

    @property
    def packaging_mass_g(self) -> float:
        return sum((p.own_mass_g or 0.0) * p.units_per_product for p in self.parts
                   if p.category == PACKAGING)


def design_from_view(view: ProductView, scenario: Scenario) -> Design:
    parts = []
    for node in view.nodes:
        materials = view.part_materials.get(node.part_number)
        parts.append(PartDesign(
            part_number=node.part_number, name=node.name, category=node.category,
            parent=node.parent_part_number, quantity=node.quantity,
            units_per_product=node.total_quantity,
            bom_mass_g=node.own_mass_g if node.mass_source == "bom" else None,
            materials=None if materials is None else tuple(
                material_inputs_from_view(materials, node.category)),
            has_children=bool(node.children)))
    return Design(view.product_number, view.name, tuple(parts), scenario)


@dataclass(slots=True)
class ProductModel:
    product_number: str
    name: str | None
    scenario: Scenario
    parts: tuple[PartDesign, ...]
    mappings: dict[str, list[MaterialMapping]]
    flows: list[MaterialFlow]
    stages: dict[str, list[Input]]
    gaps: list[DataGap]
    mass_g: float
    packaging_mass_g: float
    notes: list[str] = field(default_factory=list)
    quantities: dict[str, float] = field(default_factory=dict)  # manufacturing/use drivers
    variant: str | None = None  # set for a design variant's own foreground database

    @property
    def database(self) -> str:
        return foreground_name(self.product_number, self.variant)


# -- step 1: materials -----------------------------------------------------------------------

def _process_materials(mappings: list[MaterialMapping], process: PartProcess
                       ) -> list[MaterialMapping]:
    """The materials a part's process applies to (``applies_to``, else the heaviest)."""
    if process.applies_to:
        pattern = re.compile(process.applies_to, re.IGNORECASE)
        return [m for m in mappings if pattern.search(m.material.name)]
    return [max(mappings, key=lambda m: m.material.mass_g or 0.0)] if mappings else []


def _machined(mappings: list[MaterialMapping], process: PartProcess | None) -> dict[int, float]:
    """Input scale (1 / yield) of the materials a part's process removes material from."""
    if process is None or process.material_yield >= 1.0:
        return {}
    return {id(m): 1.0 / process.material_yield for m in _process_materials(mappings, process)}


def _process_kg(mappings: list[MaterialMapping], process: PartProcess | None,
                scenario: Scenario, units: float) -> dict[str, float]:
    """kg per product each of the part's forming processes works on: the finished mass of the
    chosen materials ("part" basis) or the mass cut away, finished × (1 / yield − 1)
    ("removed" basis, e.g. CNC machining from a block)."""
    if process is None or not process.processes:
        return {}
    kg = sum((m.material.mass_g or 0.0) for m in _process_materials(mappings, process)) / 1000.0
    kg *= units
    out: dict[str, float] = {}
    for name in process.processes:
        if scenario.process_basis.get(name, "part") == "removed":
            amount = kg * (1.0 / process.material_yield - 1.0)
        else:
            amount = kg
        out[name] = out.get(name, 0.0) + amount
    return out


@dataclass(frozen=True, slots=True)
class PartInventory:
    """What one BoM line brings to the product (already × units per product where per product)."""

    mappings: tuple[MaterialMapping, ...]
    flows: tuple[MaterialFlow, ...]
    gaps: tuple[DataGap, ...]
    eol_kg: dict[str, float]  # end-of-life dataset → kg per product
    moulded_kg: float  # injection-moulded plastic, kg per product
    board_m2: float  # PCB area, m² per product
    process_kg: dict[str, float] = field(default_factory=dict)  # process → kg per product


#: Parts are immutable and a variant shares every part it does not change with its baseline, so
#: a part's inventory is computed once per (part, rules, scenario) — keyed by identity and
#: checked against the objects themselves, so a reused id can never return a stale entry.
_PART_CACHE: dict[tuple[int, int, int], tuple[PartDesign, RuleSet, Scenario, PartInventory]] = {}
_EOL_CACHE: dict[tuple[int, str, str | None], tuple[str, ...]] = {}
#: A part's inventory takes about 25 kB; a sweep or a product touches at most a few hundred
#: parts, while `footprint --all` over a catalogue walks tens of thousands once each, so the
#: cache is emptied when full rather than allowed to hold the catalogue (1.2 GB at 40,000 parts).
_PART_CACHE_LIMIT = 5_000


@cache
def _pattern(text: str) -> re.Pattern[str] | None:
    return re.compile(text, re.IGNORECASE) if text else None


def _eol_datasets(route: str, rule_id: str | None, scenario: Scenario) -> tuple[str, ...]:
    """The datasets one kg of material on ``route`` is charged to (first matching prefix)."""
    table = scenario.eol_datasets[route]
    key = (id(table), route, rule_id)
    datasets = _EOL_CACHE.get(key)
    if datasets is None:
        datasets = table["*"]
        for prefix, candidate in table.items():
            if prefix != "*" and rule_id and rule_id.startswith(prefix):
                datasets = candidate
                break
        _EOL_CACHE[key] = datasets
    return datasets


def part_inventory(part: PartDesign, rules: RuleSet, scenario: Scenario) -> PartInventory:
    key = (id(part), id(rules), id(scenario))
    hit = _PART_CACHE.get(key)
    if hit is not None and hit[0] is part and hit[1] is rules and hit[2] is scenario:
        return hit[3]
    inventory = _part_inventory(part, rules, scenario)
    if len(_PART_CACHE) > _PART_CACHE_LIMIT:
        _PART_CACHE.clear()
    _PART_CACHE[key] = (part, rules, scenario, inventory)
    return inventory


def _part_inventory(part: PartDesign, rules: RuleSet, scenario: Scenario) -> PartInventory:
    if part.supplier_pcf is not None:
        return _supplier_pcf_inventory(part, rules, scenario)
    units = part.units_per_product
    if part.materials is None:
        gaps: tuple[DataGap, ...] = ()
        if part.has_children:
            pass  # an assembly without its own declaration: its children carry it
        elif part.bom_mass_g is None:
            gaps = (DataGap(part.part_number, "no mass", "no FMD declaration and no BoM mass",
                            None),)
        else:
            gaps = (DataGap(part.part_number, "no declaration",
                            "BoM mass only; composition unknown, not in the footprint",
                            part.bom_mass_g * units),)
        return PartInventory((), (), gaps, {}, 0.0, 0.0)
    mappings = tuple(map_material(m, rules) for m in part.materials)
    process = scenario.part_processes.get(part.part_number)
    machined = _machined(list(mappings), process)
    process_kg = _process_kg(list(mappings), process, scenario, units)
    not_moulded = _pattern(scenario.not_moulded)
    flows: list[MaterialFlow] = []
    gaps_found: list[DataGap] = []
    eol: dict[str, float] = {}
    moulded = board = 0.0
    for mapping in mappings:
        kg = (mapping.material.mass_g or 0.0) / 1000.0 * units
        # a filled compound's inert filler (glass fibre) leaves by the default, non-plastic way:
        # only the resin share is burnt on the rule's polymer rows
        resin_kg = kg * (1.0 - mapping.filler_share)
        for route, share in scenario.eol_mix.items():
            if share:
                for dataset in _eol_datasets(route, mapping.rule_id, scenario):
                    eol[dataset] = eol.get(dataset, 0.0) + resin_kg * share
                if mapping.filler_share:
                    for dataset in _eol_datasets(route, None, scenario):
                        eol[dataset] = eol.get(dataset, 0.0) + (kg - resin_kg) * share
        if not mapping.mapped:
            gaps_found.append(DataGap(part.part_number, "unmapped material",
                                      f"{mapping.material.name}: {mapping.reason}",
                                      (mapping.material.mass_g or 0.0) * units))
            continue
        if mapping.rule_id in scenario.moulded_rules and not (
                not_moulded and not_moulded.search(mapping.material.name)):
            moulded += kg
        scale = machined.get(id(mapping), 1.0)
        for flow in _allocated(mapping, rules, scenario):
            label = f"{mapping.material.name} [{flow.fraction}]: {flow.derivation}"
            if scale != 1.0:
                label += f" ÷ {1 / scale:g} material yield"
            rule_id = mapping.rule_id or ""
            if rule_id.startswith("pcb-laminate"):
                board += flow.amount * scale * units
            flows.append(MaterialFlow(
                part_number=part.part_number, material=mapping.material.name, rule_id=rule_id,
                units_per_product=units, proxy=flow.proxy,
                input=Input(flow.dataset, flow.amount * scale, label, flow.gsd)))
    flows.extend(_component_flows(part, scenario))
    flows = _electronics_flows(part, flows, scenario, _cell_kg(mappings))
    return PartInventory(mappings, tuple(flows), tuple(gaps_found), eol, moulded, board,
                         process_kg)


def _supplier_pcf_inventory(part: PartDesign, rules: RuleSet, scenario: Scenario
                            ) -> PartInventory:
    """A part whose supplier PCF (cradle to the supplier's gate) replaces its modelled materials,
    counted components and forming processes; its end of life is still modelled from the
    declared materials, which the supplier's gate does not cover."""
    use = part.supplier_pcf
    assert use is not None
    modelled = _part_inventory(replace(part, supplier_pcf=None), rules, scenario)
    amount = use.amount_per_part(part.own_mass_g)
    if amount is None:
        gap = DataGap(part.part_number, "no mass",
                      f"supplier PCF {use.pcf_id} is per kilogram but the part has no mass", None)
        return replace(modelled, flows=(), gaps=(gap,), moulded_kg=0.0, board_m2=0.0,
                       process_kg={})
    label = (f"supplier PCF {use.pcf_id} ({use.company_name}): {amount:g} {use.unit} × "
             f"{use.kg_co2e_per_unit:g} kg CO2e per {use.unit}")
    flow = MaterialFlow(part_number=part.part_number, material=f"supplier PCF {use.pcf_id}",
                        rule_id=f"supplier-pcf:{use.pcf_id}",
                        units_per_product=part.units_per_product, proxy=False,
                        input=Input(use.dataset, amount, label))
    return replace(modelled, flows=(flow,), gaps=(), moulded_kg=0.0, board_m2=0.0,
                   process_kg={})


def _component_flows(part: PartDesign, scenario: Scenario) -> list[MaterialFlow]:
    """Per-unit flows of a part's counted components (``part_components`` in the scenario):
    e.g. 12 IC packages × ic.package.per_unit, on top of the part's materials by mass."""
    components = scenario.part_components.get(part.part_number)
    if components is None:
        return []
    flows = []
    for kind, count in sorted(components.counts.items()):
        if not count:
            continue
        dataset = scenario.component_datasets[kind]
        label = f"{count:g} {kind.replace('_', ' ')} per part × {dataset}"
        flows.append(MaterialFlow(
            part_number=part.part_number, material=kind.replace("_", " "),
            rule_id=f"component:{kind}", units_per_product=part.units_per_product, proxy=False,
            input=Input(dataset, count, label)))
    return flows


def _cell_kg(mappings: tuple[MaterialMapping, ...]) -> float:
    """Mass of the materials on the lithium-ion cell rules, per unit of the part (for the
    electronics battery model's cell-mass basis)."""
    prefixes = cell_rule_prefixes()
    return sum((m.material.mass_g or 0.0) / 1000.0 for m in mappings
               if (m.rule_id or "").startswith(prefixes))


def _electronics_flows(part: PartDesign, flows: list[MaterialFlow], scenario: Scenario,
                       cell_kg: float = 0.0) -> list[MaterialFlow]:
    """The part's electronics models (``part_electronics`` in the scenario): the mapped flows a
    model supersedes are dropped and the model's flows added (``lca_engine.electronics``)."""
    spec = scenario.part_electronics.get(part.part_number)
    if spec is None:
        return flows
    board_m2 = sum(f.input.amount for f in flows if f.rule_id.startswith("pcb-laminate"))
    kept = [f for f in flows
            if not replaced(spec, f.rule_id, f.input.dataset, f.material)]
    for model_flow in part_model_flows(spec, scenario.electronics, scenario.grid, board_m2,
                                       part.part_number, cell_kg):
        kept.append(MaterialFlow(
            part_number=part.part_number, material=model_flow.component,
            rule_id=f"electronics:{model_flow.component}",
            units_per_product=part.units_per_product, proxy=False,
            input=Input(model_flow.dataset, model_flow.amount, model_flow.label,
                        model_flow.gsd)))
    return kept


def _allocated(mapping: MaterialMapping, rules: RuleSet, scenario: Scenario
               ) -> tuple[MappedFlow, ...]:
    """The mapping's flows under the scenario's allocation: cut-off as mapped, or the PEF
    Circular Footprint Formula's material part for mass-based materials with a recycled dataset:

        (1 − R1)·Ev + R1·(A·Erec + (1 − A)·Ev·Qsin/Qp) + (1 − A)·R2·(ErecEoL − E*v·Qsout/Qp)

    with ErecEoL taken as the recycled dataset and E*v as the virgin one (stated in the flow's
    derivation). Negative amounts are credits for virgin material displaced at end of life.
    """
    cff = scenario.cff
    rule = rules.by_id.get(mapping.rule_id or "")
    if scenario.allocation != "cff" or cff is None or rule is None or rule.basis != "mass":
        return mapping.flows
    recycled = rule.recycled.get(mapping.material.recycled_kind or "") or rule.recycled.get("*")
    if recycled is None or rule.dataset is None:
        return mapping.flows
    # a filled compound: the formula applies to its resin; the split-off filler keeps its flow
    kg = (mapping.material.mass_g or 0.0) / 1000.0 * (1.0 - mapping.filler_share)
    fillers = tuple(flow for flow in mapping.flows if flow.fraction == "filler")
    resin = f" of resin ({mapping.filler_share:.4g} filler split off)" if fillers else ""
    r1 = mapping.material.recycled_share if mapping.material.recycled_kind else 0.0
    a = cff.value(cff.A, rule.id)
    r2 = cff.value(cff.R2, rule.id)
    virgin = (1 - r1) + r1 * (1 - a) * cff.qsin_qp - (1 - a) * r2 * cff.qsout_qp
    from_recycling = r1 * a + (1 - a) * r2
    text = (f"CFF: R1 {r1:g}, A {a:g}, R2 {r2:g}, Qsin/Qp {cff.qsin_qp:g}, "
            f"Qsout/Qp {cff.qsout_qp:g}")
    return (MappedFlow(rule.dataset, kg * virgin, "virgin", f"{kg * 1000:g} g{resin} × "
                       f"{virgin:.6g} ({text})", rule.proxy, rule.gsd),
            MappedFlow(recycled, kg * from_recycling, "recycled", f"{kg * 1000:g} g{resin} × "
                       f"{from_recycling:.6g} ({text}; ErecEoL as the recycled dataset)",
                       rule.proxy, rule.gsd),
            *fillers)


def material_flows(design: Design, rules: RuleSet
                   ) -> tuple[dict[str, list[MaterialMapping]], list[MaterialFlow], list[DataGap]]:
    mappings: dict[str, list[MaterialMapping]] = {}
    flows: list[MaterialFlow] = []
    gaps: list[DataGap] = []
    for part in design.parts:
        inventory = part_inventory(part, rules, design.scenario)
        if part.materials is not None:
            mappings[part.part_number] = list(inventory.mappings)
        flows.extend(inventory.flows)
        gaps.extend(inventory.gaps)
    return mappings, flows, gaps


# -- step 2: the other stages -----------------------------------------------------------------

def stage_exchanges(design: Design, rules: RuleSet
                    ) -> tuple[dict[str, list[Input]], dict[str, float]]:
    scenario = design.scenario
    inventories = [part_inventory(p, rules, scenario) for p in design.parts]
    board_m2 = sum(i.board_m2 for i in inventories)
    reflow_kwh = (board_m2 * scenario.smt_sides * scenario.smt_oven_hours_per_m2
                  * scenario.reflow_kw[scenario.solder])
    moulded_kg = sum(i.moulded_kg for i in inventories)
    moulding_kwh = moulded_kg * scenario.moulding_kwh_per_kg
    process_kg: dict[str, float] = {}
    for inventory in inventories:
        for name, kg in inventory.process_kg.items():
            process_kg[name] = process_kg.get(name, 0.0) + kg
    process_kwh = {name: kg * scenario.process_kwh_per_kg[name]
                   for name, kg in sorted(process_kg.items())}
    forming_kwh = sum(process_kwh.values())
    factory_kwh = scenario.assembly_kwh_per_unit + reflow_kwh + moulding_kwh + forming_kwh
    product_t = design.mass_g / 1e6
    kw = scenario.reflow_kw[scenario.solder]
    factory_label = (
        f"factory electricity: assembly {scenario.assembly_kwh_per_unit:g} kWh"
        f" + SMT reflow {reflow_kwh:.4g} kWh ({board_m2:.4g} m² × {scenario.smt_sides} sides"
        f" × {scenario.smt_oven_hours_per_m2:g} h/m² × {kw:g} kW, {scenario.solder})"
        f" + moulding {moulding_kwh:.4g} kWh ({moulded_kg:.4g} kg"
        f" × {scenario.moulding_kwh_per_kg:g} kWh/kg)"
        + "".join(f" + {name} {process_kwh[name]:.4g} kWh ({kg:.4g} kg"
                  f" {scenario.process_basis.get(name, 'part')}"
                  f" × {scenario.process_kwh_per_kg[name]:g} kWh/kg)"
                  for name, kg in sorted(process_kg.items())))
    stages: dict[str, list[Input]] = {
        "manufacturing": [Input("@factory-electricity", factory_kwh, factory_label)],
        "distribution": [Input(scenario.transport_modes[leg.mode],
                               product_t * leg.km * leg.share,
                               f"{leg.mode} {leg.km:g} km × {product_t:.6g} t"
                               + (f" × {leg.share:g} of units" if leg.share != 1 else "")
                               + (f" ({leg.note})" if leg.note else ""))
                         for leg in scenario.legs],
        "use": [Input(scenario.grid(scenario.use_region), scenario.use_kwh,
                      f"{scenario.tec_kwh_per_year:g} kWh/yr × {scenario.lifetime_years:g} yr "
                      f"in {scenario.use_region}")],
    }
    eol: dict[str, float] = {}
    for inventory in inventories:
        for dataset, kg in inventory.eol_kg.items():
            eol[dataset] = eol.get(dataset, 0.0) + kg
    stages["end_of_life"] = [Input(d, kg, f"{kg:.6g} kg to {d}") for d, kg in sorted(eol.items())]
    quantities = {"board_area_m2": board_m2, "reflow_kwh": reflow_kwh,
                  "moulded_plastic_kg": moulded_kg, "moulding_kwh": moulding_kwh,
                  "process_kwh": forming_kwh,
                  **{f"process_kg.{n}": kg for n, kg in sorted(process_kg.items())},
                  **{f"process_kwh.{n}": kwh for n, kwh in process_kwh.items()},
                  "factory_kwh": factory_kwh, "use_kwh": scenario.use_kwh,
                  "product_mass_kg_incl_packaging": design.mass_g / 1000.0}
    return stages, quantities


def build_model(design: Design, rules: RuleSet, variant: str | None = None) -> ProductModel:
    mappings, flows, gaps = material_flows(design, rules)
    stages, quantities = stage_exchanges(design, rules)
    return ProductModel(product_number=design.product_number, name=design.name,
                        scenario=design.scenario, parts=design.parts, mappings=mappings,
                        flows=flows, stages=stages, gaps=gaps, mass_g=design.mass_g,
                        packaging_mass_g=design.packaging_mass_g, quantities=quantities,
                        variant=variant)


# -- step 3: the Brightway payload -----------------------------------------------------------

def _exchange(database: str, code: str, amount: float, gsd: float | None = None
              ) -> dict[str, Any]:
    exchange: dict[str, Any] = {"input": (database, code), "amount": amount,
                                "type": "technosphere"}
    if gsd and amount > 0:
        exchange.update({"uncertainty type": 2, "loc": math.log(amount), "scale": math.log(gsd)})
    return exchange


def exchange_key(dataset: str, amount: float) -> tuple[str, bool]:
    """What makes two inputs of one activity one written exchange: the same input and the same
    sign (``_merged`` merges them; ``compiled`` groups its rows by the same key). Inputs with
    different uncertainties are merged too: Brightway would sum two exchanges into one matrix
    entry itself, in float32."""
    return dataset, amount > 0


def merged_sigma(parts: list[tuple[float, float]]) -> float:
    """ln gsd of one lognormal standing for a sum of independent lognormal amounts
    ``(median a_i, σ_i)`` (σ 0: exact), centred on the sum A of the medians: its variance
    A²·x·(x − 1), x = exp(σ²), is matched to Σ a_i²·exp(σ_i²)·(exp(σ_i²) − 1), so
    x = (1 + sqrt(1 + 4V/A²)) / 2. Only Brightway's own sampling of the written product uses it;
    the compiled Monte Carlo draws every input on its own (``lca_engine.compiled``)."""
    total = math.fsum(a for a, _ in parts)
    variance = math.fsum(a * a * math.exp(s * s) * math.expm1(s * s) for a, s in parts if s > 0)
    if total <= 0 or variance <= 0:
        return 0.0
    x = (1.0 + math.sqrt(1.0 + 4.0 * variance / (total * total))) / 2.0
    return math.sqrt(math.log(x))


def _merged(exchanges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One exchange per (input, sign), its amount the float64 sum of the inputs, its comment
    theirs joined and its uncertainty the lognormal of ``merged_sigma``. Brightway would
    otherwise sum duplicate exchanges itself, in float32 and in an order its sparse-matrix code
    does not fix, so the stored amount could not be reproduced exactly by the compiled product
    (``lca_engine.compiled``)."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    spreads: dict[tuple[Any, ...], list[tuple[float, float]]] = {}
    for exchange in exchanges:
        key = (exchange["input"], *exchange_key("", exchange["amount"])[1:])
        spread = (exchange["amount"], float(exchange.get("scale") or 0.0))
        kept = merged.get(key)
        if kept is None:
            merged[key] = dict(exchange)
            spreads[key] = [spread]
            continue
        spreads[key].append(spread)
        kept["amount"] += exchange["amount"]
        if exchange.get("comment"):
            kept["comment"] = "; ".join(c for c in (kept.get("comment"), exchange["comment"])
                                        if c)
    for key, parts in spreads.items():
        if len(parts) == 1 or not any(s for _, s in parts):
            continue
        kept = merged[key]
        sigma = merged_sigma(parts) if kept["amount"] > 0 else 0.0
        if sigma > 0:
            kept.update({"uncertainty type": 2, "loc": math.log(kept["amount"]),
                         "scale": sigma})
        else:
            for field in ("uncertainty type", "loc", "scale"):
                kept.pop(field, None)
    return list(merged.values())


def _activity(name: str, code: str, db: str, unit: str, exchanges: list[dict[str, Any]],
              **extra: Any) -> dict[str, Any]:
    return {"name": name, "reference product": name, "unit": unit, "location": "GLO",
            "type": "process",
            "exchanges": [{"input": (db, code), "amount": 1.0, "type": "production"},
                          *_merged(exchanges)], **extra}


def _resolve(dataset: str) -> tuple[str, str]:
    """Background key, or ``database::code`` for a user database (e.g. ecoinvent)."""
    if "::" in dataset:
        database, code = dataset.split("::", 1)
        return database, code
    return BACKGROUND, dataset


def foreground_data(model: ProductModel) -> dict[tuple[str, str], dict[str, Any]]:
    db, scenario = model.database, model.scenario
    data: dict[tuple[str, str], dict[str, Any]] = {}
    pv = scenario.pv_share
    grid_db, grid_code = _resolve(scenario.grid(scenario.factory_region))
    pv_db, pv_code = _resolve(scenario.pv_dataset)
    mix = []
    if pv < 1:
        mix.append({"input": (grid_db, grid_code), "amount": 1 - pv, "type": "technosphere"})
    if pv > 0:
        mix.append({"input": (pv_db, pv_code), "amount": pv, "type": "technosphere"})
    data[(db, "factory-electricity")] = _activity(
        f"Factory electricity, {scenario.factory_region}, {pv:.0%} rooftop PV",
        "factory-electricity", db, "kilowatt hour", mix)

    by_part: dict[str, list[dict[str, Any]]] = {}
    for flow in model.flows:
        source_db, code = _resolve(flow.input.dataset)
        by_part.setdefault(flow.part_number, []).append(
            {**_exchange(source_db, code, flow.input.amount, flow.input.gsd),
             "comment": flow.input.label})
    children: dict[str | None, list[PartDesign]] = {}
    for part in model.parts:
        children.setdefault(part.parent, []).append(part)
    for part in model.parts:
        exchanges = list(by_part.get(part.part_number, []))
        exchanges += [_exchange(db, f"part:{c.part_number}", c.quantity)
                      for c in children.get(part.part_number, [])]
        data[(db, f"part:{part.part_number}")] = _activity(
            f"{part.part_number} {part.name or ''}".strip(), f"part:{part.part_number}", db,
            "unit", exchanges, gscdm={"category": part.category})

    stage_inputs: dict[str, list[dict[str, Any]]] = {
        "materials": [_exchange(db, f"part:{p.part_number}", p.quantity)
                      for p in children.get(None, [])]}
    for stage, inputs in model.stages.items():
        stage_inputs[stage] = [
            {**(_exchange(db, "factory-electricity", i.amount) if i.dataset.startswith("@")
                else _exchange(*_resolve(i.dataset), i.amount)), "comment": i.label}
            for i in inputs]
    for stage in STAGES:
        data[(db, f"stage:{stage}")] = _activity(
            f"{model.product_number}, life-cycle stage: {stage}", f"stage:{stage}", db, "unit",
            stage_inputs.get(stage, []))
    data[(db, "product")] = _activity(
        scenario.functional_unit.format(product=model.name or model.product_number,
                                        lifetime_years=f"{scenario.lifetime_years:g}"),
        "product", db, "unit", [_exchange(db, f"stage:{s}", 1.0) for s in STAGES])
    return data
