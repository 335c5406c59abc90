"""Writing IPC-1752A Class D declarations from the dataclasses (incremental, any size).

Used to export a part's composition, to round-trip test the parser, and by the benchmark and
catalogue generators. Masses are written in the unit the supplier declared where known, else in
grams.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from .ipc1752 import NAMESPACE
from .model import Declaration, Substance

_NS = f"{{{NAMESPACE}}}"


def _amount(xf: etree.xmlfile, value: float, unit: str) -> None:
    xf.write(etree.Element(f"{_NS}Amount", value=repr(float(value)), UOM=unit))


def _substance_amount(substance: Substance) -> tuple[float, str] | None:
    if substance.declared is not None:
        return substance.declared.value, substance.declared.unit
    if substance.mass_g is not None:
        return substance.mass_g, "g"
    if substance.concentration_ppm is not None:
        return substance.concentration_ppm, "ppm"
    return None


def write_ipc1752(declaration: Declaration, path: str | Path, *, version: str = "2.1") -> Path:
    """Write ``declaration`` as IPC-1752A XML; streams, so memory does not grow with size."""
    path = Path(path)
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(f"{_NS}MainDeclaration", nsmap={None: NAMESPACE}, version=version):
            with xf.element(f"{_NS}BusinessInfo"):
                response_attrs = {}
                if declaration.declaration_date:
                    response_attrs["date"] = declaration.declaration_date.isoformat()
                with xf.element(f"{_NS}Response", **response_attrs):
                    supplier = declaration.supplier
                    if supplier.company:
                        with xf.element(f"{_NS}SupplyCompany", name=supplier.company):
                            if supplier.company_id:
                                xf.write(etree.Element(f"{_NS}CompanyID",
                                                       identity=supplier.company_id,
                                                       authority="DUNS"))
                    if supplier.contact_name:
                        with xf.element(f"{_NS}Contact", name=supplier.contact_name):
                            if supplier.contact_email:
                                xf.write(etree.Element(f"{_NS}Email",
                                                       address=supplier.contact_email))
            for part in declaration.parts:
                with xf.element(f"{_NS}Product", unitType=part.unit_type or "Each"):
                    ids = {"itemNumber": part.part_number}
                    for key, value in (("itemName", part.name), ("version", part.version),
                                       ("manufacturer", part.manufacturer),
                                       ("manufacturingSite", part.manufacturing_site)):
                        if value:
                            ids[key] = value
                    with xf.element(f"{_NS}ProductID", **ids):
                        if part.mass_g is not None:
                            _amount(xf, part.mass_g, "g")
                    with xf.element(f"{_NS}MaterialInfo"), \
                            xf.element(f"{_NS}HomogeneousMaterialList"):
                        for material in part.materials:
                            attrs = {"name": material.name}
                            if material.material_group:
                                attrs["materialGroupName"] = material.material_group
                            if material.comment:
                                attrs["comment"] = material.comment
                            with xf.element(f"{_NS}HomogeneousMaterial", **attrs):
                                if material.mass_g is not None:
                                    _amount(xf, material.mass_g, "g")
                                with xf.element(f"{_NS}SubstanceCategory",
                                                name=material.name):
                                    for substance in material.substances:
                                        with xf.element(f"{_NS}Substance", name=substance.name):
                                            if substance.cas:
                                                xf.write(etree.Element(
                                                    f"{_NS}UniqueID", identity=substance.cas,
                                                    authority="CAS"))
                                            amount = _substance_amount(substance)
                                            if amount is not None:
                                                _amount(xf, *amount)
    return path
