"""The schema of a scenario layer: every key a scenario file (or a variant's ``scenario:``
change) may hold, and nothing else.

A layer is partial: the product's ``scenario.yaml``, a ``--scenario`` file and a variant's
scenario change each set only the keys they override, so every field is optional here. The
shipped ``data/scenarios/defaults.yaml`` is a layer too and is checked against the same model
(a test does so). Ranges, sums and cross references (a leg's mode is a key of
``transport_modes``; the end-of-life shares add up to 1) are checked after the merge by
``scenario.build_scenario``, which names the merged sources.

How to add a scenario key (e.g. ``semiconductor_basis`` or a new ``end_of_life`` option):
1. add a field to the model of the block it belongs to (top level: ``ScenarioLayer``; under
   ``factory:``: ``FactoryLayer``; a new block: a new ``StrictModel`` subclass and a field of
   that type on ``ScenarioLayer``). Give it a default of ``None`` so that a layer may leave it
   out, and a type as narrow as the key allows (``Literal[...]`` for a choice);
2. give it its documented default in ``data/scenarios/defaults.yaml``;
3. read it in ``scenario.build_scenario`` from the merged raw mapping (the models validate the
   layers; the ``Scenario`` dataclass is built from the merge) and check its range there.
A key that is not in these models is refused with the nearest valid key named, so an engine
key read in ``build_scenario`` but not declared here can never be set by a user.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .electronics.spec import ElectronicsSettings, PartElectronics
from .input_schema import StrictModel

#: a number (YAML number or numeric text); a variant's "${param}" placeholders are substituted
#: before its scenario change is validated
Number = float


class UseLayer(StrictModel):
    region: str | None = None
    tec_kwh_per_year: Number | None = None


class FactoryLayer(StrictModel):
    region: str | None = None
    pv_share: Number | None = None
    assembly_kwh_per_unit: Number | None = None
    solder: str | None = None
    smt_oven_hours_per_m2: Number | None = None
    smt_sides: Number | None = None
    moulding_kwh_per_kg: Number | None = None
    moulded_rules: list[str] | None = None
    not_moulded: str | None = None
    process_kwh_per_kg: dict[str, Number] | None = None
    process_basis: dict[str, Literal["part", "removed"]] | None = None


class PartProcessLayer(StrictModel):
    material_yield: Number | None = None
    applies_to: str | None = None
    process: str | list[str] | None = None
    note: str | None = None


class TransportLegLayer(StrictModel):
    mode: str
    km: Number
    #: the share of units that travel this leg (e.g. a launch volume flown); 1 when left out
    share: Number | None = None
    note: str | None = None


class DistributionLayer(StrictModel):
    legs: list[TransportLegLayer] | None = None


class EndOfLifeMixLayer(StrictModel):
    recycling: Number | None = None
    incineration: Number | None = None
    landfill: Number | None = None


class EndOfLifeLayer(StrictModel):
    region: str | None = None
    mix: EndOfLifeMixLayer | None = None


class CffLayer(StrictModel):
    """PEF Circular Footprint Formula parameters: rule-id pattern → value (``"*"`` required)."""

    A: dict[str, Number] | None = None
    R2: dict[str, Number] | None = None
    qsin_qp: Number | None = None
    qsout_qp: Number | None = None


class ScenarioLayer(StrictModel):
    """One scenario layer: the top-level keys of a scenario file."""

    version: str | None = None
    functional_unit: str | None = None
    lifetime_years: Number | None = None
    use: UseLayer | None = None
    factory: FactoryLayer | None = None
    #: part number → how the part is made
    part_processes: dict[str, PartProcessLayer] | None = None
    #: part number → {component kind: count per part, note: text}; the kinds are keys of
    #: component_datasets, checked after the merge (they are data, not schema)
    part_components: dict[str, dict[str, Number | str]] | None = None
    component_datasets: dict[str, str] | None = None
    distribution: DistributionLayer | None = None
    #: product_kind → the distribution legs of that kind when no layer but the defaults sets
    #: distribution (e.g. notebooks' air-freight share, a statistic of laptop imports)
    distribution_by_kind: dict[str, DistributionLayer] | None = None
    end_of_life: EndOfLifeLayer | None = None
    allocation: Literal["cut-off", "cff"] | None = None
    cff: CffLayer | None = None
    gwp_horizon: Literal["GWP100", "GWP20"] | None = None
    regions: dict[str, str] | None = None
    pv_dataset: str | None = None
    reflow_kw: dict[str, Number] | None = None
    transport_modes: dict[str, str] | None = None
    #: route → rule-id prefix → dataset key or list of keys
    eol_datasets: dict[Literal["recycling", "incineration", "landfill"],
                       dict[str, str | list[str]]] | None = Field(default=None)
    #: which published references the reconciliation compares with (notebook, monitor)
    product_kind: str | None = None
    #: engine-wide electronics settings and per-part component models (electronics/spec.py;
    #: node, generation and technology names are checked against the data files after the merge)
    electronics: ElectronicsSettings | None = None
    part_electronics: dict[str, PartElectronics] | None = None


__all__ = ["ScenarioLayer"]
