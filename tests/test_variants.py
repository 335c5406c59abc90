"""Design variants: every change kind against a hand calculation; errors; speed path = Brightway."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gscdm.cli import main
from lca_engine.background import factor_index
from lca_engine.variants import VariantError, parse_variant, sweep_values
from lca_engine.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "bom_samples" / "notebook14"
VARIANTS = ROOT / "bom_samples" / "variants"
F = {key: f.gwp100_kg_co2e for key, f in factor_index().items()}
REL = 1e-6


@pytest.fixture(scope="module")
def workspace(notebook_workspace: Workspace) -> Workspace:
    return notebook_workspace


@pytest.fixture(scope="module")
def baseline(workspace):  # type: ignore[no-untyped-def]
    return workspace.footprint("NB14-G5")


def one(workspace, tmp_path: Path, yaml_text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "variant.yaml"
    path.write_text(yaml_text)
    return workspace.compare("NB14-G5", [path]).variants[0]


def test_recycled_aluminium_a_cover_0_to_75_percent(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    variant = one(workspace, tmp_path, """
changes:
  - recycled: {select: {part: NB14-ACOV-01, material: "aluminium alloy"},
               kind: recycled-metal, share: 0.75}
""")
    # materials: mass bought × 0.75 × (primary − recycled); the A-cover is CNC-machined from a
    # block at 30 % yield (scenario.yaml), so the alloy bought is 141.2 g ÷ 0.30
    bought = 0.1412 / 0.30
    expected = -bought * 0.75 * (F["metal.aluminium.extruded.primary.gb"]
                                 - F["metal.aluminium.extruded.recycled.gb"])
    assert variant.by_stage_delta["materials"] == pytest.approx(expected, rel=REL)
    assert expected == pytest.approx(-bought * 0.75 * (12.5 - 2.12), rel=1e-9)
    assert variant.delta_kg_co2e == pytest.approx(expected, rel=REL)  # nothing else changes


def test_recycled_mg_al_covers_at_90_percent(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    variant = one(workspace, tmp_path, """
changes:
  - recycled: {select: {part: "NB14-?COV-01", group: magnes}, kind: recycled-metal, share: "90%"}
""")
    alloy = 0.1363 + 0.1044  # C-cover and D-cover AZ91D
    expected = -alloy * 0.9 * (F["metal.mg_al_alloy.primary.cn"]
                               - F["metal.magnesium.secondary_remelt.cn"])
    assert variant.by_stage_delta["materials"] == pytest.approx(expected, rel=REL)


def test_pc_abs_battery_frame_at_97_percent_pcr(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    variant = one(workspace, tmp_path, """
changes:
  - recycled: {select: {part: NB14-BAT-01, material: "PC/ABS"}, kind: PCC, share: 0.97}
""")
    # declared 30 % PCC raised to 97 %: 22.91 g × (0.97 − 0.30) × (virgin − PCR)
    expected = -0.02291 * (0.97 - 0.30) * (F["plastic.pc_abs.virgin.gb"]
                                           - F["plastic.pc_abs.pcr.gb"])
    assert variant.by_stage_delta["materials"] == pytest.approx(expected, rel=REL)


def test_substitution_at_a_mass_ratio(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    variant = one(workspace, tmp_path, """
changes:
  - substitute: {select: {part: NB14-ACOV-01, material: "aluminium alloy"},
                 to: {name: "PET, printed metal look", group: Polyesters}, mass_ratio: 0.2}
""")
    # the machined 6063 (bought at 1/0.3) goes; 20 % of its final mass comes back as PET
    expected = (-0.1412 / 0.30 * F["metal.aluminium.extruded.primary.gb"]
                + 0.1412 * 0.2 * F["plastic.pet.virgin.gb"])
    assert variant.by_stage_delta["materials"] == pytest.approx(expected, rel=REL)
    # lighter product: less freight
    assert variant.by_stage_delta["distribution"] < 0


def test_packaging_epe_to_bamboo_and_bag_removed(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    variant = one(workspace, tmp_path, """
changes:
  - replace:
      select: {part: NB14-PKG-CUSH}
      materials:
        - {name: "Moulded bamboo fibre (bio-based)", group: "Paper and board", mass_ratio: 1.17,
           recycled: {kind: bio-based, share: 1.0}}
  - remove: {select: {part: NB14-PKG-BAG}}
