"""The workbench's ASGI application: ``create_app(workspace) -> FastAPI``.

The app is a thin layer over ``lca_engine.workspace.Workspace`` (through ``Workbench``, which adds
the engine lock and the cache of solved baselines): the JSON API under ``/api/`` returns the
same documents as the CLI's ``--json`` (the same ``as_json`` serialisers), and the pages render
those documents. Nothing here computes a number the Python API does not.

The supplier portal (``gscdm.portal``: login, accounts, submissions) and the PACT v3 host API
(``gscdm.pact_host``: ``/auth/token``, ``/3/…``) are mounted in ``_include_routers``. Once login is
configured (an enabled admin account), every workbench page and ``/api/`` route needs an
engineer's or admin's session or token (``workbench_access``); before that the server is a
single user's loopback tool and needs none (``gscdm serve`` refuses a non-loopback bind then).
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from lca_engine.workspace import Workspace
from reports import EnvironmentMissingError

from .assets import mount_assets
from .errors import EngineInputError, SameOriginWritesMiddleware, engine_errors, problem
from .render import render_page
from .state import Workbench

log = logging.getLogger("gscdm.web")


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def create_app(workspace: Workspace, *, variant_dirs: list[Path] | None = None,
               allowed_hosts: list[str] | None = None) -> FastAPI:
    """The workbench over ``workspace``; ``variant_dirs`` are extra folders of variant YAML
    files listed in the design explorer (saved designs go to ``<home>/variants/``).

    ``allowed_hosts`` are the names the server answers to (default: loopback names only). A
    request for another ``Host`` is refused (DNS rebinding), and so is a form or API write
    whose ``Origin`` is another site (a web page the user visits cannot post to the local
    server: saving designs and neutrality declarations change the home)."""
    from importlib.metadata import version

    app = FastAPI(title="GSCDM-LCA workbench", version=version("gscdm-lca"),
                  description="Product carbon footprints of electronics: the JSON API of "
                              "`gscdm serve`. Every document has the shape of the matching "
                              "CLI command's `--json` output.",
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.workbench = Workbench(workspace=workspace,
                                    variant_dirs=[Path(p) for p in variant_dirs or []])
    mount_assets(app)
    app.add_middleware(SameOriginWritesMiddleware)
    app.add_middleware(TrustedHostMiddleware,
                       allowed_hosts=list(allowed_hosts or LOOPBACK_HOSTS))
    _install_error_handlers(app)
    _include_routers(app, workspace)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Swagger UI from the swagger-ui-bundle package, served here: no CDN
        return get_swagger_ui_html(openapi_url="/openapi.json", title="GSCDM-LCA API",
                                   swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg")

    return app


def _include_routers(app: FastAPI, workspace: Workspace) -> None:
    """Every router of the server: the workbench's (behind ``workbench_access``), the supplier
    portal's and the PACT host API's."""
    from gscdm.pact_host import create_pact_router
    from gscdm.portal import install_portal
    from lca_engine.portal import Portal

    from .api import router as api_router
    from .pages import router as pages_router

    access = [Depends(workbench_access)]
    app.include_router(api_router, dependencies=access)
    app.include_router(pages_router, dependencies=access)
    install_portal(app, Portal(workspace))
    app.include_router(create_pact_router(lambda: workspace))


def workbench_access(request: Request) -> None:
    """Nobody needs to log in while login is not configured (loopback only, see
    ``gscdm.web.serve.check_bind``); once it is, the workbench is for engineers and admins:
    anonymous browsers go to the login page, suppliers get 403."""
    from gscdm.portal import require_role
    from gscdm.portal.auth import portal_of

    if portal_of(request).login_configured():
        require_role("admin", "engineer")(request)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""),
                   "type": e.get("type", "value_error")} for e in exc.errors()]
        if _wants_json(request):
            return JSONResponse({"detail": errors}, status_code=422)
        return render_page(request, "error.html.j2", {"status": 422, "errors": errors},
                           status_code=422)

    @app.exception_handler(EngineInputError)
    async def engine_input(request: Request, exc: EngineInputError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.errors}, status_code=422)
        return render_page(request, "error.html.j2", {"status": 422, "errors": exc.errors},
                           status_code=422)

    @app.exception_handler(LookupError)
    async def not_found(request: Request, exc: LookupError) -> Response:
        message = str(exc.args[0]) if exc.args else "not found"
        if _wants_json(request):
            return JSONResponse(problem("not-found", message), status_code=404)
        return render_page(request, "error.html.j2", {"status": 404, "message": message},
                           status_code=404)

    @app.exception_handler(EnvironmentMissingError)
    async def environment(request: Request, exc: EnvironmentMissingError) -> Response:
        # the machine lacks something (a CJK font for a Chinese PDF); the message names the fix
        if _wants_json(request):
            return JSONResponse(problem("environment", str(exc)), status_code=503)
        return render_page(request, "error.html.j2", {"status": 503, "message": str(exc)},
                           status_code=503)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail)
        if 300 <= exc.status_code < 400:  # the portal's redirect to its login page
            return Response(status_code=exc.status_code, headers=getattr(exc, "headers", None))
        if _wants_json(request):
            return JSONResponse(problem("not-found" if exc.status_code == 404 else "http",
                                        message), status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        return render_page(request, "error.html.j2",
                           {"status": exc.status_code, "message": message},
                           status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # the traceback goes to the log under a reference; the client sees only the reference
        reference = uuid.uuid4().hex[:12]
        log.error("unhandled error %s on %s %s", reference, request.method, request.url.path,
                  exc_info=exc)
        if _wants_json(request):
            return JSONResponse(problem("internal", "internal server error; see the server "
                                        f"log, reference {reference}", reference=reference),
                                status_code=500)
        return render_page(request, "error.html.j2", {"status": 500, "reference": reference},
                           status_code=500)

    for error_type in engine_errors():
        app.add_exception_handler(error_type, _engine_error_handler)


async def _engine_error_handler(request: Request, exc: Exception) -> Response:
    """An input the engine refused (a variant selecting nothing, an unknown region, …): 422,
    with the field the message names."""
    from .errors import errors_from_engine

    errors = errors_from_engine(exc)
    if _wants_json(request):
        return JSONResponse({"detail": errors}, status_code=422)
    return render_page(request, "error.html.j2", {"status": 422, "errors": errors},
                       status_code=422)
