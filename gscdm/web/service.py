"""What the API and the pages both do, written once: each function is a call into the Python
API plus the document the CLI's ``--json`` prints for it."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from lca_engine.db import ProductView

from .schemas import DesignBody, ReportForm, VariantRef
from .state import Workbench

MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8",
               "json": "application/json",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
REPORT_FILES = ("info", "plan", "credits")


def product_view(wb: Workbench, product: str) -> ProductView:
    """``gscdm show PRODUCT``'s view; ``LookupError`` (404) for a part or an unknown key."""
    def read() -> ProductView:
        try:
            view = wb.workspace.database.show(product)
        except KeyError:
            raise LookupError(f"no product {product!r} in the database") from None
        if not isinstance(view, ProductView):
            raise LookupError(f"{product!r} is a part, not a product")
        return view

    return wb.run(read)


def products_document(wb: Workbench) -> dict[str, Any]:
    """``gscdm products --json``."""
    return {"products": [p.as_json() for p in wb.run(wb.workspace.database.products)]}


def overview_document(wb: Workbench) -> dict[str, Any]:
    """Every product with its footprint by stage, data-gap share and compliance status
    (``lca_engine.overview``), cached until the products change."""
    from lca_engine.overview import products_overview

    return wb.cached("overview", lambda: products_overview(wb.workspace))


def compliance_all_document(wb: Workbench, on: date | None = None,
                            rohs_category: int | None = None) -> dict[str, Any]:
    """``gscdm compliance --all --json``."""
    from lca_engine.overview import compliance_all

    return wb.run(lambda: compliance_all(wb.workspace, on=on, rohs_category=rohs_category))


def resolve_variant(wb: Workbench, product: str, item: VariantRef | DesignBody
                    ) -> tuple[dict[str, Any], str]:
    """A variant input → (its YAML content, its source for messages). Files are looked up
    among the explorer's listed variant files only, never as paths."""
    if isinstance(item, VariantRef):
        found = wb.explorer(product).variant_file(item.file)
        if found.content is None:
            from lca_engine.variants import VariantError

            raise VariantError(found.error or f"{found.path}: not readable")
        return found.content, str(found.path)
    return item.variant(), "request"


def compare_document(wb: Workbench, product: str, variants: list[VariantRef | DesignBody],
                     iterations: int, seed: int) -> dict[str, Any]:
    """``gscdm compare --json`` for variants given as files or inline designs."""
    from lca_engine.variants import parse_variant

    def compute() -> dict[str, Any]:
        explorer = wb.explorer(product)
        parsed = []
        for index, item in enumerate(variants):
            content, source = resolve_variant(wb, product, item)
            parsed.append(parse_variant(content, source if source != "request"
                                        else f"variants[{index}]"))
        return explorer.compare(parsed, iterations=iterations, seed=seed).as_json()

    return wb.run(compute)


@dataclass(slots=True)
class GeneratedReport:
    content: bytes
    filename: str
    media_type: str
    warnings: list[str]


def _safe_name(name: str | None, fallback: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name or "").name).strip("._")
    return cleaned or fallback


def generate_report(wb: Workbench, product: str, form: ReportForm,
                    uploads: dict[str, tuple[str | None, bytes]]) -> GeneratedReport:
    """Build, render and write one report as ``gscdm report`` does (a neutrality declaration's
    serials go to the offset ledger), and return the file's bytes. Uploaded files keep their
    names, so an error about them names the file the user chose."""
    from reports import ReportRequest, write_report

    product_view(wb, product)  # 404 before any work
    with tempfile.TemporaryDirectory(prefix="gscdm-report-") as tmp:
        folder = Path(tmp)
        paths: dict[str, Path] = {}
        for field, (name, content) in uploads.items():
            target = folder / field
            target.mkdir()
            path = target / _safe_name(name, f"{field}.yaml")
            path.write_bytes(content)
            paths[field] = path
        request = ReportRequest(
            product=product, kind=form.kind, lang=form.lang, report_date=form.date,
            iterations=form.iterations, seed=form.seed, info=paths.get("info"),
            plan=paths.get("plan"), credits=paths.get("credits"), standard=form.standard,
            market=form.market, basis=form.basis, sensitivity=form.sensitivity)
        extension = form.format
        filename = f"{_safe_name(product, 'product')}-{form.kind}-{form.lang}.{extension}"
        output = folder / filename

        def write() -> Any:
            if form.lang == "zh" and form.format == "pdf":
                from reports.render import require_cjk_font

                require_cjk_font()
            return write_report(wb.workspace, request, form.format, output)

        try:
            written = wb.run(write)
        except Exception as exc:
            # name the upload field whose file the message mentions (422 next to that field)
            # the upload's own name first, then the CLI option the message names (--plan FILE)
            options = [f for f in (*REPORT_FILES, "iterations", "basis", "market", "standard",
                                   "date", "lang") if f not in paths]
            exc.fields = {**{field: path.name for field, path in paths.items()},  # type: ignore[attr-defined]
                          **{field: f"--{field}" for field in options}}
            raise
        return GeneratedReport(output.read_bytes(), filename, MEDIA_TYPES[form.format],
                               list(written.warnings))


def space_files(wb: Workbench, product: str) -> list[Path]:
    """Design-space files of a product: ``*.yaml`` files with "space" in their name beside its
    BoM, and every YAML file in ``<home>/spaces/<product>/``."""
    view = product_view(wb, product)
    found = sorted(Path(view.bom_file).parent.glob("*space*.y*ml"))
    own = wb.workspace.home.path / "spaces" / product
    if own.is_dir():
        found += sorted(own.glob("*.y*ml"))
    return found


def explore_document(wb: Workbench, product: str, space: str, *, objective: str,
                     constraints: list[str], top: int, iterations: int, seed: int
                     ) -> dict[str, Any]:
    """``gscdm explore PRODUCT --space FILE --json``: the design-space boundary, one call."""
    path = next((p for p in space_files(wb, product) if p.name == space), None)
    if path is None:
        raise LookupError(f"no design space file {space!r} for {product}")
    return wb.run(lambda: wb.workspace.explore(
        product, path, objective=objective, constraints=constraints, top=top,
        iterations=iterations, seed=seed).as_json())


def benchmark_document(wb: Workbench, product: str, total_kg_co2e: float | None = None
                       ) -> dict[str, Any]:
    """``gscdm benchmark PRODUCT --json``: the footprint among published sheets of comparable
    products (reconciliation); ``LookupError`` when the product lacks what the comparison
    needs (no category: no attributes.yaml beside its BoM)."""
    product_view(wb, product)
    if total_kg_co2e is not None:
        return wb.run(lambda: wb.workspace.benchmark_total(product, total_kg_co2e).as_json())
    return wb.run(lambda: wb.workspace.benchmark(product).as_json())
