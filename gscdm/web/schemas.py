"""Typed inputs of the workbench's API and forms (pydantic v2).

Every body, query and form the server accepts goes through one of these models, so a bad value
is an HTTP 422 that names the field (``loc``) before anything is computed or written. The change
models mirror the variant YAML grammar of ``lca_engine.variants`` one to one: ``model_dump``
of a ``DesignBody`` is exactly the mapping a variant file holds, which is how a design from the
explorer becomes a file that ``gscdm compare`` reads.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from fastapi import UploadFile
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from lca_engine.variants import VARIANT_KINDS

RecycledKind = Literal["PIC", "PCC", "CL-PCC", "OBP", "recycled-metal", "bio-based"]
assert set(RecycledKind.__args__) == set(VARIANT_KINDS)  # type: ignore[attr-defined]
Share = Annotated[float, Field(ge=0.0, le=1.0, description="fraction 0–1")]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(BaseModel):
    """Unknown keys are errors, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Select(Strict):
    """Which parts or materials a change applies to (at least one field)."""

    part: Annotated[str, Field(min_length=1, max_length=255,
                               description="glob on part numbers, e.g. NB14-?COV-01")] | None = None
    category: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    material: Annotated[str, Field(min_length=1, max_length=300,
                                   description="regex on material names")] | None = None
    group: Annotated[str, Field(min_length=1, max_length=300,
                                description="regex on material groups")] | None = None

    @field_validator("material", "group")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Select:
        if not any((self.part, self.category, self.material, self.group)):
            raise ValueError("select needs at least one of part, category, material, group")
        return self


class RecycledContent(Strict):
    kind: RecycledKind
    share: Share = 1.0


class NewMaterial(Strict):
    name: Name
    group: Annotated[str, Field(max_length=200)] | None = None
    mass_ratio: NonNegative | None = None
    mass_g: NonNegative | None = None
    recycled: RecycledContent | None = None


class RecycledSpec(Strict):
    select: Select
    kind: RecycledKind = "PCC"
    share: Share


class SubstituteSpec(Strict):
    select: Select
    to: NewMaterial
    mass_ratio: NonNegative = 1.0


class ReplaceSpec(Strict):
    select: Select
    materials: Annotated[list[NewMaterial], Field(min_length=1, max_length=20)]


class RemoveSpec(Strict):
    select: Select


class ScaleSpec(Strict):
    select: Select
    factor: NonNegative


class UseSpec(Strict):
    region: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    tec_kwh_per_year: Annotated[float, Field(ge=0, le=100_000)] | None = None


class FactorySpec(Strict):
    region: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    pv_share: Share | None = None
    solder: Literal["SAC305", "LTS"] | None = None
    assembly_kwh_per_unit: Annotated[float, Field(ge=0, le=10_000)] | None = None


class Leg(Strict):
    mode: Literal["truck", "sea", "air", "rail", "rail_diesel", "barge"]
    km: Annotated[float, Field(ge=0, le=50_000)]
    #: share of the units that travel this leg (an air share beside a sea share)
    share: Share | None = None
    note: Annotated[str, Field(max_length=200)] | None = None


class DistributionSpec(Strict):
    legs: Annotated[list[Leg], Field(min_length=1, max_length=20)]


class EolMix(Strict):
    recycling: Share
    incineration: Share
    landfill: Share

    @model_validator(mode="after")
    def _sums_to_one(self) -> EolMix:
        total = self.recycling + self.incineration + self.landfill
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"the end-of-life shares add up to {total:g}, not 1")
        return self


class EndOfLifeSpec(Strict):
    region: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    mix: EolMix | None = None


class ScenarioSpec(Strict):
    lifetime_years: Annotated[float, Field(gt=0, le=50)] | None = None
    use: UseSpec | None = None
    factory: FactorySpec | None = None
    distribution: DistributionSpec | None = None
    end_of_life: EndOfLifeSpec | None = None
    allocation: Literal["cut-off", "cff"] | None = None
    cff: dict[str, dict[str, Share]] | None = None


class RecycledChange(Strict):
    recycled: RecycledSpec


class SubstituteChange(Strict):
    substitute: SubstituteSpec


class ReplaceChange(Strict):
    replace: ReplaceSpec


class RemoveChange(Strict):
    remove: RemoveSpec


class ScaleChange(Strict):
    scale: ScaleSpec


class ScenarioChange(Strict):
    scenario: ScenarioSpec


CHANGE_KINDS = ("recycled", "substitute", "replace", "remove", "scale", "scenario")


