#!/usr/bin/env python3
"""Render the GS 14 Business Notebook G5 sample from its YAML description.

    .venv/bin/python bom_samples/tools/make_notebook14.py [--check]

Reads  bom_samples/notebook14/parts.yaml  (all masses, compositions and the basis of each mass)
Writes bom_samples/notebook14/bom.csv     (one row per part, product BoM)
       bom_samples/notebook14/fmd/*.xml   (one IPC-1752A Class D declaration per purchased part)

The YAML is data, this script only renders it. Conventions of the YAML:
- every mass in the YAML is in grams (``mass_g``); the unit written to the XML is chosen per file
  (``part_unit``, ``material_unit``, ``substance_unit``) or per substance (``uom``: mg, g, kg, ppm,
  massPercent);
- a material may give ``mass_g: balance``: it takes the rest of the part mass (one per part);
- a substance gives ``pct`` (share of its material, %) or ``mass_g``; one ``pct: balance`` per
  material takes the rest;
- ``style`` selects the XML flavour of a file: ``default`` (default namespace), ``prefix``
  (``ipc:`` prefixed elements) or ``bom`` (UTF-8 byte-order mark); ``ipc_version`` is 2.0 or 2.1.

Output is deterministic: no timestamps, YAML order is kept, numbers are rounded the same way on
every run. ``--check`` renders in memory and fails if a checked-in file differs.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import yaml
from lxml import etree

NS = "http://webstds.ipc.org/175x/2.0"
GRAMS_PER = {"mg": 1e-3, "g": 1.0, "kg": 1e3}
CONCENTRATIONS = {"ppm": 1e6, "massPercent": 100.0}
BOM_COLUMNS = [
    "product_number", "product_name", "part_number", "parent_part_number", "quantity",
    "part_name", "part_mass_g", "recycled_kind", "recycled_share", "fmd_file", "category",
]
RECYCLED_KINDS = {"PIC", "PCC", "CL-PCC", "OBP", "recycled-metal", "bio-based"}
CATEGORIES = {"electronics", "mechanical", "battery", "display", "thermal", "accessory",
              "packaging", "fasteners", "cables"}
HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "notebook14"


class DataError(ValueError):
    """The YAML describes something inconsistent; the message names the part and material."""


def cas_ok(cas: str) -> bool:
    m = re.fullmatch(r"(\d{2,7})-(\d{2})-(\d)", cas)
    if not m:
        return False
    digits = (m.group(1) + m.group(2))[::-1]
    return sum((i + 1) * int(d) for i, d in enumerate(digits)) % 10 == int(m.group(3))


def fmt(value: float, sig: int = 5) -> str:
    """Fixed-point decimal (never an exponent), ``sig`` significant digits, no trailing zeros."""
    if value == 0:
        return "0"
    d = Decimal(repr(float(value)))
    q = d.quantize(Decimal(1).scaleb(d.adjusted() - sig + 1), rounding=ROUND_HALF_EVEN)
    s = format(q, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def fmt_part_mass(value_g: float) -> str:
    """Part mass for the BoM: grams with up to 4 decimals, at least one."""
    s = f"{value_g:.4f}".rstrip("0")
    return s + "0" if s.endswith(".") else s


# --------------------------------------------------------------------------------------------
# Resolving the YAML into absolute gram figures
# --------------------------------------------------------------------------------------------

def resolve_substances(pn: str, mat_name: str, mat_g: float, subs: list[dict]) -> list[dict]:
    out, fixed, balance_at = [], 0.0, None
    for i, s in enumerate(subs):
        cas = str(s["cas"])
        if not cas_ok(cas):
            raise DataError(f"{pn} / {mat_name}: CAS {cas} of {s['n']!r} fails the check digit")
        row = {"name": s["n"], "cas": cas, "uom": s.get("uom"), "exemption": s.get("exemption"),
               "cat": s.get("cat")}
        if s.get("pct") == "balance":
            if balance_at is not None:
                raise DataError(f"{pn} / {mat_name}: two balance substances")
            balance_at = i
            row["g"] = None
        elif "pct" in s:
            row["g"] = float(s["pct"]) / 100.0 * mat_g
        elif "mass_g" in s:
            row["g"] = float(s["mass_g"])
        else:
            raise DataError(f"{pn} / {mat_name}: substance {s['n']!r} has neither pct nor mass_g")
        if row["g"] is not None:
            fixed += row["g"]
        out.append(row)
    if balance_at is not None:
        rest = mat_g - fixed
        if rest <= 0:
            raise DataError(f"{pn} / {mat_name}: balance substance would be {rest:.6g} g")
        out[balance_at]["g"] = rest
    total = sum(r["g"] for r in out)
    if abs(total - mat_g) > 1e-6 * max(mat_g, 1e-9) + 1e-12:
        raise DataError(f"{pn} / {mat_name}: substances give {total:.6g} g, material {mat_g:.6g} g")
    return out


def resolve_part(part: dict) -> list[dict]:
    pn, fmd = part["pn"], part["fmd"]
    part_g = float(part["mass_g"])
    mats, fixed, balance_at = [], 0.0, None
    for i, m in enumerate(fmd["materials"]):
        if m["mass_g"] == "balance":
            if balance_at is not None:
                raise DataError(f"{pn}: two balance materials")
            balance_at, g = i, None
        else:
            g = float(m["mass_g"])
            fixed += g
        mats.append({"spec": m, "g": g})
    if balance_at is not None:
        rest = part_g - fixed
        if rest <= 0:
            raise DataError(f"{pn}: balance material would be {rest:.6g} g")
        mats[balance_at]["g"] = rest
    total = sum(m["g"] for m in mats)
    if abs(total - part_g) > 1e-6 * part_g:
        raise DataError(f"{pn}: materials give {total:.6g} g but the part is {part_g:.6g} g")
    for m in mats:
        m["substances"] = resolve_substances(pn, m["spec"]["name"], m["g"], m["spec"]["substances"])
    return mats


# --------------------------------------------------------------------------------------------
# XML rendering
# --------------------------------------------------------------------------------------------

def amount(parent: etree._Element, q, grams: float, uom: str, ref_g: float | None = None) -> None:
    if uom in CONCENTRATIONS:
        value = fmt(grams / ref_g * CONCENTRATIONS[uom], 4)
    else:
        value = fmt(grams / GRAMS_PER[uom], 5)
    etree.SubElement(parent, q("Amount"), value=value, UOM=uom)


def render_fmd(part: dict, mats: list[dict], supplier: dict) -> bytes:
    fmd = part["fmd"]
    style = fmd.get("style", "default")
    nsmap = {"ipc": NS} if style == "prefix" else {None: NS}

    def q(tag: str) -> str:
        return f"{{{NS}}}{tag}"

    root = etree.Element(q("MainDeclaration"), nsmap=nsmap,
                         version=str(fmd.get("ipc_version", "2.0")))
    info = etree.SubElement(root, q("BusinessInfo"))
    resp = etree.SubElement(info, q("Response"), date=str(fmd["date"]))
    company = etree.SubElement(resp, q("SupplyCompany"), name=supplier["name"])
    etree.SubElement(company, q("CompanyID"), identity=str(supplier["duns"]), authority="DUNS")
    contact = etree.SubElement(resp, q("Contact"), name=supplier["contact"])
    etree.SubElement(contact, q("Email"), address=supplier["email"])
    etree.SubElement(contact, q("Phone"), number=supplier["phone"])
    etree.SubElement(resp, q("Authorizer"), name=supplier["authorizer"])
    etree.SubElement(info, q("Declaration"), legalType="Standard", supplierAcceptance="true")

    product = etree.SubElement(root, q("Product"), unitType="Each")
    pid = etree.SubElement(
        product, q("ProductID"), itemNumber=part["pn"], itemName=fmd.get("item_name", part["name"]),
        version=str(fmd["item_version"]), manufacturingSite=fmd["site"],
        manufacturer=supplier["name"])
    amount(pid, q, float(part["mass_g"]), fmd["part_unit"])
    hml = etree.SubElement(etree.SubElement(product, q("MaterialInfo")),
                           q("HomogeneousMaterialList"))
    for m in mats:
        spec = m["spec"]
        attrs = {"name": spec["name"], "materialGroupName": spec["group"]}
        if spec.get("comment"):
            attrs["comment"] = spec["comment"]
        hm = etree.SubElement(hml, q("HomogeneousMaterial"), **attrs)
        amount(hm, q, m["g"], fmd.get("material_unit", fmd["part_unit"]))
        default_cat = spec.get("category", spec["group"])
        cat_el, cat_name = None, None
        for s in m["substances"]:
            name = s["cat"] or default_cat
            if cat_el is None or name != cat_name:
                cat_el, cat_name = etree.SubElement(hm, q("SubstanceCategory"), name=name), name
            sub = etree.SubElement(cat_el, q("Substance"), name=s["name"])
            etree.SubElement(sub, q("UniqueID"), identity=s["cas"], authority="CAS")
            amount(sub, q, s["g"], s["uom"] or fmd.get("substance_unit", "g"), ref_g=m["g"])
            if s["exemption"]:
                ex = s["exemption"]
                etree.SubElement(sub, q("Exemption"), identity=ex["identity"],
                                 authority=ex["authority"])
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(
        root, xml_declaration=False, encoding="UTF-8", pretty_print=True)
    return (b"\xef\xbb\xbf" + body) if style == "bom" else body


# --------------------------------------------------------------------------------------------
# BoM and totals
# --------------------------------------------------------------------------------------------

def render_bom(data: dict) -> bytes:
    prod = data["product"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(BOM_COLUMNS)
    for p in data["parts"]:
        rec = p.get("recycled") or {}
        w.writerow([
            prod["number"], prod["name"], p["pn"], p.get("parent") or "", p.get("qty", 1),
            p["name"],
            fmt_part_mass(float(p["mass_g"])) if p.get("fmd") else "",
            rec.get("kind", ""), fmt(rec["share"], 4) if rec else "",
            f"fmd/{p['pn']}.xml" if p.get("fmd") else "", p["category"],
        ])
    return buf.getvalue().encode("utf-8")


def totals(data: dict) -> dict[str, float]:
    """Mass per top-level branch and overall: leaf mass × quantities along the path."""
    parts = {p["pn"]: p for p in data["parts"]}

    def path_qty(p: dict) -> tuple[float, str]:
        qty, top = float(p.get("qty", 1)), p
        while top.get("parent"):
            top = parts[top["parent"]]
            qty *= float(top.get("qty", 1))
        return qty, top["pn"]

    out: dict[str, float] = {}
    for p in data["parts"]:
        if not p.get("fmd"):
            continue
        qty, top = path_qty(p)
        out[top] = out.get(top, 0.0) + qty * float(p["mass_g"])
    return out


def check_structure(data: dict) -> None:
    seen = set()
    parents = {p["pn"] for p in data["parts"] if not p.get("fmd")}
    for p in data["parts"]:
        pn = p["pn"]
        if pn in seen:
            raise DataError(f"{pn}: listed twice")
        seen.add(pn)
        if p.get("parent") and p["parent"] not in parents:
            raise DataError(f"{pn}: parent {p['parent']} is not an assembly row")
        if p["category"] not in CATEGORIES:
            raise DataError(f"{pn}: unknown category {p['category']!r}")
        rec = p.get("recycled")
        if rec and (rec["kind"] not in RECYCLED_KINDS or not 0 < rec["share"] <= 100):
            raise DataError(f"{pn}: bad recycled entry {rec!r}")
        if not p.get("basis"):
            raise DataError(f"{pn}: no basis given for its mass")


def build(data: dict) -> dict[str, bytes]:
    check_structure(data)
    files: dict[str, bytes] = {}
    for p in data["parts"]:
        if not p.get("fmd"):
            continue
        mats = resolve_part(p)
        supplier = data["suppliers"][p["fmd"]["supplier"]]
        files[f"fmd/{p['pn']}.xml"] = render_fmd(p, mats, supplier)
    files["bom.csv"] = render_bom(data)
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--yaml", type=Path, default=SAMPLE / "parts.yaml")
    ap.add_argument("--out", type=Path, default=SAMPLE)
    ap.add_argument("--check", action="store_true", help="fail if checked-in outputs differ")
    args = ap.parse_args(argv)

    data = yaml.safe_load(args.yaml.read_text(encoding="utf-8"))
    try:
        files = build(data)
    except DataError as exc:
        print(f"{args.yaml}: {exc}", file=sys.stderr)
        return 1

    if args.check:
        stale = [n for n, b in files.items()
                 if not (args.out / n).exists() or (args.out / n).read_bytes() != b]
        extra = sorted(f"fmd/{f.name}" for f in (args.out / "fmd").glob("*.xml")
                       if f"fmd/{f.name}" not in files)
        for n in stale + extra:
            print(f"out of date: {n}", file=sys.stderr)
        return 1 if stale or extra else 0

    (args.out / "fmd").mkdir(parents=True, exist_ok=True)
    for name, body in sorted(files.items()):
        (args.out / name).write_bytes(body)

    prod = data["product"]
    t = totals(data)
    adapter = t.get(prod["adapter_set"], 0.0)
    packaging = t.get(prod["packaging_set"], 0.0)
    total = sum(t.values())
    notebook = total - adapter - packaging
    print(f"wrote {len(files) - 1} FMD files and bom.csv to {args.out}")
    print(f"notebook {notebook:.2f} g (stated {prod['notebook_mass_g']}), "
          f"adapter set {adapter:.2f} g, packaging {packaging:.2f} g, "
          f"BoM total {total:.2f} g (stated {prod['bom_total_mass_g']})")
    ok = (abs(notebook - prod["notebook_mass_g"]) < 0.005
          and abs(total - prod["bom_total_mass_g"]) < 0.005)
    if not ok:
        print("stated masses do not match the BoM", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
