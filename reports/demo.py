"""The whole pipeline on the shipped samples: import, screen, footprint, compare, report.

``run_demo`` is what ``gscdm demo -o DIR`` and ``make demo`` run. It imports every sample
product under ``bom_samples/``, screens their substances, computes their footprints (with Monte
Carlo), compares the notebook's design variants, and writes every report kind of the notebook in
every format, English and Chinese, into ``DIR``. Results come back as plain objects for the
caller to print.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from lca_engine.compliance import ComplianceResult
from lca_engine.footprint import FootprintResult
from lca_engine.variants import Comparison
from lca_engine.workspace import Workspace

from . import (
    KINDS,
    EnvironmentMissingError,
    ReportRequest,
    WrittenReport,
    build_report,
    write_report,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "bom_samples"
NOTEBOOK = "NB14-G5"
VARIANTS = ("recycled-metals", "recycled-plastics", "plastic-free-packaging", "all-combined")
FORMATS = ("html", "pdf", "json", "xlsx")


@dataclass(slots=True)
class DemoResult:
    imported: dict[str, int]
    compliance: list[ComplianceResult] = field(default_factory=list)
    footprints: list[FootprintResult] = field(default_factory=list)
    comparison: Comparison | None = None
    reports: list[WrittenReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "compliance": [{"product": c.product, "status": c.status} for c in self.compliance],
            "footprints": [{"product": f.product, "total_kg_co2e": f.total_kg_co2e,
                            "by_stage": f.by_stage,
                            "p95": f.uncertainty.p95 if f.uncertainty else None}
                           for f in self.footprints],
            "comparison": self.comparison.as_json() if self.comparison else None,
            "reports": [r.as_json() for r in self.reports],
            "skipped": self.skipped,
        }


def run_demo(ws: Workspace, out: Path, *, iterations: int = 1000,
             report_date: date | None = date(2026, 11, 21),
             progress: Callable[[str], None] | None = None) -> DemoResult:
    def say(text: str) -> None:
        if progress is not None:
            progress(text)

    out.mkdir(parents=True, exist_ok=True)
    ws.init()
    boms = sorted(SAMPLES.glob("*/bom.csv"))
    say(f"importing {len(boms)} sample products")
    report = ws.database.import_paths([], bom=boms)
    result = DemoResult(imported=report.counts())
    products = [p.product_number for p in ws.database.products()]
    for product in products:
        result.compliance.append(ws.compliance(product))
    for product in products:
        if product.startswith("CD-"):  # the compliance demo kit is not a footprint sample
            continue
        say(f"footprint of {product}")
        footprint = ws.footprint(product, iterations=iterations)
        result.footprints.append(footprint)
        (out / f"footprint-{product}.json").write_text(
            json.dumps(footprint.as_json(), indent=2, ensure_ascii=False))
    say("comparing the notebook's design variants")
    result.comparison = ws.compare(NOTEBOOK, [SAMPLES / "variants" / f"{v}.yaml"
                                              for v in VARIANTS], iterations=min(iterations, 500))
    neutrality = SAMPLES / "notebook14" / "neutrality"
    for kind in KINDS:
        for lang in ("en", "zh"):
            request = ReportRequest(
                product=NOTEBOOK, kind=kind, lang=lang, report_date=report_date,
                iterations=iterations, info=neutrality / "organisation.yaml",
                plan=neutrality / "plan.yaml", credits=neutrality / "credits.csv")
            say(f"report {kind} ({lang})")
            built = build_report(ws, request)
            for fmt in FORMATS:
                target = out / f"report-{kind}-{lang}.{fmt}"
                try:
                    result.reports.append(write_report(ws, request, fmt, target, report=built))
                except EnvironmentMissingError as exc:  # no CJK font: keep going, say which
                    result.skipped.append(f"{target.name}: {exc}")
    return result
