"""IEC 62474 Declarable Substance List: the shipped file and `gscdm data update-dsl`.

The loader fixtures (tests/fixtures/dsl_*) imitate what a spreadsheet makes of the IEC 62474
database export: title rows, semicolons, Windows-1252, decimal commas, several CAS numbers in one
cell, a CAS number with a wrong check digit, an entry without CAS, thresholds worded as mass %,
mg/kg or "intentionally added".
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from fmd_parsers.cas import cas_checksum_ok
from lca_engine.compliance import SubstanceListError, load_lists, read_iec_dsl_export, update_dsl
from lca_engine.compliance import dsl as dsl_module
from lca_engine.compliance.dsl import parse_threshold, version_key
from lca_engine.compliance.lists import DATA_DIR, read_commented_csv
from lca_engine.db import MaterialDatabase

from .conftest import run_cli as run

FIXTURES = Path(__file__).parent / "fixtures"
EXPORT = FIXTURES / "dsl_export_D29.csv"


# -- the shipped file --------------------------------------------------------------------------


def test_shipped_dsl_counts_sources_and_partial_coverage() -> None:
    lists = load_lists()
    dsl = lists.dsl
    assert dsl.version == "D28.00" and dsl.date == date(2024, 1, 25)
    assert dsl.counts() == {"group": 22, "substance": 86, "svhc_derived": 167}
    assert not dsl.complete and dsl.meta["coverage"].startswith("PARTIAL")
    assert lists.versions()["iec62474_dsl"]["by_kind"] == dsl.counts()
    # every entry names its sources, and every source key is defined in the header
    defined = set(re.findall(r"\b([A-Z]\d{1,2}) = ", dsl.meta["sources"]))
    for entry in dsl.entries:
        assert entry.source and entry.threshold and entry.cas, entry.name
        assert set(entry.source.split(";")) <= defined, entry.name
        assert entry.threshold_source in {"dsl", "regulation"}, entry.name
        assert all(cas_checksum_ok(c) for c in entry.cas), entry.name
        assert (entry.threshold_ppm == 0) == ("intentionally added" in entry.threshold)
    regulation = {e.name for e in dsl.entries if e.threshold_source == "regulation"}
    assert "Dibutyltin (DBT) compounds" in regulation
    assert "Mercury/mercury compounds in batteries" in regulation


def test_derived_entries_cover_every_candidate_list_entry_with_a_cas_number() -> None:
    lists = load_lists()
    article_cas = {c for e in lists.dsl.entries if e.basis == "article" for c in e.cas}
    for entry in lists.svhc.entries:
        assert set(entry.cas) <= article_cas, entry.name  # CAS-less entries have nothing to match
    generated = [e for e in lists.dsl.entries if e.source and "D1" in e.source.split(";")]
    assert all(e.threshold_ppm == 1000 and e.basis == "article" for e in generated)
    _, rows = read_commented_csv(DATA_DIR / "svhc_candidate_list.csv")
    # every Candidate List entry with a CAS RN, less the 13 SVHC rows from DSL update notes
    assert len(generated) == len([r for _, r in rows if r["cas"]]) - 13 == 235
    # a DSL ID (from X1) makes it a DSL substance entry; without one it stays "derived"
    assert all((e.kind == "substance") == bool(e.id) for e in generated)
    assert all(e.id is None and e.source == "D1" for e in generated if e.kind == "svhc_derived")
    assert len([e for e in generated if e.id]) == 68


def test_application_specific_entries_match_only_their_parts() -> None:
    dsl = load_lists().dsl
    battery = next(e for e in dsl.entries if e.name == "Lead/lead compounds in portable batteries")
    assert battery.threshold_ppm == 100 and battery.applies_to is not None
    assert battery.applies_to.search("Li-ion battery pack 3S1P")
    assert not battery.applies_to.search("USB-C hub housing")
    dot = next(e for e in dsl.entries if e.name == "Dioctyltin (DOT) compounds")
    assert dot.applies_to is not None and dot.applies_to.search("Watch strap, textile")


# -- reading the IEC export ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "ppm", "basis"), [
    ("0.1 mass%", 1000, None),
    ("0,1 mass%", 1000, None),
    ("0.1 mass% of article", 1000, "article"),
    ("0.01 mass % of homogeneous material", 100, "homogeneous_material"),
    ("0.1 % by weight of the product part", 1000, "article"),
    ("0.1 wt% of product", 1000, "product"),
    ("1000 mg/kg", 1000, None),
    ("50 ppm in homogeneous materials", 50, "homogeneous_material"),
    ("Intentionally added", 0, None),
    ("intentionally added; 0.1 mass% of article", 1000, "article"),
])
def test_threshold_wording(text: str, ppm: float, basis: str | None) -> None:
    assert parse_threshold(text) == (pytest.approx(ppm), basis)


def test_threshold_wording_that_is_not_a_threshold() -> None:
    with pytest.raises(ValueError, match="not a reporting threshold"):
        parse_threshold("see comment")


def test_versions_compare_by_number() -> None:
    assert version_key("D29.00") == (29, 0) and version_key("DSL D9.01") == (9, 1)
    assert version_key("D9.00") < version_key("D10.00") < version_key("D28.00")
    assert version_key("no version") is None


def test_read_csv_export_from_a_spreadsheet() -> None:
    dsl, warnings = read_iec_dsl_export(EXPORT)
    assert dsl.version == "D29.00"  # from the title row
    assert dsl.date == date(2024, 7, 15)  # latest "last revised" (15-Jul-2024)
    assert dsl.complete and len(dsl.entries) == 6
    by_id = {e.id: e for e in dsl.entries}
    lead = by_id["00025"]
    assert lead.cas == {"7439-92-1", "1317-36-8"}  # two CAS numbers in one cell
    assert lead.threshold_ppm == 1000 and lead.basis == "homogeneous_material"  # decimal comma
    assert lead.kind == "group"
    asbestos = by_id["00003"]
    assert asbestos.cas == {"12001-29-5", "1332-21-4"}  # CAS numbers on two lines of one cell
    assert asbestos.threshold_ppm == 0 and asbestos.intentionally_added
    cadmium = by_id["00010"]
    assert cadmium.threshold_ppm == 20 and cadmium.basis == "article"
    assert cadmium.applies_to is not None and cadmium.applies_to.search("Coin cell CR2032")
    assert cadmium.regulatory_basis == "Regulation (EU) 2023/1542 – Annex I"  # Windows-1252
    assert by_id["00148"].basis == "article" and by_id["00148"].kind == "substance"
    assert by_id["00149"].cas == {"556-67-2"}
    assert by_id["00161"].cas == frozenset()
    assert any("line 11" in w and "556-67-3" in w and "check digit" in w for w in warnings)
    assert any("line 10" in w and "no CAS RN" in w for w in warnings)


def test_read_xlsx_export_with_version_from_the_file_name(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["IEC 62474 DSL export"])
    sheet.append([])
    sheet.append(["DSL ID", "Substance name", "CAS No.", "Reporting threshold",
                  "Reporting level", "Reportable application"])
    sheet.append(["00148", "Benzo[ghi]perylene", "191-24-2", "0.1 mass%", "Article", "All"])
    sheet.append(["00029", "Mercury/Mercury Compounds", "7439-97-6\n21908-53-2",
                  "0.0005 mass%", "Article", "Batteries"])
    path = tmp_path / "IEC62474_DSL_D30.00.xlsx"
    book.save(path)
    dsl, warnings = read_iec_dsl_export(path)
    assert dsl.version == "D30.00" and dsl.date is None and warnings == []
    mercury = dsl.entries[1]
    assert mercury.threshold_ppm == pytest.approx(5) and mercury.basis == "article"
    assert mercury.cas == {"7439-97-6", "21908-53-2"} and mercury.applies_to is not None
    # --version wins over the file name
    assert read_iec_dsl_export(path, version="D31.00")[0].version == "D31.00"


@pytest.mark.parametrize(("name", "version", "where", "message"), [
    ("dsl_bad_threshold.csv", "D29.00", ":3 (field 'Reporting threshold')",
     "not a reporting threshold"),
    ("dsl_no_basis_D30.00.csv", None, ":2 (field 'Reporting threshold')", "names no basis"),
    ("dsl_bad_threshold.csv", None, " (field 'version')", "no DSL version"),
])
def test_bad_rows_name_file_line_and_field(name: str, version: str | None, where: str,
                                           message: str) -> None:
    with pytest.raises(SubstanceListError) as caught:
        read_iec_dsl_export(FIXTURES / name, version=version)
    text = str(caught.value)
    assert text.startswith(str(FIXTURES / name) + where) and message in text


def test_not_a_dsl_export_and_xml_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "table.csv"
    other.write_text("hello,world\n1,2\n", encoding="utf-8")
    with pytest.raises(SubstanceListError, match="not an IEC 62474 DSL export"):
        read_iec_dsl_export(other, version="D29.00")
    xml = tmp_path / "dsl.xml"
    xml.write_text("<DSL/>", encoding="utf-8")
    with pytest.raises(SubstanceListError, match=r"export the DSL .* as CSV or XLSX"):
        read_iec_dsl_export(xml)


# -- update ----------------------------------------------------------------------------------


def test_update_dsl_replaces_the_shipped_list(tmp_path: Path) -> None:
    home = tmp_path / "home"
    report = update_dsl(home, EXPORT)
    assert report.version == "D29.00" and report.entries == 6
    assert report.previous_version == "D28.00" and report.previous_entries == 275
    target = home / "substance_lists" / "iec62474_dsl.csv"
    assert report.written == str(target)
    lists = load_lists(home)
    assert lists.dsl.path == str(target) and lists.dsl.complete
    assert lists.dsl.version == "D29.00" and len(lists.dsl.entries) == 6
    cadmium = next(e for e in lists.dsl.entries if e.id == "00010")
    assert cadmium.applies_to is not None and cadmium.threshold == "20 mg/kg"  # read back
    # an older version is refused, unless forced
    older = tmp_path / "dsl_D27.00.csv"
    older.write_bytes(EXPORT.read_bytes().replace(b"D29.00", b"D27.00"))
    with pytest.raises(SubstanceListError, match="older than the list in use"):
        update_dsl(home, older)
    assert update_dsl(home, older, force=True).version == "D27.00"
    assert load_lists(home).dsl.version == "D27.00"


def test_a_list_that_does_not_read_back_leaves_the_one_in_use(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    home = tmp_path / "home"
    update_dsl(home, EXPORT)
    target = home / "substance_lists" / "iec62474_dsl.csv"
    before = target.read_bytes()
    newer = tmp_path / "dsl_D30.00.csv"
    newer.write_bytes(EXPORT.read_bytes().replace(b"D29.00", b"D30.00"))

    real_read = dsl_module.read_dsl

    def staged_is_unreadable(path: Path, rohs: object) -> object:
        if path.name.endswith(".new"):
            raise SubstanceListError("simulated unreadable list", path=path)
        return real_read(path, rohs)

    monkeypatch.setattr(dsl_module, "read_dsl", staged_is_unreadable)
    with pytest.raises(SubstanceListError, match="simulated"):
        update_dsl(home, newer)
    assert target.read_bytes() == before  # D29.00 still in use, byte for byte
    assert list(target.parent.iterdir()) == [target]  # no staged file left behind


def test_cli_update_dsl(home: Path, tmp_path: Path) -> None:
    code, out, err = run(home, "data", "update-dsl", str(EXPORT), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["version"] == "D29.00" and report["entries"] == 6
    assert report["previous"] == {"version": "D28.00", "entries": 275}
    assert any("556-67-3" in w for w in report["warnings"])
    code, _, err = run(home, "data", "update-dsl", str(FIXTURES / "dsl_bad_threshold.csv"),
                       "--version", "D30.00")
    assert code == 1 and "dsl_bad_threshold.csv:3" in err and "Reporting threshold" in err
    code, _, err = run(home, "data", "update-dsl", str(EXPORT), "--version", "D20.00", "--json")
    assert code == 1 and "older than the list in use" in err
    code, _, err = run(home, "data", "update-dsl", str(EXPORT), "--date", "2024-08-01")
    assert code == 0 and "IEC 62474 DSL D29.00: 6 entries" in err
    assert load_lists(home).dsl.date == date(2024, 8, 1)


# -- screening with a loaded list ----------------------------------------------------------------

LOADED_DSL = """\
# list: IEC 62474 Declarable Substance List (DSL)
# list_version: D99.00
# list_date: 2030-01-01
# coverage: COMPLETE - test list
id,name,cas,threshold,threshold_ppm,basis,reportable_application,applies_to,regulatory_basis,kind,threshold_source,source
90001,Pb batteries,group:lead,0.01 mass%,100,article,Batteries,batter|\\bcells?\\b,,group,dsl,t
90002,Lead in chargers,group:lead,0.01 mass% of product,100,product,Chargers,charger,,group,dsl,test
90003,TPP,115-86-6,intentionally added,0,homogeneous_material,All,,,substance,dsl,test
"""


def test_screening_applies_entries_by_application_basis_and_intent(db: MaterialDatabase,
                                                                   tmp_path: Path) -> None:
    from lca_engine.compliance import screen

    root = Path(__file__).resolve().parents[1]
    assert db.import_paths([], bom=root / "bom_samples" / "compliance_demo" / "bom.csv"
                           ).counts()["rejected"] == 0
    home = tmp_path / "home"
    (home / "substance_lists").mkdir(parents=True)
    (home / "substance_lists" / "iec62474_dsl.csv").write_text(LOADED_DSL, encoding="utf-8")
    result = screen(db, "CD-ACC-01", home=home, on=date(2026, 11, 21))
    iec = [f for f in result.findings if f.regulation == "IEC 62474"]
    # the charger's 1.2 mg lead monoxide in 58 g: 20.7 ppm < 100 ppm; the battery entry never
    # applies (no part is named as a battery); TPP is intentionally added: any amount
    assert {(f.part_number, f.list_entry["id"]) for f in iec} == {("CD-HUB-4P", "90003")}
    tpp = iec[0]
    assert tpp.limit_ppm == 0 and "intentionally added" in (tpp.note or "")
    assert tpp.concentration_ppm == pytest.approx(0.05 / 0.8 * 1e6)  # 0.05 g in the 0.8 g bracket
    assert not any(n.startswith("IEC 62474 DSL is partial") for n in result.notes)
    # lower the charger entry to 10 ppm: now the product-basis entry fires on the charger only
    (home / "substance_lists" / "iec62474_dsl.csv").write_text(
        LOADED_DSL.replace("0.01 mass% of product,100", "0.001 mass% of product,10"),
        encoding="utf-8")
    result = screen(db, "CD-ACC-01", home=home, on=date(2026, 11, 21))
    charger = [f for f in result.findings
               if f.regulation == "IEC 62474" and f.list_entry["id"] == "90002"]
    assert [f.part_number for f in charger] == ["CD-CHG-30W"]
    assert charger[0].concentration_ppm == pytest.approx(0.0012 / 58 * 1e6)
    assert "product-basis threshold compared with the part" in (charger[0].note or "")
