"""Substance compliance screening: EU RoHS, REACH SVHC (per article), IEC 62474, China RoHS.

Every expected number is worked out by hand in the test from the masses in the declaration, so a
change in the engine's arithmetic cannot hide behind its own output. Screening dates are fixed:
exemption expiry and the China RoHS edition depend on them.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from fmd_parsers.cas import cas_checksum_ok
from lca_engine.compliance import (
    COMPLIANT,
    INCOMPLETE,
    NEEDS_REVIEW,
    NON_COMPLIANT,
    SubstanceListError,
    load_lists,
    normalise_exemption_id,
    read_echa_export,
    screen,
)
from lca_engine.db import MaterialDatabase

from .conftest import run_cli as run

ROOT = Path(__file__).resolve().parents[1]
DEMO_BOM = ROOT / "bom_samples" / "compliance_demo" / "bom.csv"
NOTEBOOK_BOM = ROOT / "bom_samples" / "notebook14" / "bom.csv"
TODAY = date(2026, 11, 21)
NS = "http://webstds.ipc.org/175x/2.0"
ROHS = "EU RoHS Directive 2011/65/EU Annex III"


def only(items: list, **where: object) -> object:
    found = [i for i in items if all(getattr(i, k) == v for k, v in where.items())]
    assert len(found) == 1, f"expected one match for {where}, found {found}"
    return found[0]


# -- the data files ---------------------------------------------------------------------------


def _ec_ok(ec: str) -> bool:
    digits = ec.replace("-", "")
    return (len(digits) == 7 and digits.isdigit()
            and sum((i + 1) * int(d) for i, d in enumerate(digits[:6])) % 11 == int(digits[6]))


def test_every_identifier_in_the_data_files_passes_its_check_digit() -> None:
    lists = load_lists()  # raises on any CAS RN with a bad check digit
    for group in lists.rohs.groups.values():
        assert group.cas and all(cas_checksum_ok(c) for c in group.cas)
    assert all(cas_checksum_ok(c) for c in lists.synonyms.values())
    for entry in lists.svhc.entries:
        assert all(cas_checksum_ok(c) for c in entry.cas), entry.name
        assert all(_ec_ok(e) for e in entry.ec), entry.name
    for entry in lists.dsl.entries:
        assert entry.cas and all(cas_checksum_ok(c) for c in entry.cas), entry.name


def test_rohs_annex_ii_has_ten_restrictions_with_their_limits() -> None:
    groups = load_lists().rohs.groups
    assert len(groups) == 10
    # 0.1 % = 1000 ppm per homogeneous material; cadmium 0.01 % = 100 ppm
    assert {k: g.limit_ppm for k, g in groups.items()} == {
        "lead": 1000, "mercury": 1000, "cadmium": 100, "chromium_vi": 1000, "pbb": 1000,
        "pbde": 1000, "dehp": 1000, "bbp": 1000, "dbp": 1000, "dibp": 1000}
    assert "7440-47-3" not in groups["chromium_vi"].cas  # metallic chromium is not Cr(VI)
    assert {"7439-92-1", "1317-36-8", "7758-97-6"} <= groups["lead"].cas
    assert "7758-97-6" in groups["chromium_vi"].cas  # lead chromate counts under both
    assert {"1163-19-5", "32534-81-9"} <= groups["pbde"].cas


def test_svhc_file_states_its_date_source_and_complete_coverage() -> None:
    lists = load_lists()
    svhc = lists.svhc
    assert svhc.list_date == date(2026, 2, 4)
    assert svhc.meta["source_url"] == "https://echa.europa.eu/candidate-list-table"
    assert svhc.meta["entries_on_official_list"] == "253"
    assert svhc.meta["coverage"].startswith("COMPLETE")
    assert len(svhc.entries) == 253 and svhc.complete
    names = [e.name for e in svhc.entries]
    assert len(names) == len(set(names))
    assert all(e.source for e in svhc.entries)
    dehp = only(svhc.entries, name="Bis(2-ethylhexyl) phthalate (DEHP)")
    assert dehp.date_of_inclusion == date(2008, 10, 28) and dehp.ec == ("204-211-0",)
    assert only(svhc.entries, name="Lead").date_of_inclusion == date(2018, 6, 27)
    versions = lists.versions()
    assert versions["reach_svhc"]["complete"] is True
    assert versions["iec62474_dsl"]["version"] == "D28.00"


@pytest.mark.parametrize(("declared", "canonical"), [
    ("6(c)", "6(c)"), ("6c", "6(c)"), ("III-6(c)", "6(c)"), ("Annex III 6(c)", "6(c)"),
    ("7(c)-I", "7(c)-I"), ("7(c)I", "7(c)-I"), ("7cI", "7(c)-I"), ("7(c)-1", "7(c)-I"),
    ("EU-RoHS-AnnexIII 7(c)-II", "7(c)-II"), ("7(a)", "7(a)"), (" 6(a)-ii ", "6(a)-II"),
    ("15", "15"), ("not an id", "not an id"),
])
def test_exemption_identifiers_are_normalised(declared: str, canonical: str) -> None:
    assert normalise_exemption_id(declared) == canonical


def test_exemption_table_carries_conditions_and_expiry() -> None:
    exemptions = load_lists().rohs.exemptions
    assert exemptions["6(c)"].max_ppm == 40_000  # copper alloy with up to 4 % lead
    assert exemptions["7(a)"].min_ppm == 850_000  # lead-based solder, >= 85 % lead
    assert exemptions["7(c)-I"].expiry_for(3) == date(2027, 6, 30)
    assert exemptions["6(c)"].expiry_for(3) == date(2027, 6, 30)
    assert exemptions["7(c)-II"].expiry_for(3) == date(2027, 12, 31)
    assert exemptions["6(b)"].expiry_for(3) is None  # 6(b) itself is for categories 9 and 11


# -- the compliance demo product -------------------------------------------------------------


def demo(db: MaterialDatabase) -> None:
    report = db.import_paths([], bom=DEMO_BOM)
    assert report.counts() == {"imported": 4, "unchanged": 0, "rejected": 0}


def test_demo_dehp_cable_is_restricted_per_homogeneous_material(db: MaterialDatabase) -> None:
    demo(db)
    result = screen(db, "CD-ACC-01", on=TODAY)
    assert result.status == NON_COMPLIANT
    finding = only(result.findings, part_number="CD-CBL-CC-PVC", regulation="EU RoHS")
    # DEHP declared as 12 massPercent of a 35 g PVC jacket: 4.2 g / 35 g = 120,000 ppm > 1,000
    assert finding.substance_mass_g == pytest.approx(0.12 * 35.0)
    assert finding.concentration_ppm == pytest.approx(4.2 / 35.0 * 1e6) == 120_000
    assert finding.limit_ppm == 1000
    assert finding.cas == "117-81-7"
    assert finding.material == "Outer jacket, flexible PVC (DEHP plasticiser)"
    assert (finding.outcome, finding.exemption) == ("restricted", None)
    parts = {p.part_number: p.status for p in result.parts}
    assert parts["CD-CBL-CC-PVC"] == NON_COMPLIANT


def test_demo_exempted_lead_is_shown_with_its_exemption(db: MaterialDatabase) -> None:
    demo(db)
    result = screen(db, "CD-ACC-01", on=TODAY)
    finding = only(result.findings, part_number="CD-CHG-30W", regulation="EU RoHS")
    # lead monoxide 1.2 mg in a 5 mg resistor layer (both declared in mg): 240,000 ppm
    assert finding.concentration_ppm == pytest.approx(1.2 / 5.0 * 1e6) == 240_000
    assert finding.substance_mass_g == pytest.approx(0.0012)
    assert finding.outcome == "exempt"
    assert finding.exemption == "7(c)-I"
    assert finding.exemption_expires == "2027-06-30"
    assert "glass or ceramic" in (finding.exemption_text or "")
    assert {p.part_number: p.status for p in result.parts}["CD-CHG-30W"] == COMPLIANT
    assert any("7(c)-I expires on 2027-06-30" in n for n in result.notes)
    assert any(n.startswith("IEC 62474 DSL is partial (275 entries of version D28.00: 22 group, "
                            "86 substance, 167 svhc-derived)") for n in result.notes)
    # 1.2 mg of lead monoxide (itself an SVHC) in a 58 g charger: 20.7 ppm, nothing to declare
    assert not [f for f in result.findings
                if f.part_number == "CD-CHG-30W" and f.regulation == "REACH SVHC"]


def test_exemption_no_longer_exempts_after_its_expiry(db: MaterialDatabase) -> None:
    demo(db)
    result = screen(db, "CD-ACC-01", on=date(2027, 7, 1))
    finding = only(result.findings, part_number="CD-CHG-30W", regulation="EU RoHS")
    assert finding.outcome == "restricted" and finding.exemption is None
    assert "7(c)-I expired on 2027-06-30 for category 3" in (finding.note or "")
    # the day it expires it still applies
    on_the_day = screen(db, "CD-ACC-01", on=date(2027, 6, 30))
    assert only(on_the_day.findings, part_number="CD-CHG-30W",
                regulation="EU RoHS").outcome == "exempt"


def test_svhc_threshold_is_per_article_not_per_product(db: MaterialDatabase) -> None:
    demo(db)
    result = screen(db, "CD-ACC-01", on=TODAY)
    tpp = only(result.findings, part_number="CD-HUB-4P", regulation="REACH SVHC")
    # triphenyl phosphate 0.05 g in the 30 g hub: 0.05 / 30 = 1,667 ppm > 1,000 (0.1 % w/w)
    assert tpp.concentration_ppm == pytest.approx(0.05 / 30.0 * 1e6)
    assert round(tpp.concentration_ppm) == 1667
    assert tpp.basis == "article" and tpp.article == "CD-HUB-4P"
    assert tpp.reference_mass_g == pytest.approx(30.0)
    assert tpp.outcome == "declarable"
    assert tpp.list_entry["date_of_inclusion"] == "2024-11-07"
    # over the whole 168 g kit (52 + 58 + 30 + 28 g) it would be 298 ppm, below 0.1 %:
    # counting per product (rejected by CJEU C-106/14) would have hidden the obligation
    assert result.mass_g == pytest.approx(52 + 58 + 30 + 28)
    assert tpp.product_concentration_ppm == pytest.approx(0.05 / 168.0 * 1e6)
    assert tpp.product_concentration_ppm < 1000
    dehp = only(result.findings, part_number="CD-CBL-CC-PVC", regulation="REACH SVHC")
    assert dehp.concentration_ppm == pytest.approx(4.2 / 52.0 * 1e6)  # 80,769 ppm of the cable
    summary = result.summary()
    assert summary["svhc_articles"] == [{"part_number": "CD-CBL-CC-PVC",
                                         "article": "CD-CBL-CC-PVC"},
                                        {"part_number": "CD-HUB-4P", "article": "CD-HUB-4P"}]
    assert any("REACH Art. 33" in o for o in summary["obligations"])


def test_parts_without_fmd_are_gaps_never_compliant(db: MaterialDatabase) -> None:
    demo(db)
    result = screen(db, "CD-ACC-01", on=TODAY)
    gap = only(result.gaps, part_number="CD-POUCH-01")
    assert "no FMD declaration" in gap.reason
    pouch = only(result.parts, part_number="CD-POUCH-01")
    assert pouch.status == INCOMPLETE  # type: ignore[attr-defined]
    row = only(result.china_rohs_table, part_number="CD-POUCH-01")
    assert set(row.marks.values()) == {"?"}  # type: ignore[attr-defined]


def test_names_resolve_through_the_synonym_table_or_are_flagged(db: MaterialDatabase) -> None:
    demo(db)
    result = screen(db, "CD-ACC-01", on=TODAY)
    match = only(result.name_matches, substance="Barium sulfate")
    assert (match.cas, match.matched_by) == ("7727-43-7", "synonym")  # type: ignore[attr-defined]
    flagged = only(result.unresolved, substance="Proprietary tackifier resin")
    assert flagged.part_number == "CD-HUB-4P"  # type: ignore[attr-defined]
    assert flagged.mass_g == pytest.approx(0.1)  # type: ignore[attr-defined]
    hub = only(result.parts, part_number="CD-HUB-4P")
    assert hub.status == INCOMPLETE  # type: ignore[attr-defined]


def test_china_rohs_table_marks_o_and_x_per_part(db: MaterialDatabase) -> None:
    demo(db)
    result = screen(db, "CD-ACC-01", on=TODAY)
    # from 1 Jan 2026 GB/T 26572 with Amendment No. 1 restricts ten substances
    assert result.china_rohs_standard == "GB/T 26572-2011 + Amendment No. 1"
    assert [h["en"] for h in result.china_rohs_headers] == [
        "Pb", "Hg", "Cd", "Cr(VI)", "PBB", "PBDE", "DBP", "DIBP", "BBP", "DEHP"]
    cable = only(result.china_rohs_table, part_number="CD-CBL-CC-PVC").marks  # type: ignore
    assert cable["DEHP"] == "X" and cable["Pb"] == "O"
    charger = only(result.china_rohs_table, part_number="CD-CHG-30W").marks  # type: ignore
    assert charger["Pb"] == "X"  # no exemptions in the China table: exempted lead is still "X"
    assert set(charger.values()) == {"O", "X"}
    # the hub holds an unidentified substance: nothing can be claimed "O"
    hub = only(result.china_rohs_table, part_number="CD-HUB-4P").marks  # type: ignore
    assert set(hub.values()) == {"?"}
    # before 2026 only the six original substances had limits
    early = screen(db, "CD-ACC-01", on=date(2025, 12, 31))
    assert len(early.china_rohs_headers) == 6
    assert not [f for f in early.findings if f.regulation == "China RoHS"
                and f.part_number == "CD-CBL-CC-PVC"]


def test_iec62474_declarable_substances_above_threshold(db: MaterialDatabase) -> None:
    demo(db)
    result = screen(db, "CD-ACC-01", on=TODAY)
    iec = [f for f in result.findings if f.regulation == "IEC 62474"]
    assert {(f.part_number, f.cas) for f in iec} == {("CD-CBL-CC-PVC", "117-81-7"),
                                                     ("CD-CHG-30W", "1317-36-8"),
                                                     ("CD-HUB-4P", "115-86-6")}
    assert all(f.outcome == "declarable" and f.list_entry["version"] == "D28.00" for f in iec)
    # DEHP in the PVC jacket, three entries: the RoHS-aligned one and the REACH Annex XVII
    # entry 51 group (0.1 % of the homogeneous / plasticised material: 4.2 g in the 35 g jacket),
    # and its SVHC entry (DSL ID 00038, 0.1 mass% of the 52 g article)
    dehp = {f.list_entry["source"]: f for f in iec if f.part_number == "CD-CBL-CC-PVC"}
    assert set(dehp) == {"R2", "A5", "D1;X1"}
    assert dehp["R2"].basis == dehp["A5"].basis == "homogeneous material"
    assert dehp["R2"].concentration_ppm == pytest.approx(4.2 / 35 * 1e6)
    assert dehp["A5"].list_entry["threshold_source"] == "regulation"
    assert dehp["D1;X1"].basis == "article" and dehp["D1;X1"].list_entry["id"] == "00038"
    assert dehp["D1;X1"].concentration_ppm == pytest.approx(4.2 / 52 * 1e6)
    # triphenyl phosphate (Candidate List since 7 Nov 2024): only through an entry derived from
    # the Candidate List, 0.05 g in the 30 g hub = 1,667 ppm of the article, and it says so
    tpp = only(iec, part_number="CD-HUB-4P")
    assert tpp.concentration_ppm == pytest.approx(0.05 / 30 * 1e6)
    assert tpp.basis == "article" and tpp.list_entry["kind"] == "svhc_derived"
    assert tpp.list_entry["id"] is None and "derived from the REACH Candidate List" in tpp.note


def test_result_json_keeps_the_spec_contract(db: MaterialDatabase) -> None:
    demo(db)
    document = screen(db, "CD-ACC-01", on=TODAY).as_json()
    json.dumps(document)  # plain JSON
    assert {"product", "status", "findings"} <= set(document)
    assert document["product"] == "CD-ACC-01" and document["status"] == "non-compliant"
    for finding in document["findings"]:
        assert {"part_number", "material", "substance", "cas", "concentration_ppm", "limit_ppm",
                "regulation", "exemption"} <= set(finding)


# -- the sample notebook ----------------------------------------------------------------------


def test_notebook_exemptions_and_below_threshold_svhc(db: MaterialDatabase) -> None:
    assert db.import_paths([], bom=NOTEBOOK_BOM).counts()["rejected"] == 0
    result = screen(db, "NB14-G5", on=TODAY)
    assert result.status == COMPLIANT
    assert not result.gaps and not result.unresolved
    cord = only(result.findings, part_number="NB14-ADP-CORD-EU", regulation="EU RoHS")
    # 132 mg lead in 4.4 g of CuZn39Pb3 pins: 3 % lead, within 6(c)'s 4 % cap
    assert cord.concentration_ppm == pytest.approx(0.132 / 4.4 * 1e6) == 30_000
    assert (cord.outcome, cord.exemption) == ("exempt", "6(c)")
    adapter = only(result.findings, part_number="NB14-ADP-01", regulation="EU RoHS")
    assert (adapter.outcome, adapter.exemption) == ("exempt", "7(c)-I")
    assert adapter.substance_mass_g == pytest.approx(0.027)  # 27 mg lead
    # lead is an SVHC too (since 27 Jun 2018): 132 mg in the 72 g cord is 1,833 ppm of the article
    cord_svhc = only(result.findings, part_number="NB14-ADP-CORD-EU", regulation="REACH SVHC")
    assert cord_svhc.concentration_ppm == pytest.approx(0.132 / 72.0 * 1e6)
    # boric acid (about 8 mg in the 262 g display) stays far below 0.1 % of the article
    assert not [f for f in result.findings if f.cas and "10043-35-3" in f.cas]


# -- edge cases from hand-written declarations -------------------------------------------------


def _substance(name: str, cas: str | None, value: float, uom: str = "g",
               exemption: str | None = None, authority: str = ROHS) -> str:
    uid = f'<UniqueID identity="{cas}" authority="CAS"/>' if cas else ""
    ex = f'<Exemption identity="{exemption}" authority="{authority}"/>' if exemption else ""
    return f'<Substance name="{name}">{uid}<Amount value="{value}" UOM="{uom}"/>{ex}</Substance>'


def _material(name: str, mass_g: float, *substances: str) -> str:
    return (f'<HomogeneousMaterial name="{name}"><Amount value="{mass_g}" UOM="g"/>'
            f'<SubstanceCategory name="{name}">{"".join(substances)}</SubstanceCategory>'
            f"</HomogeneousMaterial>")


def _declaration(path: Path, part: str, mass_g: float, *materials: str,
                 sub_products: str = "") -> Path:
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<MainDeclaration xmlns="{NS}" version="2.0">'
        f'<BusinessInfo><Response date="2026-06-01"><SupplyCompany name="Test Supplier"/>'
        f'</Response></BusinessInfo><Product unitType="Each">'
        f'<ProductID itemNumber="{part}" itemName="{part} test part">'
        f'<Amount value="{mass_g}" UOM="g"/></ProductID><MaterialInfo><HomogeneousMaterialList>'
        f'{"".join(materials)}</HomogeneousMaterialList></MaterialInfo>{sub_products}'
        f"</Product></MainDeclaration>\n", encoding="utf-8")
    return path


def test_exemption_conditions_are_checked(db: MaterialDatabase, tmp_path: Path) -> None:
    files = [
        # 5 % lead in brass: more than the 4 % 6(c) allows
        _declaration(tmp_path / "brass5.xml", "T-BRASS5", 10.0, _material(
            "Brass CuZn38Pb5", 10.0, _substance("Copper", "7440-50-8", 5.7),
            _substance("Zinc", "7440-66-6", 3.8),
            _substance("Lead", "7439-92-1", 0.5, exemption="6(c)"))),
        # 6(c) claimed for cadmium: 6(c) lifts the lead restriction only
        _declaration(tmp_path / "cd.xml", "T-CD", 10.0, _material(
            "Brass with cadmium", 10.0, _substance("Copper", "7440-50-8", 9.99),
            _substance("Cadmium", "7440-43-9", 0.01, exemption="6(c)"))),
        # 7(a) needs a lead-based solder (>= 85 % Pb); this one has 80 %
        _declaration(tmp_path / "solder.xml", "T-SOLDER", 1.0, _material(
            "Solder Pb80Sn20", 1.0, _substance("Lead", "7439-92-1", 0.8, exemption="7(a)"),
            _substance("Tin", "7440-31-5", 0.2))),
        # an ELV exemption does not exempt under RoHS
        _declaration(tmp_path / "elv.xml", "T-ELV", 1.0, _material(
            "Steel with lead", 1.0, _substance("Iron", "7439-89-6", 0.997),
            _substance("Lead", "7439-92-1", 0.003, exemption="2(c)(i)",
                       authority="ELV Directive 2000/53/EC Annex II"))),
        # an exemption the shipped table does not know cannot be verified: needs review
        _declaration(tmp_path / "other.xml", "T-OTHER", 1.0, _material(
            "Flip-chip solder", 1.0, _substance("Lead", "7439-92-1", 0.9, exemption="15(a)"),
            _substance("Tin", "7440-31-5", 0.1))),
    ]
    assert db.import_paths(files).counts()["rejected"] == 0

    def rohs(part: str) -> object:
        return only(screen(db, part, on=TODAY).findings, regulation="EU RoHS")

    brass = rohs("T-BRASS5")
    assert brass.concentration_ppm == pytest.approx(0.5 / 10.0 * 1e6)  # type: ignore[attr-defined]
    assert brass.outcome == "restricted"  # type: ignore[attr-defined]
    assert "6(c) allows at most 4 %" in brass.note  # type: ignore[attr-defined]
    cadmium = rohs("T-CD")
    # 0.01 g in 10 g = 1,000 ppm > the 100 ppm cadmium limit
    assert cadmium.concentration_ppm == pytest.approx(1000)  # type: ignore[attr-defined]
    assert cadmium.limit_ppm == 100  # type: ignore[attr-defined]
    assert cadmium.outcome == "restricted"  # type: ignore[attr-defined]
    assert "not Cadmium" in cadmium.note  # type: ignore[attr-defined]
    solder = rohs("T-SOLDER")
    assert solder.outcome == "restricted"  # type: ignore[attr-defined]
    assert "requires at least 85 %" in solder.note  # type: ignore[attr-defined]
    elv = rohs("T-ELV")
    assert elv.outcome == "restricted" and "not EU RoHS" in elv.note  # type: ignore
    other = rohs("T-OTHER")
    # issue 12.6: a made-up or unknown ID is never honoured: named, and the status is not
    # compliant (it was "exempt" and the part "compliant")
    assert (other.outcome, other.exemption) == ("needs review", "15(a)")  # type: ignore
    assert "exemption 15(a) is not in the shipped EU RoHS Annex III table" in other.note  # type: ignore
    screened = screen(db, "T-OTHER", on=TODAY)
    assert screened.status == NEEDS_REVIEW == "needs-review"
    assert [p.status for p in screened.parts] == [NEEDS_REVIEW]


def test_group_members_are_summed_and_names_and_ppm_resolve(db: MaterialDatabase,
                                                             tmp_path: Path) -> None:
    files = [
        # 0.6 mg lead + 0.5 mg lead monoxide in 1 g: each below 0.1 %, together 1,100 ppm
        _declaration(tmp_path / "sum.xml", "T-SUM", 1.0, _material(
            "PVC compound", 1.0, _substance("Polyvinyl chloride", "9002-86-2", 0.9989),
            _substance("Lead", "7439-92-1", 0.0006),
            _substance("Lead monoxide", "1317-36-8", 0.0005))),
        # DEHP named without CAS; cadmium declared in ppm of the material
        _declaration(tmp_path / "names.xml", "T-NAMES", 2.0,
                     _material("Soft PVC", 1.0, _substance("Polyvinyl chloride", "9002-86-2",
                                                           0.99),
                               _substance("DEHP", None, 0.01)),
                     _material("Pigmented PP", 1.0,
                               _substance("Polypropylene", "9003-07-0", 999850, "ppm"),
                               _substance("Cadmium sulphide", "1306-23-6", 150, "ppm"))),
    ]
    assert db.import_paths(files).counts()["rejected"] == 0
    summed = only(screen(db, "T-SUM", on=TODAY).findings, regulation="EU RoHS")
    assert summed.concentration_ppm == pytest.approx((0.0006 + 0.0005) / 1.0 * 1e6)  # type: ignore
    assert summed.cas == "7439-92-1; 1317-36-8"  # type: ignore[attr-defined]
    result = screen(db, "T-NAMES", on=TODAY)
    assert result.kind == "part"  # a part number screens the part on its own
    dehp = only(result.findings, regulation="EU RoHS", material="Soft PVC")
    assert dehp.cas == "117-81-7"  # type: ignore[attr-defined]
    assert dehp.concentration_ppm == pytest.approx(0.01 / 1.0 * 1e6)  # type: ignore
    assert only(result.name_matches, substance="DEHP").matched_by == "synonym"  # type: ignore
    cadmium = only(result.findings, regulation="EU RoHS", material="Pigmented PP")
    assert cadmium.concentration_ppm == pytest.approx(150)  # 150 ppm > 100 ppm  # type: ignore
    assert cadmium.substance_mass_g == pytest.approx(150e-6 * 1.0)  # type: ignore[attr-defined]


def test_svhc_in_a_sub_product_counts_against_that_article(db: MaterialDatabase,
                                                            tmp_path: Path) -> None:
    # a 100 g assembly holding a 2 g grommet (declared as a SubProduct) with 0.01 g DBP:
    # 0.01 / 2 = 5,000 ppm of the grommet, although only 100 ppm of the assembly
    rubber = _material("Grommet, NBR rubber", 2.0, _substance("NBR", "9003-18-3", 1.99),
                       _substance("Dibutyl phthalate", "84-74-2", 0.01))
    grommet = ('<SubProduct><ProductID itemNumber="T-GROMMET"><Amount value="2" UOM="g"/>'
               f"</ProductID><MaterialInfo><HomogeneousMaterialList>{rubber}"
               "</HomogeneousMaterialList></MaterialInfo></SubProduct>")
    path = _declaration(tmp_path / "assy.xml", "T-ASSY", 100.0,
                        _material("Housing, ABS", 98.0, _substance("ABS", "9003-56-9", 98.0)),
                        sub_products=grommet)
    assert db.import_paths([path]).counts()["rejected"] == 0
    result = screen(db, "T-ASSY", on=TODAY)
    svhc = only(result.findings, regulation="REACH SVHC")
    assert svhc.article == "T-GROMMET"  # type: ignore[attr-defined]
    assert svhc.reference_mass_g == pytest.approx(2.0)  # type: ignore[attr-defined]
    assert svhc.concentration_ppm == pytest.approx(0.01 / 2.0 * 1e6)  # type: ignore
    # 0.01 g DBP in the 2 g grommet is 5,000 ppm of its material too: restricted under RoHS
    assert only(result.findings, regulation="EU RoHS").outcome == "restricted"  # type: ignore


def test_missing_amounts_are_gaps(db: MaterialDatabase, tmp_path: Path) -> None:
    path = tmp_path / "gap.xml"
    _declaration(path, "T-GAP", 1.0, _material(
        "Coating", 1.0, _substance("Epoxy resin", "25068-38-6", 1.0)))
    text = path.read_text(encoding="utf-8").replace(
        '<Substance name="Epoxy resin">',
        '<Substance name="Lead"><UniqueID identity="7439-92-1" authority="CAS"/></Substance>'
        '<Substance name="Epoxy resin">')
    path.write_text(text, encoding="utf-8")
    assert db.import_paths([path], lenient=True).counts()["rejected"] == 0
    result = screen(db, "T-GAP", on=TODAY)
    assert result.status == INCOMPLETE
    gap = only(result.gaps, substance="Lead")
    assert "amount unknown" in gap.reason  # type: ignore[attr-defined]


# -- loading a newer Candidate List -----------------------------------------------------------

ECHA_EXPORT = (
    "Candidate List of substances of very high concern for Authorisation;;;;;\n"
    "(published in accordance with Article 59(10) of the REACH Regulation);;;;;\n"
    ";;;;;\n"
    "Substance name;Description;EC No.;CAS No.;Reason for inclusion;Date of inclusion\n"
    "Bis(2-ethylhexyl) phthalate (DEHP);;204-211-0;117-81-7;"
    "Toxic for reproduction (Article 57c);28/10/2008\n"
    "Boric acid;;233-139-2, 234-343-4;10043-35-3, 11113-50-1;"
    "Toxic for reproduction (Article 57c);18/06/2010\n"
    "Triphenyl phosphate;;204-112-2;115-86-6;"
    "Endocrine disrupting properties (Article 57(f) - environment);07/11/2024\n"
    "Lead;;231-100-4;7439-92-1;Toxic for reproduction (Article 57c);27/06/2018\n"
    "Broken row;;-;117-81-8;;27/06/2018\n")


def test_echa_export_is_read(tmp_path: Path) -> None:
    path = tmp_path / "candidate-list.csv"
    path.write_text(ECHA_EXPORT, encoding="cp1252")
    svhc = read_echa_export(path)
    assert svhc.list_date == date(2024, 11, 7)  # the latest date of inclusion
    assert len(svhc.entries) == 5 and svhc.complete
    boric = only(svhc.entries, name="Boric acid")
    assert boric.cas == ("10043-35-3", "11113-50-1")  # type: ignore[attr-defined]
    assert boric.ec == ("233-139-2", "234-343-4")  # type: ignore[attr-defined]
    assert only(svhc.entries, name="Broken row").cas == ()  # bad check digit left out
    assert "117-81-8" in svhc.meta["warnings"]
    with pytest.raises(SubstanceListError, match="not an ECHA candidate-list export"):
        (tmp_path / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
        read_echa_export(tmp_path / "other.csv")


def test_echa_export_xlsx_is_read(tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Candidate List of substances of very high concern for Authorisation"])
    sheet.append(["Substance name", "EC No.", "CAS No.", "Reason for inclusion",
                  "Date of inclusion"])
    sheet.append(["Triphenyl phosphate", "204-112-2", "115-86-6", "ED (Article 57(f))",
                  datetime(2024, 11, 7)])
    book.save(tmp_path / "list.xlsx")
    svhc = read_echa_export(tmp_path / "list.xlsx")
    assert svhc.entries[0].cas == ("115-86-6",) and svhc.list_date == date(2024, 11, 7)


# -- command line -----------------------------------------------------------------------------




def test_cli_compliance_json_and_csv(home: Path, tmp_path: Path) -> None:
    assert run(home, "import", "--bom", str(DEMO_BOM))[0] == 0
    out_csv = tmp_path / "findings.csv"
    code, out, err = run(home, "compliance", "CD-ACC-01", "--date", "2026-11-21", "--json",
                         "--csv", str(out_csv))
    assert code == 0, err
    document = json.loads(out)  # stdout holds the one JSON document
    assert document["status"] == "non-compliant"
    assert document["screened_on"] == "2026-11-21"
    with out_csv.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len([r for r in rows if r["kind"] == "finding"]) == len(document["findings"])
    assert {r["part_number"] for r in rows if r["kind"] == "data gap"} == {"CD-POUCH-01"}
    dehp = next(r for r in rows if r["regulation"] == "EU RoHS" and r["cas"] == "117-81-7")
    assert float(dehp["concentration_ppm"]) == pytest.approx(120_000)
    # human output, and --all for every product
    code, out, _ = run(home, "compliance", "CD-ACC-01", "--date", "2026-11-21")
    assert code == 0 and "NON-COMPLIANT" in out and "7(c)-I" in out
    code, out, _ = run(home, "compliance", "--all", "--json")
    assert code == 0
    assert [p["product"] for p in json.loads(out)["products"]] == ["CD-ACC-01"]
    assert run(home, "compliance", "NO-SUCH", "--json")[0] == 1
    assert run(home, "compliance")[0] == 2  # neither PRODUCT nor --all


def test_cli_update_svhc_replaces_the_shipped_list(home: Path, tmp_path: Path) -> None:
    export = tmp_path / "candidate-list.csv"
    export.write_text(ECHA_EXPORT, encoding="utf-8")
    # dated 2024-11-07 by its latest entry: older than the shipped list of 2026-02-04
    code, _, err = run(home, "data", "update-svhc", str(export), "--json")
    assert code == 1 and "older than the list in use" in err
    code, out, err = run(home, "data", "update-svhc", str(export), "--date", "2026-06-01",
                         "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["entries"] == 5 and report["list_date"] == "2026-06-01"
    assert report["previous"] == {"entries": 253, "list_date": "2026-02-04"}
    assert any("117-81-8" in w for w in report["warnings"])
    lists = load_lists(home)
    assert lists.svhc.list_date == date(2026, 6, 1) and lists.svhc.complete
    assert lists.svhc.path == str(home / "substance_lists" / "svhc_candidate_list.csv")
    # the screening now reads the loaded list
    assert run(home, "import", "--bom", str(DEMO_BOM))[0] == 0
    code, out, _ = run(home, "compliance", "CD-ACC-01", "--date", "2026-11-21", "--json")
    document = json.loads(out)
    assert document["lists"]["reach_svhc"]["entries"] == 5
    svhc = [f for f in document["findings"] if f["regulation"] == "REACH SVHC"]
    assert {f["cas"] for f in svhc} == {"117-81-7", "115-86-6"}
    # a file that is not an export is rejected with exit code 1
    bad = tmp_path / "bad.csv"
    bad.write_text("hello,world\n", encoding="utf-8")
    assert run(home, "data", "update-svhc", str(bad))[0] == 1


def test_demo_files_match_their_generator() -> None:
    import subprocess
    import sys

    script = ROOT / "bom_samples" / "compliance_demo" / "make_compliance_demo.py"
    check = subprocess.run([sys.executable, str(script), "--check"], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stderr


def test_a_partial_dsl_is_said_in_every_screening() -> None:
    lists = load_lists()
    assert not lists.dsl.complete  # the shipped D28.00 file states PARTIAL coverage
    assert lists.versions()["iec62474_dsl"]["complete"] is False
