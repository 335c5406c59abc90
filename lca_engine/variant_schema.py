"""The schema of a design-variant file: its top-level keys and each kind of change.

A variant file is ``{name, description, params, changes: [...]}``; each change is a mapping with
exactly one key, the kind of change (``recycled``, ``substitute``, ``replace``, ``remove``,
``scale``, ``scenario``). ``variants.parse_variant`` checks the top level against
``VariantFile`` and each change, after its ``${param}`` placeholders are substituted, against
``ChangeSpec``; a ``scenario`` change is a scenario layer (``scenario_schema.ScenarioLayer``).
Meaning (a selector that selects nothing, shares within 0–100 %, kinds of recycled content) is
checked by ``variants`` itself.

How to add a change kind: a ``StrictModel`` for its fields here, an optional field of that type
on ``ChangeSpec``, and its function in ``variants._change``.
"""

from __future__ import annotations

from typing import Any

from pydantic import model_validator

from .input_schema import StrictModel
from .scenario_schema import ScenarioLayer

#: a share is 0–1 or a percentage text such as "75%" (read by ``variants._share``)
Share = float | str


class SelectorSpec(StrictModel):
    part: str | None = None  # glob on part numbers
    category: str | None = None  # BoM category
    material: str | None = None  # regex on material names
    group: str | None = None  # regex on material groups


class RecycledSpec(StrictModel):
    kind: str | None = None
    share: Share | None = None


class MaterialSpec(StrictModel):
    """A material put in place of the selected ones (``substitute.to``, ``replace.materials``)."""

    name: str
    group: str | None = None
    mass_ratio: float | None = None
    mass_g: float | None = None
    recycled: RecycledSpec | None = None


class RecycledChange(StrictModel):
    select: SelectorSpec
    kind: str | None = None
    share: Share


class SubstituteChange(StrictModel):
    select: SelectorSpec
    to: MaterialSpec
    mass_ratio: float | None = None


class ReplaceChange(StrictModel):
    select: SelectorSpec
    materials: list[MaterialSpec]


class RemoveChange(StrictModel):
    select: SelectorSpec


class ScaleChange(StrictModel):
    select: SelectorSpec
    factor: float


class ChangeSpec(StrictModel):
    """One change: exactly one of the fields below."""

    recycled: RecycledChange | None = None
    substitute: SubstituteChange | None = None
    replace: ReplaceChange | None = None
    remove: RemoveChange | None = None
    scale: ScaleChange | None = None
    scenario: ScenarioLayer | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ChangeSpec:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("each change has exactly one of recycled, substitute, replace, "
                             f"remove, scale, scenario (got {', '.join(given) or 'none'})")
        return self


class VariantFile(StrictModel):
    """The top level of a variant file (changes are checked one by one after substitution)."""

    name: str | None = None
    description: str | None = None
    #: default values of the ``${name}`` placeholders (``gscdm sweep --param`` overrides one)
    params: dict[str, Any] | None = None
    changes: list[Any]


__all__ = ["ChangeSpec", "VariantFile"]
