"""Certification reports — output only: ISO 14067 study, ISO 14068-1 declaration, PCF datasheet,
PACT exchange and the substance-compliance summary, as HTML, PDF, JSON and XLSX, in English and
Chinese.

``reports`` may import ``lca_engine`` and ``fmd_parsers``; they never import it. The API::

    >>> from reports import ReportRequest, build_report, write_report   # doctest: +SKIP
    >>> request = ReportRequest("NB14-G5", "cfp", lang="en")              # doctest: +SKIP
    >>> written = write_report(ws, request, "pdf", "out/cfp.pdf")         # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .i18n import Translator
from .model import (
    BASES,
    FORMATS,
    KINDS,
    MARKETS,
    STANDARDS,
    EnvironmentMissingError,
    Report,
    ReportError,
    ReportRequest,
    ReportUsageError,
    WrittenReport,
)

if TYPE_CHECKING:
    from lca_engine.workspace import Workspace


def _check(request: ReportRequest) -> None:
    for value, allowed, what in ((request.kind, KINDS, "kind"), (request.lang, ("en", "zh"),
                                 "language"), (request.standard, STANDARDS, "standard"),
                                 (request.market, MARKETS, "market"),
                                 (request.basis, BASES, "basis")):
        if value not in allowed:
            raise ReportUsageError(f"{what} {value!r} is not one of {', '.join(allowed)}")
    if request.iterations < 0:
        raise ReportUsageError("iterations must be 0 or more")


def build_report(ws: Workspace, request: ReportRequest) -> Report:
    """Compute what the report needs (footprint, checks) and assemble its JSON document."""
    _check(request)
    tr = Translator(request.lang)
    if request.kind == "cfp":
        from .cfp import build
    elif request.kind == "datasheet":
        from .datasheet import build
    elif request.kind == "neutrality":
        from .neutrality import build
    elif request.kind == "pact":
        from .pact import build
    else:
        from .compliance import build
    report = build(ws, request, tr)
    report.home = ws.home.path
    return report


def render_report(report: Report, fmt: str) -> bytes:
    from .render import render

    if fmt not in FORMATS:
        raise ReportUsageError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    return render(report, fmt, Translator(report.lang))


def _write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(ws: Workspace, request: ReportRequest, fmt: str, path: str | Path,
                 *, report: Report | None = None) -> WrittenReport:
    """Build (unless ``report`` is given), render and write one report file.

    A neutrality declaration records its credit serials in the home's offset ledger once the
    file is written, so no serial can back a second declaration.
    """
    if fmt not in FORMATS:
        raise ReportUsageError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    if fmt == "pdf" and request.lang == "zh" and report is None:
        from .render import require_cjk_font

        require_cjk_font()  # before minutes of computing, not after
    report = report or build_report(ws, request)
    content = render_report(report, fmt)
    target = Path(path)
    _write_atomic(target, content)
    ledger = None
    if report.ledger is not None:
        from .offsets import record

        ledger = str(record(ws.home.path, report.ledger))
    return WrittenReport(kind=report.kind, format=fmt, lang=report.lang, path=str(target),
                         bytes=len(content), sha256=hashlib.sha256(content).hexdigest(),
                         warnings=list(report.warnings), ledger=ledger)


__all__ = ["BASES", "FORMATS", "KINDS", "MARKETS", "STANDARDS", "EnvironmentMissingError",
           "Report", "ReportError", "ReportRequest", "ReportUsageError", "WrittenReport",
           "build_report", "render_report", "write_report"]
