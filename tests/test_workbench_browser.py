"""The workbench in a real headless Chromium (Debian's ``chromium``, driven by Playwright):
the product page, a recycled-share slider moved by keyboard in the explorer with the total
checked against the API, an error shown next to its field, and a PDF report downloaded.

Without Chromium (``scripts/install_system_deps.sh`` installs it) these tests skip with the
reason; in CI (``CI=true``) they fail instead, as the PostgreSQL tests do with GSCDM_REQUIRE_PG.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gscdm.web import create_app
from gscdm.web.background_server import serving
from lca_engine.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]


def chromium_executable() -> str:
    """Debian's chromium (or GSCDM_CHROMIUM); skip, or fail in CI, when it is missing."""
    candidates = [os.environ.get("GSCDM_CHROMIUM"), shutil.which("chromium"),
                  "/usr/bin/chromium"]
    found = next((c for c in candidates if c and Path(c).is_file()), None)
    reason = None
    if found is None:
        reason = "no chromium: run 'bash scripts/install_system_deps.sh' (Debian package)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed: make venv (test extra)"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def base_url(notebook_workspace: Workspace) -> Iterator[str]:
    app = create_app(notebook_workspace, variant_dirs=[ROOT / "bom_samples" / "variants"])
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Any]:
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors  # no script error on any page


@pytest.mark.slow
def test_product_page(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/products/NB14-G5")
    api = httpx.get(f"{base_url}/api/products/NB14-G5/footprint").json()
    total = page.locator("#total")
    assert float(total.get_attribute("data-value")) == pytest.approx(api["total_kg_co2e"],
                                                                     rel=1e-12)
    assert total.inner_text() == f"{api['total_kg_co2e']:,.2f}"
    # plotly drew the stage bar and both treemaps from the bundled plotly.min.js
    page.wait_for_selector("#stage-chart .main-svg")
    assert page.locator("#part-chart .main-svg").count() >= 1
    assert page.locator("#material-chart .main-svg").count() >= 1
    assert page.get_by_text("NB14-ACOV-01").first.is_visible()


def test_explorer_slider_updates_total_to_the_api_value(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/products/NB14-G5/explorer")
    page.wait_for_function("Number(document.body.dataset.updates || 0) >= 1")
    baseline = float(page.locator("#result-total").get_attribute("data-value"))
    row = page.locator('tr.group-row[data-group="Aluminium and its alloys"]')
    index = row.get_attribute("data-index")
    kind = page.locator(f"#g-{index}-kind").input_value()
    assert kind == "recycled-metal"
    slider = page.locator(f"#g-{index}-share")
    before = int(page.evaluate("Number(document.body.dataset.updates)"))
    slider.focus()  # keyboard use: the slider is a native range input
    page.keyboard.press("End")
    assert slider.input_value() == "100"
    assert page.locator(f"#g-{index}-out").inner_text() == "100 %"
    assert page.locator(f"#g-{index}-on").is_checked()
    page.wait_for_function(f"Number(document.body.dataset.updates) > {before}")
    shown = float(page.locator("#result-total").get_attribute("data-value"))
    api = httpx.post(f"{base_url}/api/products/NB14-G5/explorer/evaluate", json={"changes": [
        {"recycled": {"select": {"group": "^Aluminium and its alloys$"}, "kind": kind,
                      "share": 1.0}}]}).json()["variants"][0]
    assert shown == api["total_kg_co2e"]
    assert shown < baseline
    assert page.locator("#result-changes li").count() == 1
    assert page.locator("#result-latency").inner_text().startswith("updated in")


def test_explorer_shows_an_error_next_to_its_field(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/products/NB14-G5/explorer")
    page.wait_for_function("Number(document.body.dataset.updates || 0) >= 1")
    page.locator("#sc-lifetime").fill("-2")
    error = page.locator("#sc-lifetime-err")  # beside the lifetime field
    error.wait_for(state="visible")
    assert "greater than 0" in error.inner_text()
    lifetime = page.locator("#sc-lifetime")
    assert lifetime.get_attribute("aria-invalid") == "true"
    assert lifetime.get_attribute("aria-describedby") == "sc-lifetime-err"
    assert "stale" in (page.locator("#result").get_attribute("class") or "")
    lifetime.fill("5")
    page.wait_for_function("document.getElementById('sc-lifetime-err').textContent === ''")
    assert lifetime.get_attribute("aria-invalid") is None
    assert "stale" not in (page.locator("#result").get_attribute("class") or "")


@pytest.mark.slow
def test_report_pdf_download(page: Any, base_url: str, tmp_path: Path) -> None:
    page.goto(f"{base_url}/reports?product=NB14-G5")
    page.get_by_label("Kind").select_option("datasheet")
    page.get_by_label("Format").select_option("pdf")
    page.get_by_label("Monte Carlo iterations").fill("0")
    with page.expect_download(timeout=120_000) as download_info:
        page.get_by_role("button", name="Generate and download").click()
    download = download_info.value
    assert download.suggested_filename == "NB14-G5-datasheet-en.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    content = target.read_bytes()
    assert content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(target).pages)
    assert "NB14-G5" in text or "GS 14 Business Notebook G5" in text


UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter((el) => el.type !== 'hidden')
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby')
                  && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 120))"""


def test_every_control_has_a_label(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/products/NB14-G5/explorer")
    page.wait_for_function("Number(document.body.dataset.updates || 0) >= 1")
    for kind in ("substitute", "replace", "remove", "scale"):  # one change form of each kind
        page.locator("#new-kind").select_option(kind)
        page.locator("#add-change").click()
    assert page.evaluate(UNLABELLED) == []
    for url in ("/reports", "/factors", "/"):
        page.goto(base_url + url)
        assert page.evaluate(UNLABELLED) == [], url
    # keyboard: the first Tab reaches the skip link, which moves focus to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
