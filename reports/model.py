"""Plain dataclasses at the boundary of the ``reports`` package: what is asked, what comes out."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

KINDS = ("cfp", "neutrality", "datasheet", "pact", "compliance")
FORMATS = ("html", "pdf", "json", "xlsx")
STANDARDS = ("iso14068", "cn-group")
MARKETS = ("general", "eu-consumer")
BASES = ("mean", "p95")
PACT_VERSIONS = ("3.0", "2.3")


class ReportError(ValueError):
    """The inputs of a report were rejected (CLI exit 1); the message says which and why."""

    def __init__(self, message: str, *, code: str = "report-rejected",
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": str(self), **self.details}


class ReportUsageError(ValueError):
    """Options that do not fit together (CLI exit 2), e.g. --basis p95 without Monte Carlo."""


class EnvironmentMissingError(RuntimeError):
    """Something the machine lacks (a CJK font for a Chinese PDF): CLI exit 2, names the fix."""


@dataclass(slots=True)
class ReportRequest:
    """Everything a report depends on besides the engine home: the same request gives the same
    numbers (and byte-identical JSON)."""

    product: str
    kind: str
    lang: str = "en"
    report_date: date | None = None  # default: SOURCE_DATE_EPOCH, else today
    scenario: Path | None = None
    iterations: int = 1000
    seed: int = 42
    info: Path | None = None  # organisation / product / study YAML
    plan: Path | None = None  # neutrality: declaration, reductions, targets, verification
    credits: Path | None = None  # neutrality: retired credits (CSV or YAML)
    standard: str = "iso14068"
    market: str = "general"
    basis: str = "p95"
    sensitivity: bool = True
    pact_version: str = "3.0"  # pact: "3.0" (per piece) or "2.3" (per kilogram, for v2 partners)

    def resolved_date(self) -> date:
        if self.report_date is not None:
            return self.report_date
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch and epoch.strip().isdigit():
            return datetime.fromtimestamp(int(epoch), tz=UTC).date()
        return date.today()


@dataclass(slots=True)
class Sheet:
    """One worksheet of the XLSX output: translated headers, raw values."""

    title: str
    columns: list[str]
    rows: list[list[Any]]
    formats: dict[int, str] = field(default_factory=dict)  # column index → Excel number format
    note: str | None = None


@dataclass(slots=True)
class LedgerEntry:
    """Serials a neutrality declaration retires, recorded in the home once the report is out."""

    declaration_id: str
    product: str
    batch: str
    report_date: str
    market: str
    claim_made: bool
    serials: list[dict[str, Any]]


@dataclass(slots=True)
class Report:
    """A built report: its JSON document (every number) and what the renderers need."""

    kind: str
    lang: str
    title: str
    data: dict[str, Any]
    template: str
    context: dict[str, Any] = field(default_factory=dict)  # extra template values
    charts: dict[str, str] = field(default_factory=dict)  # name → inline SVG
    sheets: list[Sheet] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ledger: LedgerEntry | None = None
    home: Path | None = None


@dataclass(slots=True)
class WrittenReport:
    kind: str
    format: str
    lang: str
    path: str
    bytes: int
    sha256: str
    warnings: list[str]
    ledger: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "format": self.format, "lang": self.lang, "output": self.path,
                "bytes": self.bytes, "sha256": self.sha256, "warnings": self.warnings,
                "ledger": self.ledger}


__all__ = ["BASES", "FORMATS", "KINDS", "MARKETS", "STANDARDS", "EnvironmentMissingError",
           "LedgerEntry", "Report", "ReportError", "ReportRequest", "ReportUsageError", "Sheet",
           "WrittenReport"]
