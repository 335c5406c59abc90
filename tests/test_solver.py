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


@pytest.mark.slow
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


# -- issue 12.1: Monte Carlo percentiles against a closed form --------------------------------

#: A factor whose total is two gases (SF6 cover gas 93.7 %, CO2 6.3 %): drawn together, the
#: product total is exactly lognormal, so its percentiles have a closed form.
ONE_FACTOR = "metal.magnesium.secondary_remelt_sf6.cn"


def _one_factor_model(kg: float = 0.25):  # type: ignore[no-untyped-def]
    from lca_engine.mapping import MaterialInput
    from lca_engine.product_model import Input, MaterialFlow, PartDesign, ProductModel
    from lca_engine.scenario import load_scenario

    part = PartDesign(part_number="ONE-PART", name="magnesium casting", category="mechanical",
                      parent=None, quantity=1.0, units_per_product=1.0, bom_mass_g=None,
                      materials=(MaterialInput(name="Magnesium AZ91D", mass_g=kg * 1000),))
    flow = MaterialFlow(part_number="ONE-PART", material="Magnesium AZ91D", rule_id="test",
                        input=Input(ONE_FACTOR, kg, "one cited factor"),
                        units_per_product=1.0, proxy=False)
    return ProductModel(product_number="ONE", name="one factor", scenario=load_scenario(),
                        parts=(part,), mappings={}, flows=[flow], stages={}, gaps=[],
                        mass_g=kg * 1000, packaging_mass_g=0.0)


def test_percentiles_of_a_one_factor_product_match_the_lognormal_closed_form(
        samples: Workspace) -> None:
    """P5/P50/P95 = median × exp(z × ln GSD), z = −1.645, 0, +1.645; the MC error of a sample
    percentile is √(p(1−p)/N) / φ(z) in z units (0.0149 at P95 with N = 20,000), so 4 standard
    errors in ln-space bound it (about 5 % at GSD 2.3; P25/P75 would be 40 % off)."""
    import math

    from lca_engine.background import factor_index
    from lca_engine.footprint import compute_footprint
    from lca_engine.solver import lognormal_percentile

    factor = factor_index()[ONE_FACTOR]
    assert factor.uncertainty_type == "lognormal" and factor.gsd is not None
    model = _one_factor_model()
    solver = samples.solver("GWP100")
    result = compute_footprint(model, iterations=20_000, seed=11, solver=solver)
    median = result.total_kg_co2e
    assert median == pytest.approx(0.25 * factor.gwp100_kg_co2e, rel=1e-3)  # AR6 vs published
    u = result.uncertainty
    assert u is not None
    sigma = math.log(factor.gsd)
    for percent, got in ((5, u.p5), (50, u.p50), (95, u.p95)):
        z = 1.6448536269514722 if percent != 50 else 0.0
        density = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        error = math.sqrt(percent / 100 * (1 - percent / 100) / 20_000) / density * sigma
        expected = lognormal_percentile(median, factor.gsd, percent)
        assert abs(math.log(got / expected)) < 4 * error, (percent, got, expected)
    # the mean of a lognormal is its median × exp(σ²/2): disclosed beside the deterministic total
    assert u.deterministic == median
    assert u.mean == pytest.approx(median * math.exp(sigma ** 2 / 2), rel=0.03)
    assert u.gases == "together"


def test_sampled_stages_add_up_to_the_sampled_total_in_every_iteration(
        samples: Workspace) -> None:
    result = samples.footprint("NB14-G5", iterations=300, seed=3)
    u = result.uncertainty
    assert u is not None and u.samples is not None and u.stage_samples is not None
    assert u.samples.shape == (300,) and u.stage_samples.shape == (300, 5)
    np = pytest.importorskip("numpy")
    assert np.allclose(u.stage_samples.sum(axis=1), u.samples, rtol=1e-12, atol=0)
    # and the draws do vary: not the deterministic total repeated
    assert u.samples.std() > 0.01 * result.total_kg_co2e
    assert u.p5 < u.p50 < u.p95
    assert u.by_stage_p50["use"] == pytest.approx(float(np.median(u.stage_samples[:, 3])))


