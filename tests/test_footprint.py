"""Footprints computed by Brightway, checked against hand calculations written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gscdm.cli import main
from lca_engine.background import factor_index
from lca_engine.footprint import DataGapError
from lca_engine.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "bom_samples" / "notebook14"
F = {key: f.gwp100_kg_co2e for key, f in factor_index().items()}
REL = 1e-6  # Brightway stores amounts as float32


@pytest.fixture(scope="module")
def workspace(notebook_workspace: Workspace) -> Workspace:
    return notebook_workspace


@pytest.fixture(scope="module")
def result(workspace):  # type: ignore[no-untyped-def]
    return workspace.footprint("NB14-G5")


def test_json_shape_follows_the_spec(result) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(result.as_json()))
    assert {"product", "functional_unit", "method", "data_version", "total_kg_co2e", "by_stage",
            "ghg", "by_part", "by_material"} <= set(data)
    assert set(data["by_stage"]) == {"materials", "manufacturing", "distribution", "use",
                                     "end_of_life"}
    assert set(data["ghg"]) == {"fossil", "biogenic", "land_use"}
    assert {"part_number", "kg_co2e"} <= set(data["by_part"][0])
    assert {"material", "kg_co2e"} <= set(data["by_material"][0])
    assert "uncertainty" not in data  # only with --iterations
    assert data["functional_unit"] == "one GS 14 Business Notebook G5 over a 4-year service life"


def test_use_stage_is_tec_times_years_times_grid(result) -> None:  # type: ignore[no-untyped-def]
    # 18.5 kWh/yr × 4 yr × 0.24383 kg CO2e/kWh (grid.eu27.lca) = 18.04342
    assert result.by_stage["use"] == pytest.approx(18.5 * 4 * F["grid.eu27.lca"], rel=REL)
    assert result.by_stage["use"] == pytest.approx(18.04342, rel=1e-5)


def test_one_part_is_its_mass_times_its_cited_factors(result) -> None:  # type: ignore[no-untyped-def]
    plate = next(p for p in result.by_part if p["part_number"] == "NB14-KB-PLATE")
    # 39.2 g Al 5052 (rolled, primary 12.8) + 0.8 g PET sheet (3.864 incl. forming)
    expected = 0.0392 * F["metal.aluminium.rolled.primary.gb"] + 0.0008 * F["plastic.pet.virgin.gb"]
    assert plate["kg_co2e"] == pytest.approx(expected, rel=REL)
    assert plate["kg_co2e"] == pytest.approx(0.0392 * 12.8 + 0.0008 * 3.864, rel=1e-4)


def test_cnc_yield_applies_to_the_machined_alloy_only(result) -> None:  # type: ignore[no-untyped-def]
    cover = next(p for p in result.by_part if p["part_number"] == "NB14-ACOV-01")
    expected = (0.1412 / 0.30 * F["metal.aluminium.extruded.primary.gb"]  # 6063, yield 0.3
                + 0.0026 * 0.8 * F["plastic.pc.virgin.gb"]         # PC + 20 % GF window:
                + 0.0026 * 0.2 * F["glass.fibre.e_glass.us"]       # resin and glass split
                + 0.0009 * F["plastic.average.virgin.gb"]          # acrylic foam tape (proxy)
                + 0.0005 * F["metal.copper.tube_sheet.primary.eu"]  # copper foil tape
                + 0.0012 * F["metal.stainless_steel.scrap_route.glo"])  # SUS304 nuts
    assert cover["kg_co2e"] == pytest.approx(expected, rel=REL)  # the oxide is "included"


def test_screws_count_24_times(result) -> None:  # type: ignore[no-untyped-def]
    screws = next(p for p in result.by_part if p["part_number"] == "NB14-SCR-M2X3")
    assert screws["units_per_product"] == 24
    assert screws["kg_co2e"] > 0


def test_distribution_is_tonne_km_per_leg(result) -> None:  # type: ignore[no-untyped-def]
    tonnes = 2052.0 / 1e6  # product incl. adapter set and packaging
    # 37.6 % of units by sea (100 + 800 km truck, 19,500 km sea), 62.4 % flown (60 + 500 km
    # truck, 9,000 km air): the default air-freight share (US laptop imports by mode, 2023)
    truck, sea, air = (F["transport.truck.hgv.average"], F["transport.sea.container.average"],
                       F["transport.air.freight.longhaul"])
    expected = tonnes * (0.376 * ((100 + 800) * truck + 19500 * sea)
                         + 0.624 * ((60 + 500) * truck + 9000 * air))
    assert result.by_stage["distribution"] == pytest.approx(expected, rel=REL)


def test_manufacturing_is_factory_kwh_times_the_east_china_grid(result) -> None:  # type: ignore[no-untyped-def]
    q = result.quantities
    # SMT: board area × 2 sides × 0.119 oven-h/m² × 10.9 kW (SAC305)
    assert q["reflow_kwh"] == pytest.approx(q["board_area_m2"] * 2 * 0.119 * 10.9)
    assert q["moulding_kwh"] == pytest.approx(q["moulded_plastic_kg"] * 0.613)
    kwh = 6.45 + q["reflow_kwh"] + q["moulding_kwh"] + q["process_kwh"]
    assert q["factory_kwh"] == pytest.approx(kwh)
    assert result.by_stage["manufacturing"] == pytest.approx(kwh * F["grid.cn.east.lca"],
                                                             rel=REL)


def test_a_cover_cnc_electricity_is_removed_mass_times_kwh_per_kg_times_factory_grid(
        result) -> None:  # type: ignore[no-untyped-def]
    q = result.quantities
    # 141.2 g of 6063 finished at material yield 0.30: the block is 470.7 g, so
    # 0.1412 × (1/0.3 − 1) = 0.329467 kg leaves as chips; CNC milling 0.329 kWh per kg removed
    # (defaults.yaml, process.cnc_milling.aluminium.per_kg_removed.cn) → 0.108395 kWh, at the
    # CN-EAST grid without PV (0.643187 kg CO2e/kWh) = 0.069718 kg CO2e
    removed_kg = 0.1412 * (1 / 0.30 - 1)
    assert q["process_kg.cnc_machining"] == pytest.approx(removed_kg)
    assert q["process_kwh.cnc_machining"] == pytest.approx(removed_kg * 0.329)
    assert q["process_kwh.cnc_machining"] * F["grid.cn.east.lca"] == pytest.approx(0.069718,
                                                                                  rel=1e-4)
    # stamped 5052 keyboard plate: 39.2 g × 0.21 kWh/kg; thixomoulded AZ91D C and D covers:
    # their AZ91D mass × 2.625 kWh/kg (melting energy only)
    assert q["process_kg.stamping"] == pytest.approx(0.0392)
    assert q["process_kwh.stamping"] == pytest.approx(0.0392 * 0.21)
    assert q["process_kwh.thixomoulding"] == pytest.approx(q["process_kg.thixomoulding"] * 2.625)
    assert q["process_kwh"] == pytest.approx(q["process_kwh.cnc_machining"]
                                             + q["process_kwh.stamping"]
                                             + q["process_kwh.thixomoulding"])
    # the result records the values used (as in `gscdm footprint --json`)
    scenario = json.loads(json.dumps(result.as_json()))["scenario"]
    assert scenario["process_kwh_per_kg"]["cnc_machining"] == 0.329
    assert scenario["process_basis"]["cnc_machining"] == "removed"
    assert scenario["part_processes"]["NB14-ACOV-01"]["processes"] == ["cnc_machining"]
    assert scenario["part_processes"]["NB14-ACOV-01"]["material_yield"] == 0.30
    assert scenario["eol_datasets"]["recycling"]["*"] == ["eol.recycling.weee.transport"]


def test_unknown_forming_process_is_refused() -> None:
    from lca_engine.scenario import ScenarioError, build_scenario

    with pytest.raises(ScenarioError, match="laser_sintering"):
        build_scenario({"part_processes": {"X-1": {"process": "laser_sintering"}}})
    with pytest.raises(ScenarioError, match="process_basis"):
        build_scenario({"factory": {"process_basis": {"stamping": "per_hit"}}})


def test_ic_packages_are_counted_per_part_unit_times_the_act_factor(result) -> None:  # type: ignore[no-untyped-def]
    # notebook14/scenario.yaml: 32 IC packages over 10 parts, each × 0.15 kg CO2e (ACT)
    packages = next(m for m in result.by_material if m["dataset"] == "ic.package.per_unit")
    assert packages["kg_co2e"] == pytest.approx(32 * 0.15, rel=REL)
    assert F["ic.package.per_unit"] == 0.15
    # the SO-DIMM: its 10 packages (8 DRAM, PMIC, SPD hub) are part of the module's own total
    module = next(p for p in result.by_part if p["part_number"] == "NB14-MEM-01")
    without = module["kg_co2e"] - 10 * 0.15
    assert 0 < without < module["kg_co2e"]
    scenario = json.loads(json.dumps(result.as_json()))["scenario"]
    assert scenario["part_components"]["NB14-MB-01"]["counts"] == {"ic_packages": 7}
    assert scenario["component_datasets"] == {"ic_packages": "ic.package.per_unit"}


def test_unknown_component_kind_is_refused() -> None:
    from lca_engine.scenario import ScenarioError, build_scenario

    with pytest.raises(ScenarioError, match="connectors"):
        build_scenario({"part_components": {"X-1": {"connectors": 4}}})
    with pytest.raises(ScenarioError, match="X-1"):
        build_scenario({"part_components": {"X-1": {"ic_packages": -1}}})


def test_a_route_may_charge_several_end_of_life_datasets(workspace: Workspace) -> None:
    # how a WEEE treatment factor joins the collection transport on the recycling route: every
    # dataset listed is charged the route's kg (here a stand-in second dataset, for the test)
    from dataclasses import replace

    from lca_engine.mapping import load_rules
    from lca_engine.product_model import stage_exchanges

    design = workspace.design("NB14-G5")
    both = ["eol.recycling.weee.transport", "eol.recycling.plastic.transport"]
    # every rule family of the recycling route (plastics also list their incineration row)
    families = design.scenario.eol_datasets["recycling"]
    variant = replace(design, scenario=design.scenario.with_overrides(
        {"eol_datasets": {"recycling": dict.fromkeys(families, both)}}, "test"))
    assert variant.scenario.eol_datasets["recycling"]["*"] == tuple(both)
    rules = load_rules()
    base = {i.dataset: i.amount for i in stage_exchanges(design, rules)[0]["end_of_life"]}
    eol = {i.dataset: i.amount for i in stage_exchanges(variant, rules)[0]["end_of_life"]}
    # 80 % of every declared kg goes to recycling; both datasets get the same kg
    assert eol["eol.recycling.plastic.transport"] == pytest.approx(
        eol["eol.recycling.weee.transport"])
    assert eol["eol.recycling.weee.transport"] == pytest.approx(
        base["eol.recycling.weee.transport"])


def test_attributions_add_up_to_brightways_total(result) -> None:  # type: ignore[no-untyped-def]
    assert sum(result.by_stage.values()) == pytest.approx(result.total_kg_co2e, rel=1e-9)
    materials = sum(p["kg_co2e"] for p in result.by_part)
    # parts multiply the model's float64 amounts by the adjoint unit scores; Brightway's own
    # stage score uses the float32 amounts it stored: they agree to ~1e-8
    assert materials == pytest.approx(result.by_stage["materials"], rel=1e-6)
    assert sum(m["kg_co2e"] for m in result.by_material) == pytest.approx(materials, rel=1e-9)
    assert sum(result.ghg.values()) == pytest.approx(result.total_kg_co2e, rel=1e-6)


def test_packaging_is_its_own_group(result) -> None:  # type: ignore[no-untyped-def]
    groups = {p["part_number"]: p["group"] for p in result.by_part}
    assert groups["NB14-PKG-BOX"] == "packaging"
    assert groups["NB14-MB-01"] == "product"
    assert result.packaging_mass_g == pytest.approx(392 + 2 * 21 + 14 + 36)


def test_biogenic_carbon_of_the_box_is_reported_apart(result) -> None:  # type: ignore[no-untyped-def]
    assert result.ghg["biogenic"] == 0.0
    assert result.biogenic_carbon["biogenic_carbon_removals_kg_co2"] > 0


def test_pv_share_and_low_temperature_solder(workspace, tmp_path: Path, result) -> None:  # type: ignore[no-untyped-def]
    override = tmp_path / "pv.yaml"
    override.write_text("factory: {pv_share: 0.10, solder: LTS}\n")
    variant = workspace.footprint("NB14-G5", scenario=override)
    q = variant.quantities
    # LTS reflow at 9.7 kW instead of 10.9 kW
    assert q["reflow_kwh"] == pytest.approx(result.quantities["reflow_kwh"] * 9.7 / 10.9)
    mix = 0.9 * F["grid.cn.east.lca"] + 0.1 * F["pv.rooftop.glo"]
    assert variant.by_stage["manufacturing"] == pytest.approx(q["factory_kwh"] * mix, rel=REL)
    assert variant.scenario["pv_share"] == 0.10 and variant.scenario["solder"] == "LTS"
    assert str(override) in variant.provenance["scenario_files"]


def test_use_region_override(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    override = tmp_path / "cn.yaml"
    override.write_text("use: {region: CN}\nlifetime_years: 5\n")
    variant = workspace.footprint("NB14-G5", scenario=override)
    assert variant.by_stage["use"] == pytest.approx(18.5 * 5 * F["grid.cn.national.lca"],
                                                    rel=REL)


def test_monte_carlo_is_reproducible_and_ordered(workspace) -> None:  # type: ignore[no-untyped-def]
    first = workspace.footprint("NB14-G5", iterations=60, seed=7).uncertainty
    again = workspace.footprint("NB14-G5", iterations=60, seed=7).uncertainty
    other = workspace.footprint("NB14-G5", iterations=60, seed=8).uncertainty
    assert first is not None and again is not None and other is not None
    assert (first.p5, first.p50, first.p95) == (again.p5, again.p50, again.p95)
    assert first.p50 != other.p50
    assert first.p5 < first.p50 < first.p95
    assert first.std > 0


def test_data_gaps_are_listed_and_fail_strict_mode(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bom = tmp_path / "bom.csv"
    bom.write_text(
        "product_number,product_name,part_number,parent_part_number,quantity,part_name,"
        "part_mass_g,fmd_file,category\n"
        f"GAP-1,Gap test,NB14-KB-PLATE,,1,Backplate,,{NOTEBOOK / 'fmd' / 'NB14-KB-PLATE.xml'},"
        "mechanical\n"
        "GAP-1,Gap test,SUPPLIER-X,,2,Undeclared bracket,12.5,,mechanical\n")
    assert workspace.database.import_paths([], bom=bom).counts()["rejected"] == 0
    result = workspace.footprint("GAP-1")
    [gap] = result.data_gaps
    # 2 × 12.5 g of a 40 g + 25 g product
    assert (gap["part_number"], gap["gap"], gap["mass_g"]) == ("SUPPLIER-X", "no declaration",
                                                               25.0)
    assert gap["share_of_product_mass"] == pytest.approx(25.0 / 65.0)
    with pytest.raises(DataGapError, match=r"38\.46%"):
        workspace.footprint("GAP-1", strict=True)
    runner = CliRunner()
    cli = runner.invoke(main, ["--home", str(workspace.home.path), "footprint", "GAP-1",
                               "--strict", "--json"])
    assert cli.exit_code == 1
    assert json.loads(cli.stdout)["gaps"][0]["part_number"] == "SUPPLIER-X"


def test_cli_footprint_json(workspace) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    out = runner.invoke(main, ["--home", str(workspace.home.path), "footprint", "NB14-G5",
                               "--iterations", "20", "--json"])
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["uncertainty"]["iterations"] == 20
    assert set(data["uncertainty"]) >= {"iterations", "p5", "p50", "p95"}
    unknown = runner.invoke(main, ["--home", str(workspace.home.path), "footprint", "NOPE"])
    assert unknown.exit_code == 1


def test_relative_bom_path_finds_its_scenario_from_anywhere(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           result) -> None:  # type: ignore[no-untyped-def]
    ws = Workspace.open(tmp_path / "home")
    ws.database.initialise()
    monkeypatch.chdir(ROOT)
    ws.database.import_paths([], bom="bom_samples/notebook14/bom.csv")
    monkeypatch.chdir(tmp_path)
    design = ws.design("NB14-G5")
    # the product's own scenario (TEC 18.5, A-cover yield 0.3) is found from another directory
    assert design.scenario.tec_kwh_per_year == 18.5
    assert "NB14-ACOV-01" in design.scenario.part_processes
    ws.close()


def test_an_open_ghg_split_is_an_error(workspace: Workspace, result,  # type: ignore[no-untyped-def]
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The fossil / biogenic / land-use split must add up to the total (checked in
    compute_footprint, as the README says): a land-use score 0.5 kg off is refused."""
    from lca_engine import footprint as fp
    from lca_engine.solver import Solver

    solve = Solver.solve_product

    def skewed(self, model, **kwargs):  # type: ignore[no-untyped-def]
        per_role, ids = solve(self, model, **kwargs)
        per_role["land_use"] = {**per_role["land_use"],
                                ids["product"]: per_role["land_use"][ids["product"]] + 0.5}
        return per_role, ids

    monkeypatch.setattr(Solver, "solve_product", skewed)
    total = result.total_kg_co2e
    with pytest.raises(fp.FootprintError) as caught:
        workspace.footprint("NB14-G5")
    assert str(caught.value) == (f"the fossil, biogenic and land-use split adds up to "
                                 f"{total + 0.5:.9g}, Brightway's total is {total:.9g}: the "
                                 "attribution is inconsistent")


