#!/usr/bin/env python3
"""Render any sample product folder (parts.yaml -> bom.csv + fmd/*.xml).

    .venv/bin/python bom_samples/tools/make_product.py consumer15 monitor27 [--check]
    .venv/bin/python bom_samples/tools/make_product.py --all [--check]

A product argument is a folder holding ``parts.yaml`` (a bare name is looked up under
``bom_samples/``). ``--all`` takes every folder of ``bom_samples/`` that has a ``parts.yaml``.

This is the product-independent front end of ``make_notebook14.py``: the YAML conventions, the
XML and CSV rendering and the consistency checks are those of that module (imported, not copied),
so re-rendering ``notebook14`` with this script gives byte-identical files. What this script adds:

- it takes the product folder as an argument;
- the stated masses in the ``product`` block are generic: ``unit_mass_g`` (the product as used:
  notebook as carried, monitor with stand; ``notebook_mass_g`` is accepted for notebook14) and
  ``bom_total_mass_g``. Top-level BoM branches whose category is ``accessory`` or ``packaging``
  count as accessories/packaging, everything else as the unit (the same rule as
  ``check_notebook14.py``);
- it prints the mass of every top-level branch, so a README table can be checked against it.

``--check`` renders in memory and fails if a checked-in file differs or an extra XML is present.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # importing the sibling module must not leave __pycache__ behind

from make_notebook14 import DataError, build, totals  # noqa: E402

OUTSIDE_UNIT = {"accessory", "packaging"}


def product_dir(arg: str) -> Path:
    path = Path(arg)
    if (path / "parts.yaml").is_file():
        return path
    if (SAMPLES / arg / "parts.yaml").is_file():
        return SAMPLES / arg
    raise SystemExit(f"{arg}: no parts.yaml there or under {SAMPLES}")


def stated(prod: dict) -> tuple[float | None, float | None]:
    unit = prod.get("unit_mass_g", prod.get("notebook_mass_g"))
    total = prod.get("bom_total_mass_g")
    return (None if unit is None else float(unit)), (None if total is None else float(total))


def branch_masses(data: dict) -> list[tuple[str, str, str, float]]:
    """(part number, name, category, mass in g) of every top-level row, in BoM order."""
    per_top = totals(data)
    return [(p["pn"], p["name"], p["category"], per_top.get(p["pn"], 0.0))
            for p in data["parts"] if not p.get("parent")]


def run(folder: Path, check: bool) -> int:
    yaml_path = folder / "parts.yaml"
    data = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    try:
        files = build(data)
    except DataError as exc:
        print(f"{yaml_path}: {exc}", file=sys.stderr)
        return 1

    if check:
        stale = [n for n, b in files.items()
                 if not (folder / n).exists() or (folder / n).read_bytes() != b]
        extra = sorted(f"fmd/{f.name}" for f in (folder / "fmd").glob("*.xml")
                       if f"fmd/{f.name}" not in files) if (folder / "fmd").is_dir() else []
        for n in stale + extra:
            print(f"{folder.name}: out of date: {n}", file=sys.stderr)
        if not stale and not extra:
            print(f"{folder.name}: {len(files) - 1} FMD files and bom.csv up to date")
        return 1 if stale or extra else 0

    (folder / "fmd").mkdir(parents=True, exist_ok=True)
    for name, body in sorted(files.items()):
        (folder / name).write_bytes(body)

    prod = data["product"]
    branches = branch_masses(data)
    total = sum(b[3] for b in branches)
    unit = sum(b[3] for b in branches if b[2] not in OUTSIDE_UNIT)
    print(f"{folder.name}: wrote {len(files) - 1} FMD files and bom.csv "
          f"({prod['number']}, {prod['name']})")
    for pn, name, category, mass in branches:
        print(f"  {pn:<18} {mass:10.2f} g  [{category}] {name}")
    want_unit, want_total = stated(prod)
    print(f"  unit (without accessories and packaging) {unit:.2f} g (stated {want_unit}), "
          f"BoM total {total:.2f} g (stated {want_total})")
    ok = ((want_unit is None or abs(unit - want_unit) < 0.005)
          and (want_total is None or abs(total - want_total) < 0.005))
    if not ok:
        print(f"{folder.name}: stated masses do not match the BoM", file=sys.stderr)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("products", nargs="*", help="product folders (or names under bom_samples/)")
    ap.add_argument("--all", action="store_true", help="every bom_samples/*/parts.yaml")
    ap.add_argument("--check", action="store_true", help="fail if checked-in outputs differ")
    args = ap.parse_args(argv)
    folders = [product_dir(p) for p in args.products]
    if args.all:
        folders += [d for d in sorted(SAMPLES.iterdir())
                    if (d / "parts.yaml").is_file() and d not in folders]
    if not folders:
        ap.error("name at least one product folder, or --all")
    return max(run(f, args.check) for f in folders)


if __name__ == "__main__":
    sys.exit(main())
