"""The one solver and the compiled product: every path agrees with Brightway.

Issue 12 item 3: ``footprint --all`` must use each product's GWP horizon; issue 12 item 1: Monte
Carlo percentiles checked against a closed form; issue 15: compiled results equal a fresh
``bw2calc.LCA`` of the same design.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lca_engine.workspace import Workspace
from tests.conftest import run_cli

SAMPLES = Path(__file__).resolve().parents[1] / "bom_samples"
SAMPLE_BOMS = [SAMPLES / name / "bom.csv" for name in ("notebook14", "consumer15", "monitor27")]


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """An initialised home with the three sample products imported."""
    workspace = Workspace.open(tmp_path_factory.mktemp("samples") / "home")
    workspace.init()
    for bom in SAMPLE_BOMS:
        assert workspace.database.import_paths([], bom=bom).counts()["rejected"] == 0
    yield workspace
    workspace.close()


def _relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def test_footprint_all_uses_the_scenarios_gwp20_horizon(samples: Workspace,
                                                        tmp_path: Path) -> None:
    """Issue 12.3: ``footprint --all --json`` under a GWP20 scenario equals ``footprint --json``
    under it, product by product, to 1e-9 relative; ``footprint`` itself is Brightway's score of
    the product activity, and GWP20 must differ from GWP100 (methane weighs 80.8 vs 29.8)."""
    gwp20 = tmp_path / "gwp20.yaml"
    gwp20.write_text("gwp_horizon: GWP20\n", encoding="utf-8")
    home = samples.home.path
    code, out, err = run_cli(home, "footprint", "--all", "--scenario", str(gwp20), "--json")
    assert code == 0, err
    batch = {row["product"]: row for row in json.loads(out)["products"]}
    code, out, err = run_cli(home, "footprint", "--all", "--json")
    assert code == 0, err
    batch100 = {row["product"]: row for row in json.loads(out)["products"]}
    assert len(batch) == 3
    for product, row in batch.items():
        code, out, err = run_cli(home, "footprint", product, "--scenario", str(gwp20), "--json")
        assert code == 0, err
        single = json.loads(out)
        assert "GWP20" in single["method"]
        assert _relative(row["total_kg_co2e"], single["total_kg_co2e"]) < 1e-9, product
        for stage, value in single["by_stage"].items():
            assert abs(row["by_stage"][stage] - value) <= 1e-9 * single["total_kg_co2e"]
        # the horizon matters for these products: GWP20 weighs methane and N2O differently
        assert _relative(row["total_kg_co2e"], batch100[product]["total_kg_co2e"]) > 1e-4
