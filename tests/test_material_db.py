"""The material database on SQLite and PostgreSQL: import, idempotence, supersession, BoMs."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.synthetic import write_synthetic
from lca_engine.db import MaterialDatabase, PartView, ProductView
from lca_engine.db import models as m
from lca_engine.db.engine import head_revision

from .conftest import IPC

TABLES = (m.Supplier, m.Declaration, m.Part, m.PartVersion, m.HomogeneousMaterial,
          m.Substance, m.MaterialSubstance, m.QualityFlag, m.Product, m.BomLine)


def counts(db: MaterialDatabase) -> dict[str, int]:
    with db.sessions() as session:
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0
                for t in TABLES}


def test_schema_init_is_idempotent(db: MaterialDatabase) -> None:
    assert db.initialise() == head_revision() != "0001"
    assert db.initialise() == head_revision()


def test_import_stores_every_level(db: MaterialDatabase) -> None:
    report = db.import_paths([IPC / "cover_ok.xml"])
    assert report.counts() == {"imported": 1, "unchanged": 0, "rejected": 0}
    assert counts(db) == {"supplier": 1, "declaration": 1, "part": 1, "part_version": 1,
                          "homogeneous_material": 2, "substance": 5, "material_substance": 5,
                          "quality_flag": 0, "product": 0, "bom_line": 0}
    view = db.show("NB14-ACOV-01")
    assert isinstance(view, PartView)
    data = view.as_json()
    assert data["mass_g"] == 150.0
    alloy = data["materials"][0]
    assert alloy["recycled"] == {"kind": "recycled-metal", "share": 0.75}
    assert alloy["substances"][0] == {"name": "Aluminium", "cas": "7429-90-5", "mass_g": 146.8,
                                      "concentration_ppm": pytest.approx(146.8 / 148 * 1e6),
                                      "exemptions": [], "exemption_details": []}
    oxide = data["materials"][1]
    # declared 2000 mg stays for audit beside the normalised 2 g
    assert oxide["declared"] == {"value": 2000.0, "unit": "mg"}
    assert oxide["mass_g"] == pytest.approx(2.0)


def test_same_declaration_twice_changes_nothing(db: MaterialDatabase, tmp_path: Path) -> None:
    db.import_paths([IPC / "cover_ok.xml"])
    before = counts(db)
    copy = tmp_path / "renamed_copy.xml"  # same bytes under another name: same declaration
    shutil.copy(IPC / "cover_ok.xml", copy)
    report = db.import_paths([IPC / "cover_ok.xml", copy])
    assert [f.status for f in report.files] == ["unchanged", "unchanged"]
    assert report.files[0].parts == ["NB14-ACOV-01"]
    assert counts(db) == before


def test_newer_declaration_supersedes_and_keeps_history(db: MaterialDatabase) -> None:
    db.import_paths([IPC / "cover_ok.xml"])
    report = db.import_paths([IPC / "cover_newer.xml"])
    assert report.files[0].superseded == ["NB14-ACOV-01"]
    view = db.show("NB14-ACOV-01")
    assert isinstance(view, PartView)
    assert view.version == "C"
    assert view.materials[0].recycled_share == pytest.approx(0.90)
    assert view.history == 1
    # an older declaration imported afterwards is kept as history, not made current
    report = db.import_paths([IPC / "cover_older.xml"])
    assert report.files[0].superseded == []
    view = db.show("NB14-ACOV-01")
    assert isinstance(view, PartView)
    assert (view.version, view.history) == ("C", 2)
    assert counts(db)["part_version"] == 3
    with db.sessions() as session:
        superseded = session.scalars(select(m.PartVersion.version).where(
            m.PartVersion.superseded_by_id.is_not(None)).order_by(m.PartVersion.version)).all()
    assert superseded == ["A", "B"]


@pytest.mark.parametrize("name", ["mass_balance_substances.xml", "bad_cas.xml", "truncated.xml",
                                  "billion_laughs.xml", "wrong_root.xml"])
def test_rejected_file_leaves_nothing(db: MaterialDatabase, name: str) -> None:
    report = db.import_paths([IPC / name])
    [outcome] = report.files
    assert outcome.status == "rejected"
    assert outcome.error is not None
    assert outcome.error["file"] == str(IPC / name)
    assert counts(db) == dict.fromkeys(counts(db), 0)


def test_one_bad_file_does_not_block_the_good_ones(db: MaterialDatabase) -> None:
    report = db.import_paths([IPC / "bad_cas.xml", IPC / "adapter_zh_bom.xml"])
    assert [f.status for f in report.files] == ["rejected", "imported"]
    assert counts(db)["declaration"] == 1


def test_lenient_import_keeps_flags(db: MaterialDatabase) -> None:
    report = db.import_paths([IPC / "mass_balance_substances.xml"], lenient=True)
    assert report.files[0].status == "imported"
    assert report.files[0].flags == 1
    view = db.show("NB14-ACOV-01")
    assert isinstance(view, PartView)
    [flag] = view.flags
    assert (flag.code, flag.severity, flag.line) == ("substance-mass-balance", "error", 17)


def _write_bom(tmp_path: Path, rows: list[str]) -> Path:
    fmd = tmp_path / "fmd"
    fmd.mkdir(exist_ok=True)
    for name in ("cover_ok.xml", "adapter_zh_bom.xml"):
        shutil.copy(IPC / name, fmd / name)
    bom = tmp_path / "bom.csv"
    bom.write_text(
        "product_number,product_name,part_number,parent_part_number,quantity,part_name,"
        "part_mass_g,recycled_kind,recycled_share,fmd_file,category\n" + "\n".join(rows) + "\n",
        encoding="utf-8")
    return bom


def test_bom_links_parts_and_masses_add_up(db: MaterialDatabase, tmp_path: Path) -> None:
    bom = _write_bom(tmp_path, [
        "NB-T1,Test notebook,ASSY-TOP,,1,Top assembly,,,,,mechanical",
        "NB-T1,Test notebook,NB14-ACOV-01,ASSY-TOP,1,A-cover,,,,fmd/cover_ok.xml,mechanical",
        "NB-T1,Test notebook,SCREW-M2,ASSY-TOP,8,Screw M2x3,0.12,,,,fasteners",
        "NB-T1,Test notebook,NB14-ADP-65W,,1,Adapter,,PCC,95,fmd/adapter_zh_bom.xml,accessory",
        "NB-T1,Test notebook,MANUAL,,1,Quick-start guide,,,,,packaging",
    ])
    report = db.import_paths([], bom=bom)
    assert [f.status for f in report.files] == ["imported", "imported", "imported"]
    view = db.show("NB-T1")
    assert isinstance(view, ProductView)
    # 150 g cover + 8 × 0.12 g screws + 250 g adapter; the manual has no mass (a gap)
    assert view.mass_g == pytest.approx(150.0 + 8 * 0.12 + 250.0)
    top = view.tree[0]
    assert top.unit_mass_g == pytest.approx(150.96)
    assert [n.part_number for n in view.gaps] == ["MANUAL"]
    data = view.as_json()
    screws = next(p for p in data["parts"] if p["part_number"] == "SCREW-M2")
    assert screws == {"part_number": "SCREW-M2", "name": "Screw M2x3",
                      "parent_part_number": "ASSY-TOP", "quantity": 8.0, "total_quantity": 8.0,
                      "mass_g": 0.12, "mass_source": "bom", "declared": False,
                      "category": "fasteners"}
    copper = next(mat for mat in data["materials"] if mat["name"] == "变压器铜线")
    assert copper["mass_g"] == pytest.approx(60.0)
    summary = db.products()[0].as_json()
    assert datetime.fromisoformat(summary.pop("imported_at"))  # when the BoM was imported
    assert summary == {
        "product_number": "NB-T1", "name": "Test notebook", "bom_lines": 5,
        "declared_lines": 2, "bom_file": str(bom)}
    # the same BoM again: nothing changes
    again = db.import_paths([], bom=bom)
    assert [f.status for f in again.files] == ["unchanged", "unchanged", "unchanged"]


def test_bom_line_naming_the_wrong_fmd_is_rejected(db: MaterialDatabase, tmp_path: Path) -> None:
    bom = _write_bom(tmp_path, [
        "NB-T2,Test,NB14-KB-01,,1,Keyboard,,,,fmd/cover_ok.xml,mechanical"])
    report = db.import_paths([], bom=bom)
    outcome = report.files[-1]
    assert outcome.status == "rejected"
    assert outcome.error is not None
    assert outcome.error["line"] == 2 and outcome.error["field"] == "fmd_file"
    assert counts(db)["product"] == 0


def test_fifty_thousand_substances_bulk_load(db: MaterialDatabase, tmp_path: Path) -> None:
    path = write_synthetic(tmp_path / "big.xml", "BIG-50K", 50_000)
    report = db.import_paths([path])
    assert report.files[0].substances == 50_000
    rows = counts(db)
    assert rows["material_substance"] == 50_000
    assert rows["homogeneous_material"] == 5_000
