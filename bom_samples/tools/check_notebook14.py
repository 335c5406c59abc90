#!/usr/bin/env python3
"""Independent check of the notebook14 sample: reads only bom.csv and fmd/*.xml.

    .venv/bin/python bom_samples/tools/check_notebook14.py [--notebook 1300] [--total 2052]

Checks: every XML is well-formed IPC-1752A (namespace 175x/2.0, version 2.0/2.1); every CAS number
has a valid check digit; substances add up to their homogeneous material and materials to the part
within 0.5 %; the BoM has exactly the agreed columns, links each purchased part to an existing FMD
whose item number and mass agree with the row; and BoM masses × quantities add up to the stated
notebook mass and BoM total. Exit code 0 when everything passes.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

from lxml import etree

NS = "http://webstds.ipc.org/175x/2.0"
COLUMNS = ["product_number", "product_name", "part_number", "parent_part_number", "quantity",
           "part_name", "part_mass_g", "recycled_kind", "recycled_share", "fmd_file", "category"]
KINDS = {"", "PIC", "PCC", "CL-PCC", "OBP", "recycled-metal", "bio-based"}
CATEGORIES = {"electronics", "mechanical", "battery", "display", "thermal", "accessory",
              "packaging", "fasteners", "cables"}
MASS = {"mg": 1e-3, "g": 1.0, "kg": 1e3}
CONC = {"ppm": 1e-6, "massPercent": 1e-2}
TOL = 0.005
SAMPLE = Path(__file__).resolve().parent.parent / "notebook14"


def cas_valid(cas: str) -> bool:
    m = re.fullmatch(r"(\d{2,7})-(\d{2})-(\d)", cas)
    if not m:
        return False
    digits = (m.group(1) + m.group(2))[::-1]
    return sum(i * int(d) for i, d in enumerate(digits, start=1)) % 10 == int(m.group(3))


def grams(amount: etree._Element, ref_g: float | None) -> float:
    value, uom = float(amount.get("value")), amount.get("UOM")
    if uom in MASS:
        return value * MASS[uom]
    if uom in CONC and ref_g is not None:
        return value * CONC[uom] * ref_g
    raise ValueError(f"unit {uom!r} not usable here")


def check_fmd(path: Path, problems: list[str], features: dict[str, set[str]]) -> tuple[str, float]:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        features["utf8-bom"].add(path.name)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    root = etree.fromstring(raw, parser)
    q = lambda tag: f"{{{NS}}}{tag}"  # noqa: E731
    if root.tag != q("MainDeclaration"):
        problems.append(f"{path.name}: root is {root.tag}")
    if root.prefix:
        features["ns-prefix"].add(path.name)
    if root.get("version") not in {"2.0", "2.1"}:
        problems.append(f"{path.name}: version {root.get('version')!r}")
    if root.get("version") == "2.1":
        features["version-2.1"].add(path.name)
    if re.search(r"[\u4e00-\u9fff]", raw.decode("utf-8-sig")):
        features["chinese-text"].add(path.name)

    pid = root.find(f"{q('Product')}/{q('ProductID')}")
    part_amount = pid.find(q("Amount"))
    part_g = grams(part_amount, None)
    features[f"part-unit-{part_amount.get('UOM')}"].add(path.name)
    mat_sum = 0.0
    for hm in root.iter(q("HomogeneousMaterial")):
        mat_g = grams(hm.find(q("Amount")), part_g)
        mat_sum += mat_g
        sub_sum = 0.0
        for sub in hm.iter(q("Substance")):
            uid = sub.find(q("UniqueID"))
            if (uid is None or uid.get("authority") != "CAS"
                    or not cas_valid(uid.get("identity", ""))):
                problems.append(f"{path.name}: {hm.get('name')} / {sub.get('name')}: bad CAS "
                                f"{None if uid is None else uid.get('identity')}")
            a = sub.find(q("Amount"))
            if a.get("UOM") in CONC:
                features[f"substance-{a.get('UOM')}"].add(path.name)
            sub_sum += grams(a, mat_g)
            if sub.find(q("Exemption")) is not None:
                features["exemption"].add(f"{path.name}: {sub.get('name')} "
                                          f"{sub.find(q('Exemption')).get('identity')}")
        if abs(sub_sum - mat_g) > TOL * mat_g:
            problems.append(f"{path.name}: {hm.get('name')}: substances {sub_sum:.6g} g vs "
                            f"material {mat_g:.6g} g")
    if abs(mat_sum - part_g) > TOL * part_g:
        problems.append(f"{path.name}: materials {mat_sum:.6g} g vs part {part_g:.6g} g")
    return pid.get("itemNumber"), part_g


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=SAMPLE)
    ap.add_argument("--notebook", type=float, default=1300.0, help="stated notebook mass, g")
    ap.add_argument("--total", type=float, default=2052.0, help="stated BoM total, g")
    args = ap.parse_args(argv)
    problems: list[str] = []
    features: dict[str, set[str]] = {k: set() for k in (
        "utf8-bom", "ns-prefix", "version-2.1", "chinese-text", "part-unit-mg", "part-unit-g",
        "part-unit-kg", "substance-ppm", "substance-massPercent", "exemption")}

    with (args.dir / "bom.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            problems.append(f"bom.csv columns {reader.fieldnames}")
        rows = list(reader)
    by_pn = {r["part_number"]: r for r in rows}
    referenced = set()
    for r in rows:
        pn = r["part_number"]
        if r["parent_part_number"] and r["parent_part_number"] not in by_pn:
            problems.append(f"{pn}: unknown parent {r['parent_part_number']}")
        if r["recycled_kind"] not in KINDS or bool(r["recycled_kind"]) != bool(r["recycled_share"]):
            problems.append(f"{pn}: recycled {r['recycled_kind']!r} {r['recycled_share']!r}")
        if r["category"] not in CATEGORIES:
            problems.append(f"{pn}: category {r['category']!r}")
        if r["fmd_file"]:
            f = args.dir / r["fmd_file"]
            referenced.add(f.resolve())
            if not f.exists():
                problems.append(f"{pn}: missing {r['fmd_file']}")
                continue
            item, part_g = check_fmd(f, problems, features)
            if item != pn:
                problems.append(f"{pn}: FMD declares item {item}")
            if abs(part_g - float(r["part_mass_g"])) > 1e-4 * part_g:
                problems.append(f"{pn}: FMD {part_g} g vs BoM {r['part_mass_g']} g")
    for f in sorted((args.dir / "fmd").glob("*.xml")):
        if f.resolve() not in referenced:
            problems.append(f"{f.name}: not referenced by bom.csv")

    def cum_qty(r: dict) -> tuple[float, str]:
        qty, top = float(r["quantity"]), r
        while top["parent_part_number"]:
            top = by_pn[top["parent_part_number"]]
            qty *= float(top["quantity"])
        return qty, top["part_number"]

    total, branches = 0.0, {}
    for r in rows:
        if r["part_mass_g"]:
            qty, top = cum_qty(r)
            total += qty * float(r["part_mass_g"])
            branches[top] = branches.get(top, 0.0) + qty * float(r["part_mass_g"])
    accessory = sum(v for k, v in branches.items()
                    if by_pn[k]["category"] in {"accessory", "packaging"})
    notebook = total - accessory
    naive = sum(float(r["part_mass_g"]) * float(r["quantity"]) for r in rows if r["part_mass_g"])
    if abs(notebook - args.notebook) > 0.005:
        problems.append(f"notebook mass {notebook:.3f} g, stated {args.notebook} g")
    if abs(total - args.total) > 0.005:
        problems.append(f"BoM total {total:.3f} g, stated {args.total} g")

    print(f"{len(referenced)} FMD files checked, {len(rows)} BoM rows")
    print(f"notebook {notebook:.2f} g, adapter+packaging {accessory:.2f} g, total {total:.2f} g "
          f"(row mass x row quantity: {naive:.2f} g)")
    for k, v in features.items():
        print(f"  {k}: {', '.join(sorted(v)) if v else '-'}")
    for p in problems:
        print("PROBLEM", p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
