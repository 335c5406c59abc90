"""What a scenario says about a product's electronics, validated with pydantic (unknown keys are
errors naming the key).

Two scenario keys (documented in ``data/scenarios/defaults.yaml``):

``electronics``       engine-wide settings: the semiconductor basis, the fab and panel-fab regions,
                      the process-gas and F-gas abatement, the default node per IC class;
``part_electronics``  per part number: its logic ``dies``, ``memory``, ``display``, ``board`` and
                      chip ``passives`` counted by kind and case size, the ``battery`` basis.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator

from ..input_schema import StrictModel

SemiconductorBasis = Literal["fab", "die-area", "per-gb-high"]


class _Strict(StrictModel):
    """Unknown keys refused, as in every input schema (``input_schema.StrictModel``)."""


class ElectronicsSettings(_Strict):
    semiconductor_basis: SemiconductorBasis = "die-area"
    fab_region: str = "TW"
    # ACT publishes process-gas tables at these two abatement levels only
    process_gas_abatement: float = 0.95
    default_node: dict[str, str] = Field(default_factory=dict)
    display_fab_region: str = "TW"
    display_fgas_abatement: float = Field(0.9, ge=0.0, le=1.0)

    @field_validator("process_gas_abatement")
    @classmethod
    def _tabulated(cls, value: float) -> float:
        if value not in (0.95, 0.99):
            raise ValueError("process_gas_abatement must be 0.95 or 0.99 (ACT's two tables)")
        return value


class PackageSpec(_Strict):
    type: str
    substrate_mm2: float | None = Field(None, gt=0, le=10_000)
    layers: int | None = Field(None, ge=1, le=30)


class DieSpec(_Strict):
    name: str
    ic_class: str = Field(alias="class")
    area_mm2: float = Field(gt=0, le=900)  # 858 mm² is the lithography reticle limit
    count: int = Field(1, ge=1)
    node: str | None = None
    package: PackageSpec | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MemorySpec(_Strict):
    kind: Literal["dram", "nand"]
    capacity_gb: float = Field(gt=0)
    generation: str


class DisplaySpec(_Strict):
    technology: Literal["lcd", "oled"]
    diagonal_in: float = Field(gt=0, le=120)
    aspect: str = "16:9"

    @field_validator("aspect")
    @classmethod
    def _ratio(cls, value: str) -> str:
        parts = value.split(":")
        if len(parts) != 2 or not all(p.strip().replace(".", "", 1).isdigit() for p in parts):
            raise ValueError(f"aspect {value!r} must look like '16:10'")
        return value


class BoardSpec(_Strict):
    layers: int = Field(ge=1, le=40)
    construction: Literal["standard", "hdi", "any-layer"] = "standard"
    area_cm2: float | None = Field(None, gt=0)


PassiveKind = Literal["resistor", "capacitor", "inductor"]


class BatterySpec(_Strict):
    # cell-capacity: cathode → capacity × per-kWh (the mapping's default); cell-mass: cell
    # materials × per-kg meta-analysis median (data/electronics/batteries.yaml)
    basis: Literal["cell-capacity", "cell-mass"] = "cell-capacity"


class PartElectronics(_Strict):
    dies: tuple[DieSpec, ...] = ()
    memory: MemorySpec | None = None
    display: DisplaySpec | None = None
    board: BoardSpec | None = None
    # chip passives by kind and imperial case size ("0402") → pieces per part
    passives: dict[PassiveKind, dict[str, int]] = Field(default_factory=dict)
    battery: BatterySpec | None = None
    note: str = ""

    @field_validator("passives")
    @classmethod
    def _counts(cls, value: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        for kind, sizes in value.items():
            for size, count in sizes.items():
                if count < 0:
                    raise ValueError(f"{kind} {size}: a count must be ≥ 0, not {count}")
        return value


def _message(error: ValidationError, prefix: str) -> str:
    first = error.errors()[0]
    location = ".".join(str(p) for p in first["loc"])
    return f"{prefix}.{location}: {first['msg']}" if location else f"{prefix}: {first['msg']}"


def parse_electronics(settings: Any, parts: Any, where: str
                      ) -> tuple[ElectronicsSettings, dict[str, PartElectronics]]:
    """Validated ``electronics`` settings and ``part_electronics`` entries; ``ValueError`` names
    the file(s) and the key."""
    try:
        parsed = ElectronicsSettings.model_validate(settings or {})
    except ValidationError as exc:
        raise ValueError(_message(exc, f"{where}: electronics")) from None
    if parts is not None and not isinstance(parts, dict):
        raise ValueError(f"{where}: part_electronics must map part numbers to mappings")
    out: dict[str, PartElectronics] = {}
    for part, raw in (parts or {}).items():
        try:
            out[str(part)] = PartElectronics.model_validate(raw or {})
        except ValidationError as exc:
            raise ValueError(_message(exc, f"{where}: part_electronics.{part}")) from None
        _check_known(out[str(part)], parsed, f"{where}: part_electronics.{part}")
    return parsed, out


def _check_known(spec: PartElectronics, settings: ElectronicsSettings, where: str) -> None:
    """Nodes, generations and technologies must be ones the data files cover, so a typo fails
    when the scenario is read, not in the middle of a footprint."""
    from .dies import nodes
    from .displays import DisplayModelError, display_flows
    from .memory import density_gb_per_mm2
    from .packages import package_flows
    from .passives import PassiveModelError, passive_dataset

    for die in spec.dies:
        if die.node is None and die.ic_class not in settings.default_node:
            raise ValueError(f"{where}: die {die.name!r} has no node and class "
                             f"{die.ic_class!r} has no electronics.default_node (known classes: "
                             f"{', '.join(sorted(settings.default_node))})")
        node = die.node or settings.default_node[die.ic_class]
        if node not in nodes():
            raise ValueError(f"{where}: die {die.name!r}: node {node!r} is not one of "
                             f"{', '.join(nodes())} (data/electronics/dies.yaml)")
        try:
            package_flows(die)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    if spec.memory is not None:
        try:
            density_gb_per_mm2(spec.memory.kind, spec.memory.generation)
        except ValueError as exc:
            raise ValueError(f"{where}.memory: {exc}") from None
    for kind, sizes in spec.passives.items():
        for size in sizes:
            try:
                passive_dataset(kind, size)
            except PassiveModelError as exc:
                raise ValueError(f"{where}.passives: {exc}") from None
    if spec.display is not None:
        try:
            display_flows(spec.display, settings, "")
        except DisplayModelError as exc:
            raise ValueError(f"{where}.display: {exc}") from None
