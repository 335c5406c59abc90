"""PACT (WBCSD Partnership for Carbon Transparency) ``ProductFootprint`` for PCF exchange.

Two versions of the Technical Specifications, both cradle to gate and validated against their
schema before anything is written:

- **v3.0** (default): per piece — ``declaredUnitOfMeasurement`` ``piece``, ``declaredUnitAmount``
  1, ``productMassPerDeclaredUnit`` the product's mass without packaging; every value is per unit
  of product. Schema: ``reports/schemas/pact-3.0-product-footprint.schema.json`` (GSCDM's own
  JSON Schema of the v3.0 data model; licence in ``reports/schemas/README.md``).
- **v2.3** (``--pact-version 2.3``, for partners still on v2): v2 has no "piece", so the product
  is declared per kilogram: ``unitaryProductAmount`` is the mass of one unit as shipped and every
  emission value is per kilogram. Schema: ``pact-2.3.0-product-footprint.schema.json``.

The cradle-to-grave footprint, per-unit values and Monte Carlo percentiles travel in a Data Model
Extension (``gscdm-life-cycle-extension-1.0.0.schema.json``). The emissions data gaps leave out
are estimated and reported as ``exemptedEmissionsPercent`` (``lca_engine.pact.methodology``), and
``ipccCharacterizationFactors`` lists every IPCC assessment report behind the numbers.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import (
    C_PER_CO2,
    GATE_STAGES,
    STAGES,
    FootprintBundle,
    StudyInfo,
    fossil_carbon_kg,
    gather,
    load_info,
    stage_ghg,
)
from .i18n import Translator
from .model import Report, ReportError, ReportRequest, Sheet

if TYPE_CHECKING:
    from lca_engine.pact.host import PublishOutcome
    from lca_engine.workspace import Workspace

SPEC_VERSION = "2.3.0"
SPEC_VERSION_V3 = "3.0.0"
SCHEMA_DIR = Path(__file__).with_name("schemas")
SCHEMA_FILE = SCHEMA_DIR / "pact-2.3.0-product-footprint.schema.json"
SCHEMA_FILE_V3 = SCHEMA_DIR / "pact-3.0-product-footprint.schema.json"
EXTENSION_SCHEMA_FILE = SCHEMA_DIR / "gscdm-life-cycle-extension-1.0.0.schema.json"
EXTENSION_URI = "urn:gscdm-lca:pact-extension:life-cycle:1.0.0"
#: Engine region codes that are ISO 3166-1 countries (prefix before the first "-").
COUNTRIES = {"CN", "US", "DE", "FR", "JP", "KR", "TW", "IN", "MX", "BR", "GB", "VN", "TH",
             "MY", "PH", "ID", "CZ", "PL", "HU"}
REGIONS = {"EU27": "Europe"}
#: How long a footprint stays valid after its reference period when nothing else is said: the
#: v3 specification's default validity period (validityPeriodStart/End), in years.
DEFAULT_VALIDITY_YEARS = 3


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@cache
def schema_v3() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE_V3.read_text(encoding="utf-8"))


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


@dataclass(slots=True)
class GateFigures:
    """The cradle-to-gate figures of one product, per unit of product, from the engine's result."""

    total: float
    fossil: float
    biogenic: float
    land_use: float
    biogenic_co2: float
    removals: float
    packaging: float
    fossil_carbon_kg: float
    polymer_kg: float
    bases: list[str]
    exclusion: Any  # lca_engine.pact.methodology.ExcludedEmissions
    primary: dict[str, Any]


