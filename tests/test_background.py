"""The shipped background data: every row cited and sampled; built into Brightway faithfully."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from lca_engine.background import (
    DATABASE,
    BackgroundDataError,
    BackgroundFactor,
    gas_amounts,
    load_factors,
    uncertainty,
)

FACTORS = load_factors()
BY_KEY = {f.key: f for f in FACTORS}


def test_at_least_150_cited_factors_with_source_year_and_uncertainty() -> None:
    assert len(FACTORS) >= 150
    for f in FACTORS:
        assert f.source and (f.url or f.source_detail), f.key
        assert 1950 <= f.year <= 2030, f.key
        if f.uncertainty_type == "lognormal":
            assert f.gsd is not None and f.gsd > 1, f.key
        else:
            assert f.min is not None and f.max is not None and f.min <= f.gwp100_kg_co2e <= f.max


@pytest.mark.parametrize("key", [
    "metal.aluminium.primary.glo", "metal.aluminium.primary.cn", "metal.aluminium.recycled.cn",
    "metal.mg_al_alloy.primary.cn", "metal.steel.bf_bof.glo", "metal.steel.eaf_scrap.glo",
    "metal.copper.tube_sheet.recycled.eu", "metal.gold.primary.glo",
    "metal.ndfeb_magnet.primary.cn", "metal.magnesium.secondary_remelt.cn",
    "metal.tantalum.capacitor_powder.glo",
    "plastic.pc_abs.virgin.gb", "plastic.pc_abs.pcr.gb", "plastic.pet.recycled.gb",
    "ic.logic.per_cm2", "ic.dram.per_cm2", "ic.nand.per_cm2", "pcb.bare.10layer_plus.per_m2",
    "component.capacitor.mlcc.per_kg", "component.capacitor.tantalum.per_kg",
    "battery.li_ion.nmc.per_kwh", "packaging.board.recycled.gb", "packaging.eps.virgin.gb",
    "grid.cn.national.lca", "grid.cn.east.lca", "grid.us.lca", "grid.eu27.lca", "grid.de.lca",
    "grid.fr.lca", "grid.jp.lca", "grid.kr.lca", "grid.tw.lca", "grid.in.lca", "grid.mx.lca",
    "grid.br.lca", "grid.ww.lca", "pv.rooftop.glo", "transport.air.freight.longhaul",
    "transport.sea.container.average", "transport.truck.hgv.average",
    "transport.rail.freight.electric.cn", "process.final_assembly.notebook.per_unit",
    "eol.incineration.plastic.pc",
])
def test_coverage_of_what_the_engine_relies_on(key: str) -> None:
    assert key in BY_KEY


def test_china_grid_keeps_the_life_cycle_and_the_co2_only_factor_apart() -> None:
    lca, co2 = BY_KEY["grid.cn.national.lca"], BY_KEY["grid.cn.national.co2_only"]
    assert lca.gwp100_kg_co2e == pytest.approx(0.6205)
    assert co2.gwp_basis == "CO2-only" and lca.gwp_basis != "CO2-only"
    assert "life-cycle" in lca.scope


def test_passive_component_factors_reproduce_the_act_capacitor_model() -> None:
    # ACT capacitors.yaml gives MJ per kg of manufactured capacitors; its capacitor model
    # multiplies by the Japanese grid (485 g/kWh, location_2022.yaml): 1 kWh = 3.6 MJ
    mlcc = BY_KEY["component.capacitor.mlcc.per_kg"]
    assert mlcc.unit == "kg"
    assert mlcc.gwp100_kg_co2e == pytest.approx(6862 / 3.6 * 0.485, abs=0.005)  # 924.46
    tantalum = BY_KEY["component.capacitor.tantalum.per_kg"]
    assert tantalum.gwp100_kg_co2e == pytest.approx(5567 / 3.6 * 0.485, abs=0.005)  # 750.00
    for factor in (mlcc, tantalum):
        assert factor.uncertainty_type == "lognormal" and factor.gsd == 3.0
        assert "6862" in factor.derivation or "5567" in factor.derivation
        assert "cradle-to-gate" in factor.scope


def test_ic_package_factor_is_per_package_and_says_how_it_is_counted() -> None:
    package = BY_KEY["ic.package.per_unit"]
    # ACT act/core/common.py: CARBON_PER_IC_PACKAGE = 150 g
    assert (package.unit, package.gwp100_kg_co2e) == ("unit", pytest.approx(0.15))
    assert "part_components" in package.scope and "die excluded" in package.scope


def _row(tmp_path: Path, **overrides: str) -> Path:
    header = ("key,name,category,unit,gwp100_kg_co2e,co2_fossil_kg,ch4_fossil_kg,n2o_kg,"
              "other_kg_co2e,co2_biogenic_kg,biogenic_carbon_content_kg_co2,land_use_kg_co2e,"
              "gwp_basis,scope,geography,year,uncertainty_type,gsd,min,max,uncertainty_basis,"
              "source,source_detail,url,derivation")
    values = dict(key="x.y", name="X", category="metal", unit="kg", gwp100_kg_co2e="2",
                  co2_fossil_kg="", ch4_fossil_kg="", n2o_kg="", other_kg_co2e="",
                  co2_biogenic_kg="", biogenic_carbon_content_kg_co2="", land_use_kg_co2e="",
                  gwp_basis="AR6", scope="cradle-to-gate", geography="GLO", year="2020",
                  uncertainty_type="lognormal", gsd="1.2", min="", max="",
                  uncertainty_basis="spread", source="A paper", source_detail="Table 1",
                  url="", derivation="")
    values.update(overrides)
    (tmp_path / "rows.csv").write_text(header + "\n" + ",".join(values.values()) + "\n")
    (tmp_path / "dataset.yaml").write_text("version: test\nfiles: [rows.csv]\n")
    return tmp_path


@pytest.mark.parametrize(("field", "value", "message"), [
    ("source", "", "'source' is empty"),
    ("year", "", "'year' is empty"),
    ("gsd", "", "needs a gsd"),
    ("uncertainty_type", "uniform", "min ≤ value ≤ max"),
    ("gwp100_kg_co2e", "-3.09", "negative"),
    ("gwp_basis", "AR7", "gwp_basis"),
    ("unit", "furlong", "unit"),
])
def test_a_row_without_source_year_or_uncertainty_is_refused(tmp_path: Path, field: str,
                                                              value: str, message: str) -> None:
    with pytest.raises(BackgroundDataError, match=message) as info:
        load_factors(_row(tmp_path, **{field: value}))
    assert "rows.csv:2" in str(info.value)


def _factor(**kw: float | None) -> BackgroundFactor:
    base = dict(key="k", name="n", category="c", unit="kg", gwp100_kg_co2e=10.0, gwp_basis="AR6",
                scope="s", geography="GLO", year=2020, uncertainty_type="lognormal",
                uncertainty_basis="b", source="s", source_detail="d", url="", derivation="",
                file="f.csv", line=2, gsd=1.2)
    base.update(kw)
    return BackgroundFactor(**base)  # type: ignore[arg-type]


def test_gas_amounts_without_a_split_reproduce_the_total() -> None:
    # 10 kg CO2e of which 1 land use and 2 F-gases: 7 kg fossil CO2, SF6 carrier 2/25200 kg
    amounts = gas_amounts(_factor(land_use_kg_co2e=1.0, other_kg_co2e=2.0), 1 / 25200)
    assert amounts == pytest.approx({"co2_land_use": 1.0, "fgas_co2e": 2 / 25200,
                                     "co2_fossil": 7.0})


def test_gas_amounts_with_a_split_and_an_uncovered_rest() -> None:
    # split covers 8 + 0.05 × 29.8 = 9.49 of 12 → rest 2.51 carried as CO2
    amounts = gas_amounts(_factor(gwp100_kg_co2e=12.0, co2_fossil_kg=8.0, ch4_fossil_kg=0.05),
                          1 / 25200)
    assert amounts["ch4_fossil"] == 0.05
    assert amounts["co2_fossil"] == pytest.approx(8.0 + 12.0 - 9.49)


def test_biogenic_flows_are_kept_apart() -> None:
    amounts = gas_amounts(_factor(gwp100_kg_co2e=1.2, co2_biogenic_kg=0.3,
                                  biogenic_carbon_content_kg_co2=1.6), 1 / 25200)
    assert amounts == pytest.approx({"co2_fossil": 1.2, "co2_non_fossil": 0.3,
                                     "co2_uptake": 1.6})


def test_uncertainty_parameters() -> None:
    lognormal = uncertainty(_factor(gsd=1.5), 4.0)
    assert lognormal["uncertainty type"] == 2
    assert lognormal["loc"] == pytest.approx(math.log(4.0))
    assert lognormal["scale"] == pytest.approx(math.log(1.5))
    uniform = uncertainty(_factor(uncertainty_type="uniform", min=8.0, max=14.0, gsd=None), 5.0)
    # bounds scale with the exchange: 5/10 of 8..14
    assert (uniform["minimum"], uniform["maximum"]) == pytest.approx((4.0, 7.0))


@pytest.fixture(scope="module")
def built_home(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from lca_engine.workspace import Workspace

    workspace = Workspace.open(tmp_path_factory.mktemp("bg") / "home")
    report = workspace.init()
    yield workspace, report
    workspace.close()


def test_init_builds_the_background_database(built_home) -> None:  # type: ignore[no-untyped-def]
    _, report = built_home
    background = report.brightway["background"]
    assert background["activities"] == len(FACTORS)
    assert background["built"] is True
    import bw2data as bd

    assert len(bd.Database(DATABASE)) == len(FACTORS)


@pytest.mark.parametrize("key", ["metal.aluminium.primary.glo", "grid.cn.national.lca",
                                 "plastic.pc.virgin.gb", "transport.sea.container.average"])
def test_brightway_reproduces_published_totals(built_home, key: str) -> None:  # type: ignore
    import bw2calc as bc
    import bw2data as bd

    from lca_engine.brightway_project import METHODS

    factor = BY_KEY[key]
    lca = bc.LCA({bd.get_node(database=DATABASE, code=key): 1}, METHODS["total"])
    lca.lci()
    lca.lcia()
    expected = factor.gwp100_kg_co2e
    if factor.has_gas_split:  # recharacterised with AR6: within the AR-basis change
        assert lca.score == pytest.approx(expected, rel=0.05)
    else:  # bw_processing stores amounts as float32: 15.1 comes back as 15.1000004
        assert lca.score == pytest.approx(expected, rel=1e-6)


def test_monte_carlo_samples_the_cited_spread(built_home) -> None:  # type: ignore[no-untyped-def]
    import bw2calc as bc
    import bw2data as bd

    from lca_engine.brightway_project import METHODS

    factor = BY_KEY["metal.aluminium.primary.glo"]
    lca = bc.LCA({bd.get_node(database=DATABASE, code=factor.key): 1}, METHODS["total"],
                 use_distributions=True, seed_override=42)
    lca.lci()
    lca.lcia()
    scores = [lca.score for _ in zip(range(400), lca, strict=False)]
    # lognormal with GSD g: the geometric mean is the value, ln-spread is ln(g)
    assert float(np.exp(np.mean(np.log(scores)))) == pytest.approx(factor.gwp100_kg_co2e,
                                                                    rel=0.05)
    assert float(np.std(np.log(scores))) == pytest.approx(math.log(factor.gsd or 1), rel=0.15)


def test_second_init_is_a_quick_no_op(built_home) -> None:  # type: ignore[no-untyped-def]
    workspace, _ = built_home
    report = workspace.init()
    assert report.brightway["background"]["built"] is False
    assert report.brightway["skipped"] is True


def test_lcd_fab_electricity_factor_is_the_cited_kwh_per_m2_at_the_taiwan_grid() -> None:
    # Innolux CSR (Energy Management): 67.2 kWh per m² of output area at its Taiwan TFT-LCD
    # plants in 2018, × the Taiwan life-cycle grid factor (grid.tw.lca, 0.63953 kg/kWh)
    fab = BY_KEY["display.tft_lcd.fab_electricity.per_m2.tw"]
    grid = BY_KEY["grid.tw.lca"]
    assert fab.unit == "m2" and fab.geography == "TW" and fab.year == 2018
    assert fab.gwp100_kg_co2e == pytest.approx(67.2 * grid.gwp100_kg_co2e, rel=1e-5)
    assert fab.gwp_basis == grid.gwp_basis
    assert fab.uncertainty_type == "lognormal" and fab.gsd == pytest.approx(1.7)
    # Scope 2 only: F-gases stay on their own row, so the two can be added without overlap
    assert "Scope 2 only" in fab.scope and "EXCLUDES" in fab.scope
    assert "67.2" in fab.derivation and "0.63953" in fab.derivation
    assert BY_KEY["display.tft_fpd.fgas_direct.per_m2"].other_kg_co2e == pytest.approx(132.5384)


def test_uslci_kraft_pulp_row_reproduces_its_two_level_arithmetic() -> None:
    """USLCI 'Pulp, kraft market, bleached' per 816.46623 dry kg (1 air-dried short ton),
    totals of each level as written in the row's derivation; AR5 CH4 28, N2O 265."""
    grid, ng = BY_KEY["grid.us.lca"].gwp100_kg_co2e, 1.96  # kg CO2 per m3 gas (USLCI boiler)
    fuels = (39.531 * 3.262 + 55.463 * 1.96 + 22.546 * 2.634 + 2.2746 * 3.075
             + 1.62798 * 2.727 + 0.30706 * 1.724 + 0.11507 * 2.085)  # RFO, gas, coal, TDF...
    assert fuels == pytest.approx(309.247, abs=1e-3)
    on_site = fuels + 1.0898 * ng + 28 * 0.11842 + 265 * 0.05146  # + purchased steam, CH4, N2O
    electricity = 386.4946 * grid
    transport = (825.0989 * BY_KEY["transport.truck.hgv.average"].gwp100_kg_co2e
                 + 223.37 * BY_KEY["transport.rail.freight.gb"].gwp100_kg_co2e
                 + 11.008 * BY_KEY["transport.inland_waterway.average"].gwp100_kg_co2e
                 + 6.0443 * BY_KEY["transport.sea.container.average"].gwp100_kg_co2e)
    chemicals = (3.4473 * (0.768 + 0.0678 * grid + 0.021 * ng)            # quicklime
                 + 4.8988 * (0.39 + 28 * 0.00459 + 0.252 * grid + 0.00737 * ng)  # methanol
                 + 30.209 * 0.0661376 * grid + 4.7627 * 0.138007 * grid)   # H2SO4, O2
    pulp = BY_KEY["packaging.pulp.bleached_kraft.uslci.rna"]
    assert pulp.gwp100_kg_co2e == pytest.approx(
        (on_site + electricity + transport + chemicals) / 816.46623, abs=5e-6)  # 0.72527
    assert pulp.gwp_basis == "AR5" and "sodium chlorate" in pulp.derivation


