"""PACT host API state: publish, ListFootprints (with and without a filter), GetFootprint and token
checks over N published footprints, against raw SQL reads of the same rows.

    python -m bench.pact_host [--footprints 2000] [--json OUT]

Every footprint is the v3 test fixture ``tests/fixtures/pact/supplier_cover_v3.json`` with its
own id, product id and company id (about 2 kB of JSON each). The baselines read the same table in
the same run: ``SELECT document`` of every row plus ``json.loads`` (the floor of a list that
filters in Python), and a primary-key ``SELECT`` of one row.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "pact" / "supplier_cover_v3.json"


def _best(action: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--footprints", type=int, default=2000)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()

    from sqlalchemy import select, text

    from lca_engine.db import MaterialDatabase
    from lca_engine.db.models import pact_footprint
    from lca_engine.home import default_sqlite_url
    from lca_engine.pact.host import FootprintFilter, PactHost
    from reports.pact import validate_v3

    base = json.loads(FIXTURE.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        db = MaterialDatabase(default_sqlite_url(Path(tmp)))
        db.initialise()
        host = PactHost(db)
        started = time.perf_counter()
        ids = []
        for index in range(args.footprints):
            document = {**base, "id": str(uuid.uuid4()),
                        "productIds": [f"urn:pact:bench:product:{index}"],
                        "companyIds": [f"urn:pact:bench:company:{index % 50}"]}
            ids.append(host.publish(f"P-{index}", document, validate_v3).id)
        publish_s = time.perf_counter() - started
        wanted = FootprintFilter(product_ids=[f"urn:pact:bench:product:{args.footprints // 2}"])
        list_all = _best(lambda: host.footprints())
        list_one = _best(lambda: host.footprints(wanted))
        get_one = _best(lambda: [host.footprint(i) for i in ids[:200]]) / 200
        client = host.add_client("bench")
        token = host.issue_token(client.client_id, client.client_secret).access_token
        auth = _best(lambda: [host.authenticate(token) for _ in range(200)]) / 200

        def raw_all() -> object:
            with db.engine.connect() as conn:
                rows = conn.execute(text("SELECT document FROM pact_footprint")).all()
            return [json.loads(r[0]) if isinstance(r[0], str) else r[0] for r in rows]

        def raw_get() -> object:
            with db.engine.connect() as conn:
                return [conn.execute(select(pact_footprint.c.document)
                                     .where(pact_footprint.c.id == i)).scalar_one()
                        for i in ids[:200]]

        raw_list = _best(raw_all)
        raw_one = _best(raw_get) / 200
        db.dispose()
    figures = {
        "footprints": args.footprints,
        "publish_per_s": args.footprints / publish_s,
        "list_all_s": list_all, "list_filtered_s": list_one, "raw_select_all_s": raw_list,
        "get_ms": get_one * 1000, "raw_get_ms": raw_one * 1000,
        "authenticate_ms": auth * 1000,
        "list_all_vs_raw": list_all / raw_list, "get_vs_raw": get_one / raw_one,
    }
    print(f"{args.footprints} footprints: publish {figures['publish_per_s']:.0f}/s "
          "(validated, versioned, one transaction each)")
    print(f"ListFootprints, all:        {list_all * 1000:8.1f} ms   raw SELECT + json.loads "
          f"{raw_list * 1000:8.1f} ms   ×{figures['list_all_vs_raw']:.2f}")
    print(f"ListFootprints, productId:  {list_one * 1000:8.1f} ms   (filters in Python over the "
          "same rows)")
    print(f"GetFootprint:               {get_one * 1000:8.3f} ms   raw primary-key SELECT "
          f"{raw_one * 1000:8.3f} ms   ×{figures['get_vs_raw']:.2f}")
    print(f"token check:                {auth * 1000:8.3f} ms   (SHA-256 + indexed SELECT)")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
