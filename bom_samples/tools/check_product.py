#!/usr/bin/env python3
"""Check any sample product folder: the independent file check plus the engine's strict parser.

    .venv/bin/python bom_samples/tools/check_product.py consumer15 monitor27
    .venv/bin/python bom_samples/tools/check_product.py --all

For each folder (a bare name is looked up under ``bom_samples/``):

1. ``check_notebook14.py --dir FOLDER --notebook UNIT --total TOTAL`` (imported, not copied):
   well-formed IPC-1752A, CAS check digits, substance/material/part sums within 0.5 %, BoM
   columns, FMD item numbers and masses against the BoM rows, and the BoM sums against the stated
   masses. Its report calls the unit mass "notebook"; for the monitor that is the monitor with
   stand. The stated masses are read from the ``product`` block of ``parts.yaml``
   (``unit_mass_g`` or ``notebook_mass_g``, and ``bom_total_mass_g``).
2. ``fmd_parsers.parse_declaration`` in strict mode on every ``fmd/*.xml`` (needs the repository
   root on ``sys.path``; it is added). Any validation flag is reported.

Exit code 0 when every folder passes both.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent
REPO = SAMPLES.parent
sys.dont_write_bytecode = True  # importing the sibling module must not leave __pycache__ behind
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(REPO))

import check_notebook14  # noqa: E402


def product_dir(arg: str) -> Path:
    path = Path(arg)
    if (path / "parts.yaml").is_file():
        return path
    if (SAMPLES / arg / "parts.yaml").is_file():
        return SAMPLES / arg
    raise SystemExit(f"{arg}: no parts.yaml there or under {SAMPLES}")


def strict_parse(folder: Path) -> int:
    try:
        from fmd_parsers import FmdError, parse_declaration
    except ImportError as exc:  # pragma: no cover - only without the engine installed
        print(f"  strict parse skipped: {exc}")
        return 0
    bad = 0
    files = sorted((folder / "fmd").glob("*.xml"))
    for f in files:
        try:
            decl = parse_declaration(f)
        except FmdError as exc:
            bad += 1
            print(f"PROBLEM {f.name}: rejected by fmd_parsers: {exc}")
            continue
        for flag in decl.flags:
            bad += flag.severity == "error"
            print(f"  {f.name}: {flag.severity} {flag.code}: {flag.message}")
    print(f"  fmd_parsers strict: {len(files) - bad}/{len(files)} declarations accepted")
    return 1 if bad else 0


def run(folder: Path) -> int:
    prod = yaml.safe_load((folder / "parts.yaml").read_text(encoding="utf-8"))["product"]
    unit = prod.get("unit_mass_g", prod.get("notebook_mass_g"))
    print(f"== {folder.name} ({prod['number']}, {prod['name']})")
    rc = check_notebook14.main(["--dir", str(folder), "--notebook", str(unit),
                                "--total", str(prod["bom_total_mass_g"])])
    return max(rc, strict_parse(folder))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("products", nargs="*", help="product folders (or names under bom_samples/)")
    ap.add_argument("--all", action="store_true", help="every bom_samples/*/parts.yaml")
    args = ap.parse_args(argv)
    folders = [product_dir(p) for p in args.products]
    if args.all:
        folders += [d for d in sorted(SAMPLES.iterdir())
                    if (d / "parts.yaml").is_file() and d not in folders]
    if not folders:
        ap.error("name at least one product folder, or --all")
    return max(run(f) for f in folders)


if __name__ == "__main__":
    sys.exit(main())