def test_vectorised_monte_carlo_agrees_with_bw2calc_multilca(samples: Workspace) -> None:
    """Same distributions, two samplers: bw2calc's ``MultiLCA(use_distributions=True)`` (400
    iterations, every exchange drawn on its own) against the vectorised path with independent
    gases (20,000 iterations). The tolerance is 4 standard errors of bw2calc's sample percentile,
    √(p(1−p)/N) × dq/dp, with dq/dp read off the large sample."""
    import bw2calc as bc
    import bw2data as bd
    import numpy as np

    from lca_engine.compiled import compile_model, monte_carlo
    from lca_engine.solver import methods

    model = samples.product_model("NB14-G5")
    solver = samples.solver("GWP100")
    solver.solve_product(model)
    node = bd.get_node(database=model.database, code="product")
    method = methods("GWP100")["total"]
    demands = {"product": {node.id: 1.0}}
    config = {"impact_categories": [method]}
    lca = bc.MultiLCA(demands=demands, method_config=config,
                      data_objs=bd.get_multilca_data_objs(demands, config),
                      use_distributions=True, seed_override=5)
    lca.lci()
    lca.lcia()
    reference = []
    for _ in range(400):
        next(lca)
        reference.append(lca.scores[(method, "product")])
    big = monte_carlo([compile_model(model, solver)], solver, 20_000, 9,
                      gases="independent").totals[:, 0]
    for p in (0.05, 0.5, 0.95):
        slope = (np.quantile(big, p + 0.02) - np.quantile(big, p - 0.02)) / 0.04
        error = np.sqrt(p * (1 - p) / 400) * slope
        assert abs(np.quantile(reference, p) - np.quantile(big, p)) < 4 * error, p


# -- issue 15: compiled designs equal a fresh bw2calc.LCA ---------------------------------------

NOTEBOOK_SPACE = SAMPLES / "notebook14" / "design_space.yaml"


@pytest.fixture(scope="module")
def notebook_space(samples: Workspace):  # type: ignore[no-untyped-def]
    from lca_engine.design_space import compile_space, load_space
    from lca_engine.mapping import load_rules

    space = load_space(NOTEBOOK_SPACE)
    baseline = samples.design("NB14-G5")
    rules = load_rules(samples.home.path)
    solver = samples.solver("GWP100")
    return compile_space(space, baseline, rules, solver), rules, solver


def test_random_designs_of_the_space_equal_a_fresh_bw2calc_lca(notebook_space) -> None:  # type: ignore[no-untyped-def]
    """Eight random designs of the 1.7M-design sample space: the compiled space's total (sums of
    tabulated updates), the design compiled on its own, and Brightway's own LCA of the design
    written as a foreground database agree to 1e-9 relative."""
    import numpy as np

    from lca_engine.compiled import compile_model
    from lca_engine.product_model import build_model

    compiled, rules, solver = notebook_space
    assert compiled.space.size >= 1_000_000
    rng = np.random.default_rng(2026)
    sizes = [len(options) for _, options in compiled.space.choices]
    picks = np.array([[rng.integers(n) for n in sizes] for _ in range(8)])
    totals, stages, masses, _ = compiled.evaluate(picks)
    for row, pick in enumerate(picks):
        design = compiled.design(tuple(int(p) for p in pick))
        model = build_model(design, rules, variant=f"t{row}")
        brightway = solver.lca_score(model)
        alone = compile_model(model, solver).total(solver.unit["total"])
        assert _relative(totals[row], brightway) < 1e-9, compiled.labels(tuple(pick))
        assert _relative(alone, brightway) < 1e-9
        assert masses[row][0] == pytest.approx(design.mass_g, rel=1e-12)
        assert stages[row].sum() == pytest.approx(totals[row], rel=1e-12)
    # and the designs differ from one another: the check is not on one value
    assert np.ptp(totals) > 1.0


def test_whole_grid_equals_design_by_design_evaluation(notebook_space) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from lca_engine.design_space import _picks

    compiled, _, _ = notebook_space
    totals, _, masses, costs = compiled.evaluate_all(stages=False)
    assert len(totals) == compiled.space.size
    index = np.random.default_rng(5).integers(len(totals), size=2000)
    t, _, m, c = compiled.evaluate(_picks(compiled.space, 0, len(totals))[index])
    assert np.allclose(totals[index], t, rtol=1e-14, atol=0)
    assert np.array_equal(masses[index], m) and np.array_equal(costs[index], c)


