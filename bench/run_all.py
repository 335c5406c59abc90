"""`make bench`: run every benchmark and write their figures into one JSON file.

    python -m bench.run_all OUT.json [--quick]

Each benchmark runs as its own process (fresh imports, fresh engine home) and writes its JSON;
this script merges them under one key per benchmark, with the machine they ran on.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

BENCHES = {
    "workbench": ["bench.workbench"],
    "fmd_throughput": ["bench.fmd_throughput"],
    "footprint": ["bench.footprint"],
    "variants": ["bench.variants"],
    "catalog": ["bench.catalog"],
}
QUICK = {"catalog": ["--products", "20", "--parts", "20", "--kills", "5"],
         "variants": ["--variants", "400", "--naive", "5"]}


def main() -> None:
    out = Path(sys.argv[1])
    quick = "--quick" in sys.argv
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version(), "system": platform.platform()}}
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


if __name__ == "__main__":
    main()
