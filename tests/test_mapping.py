"""Material mapping on real declared compositions, with the arithmetic done by hand here."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmd_parsers import HomogeneousMaterial, parse_declaration
from lca_engine.background import factor_index
from lca_engine.mapping import (
    BASIS_UNITS,
    MappingError,
    MaterialInput,
    check_datasets,
    load_rules,
    map_material,
)

from .conftest import IPC

ROOT = Path(__file__).resolve().parents[1]
FMD = ROOT / "bom_samples" / "notebook14" / "fmd"
RULES = load_rules()
UNITS = {key: factor.unit for key, factor in factor_index().items()}


def declared(path: Path, name_part: str, category: str | None = None) -> MaterialInput:
    """The homogeneous material whose name contains ``name_part``, as the mapper sees it."""
    part = parse_declaration(path).parts[0]
    material: HomogeneousMaterial = next(m for m in part.materials if name_part in m.name)
    return MaterialInput(
        name=material.name, mass_g=material.mass_g, group=material.material_group,
        material_class=material.material_class,
        recycled_kind=material.recycled.kind.value if material.recycled else None,
        recycled_share=material.recycled.share if material.recycled else 0.0,
        substances=tuple((s.cas, s.mass_g or 0.0) for s in material.substances),
        part_category=category)


def test_shipped_rules_name_existing_datasets_with_fitting_units() -> None:
    assert check_datasets(RULES, UNITS) == []


def test_alloy_with_90_percent_recycled_share_splits_by_mass() -> None:
    material = declared(IPC / "cover_newer.xml", "Aluminium alloy 6063")
    mapping = map_material(material, RULES)
    assert mapping.rule_id == "aluminium-extrusion-cnc"
    virgin, recycled = mapping.flows
    # 148 g × 0.1 virgin and × 0.9 recycled, in kg
    assert (virgin.dataset, virgin.amount) == ("metal.aluminium.extruded.primary.gb",
                                               pytest.approx(0.148 * 0.1))
    assert (recycled.dataset, recycled.amount) == ("metal.aluminium.extruded.recycled.gb",
                                                   pytest.approx(0.148 * 0.9))


def test_pc_abs_with_30_percent_pcc() -> None:
    material = declared(FMD / "NB14-BAT-01.xml", "PC/ABS, 30% PCC", "battery")
    assert (material.recycled_kind, material.recycled_share) == ("PCC", pytest.approx(0.30))
    mapping = map_material(material, RULES)
    assert mapping.rule_id == "pc-abs"
    assert [(f.dataset, f.fraction) for f in mapping.flows] == [
        ("plastic.pc_abs.virgin.gb", "virgin"), ("plastic.pc_abs.pcr.gb", "recycled")]
    # 22.91 g: 70 % virgin, 30 % post-consumer recycled
    assert [f.amount for f in mapping.flows] == pytest.approx([0.02291 * 0.7, 0.02291 * 0.3])


def test_ic_silicon_die_becomes_die_area() -> None:
    material = declared(FMD / "NB14-MEM-01.xml", "DRAM silicon dies")
    mapping = map_material(material, RULES)
    assert mapping.rule_id == "die-dram"
    [flow] = mapping.flows
    # 0.176 g ÷ (2.329 g/cm³ × 0.0100 cm) = 7.5569 cm² of DRAM die
    assert flow.dataset == "ic.dram.per_cm2"
    assert flow.amount == pytest.approx(0.176 / (2.329 * 0.01), rel=1e-12)
    assert "cm²" in flow.derivation


def test_logic_dies_use_the_logic_thickness() -> None:
    mapping = map_material(declared(FMD / "NB14-MB-01.xml", "Silicon dies (SoC"), RULES)
    assert mapping.rule_id == "die-logic"
    # 0.61 g ÷ (2.329 g/cm³ × 0.05 cm) = 5.2383 cm²
    assert mapping.flows[0].amount == pytest.approx(0.61 / (2.329 * 0.05))


def test_pcb_laminate_becomes_board_area_and_its_copper_is_included() -> None:
    laminate = map_material(declared(FMD / "NB14-MB-01.xml", "PCB laminate"), RULES)
    assert laminate.rule_id == "pcb-laminate-10plus-hdi"
    # 38.121 g ÷ (1.85 g/cm³ × 0.1 cm) = 206.06 cm² = 0.020606 m²
    assert laminate.flows[0].dataset == "pcb.bare.10layer_plus.per_m2"
    assert laminate.flows[0].amount == pytest.approx(38.121 / (1.85 * 0.1) / 1e4)
    copper = map_material(declared(FMD / "NB14-MB-01.xml", "Copper foil and plating"), RULES)
    assert (copper.rule_id, copper.flows) == ("pcb-copper-and-mask-in-board", ())


def test_display_glass_maps_as_a_flagged_proxy() -> None:
    mapping = map_material(declared(FMD / "NB14-LCD-01.xml", "Alkali-free", "display"), RULES)
    assert mapping.rule_id == "display-glass"
    glass, fab = mapping.flows
    assert glass.proxy and glass.gsd == 1.5
    assert glass.amount == pytest.approx(0.12163)
    # the same glass as panel area for the fab's F-gases: 121.63 g ÷ (2.38 g/cm³ × 0.08 cm)
    # = 638.8 cm² = 0.06388 m² (a 14-inch 16:9 panel's active area is 0.0540 m²)
    assert fab.dataset == "display.tft_fpd.fgas_direct.per_m2"
    assert fab.amount == pytest.approx(121.63 / (2.38 * 0.08) / 1e4)
    assert any("proxy" in note for note in mapping.notes)


def test_battery_cathode_becomes_capacity_and_cell_materials_are_included() -> None:
    cathode = map_material(declared(FMD / "NB14-BAT-01.xml", "Cathode coating", "battery"), RULES)
    # 88 g × 0.94 × 0.639 Wh/g = 52.86 Wh (the pack is rated 57 Wh)
    assert cathode.flows[0].dataset == "battery.li_ion.nmc.per_kwh"
    assert cathode.flows[0].amount == pytest.approx(88 * 0.94 * 0.639 / 1000)
    electrolyte = map_material(declared(FMD / "NB14-BAT-01.xml", "Electrolyte", "battery"), RULES)
    assert electrolyte.rule_id == "cell-materials-in-cell-factor" and electrolyte.flows == ()


def test_solder_is_split_by_declared_element() -> None:
    mapping = map_material(declared(FMD / "NB14-MB-01.xml", "SMT solder joints"), RULES)
    assert mapping.rule_id == "solder"
    by_dataset = {f.dataset: f.amount for f in mapping.flows}
    # SAC305 of 1.9 g: 96.5 % tin, 3 % silver, 0.5 % copper
    assert by_dataset["metal.tin.general.gb"] == pytest.approx(1.9 * 0.965 / 1000, rel=1e-3)
    assert by_dataset["metal.silver.primary.glo"] == pytest.approx(1.9 * 0.03 / 1000, rel=1e-3)
    assert by_dataset["metal.copper.primary.glo"] == pytest.approx(1.9 * 0.005 / 1000, rel=1e-3)


def test_bamboo_packaging_maps_to_moulded_fibre_proxy() -> None:
    material = declared(IPC / "bamboo_cushion.xml", "bamboo", "packaging")
    assert material.recycled_kind == "bio-based"
    mapping = map_material(material, RULES)
    assert mapping.rule_id == "moulded-fibre"
    # the rule has no separate bio-based dataset: the whole mass goes to moulded fibre
    assert [(f.dataset, f.amount) for f in mapping.flows] == [
        ("packaging.molded_pulp.recycled_fibre.glo", pytest.approx(0.0245))]
    assert any("not credited" in note for note in mapping.notes)


def test_unmapped_material_is_reported_not_dropped() -> None:
    unknown = MaterialInput(name="Unobtainium composite", mass_g=3.0, group="Exotic")
    mapping = map_material(unknown, RULES)
    assert not mapping.mapped and mapping.flows == ()
    assert "no mapping rule" in mapping.reason
    assert not map_material(MaterialInput(name="x", mass_g=None), RULES).mapped


def test_every_sample_material_maps() -> None:
    categories = {"NB14-BAT-01": "battery", "NB14-LCD-01": "display"}
    unmapped = []
    for path in sorted(FMD.glob("*.xml")):
        part = parse_declaration(path).parts[0]
        for material in part.materials:
            candidate = MaterialInput(
                name=material.name, mass_g=material.mass_g, group=material.material_group,
                substances=tuple((s.cas, s.mass_g or 0.0) for s in material.substances),
                part_category=categories.get(part.part_number))
            if not map_material(candidate, RULES).mapped:
                unmapped.append((part.part_number, material.name))
    assert unmapped == []


def test_home_override_rules_come_first(tmp_path: Path) -> None:
    (tmp_path / "mapping_overrides.yaml").write_text(
        "rules:\n"
        "  - id: my-aluminium\n"
        "    match: {group: alumin}\n"
        "    basis: mass\n"
        "    dataset: ecoinvent-3.10::a1b2c3\n"
        "    reason: our supplier's own aluminium dataset\n")
    rules = load_rules(tmp_path)
    mapping = map_material(declared(IPC / "cover_ok.xml", "Aluminium alloy 6063"), rules)
    assert mapping.rule_id == "my-aluminium"
    assert mapping.flows[0].dataset == "ecoinvent-3.10::a1b2c3"
    assert check_datasets(rules, UNITS) == []  # other databases are checked when built


@pytest.mark.parametrize(("content", "message"), [
    ("rules:\n  - id: a\n    match: {group: x}\n    basis: volume\n    dataset: d\n    reason: r\n",
     "unknown basis"),
    ("rules:\n  - id: a\n    match: {colour: x}\n    basis: mass\n    dataset: d\n    reason: r\n",
     "unknown match field"),
    ("rules:\n  - id: a\n    match: {group: x}\n    basis: mass\n    reason: r\n",
     "needs a dataset"),
    ("rules: [unclosed\n", "not valid YAML"),
])
def test_bad_override_files_are_refused_with_the_rule_named(tmp_path: Path, content: str,
                                                           message: str) -> None:
    (tmp_path / "mapping_overrides.yaml").write_text(content)
    with pytest.raises(MappingError, match=message):
        load_rules(tmp_path)


def test_every_basis_has_a_unit() -> None:
    assert set(BASIS_UNITS) == {"mass", "by_substance", "die_area", "board_area", "panel_area",
                                "cell_capacity"}


def test_mg_al_alloy_with_90_percent_recycled_share() -> None:
    material = MaterialInput(name="Magnesium alloy AZ91D, thixomoulded, 90% recycled",
                             mass_g=104.4, group="Magnesium and its alloys",
                             recycled_kind="recycled-metal", recycled_share=0.9)
    mapping = map_material(material, RULES)
    assert mapping.rule_id == "magnesium-alloy"
    factors = factor_index()
    kg_co2e = sum(f.amount * factors[f.dataset].gwp100_kg_co2e for f in mapping.flows)
    # 0.1044 kg × (0.1 × 36.805 primary + 0.9 × 1.629 remelted) = 0.53731 kg CO2e
    primary = factors["metal.mg_al_alloy.primary.cn"].gwp100_kg_co2e
    remelt = factors["metal.magnesium.secondary_remelt.cn"].gwp100_kg_co2e
    assert kg_co2e == pytest.approx(0.1044 * (0.1 * primary + 0.9 * remelt))
    assert kg_co2e == pytest.approx(0.1044 * (0.1 * 36.805 + 0.9 * 1.629), rel=1e-3)
