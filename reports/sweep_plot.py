"""A small line chart of a variant parameter sweep (matplotlib, PNG)."""

from __future__ import annotations

from pathlib import Path

from lca_engine.variants import Sweep


def plot_sweep(sweep: Sweep, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = [v for v, _, _ in sweep.points]
    totals = [t for _, t, _ in sweep.points]
    figure, axes = plt.subplots(figsize=(6.0, 3.4), dpi=120)
    axes.plot(values, totals, marker="o", markersize=3, linewidth=1.6, color="#1f6f50",
              label="variant")
    axes.axhline(sweep.baseline_total, color="#888888", linestyle="--", linewidth=1,
                 label=f"baseline {sweep.baseline_total:.1f}")
    axes.set_xlabel(sweep.param)
    axes.set_ylabel("kg CO2e per functional unit")
    axes.set_title(f"{sweep.product}: {Path(sweep.variant).stem}", fontsize=10)
    axes.grid(True, linewidth=0.4, alpha=0.6)
    axes.legend(fontsize=8, frameon=False)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, metadata={"Software": None})
    plt.close(figure)
    return path
