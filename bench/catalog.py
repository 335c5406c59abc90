"""Catalogue scale: import rates on SQLite and PostgreSQL, batch footprints, random SIGKILLs.

    python -m bench.catalog [--products 100] [--parts 40] [--catalog DIR] [--workers 2]
                            [--sqlite-workers 1,2] [--pg URL] [--kills 50] [--json OUT]

In one run: generate a catalogue (bench.make_catalog; or reuse one with ``--catalog``), import it
into a fresh SQLite database with each of ``--sqlite-workers`` (and into PostgreSQL with
``--workers`` processes, given ``--pg`` or GSCDM_TEST_PG_URL), compute every product's footprint
(``footprint --all``) on each database, then kill an import with SIGKILL at random moments
``--kills`` times on a fresh database, checking after each kill that every stored declaration is
complete, and that a final run completes the import. Each import reports the process's peak
resident memory, to show that it does not grow with the catalogue.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}


def _run(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "gscdm", *args], check=True, env=ENV,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _pg_database(base: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"gscdm_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def import_rate(home: Path, url: str, catalog: Path, workers: int) -> dict[str, float]:
    from sqlalchemy import func, select

    from lca_engine.db import MaterialDatabase
    from lca_engine.db import models as m

    database = MaterialDatabase(url)
    database.initialise()
    boms = sorted((catalog / "boms").glob("*.csv"))
    started = time.perf_counter()
    report = database.import_paths([catalog / "fmd"], bom=boms, workers=workers)
    seconds = time.perf_counter() - started
    with database.sessions() as session:
        substances = session.scalar(select(func.count()).select_from(m.MaterialSubstance)) or 0
    database.dispose()
    files = report.counts()["imported"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 2), "files": files, "files_per_s": round(files / seconds, 1),
            "substances": substances, "substances_per_s": round(substances / seconds),
            "peak_rss_mb_after": round(peak_mb)}


def batch_rate(home: Path, url: str) -> dict[str, float]:
    """``footprint --all`` on an imported catalogue."""
    from lca_engine.workspace import Workspace

    workspace = Workspace.open(home, url)
    workspace.init()
    batch = workspace.footprint_all()
    return {"products": len(batch.rows), "seconds": batch.seconds,
            "setup_seconds": batch.setup_seconds,
            "products_per_s": round(batch.products_per_second, 1),
            "peak_rss_mb_after": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def fault_loop(url: str, catalog: Path, kills: int, seed: int) -> dict[str, int]:
    from lca_engine.db import MaterialDatabase
    from tests.test_scale_robustness import check_consistent, expected_substances

    database = MaterialDatabase(url)
    database.initialise()
    expected = expected_substances(catalog / "fmd")
    rng = random.Random(seed)
    killed = 0
    for _ in range(kills):
        run = subprocess.Popen([sys.executable, "-m", "gscdm", "--db", url, "import",
                                str(catalog / "fmd")], env=ENV, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 3.0))
        if run.poll() is None:
            run.send_signal(signal.SIGKILL)
            killed += 1
        run.wait()
        check_consistent(database, expected)
    _run("--db", url, "import", str(catalog / "fmd"))
    stored = check_consistent(database, expected)
    database.dispose()
    assert stored == len(expected), (stored, len(expected))
    return {"runs": kills, "killed_mid_import": killed, "declarations": stored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100)
    parser.add_argument("--parts", type=int, default=40)
    parser.add_argument("--catalog", type=Path, help="reuse a catalogue bench.make_catalog wrote")
    parser.add_argument("--workers", type=int, default=2, help="import processes for PostgreSQL")
    parser.add_argument("--sqlite-workers", default="1,2",
                        help="comma-separated worker counts to import into SQLite with")
    parser.add_argument("--pg", default=os.environ.get("GSCDM_TEST_PG_URL"))
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()

    from bench.make_catalog import make_catalog

    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        catalog = args.catalog
        if catalog is None:
            catalog = root / "catalog"
            started = time.perf_counter()
            results["catalog"] = make_catalog(catalog, args.products, args.parts, 0.2, 1)
            results["catalog"]["generate_s"] = round(time.perf_counter() - started, 1)  # type: ignore[index]
        else:
            results["catalog"] = {"reused": str(catalog),
                                  "declarations": sum(1 for _ in (catalog / "fmd").iterdir()),
                                  "products": sum(1 for _ in (catalog / "boms").iterdir())}
        sqlite_workers = sorted({int(w) for w in args.sqlite_workers.split(",") if w})
        for workers in sqlite_workers:
            url = f"sqlite:///{root / f'sqlite-{workers}.db'}"
            results[f"sqlite_import_workers_{workers}"] = import_rate(root, url, catalog, workers)
        results["footprint_all_sqlite"] = batch_rate(
            root / "home", f"sqlite:///{root / f'sqlite-{sqlite_workers[-1]}.db'}")
        if args.pg:
            url = _pg_database(args.pg)
            results[f"postgresql_import_workers_{args.workers}"] = import_rate(
                root, url, catalog, args.workers)
            results["footprint_all_postgresql"] = batch_rate(root / "home-pg", url)
        if args.kills:
            results["fault_injection_sqlite"] = fault_loop(
                f"sqlite:///{root / 'faults.db'}", catalog, args.kills, 7)
    for name, figures in results.items():
        print(f"{name}: {figures}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
