"""Variants per second for the sample notebook: fast path vs a fresh LCA per variant vs MultiLCA.

    python -m bench.variants [--variants 2000] [--naive 20] [--json OUT]

All three paths score the same designs in one run on a fresh engine home:
  - fast: Brightway's adjoint unit scores (one transposed solve, done once), then per variant a
    rebuild of the foreground amounts and one dot product;
  - naive: per variant, write its foreground database and run a fresh ``bw2calc.LCA``;
  - MultiLCA: write every variant's foreground database, then one ``bw2calc.MultiLCA`` over all.
Variants sweep the A-cover's recycled aluminium share and the Mg-Al covers' share on a grid, so
every variant differs. The fast and Brightway totals are compared for every naive variant.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = "NB14-G5"
TEMPLATE = {
    "changes": [
        {"recycled": {"select": {"part": "NB14-ACOV-01", "material": "aluminium alloy"},
                      "kind": "recycled-metal", "share": "${a}"}},
        {"recycled": {"select": {"part": "NB14-?COV-01", "group": "magnes"},
                      "kind": "recycled-metal", "share": "${m}"}},
    ]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=2000)
    parser.add_argument("--naive", type=int, default=20, help="variants on the naive path")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()

    from lca_engine.footprint import adjoint_scores, write_foreground
    from lca_engine.mapping import load_rules
    from lca_engine.product_model import build_model
    from lca_engine.variants import evaluate, parse_variant, unit_scores
    from lca_engine.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace.open(Path(tmp) / "home")
        workspace.init()
        workspace.database.import_paths([], bom=ROOT / "bom_samples/notebook14/bom.csv")
        rules = load_rules(workspace.home.path)
        baseline = workspace.design(PRODUCT)
        workspace.activate_brightway()
        model = build_model(baseline, rules)
        write_foreground(model)

        side = max(2, int(args.variants ** 0.5))
        grid = [(i / (side - 1), j / (side - 1)) for i in range(side) for j in range(side)]
        variants = [parse_variant(TEMPLATE, "bench", {"a": a, "m": m}) for a, m in grid]

        started = time.perf_counter()
        per_role, _ = adjoint_scores(model)
        unit = unit_scores(per_role["total"])
        setup_s = time.perf_counter() - started
        started = time.perf_counter()
        fast = [sum(evaluate(v.apply(baseline), rules, unit)[1].values()) for v in variants]
        fast_s = time.perf_counter() - started

        import bw2calc as bc
        import bw2data as bd

        from lca_engine.brightway_project import METHODS

        sample = variants[:: max(1, len(variants) // args.naive)][: args.naive]
        indices = [variants.index(v) for v in sample]
        started = time.perf_counter()
        worst = 0.0
        for index, variant in zip(indices, sample, strict=True):
            variant_model = build_model(variant.apply(baseline), rules, variant=f"n{index}")
            write_foreground(variant_model)
            node = bd.get_node(database=variant_model.database, code="product")
            lca = bc.LCA({node: 1}, METHODS["total"])
            lca.lci()
            lca.lcia()
            worst = max(worst, abs(lca.score - fast[index]) / lca.score)
        naive_s = (time.perf_counter() - started) / len(sample)

        started = time.perf_counter()
        demands = {}
        for index, variant in zip(indices, sample, strict=True):
            variant_model = build_model(variant.apply(baseline), rules, variant=f"m{index}")
            write_foreground(variant_model)
            demands[f"m{index}"] = {
                bd.get_node(database=variant_model.database, code="product").id: 1.0}
        config = {"impact_categories": [METHODS["total"]]}
        multi = bc.MultiLCA(demands=demands, method_config=config,
                            data_objs=bd.get_multilca_data_objs(demands, config))
        multi.lci()
        multi.lcia()
        multi_s = (time.perf_counter() - started) / len(sample)
        workspace.close()

    per_fast = fast_s / len(variants)
    rate = 1 / per_fast
    print(f"{PRODUCT}: {len(variants)} variants ({platform.machine()}, "
          f"Python {platform.python_version()}); fast vs Brightway max relative difference "
          f"{worst:.1e} on {len(sample)} variants")
    print(f"{'path':<46}{'s / variant':>13}{'variants/s':>12}{'× fast':>9}")
    for name, seconds in (("fast: adjoint unit scores + dot product", per_fast),
                          ("naive: write foreground + fresh bw2calc.LCA", naive_s),
                          ("MultiLCA: write foregrounds + one MultiLCA", multi_s)):
        print(f"{name:<46}{seconds:>13.6f}{1 / seconds:>12,.0f}{seconds / per_fast:>9.0f}")
    print(f"one-off adjoint setup: {setup_s:.3f} s")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({
            "variants": len(variants), "fast_s_per_variant": per_fast, "fast_per_s": rate,
            "naive_s_per_variant": naive_s, "multilca_s_per_variant": multi_s,
            "speedup_vs_naive": naive_s / per_fast, "speedup_vs_multilca": multi_s / per_fast,
            "adjoint_setup_s": setup_s, "max_relative_difference": worst}, indent=2))


if __name__ == "__main__":
    main()
