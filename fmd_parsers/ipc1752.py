"""IPC-1752A material declarations (versions 1.1, 2.0 with Amendments 1-3, 2.1), streamed.

Layout read (namespace ``http://webstds.ipc.org/175x/2.0``, prefixed, default or absent)::

    MainDeclaration @version
      BusinessInfo / Response @date / SupplyCompany @name (CompanyID) / Contact @name (Email, Phone)
      Product @unitType
        ProductID @itemNumber @itemName @version @manufacturer @manufacturingSite / Amount
        MaterialInfo
          SubstanceCategoryList (Class C: SubstanceCategoryListID, SubstanceCategory @name /
                                 SubstanceCategoryID (Amendment 3), Threshold, Exemption)
          HomogeneousMaterialList / HomogeneousMaterial @name @materialGroupName / Amount
            SubstanceCategory @name / Substance @name / UniqueID|SubstanceID, Amount, Exemption
        SubProduct (nested; its materials are attributed to the enclosing part)

``@manufacturer`` and ``@manufacturingSite`` stay apart. Class C categories (with their
identity, list, threshold and exemptions) are kept in ``extra["class_c"]``; the classes the file
states (``Include/Sectional/SubSectional @name``: A, C, D) join the ones its content shows in
``declaration_class``. Exemptions keep the list they are declared under (``@authority``, an
``ExemptionID``, else the enclosing Class C list) and get ``exemption_list`` from
``data/exemption_lists.yaml``; "no exemption" markers are dropped with a note.

Each homogeneous material is turned into dataclasses at its end tag and then dropped from the tree,
so memory stays bounded however many materials a file holds. Elements the engine does not know
are kept, serialised, in ``Declaration.extra["unknown_elements"]`` rather than rejected.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from lxml import etree

from .cas import cas_checksum_ok, normalise_cas
from .errors import FmdError
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
    Substance,
)
from .recycled import parse_kind, parse_recycled_text
from .units import UnitError, is_mass_unit, parse_number, to_grams
from .validation import DEFAULT_POLICY, ValidationPolicy, validate
from .xmlsafe import attr, file_facts, iterparse, local_name
from .xmlsafe import drop_consumed as _drop

FORMAT = "IPC-1752A"
NAMESPACE = "http://webstds.ipc.org/175x/2.0"
ROOT = "MainDeclaration"

#: How many unknown elements are kept verbatim per file (the rest are counted only).
MAX_UNKNOWN_KEPT = 200
_MAX_UNKNOWN_CHARS = 2000

_KNOWN = frozenset(
    [
        "MainDeclaration", "BusinessInfo", "Request", "Response", "SupplyCompany",
        "RequestCompany", "CompanyID", "Contact", "Authorizer", "Email", "Phone", "Fax",
        "Declaration", "Signature", "Product", "SubProduct", "ProductID", "Amount",
        "MaterialInfo", "HomogeneousMaterialList", "HomogeneousMaterial",
        "SubstanceCategoryList", "SubstanceCategoryListID", "SubstanceCategory", "Substance",
        "UniqueID", "SubstanceID", "Exemption", "ExemptionID", "Threshold", "Concentration",
        "SubstanceCategoryID",
        "MaterialGroupID", "MaterialGroup", "Include", "Sectional", "SubSectional",
        "Attachment", "RecycledContent", "LegalDef", "UncertaintyStatement",
        "ManufacturingInfo", "AlternateRecommendation",
    ]
)

_SUBPRODUCT = "SubProduct"
#: Elements the stream surfaces; everything else is read from their subtrees.
_STREAMED = ("MainDeclaration", "BusinessInfo", "Product", "SubProduct", "ProductID",
             "HomogeneousMaterial", "SubstanceCategoryList", "SubSectional")


class _Reader:
    """State of one streaming pass over a file."""

    def __init__(self, path: Path, decimal: str = "auto") -> None:
        self.path = path
        self.spath = str(path)
        self.decimal = decimal  # the file's stated decimal separator (units.DECIMAL_SEPARATORS)
        self.flags: list[QualityFlag] = []
        self.parts: list[DeclaredPart] = []
        self.part_stack: list[tuple[str, DeclaredPart | None]] = []  # (element name, part)
        self.supplier = Party()
        self.version: str | None = None
        self.namespace: str | None = None
        self.declaration_date: date | None = None
        self.class_c: list[dict[str, object]] = []
        self.regulatory_lists: list[str] = []
        self.sections: list[str] = []
        self.unknown: list[dict[str, object]] = []
        self.unknown_count = 0
        self.material_count = 0
        self.no_exemption_markers: list[int | None] = []  # lines of "no exemption" entries

    # -- helpers -----------------------------------------------------------------------------
    def flag(self, code: str, message: str, el: etree._Element | None, field: str, *,
             part: DeclaredPart | None = None, material: str | None = None,
             severity: str = "error") -> None:
        self.flags.append(QualityFlag(
            code, message, severity=severity, line=el.sourceline if el is not None else None,
            field=field, part_number=part.part_number if part else None, material=material))

    @property
    def current_part(self) -> DeclaredPart | None:
        """The declared article materials belong to: the outermost ``Product``."""
        return self.part_stack[0][1] if self.part_stack else None

    def amount(self, el: etree._Element | None, field: str, *, part: DeclaredPart | None,
               material: str | None, default_unit: str | None = None) -> DeclaredAmount | None:
        """The ``Amount``-like element as declared, with grams for mass units."""
        if el is None:
            return None
        raw_value = attr(el, "value")
        unit = attr(el, "UOM") or attr(el, "unitOfMeasure") or default_unit
        try:
            value = parse_number(raw_value, self.decimal, point_is_decimal=True)
        except UnitError as exc:
            self.flag("invalid-number", str(exc), el, f"{field}@value", part=part,
                      material=material)
            return None
        if unit is None:
            self.flag("unknown-unit", "amount has no unit (UOM)", el, f"{field}@UOM", part=part,
                      material=material)
            return None
        try:
            grams = to_grams(value, unit) if is_mass_unit(unit) else None
        except UnitError as exc:
            self.flag("unknown-unit", str(exc), el, f"{field}@UOM", part=part, material=material)
            return None
        return DeclaredAmount(value=value, unit=unit, grams=grams)

    def collect_unknown(self, subtree: etree._Element) -> None:
        """Keep elements the engine does not know (top of each unknown subtree) as extra data."""
        for el in subtree.iter():
            if local_name(el.tag) in _KNOWN or not isinstance(el.tag, str):
                continue
            parent = el.getparent()
            if parent is not None and local_name(parent.tag) not in _KNOWN:
                continue
            self.unknown_count += 1
            if len(self.unknown) >= MAX_UNKNOWN_KEPT:
                continue
            xml = etree.tostring(el, encoding="unicode", with_tail=False)
            self.unknown.append({
                "element": local_name(el.tag),
                "parent": local_name(parent.tag) if parent is not None else None,
                "line": el.sourceline,
                "xml": xml[:_MAX_UNKNOWN_CHARS],
            })

    # -- element handlers ----------------------------------------------------------------------
    def business_info(self, el: etree._Element) -> None:
        for child in el.iter():
            name = local_name(child.tag)
            if name in {"SupplyCompany"}:
                self.supplier.company = attr(child, "name") or self.supplier.company
                for sub in child:
                    if local_name(sub.tag) == "CompanyID":
                        self.supplier.company_id = attr(sub, "identity")
            elif name == "Contact" and self.supplier.contact_name is None:
                self.supplier.contact_name = attr(child, "name")
                for sub in child:
                    sub_name = local_name(sub.tag)
                    if sub_name == "Email":
                        self.supplier.contact_email = attr(sub, "address")
                    elif sub_name == "Phone":
                        self.supplier.contact_phone = attr(sub, "number")
            elif name in {"Response", "Declaration"} and self.declaration_date is None:
                raw = attr(child, "date")
                if raw:
                    self.declaration_date = self.parse_date(raw, child)

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

    def product_id(self, el: etree._Element) -> None:
        frame_name, part = self.part_stack[-1]
        if part is not None:
            return  # a second ProductID (alternate part numbers): keep the first as the identity
        number = attr(el, "itemNumber") or attr(el, "requesterItemNumber")
        if number is None:
            raise FmdError("ProductID has no itemNumber", path=self.spath, line=el.sourceline,
                           field="ProductID@itemNumber", code="missing-part-number")
        part = DeclaredPart(
            part_number=number,
            name=attr(el, "itemName") or attr(el, "requesterItemName"),
            version=attr(el, "version"),
            manufacturer=attr(el, "manufacturer"),
            manufacturing_site=attr(el, "manufacturingSite"),
            line=el.sourceline,
        )
        amount_el = next((c for c in el if local_name(c.tag) == "Amount"), None)
        part.declared_mass = self.amount(amount_el, "ProductID/Amount", part=part, material=None)
        if part.declared_mass is not None:
            if part.declared_mass.grams is None:
                self.flag("unknown-unit", "part mass must be a mass, not a concentration",
                          amount_el, "ProductID/Amount@UOM", part=part)
            part.mass_g = part.declared_mass.grams
        self.part_stack[-1] = (frame_name, part)
        if frame_name == "Product":
            self.parts.append(part)

    def exemption(self, el: etree._Element, list_id: str | None = None) -> Exemption | None:
        """One ``Exemption``: its identity, the list it is declared under (``@authority``, an
        ``ExemptionID``, else the enclosing Class C list), or None for a "no exemption" marker."""
        identity = attr(el, "identity")
        authority = attr(el, "authority")
        for sub in el:
            if local_name(sub.tag) == "ExemptionID":
                identity = identity or attr(sub, "identity")
                authority = authority or attr(sub, "authority")
        if identity is None:
            identity = (el.text or "").strip() or None
        description = attr(el, "description") or attr(el, "name")
        exemption = read_exemption(identity, authority=authority or list_id,
                                   description=description)
        if exemption is None and (identity or description):
            self.no_exemption_markers.append(el.sourceline)
        return exemption

    def exemptions(self, el: etree._Element, list_id: str | None = None) -> list[Exemption]:
        """Exemptions declared directly under ``el`` (a material or a substance category)."""
        found = []
        for child in el:
            if local_name(child.tag) == "Exemption":
                exemption = self.exemption(child, list_id)
                if exemption is not None:
                    found.append(exemption)
        return found

    def substance(self, el: etree._Element, category: str | None,
                  category_exemptions: list[Exemption], part: DeclaredPart,
                  material: str) -> Substance:
        name = attr(el, "name")
        if name is None:
            self.flag("missing-name", "substance has no name", el, "Substance@name", part=part,
                      material=material)
            name = "(unnamed substance)"
        substance = Substance(name=name, category=category, line=el.sourceline,
                              exemptions=list(category_exemptions))
        amount_el = concentration_el = None
        own_exemptions = 0  # the substance's own exemptions come first, in declared order
        for child in el:
            child_name = local_name(child.tag)
            if child_name == "Amount":
                amount_el = child
            elif child_name in {"UniqueID", "SubstanceID"} and substance.identity is None:
                substance.identity = attr(child, "identity")
                substance.authority = attr(child, "authority")
            elif child_name == "Concentration":
                concentration_el = child
            elif child_name == "Exemption":
                exemption = self.exemption(child, _list_id_of(el))
                if exemption is not None:
                    substance.exemptions.insert(own_exemptions, exemption)
                    own_exemptions += 1
        self.identify(substance, el, part, material)
        if amount_el is not None:
            substance.declared = self.amount(amount_el, "Substance/Amount", part=part,
                                             material=material)
        elif concentration_el is not None:
            substance.declared = self.amount(concentration_el, "Substance/Concentration",
                                             part=part, material=material,
                                             default_unit="massPercent")
        else:
            self.flag("missing-mass", f"substance {name!r} has no Amount or Concentration", el,
                      "Substance/Amount", part=part, material=material)
        return substance

    def identify(self, substance: Substance, el: etree._Element, part: DeclaredPart,
                 material: str) -> None:
        identity = substance.identity
        if identity is None:
            return
        authority = (substance.authority or "").upper().replace(" ", "")
        cas = normalise_cas(identity) if authority in {"", "CAS", "CASRN"} else None
        if authority in {"CAS", "CASRN"} and cas is None:
            self.flag("cas-format", f"substance {substance.name!r}: {identity!r} is not a CAS "
                      "number", el, "Substance/UniqueID@identity", part=part, material=material)
            return
        if cas is not None:
            if not cas_checksum_ok(cas):
                self.flag("cas-checksum", f"substance {substance.name!r}: CAS {identity!r} fails "
                          "its check digit", el, "Substance/UniqueID@identity", part=part,
                          material=material)
                return
            substance.cas = cas
            substance.authority = "CAS"

    def material(self, el: etree._Element) -> None:
        part = self.current_part
        if part is None:
            raise FmdError("HomogeneousMaterial appears before the ProductID of its product",
                           path=self.spath, line=el.sourceline, field="ProductID",
                           code="missing-part-number")
        self.material_count += 1
        name = attr(el, "name")
        if name is None:
            self.flag("missing-name", "homogeneous material has no name", el,
                      "HomogeneousMaterial@name", part=part)
            name = f"(unnamed material {self.material_count})"
        group = attr(el, "materialGroupName") or attr(el, "materialGroup")
        comment = attr(el, "comment")
        material = HomogeneousMaterial(name=name, mass_g=None, material_group=group,
                                       comment=comment, line=el.sourceline,
                                       exemptions=self.exemptions(el))
        for child in el:
            child_name = local_name(child.tag)
            if child_name == "Amount":
                material.declared = self.amount(child, "HomogeneousMaterial/Amount", part=part,
                                                material=name)
                if material.declared is not None:
                    material.mass_g = material.declared.grams
            elif (child_name in {"MaterialGroupID", "MaterialGroup"}
                  and material.material_group is None):
                material.material_group = attr(child, "name") or attr(child, "identity")
            elif child_name == "RecycledContent":
                material.recycled = self.explicit_recycled(child, part, name)
        categories: dict[etree._Element, tuple[str | None, list[Exemption]]] = {}
        for sub in el.iter("{*}Substance"):
            category_el = sub.getparent()
            while category_el is not el and local_name(category_el.tag) != "SubstanceCategory":
                category_el = category_el.getparent()
            if category_el is el:
                category: str | None = None
                category_exemptions: list[Exemption] = []
            else:
                if category_el not in categories:
                    categories[category_el] = (attr(category_el, "name"),
                                               self.exemptions(category_el,
                                                               _list_id_of(category_el)))
                category, category_exemptions = categories[category_el]
            material.substances.append(
                self.substance(sub, category, category_exemptions, part, name))
        self.collect_unknown(el)
        if material.recycled is None:
            explicit = attr(el, "recycledContent")
            if explicit is not None:
                material.recycled = self.explicit_recycled(el, part, name)
        if material.recycled is None:
            material.recycled = (parse_recycled_text(name, source="name")
                                 or parse_recycled_text(comment, source="comment"))
        frame_name = self.part_stack[-1][0] if self.part_stack else "Product"
        if frame_name == _SUBPRODUCT:
            sub_part = self.part_stack[-1][1]
            label = sub_part.part_number if sub_part else "?"
            material.comment = f"sub-product {label}" + (f"; {comment}" if comment else "")
        part.materials.append(material)

    def explicit_recycled(self, el: etree._Element, part: DeclaredPart,
                          material: str) -> RecycledContent | None:
        share_text = attr(el, "share") or attr(el, "recycledContent")
        kind_text = attr(el, "kind") or attr(el, "recycledKind") or "PCC"
        try:
            share = parse_number(share_text.rstrip("%") if share_text else share_text,
                                 self.decimal, point_is_decimal=True) / 100.0
            return RecycledContent(kind=parse_kind(kind_text), share=share, source="field")
        except (UnitError, ValueError) as exc:
            self.flag("invalid-recycled-content", str(exc), el, "RecycledContent", part=part,
                      material=material)
            return None

    def class_c_list(self, el: etree._Element) -> None:
        """A Class C list: per declarable substance category its identity (IPC-1752A 2.0
        Amendment 3 ``SubstanceCategoryID``), whether it is above the threshold, exemptions."""
        list_id = list_authority = None
        for child in el:
            if local_name(child.tag) == "SubstanceCategoryListID":
                list_id = attr(child, "identity")
                list_authority = attr(child, "authority")
        if list_id and list_id not in self.regulatory_lists:
            self.regulatory_lists.append(list_id)
        part = self.current_part
        for child in el:
            if local_name(child.tag) != "SubstanceCategory":
                continue
            threshold = next((c for c in child if local_name(c.tag) == "Threshold"), None)
            category_id = next((c for c in child if local_name(c.tag) == "SubstanceCategoryID"),
                               None)
            above = attr(threshold, "overThreshold") if threshold is not None else None
            exemptions = self.exemptions(child, list_id)
            self.class_c.append({
                "part_number": part.part_number if part else None,
                "list": list_id,
                "list_authority": list_authority,
                "category": attr(child, "name"),
                "category_id": attr(category_id, "identity") if category_id is not None
                else None,
                "category_id_authority": attr(category_id, "authority")
                if category_id is not None else None,
                "reportable_application": attr(child, "reportableApplication"),
                "above_threshold": None if above is None else above.lower() == "true",
                "threshold": attr(threshold, "threshold") if threshold is not None else None,
                "exemptions": [e.identity for e in exemptions],
                "exemption_details": [{"identity": e.identity, "authority": e.authority,
                                       "list": e.exemption_list, "description": e.description}
                                      for e in exemptions],
                "line": child.sourceline,
            })


def parse_ipc1752(path: str | Path, policy: ValidationPolicy = DEFAULT_POLICY) -> Declaration:
    """Read, normalise and validate one IPC-1752A file.

    Raises ``FmdError`` (or ``FmdValidationError``) naming the file, line, part, material and field.
    In lenient mode (``policy.lenient``) mass-balance and identifier problems become flags instead.
    """
    path = Path(path)
    facts = file_facts(path)
    reader = _Reader(path, policy.decimal_separator)
    root_seen = False
    for event, el in iterparse(path, tags=_STREAMED):
        name = local_name(el.tag)
        if not root_seen:
            root_seen = True
            root = el.getroottree().getroot()
            root_name = local_name(root.tag)
            if root_name != ROOT:
                raise FmdError(f"root element is <{root_name}>, not <{ROOT}>: not an IPC-1752A "
                               "declaration", path=reader.spath, line=root.sourceline,
                               field=root_name, code="wrong-format")
            reader.version = attr(root, "version")
            reader.namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else None
        if event == "start":
            if name in {"Product", _SUBPRODUCT}:
                reader.part_stack.append((name, None))
            continue

        # end events
        if name == "HomogeneousMaterial":
            reader.material(el)
            _drop(el)
        elif name == "ProductID" and reader.part_stack:
            reader.product_id(el)
        elif name in {"Product", _SUBPRODUCT}:
            _, part = reader.part_stack.pop()
            if part is None:
                raise FmdError(f"<{name}> has no ProductID", path=reader.spath,
                               line=el.sourceline, field=f"{name}/ProductID",
                               code="missing-part-number")
            if name == "Product":
                reader.collect_unknown(el)
                el.clear(keep_tail=False)
        elif name == "BusinessInfo":
            reader.business_info(el)
            reader.collect_unknown(el)
            el.clear(keep_tail=False)
        elif name == "SubstanceCategoryList" and not _inside_material(el):
            reader.class_c_list(el)
        elif name == "SubSectional":
            section = attr(el, "name")
            if section:
                reader.sections.append(section)
        elif name == ROOT:
            reader.collect_unknown(el)
    if not root_seen:
        raise FmdError(f"no <{ROOT}> element: not an IPC-1752A declaration", path=reader.spath,
                       code="wrong-format")

    if reader.no_exemption_markers:
        reader.flags.append(QualityFlag(
            "no-exemption-marker", f"{len(reader.no_exemption_markers)} exemption entr"
            f"{'y says' if len(reader.no_exemption_markers) == 1 else 'ies say'} that no "
            "exemption is claimed (a \"no exemption\" marker); read as no exemption",
            severity="note", line=reader.no_exemption_markers[0], field="Exemption"))
    extra: dict[str, object] = {}
    if reader.unknown:
        extra["unknown_elements"] = reader.unknown
        extra["unknown_element_count"] = reader.unknown_count
    if reader.class_c:
        extra["class_c"] = reader.class_c
    if reader.namespace and reader.namespace != NAMESPACE:
        extra["namespace"] = reader.namespace
    has_d = any(p.materials for p in reader.parts)
    # the classes the file says it holds (Include/Sectional/SubSectional @name: A, C, D) and the
    # ones its content shows; a Class A file states the part without composition
    stated = {s.strip().upper() for s in reader.sections}
    declaration_class = "/".join(
        c for c, present in (("A", "A" in stated), ("C", bool(reader.class_c) or "C" in stated),
                             ("D", has_d)) if present
    ) or None
    if reader.sections:
        extra["sectionals"] = reader.sections
    declaration = Declaration(
        source_path=str(path),
        sha256=facts.sha256,
        format=FORMAT,
        format_version=reader.version,
        declaration_date=reader.declaration_date,
        supplier=reader.supplier,
        parts=reader.parts,
        declaration_class=declaration_class,
        regulatory_lists=reader.regulatory_lists,
        extra=extra,
        flags=reader.flags,
    )
    return validate(declaration, policy)


def _list_id_of(el: etree._Element) -> str | None:
    """The ``SubstanceCategoryListID`` identity of the list enclosing ``el``, if any."""
    parent = el.getparent()
    while parent is not None:
        if local_name(parent.tag) == "SubstanceCategoryList":
            for child in parent:
                if local_name(child.tag) == "SubstanceCategoryListID":
                    return attr(child, "identity")
            return None
        parent = parent.getparent()
    return None


def _inside_material(el: etree._Element) -> bool:
    parent = el.getparent()
    while parent is not None:
        if local_name(parent.tag) == "HomogeneousMaterial":
            return True
        parent = parent.getparent()
    return False

