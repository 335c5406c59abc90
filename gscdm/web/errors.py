"""Errors as the workbench answers them: HTTP 422 with the field named, 404, and problems.

An input the engine refuses (a variant change that selects nothing, an unknown region, a plan
file that does not parse) is the client's error, not the server's: it becomes a 422 whose
``detail`` has the shape of FastAPI's own validation errors (``loc``, ``msg``, ``type``), with
``loc`` pointing at the field the engine's message names, so one piece of front-end code shows
both kinds next to the field.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from lca_engine.explorer import change_index

_NAME = re.compile(r"^name: ")


class EngineInputError(ValueError):
    """An input refused by the web layer itself, with ready-made error entries."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(e["msg"] for e in errors))
        self.errors = errors

    @classmethod
    def at(cls, loc: list[str | int], message: str, kind: str = "value_error") -> EngineInputError:
        return cls([{"loc": loc, "msg": message, "type": kind}])


def engine_errors() -> tuple[type[Exception], ...]:
    """The engine's input errors (each one a 422 in the workbench)."""
    from fmd_parsers import FmdError
    from lca_engine.compliance import SubstanceListError
    from lca_engine.footprint import FootprintError
    from lca_engine.mapping import MappingError
    from lca_engine.scenario import ScenarioError
    from lca_engine.variants import VariantError
    from reports import ReportError, ReportUsageError

    return (VariantError, ScenarioError, MappingError, FootprintError, ReportError,
            ReportUsageError, SubstanceListError, FmdError, FileExistsError)


def errors_from_engine(exc: Exception, *, fields: dict[str, str] | None = None
                       ) -> list[dict[str, Any]]:
    """One 422 entry for an engine error. ``loc`` is the change a variant error names
    (``changes[3]``), ``name`` for a naming conflict, else the first of ``fields`` (field →
    text that identifies it, e.g. an uploaded file's name) that the message mentions."""
    message = str(exc)
    loc: list[str | int] = ["body"]
    index = change_index(exc)
    if index is not None:
        loc += ["changes", index]
    elif _NAME.match(message):
        loc.append("name")
        message = _NAME.sub("", message)
    else:
        for field, marker in (fields or getattr(exc, "fields", None) or {}).items():
            if marker and marker in message:
                loc.append(field)
                break
    kind = f"engine.{type(exc).__name__}"
    entry: dict[str, Any] = {"loc": loc, "msg": message, "type": kind}
    gaps = getattr(exc, "gaps", None)
    if gaps:
        entry["gaps"] = gaps
    return [entry]


def problem(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The body of a 404/500: the CLI's ``--json`` error shape (``error``, ``message``)."""
    return {"error": code, "message": message, **extra}


class SameOriginWritesMiddleware:
    """Refuse a POST/PUT/PATCH/DELETE whose ``Origin`` header names another site (HTTP 403):
    browsers send it with cross-site form posts and fetches, so a page on the internet cannot
    make the user's browser write to the local workbench. Clients without ``Origin`` (curl,
    scripts) are not browsers acting for another site and pass."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            origin = headers.get("origin")
            if origin is not None and urlsplit(origin).netloc != headers.get("host"):
                from starlette.responses import JSONResponse

                response = JSONResponse(problem(
                    "forbidden", f"cross-site write refused: Origin {origin} is not this "
                                 "server"), status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
