"""Bring-your-own LCI data (lca_engine.byo_data, ``gscdm data import-ecospold``).

The fixture ``fixtures/ecospold2/datasets`` is a hand-written, schema-valid EcoSpold 2 "release" of
two datasets with invented figures: primary aluminium ingot, which takes 15.5 kWh of the other
dataset, medium-voltage electricity. Their elementary exchanges use the real ecoinvent 3.9 flow
UUIDs, so they link to the engine's ``biosphere3``. ``fixtures/ecospold2/unlinked`` holds one
dataset with a flow that is not in the 3.9 list and an input from a dataset that is not there.

One project (set up once, a few seconds) with the fixture imported is shared by the tests that
only read it or leave it as they found it; tests that write use a home of their own.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gscdm.cli import main
from lca_engine import brightway_project as bp
from lca_engine.byo_data import (
    EcospoldImportError,
    EcospoldImportReport,
    UserDatabaseError,
    import_ecospold,
    list_user_databases,
)
from lca_engine.home import EngineHome
from lca_engine.mapping import (
    MaterialInput,
    check_datasets,
    load_rules,
    map_material,
)

FIXTURES = Path(__file__).parent / "fixtures" / "ecospold2"
DATASETS = FIXTURES / "datasets"
UNLINKED = FIXTURES / "unlinked"
UNLINKED_FILE = UNLINKED / (
    "341a7242-0672-5af7-8872-443ee5b84711_27a27b29-7994-5a42-8431-f96ffe27604d.spold")
ALUMINIUM = ("5fe0e87b-aee4-5775-b088-e4685251f675", "fadee67f-f9d6-5c61-9fd7-ece2ac2d9b58")
ELECTRICITY = ("c1d8e3f6-3952-5e4b-9642-df560f7b23d8", "7f94cc22-8803-59e4-a203-ad6fb9ceab65")
ALUMINIUM_FILE = DATASETS / f"{ALUMINIUM[0]}_{ALUMINIUM[1]}.spold"
DB = "fixture-ei"

# IPCC 2021 GWP100 factors as ecoinvent 3.9 implements them (kg CO2e per kg).
GWP_CH4_FOSSIL, GWP_N2O = 29.8, 273.0
# The fixture's amounts, per kWh of electricity and per kg of aluminium.
ELECTRICITY_KG_CO2E = 0.58 + 0.0011 * GWP_CH4_FOSSIL + 0.000012 * GWP_N2O + 0.02 * 0.0
ALUMINIUM_KG_CO2E = 1.65 + 0.0012 * GWP_CH4_FOSSIL + 0.009 * 0.0 + 15.5 * ELECTRICITY_KG_CO2E


def _home(path: Path) -> EngineHome:
    return EngineHome(path=path, db_url=f"sqlite:///{path}/x.sqlite")


def _code(activity_and_product: tuple[str, str]) -> str:
    """bw2io's code for an EcoSpold 2 dataset: a hash of its activity and product UUIDs."""
    from bw2io.utils import es2_activity_hash

    return str(es2_activity_hash(*activity_and_product))


