"""FMD parse-and-load throughput, measured against raw lxml parsing of the same files.

    python -m bench.fmd_throughput [--substances 50000] [--files 3] [--db URL] [--json OUT]

Three passes over the same bytes, in one run:
  1. raw lxml: ``etree.parse`` of each file (the floor any XML reader pays);
  2. parse: ``fmd_parsers.parse_declaration`` (streaming, validation, unit normalisation);
  3. parse + load: ``MaterialDatabase.import_paths`` into a fresh database (SQLite by default).
Prints MB/s and substances/s for each and the ratio of each to raw lxml.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

from lxml import etree

from bench.synthetic import write_synthetic
from fmd_parsers import parse_declaration
from lca_engine.db import MaterialDatabase

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "bom_samples" / "notebook14" / "fmd"


def timed(func, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--substances", type=int, default=50_000,
                        help="substances per synthetic file (default 50000)")
    parser.add_argument("--files", type=int, default=3, help="synthetic files (default 3)")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--json", dest="json_out", help="also write the figures to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        files = sorted(SAMPLES.glob("*.xml"))
        for i in range(args.files):
            files.append(write_synthetic(workdir / f"synthetic_{i}.xml", f"SYN-{i:04d}",
                                         args.substances))
        megabytes = sum(f.stat().st_size for f in files) / 1e6

        raw_s = sum(timed(etree.parse, str(f))[0] for f in files)
        parse_s, declarations = 0.0, []
        for f in files:
            seconds, declaration = timed(parse_declaration, f)
            parse_s += seconds
            declarations.append(declaration)
        substances = sum(d.substance_count for d in declarations)

        url = args.db or f"sqlite:///{workdir / 'bench.sqlite'}"
        database = MaterialDatabase(url)
        database.initialise()
        load_s, report = timed(database.import_paths, files)
        database.dispose()
        assert report.counts()["imported"] == len(files), report.counts()

    rows = {
        "raw lxml parse": raw_s,
        "fmd_parsers parse + validate": parse_s,
        "parse + load into database": load_s,
    }
    print(f"{len(files)} files, {megabytes:.1f} MB, {substances:,} substances "
          f"({platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"database {url.split(':')[0]})")
    print(f"{'pass':<32}{'seconds':>9}{'MB/s':>9}{'substances/s':>15}{'× raw lxml':>12}")
    figures = {}
    for name, seconds in rows.items():
        figures[name] = {"seconds": round(seconds, 3), "mb_per_s": round(megabytes / seconds, 2),
                         "substances_per_s": round(substances / seconds),
                         "ratio_to_raw_lxml": round(seconds / raw_s, 2)}
        print(f"{name:<32}{seconds:>9.2f}{megabytes / seconds:>9.1f}"
              f"{substances / seconds:>15,.0f}{seconds / raw_s:>12.1f}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({
            "files": len(files), "megabytes": round(megabytes, 2), "substances": substances,
            "database": url.split(":")[0], "passes": figures}, indent=2))


if __name__ == "__main__":
    main()
