"""ISO 14067:2018 carbon footprint study report (CFP study report, clause 7).

Goal and scope, functional unit, system boundary (diagram), cut-off criteria, data sources and
quality, allocation and recycled content, GWP method, results by stage / part / material with the
fossil, biogenic and land-use GHG separately, uncertainty (Monte Carlo P5/P50/P95), sensitivity
(re-runs of ``Workspace.footprint`` with scenario overrides), limitations and provenance.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from . import charts
from .common import (
    GATE_STAGES,
    STAGES,
    FootprintBundle,
    gather,
    load_info,
    read_yaml,
    report_header,
    stage_ghg,
    stage_table,
)
from .i18n import Translator
from .model import Report, ReportRequest, Sheet
from .render import font_family

if TYPE_CHECKING:
    from lca_engine.workspace import Workspace

STANDARD = "ISO 14067:2018"
#: Manufacturer per-GB factors used as the alternative to the die-area model (memory types).
PER_GB = {"dram": ("ic.dram.per_cm2", "ic.dram.ddr4.per_gb", "ic.dram.lpddr4.per_gb"),
          "nand": ("ic.nand.per_cm2", "ic.nand.tlc.per_gb", "ic.nand.tlc.per_gb")}
_CAPACITY = re.compile(r"(\d+(?:\.\d+)?)\s*(GB|TB)\b", re.IGNORECASE)


# -- sensitivity -------------------------------------------------------------------------------

def _variations(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    """The scenario alternatives of the sensitivity analysis, as override layers."""
    lifetime = float(scenario["lifetime_years"])
    use_region = scenario["use_region"]
    factory_region = scenario["factory_region"]
    out: list[dict[str, Any]] = []
    for delta in (-1.0, 1.0):
        if lifetime + delta >= 1.0:
            out.append({"id": f"lifetime{delta:+g}", "parameter": "lifetime_years",
                        "value": lifetime + delta, "base": lifetime,
                        "override": {"lifetime_years": lifetime + delta}})
    for region in ("CN", "US", "EU27"):
        if region != use_region:
            out.append({"id": f"use_region.{region}", "parameter": "use_region",
                        "value": region, "base": use_region,
                        "override": {"use": {"region": region}}})
    if factory_region.startswith("CN") and factory_region != "CN":
        out.append({"id": "factory_grid.CN", "parameter": "factory_grid", "value": "CN",
                    "base": factory_region, "override": {"factory": {"region": "CN"}}})
    if factory_region.startswith("CN"):
        out.append({"id": "factory_grid.CN-2024", "parameter": "factory_grid_factor",
                    "value": "grid.cn.national.lca.2024", "base": factory_region,
                    "override": {"factory": {"region": "CN-2024"},
                                 "regions": {"CN-2024": "grid.cn.national.lca.2024"}}})
    pv = float(scenario.get("pv_share") or 0.0)
    if pv < 0.3:
        out.append({"id": "pv_share.0.3", "parameter": "pv_share", "value": 0.3, "base": pv,
                    "override": {"factory": {"pv_share": 0.3}}})
    return out


def memory_per_gb(bundle: FootprintBundle) -> list[dict[str, Any]]:
    """Memory and storage by manufacturer per-GB factors instead of the die-area model.

    A substitution on the computed result: the die-area contribution of DRAM (NAND) dies is
    replaced by capacity × per-GB factor, capacity read from the part names ("16 GB"). Only when
    every part with such dies states its capacity; otherwise the row says why it is missing.
    """
    from lca_engine.background import factor_index

    factors = factor_index()
    names = {n.part_number: n.name or "" for n in bundle.view.nodes}
    units = {n.part_number: n.total_quantity for n in bundle.view.nodes}
    contribution = {m["dataset"]: m["kg_co2e"] for m in bundle.result.by_material}
    total = bundle.result.total_kg_co2e
    rows = []
    for kind, (die_key, default_key, lp_key) in PER_GB.items():
        parts = sorted({r["part_number"] for r in bundle.inventory if r["dataset"] == die_key})
        if not parts or die_key not in contribution:
            continue
        capacity = 0.0
        missing = []
        low_power = False
        for part in parts:
            match = _CAPACITY.search(names.get(part, ""))
            if not match:
                missing.append(part)
                continue
            gb = float(match.group(1)) * (1024.0 if match.group(2).upper() == "TB" else 1.0)
            capacity += gb * units.get(part, 1.0)
            low_power = low_power or "LPDDR" in names.get(part, "").upper()
        per_gb_key = lp_key if low_power else default_key
        row: dict[str, Any] = {"id": f"per_gb.{kind}", "parameter": f"{kind}_per_gb",
                               "method": "substitution", "parts": parts,
                               "die_dataset": die_key, "per_gb_dataset": per_gb_key,
                               "base": die_key, "value": per_gb_key}
        if missing or per_gb_key not in factors:
            row.update({"capacity_gb": None, "missing_capacity": missing,
                        "total_kg_co2e": None, "delta_kg_co2e": None, "delta_pct": None})
        else:
            replaced = capacity * factors[per_gb_key].gwp100_kg_co2e
            new_total = total - contribution[die_key] + replaced
            row.update({"capacity_gb": capacity, "missing_capacity": [],
                        "die_kg_co2e": contribution[die_key], "per_gb_kg_co2e": replaced,
                        "total_kg_co2e": new_total, "delta_kg_co2e": new_total - total,
                        "delta_pct": (new_total - total) / total if total else 0.0,
                        "by_stage": {**bundle.result.by_stage, "materials":
                                     bundle.result.by_stage["materials"] - contribution[die_key]
                                     + replaced}})
        rows.append(row)
    return rows


def sensitivity(ws: Workspace, request: ReportRequest, bundle: FootprintBundle
                ) -> list[dict[str, Any]]:
    """Re-run ``Workspace.footprint`` for each scenario alternative (override YAML in a temp
    directory, merged over the user's ``--scenario`` file), then add the per-GB substitution."""
    base_layer: dict[str, Any] = {}
    if request.scenario is not None:
        base_layer = read_yaml(Path(request.scenario), "scenario")
    total = bundle.result.total_kg_co2e
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="gscdm-sensitivity-") as tmp:
        for index, variation in enumerate(_variations(bundle.data["scenario"])):
            from lca_engine.scenario import deep_merge

            layer = deep_merge(base_layer, variation["override"])
            path = Path(tmp) / f"sensitivity-{index}.yaml"
            path.write_text(yaml.safe_dump(layer, sort_keys=True), encoding="utf-8")
            result = ws.footprint(request.product, scenario=path, iterations=0)
            rows.append({**{k: v for k, v in variation.items()}, "method": "re-run",
                         "total_kg_co2e": result.total_kg_co2e,
                         "delta_kg_co2e": result.total_kg_co2e - total,
                         "delta_pct": (result.total_kg_co2e - total) / total if total else 0.0,
                         "by_stage": dict(result.by_stage)})
    rows.extend(memory_per_gb(bundle))
    return rows


