"""Bare printed circuit boards: area × (per-layer factor × layers + base factor), with standard,
HDI and any-layer boards on their own background rows (``data/electronics/pcb.yaml``)."""

from __future__ import annotations

from ._data import load
from .flows import ModelFlow
from .spec import BoardSpec


def replaced_rule_prefixes() -> tuple[str, ...]:
    return tuple(load("pcb")["replaces_rules"])


def board_flows(spec: BoardSpec, area_m2: float) -> list[ModelFlow]:
    rows = load("pcb")["constructions"][spec.construction]
    basis = f"{area_m2:.5g} m² {spec.layers}-layer {spec.construction} board"
    return [
        ModelFlow(str(rows["per_layer"]), area_m2 * spec.layers,
                  f"{basis}: {area_m2:.5g} m² × {spec.layers} layers", "board"),
        ModelFlow(str(rows["base"]), area_m2, f"{basis}: {area_m2:.5g} m² base", "board"),
    ]
