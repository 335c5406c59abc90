"""PACT (WBCSD Pathfinder) Technical Specifications v2 ``ProductFootprint`` for PCF exchange.

PACT v2 footprints are cradle-to-gate and per declared unit. The v2 declared units have no
"piece" (that arrives with v3), so a product is declared per kilogram: ``declaredUnit`` is
``kilogram``, ``unitaryProductAmount`` is the mass of one unit as shipped (with packaging and
accessories), and every emission value is per kilogram — multiply by ``unitaryProductAmount``
for one unit. The cradle-to-grave footprint (use and end of life included), the per-unit values
and the Monte Carlo percentiles travel in a Data Model Extension whose schema ships in
``reports/schemas``. The document validates against ``reports/schemas/pact-2.3.0-product-
footprint.schema.json`` (converted from WBCSD's published OpenAPI 2.3.0 document).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import (
    C_PER_CO2,
    GATE_STAGES,
    STAGES,
    fossil_carbon_kg,
    gather,
    load_info,
    stage_ghg,
)
from .i18n import Translator
from .model import Report, ReportError, ReportRequest, Sheet

if TYPE_CHECKING:
    from lca_engine.workspace import Workspace

SPEC_VERSION = "2.3.0"
SCHEMA_DIR = Path(__file__).with_name("schemas")
SCHEMA_FILE = SCHEMA_DIR / "pact-2.3.0-product-footprint.schema.json"
EXTENSION_SCHEMA_FILE = SCHEMA_DIR / "gscdm-life-cycle-extension-1.0.0.schema.json"
EXTENSION_URI = "urn:gscdm-lca:pact-extension:life-cycle:1.0.0"
#: Engine region codes that are ISO 3166-1 countries (prefix before the first "-").
COUNTRIES = {"CN", "US", "DE", "FR", "JP", "KR", "TW", "IN", "MX", "BR", "GB", "VN", "TH",
             "MY", "PH", "ID", "CZ", "PL", "HU"}
REGIONS = {"EU27": "Europe"}


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@cache
def extension_schema() -> dict[str, Any]:
    return json.loads(EXTENSION_SCHEMA_FILE.read_text(encoding="utf-8"))


def decimal(value: float) -> str:
    """A PACT decimal string: plain notation (no exponent), from the float's shortest repr."""
    if abs(value) < 1e-12:
        return "0"
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _uuid(*parts: str) -> str:
    """A UUID in version-4 format, derived from the inputs so the same inputs give the same id."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _geography(region: str) -> dict[str, str]:
    if region in REGIONS:
        return {"geographyRegionOrSubregion": REGIONS[region]}
    country = region.split("-", 1)[0]
    return {"geographyCountry": country} if country in COUNTRIES else {}


def build(ws: Workspace, request: ReportRequest, tr: Translator) -> Report:
    from lca_engine import __version__

    bundle = gather(ws, request)
    fp, result = bundle.data, bundle.result
    split = stage_ghg(ws, bundle.model, result)
    info = load_info(request.info)
    today = request.resolved_date()
    mass_kg = round(fp["mass_g"] / 1000.0, 6)  # to the milligram: the declared amount
    if mass_kg <= 0:
        raise ReportError(f"{fp['product']}: the product has no mass, so PACT's per-kilogram "
                          "values cannot be computed", code="pact-rejected")

    def gate(role: str) -> float:
        return sum(split[s][role] for s in GATE_STAGES)

    total_gate = gate("total")
    removals_gate = gate("biogenic_carbon_removals_kg_co2")
    bio_co2_gate = gate("biogenic_co2_emissions_kg")
    packaging = sum(p["kg_co2e"] for p in fp["by_part"] if p["group"] == "packaging")
    fossil_c, polymer_kg = fossil_carbon_kg(bundle.model, bundle.view)
    gate_keys = {r["dataset"] for r in bundle.inventory if r["stage"] in GATE_STAGES}
    bases = sorted({f["gwp_basis"] for f in bundle.factors
                    if f["key"] in gate_keys and (f["gwp_basis"] or "").startswith("AR")})
    gaps_share = sum(g["share_of_product_mass"] for g in fp["data_gaps"])
    if gaps_share * 100 > 5:
        raise ReportError(f"{fp['product']}: data gaps cover {gaps_share:.1%} of the product "
                          "mass; PACT allows at most 5 % of cradle-to-gate emissions to be "
                          "exempted — close the gaps (gscdm footprint --strict lists them)",
                          code="pact-rejected")
    period = info.reference_period or (f"{today.year}-01-01", f"{today.year}-12-31")
    sc = fp["scenario"]
    u = fp.get("uncertainty")
    per_kg: dict[str, float] = {
        "pCfExcludingBiogenic": total_gate / mass_kg,
        "pCfIncludingBiogenic": (total_gate + bio_co2_gate - removals_gate) / mass_kg,
        "fossilGhgEmissions": gate("fossil") / mass_kg,
        "fossilCarbonContent": fossil_c / mass_kg,
        "biogenicCarbonContent": removals_gate * C_PER_CO2 / mass_kg,
        "dLucGhgEmissions": gate("land_use") / mass_kg,
        "otherBiogenicGhgEmissions": gate("biogenic") / mass_kg,
        "biogenicCarbonWithdrawal": -removals_gate / mass_kg,
        "packagingGhgEmissions": packaging / mass_kg,
    }
    boundary = str(tr.t("pact.boundary", region=sc["factory_region"]))
    drivers = ", ".join(m["dataset"] for m in fp["by_material"][:3])
    uncertainty = (str(tr.t("pact.uncertainty", n=u["iterations"], p5=f"{u['p5']:.2f}",
                            p50=f"{u['p50']:.2f}", p95=f"{u['p95']:.2f}", drivers=drivers))
                   if u else str(tr.t("pact.no_uncertainty")))
    exempted = str(tr.t("pact.exempted", gaps=f"{gaps_share:.2%}"))
    comment = str(tr.t("pact.comment", mass=decimal(mass_kg), product=fp["product"],
                       fmd=f"{bundle.coverage['share']['fmd']:.1%}",
                       polymer=f"{polymer_kg:.3f}"))
    identity = [fp["product"], fp["provenance"]["inputs"]["bom"]["sha256"],
                json.dumps(fp["provenance"]["inputs"]["parts"], sort_keys=True),
                json.dumps(sc, sort_keys=True, default=str), fp["data_version"], __version__,
                str(request.iterations), str(request.seed)]
    company_ids = info.organisation_ids or ["urn:gscdm:company:unspecified"]
    product_ids = info.product_ids or [f"urn:gscdm:product:{fp['product']}"]
    pcf: dict[str, Any] = {
        "declaredUnit": "kilogram",
        "unitaryProductAmount": decimal(mass_kg),
        **{key: decimal(value) for key, value in per_kg.items()
           if key not in {"packagingGhgEmissions"}},
        "characterizationFactors": "AR6" if bases in ([], ["AR6"]) else "AR5",
        "ipccCharacterizationFactorsSources": bases or ["AR6"],
        "crossSectoralStandardsUsed": ["ISO Standard 14067"],
        "crossSectoralStandards": ["ISO14067"],
        "biogenicAccountingMethodology": "ISO",
        "boundaryProcessesDescription": boundary,
        "referencePeriodStart": f"{period[0]}T00:00:00Z",
        "referencePeriodEnd": f"{period[1]}T23:59:59Z",
        **_geography(sc["factory_region"]),
        "secondaryEmissionFactorSources": [{"name": "gscdm-background (GSCDM-LCA cited factors)",
                                            "version": fp["data_version"]}],
        "exemptedEmissionsPercent": 0,
        "exemptedEmissionsDescription": exempted,
        "packagingEmissionsIncluded": True,
        "packagingGhgEmissions": decimal(per_kg["packagingGhgEmissions"]),
        "allocationRulesDescription": str(tr.t("pact.allocation")),
        "uncertaintyAssessmentDescription": uncertainty,
    }
    extension = {
        "specVersion": "2.0.0",
        "dataSchema": EXTENSION_URI,
        "data": {
            "engine": {"name": "GSCDM-LCA", "version": __version__,
                       "dataVersion": fp["data_version"], "method": fp["method"]},
            "functionalUnit": fp["functional_unit"],
            "unit": "kg CO2e per unit of product",
            "massKg": mass_kg,
            "cradleToGate": {
                "stages": list(GATE_STAGES), "totalKgCo2e": total_gate,
                "fossilKgCo2e": gate("fossil"), "biogenicKgCo2e": gate("biogenic"),
                "landUseKgCo2e": gate("land_use"),
                "biogenicCo2EmissionsKg": bio_co2_gate,
                "biogenicCarbonRemovalsKgCo2": removals_gate,
                "packagingKgCo2e": packaging},
            "cradleToGrave": {
                "totalKgCo2e": fp["total_kg_co2e"],
                "byStageKgCo2e": dict(fp["by_stage"]),
                "fossilKgCo2e": fp["ghg"]["fossil"], "biogenicKgCo2e": fp["ghg"]["biogenic"],
                "landUseKgCo2e": fp["ghg"]["land_use"],
                "biogenicCo2EmissionsKg": fp["biogenic_carbon"]["biogenic_co2_emissions_kg"],
                "biogenicCarbonRemovalsKgCo2":
                    fp["biogenic_carbon"]["biogenic_carbon_removals_kg_co2"]},
            "uncertainty": ({"iterations": u["iterations"], "seed": u["seed"], "p5": u["p5"],
                             "p50": u["p50"], "p95": u["p95"], "mean": u["mean"],
                             "boundary": "cradle-to-grave"} if u else None),
            "scenario": {"lifetimeYears": sc["lifetime_years"], "useRegion": sc["use_region"],
                         "tecKwhPerYear": sc["tec_kwh_per_year"],
                         "factoryRegion": sc["factory_region"]},
            "dataQuality": {"primaryFmdMassShare": bundle.coverage["share"]["fmd"],
                            "proxyShareOfMaterials": fp["proxy_share_of_materials"],
                            "dataGapMassShare": gaps_share},
        },
    }
    footprint: dict[str, Any] = {
        "id": _uuid(*identity),
        "specVersion": SPEC_VERSION,
        "version": 1,
        "created": f"{today.isoformat()}T00:00:00Z",
        "status": "Active",
        "companyName": info.organisation or "unspecified (give --info with organisation.name)",
        "companyIds": company_ids,
        "productDescription": info.description or fp["functional_unit"],
        "productIds": product_ids,
        "productCategoryCpc": info.cpc or "unspecified",
        "productNameCompany": fp["name"] or fp["product"],
        "comment": comment,
        "pcf": pcf,
        "extensions": [extension],
    }
    errors = validate(footprint)
    if errors:  # the engine's own output must validate; this is a bug, not a user error
        raise RuntimeError("the PACT document does not validate against "
                           f"{SCHEMA_FILE.name}: " + "; ".join(errors[:5]))
    report = Report(kind="pact", lang=tr.lang, title=str(tr.t("pact.title")), data=footprint,
                    template="pact.html.j2")
    report.context = {
        "product": {"product_number": fp["product"], "name": fp["name"]},
        "per_unit": {key: value * mass_kg for key, value in per_kg.items()},
        "stages": [{"stage": s, "kg_co2e": fp["by_stage"][s], "gate": s in GATE_STAGES}
                   for s in STAGES],
        "header": {"engine_version": __version__, "data_version": fp["data_version"],
                   "report_date": today.isoformat(), "standard": f"PACT {SPEC_VERSION}"},
    }
    if not info.organisation or not info.organisation_ids:
        report.warnings.append("no organisation name or company URN given (--info FILE): the "
                               "PACT document carries placeholders")
    if not info.cpc:
        report.warnings.append("no UN CPC code given (--info FILE, product.cpc): "
                               "productCategoryCpc is 'unspecified'")
    report.sheets = _sheets(footprint, report.context, tr)
    return report


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for key, item in value.items():
            out.extend(_flatten(item, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = []
        for index, item in enumerate(value):
            out.extend(_flatten(item, f"{prefix}[{index}]"))
        return out
    return [(prefix, value)]


def _sheets(footprint: dict[str, Any], context: dict[str, Any], tr: Translator) -> list[Sheet]:
    rows = [[key, value] for key, value in _flatten(footprint)]
    per_unit = [[key, value] for key, value in context["per_unit"].items()]
    return [Sheet(str(tr.t("xlsx.sheet.pact")), [str(tr.t("xlsx.field")),
                                                 str(tr.t("xlsx.value"))], rows),
            Sheet(str(tr.t("pact.per_unit_sheet")), [str(tr.t("xlsx.field")),
                                                     str(tr.t("pact.per_unit_col"))],
                  per_unit, {1: "0.000"})]


def validate(document: dict[str, Any]) -> list[str]:
    """Schema errors of a ProductFootprint (and of its GSCDM extension); empty when valid."""
    from jsonschema import Draft202012Validator, FormatChecker

    errors = [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
              for e in Draft202012Validator(schema(), format_checker=FormatChecker())
              .iter_errors(document)]
    ext_validator = Draft202012Validator(extension_schema(), format_checker=FormatChecker())
    for index, ext in enumerate(document.get("extensions") or []):
        if ext.get("dataSchema") == EXTENSION_URI:
            errors += [f"extensions/{index}/data/{'/'.join(str(p) for p in e.absolute_path)}: "
                       f"{e.message}" for e in ext_validator.iter_errors(ext.get("data"))]
    return errors


__all__ = ["SCHEMA_FILE", "SPEC_VERSION", "build", "decimal", "schema", "validate"]
