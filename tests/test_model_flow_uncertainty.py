"""The uncertainty of the electronics models' amounts (issue 13: every number traceable, with
an uncertainty): each model flow carries the lognormal gsd of its engineering parameters from
the data files, the exchange it becomes carries it, and the Monte Carlo draws it beside (and
independently of) the background dataset's own gsd."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from lca_engine.background import factor_index
from lca_engine.electronics.dies import die_flows
from lca_engine.electronics.displays import display_flows
from lca_engine.electronics.memory import memory_flows
from lca_engine.electronics.spec import DieSpec, DisplaySpec, ElectronicsSettings, MemorySpec
from lca_engine.mapping import MaterialInput, load_rules
from lca_engine.product_model import (
    PartDesign,
    ProductModel,
    foreground_data,
    part_inventory,
)
from lca_engine.scenario import build_scenario, load_scenario
from lca_engine.workspace import Workspace

TW = "grid.tw.lca"
SETTINGS = ElectronicsSettings(default_node={"soc": "7nm"})
Z95 = 1.6448536269514722

# displays.yaml: the Innolux row's stated gsd 1.7 without the Taiwan grid's 1.15 (sampled on
# the grid row): exp(sqrt(ln²1.7 − ln²1.15)); OLED: CEEDI's ratio gsd 1.8 combined with it
LCD_KWH_GSD = 1.67
OLED_KWH_GSD = 2.18


def test_the_stated_display_gsd_is_the_arithmetic_written_beside_it() -> None:
    assert math.exp(math.sqrt(math.log(1.7) ** 2 - math.log(1.15) ** 2)) == pytest.approx(
        LCD_KWH_GSD, abs=0.005)
    assert math.exp(math.sqrt(math.log(1.8) ** 2 + math.log(1.67) ** 2)) == pytest.approx(
        OLED_KWH_GSD, abs=0.005)


def _display_part() -> tuple[PartDesign, object]:
    scenario = build_scenario({"part_electronics": {"P-LCD": {"display": {
        "technology": "lcd", "diagonal_in": 14.0}}}})
    materials = (MaterialInput(name="TFT substrate glass, alkali-free", mass_g=60.0,
                               group="Glass"),)
    return PartDesign("P-LCD", "display", "display", None, 1, 1, None, materials), scenario


def test_a_part_with_a_display_model_writes_the_stated_gsd_on_its_grid_exchange() -> None:
    part, scenario = _display_part()
    flows = part_inventory(part, load_rules(), scenario).flows  # type: ignore[arg-type]
    model = {(f.material, f.input.dataset): f.input for f in flows
             if f.rule_id.startswith("electronics:")}
    # 14-inch 16:9: 0.0540326 m² × 67.2 kWh/m² = 3.63099 kWh at the Taiwan grid, gsd 1.67
    grid = model[("display", TW)]
    assert grid.amount == pytest.approx(14**2 * 16 * 9 / 337 * 0.0254**2 * 67.2, rel=1e-9)
    assert grid.gsd == LCD_KWH_GSD
    # the fuels and the F-gases are the area (exact): their per-m² rows carry their own gsd
    assert model[("display", "display.tft_lcd.fab_fuels.per_m2.tw")].gsd is None
    assert model[("display", "display.tft_fpd.fgas_direct.per_m2")].gsd is None
    # the Brightway exchange is lognormal around the amount with σ = ln 1.67
    written = foreground_data(_model([f for f in flows if f.input is grid], part))
    exchange = next(e for e in written[("gscdm-fg-T", "part:P-LCD")]["exchanges"]
                    if e["input"][1] == TW)
    assert exchange["uncertainty type"] == 2
    assert exchange["loc"] == pytest.approx(math.log(grid.amount))
    assert exchange["scale"] == pytest.approx(math.log(1.67))


def test_die_memory_and_oled_flows_carry_their_pedigree_and_stated_gsd() -> None:
    oled = display_flows(DisplaySpec(technology="oled", diagonal_in=14.0), SETTINGS, TW)
    assert oled[0].dataset == TW and oled[0].gsd == OLED_KWH_GSD
    # dies.yaml, 7 nm: EPA gsd 1.27 (pedigree (3,3,3,3,3), basic 1.05), D0 gsd 1.27; a 1.8 cm²
    # die at D0 0.2/cm², alpha 10: elasticity of A/Y to D0 = 0.36 / (1 + 0.036) = 0.347490
    elasticity = 0.2 * 1.8 / (1 + 0.2 * 1.8 / 10)
    wafer = math.exp(elasticity * math.log(1.27))  # 1.0866
    assert wafer == pytest.approx(1.0866, abs=1e-4)
    flows = {f.dataset: f for f in die_flows(DieSpec(name="SoC", ic_class="soc", area_mm2=180),
                                             SETTINGS, TW)}
    assert flows["ic.fab.process_gases.7nm.abate95.per_cm2"].gsd == pytest.approx(wafer)
    assert flows["ic.fab.wafer_materials.per_cm2"].gsd == pytest.approx(wafer)
    fab = math.exp(math.sqrt(math.log(1.27) ** 2 + math.log(wafer) ** 2))  # 1.2879
    assert flows[TW].gsd == pytest.approx(fab)
    assert fab == pytest.approx(1.2879, abs=1e-4)
    # a 5 nm die (D0 the 7 nm ASSUMPTION, gsd 2.03) spreads its wafer area more
    at_5nm = die_flows(DieSpec(name="SoC", ic_class="soc", area_mm2=180, node="5nm"),
                       SETTINGS, TW)
    assert at_5nm[1].gsd == pytest.approx(math.exp(elasticity * math.log(2.03)))
    # memory.yaml ddr5-16gb-d1z: die area overstated by up to 40 %, as the 95 % bound: √1.4 = 1.18
    dram = MemorySpec(kind="dram", capacity_gb=16, generation="ddr5-16gb-d1z")
    assert memory_flows(dram, "die-area")[0].gsd == 1.18
    # on the per-GB bases the amount is the capacity (exact); tlc-176l states no two-sided spread
    assert memory_flows(dram, "fab")[0].gsd is None
    nand = MemorySpec(kind="nand", capacity_gb=512, generation="tlc-176l")
    assert memory_flows(nand, "die-area")[0].gsd is None


def _model(flows: list, part: PartDesign) -> ProductModel:  # type: ignore[type-arg]
    return ProductModel(product_number="T", name="one display", scenario=load_scenario(),
                        parts=(part,), mappings={}, flows=flows, stages={}, gaps=[],
                        mass_g=60.0, packaging_mass_g=0.0)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path_factory.mktemp("mcunc") / "home")
    workspace.init()
    yield workspace
    workspace.close()


def test_the_monte_carlo_spread_of_a_display_fab_is_the_amounts_and_the_grids_combined(
        home: Workspace) -> None:
    """One exchange: 3.631 kWh (gsd 1.67, the kWh per m²) × the Taiwan grid (gsd 1.15, its own
    row). The two lognormals are independent, so the product is lognormal with
    σ = sqrt(ln²1.67 + ln²1.15) = 0.5315 and P95/P50 = exp(1.645 σ) = 2.397; the grid alone
    would give exp(1.645 × 0.1398) = 1.258. Sampling error of a percentile in ln-space:
    sqrt(p(1 − p)/N) / φ(z) × σ (0.0079 at P95, 0.0047 at P50 with N = 20,000)."""
    from lca_engine.footprint import compute_footprint
    from lca_engine.solver import lognormal_percentile

    grid_gsd = factor_index()[TW].gsd
    assert grid_gsd == 1.15 and factor_index()[TW].uncertainty_type == "lognormal"
    part, scenario = _display_part()
    flows = [f for f in part_inventory(part, load_rules(), scenario).flows  # type: ignore[arg-type]
             if f.material == "display" and f.input.dataset == TW]
    assert len(flows) == 1
    sigma = math.sqrt(math.log(LCD_KWH_GSD) ** 2 + math.log(1.15) ** 2)
    assert sigma == pytest.approx(0.5315, abs=1e-4)
    assert math.exp(Z95 * sigma) == pytest.approx(2.397, abs=1e-3)
    iterations = 20_000
    result = compute_footprint(_model(flows, part), iterations=iterations, seed=5,
                               solver=home.solver("GWP100"))
    median = result.total_kg_co2e  # the deterministic result is the median of the draws
    assert median == pytest.approx(flows[0].input.amount * factor_index()[TW].gwp100_kg_co2e,
                                   rel=1e-3)
    u = result.uncertainty
    assert u is not None
    for percent, got in ((5, u.p5), (50, u.p50), (95, u.p95)):
        z = Z95 * (1 if percent == 95 else -1 if percent == 5 else 0)
        density = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        error = math.sqrt(percent / 100 * (1 - percent / 100) / iterations) / density * sigma
        expected = median * math.exp(z * sigma)
        assert expected == pytest.approx(lognormal_percentile(median, math.exp(sigma), percent))
        assert abs(math.log(got / expected)) < 4 * error, (percent, got, expected)
    # P95/P50 ≈ gsd_combined^1.645 (2.397), far from the grid's alone (1.258)
    assert u.p95 / u.p50 == pytest.approx(math.exp(Z95 * sigma), rel=0.05)


def test_inputs_of_one_activity_with_different_gsd_are_written_as_one_exchange() -> None:
    """Brightway sums duplicate exchanges into one matrix entry in float32, which the compiled
    product cannot reproduce (the sample monitor's panel part, with six grid inputs of different
    gsd, was 2e-9 off): the writer merges them, with one lognormal standing for the sum.
    2.0 (gsd 1.5) + 1.0 (exact) = 3.0; V = 2² × e^{s²}(e^{s²} − 1), s = ln 1.5 → V = 0.842470;
    x = (1 + sqrt(1 + 4V/3²)) / 2 = 1.086181; σ = sqrt(ln x) = 0.287520 (gsd 1.333)."""
    from lca_engine.product_model import _merged, exchange_key

    s = math.log(1.5)
    variance = 4 * math.exp(s * s) * (math.exp(s * s) - 1)
    assert variance == pytest.approx(0.842470, abs=1e-6)
    x = (1 + math.sqrt(1 + 4 * variance / 9)) / 2
    assert math.sqrt(math.log(x)) == pytest.approx(0.287520, abs=1e-6)
    written = _merged([
        {"input": ("db", "grid"), "amount": 2.0, "type": "technosphere",
         "uncertainty type": 2, "loc": math.log(2.0), "scale": s},
        {"input": ("db", "grid"), "amount": 1.0, "type": "technosphere"},
        {"input": ("db", "grid"), "amount": -0.5, "type": "technosphere"}])  # a credit stays apart
    assert [e["amount"] for e in written] == [3.0, -0.5]
    assert written[0]["loc"] == pytest.approx(math.log(3.0))
    assert written[0]["scale"] == pytest.approx(0.287520, abs=1e-6)
    assert "scale" not in written[1]
    # the compiled product groups its rows by the same key: input and sign, not the gsd
    assert exchange_key("grid", 2.0) == exchange_key("grid", 1.0) != \
        exchange_key("grid", -0.5)
