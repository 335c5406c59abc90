"""The "among published sheets" section of the CFP study and the datasheet: the product's
footprint beside the published sheets of comparable products (``Workspace.benchmark_total``,
harmonised to the report's scenario) and the screening estimate for the same attributes, with a
strip chart. A product whose category is unknown (no ``attributes.yaml``) gets the reason
instead of the section."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import charts
from .i18n import Translator
from .model import ReportRequest, Sheet

if TYPE_CHECKING:
    from lca_engine.workspace import Workspace

PRODUCT_COLOUR = "#D55E00"
SHEETS_COLOUR = "#9aa5ad"
ESTIMATE_COLOUR = "#0072B2"


def benchmark_data(ws: Workspace, request: ReportRequest, total_kg_co2e: float
                   ) -> dict[str, Any]:
    """The benchmark as the report's JSON holds it; ``available`` False with the reason when
    the product cannot be compared. The year defaults to the report date's (reproducible)."""
    from lca_engine.screening import EstimateInputError, ScreeningDataError

    try:
        result = ws.benchmark_total(request.product, total_kg_co2e, scenario=request.scenario,
                                    default_year=request.resolved_date().year)
    except (LookupError, EstimateInputError, ScreeningDataError) as exc:
        return {"available": False, "reason": str(exc.args[0] if exc.args else exc)}
    doc = result.as_json()
    estimate = doc["estimate"]
    return {"available": True, "product_kg_co2e": doc["product_kg_co2e"],
            "comparables": doc["comparables"], "percentile": doc["percentile"],
            "estimate": {k: estimate[k] for k in ("category", "p10", "p50", "p90", "by_stage",
                                                  "stages", "model", "inputs", "notes")},
            "explanation": doc["explanation"]}


def benchmark_chart(data: dict[str, Any], tr: Translator, *, compact: bool = False
                    ) -> str | None:
    """Two rows on one kg CO2e axis: the harmonised published sheets (P10–P90 box, median)
    and the screening estimate (P10–P90 bar, P50), with the product's footprint as a line.
    ``compact`` (the one-page datasheet): lower, without the axis title."""
    if not data.get("available"):
        return None
    comparables, estimate = data["comparables"], data["estimate"]
    product = data["product_kg_co2e"]
    fig, ax = charts._figure(tr.lang, 6.2, 0.8 if compact else 1.55)
    rows = [str(tr.t("benchmark.chart.sheets", n=comparables["n"])),
            str(tr.t("benchmark.chart.estimate"))]
    for y, (low, mid, high, colour) in enumerate([
            (comparables["p10"], comparables["median"], comparables["p90"], SHEETS_COLOUR),
            (estimate["p10"], estimate["p50"], estimate["p90"], ESTIMATE_COLOUR)]):
        ax.barh(y, high - low, left=low, height=0.46, color=colour, alpha=0.55)
        ax.plot([mid, mid], [y - 0.23, y + 0.23], color=colour, linewidth=2.2)
    ax.axvline(product, color=PRODUCT_COLOUR, linewidth=1.8)
    values = [product, comparables["p10"], comparables["p90"], estimate["p10"], estimate["p90"]]
    right = max(values) * 1.12
    label = str(tr.t("benchmark.chart.product", kg=tr.num(product, 0),
                     percentile=tr.num(data["percentile"], 0)))
    # beside the line, on the side with room
    left_side = product > right * 0.6
    ax.text(product + (-1 if left_side else 1) * right * 0.01, 1.42, label,
            color=PRODUCT_COLOUR, ha="right" if left_side else "left", va="bottom", fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    ax.set_yticks([0, 1], rows)
    ax.set_ylim(-0.5, 1.75)
    ax.set_xlim(0, right)
    if not compact:
        ax.set_xlabel(str(tr.t("units.kg_co2e_fu")))
    ax.tick_params(axis="y", length=0)
    return charts._svg(fig)


def benchmark_sheet(data: dict[str, Any], tr: Translator) -> Sheet:
    """The comparison as an XLSX worksheet: raw values, translated labels."""
    comparables, estimate = data["comparables"], data["estimate"]
    rows: list[list[Any]] = [
        [str(tr.t("benchmark.x.product")), data["product_kg_co2e"]],
        [str(tr.t("benchmark.x.percentile")), data["percentile"]],
        [str(tr.t("benchmark.x.n")), comparables["n"]],
        [str(tr.t("benchmark.x.p10")), comparables["p10"]],
        [str(tr.t("benchmark.x.median")), comparables["median"]],
        [str(tr.t("benchmark.x.p90")), comparables["p90"]],
        [str(tr.t("benchmark.x.estimate_p10")), estimate["p10"]],
        [str(tr.t("benchmark.x.estimate_p50")), estimate["p50"]],
        [str(tr.t("benchmark.x.estimate_p90")), estimate["p90"]],
    ]
    rows += [[str(tr.t("benchmark.x.use_added", size=c["size_class"], years=c["years"],
                       n=c["n"])), c["use_kg_co2e_added"]] for c in comparables["classes"]]
    return Sheet(str(tr.t("benchmark.x.sheet")), [str(tr.t("xlsx.item")),
                                                   str(tr.t("xlsx.value"))], rows,
                 note=str(tr.t("benchmark.caveat")))


__all__ = ["benchmark_chart", "benchmark_data", "benchmark_sheet"]
