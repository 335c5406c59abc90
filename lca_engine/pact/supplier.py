"""Supplier product footprints (PACT v3.0 or v2.3) as primary data for parts and materials.

``gscdm import-pcf FILE`` reads one footprint, a list of them, or a ListFootprints / GetFootprint
response (``{"data": …}``). Each document is validated against the schema of its specVersion and
checked for unknown keys; one bad document rejects the file and nothing is stored.

A stored footprint becomes one activity of the Brightway database ``gscdm-supplier-pcf`` (code:
the footprint's id), with the same biosphere convention as the cited background rows
(``lca_engine.background``): land-use-change emissions as ``Carbon dioxide, from soil or biomass
stock``, the rest of the PCF excluding biogenic CO2 withdrawal carried as fossil CO2 (the
supplier's own gas split is not exchanged by PACT), the withdrawal as biogenic uptake. So:

- a footprint imported **for a part** (``--part``) replaces the part's modelled cradle-to-gate
  inventory (its materials, counted components and forming processes, which the supplier's gate
  covers); its end of life is still modelled from its declared materials;
- any stored footprint can be named by a mapping rule as ``dataset:
  "gscdm-supplier-pcf::<footprint id>"`` (``<home>/mapping_overrides.yaml``) — e.g. a smelter's
  PCF per kilogram for an alloy.

Results carry which parts use supplier data, with the data-quality indicators and verification
the supplier declared, and the share of cradle-to-gate emissions they cover.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select

if TYPE_CHECKING:
    from lca_engine.db import MaterialDatabase
    from lca_engine.footprint import FootprintResult
    from lca_engine.product_model import Design, ProductModel

DATABASE = "gscdm-supplier-pcf"
#: Declared units a part can use: one piece of the part, or its mass in kilograms.
PART_UNITS = {"piece": "unit", "kilogram": "kilogram"}
BW_UNITS = {"piece": "unit", "kilogram": "kilogram", "liter": "liter",
            "cubic meter": "cubic meter", "kilowatt hour": "kilowatt hour",
            "megajoule": "megajoule", "ton kilometer": "ton kilometer",
            "square meter": "square meter"}


#: Checks one PACT document against the schema of its specVersion: (errors, the schema's
#: ``$defs``) — errors empty when valid. ``reports.pact.validate_document`` is the one the CLI
#: uses (the schemas ship with the reports); the engine does not import the reports.
PactValidator = Callable[[dict[str, Any]], tuple[list[str], dict[str, Any]]]


class SupplierPcfError(ValueError):
    """A supplier footprint file was rejected; the message names the file, document and field."""


@dataclass(frozen=True, slots=True)
class SupplierPcf:
    """One supplier footprint, normalised: emissions per declared unit (``declared_amount`` ×
    ``declared_unit``), as the document states them."""

    id: str
    spec_version: str
    company_name: str
    status: str
    declared_unit: str
    declared_amount: float
    kg_co2e: float  # PCF excluding biogenic CO2 withdrawal
    fossil_kg_co2e: float | None
    land_use_kg_co2e: float | None
    biogenic_withdrawal_kg_co2: float | None
    ipcc_bases: tuple[str, ...]
    primary_data_share: float | None
    dqi: dict[str, Any] | None
    verification: dict[str, Any] | None
    reference_period_end: str | None
    product_ids: tuple[str, ...] = ()
    part_number: str | None = None
    document: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def per_unit_kg_co2e(self) -> float:
        """kg CO2e per one ``declared_unit`` (a piece, a kilogram, …)."""
        return self.kg_co2e / self.declared_amount

    @property
    def dataset(self) -> str:
        return f"{DATABASE}::{self.id}"

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "spec_version": self.spec_version,
                "company_name": self.company_name, "status": self.status,
                "part_number": self.part_number, "declared_unit": self.declared_unit,
                "declared_amount": self.declared_amount, "kg_co2e": self.kg_co2e,
                "kg_co2e_per_unit": self.per_unit_kg_co2e, "ipcc_bases": list(self.ipcc_bases),
                "primary_data_share": self.primary_data_share, "dqi": self.dqi,
                "verification": self.verification, "dataset": self.dataset,
                "product_ids": list(self.product_ids)}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(text: Any, where: str) -> float:
    try:
        return float(Decimal(str(text)))
    except (InvalidOperation, ValueError):
        raise SupplierPcfError(f"{where}: {text!r} is not a decimal number") from None


def _unknown_keys(document: dict[str, Any], defs: dict[str, Any], where: str) -> None:
    """PACT schemas leave extra keys open; GSCDM refuses them, naming the nearest valid key."""
    checks = [(document, defs["ProductFootprint"], ""),
              (document.get("pcf"), defs["CarbonFootprint"], "pcf.")]
    for value, spec, prefix in checks:
        if not isinstance(value, dict):
            continue
        known = set(spec.get("properties", {}))
        for key in value:
            if key not in known:
                near = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise SupplierPcfError(f"{where}: unknown key {prefix}{key!r}{hint}")


def parse_document(document: Any, where: str, validate: PactValidator,
                   part_number: str | None = None) -> SupplierPcf:
    """Validate one ProductFootprint (v3.x or v2.3) and normalise it."""
    if not isinstance(document, dict):
        raise SupplierPcfError(f"{where}: a ProductFootprint is a JSON object")
    version = str(document.get("specVersion", ""))
    if not version.startswith(("3.", "2.")):
        raise SupplierPcfError(f"{where}: specVersion {version!r} is neither 3.x nor 2.x")
    errors, defs = validate(document)
    _unknown_keys(document, defs, where)
    if errors:
        raise SupplierPcfError(f"{where}: does not validate against the PACT {version} schema: "
                               + "; ".join(errors[:5]))
    pcf = document["pcf"]
    if version.startswith("3."):
        unit = pcf["declaredUnitOfMeasurement"]
        amount = _number(pcf["declaredUnitAmount"], f"{where}: pcf.declaredUnitAmount")
        total = _number(pcf["pcfExcludingBiogenicCO2Withdrawal"],
                        f"{where}: pcf.pcfExcludingBiogenicCO2Withdrawal")
        land_use = pcf.get("landUseChangeGhgEmissions")
        withdrawal = pcf.get("biogenicCO2Withdrawal")
        bases = tuple(pcf["ipccCharacterizationFactors"])
        share = pcf.get("primaryDataShare")
        verification = pcf.get("verification")
    else:
        # v2.3: values are per declared unit; unitaryProductAmount declared units make one
        # product, so the footprint of the product is value × unitaryProductAmount
        unit = pcf["declaredUnit"]
        amount = 1.0
        total = _number(pcf["pCfExcludingBiogenic"], f"{where}: pcf.pCfExcludingBiogenic")
        land_use = pcf.get("dLucGhgEmissions")
        withdrawal = pcf.get("biogenicCarbonWithdrawal")
        bases = tuple(pcf["ipccCharacterizationFactorsSources"])
        share = pcf.get("primaryDataShare")
        verification = pcf.get("assurance")
    if part_number is not None:
        if unit not in PART_UNITS:
            raise SupplierPcfError(
                f"{where}: declared unit {unit!r} cannot stand for a part; a part's footprint "
                f"is per {' or per '.join(PART_UNITS)}")
        if document["status"] != "Active":
            raise SupplierPcfError(
                f"{where}: the footprint is {document['status']}; PACT says a deprecated "
                "footprint should not be used — import its successor for the part")
        if total < 0:
            raise SupplierPcfError(
                f"{where}: a negative cradle-to-gate footprint ({total}) cannot stand for part "
                f"{part_number!r}")
    return SupplierPcf(
        id=str(document["id"]), spec_version=version, company_name=document["companyName"],
        status=document["status"], declared_unit=unit, declared_amount=amount, kg_co2e=total,
        fossil_kg_co2e=_number(pcf["fossilGhgEmissions"], f"{where}: pcf.fossilGhgEmissions"),
        land_use_kg_co2e=None if land_use is None else _number(land_use, f"{where}: land use"),
        biogenic_withdrawal_kg_co2=None if withdrawal is None else _number(
            withdrawal, f"{where}: biogenic withdrawal"),
        ipcc_bases=bases, primary_data_share=None if share is None else float(share),
        dqi=pcf.get("dqi"), verification=verification,
        reference_period_end=pcf.get("referencePeriodEnd"),
        product_ids=tuple(document.get("productIds") or ()), part_number=part_number,
        document=document)


def read_file(path: Path, validate: PactValidator, part_number: str | None = None
              ) -> list[SupplierPcf]:
    """Every footprint of a JSON file (one, a list, or a ``{"data": …}`` response)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SupplierPcfError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise SupplierPcfError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    if isinstance(raw, dict) and set(raw) == {"data"}:
        raw = raw["data"]
    documents = raw if isinstance(raw, list) else [raw]
    if not documents:
        raise SupplierPcfError(f"{path}: no footprint in the file")
    if part_number is not None and len(documents) != 1:
        raise SupplierPcfError(f"{path}: {len(documents)} footprints in the file; --part needs "
                               "exactly one")
    out = [parse_document(d, f"{path} [footprint {i + 1}]" if len(documents) > 1 else str(path),
                          validate, part_number) for i, d in enumerate(documents)]
    seen: set[str] = set()
    for pcf in out:
        if pcf.id in seen:
            raise SupplierPcfError(f"{path}: footprint id {pcf.id} appears twice")
        seen.add(pcf.id)
    return out