""")
    cushions = 2 * 0.021 * (1.17 * F["packaging.moulded_fibre.bamboo.glo"]
                            - F["packaging.epe_foam.proxy_ldpe.gb"])
    bag = -(0.01395 * F["packaging.pe_film.virgin.gb"] + 0.00005 * F["plastic.average.virgin.gb"])
    assert variant.by_stage_delta["materials"] == pytest.approx(cushions + bag, rel=REL)
    bag_change = next(c for c in variant.changes if c["change"] == "remove")
    # removing the bag also saves its freight and end of life: a larger saving than its materials
    assert bag_change["delta_kg_co2e"] < bag < 0


def test_box_weight_reduced_by_30_percent(workspace, tmp_path: Path, baseline) -> None:  # type: ignore[no-untyped-def]
    variant = one(workspace, tmp_path, """
changes:
  - scale: {select: {part: NB14-PKG-BOX}, factor: 0.7}
""")
    box = next(p["kg_co2e"] for p in baseline.by_part if p["part_number"] == "NB14-PKG-BOX")
    assert variant.by_stage_delta["materials"] == pytest.approx(-0.3 * box, rel=REL)
    # 392 g × 0.3 less freight: tonnes × (37.6 % by sea: 900 km truck + 19,500 km sea;
    # 62.4 % flown: 560 km truck + 9,000 km air)
    freight = -0.3 * 392e-6 * (
        0.376 * (900 * F["transport.truck.hgv.average"]
                 + 19500 * F["transport.sea.container.average"])
        + 0.624 * (560 * F["transport.truck.hgv.average"]
                   + 9000 * F["transport.air.freight.longhaul"]))
    # Brightway stores amounts as float32: allow two steps of the ~12 kg stage in the difference
    stored = 2 * 6e-8 * baseline.by_stage["distribution"]
    assert variant.by_stage_delta["distribution"] == pytest.approx(freight, rel=REL, abs=stored)


def test_factory_pv_share(workspace, tmp_path: Path, baseline) -> None:  # type: ignore[no-untyped-def]
    variant = one(workspace, tmp_path, "changes:\n  - scenario: {factory: {pv_share: 0.10}}\n")
    kwh = baseline.quantities["factory_kwh"]
    expected = kwh * 0.10 * (F["pv.rooftop.glo"] - F["grid.cn.east.lca"])
    assert variant.by_stage_delta["manufacturing"] == pytest.approx(expected, rel=REL)


def test_low_temperature_solder(workspace, tmp_path: Path, baseline) -> None:  # type: ignore[no-untyped-def]
    variant = one(workspace, tmp_path, "changes:\n  - scenario: {factory: {solder: LTS}}\n")
    reflow = baseline.quantities["reflow_kwh"]  # at 10.9 kW; LTS ovens run at 9.7 kW
    expected = -reflow * (1 - 9.7 / 10.9) * F["grid.cn.east.lca"]
    # Brightway stores the factory's kWh as float32 (relative step 6e-8), and the delta is a
    # difference of two such totals of ~4.75 kg: allow two float32 steps of the stage
    stored = 2 * 6e-8 * baseline.by_stage["manufacturing"]
    assert variant.by_stage_delta["manufacturing"] == pytest.approx(expected, rel=REL,
                                                                    abs=stored)


def test_transport_mode_shift_to_air(workspace, baseline) -> None:  # type: ignore[no-untyped-def]
    comparison = workspace.compare("NB14-G5", [VARIANTS / "air-freight.yaml"])
    variant = comparison.variants[0]
    tonnes = baseline.quantities["product_mass_kg_incl_packaging"] / 1000  # 2.052 kg
    air = tonnes * (560 * F["transport.truck.hgv.average"]
                    + 9000 * F["transport.air.freight.longhaul"])
    sea = tonnes * (900 * F["transport.truck.hgv.average"]
                    + 19500 * F["transport.sea.container.average"])
    mixed = 0.376 * sea + 0.624 * air  # the default: 62.4 % of units flown
    assert variant.by_stage["distribution"] == pytest.approx(air, rel=REL)
    assert comparison.baseline_by_stage["distribution"] == pytest.approx(mixed, rel=REL)
    assert variant.by_stage_delta["distribution"] == pytest.approx(air - mixed, rel=REL)


def test_lifetime_extension_and_use_region(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    longer = workspace.compare("NB14-G5", [VARIANTS / "lifetime-extension.yaml"]).variants[0]
    assert longer.by_stage_delta["use"] == pytest.approx(18.5 * F["grid.eu27.lca"], rel=REL)
    assert longer.lifetime_years == 5
    region = one(workspace, tmp_path, "changes:\n  - scenario: {use: {region: CN}}\n")
    assert region.by_stage_delta["use"] == pytest.approx(
        18.5 * 4 * (F["grid.cn.national.lca"] - F["grid.eu27.lca"]), rel=REL)


def test_changes_are_ranked_and_add_up(workspace) -> None:  # type: ignore[no-untyped-def]
    [variant] = workspace.compare("NB14-G5", [VARIANTS / "all-combined.yaml"]).variants
    deltas = [c["delta_kg_co2e"] for c in variant.changes]
    assert deltas == sorted(deltas)
    assert [c["rank"] for c in variant.changes] == list(range(1, len(deltas) + 1))
    assert sum(deltas) == pytest.approx(variant.delta_kg_co2e, rel=1e-9)


def test_every_example_variant_runs(workspace) -> None:  # type: ignore[no-untyped-def]
    files = sorted(VARIANTS.glob("*.yaml"))
    comparison = workspace.compare("NB14-G5", files)
    assert len(comparison.variants) == len(files)
    by_name = {v.name: v for v in comparison.variants}
    assert by_name["Recycled metals"].delta_kg_co2e < -5
    assert by_name["Air freight"].delta_kg_co2e > 5


def test_fast_path_equals_brightway_for_a_variant(workspace) -> None:  # type: ignore[no-untyped-def]
    import bw2calc as bc
    import bw2data as bd

    from lca_engine.brightway_project import METHODS
    from lca_engine.footprint import write_foreground
    from lca_engine.mapping import load_rules
    from lca_engine.product_model import build_model
    from lca_engine.variants import load_variant

    comparison = workspace.compare("NB14-G5", [VARIANTS / "all-combined.yaml"])
    design = load_variant(VARIANTS / "all-combined.yaml").apply(workspace.design("NB14-G5"))
    model = build_model(design, load_rules(workspace.home.path), variant="check")
    write_foreground(model)
    lca = bc.LCA({bd.get_node(database=model.database, code="product"): 1}, METHODS["total"])
    lca.lci()
    lca.lcia()
    assert lca.score == pytest.approx(comparison.variants[0].total_kg_co2e, rel=REL)


def test_variant_never_changes_the_stored_baseline(workspace, baseline) -> None:  # type: ignore[no-untyped-def]
    before = workspace.database.show("NB14-G5").as_json()
    workspace.compare("NB14-G5", sorted(VARIANTS.glob("*.yaml")))
    assert workspace.database.show("NB14-G5").as_json() == before
    assert workspace.footprint("NB14-G5").total_kg_co2e == pytest.approx(
        baseline.total_kg_co2e, rel=1e-12)


@pytest.mark.parametrize(("text", "message"), [
    ("changes:\n  - recycled: {select: {part: NOPE-*}, kind: PCC, share: 0.3}\n",
     "selects nothing"),
    ("changes:\n  - recycled: {select: {part: NB14-BAT-01}, kind: PCC, share: 1.3}\n",
     "outside 0–100 %"),
    ("changes:\n  - recycled: {select: {part: NB14-BAT-01}, kind: PCC, share: 130%}\n",
     "outside 0–100 %"),
    ("changes:\n  - recycled: {select: {part: NB14-BAT-01}, kind: upcycled, share: 0.3}\n",
     "kind 'upcycled'"),
    ("changes:\n  - paint: {select: {part: NB14-BAT-01}}\n",
     r"bad.yaml:2: unknown key 'changes\[0\]\.paint' \(valid keys here: recycled, remove, "),
    ("changes:\n  - scenario: {factory: {pv_share: 2}}\n", "pv_share"),
])
def test_bad_variants_are_refused_with_the_change_named(workspace, tmp_path: Path, text: str,
                                                        message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(VariantError, match=message) as info:
        workspace.compare("NB14-G5", [path])
    assert "changes[0]" in str(info.value)


def test_selector_error_names_the_selector(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(VariantError, match=r"part=NOPE-\*"):
        one(workspace, tmp_path,
            "changes:\n  - recycled: {select: {part: NOPE-*}, kind: PCC, share: 0.3}\n")


def test_correlated_probability_keeps_a_tiny_improvement(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "tape.yaml"
    path.write_text("changes:\n  - remove: {select: {part: NB14-PKG-BOX, material: tape}}\n")
    comparison = workspace.compare("NB14-G5", [path, VARIANTS / "lifetime-extension.yaml"],
                                   iterations=60, seed=3)
    tape, longer = comparison.variants
    # 2 g of tape: 5.96 g CO2e of materials (1.5 g × 2.91651 + 0.5 g × 3.1725) + 9.26 g of
    # freight (0.002 kg × 4.6302 kg CO2e per kg shipped: 0.376 × (900 km truck + 19,500 km sea)
    # + 0.624 × (560 km truck + 9,000 km air)) + ~0.5 g of end of life = ~15.7 g saved out of
    # ~110 kg: independent sampling could not tell; correlated can
    assert tape.delta_kg_co2e == pytest.approx(-0.0157, abs=5e-4)
    assert tape.probability_lower == 1.0
    assert longer.probability_lower == 0.0
    assert tape.delta_percentiles is not None and tape.delta_percentiles["p95"] < 0


def test_sweep_is_linear_in_the_share(workspace) -> None:  # type: ignore[no-untyped-def]
    sweep = workspace.sweep("NB14-G5", VARIANTS / "a-cover-sweep.yaml", "share=0:1:0.5")
    values = [v for v, _, _ in sweep.points]
    totals = [t for _, t, _ in sweep.points]
    assert values == [0.0, 0.5, 1.0]
    assert totals[0] == pytest.approx(sweep.baseline_total, rel=1e-12)
    assert totals[1] - totals[0] == pytest.approx(totals[2] - totals[1], rel=1e-9)
    assert totals[2] - totals[0] == pytest.approx(
        -0.1412 / 0.3 * (F["metal.aluminium.extruded.primary.gb"]
                         - F["metal.aluminium.extruded.recycled.gb"]), rel=REL)


def test_sweep_values_and_cli(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert sweep_values("share=0:1:0.25") == ("share", [0.0, 0.25, 0.5, 0.75, 1.0])
    with pytest.raises(VariantError, match="NAME=START:STOP:STEP"):
        sweep_values("share=0-1")
    runner = CliRunner()
    home = str(workspace.home.path)
    plot = tmp_path / "sweep.png"
    result = runner.invoke(main, ["--home", home, "sweep", "NB14-G5", "--variant",
                                  str(VARIANTS / "a-cover-sweep.yaml"), "--param",
                                  "share=0:1:0.1", "-o", str(plot), "--json"])
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["points"]) == 11
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    compare = runner.invoke(main, ["--home", home, "compare", "NB14-G5", "--variant",
                                   str(VARIANTS / "recycled-metals.yaml"), "--json"])
    data = json.loads(compare.stdout)
    assert set(data["baseline"]) >= {"total_kg_co2e", "by_stage"}
    assert set(data["variants"][0]) >= {"name", "total_kg_co2e", "delta_kg_co2e", "delta_pct",
                                        "by_stage_delta", "changes"}


def test_parameters_fill_placeholders() -> None:
    variant = parse_variant({"params": {"s": 0.2}, "changes": [
        {"recycled": {"select": {"part": "X"}, "kind": "PCC", "share": "${s}"}}]}, "inline",
        {"s": 0.4})
    assert variant.params["s"] == 0.4
    assert "40% PCC" in variant.changes[0].description


CFF_SCENARIO = """
allocation: cff
cff:
  A: {"aluminium-*": 0.2, "*": 0.5}
  R2: {"aluminium-*": 0.8, "*": 0.3}