def _change_kind(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return key if key in CHANGE_KINDS else None
    if isinstance(value, BaseModel):
        return next(iter(value.model_fields_set), None)
    return None


Change = Annotated[
    Annotated[RecycledChange, Tag("recycled")] | Annotated[SubstituteChange, Tag("substitute")]
    | Annotated[ReplaceChange, Tag("replace")] | Annotated[RemoveChange, Tag("remove")]
    | Annotated[ScaleChange, Tag("scale")] | Annotated[ScenarioChange, Tag("scenario")],
    Discriminator(_change_kind, custom_error_type="change_kind",
                  custom_error_message="each change is one mapping with one key: recycled, "
                                       "substitute, replace, remove, scale or scenario")]


class DesignBody(Strict):
    """A design: an ordered list of changes to the stored baseline (a variant file's content)."""

    name: Annotated[str, Field(min_length=1, max_length=80)] = "Explorer design"
    description: Annotated[str, Field(max_length=2000)] = ""
    params: dict[Annotated[str, Field(pattern=r"^\w+$")], float | int | str] | None = None
    changes: Annotated[list[Change], Field(max_length=200)]

    def variant(self) -> dict[str, Any]:
        """The mapping a variant YAML holds (what ``lca_engine.variants.parse_variant`` reads)."""
        return self.model_dump(exclude_none=True, exclude_defaults=False)


class Uncertainty(Strict):
    iterations: Annotated[int, Field(ge=0, le=5000)] = 0
    seed: int = 42


class EvaluateRequest(DesignBody, Uncertainty):
    """The explorer's live update: one design, optionally with correlated Monte Carlo."""


class SaveRequest(DesignBody):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    overwrite: bool = False


class VariantRef(Strict):
    """A variant file the explorer lists, by file name (no paths: the server picks the folder)."""

    file: Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^/\\]+\.ya?ml$")]


def _variant_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "file" if "file" in value else "design"
    return "file" if isinstance(value, VariantRef) else "design"


VariantInput = Annotated[Annotated[VariantRef, Tag("file")] | Annotated[DesignBody, Tag("design")],
                         Discriminator(_variant_kind)]


class CompareRequest(Uncertainty):
    variants: Annotated[list[VariantInput], Field(min_length=1, max_length=50)]


class SweepRequest(Strict):
    variant: VariantInput
    param: Annotated[str, Field(pattern=r"^\w+=[-+0-9.eE]+:[-+0-9.eE]+:[-+0-9.eE]+$",
                                description="NAME=START:STOP:STEP, e.g. share=0:1:0.1")]


class ExploreRequest(Uncertainty):
    """A design space file (by name, from the product's BoM folder or ``<home>/spaces/``)."""

    space: Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^/\\]+\.ya?ml$")]
    objective: Annotated[str, Field(min_length=1, max_length=60)] = "kg_co2e"
    constraints: Annotated[list[Annotated[str, Field(min_length=1, max_length=300)]],
                           Field(max_length=20)] = []
    top: Annotated[int, Field(ge=1, le=1000)] = 20


class FootprintQuery(Strict):
    iterations: Annotated[int, Field(ge=0, le=10_000)] = 0
    seed: int = 42
    strict: bool = False


class ProductPageQuery(FootprintQuery):
    """The product page's query: the footprint's, and the language switch of every page."""

    lang: Literal["en", "zh"] | None = None


class ComplianceQuery(Strict):
    date: dt.date | None = None
    rohs_category: Annotated[int, Field(ge=1, le=11)] | None = None


class FactorQuery(Strict):
    category: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    q: Annotated[str, Field(max_length=200)] | None = None


class ReportForm(Strict):
    """The report form (and ``POST /api/products/{product}/reports``)."""

    kind: Literal["cfp", "neutrality", "datasheet", "pact", "compliance"]
    format: Literal["html", "pdf", "json", "xlsx"]
    lang: Literal["en", "zh"] = "en"
    iterations: Annotated[int, Field(ge=0, le=10_000)] = 1000
    seed: int = 42
    date: dt.date | None = None
    standard: Literal["iso14068", "cn-group"] = "iso14068"
    market: Literal["general", "eu-consumer"] = "general"
    basis: Literal["mean", "p95"] = "p95"
    sensitivity: bool = True

    @field_validator("date", mode="before")
    @classmethod
    def _empty_date(cls, value: Any) -> Any:
        return None if value == "" else value


class ReportUpload(ReportForm):
    """``POST /api/products/{product}/reports``: the report form with its optional files
    (organisation and study YAML, neutrality plan YAML, retired credits CSV or YAML)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    info: UploadFile | None = None
    plan: UploadFile | None = None
    credits: UploadFile | None = None

    def form(self) -> ReportForm:
        return ReportForm(**self.model_dump(exclude={"info", "plan", "credits"}))