def test_explore_cli_prints_the_front_and_probabilities(samples: Workspace) -> None:
    code, out, err = run_cli(samples.home.path, "explore", "NB14-G5", "--space",
                             str(NOTEBOOK_SPACE), "--constraint", "mass_g<=1950", "--top", "5",
                             "--iterations", "300", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["exhaustive"] and result["evaluated"] == result["combinations"] >= 1_000_000
    assert result["pareto_carbon_mass"] and len(result["top"]) == 5
    totals = [row["kg_co2e"] for row in result["top"]]
    assert totals == sorted(totals) and all(row["mass_g"] <= 1950 for row in result["top"])
    front = result["pareto_carbon_mass"]
    for a in front:  # no design of the front is beaten on both carbon and mass by another
        assert not any(b["kg_co2e"] < a["kg_co2e"] and b["mass_g"] < a["mass_g"] for b in front)
    assert all(0.0 <= row["probability_lower"] <= 1.0 for row in result["top"])
    assert result["top"][0]["kg_co2e"] < result["baseline"]["kg_co2e"]
    # the use stage is years × grid: lifetime and market change the same row multiplicatively
    assert ["lifetime", "market"] in result["interacting_choices"]


def _space(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "space.yaml"
    path.write_text("name: bad\nchoices:\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(("body", "message"), [
    ("  cover:\n    options:\n      x: {changes: [{recycled: {select: {part: NB14-NOPE}, "
     "kind: PCC, share: 0.5}}]}\n", "choices.cover.options.x: changes[0]: selector "
                                    "(part=NB14-NOPE) selects nothing"),
    ("  cover:\n    options:\n      x: {changes: [{recycled: {select: {part: NB14-ACOV-01, "
     "material: unobtainium}, kind: PCC, share: 0.5}}]}\n", "selects nothing"),
    ("  cover:\n    options:\n      x: {changes: [{recycled: {select: {part: NB14-ACOV-01}, "
     "kind: PCC, share: 1.2}}]}\n", "choices.cover.options.x: changes[0]: share 1.2 is outside"),
    ("  cover:\n    optoins: {x: {}}\n", "unknown key 'choices.cover.optoins'; did you mean "
                                         "'options'?"),
    ("  cover:\n    options:\n      x: {chnages: []}\n", "did you mean 'changes'?"),
])
def test_bad_space_files_exit_1_naming_file_and_key(samples: Workspace, tmp_path: Path,
                                                    body: str, message: str) -> None:
    path = _space(tmp_path, body)
    code, out, err = run_cli(samples.home.path, "explore", "NB14-G5", "--space", str(path))
    assert code == 1, (out, err)
    assert str(path) in err and message in err.replace("\n", " "), err


def test_compare_sweep_explore_and_evaluate_variant_agree(samples: Workspace,
                                                          tmp_path: Path) -> None:
    """One design, four paths: ``compare``, ``sweep`` at that value, ``evaluate_variant`` and a
    fresh bw2calc.LCA of it."""
    from lca_engine.mapping import load_rules
    from lca_engine.product_model import build_model
    from lca_engine.variants import load_variant

    variant = SAMPLES / "variants" / "a-cover-sweep.yaml"
    comparison = samples.compare("NB14-G5", [variant])
    sweep = samples.sweep("NB14-G5", variant, "share=0:1:0.25")
    assert sweep.path.startswith("vectorised")
    at = {value: total for value, total, _ in sweep.points}
    quick = samples.evaluate_variant("NB14-G5", load_variant(variant))
    design = load_variant(variant).apply(samples.design("NB14-G5"))
    model = build_model(design, load_rules(samples.home.path), variant="agree")
    brightway = samples.solver("GWP100").lca_score(model)
    for value in (comparison.variants[0].total_kg_co2e, at[0.75], quick.total_kg_co2e):
        assert _relative(value, brightway) < 1e-9
    for value, total, _ in sweep.points:
        other = load_variant(variant, {"share": value}).apply(samples.design("NB14-G5"))
        reference = samples.solver("GWP100").lca_score(
            build_model(other, load_rules(samples.home.path), variant=f"s{value}"))
        assert _relative(total, reference) < 1e-9, value
    with_mc = samples.evaluate_variant("NB14-G5", {"changes": [
        {"scenario": {"lifetime_years": 5}}]}, iterations=200, seed=1)
    assert with_mc.delta_kg_co2e > 0 and with_mc.probability_lower == 0.0


@pytest.mark.slow
def test_reports_disclose_the_monte_carlo_centre(samples: Workspace) -> None:
    """Issue 12.7: the CFP study and the datasheet state that cited factors are lognormal medians
    and show the deterministic value beside P50 and the mean."""
    from reports import build_report, render_report
    from reports.model import ReportRequest

    cfp = build_report(samples, ReportRequest("NB14-G5", "cfp", iterations=200))
    text = " ".join(render_report(cfp, "html").decode().split())
    u = cfp.data["footprint"]["uncertainty"]
    deterministic = cfp.data["footprint"]["total_kg_co2e"]
    assert u["deterministic_kg_co2e"] == deterministic
    assert u["mean"] > deterministic  # the skew of lognormal factors
    assert "for a lognormal factor is its median" in text
    assert "The gases of one cited factor" in text and "drawn together" in text
    assert "Mean ÷ deterministic" in text and f"{u['mean'] / deterministic:.3f}" in text
    assert "Deterministic (factor medians) · P50 · mean" in text

    sheet = build_report(samples, ReportRequest("NB14-G5", "datasheet", iterations=200))
    text = " ".join(render_report(sheet, "html").decode().split())
    assert "at its published value, a lognormal median, so it lies below them" in text
    headline = sheet.data["headline"]
    assert headline["deterministic_kg_co2e"] < headline["mean_kg_co2e"]


def test_footprint_all_with_workers_gives_the_same_rows(samples: Workspace) -> None:
    code, out, err = run_cli(samples.home.path, "footprint", "--all", "--json")
    assert code == 0, err
    single = json.loads(out)["products"]
    code, out, err = run_cli(samples.home.path, "footprint", "--all", "--workers", "2", "--json")
    assert code == 0, err
    parallel = json.loads(out)["products"]
    assert [r["product"] for r in parallel] == [r["product"] for r in single]
    for a, b in zip(parallel, single, strict=True):
        assert a["total_kg_co2e"] == b["total_kg_co2e"] and a["by_stage"] == b["by_stage"]


@pytest.mark.slow
def test_a_linked_background_is_solved_and_resampled_by_bw2calc(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """A user's ecoinvent-style database links activities (aluminium takes 15.5 kWh of
    electricity), so it is not flat: the solver's λ comes from the adjoint solve, and Monte
    Carlo takes bw2calc's per-iteration re-solve, which it says. The fixture's hand calculation
    is the one ``tests/test_byo_data.py`` checks against a plain LCA."""
    import numpy as np

    from lca_engine import brightway_project as bp
    from lca_engine.byo_data import import_ecospold
    from lca_engine.home import EngineHome
    from lca_engine.solver import PATH_BW2CALC, Solver
    from tests.test_byo_data import ALUMINIUM, ALUMINIUM_KG_CO2E, DATASETS, DB, _code

    path = tmp_path_factory.mktemp("linked")
    home = EngineHome(path=path, db_url=f"sqlite:///{path}/x.sqlite")
    bp.setup_project(home)
    import_ecospold(home, DATASETS, DB)
    bp.activate(home)
    solver = Solver.for_background("GWP100")
    assert not solver.flat
    column = solver.column(f"{DB}::{_code(ALUMINIUM)}")
    # the hand calculation uses the file's decimals; Brightway stores them as float32 (3e-8)
    assert solver.unit["total"][column] == pytest.approx(ALUMINIUM_KG_CO2E, rel=1e-6)
    draws = solver.draws(4, seed=3, columns=[column])
    assert draws.path == PATH_BW2CALC and draws.unit.shape == (4, 1)
    # the fixture's exchanges carry distributions: the same seed in a plain bw2calc Monte Carlo
    # of one kg of aluminium gives the same four scores
    import bw2calc as bc
    import bw2data as bd

    from lca_engine.solver import methods

    node = bd.get_node(database=DB, code=_code(ALUMINIUM))
    lca = bc.LCA({node.id: 1.0}, methods("GWP100")["total"], use_distributions=True,
                 seed_override=3)
    lca.lci()
    lca.lcia()
    reference = []
    for _ in range(4):
        next(lca)
        reference.append(lca.score)
    assert np.std(draws.unit[:, 0]) > 0
    assert np.allclose(draws.unit[:, 0], reference, rtol=1e-9)
