"""The portal's routes: login, supplier, engineer and admin pages, and the JSON API.

Every handler is a thin layer over ``lca_engine.portal.Portal``; domain errors become HTTP
statuses in one place (``_http``): not found (or not yours) → 404, wrong role → 403, bad input →
422 naming the field, too many failed logins → 429. Error bodies never carry data of the thing
asked for.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from fmd_parsers import FmdError
from lca_engine.portal import (
    ROLES,
    Actor,
    AuthenticationFailed,
    Forbidden,
    NotFound,
    Portal,
    PortalError,
    RateLimited,
)
from lca_engine.portal.accounts import SESSION_LIFETIME
from lca_engine.portal.intake import MAX_UPLOAD_BYTES, RefusedFile
from reports.i18n import LANGS, Translator

from .auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    client_address,
    current_user,
    optional_user,
    require_role,
    secure_cookies,
)

TEMPLATES = Path(__file__).with_name("templates")
#: Most files in one upload request (a zip counts as one here; its members are limited apart).
MAX_FILES_PER_UPLOAD = 2000

_environment = Environment(loader=FileSystemLoader(TEMPLATES),
                           autoescape=select_autoescape(["html", "j2"]))
templates = Jinja2Templates(env=_environment)

Staff = Annotated[Actor, Depends(require_role("engineer", "admin"))]
Admin = Annotated[Actor, Depends(require_role("admin"))]
User = Annotated[Actor, Depends(current_user)]


def _http(exc: PortalError) -> HTTPException:
    if isinstance(exc, NotFound):
        return HTTPException(404, "not found")  # the same body whether absent or not yours
    if isinstance(exc, Forbidden):
        return HTTPException(403, exc.message)
    if isinstance(exc, RateLimited):
        return HTTPException(429, exc.message, headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, AuthenticationFailed):
        return HTTPException(401, exc.message)
    return HTTPException(422, [{"loc": ["body", exc.field or ""], "msg": exc.message,
                                "type": exc.code}])


def _safe_next(target: str | None) -> str:
    """Only a path on this server: never an absolute or scheme-relative URL (open redirect)."""
    if not target:
        return "/portal"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return "/portal"
    return target


LANG_COOKIE = "gscdm_lang"


def page_language(request: Request) -> str:
    """``?lang=`` (remembered in a cookie), else the cookie, else the browser's preference."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGS:
            return candidate
    accept = request.headers.get("accept-language", "").lower()
    return "zh" if accept.startswith("zh") else "en"


def _page(request: Request, name: str, actor: Actor | None, status_code: int = 200,
          **context: Any) -> HTMLResponse:
    lang = page_language(request)
    response = templates.TemplateResponse(
        request, name, {"actor": actor, "lang": lang, "t": Translator(lang).t, **context},
        status_code=status_code)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="lax",
                            secure=secure_cookies(request), max_age=365 * 86400)
    return response


async def _read_uploads(files: list[UploadFile]) -> list[tuple[str, bytes] | RefusedFile]:
    """The uploaded files, each read with a bound: one over the limit is refused by size and
    its bytes are dropped, the others go on to the importer."""
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise HTTPException(413, f"at most {MAX_FILES_PER_UPLOAD} files per upload")
    uploads: list[tuple[str, bytes] | RefusedFile] = []
    for upload in files:
        name = upload.filename or "upload"
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            uploads.append(RefusedFile(name, FmdError(
                f"file is larger than the {MAX_UPLOAD_BYTES / 1e6:.0f} MB upload limit "
                "(GSCDM_PORTAL_MAX_UPLOAD_BYTES)", path=name, code="file-too-large"),
                size=len(data)))
        else:
            uploads.append((name, data))
        await upload.close()
    return uploads


class RequestsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown key is an error, not ignored

    product_number: str = Field(min_length=1, max_length=255)
    due_date: date


