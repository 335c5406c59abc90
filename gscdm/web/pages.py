"""The workbench's pages. Each renders documents of the Python API (the same ones the JSON
API returns); the explorer's live updates go through ``/api/``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from lca_engine.product_model import STAGES
from reports import EnvironmentMissingError
from reports.i18n import LOCALES, Translator

from .errors import engine_errors, errors_from_engine
from .render import PageTexts, render_page, request_lang
from .schemas import FactorQuery, ProductPageQuery, ReportForm
from .service import (
    REPORT_FILES,
    benchmark_document,
    generate_report,
    overview_document,
    product_view,
    products_document,
)
from .state import Workbench

router = APIRouter(include_in_schema=False)


def _wb(request: Request) -> Workbench:
    return request.app.state.workbench


@router.get("/", response_class=HTMLResponse)
def products_page(request: Request) -> Response:
    return render_page(request, "products.html.j2", {
        "section": "products", "stages": STAGES,
        "products": overview_document(_wb(request))["products"]})


def _charts(footprint: dict[str, Any], tr: Translator) -> dict[str, Any]:
    """The figures of the product page: the footprint's own numbers, labelled."""
    unit = tr.t("units.kg_co2e")
    total = footprint["total_kg_co2e"]
    stages = {"labels": [tr.stage(s) for s in STAGES],
              "values": [footprint["by_stage"][s] for s in STAGES],
              "text": [tr.pct(footprint["by_stage"][s] / total if total else 0.0, 1)
                       for s in STAGES]}
    materials_stage = tr.stage("materials")
    parts = {"ids": ["root"], "labels": [materials_stage], "parents": [""], "names": [""],
             "values": [sum(max(p["kg_co2e"], 0.0) for p in footprint["by_part"])]}
    groups: dict[str, float] = {}
    for part in footprint["by_part"]:
        groups[part["group"]] = groups.get(part["group"], 0.0) + max(part["kg_co2e"], 0.0)
    for group, value in groups.items():
        parts["ids"].append(f"group:{group}")
        parts["labels"].append(tr.t("common.packaging") if group == "packaging" else
                               footprint["name"] or footprint["product"])
        parts["parents"].append("root")
        parts["names"].append("")
        parts["values"].append(value)
    for part in footprint["by_part"]:
        if part["kg_co2e"] > 0:  # a treemap cannot show a credit; the tables list every part
            parts["ids"].append(f"part:{part['part_number']}")
            parts["labels"].append(part["part_number"])
            parts["names"].append(part["name"] or "")
            parts["parents"].append(f"group:{part['group']}")
            parts["values"].append(part["kg_co2e"])
    positive = [m for m in footprint["by_material"] if m["kg_co2e"] > 0]
    materials = {"ids": ["root"] + [f"m:{m['dataset']}" for m in positive],
                 # the factor's name up to its first comma as the label; all of it on hover
                 "labels": [materials_stage] + [m["material"].split(",")[0] for m in positive],
                 "parents": [""] + ["root"] * len(positive),
                 "names": [""] + [f"{m['material']} ({m['dataset']})" for m in positive],
                 "values": [sum(m["kg_co2e"] for m in positive)]
                 + [m["kg_co2e"] for m in positive]}
    return {"unit": unit, "stages": stages, "parts": parts, "materials": materials}


@router.get("/products/{product}", response_class=HTMLResponse)
def product_page(request: Request, product: str,
                 query: Annotated[ProductPageQuery, Query()]) -> Response:
    wb = _wb(request)
    view = product_view(wb, product)
    footprint = wb.cached(f"footprint:{product}:{query.iterations}:{query.seed}",
                          lambda: wb.workspace.footprint(product, iterations=query.iterations,
                                                         seed=query.seed).as_json())
    tr = PageTexts(request_lang(request)).tr
    return render_page(request, "product.html.j2", {
        "section": "products", "stages": STAGES, "fp": footprint, "view": view,
        "charts": _charts(footprint, tr), "benchmark": _reconciliation(wb, product, footprint)})


def _reconciliation(wb: Workbench, product: str, footprint: dict[str, Any]
                    ) -> dict[str, Any] | None:
    """The benchmark against published sheets where the product has the attributes it needs
    (else the reason)."""

    def compute() -> dict[str, Any]:
        return benchmark_document(wb, product, footprint["total_kg_co2e"])

    try:
        return wb.cached(f"benchmark:{product}", compute)
    except LookupError as exc:
        return {"unavailable": str(exc.args[0]) if exc.args else str(exc)}


