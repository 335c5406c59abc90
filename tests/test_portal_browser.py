"""The portal in headless Chromium (Debian's ``chromium`` driven by Playwright): a supplier logs
in, uploads a good and a bad file and sees both verdicts; an engineer sees the coverage change.

Outside CI the test skips, with the reason, when /usr/bin/chromium is missing; in CI (CI=true)
it fails instead, so a missing browser cannot pass silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import IPC
from .portal_support import (
    PASSWORD,
    PortalSetup,
    make_setup,
    running_server,
    use_cheap_password_hashing,
)

CHROMIUM = Path(os.environ.get("GSCDM_CHROMIUM", "/usr/bin/chromium"))

pytestmark = pytest.mark.slow


@pytest.fixture
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = (f"no Chromium at {CHROMIUM}: run 'bash scripts/install_system_deps.sh' "
                  "(or apt-get install chromium)")
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PortalSetup:
    use_cheap_password_hashing(monkeypatch)
    built = make_setup(tmp_path / "home", f"sqlite:///{tmp_path / 'home' / 'gscdm.sqlite'}")
    bom = tmp_path / "bom.csv"
    bom.write_text("product_number,product_name,part_number,quantity,part_mass_g\n"
                   "P1,Test product,NB14-ACOV-01,1,150\nP1,Test product,LOOSE-1,1,50\n",
                   encoding="utf-8")
    assert built.workspace.database.import_paths([], bom=bom).counts()["rejected"] == 0
    built.portal.assign([("NB14-ACOV-01", "ACME")])
    yield built
    built.workspace.close()


def test_supplier_uploads_and_engineer_sees_coverage_change(
        setup: PortalSetup, chromium_path: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = tmp_path / "screenshots"
    with running_server(setup, tmp_path / "server.log") as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium_path), headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            engineer = browser.new_page()
            engineer.goto(f"{url}/portal/coverage/P1")
            expect(engineer).to_have_url(f"{url}/login?next=%2Fportal%2Fcoverage%2FP1")
            engineer.get_by_label("User name").fill("eng")
            engineer.get_by_label("Password").fill(PASSWORD)
            engineer.get_by_role("button", name="Log in").click()
            expect(engineer.locator("#share-parts")).to_have_text("0.0 %")
            expect(engineer.locator("#share-mass")).to_have_text("0.0 %")

            supplier = browser.new_context().new_page()
            supplier.goto(f"{url}/portal")
            supplier.get_by_label("User name").fill("acme")
            supplier.get_by_label("Password").fill(PASSWORD)
            supplier.get_by_role("button", name="Log in").click()
            expect(supplier.get_by_role("heading", level=1)).to_contain_text("ACME")
            supplier.get_by_label("Files").set_input_files(
                [str(IPC / "mass_balance_substances.xml"), str(IPC / "cover_ok.xml")])
            supplier.get_by_role("button", name="Upload").click()
            expect(supplier.locator("#counts")).to_have_text(
                "1 accepted, 0 unchanged, 1 rejected")
            bad = supplier.locator('tr[data-file="mass_balance_substances.xml"]')
            expect(bad.locator("td").nth(1)).to_have_text("rejected")
            expect(bad).to_contain_text("mass_balance_substances.xml:17 (part 'NB14-ACOV-01', "
                                        "material 'Aluminium alloy 6063, 75% recycled', "
                                        "field 'Substance/Amount')")
            good = supplier.locator('tr[data-file="cover_ok.xml"]')
            expect(good.locator("td").nth(1)).to_have_text("accepted")
            expect(good).to_contain_text("NB14-ACOV-01")
            expect(good.locator("td").nth(3)).to_have_text("150.000")
            supplier.screenshot(path=str(shots / "supplier-verdicts.png"), full_page=True)

            # 1 of 2 parts; 150 g of 200 g
            engineer.reload()
            expect(engineer.locator("#share-parts")).to_have_text("50.0 %")
            expect(engineer.locator("#share-mass")).to_have_text("75.0 %")
            engineer.screenshot(path=str(shots / "engineer-coverage.png"), full_page=True)
        finally:
            browser.close()
    assert (shots / "engineer-coverage.png").stat().st_size > 0
