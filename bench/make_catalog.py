"""A synthetic but realistic catalogue: N products × M parts, one IPC-1752A file per part.

    python -m bench.make_catalog OUT --products 1000 --parts 50 [--shared 0.2] [--seed 1]

Every part is drawn from the sample products' real declarations (bom_samples/*/fmd): its
materials and substances are kept, all masses scaled by one factor drawn from 0.8–1.2, and the
part renamed. A share of each product's parts (``--shared``) comes from a common pool, as screws,
cables and memory do across a maker's range. Writes ``OUT/fmd/*.xml`` and one BoM table per
product in ``OUT/boms/``; streams file by file, so memory does not grow with the catalogue.
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from dataclasses import replace
from pathlib import Path

from fmd_parsers import Declaration, parse_declaration
from fmd_parsers.writer import write_ipc1752

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ("notebook14", "consumer15", "monitor27")
HEADER = ["product_number", "product_name", "part_number", "parent_part_number", "quantity",
          "part_name", "part_mass_g", "recycled_kind", "recycled_share", "fmd_file", "category"]


def templates() -> list[tuple[Declaration, str, float]]:
    """(declaration, BoM category, quantity) for every declared part of the samples."""
    found = []
    for sample in SAMPLES:
        folder = ROOT / "bom_samples" / sample
        with (folder / "bom.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["fmd_file"]:
                    found.append((parse_declaration(folder / row["fmd_file"]),
                                  row["category"], float(row["quantity"])))
    return found


def scaled(declaration: Declaration, part_number: str, factor: float) -> Declaration:
    part = declaration.parts[0]
    materials = []
    for material in part.materials:
        substances = [replace(s, mass_g=(s.mass_g or 0.0) * factor, declared=None)
                      for s in material.substances]
        materials.append(replace(material, mass_g=(material.mass_g or 0.0) * factor,
                                 declared=None, substances=substances))
    new_part = replace(part, part_number=part_number, mass_g=(part.mass_g or 0.0) * factor,
                       declared_mass=None, materials=materials)
    return replace(declaration, parts=[new_part])


def make_catalog(out: Path, products: int, parts: int, shared: float, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    pool = templates()
    fmd, boms = out / "fmd", out / "boms"
    fmd.mkdir(parents=True, exist_ok=True)
    boms.mkdir(parents=True, exist_ok=True)
    common_count = max(1, int(parts * shared * 4))
    common = []
    for j in range(common_count):
        declaration, category, quantity = rng.choice(pool)
        number = f"COMMON-{j:05d}"
        write_ipc1752(scaled(declaration, number, rng.uniform(0.8, 1.2)), fmd / f"{number}.xml")
        common.append((number, declaration, category, quantity))
    files, substances = common_count, 0
    for i in range(products):
        product = f"CAT-{i:05d}"
        rows = []
        used = set()
        for k in range(parts):
            if rng.random() < shared:
                number, declaration, category, quantity = rng.choice(common)
                if number in used:
                    continue
            else:
                declaration, category, quantity = rng.choice(pool)
                number = f"{product}-{k:03d}"
                write_ipc1752(scaled(declaration, number, rng.uniform(0.8, 1.2)),
                              fmd / f"{number}.xml")
                files += 1
                substances += declaration.substance_count
            used.add(number)
            rows.append({"product_number": product, "product_name": f"Catalogue product {i}",
                         "part_number": number, "parent_part_number": "", "quantity": quantity,
                         "part_name": declaration.parts[0].name or "", "part_mass_g": "",
                         "recycled_kind": "", "recycled_share": "",
                         "fmd_file": f"../fmd/{number}.xml", "category": category})
        with (boms / f"{product}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=HEADER)
            writer.writeheader()
            writer.writerows(rows)
    return {"products": products, "declarations": files, "substances_approx": substances}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--parts", type=int, default=50)
    parser.add_argument("--shared", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = make_catalog(args.out, args.products, args.parts, args.shared, args.seed)
    print(f"{counts} in {time.perf_counter() - started:.1f} s → {args.out}")


if __name__ == "__main__":
    main()
