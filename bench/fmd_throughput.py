"""FMD parse-and-load throughput, against raw lxml parsing and raw SQLite ``executemany``.

    python -m bench.fmd_throughput [--substances 50000] [--files 3] [--small 400] [--db URL]
                                   [--json OUT]

Two sets of files, each measured in five passes over the same bytes, in one run:
  * large: the sample notebook's declarations plus ``--files`` synthetic files of
    ``--substances`` substances each (parsing dominates);
  * small: ``--small`` catalogue-sized declarations (about 30 substances each, from
    ``bench.make_catalog``), where the per-file transaction dominates.
Passes:
  1. raw lxml: ``etree.parse`` of each file (the floor any XML reader pays);
  2. parse: ``fmd_parsers.parse_declaration`` (streaming, validation, unit normalisation);
  3. parse + load: ``MaterialDatabase.import_paths`` into a fresh database (SQLite by default);
  4. store: ``store_declaration`` of the already parsed declarations, one transaction each, into
     a fresh SQLite database (the engine's write path without parsing);
  5. raw SQLite: stdlib ``sqlite3`` ``executemany`` of the same rows into the same schema, one
     transaction per file (``bench.raw_sqlite``; the floor of the storing work).
Prints seconds, MB/s and substances/s, with parse/load against raw lxml and store against raw
SQLite.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

from lxml import etree

from bench.make_catalog import make_catalog
from bench.raw_sqlite import raw_executemany
from bench.synthetic import write_synthetic
from fmd_parsers import Declaration, parse_declaration
from lca_engine.db import MaterialDatabase
from lca_engine.db.importer import store_declaration

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "bom_samples" / "notebook14" / "fmd"


def timed(func, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - started, result


def store_all(url: str, declarations: list[Declaration], sizes: list[int]) -> None:
    """The engine's write path alone: one transaction per parsed declaration."""
    database = MaterialDatabase(url)
    database.initialise()
    for declaration, size in zip(declarations, sizes, strict=True):
        with database.sessions() as session, session.begin():
            store_declaration(session, declaration, file_size=size, lenient=False)
    database.dispose()


def measure(label: str, files: list[Path], workdir: Path, url: str | None) -> dict:
    """The five passes over ``files``; prints a table and returns the figures."""
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    sizes = [f.stat().st_size for f in files]
    raw_s = sum(timed(etree.parse, str(f))[0] for f in files)
    parse_s, declarations = 0.0, []
    for f in files:
        seconds, declaration = timed(parse_declaration, f)
        parse_s += seconds
        declarations.append(declaration)
    substances = sum(d.substance_count for d in declarations)

    url = url or f"sqlite:///{workdir / f'{label}-load.sqlite'}"
    database = MaterialDatabase(url)
    database.initialise()
    load_s, report = timed(database.import_paths, files)
    database.dispose()
    assert report.counts()["imported"] == len(files), report.counts()

    store_s, _ = timed(store_all, f"sqlite:///{workdir / f'{label}-store.sqlite'}",
                       declarations, sizes)
    raw_db = workdir / f"{label}-raw.sqlite"
    schema = MaterialDatabase(f"sqlite:///{raw_db}")
    schema.initialise()
    schema.dispose()
    raw_sql_s, _ = timed(raw_executemany, raw_db, declarations, sizes)

    rows = {
        "raw lxml parse": (raw_s, "raw lxml", raw_s),
        "fmd_parsers parse + validate": (parse_s, "raw lxml", raw_s),
        "parse + load into database": (load_s, "raw lxml", raw_s),
        "store parsed (SQLite)": (store_s, "raw sqlite3", raw_sql_s),
        "raw sqlite3 executemany": (raw_sql_s, "raw sqlite3", raw_sql_s),
    }
    print(f"\n{label}: {len(files)} files, {megabytes:.1f} MB, {substances:,} substances "
          f"(load into {url.split(':')[0]})")
    print(f"{'pass':<32}{'seconds':>9}{'MB/s':>9}{'substances/s':>15}{'files/s':>9}"
          f"{'ratio':>8}  baseline")
    figures = {}
    for name, (seconds, baseline, base_s) in rows.items():
        figures[name] = {"seconds": round(seconds, 3), "mb_per_s": round(megabytes / seconds, 2),
                         "substances_per_s": round(substances / seconds),
                         "files_per_s": round(len(files) / seconds, 1),
                         "ratio": round(seconds / base_s, 2), "baseline": baseline}
        print(f"{name:<32}{seconds:>9.2f}{megabytes / seconds:>9.1f}"
              f"{substances / seconds:>15,.0f}{len(files) / seconds:>9.1f}"
              f"{seconds / base_s:>8.1f}  {baseline}")
    return {"files": len(files), "megabytes": round(megabytes, 2), "substances": substances,
            "database": url.split(":")[0], "passes": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--substances", type=int, default=50_000,
                        help="substances per synthetic file (default 50000)")
    parser.add_argument("--files", type=int, default=3, help="synthetic files (default 3)")
    parser.add_argument("--small", type=int, default=400,
                        help="catalogue-sized files in the small set (default 400)")
    parser.add_argument("--db", help="database URL for the load pass (default: fresh SQLite)")
    parser.add_argument("--json", dest="json_out", help="also write the figures to this file")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        large = sorted(SAMPLES.glob("*.xml"))
        for i in range(args.files):
            large.append(write_synthetic(workdir / f"synthetic_{i}.xml", f"SYN-{i:04d}",
                                         args.substances))
        make_catalog(workdir / "catalog", products=max(1, args.small // 40), parts=40,
                     shared=0.0, seed=7)
        small = sorted((workdir / "catalog" / "fmd").glob("*.xml"))[:args.small]
        if args.db:  # a shared server database: the second set needs an empty one too
            results = {"large": measure("large", large, workdir, args.db)}
            print("(small set loaded into SQLite: --db is used for the large set only)")
            results["small"] = measure("small", small, workdir, None)
        else:
            results = {name: measure(name, files, workdir, None)
                       for name, files in (("large", large), ("small", small))}
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
