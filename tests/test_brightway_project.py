"""The engine's offline Brightway project (lca_engine.brightway_project).

One project is built once per module (a few seconds) and shared by the tests that only read it or
leave it as they found it; tests that need another state use their own ``tmp_path`` home.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lca_engine import brightway_project as bp
from lca_engine.home import EngineHome, default_sqlite_url

REPO_ROOT = Path(__file__).resolve().parents[1]
CO2_FOSSIL_AIR = ("biosphere3", "349b29d1-3e58-4c66-98b9-9d1a076efd2e")


def _home(path: Path) -> EngineHome:
    return EngineHome(path=path, db_url=default_sqlite_url(path))


class _NoNetworkSocket(socket.socket):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise OSError("network access attempted during offline setup")


@contextlib.contextmanager
def _no_network() -> Iterator[None]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError("network access attempted during offline setup")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket, "socket", _NoNetworkSocket)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        yield


def _run_python(code: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIGHTWAY")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[EngineHome, bp.SetupReport]:
    home = _home(tmp_path_factory.mktemp("bw-built"))
    with _no_network():
        report = bp.setup_project(home)
    return home, report


@pytest.fixture
def active(built: tuple[EngineHome, bp.SetupReport]) -> EngineHome:
    home, _ = built
    bp.activate(home)
    return home


def _score(demand_key: tuple[str, str], method: bp.MethodName) -> float:
    import bw2calc as bc
    import bw2data as bd

    fu, data_objs, _ = bd.prepare_lca_inputs({bd.get_node(key=demand_key): 1}, method=method)
    lca = bc.LCA(fu, data_objs=data_objs)
    lca.lci()
    lca.lcia()
    return float(lca.score)


# ---------------------------------------------------------------------------------------------


def test_method_constants() -> None:
    assert bp.METHODS == {
        "total": ("IPCC 2021", "climate change", "global warming potential (GWP100)"),
        "fossil": ("IPCC 2021", "climate change: fossil", "global warming potential (GWP100)"),
        "biogenic": ("IPCC 2021", "climate change: biogenic", "global warming potential (GWP100)"),
        "land_use": ("IPCC 2021", "climate change: land use", "global warming potential (GWP100)"),
    }
    assert bp.GWP20 == ("IPCC 2021", "climate change", "global warming potential (GWP20)")
    assert bp.methods_for("GWP20")["total"] == bp.GWP20
    assert bp.methods_for() is bp.METHODS
    assert len(set(bp.ALL_METHODS)) == 8
    with pytest.raises(ValueError):
        bp.methods_for("GWP500")  # type: ignore[arg-type]


def test_fresh_setup_builds_biosphere_and_methods_offline(
    built: tuple[EngineHome, bp.SetupReport],
) -> None:
    home, report = built  # built with sockets disabled
    assert not report.skipped
    assert report.built_biosphere
    assert report.biosphere_flows > 4000
    assert set(report.built_methods) == set(bp.ALL_METHODS)
    assert set(bp.METHODS.values()) <= set(report.methods)
    assert bp.GWP20 in report.methods
    assert report.unlinked_cfs == 0
    assert "bw2io" in report.source and "3.9" in report.source
    assert report.brightway_dir == home.brightway_dir
    assert report.seconds > 0


def test_project_is_visible_to_plain_bw2data(active: EngineHome) -> None:
    import bw2data as bd

    assert bd.projects.current == "gscdm"
    assert Path(bd.projects.dir).parent == active.brightway_dir.resolve()
    assert "biosphere3" in bd.databases
    assert len(bd.Database("biosphere3")) > 4000
    for method in bp.ALL_METHODS:
        assert method in bd.methods
    assert bd.methods[bp.METHODS["total"]]["num_cfs"] == 226
    assert bd.methods[bp.METHODS["total"]]["unit"] == "kg CO2-Eq"

    # A separate process that knows nothing about the engine (as Activity Browser would).
    code = (
        "import json, bw2data as bd\n"
        "bd.projects.set_current('gscdm')\n"
        "print(json.dumps({'flows': len(bd.Database('biosphere3')),"
        " 'methods': sorted(map(list, bd.methods)),"
        " 'projects': sorted(p.name for p in bd.projects)}))"
    )
    proc = _run_python(code, {"BRIGHTWAY2_DIR": str(active.brightway_dir)})
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["flows"] > 4000
    assert sorted(map(list, bp.ALL_METHODS)) == seen["methods"]
    # (a plain `import bw2data` always (re)creates an empty "default" project next to ours)
    assert "gscdm" in seen["projects"]


def test_characterisation_factors_as_shipped(active: EngineHome) -> None:
    assert bp.verify_factors() == []
    keys = bp.ghg_flow_keys()
    cf = bp.characterization_factor
    total, fossil = bp.METHODS["total"], bp.METHODS["fossil"]
    biogenic, land_use = bp.METHODS["biogenic"], bp.METHODS["land_use"]

    assert keys["co2_fossil"] == CO2_FOSSIL_AIR
    assert cf(total, keys["co2_fossil"]) == 1.0
    assert cf(fossil, keys["co2_fossil"]) == 1.0
    assert cf(biogenic, keys["co2_fossil"]) == 0.0
    # AR6 (IPCC 2021) as implemented by ecoinvent 3.9: CH4 fossil 29.8, non-fossil 27.0, N2O 273.
    assert cf(total, keys["ch4_fossil"]) == pytest.approx(29.8)
    assert cf(fossil, keys["ch4_fossil"]) == pytest.approx(29.8)
    assert cf(total, keys["n2o"]) == pytest.approx(273.0)
    assert cf(total, keys["ch4_non_fossil"]) == pytest.approx(27.0)
    assert cf(biogenic, keys["ch4_non_fossil"]) == pytest.approx(27.0)
    assert cf(fossil, keys["ch4_non_fossil"]) == 0.0
    for method in bp.METHODS.values():  # biogenic CO2: 0/0 convention
        assert cf(method, keys["co2_non_fossil"]) == 0.0
        assert cf(method, keys["co2_uptake"]) == 0.0
    assert cf(total, keys["co2_land_use"]) == 1.0
    assert cf(land_use, keys["co2_land_use"]) == 1.0
    assert cf(total, keys["fgas_co2e"]) == pytest.approx(25200.0)
    # GWP20 is registered too and differs where it should.
    assert cf(bp.GWP20, keys["ch4_fossil"]) == pytest.approx(82.5)
    assert cf(bp.GWP20, keys["co2_fossil"]) == 1.0
    assert bp.fgas_carrier_amount(50400.0) == pytest.approx(2.0)


def test_flow_key_lookup(active: EngineHome) -> None:
    assert bp.flow_key("Carbon dioxide, fossil", ("air",)) == CO2_FOSSIL_AIR
    assert bp.flow_key("Carbon dioxide, fossil", ("air", "unspecified")) == CO2_FOSSIL_AIR
    urban = bp.flow_key("Carbon dioxide, fossil", ("air", "urban air close to ground"))
    assert urban != CO2_FOSSIL_AIR
    assert bp.flow_key("Carbon dioxide, in air", ("natural resource", "in air"))[0] == "biosphere3"
    with pytest.raises(bp.FlowNotFoundError, match="urban air close to ground"):
        bp.flow_key("Carbon dioxide, fossil", ("water",))
    with pytest.raises(bp.FlowNotFoundError, match="no flow named"):
        bp.flow_key("Unobtainium, fossil", ("air",))
    with pytest.raises(ValueError):
        bp.flow_key("Carbon dioxide, fossil", ())
    keys = bp.ghg_flow_keys()
    assert set(keys) == set(bp.GHG_FLOWS)
    assert len(set(keys.values())) == len(keys)


def test_second_setup_is_a_quick_noop(active: EngineHome) -> None:
    started = time.perf_counter()
    with _no_network():
        report = bp.setup_project(active)
    elapsed = time.perf_counter() - started
    assert report.skipped
    assert not report.built_biosphere
    assert report.built_methods == ()
    assert report.biosphere_flows > 4000
    assert report.seconds < 1.0
    assert elapsed < 2.0
    assert bp.is_set_up(active)


def test_setup_repairs_a_missing_method_only(active: EngineHome) -> None:
    import bw2data as bd

    del bd.methods[bp.METHODS["biogenic"]]
    assert not bp.is_set_up(active)
    report = bp.setup_project(active)
    assert not report.skipped
    assert not report.built_biosphere
    assert report.built_methods == (bp.METHODS["biogenic"],)
    assert bp.METHODS["biogenic"] in bd.methods
    assert bp.is_set_up(active)


def test_rebuild_recreates_and_keeps_the_project_working(
    active: EngineHome, capfd: pytest.CaptureFixture[str]
) -> None:
    import bw2data as bd

    keys = bp.ghg_flow_keys()
    # A foreground process and a user method that point at biosphere3 node ids.
    fg = bd.Database("probe_fg")
    fg.write(
        {
            ("probe_fg", "p"): {
                "name": "probe",
                "unit": "unit",
                "exchanges": [
                    {"input": ("probe_fg", "p"), "amount": 1.0, "type": "production"},
                    {"input": keys["co2_fossil"], "amount": 1.0, "type": "biosphere"},
                    {"input": keys["ch4_fossil"], "amount": 0.01, "type": "biosphere"},
                    {"input": keys["co2_non_fossil"], "amount": 2.0, "type": "biosphere"},
                    {"input": keys["ch4_non_fossil"], "amount": 0.1, "type": "biosphere"},
                    {"input": keys["fgas_co2e"], "amount": 1e-3, "type": "biosphere"},
                ],
            }
        },
        searchable=False,
    )
    custom = ("probe", "double co2")
    bd.Method(custom).write([(keys["co2_fossil"], 2.0)])
    expected_total = 1.0 + 0.298 + 0.0 + 2.7 + 25.2
    try:
        assert _score(("probe_fg", "p"), bp.METHODS["total"]) == pytest.approx(expected_total)
        old_id = bd.get_node(key=keys["co2_fossil"]).id
        capfd.readouterr()

        with _no_network():
            report = bp.setup_project(active, rebuild=True)

        out, _ = capfd.readouterr()
        assert out == ""  # Brightway's feedback goes to stderr, keeping `--json` stdout clean
        assert not report.skipped
        assert report.built_biosphere
        assert set(report.built_methods) == set(bp.ALL_METHODS)
        assert report.biosphere_flows > 4000
        assert "probe_fg" in report.reprocessed_databases
        assert custom in report.relinked_methods
        assert bd.get_node(key=keys["co2_fossil"]).id != old_id  # really rewritten
        assert bp.characterization_factor(custom, keys["co2_fossil"]) == 2.0
        assert _score(("probe_fg", "p"), bp.METHODS["total"]) == pytest.approx(expected_total)
        assert _score(("probe_fg", "p"), bp.METHODS["fossil"]) == pytest.approx(1.0 + 0.298 + 25.2)
        assert _score(("probe_fg", "p"), bp.METHODS["biogenic"]) == pytest.approx(2.7)
        assert bp.setup_project(active).skipped
    finally:
        del bd.databases["probe_fg"]
        del bd.methods[custom]


def test_foreign_biosphere_is_not_clobbered(tmp_path: Path) -> None:
    import bw2data as bd

    home = _home(tmp_path)
    bp.activate(home)
    bd.Database("biosphere3").write(
        {("biosphere3", "x"): {"name": "Hand-made flow", "type": "emission", "unit": "kilogram"}},
        searchable=False,
    )
    with pytest.raises(bp.BrightwayProjectError, match="rebuild=True"):
        bp.setup_project(home)
    assert len(bd.Database("biosphere3")) == 1
    assert not bp.is_set_up(home)


def test_two_homes_in_one_process_stay_separate(active: EngineHome, tmp_path: Path) -> None:
    import bw2data as bd

    other = _home(tmp_path / "other")
    bp.activate(other)
    assert Path(bd.projects.dir).parent == other.brightway_dir.resolve()
    assert [p.name for p in bd.projects] == ["gscdm"]
    assert "biosphere3" not in bd.databases
    assert list(bd.methods) == []
    bd.Database("only_in_other").write({}, searchable=False)
    with pytest.raises(bp.FlowNotFoundError):
        bp.flow_key("Carbon dioxide, fossil", ("air",))

    bp.activate(active)
    assert Path(bd.projects.dir).parent == active.brightway_dir.resolve()
    assert "only_in_other" not in bd.databases
    assert "biosphere3" in bd.databases
    assert bp.flow_key("Carbon dioxide, fossil", ("air",)) == CO2_FOSSIL_AIR
    assert bp.is_set_up(active)

    assert not bp.is_set_up(other)  # activates `other`
    assert "only_in_other" in bd.databases
    assert "biosphere3" not in bd.databases
    assert os.environ["BRIGHTWAY2_DIR"] == str(other.brightway_dir.resolve())


def test_activate_before_bw2data_is_imported(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from lca_engine.brightway_project import activate\n"
        "from lca_engine.home import EngineHome\n"
        "assert 'bw2data' not in sys.modules\n"
        f"activate(EngineHome(path=Path({str(tmp_path)!r}), db_url='sqlite://'))\n"
        "import bw2data as bd\n"
        "print(json.dumps({'dir': str(bd.projects.dir), 'current': bd.projects.current,"
        " 'projects': sorted(p.name for p in bd.projects)}))\n"
    )
    proc = _run_python(code, {})
    assert proc.returncode == 0, proc.stderr
    # stdout holds exactly our JSON: bw2data's import-time feedback went to stderr
    seen = json.loads(proc.stdout)
    assert Path(seen["dir"]).parent == (tmp_path / "brightway").resolve()
    assert seen["current"] == "gscdm"
    assert seen["projects"] == ["gscdm"]
