"""IEC 62474 material declarations (XML schema X8.xx, ``http://std.iec.ch/iec62474``), streamed.

Layout read (element and attribute names from the IEC 62474 XSD, e.g.
``IEC62474_Schema_X8.21``; namespace prefixed, default or absent)::

    Main @schemaDatabaseVersion @declarationComplete
      Include / Sectional @nameOfSectional
      BusinessInfo @mode
        Request @date / Contact, RequestCompany @name
        Response @date / Authorizer, Contact @name @email @phone,
                         SupplyCompany @name @nameLocal / UniqueID @authority @identity
      Product @unitType
        ProductID @identifier @name @version @manufacturingSite / Mass @mass @unitOfMeasure
        Compliance / DeclarableSubstanceList @authority @identity @version,
                     DsDsg @name / DsDsgID @entryIdentity, Mass, MassPercent,
                                   ComplianceThreshold @aboveComplianceThreshold, Exemptions
        Composition @isFMD / DeclarableSubstanceList, ProductPart*, Material*, Substance*
          ProductPart @numberOfUnits / ProductID, ProductPart*, Material*, Substance*
          Material @name @comment / MaterialID, MaterialClassID, Mass | MassPercent,
                                    Substance*, MaterialCircularity
            Substance @name / SubstanceID, DsgID, Mass | MassPercent @massPercent,
                              Exemptions / UniqueID, Exemption @identity @regIndex @description
        MaterialClassDeclaration / MaterialClassList, MaterialClass @id @name / Mass | MassPercent
        QueryList / QueryListID, Query @statement @response
        Exemptions
      ToolNameVersionID
    (MaterialID, MaterialClassID, SubstanceID, DsgID are "UniqueEntry":
     ListID @authority @identity @version + EntryID @entryIdentity @entryDescription)

Mapping onto the shared dataclasses (the choices a PCF engine needs):

- **One ``DeclaredPart`` per ``Product``** (its first ``ProductID``: ``@identifier``, else
  ``@requesterIdentifier``), with the product's mass and *all* its homogeneous materials. Nested
  ``ProductPart`` trees are flattened into that part: each material's ``comment`` names the sub-part
  path (``sub-part Parts00009 (SUS-Screw) ×4 > Parts00010 (SUS)``). A PCF engine footprints the
  declared product; the internal build hierarchy is audit detail, not a BoM level.
- ``ProductPart/ProductID/Mass`` is the mass of **one unit** and ``@numberOfUnits`` says how many
  units the parent holds, so a flattened material's ``mass_g`` is its declared mass times the
  product of ``numberOfUnits`` along its path. ``DeclaredAmount.value``/``unit`` stay exactly as
  written (per unit); ``DeclaredAmount.grams`` is the amount in one declared product, so that
  substance masses and material masses stay on the same basis. Each sub-part's materials and
  sub-parts are checked against its own declared mass (``material-mass-balance``).
- ``Material/MassPercent`` is a share of the enclosing (sub-)part's mass; ``Substance/MassPercent``
  a share of the material (→ ``concentration_ppm``). A ``Mass`` written with a concentration unit
  (``ppm``, ``%``, not allowed by the XSD but seen in hand-made files) is read as a concentration.
- ``material_class`` = the ``MaterialClassID`` entry (IEC 62474 MCL, e.g. ``M-121``);
  ``material_group`` = its class name, from ``EntryID/@entryDescription`` or, failing that, from a
  ``MaterialClassDeclaration/MaterialClass @id @name`` anywhere in the file. The MCL itself is not
  hard-coded: class names are the ones the file gives.
- A product with a ``MaterialClassDeclaration`` but no ``Composition`` materials gets one material
  per declared class (name and group = class name); with a ``Composition`` the class declaration
  is kept in ``extra["material_classes"]`` only, so nothing is counted twice.
- ``Composition @isFMD="false"`` (usual for chemSHERPA / declarable-substance reporting) lists only
  declarable substances: substances adding up to *less* than their material is then expected and
  becomes a ``partial-composition`` note, not an error; adding up to *more* stays an error.
  Anything else is treated as a full material declaration.
- Substance identifiers: ``SubstanceID`` without a ``ListID`` or with authority CAS is a CAS RN
  (normalised, check digit verified); other lists keep ``authority`` = ``"<authority>-<list>"``
  (e.g. ``IEC62474-DSL``) and ``identity``. ``DsgID`` becomes ``Substance.category``.
  Exemptions use ``@regIndex`` (e.g. ``6(c)``) as identity when given, the exemption list
  (``Exemptions/UniqueID/@identity``, e.g. ``EU-RoHS-AnnexIII``, chemSHERPA ``LR04``) as
  authority, verbatim, and the tool's ``@identity`` code as ``code``; ``exemption_list`` is the
  list it belongs to (EU RoHS Annex III, EU ELV Annex II, China RoHS, … from
  ``data/exemption_lists.yaml``). An entry saying "no exemption" (chemSHERPA writes one per list
  when nothing is exempt) is not an exemption: dropped, counted in a ``no-exemption-marker`` note.
- Substances directly under ``Composition`` / ``ProductPart`` with no ``Material`` beside them
  (chemSHERPA-CI chemical products: solder paste, adhesive, ink) become one material of that
  (sub-)part, named after it, with the substances as mass percents. Its mass is the (sub-)part's
  declared mass, or unknown: a missing mass is then a ``chemical-product-mass`` note (screening
  takes the BoM's ``part_mass_g``), not an error. Beside materials they cannot be placed, and are
  kept in ``extra["part_substances"]`` with a note.
- ``ProductID @manufacturingSite`` is the part's ``manufacturing_site``; IEC 62474 names no
  manufacturer, so ``manufacturer`` stays empty (the supplier is ``Declaration.supplier``).
- ``MaterialCircularity`` recycled / renewable shares become ``RecycledContent``: metals (by name
  or class name) → ``recycled-metal`` with the total share; otherwise post-consumer → PCC,
  pre-consumer → PIC (the larger of the two), total only → PCC; renewable → bio-based. Failing
  that, recycled content is read from the material name and comment as for IPC-1752A.
- ``Compliance`` (declaration for compliance, DS/DSG against a DSL with thresholds) is kept in
  ``extra["compliance"]``, ``QueryList`` answers in ``extra["queries"]``; the DSLs used are listed
  in ``Declaration.regulatory_lists`` (``"IEC62474 DSL D29.00"``). ``declaration_class`` stays None
  (that field is IPC-1752A's class C/D); the sectionals present are in ``extra["sectionals"]``.

Each material is turned into dataclasses at its end tag and then dropped from the tree (so are
``ProductPart``, ``DsDsg`` and ``Product`` elements), keeping memory bounded. Elements the engine
does not know are kept, serialised, in ``Declaration.extra["unknown_elements"]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from lxml import etree

from .cas import cas_checksum_ok, normalise_cas
from .errors import FmdError, FmdValidationError
from .exemptions import read_exemption
from .model import (
    Declaration,
    DeclaredAmount,
    DeclaredPart,
    Exemption,
    HomogeneousMaterial,
    Party,
    QualityFlag,
    RecycledContent,
    RecycledKind,
    Substance,
)
from .recycled import _METAL_WORDS, parse_recycled_text
from .units import UnitError, is_mass_unit, parse_number, to_fraction, to_grams
from .validation import DEFAULT_POLICY, ValidationPolicy, validate
from .xmlsafe import attr, file_facts, iterparse, local_name
from .xmlsafe import drop_consumed as _drop

FORMAT = "IEC 62474"
NAMESPACE = "http://std.iec.ch/iec62474"
ROOT = "Main"

#: How many unknown elements are kept verbatim per file (the rest are counted only).
MAX_UNKNOWN_KEPT = 200
_MAX_UNKNOWN_CHARS = 2000
_XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"

_KNOWN_NAMES = (
    """Main Include Sectional BusinessInfo Request Response Attachment Contact Authorizer
    RequestCompany SupplyCompany RequestContent DSLforComposition DSLforCompliance
    MaterialClassList UniqueID Product ProductID Mass MassPercent InstanceID ProductCategory
    Identifier OtherNames CountryOfManufacture CountryInformation ListID EntryID Compliance
    DeclarableSubstanceList DsDsg DsDsgID ComplianceThreshold Exemptions Exemption SafeUse
    SafeUseID ProductPartInformation IntermediateComplexObject MaterialID Composition ProductPart
    Material MaterialClassID Substance SubstanceID DsgID CompositionThreshold MaterialProperty
    UseDescriptor MaterialCircularity RecycledContentInformation TotalRecycledContent
    PreConsumerRecycledContent PostConsumerRecycledContent RenewableContent RecyclabilityRate
    ProductCircularity AverageRecycledContent AverageRenewableContent AverageReusedContent
    MaterialClassDeclaration MaterialClass QueryList QueryListID Query QueryID Signature
    ToolNameVersionID"""
)
_KNOWN = frozenset(_KNOWN_NAMES.split())

# Field names the shared validation uses (IPC-1752A words) → IEC 62474 element names.
_FIELD_NAMES = (
    ("HomogeneousMaterial/Amount", "Material/Mass"),
    ("Substance/Amount", "Substance/Mass"),
    ("ProductID/Amount", "ProductID/Mass"),
    ("MaterialInfo", "Composition"),
)

_METAL = re.compile(_METAL_WORDS + r"|[铝镁钢铜锌镍锡铁钛]|金属", re.I)


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if local_name(c.tag) == name]


def _child(el: etree._Element | None, name: str) -> etree._Element | None:
    if el is None:
        return None
    return next((c for c in el if local_name(c.tag) == name), None)


def _entry(el: etree._Element | None) -> tuple[str | None, str | None, str | None, str | None]:
    """A UniqueEntry: (entryIdentity, entryDescription, list authority, list identity)."""
    if el is None:
        return None, None, None, None
    entry = _child(el, "EntryID")
    lst = _child(el, "ListID")
    if entry is None:  # tolerate DsDsgID-like flat entries
        entry = el
    return (attr(entry, "entryIdentity") or attr(entry, "identity"),
            attr(entry, "entryDescription"),
            attr(lst, "authority") if lst is not None else None,
            attr(lst, "identity") if lst is not None else None)


def _list_label(el: etree._Element) -> str | None:
    """A UniqueID naming a list: "IEC62474 DSL D29.00"."""
    words = [attr(el, "authority"), attr(el, "identity"), attr(el, "version")]
    label = " ".join(w for w in words if w)
    return label or None


def _bool(text: str | None) -> bool | None:
    if text is None:
        return None
    return text.strip().lower() in {"true", "1", "yes"}


@dataclass(slots=True)
class _Frame:
    """A Product or ProductPart being read: what its materials are scaled and checked by."""

    kind: str  # "Product" or "ProductPart"
    line: int | None
    units: float = 1.0  # numberOfUnits of this part in its parent
    multiplier: float = 1.0  # units of this part in one declared product
    label: str | None = None
    path: str = ""  # "Parts00009 (SUS-Screw) ×4 > Parts00010 (SUS)"
    mass_g: float | None = None  # declared mass of one unit
    content_g: float = 0.0  # materials + sub-parts of one unit
    content_known: bool = True
    has_content: bool = False
    #: substances declared directly under Composition / ProductPart (chemSHERPA-CI chemical
    #: products): one material of this (sub-)part when it declares no Material of its own
    loose: list[tuple[Substance, etree._Element]] = field(default_factory=list)
    loose_line: int | None = None
    # Product frames only
    part: DeclaredPart | None = None
    unit_type: str | None = None
    is_fmd: bool = True
    class_declarations: list[dict[str, object]] = field(default_factory=list)


class _Reader:
    """State of one streaming pass over a file."""

    def __init__(self, path: Path, policy: ValidationPolicy) -> None:
        self.path = path
        self.spath = str(path)
        self.policy = policy
        self.flags: list[QualityFlag] = []
        self.parts: list[DeclaredPart] = []
        self.frames: list[_Frame] = []
        self.supplier = Party()
        self.version: str | None = None
        self.namespace: str | None = None
        self.declaration_date: date | None = None
        self.regulatory_lists: list[str] = []
        self.extra: dict[str, object] = {}
        self.compliance: list[dict[str, object]] = []
        self.queries: list[dict[str, object]] = []
        self.material_classes: list[dict[str, object]] = []
        self.class_names: dict[str, str] = {}
        self.part_substances: list[dict[str, object]] = []
        self.product_exemptions: list[dict[str, object]] = []
        self.alternate_ids: list[dict[str, object]] = []
        self.sections: list[str] = []
        self.current_dsl: str | None = None
        self.partial: list[tuple[DeclaredPart, HomogeneousMaterial]] = []
        self.unknown: list[dict[str, object]] = []
        self.unknown_count = 0
        self.material_count = 0
        self.no_exemption_markers: list[int | None] = []  # lines of "no exemption" entries
        self.chemical: list[tuple[DeclaredPart, HomogeneousMaterial]] = []

    # -- helpers -----------------------------------------------------------------------------
    def flag(self, code: str, message: str, el: etree._Element | None, field: str, *,
             part: DeclaredPart | None = None, material: str | None = None,
             severity: str = "error", line: int | None = None) -> None:
        self.flags.append(QualityFlag(
            code, message, severity=severity,
            line=line if line is not None else (el.sourceline if el is not None else None),
            field=field, part_number=part.part_number if part else None, material=material))

    @property
    def product(self) -> _Frame | None:
        return self.frames[0] if self.frames else None

    def add_list(self, label: str | None) -> None:
        if label and label not in self.regulatory_lists:
            self.regulatory_lists.append(label)

    def amount(self, el: etree._Element | None, field: str, *, part: DeclaredPart | None,
               material: str | None) -> DeclaredAmount | None:
        """A ``Mass`` or ``MassPercent`` element as declared, with grams (one unit) for masses."""
        if el is None:
            return None
        unit: str | None
        if local_name(el.tag) == "MassPercent":
            raw_value, unit = attr(el, "massPercent"), "massPercent"
            value_field = f"{field}@massPercent"
        else:
            raw_value = attr(el, "mass")
            unit = attr(el, "unitOfMeasure") or attr(el, "UOM") or attr(el, "unit")
            value_field = f"{field}@mass"
        try:
            value = parse_number(raw_value, self.policy.decimal_separator,
                                 point_is_decimal=True)
        except UnitError as exc:
            self.flag("invalid-number", str(exc), el, value_field, part=part, material=material)
            return None
        if unit is None:
            self.flag("unknown-unit", "mass has no unitOfMeasure", el, f"{field}@unitOfMeasure",
                      part=part, material=material)
            return None
        try:
            grams = to_grams(value, unit) if is_mass_unit(unit) else None
        except UnitError as exc:
            self.flag("unknown-unit", str(exc), el, f"{field}@unitOfMeasure", part=part,
                      material=material)
            return None
        return DeclaredAmount(value=value, unit=unit, grams=grams)

    def remember_unknown(self, el: etree._Element) -> None:
        if isinstance(el.tag, str) and el.tag.startswith("{" + _XMLDSIG):
            return  # XML signature content under <Signature>
        parent = el.getparent()
        if parent is not None and local_name(parent.tag) not in _KNOWN:
            return  # only the top of an unknown subtree is kept
        self.unknown_count += 1
        if len(self.unknown) >= MAX_UNKNOWN_KEPT:
            return
        xml = etree.tostring(el, encoding="unicode", with_tail=False)
        self.unknown.append({
            "element": local_name(el.tag),
            "parent": local_name(parent.tag) if parent is not None else None,
            "line": el.sourceline,
            "xml": xml[:_MAX_UNKNOWN_CHARS],
        })

    def parse_date(self, raw: str, el: etree._Element) -> date | None:
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
        except ValueError:
            pass
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            self.flag("invalid-date", f"declaration date {raw!r} is not an ISO date", el,
                      "Response@date", severity="note")
            return None

    # -- business information ------------------------------------------------------------------
    def business_info(self, el: etree._Element) -> None:
        mode = attr(el, "mode")
        if mode:
            self.extra["mode"] = mode
        response = _child(el, "Response")
        request = _child(el, "Request")
        if response is not None:
            company = _child(response, "SupplyCompany")
            if company is not None:
                self.supplier.company = attr(company, "name") or attr(company, "nameLocal")
                local = attr(company, "nameLocal")
                if local and local != self.supplier.company:
                    self.extra["supplier_name_local"] = local
                uid = _child(company, "UniqueID")
                if uid is not None:
                    self.supplier.company_id = attr(uid, "identity")
            contact = _child(response, "Contact")
            if contact is None:
                contact = _child(response, "Authorizer")
            if contact is not None:
                self.supplier.contact_name = attr(contact, "name") or attr(contact, "nameLocal")
                self.supplier.contact_email = attr(contact, "email")
                self.supplier.contact_phone = attr(contact, "phone")
            raw = attr(response, "date")
            if raw:
                self.declaration_date = self.parse_date(raw, response)
            doc_id = attr(response, "docID")
            if doc_id:
                self.extra["doc_id"] = doc_id
        if request is not None:
            company = _child(request, "RequestCompany")
            contact = _child(request, "Contact")
            self.extra["requester"] = {
                "company": attr(company, "name") if company is not None else None,
                "contact_name": attr(contact, "name") if contact is not None else None,
                "contact_email": attr(contact, "email") if contact is not None else None,
                "date": attr(request, "date"),
            }
            content = _child(request, "RequestContent")
            if content is not None:
                for lst in content:
                    if local_name(lst.tag) in {"DSLforComposition", "DSLforCompliance"}:
                        self.add_list(_list_label(lst))
            if self.declaration_date is None and attr(request, "date"):
                self.declaration_date = self.parse_date(attr(request, "date") or "", request)

    # -- products and parts --------------------------------------------------------------------
    def start_product(self, el: etree._Element) -> None:
        if self.frames:
            raise FmdError("Product inside another Product (sub-parts are ProductPart)",
                           path=self.spath, line=el.sourceline, field="Product",
                           code="invalid-structure")
        self.frames = [_Frame("Product", el.sourceline, unit_type=attr(el, "unitType"))]

    def start_part(self, el: etree._Element) -> None:
        parent = self.frames[-1] if self.frames else None
        if parent is None:
            raise FmdError("ProductPart outside a Product", path=self.spath, line=el.sourceline,
                           field="ProductPart", code="invalid-structure")
        raw = attr(el, "numberOfUnits")
        units = 1.0
        if raw is not None:
            try:
                units = parse_number(raw, self.policy.decimal_separator,
                                     point_is_decimal=True)
                if units <= 0:
                    raise UnitError(f"numberOfUnits {raw!r} is not positive")
            except UnitError as exc:
                self.flag("invalid-number", str(exc), el, "ProductPart@numberOfUnits",
                          part=self.product.part if self.product else None)
                units = 1.0
        self.frames.append(_Frame("ProductPart", el.sourceline, units=units,
                                  multiplier=parent.multiplier * units))

    def start_composition(self, el: etree._Element) -> None:
        if self.product is not None:
            self.product.is_fmd = _bool(attr(el, "isFMD")) is not False

    def product_id(self, el: etree._Element) -> None:
        parent_name = local_name(el.getparent().tag) if el.getparent() is not None else ""
        if parent_name not in {"Product", "ProductPart"} or not self.frames:
            return
        frame = self.frames[-1]
        if frame.kind == "Product":
            self.product_id_of_product(el, frame)
        else:
            self.product_id_of_part(el, frame)

    def product_id_of_product(self, el: etree._Element, frame: _Frame) -> None:
        if frame.part is not None:  # further ProductIDs: alternate identifiers of the same product
            self.alternate_ids.append({"part_number": frame.part.part_number,
                                       "identifier": attr(el, "identifier"),
                                       "name": attr(el, "name"), "line": el.sourceline})
            return
        number = attr(el, "identifier") or attr(el, "requesterIdentifier")
        if number is None:
            raise FmdError("ProductID has no identifier", path=self.spath, line=el.sourceline,
                           field="ProductID@identifier", code="missing-part-number")
        part = DeclaredPart(
            part_number=number,
            name=attr(el, "name") or attr(el, "requesterName"),
            version=attr(el, "version"),
            manufacturer=attr(el, "manufacturer"),
            manufacturing_site=attr(el, "manufacturingSite"),
            unit_type=frame.unit_type,
            line=el.sourceline,
        )
        mass_el = _child(el, "Mass")
        if mass_el is not None:
            part.declared_mass = self.amount(mass_el, "ProductID/Mass", part=part, material=None)
            if part.declared_mass is not None:
                if part.declared_mass.grams is None:
                    self.flag("unknown-unit", "product mass must be a mass, not a concentration",
                              mass_el, "ProductID/Mass@unitOfMeasure", part=part)
                part.mass_g = part.declared_mass.grams
        frame.part = part
        frame.mass_g = part.mass_g
        frame.label = number
        self.parts.append(part)

    def product_id_of_part(self, el: etree._Element, frame: _Frame) -> None:
        if frame.label is not None:
            return
        name = attr(el, "name") or attr(el, "requesterName")
        number = attr(el, "identifier") or attr(el, "requesterIdentifier")
        frame.label = number or name or f"line {el.sourceline}"
        shown = f"{number} ({name})" if number and name else frame.label
        if frame.units != 1:
            shown += f" ×{frame.units:g}"
        parent = self.frames[-2]
        frame.path = f"{parent.path} > {shown}" if parent.path else shown
        product = self.product
        part = product.part if product else None
        mass_el, pct_el = _child(el, "Mass"), _child(el, "MassPercent")
        declared = self.amount(mass_el if mass_el is not None else pct_el, "ProductPart/ProductID",
                               part=part, material=None)
        if declared is None:
            return
        if declared.grams is not None:
            frame.mass_g = declared.grams
        elif parent.mass_g is not None:
            frame.mass_g = to_fraction(declared.value, declared.unit) * parent.mass_g

    def end_part(self, el: etree._Element) -> None:
        self.finish_loose(self.frames[-1])
        frame = self.frames.pop()
        parent = self.frames[-1]
        part = self.product.part if self.product else None
        if frame.mass_g is not None and frame.has_content and frame.content_known:
            tolerance = self.policy.tolerance_g(frame.mass_g)
            if abs(frame.content_g - frame.mass_g) > tolerance:
                self.flag(
                    "material-mass-balance",
                    f"sub-part {frame.path}: its materials and sub-parts add up to "
                    f"{frame.content_g:.6g} g per unit but it is declared as {frame.mass_g:.6g} g "
                    f"(tolerance ±{tolerance:.6g} g)",
                    None, "ProductPart/ProductID/Mass", part=part, line=frame.line)
        per_unit = frame.mass_g if frame.mass_g is not None else (
            frame.content_g if frame.has_content and frame.content_known else None)
        if per_unit is None:
            parent.content_known = False
        else:
            parent.content_g += frame.units * per_unit
        parent.has_content = True

    def end_product(self, el: etree._Element) -> None:
        frame = self.product
        if frame is not None and frame.part is not None:
            self.finish_loose(frame)
        self.frames = []
        if frame is None:
            return
        if frame.part is None:
            raise FmdError("<Product> has no ProductID", path=self.spath, line=el.sourceline,
                           field="Product/ProductID", code="missing-part-number")
        part = frame.part
        from_classes = not part.materials and bool(frame.class_declarations)
        for entry in frame.class_declarations:
            if from_classes:
                part.materials.append(self.class_material(entry))
            declared = entry["declared"]
            self.material_classes.append({  # kept for audit, as plain values
                "part_number": part.part_number, "list": entry["list"], "id": entry["id"],
                "name": entry["name"],
                "value": declared.value if isinstance(declared, DeclaredAmount) else None,
                "unit": declared.unit if isinstance(declared, DeclaredAmount) else None,
                "mass_g": entry["mass_g"], "line": entry["line"],
                "used_as_materials": from_classes,
            })

    # -- materials and substances ----------------------------------------------------------------
    def material(self, el: etree._Element) -> None:
        product = self.product
        part = product.part if product else None
        if product is None or part is None:
            raise FmdError("Material appears before the ProductID of its product",
                           path=self.spath, line=el.sourceline, field="ProductID",
                           code="missing-part-number")
        frame = self.frames[-1]
        self.material_count += 1
        name = attr(el, "name")
        if name is None:
            self.flag("missing-name", "material has no name", el, "Material@name", part=part)
            name = f"(unnamed material {self.material_count})"
        comment = attr(el, "comment")
        material = HomogeneousMaterial(name=name, mass_g=None, comment=comment,
                                       line=el.sourceline)

        class_el = _child(el, "MaterialClassID")
        class_id, class_name, _, _ = _entry(class_el)
        material.material_class = class_id
        material.material_group = class_name
        if class_id is None:
            _, material.material_group, _, _ = _entry(_child(el, "MaterialID"))

        per_unit_g = self.material_mass(el, material, frame, part)
        if per_unit_g is None:
            frame.content_known = False
        else:
            frame.content_g += per_unit_g
            material.mass_g = per_unit_g * frame.multiplier
        frame.has_content = True
        if material.declared is not None and material.declared.grams is None \
                and material.mass_g is not None:
            material.declared = replace(material.declared, grams=material.mass_g)

        for sub in _children(el, "Substance"):
            material.substances.append(self.substance(sub, part, name, frame.multiplier))

        circularity = _child(el, "MaterialCircularity")
        if circularity is not None:
            material.recycled = self.circularity(circularity, part, material, per_unit_g)
        if material.recycled is None:
            material.recycled = (parse_recycled_text(name, source="name")
                                 or parse_recycled_text(comment, source="comment"))
        if frame.kind == "ProductPart":
            material.comment = f"sub-part {frame.path}" + (f"; {comment}" if comment else "")
        part.materials.append(material)
        if not product.is_fmd:
            self.partial.append((part, material))

    def material_mass(self, el: etree._Element, material: HomogeneousMaterial, frame: _Frame,
                      part: DeclaredPart) -> float | None:
        """Grams of the material in one unit of its (sub-)part; sets ``material.declared``."""
        mass_el, pct_el = _child(el, "Mass"), _child(el, "MassPercent")
        source = mass_el if mass_el is not None else pct_el
        if source is None:
            return None  # validation reports the missing mass
        field = f"Material/{local_name(source.tag)}"
        declared = self.amount(source, field, part=part, material=material.name)
        if declared is None:
            return None
        if declared.grams is not None:
            material.declared = replace(declared, grams=declared.grams * frame.multiplier)
            return declared.grams
        if frame.mass_g is not None:
            material.declared = declared
            return to_fraction(declared.value, declared.unit) * frame.mass_g
        if frame.kind == "Product":
            material.declared = declared  # validation reports the missing product mass
        else:
            self.flag("missing-mass", f"material is declared as {declared.value:g} "
                      f"{declared.unit} of sub-part {frame.path}, whose mass is not declared",
                      source, field, part=part, material=material.name)
        return None

    def substance(self, el: etree._Element, part: DeclaredPart, material: str,
                  multiplier: float) -> Substance:
        substance = Substance(name=attr(el, "name") or "", line=el.sourceline)
        id_el = _child(el, "SubstanceID")
        if id_el is not None:
            identity, description, authority, list_id = _entry(id_el)
            substance.identity = identity
            if authority and list_id and authority.upper().replace(" ", "") not in {
                    "CAS", "CASRN"}:
                substance.authority = f"{authority}-{list_id}"
            else:
                substance.authority = authority
            if not substance.name:
                substance.name = description or ""
        dsg_el = _child(el, "DsgID")
        if dsg_el is not None:
            dsg_id, dsg_name, dsg_authority, _ = _entry(dsg_el)
            if dsg_name or dsg_id:
                substance.category = dsg_name or f"{dsg_authority or 'IEC62474'} DSG {dsg_id}"
        if not substance.name:
            if substance.identity is None:
                self.flag("missing-name", "substance has no name or identifier", el,
                          "Substance@name", part=part, material=material)
            substance.name = substance.identity or "(unnamed substance)"
        substance.exemptions = self.exemptions(el)
        self.identify(substance, el, part, material)
        mass_el, pct_el = _child(el, "Mass"), _child(el, "MassPercent")
        source = mass_el if mass_el is not None else pct_el
        if source is None:
            self.flag("missing-mass", f"substance {substance.name!r} has no Mass or MassPercent",
                      el, "Substance/Mass", part=part, material=material)
        else:
            declared = self.amount(source, f"Substance/{local_name(source.tag)}", part=part,
                                   material=material)
            if declared is not None and declared.grams is not None:
                declared = replace(declared, grams=declared.grams * multiplier)
            substance.declared = declared
        return substance

    def identify(self, substance: Substance, el: etree._Element, part: DeclaredPart,
                 material: str) -> None:
        identity = substance.identity
        if identity is None:
            return
        authority = (substance.authority or "").upper().replace(" ", "")
        if authority not in {"", "CAS", "CASRN"}:
            return
        cas = normalise_cas(identity)
        if cas is None:
            if authority:
                self.flag("cas-format", f"substance {substance.name!r}: {identity!r} is not a "
                          "CAS number", el, "Substance/SubstanceID/EntryID@entryIdentity",
                          part=part, material=material)
            return
        if not cas_checksum_ok(cas):
            self.flag("cas-checksum", f"substance {substance.name!r}: CAS {identity!r} fails "
                      "its check digit", el, "Substance/SubstanceID/EntryID@entryIdentity",
                      part=part, material=material)
            return
        substance.cas = cas
        substance.authority = "CAS"

    def exemptions(self, el: etree._Element) -> list[Exemption]:
        """Exemptions of every ``Exemptions`` child of ``el``."""
        found: list[Exemption] = []
        for group in _children(el, "Exemptions"):
            found.extend(self.exemption_group(group))
        return found

    def exemption_group(self, group: etree._Element) -> list[Exemption]:
        """One ``Exemptions`` element: the list it refers to, then its ``Exemption`` entries.

        ``@regIndex`` (the regulation's own index, e.g. ``6(c)``) is the identity when given; the
        tool's code (``@identity``, e.g. a chemSHERPA application code) is kept beside it. An
        entry that says "no exemption" (chemSHERPA writes one per regulation when nothing is
        exempt) is not an exemption: it is dropped and counted in a note."""
        uid = _child(group, "UniqueID")
        authority = (attr(uid, "identity") or attr(uid, "authority")) if uid is not None \
            else None
        found: list[Exemption] = []
        for child in _children(group, "Exemption"):
            identity = attr(child, "identity")
            reg_index = attr(child, "regIndex")
            description = attr(child, "description")
            exemption = read_exemption(reg_index or identity, authority=authority,
                                       description=description, code=identity)
            if exemption is not None:
                found.append(exemption)
            elif identity or reg_index or description:
                self.no_exemption_markers.append(child.sourceline)
        return found

    def circularity(self, el: etree._Element, part: DeclaredPart,
                    material: HomogeneousMaterial, per_unit_g: float | None,
                    ) -> RecycledContent | None:
        """Recycled or renewable content from ``MaterialCircularity``."""
        info = _child(el, "RecycledContentInformation")
        shares: dict[str, float | None] = {}
        for name in ("TotalRecycledContent", "PreConsumerRecycledContent",
                     "PostConsumerRecycledContent"):
            shares[name] = self.share_of(_child(info, name), part, material.name, per_unit_g)
        renewable = self.share_of(_child(el, "RenewableContent"), part, material.name,
                                  per_unit_g)
        total = shares["TotalRecycledContent"]
        pre = shares["PreConsumerRecycledContent"] or 0.0
        post = shares["PostConsumerRecycledContent"] or 0.0
        text = " ".join(t for t in (material.name, material.material_group) if t)
        try:
            if _METAL.search(text) and (total or pre + post):
                return RecycledContent(RecycledKind.RECYCLED_METAL,
                                       min(total or pre + post, 1.0), source="field")
            if post or pre:
                kind = RecycledKind.PCC if post >= pre else RecycledKind.PIC
                return RecycledContent(kind, max(post, pre), source="field")
            if total:
                return RecycledContent(RecycledKind.PCC, total, source="field")
            if renewable:
                return RecycledContent(RecycledKind.BIO_BASED, renewable, source="field")
        except ValueError as exc:
            self.flag("invalid-recycled-content", str(exc), el, "MaterialCircularity",
                      part=part, material=material.name)
        return None

    def share_of(self, el: etree._Element | None, part: DeclaredPart, material: str,
                 per_unit_g: float | None) -> float | None:
        if el is None:
            return None
        pct_el, mass_el = _child(el, "MassPercent"), _child(el, "Mass")
        field = f"MaterialCircularity/{local_name(el.tag)}"
        if pct_el is not None:
            declared = self.amount(pct_el, field, part=part, material=material)
            share = None if declared is None else declared.value / 100.0
        elif mass_el is not None and per_unit_g:
            declared = self.amount(mass_el, field, part=part, material=material)
            share = None if declared is None or declared.grams is None \
                else declared.grams / per_unit_g
        else:
            return None
        if share is not None and not 0.0 <= share <= 1.0:
            self.flag("invalid-recycled-content", f"share {share:.4g} is outside 0–1", el, field,
                      part=part, material=material)
            return None
        return share

    def loose_substance(self, el: etree._Element) -> None:
        """A Substance directly under Composition / ProductPart, as chemSHERPA-CI declares a
        chemical product (solder paste, adhesive, ink): collected, and made one material of its
        (sub-)part at the part's end tag (``finish_loose``)."""
        product = self.product
        part = product.part if product else None
        if part is None:
            return
        frame = self.frames[-1]
        substance = self.substance(el, part, _chemical_name(part, frame), frame.multiplier)
        if frame.loose_line is None:
            frame.loose_line = el.sourceline
        frame.loose.append((substance, el))

    def finish_loose(self, frame: _Frame) -> None:
        """Substances declared outside any material: one material of the (sub-)part - the
        chemical product itself - whose mass is the part's declared mass (or unknown: the BoM
        gives it at screening). If the part also declares materials or sub-parts the substances
        cannot be placed in one of them, so they are kept in ``extra['part_substances']`` with a
        note."""
        if not frame.loose:
            return
        product = self.product
        part = product.part if product else None
        assert part is not None and product is not None
        name = _chemical_name(part, frame)
        if frame.has_content:  # beside materials or sub-parts: not the whole (sub-)part
            for substance, el in frame.loose:
                declared = substance.declared
                self.part_substances.append({
                    "part_number": part.part_number, "sub_part": frame.path or None,
                    "name": substance.name, "cas": substance.cas,
                    "identity": substance.identity, "authority": substance.authority,
                    "value": declared.value if declared else None,
                    "unit": declared.unit if declared else None,
                    "grams": declared.grams if declared else None,
                    "exemptions": [e.identity for e in substance.exemptions],
                    "exemption_details": [_exemption_json(e) for e in substance.exemptions],
                    "line": el.sourceline,
                })
                self.flag("substance-outside-material", f"substance {substance.name!r} is "
                          "declared at product-part level beside materials or sub-parts, not "
                          "inside a material; kept in extra['part_substances']", el, "Substance",
                          part=part, severity="note")
            frame.loose = []
            return
        material = HomogeneousMaterial(
            name=name, mass_g=None, line=frame.loose_line,
            comment=("chemical product: substances declared directly under Composition"
                     if frame.kind == "Product" else f"sub-part {frame.path}; chemical product"),
            substances=[s for s, _ in frame.loose])
        if frame.mass_g is not None:
            material.mass_g = frame.mass_g * frame.multiplier
            frame.content_g += frame.mass_g
        else:
            frame.content_known = False
        frame.has_content = True
        part.materials.append(material)
        self.chemical.append((part, material))
        if not product.is_fmd:
            self.partial.append((part, material))
        frame.loose = []

    # -- other sectionals ------------------------------------------------------------------------
    def dsdsg(self, el: etree._Element) -> None:
        part = self.product.part if self.product else None
        entry_id = _child(el, "DsDsgID")
        threshold = _child(el, "ComplianceThreshold")
        mass = self.amount(_child(el, "Mass"), "DsDsg/Mass", part=part, material=None)
        pct = self.amount(_child(el, "MassPercent"), "DsDsg/MassPercent", part=part,
                          material=None)
        exemptions = self.exemptions(el)
        self.compliance.append({
            "part_number": part.part_number if part else None,
            "list": self.current_dsl,
            "id": attr(entry_id, "entryIdentity") if entry_id is not None else None,
            "name": attr(el, "name"),
            "above_threshold": _bool(attr(threshold, "aboveComplianceThreshold"))
            if threshold is not None else None,
            "reporting_threshold": attr(threshold, "reportingThreshold")
            if threshold is not None else None,
            "application": attr(threshold, "reportableApplication")
            if threshold is not None else None,
            "mass_g": mass.grams if mass else None,
            "mass_percent": pct.value if pct else None,
            "exemptions": [e.identity for e in exemptions],
            "exemption_details": [_exemption_json(e) for e in exemptions],
            "line": el.sourceline,
        })

    def class_declaration(self, el: etree._Element) -> None:
        frame = self.product
        part = frame.part if frame else None
        list_el = _child(el, "MaterialClassList")
        list_label = _list_label(list_el) if list_el is not None else None
        for child in _children(el, "MaterialClass"):
            class_id, name = attr(child, "id"), attr(child, "name")
            if class_id and name:
                self.class_names.setdefault(class_id, name)
            mass_el, pct_el = _child(child, "Mass"), _child(child, "MassPercent")
            source = mass_el if mass_el is not None else pct_el
            declared = self.amount(source, f"MaterialClass/{local_name(source.tag)}",
                                   part=part, material=name) if source is not None else None
            grams = None
            if declared is not None:
                grams = declared.grams
                if grams is None and part is not None and part.mass_g is not None:
                    grams = to_fraction(declared.value, declared.unit) * part.mass_g
            entry: dict[str, object] = {
                "list": list_label, "id": class_id, "name": name,
                "declared": declared, "mass_g": grams, "comment": attr(child, "comment"),
                "line": child.sourceline, "recycled": None,
            }
            circularity = _child(child, "MaterialCircularity")
            if circularity is not None and part is not None:
                probe = HomogeneousMaterial(name=name or "", mass_g=grams, material_group=name)
                entry["recycled"] = self.circularity(circularity, part, probe, grams)
            if frame is not None:
                frame.class_declarations.append(entry)

    def class_material(self, entry: dict[str, object]) -> HomogeneousMaterial:
        name = str(entry["name"] or entry["id"] or "(unnamed material class)")
        declared = entry["declared"]
        mass_g = entry["mass_g"]
        material = HomogeneousMaterial(
            name=name,
            mass_g=mass_g if isinstance(mass_g, float) else None,
            declared=declared if isinstance(declared, DeclaredAmount) else None,
            material_group=entry["name"] if isinstance(entry["name"], str) else None,
            material_class=entry["id"] if isinstance(entry["id"], str) else None,
            comment="material class declaration" + (
                f"; {entry['comment']}" if entry["comment"] else ""),
            line=entry["line"] if isinstance(entry["line"], int) else None,
        )
        if material.declared is not None and material.declared.grams is None:
            material.declared = replace(material.declared, grams=material.mass_g)
        recycled = entry["recycled"]
        material.recycled = recycled if isinstance(recycled, RecycledContent) else (
            parse_recycled_text(name, source="name"))
        return material

    def query_list(self, el: etree._Element) -> None:
        list_el = _child(el, "QueryListID")
        list_label = _list_label(list_el) if list_el is not None else None
        for query in _children(el, "Query"):
            qid = _child(query, "QueryID")
            number = attr(query, "numberResponse")
            try:
                number_value = parse_number(number, self.policy.decimal_separator,
                                            point_is_decimal=True) if number is not None else None
            except UnitError:
                number_value = None
            self.queries.append({
                "part_number": self.product.part.part_number
                if self.product and self.product.part else None,
                "list": list_label,
                "id": attr(qid, "entryIdentity") if qid is not None else None,
                "statement": attr(query, "statement"),
                "response": _bool(attr(query, "response")),
                "number_response": number_value,
                "additional_information": attr(query, "additionalInformation"),
                "line": query.sourceline,
            })

    def product_level_exemptions(self, el: etree._Element) -> None:
        part = self.product.part if self.product else None
        for exemption in self.exemption_group(el):
            self.product_exemptions.append({
                "part_number": part.part_number if part else None,
                **_exemption_json(exemption), "line": el.sourceline,
            })

    # -- after the last element ------------------------------------------------------------------
    def finish(self) -> None:
        for part in self.parts:
            for material in part.materials:
                if material.material_group is None and material.material_class:
                    material.material_group = self.class_names.get(material.material_class)


def _chemical_name(part: DeclaredPart, frame: _Frame) -> str:
    if frame.kind == "Product":
        return part.name or part.part_number
    return frame.label or "(chemical product)"


def _exemption_json(exemption: Exemption) -> dict[str, object]:
    return {"identity": exemption.identity, "authority": exemption.authority,
            "list": exemption.exemption_list, "code": exemption.code,
            "description": exemption.description}


def parse_iec62474(path: str | Path, policy: ValidationPolicy = DEFAULT_POLICY) -> Declaration:
    """Read, normalise and validate one IEC 62474 material declaration.

    Raises ``FmdError`` (or ``FmdValidationError``) naming the file, line, part, material and field.
    In lenient mode (``policy.lenient``) mass-balance and identifier problems become flags instead.
    """
    path = Path(path)
    facts = file_facts(path)
    reader = _Reader(path, policy)
    root_seen = False
    for event, el in iterparse(path):
        name = local_name(el.tag)
        if event == "start":
            if not root_seen:
                root_seen = True
                _check_root(el, name, reader)
            elif name == "Product":
                reader.start_product(el)
            elif name == "ProductPart":
                reader.start_part(el)
            elif name == "Composition":
                reader.start_composition(el)
            continue

        # end events
        parent = el.getparent()
        parent_name = local_name(parent.tag) if parent is not None else ""
        if name == "Material":
            reader.material(el)
            _drop(el)
        elif name == "Substance":
            if parent_name in {"Composition", "ProductPart"}:
                reader.loose_substance(el)
        elif name == "ProductID":
            reader.product_id(el)
        elif name == "ProductPart":
            reader.end_part(el)
            _drop(el)
        elif name == "Product":
            reader.end_product(el)
            _drop(el)
        elif name == "DeclarableSubstanceList":
            label = _list_label(el)
            reader.add_list(label)
            if parent_name == "Compliance":
                reader.current_dsl = label
        elif name == "DsDsg":
            reader.dsdsg(el)
            _drop(el)
        elif name == "MaterialClassDeclaration":
            reader.class_declaration(el)
        elif name == "QueryList":
            reader.query_list(el)
        elif name == "Exemptions" and parent_name == "Product":
            reader.product_level_exemptions(el)
        elif name == "BusinessInfo":
            reader.business_info(el)
            _drop(el)
        elif name == "Sectional":
            section = attr(el, "nameOfSectional")
            if section:
                reader.sections.append(section)
        elif name == "ToolNameVersionID":
            reader.extra["tool"] = _list_label(el)
        elif name not in _KNOWN:
            reader.remember_unknown(el)
    reader.finish()

    extra = reader.extra
    if reader.unknown:
        extra["unknown_elements"] = reader.unknown
        extra["unknown_element_count"] = reader.unknown_count
    for key, value in (("compliance", reader.compliance), ("queries", reader.queries),
                       ("material_classes", reader.material_classes),
                       ("part_substances", reader.part_substances),
                       ("product_exemptions", reader.product_exemptions),
                       ("alternate_ids", reader.alternate_ids),
                       ("sectionals", reader.sections)):
        if value:
            extra[key] = value
    if reader.namespace and reader.namespace != NAMESPACE:
        extra["namespace"] = reader.namespace
    if reader.no_exemption_markers:
        count = len(reader.no_exemption_markers)
        reader.flags.append(QualityFlag(
            "no-exemption-marker", f"{count} exemption entr{'y says' if count == 1 else 'ies say'}"
            " that no exemption is claimed (a \"no exemption\" marker); read as no exemption",
            severity="note", line=reader.no_exemption_markers[0], field="Exemptions/Exemption"))
    declaration = Declaration(
        source_path=str(path),
        sha256=facts.sha256,
        format=FORMAT,
        format_version=reader.version,
        declaration_date=reader.declaration_date,
        supplier=reader.supplier,
        parts=reader.parts,
        declaration_class=None,
        regulatory_lists=reader.regulatory_lists,
        extra=extra,
        flags=reader.flags,
    )
    # Validate leniently, then relax partial (isFMD="false") compositions and apply the caller's
    # strictness, so that one rejection still lists every problem of the file.
    validate(declaration, replace(policy, lenient=True))
    _relax_partial(declaration, reader.partial, policy)
    _relax_chemical(declaration, reader.chemical)
    _rename_fields(declaration)
    errors = [f for f in declaration.flags if f.severity == "error"]
    if errors and not policy.lenient:
        raise FmdValidationError(errors, declaration.source_path)
    return declaration


def _check_root(el: etree._Element, name: str, reader: _Reader) -> None:
    namespace = el.tag[1:].partition("}")[0] if el.tag.startswith("{") else None
    if name != ROOT or (namespace and "62474" not in namespace):
        shown = f"{{{namespace}}}{name}" if namespace else name
        raise FmdError(f"root element is <{shown}>, not <{ROOT}> in namespace {NAMESPACE}: not an "
                       "IEC 62474 declaration", path=reader.spath, line=el.sourceline,
                       field=name, code="wrong-format")
    reader.namespace = namespace
    reader.version = attr(el, "schemaDatabaseVersion")
    if reader.version is None:
        reader.flag("missing-version", "Main has no schemaDatabaseVersion", el,
                    "Main@schemaDatabaseVersion", severity="note")
    complete = _bool(attr(el, "declarationComplete"))
    if complete is not None:
        reader.extra["declaration_complete"] = complete


def _relax_partial(declaration: Declaration,
                   partial: list[tuple[DeclaredPart, HomogeneousMaterial]],
                   policy: ValidationPolicy) -> None:
    """In ``isFMD="false"`` compositions, substances summing to less than 100 % are expected."""
    relaxed: set[tuple[str, str, int | None]] = set()
    for part, material in partial:
        if not material.substances or material.mass_g is None:
            continue
        masses = [s.mass_g for s in material.substances]
        ppms = [s.concentration_ppm for s in material.substances]
        tolerance = policy.tolerance_g(material.mass_g)
        under_mass = all(m is not None for m in masses) and \
            sum(m for m in masses if m is not None) <= material.mass_g + tolerance
        under_ppm = all(p is not None for p in ppms) and \
            sum(p for p in ppms if p is not None) <= 1e6 * (1 + policy.relative_tolerance)
        if under_mass or under_ppm:
            relaxed.add((part.part_number, material.name, material.line))
    for flag in declaration.flags:
        if flag.code in {"substance-mass-balance", "concentration-sum"} and (
                flag.part_number, flag.material, flag.line) in relaxed:
            flag.code = "partial-composition"
            flag.severity = "note"
            flag.message += " (Composition isFMD=\"false\": only declarable substances listed)"


def _relax_chemical(declaration: Declaration,
                    chemical: list[tuple[DeclaredPart, HomogeneousMaterial]]) -> None:
    """A chemical product declared without a mass is expected (chemSHERPA-CI gives mass
    percents only): its mass comes from the BoM at screening, so a note, not an error."""
    keys = {(part.part_number, material.name, material.line) for part, material in chemical
            if material.mass_g is None}
    for flag in declaration.flags:
        if flag.code == "missing-mass" and (flag.part_number, flag.material, flag.line) in keys:
            flag.severity = "note"
            flag.code = "chemical-product-mass"
            flag.message = ("chemical product declares no mass (substances as mass percents "
                            "only): its mass is taken from the BoM where one is given")


def _rename_fields(declaration: Declaration) -> None:
    for flag in declaration.flags:
        if flag.field:
            for ipc_name, iec_name in _FIELD_NAMES:
                if flag.field.startswith(ipc_name):
                    flag.field = iec_name + flag.field[len(ipc_name):]
                    break