def test_default_legs_follow_the_product_kind() -> None:
    """The 62.4 % air share is a statistic of laptop imports: notebooks get it by default, other
    kinds (and a product of no stated kind) ship by sea, and a scenario's own legs always win."""
    from lca_engine.scenario import build_scenario

    def flown(scenario) -> float:  # type: ignore[no-untyped-def]
        return sum(leg.share for leg in scenario.legs if leg.mode == "air")

    assert flown(build_scenario({"product_kind": "notebook"}, sources=("t",))) == pytest.approx(
        0.624)
    for kind in ({"product_kind": "monitor"}, {}):
        sea = build_scenario(kind, sources=("t",))
        assert [(leg.mode, leg.km, leg.share) for leg in sea.legs] == [
            ("truck", 100.0, 1.0), ("sea", 19500.0, 1.0), ("truck", 800.0, 1.0)]
    own = {"product_kind": "notebook", "distribution": {"legs": [{"mode": "rail", "km": 11000}]}}
    assert [(leg.mode, leg.km) for leg in build_scenario(own, sources=("t",)).legs] == [
        ("rail", 11000.0)]
    # a variant's override of another key keeps the kind's legs
    notebook = build_scenario({"product_kind": "notebook"}, sources=("t",))
    assert flown(notebook.with_overrides({"lifetime_years": 5}, "v")) == pytest.approx(0.624)