def create_portal_router(portal: Portal) -> APIRouter:
    """All portal routes. The app must also know the portal (``install_portal`` does both)."""

    def bind(request: Request) -> None:
        request.state.portal = portal

    router = APIRouter(dependencies=[Depends(bind)])

    # -- login -------------------------------------------------------------------------------

    @router.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, next: str | None = None) -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        response = _page(request, "login.html.j2", None, next=_safe_next(next), csrf=token,
                         error=None)
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                            secure=secure_cookies(request), path="/login")
        return response

    @router.post("/login", include_in_schema=False)
    def login(request: Request, username: Annotated[str, Form()],
              password: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = "",
              next: Annotated[str, Form()] = "/portal") -> Response:
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not cookie or not secrets.compare_digest(cookie, csrf_token):
            raise HTTPException(403, "login form expired or forged: reload the login page")
        try:
            _, secret = portal.login(username, password, client_address(request))
        except (AuthenticationFailed, RateLimited) as exc:
            status = 429 if isinstance(exc, RateLimited) else 401
            response = _page(request, "login.html.j2", None, status_code=status,
                             next=_safe_next(next), csrf=csrf_token, error=exc.message)
            if isinstance(exc, RateLimited):
                response.headers["Retry-After"] = str(exc.retry_after)
            return response
        redirect = RedirectResponse(_safe_next(next), status_code=303)
        redirect.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax",
                            secure=secure_cookies(request), path="/",
                            max_age=int(SESSION_LIFETIME.total_seconds()))
        redirect.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return redirect

    @router.post("/logout", include_in_schema=False)
    def logout(request: Request, actor: User,
               csrf_token: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, actor, csrf_token)
        secret = request.cookies.get(SESSION_COOKIE)
        if secret:
            portal.logout(secret, actor)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # -- pages -------------------------------------------------------------------------------

    @router.get("/portal", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, actor: User) -> HTMLResponse:
        if actor.is_staff:
            return RedirectResponse("/portal/coverage", status_code=303)  # type: ignore[return-value]
        return _page(request, "supplier.html.j2", actor,
                     requests=portal.requests(actor), submissions=portal.submissions(actor))

    @router.get("/portal/requests", response_class=HTMLResponse, include_in_schema=False)
    def requests_page(request: Request, actor: User) -> HTMLResponse:
        return _page(request, "requests.html.j2", actor, requests=portal.requests(actor))

    @router.get("/portal/requests/{request_id}", response_class=HTMLResponse,
                include_in_schema=False)
    def request_page(request: Request, request_id: int, actor: User) -> HTMLResponse:
        try:
            item = portal.request(actor, request_id)
        except PortalError as exc:
            raise _http(exc) from None
        return _page(request, "requests.html.j2", actor, requests=[item])

    @router.post("/portal/upload", response_class=HTMLResponse, include_in_schema=False)
    async def upload_page(request: Request, actor: User,
                          files: Annotated[list[UploadFile], File()],
                          csrf_token: Annotated[str, Form()] = "") -> HTMLResponse:
        check_csrf(request, actor, csrf_token)
        uploads = await _read_uploads(files)
        submission = await run_in_threadpool(portal.submit, actor, uploads)
        return _page(request, "submission.html.j2", actor, submission=submission)

    @router.get("/portal/submissions/{submission_id}", response_class=HTMLResponse,
                include_in_schema=False)
    def submission_page(request: Request, submission_id: int, actor: User) -> HTMLResponse:
        try:
            submission = portal.submission(actor, submission_id)
        except PortalError as exc:
            raise _http(exc) from None
        return _page(request, "submission.html.j2", actor, submission=submission)

    @router.get("/portal/coverage", response_class=HTMLResponse, include_in_schema=False)
    def coverage_list(request: Request, actor: Staff) -> HTMLResponse:
        rows = [portal.coverage(p, by=actor, compliance=False) for p in portal.products(actor)]
        return _page(request, "coverage_list.html.j2", actor, rows=rows)

    @router.get("/portal/coverage/{product_number}", response_class=HTMLResponse,
                include_in_schema=False)
    def coverage_page(request: Request, product_number: str, actor: Staff) -> HTMLResponse:
        try:
            coverage = portal.coverage(product_number, by=actor)
            plan = portal.request_plan(product_number, by=actor)
        except PortalError as exc:
            raise _http(exc) from None
        return _page(request, "coverage.html.j2", actor, coverage=coverage, plan=plan,
                     created=request.query_params.get("created"))

    @router.post("/portal/coverage/{product_number}/requests", include_in_schema=False)
    def create_requests_page(request: Request, product_number: str, actor: Staff,
                             due_date: Annotated[date, Form()],
                             csrf_token: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, actor, csrf_token)
        try:
            created = portal.create_requests(product_number, due_date, by=actor)
        except PortalError as exc:
            raise _http(exc) from None
        return RedirectResponse(f"/portal/coverage/{product_number}?created={len(created)}",
                                status_code=303)

    @router.get("/portal/admin", response_class=HTMLResponse, include_in_schema=False)
    def admin_page(request: Request, actor: Admin) -> HTMLResponse:
        return _page(request, "admin.html.j2", actor, users=portal.users(by=actor),
                     suppliers=portal.suppliers(by=actor), roles=ROLES,
                     message=request.query_params.get("message"))

    @router.post("/portal/admin/users", include_in_schema=False)
    def admin_add_user(request: Request, actor: Admin, name: Annotated[str, Form()],
                       role: Annotated[str, Form()], password: Annotated[str, Form()],
                       supplier: Annotated[str, Form()] = "",
                       csrf_token: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, actor, csrf_token)
        try:
            portal.add_user(name, role, password, supplier=supplier or None, by=actor)
        except PortalError as exc:
            raise _http(exc) from None
        return RedirectResponse("/portal/admin?message=user+added", status_code=303)

    @router.post("/portal/admin/users/{name}/disable", include_in_schema=False)
    def admin_disable_user(request: Request, name: str, actor: Admin,
                           csrf_token: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, actor, csrf_token)
        try:
            portal.disable_user(name, by=actor)
        except PortalError as exc:
            raise _http(exc) from None
        return RedirectResponse("/portal/admin?message=user+disabled", status_code=303)

    @router.post("/portal/admin/assign", include_in_schema=False)
    def admin_assign(request: Request, actor: Staff, part_number: Annotated[str, Form()],
                     supplier: Annotated[str, Form()],
                     csrf_token: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, actor, csrf_token)
        try:
            portal.assign([(part_number, supplier)], by=actor)
        except PortalError as exc:
            raise _http(exc) from None
        target = "/portal/admin" if actor.role == "admin" else "/portal/coverage"
        return RedirectResponse(f"{target}?message=part+assigned", status_code=303)

    # -- JSON API ----------------------------------------------------------------------------

    @router.post("/api/submissions", tags=["portal"])
    async def api_submit(request: Request, actor: User,
                         files: Annotated[list[UploadFile], File()]) -> JSONResponse:
        """Upload one or more FMD files, or a zip of them; one verdict per file."""
        check_csrf(request, actor, None)
        uploads = await _read_uploads(files)
        submission = await run_in_threadpool(portal.submit, actor, uploads)
        return JSONResponse(submission.as_json())

    @router.get("/api/submissions", tags=["portal"])
    def api_submissions(actor: User) -> dict[str, Any]:
        """The caller's own submissions, newest first."""
        return {"submissions": [s.as_json() for s in portal.submissions(actor)]}

    @router.get("/api/submissions/{submission_id}", tags=["portal"])
    def api_submission(submission_id: int, actor: User) -> dict[str, Any]:
        try:
            return portal.submission(actor, submission_id).as_json()
        except PortalError as exc:
            raise _http(exc) from None

    @router.get("/api/parts/{part_number}", tags=["portal"])
    def api_part(part_number: str, actor: User) -> dict[str, Any]:
        """A declared part, as ``gscdm show PART --json`` prints it."""
        try:
            return portal.part(actor, part_number).as_json()
        except PortalError as exc:
            raise _http(exc) from None

    @router.get("/api/requests", tags=["portal"])
    def api_requests(actor: User, product: str | None = None) -> dict[str, Any]:
        return {"requests": [r.as_json() for r in portal.requests(actor, product_number=product)]}

    @router.get("/api/requests/{request_id}", tags=["portal"])
    def api_request(request_id: int, actor: User) -> dict[str, Any]:
        try:
            return portal.request(actor, request_id).as_json()
        except PortalError as exc:
            raise _http(exc) from None

    @router.post("/api/requests", tags=["portal"])
    def api_create_requests(request: Request, body: RequestsIn, actor: Staff
                            ) -> dict[str, Any]:
        """Request a declaration of every part of a product that lacks one, from its supplier."""
        check_csrf(request, actor, None)
        try:
            created = portal.create_requests(body.product_number, body.due_date, by=actor)
        except PortalError as exc:
            raise _http(exc) from None
        return {"created": [r.as_json() for r in created]}

    @router.get("/api/coverage/{product_number}", tags=["portal"])
    def api_coverage(product_number: str, actor: Staff) -> dict[str, Any]:
        try:
            return portal.coverage(product_number, by=actor).as_json()
        except PortalError as exc:
            raise _http(exc) from None

    @router.get("/api/audit", tags=["portal"])
    def api_audit(actor: Staff, limit: int = 200) -> dict[str, Any]:
        return {"entries": [e.as_json() for e in portal.audit_log(by=actor,
                                                                   limit=min(limit, 5000))]}

    @router.get("/api/me", tags=["portal"])
    def api_me(request: Request) -> dict[str, Any]:
        actor = optional_user(request)
        if actor is None:
            raise HTTPException(401, "login required", headers={"WWW-Authenticate": "Bearer"})
        return {"user": actor.name, "role": actor.role, "supplier": actor.supplier}

    return router
