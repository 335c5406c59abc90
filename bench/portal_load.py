"""Supplier-portal load: declarations posted through ``POST /api/submissions`` on a real uvicorn
server, against ``gscdm import`` of the same files in the same run.

    python -m bench.portal_load [--declarations 2000] [--clients 8] [--substances 30]
                                [--db URL] [--json OUT]

1. baseline: ``MaterialDatabase.import_paths`` (what ``gscdm import FILES`` runs, one worker) of
   the files into a fresh database; declarations/s and the p95 time of one file;
2. portal: a fresh database with one supplier account per organisation (four organisations, the
   parts assigned round-robin), the portal served by uvicorn on loopback, ``--clients`` threads
   each posting one file per request with its supplier's API token; declarations/s over the wall
   time and the p50/p95 latency of one upload (request sent to verdict received).
Every upload must come back ``accepted`` and the database must hold exactly ``--declarations``
declarations afterwards, or the bench fails.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.synthetic import write_synthetic
from lca_engine.db import FileOutcome, MaterialDatabase
from lca_engine.portal import Portal
from lca_engine.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
ORGANISATIONS = ("ACME", "BETA", "GAMMA", "DELTA")
PASSWORD = "bench password 2026"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def make_files(folder: Path, count: int, substances: int) -> list[Path]:
    folder.mkdir(parents=True)
    return [write_synthetic(folder / f"LOAD-{i:05d}.xml", f"LOAD-{i:05d}", substances,
                            material_mass_g=2.0) for i in range(count)]


def baseline(url: str, files: list[Path]) -> dict[str, float]:
    database = MaterialDatabase(url)
    database.initialise()
    per_file: list[float] = []
    last = [time.perf_counter()]

    def progress(_outcome: FileOutcome, _total: int) -> None:
        now = time.perf_counter()
        per_file.append(now - last[0])
        last[0] = now

    started = time.perf_counter()
    report = database.import_paths(files, progress=progress)
    seconds = time.perf_counter() - started
    database.dispose()
    assert report.counts()["imported"] == len(files), report.counts()
    return {"seconds": seconds, "declarations_per_s": len(files) / seconds,
            "p50_file_s": statistics.median(per_file), "p95_file_s": p95(per_file)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(home: Path, url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "GSCDM_HOME": str(home), "GSCDM_DB_URL": url,
           "PYTHONPATH": str(ROOT)}
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "gscdm.portal.asgi:app_from_env",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"portal did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)


def portal_run(home: Path, url: str, files: list[Path], clients: int,
               log: Path) -> dict[str, float]:
    workspace = Workspace.open(home, url)
    workspace.database.initialise()
    portal = Portal(workspace)
    portal.add_user("admin", "admin", PASSWORD)
    tokens = {}
    for org in ORGANISATIONS:
        name = org.lower()
        portal.add_user(name, "supplier", PASSWORD, supplier=org)
        tokens[org] = portal.issue_token(name)
    portal.assign([(path.stem, ORGANISATIONS[i % len(ORGANISATIONS)])
                   for i, path in enumerate(files)])
    jobs = [(ORGANISATIONS[i % len(ORGANISATIONS)], path) for i, path in enumerate(files)]
    process, base = serve(home, url, log)
    local = threading.local()
    latencies: list[float] = []
    try:
        def upload(job: tuple[str, Path]) -> str:
            org, path = job
            client = getattr(local, "client", None)
            if client is None:
                client = local.client = httpx.Client(timeout=300)
            data = path.read_bytes()
            started = time.perf_counter()
            response = client.post(f"{base}/api/submissions",
                                   headers={"Authorization": f"Bearer {tokens[org]}"},
                                   files=[("files", (path.name, data))])
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()
            return str(response.json()["results"][0]["status"])

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            statuses = list(pool.map(upload, jobs))
        seconds = time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert statuses.count("accepted") == len(files), {s: statuses.count(s) for s in
                                                      set(statuses)}
    with workspace.database.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM declaration")).scalar_one()
    workspace.close()
    assert stored == len(files), stored
    return {"seconds": seconds, "declarations_per_s": len(files) / seconds,
            "p50_upload_s": statistics.median(latencies), "p95_upload_s": p95(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--declarations", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--substances", type=int, default=30)
    parser.add_argument("--db", help="PostgreSQL URL of an empty database server "
                                     "(databases gscdm_bench_base/_portal are created)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = make_files(root / "fmd", args.declarations, args.substances)
        urls = {}
        for name in ("base", "portal"):
            if args.db:
                from sqlalchemy import create_engine
                from sqlalchemy.engine import make_url

                admin = create_engine(args.db, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f"DROP DATABASE IF EXISTS gscdm_bench_{name} WITH (FORCE)"))
                    conn.execute(text(f"CREATE DATABASE gscdm_bench_{name}"))
                admin.dispose()
                urls[name] = make_url(args.db).set(database=f"gscdm_bench_{name}") \
                    .render_as_string(hide_password=False)
            else:
                urls[name] = f"sqlite:///{root / name / 'gscdm.sqlite'}"
        base = baseline(urls["base"], files)
        portal = portal_run(root / "portal", urls["portal"], files, args.clients,
                            root / "server.log")
    figures = {"declarations": args.declarations, "clients": args.clients,
               "substances_per_declaration": args.substances,
               "database": "postgresql" if args.db else "sqlite",
               "baseline_gscdm_import": base, "portal_api": portal,
               "portal_vs_import_throughput": portal["declarations_per_s"]
               / base["declarations_per_s"]}
    print(f"{args.declarations} declarations of {args.substances} substances, "
          f"{figures['database']}, {args.clients} client threads")
    print(f"  gscdm import (baseline)  {base['declarations_per_s']:8.1f} declarations/s   "
          f"p95 per file {base['p95_file_s'] * 1000:7.1f} ms")
    print(f"  portal POST /api/...     {portal['declarations_per_s']:8.1f} declarations/s   "
          f"p95 upload   {portal['p95_upload_s'] * 1000:7.1f} ms "
          f"(p50 {portal['p50_upload_s'] * 1000:.1f} ms)")
    print(f"  portal / import throughput: {figures['portal_vs_import_throughput']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
