"""The JSON REST API under ``/api/``: the documents of the CLI's ``--json``, over HTTP.

| endpoint | CLI |
|---|---|
| ``GET /api/products`` | ``gscdm products --json`` |
| ``GET /api/overview`` | products with ``footprint --all`` rows and compliance status |
| ``GET /api/products/{p}`` | ``gscdm show P --json`` (the BoM tree as ``parts`` with parents) |
| ``GET /api/products/{p}/footprint`` | ``gscdm footprint P --json [--iterations N]`` |
| ``POST /api/products/{p}/compare`` | ``gscdm compare P --variant … --json`` |
| ``POST /api/products/{p}/sweep`` | ``gscdm sweep P --variant F --param … --json`` |
| ``GET /api/products/{p}/spaces``, ``POST …/explore`` | ``gscdm explore P --space F --json`` |
| ``GET /api/products/{p}/explorer`` | what the explorer's forms offer |
| ``POST /api/products/{p}/explorer/evaluate`` | one design, ``compare`` JSON |
| ``GET/POST /api/products/{p}/variants`` | variant files: list, save |
| ``GET /api/products/{p}/compliance`` | ``gscdm compliance P --json`` |
| ``GET /api/compliance`` | ``gscdm compliance --all --json`` |
| ``GET /api/factors``, ``/api/factors/{key}`` | ``gscdm data list/show --json`` |
| ``POST /api/products/{p}/reports`` | ``gscdm report P --kind … -o FILE`` (the file) |
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from .schemas import (
    CompareRequest,
    ComplianceQuery,
    EvaluateRequest,
    ExploreRequest,
    FactorQuery,
    FootprintQuery,
    ReportUpload,
    SaveRequest,
    SweepRequest,
)
from .service import (
    benchmark_document,
    compare_document,
    compliance_all_document,
    explore_document,
    generate_report,
    overview_document,
    product_view,
    products_document,
    resolve_variant,
    space_files,
)
from .state import Workbench

router = APIRouter(prefix="/api", tags=["api"])
JSON = dict[str, Any]


def _wb(request: Request) -> Workbench:
    return request.app.state.workbench


@router.get("/products", summary="Products in the database (gscdm products --json)")
def list_products(request: Request) -> JSON:
    return products_document(_wb(request))


@router.get("/overview", summary="Every product with its footprint by stage and compliance")
def overview(request: Request) -> JSON:
    return overview_document(_wb(request))


@router.get("/products/{product}", summary="BoM tree, materials and masses (gscdm show --json)")
def show_product(request: Request, product: str) -> JSON:
    return product_view(_wb(request), product).as_json()


@router.get("/products/{product}/footprint",
            summary="Cradle-to-grave footprint (gscdm footprint --json)")
def footprint(request: Request, product: str,
              query: Annotated[FootprintQuery, Query()]) -> JSON:
    wb = _wb(request)
    return wb.run(lambda: wb.workspace.footprint(
        product, iterations=query.iterations, seed=query.seed,
        strict=query.strict).as_json())


@router.post("/products/{product}/compare",
             summary="Baseline against variants: files or inline designs (gscdm compare --json)")
def compare(request: Request, product: str, body: CompareRequest) -> JSON:
    return compare_document(_wb(request), product, list(body.variants), body.iterations,
                            body.seed)


@router.post("/products/{product}/sweep", summary="One variant parameter over a range "
                                                   "(gscdm sweep --json)")
def sweep(request: Request, product: str, body: SweepRequest) -> JSON:
    wb = _wb(request)

    def compute() -> JSON:
        content, source = resolve_variant(wb, product, body.variant)
        return wb.explorer(product).sweep(content, body.param, source=source).as_json()

    return wb.run(compute)


@router.get("/products/{product}/benchmark",
            summary="The footprint among published sheets of comparable products "
                    "(gscdm benchmark --json)")
def benchmark(request: Request, product: str) -> JSON:
    return benchmark_document(_wb(request), product)


@router.get("/products/{product}/spaces", summary="Design-space files of the product")
def list_spaces(request: Request, product: str) -> JSON:
    return {"spaces": [{"file": p.name, "path": str(p)}
                       for p in space_files(_wb(request), product)]}


@router.post("/products/{product}/explore",
             summary="Explore a design space: best designs and Pareto fronts (gscdm explore "
                     "--json)")
def explore(request: Request, product: str, body: ExploreRequest) -> JSON:
    return explore_document(_wb(request), product, body.space, objective=body.objective,
                            constraints=list(body.constraints), top=body.top,
                            iterations=body.iterations, seed=body.seed)


@router.get("/products/{product}/explorer",
            summary="What the design explorer offers: parts, groups, materials, scenario")
def explorer_options(request: Request, product: str) -> JSON:
    wb = _wb(request)
    return wb.run(lambda: wb.explorer(product).options().as_json())


@router.post("/products/{product}/explorer/evaluate",
             summary="One design against the baseline, live (gscdm compare --json shape)")
def evaluate(request: Request, product: str, body: EvaluateRequest) -> JSON:
    wb = _wb(request)
    design = body.variant()
    for key in ("iterations", "seed"):
        design.pop(key, None)
    return wb.run(lambda: wb.explorer(product).evaluate(
        design, iterations=body.iterations, seed=body.seed).as_json())


@router.get("/products/{product}/variants", summary="Variant files listed in the explorer")
def list_variants(request: Request, product: str) -> JSON:
    wb = _wb(request)
    return {"variants": [v.as_json() for v in wb.run(
        lambda: wb.explorer(product).variant_files())]}


@router.post("/products/{product}/variants", status_code=201,
             summary="Save a design as a variant YAML that gscdm compare reads")
def save_variant(request: Request, product: str, body: SaveRequest) -> JSON:
    wb = _wb(request)
    design = body.variant()
    overwrite = bool(design.pop("overwrite", False))
    saved = wb.run(lambda: wb.explorer(product).save(design, overwrite=overwrite))
    return {**saved.as_json(),
            "command": f"gscdm compare {product} --variant {saved.path}"}


@router.get("/products/{product}/compliance",
            summary="Substance screening (gscdm compliance --json)")
def compliance(request: Request, product: str,
               query: Annotated[ComplianceQuery, Query()]) -> JSON:
    wb = _wb(request)
    product_view(wb, product)
    return wb.run(lambda: wb.workspace.compliance(
        product, on=query.date, rohs_category=query.rohs_category).as_json())


@router.get("/compliance", summary="Every product's screening (gscdm compliance --all --json)")
def compliance_all(request: Request, query: Annotated[ComplianceQuery, Query()]) -> JSON:
    return compliance_all_document(_wb(request), query.date, query.rohs_category)


@router.get("/factors", summary="Background factors with sources (gscdm data list --json)")
def factors(query: Annotated[FactorQuery, Query()]) -> JSON:
    from lca_engine.background import factors_document

    return factors_document(query.category, query.q)


@router.get("/factors/{key}", summary="One background factor (gscdm data show --json)")
def factor(key: str) -> JSON:
    from lca_engine.background import factor_index

    found = factor_index().get(key)
    if found is None:
        raise LookupError(f"no background factor {key!r}")
    return found.as_json()


@router.post("/products/{product}/reports", summary="Generate a report and return the file",
             response_class=Response,
             responses={200: {"content": {"application/pdf": {}, "text/html": {},
                                          "application/json": {}}}})
async def report(request: Request, product: str,
                 form: Annotated[ReportUpload, Form(media_type="multipart/form-data")]
                 ) -> Response:
    from starlette.concurrency import run_in_threadpool

    uploads = {}
    for field in ("info", "plan", "credits"):
        upload = getattr(form, field)
        if upload is not None and upload.filename:
            uploads[field] = (upload.filename, await upload.read())
    generated = await run_in_threadpool(generate_report, _wb(request), product, form.form(),
                                        uploads)
    return Response(generated.content, media_type=generated.media_type, headers={
        "Content-Disposition": f'attachment; filename="{generated.filename}"'})