def _label(row: dict[str, Any], tr: Translator) -> str:
    parameter = row["parameter"]
    value = row["value"]
    if parameter == "lifetime_years":
        return str(tr.t("cfp.sens.lifetime", value=tr.num(value, 0) if float(value).is_integer()
                        else tr.num(value, 1)))
    if parameter == "use_region":
        return str(tr.t("cfp.sens.use_region", value=tr.region(value)))
    if parameter == "factory_grid":
        return str(tr.t("cfp.sens.factory_grid", value=tr.region(value)))
    if parameter == "factory_grid_factor":
        return str(tr.t("cfp.sens.factory_grid_2024"))
    if parameter == "pv_share":
        return str(tr.t("cfp.sens.pv_share", value=tr.pct(value, 0)))
    if parameter.endswith("_per_gb"):
        return str(tr.t(f"cfp.sens.{parameter}"))
    return f"{parameter} = {value}"


# -- the report --------------------------------------------------------------------------------

def known_omissions(tr: Translator) -> list[str]:
    """Gaps of the shipped background data: from ``dataset.yaml`` if it lists them."""
    from lca_engine.background import manifest

    listed = manifest().get("known_omissions")
    if isinstance(listed, list) and listed and tr.lang == "en":
        return [str(item) for item in listed]
    return [str(item) for item in tr.t("cfp.limitations.omissions")]


