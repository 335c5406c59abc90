"""The common output of the electronics models: background inputs per unit of a part."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ModelFlow:
    """``amount`` (dataset unit) of background ``dataset`` per unit of the part, with the
    arithmetic in ``label`` and the model component it belongs to (``die:soc``, ``memory:dram``,
    ``display``, ``board``) for the reconciliation by component class.

    ``gsd``: the lognormal geometric standard deviation of the amount itself (the engineering
    parameters behind it, e.g. kWh per m² of panel fab, stated with their basis in the data
    file), or None where the amount is exact (a count, a declared area or mass). The Monte Carlo
    draws it on the exchange, centred on ``amount``, independently of the dataset's own gsd."""

    dataset: str
    amount: float
    label: str
    component: str
    gsd: float | None = None


def stated_gsd(raw: Any, where: str) -> float | None:
    """A data file's gsd (absent: None); a value below 1 is refused naming the entry."""
    if raw is None:
        return None
    gsd = float(raw)
    if not gsd >= 1.0:
        raise ValueError(f"{where}: a gsd is ≥ 1, not {raw!r}")
    return gsd


def combined_gsd(*gsds: float | None) -> float | None:
    """Independent lognormal factors of one amount: exp(sqrt(Σ ln² gsd)) (None: exact)."""
    total = math.fsum(math.log(g) ** 2 for g in gsds if g is not None and g > 1.0)
    return math.exp(math.sqrt(total)) if total > 0.0 else None