@pytest.mark.parametrize("fibre", ["bamboo", "bagasse", "wheat_straw", "recycled_fibre"])
def test_moulded_fibre_rows_store_cellulose_carbon_apart_from_the_total(fibre: str) -> None:
    row = BY_KEY[f"packaging.moulded_fibre.{fibre}.glo"]
    # 0.89 kg dry fibre per kg (10-12 % moisture) x C6H10O5 carbon 72.066/162.141 x 44.009/12.011
    assert row.biogenic_carbon_content_kg_co2 == pytest.approx(
        0.89 * 72.066 / 162.141 * 44.009 / 12.011, abs=5e-4)  # 1.449
    assert row.co2_biogenic_kg is None and row.unit == "kg" and row.category == "packaging"
    assert "DERIVED" in row.name and "2.256 MJ/kg" in row.derivation


def test_ocean_bound_plastic_row_is_the_mean_of_the_two_uslci_recyclate_chains() -> None:
    # USLCI FY21 Q3 solved over its technosphere (AR6): recycled HDPE pellet 0.71140, recycled
    # PET pellet 1.26464 kg CO2e/kg at the US grid 'United States, excluding Alaska and Hawaii'
    obp = BY_KEY["plastic.obp.recycled_pellet.us"]
    assert obp.gwp100_kg_co2e == pytest.approx((0.71140 + 1.26464) / 2, abs=1e-5)  # 0.98802
    assert (obp.gwp_basis, obp.unit, obp.category) == ("AR6", "kg", "plastic")
    # the gas split reproduces the total with AR6 factors (fossil CH4 29.8, N2O 273)
    assert obp.co2_fossil_kg is not None and obp.ch4_fossil_kg is not None
    assert obp.n2o_kg is not None
    assert obp.co2_fossil_kg + 29.8 * obp.ch4_fossil_kg + 273 * obp.n2o_kg == pytest.approx(
        0.98802, abs=5e-5)
    # range: rHDPE at the cleanest USLCI US grid .. rPET at the grid used
    assert (obp.uncertainty_type, obp.min, obp.max) == (
        "triangular", pytest.approx(0.64288), pytest.approx(1.26464))
    for figure in ("0.71140", "1.26464", "0.49 kWh", "cut off"):
        assert figure in obp.derivation
    assert "coastal" in obp.scope and "USLCI" in obp.source


