"""IEC 62474 parser: real values from hand-made fixtures, every figure worked out by hand here."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from fmd_parsers import iec62474
from fmd_parsers.errors import FmdError, FmdValidationError
from fmd_parsers.iec62474 import FORMAT, NAMESPACE, ROOT, parse_iec62474
from fmd_parsers.model import RecycledKind
from fmd_parsers.validation import ValidationPolicy

FIX = Path(__file__).parent / "fixtures" / "iec62474"
LENIENT = ValidationPolicy(lenient=True)


def _errors(declaration):
    return [f for f in declaration.flags if f.severity == "error"]


def _material(part, name):
    found = [m for m in part.materials if m.name == name]
    assert len(found) == 1, [m.name for m in part.materials]
    return found[0]


def _substance(material, name):
    return next(s for s in material.substances if s.name == name)


# -- module interface ---------------------------------------------------------------------------
def test_module_constants_match_the_schema():
    assert FORMAT == "IEC 62474"
    assert ROOT == "Main"
    assert NAMESPACE == "http://std.iec.ch/iec62474"


def test_detect_format_dispatches_to_this_parser():
    from fmd_parsers.formats import detect_format

    assert detect_format(FIX / "housing_al.xml") == FORMAT


def test_parser_imports_no_database_or_lca_code():
    code = ("import sys, fmd_parsers.iec62474; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'lca_engine', 'reports', 'sqlalchemy', 'bw2data', 'bw2calc'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).parent.parent, check=True)
    assert out.stdout.strip() == "[]"


# -- aluminium housing: default namespace, full declaration -------------------------------------
@pytest.fixture(scope="module")
def housing():
    return parse_iec62474(FIX / "housing_al.xml")


def test_housing_header(housing):
    path = FIX / "housing_al.xml"
    assert housing.format == "IEC 62474"
    assert housing.format_version == "X8.21"
    assert housing.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert housing.declaration_date == date(2026, 3, 14)
    s = housing.supplier
    assert (s.company, s.company_id) == ("Kunshan Precision Metal Co.", "654321987")
    assert (s.contact_name, s.contact_email, s.contact_phone) == (
        "Li Wei", "li.wei@kpm.example", "+86 512 0000 0000")
    assert housing.regulatory_lists == ["IEC62474 DSL D29.00"]
    assert housing.declaration_class is None
    assert housing.extra["requester"]["company"] == "Nordic Laptop AB"
    assert housing.extra["declaration_complete"] is True
    assert housing.extra["sectionals"] == [
        "Compliance", "Composition", "MaterialClassDeclaration", "QueryList"]
    assert housing.extra["tool"] == "KPM md-export 2.4 0"
    assert "namespace" not in housing.extra
    assert _errors(housing) == []


def test_housing_part_and_alloy_in_grams(housing):
    (part,) = housing.parts
    assert part.part_number == "NB14-ACOV-02"
    assert part.name == "A-cover, die-cast aluminium, powder coated"
    # manufacturingSite is where the part is made, not who makes it (issue 19, defect 5)
    assert (part.version, part.manufacturing_site, part.unit_type) == ("C", "Kunshan, CN", "each")
    assert part.manufacturer is None
    assert part.mass_g == pytest.approx(152.5)
    assert [m.name for m in part.materials] == [
        "Aluminium alloy ADC12 (die-cast)", "Polyester powder coating"]
    alloy = part.materials[0]
    assert alloy.mass_g == pytest.approx(150.0)  # 0.150 kg
    assert (alloy.declared.value, alloy.declared.unit) == (0.150, "kg")
    assert alloy.material_class == "M-110"
    assert alloy.material_group == "Aluminium and its alloys"
    assert alloy.line == 46
    # 127500 mg, 16.5 g, 0.003 kg, 1.5 g, 1500 mg
    assert [s.mass_g for s in alloy.substances] == pytest.approx([127.5, 16.5, 3.0, 1.5, 1.5])
    assert [s.cas for s in alloy.substances] == [
        "7429-90-5", "7440-21-3", "7440-50-8", "7439-89-6", "7440-66-6"]
    # share of the 150 g alloy: 127.5/150 = 85 %, 16.5/150 = 11 %, 3/150 = 2 %, 1.5/150 = 1 %
    assert [s.concentration_ppm for s in alloy.substances] == pytest.approx(
        [850_000, 110_000, 20_000, 10_000, 10_000])
    assert all(s.authority == "CAS" for s in alloy.substances)


def test_housing_recycled_aluminium_is_recycled_metal(housing):
    alloy = housing.parts[0].materials[0]
    # TotalRecycledContent 30 % (20 % pre- + 10 % post-consumer): a metal, so the total counts.
    assert alloy.recycled.kind is RecycledKind.RECYCLED_METAL
    assert alloy.recycled.share == pytest.approx(0.30)
    assert alloy.recycled.source == "field"


def test_class_name_comes_from_the_material_class_declaration(housing):
    coating = housing.parts[0].materials[1]
    assert coating.material_class == "M-319"
    assert coating.material_group == "Other thermosets"  # no entryDescription in the file
    assert coating.mass_g == pytest.approx(2.5)
    # 55 % / 40 % / 5 % of 2.5 g
    assert [s.mass_g for s in coating.substances] == pytest.approx([1.375, 1.0, 0.125])
    assert [s.concentration_ppm for s in coating.substances] == pytest.approx(
        [550_000, 400_000, 50_000])
    assert coating.substances[0].cas is None and coating.substances[0].identity is None
    assert coating.substances[1].cas == "13463-67-7"
    assert coating.recycled is None
    # The class declaration repeats the composition: kept for audit, not counted twice.
    classes = housing.extra["material_classes"]
    assert [(c["id"], c["mass_g"], c["used_as_materials"]) for c in classes] == [
        ("M-110", 150.0, False), ("M-319", 2.5, False)]


def test_housing_compliance_queries_and_unknown_elements(housing):
    compliance = housing.extra["compliance"]
    assert [(c["id"], c["name"], c["above_threshold"]) for c in compliance] == [
        ("00025", "Lead/Lead Compounds", False),
        ("00038", "Bis (2-ethylhexyl)phthalate (DEHP)", False)]
    assert compliance[0]["list"] == "IEC62474 DSL D29.00"
    (query,) = housing.extra["queries"]
    assert query["id"] == "Q-07" and query["response"] is False
    assert query["list"] == "Nordic Laptop AB SupplierQuestions 3"
    (unknown,) = housing.extra["unknown_elements"]
    assert unknown["element"] == "VendorExtension"
    assert unknown["parent"] == "Product"
    assert unknown["line"] == 116
    (exemption,) = housing.extra["product_exemptions"]
    assert (exemption["identity"], exemption["authority"], exemption["part_number"]) == (
        "6(b)-I", "EU-RoHS-AnnexIII", "NB14-ACOV-02")
    assert "line 4, die 17" in unknown["xml"]


# -- PCBA: no namespace, nested product parts, numberOfUnits, lead exemption --------------------
@pytest.fixture(scope="module")
def pcba():
    return parse_iec62474(FIX / "pcba.xml")


def test_pcba_flattens_nested_parts_into_one_declared_part(pcba):
    assert pcba.extra.get("namespace") is None
    assert pcba.declaration_date == date(2026, 1, 9)  # "2026-01-09T08:30:00Z"
    assert pcba.supplier.contact_name == "Wang Fang"
    assert _errors(pcba) == []
    (part,) = pcba.parts
    assert part.part_number == "MB-PCBA-0420"
    assert part.mass_g == pytest.approx(69.412)  # 69412 mg
    assert len(part.materials) == 11
    # 60 + 20 × 0.6 mg + 4.5 + 0.9 + 2 × (1.6 + 2 × 0.2) = 69.412 g
    assert sum(m.mass_g for m in part.materials) == pytest.approx(69.412)


def test_pcba_number_of_units_multiplies_masses(pcba):
    part = pcba.parts[0]
    alumina = _material(part, "Alumina substrate")
    assert alumina.mass_g == pytest.approx(20 * 0.5e-3)  # 20 resistors × 0.5 mg
    assert alumina.declared.value == 0.5 and alumina.declared.unit == "mg"
    assert alumina.comment == "sub-part R0402-10K (Chip resistor 0402 10 kΩ) ×20"
    (al2o3,) = alumina.substances
    assert al2o3.mass_g == pytest.approx(0.01)
    assert al2o3.concentration_ppm == pytest.approx(1_000_000)
    electrodes = _material(part, "Thick-film electrodes")  # 16.666667 % of 0.6 mg, × 20
    assert electrodes.mass_g == pytest.approx(20 * 0.6e-3 / 6, rel=1e-6)
    clip = _material(part, "Stainless steel 1.4310 (301)")
    assert clip.comment == ("sub-part SHLD-ASSY-01 (RF shield can) ×2 > "
                            "SHLD-CLIP (Shield clip) ×2")
    assert clip.mass_g == pytest.approx(2 * 2 * 0.2)  # 0.8 g
    assert clip.material_class == "M-100" and clip.material_group == "Stainless steel"
    iron = _substance(clip, "Iron")
    assert iron.mass_g == pytest.approx(4 * 0.146)  # 146 mg per clip, 4 clips
    assert iron.concentration_ppm == pytest.approx(730_000)  # 146 / 200 mg
    frame = _material(part, "Nickel silver CuNi18Zn20")
    assert frame.mass_g == pytest.approx(2 * 1.6)
    assert frame.comment == "sub-part SHLD-ASSY-01 (RF shield can) ×2 > SHLD-FRAME (Shield frame)"
    fr4 = _material(part, "FR-4 laminate (epoxy / E-glass)")
    assert fr4.mass_g == pytest.approx(42.0)
    assert fr4.material_group == "Other thermosets"
    assert _substance(fr4, "Glass, oxide, chemicals").mass_g == pytest.approx(25.2)  # 60 %
    sac = _material(part, "SAC305 solder joints")
    assert sac.comment is None  # directly under Composition
    assert [s.mass_g for s in sac.substances] == pytest.approx([0.8685, 0.027, 0.0045])


def test_pcba_high_melting_solder_lead_is_exempted(pcba):
    bumps = _material(pcba.parts[0], "High-melting solder bumps (Pb90Sn10)")
    assert bumps.mass_g == pytest.approx(0.3)  # 300 mg
    lead = _substance(bumps, "Lead")
    assert lead.cas == "7439-92-1"
    assert lead.mass_g == pytest.approx(0.27)  # 90 % of 0.3 g
    assert lead.concentration_ppm == pytest.approx(900_000)
    assert lead.declared.value == 90 and lead.declared.unit == "massPercent"
    assert lead.category == "Lead/Lead Compounds"
    (exemption,) = lead.exemptions
    assert exemption.identity == "7(a)"
    assert exemption.authority == "EU-RoHS-AnnexIII"
    assert exemption.description.startswith("Lead in high melting temperature type solders")
    assert _substance(bumps, "Tin").mass_g == pytest.approx(0.03)


def test_sub_part_mass_balance_is_checked(tmp_path):
    text = (FIX / "pcba.xml").read_text(encoding="utf-8")
    frame_mass = '<Mass mass="1.6" unitOfMeasure="g"/>\n          </Material>'
    assert text.count(frame_mass) == 1
    path = tmp_path / "pcba_bad_frame.xml"
    path.write_text(text.replace(frame_mass, frame_mass.replace("1.6", "1.2")), encoding="utf-8")
    with pytest.raises(FmdValidationError) as info:
        parse_iec62474(path)
    balance = [f for f in info.value.flags if f.code == "material-mass-balance"]
    sub = next(f for f in balance if f.field == "ProductPart/ProductID/Mass")
    product = next(f for f in balance if f is not sub)
    assert (sub.line, sub.part_number) == (83, "MB-PCBA-0420")  # the SHLD-FRAME <ProductPart>
    assert "SHLD-FRAME" in sub.message and "1.2 g per unit" in sub.message
    # 2 frames × 0.4 g missing = 0.8 g > 1 % of 69.412 g: the product balance fails too.
    assert (product.line, product.field, product.material) == (15, "Material/Mass", None)
    kept = parse_iec62474(path, LENIENT)
    assert sum(m.mass_g for m in kept.parts[0].materials) == pytest.approx(69.412 - 0.8)


# -- ppm and decimal comma ------------------------------------------------------------------------
def test_substances_declared_in_ppm():
    decl = parse_iec62474(FIX / "cable_ppm.xml")
    assert decl.format_version == "X8.00"
    assert decl.regulatory_lists == ["IEC62474 DSL D28.00"]
    part = decl.parts[0]
    assert part.mass_g == pytest.approx(45.0)
    jacket = _material(part, "TPE jacket compound (SEBS)")
    assert [(s.declared.value, s.declared.unit) for s in jacket.substances] == [
        (700_000, "ppm"), (250_000, "ppm"), (49_500, "ppm"), (500, "ppm")]
    assert [s.concentration_ppm for s in jacket.substances] == pytest.approx(
        [700_000, 250_000, 49_500, 500])
    # ppm × 20 g: 14 g, 5 g, 0.99 g, 0.01 g
    assert [s.mass_g for s in jacket.substances] == pytest.approx([14.0, 5.0, 0.99, 0.01])
    sb2o3 = _substance(jacket, "Diantimony trioxide")
    assert sb2o3.cas == "1309-64-4"
    conductor = _material(part, "Tinned copper conductor")
    assert conductor.mass_g == pytest.approx(25.0)  # 25000 mg
    copper, tin = conductor.substances
    assert copper.concentration_ppm == pytest.approx(992_000)  # 99.2 %
    assert copper.mass_g == pytest.approx(24.8)
    assert tin.declared.value == pytest.approx(0.8)  # written "0,8"
    assert tin.concentration_ppm == pytest.approx(8_000)
    assert tin.mass_g == pytest.approx(0.2)
    assert _errors(decl) == []


# -- namespace prefix, two products, class-only declaration --------------------------------------
def test_prefixed_namespace_and_two_products():
    decl = parse_iec62474(FIX / "prefixed.xml")
    assert decl.format_version == "X9.00"
    assert decl.supplier.company == "Incheon Fastener Co."
    assert decl.supplier.company_id == "695123456"
    assert decl.supplier.contact_name == "Park Ji-ho"
    assert [p.part_number for p in decl.parts] == ["SCR-M2X4-SUS", "THP-15x15-1.0"]
    screw, pad = decl.parts
    # Only a MaterialClassDeclaration: the class becomes the material, 100 % of 120 mg.
    (steel,) = screw.materials
    assert (steel.name, steel.material_class, steel.material_group) == (
        "Stainless steel", "M-100", "Stainless steel")
    assert steel.mass_g == pytest.approx(0.12)
    assert steel.comment == "material class declaration"
    assert screw.mass_g == pytest.approx(0.12)
    assert decl.extra["material_classes"][0]["used_as_materials"] is True
    (gel,) = pad.materials
    assert [s.mass_g for s in gel.substances] == pytest.approx([0.51, 0.09])  # 85 %, 15 % of 0.6 g
    assert [s.cas for s in gel.substances] == ["1344-28-1", "63148-62-9"]
    assert _errors(decl) == []


# -- Chinese names, UTF-8 BOM, non-ASCII file name -----------------------------------------------
def test_chinese_file_with_bom():
    path = FIX / "镁铝合金C壳_材料声明.xml"
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    decl = parse_iec62474(path)
    assert decl.source_path == str(path)
    assert decl.supplier.company == "昆山精密五金有限公司"
    assert decl.supplier.contact_name == "李伟"
    assert decl.supplier.company_id == "91320583MA1XXXXXXX"
    assert decl.declaration_date == date(2026, 3, 20)
    (part,) = decl.parts
    assert part.name == "笔记本电脑 C 壳（镁铝合金）"
    assert part.mass_g == pytest.approx(210.0)  # 0.21 kg
    alloy = _material(part, "镁铝合金 AZ91D")
    assert alloy.mass_g == pytest.approx(205.0)
    assert alloy.material_class is None
    assert alloy.material_group == "镁合金"  # from MaterialID/entryDescription
    assert alloy.comment == "压铸件，再生料 90 %"
    assert alloy.recycled.kind is RecycledKind.RECYCLED_METAL
    assert alloy.recycled.share == pytest.approx(0.9)
    # 90 %, 9 %, 0.7 %, 0.3 % of 205 g
    assert [s.name for s in alloy.substances] == ["镁", "铝", "锌", "锰"]
    assert [s.mass_g for s in alloy.substances] == pytest.approx([184.5, 18.45, 1.435, 0.615])
    paint = _material(part, "环氧底漆与聚氨酯面漆")
    assert paint.mass_g == pytest.approx(5.0)  # 5000 mg
    assert _errors(decl) == []


# -- partial (isFMD="false") composition, chemSHERPA-shaped --------------------------------------
@pytest.fixture(scope="module")
def switch():
    return parse_iec62474(FIX / "switch_partial.xml")  # strict: must load


def test_partial_composition_loads_with_notes(switch):
    assert _errors(switch) == []
    notes = [f for f in switch.flags if f.code == "partial-composition"]
    assert {f.line for f in notes} == {67, 117, 144}
    assert all(f.severity == "note" for f in notes)
    (part,) = switch.parts
    assert part.version is None  # version="" in the file
    assert part.mass_g == pytest.approx(0.286)
    # 102 + 77.63 + 0.08 + 0.29 + 2 × (13.79 + 0.21) + 4 × 19.5 = 286 mg
    assert [m.mass_g for m in part.materials] == pytest.approx(
        [0.102, 0.07763, 0.00008, 0.00029, 0.02758, 0.00042, 0.078])
    assert [m.material_class for m in part.materials] == [
        "M-299", "M-121", "M-123", "M-159", "M-121", "M-159", "M-100"]
    spring = part.materials[-1]
    assert spring.comment == ("sub-part Parts00015 (Spring) ×4 > Parts00016 (Spring wire); "
                              "1@@@@")
    assert spring.substances[0].mass_g == pytest.approx(0.078 * 0.105)  # 0.00819 g nickel


def test_partial_composition_lead_exemptions_and_compliance(switch):
    terminal_alloy = switch.parts[0].materials[1]
    lead = _substance(terminal_alloy, "Lead; Lead powder; Lead massive")
    assert lead.mass_g == pytest.approx(0.07763 * 0.02)  # 1.5526 mg
    assert lead.concentration_ppm == pytest.approx(20_000)
    assert [(e.identity, e.authority) for e in lead.exemptions] == [
        ("6(c)", "EU-RoHS-AnnexIII"), ("7.3", "China-RoHS_Ver.2.06.00")]
    # each exemption keeps its list (issue 19, defect 2) and the tool's own code beside regIndex
    assert [(e.exemption_list, e.code) for e in lead.exemptions] == [
        ("EU RoHS Annex III", "00040-B-00"), ("China RoHS", "02036-A-00")]
    compliance = {c["id"]: c for c in switch.extra["compliance"]}
    lead_group = compliance["00025"]
    assert lead_group["above_threshold"] is True
    assert lead_group["mass_g"] == pytest.approx(0.00155)  # 1.55 mg
    assert lead_group["mass_percent"] == pytest.approx(0.54)
    assert lead_group["exemptions"] == ["6(c)"]
    assert compliance["00038"]["above_threshold"] is False
    assert switch.regulatory_lists == [
        "IEC62474 DSL D29.00", "chemSHERPA chemSHERPA_SubstanceList 2.10.00"]
    (dehp,) = switch.extra["part_substances"]
    assert (dehp["cas"], dehp["sub_part"], dehp["value"], dehp["unit"]) == (
        "117-81-7", "Parts00012 (Housing)", 0.05, "massPercent")
    assert any(f.code == "substance-outside-material" and f.severity == "note"
               for f in switch.flags)
    assert switch.extra["tool"] == "chemSHERPA chemSHERPA-AI-V2R1.00.1@2.10.00 0"
    assert switch.extra["supplier_name_local"] == "スイッチ部品株式会社"


def test_partial_composition_over_100_percent_is_still_an_error(tmp_path):
    text = (FIX / "switch_partial.xml").read_text(encoding="utf-8")
    path = tmp_path / "switch_overflow.xml"
    path.write_text(text.replace('massPercent="60"', 'massPercent="160"'), encoding="utf-8")
    with pytest.raises(FmdValidationError) as info:
        parse_iec62474(path)
    assert info.value.material == "Copper alloys"
    assert info.value.line == 117
    assert {f.code for f in info.value.flags} >= {"substance-mass-balance", "concentration-sum"}


# -- rejections ---------------------------------------------------------------------------------
def test_mass_balance_failure_strict_names_file_line_part_material_field():
    path = FIX / "mass_balance_fail.xml"
    with pytest.raises(FmdValidationError) as info:
        parse_iec62474(path)
    err = info.value
    assert err.code == "substance-mass-balance"
    assert (err.path, err.line, err.part_number, err.material, err.field) == (
        str(path), 17, "NB14-DCOV-03", "PC/ABS blend", "Substance/Mass")
    message = str(err)
    for piece in (f"{path}:17", "part 'NB14-DCOV-03'", "material 'PC/ABS blend'",
                  "field 'Substance/Mass'", "28 g", "30 g"):
        assert piece in message


def test_mass_balance_failure_lenient_keeps_data_with_flag():
    decl = parse_iec62474(FIX / "mass_balance_fail.xml", LENIENT)
    material = decl.parts[0].materials[0]
    assert material.mass_g == pytest.approx(30.0)
    assert [s.mass_g for s in material.substances] == pytest.approx([20.0, 8.0])
    flag = next(f for f in decl.flags if f.code == "substance-mass-balance")
    assert (flag.severity, flag.line, flag.material) == ("error", 17, "PC/ABS blend")


def test_bad_cas_check_digit():
    path = FIX / "bad_cas.xml"
    with pytest.raises(FmdValidationError) as info:
        parse_iec62474(path)
    assert info.value.code == "cas-checksum"
    assert info.value.line == 19
    assert info.value.field == "Substance/SubstanceID/EntryID@entryIdentity"
    assert "7440-50-9" in str(info.value)
    copper = parse_iec62474(path, LENIENT).parts[0].materials[0].substances[0]
    assert copper.cas is None
    assert copper.identity == "7440-50-9"
    assert copper.mass_g == pytest.approx(5.0)


def test_unknown_unit():
    path = FIX / "unknown_unit.xml"
    with pytest.raises(FmdValidationError) as info:
        parse_iec62474(path)
    assert info.value.code == "unknown-unit"
    assert (info.value.line, info.value.field) == (18, "Material/Mass@unitOfMeasure")
    assert "'pcs'" in str(info.value)
    decl = parse_iec62474(path, LENIENT)
    assert decl.parts[0].materials[0].mass_g is None
    assert {f.code for f in decl.flags} >= {"unknown-unit", "missing-mass"}


def test_invalid_number_is_flagged(tmp_path):
    text = (FIX / "cable_ppm.xml").read_text(encoding="utf-8")
    path = tmp_path / "nan.xml"
    path.write_text(text.replace('<Mass mass="20" unitOfMeasure="g"/>',
                                 '<Mass mass="twenty" unitOfMeasure="g"/>'), encoding="utf-8")
    with pytest.raises(FmdValidationError) as info:
        parse_iec62474(path)
    assert info.value.code == "invalid-number"
    assert info.value.field == "Material/Mass@mass"


def test_truncated_xml():
    with pytest.raises(FmdError) as info:
        parse_iec62474(FIX / "truncated.xml")
    assert info.value.code == "xml-malformed"
    assert info.value.line == 35
    assert "truncated.xml:35" in str(info.value)


def test_doctype_entity_attack_is_refused_quickly():
    start = time.perf_counter()
    with pytest.raises(FmdError) as info:
        parse_iec62474(FIX / "doctype_bomb.xml")
    assert time.perf_counter() - start < 0.5
    assert info.value.code == "xml-doctype-refused"
    assert "entities" in info.value.message


def test_wrong_root_element():
    with pytest.raises(FmdError) as info:
        parse_iec62474(FIX / "wrong_root_ipc.xml")
    assert info.value.code == "wrong-format"
    assert info.value.field == "MainDeclaration"


def test_main_in_a_foreign_namespace_is_not_iec62474(tmp_path):
    path = tmp_path / "other.xml"
    path.write_text('<?xml version="1.0"?><Main xmlns="urn:example:other" '
                    'schemaDatabaseVersion="1"/>', encoding="utf-8")
    with pytest.raises(FmdError) as info:
        parse_iec62474(path)
    assert info.value.code == "wrong-format"


def test_product_without_product_id_is_rejected(tmp_path):
    path = tmp_path / "noproductid.xml"
    path.write_text(f'<Main xmlns="{NAMESPACE}" schemaDatabaseVersion="X8.21">'
                    '<Product unitType="each"><Composition isFMD="true"/></Product></Main>',
                    encoding="utf-8")
    with pytest.raises(FmdError) as info:
        parse_iec62474(path)
    assert (info.value.code, info.value.field) == ("missing-part-number", "Product/ProductID")


def test_product_without_identifier_is_rejected(tmp_path):
    text = (FIX / "cable_ppm.xml").read_text(encoding="utf-8")
    path = tmp_path / "noid.xml"
    path.write_text(text.replace('identifier="CBL-USBC-1M" ', ""), encoding="utf-8")
    with pytest.raises(FmdError) as info:
        parse_iec62474(path)
    assert info.value.code == "missing-part-number"
    assert info.value.field == "ProductID@identifier"


# -- streaming ------------------------------------------------------------------------------------
def test_many_materials_stream_in_bounded_time(tmp_path):
    n = 3000
    materials = "".join(
        f'<Material name="Chip capacitor dielectric {i}"><Mass mass="2" unitOfMeasure="mg"/>'
        f'<Substance name="Barium titanate"><SubstanceID><EntryID entryIdentity="12047-27-7"/>'
        f'</SubstanceID><MassPercent massPercent="100"/></Substance></Material>\n'
        for i in range(n))
    path = tmp_path / "big.xml"
    path.write_text(
        f'<Main xmlns="{NAMESPACE}" schemaDatabaseVersion="X8.21">'
        '<BusinessInfo mode="Distribution">'
        '<Response date="2026-01-01"><SupplyCompany name="Bulk"/></Response></BusinessInfo>'
        f'<Product unitType="each"><ProductID identifier="MLCC-KIT"><Mass mass="{2 * n}" '
        f'unitOfMeasure="mg"/></ProductID><Composition isFMD="true">{materials}'
        '</Composition></Product></Main>', encoding="utf-8")
    start = time.perf_counter()
    decl = parse_iec62474(path)
    assert time.perf_counter() - start < 10
    (part,) = decl.parts
    assert len(part.materials) == n
    assert part.mass_g == pytest.approx(2 * n / 1000)
    assert decl.substance_count == n
    assert iec62474.MAX_UNKNOWN_KEPT == 200