@dataclass(slots=True)
class ImportedPcfs:
    file: str
    footprints: list[SupplierPcf]
    replaced: list[str]

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "imported": [p.as_json() for p in self.footprints],
                "replaced": self.replaced}


def _store(db: MaterialDatabase, footprints: list[SupplierPcf], source: str, sha: str,
           part_number: str | None) -> list[str]:
    """Store validated footprints in one transaction; returns the ids that stood for
    ``part_number`` before and no longer do. Without ``part_number``, a re-imported footprint
    keeps the part it stands for."""
    from lca_engine.db.models import Part, supplier_pcf

    now = _now()
    replaced: list[str] = []
    ids = [p.id for p in footprints]
    with db.engine.begin() as conn:
        if part_number is not None:
            known = conn.execute(select(Part.__table__.c.id).where(
                Part.__table__.c.part_number == part_number)).first()
            if known is None:
                raise SupplierPcfError(f"{source}: --part {part_number!r} is not a part in the "
                                       "database (import its BoM or declaration first)")
            # one supplier footprint stands for a part at a time: the newest import wins
            old = conn.execute(select(supplier_pcf.c.id).where(
                supplier_pcf.c.part_number == part_number)).scalars().all()
            replaced = [i for i in old if i not in ids]
            conn.execute(supplier_pcf.update().where(supplier_pcf.c.part_number == part_number)
                         .values(part_number=None))
            bound = {p.id: part_number for p in footprints}
        else:
            bound = {row.id: row.part_number for row in conn.execute(
                select(supplier_pcf.c.id, supplier_pcf.c.part_number)
                .where(supplier_pcf.c.id.in_(ids)))}
        conn.execute(delete(supplier_pcf).where(supplier_pcf.c.id.in_(ids)))
        conn.execute(insert(supplier_pcf), [{
            "id": p.id, "spec_version": p.spec_version, "part_number": bound.get(p.id),
            "company_name": p.company_name, "status": p.status,
            "declared_unit": p.declared_unit, "declared_amount": p.declared_amount,
            "kg_co2e": p.kg_co2e, "fossil_kg_co2e": p.fossil_kg_co2e,
            "land_use_kg_co2e": p.land_use_kg_co2e,
            "biogenic_withdrawal_kg_co2": p.biogenic_withdrawal_kg_co2,
            "ipcc_bases": list(p.ipcc_bases), "primary_data_share": p.primary_data_share,
            "dqi": p.dqi, "verification": p.verification,
            "reference_period_end": p.reference_period_end, "file_name": source,
            "file_sha256": sha, "imported_at": now, "document": p.document}
            for p in footprints])
    return replaced


