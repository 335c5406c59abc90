#!/usr/bin/env python3
"""Render the compliance demo product CD-ACC-01 (bom.csv + fmd/*.xml) from the data below.

    .venv/bin/python bom_samples/compliance_demo/make_compliance_demo.py [--check]

The data is the PARTS table in this file: every mass in grams, each substance as grams (``g``) or as
a share of its material (``pct``, written as massPercent), each material adding up exactly to its
part. The XML follows the layout of the notebook14 declarations (IPC-1752A 2.0, Class D). Output is
deterministic; ``--check`` fails if a checked-in file differs from what this script renders.
Supplier names, DUNS numbers and contacts are fictitious (``.example`` domain).
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

from lxml import etree

NS = "http://webstds.ipc.org/175x/2.0"
HERE = Path(__file__).resolve().parent
PRODUCT = ("CD-ACC-01", "GS USB-C travel accessory kit (cable, 30 W charger, hub, pouch)")
ROHS_AUTHORITY = "EU RoHS Directive 2011/65/EU Annex III"

SUPPLIERS = {
    "harbourline": ("Harbourline Cable Co., Ltd.", "731460285", "Wu Lan",
                    "rohs@harbourline-cable.example"),
    "kestrel": ("Kestrel Power Electronics Ltd.", "642091378", "Priya Raman",
                "compliance@kestrel-power.example"),
    "lumenbay": ("Lumen Bay Devices Co., Ltd.", "518327604", "Chen Hao",
                 "green@lumenbay-devices.example"),
}

# (name, CAS or None, grams or None, pct or None, exemption or None)
PARTS = [
    {
        "part_number": "CD-CBL-CC-PVC", "supplier": "harbourline", "date": "2026-03-12",
        "name": "USB-C to USB-C cable 1.0 m, 60 W, flexible PVC jacket (DEHP-plasticised)",
        "mass_g": 52.0, "category": "cables",
        "materials": [
            ("Outer jacket, flexible PVC (DEHP plasticiser)", "Polyvinyl chloride", 35.0, [
                ("Polyvinyl chloride", "9002-86-2", None, 58.0, None),
                ("Bis(2-ethylhexyl) phthalate (DEHP)", "117-81-7", None, 12.0, None),
                ("Calcium carbonate", "471-34-1", None, 24.0, None),
                ("Zinc stearate", "557-05-1", None, 2.0, None),
                ("Calcium stearate", "1592-23-0", None, 2.0, None),
                ("Epoxidised soybean oil", "8013-07-8", None, 2.0, None)]),
            ("Conductors, tinned copper", "Copper and its alloys", 9.6, [
                ("Copper", "7440-50-8", 9.504, None, None),
                ("Tin", "7440-31-5", 0.096, None, None)]),
            ("Wire insulation, polyethylene", "Polyolefins", 2.4, [
                ("Polyethylene", "9002-88-4", 2.4, None, None)]),
            ("Connector shells, stainless steel 304", "Stainless steel", 2.0, [
                ("Iron", "7439-89-6", 1.42, None, None),
                ("Chromium", "7440-47-3", 0.36, None, None),
                ("Nickel", "7440-02-0", 0.2, None, None),
                ("Manganese", "7439-96-5", 0.02, None, None)]),
            ("Connector overmould, thermoplastic polyurethane", "Polyurethanes", 3.0, [
                ("Polyurethane", "9009-54-5", 3.0, None, None)]),
        ],
    },
    {
        "part_number": "CD-CHG-30W", "supplier": "kestrel", "date": "2026-04-02",
        "name": "USB-C charger 30 W PD, EU plug", "mass_g": 58.0, "category": "accessory",
        "materials": [
            ("Housing, polycarbonate, white", "Polycarbonates", 24.0, [
                ("Polycarbonate", "24936-68-3", 23.04, None, None),
                ("Titanium dioxide", "13463-67-7", 0.96, None, None)]),
            ("PCB laminate, FR-4, halogen-free", "Epoxy resins", 8.0, [
                ("Glass fibre", "65997-17-3", 4.0, None, None),
                ("Epoxy resin", "25068-38-6", 3.2, None, None),
                ("Copper", "7440-50-8", 0.8, None, None)]),
            ("Transformer core, MnZn ferrite", "Ceramics", 6.0, [
                ("Iron(III) oxide", "1309-37-1", 4.2, None, None),
                ("Manganese(II) oxide", "1344-43-0", 1.2, None, None),
                ("Zinc oxide", "1314-13-2", 0.6, None, None)]),
            ("Transformer winding, enamelled copper", "Copper and its alloys", 3.5, [
                ("Copper", "7440-50-8", 3.5, None, None)]),
            ("Thick-film resistor layer, RuO2 in lead glass", "Glass", 0.005, [
                ("Lead monoxide", "1317-36-8", 0.0012, None, "7(c)-I"),
                ("Silicon dioxide", "7631-86-9", 0.002, None, None),
                ("Ruthenium dioxide", "12036-10-1", 0.001, None, None),
                ("Bismuth trioxide", "1304-76-3", 0.0008, None, None)]),
            ("Solder, SAC305", "Tin and its alloys", 1.2, [
                ("Tin", "7440-31-5", 1.158, None, None),
                ("Silver", "7440-22-4", 0.036, None, None),
                ("Copper", "7440-50-8", 0.006, None, None)]),
            ("USB-C receptacle shell, stainless steel", "Stainless steel", 1.0, [
                ("Iron", "7439-89-6", 0.71, None, None),
                ("Chromium", "7440-47-3", 0.18, None, None),
                ("Nickel", "7440-02-0", 0.1, None, None),
                ("Manganese", "7439-96-5", 0.01, None, None)]),
            ("Plug pins, brass CuZn37 (lead-free)", "Copper and its alloys", 3.0, [
                ("Copper", "7440-50-8", 1.89, None, None),
                ("Zinc", "7440-66-6", 1.11, None, None)]),
            ("Electrolytic capacitor can and foil, aluminium", "Aluminium and its alloys", 2.0, [
                ("Aluminium", "7429-90-5", 2.0, None, None)]),
            ("Potting compound, silicone", "Silicones", 9.295, [
                ("Polydimethylsiloxane", "63148-62-9", 9.295, None, None)]),
        ],
    },
    {
        "part_number": "CD-HUB-4P", "supplier": "lumenbay", "date": "2026-05-20",
        "name": "USB-C hub, 4 ports (3x USB-A, 1x USB-C), aluminium housing", "mass_g": 30.0,
        "category": "electronics",
        "materials": [
            ("Housing, aluminium 6063, anodised", "Aluminium and its alloys", 14.0, [
                ("Aluminium", "7429-90-5", 13.86, None, None),
                ("Magnesium", "7439-95-4", 0.07, None, None),
                ("Silicon", "7440-21-3", 0.07, None, None)]),
            ("LED light-pipe bracket, PC/ABS V-0 (phosphate flame retardant)",
             "Polycarbonate blends", 0.8, [
                 ("Polycarbonate", "24936-68-3", 0.55, None, None),
                 ("Acrylonitrile-butadiene-styrene copolymer", "9003-56-9", 0.2, None, None),
                 ("Triphenyl phosphate", "115-86-6", 0.05, None, None)]),
            ("PCB laminate, FR-4", "Epoxy resins", 7.0, [
                ("Glass fibre", "65997-17-3", 3.5, None, None),
                ("Epoxy resin", "25068-38-6", 2.8, None, None),
                ("Copper", "7440-50-8", 0.7, None, None)]),
            ("Solder mask, green", "Epoxy resins", 0.3, [
                ("Epoxy resin", "25068-38-6", 0.2, None, None),
                ("Barium sulfate", None, 0.1, None, None)]),
            ("Connector shells, stainless steel 304", "Stainless steel", 4.0, [
                ("Iron", "7439-89-6", 2.84, None, None),
                ("Chromium", "7440-47-3", 0.72, None, None),
                ("Nickel", "7440-02-0", 0.4, None, None),
                ("Manganese", "7439-96-5", 0.04, None, None)]),
            ("Contacts, phosphor bronze CuSn5", "Copper and its alloys", 0.9, [
                ("Copper", "7440-50-8", 0.8505, None, None),
                ("Tin", "7440-31-5", 0.045, None, None),
                ("Phosphorus", "7723-14-0", 0.0045, None, None)]),
            ("Product label, PET film with acrylic adhesive", "Polyesters", 0.5, [
                ("Polyethylene terephthalate", "25038-59-9", 0.4, None, None),
                ("Proprietary tackifier resin", None, 0.1, None, None)]),
            ("IC packages, epoxy moulding compound with silicon die", "Epoxy resins", 2.0, [
                ("Silicon dioxide", "7631-86-9", 1.4, None, None),
                ("Epoxy resin", "25068-38-6", 0.4, None, None),
                ("Silicon", "7440-21-3", 0.2, None, None)]),
            ("Solder, SAC305", "Tin and its alloys", 0.5, [
                ("Tin", "7440-31-5", 0.4825, None, None),
                ("Silver", "7440-22-4", 0.015, None, None),
                ("Copper", "7440-50-8", 0.0025, None, None)]),
        ],
    },
]
# A BoM line without any FMD: the compliance screening must list it as a data gap.
NO_FMD = {"part_number": "CD-POUCH-01", "name": "Travel pouch, neoprene with zip",
          "mass_g": 28.0, "category": "accessory"}

BOM_COLUMNS = ["product_number", "product_name", "part_number", "parent_part_number", "quantity",
               "part_name", "part_mass_g", "recycled_kind", "recycled_share", "fmd_file",
               "category"]


def cas_ok(cas: str) -> bool:
    match = re.fullmatch(r"(\d{2,7})-(\d{2})-(\d)", cas)
    if not match:
        return False
    digits = (match.group(1) + match.group(2))[::-1]
    return sum((i + 1) * int(d) for i, d in enumerate(digits)) % 10 == int(match.group(3))


def num(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def check(part: dict) -> None:
    total = sum(m[2] for m in part["materials"])
    if abs(total - part["mass_g"]) > 1e-9:
        raise ValueError(f"{part['part_number']}: materials add up to {total} g, not "
                         f"{part['mass_g']} g")
    for name, _, mass, substances in part["materials"]:
        grams = sum(s[2] if s[2] is not None else s[3] / 100 * mass for s in substances)
        if abs(grams - mass) > 1e-9:
            raise ValueError(f"{part['part_number']} / {name}: substances add up to {grams} g, "
                             f"not {mass} g")
        for s in substances:
            if s[1] is not None and not cas_ok(s[1]):
                raise ValueError(f"{part['part_number']} / {name}: bad CAS {s[1]}")


def declaration(part: dict) -> bytes:
    def q(tag: str) -> str:
        return f"{{{NS}}}{tag}"

    company, duns, contact_name, email = SUPPLIERS[part["supplier"]]
    root = etree.Element(q("MainDeclaration"), nsmap={None: NS}, version="2.0")
    info = etree.SubElement(root, q("BusinessInfo"))
    response = etree.SubElement(info, q("Response"), date=part["date"])
    supply = etree.SubElement(response, q("SupplyCompany"), name=company)
    etree.SubElement(supply, q("CompanyID"), identity=duns, authority="DUNS")
    contact = etree.SubElement(response, q("Contact"), name=contact_name)
    etree.SubElement(contact, q("Email"), address=email)
    etree.SubElement(info, q("Declaration"), legalType="Standard", supplierAcceptance="true")
    product = etree.SubElement(root, q("Product"), unitType="Each")
    pid = etree.SubElement(product, q("ProductID"), itemNumber=part["part_number"],
                           itemName=part["name"], version="A", manufacturer=company)
    etree.SubElement(pid, q("Amount"), value=num(part["mass_g"]), UOM="g")
    hml = etree.SubElement(etree.SubElement(product, q("MaterialInfo")),
                           q("HomogeneousMaterialList"))
    for name, group, mass, substances in part["materials"]:
        in_mg = mass < 0.1  # small materials are declared in mg, as suppliers do
        hm = etree.SubElement(hml, q("HomogeneousMaterial"), name=name, materialGroupName=group)
        etree.SubElement(hm, q("Amount"), value=num(mass * 1000 if in_mg else mass),
                         UOM="mg" if in_mg else "g")
        category = etree.SubElement(hm, q("SubstanceCategory"), name=group)
        for sname, cas, grams, pct, exemption in substances:
            sub = etree.SubElement(category, q("Substance"), name=sname)
            if cas is not None:
                etree.SubElement(sub, q("UniqueID"), identity=cas, authority="CAS")
            if pct is not None:
                etree.SubElement(sub, q("Amount"), value=num(pct), UOM="massPercent")
            else:
                assert grams is not None
                etree.SubElement(sub, q("Amount"), value=num(grams * 1000 if in_mg else grams),
                                 UOM="mg" if in_mg else "g")
            if exemption:
                etree.SubElement(sub, q("Exemption"), identity=exemption,
                                 authority=ROHS_AUTHORITY)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            + etree.tostring(root, encoding="UTF-8", pretty_print=True))


def bom() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BOM_COLUMNS)
    for part in [*PARTS, NO_FMD]:
        fmd = f"fmd/{part['part_number']}.xml" if part is not NO_FMD else ""
        writer.writerow([PRODUCT[0], PRODUCT[1], part["part_number"], "", 1, part["name"],
                         num(part["mass_g"]), "", "", fmd, part["category"]])
    return out.getvalue().encode("utf-8")


def render() -> dict[Path, bytes]:
    files = {HERE / "bom.csv": bom()}
    for part in PARTS:
        check(part)
        files[HERE / "fmd" / f"{part['part_number']}.xml"] = declaration(part)
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if checked-in files differ")
    args = parser.parse_args()
    stale = []
    for path, content in render().items():
        if args.check:
            if not path.exists() or path.read_bytes() != content:
                stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            print(f"wrote {path.relative_to(HERE.parent.parent)}")
    if stale:
        print("stale: " + ", ".join(str(p) for p in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