def build(ws: Workspace, request: ReportRequest, tr: Translator) -> Report:
    from lca_engine.pact.supplier import primary_data_share, stored

    bundle = gather(ws, request)
    result, fp = bundle.result, bundle.data
    split = stage_ghg(ws, bundle.model, result)
    sens = sensitivity(ws, request, bundle) if request.sensitivity else []
    info = load_info(request.info)
    scenario = fp["scenario"]
    total = fp["total_kg_co2e"]
    gate = sum(fp["by_stage"][s] for s in GATE_STAGES)
    packaging = sum(p["kg_co2e"] for p in fp["by_part"] if p["group"] == "packaging")
    gaps_share = sum(g["share_of_product_mass"] for g in fp["data_gaps"])
    air = any(leg["mode"] == "air" for leg in scenario["legs"])
    basis_counts: dict[str, int] = {}
    for factor in bundle.factors:
        basis = factor["gwp_basis"] or "user"
        basis_counts[basis] = basis_counts.get(basis, 0) + 1
    data: dict[str, Any] = {
        "report": report_header("cfp", request, str(tr.t("cfp.title")), STANDARD,
                                fp["data_version"]),
        "study": info.as_json(),
        "product": {"product_number": fp["product"], "name": fp["name"],
                    "mass_g": fp["mass_g"], "packaging_mass_g": fp["packaging_mass_g"],
                    "mass_excl_packaging_g": fp["mass_g"] - fp["packaging_mass_g"]},
        "goal_and_scope": {
            "functional_unit": fp["functional_unit"],
            "reference_flow": {"units": 1, "mass_g": fp["mass_g"]},
            "declared_unit_cradle_to_gate": "one unit of product at the factory gate",
            "system_boundary": "cradle-to-grave",
            "stages": list(STAGES),
            "lifetime_years": scenario["lifetime_years"],
            "use_region": scenario["use_region"],
            "factory_region": scenario["factory_region"],
            "eol_region": scenario["eol_region"],
            "eol_mix": scenario["eol_mix"],
            "allocation": scenario["allocation"],
            "gwp_horizon": scenario["gwp_horizon"],
        },
        "data_quality": {
            "primary_fmd_mass_share": bundle.coverage["share"]["fmd"],
            "bom_mass_share": bundle.coverage["share"]["bom"],
            "gap_mass_share": bundle.coverage["share"]["gap"],
            "parts_by_source": bundle.coverage["parts"],
            "data_gap_mass_share": gaps_share,
            "proxy_share_of_materials": fp["proxy_share_of_materials"],
            "quality_flags": bundle.coverage["flags"],
            "gwp_bases": dict(sorted(basis_counts.items())),
            "factors": bundle.factors,
        },
        "method": {"gwp": fp["method"], "brightway_method": fp["provenance"]["method"],
                   "characterisation": "IPCC 2021 (AR6) GWP100",
                   "biogenic_co2": "reported separately (characterisation factor 0 for "
                                   "biogenic CO2 emissions and uptake; 0/0 convention)"},
        "footprint": fp,
        "ghg_by_stage": split,
        "cradle_to_gate": {"stages": list(GATE_STAGES), "kg_co2e": gate,
                           "share": gate / total if total else 0.0},
        "packaging_kg_co2e": packaging,
        "aircraft_transport": air,
        "sensitivity": sens,
        "inventory": bundle.inventory,
        "primary_supplier_data": primary_data_share(bundle.model, result,
                                                    {p.id: p for p in stored(ws.database)}),
    }
    report = Report(kind="cfp", lang=tr.lang, title=str(tr.t("cfp.title")), data=data,
                    template="cfp.html.j2")
    report.context = {
        "stages": stage_table(fp),
        "omissions": known_omissions(tr),
        "sens_labels": {row["id"]: _label(row, tr) for row in sens},
        "top_parts": fp["by_part"][:15],
        "top_materials": fp["by_material"][:15],
    }
    report.charts = _charts(data, report.context, tr)
    report.sheets = sheets(data, report.context, tr)
    _add_benchmark(ws, request, report, tr)
    if gaps_share > 0:
        report.warnings.append(f"{len(fp['data_gaps'])} data gap(s), {gaps_share:.2%} of the "
                               "product mass (listed in the report)")
    return report