def test_pps_rows_and_their_incineration_by_stoichiometry() -> None:
    compound = BY_KEY["plastic.pps_gf40.compound.eu"]
    neat = BY_KEY["plastic.pps.virgin.derived"]
    assert compound.gwp100_kg_co2e == 5.43
    # 40 % glass fibre at USLCI E-glass 1.74601 kg CO2e/kg removed: (5.43 - 0.698404) / 0.6
    assert neat.gwp100_kg_co2e == pytest.approx((5.43 - 0.40 * 1.74601) / 0.60, abs=5e-5)
    assert neat.gsd is not None and compound.gsd is not None
    assert "1.74601" in neat.derivation and neat.gsd > compound.gsd
    # C6H4S: carbon 6 × 12.011 = 72.066 of 108.158 g/mol; CO2 = 72.066/108.158 × 44.009/12.011
    pps = BY_KEY["eol.incineration.plastic.pps"]
    assert pps.gwp100_kg_co2e == pytest.approx(72.066 / 108.158 * 44.009 / 12.011, abs=1e-5)
    assert pps.gwp100_kg_co2e == pytest.approx(2.44137, abs=1e-5)
    assert pps.gwp_basis == "CO2-only" and pps.co2_fossil_kg == pps.gwp100_kg_co2e
    gf40 = BY_KEY["eol.incineration.plastic.pps_gf40"]
    assert gf40.gwp100_kg_co2e == pytest.approx(0.60 * 2.44137, abs=1e-5)  # resin share only
    assert (gf40.min, gf40.max) == (pytest.approx(0.55 * 2.44137, abs=1e-5),
                                    pytest.approx(0.70 * 2.44137, abs=1e-5))
