"""Substance compliance screening of a product's FMD data: EU RoHS, SVHC, IEC 62474, China RoHS.

The rules (limits, CAS groups, exemptions, dates) come from the lists in ``lists.py``; this module
only applies them:

- **EU RoHS** - per homogeneous material: the masses of a group's members (e.g. lead and lead
  compounds) are summed and compared with the Annex II limit (0.1 %, cadmium 0.01 %). Above the
  limit, a declared Annex III exemption exempts the use when it covers the substance, its
  concentration condition holds (6(c): up to 4 % Pb; 7(a): at least 85 % Pb) and it has not expired
  for the product's Annex I category on the screening date.
- **REACH SVHC** - per article, 0.1 % w/w of the article (CJEU C-106/14, 2015: every article of a
  complex product counts on its own, never the whole product). The article is the declared part,
  or each sub-product / sub-part an FMD declares inside it.
- **IEC 62474 DSL** - each entry's reporting threshold on its own basis (homogeneous material or
  article).
- **China RoHS** - the O/X table of SJ/T 11364 per part for the substances of the GB/T 26572 /
  GB 26572 edition in force on the screening date.

Parts without FMD data are gaps, never assumed compliant; substances declared without a usable CAS
are matched through the synonym table (or a declared substance-group name), otherwise flagged.
Concentrations come from the masses the import normalised to grams (or the declared ppm / mass %
when the material mass is unknown).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from fmd_parsers.exemptions import exemption_lists, list_key
from lca_engine.db import MaterialDatabase
from lca_engine.db.engine import read_snapshot
from lca_engine.db.queries import chemical_mass, product_view

from .lists import (
    DslEntry,
    RohsExemption,
    SubstanceGroup,
    SubstanceLists,
    SvhcEntry,
    load_lists,
    normalise_exemption_id,
)
from .model import (
    CHINA_ROHS,
    COMPLIANT,
    DECLARABLE,
    DISCLOSE,
    EU_ROHS,
    EXEMPT,
    IEC_62474,
    INCOMPLETE,
    NEEDS_REVIEW,
    NON_COMPLIANT,
    REACH_SVHC,
    RESTRICTED,
    REVIEW,
    ChinaRohsRow,
    ComplianceResult,
    Finding,
    Gap,
    NameMatch,
    PartResult,
    Unresolved,
)
from .reader import MaterialRow, PartRow, SubstanceRow, read_parts

SVHC_THRESHOLD_PPM = 1000.0  # 0.1 % w/w of the article (REACH Art. 7(2), 33)
HOMOGENEOUS = "homogeneous material"
ARTICLE = "article"
EXPIRY_WARNING_DAYS = 365

_SUB_ARTICLE = re.compile(r"^sub-(?:product|part)\s+(.+?)(?:;\s.*)?$", re.DOTALL)
_ANNEX_IV = re.compile(r"annex\s*iv\b|annexiv|\biv-\d", re.IGNORECASE)
ANNEX_III = "EU RoHS Annex III"
ANNEX_IV = "EU RoHS Annex IV"
_ROHS_LISTS = frozenset({ANNEX_III, ANNEX_IV})


@dataclass(slots=True)
class _Verdict:
    """What the declared exemptions make of one use above an EU RoHS limit."""

    outcome: str
    exemption: str | None
    text: str | None
    expires: date | None
    note: str | None
    exemption_list: str | None
    declared: list[dict[str, Any]] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class _Substance:
    row: SubstanceRow
    cas: str | None
    groups: frozenset[str]
    mass_g: float | None
    ppm: float | None  # share of its homogeneous material


@dataclass(slots=True)
class _Material:
    row: MaterialRow
    article: str | None  # sub-product / sub-part path, None for the part itself
    substances: list[_Substance]
    complete: bool  # every substance identified, with an amount, and the material has a mass


@dataclass(slots=True)
class _Use:
    name: str | None
    quantity: float = 0.0
    assembly: bool = False
    bom_mass_g: float | None = None  # the BoM's mass of one unit (part_mass_g), if given


@dataclass(slots=True)
class _PartOutcome:
    findings: list[Finding] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    matches: list[NameMatch] = field(default_factory=list)
    marks: dict[str, str] = field(default_factory=dict)
    svhc_mass_g: dict[str, float] = field(default_factory=dict)  # SVHC entry → grams per unit
    #: the declaration's own statements (Class C, declaration for compliance), each with what
    #: screening makes of it (``screening``): see ``_Screener._declared``
    declared: list[dict[str, Any]] = field(default_factory=list)


def screen(database: MaterialDatabase, key: str, *, lists: SubstanceLists | None = None,
           home: str | Path | None = None, on: date | None = None,
           rohs_category: int | None = None) -> ComplianceResult:
    """Screen a product (by product number) or else a single part (by part number).

    ``on`` is the screening date (exemption expiry, China RoHS edition in force; default today);
    ``rohs_category`` the EU RoHS Annex I category (default from the list: 3, IT equipment).
    Raises ``KeyError`` if ``key`` is neither a product nor a declared part.
    """
    lists = lists or load_lists(home)
    on = on or date.today()
    category = rohs_category or lists.rohs.default_category
    if not 1 <= category <= 11:
        raise ValueError(f"EU RoHS category {category} is not one of 1-11")
    database.require_schema()
    uses: dict[str, _Use] = {}
    mass_g: float | None  # a product's mass, or a part's (which may be undeclared)
    with read_snapshot(database.sessions) as session:
        view = product_view(session, key)
        if view is not None:
            kind, name, mass_g = "product", view.name, view.mass_g
            for node in view.nodes:
                use = uses.setdefault(node.part_number, _Use(name=node.name))
                use.quantity += node.total_quantity
                use.assembly = use.assembly or bool(node.children)
                if node.mass_source == "bom":  # no declared mass: the BoM's part_mass_g
                    use.bom_mass_g = node.own_mass_g
            parts = read_parts(session, set(uses))
        else:
            parts = read_parts(session, {key})
            if key not in parts:
                raise KeyError(key)
            kind, name, mass_g = "part", parts[key].name, parts[key].mass_g
            uses[key] = _Use(name=name, quantity=1.0)

    screener = _Screener(lists, on, category)
    result = ComplianceResult(product=key, name=name, kind=kind, status=COMPLIANT,
                              screened_on=on, rohs_category=category, mass_g=mass_g,
                              lists=lists.versions())
    edition = lists.china.edition_on(on)
    china_keys = list(edition.substances) if edition else []
    result.china_rohs_standard = edition.standard if edition else None
    result.china_rohs_headers = [{"key": k, **lists.china.headers.get(k, {"en": k})}
                                 for k in china_keys]
    svhc_product_g: dict[str, float] = defaultdict(float)

    for part_number, use in uses.items():
        part = parts.get(part_number)
        if part is None:
            if use.assembly:
                continue  # an assembly row without its own FMD: its children are screened
            result.gaps.append(Gap(part_number=part_number, name=use.name,
                                   quantity=use.quantity,
                                   reason="no FMD declaration: the part cannot be screened"))
            result.parts.append(PartResult(part_number, use.name, use.quantity, INCOMPLETE, None))
            result.china_rohs_table.append(ChinaRohsRow(
                part_number, use.name, {_header(lists, k): "?" for k in china_keys}))
            continue
        outcome = screener.part(_with_bom_mass(part, use.bom_mass_g), china_keys)
        result.declared_categories.extend(
            {"part_number": part_number, **item} for item in outcome.declared)
        items: list[Finding | Gap] = [*outcome.findings, *outcome.gaps]
        for item in items:
            item.quantity = use.quantity
        result.findings.extend(outcome.findings)
        result.gaps.extend(outcome.gaps)
        result.unresolved.extend(outcome.unresolved)
        result.name_matches.extend(outcome.matches)
        for entry, grams in outcome.svhc_mass_g.items():
            svhc_product_g[entry] += grams * use.quantity
        # without a composition, the declaration's own Class C statement decides
        stated = {d.get("screening") for d in outcome.declared} if not part.materials else set()
        if any(f.outcome == RESTRICTED for f in outcome.findings) or RESTRICTED in stated:
            status = NON_COMPLIANT
        elif any(f.outcome == REVIEW for f in outcome.findings) or REVIEW in stated:
            status = NEEDS_REVIEW
        elif outcome.gaps or outcome.unresolved:
            status = INCOMPLETE
        else:
            status = COMPLIANT
        result.parts.append(PartResult(part_number, part.name or use.name, use.quantity, status,
                                       part.declaration_file))
        result.china_rohs_table.append(ChinaRohsRow(
            part_number, part.name or use.name,
            {_header(lists, k): outcome.marks.get(k, "?") for k in china_keys}))

    if mass_g:
        for finding in result.findings:
            if finding.regulation == REACH_SVHC and finding.group in svhc_product_g:
                finding.product_concentration_ppm = svhc_product_g[finding.group] / mass_g * 1e6
    part_statuses = {p.status for p in result.parts}
    if result.by_outcome(RESTRICTED) or NON_COMPLIANT in part_statuses:
        result.status = NON_COMPLIANT
    elif result.by_outcome(REVIEW) or NEEDS_REVIEW in part_statuses:
        result.status = NEEDS_REVIEW
    elif result.gaps or result.unresolved:
        result.status = INCOMPLETE
    result.notes = _notes(result, lists, on)
    return result


def _with_bom_mass(part: PartRow, bom_mass_g: float | None) -> PartRow:
    """A declaration that gives no mass (a chemSHERPA-CI chemical product: substances as mass
    percents only) takes the BoM's mass of one unit, else one unit of the mass unit it counts in
    (``g``, ``kg``: the BoM quantity is then that many grams or kilograms); its single material
    is the whole part."""
    found = chemical_mass(part.mass_g, [m.mass_g for m in part.materials], bom_mass_g,
                          part.unit_type)
    if found is None:
        return part
    grams, source = found
    (material,) = part.materials
    substances = [replace(s, mass_g=s.concentration_ppm * 1e-6 * grams)
                  if s.mass_g is None and s.concentration_ppm is not None else s
                  for s in material.substances]
    note = ("mass from the BoM" if source == "bom" else f"mass of {source}") + \
        " (the declaration gives none)"
    return replace(part, mass_g=grams, materials=[replace(
        material, mass_g=grams, substances=substances,
        comment=f"{material.comment}; {note}" if material.comment else note)])


def _header(lists: SubstanceLists, key: str) -> str:
    return lists.china.headers.get(key, {}).get("en", key)


def _notes(result: ComplianceResult, lists: SubstanceLists, on: date) -> list[str]:
    notes = []
    if not lists.svhc.complete:
        official = lists.svhc.meta.get("entries_on_official_list", "?")
        notes.append(f"REACH SVHC list is partial ({len(lists.svhc.entries)} of {official} "
                     f"entries, status {lists.svhc.list_date}); load the full ECHA list with "
                     f"`gscdm data update-svhc FILE`")
    if not lists.dsl.complete:
        kinds = ", ".join(f"{n} {k.replace('_', '-')}"
                          for k, n in sorted(lists.dsl.counts().items()))
        notes.append(f"IEC 62474 DSL is partial ({len(lists.dsl.entries)} entries of version "
                     f"{lists.dsl.version}: {kinds}): declarable substance groups outside them are "
                     "not screened; see the coverage line of the list file, or load the IEC "
                     "export with `gscdm data update-dsl FILE`")
    soon = sorted({(f.exemption, f.exemption_expires) for f in result.findings
                   if f.outcome == EXEMPT and f.exemption_expires
                   and (date.fromisoformat(f.exemption_expires) - on).days
                   <= EXPIRY_WARNING_DAYS})
    for exemption, expires in soon:
        notes.append(f"EU RoHS exemption {exemption} expires on {expires} for category "
                     f"{result.rohs_category}: plan the substitution or a renewal application")
    for edition in lists.china.upcoming(on):
        notes.append(f"China RoHS: {edition.standard} takes effect on "
                     f"{edition.effective.isoformat()}")
    return notes


class _Screener:
    def __init__(self, lists: SubstanceLists, on: date, category: int) -> None:
        self.lists = lists
        self.on = on
        self.category = category

    # -- reading one part --------------------------------------------------------------------

    def _group_by_name(self, row: SubstanceRow) -> list[SubstanceGroup]:
        found: list[SubstanceGroup] = []
        for text in (row.category, row.name):
            if text and "free" not in text.casefold():  # "lead-free solder" names no lead
                found.extend(g for g in self.lists.rohs.groups.values()
                             if g.matches_category(text))
        return list(dict.fromkeys(found))

    def _materials(self, part: PartRow, out: _PartOutcome) -> list[_Material]:
        materials = []
        if not part.materials:
            out.gaps.append(Gap(part.part_number, name=part.name,
                                reason="the declaration holds no homogeneous-material data"))
        for mat in part.materials:
            match = _SUB_ARTICLE.match(mat.comment or "")
            complete = bool(mat.mass_g) and bool(mat.substances)
            if not mat.mass_g:
                out.gaps.append(Gap(part.part_number, name=part.name, material=mat.name,
                                    reason="homogeneous material has no mass"))
            if not mat.substances:
                out.gaps.append(Gap(part.part_number, name=part.name, material=mat.name,
                                    reason="homogeneous material declares no substances"))
            substances = []
            for row in mat.substances:
                cas, groups = row.cas, frozenset[str]()
                if cas is None:
                    cas = self.lists.resolve_name(row.name)
                    if cas is not None:
                        out.matches.append(NameMatch(part.part_number, mat.name, row.name, cas,
                                                     "synonym"))
                if cas is not None:
                    groups = frozenset(g.key for g in self.lists.rohs.groups_of(cas))
                else:
                    by_name = self._group_by_name(row)
                    if by_name:
                        groups = frozenset(g.key for g in by_name)
                        out.matches.append(NameMatch(part.part_number, mat.name, row.name, None,
                                                     "category", by_name[0].name))
                    else:
                        complete = False
                        authority = f" ({row.authority} {row.identity})" if row.authority else ""
                        out.unresolved.append(Unresolved(
                            part.part_number, mat.name, row.name, mass_g=row.mass_g,
                            reason=f"no CAS RN{authority} and the name is not in the synonym "
                                   f"table"))
                mass = row.mass_g
                if mass is None and row.concentration_ppm is not None and mat.mass_g:
                    mass = row.concentration_ppm * 1e-6 * mat.mass_g
                if mass is not None and mat.mass_g:
                    ppm: float | None = mass / mat.mass_g * 1e6
                else:
                    ppm = row.concentration_ppm
                if ppm is None:
                    complete = False
                    out.gaps.append(Gap(part.part_number, name=part.name, material=mat.name,
                                        substance=row.name,
                                        reason="substance amount unknown (no mass, no "
                                               "concentration)"))
                substances.append(_Substance(row, cas, groups, mass, ppm))
            materials.append(_Material(mat, match.group(1).strip() if match else None,
                                       substances, complete))
        return materials

    def part(self, part: PartRow, china_keys: list[str]) -> _PartOutcome:
        out = _PartOutcome()
        materials = self._materials(part, out)
        self._rohs(part, materials, out)
        self._svhc(part, materials, out)
        self._dsl(part, materials, out)
        self._china(part, materials, china_keys, out)
        self._declared(part, out)
        return out

    # -- what the declaration states (IPC-1752A Class C, IEC 62474 compliance) -----------------

    def _declared(self, part: PartRow, out: _PartOutcome) -> None:
        """Each stated category with ``screening``: for an EU RoHS list, a category above its
        threshold is ``restricted`` unless an EU RoHS exemption from the table that covers it is
        declared (``exempt``; one the table does not hold: ``needs review``). Without a
        composition to screen (a Class C-only declaration) that statement decides the part's
        status; with one, the composition does and the statement is shown beside it."""
        lists = exemption_lists()
        for item in part.declared_categories:
            row = dict(item)
            out.declared.append(row)
            listed = lists.list_of(item.get("list"))
            if listed is None or listed.regulation != EU_ROHS:
                row["screening"] = None
                continue
            groups = [g for g in self.lists.rohs.groups.values()
                      if g.matches_category(item.get("category"))]
            if not groups:
                row["screening"] = "category not matched to an EU RoHS restriction"
                continue
            if item.get("above_threshold") is not True:
                row["screening"] = ("below threshold" if item.get("above_threshold") is False
                                    else "threshold not stated")
                continue
            row["screening"], row["screening_note"] = self._declared_exemption(
                groups[0], item.get("exemptions") or [])

    def _declared_exemption(self, group: SubstanceGroup,
                            exemptions: list[dict[str, Any]]) -> tuple[str, str]:
        reasons, unknown = [], []
        for item in exemptions:
            raw = str(item.get("identity") or "")
            listed = item["list"] if "list" in item else list_key(item.get("authority"))
            if listed is not None and listed not in _ROHS_LISTS:
                reasons.append(f"{raw} is declared under {listed}, not EU RoHS")
                continue
            ref = self.lists.rohs.exemptions.get(normalise_exemption_id(raw))
            if ref is None:
                unknown.append(raw)
                continue
            expiry = ref.expiry_for(self.category)
            if group.key not in ref.substances:
                reasons.append(f"{ref.id} does not cover {group.name}")
            elif expiry is not None and self.on > expiry:
                reasons.append(f"{ref.id} expired on {expiry.isoformat()} for category "
                               f"{self.category}")
            else:
                until = f" until {expiry.isoformat()}" if expiry else ""
                return EXEMPT, (f"{ref.id}{until} (its concentration condition cannot be "
                                f"checked without a composition)")
        if unknown:
            return REVIEW, (f"exemption {', '.join(unknown)} is not in the shipped EU RoHS "
                            f"table: it cannot be verified")
        return RESTRICTED, ("stated above the EU RoHS threshold with no exemption that applies"
                            + (f": {'; '.join(reasons)}" if reasons else ""))

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _sum(members: list[_Substance]) -> tuple[float | None, float | None]:
        """Group concentration in the material (ppm) and mass; None where an amount is missing."""
        if not members or any(s.ppm is None for s in members):
            return None, None
        ppm = sum(s.ppm for s in members if s.ppm is not None)
        mass = (sum(s.mass_g for s in members if s.mass_g is not None)
                if all(s.mass_g is not None for s in members) else None)
        return ppm, mass

    @staticmethod
    def _names(members: Iterable[_Substance]) -> tuple[str, str | None]:
        members = list(members)
        names = list(dict.fromkeys(s.row.name for s in members))
        cas = list(dict.fromkeys(s.cas for s in members if s.cas))
        return "; ".join(names), ("; ".join(cas) or None)

    # -- EU RoHS -----------------------------------------------------------------------------

    def _rohs(self, part: PartRow, materials: list[_Material], out: _PartOutcome) -> None:
        for mat in materials:
            for group in self.lists.rohs.groups.values():
                members = [s for s in mat.substances if group.key in s.groups]
                ppm, mass = self._sum(members)
                if ppm is None or ppm <= group.limit_ppm:
                    continue
                verdict = self._exemption(group, members, mat, ppm)
                substance, cas = self._names(members)
                out.findings.append(Finding(
                    part_number=part.part_number, material=mat.row.name, substance=substance,
                    cas=cas, concentration_ppm=ppm, limit_ppm=group.limit_ppm,
                    regulation=EU_ROHS, exemption=verdict.exemption, outcome=verdict.outcome,
                    basis=HOMOGENEOUS, substance_mass_g=mass, reference_mass_g=mat.row.mass_g,
                    group=group.name, article=mat.article, exemption_text=verdict.text,
                    exemption_expires=verdict.expires.isoformat() if verdict.expires else None,
                    list_entry={"list": "Directive 2011/65/EU Annex II",
                                "version": self.lists.rohs.version,
                                "category": self.category},
                    note=verdict.note, exemption_list=verdict.exemption_list,
                    declared_exemptions=verdict.declared,
                    candidate_exemptions=verdict.candidates))

    def _exemption(self, group: SubstanceGroup, members: list[_Substance], mat: _Material,
                   ppm: float) -> _Verdict:
        """What the declared exemptions make of a use above the EU RoHS limit.

        Only exemptions declared under an EU RoHS list (Annex III, or Annex IV for categories 8
        and 9), or under no stated list, are considered: an ELV or China RoHS entry of the same
        use is kept in ``declared`` and never cited. A valid one exempts; one the shipped table
        does not hold cannot be verified (``needs review``); otherwise the use is restricted and
        the candidates whose conditions the material meets are named."""
        declared: dict[tuple[str, str | None], dict[str, Any]] = {}
        for item in [e for s in members for e in s.row.exemptions] + mat.row.exemptions:
            identity = str(item.get("identity") or "").strip()
            if not identity:
                continue
            listed = item.get("list") if "list" in item else list_key(item.get("authority"))
            declared.setdefault((normalise_exemption_id(identity), listed), item)
        verdicts: list[dict[str, Any]] = []
        reasons: list[str] = []
        unverified: list[tuple[str, str | None, dict[str, Any]]] = []
        # EU RoHS lists first, then exemptions whose list the declaration does not name
        ordered = sorted(declared.items(), key=lambda kv: kv[0][1] not in _ROHS_LISTS)
        found: _Verdict | None = None
        for (ident, listed), item in ordered:
            raw = str(item.get("identity") or "")
            record: dict[str, Any] = {"identity": raw, "list": listed,
                                      "authority": item.get("authority"),
                                      "code": item.get("code"), "applies": False}
            verdicts.append(record)
            if found is not None:
                record["reason"] = f"not needed: {found.exemption} applies"
                continue
            if listed is not None and listed not in _ROHS_LISTS:
                reason = f"{raw} is declared under {listed}, not EU RoHS"
                record["reason"] = reason
                reasons.append(reason)
                continue
            if listed == ANNEX_IV or (listed is None and _ANNEX_IV.search(raw)):
                if self.category in (8, 9):
                    record["reason"] = "Annex IV exemption: not in the shipped table"
                    unverified.append((ident, ANNEX_IV, item))
                else:
                    reason = f"{raw} is an Annex IV exemption (categories 8 and 9 only)"
                    record["reason"] = reason
                    reasons.append(reason)
                continue
            ref = self.lists.rohs.exemptions.get(ident)
            if ref is None:
                record["reason"] = "not in the shipped Annex III table: cannot be verified"
                unverified.append((ident, listed, item))
                continue
            failure = self._condition_fails(ref, group, ppm)
            if failure is not None:
                record["reason"] = failure
                reasons.append(failure)
                continue
            expiry = ref.expiry_for(self.category)
            note = ref.note
            if expiry is None:
                note = ((note + " ") if note else "") + (
                    f"No expiry date for category {self.category} in the shipped table.")
            record["applies"] = True
            found = _Verdict(EXEMPT, ident, ref.text, expiry, note, listed or ANNEX_III)
        if found is not None:
            found.declared = verdicts
            return found
        if unverified:
            ident, listed, item = unverified[0]
            named = ", ".join(i for i, _, _ in unverified)
            return _Verdict(
                REVIEW, ident, item.get("description"), None,
                f"exemption {named} is not in the shipped EU RoHS "
                f"{'Annex IV' if listed == ANNEX_IV else 'Annex III'} table: it cannot be "
                f"verified, so the part needs review (check its scope and expiry, or load a "
                f"newer exemption table)" + (f"; {'; '.join(reasons)}" if reasons else ""),
                listed, declared=verdicts)
        candidates = self._candidates(group, mat, ppm)
        if candidates:
            named = "; ".join(
                f"{c['id']} ({c['text']}; "
                + (f"until {c['expires']} for category {self.category}" if c["expires"]
                   else f"no expiry for category {self.category} in the table") + ")"
                for c in candidates)
            hint = f"candidate exemptions whose conditions the material meets: {named}"
        else:
            hint = "no exemption in the shipped table fits this material and concentration"
        lead = ("no EU RoHS exemption declared" if not reasons
                else "declared exemption does not apply: " + "; ".join(reasons))
        return _Verdict(RESTRICTED, None, None, None, f"{lead}; {hint}", None,
                        declared=verdicts, candidates=candidates)

    def _condition_fails(self, ref: RohsExemption, group: SubstanceGroup,
                         ppm: float) -> str | None:
        """Why ``ref`` does not exempt this use (substance, concentration, expiry), or None."""
        if group.key not in ref.substances:
            covers = ", ".join(self.lists.rohs.groups[k].name for k in sorted(ref.substances))
            return f"{ref.id} covers {covers}, not {group.name}"
        if ref.max_ppm is not None and ppm > ref.max_ppm:
            return (f"{ref.id} allows at most {ref.max_ppm / 1e4:g} % by weight; the material "
                    f"holds {ppm / 1e4:.4g} %")
        if ref.min_ppm is not None and ppm < ref.min_ppm:
            return (f"{ref.id} requires at least {ref.min_ppm / 1e4:g} % by weight; the "
                    f"material holds {ppm / 1e4:.4g} %")
        expiry = ref.expiry_for(self.category)
        if expiry is not None and self.on > expiry:
            return f"{ref.id} expired on {expiry.isoformat()} for category {self.category}"
        return None

    def _candidates(self, group: SubstanceGroup, mat: _Material,
                    ppm: float) -> list[dict[str, Any]]:
        """Annex III entries whose material condition (data: ``materials`` in the table),
        concentration condition and expiry all hold for this use: what could be declared."""
        texts = [t for t in (mat.row.name, mat.row.material_group, mat.row.material_class) if t]
        found = []
        for ref in self.lists.rohs.exemptions.values():
            if ref.materials is None or not any(ref.materials.search(t) for t in texts):
                continue
            if self._condition_fails(ref, group, ppm) is not None:
                continue
            expiry = ref.expiry_for(self.category)
            found.append({"id": ref.id, "list": ANNEX_III, "text": ref.text,
                          "expires": expiry.isoformat() if expiry else None,
                          "max_ppm": ref.max_ppm, "min_ppm": ref.min_ppm,
                          "source": ref.source})
        return found

    # -- articles (REACH SVHC, IEC 62474 per-article entries) ----------------------------------

    @staticmethod
    def _articles(part: PartRow, materials: list[_Material]
                  ) -> list[tuple[str | None, list[_Material], float | None]]:
        """(sub-article path or None, its materials, its mass) - O5A: each article on its own."""
        grouped: dict[str | None, list[_Material]] = defaultdict(list)
        for mat in materials:
            grouped[mat.article].append(mat)
        out = []
        for article, mats in grouped.items():
            masses = [m.row.mass_g for m in mats]
            total = (sum(m for m in masses if m is not None)
                     if all(m is not None for m in masses) else None)
            if article is None and len(grouped) == 1 and part.mass_g:
                total = part.mass_g  # the part as supplied is the article
            out.append((article, mats, total))
        return out

    def _svhc(self, part: PartRow, materials: list[_Material], out: _PartOutcome) -> None:
        by_cas = self.lists.svhc.by_cas
        for article, mats, article_mass in self._articles(part, materials):
            hits: dict[int, tuple[SvhcEntry, list[tuple[_Material, _Substance]]]] = {}
            for mat in mats:
                for sub in mat.substances:
                    for entry in by_cas.get(sub.cas or "", []):
                        hits.setdefault(id(entry), (entry, []))[1].append((mat, sub))
            for entry, members in hits.values():
                if any(s.mass_g is None for _, s in members):
                    continue  # recorded as a gap already
                grams = sum(s.mass_g for _, s in members if s.mass_g is not None)
                out.svhc_mass_g[entry.name] = out.svhc_mass_g.get(entry.name, 0.0) + grams
                if not article_mass:
                    continue
                ppm = grams / article_mass * 1e6
                if ppm <= SVHC_THRESHOLD_PPM:
                    continue
                substance, cas = self._names(s for _, s in members)
                out.findings.append(Finding(
                    part_number=part.part_number,
                    material="; ".join(dict.fromkeys(m.row.name for m, _ in members)),
                    substance=substance, cas=cas, concentration_ppm=ppm,
                    limit_ppm=SVHC_THRESHOLD_PPM, regulation=REACH_SVHC, exemption=None,
                    outcome=DECLARABLE, basis=ARTICLE, substance_mass_g=grams,
                    reference_mass_g=article_mass, group=entry.name,
                    article=article or part.part_number,
                    list_entry={"list": "REACH Candidate List",
                                "list_date": _iso(self.lists.svhc.list_date),
                                "ec": "; ".join(entry.ec) or None,
                                "date_of_inclusion": _iso(entry.date_of_inclusion),
                                "reason": entry.reason}))

    # -- IEC 62474 ---------------------------------------------------------------------------

    def _dsl(self, part: PartRow, materials: list[_Material], out: _PartOutcome) -> None:
        dsl = self.lists.dsl
        for entry in dsl.entries:
            if entry.applies_to is not None and not any(
                    entry.applies_to.search(text or "") for text in (
                        part.name, part.part_number,
                        *(t for m in materials for t in (m.row.name, m.article)))):
                continue  # reportable only in an application this part is not named as
            if entry.basis == "homogeneous_material":
                for mat in materials:
                    members = [s for s in mat.substances if s.cas in entry.cas]
                    ppm, mass = self._sum(members)
                    if ppm is not None and ppm > entry.threshold_ppm:
                        out.findings.append(self._dsl_finding(part, entry, members, ppm, mass,
                                                              mat.row.mass_g, HOMOGENEOUS,
                                                              mat.row.name, mat.article))
                continue
            # article basis; a product-basis entry is screened per part too (the part's mass is
            # at most the product's, so this can over-state, never hide, a declarable amount)
            for article, mats, article_mass in self._articles(part, materials):
                members = [s for mat in mats for s in mat.substances if s.cas in entry.cas]
                if not members or not article_mass or any(s.mass_g is None for s in members):
                    continue
                grams = sum(s.mass_g for s in members if s.mass_g is not None)
                ppm = grams / article_mass * 1e6
                if ppm > entry.threshold_ppm:
                    names = "; ".join(dict.fromkeys(
                        m.row.name for m in mats if any(s.cas in entry.cas for s in m.substances)))
                    out.findings.append(self._dsl_finding(part, entry, members, ppm, grams,
                                                          article_mass, ARTICLE, names,
                                                          article or part.part_number))

    def _dsl_finding(self, part: PartRow, entry: DslEntry, members: list[_Substance], ppm: float,
                     mass: float | None, reference: float | None, basis: str,
                     material: str | None, article: str | None) -> Finding:
        substance, cas = self._names(members)
        notes = []
        if entry.intentionally_added:
            notes.append("reporting threshold: intentionally added (any amount)")
        if entry.basis == "product":
            notes.append("product-basis threshold compared with the part (conservative)")
        if entry.kind == "svhc_derived":
            notes.append("entry derived from the REACH Candidate List (0.1 mass% of article); "
                         "IEC may have screened this SVHC out of the DSL")
        if entry.applies_to is not None:
            notes.append(f"reportable application: {entry.reportable_application}")
        return Finding(
            part_number=part.part_number, material=material, substance=substance, cas=cas,
            concentration_ppm=ppm, limit_ppm=entry.threshold_ppm, regulation=IEC_62474,
            exemption=None, outcome=DECLARABLE, basis=basis, substance_mass_g=mass,
            reference_mass_g=reference, group=entry.name, article=article,
            list_entry={"list": "IEC 62474 DSL", "version": self.lists.dsl.version,
                        "id": entry.id, "reportable_application": entry.reportable_application,
                        "regulatory_basis": entry.regulatory_basis,
                        "threshold": entry.threshold, "threshold_basis": entry.basis,
                        "kind": entry.kind, "threshold_source": entry.threshold_source,
                        "source": entry.source},
            note="; ".join(notes) or None)

    # -- China RoHS --------------------------------------------------------------------------

    def _china(self, part: PartRow, materials: list[_Material], keys: list[str],
               out: _PartOutcome) -> None:
        china = self.lists.china
        edition = china.edition_on(self.on)
        complete = bool(materials) and all(m.complete for m in materials)
        for key in keys:
            limit = china.limits_ppm[key]
            over = False
            for mat in materials:
                members = [s for s in mat.substances if key in s.groups]
                ppm, mass = self._sum(members)
                if ppm is None or ppm <= limit:
                    continue
                over = True
                substance, cas = self._names(members)
                group = self.lists.rohs.groups.get(key)
                out.findings.append(Finding(
                    part_number=part.part_number, material=mat.row.name, substance=substance,
                    cas=cas, concentration_ppm=ppm, limit_ppm=limit, regulation=CHINA_ROHS,
                    exemption=None, outcome=DISCLOSE, basis=HOMOGENEOUS, substance_mass_g=mass,
                    reference_mass_g=mat.row.mass_g, group=group.name if group else key,
                    article=mat.article,
                    list_entry={"list": edition.standard if edition else None,
                                "table_column": china.headers.get(key, {}).get("en", key)},
                    note="X in the SJ/T 11364 hazardous-substance table"))
            out.marks[key] = "X" if over else ("O" if complete else "?")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