def import_file(db: MaterialDatabase, path: Path, validate: PactValidator, *,
                part_number: str | None = None) -> ImportedPcfs:
    """Validate a file and store its footprints in one transaction (nothing on rejection)."""
    db.require_schema()
    footprints = read_file(path, validate, part_number)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    replaced = _store(db, footprints, str(path), sha, part_number)
    return ImportedPcfs(str(path), footprints, replaced)


def import_documents(db: MaterialDatabase, documents: list[Any], source: str,
                     validate: PactValidator) -> dict[str, Any]:
    """Footprints a partner sent (e.g. in a RequestFulfilledEvent): each valid one is stored for
    mapping rules or ``--part`` use; invalid ones are reported, not stored."""
    valid: list[SupplierPcf] = []
    rejected: list[dict[str, Any]] = []
    for index, document in enumerate(documents):
        try:
            valid.append(parse_document(document, f"{source} [footprint {index + 1}]",
                                        validate))
        except SupplierPcfError as exc:
            rejected.append({"index": index, "id": document.get("id")
                             if isinstance(document, dict) else None, "error": str(exc)})
    if valid:
        sha = hashlib.sha256(json.dumps([p.document for p in valid], sort_keys=True)
                             .encode()).hexdigest()
        _store(db, valid, source, sha, None)
    return {"imported": [p.id for p in valid], "rejected": rejected}


