"""The command-line contract: one JSON document on stdout, messages on stderr, exit 0/1/2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gscdm.cli import main
from lca_engine.db import MaterialDatabase
from lca_engine.db.engine import head_revision

from .conftest import IPC
from .conftest import run_cli as run

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_BOM = ROOT / "bom_samples" / "notebook14" / "bom.csv"




def test_import_and_show_json(home: Path) -> None:
    code, out, err = run(home, "import", "--bom", str(NOTEBOOK_BOM), "--json")
    assert code == 0, err
    report = json.loads(out)  # stdout is exactly one JSON document
    assert report["counts"] == {"imported": 32, "unchanged": 0, "rejected": 0}
    assert "32 imported" in err

    code, out, _ = run(home, "show", "NB14-G5", "--json")
    assert code == 0
    product = json.loads(out)
    assert product["part_number"] == "NB14-G5"
    # the masses add up: every level's mass is the sum of quantity × unit mass below it
    top_level = [p for p in product["parts"] if p["parent_part_number"] is None]
    assert product["mass_g"] == pytest.approx(sum(p["quantity"] * p["mass_g"] for p in top_level))
    assert product["mass_g"] == pytest.approx(2052.0)
    assert product["gaps"] == []
    assert {"name", "group", "mass_g", "recycled", "substances"} <= set(product["materials"][0])

    code, out, _ = run(home, "show", "NB14-ACOV-01", "--json")
    part = json.loads(out)
    assert set(part) >= {"part_number", "name", "mass_g", "materials"}
    assert sum(mat["mass_g"] for mat in part["materials"]) == pytest.approx(part["mass_g"])

    code, out, _ = run(home, "products", "--json")
    assert json.loads(out)["products"][0]["product_number"] == "NB14-G5"


def test_second_import_changes_nothing(home: Path) -> None:
    run(home, "import", "--bom", str(NOTEBOOK_BOM))
    code, out, _ = run(home, "import", "--bom", str(NOTEBOOK_BOM), "--json")
    assert code == 0
    assert json.loads(out)["counts"] == {"imported": 0, "unchanged": 32, "rejected": 0}


def test_rejected_input_exits_1_and_names_file_and_line(home: Path) -> None:
    path = IPC / "mass_balance_substances.xml"
    code, out, err = run(home, "import", str(path), "--json")
    assert code == 1
    outcome = json.loads(out)["files"][0]
    assert outcome["status"] == "rejected"
    assert outcome["error"]["line"] == 17
    assert outcome["error"]["material"] == "Aluminium alloy 6063, 75% recycled"
    assert "mass_balance_substances.xml:17" in err.replace("\n", "")


def test_lenient_flag_loads_with_flags(home: Path) -> None:
    code, out, _ = run(home, "import", str(IPC / "bad_cas.xml"), "--lenient", "--json")
    assert code == 0
    assert json.loads(out)["files"][0]["flags"] == 1


def test_unknown_key_exits_1(home: Path) -> None:
    code, out, err = run(home, "show", "NOPE", "--json")
    assert code == 1
    assert json.loads(out)["error"] == "not-found"
    assert "NOPE" in err


@pytest.mark.parametrize("args", [["import"], ["show"], ["frobnicate"], ["import", "--nope"]])
def test_usage_errors_exit_2(home: Path, args: list[str]) -> None:
    code, _, _ = run(home, *args)
    assert code == 2


def test_uninitialised_database_is_a_usage_error(tmp_path: Path) -> None:
    code, out, err = run(tmp_path / "fresh", "products", "--json")
    assert code == 2
    assert "gscdm init" in err
    assert json.loads(out)["error"] == "database"


def test_env_vars_select_home_and_database(tmp_path: Path, home: Path) -> None:
    other = tmp_path / "other.sqlite"
    database = MaterialDatabase(f"sqlite:///{other}")
    database.initialise()
    database.dispose()
    env = {"GSCDM_HOME": str(home), "GSCDM_DB_URL": f"sqlite:///{other}"}
    result = CliRunner().invoke(main, ["import", str(IPC / "cover_ok.xml"), "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    # the import went to the --db database, not the home's default one
    assert MaterialDatabase(f"sqlite:///{other}").show("NB14-ACOV-01")
    code, _, _ = run(home, "show", "NB14-ACOV-01")
    assert code == 1


def test_real_process_init_and_clean_stdout(tmp_path: Path) -> None:
    """The entry point as a user runs it: init builds Brightway offline; stdout is JSON."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "gscdm", "--home", str(tmp_path / "h"), "init", "--json"]
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["schema_revision"] == head_revision()
    assert report["brightway"]["biosphere_flows"] > 4000
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert second.returncode == 0
    assert json.loads(second.stdout)["brightway"]["skipped"] is True