def _add_benchmark(ws: Workspace, request: ReportRequest, report: Report,
                   tr: Translator, *, compact: bool = False) -> None:
    """The footprint among published sheets of comparable products (reports/benchmark.py)."""
    from .benchmark import benchmark_chart, benchmark_data, benchmark_sheet

    report.data["benchmark"] = benchmark_data(ws, request,
                                              report.data["footprint"]["total_kg_co2e"])
    chart = benchmark_chart(report.data["benchmark"], tr, compact=compact)
    if chart:
        report.charts["benchmark"] = chart
        report.sheets.append(benchmark_sheet(report.data["benchmark"], tr))


def _charts(data: dict[str, Any], context: dict[str, Any], tr: Translator) -> dict[str, str]:
    fp = data["footprint"]
    unit = str(tr.t("units.kg_co2e_fu"))
    out = {
        "stages": charts.stage_bars([(s["stage"], tr.stage(s["stage"]), s["kg_co2e"])
                                     for s in context["stages"]], unit, tr.lang, tr.kg),
        "parts": charts.top_bars([(f"{p['part_number']} {p['name'] or ''}".strip(),
                                   p["kg_co2e"]) for p in fp["by_part"][:12]], unit, tr.lang,
                                 number=tr.kg),
        "boundary": charts.boundary_diagram(
            [(s, tr.stage(s), str(tr.t(f"cfp.boundary.{s}"))) for s in STAGES],
            str(tr.t("cfp.boundary.gate")), str(tr.t("cfp.boundary.grave")),
            str(tr.t("cfp.boundary.excluded")), font_family(tr.lang)),
    }
    rows = [(context["sens_labels"][r["id"]], r["total_kg_co2e"]) for r in data["sensitivity"]
            if r.get("total_kg_co2e") is not None]
    if rows:
        out["sensitivity"] = charts.tornado(fp["total_kg_co2e"], rows,
                                            str(tr.t("cfp.sens.axis")), tr.lang, tr.signed)
    return out


def sheets(data: dict[str, Any], context: dict[str, Any], tr: Translator) -> list[Sheet]:
    fp = data["footprint"]
    kg = "0.000"
    pct = "0.0%"
    summary = [
        [tr.t("xlsx.product"), fp["product"]],
        [tr.t("xlsx.name"), fp["name"]],
        [tr.t("xlsx.functional_unit"), fp["functional_unit"]],
        [tr.t("xlsx.method"), fp["method"]],
        [tr.t("xlsx.total"), fp["total_kg_co2e"]],
        [tr.t("xlsx.cradle_to_gate"), data["cradle_to_gate"]["kg_co2e"]],
        [tr.t("ghg.fossil"), fp["ghg"]["fossil"]],
        [tr.t("ghg.biogenic"), fp["ghg"]["biogenic"]],
        [tr.t("ghg.land_use"), fp["ghg"]["land_use"]],
        [tr.t("ghg.biogenic_co2_emissions"), fp["biogenic_carbon"]["biogenic_co2_emissions_kg"]],
        [tr.t("ghg.biogenic_removals"),
         fp["biogenic_carbon"]["biogenic_carbon_removals_kg_co2"]],
    ]
    if "uncertainty" in fp:
        u = fp["uncertainty"]
        summary += [[f"P5 ({u['iterations']})", u["p5"]], ["P50", u["p50"]], ["P95", u["p95"]],
                    [tr.t("xlsx.mc_mean"), u["mean"]]]
    summary += [[tr.t("xlsx.engine_version"), fp["provenance"]["engine_version"]],
                [tr.t("xlsx.data_version"), fp["data_version"]],
                [tr.t("xlsx.report_date"), data["report"]["report_date"]]]
    out = [Sheet(str(tr.t("xlsx.sheet.summary")), [str(tr.t("xlsx.item")),
                                                   str(tr.t("xlsx.value"))],
                 summary, {1: "General"})]
    out.append(stage_sheet(data, tr))
    out.append(Sheet(str(tr.t("xlsx.sheet.by_part")),
                     [str(tr.t(k)) for k in ("xlsx.part", "xlsx.name", "xlsx.group",
                                             "xlsx.units", "xlsx.kg", "xlsx.share")],
                     [[p["part_number"], p["name"], p["group"], p["units_per_product"],
                       p["kg_co2e"], p["share"]] for p in fp["by_part"]],
                     {4: kg, 5: pct}))
    out.append(Sheet(str(tr.t("xlsx.sheet.by_material")),
                     [str(tr.t(k)) for k in ("xlsx.material", "xlsx.dataset", "xlsx.kg",
                                             "xlsx.share")],
                     [[m["material"], m["dataset"], m["kg_co2e"], m["share"]]
                      for m in fp["by_material"]], {2: kg, 3: pct}))
    if data.get("sensitivity"):
        out.append(Sheet(str(tr.t("xlsx.sheet.sensitivity")),
                         [str(tr.t(k)) for k in ("xlsx.case", "xlsx.method_col", "xlsx.total",
                                                 "xlsx.delta", "xlsx.delta_pct")],
                         [[context["sens_labels"][r["id"]], r["method"], r["total_kg_co2e"],
                           r["delta_kg_co2e"], r["delta_pct"]] for r in data["sensitivity"]],
                         {2: kg, 3: kg, 4: pct}))
    out.append(inventory_sheet(data["inventory"], tr))
    out.append(factor_sheet(data["data_quality"]["factors"], tr))
    return out