def _from_row(row: Any) -> SupplierPcf:
    document = row.document if isinstance(row.document, dict) else json.loads(row.document)
    return SupplierPcf(
        id=row.id, spec_version=row.spec_version, company_name=row.company_name,
        status=row.status, declared_unit=row.declared_unit,
        declared_amount=row.declared_amount, kg_co2e=row.kg_co2e,
        fossil_kg_co2e=row.fossil_kg_co2e, land_use_kg_co2e=row.land_use_kg_co2e,
        biogenic_withdrawal_kg_co2=row.biogenic_withdrawal_kg_co2,
        ipcc_bases=tuple(row.ipcc_bases or ()), primary_data_share=row.primary_data_share,
        dqi=row.dqi, verification=row.verification,
        reference_period_end=row.reference_period_end,
        product_ids=tuple(document.get("productIds") or ()), part_number=row.part_number,
        document=document)


def stored(db: MaterialDatabase, *, parts_only: bool = False) -> list[SupplierPcf]:
    from lca_engine.db.models import supplier_pcf

    query = select(supplier_pcf).order_by(supplier_pcf.c.id)
    if parts_only:
        query = query.where(supplier_pcf.c.part_number.is_not(None))
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [_from_row(r) for r in rows]


def for_parts(db: MaterialDatabase) -> dict[str, SupplierPcf]:
    """Part number → the supplier footprint that stands for it (one indexed query; called for
    every design, so the footprints that stand for no part are not read)."""
    return {p.part_number: p for p in stored(db, parts_only=True) if p.part_number is not None}


# -- in the product model --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SupplierPcfUse:
    """A supplier footprint standing for one part in a design (see ``PartDesign``)."""

    pcf_id: str
    unit: str  # piece | kilogram
    kg_co2e_per_unit: float
    company_name: str
    ipcc_bases: tuple[str, ...]
    dqi: dict[str, Any] | None
    verification: dict[str, Any] | None
    primary_data_share: float | None

    @property
    def dataset(self) -> str:
        return f"{DATABASE}::{self.pcf_id}"

    def amount_per_part(self, part_mass_g: float | None) -> float | None:
        """Units of the supplier dataset per one part: 1 piece, or the part's mass in kg."""
        if self.unit == "piece":
            return 1.0
        return None if part_mass_g is None else part_mass_g / 1000.0

    def as_json(self) -> dict[str, Any]:
        return {"pcf_id": self.pcf_id, "unit": self.unit,
                "kg_co2e_per_unit": self.kg_co2e_per_unit, "company_name": self.company_name,
                "ipcc_bases": list(self.ipcc_bases), "dqi": self.dqi,
                "verification": self.verification,
                "primary_data_share": self.primary_data_share}


def use_of(pcf: SupplierPcf) -> SupplierPcfUse:
    return SupplierPcfUse(pcf.id, pcf.declared_unit, pcf.per_unit_kg_co2e, pcf.company_name,
                          pcf.ipcc_bases, pcf.dqi, pcf.verification, pcf.primary_data_share)


def with_supplier_pcfs(design: Design, pcfs: dict[str, SupplierPcf]) -> Design:
    """The design with each part that has a supplier footprint pointing at it."""
    from dataclasses import replace

    if not pcfs:
        return design
    parts = tuple(replace(p, supplier_pcf=use_of(pcfs[p.part_number]))
                  if p.part_number in pcfs else p for p in design.parts)
    return replace(design, parts=parts)


