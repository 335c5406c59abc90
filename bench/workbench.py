"""The workbench: explorer update latency and a screenshot of every page.

    python -m bench.workbench [--home out/demo-home] [--out out] [--updates 50] [--json OUT]

Starts the workbench on a real loopback socket (uvicorn in a thread) over an engine home with the
sample notebook (``--home``; a fresh one is built when none is given), then measures, for the
14-inch notebook NB14-G5:
  - the explorer's live update over HTTP: one slider position per request (the Aluminium group's
    recycled share stepped 0 → 100 %), the request and JSON answer included;
  - the same with correlated Monte Carlo on (200 iterations): the first update draws and solves
    the samples, later ones reuse them;
  - in headless Chromium, from a key press on the slider to the result shown in the page
    (Debian's chromium; skipped with a note when it is missing);
  - baseline in the same run: ``Workspace.compare`` with the design in a variant file, what
    ``gscdm compare`` does per design (foreground written, adjoint solved each time).
Screenshots of every page go to ``OUT/screenshots/``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = "NB14-G5"
GROUP = "Aluminium and its alloys"
TARGET_MS = 200.0


def _design(share: float) -> dict[str, Any]:
    return {"name": "bench", "changes": [{"recycled": {
        "select": {"group": f"^{GROUP}$"}, "kind": "recycled-metal", "share": share}}]}


def _stats(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {"n": len(ordered), "median_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[max(0, int(0.95 * len(ordered)) - 1)], 2),
            "max_ms": round(ordered[-1], 2)}


def _home(path: str | None, tmp: Path) -> Path:
    from lca_engine.workspace import Workspace

    if path and (Path(path) / "brightway").exists():
        return Path(path)
    home = tmp / "home"
    workspace = Workspace.open(home)
    workspace.init()
    workspace.database.import_paths([], bom=ROOT / "bom_samples" / "notebook14" / "bom.csv")
    workspace.close()
    return home


def http_latency(base: str, updates: int, iterations: int = 0) -> dict[str, Any]:
    samples = []
    first = None
    with httpx.Client(base_url=base, timeout=120) as client:
        for i in range(updates + 1):
            body = _design(i / updates) | ({"iterations": iterations} if iterations else {})
            started = time.perf_counter()
            response = client.post(f"/api/products/{PRODUCT}/explorer/evaluate", json=body)
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            if i == 0:
                first = elapsed  # opens the explorer (solves the baseline) or draws the samples
            else:
                samples.append(elapsed)
    return {"first_ms": round(first or 0.0, 1), **_stats(samples)}


def cli_path_latency(home: Path, repeats: int) -> dict[str, Any]:
    from lca_engine.workspace import Workspace

    workspace = Workspace.open(home)
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            path = Path(tmp) / f"v{i}.yaml"
            path.write_text(yaml.safe_dump(_design((i + 1) / repeats)))
            started = time.perf_counter()
            workspace.compare(PRODUCT, [path])
            samples.append((time.perf_counter() - started) * 1000)
    workspace.close()
    return _stats(samples)


def browser_run(base: str, out: Path, updates: int) -> dict[str, Any]:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        return {"skipped": "no chromium: run bash scripts/install_system_deps.sh"}
    from playwright.sync_api import sync_playwright

    shots = out / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"screenshots": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})

        def shot(name: str, url: str | None = None, full: bool = True) -> None:
            if url is not None:
                page.goto(base + url)
                page.wait_for_load_state("networkidle")
            path = shots / f"{name}.png"
            page.screenshot(path=str(path), full_page=full)
            result["screenshots"].append(str(path))

        shot("01-products", "/?lang=en")
        shot("02-product", f"/products/{PRODUCT}")
        page.goto(f"{base}/products/{PRODUCT}/explorer")
        page.wait_for_function("Number(document.body.dataset.updates || 0) >= 1")
        index = page.locator(f'tr.group-row[data-group="{GROUP}"]').get_attribute("data-index")
        slider = page.locator(f"#g-{index}-share")
        slider.focus()
        samples = []
        for _ in range(updates):
            before = int(page.evaluate("Number(document.body.dataset.updates)"))
            started = time.perf_counter()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"Number(document.body.dataset.updates) > {before}")
            samples.append((time.perf_counter() - started) * 1000)
        result["key_to_result"] = _stats(samples)
        page.locator("#new-kind").select_option("replace")  # show a change form, filled in
        page.locator("#add-change").click()
        page.locator("#c-1-part").fill("NB14-PKG-CUSH")
        page.locator("#c-1-ratio").fill("1.17")
        page.locator("#mc-on").check()
        page.wait_for_function("!document.getElementById('result-range').hidden && "
                               "document.getElementById('result-range').textContent !== '—'",
                               timeout=120_000)
        shot("03-explorer")
        page.locator("#sc-lifetime").fill("-1")
        page.locator("#sc-lifetime-err").wait_for(state="visible")
        page.evaluate("document.getElementById('sc-lifetime').scrollIntoView({block: 'center'})")
        shot("04-explorer-error", full=False)
        shot("05-compliance", f"/products/{PRODUCT}/compliance")
        shot("06-factors", "/factors?q=aluminium")
        shot("07-reports", f"/reports?product={PRODUCT}")
        shot("08-api-docs", "/docs")
        shot("09-product-zh", f"/products/{PRODUCT}?lang=zh")
        shot("10-explorer-zh", f"/products/{PRODUCT}/explorer")
        shot("11-not-found", "/products/NO-SUCH-PRODUCT?lang=en")
        browser.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="engine home with NB14-G5 imported (default: a fresh one)")
    parser.add_argument("--out", default="out")
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument("--cli-repeats", type=int, default=5)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()

    from gscdm.web import create_app
    from gscdm.web.background_server import serving
    from lca_engine.workspace import Workspace

    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        home = _home(args.home, Path(tmp))
        workspace = Workspace.open(home)
        app = create_app(workspace, variant_dirs=[ROOT / "bom_samples" / "variants"])
        with serving(app) as base:
            figures: dict[str, Any] = {
                "explorer_http": http_latency(base, args.updates),
                "explorer_http_monte_carlo_200": http_latency(base, 20, iterations=200),
                "browser": browser_run(base, out, args.updates),
            }
        figures["baseline_gscdm_compare_per_design"] = cli_path_latency(home, args.cli_repeats)
        workspace.close()
    figures["target_ms"] = TARGET_MS
    http, cli = figures["explorer_http"], figures["baseline_gscdm_compare_per_design"]
    rows = [("explorer update over HTTP", http),
            ("explorer update, Monte Carlo 200 iterations",
             figures["explorer_http_monte_carlo_200"])]
    if "key_to_result" in figures["browser"]:
        rows.append(("browser: key press to result shown", figures["browser"]["key_to_result"]))
    rows.append(("baseline: Workspace.compare with a variant file", cli))
    print(f"{'path':<48} {'median ms':>10} {'p95 ms':>9} {'max ms':>9} {'first ms':>9}")
    for name, row in rows:
        print(f"{name:<48} {row['median_ms']:>10.1f} {row['p95_ms']:>9.1f} {row['max_ms']:>9.1f}"
              f" {row.get('first_ms', float('nan')):>9.1f}")
    print(f"target < {TARGET_MS:.0f} ms per update; baseline / explorer (median) = "
          f"{cli['median_ms'] / http['median_ms']:.0f}×")
    if "screenshots" in figures["browser"]:
        print(f"{len(figures['browser']['screenshots'])} screenshots in "
              f"{out / 'screenshots'}")
    else:
        print(f"screenshots skipped: {figures['browser']['skipped']}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
