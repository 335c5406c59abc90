"""Chip passives per piece by case size: count × the per-piece row of the kind and size
(``data/electronics/passives.yaml``; values from DeltaLCA, Zhang et al. 2024). Counted MLCCs
replace the per-kg MLCC flows the FMD's materials were mapped to, so they are not charged twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._data import load
from .flows import ModelFlow
from .spec import PassiveKind


class PassiveModelError(ValueError):
    """A kind or case size with no per-piece row (the message lists the known ones)."""


def passive_dataset(kind: str, case_size: str) -> str:
    kinds = load("passives")["kinds"]
    if kind not in kinds:
        raise PassiveModelError(f"passive kind {kind!r} is not one of {', '.join(kinds)} "
                                "(data/electronics/passives.yaml)")
    sizes = kinds[kind]
    if case_size not in sizes:
        raise PassiveModelError(f"{kind} case size {case_size!r} has no per-piece row; known: "
                                f"{', '.join(sizes)} (data/electronics/passives.yaml)")
    return str(sizes[case_size])


def replaced_rule_prefixes(kinds: Iterable[str]) -> tuple[str, ...]:
    """The mapping rules superseded by the counted kinds (e.g. MLCC counts → passive-mlcc)."""
    table = load("passives")["replaces_rules"]
    return tuple(str(rule) for kind in kinds for rule in table.get(kind, ()))


def passive_flows(counts: Mapping[PassiveKind, Mapping[str, int]]) -> list[ModelFlow]:
    """One flow per kind and case size: ``count`` pieces of its per-piece row."""
    flows: list[ModelFlow] = []
    for kind, sizes in counts.items():
        for size, count in sizes.items():
            dataset = passive_dataset(kind, size)
            flows.append(ModelFlow(dataset, float(count),
                                   f"{count} × {size} {kind} × {dataset}", f"passive:{kind}"))
    return flows