def gate_figures(ws: Workspace, bundle: FootprintBundle) -> GateFigures:
    """Everything a PACT footprint states, from the result (raises ``ReportError`` when PACT's
    exemption rule refuses the footprint)."""
    from lca_engine.pact.methodology import (
        ExemptionError,
        characterisation_bases,
        excluded_emissions,
    )
    from lca_engine.pact.supplier import primary_data_share, stored

    fp, result = bundle.data, bundle.result
    split = stage_ghg(ws, bundle.model, result)

    def gate(role: str) -> float:
        return sum(split[s][role] for s in GATE_STAGES)

    try:
        exclusion = excluded_emissions(result, bundle.model)
    except ExemptionError as exc:
        raise ReportError(str(exc), code="pact-rejected") from None
    fossil_c, polymer_kg = fossil_carbon_kg(bundle.model, bundle.view)
    primary = primary_data_share(bundle.model, result,
                                 {p.id: p for p in stored(ws.database)})
    gate_keys = {r["dataset"] for r in bundle.inventory if r["stage"] in GATE_STAGES}
    return GateFigures(
        total=gate("total"), fossil=gate("fossil"), biogenic=gate("biogenic"),
        land_use=gate("land_use"), biogenic_co2=gate("biogenic_co2_emissions_kg"),
        removals=gate("biogenic_carbon_removals_kg_co2"),
        packaging=sum(p["kg_co2e"] for p in fp["by_part"] if p["group"] == "packaging"),
        fossil_carbon_kg=fossil_c, polymer_kg=polymer_kg,
        bases=characterisation_bases(gate_keys, primary["ipcc_bases"]),
        exclusion=exclusion, primary=primary)


def build(ws: Workspace, request: ReportRequest, tr: Translator) -> Report:
    if request.pact_version == "2.3":
        return build_v2(ws, request, tr)
    if request.pact_version != "3.0":
        raise ReportError(f"PACT version {request.pact_version!r} is not one of 3.0, 2.3",
                          code="pact-rejected")
    return build_v3(ws, request, tr)


def _identity(fp: dict[str, Any], request: ReportRequest, version: str) -> list[str]:
    from lca_engine import __version__

    return [fp["product"], fp["provenance"]["inputs"]["bom"]["sha256"],
            json.dumps(fp["provenance"]["inputs"]["parts"], sort_keys=True),
            json.dumps(fp["scenario"], sort_keys=True, default=str), fp["data_version"],
            __version__, str(request.iterations), str(request.seed), version]