def stage_sheet(data: dict[str, Any], tr: Translator) -> Sheet:
    fp = data["footprint"]
    split = data.get("ghg_by_stage") or {}
    rows = []
    for s in stage_table(fp):
        g = split.get(s["stage"], {})
        rows.append([tr.stage(s["stage"]), s["kg_co2e"], s["share"], g.get("fossil"),
                     g.get("biogenic"), g.get("land_use"), g.get("biogenic_co2_emissions_kg"),
                     g.get("biogenic_carbon_removals_kg_co2")])
    rows.append([str(tr.t("common.total")), fp["total_kg_co2e"], 1.0, fp["ghg"]["fossil"],
                 fp["ghg"]["biogenic"], fp["ghg"]["land_use"],
                 fp["biogenic_carbon"]["biogenic_co2_emissions_kg"],
                 fp["biogenic_carbon"]["biogenic_carbon_removals_kg_co2"]])
    return Sheet(str(tr.t("xlsx.sheet.by_stage")),
                 [str(tr.t(k)) for k in ("xlsx.stage", "xlsx.kg", "xlsx.share", "ghg.fossil",
                                         "ghg.biogenic", "ghg.land_use",
                                         "ghg.biogenic_co2_emissions", "ghg.biogenic_removals")],
                 rows, {1: "0.000", 2: "0.0%", 3: "0.000", 4: "0.000", 5: "0.000", 6: "0.000",
                        7: "0.000"})


def inventory_sheet(rows: list[dict[str, Any]], tr: Translator) -> Sheet:
    return Sheet(str(tr.t("xlsx.sheet.inventory")),
                 [str(tr.t(k)) for k in ("xlsx.stage", "xlsx.part", "xlsx.material",
                                         "xlsx.rule", "xlsx.dataset", "xlsx.amount_per_part",
                                         "xlsx.units", "xlsx.amount", "xlsx.proxy",
                                         "xlsx.derivation")],
                 [[tr.stage(r["stage"]), r["part_number"], r["material"], r["rule"],
                   r["dataset"], r["amount_per_part"], r["units_per_product"], r["amount"],
                   r["proxy"], r["label"]] for r in rows],
                 {5: "0.000000", 7: "0.000000"})


def factor_sheet(factors: list[dict[str, Any]], tr: Translator) -> Sheet:
    return Sheet(str(tr.t("xlsx.sheet.factors")),
                 [str(tr.t(k)) for k in ("xlsx.dataset", "xlsx.name", "xlsx.unit",
                                         "xlsx.factor", "xlsx.gwp_basis", "xlsx.geography",
                                         "xlsx.year", "xlsx.uncertainty", "xlsx.amount",
                                         "xlsx.kg", "xlsx.source", "xlsx.source_detail",
                                         "xlsx.url")],
                 [[f["key"], f["name"], f["unit"], f["value_kg_co2e"], f["gwp_basis"],
                   f["geography"], f["year"], f["uncertainty"], f["amount_per_unit"],
                   f["materials_kg_co2e"], f["source"], f["source_detail"], f["url"]]
                  for f in factors],
                 {3: "0.000000", 8: "0.000000", 9: "0.000"})


__all__ = ["build", "memory_per_gb", "sensitivity"]
