"""Results of a compliance screening: plain dataclasses with ``as_json()``, ready for a report.

JSON contract (SPEC.md; fields may be added, never renamed)::

    {"product", "status", "findings": [{"part_number", "material", "substance", "cas",
      "concentration_ppm", "limit_ppm", "regulation", "exemption"}]}

Outcomes of a finding:

- ``restricted`` - above a restriction limit with no exemption that covers it: non-compliant;
- ``exempt`` - above the limit, covered by a valid exemption (shown with its expiry);
- ``needs review`` - above the limit, with a declared exemption the shipped table does not hold:
  it cannot be verified, so the part and the product are ``needs-review``, never compliant;
- ``declarable`` - above a reporting threshold (REACH SVHC per article, IEC 62474 DSL): an
  information obligation (REACH Art. 33, SCIP notification), not a non-compliance;
- ``disclose`` - China RoHS "X" in the hazardous-substance table (marking, SJ/T 11364).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

COMPLIANT = "compliant"
NON_COMPLIANT = "non-compliant"
INCOMPLETE = "incomplete data"
NEEDS_REVIEW = "needs-review"  # an exemption the shipped table cannot verify

RESTRICTED = "restricted"
EXEMPT = "exempt"
DECLARABLE = "declarable"
DISCLOSE = "disclose"
REVIEW = "needs review"

EU_ROHS = "EU RoHS"
REACH_SVHC = "REACH SVHC"
IEC_62474 = "IEC 62474"
CHINA_ROHS = "China RoHS"


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(slots=True)
class Finding:
    """One substance (or substance group) above a limit or threshold in one material or article."""

    part_number: str
    material: str | None  # homogeneous material; for article-based rules the materials it is in
    substance: str
    cas: str | None  # several CAS RNs of one group are joined with "; "
    concentration_ppm: float
    limit_ppm: float
    regulation: str
    exemption: str | None
    outcome: str
    basis: str  # "homogeneous material" or "article"
    substance_mass_g: float | None
    reference_mass_g: float | None  # the material's or the article's mass
    group: str | None = None  # e.g. "Lead and its compounds (Pb)", SVHC entry name, DSL entry
    article: str | None = None  # the article the per-article rule used (O5A)
    quantity: float = 1.0  # units of the part per product
    exemption_text: str | None = None
    exemption_expires: str | None = None
    list_entry: dict[str, Any] = field(default_factory=dict)
    product_concentration_ppm: float | None = None  # same substance over the whole product
    note: str | None = None
    exemption_list: str | None = None  # the list the cited exemption is declared under
    #: every exemption declared for the use, with its list and what became of it
    declared_exemptions: list[dict[str, Any]] = field(default_factory=list)
    #: restricted with no valid exemption: the exemptions whose conditions the material meets
    candidate_exemptions: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "part_number": self.part_number,
            "material": self.material,
            "substance": self.substance,
            "cas": self.cas,
            "concentration_ppm": _round(self.concentration_ppm, 3),
            "limit_ppm": self.limit_ppm,
            "regulation": self.regulation,
            "exemption": self.exemption,
            "outcome": self.outcome,
            "basis": self.basis,
            "group": self.group,
            "article": self.article,
            "quantity": self.quantity,
            "substance_mass_g": _round(self.substance_mass_g, 9),
            "reference_mass_g": _round(self.reference_mass_g, 9),
            "exemption_text": self.exemption_text,
            "exemption_expires": self.exemption_expires,
            "product_concentration_ppm": _round(self.product_concentration_ppm, 3),
            "list_entry": self.list_entry,
            "note": self.note,
            "exemption_list": self.exemption_list,
            "declared_exemptions": self.declared_exemptions,
            "candidate_exemptions": self.candidate_exemptions,
        }


@dataclass(slots=True)
class Gap:
    """Missing data: the part (or material) cannot be screened, so it is never assumed compliant."""

    part_number: str
    reason: str
    name: str | None = None
    material: str | None = None
    substance: str | None = None
    quantity: float = 1.0

    def as_json(self) -> dict[str, Any]:
        return {"part_number": self.part_number, "name": self.name, "material": self.material,
                "substance": self.substance, "reason": self.reason, "quantity": self.quantity}


@dataclass(slots=True)
class Unresolved:
    """A substance declared without a usable CAS RN whose name is not in the synonym table."""

    part_number: str
    material: str
    substance: str
    reason: str
    mass_g: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {"part_number": self.part_number, "material": self.material,
                "substance": self.substance, "reason": self.reason,
                "mass_g": _round(self.mass_g, 9)}


@dataclass(slots=True)
class NameMatch:
    """Audit trail: a substance declared by name only, matched to a CAS RN (or group)."""

    part_number: str
    material: str
    substance: str
    cas: str | None
    matched_by: str  # "synonym" or "category"
    group: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"part_number": self.part_number, "material": self.material,
                "substance": self.substance, "cas": self.cas, "matched_by": self.matched_by,
                "group": self.group}


@dataclass(slots=True)
class ChinaRohsRow:
    """One row of the SJ/T 11364 hazardous-substance table: O / X (/ ? when data is missing)."""

    part_number: str
    name: str | None
    marks: dict[str, str]  # header (Pb, Hg, ...) → "O", "X" or "?"

    def as_json(self) -> dict[str, Any]:
        return {"part_number": self.part_number, "name": self.name, "marks": self.marks}


@dataclass(slots=True)
class PartResult:
    part_number: str
    name: str | None
    quantity: float
    status: str
    declaration_file: str | None

    def as_json(self) -> dict[str, Any]:
        return {"part_number": self.part_number, "name": self.name, "quantity": self.quantity,
                "status": self.status, "declaration_file": self.declaration_file}


@dataclass(slots=True)
class ComplianceResult:
    """The screening of one product (or one part) against every list, on one date."""

    product: str
    name: str | None
    kind: str  # "product" or "part"
    status: str
    screened_on: date
    rohs_category: int
    mass_g: float | None
    findings: list[Finding] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    name_matches: list[NameMatch] = field(default_factory=list)
    parts: list[PartResult] = field(default_factory=list)
    china_rohs_standard: str | None = None
    china_rohs_headers: list[dict[str, str]] = field(default_factory=list)
    china_rohs_table: list[ChinaRohsRow] = field(default_factory=list)
    lists: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: what the declarations themselves state per part (IPC-1752A Class C lists and categories,
    #: IEC 62474 declarations for compliance), beside the screening of their compositions
    declared_categories: list[dict[str, Any]] = field(default_factory=list)

    def by_outcome(self, outcome: str) -> list[Finding]:
        return [f for f in self.findings if f.outcome == outcome]

    def summary(self) -> dict[str, Any]:
        counts: dict[str, dict[str, int]] = {}
        for f in self.findings:
            counts.setdefault(f.regulation, {}).setdefault(f.outcome, 0)
            counts[f.regulation][f.outcome] += 1
        svhc_articles = sorted({(f.part_number, f.article) for f in self.findings
                                if f.regulation == REACH_SVHC and f.outcome == DECLARABLE},
                               key=lambda pa: (pa[0], pa[1] or ""))
        obligations = []
        if svhc_articles:
            obligations.append(
                f"REACH Art. 33: give recipients (and consumers on request, within 45 days) "
                f"safe-use information for {len(svhc_articles)} article(s) holding a Candidate "
                f"List substance above 0.1 % w/w; notify them to the SCIP database (Waste "
                f"Framework Directive 2008/98/EC Art. 9(1)(i)); REACH Art. 7(2) notification if "
                f"more than 1 t/year of the substance is placed on the market in articles")
        if any(f.regulation == CHINA_ROHS for f in self.findings):
            obligations.append("China RoHS: mark the product (SJ/T 11364 / GB 26572) with the "
                               "hazardous-substance table (china_rohs) and the EFUP logo")
        return {"findings": counts, "parts": len(self.parts), "gaps": len(self.gaps),
                "unresolved_substances": len(self.unresolved),
                "svhc_articles": [{"part_number": p, "article": a} for p, a in svhc_articles],
                "obligations": obligations}

    def as_json(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "screened_on": self.screened_on.isoformat(),
            "rohs_category": self.rohs_category,
            "mass_g": _round(self.mass_g, 6),
            "findings": [f.as_json() for f in self.findings],
            "gaps": [g.as_json() for g in self.gaps],
            "unresolved_substances": [u.as_json() for u in self.unresolved],
            "name_matches": [n.as_json() for n in self.name_matches],
            "parts": [p.as_json() for p in self.parts],
            "china_rohs": {"standard": self.china_rohs_standard,
                           "headers": self.china_rohs_headers,
                           "table": [r.as_json() for r in self.china_rohs_table]},
            "summary": self.summary(),
            "lists": self.lists,
            "notes": self.notes,
            "declared_categories": self.declared_categories,
        }

    # -- CSV export ---------------------------------------------------------------------------

    CSV_COLUMNS = ("kind", "part_number", "quantity", "article", "material", "substance", "cas",
                   "concentration_ppm", "limit_ppm", "regulation", "outcome", "exemption",
                   "exemption_expires", "basis", "substance_mass_g", "reference_mass_g",
                   "product_concentration_ppm", "note", "exemption_list", "candidate_exemptions")

    def csv_rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for f in self.findings:
            rows.append({
                "kind": "finding", "part_number": f.part_number, "quantity": f.quantity,
                "article": f.article, "material": f.material, "substance": f.substance,
                "cas": f.cas, "concentration_ppm": _round(f.concentration_ppm, 3),
                "limit_ppm": f.limit_ppm, "regulation": f.regulation, "outcome": f.outcome,
                "exemption": f.exemption, "exemption_expires": f.exemption_expires,
                "basis": f.basis, "substance_mass_g": _round(f.substance_mass_g, 9),
                "reference_mass_g": _round(f.reference_mass_g, 9),
                "product_concentration_ppm": _round(f.product_concentration_ppm, 3),
                "note": f.note, "exemption_list": f.exemption_list,
                "candidate_exemptions": "; ".join(
                    f"{c['id']} (until {c['expires'] or '?'})"
                    for c in f.candidate_exemptions) or None})
        for g in self.gaps:
            rows.append({"kind": "data gap", "part_number": g.part_number,
                         "quantity": g.quantity, "material": g.material,
                         "substance": g.substance, "outcome": INCOMPLETE, "note": g.reason})
        for u in self.unresolved:
            rows.append({"kind": "unresolved substance", "part_number": u.part_number,
                         "material": u.material, "substance": u.substance,
                         "substance_mass_g": _round(u.mass_g, 9), "outcome": INCOMPLETE,
                         "note": u.reason})
        return rows

    def write_csv(self, path: str | Path) -> Path:
        """One row per finding, data gap and unresolved substance (UTF-8 with BOM for Excel)."""
        path = Path(path)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(self.CSV_COLUMNS))
            writer.writeheader()
            for row in self.csv_rows():
                writer.writerow({k: "" if row.get(k) is None else row.get(k)
                                 for k in self.CSV_COLUMNS})
        return path
