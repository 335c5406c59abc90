"""Schemas of the YAML files a report reads: the organisation/study details (``--info``), the
carbon-neutrality plan (``--plan``) and retired credits given as YAML (``--credits x.yaml``).

Unknown keys are errors (exit 1) naming the file, the line, the key path and the nearest valid
key (machinery in ``lca_engine.input_schema``). The models check structure and types; the
loaders (``common.load_info``, ``neutrality.load_plan``, ``offsets.load_credits``) check meaning
(dates in order, URNs, positive units). To add a key: a field on the model of its block here,
then read it in the loader.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from lca_engine.input_schema import InputSchemaError, StrictModel, read_yaml_mapping, validate

from .model import ReportError

#: a leaf value: its meaning (a date, a number, a text) is checked by the loader, whose
#: messages say what is expected; the schema checks keys and structure
Scalar = str | int | float | datetime | date
DateValue = Scalar
Number = Scalar


class Period(StrictModel):
    start: DateValue | None = None
    end: DateValue | None = None


# -- --info: organisation / product / study ----------------------------------------------------

class OrganisationInfo(StrictModel):
    name: Scalar | None = None
    ids: str | list[str] | None = None
    address: Scalar | None = None
    contact: Scalar | None = None


class ProductInfo(StrictModel):
    ids: str | list[str] | None = None
    cpc: Scalar | None = None
    description: Scalar | None = None


class StudyInfoSpec(StrictModel):
    commissioner: Scalar | None = None
    practitioner: Scalar | None = None
    intended_application: Scalar | None = None
    audience: Scalar | None = None
    verification: Scalar | None = None
    reference_period: Period | None = None


class InfoFile(StrictModel):
    organisation: OrganisationInfo | None = None
    product: ProductInfo | None = None
    study: StudyInfoSpec | None = None


# -- --plan: the carbon-neutrality management plan ---------------------------------------------

class Verification(StrictModel):
    type: Scalar | None = None  # first-party | second-party | third-party (checked by the loader)
    body: Scalar | None = None


class DeclarationSpec(StrictModel):
    id: Scalar | None = None
    batch: Scalar | None = None
    units: Number | None = None
    period: Period | None = None
    subject: Scalar | None = None
    verification: Verification | None = None


class Baseline(StrictModel):
    description: Scalar | None = None
    kg_co2e_per_unit: Number | None = None
    year: Scalar | None = None


class Commitment(StrictModel):
    statement: Scalar | None = None
    date: DateValue | None = None
    baseline: Baseline | None = None


class Reduction(StrictModel):
    name: Scalar | None = None
    kg_co2e_per_unit: Number | None = None
    description: Scalar | None = None
    status: Scalar | None = None
    date: DateValue | None = None
    evidence: Scalar | None = None


class TargetSpec(StrictModel):
    year: Scalar | None = None
    reduction_pct: Number | None = None
    removals_share_pct: Number | None = None
    description: Scalar | None = None


class PlanFile(InfoFile):
    """The plan may also carry the organisation / product / study sections of ``InfoFile``
    (``load_info`` reads them from it)."""

    declaration: DeclarationSpec | None = None
    commitment: Commitment | None = None
    reductions: list[Reduction] | None = None
    targets: list[TargetSpec] | None = None


# -- --credits x.yaml --------------------------------------------------------------------------

class CreditSpec(StrictModel):
    """One block of retired credits; the same fields as the CSV columns (``offsets.COLUMNS``)."""

    registry: Scalar | None = None
    project_id: Scalar | None = None
    project_name: Scalar | None = None
    credit_type: Scalar | None = None
    vintage: Scalar | None = None
    serial_prefix: Scalar | None = None
    serial_from: Scalar | None = None
    serial_to: Scalar | None = None
    quantity_tco2e: Number | None = None
    retired_on: DateValue | None = None
    retirement_id: Scalar | None = None
    beneficiary: Scalar | None = None
    declaration: Scalar | None = None
    methodology: Scalar | None = None
    country: Scalar | None = None


class CreditsFile(StrictModel):
    credits: list[CreditSpec] | None = None


def read_checked(path: Path, what: str, model: type[StrictModel],
                 code: str = "report-rejected") -> dict[str, Any]:
    """The YAML mapping in ``path``, checked against ``model``; ``ReportError`` (exit 1) with
    ``code`` when it is unreadable or does not fit."""
    try:
        content, text = read_yaml_mapping(Path(path), what)
        validate(model, content, str(path), text)
    except InputSchemaError as exc:
        raise ReportError(str(exc), code=code,
                          details={"problems": exc.problems}) from None
    return content


__all__ = ["CreditsFile", "InfoFile", "PlanFile", "read_checked"]