def _cli(home: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--home", str(home), "data", *args])
    return result.exit_code, result.stdout, result.stderr


def _databases(home: EngineHome) -> set[str]:
    bp.activate(home)
    import bw2data as bd

    return set(bd.databases)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[EngineHome, EcospoldImportReport]:
    home = _home(tmp_path_factory.mktemp("byo"))
    bp.setup_project(home)
    return home, import_ecospold(home, DATASETS, DB)


@pytest.fixture
def home(imported: tuple[EngineHome, EcospoldImportReport]) -> EngineHome:
    bp.activate(imported[0])
    return imported[0]


# ---------------------------------------------------------------------------------------------
# The fixture itself


def test_fixture_is_valid_ecospold2() -> None:
    """Validated against the EcoSpold 2 schema that pyecospold (a bw2io dependency) ships."""
    pyecospold = pytest.importorskip("pyecospold")
    from lxml import etree

    xsd = Path(pyecospold.__file__).parent / "schemas" / "v2" / "EcoSpold02.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    files = sorted(FIXTURES.rglob("*.spold"))
    assert len(files) == 3
    for path in files:
        assert schema.validate(etree.parse(str(path))), (path.name, schema.error_log)


# ---------------------------------------------------------------------------------------------
# A successful import


def test_import_writes_every_dataset_with_every_link(
    imported: tuple[EngineHome, EcospoldImportReport], home: EngineHome
) -> None:
    import bw2data as bd

    report = imported[1]
    assert (report.database, report.activities, report.exchanges) == (DB, 2, 10)
    assert report.unlinked == [] and not report.replaced
    # 7 elementary exchanges; 2 production exchanges and the one technosphere link
    assert report.linked_to == {"biosphere3": 7, DB: 3}
    assert report.directory == str(DATASETS.resolve())
    assert len(bd.Database(DB)) == 2

    aluminium = bd.get_node(database=DB, code=_code(ALUMINIUM))
    electricity = bd.get_node(database=DB, code=_code(ELECTRICITY))
    assert (aluminium["name"], aluminium["reference product"], aluminium["unit"],
            aluminium["location"]) == ("aluminium production, primary, ingot",
                                       "aluminium, primary, ingot", "kilogram", "CN")
    assert electricity["unit"] == "kilowatt hour"

    (link,) = list(aluminium.technosphere())
    assert link.input.key == electricity.key  # the activityLinkId resolved inside the database
    assert link["amount"] == 15.5
    # the EcoSpold lognormal (variance with pedigree 0.0025) survives as stats_arrays fields
    assert link["uncertainty type"] == 2
    assert math.isclose(link["loc"], math.log(15.5)) and math.isclose(link["scale"], 0.05)

    flows = {exc.input["name"]: (exc.input.key, exc["amount"]) for exc in aluminium.biosphere()}
    assert flows == {
        "Carbon dioxide, fossil": (("biosphere3", "349b29d1-3e58-4c66-98b9-9d1a076efd2e"), 1.65),
        "Methane, fossil": (("biosphere3", "0795345f-c7ae-410c-ad25-1845784c75f5"), 0.0012),
        "Sulfur dioxide": (("biosphere3", "fd7aa71c-508c-480d-81a6-8052aad92646"), 0.009),
    }
    assert bp.ghg_flow_keys()["co2_fossil"] == flows["Carbon dioxide, fossil"][0]


def _score(node_key: tuple[str, str], method: bp.MethodName) -> float:
    """The LCA score; Brightway's processed arrays keep about 7 significant digits, so compare
    with ``pytest.approx`` (relative 1e-6)."""
    import bw2calc as bc
    import bw2data as bd

    fu, data_objs, _ = bd.prepare_lca_inputs({bd.get_node(key=node_key): 1}, method=method)
    lca = bc.LCA(fu, data_objs=data_objs)
    lca.lci()
    lca.lcia()
    return float(lca.score)


@pytest.mark.filterwarnings("ignore:All values in characterization matrix are zero")
def test_lca_of_imported_aluminium_matches_hand_calculation(home: EngineHome) -> None:
    aluminium = (DB, _code(ALUMINIUM))
    # 1.65 + 0.0012 × 29.8 + 15.5 × (0.58 + 0.0011 × 29.8 + 0.000012 × 273) = 11.234628
    assert math.isclose(ALUMINIUM_KG_CO2E, 11.234628, rel_tol=1e-12)
    assert _score(aluminium, bp.METHODS["total"]) == pytest.approx(ALUMINIUM_KG_CO2E)
    # every gas of the fixture is fossil; biogenic CO2 and SO2 weigh nothing
    assert _score(aluminium, bp.METHODS["fossil"]) == pytest.approx(ALUMINIUM_KG_CO2E)
    assert _score(aluminium, bp.METHODS["biogenic"]) == pytest.approx(0.0, abs=1e-12)
    electricity = (DB, _code(ELECTRICITY))
    assert _score(electricity, bp.METHODS["total"]) == pytest.approx(ELECTRICITY_KG_CO2E)


def test_list_user_databases(home: EngineHome) -> None:
    (found,) = list_user_databases(home)  # biosphere3 (and gscdm-background) are not listed
    assert (found.name, found.activities, found.imported_by_engine, found.format) == (
        DB, 2, True, "EcoSpold2")
    assert found.source == str(DATASETS.resolve()) and found.imported_at


# ---------------------------------------------------------------------------------------------
# Refusals that leave the project as it was


def test_unlinked_exchanges_are_refused_through_the_cli(home: EngineHome) -> None:
    before = _databases(home)
    code, out, err = _cli(home.path, "import-ecospold", str(UNLINKED), "--name", "bad-ei",
                          "--json")
    assert code == 1, err
    document = json.loads(out)  # stdout holds the one JSON document, bw2io's prints went to stderr
    assert document["error"] == "ecospold-unlinked"
    assert document["file"] == str(UNLINKED_FILE.resolve())
    assert len(document["unlinked"]) == 2
    assert UNLINKED_FILE.name in err and "cannot be linked" in " ".join(err.split())
    message = document["message"]
    assert "56552178-9566-56d2-81b8-851c78ade722 is not in biosphere3" in message
    # bw2io's delete_ghost_exchanges would have dropped this input silently
    assert "'electricity, high voltage'" in message and "not a dataset in this directory" in message
    assert _databases(home) == before  # nothing written, not even an empty registration


def test_unreadable_and_hostile_files_are_named(home: EngineHome, tmp_path: Path) -> None:
    before = _databases(home)
    # An XML comment inside flowData is valid XML, but bw2io's extractor raises a bare ValueError.
    commented = tmp_path / "commented"
    commented.mkdir()
    shutil.copy(DATASETS / ALUMINIUM_FILE.name, commented)
    path = commented / ALUMINIUM_FILE.name
    path.write_text(path.read_text(encoding="utf-8").replace(
        "<flowData>", "<flowData>\n      <!-- a note -->", 1), encoding="utf-8")
    with pytest.raises(EcospoldImportError) as caught:
        import_ecospold(home, commented, "bad-ei")
    assert caught.value.path == str(path.resolve()) and caught.value.code == "ecospold-unreadable"
    assert str(caught.value).startswith(f"{path.resolve()}: bw2io cannot read this dataset")

    hostile = tmp_path / "hostile"
    hostile.mkdir()
    (hostile / "bomb.spold").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE ecoSpold [<!ENTITY a "aaaa">]>\n<ecoSpold>&a;</ecoSpold>')
    with pytest.raises(EcospoldImportError) as caught:
        import_ecospold(home, hostile, "bad-ei")
    assert (caught.value.code, caught.value.line) == ("xml-doctype-refused", 2)

    release = tmp_path / "ecoinvent 3.9.1_cutoff_ecoSpold02"
    (release / "datasets").mkdir(parents=True)
    with pytest.raises(EcospoldImportError, match="the datasets of a release are in"):
        import_ecospold(home, release, "bad-ei")
    assert _databases(home) == before


def test_failed_write_leaves_no_database(home: EngineHome,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails after bw2io registered the name (disk full, ...) leaves no empty or
    half-written database behind."""
    from bw2data.backends.base import SQLiteBackend

    def disk_full(self: Any, *args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    before = _databases(home)
    monkeypatch.setattr(SQLiteBackend, "_efficient_write_many_data", disk_full)
    with pytest.raises(OSError, match="disk full"):
        import_ecospold(home, DATASETS, "half-written")
    assert _databases(home) == before


@pytest.mark.parametrize("name", ["biosphere3", "gscdm-background", "gscdm-product-x", "ei::39",
                                  "", " padded"])
def test_reserved_or_malformed_names_are_refused(home: EngineHome, name: str) -> None:
    with pytest.raises(UserDatabaseError):
        import_ecospold(home, DATASETS, name)


def test_project_must_be_set_up(tmp_path: Path) -> None:
    code, out, err = _cli(tmp_path, "import-ecospold", str(DATASETS), "--name", DB, "--json")
    assert code == 2, err
    assert "gscdm init" in json.loads(out)["message"]


# ---------------------------------------------------------------------------------------------
# Writing: a home of its own


def test_cli_import_duplicate_name_and_replace(tmp_path: Path) -> None:
    home = _home(tmp_path)
    bp.setup_project(home)

    code, out, err = _cli(tmp_path, "import-ecospold", str(DATASETS), "--name", DB, "--json")
    assert code == 0, err
    report: dict[str, Any] = json.loads(out)
    assert (report["database"], report["activities"], report["exchanges"]) == (DB, 2, 10)
    assert report["unlinked"] == [] and report["replaced"] is False

    code, out, err = _cli(tmp_path, "import-ecospold", str(DATASETS), "--name", DB)
    assert code == 2 and out == ""
    assert "already exists" in err and "--replace" in err
    with pytest.raises(UserDatabaseError, match="already exists"):
        import_ecospold(home, DATASETS, DB)

    code, out, err = _cli(tmp_path, "import-ecospold", str(DATASETS), "--name", DB, "--replace")
    assert code == 0, err
    assert out == "" and f"replaced database '{DB}': 2 activities" in err

    # the library path, reading with two worker processes
    again = import_ecospold(home, DATASETS, DB, replace=True, workers=2)
    assert (again.activities, again.exchanges, again.replaced) == (2, 10, True)
    assert _score((DB, _code(ALUMINIUM)), bp.METHODS["total"]) == pytest.approx(ALUMINIUM_KG_CO2E)
    assert [d.name for d in list_user_databases(home)] == [DB]


# ---------------------------------------------------------------------------------------------
# Mapping material classes at the imported activities


def test_mapping_override_points_aluminium_at_the_imported_activity(
    home: EngineHome, tmp_path: Path
) -> None:
    """``<home>/mapping_overrides.yaml`` is tried before the shipped rules. Resolving the
    "<database>::<code>" dataset inside the product system is the footprint engine's job (a
    later issue); here the rule is loaded, wins, and names a node that exists."""
    from lca_engine.background import load_factors

    dataset = f"{DB}::{_code(ALUMINIUM)}"
    aluminium = MaterialInput(name="Aluminium alloy 6063, CNC machined", mass_g=148.0,
                              group="Aluminium and aluminium alloys", substances=(
                                  ("7429-90-5", 145.0), ("7439-95-4", 1.5), ("7440-21-3", 1.5)))
    assert map_material(aluminium, load_rules(tmp_path)).rule_id == "aluminium-extrusion-cnc"

    (tmp_path / "mapping_overrides.yaml").write_text(
        "version: test\n"
        "rules:\n"
        "  - id: aluminium-from-licensed-ecoinvent\n"
        "    match: {group: alumin}\n"
        "    basis: mass\n"
        f'    dataset: "{dataset}"\n'
        "    reason: Primary aluminium ingot from the licensed ecoinvent release.\n",
        encoding="utf-8")
    rules = load_rules(tmp_path)
    assert rules.rules[0].id == "aluminium-from-licensed-ecoinvent"
    assert rules.files[0] == str(tmp_path / "mapping_overrides.yaml")
    mapping = map_material(aluminium, rules)
    assert mapping.rule_id == "aluminium-from-licensed-ecoinvent"
    (flow,) = mapping.flows
    assert (flow.dataset, flow.amount, flow.fraction) == (dataset, pytest.approx(0.148), "all")
    # "::" datasets are left to the footprint engine by the background-data check
    assert check_datasets(rules, {f.key: f.unit for f in load_factors()}) == []

    import bw2data as bd

    database, code = flow.dataset.split("::", 1)
    node = bd.get_node(database=database, code=code)
    assert (node["name"], node["unit"]) == ("aluminium production, primary, ingot", "kilogram")
