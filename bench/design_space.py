"""The compiled path against today's paths: variants, design spaces, Monte Carlo, catalogues.

    python -m bench.design_space [--grid 101] [--iterations 20000] [--products 200] [--json OUT]

One run, one fresh engine home, each figure printed as ``NAME: VALUE UNIT (RATIO× BASELINE)``
beside a baseline measured in the same run; every timed block, figure and baseline alike, starts
after a full garbage collection (``clock``):

- ``variants/s``: a variant file with two parameters (the A-cover's and the Mg covers' recycled
  shares) on a grid of grid² values, compiled once (applying the changes at the probe designs,
  checking additivity) and then evaluated for every value — *including* the compile time —
  against today's fast path (per variant: apply, rebuild the model, dot product, as
  ``lca_engine.variants.evaluate`` with the unit-score dictionary) and a fresh ``bw2calc.LCA``
  per variant (which includes writing the variant's foreground database);
- ``variants/s, one file at a time``: ``Workspace.evaluate_variant`` on distinct variants
  (apply, rebuild, compile, score), against the same fast path;
- ``designs/s``: the sample notebook space (bom_samples/notebook14/design_space.yaml), every
  design evaluated, against compiling designs one by one (apply, rebuild, compile);
- ``iterations/s``: Monte Carlo of the notebook on shared vectorised draws against bw2calc's
  ``MultiLCA(use_distributions=True)`` (product and five stages, as the engine ran it before);
- ``products/s``: ``footprint --all`` on a generated catalogue (``bench.make_catalog``) on the
  compiled path against today's path (per product: model build and the unit-score dictionary).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import platform
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = "NB14-G5"
SPACE = ROOT / "bom_samples" / "notebook14" / "design_space.yaml"
FAMILY = {
    "a": {"select": {"part": "NB14-ACOV-01", "material": "aluminium alloy"},
          "kind": "recycled-metal"},
    "m": {"select": {"part": "NB14-?COV-01", "group": "magnes"}, "kind": "recycled-metal"},
}


def clock() -> float:
    """The start of a timed block, after a full garbage collection: objects left by the setup
    (the engine home, Brightway, the previous figure) would otherwise trigger a generation-2
    collection of ~0.1 s inside whichever block happens to cross the threshold, which dwarfs
    a 0.04 s figure (timeit disables the collector for the same reason)."""
    gc.collect()
    return time.perf_counter()


def line(name: str, value: float, unit: str, baseline: float, label: str) -> str:
    ratio = value / baseline if baseline else float("inf")
    return f"{name}: {value:,.0f} {unit} ({ratio:,.1f}× {label})"


def family_space(path: Path, grid: int) -> None:
    """The two-parameter variant family as a space of two numeric choices."""
    step = 1.0 / (grid - 1)
    choices = {
        name: {"range": {"param": name, "start": 0.0, "stop": 1.0, "step": step},
               "changes": [{"recycled": {**spec, "share": f"${{{name}}}"}}]}
        for name, spec in FAMILY.items()}
    path.write_text(yaml.safe_dump({"name": "A-cover × Mg covers recycled shares",
                                    "product": PRODUCT, "verify": 8, "choices": choices}),
                    encoding="utf-8")


def variant_of(a: float, m: float) -> dict[str, Any]:
    return {"name": f"a{a:g}-m{m:g}", "changes": [
        {"recycled": {**FAMILY["a"], "share": a}}, {"recycled": {**FAMILY["m"], "share": m}}]}


def profile(call: Any, top: int = 8) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=101, help="values per parameter")
    parser.add_argument("--baseline-variants", type=int, default=150)
    parser.add_argument("--naive", type=int, default=5, help="variants on a fresh bw2calc.LCA")
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--bw-iterations", type=int, default=200)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--parts", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print cProfile summaries")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()

    import numpy as np

    from bench.make_catalog import make_catalog
    from lca_engine.compiled import compile_model, monte_carlo
    from lca_engine.design_space import compile_space, explore, load_space
    from lca_engine.mapping import load_rules
    from lca_engine.product_model import STAGES, build_model
    from lca_engine.solver import methods
    from lca_engine.variants import parse_variant, stage_scores, unit_scores
    from lca_engine.workspace import Workspace

    figures: dict[str, Any] = {"machine": platform.machine(),
                               "python": platform.python_version()}
    lines: list[str] = []
    profiles: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace.open(Path(tmp) / "home")
        workspace.init()
        workspace.database.import_paths([], bom=ROOT / "bom_samples/notebook14/bom.csv")
        rules = load_rules(workspace.home.path)
        baseline = workspace.design(PRODUCT)
        solver = workspace.solver("GWP100")
        model = build_model(baseline, rules)
        per_role, ids = solver.solve_product(model)
        legacy_unit = unit_scores(per_role["total"])  # today's fast path: a dict per dataset

        # -- variants/s -----------------------------------------------------------------------
        family = Path(tmp) / "family.yaml"
        family_space(family, args.grid)
        started = clock()
        compiled = compile_space(load_space(family), baseline, rules, solver)
        totals, _, _, _ = compiled.evaluate_all(stages=False)
        compiled_s = time.perf_counter() - started
        count = len(totals)
        rng = np.random.default_rng(1)
        sample = [(float(a), float(m)) for a, m in
                  rng.integers(args.grid, size=(args.baseline_variants, 2)) / (args.grid - 1)]
        started = clock()
        for a, m in sample:
            variant = parse_variant(variant_of(a, m), "bench")
            stage_scores(build_model(variant.apply(baseline), rules), legacy_unit)
        legacy_rate = len(sample) / (time.perf_counter() - started)
        started = clock()
        worst = 0.0
        for k, (a, m) in enumerate(sample[: args.naive]):
            variant = parse_variant(variant_of(a, m), "bench")
            score = solver.lca_score(build_model(variant.apply(baseline), rules,
                                                 variant=f"n{k}"))
            index = round(a * (args.grid - 1)) * args.grid + round(m * (args.grid - 1))
            worst = max(worst, abs(totals[index] - score) / score)
        naive_rate = args.naive / (time.perf_counter() - started)
        rate = count / compiled_s
        lines.append(line("variants/s", rate, "variants/s", legacy_rate,
                          "today's fast path"))
        lines.append(line("variants/s", rate, "variants/s", naive_rate, "fresh bw2calc.LCA"))
        workspace.evaluate_variant(PRODUCT, variant_of(0.5, 0.5))  # baseline kept from here
        started = clock()
        for a, m in sample:
            workspace.evaluate_variant(PRODUCT, variant_of(a, m))
        one_rate = len(sample) / (time.perf_counter() - started)
        lines.append(line("variants/s, one file at a time", one_rate, "variants/s",
                          legacy_rate, "today's fast path"))
        figures["variants"] = {"family": count, "compile_and_evaluate_s": compiled_s,
                               "per_s": rate, "today_fast_path_per_s": legacy_rate,
                               "fresh_lca_per_s": naive_rate, "one_at_a_time_per_s": one_rate,
                               "max_relative_difference_vs_fresh_lca": worst}

        # -- designs/s ------------------------------------------------------------------------
        started = clock()
        space = compile_space(load_space(SPACE), baseline, rules, solver)
        space_compile_s = time.perf_counter() - started
        started = clock()
        totals, _, _, _ = space.evaluate_all(stages=False)
        evaluate_s = time.perf_counter() - started
        sizes = [len(options) for _, options in space.space.choices]
        picks = [tuple(int(rng.integers(n)) for n in sizes) for _ in range(30)]
        started = clock()
        for pick in picks:
            compile_model(build_model(space.design(pick), rules), solver).total(
                solver.unit["total"])
        one_by_one = len(picks) / (time.perf_counter() - started)
        designs_rate = len(totals) / evaluate_s
        lines.append(line("designs/s", designs_rate, "designs/s", one_by_one,
                          "compiling each design"))
        exploration = explore(space, solver, rules, top=20)
        figures["designs"] = {"space": len(totals), "compile_s": space_compile_s,
                              "evaluate_s": evaluate_s, "per_s": designs_rate,
                              "one_by_one_per_s": one_by_one,
                              "explore_total_s": exploration.compile_seconds
                              + exploration.evaluate_seconds,
                              "pareto_carbon_mass": len(exploration.pareto_mass)}

        # -- iterations/s ---------------------------------------------------------------------
        compiled_product = compile_model(model, solver)
        started = clock()
        draws = monte_carlo([compiled_product], solver, args.iterations, 42)
        mc_s = time.perf_counter() - started
        import bw2calc as bc
        import bw2data as bd

        method = methods("GWP100")["total"]
        _, ids = solver.solve_product(model)  # written again: earlier steps rewrote it
        demands = {"product": {ids["product"]: 1.0}}
        demands.update({stage: {ids[f"stage:{stage}"]: 1.0} for stage in STAGES})
        config = {"impact_categories": [method]}
        started = clock()
        lca = bc.MultiLCA(demands=demands, method_config=config,
                          data_objs=bd.get_multilca_data_objs(demands, config),
                          use_distributions=True, seed_override=42)
        lca.lci()
        lca.lcia()
        reference = []
        for _ in range(args.bw_iterations):
            next(lca)
            reference.append(lca.scores[(method, "product")])
        bw_rate = args.bw_iterations / (time.perf_counter() - started)
        mc_rate = args.iterations / mc_s
        lines.append(line("iterations/s", mc_rate, "iterations/s", bw_rate,
                          "bw2calc MultiLCA"))
        figures["monte_carlo"] = {
            "iterations": args.iterations, "seconds": mc_s, "per_s": mc_rate, "path": draws.path,
            "bw2calc_multilca_per_s": bw_rate,
            "p50_vectorised": float(np.median(draws.totals[:, 0])),
            "p50_bw2calc": float(np.median(reference))}
        if args.profile:
            profiles["space_compile"] = profile(
                lambda: compile_space(load_space(SPACE), baseline, rules, solver))
        workspace.close()

        # -- products/s -----------------------------------------------------------------------
        catalog = Path(tmp) / "catalog"
        make_catalog(catalog, args.products, args.parts, 0.2, 1)
        home = Workspace.open(Path(tmp) / "catalog-home")
        home.init()
        boms = sorted((catalog / "boms").glob("*.csv"))
        home.database.import_paths([catalog / "fmd"], bom=boms)
        home.footprint_all()  # warm imports and the solver, as a second run would be
        started = clock()
        batch = home.footprint_all()
        compiled_rate = len(batch.rows) / (time.perf_counter() - started)
        catalogue_rules = load_rules(home.home.path)
        solver = home.solver("GWP100")
        legacy = unit_scores(dict(zip(solver.node_ids.tolist(),
                                      solver.unit["total"].tolist(), strict=True)))
        started = clock()
        for product in [p.product_number for p in home.database.products()]:
            stage_scores(build_model(home.design(product), catalogue_rules), legacy)
        legacy_products = len(batch.rows) / (time.perf_counter() - started)
        lines.append(line("products/s", compiled_rate, "products/s", legacy_products,
                          "today's path"))
        started = clock()
        home.footprint_all(workers=2)
        parallel_rate = len(batch.rows) / (time.perf_counter() - started)
        lines.append(line("products/s, --workers 2", parallel_rate, "products/s",
                          legacy_products, "today's path"))
        figures["catalogue"] = {"products": len(batch.rows), "parts_per_product": args.parts,
                                "per_s": compiled_rate, "today_per_s": legacy_products,
                                "workers_2_per_s": parallel_rate}
        if args.profile:
            profiles["footprint_all"] = profile(home.footprint_all)
        home.close()

    print(f"{PRODUCT} and a {args.products}-product catalogue ({platform.machine()}, "
          f"Python {platform.python_version()}); compiled vs fresh bw2calc.LCA: max relative "
          f"difference {figures['variants']['max_relative_difference_vs_fresh_lca']:.1e}")
    for text in lines:
        print(text)
    print(f"  (variant family: {figures['variants']['family']:,} variants compiled and evaluated "
          f"in {figures['variants']['compile_and_evaluate_s']:.3f} s; space: "
          f"{figures['designs']['space']:,} designs, compile {space_compile_s:.2f} s, evaluate "
          f"{evaluate_s:.3f} s; Monte Carlo path: {draws.path})")
    for name, text in profiles.items():
        print(f"== profile: {name}\n{text}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
