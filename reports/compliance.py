"""Substance-compliance summary of a product: EU RoHS, REACH SVHC (per article), IEC 62474 DSL
and the China RoHS hazardous-substance table (SJ/T 11364 marking), from ``ComplianceResult``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .common import load_info, report_header
from .i18n import Translator
from .model import Report, ReportRequest, Sheet

if TYPE_CHECKING:
    from lca_engine.workspace import Workspace


def build(ws: Workspace, request: ReportRequest, tr: Translator) -> Report:
    try:
        result = ws.compliance(request.product, on=request.resolved_date())
    except KeyError:
        raise LookupError(f"no product or part {request.product!r} in the database") from None
    info = load_info(request.info)
    screening = result.as_json()
    data: dict[str, Any] = {
        "report": report_header("compliance", request, str(tr.t("compliance.title")),
                                "EU RoHS · REACH · IEC 62474 · China RoHS", None),
        "study": info.as_json(),
        "product": {"product_number": result.product, "name": result.name,
                    "mass_g": result.mass_g, "kind": result.kind},
        "compliance": screening,
    }
    report = Report(kind="compliance", lang=tr.lang, title=str(tr.t("compliance.title")),
                    data=data, template="compliance.html.j2")
    headers = screening["china_rohs"]["headers"]
    report.context = {
        "rohs_headers": [(h.get("en", h["key"]), h.get("zh") if tr.lang == "zh" else None)
                         for h in headers],
        "outcomes": ["restricted", "needs review", "exempt", "declarable", "disclose"],
    }
    report.sheets = _sheets(screening, tr)
    return report


def _sheets(c: dict[str, Any], tr: Translator) -> list[Sheet]:
    findings = [[f["part_number"], f["article"] if f["basis"] == "article" else f["material"],
                 f["substance"], f["cas"], f["concentration_ppm"], f["limit_ppm"],
                 f["regulation"], f["outcome"], f["exemption"], f["exemption_expires"],
                 f["basis"], f["substance_mass_g"], f["reference_mass_g"], f["exemption_list"],
                 "; ".join(f"{x['id']} ({x['expires'] or '?'})"
                           for x in f["candidate_exemptions"]) or None]
                for f in c["findings"]]
    keys = [h.get("en", h["key"]) for h in c["china_rohs"]["headers"]]
    table = [[r["part_number"], r["name"], *(r["marks"].get(k, "?") for k in keys)]
             for r in c["china_rohs"]["table"]]
    gaps = [[g["part_number"], g["name"], g["material"], g["substance"], g["reason"]]
            for g in c["gaps"]]
    gaps += [[u["part_number"], None, u["material"], u["substance"], u["reason"]]
             for u in c["unresolved_substances"]]
    return [
        Sheet(str(tr.t("xlsx.sheet.findings")),
              [str(tr.t(k)) for k in ("xlsx.part", "compliance.where", "compliance.substance",
                                      "compliance.cas", "compliance.ppm", "compliance.limit",
                                      "compliance.regulation", "compliance.outcome",
                                      "compliance.exemption", "compliance.expires",
                                      "compliance.basis", "compliance.substance_g",
                                      "compliance.reference_g", "compliance.exemption_list",
                                      "compliance.candidates")],
              findings, {4: "#,##0.0", 5: "#,##0"}),
        Sheet(str(tr.t("xlsx.sheet.china_rohs")),
              [str(tr.t("xlsx.part")), str(tr.t("xlsx.name")), *keys], table,
              note=str(tr.t("compliance.rohs_legend"))),
        Sheet(str(tr.t("xlsx.sheet.parts")),
              [str(tr.t(k)) for k in ("xlsx.part", "xlsx.name", "xlsx.units",
                                      "compliance.status", "compliance.declaration")],
              [[p["part_number"], p["name"], p["quantity"], p["status"], p["declaration_file"]]
               for p in c["parts"]]),
        Sheet(str(tr.t("xlsx.sheet.gaps")),
              [str(tr.t(k)) for k in ("xlsx.part", "xlsx.name", "compliance.material",
                                      "compliance.substance", "compliance.reason")], gaps),
    ]


__all__ = ["build"]
