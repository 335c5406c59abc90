"""Benchmark figures cannot go stale (issue 12, item 8): the top-level README copies none, the
generated block of bench/README.md is exactly what `make bench`'s JSON renders to, and every
table says what its baseline times."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench import figures

ROOT = Path(__file__).resolve().parents[1]

#: what a copied benchmark figure looks like: a rate, a timing column, a × baseline column
BENCH_FIGURE = re.compile(
    r"\d[\d,.]*\s*(?:files|substances|products|parts|variants|iterations)/s"
    r"|\d[\d,.]*\s*MB/s|\|\s*seconds\s*\||× (?:raw lxml|a plain|fast path)"
    r"|\d[\d,.]*\s*ms \|", re.IGNORECASE)


def test_readme_copies_no_benchmark_figure_and_links_to_bench_readme() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    copied = [line for line in text.splitlines() if BENCH_FIGURE.search(line)]
    assert copied == [], "README.md copies benchmark figures; link to bench/README.md instead"
    assert "(bench/README.md)" in text


def test_readme_states_no_factor_count_other_than_the_real_one() -> None:
    import csv

    rows = sum(1 for path in (ROOT / "lca_engine" / "data" / "background").glob("*.csv")
               for _ in csv.DictReader(path.open(encoding="utf-8")))
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    stated = [int(n.replace(",", "")) for n in re.findall(r"(\d[\d,]*) (?:cited )?factors", text)]
    assert all(n == rows for n in stated), (stated, rows)


def test_bench_readme_block_is_the_rendering_of_the_recorded_run() -> None:
    block = figures.current_block(figures.README.read_text(encoding="utf-8"))
    assert block, "bench/README.md lost its generated-figures markers"
    if figures.RECORD.exists():
        results = json.loads(figures.RECORD.read_text(encoding="utf-8"))
        assert block == figures.render(results), "edit bench/figures.json's run, not the block"
    else:
        assert block == figures.PLACEHOLDER


#: a small run, figures chosen so that the rendered values can be checked by hand
RUN = {
    "machine": {"cpus": 2, "processor": "x86_64", "python": "3.11.7", "load_average": 0.5},
    "run": {"date": "2026-12-07", "quick": False},
    "footprint": {"product": "NB14-G5", "total_kg_co2e": 112.694, "init_s": 5.0,
                  "cold_s": 2.0, "warm_s": 0.8, "plain_lca_s": 0.25,
                  "monte_carlo": {"iterations": 1000, "seconds": 8.0,
                                  "iterations_per_s": 125.0}},
    "variants": {"variants": 2000, "fast_s_per_variant": 0.001, "fast_per_s": 1000.0,
                 "naive_s_per_variant": 0.5, "multilca_s_per_variant": 0.16,
                 "speedup_vs_naive": 500.0, "speedup_vs_multilca": 160.0,
                 "adjoint_setup_s": 0.4, "max_relative_difference": 4.8e-9},
    "design_space": {"designs": 4096, "designs_per_s": 812.5},  # no renderer: generic table
}


def test_rendered_tables_compute_ratios_and_name_what_each_baseline_times(tmp_path: Path
                                                                          ) -> None:
    block = figures.render(RUN)
    lines = block.splitlines()
    assert lines[0] == figures.BEGIN and lines[-1] == figures.END
    assert "load average 0.5 at the start" in block
    # footprint: each step ÷ the plain LCA's 0.25 s; the baseline says it writes nothing
    assert ("| baseline: plain `bw2calc.LCA` of the stored product (lci + lcia, total only, no "
            "database write) | 0.25 | 1.0 |") in lines
    assert any(line.startswith("| footprint, cold: first in the process (imports, project "
                               "load, foreground database write") and line.endswith(
        "| 2.00 | 8.0 |") for line in lines)
    assert "| footprint, warm: foreground database rewrite, adjoint solve, attribution | 0.80 " \
           "| 3.2 |" in lines
    assert "Monte Carlo: 1,000 iterations in 8.00 s, 125 iterations/s." in lines
    # variants: 1 ms → 1,000/s; 500 ms is 500 × the fast path, and its label says it writes
    assert ("| fast path: adjoint unit scores × the design vector (no database write) | 1.00 "
            "| 1,000 | 1 |") in lines
    assert ("| baseline 1: write the variant's foreground database, then a fresh "
            "`bw2calc.LCA` (lci + lcia) | 500.00 | 2 | 500 |") in lines
    assert ("| baseline 2: write every variant's foreground database, then one "
            "`bw2calc.MultiLCA` over all | 160.00 | 6 | 160 |") in lines
    # a benchmark without a renderer (another engineer's design_space) is still listed
    assert "| designs | 4,096 |" in lines and "| designs_per_s | 812.5 |" in lines

    readme = tmp_path / "README.md"
    readme.write_text(f"# Bench\n\n{figures.PLACEHOLDER}\n\nhand-written\n", encoding="utf-8")
    figures.update(RUN, readme=readme, record=tmp_path / "figures.json")
    assert readme.read_text(encoding="utf-8") == f"# Bench\n\n{block}\n\nhand-written\n"
    assert json.loads((tmp_path / "figures.json").read_text()) == RUN


def test_rewrite_refuses_a_readme_without_markers() -> None:
    with pytest.raises(ValueError, match="markers"):
        figures.rewrite("# no block here\n", figures.PLACEHOLDER)
