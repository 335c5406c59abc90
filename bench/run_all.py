"""`make bench`: run every benchmark and write their figures into one JSON file.

    python -m bench.run_all OUT.json [--quick] [--no-readme]

Each benchmark runs as its own process (fresh imports, fresh engine home) and writes its JSON;
this script merges them under one key per benchmark, with the machine they ran on. A full run
then rewrites the generated figures of bench/README.md and keeps its JSON in
bench/figures.json (``bench.figures``); a ``--quick`` run never does, its figures being of
smaller inputs.

To add a benchmark: a module that takes ``--json OUT``, an entry in ``BENCHES`` (and in
``QUICK`` for its small-input arguments), and optionally a table in ``bench.figures.RENDERERS``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

BENCHES = {
    "workbench": ["bench.workbench"],
    "fmd_throughput": ["bench.fmd_throughput"],
    "footprint": ["bench.footprint"],
    "variants": ["bench.variants"],
    "catalog": ["bench.catalog"],
    "portal_load": ["bench.portal_load"],
    "pact_host": ["bench.pact_host"],
    "estimate": ["bench.estimate"],
    "design_space": ["bench.design_space"],
}
QUICK = {"catalog": ["--products", "20", "--parts", "20", "--kills", "5"],
         "variants": ["--variants", "400", "--naive", "5"],
         "portal_load": ["--declarations", "200"],
         "pact_host": ["--footprints", "300"],
         "design_space": ["--grid", "41", "--iterations", "5000", "--bw-iterations", "50",
                          "--products", "40"]}


def main() -> None:
    out = Path(sys.argv[1])
    quick = "--quick" in sys.argv
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version(), "system": platform.platform(),
                    # other work on the machine slows every figure: recorded beside them
                    "load_average": round(os.getloadavg()[0], 2)},
        "run": {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "quick": quick}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, module in BENCHES.items():
            target = Path(tmp) / f"{name}.json"
            extra = QUICK.get(name, []) if quick else []
            print(f"== {name}", flush=True)
            subprocess.run([sys.executable, "-m", *module, *extra, "--json", str(target)],
                           check=True)
            results[name] = json.loads(target.read_text())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"figures written to {out}")
    if not quick and "--no-readme" not in sys.argv:
        from bench.figures import README, update

        update(results)
        print(f"{README} figures regenerated")


if __name__ == "__main__":
    main()
