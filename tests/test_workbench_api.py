"""The workbench's JSON API and pages (FastAPI TestClient): every endpoint, its 422 and 404
paths, the same documents as the CLI's --json, numbers against hand calculations."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

from gscdm.cli import main
from gscdm.web import create_app
from gscdm.web.serve import RemoteBindError, check_bind, is_loopback
from lca_engine.background import factor_index
from lca_engine.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ROOT / "bom_samples" / "variants"
F = {key: f.gwp100_kg_co2e for key, f in factor_index().items()}
P = "/api/products/NB14-G5"
A_COVER_75 = {"recycled": {"select": {"part": "NB14-ACOV-01", "material": "aluminium alloy"},
                           "kind": "recycled-metal", "share": 0.75}}


@pytest.fixture(scope="module")
def workspace(notebook_workspace: Workspace) -> Workspace:
    return notebook_workspace


@pytest.fixture(scope="module")
def client(workspace: Workspace) -> Iterator[TestClient]:
    app = create_app(workspace, variant_dirs=[VARIANTS])
    with TestClient(app, base_url="http://127.0.0.1:8000",
                    raise_server_exceptions=False) as test_client:
        yield test_client


def evaluate(client: TestClient, *changes: dict[str, Any], **extra: Any) -> Any:
    return client.post(f"{P}/explorer/evaluate", json={"changes": list(changes), **extra})


def locs(response: Any) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    return [entry["loc"] for entry in response.json()["detail"]]


# -- products, BoM trees, footprints: the CLI's documents ------------------------------------

def test_products_and_bom_tree_are_the_cli_documents(client: TestClient,
                                                     workspace: Workspace) -> None:
    products = client.get("/api/products").json()
    assert products == {"products": [p.as_json() for p in workspace.database.products()]}
    assert products["products"][0]["imported_at"]  # the Products page shows the last import
    tree = client.get(P).json()
    assert tree == workspace.database.show("NB14-G5").as_json()
    assert tree["mass_g"] == pytest.approx(2052.0)
    children = [p["part_number"] for p in tree["parts"]
                if p["parent_part_number"] == "NB14-BASE-ASSY"]
    assert "NB14-KB-ASSY" in children


def test_missing_product_is_404_everywhere(client: TestClient) -> None:
    for method, url in [("get", "/api/products/NOPE"), ("get", "/api/products/NOPE/footprint"),
                        ("get", "/api/products/NOPE/explorer"),
                        ("get", "/api/products/NOPE/variants"),
                        ("get", "/api/products/NOPE/compliance"),
                        ("get", "/api/products/NB14-ACOV-01"),  # a part, not a product
                        ("get", "/api/factors/no.such.factor")]:
        response = getattr(client, method)(url)
        assert response.status_code == 404, url
        assert response.json()["error"] == "not-found"
    response = client.post("/api/products/NOPE/explorer/evaluate", json={"changes": []})
    assert response.status_code == 404
    response = client.post("/api/products/NOPE/reports",
                           data={"kind": "datasheet", "format": "json", "iterations": "0"})
    assert response.status_code == 404
    assert "NOPE" in response.json()["message"]


def test_footprint_is_the_cli_document(client: TestClient, workspace: Workspace) -> None:
    document = client.get(f"{P}/footprint").json()
    expected = workspace.footprint("NB14-G5").as_json()
    assert document["total_kg_co2e"] == pytest.approx(expected["total_kg_co2e"], rel=1e-12)
    assert document["by_stage"] == pytest.approx(expected["by_stage"], rel=1e-12)
    assert sum(document["by_stage"].values()) == pytest.approx(document["total_kg_co2e"])
    assert "uncertainty" not in document


def test_footprint_with_iterations(client: TestClient) -> None:
    document = client.get(f"{P}/footprint", params={"iterations": 20, "seed": 3}).json()
    u = document["uncertainty"]
    assert u["iterations"] == 20 and u["seed"] == 3
    assert u["p5"] <= u["p50"] <= u["p95"]


def test_footprint_query_is_validated(client: TestClient) -> None:
    assert locs(client.get(f"{P}/footprint", params={"iterations": -1})) == [
        ["query", "iterations"]]
    assert locs(client.get(f"{P}/footprint", params={"iterations": "many"})) == [
        ["query", "iterations"]]
    assert ["query", "iteration"] in locs(client.get(f"{P}/footprint",
                                                    params={"iteration": 5}))
    assert ["query", "lang"] in locs(client.get(f"{P}/footprint", params={"lang": "zh"}))


# -- the design explorer -----------------------------------------------------------------------

def test_explorer_recycled_a_cover_against_hand_calculation(client: TestClient) -> None:
    response = evaluate(client, A_COVER_75)
    assert response.status_code == 200, response.text
    variant = response.json()["variants"][0]
    # as tests/test_variants.py: 141.2 g of alloy at 30 % CNC yield, 75 % recycled instead
    bought = 0.1412 / 0.30
    expected = -bought * 0.75 * (F["metal.aluminium.extruded.primary.gb"]
                                 - F["metal.aluminium.extruded.recycled.gb"])
    assert variant["by_stage_delta"]["materials"] == pytest.approx(expected, rel=1e-6)
    assert variant["delta_kg_co2e"] == pytest.approx(expected, rel=1e-6)
    assert [c["change"] for c in variant["changes"]] == ["recycled"]


def test_explorer_lifetime_scales_the_use_stage(client: TestClient) -> None:
    base = evaluate(client).json()["baseline"]
    variant = evaluate(client, {"scenario": {"lifetime_years": 5}}).json()["variants"][0]
    # use = TEC × lifetime × grid factor: 5 instead of 4 years is 1.25 × the use stage
    assert variant["by_stage_delta"]["use"] == pytest.approx(base["by_stage"]["use"] * 0.25,
                                                             rel=1e-9)
    assert variant["by_stage_delta"]["materials"] == pytest.approx(0.0, abs=1e-12)
    assert variant["lifetime_years"] == 5


def test_explorer_equals_gscdm_compare(client: TestClient, workspace: Workspace,
                                       tmp_path: Path) -> None:
    design = [A_COVER_75, {"remove": {"select": {"part": "NB14-PKG-BAG"}}},
              {"scale": {"select": {"part": "NB14-PKG-BOX"}, "factor": 0.7}},
              {"scenario": {"factory": {"solder": "LTS", "pv_share": 0.1}}}]
    path = tmp_path / "design.yaml"
    path.write_text(yaml.safe_dump({"name": "d", "changes": design}))
    cli = workspace.compare("NB14-G5", [path], iterations=40, seed=7).as_json()
    web = evaluate(client, *design, iterations=40, seed=7).json()
    assert web["baseline"]["total_kg_co2e"] == pytest.approx(
        cli["baseline"]["total_kg_co2e"], rel=1e-12)
    ours, theirs = web["variants"][0], cli["variants"][0]
    assert ours["total_kg_co2e"] == pytest.approx(theirs["total_kg_co2e"], rel=1e-12)
    assert ours["by_stage_delta"] == pytest.approx(theirs["by_stage_delta"], rel=1e-9)
    assert [c["delta_kg_co2e"] for c in ours["changes"]] == pytest.approx(
        [c["delta_kg_co2e"] for c in theirs["changes"]], rel=1e-9)
    # the kept Monte Carlo draws are the ones gscdm compare --iterations 40 --seed 7 takes
    assert ours["probability_lower"] == theirs["probability_lower"]
    assert ours["delta_percentiles"] == pytest.approx(theirs["delta_percentiles"], rel=1e-9)
    assert web["uncertainty"]["iterations"] == 40


def test_explorer_names_an_unmapped_substitute(client: TestClient) -> None:
    # a made-up material maps to no dataset: it adds nothing, and the result says so
    response = evaluate(client, {"substitute": {"select": {"part": "NB14-PKG-CUSH"},
                                                "to": {"name": "Unobtainium foam",
                                                       "group": "Unobtainium"}}})
    assert response.status_code == 200, response.text
    document = response.json()
    assert any("NB14-PKG-CUSH" in note and "Unobtainium foam" in note
               for note in document["notes"]), document["notes"]
    mapped = evaluate(client, A_COVER_75).json()
    assert mapped["notes"] == []


def test_explorer_options(client: TestClient) -> None:
    options = client.get(f"{P}/explorer").json()
    groups = {g["group"]: g for g in options["groups"]}
    assert "Aluminium and its alloys" in groups
    assert sum(g["mass_g"] for g in options["groups"]) <= 2052.0 + 1e-6
    assert "NB14-PKG-CUSH" in {p["part_number"] for p in options["parts"]}
    assert options["scenario"]["lifetime_years"] == 4
    assert options["scenario"]["factory"]["region"] == "CN-EAST"
    assert "CN" in options["regions"] and "LTS" in options["solders"]
    assert "recycled-metal" in options["recycled_kinds"]
    # the baseline legs keep their share of units: the default flies 62.4 % and ships 37.6 %
    legs = options["scenario"]["distribution"]["legs"]
    assert {(leg["mode"], leg["share"]) for leg in legs} >= {("sea", 0.376), ("air", 0.624)}


def test_explorer_accepts_a_leg_share(client: TestClient) -> None:
    legs = [{"mode": "sea", "km": 19500, "share": 0.5}, {"mode": "air", "km": 9000, "share": 0.5}]
    response = evaluate(client, {"scenario": {"distribution": {"legs": legs}}})
    assert response.status_code == 200, response.text
    bad = evaluate(client, {"scenario": {"distribution": {"legs": [
        {"mode": "air", "km": 9000, "share": 1.5}]}}})
    assert bad.status_code == 422


@pytest.mark.parametrize(("changes", "expected_loc"), [
    ([{"recycled": {"select": {"part": "NB14-ACOV-01"}, "share": 1.5}}],
     ["body", "changes", 0, "recycled", "recycled", "share"]),
    ([{"recycled": {"select": {}, "share": 0.5}}],
     ["body", "changes", 0, "recycled", "recycled", "select"]),
    ([{"recycled": {"select": {"material": "(["}, "share": 0.5}}],
     ["body", "changes", 0, "recycled", "recycled", "select", "material"]),
    ([{"recycled": {"select": {"part": "X"}, "share": 0.5, "colour": "red"}}],
     ["body", "changes", 0, "recycled", "recycled", "colour"]),
    ([{"paint": {"select": {"part": "X"}}}], ["body", "changes", 0]),
    ([{"scenario": {"lifetime_years": -1}}],
     ["body", "changes", 0, "scenario", "scenario", "lifetime_years"]),
    ([{"scenario": {"factory": {"solder": "lead"}}}],
     ["body", "changes", 0, "scenario", "scenario", "factory", "solder"]),
    ([A_COVER_75, {"scale": {"select": {"part": "NB14-PKG-BOX"}, "factor": -1}}],
     ["body", "changes", 1, "scale", "scale", "factor"]),
])
def test_explorer_bad_input_is_422_naming_the_field(client: TestClient, changes: list[Any],
                                                    expected_loc: list[Any]) -> None:
    assert expected_loc in locs(evaluate(client, *changes))


def test_explorer_refusals_of_the_engine_name_the_change(client: TestClient) -> None:
    # valid JSON, but the engine refuses it: the change's index is the field
    response = evaluate(client, A_COVER_75,
                        {"remove": {"select": {"part": "NO-SUCH-PART*"}}})
    assert locs(response) == [["body", "changes", 1]]
    assert "selects nothing" in response.json()["detail"][0]["msg"]
    response = evaluate(client, {"scenario": {"use": {"region": "ATLANTIS"}}})
    assert locs(response) == [["body", "changes", 0]]
    assert "ATLANTIS" in response.json()["detail"][0]["msg"]
    assert locs(evaluate(client, iterations=99999)) == [["body", "iterations"]]
    assert ["body", "changez"] in locs(client.post(f"{P}/explorer/evaluate",
                                                   json={"changez": []}))


def test_saved_design_is_a_variant_file_gscdm_compare_reads(client: TestClient,
                                                            workspace: Workspace) -> None:
    body = {"name": "Web A-cover 75", "changes": [A_COVER_75]}
    response = client.post(f"{P}/variants", json=body)
    assert response.status_code == 201, response.text
    saved = response.json()
    path = Path(saved["path"])
    assert path.parent == workspace.home.path / "variants" / "NB14-G5"
    assert yaml.safe_load(path.read_text())["changes"] == [A_COVER_75]
    # the CLI reads it and gets the number the explorer showed
    result = CliRunner().invoke(main, ["--home", str(workspace.home.path), "compare", "NB14-G5",
                                       "--variant", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    import json

    cli_total = json.loads(result.stdout)["variants"][0]["total_kg_co2e"]
    web_total = evaluate(client, A_COVER_75).json()["variants"][0]["total_kg_co2e"]
    assert cli_total == pytest.approx(web_total, rel=1e-12)
    # listed with the files of the extra folder; a second save under that name is refused
    files = [v["file"] for v in client.get(f"{P}/variants").json()["variants"]]
    assert files[0] == path.name and "recycled-metals.yaml" in files
    again = client.post(f"{P}/variants", json=body)
    assert locs(again) == [["body", "name"]]
    assert client.post(f"{P}/variants", json={**body, "overwrite": True}).status_code == 201


def test_a_refused_design_writes_nothing(client: TestClient, workspace: Workspace) -> None:
    folder = workspace.home.path / "variants" / "NB14-G5"
    before = sorted(folder.glob("*")) if folder.exists() else []
    response = client.post(f"{P}/variants", json={
        "name": "Broken", "changes": [{"remove": {"select": {"part": "NOPE"}}}]})
    assert locs(response) == [["body", "changes", 0]]
    assert locs(client.post(f"{P}/variants", json={"name": "", "changes": []})) == [
        ["body", "name"]]
    after = sorted(folder.glob("*")) if folder.exists() else []
    assert after == before


def test_compare_files_and_inline_designs(client: TestClient, workspace: Workspace) -> None:
    response = client.post(f"{P}/compare", json={"variants": [
        {"file": "recycled-metals.yaml"}, {"name": "inline", "changes": [A_COVER_75]}]})
    assert response.status_code == 200, response.text
    document = response.json()
    expected = workspace.compare("NB14-G5", [VARIANTS / "recycled-metals.yaml"]).as_json()
    assert document["variants"][0]["total_kg_co2e"] == pytest.approx(
        expected["variants"][0]["total_kg_co2e"], rel=1e-12)
    assert document["variants"][1]["name"] == "inline"
    assert client.post(f"{P}/compare", json={"variants": [{"file": "nope.yaml"}]}
                       ).status_code == 404
    assert locs(client.post(f"{P}/compare", json={"variants": [{"file": "../../etc.yaml"}]}))
    assert locs(client.post(f"{P}/compare", json={"variants": []})) == [["body", "variants"]]


def test_sweep_equals_gscdm_sweep(client: TestClient, workspace: Workspace) -> None:
    response = client.post(f"{P}/sweep", json={"variant": {"file": "a-cover-sweep.yaml"},
                                               "param": "share=0:1:0.25"})
    assert response.status_code == 200, response.text
    points = response.json()["points"]
    expected = workspace.sweep("NB14-G5", VARIANTS / "a-cover-sweep.yaml",
                               "share=0:1:0.25").as_json()["points"]
    assert [p["value"] for p in points] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert [p["total_kg_co2e"] for p in points] == pytest.approx(
        [p["total_kg_co2e"] for p in expected], rel=1e-12)
    assert locs(client.post(f"{P}/sweep", json={"variant": {"file": "a-cover-sweep.yaml"},
                                                "param": "share=1..2"})) == [["body", "param"]]


def test_explore_design_space(client: TestClient, workspace: Workspace) -> None:
    spaces = client.get(f"{P}/spaces").json()["spaces"]
    names = [s["file"] for s in spaces]
    assert all(name.endswith((".yaml", ".yml")) for name in names)
    assert client.post(f"{P}/explore", json={"space": "nope.yaml"}).status_code == 404
    assert locs(client.post(f"{P}/explore", json={"space": "../x.yaml"})) == [
        ["body", "space"]]
    assert locs(client.post(f"{P}/explore", json={"space": "s.yaml", "top": 0})) == [
        ["body", "top"]]
    if not names:
        return
    response = client.post(f"{P}/explore", json={"space": names[0], "top": 3})
    assert response.status_code == 200, response.text
    expected = workspace.explore("NB14-G5", Path(spaces[0]["path"]), top=3).as_json()
    got = response.json()
    # timings differ between runs
    for key in ("product", "space", "combinations", "evaluated", "top"):
        assert got[key] == expected[key], key


# -- compliance, factors, reports ----------------------------------------------------------------

def test_compliance_is_the_cli_document(client: TestClient, workspace: Workspace) -> None:
    document = client.get(f"{P}/compliance", params={"date": "2026-11-21"}).json()
    from datetime import date

    expected = workspace.compliance("NB14-G5", on=date(2026, 11, 21)).as_json()
    assert document == expected
    everything = client.get("/api/compliance", params={"date": "2026-11-21"}).json()
    assert [r["product"] for r in everything["products"]] == ["NB14-G5"]
    assert everything["products"][0]["status"] == expected["status"]
    assert locs(client.get(f"{P}/compliance", params={"date": "21.11.2026"})) == [
        ["query", "date"]]
    assert locs(client.get(f"{P}/compliance", params={"rohs_category": 12})) == [
        ["query", "rohs_category"]]


def test_factors_search(client: TestClient) -> None:
    everything = client.get("/api/factors").json()
    assert len(everything["factors"]) == len(factor_index())
    found = client.get("/api/factors", params={"q": "ALUMINIUM", "category": "metal"}).json()
    assert found["factors"] and all(
        "aluminium" in (f["key"] + f["name"] + f["source"]).lower() and f["category"] == "metal"
        for f in found["factors"])
    one = client.get("/api/factors/grid.cn.east.lca").json()
    assert one["source"] and one["year"] and (one["gsd"] or one["min"] is not None)
    assert locs(client.get("/api/factors", params={"q": "x" * 201})) == [["query", "q"]]


def test_report_download_is_the_file_gscdm_report_writes(client: TestClient,
                                                          workspace: Workspace,
                                                          tmp_path: Path) -> None:
    response = client.post(f"{P}/reports", data={"kind": "datasheet", "format": "json",
                                                 "iterations": "0", "date": "2026-11-21"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert 'filename="NB14-G5-datasheet-en.json"' in response.headers["content-disposition"]
    target = tmp_path / "datasheet.json"
    result = CliRunner().invoke(main, ["--home", str(workspace.home.path), "report", "NB14-G5",
                                       "--kind", "datasheet", "--iterations", "0", "--date",
                                       "2026-11-21", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert response.content == target.read_bytes()


def test_report_form_is_validated(client: TestClient) -> None:
    assert locs(client.post(f"{P}/reports", data={"kind": "poster", "format": "pdf"})) == [
        ["body", "kind"]]
    assert locs(client.post(f"{P}/reports", data={"kind": "cfp", "format": "pdf",
                                                  "iterations": "-5"})) == [
        ["body", "iterations"]]
    # a plan file the report cannot read: 422 naming the upload field
    assert locs(client.post(f"{P}/reports", data={"kind": "neutrality", "format": "json",
                                                  "iterations": "0"})) == [["body", "plan"]]
    response = client.post(f"{P}/reports", data={"kind": "neutrality", "format": "json",
                                                 "iterations": "0", "basis": "mean"},
                           files={"plan": ("plan.yaml", b"- not: [a mapping", "text/yaml"),
                                  "credits": ("credits.csv", (ROOT / "bom_samples" / "notebook14"
                                                              / "neutrality" / "credits.csv")
                                              .read_bytes(), "text/csv")})
    assert response.status_code == 422, response.text
    error = response.json()["detail"][0]
    assert error["loc"] == ["body", "plan"]
    assert "plan.yaml" in error["msg"] and "YAML" in error["msg"]
    assert locs(client.post(f"{P}/reports", data={"kind": "datasheet", "format": "pdf",
                                                  "colour": "red"})) == [["body", "colour"]]


def test_neutrality_declaration_with_uploaded_files(client: TestClient,
                                                   workspace: Workspace) -> None:
    folder = ROOT / "bom_samples" / "notebook14" / "neutrality"
    files = {name: (path.name, path.read_bytes()) for name, path in (
        ("info", folder / "organisation.yaml"), ("plan", folder / "plan.yaml"),
        ("credits", folder / "credits.csv"))}
    form = {"kind": "neutrality", "format": "json", "iterations": "100", "basis": "mean",
            "market": "eu-consumer", "date": "2026-11-21"}
    missing = client.post(f"{P}/reports", data=form)
    assert locs(missing) == [["body", "plan"]]  # the plan the declaration needs
    response = client.post(f"{P}/reports", data=form, files=files)
    assert response.status_code == 200, response.text
    assert "2024/825" in response.text  # EU consumer market: no offset-based claim, and why
    # as gscdm report does: the declaration's credit serials are recorded in the home's ledger
    ledger = list((workspace.home.path / "offsets").glob("*"))
    assert ledger and any("NB14-G5" in p.read_text() for p in ledger if p.is_file())


# -- errors, pages, assets, binding ------------------------------------------------------------

def test_server_error_logs_and_does_not_leak(workspace: Workspace, caplog: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(workspace)
    client = TestClient(app, base_url="http://localhost", raise_server_exceptions=False)

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    monkeypatch.setattr(workspace, "compliance", broken)
    with caplog.at_level(logging.ERROR, logger="gscdm.web"):
        api = client.get(f"{P}/compliance")
        page = client.get("/products/NB14-G5/compliance")
    for response in (api, page):
        assert response.status_code == 500
        assert "secret" not in response.text and "Traceback" not in response.text
    reference = api.json()["reference"]
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)
    assert "reference" in page.text


def test_pages(client: TestClient) -> None:
    for url, text in [("/", "NB14-G5"), ("/products/NB14-G5", "Bill of materials"),
                      ("/products/NB14-G5/explorer", "Recycled content by material group"),
                      ("/products/NB14-G5/compliance", "Findings"),
                      ("/factors?q=grid", "grid.cn.east.lca"), ("/reports", "Generate")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.text, url
        assert 'lang="en"' in response.text
    chinese = client.get("/products/NB14-G5?lang=zh")
    assert "物料清单" in chinese.text and 'lang="zh-Hans"' in chinese.text
    assert "使用寿命 4 年" in chinese.text  # the functional unit in the page's language
    assert chinese.cookies.get("gscdm_lang") == "zh"
    assert "物料清单" in client.get("/products/NB14-G5").text  # remembered
    client.get("/?lang=en")
    missing = client.get("/products/NOPE")
    assert missing.status_code == 404 and "no product" in missing.text


def test_product_page_with_monte_carlo(client: TestClient) -> None:
    page = client.get("/products/NB14-G5")
    assert 'href="?iterations=1000"' in page.text
    api = client.get(f"{P}/footprint", params={"iterations": 30, "seed": 5}).json()
    page = client.get("/products/NB14-G5", params={"iterations": 30, "seed": 5})
    u = api["uncertainty"]
    assert (f"Monte Carlo, 30 iterations: P5 {u['p5']:,.1f} · P50 {u['p50']:,.1f} · "
            f"P95 {u['p95']:,.1f}") in page.text
    assert client.get("/products/NB14-G5", params={"iterations": -3}).status_code == 422


def test_page_forms_show_errors_next_to_the_field(client: TestClient) -> None:
    response = client.post("/reports", data={"product": "NB14-G5", "kind": "datasheet",
                                             "format": "pdf", "iterations": "-1"})
    assert response.status_code == 422
    assert 'id="iterations" name="iterations" min="0" max="10000" value="-1" ' \
           'aria-invalid="true"' in response.text
    assert 'id="iterations-err" role="alert">Input should be greater than or equal to 0' \
        in response.text
    factors = client.get("/factors", params={"q": "x" * 300})
    assert factors.status_code == 422 and 'id="q-err" role="alert">String should' in factors.text


def test_everything_is_served_offline(client: TestClient) -> None:
    import re

    for url in ["/", "/products/NB14-G5", "/products/NB14-G5/explorer", "/docs", "/reports"]:
        html = client.get(url).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources, url
        for source in sources:
            assert not source.startswith(("http:", "https:", "//")), (url, source)
            if source.startswith("/static/"):
                assert client.get(source).status_code == 200, source
    assert client.get("/static/vendor/plotly/plotly.min.js").status_code == 200
    docs = client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    schema = client.get("/openapi.json").json()
    for path in ["/api/products", "/api/products/{product}/footprint",
                 "/api/products/{product}/compare", "/api/products/{product}/sweep",
                 "/api/products/{product}/explorer/evaluate", "/api/products/{product}/variants",
                 "/api/products/{product}/compliance", "/api/factors",
                 "/api/products/{product}/reports"]:
        assert path in schema["paths"], path


def test_other_hosts_and_cross_site_writes_are_refused(client: TestClient) -> None:
    # DNS rebinding: a name that resolves to 127.0.0.1 but is not a loopback name
    assert client.get("/api/products", headers={"Host": "evil.example"}).status_code == 400
    # a page of another site posting through the user's browser
    response = client.post(f"{P}/variants", json={"name": "x", "changes": []},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and "cross-site" in response.json()["message"]
    response = client.post("/reports", data={"product": "NB14-G5", "kind": "datasheet",
                                             "format": "json"},
                           headers={"Origin": "http://127.0.0.1:9999"})
    assert response.status_code == 403
    # the workbench's own pages post with their own origin
    same = client.post(
        f"{P}/explorer/evaluate", json={"changes": []},
        headers={"Origin": "http://127.0.0.1:8000"})
    assert same.status_code == 200


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2", "[::1]"])
def test_loopback_binds_are_allowed(host: str) -> None:
    assert is_loopback(host)
    check_bind(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "10.0.0.1"])
def test_remote_binds_are_refused(host: str) -> None:
    with pytest.raises(RemoteBindError, match="loopback"):
        check_bind(host)
    with pytest.raises(RemoteBindError, match="no login is configured"):
        check_bind(host, allow_remote=True)


def test_serve_refuses_a_remote_host(tmp_path: Path) -> None:
    for args in (["--host", "0.0.0.0"], ["--host", "0.0.0.0", "--allow-remote"]):
        result = CliRunner().invoke(main, ["--home", str(tmp_path), "serve", *args])
        assert result.exit_code == 2
        assert "login" in result.stderr or "loopback" in result.stderr


def test_benchmark_reconciliation(client: TestClient, workspace: Workspace) -> None:
    response = client.get(f"{P}/benchmark")
    page = client.get("/products/NB14-G5").text
    assert response.status_code == 200, response.text  # attributes.yaml beside the BoM
    document = response.json()
    expected = workspace.benchmark("NB14-G5").as_json()
    assert document["product"] == "NB14-G5"
    assert document["percentile"] == expected["percentile"]
    assert document["comparables"] == expected["comparables"]
    assert f"Percentile {document['percentile']:,.0f}" in page


def test_gscdm_serve_runs_the_workbench(workspace: Workspace) -> None:
    """The CLI command itself: a real uvicorn process on a free loopback port."""
    import subprocess
    import sys
    import time

    import httpx

    from gscdm.web.background_server import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gscdm", "serve", "--home", str(workspace.home.path), "--port",
         str(port), "--log-level", "warning"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/products", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "gscdm serve did not answer in 60 s"
                time.sleep(0.2)
        assert response.status_code == 200
        assert [p["product_number"] for p in response.json()["products"]] == ["NB14-G5"]
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_products_overview(client: TestClient, workspace: Workspace) -> None:
    overview = client.get("/api/overview").json()["products"]
    assert [p["product_number"] for p in overview] == ["NB14-G5"]
    row = overview[0]
    # the batch path against Brightway's own solve (float32 storage: a few 1e-9 apart)
    assert row["footprint"]["total_kg_co2e"] == pytest.approx(
        workspace.footprint("NB14-G5").total_kg_co2e, rel=1e-8)
    assert row["compliance"] == workspace.compliance("NB14-G5").status
    assert row["data_gap_share_of_mass"] == 0.0  # every notebook part is declared and mapped
    page = client.get("/").text
    assert f"{row['footprint']['total_kg_co2e']:,.1f}" in page


def test_data_gap_share_against_hand_calculation(home: Path) -> None:
    from lca_engine.overview import data_gap_share

    workspace = Workspace.open(home)
    report = workspace.database.import_paths(
        [], bom=ROOT / "bom_samples" / "compliance_demo" / "bom.csv")
    assert report.counts()["rejected"] == 0
    # 168 g kit: the pouch has no declaration (28 g, BoM mass); the charger's and the hub's
    # SAC305 solder (1.2 g and 0.5 g in their FMD files) match no mapping rule
    assert data_gap_share(workspace, "CD-ACC-01") == pytest.approx((28 + 1.2 + 0.5) / 168,
                                                                   rel=1e-12)
    workspace.close()
