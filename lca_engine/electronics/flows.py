"""The common output of the electronics models: background inputs per unit of a part."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ModelFlow:
    """``amount`` (dataset unit) of background ``dataset`` per unit of the part, with the
    arithmetic in ``label`` and the model component it belongs to (``die:soc``, ``memory:dram``,
    ``display``, ``board``) for the reconciliation by component class."""

    dataset: str
    amount: float
    label: str
    component: str