def primary_data_share(model: ProductModel, result: FootprintResult,
                       pcfs: dict[str, SupplierPcf] | None = None) -> dict[str, Any]:
    """Where supplier footprints enter the product — parts they stand for, materials a mapping
    rule draws from them — what they contribute (kg CO2e per unit of product, as Brightway
    computed it) and their share of the cradle-to-gate emissions. ``pcfs`` (id → footprint,
    e.g. ``{p.id: p for p in stored(db)}``) adds the IPCC bases of rule-named footprints."""
    prefix = f"{DATABASE}::"
    by_dataset = {m["dataset"]: float(m["kg_co2e"]) for m in result.by_material}
    by_part = {p["part_number"]: float(p["kg_co2e"]) for p in result.by_part}
    parts = []
    bases: set[str] = set()
    for part in model.parts:
        use = part.supplier_pcf
        if use is None:
            continue
        parts.append({"part_number": part.part_number, "units_per_product":
                      part.units_per_product, "kg_co2e": by_part.get(part.part_number, 0.0),
                      **use.as_json()})
        bases.update(use.ipcc_bases)
    materials = []
    for flow in model.flows:
        if flow.input.dataset.startswith(prefix) and not flow.rule_id.startswith(
                "supplier-pcf:"):
            pcf_id = flow.input.dataset[len(prefix):]
            pcf = (pcfs or {}).get(pcf_id)
            materials.append({"part_number": flow.part_number, "material": flow.material,
                              "rule": flow.rule_id, "pcf_id": pcf_id,
                              "company_name": pcf.company_name if pcf else None,
                              "dqi": pcf.dqi if pcf else None,
                              "verification": pcf.verification if pcf else None})
            if pcf is not None:
                bases.update(pcf.ipcc_bases)
    gate = result.by_stage.get("materials", 0.0) + result.by_stage.get("manufacturing", 0.0)
    covered = sum(kg for key, kg in by_dataset.items() if key.startswith(prefix))
    return {"share": covered / gate if gate > 0 else 0.0, "kg_co2e": covered,
            "gate_kg_co2e": gate, "parts": parts, "materials": materials,
            "ipcc_bases": sorted(bases)}


# -- in Brightway ----------------------------------------------------------------------------

def brightway_payload(pcfs: Iterable[SupplierPcf]) -> dict[tuple[str, str], dict[str, Any]]:
    """One activity per footprint, per one declared unit (see the module docstring)."""
    from lca_engine.brightway_project import ghg_flow_keys

    flows = ghg_flow_keys()
    data: dict[tuple[str, str], dict[str, Any]] = {}
    for pcf in pcfs:
        per = 1.0 / pcf.declared_amount
        land_use = max(pcf.land_use_kg_co2e or 0.0, 0.0) * per
        rest = pcf.kg_co2e * per - land_use
        exchanges: list[dict[str, Any]] = [
            {"input": (DATABASE, pcf.id), "amount": 1.0, "type": "production"}]
        if land_use:
            exchanges.append({"input": flows["co2_land_use"], "amount": land_use,
                              "type": "biosphere"})
        if rest:
            exchanges.append({"input": flows["co2_fossil"], "amount": rest,
                              "type": "biosphere"})
        uptake = -(pcf.biogenic_withdrawal_kg_co2 or 0.0) * per
        if uptake > 0:
            exchanges.append({"input": flows["co2_uptake"], "amount": uptake,
                              "type": "biosphere"})
        data[(DATABASE, pcf.id)] = {
            "name": f"supplier PCF {pcf.id} ({pcf.company_name})",
            "reference product": f"supplier PCF {pcf.id}",
            "unit": BW_UNITS.get(pcf.declared_unit, pcf.declared_unit), "location": "GLO",
            "type": "process", "exchanges": exchanges,
            "comment": f"PACT {pcf.spec_version} footprint by {pcf.company_name}, "
                       f"{pcf.kg_co2e:g} kg CO2e per {pcf.declared_amount:g} "
                       f"{pcf.declared_unit}",
            "gscdm": {"category": "supplier-pcf", "ipcc_bases": list(pcf.ipcc_bases)}}
    return data


def sync_brightway(db: MaterialDatabase) -> bool:
    """Write ``gscdm-supplier-pcf`` into the active Brightway project if the stored footprints
    changed since it was last written; returns whether it was written."""
    from lca_engine.brightway_project import _active

    bd = _active()
    pcfs: Sequence[SupplierPcf] = stored(db)
    fingerprint = hashlib.sha256(json.dumps(
        [[p.id, p.declared_unit, p.declared_amount, p.kg_co2e, p.land_use_kg_co2e,
          p.biogenic_withdrawal_kg_co2] for p in pcfs]).encode()).hexdigest()
    meta = bd.databases.get(DATABASE) if DATABASE in bd.databases else None
    if meta and meta.get("gscdm_pcf_hash") == fingerprint:
        return False
    if not pcfs and meta is None:
        return False
    database = bd.Database(DATABASE)
    if DATABASE in bd.databases:
        database.delete(warn=False)
        database = bd.Database(DATABASE)
    database.register(gscdm_pcf_hash=fingerprint,
                      description="Supplier PCFs imported with gscdm import-pcf")
    database.write(brightway_payload(pcfs))
    bd.databases[DATABASE] = {**bd.databases[DATABASE], "gscdm_pcf_hash": fingerprint}
    return True
