"""Declarations as suppliers send them (issue 19) and the exemption rules of issue 12 (items 6, 11).

The fixtures in ``fixtures/supplier_formats`` were written for this project from the published
layouts (README there); each file's opening comment holds the hand calculation checked here.
Screening dates are fixed: exemption expiry depends on them.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import text

from fmd_parsers import FmdValidationError, parse_declaration
from fmd_parsers.exemptions import exemption_lists, read_exemption
from gscdm.cli import main
from lca_engine.compliance import INCOMPLETE, NEEDS_REVIEW, NON_COMPLIANT, screen
from lca_engine.compliance.model import COMPLIANT
from lca_engine.db import MaterialDatabase, PartView
from lca_engine.db.engine import _alembic_config, make_engine

from .conftest import FIXTURES
from .conftest import run_cli as run

FORMATS = FIXTURES / "supplier_formats"
TODAY = date(2026, 11, 21)


def only(items: list[Any], **where: object) -> Any:
    found = [i for i in items if all(getattr(i, k) == v for k, v in where.items())]
    assert len(found) == 1, f"expected one match for {where}, found {found}"
    return found[0]


def rohs_finding(db: MaterialDatabase, key: str) -> Any:
    return only(screen(db, key, on=TODAY).findings, regulation="EU RoHS")


# -- the exemption-list table ----------------------------------------------------------------


@pytest.mark.parametrize(("authority", "expected"), [
    ("LR04", "EU RoHS Annex III"), ("EUROHS-1907", "EU RoHS Annex III"),
    ("EU-RoHS-AnnexIII", "EU RoHS Annex III"), ("EU-RoHS-AnnexIV", "EU RoHS Annex IV"),
    ("LR03", "EU ELV Annex II"), ("EUELV-2023", "EU ELV Annex II"),
    ("ELV Directive 2000/53/EC Annex II", "EU ELV Annex II"),
    ("LR09", "China RoHS"), ("China-RoHS_Ver.2.06.00", "China RoHS"), ("GB/T 26572", "China RoHS"),
    ("JIG101-3", None), (None, None),
])
def test_exemption_lists_are_recognised(authority: str | None, expected: str | None) -> None:
    exemption = read_exemption("6(c)", authority=authority)
    assert exemption is not None and exemption.exemption_list == expected
    assert exemption.authority == authority  # the declared identifier is kept verbatim


@pytest.mark.parametrize("marker", [
    ("-", "No exemption"), ("", "適用除外なし"), ("None", None), ("N/A", None), ("无豁免", None),
    (None, "No exemptions used"), ("Not applicable", None)])
def test_no_exemption_markers_are_not_exemptions(marker: tuple[str | None, str | None]) -> None:
    index, description = marker
    assert read_exemption(index, authority="LR04", description=description,
                          code="LR04-000") is None
    # a real entry next to a marker is kept
    assert read_exemption("6(c)", authority="LR04", description="Copper alloy") is not None


def test_exemption_list_table_refuses_unknown_keys(tmp_path: Path) -> None:
    bad = tmp_path / "lists.yaml"
    bad.write_text("lists:\n  - {key: X, regulation: X, patern: ['x']}\nno_exemption: []\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match=r"lists\[1\] has unknown keys \['patern'\]"):
        exemption_lists(str(bad))


# -- defect 1: chemSHERPA's "no exemption" marker --------------------------------------------


def test_chemsherpa_ai_wire_parses_markers_nested_parts_and_site() -> None:
    declaration = parse_declaration(FORMATS / "chemsherpa_ai_wire_dehp.xml")
    (part,) = declaration.parts
    assert part.name == "Hook-up wire AWG24 1 m / 配線材"
    assert (part.manufacturer, part.manufacturing_site) == (None, "Osaka Plant 2 (大阪第二工場)")
    by_name = {m.name: m for m in part.materials}
    pvc = by_name["Flexible PVC / 軟質ポリ塩化ビニル"]
    (dehp,) = pvc.substances
    assert dehp.mass_g == pytest.approx(0.15 * 8.0)  # 1.2 g
    assert dehp.exemptions == []  # both blocks said "no exemption"
    # 2.5 sleeves per wire × 320 mg = 0.8 g; 11.2 + 8.0 + 0.8 = 20.0 g
    sleeve = by_name["Polyolefin (PO)"]
    assert sleeve.mass_g == pytest.approx(2.5 * 0.32)
    assert sum(m.mass_g for m in part.materials) == pytest.approx(20.0)
    marker = only(declaration.flags, code="no-exemption-marker")
    assert marker.severity == "note" and marker.message.startswith("2 exemption entries")


def test_chemsherpa_wire_with_dehp_and_no_exemption_marker_is_non_compliant(
        db: MaterialDatabase) -> None:
    assert db.import_paths([FORMATS / "chemsherpa_ai_wire_dehp.xml"]).counts()["imported"] == 1
    result = screen(db, "W-AWG24-1M", on=TODAY)
    finding = only(result.findings, regulation="EU RoHS")
    # 1.2 g DEHP in 8.0 g PVC = 150,000 ppm against 1,000 ppm
    assert finding.concentration_ppm == pytest.approx(1.2 / 8.0 * 1e6)
    assert (finding.outcome, finding.exemption) == ("restricted", None)
    assert result.status == NON_COMPLIANT
    assert finding.declared_exemptions == []


# -- defect 2: exemptions keep their list ----------------------------------------------------


def test_brass_with_elv_rohs_and_china_exemptions_cites_6c_for_eu_rohs(
        db: MaterialDatabase) -> None:
    assert db.import_paths([FORMATS / "chemsherpa_ai_brass_pin.xml"]).counts()["imported"] == 1
    finding = rohs_finding(db, "PIN-C3604-2")
    assert finding.concentration_ppm == pytest.approx(0.035 * 2.0 / 2.0 * 1e6)  # 35,000 ppm
    assert (finding.outcome, finding.exemption) == ("exempt", "6(c)")
    assert finding.exemption_list == "EU RoHS Annex III"
    assert finding.exemption_expires == "2027-06-30"
    declared = {(d["identity"], d["list"]): d for d in finding.declared_exemptions}
    assert set(declared) == {("3", "EU ELV Annex II"), ("6(c)", "EU RoHS Annex III"),
                             ("7.3", "China RoHS")}
    assert declared[("6(c)", "EU RoHS Annex III")]["applies"] is True
    assert declared[("3", "EU ELV Annex II")]["applies"] is False
    assert screen(db, "PIN-C3604-2", on=TODAY).status == COMPLIANT
    # show --json keeps the list with every exemption
    view = db.show("PIN-C3604-2")
    assert isinstance(view, PartView)
    (material,) = view.as_json()["materials"]
    lead = material["substances"][2]
    assert lead["exemptions"] == ["3", "6(c)", "7.3"]
    assert [(e["identity"], e["list"], e["authority"], e["code"])
            for e in lead["exemption_details"]] == [
        ("3", "EU ELV Annex II", "LR03", "LR03-0030"),
        ("6(c)", "EU RoHS Annex III", "LR04", "LR04-0060C"),
        ("7.3", "China RoHS", "LR09", "LR09-0073")]


def test_ipc_exemptions_with_their_list_on_a_sub_product(db: MaterialDatabase) -> None:
    assert db.import_paths([FORMATS / "ipc1752a_v20_am2_class_d.xml"]).counts()[
        "imported"] == 1
    finding = rohs_finding(db, "CN-2P-BR")
    # 35 mg lead in the 1.0 g brass of the contact sub-product: 35,000 ppm <= 40,000 (6(c))
    assert finding.concentration_ppm == pytest.approx(35_000)
    assert (finding.outcome, finding.exemption) == ("exempt", "6(c)")
    assert finding.exemption_list == "EU RoHS Annex III"
    assert finding.article == "CN-2P-BR-C"


def test_compliance_report_and_cli_show_the_exemption_list(home: Path) -> None:
    code, _, err = run(home, "import", str(FORMATS / "chemsherpa_ai_brass_pin.xml"))
    assert code == 0, err
    shown = CliRunner().invoke(main, ["--home", str(home), "show", "PIN-C3604-2"],
                               env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    # (Rich took "[exemption …]" for markup and printed nothing before it was escaped)
    assert "Lead [exemption 3 (EU ELV Annex II), 6(c) (EU RoHS Annex III), 7.3 (China RoHS)]" \
        in shown.stdout
    assert "made at Higashiosaka" in shown.stdout
    code, out, err = run(home, "compliance", "PIN-C3604-2", "--date", "2026-11-21", "--json")
    assert code == 0, err
    (finding,) = [f for f in json.loads(out)["findings"] if f["regulation"] == "EU RoHS"]
    assert (finding["exemption"], finding["exemption_list"]) == ("6(c)", "EU RoHS Annex III")


# -- issue 12.6: an exemption the table cannot verify ----------------------------------------


def test_a_made_up_exemption_id_is_needs_review_and_named(db: MaterialDatabase,
                                                          tmp_path: Path) -> None:
    text_ = (FORMATS / "chemsherpa_ai_brass_pin.xml").read_text(encoding="utf-8")
    made_up = tmp_path / "made_up.xml"
    made_up.write_text(text_.replace('regIndex="6(c)"', 'regIndex="99(z)"'), encoding="utf-8")
    assert db.import_paths([made_up]).counts()["imported"] == 1
    result = screen(db, "PIN-C3604-2", on=TODAY)
    finding = only(result.findings, regulation="EU RoHS")
    assert (finding.outcome, finding.exemption) == ("needs review", "99(z)")
    assert "exemption 99(z) is not in the shipped EU RoHS Annex III table" in finding.note
    assert result.status == NEEDS_REVIEW != COMPLIANT
    assert [p.status for p in result.parts] == [NEEDS_REVIEW]


# -- issue 12.11: candidate exemptions ---------------------------------------------------------


def _brass(tmp_path: Path, lead_percent: float) -> Path:
    """The brass pin with no exemption declared and ``lead_percent`` lead (zinc balances)."""
    source = (FORMATS / "chemsherpa_ai_brass_pin.xml").read_text(encoding="utf-8")
    start = source.index("          <Exemptions>")
    end = source.rindex("</Exemptions>") + len("</Exemptions>\n")
    body = source[:start] + source[end:]
    body = body.replace('massPercent="3.5"', f'massPercent="{lead_percent}"').replace(
        'massPercent="35"', f'massPercent="{38.5 - lead_percent}"')
    path = tmp_path / f"brass_{lead_percent}.xml"
    path.write_text(body, encoding="utf-8")
    return path


def test_restricted_lead_in_brass_names_6c_as_candidate(db: MaterialDatabase,
                                                        tmp_path: Path) -> None:
    assert db.import_paths([_brass(tmp_path, 3.5)]).counts()["imported"] == 1
    result = screen(db, "PIN-C3604-2", on=TODAY)
    finding = only(result.findings, regulation="EU RoHS")
    assert (finding.outcome, finding.exemption) == ("restricted", None)
    assert "candidate exemptions whose conditions the material meets: 6(c)" in finding.note
    # 3.5 % lead in a copper alloy: 6(c) "copper alloy containing up to 4 % lead by weight";
    # the steel and aluminium entries (6(a), 6(b)) do not fit the material
    assert [(c["id"], c["expires"], c["max_ppm"]) for c in finding.candidate_exemptions] == [
        ("6(c)", "2027-06-30", 40_000)]
    assert "6(c) (Copper alloy containing up to 4 % lead by weight; until 2027-06-30 for " \
           "category 3)" in finding.note
    assert result.status == NON_COMPLIANT  # a candidate never exempts


def test_no_candidate_when_the_concentration_condition_fails(db: MaterialDatabase,
                                                             tmp_path: Path) -> None:
    assert db.import_paths([_brass(tmp_path, 5.0)]).counts()["imported"] == 1
    finding = rohs_finding(db, "PIN-C3604-2")
    assert finding.concentration_ppm == pytest.approx(50_000)
    assert finding.candidate_exemptions == []
    assert "no exemption in the shipped table fits" in finding.note


def test_candidates_respect_expiry(db: MaterialDatabase, tmp_path: Path) -> None:
    assert db.import_paths([_brass(tmp_path, 3.5)]).counts()["imported"] == 1
    after = only(screen(db, "PIN-C3604-2", on=date(2027, 7, 1)).findings, regulation="EU RoHS")
    assert after.candidate_exemptions == []


# -- defect 3: chemSHERPA-CI chemical products -----------------------------------------------


def test_chemsherpa_ci_substances_become_the_products_material() -> None:
    declaration = parse_declaration(FORMATS / "chemsherpa_ci_solder_paste.xml")
    (part,) = declaration.parts
    (material,) = part.materials
    assert material.name == "High-melt solder paste Pb85Sn10 / 高温焊锡膏"
    assert material.mass_g is None and part.mass_g is None
    assert [(s.name, s.concentration_ppm) for s in material.substances] == [
        ("Lead / 铅", pytest.approx(850_000)), ("Tin / 锡", pytest.approx(100_000)),
        ("Rosin", pytest.approx(50_000))]
    assert "part_substances" not in declaration.extra  # none left outside a material
    assert only(declaration.flags, code="chemical-product-mass").severity == "note"


def test_chemical_product_takes_its_mass_from_the_bom_and_is_screened(
        db: MaterialDatabase, tmp_path: Path) -> None:
    shutil.copy(FORMATS / "chemsherpa_ci_solder_paste.xml", tmp_path / "paste.xml")
    bom = tmp_path / "bom.csv"
    bom.write_text("product_number,product_name,part_number,quantity,part_mass_g,fmd_file\n"
                   "PWR-1,Power module,SP-PB85-500G,1,0.4,paste.xml\n", encoding="utf-8")
    report = db.import_paths([], bom=bom)
    assert report.counts() == {"imported": 2, "unchanged": 0, "rejected": 0}
    view = db.show("SP-PB85-500G")
    assert isinstance(view, PartView)
    assert [m.name for m in view.materials] == ["High-melt solder paste Pb85Sn10 / 高温焊锡膏"]
    result = screen(db, "PWR-1", on=TODAY)
    finding = only(result.findings, regulation="EU RoHS")
    # 85 % of the BoM's 0.4 g of paste = 0.34 g lead, 850,000 ppm of the paste
    assert finding.substance_mass_g == pytest.approx(0.85 * 0.4)
    assert finding.reference_mass_g == pytest.approx(0.4)
    assert finding.concentration_ppm == pytest.approx(850_000)
    assert finding.outcome == "restricted"
    # a high-melting solder of >= 85 % lead: 7(a) is what the supplier could declare
    assert [c["id"] for c in finding.candidate_exemptions] == ["7(a)"]
    assert result.status == NON_COMPLIANT
    assert not [g for g in result.gaps if g.part_number == "SP-PB85-500G"]
    # the product view (show, footprint) sees the same masses
    product = db.show("PWR-1").as_json()
    assert product["mass_g"] == pytest.approx(0.4)
    (paste,) = product["materials"]
    assert paste["mass_g"] == pytest.approx(0.4)
    assert paste["substances"][0]["mass_g"] == pytest.approx(0.34)


def test_chemical_product_counted_in_grams_takes_the_bom_quantity(db: MaterialDatabase,
                                                                  tmp_path: Path) -> None:
    # the paste is declared per gram (unitType="g") and the BoM gives 0.4 of it, no mass
    shutil.copy(FORMATS / "chemsherpa_ci_solder_paste.xml", tmp_path / "paste.xml")
    bom = tmp_path / "bom.csv"
    bom.write_text("product_number,part_number,quantity,fmd_file\n"
                   "PWR-2,SP-PB85-500G,0.4,paste.xml\n", encoding="utf-8")
    assert db.import_paths([], bom=bom).counts()["rejected"] == 0
    finding = only(screen(db, "PWR-2", on=TODAY).findings, regulation="EU RoHS")
    # per unit (1 g): 0.85 g lead in 1 g paste; 0.4 units per product
    assert (finding.substance_mass_g, finding.reference_mass_g) == (
        pytest.approx(0.85), pytest.approx(1.0))
    assert finding.concentration_ppm == pytest.approx(850_000)
    assert finding.quantity == pytest.approx(0.4)
    product = db.show("PWR-2").as_json()
    assert product["mass_g"] == pytest.approx(0.4)  # 0.4 × 1 g
    assert product["materials"][0]["substances"][0]["mass_g"] == pytest.approx(0.4 * 0.85)


# -- defect 4: IPC-1752A Amendment 3 Class C -------------------------------------------------


def test_class_c_categories_keep_their_identity() -> None:
    declaration = parse_declaration(FORMATS / "ipc1752a_v20_am3_class_c.xml")
    assert (declaration.format_version, declaration.declaration_class) == ("2.0", "C")
    assert declaration.regulatory_lists == ["EUROHS-1907", "EUREACH-0125"]
    rows = declaration.extra["class_c"]
    assert isinstance(rows, list)
    assert [(r["list"], r["category_id"], r["above_threshold"]) for r in rows] == [
        ("EUROHS-1907", "EUROHS-1907-Pb", True), ("EUROHS-1907", "EUROHS-1907-DEHP", False),
        ("EUROHS-1907", "EUROHS-1907-Cd", False),
        ("EUREACH-0125", "EUREACH-0125-215-267-0", True)]
    assert rows[0]["exemption_details"][0]["list"] == "EU RoHS Annex III"
    assert rows[1]["exemptions"] == []  # "None" is a marker, not an exemption
    assert "unknown_elements" not in declaration.extra
    (part,) = declaration.parts
    assert (part.manufacturer, part.manufacturing_site) == ("Ohm Components GmbH", "Penang, MY")


def test_class_c_is_shown_and_listed_by_compliance(db: MaterialDatabase, home: Path) -> None:
    assert db.import_paths([FORMATS / "ipc1752a_v20_am3_class_c.xml"]).counts()[
        "imported"] == 1
    view = db.show("R-0603-10K")
    assert isinstance(view, PartView)
    data = view.as_json()
    assert data["declaration"]["class"] == "C"
    assert data["manufacturing_site"] == "Penang, MY"
    assert [(c["category"], c["above_threshold"]) for c in data["declared_categories"]][:2] == [
        ("Lead/Lead Compounds", True), ("Bis(2-ethylhexyl) phthalate (DEHP)", False)]
    result = screen(db, "R-0603-10K", on=TODAY)
    # lead above the threshold under a valid 7(c)-I; no composition to screen: a data gap
    assert result.status == INCOMPLETE
    stated = result.as_json()["declared_categories"]
    assert len(stated) == 4 and stated[0]["part_number"] == "R-0603-10K"
    assert stated[0]["category_id"] == "EUROHS-1907-Pb"
    assert stated[0]["exemptions"][0]["identity"] == "7(c)-I"
    assert [s["screening"] for s in stated] == [
        "exempt", "below threshold", "below threshold", None]  # REACH list: not EU RoHS
    assert stated[0]["screening_note"].startswith("7(c)-I until 2027-06-30")


@pytest.mark.parametrize(("exemption", "status"), [
    ("", NON_COMPLIANT), ('<Exemption identity="99(z)"/>', NEEDS_REVIEW),
    ('<Exemption identity="3" authority="EUELV-2023"/>', NON_COMPLIANT)])
def test_class_c_statement_above_threshold_decides_without_composition(
        db: MaterialDatabase, tmp_path: Path, exemption: str, status: str) -> None:
    source = (FORMATS / "ipc1752a_v20_am3_class_c.xml").read_text(encoding="utf-8")
    valid = ('<Exemption identity="7(c)-I" description="Lead in glass or ceramic other than '
             'dielectric ceramic in capacitors"/>')
    assert valid in source
    path = tmp_path / "class_c.xml"
    path.write_text(source.replace(valid, exemption), encoding="utf-8")
    assert db.import_paths([path]).counts()["imported"] == 1
    result = screen(db, "R-0603-10K", on=TODAY)
    assert result.status == status
    assert [p.status for p in result.parts] == [status]


# -- coverage of IPC-1752A 1.1 and Class A ---------------------------------------------------


def test_ipc_1752a_v11_exemption_text_and_micrograms(db: MaterialDatabase) -> None:
    declaration = parse_declaration(FORMATS / "ipc1752a_v11_class_d.xml")
    assert (declaration.format_version, declaration.declaration_class) == ("1.1", "D")
    assert db.import_paths([FORMATS / "ipc1752a_v11_class_d.xml"]).counts()["imported"] == 1
    finding = rohs_finding(db, "FB-0805-600R")
    # 1,000 µg lead oxide in the 20 mg termination: 50,000 ppm, exempt under 7(c)-I
    assert finding.concentration_ppm == pytest.approx(0.001 / 0.02 * 1e6)
    assert (finding.outcome, finding.exemption) == ("exempt", "7(c)-I")
    assert finding.exemption_list == "EU RoHS Annex III"


def test_ipc_class_a_is_a_gap_never_compliant(db: MaterialDatabase) -> None:
    declaration = parse_declaration(FORMATS / "ipc1752a_v20_am1_class_a.xml")
    assert declaration.declaration_class == "A"
    assert db.import_paths([FORMATS / "ipc1752a_v20_am1_class_a.xml"]).counts()[
        "imported"] == 1
    assert screen(db, "LBL-RATING-01", on=TODAY).status == INCOMPLETE


# -- defect 6: placeholder part numbers ------------------------------------------------------

_CHEMICAL = """<?xml version="1.0" encoding="utf-8"?>
<Main schemaDatabaseVersion="X8.00" xmlns="http://std.iec.ch/iec62474">
  <BusinessInfo><Response date="{date}"><SupplyCompany name="{maker}"/></Response></BusinessInfo>
  <Product unitType="g"><ProductID name="{name}" identifier="000-000-000"/>
    <Composition isFMD="false">
      <Substance name="Ethanol"><SubstanceID><EntryID entryIdentity="64-17-5"/></SubstanceID>
        <MassPercent massPercent="{ethanol}"/></Substance>
    </Composition></Product></Main>