"""


def test_cff_on_one_part_by_hand(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scenario = tmp_path / "cff.yaml"
    scenario.write_text(CFF_SCENARIO)
    result = workspace.footprint("NB14-G5", scenario=scenario)
    plate = next(p for p in result.by_part if p["part_number"] == "NB14-KB-PLATE")
    # Al 5052, R1 = 0, A = 0.2, R2 = 0.8, Q = 1:
    #   virgin share (1 − R1) + R1(1 − A) − (1 − A)·R2 = 1 − 0.64 = 0.36
    #   recycled share R1·A + (1 − A)·R2 = 0.64 (ErecEoL taken as the recycled dataset)
    aluminium = 0.0392 * (0.36 * F["metal.aluminium.rolled.primary.gb"]
                          + 0.64 * F["metal.aluminium.rolled.recycled.gb"])
    pet = 0.0008 * ((1 - 0.5 * 0.3) * F["plastic.pet.virgin.gb"]
                    + 0.5 * 0.3 * F["plastic.pet.recycled.gb"])
    assert plate["kg_co2e"] == pytest.approx(aluminium + pet, rel=REL)
    assert result.scenario["allocation"] == "cff"
    assert result.scenario["cff"]["A"]["aluminium-*"] == 0.2


def test_cff_needs_stated_parameters(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from lca_engine.scenario import ScenarioError

    scenario = tmp_path / "cff.yaml"
    scenario.write_text("allocation: cff\ncff: {A: {'*': 0.5}}\n")
    with pytest.raises(ScenarioError, match=r"cff\.R2"):
        workspace.footprint("NB14-G5", scenario=scenario)
