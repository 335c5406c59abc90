"""Time to build and compute the sample notebook's footprint, and the Monte Carlo rate.

    python -m bench.footprint [--iterations 1000] [--json OUT]

In one run, on a fresh engine home:
  - cold: the first footprint in the process (imports, Brightway project load, foreground write,
    adjoint solve); warm: the same footprint again (foreground rewrite + solve);
  - baseline: a plain ``bw2calc.LCA`` of the product activity (one forward solve, total only) in
    the same process, so the attribution's cost is a ratio against what Brightway alone needs;
  - Monte Carlo: iterations per second of the correlated stage sampling.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()

    from lca_engine.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        workspace = Workspace.open(Path(tmp) / "home")
        workspace.init()
        init_s = time.perf_counter() - started
        workspace.database.import_paths([], bom=ROOT / "bom_samples/notebook14/bom.csv")

        started = time.perf_counter()
        result = workspace.footprint(PRODUCT)
        cold_s = time.perf_counter() - started
        started = time.perf_counter()
        workspace.footprint(PRODUCT)
        warm_s = time.perf_counter() - started

        import bw2calc as bc
        import bw2data as bd

        from lca_engine.brightway_project import METHODS

        node = bd.get_node(database=f"gscdm-fg-{PRODUCT}", code="product")
        started = time.perf_counter()
        lca = bc.LCA({node: 1}, METHODS["total"])
        lca.lci()
        lca.lcia()
        baseline_s = time.perf_counter() - started
        assert abs(lca.score - result.total_kg_co2e) < 1e-6 * result.total_kg_co2e

        mc = workspace.footprint(PRODUCT, iterations=args.iterations).uncertainty
        assert mc is not None
        workspace.close()

    rate = mc.iterations / mc.seconds
    print(f"{PRODUCT}: {result.total_kg_co2e:.2f} kg CO2e ({platform.machine()}, "
          f"Python {platform.python_version()})")
    print(f"{'step':<44}{'seconds':>9}{'× plain LCA':>13}")
    for name, seconds in (("gscdm init (schema, biosphere3, methods, data)", init_s),
                          ("footprint, cold (first in process)", cold_s),
                          ("footprint, warm (rewrite + adjoint + attribution)", warm_s),
                          ("plain bw2calc.LCA of the product (baseline)", baseline_s)):
        print(f"{name:<44}{seconds:>9.3f}{seconds / baseline_s:>13.1f}")
    print(f"Monte Carlo: {mc.iterations} iterations in {mc.seconds:.2f} s = {rate:,.0f} "
          f"iterations/s (P5 {mc.p5:.1f}, P50 {mc.p50:.1f}, P95 {mc.p95:.1f})")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({
            "product": PRODUCT, "total_kg_co2e": result.total_kg_co2e, "init_s": init_s,
            "cold_s": cold_s, "warm_s": warm_s, "plain_lca_s": baseline_s,
            "monte_carlo": {"iterations": mc.iterations, "seconds": mc.seconds,
                            "iterations_per_s": rate}}, indent=2))


if __name__ == "__main__":
    main()