@router.get("/products/{product}/explorer", response_class=HTMLResponse)
def explorer_page(request: Request, product: str) -> Response:
    wb = _wb(request)
    view = product_view(wb, product)
    options = wb.run(lambda: wb.explorer(product).options().as_json())
    texts = PageTexts(request_lang(request))
    keys = ("part", "material", "material_group", "to_name", "to_group", "mass_ratio",
            "factor", "bio_based", "delete", "substitute", "replace", "remove", "scale",
            "mode", "km", "leg_share", "updated", "no_changes", "saved", "compare_cmd", "load",
            "no_files", "unreadable", "error", "computing")
    page_data = {"product": product, "locale": LOCALES[texts.lang].replace("_", "-"),
                 "options": options,
                 "texts": {**{key: texts(f"explorer.{key}") for key in keys},
                           "modes": {m: texts.tr.opt(f"modes.{m}", m)
                                     for m in options["transport_modes"]}}}
    # the groups that make up at least 1 % of the mass come first (at most 12); the rest fold
    mass = sum(g["mass_g"] for g in options["groups"])
    main_groups = max(1, min(12, sum(1 for g in options["groups"]
                                     if mass and g["mass_g"] >= 0.01 * mass)))
    return render_page(request, "explorer.html.j2", {
        "section": "products", "stages": STAGES, "product": product, "name": view.name,
        "options": options, "page_data": page_data, "main_groups": main_groups})


@router.get("/products/{product}/compliance", response_class=HTMLResponse)
def compliance_page(request: Request, product: str) -> Response:
    wb = _wb(request)
    product_view(wb, product)
    result = wb.run(lambda: wb.workspace.compliance(product).as_json())
    return render_page(request, "compliance.html.j2", {"section": "products",
                                                       "result": result})


@router.get("/factors", response_class=HTMLResponse)
def factors_page(request: Request) -> Response:
    from lca_engine.background import factors_document, load_factors

    raw = {k: v for k, v in request.query_params.items() if k != "lang" and v != ""}
    errors: dict[str, str] = {}
    try:
        query = FactorQuery(**raw)
    except ValidationError as exc:
        errors = {str(e["loc"][0]) if e["loc"] else "_": e["msg"] for e in exc.errors()}
        query = FactorQuery()
    document = factors_document(query.category, query.q)
    return render_page(request, "factors.html.j2", {
        "section": "factors", "factors": document["factors"], "version": document["version"],
        "categories": sorted({f.category for f in load_factors()}), "q": raw.get("q", ""),
        "category": query.category, "errors": errors},
        status_code=422 if errors else 200)


def _report_page(request: Request, values: dict[str, Any], errors: dict[str, str],
                 status_code: int = 200) -> Response:
    from reports import FORMATS, KINDS

    return render_page(request, "reports.html.j2", {
        "section": "reports", "products": products_document(_wb(request))["products"],
        "kinds": KINDS, "formats": FORMATS, "values": values, "errors": errors},
        status_code=status_code)


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, product: str | None = None) -> Response:
    defaults = ReportForm(kind="datasheet", format="pdf").model_dump()
    return _report_page(request, {**defaults, "product": product}, {})


@router.post("/reports")
async def reports_submit(request: Request) -> Response:
    """The report form: the file as a download, or the form again with each error next to its
    field (HTTP 422) — nothing is written for a rejected form."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items()
                              if isinstance(v, str) and k not in REPORT_FILES}
    values["sensitivity"] = "sensitivity" in form
    product = str(values.pop("product", "") or "")
    errors: dict[str, str] = {}
    if not product:
        errors["product"] = "choose a product"
    try:
        parsed = ReportForm(**values)
    except ValidationError as exc:
        for e in exc.errors():
            errors[str(e["loc"][0]) if e["loc"] else "_"] = e["msg"]
        parsed = None
    if errors or parsed is None:
        return _report_page(request, {**values, "product": product}, errors, 422)
    uploads: dict[str, tuple[str | None, bytes]] = {}
    for field in REPORT_FILES:
        upload = form.get(field)
        if upload is not None and not isinstance(upload, str) and upload.filename:
            uploads[field] = (upload.filename, await upload.read())
    try:
        generated = await run_in_threadpool(generate_report, _wb(request), product, parsed,
                                            uploads)
    except LookupError as exc:
        return _report_page(request, {**values, "product": product},
                            {"product": str(exc.args[0])}, 404)
    except EnvironmentMissingError as exc:
        return _report_page(request, {**values, "product": product}, {"_": str(exc)}, 503)
    except engine_errors() as exc:
        entry = errors_from_engine(exc)[0]
        field = entry["loc"][1] if len(entry["loc"]) > 1 else "_"
        return _report_page(request, {**values, "product": product}, {field: entry["msg"]},
                            422)
    return Response(generated.content, media_type=generated.media_type, headers={
        "Content-Disposition": f'attachment; filename="{generated.filename}"'})