"""


def _chemical(tmp_path: Path, name: str, maker: str, when: str, ethanol: float) -> Path:
    path = tmp_path / f"{maker}.xml"
    path.write_text(_CHEMICAL.format(name=name, maker=maker, date=when, ethanol=ethanol),
                    encoding="utf-8")
    return path


def _versions(db: MaterialDatabase) -> int:
    with db.sessions() as session:
        return int(session.execute(text("SELECT count(*) FROM part_version")).scalar_one())


def test_placeholder_part_number_does_not_silently_supersede(db: MaterialDatabase,
                                                             tmp_path: Path) -> None:
    flux = _chemical(tmp_path, "Flux RMA-2", "Maker A", "2025-02-01", 20)
    cleaner = _chemical(tmp_path, "PCB cleaner IPA-free", "Maker B", "2025-02-01", 60)
    assert db.import_paths([flux]).counts()["imported"] == 1
    report = db.import_paths([cleaner])
    (rejected,) = report.rejected
    assert rejected.error is not None
    assert rejected.error["error"] == "part-number-clash"
    message = str(rejected.error["message"])
    assert "'000-000-000'" in message and "'PCB cleaner IPA-free'" in message
    assert "'Flux RMA-2'" in message and "Maker A.xml" in message
    assert _versions(db) == 1  # nothing written for the refused file
    view = db.show("000-000-000")
    assert isinstance(view, PartView) and view.name == "Flux RMA-2"


def test_placeholder_clash_in_lenient_mode_keeps_both_and_flags(db: MaterialDatabase,
                                                                tmp_path: Path) -> None:
    flux = _chemical(tmp_path, "Flux RMA-2", "Maker A", "2025-02-01", 20)
    cleaner = _chemical(tmp_path, "PCB cleaner IPA-free", "Maker B", "2025-02-01", 60)
    assert db.import_paths([flux, cleaner], lenient=True).counts() == {
        "imported": 2, "unchanged": 0, "rejected": 0}
    assert _versions(db) == 2
    view = db.show("000-000-000")
    assert isinstance(view, PartView)
    assert view.name == "Flux RMA-2"  # the declaration in force stays in force
    assert view.history == 1
    (shown,) = [f for f in view.flags if f.code == "part-number-clash"]
    assert "'PCB cleaner IPA-free'" in shown.message and "Maker B.xml" in shown.message
    with db.sessions() as session:
        codes = session.execute(text(
            "SELECT code FROM quality_flag WHERE code = 'part-number-clash'")).scalars().all()
    assert codes == ["part-number-clash"] * 2  # on both declarations


def test_a_later_declaration_under_a_new_name_still_supersedes(db: MaterialDatabase,
                                                               tmp_path: Path) -> None:
    old = _chemical(tmp_path, "Flux RMA-2", "Maker A", "2025-02-01", 20)
    renamed = _chemical(tmp_path, "Flux RMA-2 (low VOC)", "Maker A2", "2025-08-01", 15)
    assert db.import_paths([old, renamed]).counts()["imported"] == 2
    view = db.show("000-000-000")
    assert isinstance(view, PartView) and view.name == "Flux RMA-2 (low VOC)"


# -- strict import stays one transaction -----------------------------------------------------


def test_a_rejected_supplier_file_writes_nothing(db: MaterialDatabase, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    text_ = (FORMATS / "chemsherpa_ai_brass_pin.xml").read_text(encoding="utf-8")
    broken.write_text(text_.replace('massPercent="61.5"', 'massPercent="91.5"'),
                      encoding="utf-8")
    with pytest.raises(FmdValidationError):
        parse_declaration(broken)
    assert db.import_paths([broken]).counts()["rejected"] == 1
    assert _versions(db) == 0


# -- old databases stay upgradeable ----------------------------------------------------------


def test_a_database_at_0001_upgrades_and_its_rows_get_lists(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = make_engine(url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with engine.begin() as connection:  # rows as the 0001 importer wrote them
        connection.execute(text(
            "INSERT INTO declaration (id, sha256, file_name, file_size, format, imported_at, "
            "lenient, regulatory_lists, extra, declaration_date) VALUES (1, 'x', 'pin.xml', 1, "
            "'IEC 62474', '2025-01-01', 0, '[]', '{}', '2025-01-01')"))
        connection.execute(text("INSERT INTO part (id, part_number) VALUES (1, 'P-OLD')"))
        connection.execute(text(
            "INSERT INTO part_version (id, part_id, declaration_id, name, manufacturer, mass_g) "
            "VALUES (1, 1, 1, 'Old pin', 'Higashiosaka', 1.0)"))
        connection.execute(text("UPDATE part SET current_version_id = 1"))
        connection.execute(text(
            "INSERT INTO homogeneous_material (id, part_version_id, position, name, mass_g, "
            "exemptions) VALUES (1, 1, 0, 'Brass', 1.0, '[]')"))
        connection.execute(text(
            "INSERT INTO substance (cas, name) VALUES ('7439-92-1', 'Lead')"))
        connection.execute(text(
            "INSERT INTO material_substance (material_id, cas, name, mass_g, concentration_ppm, "
            "exemptions) VALUES (1, '7439-92-1', 'Lead', 0.03, 30000, "
            "'[{\"identity\": \"3\", \"authority\": \"LR03\", \"description\": null}, "
            "{\"identity\": \"6(c)\", \"authority\": \"LR04\", \"description\": null}]')"))
        connection.execute(text(
            "INSERT INTO material_substance (material_id, cas, name, mass_g, concentration_ppm, "
            "exemptions) VALUES (1, NULL, 'Copper', 0.97, 970000, '[]')"))
    engine.dispose()
    db = MaterialDatabase(url)
    assert db.initialise() != "0001"
    view = db.show("P-OLD")
    assert isinstance(view, PartView)
    # IEC 62474 has no manufacturer attribute: the old column held the site, now moved
    assert (view.manufacturer, view.manufacturing_site) == (None, "Higashiosaka")
    lead = view.materials[0].substances[0]
    assert [(e["identity"], e["list"]) for e in lead.exemption_details] == [
        ("3", "EU ELV Annex II"), ("6(c)", "EU RoHS Annex III")]
    finding = only(screen(db, "P-OLD", on=TODAY).findings, regulation="EU RoHS")
    assert (finding.exemption, finding.exemption_list) == ("6(c)", "EU RoHS Annex III")
    db.dispose()


# -- the compliance report -------------------------------------------------------------------


def test_compliance_report_shows_lists_candidates_and_declared_categories(
        tmp_path: Path) -> None:
    from lca_engine.workspace import Workspace
    from reports import ReportRequest, build_report, render_report

    workspace = Workspace.open(tmp_path / "home")
    workspace.init(brightway=False)
    bom = tmp_path / "bom.csv"
    shutil.copy(_brass(tmp_path, 3.5), tmp_path / "pin.xml")
    shutil.copy(FORMATS / "ipc1752a_v20_am3_class_c.xml", tmp_path / "resistor.xml")
    bom.write_text("product_number,part_number,quantity,fmd_file\n"
                   "KIT-1,PIN-C3604-2,4,pin.xml\nKIT-1,R-0603-10K,2,resistor.xml\n",
                   encoding="utf-8")
    assert workspace.database.import_paths([], bom=bom).counts()["rejected"] == 0
    report = build_report(workspace, ReportRequest("KIT-1", "compliance", report_date=TODAY))
    html = render_report(report, "html").decode()
    assert "candidates (conditions met; declare or change): 6(c) · EU RoHS Annex III " \
           "(until 2027-06-30)" in html
    assert "Substance categories the declarations state" in html
    assert "EUROHS-1907-Pb" in html and "7(c)-I · EU RoHS Annex III" in html
    (findings,) = [s for s in report.sheets if s.rows and len(s.rows[0]) == 15]
    (lead,) = [r for r in findings.rows if r[7] == "restricted"]
    assert lead[13:] == [None, "6(c) (2027-06-30)"]
    workspace.close()


# -- the worker pool keeps the placeholder rule ----------------------------------------------


@pytest.mark.slow  # two spawned workers: about 12 s on this machine
@pytest.mark.postgres
def test_parallel_import_refuses_one_of_two_clashing_placeholders(postgres_url: str,
                                                                   tmp_path: Path) -> None:
    # PostgreSQL: two workers really write at once, and the part row lock orders them
    db = MaterialDatabase(postgres_url)
    db.initialise()
    files = [_chemical(tmp_path, "Flux RMA-2", "Maker A", "2025-02-01", 20),
             _chemical(tmp_path, "PCB cleaner IPA-free", "Maker B", "2025-02-01", 60)]
    report = db.import_paths(files, workers=2)
    assert report.counts() == {"imported": 1, "unchanged": 0, "rejected": 1}
    (rejected,) = report.rejected
    assert rejected.error is not None and rejected.error["error"] == "part-number-clash"
    assert _versions(db) == 1
    db.dispose()


def test_substances_beside_sub_parts_are_not_made_a_material(tmp_path: Path) -> None:
    # an assembly-level DEHP statement in a product with a sub-part: making it a material of
    # the whole product would count the product's mass twice
    path = tmp_path / "assembly.xml"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><Main schemaDatabaseVersion="X8.00" '
        'xmlns="http://std.iec.ch/iec62474"><BusinessInfo><Response date="2025-01-01">'
        '<SupplyCompany name="S"/></Response></BusinessInfo><Product unitType="each">'
        '<ProductID identifier="ASM-1" name="Assembly"><Mass mass="2" unitOfMeasure="g"/>'
        '</ProductID><Composition isFMD="false">'
        '<Substance name="DEHP"><SubstanceID><EntryID entryIdentity="117-81-7"/></SubstanceID>'
        '<MassPercent massPercent="0.05"/></Substance>'
        '<ProductPart numberOfUnits="2"><ProductID identifier="P1" name="Pin">'
        '<Mass mass="1" unitOfMeasure="g"/></ProductID>'
        '<Material name="Steel"><Mass mass="1" unitOfMeasure="g"/></Material></ProductPart>'
        '</Composition></Product></Main>', encoding="utf-8")
    declaration = parse_declaration(path)
    (part,) = declaration.parts
    assert [m.name for m in part.materials] == ["Steel"]
    assert sum(m.mass_g for m in part.materials) == pytest.approx(2.0)  # 2 pins × 1 g
    (loose,) = declaration.extra["part_substances"]  # type: ignore[misc]
    assert loose["cas"] == "117-81-7"
