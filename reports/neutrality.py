"""ISO 14068-1:2023 carbon-neutrality declaration of a product batch (or the Chinese group standard
《产品碳中和实施通则》 with ``standard="cn-group"``).

The declaration states the footprint per unit and per batch (mean or 95th percentile), the
reduction record against a baseline, the carbon-neutrality management plan with its targets and
the offset ledger of retired credits. The engine refuses the neutrality statement (``ReportError``,
CLI exit 1) when the retired credits do not cover the residual footprint of the batch, when a
serial repeats (within the file or against an earlier declaration recorded in the home), or when
a credit is not retired. For the EU consumer market no offset-based claim is printed (Directive
(EU) 2024/825, from 27 September 2026); the report says why. PAS 2060 was withdrawn on
30 November 2025 and is named only as superseded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import _date_text, gather, load_info, report_header, stage_table
from .i18n import Translator
from .input_schemas import PlanFile, read_checked
from .model import LedgerEntry, Report, ReportError, ReportRequest, ReportUsageError, Sheet
from .offsets import KNOWN_REGISTRIES, load_credits, overlaps, used_elsewhere

if TYPE_CHECKING:
    from lca_engine.workspace import Workspace

EU_2024_825_APPLIES = date(2026, 9, 27)
PAS_2060_WITHDRAWN = date(2025, 11, 30)
STANDARD_NAMES = {"iso14068": "ISO 14068-1:2023",
                  "cn-group": "产品碳中和实施通则 (China Association for Standardization group "
                              "standard, 2023)"}


@dataclass(slots=True)
class ReductionMeasure:
    """A GHG reduction between the baseline and the current design (per unit of product).

    The plain interface for design variants: a variant comparison can be turned into a list of
    these (name, kg CO2e saved per unit) and passed to ``build(..., reductions=...)``.
    """

    name: str
    kg_co2e_per_unit: float
    description: str = ""
    status: str = "implemented"  # implemented | planned
    date: str | None = None
    evidence: str | None = None


@dataclass(slots=True)
class Target:
    year: int
    reduction_pct: float  # against the baseline, per unit
    description: str = ""
    removals_share_pct: float | None = None  # share of removal credits aimed at


@dataclass(slots=True)
class Declaration:
    id: str
    batch: str
    units: float
    period_start: str
    period_end: str
    subject: str | None = None
    verification_type: str = "first-party"  # first-party | second-party | third-party
    verification_body: str | None = None


@dataclass(slots=True)
class NeutralityPlan:
    declaration: Declaration
    commitment: str
    commitment_date: str | None
    baseline_description: str
    baseline_kg_co2e_per_unit: float
    baseline_year: int | None
    reductions: list[ReductionMeasure] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    source: str = ""


def _need(raw: dict[str, Any], key: str, where: str) -> Any:
    if raw.get(key) in (None, ""):
        raise ReportError(f"{where}: '{key}' is missing", code="plan-rejected")
    return raw[key]


def _number(value: Any, where: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ReportError(f"{where}: {value!r} is not a number", code="plan-rejected") from None


def load_plan(path: Path) -> NeutralityPlan:
    """The declaration, commitment, baseline, reduction measures and targets (one YAML)."""
    raw = read_checked(Path(path), "carbon-neutrality plan", PlanFile, code="plan-rejected")
    where = str(path)
    decl = _need(raw, "declaration", where)
    commitment = _need(raw, "commitment", where)
    if not isinstance(decl, dict) or not isinstance(commitment, dict):
        raise ReportError(f"{where}: 'declaration' and 'commitment' must be mappings",
                          code="plan-rejected")
    period = _need(decl, "period", f"{where}: declaration")
    if not isinstance(period, dict):
        raise ReportError(f"{where}: declaration.period needs start and end",
                          code="plan-rejected")
    start = _date_text(_need(period, "start", f"{where}: declaration.period"),
                       f"{where}: declaration.period.start")
    end = _date_text(_need(period, "end", f"{where}: declaration.period"),
                     f"{where}: declaration.period.end")
    if end < start:
        raise ReportError(f"{where}: declaration.period ends before it starts",
                          code="plan-rejected")
    units = _number(_need(decl, "units", f"{where}: declaration"), f"{where}: declaration.units")
    if units <= 0:
        raise ReportError(f"{where}: declaration.units must be more than 0", code="plan-rejected")
    verification = decl.get("verification") or {}
    vtype = str(verification.get("type", "first-party"))
    if vtype not in {"first-party", "second-party", "third-party"}:
        raise ReportError(f"{where}: declaration.verification.type must be first-party, "
                          "second-party or third-party", code="plan-rejected")
    declaration = Declaration(
        id=str(_need(decl, "id", f"{where}: declaration")),
        batch=str(_need(decl, "batch", f"{where}: declaration")), units=units,
        period_start=start, period_end=end, subject=decl.get("subject"),
        verification_type=vtype, verification_body=verification.get("body"))
    baseline = _need(commitment, "baseline", f"{where}: commitment")
    if not isinstance(baseline, dict):
        raise ReportError(f"{where}: commitment.baseline must be a mapping",
                          code="plan-rejected")
    reductions = []
    for index, item in enumerate(raw.get("reductions") or []):
        spot = f"{where}: reductions[{index}]"
        if not isinstance(item, dict):
            raise ReportError(f"{spot}: must be a mapping", code="plan-rejected")
        reductions.append(ReductionMeasure(
            name=str(_need(item, "name", spot)),
            kg_co2e_per_unit=_number(_need(item, "kg_co2e_per_unit", spot),
                                     f"{spot}.kg_co2e_per_unit"),
            description=str(item.get("description") or ""),
            status=str(item.get("status") or "implemented"),
            date=_date_text(item["date"], f"{spot}.date") if item.get("date") else None,
            evidence=item.get("evidence")))
    targets = []
    for index, item in enumerate(raw.get("targets") or []):
        spot = f"{where}: targets[{index}]"
        if not isinstance(item, dict):
            raise ReportError(f"{spot}: must be a mapping", code="plan-rejected")
        share = item.get("removals_share_pct")
        targets.append(Target(year=int(_number(_need(item, "year", spot), f"{spot}.year")),
                              reduction_pct=_number(_need(item, "reduction_pct", spot),
                                                    f"{spot}.reduction_pct"),
                              description=str(item.get("description") or ""),
                              removals_share_pct=None if share is None
                              else _number(share, f"{spot}.removals_share_pct")))
    if not targets:
        raise ReportError(f"{where}: the carbon-neutrality management plan needs at least one "
                          "reduction target ('targets:'), ISO 14068-1 clause 6",
                          code="plan-rejected")
    return NeutralityPlan(
        declaration=declaration, commitment=str(_need(commitment, "statement",
                                                      f"{where}: commitment")),
        commitment_date=_date_text(commitment["date"], f"{where}: commitment.date")
        if commitment.get("date") else None,
        baseline_description=str(_need(baseline, "description", f"{where}: baseline")),
        baseline_kg_co2e_per_unit=_number(_need(baseline, "kg_co2e_per_unit",
                                                f"{where}: baseline"),
                                          f"{where}: baseline.kg_co2e_per_unit"),
        baseline_year=int(baseline["year"]) if baseline.get("year") else None,
        reductions=reductions, targets=sorted(targets, key=lambda t: t.year), source=where)


def _basis(fp: dict[str, Any], basis: str) -> tuple[float, str]:
    u = fp.get("uncertainty")
    if basis == "p95":
        if not u:
            raise ReportUsageError("--basis p95 needs a Monte Carlo run: give --iterations "
                                   "(e.g. 1000)")
        return float(u["p95"]), "p95"
    if u:
        return float(u["mean"]), "mc_mean"
    return float(fp["total_kg_co2e"]), "deterministic"


def build(ws: Workspace, request: ReportRequest, tr: Translator, *,
          reductions: list[ReductionMeasure] | None = None) -> Report:
    if request.plan is None:
        raise ReportUsageError("a neutrality declaration needs the carbon-neutrality plan "
                               "(--plan FILE: declaration, commitment, baseline, reductions, "
                               "targets)")
    if request.credits is None:
        raise ReportUsageError("a neutrality declaration needs the retired credits (--credits "
                               "FILE, CSV or YAML)")
    if request.basis == "p95" and request.iterations <= 0:
        raise ReportUsageError("--basis p95 needs a Monte Carlo run: give --iterations "
                                   "(e.g. 1000)")
    today = request.resolved_date()
    plan = load_plan(request.plan)
    if reductions is not None:
        plan.reductions = list(reductions)
    credits = load_credits(request.credits, today)
    info = load_info(request.info, plan=request.plan)
    decl = plan.declaration

    problems = overlaps(credits)
    if problems:
        raise ReportError("neutrality statement refused: a serial number repeats in the credits "
                          "file — " + "; ".join(problems), code="serial-reused",
                          details={"problems": problems})
    problems = used_elsewhere(ws.home.path, decl.id, credits)
    if problems:
        raise ReportError("neutrality statement refused: credits already used by another "
                          "declaration — " + "; ".join(problems), code="serial-reused",
                          details={"problems": problems})

    bundle = gather(ws, request)
    fp = bundle.data
    per_unit, basis_used = _basis(fp, request.basis)
    residual_t = per_unit * decl.units / 1000.0
    retired_t = sum(c.quantity_tco2e for c in credits)
    removals_t = sum(c.quantity_tco2e for c in credits if c.credit_type == "removal")
    if retired_t + 1e-9 < residual_t:
        short = residual_t - retired_t
        raise ReportError(
            f"neutrality statement refused: the retired credits cover {retired_t:,.3f} t CO2e "
            f"but the residual footprint of batch {decl.batch!r} is {residual_t:,.3f} t CO2e "
            f"({request.basis.upper() if request.basis == 'p95' else 'mean'} "
            f"{per_unit:,.2f} kg CO2e per unit × {decl.units:,.0f} units): "
            f"{short:,.3f} t CO2e short", code="credits-short",
            details={"retired_tco2e": retired_t, "required_tco2e": residual_t,
                     "short_tco2e": short})

    warnings: list[str] = []
    current = fp["total_kg_co2e"]
    baseline = plan.baseline_kg_co2e_per_unit
    achieved = baseline - current
    measures_total = sum(m.kg_co2e_per_unit for m in plan.reductions
                         if m.status == "implemented")
    if achieved < 0:
        warnings.append(f"the current footprint ({current:.2f} kg) is above the baseline "
                        f"({baseline:.2f} kg): no reduction against the baseline is shown")
    if plan.reductions and abs(measures_total - achieved) > 0.1 * max(abs(achieved), 1.0):
        warnings.append(f"the implemented measures add up to {measures_total:.2f} kg CO2e per "
                        f"unit but baseline − current footprint is {achieved:.2f} kg")
    for credit in credits:
        if credit.registry_key not in KNOWN_REGISTRIES:
            warnings.append(f"{credit.where}: registry {credit.registry!r} is not one the engine "
                            "knows; check that it meets ISO 14068-1 clause 9 (additionality, "
                            "permanence, no double counting, third-party verification)")
        if credit.vintage < int(decl.period_start[:4]) - 5:
            warnings.append(f"{credit.where}: vintage {credit.vintage} is more than five years "
                            f"older than the declaration period ({decl.period_start[:4]})")
        if credit.declaration and credit.declaration != decl.id:
            warnings.append(f"{credit.where}: the credit names declaration "
                            f"{credit.declaration!r}, this is {decl.id!r}")
    eu = request.market == "eu-consumer"
    claim_made = not eu
    standard = STANDARD_NAMES[request.standard]
    subject = decl.subject or f"{fp['name'] or fp['product']} ({fp['product']})"
    verification = str(tr.t(f"neutrality.verification.{decl.verification_type}",
                            body=decl.verification_body or "—"))
    statement_key = "neutrality.statement.cn_group" if request.standard == "cn-group" \
        else "neutrality.statement.iso"
    statement = str(tr.t(
        statement_key, subject=subject, batch=decl.batch, units=tr.num(decl.units, 0),
        start=tr.date(decl.period_start), end=tr.date(decl.period_end),
        reduction=tr.kg(max(achieved, 0.0)), baseline=plan.baseline_description,
        baseline_kg=tr.kg(baseline),
        residual=tr.num(residual_t, 3), basis=str(tr.t(f"neutrality.basis.{basis_used}")),
        retired=tr.num(retired_t, 3), removals=tr.pct(removals_t / retired_t if retired_t else 0),
        verification=verification))
    withheld = None
    if eu:
        key = "neutrality.eu.before" if today < EU_2024_825_APPLIES else "neutrality.eu.after"
        withheld = str(tr.t(key))
    checks = [
        {"check": "plan", "ok": True, "detail": plan.source},
        {"check": "credits_retired", "ok": True,
         "detail": f"{len(credits)} block(s), all with a retirement date on or before "
                   f"{today.isoformat()}"},
        {"check": "serials_unique", "ok": True,
         "detail": "no serial repeats in the file or against the engine's offset ledger"},
        {"check": "coverage", "ok": True,
         "detail": f"{retired_t:.3f} t retired ≥ {residual_t:.3f} t residual"},
        {"check": "market", "ok": claim_made,
         "detail": "EU consumer market: offset-based claim withheld (Directive (EU) 2024/825)"
                   if eu else request.market},
    ]
    stages = stage_table(fp)
    data: dict[str, Any] = {
        "report": report_header("neutrality", request, str(tr.t("neutrality.title")), standard,
                                fp["data_version"]),
        "study": info.as_json(),
        "product": {"product_number": fp["product"], "name": fp["name"], "mass_g": fp["mass_g"]},
        "declaration": {**asdict(decl), "standard": request.standard, "market": request.market,
                        "subject": subject},
        "basis": {"requested": request.basis, "used": basis_used,
                  "kg_co2e_per_unit": per_unit,
                  "iterations": fp["uncertainty"]["iterations"] if "uncertainty" in fp else 0},
        "footprint_per_unit": {"deterministic_kg_co2e": fp["total_kg_co2e"],
                               "mean_kg_co2e": fp["uncertainty"]["mean"]
                               if "uncertainty" in fp else None,
                               "p95_kg_co2e": fp["uncertainty"]["p95"]
                               if "uncertainty" in fp else None,
                               "stages": stages},
        "batch": {"units": decl.units, "residual_tco2e": residual_t,
                  "deterministic_tco2e": fp["total_kg_co2e"] * decl.units / 1000.0},
        "reductions": {"baseline_description": plan.baseline_description,
                       "baseline_year": plan.baseline_year,
                       "baseline_kg_co2e_per_unit": baseline,
                       "current_kg_co2e_per_unit": current,
                       "achieved_kg_co2e_per_unit": achieved,
                       "achieved_pct": achieved / baseline if baseline else 0.0,
                       "achieved_batch_tco2e": achieved * decl.units / 1000.0,
                       "measures": [asdict(m) for m in plan.reductions],
                       "measures_implemented_kg_co2e_per_unit": measures_total},
        "plan": {"commitment": plan.commitment, "commitment_date": plan.commitment_date,
                 "targets": [{**asdict(t),
                              "target_kg_co2e_per_unit": baseline * (1 - t.reduction_pct / 100),
                              "gap_kg_co2e_per_unit":
                                  current - baseline * (1 - t.reduction_pct / 100)}
                             for t in plan.targets]},
        "credits": [c.as_json() for c in credits],
        "coverage": {"retired_tco2e": retired_t, "required_tco2e": residual_t,
                     "surplus_tco2e": retired_t - residual_t,
                     "removals_tco2e": removals_t, "avoidance_tco2e": retired_t - removals_t,
                     "removals_share": removals_t / retired_t if retired_t else 0.0,
                     "vintages": sorted({c.vintage for c in credits}),
                     "registries": sorted({c.as_json()["registry_name"] for c in credits})},
        "checks": checks,
        "claim": {"made": claim_made, "statement": statement if claim_made else None,
                  "withheld_reason": withheld, "standard": standard,
                  "superseded": "PAS 2060:2014 (withdrawn 30 November 2025, superseded by "
                                "ISO 14068-1:2023)"},
        "footprint": fp,
    }
    report = Report(kind="neutrality", lang=tr.lang, title=str(tr.t("neutrality.title")),
                    data=data, template="neutrality.html.j2", warnings=warnings)
    report.context = {"statement_draft": statement}
    report.sheets = _sheets(data, tr)
    report.ledger = LedgerEntry(declaration_id=decl.id, product=fp["product"], batch=decl.batch,
                                report_date=today.isoformat(), market=request.market,
                                claim_made=claim_made,
                                serials=[c.ledger_row() for c in credits])
    return report


def _sheets(data: dict[str, Any], tr: Translator) -> list[Sheet]:
    d, b, cov, red = data["declaration"], data["basis"], data["coverage"], data["reductions"]
    summary = [
        [str(tr.t("neutrality.declaration_id")), d["id"]],
        [str(tr.t("xlsx.batch")), d["batch"]],
        [str(tr.t("neutrality.units")), d["units"]],
        [str(tr.t("neutrality.period")), f"{d['period_start']} – {d['period_end']}"],
        [str(tr.t("xlsx.standard")), data["claim"]["standard"]],
        [str(tr.t("neutrality.basis_h")), b["used"]],
        [str(tr.t("neutrality.per_unit")), b["kg_co2e_per_unit"]],
        [str(tr.t("neutrality.residual")), data["batch"]["residual_tco2e"]],
        [str(tr.t("neutrality.retired")), cov["retired_tco2e"]],
        [str(tr.t("neutrality.surplus")), cov["surplus_tco2e"]],
        [str(tr.t("neutrality.removals_share")), cov["removals_share"]],
        [str(tr.t("neutrality.baseline")), red["baseline_kg_co2e_per_unit"]],
        [str(tr.t("neutrality.current")), red["current_kg_co2e_per_unit"]],
        [str(tr.t("neutrality.achieved")), red["achieved_kg_co2e_per_unit"]],
        [str(tr.t("neutrality.claim_made")), data["claim"]["made"]],
        [str(tr.t("neutrality.statement_h")), data["claim"]["statement"]
         or data["claim"]["withheld_reason"]],
    ]
    credits = [[c["registry_name"], c["project_id"], c["project_name"], c["credit_type"],
                c["vintage"], c["serial_prefix"], c["serial_from"], c["serial_to"],
                c["quantity_tco2e"], c["retired_on"], c["retirement_id"]]
               for c in data["credits"]]
    return [
        Sheet(str(tr.t("xlsx.sheet.summary")), [str(tr.t("xlsx.item")), str(tr.t("xlsx.value"))],
              summary),
        Sheet(str(tr.t("xlsx.sheet.credits")),
              [str(tr.t(k)) for k in ("xlsx.registry", "xlsx.project", "xlsx.name",
                                      "xlsx.credit_type", "xlsx.vintage", "neutrality.prefix",
                                      "neutrality.serial_from", "neutrality.serial_to",
                                      "xlsx.quantity", "xlsx.retired_on",
                                      "xlsx.retirement_id")], credits),
        Sheet(str(tr.t("xlsx.sheet.reductions")),
              [str(tr.t(k)) for k in ("xlsx.measure", "xlsx.saving", "xlsx.status",
                                      "neutrality.date", "neutrality.evidence")],
              [[m["name"], m["kg_co2e_per_unit"], m["status"], m["date"], m["evidence"]]
               for m in red["measures"]], {1: "0.000"}),
        Sheet(str(tr.t("xlsx.sheet.targets")),
              [str(tr.t(k)) for k in ("xlsx.year_target", "neutrality.reduction_pct",
                                      "neutrality.target_kg", "neutrality.removals_target",
                                      "xlsx.target")],
              [[t["year"], t["reduction_pct"], t["target_kg_co2e_per_unit"],
                t["removals_share_pct"], t["description"]] for t in data["plan"]["targets"]],
              {2: "0.00"}),
        Sheet(str(tr.t("xlsx.sheet.checks")), [str(tr.t("xlsx.check")), str(tr.t("xlsx.result")),
                                               str(tr.t("neutrality.detail"))],
              [[c["check"], c["ok"], c["detail"]] for c in data["checks"]]),
    ]


__all__ = ["Declaration", "NeutralityPlan", "ReductionMeasure", "Target", "build",
           "load_plan"]
