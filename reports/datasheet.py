"""One-page product carbon footprint (PCF) datasheet, in the style manufacturers publish.

PAIA-built ICT sheets headline a high percentile of the Monte Carlo distribution; this sheet
shows the 95th percentile *and* the mean (and the deterministic value), each labelled, with the
stage breakdown, the key assumptions and the recycled / bio-based content of the materials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import charts
from .common import gather, load_info, recycled_content, report_header, stage_table
from .i18n import Translator
from .model import Report, ReportRequest, Sheet

if TYPE_CHECKING:
    from lca_engine.workspace import Workspace


def transport_by_mode(legs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The legs summarised per mode, in order of appearance, so that a route split by ``share``
    (e.g. 62.4 % flown, 37.6 % by sea) fits the one-page sheet: a mode on one leg shows its km
    and share; several legs of a mode show the distance per unit, Σ km × share (the sum of their
    km when every unit travels them all)."""
    modes: dict[str, list[dict[str, Any]]] = {}
    for leg in legs:
        modes.setdefault(leg["mode"], []).append(leg)
    summary = []
    for mode, group in modes.items():
        if len(group) == 1:
            summary.append({"mode": mode, "km": group[0]["km"],
                            "share": group[0].get("share", 1.0)})
        else:
            summary.append({"mode": mode, "share": 1.0,
                            "km": sum(leg["km"] * leg.get("share", 1.0) for leg in group)})
    return summary


def build(ws: Workspace, request: ReportRequest, tr: Translator) -> Report:
    bundle = gather(ws, request)
    fp = bundle.data
    info = load_info(request.info)
    sc = fp["scenario"]
    u = fp.get("uncertainty")
    content = recycled_content(bundle.view)
    all_mass = content["product"]["mass_g"] + content["packaging"]["mass_g"]
    content["bio_based_share"] = ((content["product"]["bio_based_g"]
                                   + content["packaging"]["bio_based_g"]) / all_mass
                                  if all_mass else 0.0)
    headline = {
        "deterministic_kg_co2e": fp["total_kg_co2e"],
        "mean_kg_co2e": u["mean"] if u else None,
        "p95_kg_co2e": u["p95"] if u else None,
        "p5_kg_co2e": u["p5"] if u else None,
        "p50_kg_co2e": u["p50"] if u else None,
        "iterations": u["iterations"] if u else 0,
        "headline": "p95" if u else "deterministic",
    }
    assumptions = {
        "lifetime_years": sc["lifetime_years"],
        "use_region": sc["use_region"],
        "tec_kwh_per_year": sc["tec_kwh_per_year"],
        "use_kwh": sc["use_kwh"],
        "product_mass_kg": (fp["mass_g"] - fp["packaging_mass_g"]) / 1000.0,
        "packaging_mass_kg": fp["packaging_mass_g"] / 1000.0,
        "assembly_region": sc["factory_region"],
        "pv_share": sc["pv_share"],
        "transport": transport_by_mode(sc["legs"]),
        "eol_mix": sc["eol_mix"],
        "allocation": sc["allocation"],
    }
    packaging_kg = sum(p["kg_co2e"] for p in fp["by_part"] if p["group"] == "packaging")
    data: dict[str, Any] = {
        "report": report_header("datasheet", request, str(tr.t("datasheet.title")),
                                "ISO 14067:2018", fp["data_version"]),
        "study": info.as_json(),
        "product": {"product_number": fp["product"], "name": fp["name"],
                    "mass_g": fp["mass_g"], "packaging_mass_g": fp["packaging_mass_g"]},
        "headline": headline,
        "stages": stage_table(fp),
        "assumptions": assumptions,
        "content": content,
        "packaging_kg_co2e": packaging_kg,
        "top_parts": [{"part_number": p["part_number"], "name": p["name"],
                       "kg_co2e": p["kg_co2e"], "share": p["share"]} for p in fp["by_part"][:5]],
        "footprint": fp,
    }
    report = Report(kind="datasheet", lang=tr.lang, title=str(tr.t("datasheet.title")),
                    data=data, template="datasheet.html.j2")
    centre = tr.kg(fp["total_kg_co2e"])
    report.charts = {"donut": charts.stage_donut(
        [(s["stage"], tr.stage(s["stage"]), s["kg_co2e"]) for s in data["stages"]],
        centre, tr.lang)}
    report.context = {"colours": charts.STAGE_COLOURS}
    report.sheets = _sheets(data, tr)
    _add_benchmark(ws, request, report, tr)
    if not u:
        report.warnings.append("no Monte Carlo run (--iterations 0): the datasheet shows the "
                               "deterministic value only, without the 95th percentile")
    return report


def _add_benchmark(ws: Workspace, request: ReportRequest, report: Report,
                   tr: Translator) -> None:
    from .cfp import _add_benchmark as add

    add(ws, request, report, tr, compact=True)


def _sheets(data: dict[str, Any], tr: Translator) -> list[Sheet]:
    from .cfp import stage_sheet

    h = data["headline"]
    a = data["assumptions"]
    c = data["content"]
    rows = [
        [str(tr.t("datasheet.p95")), h["p95_kg_co2e"]],
        [str(tr.t("datasheet.mean")), h["mean_kg_co2e"]],
        [str(tr.t("datasheet.deterministic")), h["deterministic_kg_co2e"]],
        [str(tr.t("datasheet.iterations")), h["iterations"]],
        [str(tr.t("datasheet.a.lifetime")), a["lifetime_years"]],
        [str(tr.t("datasheet.a.use_region")), a["use_region"]],
        [str(tr.t("datasheet.a.tec")), a["tec_kwh_per_year"]],
        [str(tr.t("datasheet.a.weight")), a["product_mass_kg"]],
        [str(tr.t("datasheet.a.packaging")), a["packaging_mass_kg"]],
        [str(tr.t("datasheet.a.assembly")), a["assembly_region"]],
    ]
    highlights = [
        [str(tr.t("datasheet.c.product_recycled")), c["product"]["recycled_share"]],
        [str(tr.t("datasheet.c.plastic_recycled")), c["product"]["plastic_recycled_share"]],
        [str(tr.t("datasheet.c.metal_recycled")), c["product"]["metal_recycled_share"]],
        [str(tr.t("datasheet.c.packaging_recycled")), c["packaging"]["recycled_share"]],
        [str(tr.t("datasheet.c.packaging_fibre")), c["packaging"]["fibre_share"]],
        [str(tr.t("datasheet.c.packaging_plastic")), c["packaging"]["plastic_share"]],
        [str(tr.t("datasheet.c.bio_based")), c["bio_based_share"]],
    ]
    return [Sheet(str(tr.t("xlsx.sheet.summary")), [str(tr.t("xlsx.item")),
                                                    str(tr.t("xlsx.value"))], rows),
            stage_sheet(data, tr),
            Sheet(str(tr.t("xlsx.sheet.highlights")), [str(tr.t("xlsx.item")),
                                                       str(tr.t("xlsx.value"))],
                  highlights, {1: "0.0%"})]


__all__ = ["build"]
