"""Scenarios: everything beyond the bill of materials that a cradle-to-grave footprint needs.

Three layers, later ones winning key by key: the engine's documented defaults
(``data/scenarios/defaults.yaml``), the product's own scenario (``scenario.yaml`` next to its BoM
table), and a file given with ``--scenario``. The merged result is validated into a
``Scenario`` whose ``as_json()`` records every value used, so a footprint can be reproduced.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .electronics.spec import ElectronicsSettings, PartElectronics, parse_electronics
from .input_schema import InputSchemaError, read_yaml_mapping, validate
from .scenario_schema import ScenarioLayer

DEFAULTS_FILE = Path(__file__).with_name("data") / "scenarios" / "defaults.yaml"
PRODUCT_SCENARIO_FILENAME = "scenario.yaml"


class ScenarioError(ValueError):
    """A scenario value is missing or out of range (the message names the file and the key)."""


@dataclass(frozen=True, slots=True)
class TransportLeg:
    mode: str
    km: float
    note: str = ""
    #: share of the shipped mass that travels this leg (0–1): an air leg of 0.2 beside a sea
    #: leg of 0.8 states a 20 % air-freight share; 1 (the default) for every unit
    share: float = 1.0


@dataclass(frozen=True, slots=True)
class PartProcess:
    """How a part is made: ``applies_to`` (a regex on material names; empty = the part's
    heaviest material) is bought at 1 / ``material_yield`` of its final mass, and each of
    ``processes`` (keys of ``factory.process_kwh_per_kg``) draws factory electricity per kg of
    those materials: per kg of the finished part, or per kg removed for a ``removed`` basis
    (``factory.process_basis``; CNC machining removes 1 / yield − 1 kg per kg of part)."""

    material_yield: float = 1.0
    applies_to: str = ""
    note: str = ""
    processes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PartComponents:
    """Counted components of a part that a per-unit factor covers and its FMD cannot express
    (an FMD gives masses, not how many IC packages they make up): kind → count per part unit,
    each kind a key of ``component_datasets``."""

    counts: dict[str, float]
    note: str = ""


@dataclass(frozen=True, slots=True)
class CffParameters:
    """The PEF Circular Footprint Formula's material parameters (Recommendation (EU) 2021/2279).

    ``A`` (allocation of burdens and credits between supplier and user of recycled material)
    and ``R2`` (share of the material recycled at end of life) are keyed by mapping-rule id
    patterns (``fnmatch``; ``"*"`` is required as the fall-back). The quality ratios default to
    1. PEF Annex C lists A per material; the engine ships no values of its own, so every A and
    R2 used is one the user stated.
    """

    A: dict[str, float]
    R2: dict[str, float]
    qsin_qp: float = 1.0
    qsout_qp: float = 1.0

    def value(self, table: dict[str, float], rule_id: str) -> float:
        import fnmatch

        for pattern, number in table.items():
            if pattern != "*" and fnmatch.fnmatchcase(rule_id, pattern):
                return number
        return table["*"]


@dataclass(frozen=True, slots=True)
class Scenario:
    functional_unit: str
    lifetime_years: float
    use_region: str
    tec_kwh_per_year: float
    factory_region: str
    pv_share: float
    assembly_kwh_per_unit: float
    solder: str
    smt_oven_hours_per_m2: float
    smt_sides: int
    moulding_kwh_per_kg: float
    moulded_rules: tuple[str, ...]
    not_moulded: str
    part_processes: dict[str, PartProcess]
    #: per part number: counted components (e.g. IC packages), charged per unit
    part_components: dict[str, PartComponents]
    #: component kind → per-unit background dataset (e.g. ic_packages → ic.package.per_unit)
    component_datasets: dict[str, str]
    #: factory electricity of a part's forming processes, kWh per kg (cited in defaults.yaml)
    process_kwh_per_kg: dict[str, float]
    #: per process: "part" (kg of finished part, the default) or "removed" (kg cut away)
    process_basis: dict[str, str]
    legs: tuple[TransportLeg, ...]
    eol_region: str
    eol_mix: dict[str, float]
    allocation: str
    gwp_horizon: str
    regions: dict[str, str]
    pv_dataset: str
    reflow_kw: dict[str, float]
    transport_modes: dict[str, str]
    #: route → rule-id prefix → dataset keys; every dataset listed is charged per kg (e.g.
    #: WEEE collection transport and mechanical treatment for the recycling route)
    eol_datasets: dict[str, dict[str, tuple[str, ...]]]
    sources: tuple[str, ...] = field(default=())
    #: the raw layers merged over the defaults, so a variant can override any key and rebuild
    layers: tuple[dict[str, Any], ...] = field(default=(), repr=False, compare=False)
    #: PEF Circular Footprint Formula parameters (allocation "cff"), as stated by the user
    cff: CffParameters | None = None
    #: electronics models (lca_engine.electronics): engine-wide settings and per-part specs
    electronics: ElectronicsSettings = field(default_factory=ElectronicsSettings)
    part_electronics: dict[str, PartElectronics] = field(default_factory=dict)
    #: what the product is (notebook, monitor, ...): selects the references of the method
    #: comparison (lca_engine.reconciliation); None shows the classes without references
    product_kind: str | None = None

    @property
    def use_kwh(self) -> float:
        return self.tec_kwh_per_year * self.lifetime_years

    def grid(self, region: str) -> str:
        try:
            return self.regions[region]
        except KeyError:
            raise ScenarioError(f"unknown region {region!r}; known: "
                                f"{', '.join(sorted(self.regions))}") from None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("layers")
        data["use_kwh"] = self.use_kwh
        data["electronics"] = self.electronics.model_dump(mode="json")
        data["part_electronics"] = {part: spec.model_dump(mode="json", by_alias=True)
                                    for part, spec in self.part_electronics.items()}
        return data

    def allocation_parameters(self) -> dict[str, Any] | None:
        """The CFF parameters in use (``None`` under cut-off), as JSON values."""
        if self.allocation != "cff" or self.cff is None:
            return None
        return {"A": dict(self.cff.A), "R2": dict(self.cff.R2), "qsin_qp": self.cff.qsin_qp,
                "qsout_qp": self.cff.qsout_qp}

    def with_overrides(self, override: dict[str, Any], source: str) -> Scenario:
        """This scenario with ``override`` merged on top (what a variant's scenario change does)."""
        return build_scenario(*self.layers, override, sources=(*self.sources, source))


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` merged into a copy of ``base``, nested mappings key by key."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@cache
def _defaults() -> dict[str, Any]:
    # the shipped defaults are a layer like any other: a misspelt key there is an engine bug
    content = read_scenario_file(DEFAULTS_FILE)
    return content


def read_scenario_file(path: Path) -> dict[str, Any]:
    """A scenario layer from ``path``, checked against ``ScenarioLayer`` (unknown keys are
    errors naming the file, the line, the key and the nearest valid key)."""
    try:
        content, text = read_yaml_mapping(path, "scenario")
        validate(ScenarioLayer, content, str(path), text)
    except InputSchemaError as exc:
        raise ScenarioError(str(exc)) from None
    return content


def check_layer(layer: Any, source: str) -> None:
    """Refuse a scenario layer (a mapping of keys) that does not fit ``ScenarioLayer``."""
    try:
        validate(ScenarioLayer, layer, source)
    except InputSchemaError as exc:
        raise ScenarioError(str(exc)) from None


def _number(raw: dict[str, Any], path: str, low: float, high: float, where: str) -> float:
    node: Any = raw
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise ScenarioError(f"{where}: missing {path!r}")
        node = node[key]
    try:
        value = float(node)
    except (TypeError, ValueError):
        raise ScenarioError(f"{where}: {path!r} = {node!r} is not a number") from None
    if not low <= value <= high:
        raise ScenarioError(f"{where}: {path!r} = {value:g} is outside {low:g}–{high:g}")
    return value


def _distribution_legs(raw: dict[str, Any], layers: tuple[dict[str, Any], ...]
                       ) -> list[dict[str, Any]]:
    """The legs in force: a layer's own ``distribution.legs`` win; otherwise the defaults' legs
    for the scenario's ``product_kind`` (``distribution_by_kind``), else the defaults' legs. A
    modal split measured for one kind of product (laptop imports) is not carried over to
    another."""
    if any((layer.get("distribution") or {}).get("legs") is not None for layer in layers):
        return list(raw["distribution"]["legs"])
    by_kind = (raw.get("distribution_by_kind") or {}).get(raw.get("product_kind") or "")
    if by_kind and by_kind.get("legs") is not None:
        return list(by_kind["legs"])
    return list((raw.get("distribution") or {}).get("legs") or [])


def build_scenario(*layers: dict[str, Any], sources: tuple[str, ...] = ()) -> Scenario:
    """Validate the merge of the defaults and ``layers`` (later layers win)."""
    raw = _defaults()
    for index, layer in enumerate(layers):
        check_layer(layer, sources[index] if index < len(sources) else f"layer {index + 1}")
        raw = deep_merge(raw, layer)
    where = " + ".join(("defaults", *sources)) if sources else "defaults"
    use, factory, eol = raw.get("use", {}), raw.get("factory", {}), raw.get("end_of_life", {})
    mix = {str(k): float(v) for k, v in (eol.get("mix") or {}).items()}
    if set(mix) - {"recycling", "incineration", "landfill"}:
        raise ScenarioError(f"{where}: end_of_life.mix routes are recycling, incineration, "
                            f"landfill; got {sorted(mix)}")
    if any(v < 0 for v in mix.values()) or abs(sum(mix.values()) - 1.0) > 1e-6:
        raise ScenarioError(f"{where}: end_of_life.mix shares must be ≥ 0 and add up to 1 "
                            f"(they add up to {sum(mix.values()):g})")
    legs = []
    modes = raw.get("transport_modes", {})
    for index, leg in enumerate(_distribution_legs(raw, layers)):
        mode = str(leg.get("mode", ""))
        if mode not in modes:
            raise ScenarioError(f"{where}: distribution.legs[{index}].mode {mode!r} is not one "
                                f"of {', '.join(sorted(modes))}")
        km = _number(leg, "km", 0, 50_000, f"{where}: distribution.legs[{index}]")
        share = (_number(leg, "share", 0, 1, f"{where}: distribution.legs[{index}]")
                 if "share" in leg else 1.0)
        legs.append(TransportLeg(mode, km, str(leg.get("note", "")), share))
    process_kwh = {str(k): _number(factory.get("process_kwh_per_kg") or {}, str(k), 0, 1000,
                                  f"{where}: factory.process_kwh_per_kg")
                   for k in (factory.get("process_kwh_per_kg") or {})}
    process_basis = {name: str((factory.get("process_basis") or {}).get(name, "part"))
                     for name in process_kwh}
    for name, basis in process_basis.items():
        if basis not in {"part", "removed"}:
            raise ScenarioError(f"{where}: factory.process_basis.{name} is {basis!r}; use "
                                "'part' or 'removed'")
    part_processes = {}
    for part, spec in (raw.get("part_processes") or {}).items():
        if not isinstance(spec, dict):
            raise ScenarioError(f"{where}: part_processes.{part} must be a mapping")
        material_yield = (_number(spec, "material_yield", 0.01, 1.0, f"{where}: part {part}")
                          if "material_yield" in spec else 1.0)
        named = spec.get("process") or ()
        processes = (named,) if isinstance(named, str) else tuple(str(n) for n in named)
        for name in processes:
            if name not in process_kwh:
                raise ScenarioError(f"{where}: part {part}: process {name!r} is not one of "
                                    f"{', '.join(sorted(process_kwh))} "
                                    "(factory.process_kwh_per_kg)")
        part_processes[str(part)] = PartProcess(material_yield, str(spec.get("applies_to", "")),
                                                str(spec.get("note", "")), processes)
    component_datasets = {str(k): str(v) for k, v in
                          (raw.get("component_datasets") or {}).items()}
    part_components = {}
    for part, spec in (raw.get("part_components") or {}).items():
        if not isinstance(spec, dict):
            raise ScenarioError(f"{where}: part_components.{part} must be a mapping")
        counts = {}
        for kind in spec:
            if kind == "note":
                continue
            if kind not in component_datasets:
                raise ScenarioError(f"{where}: part_components.{part}.{kind} is not one of "
                                    f"{', '.join(sorted(component_datasets))} "
                                    "(component_datasets)")
            counts[str(kind)] = _number(spec, kind, 0, 100_000, f"{where}: part {part}")
        part_components[str(part)] = PartComponents(counts, str(spec.get("note", "")))
    try:
        electronics, part_electronics = parse_electronics(
            raw.get("electronics"), raw.get("part_electronics"), where)
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
    solder = str(factory.get("solder", "SAC305"))
    if solder not in raw.get("reflow_kw", {}):
        raise ScenarioError(f"{where}: factory.solder {solder!r} is not one of "
                            f"{', '.join(raw.get('reflow_kw', {}))}")
    scenario = Scenario(
        functional_unit=str(raw["functional_unit"]),
        lifetime_years=_number(raw, "lifetime_years", 0.1, 30, where),
        use_region=str(use.get("region")),
        tec_kwh_per_year=_number(raw, "use.tec_kwh_per_year", 0, 100_000, where),
        factory_region=str(factory.get("region")),
        pv_share=_number(raw, "factory.pv_share", 0, 1, where),
        assembly_kwh_per_unit=_number(raw, "factory.assembly_kwh_per_unit", 0, 10_000, where),
        solder=solder,
        smt_oven_hours_per_m2=_number(raw, "factory.smt_oven_hours_per_m2", 0, 100, where),
        smt_sides=int(_number(raw, "factory.smt_sides", 1, 2, where)),
        moulding_kwh_per_kg=_number(raw, "factory.moulding_kwh_per_kg", 0, 100, where),
        moulded_rules=tuple(factory.get("moulded_rules") or ()),
        not_moulded=str(factory.get("not_moulded", "")),
        part_processes=part_processes,
        part_components=part_components,
        component_datasets=component_datasets,
        process_kwh_per_kg=process_kwh,
        process_basis=process_basis,
        legs=tuple(legs),
        eol_region=str(eol.get("region")),
        eol_mix=mix,
        allocation=str(raw.get("allocation", "cut-off")),
        gwp_horizon=str(raw.get("gwp_horizon", "GWP100")),
        regions={str(k): str(v) for k, v in raw["regions"].items()},
        pv_dataset=str(raw["pv_dataset"]),
        reflow_kw={str(k): float(v) for k, v in raw["reflow_kw"].items()},
        transport_modes={str(k): str(v) for k, v in modes.items()},
        eol_datasets={str(r): {str(k): (str(v),) if isinstance(v, str)
                               else tuple(str(x) for x in v) for k, v in d.items()}
                      for r, d in raw["eol_datasets"].items()},
        sources=sources,
        layers=tuple(layers),
        cff=_cff(raw.get("cff"), where) if str(raw.get("allocation", "cut-off")) == "cff"
        else None,
        electronics=electronics,
        part_electronics=part_electronics,
        product_kind=str(raw["product_kind"]) if raw.get("product_kind") else None,
    )
    for region in (scenario.use_region, scenario.factory_region,
                   electronics.fab_region, electronics.display_fab_region):
        scenario.grid(region)
    if scenario.allocation not in {"cut-off", "cff"}:
        raise ScenarioError(f"{where}: allocation {scenario.allocation!r}: use 'cut-off' or "
                            "'cff' (PEF Circular Footprint Formula)")
    if scenario.gwp_horizon not in {"GWP100", "GWP20"}:
        raise ScenarioError(f"{where}: gwp_horizon must be GWP100 or GWP20")
    return scenario


def _cff(raw: Any, where: str) -> CffParameters:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: allocation 'cff' needs a 'cff' block stating A and R2 "
                            "(PEF Annex C values for your materials)")
    tables = {}
    for name in ("A", "R2"):
        table = raw.get(name)
        if not isinstance(table, dict) or "*" not in table:
            raise ScenarioError(f"{where}: cff.{name} must map rule patterns to values and "
                                "include '*'")
        tables[name] = {str(k): _number(table, str(k), 0, 1, f"{where}: cff.{name}")
                        for k in table}
    return CffParameters(A=tables["A"], R2=tables["R2"],
                         qsin_qp=_number(raw, "qsin_qp", 0, 1, where) if "qsin_qp" in raw else 1.0,
                         qsout_qp=_number(raw, "qsout_qp", 0, 1, where) if "qsout_qp" in raw
                         else 1.0)


def load_scenario(product_scenario: Path | None = None,
                  override: Path | None = None) -> Scenario:
    """Defaults, then the product's scenario file, then an override file (``--scenario``)."""
    layers, sources = [], []
    for path in (product_scenario, override):
        if path is not None and path.exists():
            layers.append(read_scenario_file(path))
            sources.append(str(path))
        elif path is override and path is not None:
            raise ScenarioError(f"{path}: scenario file not found")
    return build_scenario(*layers, sources=tuple(sources))
