"""The PACT v3 host API as a FastAPI router: a thin HTTP layer over ``lca_engine.pact.host``.

    app.include_router(create_pact_router(lambda: workspace))

Endpoints (PACT Technical Specifications v3.0, "Host system API"):

- ``POST /auth/token`` — OAuth 2.0 client credentials grant, client authentication by HTTP
  Basic (RFC 6749 §2.3.1, §4.4); errors as RFC 6749 §5.2 (``invalid_client``, …);
- ``GET /3/footprints`` — ListFootprints with the v3 filters (productId, companyId, geography,
  classification, validOn, validAfter, validBefore, status; repeated = OR, different = AND),
  ``limit`` / ``offset`` pagination and an RFC 8288 ``Link`` header with absolute URLs on the
  request's host; a link pins the listing to the time of the first page (``x-gscdm-asof``) so
  calling it again returns the same footprints;
- ``GET /3/footprints/{id}`` — GetFootprint;
- ``POST /3/events`` — CloudEvents 1.0 (structured mode): a RequestCreatedEvent is accepted
  with 200 and answered asynchronously (after the response) by a RequestFulfilledEvent or
  RequestRejectedEvent POSTed to the requester's ``/3/events``; published / fulfilled /
  rejected notices are validated and recorded, and the footprints a fulfilled event brings are
  validated and stored as supplier PCFs (``lca_engine.pact.supplier.import_documents``).

Errors are PACT's ``{"code", "message"}`` objects: 400 BadRequest (malformed filters, events,
unknown parameters, the deprecated ``$filter``), 401 BadRequest / TokenExpired (missing,
invalid or expired token), 403 AccessDenied (plain HTTP: PACT requires HTTPS), 404 NotFound.
Behind a TLS-terminating proxy run uvicorn with ``--proxy-headers`` so the request's scheme is
the client's.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlencode

import httpx
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, Response

from lca_engine.pact.host import (
    DEFAULT_TOKEN_LIFETIME_S,
    FILTER_KEYS,
    FootprintFilter,
    InvalidClientError,
    PactError,
    PactHost,
    iso,
    parse_time,
)
from lca_engine.pact.supplier import import_documents
from reports.pact import validate_document

if TYPE_CHECKING:
    from lca_engine.workspace import Workspace

AS_OF = "x-gscdm-asof"
LIST_PARAMETERS = frozenset({*FILTER_KEYS, "limit", "offset", AS_OF})
DEFAULT_LIMIT = 100
CLOUDEVENTS = "application/cloudevents+json"


def _error(exc: PactError) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if exc.status == 401 else None
    return JSONResponse(exc.as_json(), status_code=exc.status, headers=headers)


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="PACT"'
    return JSONResponse({"error": error, "error_description": description},
                        status_code=status, headers=headers)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Base64
    return (unquote(client_id), unquote(secret)) if sep else None


def _query(request: Request) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    return values


def _integer(values: dict[str, list[str]], key: str, default: int, minimum: int) -> int:
    items = values.get(key)
    if not items:
        return default
    if len(items) > 1:
        raise PactError("BadRequest", f"{key} may be given once", 400)
    try:
        number = int(items[0])
    except ValueError:
        raise PactError("BadRequest", f"{key}: {items[0]!r} is not an integer", 400) from None
    if number < minimum:
        raise PactError("BadRequest", f"{key} must be at least {minimum}", 400)
    return number


def create_pact_router(workspace_factory: Callable[[], Workspace], *,
                       require_https: bool = True,
                       token_lifetime_s: int = DEFAULT_TOKEN_LIFETIME_S,
                       http_client: Callable[[], httpx.Client] | None = None) -> APIRouter:
    """The PACT v3 host API over the workspace ``workspace_factory`` returns (a long-lived one:
    it is called once per request). ``require_https=False`` only for a server that is reached
    exclusively through a TLS-terminating proxy that does not forward the scheme.
    ``http_client`` makes the client that delivers replies to requesters' event endpoints
    (default: httpx with certificate verification, 10 s timeout)."""
    router = APIRouter(tags=["PACT v3"])
    make_client = http_client or (lambda: httpx.Client(timeout=10.0))

    def host() -> PactHost:
        return PactHost(workspace_factory().database, token_lifetime_s=token_lifetime_s)

    def insecure(request: Request) -> bool:
        return require_https and request.url.scheme != "https"

    def authenticated(request: Request) -> tuple[PactHost, str]:
        if insecure(request):
            raise PactError("AccessDenied", "PACT requires HTTPS; this request came over "
                            "plain HTTP", 403)
        state = host()
        return state, state.authenticate(_bearer(request))

    @router.post("/auth/token")
    async def auth_token(request: Request) -> Response:
        if insecure(request):
            return _oauth_error(400, "invalid_request", "PACT requires HTTPS")
        if not request.headers.get("content-type", "").lower().startswith(
                "application/x-www-form-urlencoded"):
            return _oauth_error(400, "invalid_request",
                                "the body must be application/x-www-form-urlencoded")
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        credentials = _basic(request)
        if credentials is None:
            return _oauth_error(401, "invalid_client",
                                "client authentication by HTTP Basic is required")
        grant = form.get("grant_type", [])
        if grant != ["client_credentials"]:
            return _oauth_error(400, "unsupported_grant_type" if grant else "invalid_request",
                                "grant_type must be client_credentials")
        try:
            token = host().issue_token(*credentials)
        except InvalidClientError:
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        return JSONResponse(token.as_json(), headers={"Cache-Control": "no-store",
                                                      "Pragma": "no-cache"})

    @router.get("/3/footprints")
    def list_footprints(request: Request) -> Response:
        try:
            state, _ = authenticated(request)
            values = _query(request)
            if "$filter" in values:
                raise PactError("BadRequest", "the $filter parameter (OData) was deprecated "
                                "in PACT 3.0 and is not supported: use the v3 filters", 400)
            unknown = sorted(set(values) - LIST_PARAMETERS)
            if unknown:
                raise PactError("BadRequest", f"unknown parameter(s) {', '.join(unknown)}; "
                                f"the filters are {', '.join(FILTER_KEYS)}, with limit and "
                                "offset", 400)
            limit = _integer(values, "limit", DEFAULT_LIMIT, 1)
            offset = _integer(values, "offset", 0, 0)
            pinned = values.get(AS_OF)
            as_of = iso(parse_time(pinned[0], AS_OF) if pinned else state.clock())
            criteria = FootprintFilter.from_mapping(values, "query")
            matches = state.footprints(criteria, as_of=as_of)
        except PactError as exc:
            return _error(exc)
        page = matches[offset:offset + limit]
        headers = {}
        links = _links(request, values, as_of, offset, limit, len(matches))
        if links:
            headers["Link"] = links
        return JSONResponse({"data": page}, headers=headers)

    @router.get("/3/footprints/{footprint_id}")
    def get_footprint(footprint_id: str, request: Request) -> Response:
        try:
            state, _ = authenticated(request)
            return JSONResponse({"data": state.footprint(footprint_id)})
        except PactError as exc:
            return _error(exc)

    @router.post("/3/events")
    async def events(request: Request, background: BackgroundTasks) -> Response:
        try:
            state, client_id = authenticated(request)
            content_type = request.headers.get("content-type", "").lower()
            if not content_type.startswith((CLOUDEVENTS, "application/json")):
                raise PactError("BadRequest", f"Content-Type must be {CLOUDEVENTS}", 400)
            try:
                event = json.loads(await request.body())
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise PactError("BadRequest", "the body is not JSON", 400) from None
            db = state.db
            outcome = state.receive_event(
                event, client_id, own_source=str(request.url.replace(query=None)),
                on_footprints=lambda pfs, source: import_documents(db, pfs, source,
                                                                   validate_document))
        except PactError as exc:
            return _error(exc)
        if outcome.reply is not None and outcome.reply_url is not None:
            background.add_task(_deliver, state, make_client, outcome.record_id,
                                outcome.reply_url, outcome.reply)
        return Response(status_code=200)

    return router


def _links(request: Request, values: dict[str, list[str]], as_of: str, offset: int,
           limit: int, total: int) -> str:
    """RFC 8288 links (absolute, on the request's host) when the result has more pages."""
    if total <= limit and offset == 0:
        return ""
    base = {k: v for k, v in values.items() if k not in {"limit", "offset", AS_OF}}

    def url(at: int) -> str:
        query = [(k, item) for k, items in base.items() for item in items]
        query += [("limit", str(limit)), ("offset", str(at)), (AS_OF, as_of)]
        return str(request.url.replace(query=urlencode(query)))

    last = max(0, (total - 1) // limit * limit)
    links = []
    if offset + limit < total:
        links.append(f'<{url(offset + limit)}>; rel="next"')
    links.append(f'<{url(0)}>; rel="first"')
    if offset > 0:
        links.append(f'<{url(max(0, offset - limit))}>; rel="prev"')
    links.append(f'<{url(last)}>; rel="last"')
    return ", ".join(links)


def _deliver(state: PactHost, make_client: Callable[[], httpx.Client], record_id: int,
             url: str, reply: dict[str, Any]) -> None:
    """POST the reply event to the requester; the outcome is recorded with the event."""
    error: str | None = None
    try:
        with make_client() as client:
            response = client.post(url, content=json.dumps(reply),
                                   headers={"Content-Type": f"{CLOUDEVENTS}; charset=UTF-8"})
        if response.status_code >= 300:
            error = f"HTTP {response.status_code}: {response.text[:500]}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    state.record_delivery(record_id, error)


__all__ = ["create_pact_router"]