def _extension(fp: dict[str, Any], g: GateFigures, bundle: FootprintBundle) -> dict[str, Any]:
    from lca_engine import __version__

    sc, u = fp["scenario"], fp.get("uncertainty")
    gaps_share = sum(x["share_of_product_mass"] for x in fp["data_gaps"])
    return {
        "specVersion": "2.0.0",
        "dataSchema": EXTENSION_URI,
        "data": {
            "engine": {"name": "GSCDM-LCA", "version": __version__,
                       "dataVersion": fp["data_version"], "method": fp["method"]},
            "functionalUnit": fp["functional_unit"],
            "unit": "kg CO2e per unit of product",
            "massKg": round(fp["mass_g"] / 1000.0, 6),
            "cradleToGate": {
                "stages": list(GATE_STAGES), "totalKgCo2e": g.total,
                "fossilKgCo2e": g.fossil, "biogenicKgCo2e": g.biogenic,
                "landUseKgCo2e": g.land_use, "biogenicCo2EmissionsKg": g.biogenic_co2,
                "biogenicCarbonRemovalsKgCo2": g.removals, "packagingKgCo2e": g.packaging},
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


def _texts(fp: dict[str, Any], g: GateFigures, bundle: FootprintBundle, tr: Translator
           ) -> dict[str, str]:
    sc, u = fp["scenario"], fp.get("uncertainty")
    x = g.exclusion
    drivers = ", ".join(m["dataset"] for m in fp["by_material"][:3])
    primary_parts = ", ".join(p["part_number"] for p in g.primary["parts"]) or "—"
    return {
        "boundary": str(tr.t("pact.boundary", region=sc["factory_region"])),
        "uncertainty": (str(tr.t("pact.uncertainty", n=u["iterations"], p5=f"{u['p5']:.2f}",
                                 p50=f"{u['p50']:.2f}", p95=f"{u['p95']:.2f}",
                                 drivers=drivers))
                        if u else str(tr.t("pact.no_uncertainty"))),
        "exempted": str(tr.t("pact.exempted_estimate",
                             gap_kg=f"{x.gap_mass_kg:.4f}",
                             intensity=f"{x.intensity_kg_co2e_per_kg:.4f}",
                             excluded=f"{x.excluded_kg_co2e:.4f}",
                             percent=f"{x.percent:.3f}", bound=f"{x.max_percent:g}")),
        "bases": str(tr.t("pact.bases", bases=", ".join(g.bases))),
        "primary": str(tr.t("pact.primary", share=f"{g.primary['share']:.2%}",
                            parts=primary_parts,
                            fmd=f"{bundle.coverage['share']['fmd']:.1%}")),
    }


def _period(info: StudyInfo, today: date) -> tuple[str, str]:
    return info.reference_period or (f"{today.year}-01-01", f"{today.year}-12-31")


def build_v3(ws: Workspace, request: ReportRequest, tr: Translator) -> Report:
    """A PACT v3.0 ProductFootprint per piece, validated against the v3.0 schema."""
    from lca_engine import __version__

    bundle = gather(ws, request)
    fp = bundle.data
    info = load_info(request.info)
    today = request.resolved_date()
    g = gate_figures(ws, bundle)
    texts = _texts(fp, g, bundle, tr)
    sc = fp["scenario"]
    period = _period(info, today)
    end = date.fromisoformat(period[1])
    valid_until = end.replace(year=end.year + DEFAULT_VALIDITY_YEARS)
    # to the milligram, as the masses are declared (and without float noise in the document)
    net_mass_kg = round((fp["mass_g"] - fp["packaging_mass_g"]) / 1000.0, 6)
    per_piece: dict[str, float] = {
        "pcfExcludingBiogenicCO2Withdrawal": g.total,
        "pcfIncludingBiogenicCO2Withdrawal": g.total - g.removals,
        "fossilGhgEmissions": g.fossil,
        "fossilCarbonContent": g.fossil_carbon_kg,
        "biogenicCarbonContent": g.removals * C_PER_CO2,
        "landUseChangeGhgEmissions": g.land_use,
        "biogenicCO2Withdrawal": -g.removals,
        "biogenicNonCO2Emissions": g.biogenic,
        "packagingGhgEmissions": g.packaging,
    }
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": "piece",
        "declaredUnitAmount": "1",
        "productMassPerDeclaredUnit": decimal(net_mass_kg),
        **{key: decimal(value) for key, value in per_piece.items()},
        "ipccCharacterizationFactors": g.bases,
        "crossSectoralStandards": ["ISO14067"],
        "biogenicAccountingMethodology": "ISO",
        "boundaryProcessesDescription": texts["boundary"],
        "referencePeriodStart": f"{period[0]}T00:00:00Z",
        "referencePeriodEnd": f"{period[1]}T23:59:59Z",
        **_geography(sc["factory_region"]),
        "secondaryEmissionFactorSources": [{"name": "gscdm-background (GSCDM-LCA cited factors)",
                                            "version": fp["data_version"]}],
        "exemptedEmissionsPercent": decimal(g.exclusion.percent),
        "exemptedEmissionsDescription": texts["exempted"],
        "allocationRulesDescription": str(tr.t("pact.allocation")),
        "primaryDataShare": decimal(100.0 * g.primary["share"]),
    }
    comment = " ".join([
        str(tr.t("pact.comment_v3", mass=decimal(net_mass_kg), product=fp["product"],
                 packaging=decimal(fp["packaging_mass_g"] / 1000.0),
                 polymer=f"{g.polymer_kg:.3f}",
                 bio_co2=f"{g.biogenic_co2:.4f}")),
        texts["primary"], texts["bases"], texts["uncertainty"]])
    product_ids = info.product_ids or [f"urn:gscdm:product:{fp['product']}"]
    footprint: dict[str, Any] = {
        "id": _uuid(*_identity(fp, request, SPEC_VERSION_V3)),
        "specVersion": SPEC_VERSION_V3,
        "version": 1,
        "created": f"{today.isoformat()}T00:00:00Z",
        "status": "Active",
        "validityPeriodStart": f"{today.isoformat()}T00:00:00Z",
        "validityPeriodEnd": f"{valid_until.isoformat()}T23:59:59Z",
        "companyName": info.organisation or "unspecified (give --info with organisation.name)",
        "companyIds": info.organisation_ids or ["urn:gscdm:company:unspecified"],
        "productDescription": info.description or fp["functional_unit"],
        "productIds": product_ids,
        **({"productClassifications": [f"urn:pact:productclassification:un-cpc:{info.cpc}"]}
           if info.cpc else {}),
        "productNameCompany": fp["name"] or fp["product"],
        "comment": comment,
        "pcf": pcf,
        "extensions": [_extension(fp, g, bundle)],
    }
    errors = validate_v3(footprint)
    if errors:  # the engine's own output must validate; this is a bug, not a user error
        raise RuntimeError("the PACT document does not validate against "
                           f"{SCHEMA_FILE_V3.name}: " + "; ".join(errors[:5]))
    report = Report(kind="pact", lang=tr.lang, title=str(tr.t("pact.title_v3")),
                    data=footprint, template="pact.html.j2")
    report.context = {
        "product": {"product_number": fp["product"], "name": fp["name"]},
        "per_unit": dict(per_piece),
        "stages": [{"stage": s, "kg_co2e": fp["by_stage"][s], "gate": s in GATE_STAGES}
                   for s in STAGES],
        "header": {"engine_version": __version__, "data_version": fp["data_version"],
                   "report_date": today.isoformat(), "standard": f"PACT {SPEC_VERSION_V3}"},
        "intro": str(tr.t("pact.intro_v3")),
    }
    _warnings(report, info)
    report.sheets = _sheets(footprint, report.context, tr)
    return report


def _warnings(report: Report, info: StudyInfo) -> None:
    if not info.organisation or not info.organisation_ids:
        report.warnings.append("no organisation name or company URN given (--info FILE): the "
                               "PACT document carries placeholders")
    if not info.cpc:
        report.warnings.append("no UN CPC code given (--info FILE, product.cpc): "
                               "the product classification is 'unspecified'")


def build_v2(ws: Workspace, request: ReportRequest, tr: Translator) -> Report:
    """A PACT v2.3 ProductFootprint per kilogram (v2 has no piece), validated against v2.3."""
    from lca_engine import __version__

    bundle = gather(ws, request)
    fp = bundle.data
    info = load_info(request.info)
    today = request.resolved_date()
    mass_kg = round(fp["mass_g"] / 1000.0, 6)  # to the milligram: the declared amount
    if mass_kg <= 0:
        raise ReportError(f"{fp['product']}: the product has no mass, so PACT's per-kilogram "
                          "values cannot be computed", code="pact-rejected")
    g = gate_figures(ws, bundle)
    texts = _texts(fp, g, bundle, tr)
    period = _period(info, today)
    sc = fp["scenario"]
    per_kg: dict[str, float] = {
        "pCfExcludingBiogenic": g.total / mass_kg,
        "pCfIncludingBiogenic": (g.total + g.biogenic_co2 - g.removals) / mass_kg,
        "fossilGhgEmissions": g.fossil / mass_kg,
        "fossilCarbonContent": g.fossil_carbon_kg / mass_kg,
        "biogenicCarbonContent": g.removals * C_PER_CO2 / mass_kg,
        "dLucGhgEmissions": g.land_use / mass_kg,
        "otherBiogenicGhgEmissions": g.biogenic / mass_kg,
        "biogenicCarbonWithdrawal": -g.removals / mass_kg,
        "packagingGhgEmissions": g.packaging / mass_kg,
    }
    comment = " ".join([
        str(tr.t("pact.comment", mass=decimal(mass_kg), product=fp["product"],
                 fmd=f"{bundle.coverage['share']['fmd']:.1%}",
                 polymer=f"{g.polymer_kg:.3f}")),
        texts["primary"], texts["bases"]])
    pcf: dict[str, Any] = {
        "declaredUnit": "kilogram",
        "unitaryProductAmount": decimal(mass_kg),
        **{key: decimal(value) for key, value in per_kg.items()
           if key not in {"packagingGhgEmissions"}},
        # v2.3's deprecated single value can only say AR5 or AR6: it names the assessment
        # report of the characterisation method; the full list is in the field that replaced it
        "characterizationFactors": "AR6",
        "ipccCharacterizationFactorsSources": g.bases,
        "crossSectoralStandardsUsed": ["ISO Standard 14067"],
        "crossSectoralStandards": ["ISO14067"],
        "biogenicAccountingMethodology": "ISO",
        "boundaryProcessesDescription": texts["boundary"],
        "referencePeriodStart": f"{period[0]}T00:00:00Z",
        "referencePeriodEnd": f"{period[1]}T23:59:59Z",
        **_geography(sc["factory_region"]),
        "secondaryEmissionFactorSources": [{"name": "gscdm-background (GSCDM-LCA cited factors)",
                                            "version": fp["data_version"]}],
        "exemptedEmissionsPercent": round(g.exclusion.percent, 6),
        "exemptedEmissionsDescription": texts["exempted"],
        "packagingEmissionsIncluded": True,
        "packagingGhgEmissions": decimal(per_kg["packagingGhgEmissions"]),
        "allocationRulesDescription": str(tr.t("pact.allocation")),
        "uncertaintyAssessmentDescription": texts["uncertainty"],
        "primaryDataShare": round(100.0 * g.primary["share"], 6),
    }
    footprint: dict[str, Any] = {
        "id": _uuid(*_identity(fp, request, SPEC_VERSION)[:-1]),
        "specVersion": SPEC_VERSION,
        "version": 1,
        "created": f"{today.isoformat()}T00:00:00Z",
        "status": "Active",
        "companyName": info.organisation or "unspecified (give --info with organisation.name)",
        "companyIds": info.organisation_ids or ["urn:gscdm:company:unspecified"],
        "productDescription": info.description or fp["functional_unit"],
        "productIds": info.product_ids or [f"urn:gscdm:product:{fp['product']}"],
        "productCategoryCpc": info.cpc or "unspecified",
        "productNameCompany": fp["name"] or fp["product"],
        "comment": comment,
        "pcf": pcf,
        "extensions": [_extension(fp, g, bundle)],
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
        "intro": str(tr.t("pact.intro")),
    }
    _warnings(report, info)
    report.sheets = _sheets(footprint, report.context, tr)
    return report


def publish(ws: Workspace, product: str, *, scenario: Path | None = None,
            info: Path | None = None, report_date: date | None = None) -> PublishOutcome:
    """Publish the product's current v3.0 footprint to this home's PACT host system (a changed
    footprint gets a new id naming its predecessor, which is marked Deprecated)."""
    from .i18n import Translator

    request = ReportRequest(product, "pact", report_date=report_date, scenario=scenario,
                            iterations=0, info=info, pact_version="3.0")
    document = build_v3(ws, request, Translator("en")).data
    return ws.pact_host().publish(product, document, validate_v3)


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


def _errors(validator: Any, document: Any, prefix: str = "") -> list[str]:
    return [f"{prefix}{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
            for e in validator.iter_errors(document)]


def _extension_errors(document: dict[str, Any]) -> list[str]:
    from jsonschema import Draft202012Validator, FormatChecker

    ext_validator = Draft202012Validator(extension_schema(), format_checker=FormatChecker())
    errors: list[str] = []
    for index, ext in enumerate(document.get("extensions") or []):
        if isinstance(ext, dict) and ext.get("dataSchema") == EXTENSION_URI:
            errors += _errors(ext_validator, ext.get("data"), f"extensions/{index}/data/")
    return errors


def validate(document: dict[str, Any]) -> list[str]:
    """Schema errors of a v2.3 ProductFootprint (and of its GSCDM extension); empty when valid."""
    from jsonschema import Draft202012Validator, FormatChecker

    validator = Draft202012Validator(schema(), format_checker=FormatChecker())
    return _errors(validator, document) + _extension_errors(document)


def validate_document(document: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Schema errors of a v3.x or v2.x ProductFootprint, by its specVersion, and the ``$defs`` of
    the schema used (``lca_engine.pact.supplier.PactValidator``)."""
    if str(document.get("specVersion", "")).startswith("2."):
        return validate(document), schema()["$defs"]
    return validate_v3(document), schema_v3()["$defs"]


def validate_v3(document: Any, definition: str = "ProductFootprint") -> list[str]:
    """Schema errors of a v3.0 document — a ProductFootprint, or another definition of the v3
    schema (``ListFootprintsResponse``, ``RequestFulfilledEvent``, …); empty when valid."""
    from jsonschema import Draft202012Validator, FormatChecker

    root = schema_v3()
    target = {"$schema": root["$schema"], "$defs": root["$defs"],
              "$ref": f"#/$defs/{definition}"}
    validator = Draft202012Validator(target, format_checker=FormatChecker())
    errors = _errors(validator, document)
    if definition == "ProductFootprint" and isinstance(document, dict):
        errors += _extension_errors(document)
    return errors


__all__ = ["SCHEMA_FILE", "SCHEMA_FILE_V3", "SPEC_VERSION", "SPEC_VERSION_V3", "build",
           "decimal", "publish", "schema", "schema_v3", "validate", "validate_document",
           "validate_v3"]
