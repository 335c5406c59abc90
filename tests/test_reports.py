"""Certification reports: the numbers are the engine's, the PACT document validates, the PDF
shows the footprint, and a neutrality statement is refused when it must be."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from lca_engine.workspace import Workspace
from reports import (
    EnvironmentMissingError,
    ReportError,
    ReportRequest,
    ReportUsageError,
    build_report,
    render_report,
    write_report,
)
from reports.common import GATE_STAGES, STAGES, footprint_json
from reports.i18n import Translator, all_keys, flatten
from reports.offsets import load_ledger
from reports.pact import EXTENSION_SCHEMA_FILE, SCHEMA_FILE, decimal, validate, validate_v3
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "bom_samples" / "notebook14"
FIX = Path(__file__).parent / "fixtures" / "reports"
PRODUCT = "NB14-G5"
DAY = date(2026, 11, 21)
MC = 100  # Monte Carlo iterations in these tests: enough for P95, fast


@pytest.fixture(scope="module")
def ws(notebook_workspace: Workspace) -> Workspace:
    return notebook_workspace


def _request(kind: str, **kw: Any) -> ReportRequest:
    return ReportRequest(PRODUCT, kind, report_date=DAY, **{"iterations": MC, **kw})


@pytest.fixture(scope="module")
def cfp(ws):  # type: ignore[no-untyped-def]
    return build_report(ws, _request("cfp", info=FIX / "info.yaml"))


@pytest.fixture(scope="module")
def reference(ws):  # type: ignore[no-untyped-def]
    """The engine's own result for the same inputs, computed directly."""
    return ws.footprint(PRODUCT, iterations=MC, seed=42)


@pytest.fixture(scope="module")
def datasheet(ws):  # type: ignore[no-untyped-def]
    return build_report(ws, _request("datasheet", info=FIX / "info.yaml"))


@pytest.fixture(scope="module")
def pact(ws):  # type: ignore[no-untyped-def]
    """The v2.3 document (``--pact-version 2.3``); v3.0, the default, is in test_pact.py."""
    return build_report(ws, _request("pact", iterations=0, info=FIX / "info.yaml",
                                     pact_version="2.3"))


def _numbers(value: Any, path: str = "") -> dict[str, float]:
    """Every number of a JSON document by its path."""
    out: dict[str, float] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(_numbers(item, f"{path}/{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.update(_numbers(item, f"{path}/{index}"))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        out[path] = float(value)
    return out


# -- texts -------------------------------------------------------------------------------------

def test_every_text_exists_in_both_languages_with_the_same_placeholders() -> None:
    en, zh = all_keys("en"), all_keys("zh")
    assert en == zh
    import yaml

    texts = {lang: flatten(yaml.safe_load((ROOT / "reports" / "i18n" / f"{lang}.yaml")
                                          .read_text(encoding="utf-8"))) for lang in ("en", "zh")}
    for key, text in texts["en"].items():
        if isinstance(text, str):
            assert set(re.findall(r"\{(\w+)\}", text)) == \
                set(re.findall(r"\{(\w+)\}", texts["zh"][key])), key
    # every literal key the templates and modules ask for is defined
    used = set()
    for path in [*(ROOT / "reports" / "templates").glob("*.j2"), *(ROOT / "reports").glob("*.py")]:
        used |= set(re.findall(r"""\bt\(\s*['"]([a-z_][\w.-]*\.[\w.-]+)['"]""",
                               path.read_text(encoding="utf-8")))
    prefixes = {k for k in used if k.endswith(".")}  # 'stages.' ~ name: a family of keys
    assert all(any(key.startswith(p) for key in en) for p in prefixes), prefixes
    assert used - prefixes and not used - prefixes - en, sorted(used - prefixes - en)


def test_numbers_are_formatted_per_locale() -> None:
    assert Translator("en").num(12345.678, 2) == "12,345.68"
    assert Translator("zh").num(12345.678, 2) == "12,345.68"
    assert Translator("en").date(DAY) == "21 November 2026"
    assert Translator("zh").date(DAY) == "2026年11月21日"
    assert Translator("en").kg(-0.001) == "0.00"  # no "-0.00"


# -- ISO 14067 study report ----------------------------------------------------------------------

def test_every_number_of_the_footprint_is_the_engines(cfp, reference) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(render_report(cfp, "json"))
    expected = footprint_json(reference)
    assert data["footprint"] == expected  # every number, bit for bit
    fp = data["footprint"]
    assert data["cradle_to_gate"]["kg_co2e"] == sum(fp["by_stage"][s] for s in GATE_STAGES)
    split = data["ghg_by_stage"]
    for role in ("total", "fossil", "biogenic", "land_use"):
        whole = fp["total_kg_co2e"] if role == "total" else fp["ghg"][role]
        assert sum(split[s][role] for s in STAGES) == pytest.approx(whole, rel=1e-6, abs=1e-9)
    for stage in STAGES:
        assert split[stage]["total"] == pytest.approx(fp["by_stage"][stage], rel=1e-9)
    assert sum(split[s]["biogenic_carbon_removals_kg_co2"] for s in STAGES) == pytest.approx(
        fp["biogenic_carbon"]["biogenic_carbon_removals_kg_co2"], rel=1e-6)
    # XLSX: the same raw values
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(render_report(cfp, "xlsx")))
    stages = {row[0].value: row[1].value for row in book["By stage"].iter_rows(min_row=2)}
    # Excel keeps 15 significant digits
    assert stages["Total"] == pytest.approx(fp["total_kg_co2e"], rel=1e-14)
    assert stages["Use"] == pytest.approx(fp["by_stage"]["use"], rel=1e-14)
    sources = [row[10].value for row in book["Factors used"].iter_rows(min_row=2)]
    assert sources and all(sources)


def test_study_report_covers_iso_14067_clause_7(cfp) -> None:  # type: ignore[no-untyped-def]
    data = cfp.data
    assert data["goal_and_scope"]["system_boundary"] == "cradle-to-grave"
    assert data["data_quality"]["primary_fmd_mass_share"] == pytest.approx(1.0)
    assert all(f["source"] and f["year"] for f in data["data_quality"]["factors"])
    assert data["footprint"]["uncertainty"]["iterations"] == MC
    assert data["footprint"]["provenance"]["inputs"]["bom"]["sha256"]
    html = render_report(cfp, "html").decode()
    for heading in ("Goal of the study", "System boundary", "Cut-off criteria",
                    "Data sources and data quality", "Allocation and recycled content",
                    "IPCC Sixth Assessment Report", "Fossil, biogenic and land-use GHG",
                    "Uncertainty", "Sensitivity analysis", "Limitations",
                    "Provenance and reproducibility"):
        assert heading in html, heading
    assert "<svg" in html and "@media print" in html and "http" not in html.split("<body")[0]


def test_sensitivity_reruns_the_engine(cfp) -> None:  # type: ignore[no-untyped-def]
    fp = cfp.data["footprint"]
    rows = {r["id"]: r for r in cfp.data["sensitivity"]}
    assert {"lifetime-1", "lifetime+1", "use_region.CN", "use_region.US"} <= set(rows)
    assert any(k.startswith("factory_grid") for k in rows)
    # one more year of use adds one year of use-stage electricity and nothing else
    lifetime = fp["scenario"]["lifetime_years"]
    assert rows["lifetime+1"]["delta_kg_co2e"] == pytest.approx(
        fp["by_stage"]["use"] / lifetime, rel=1e-5)
    assert rows["lifetime+1"]["by_stage"]["materials"] == pytest.approx(
        fp["by_stage"]["materials"], rel=1e-6)
    # China's grid is dirtier than the EU's: using the notebook there raises the footprint
    assert rows["use_region.CN"]["delta_kg_co2e"] > 0
    dram = rows["per_gb.dram"]
    assert dram["capacity_gb"] == 16 and dram["delta_kg_co2e"] < 0


# -- datasheet, PDF ----------------------------------------------------------------------------

def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_shows_the_total_and_every_stage(datasheet) -> None:  # type: ignore[no-untyped-def]
    pdf = render_report(datasheet, "pdf")
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1  # a one-page datasheet
    tr = Translator("en")
    fp = datasheet.data["footprint"]
    assert tr.kg(fp["total_kg_co2e"]) in text
    for value in fp["by_stage"].values():
        assert tr.kg(value) in text, tr.kg(value)
    head = datasheet.data["headline"]
    assert tr.kg(head["p95_kg_co2e"]) in text and tr.kg(head["mean_kg_co2e"]) in text
    assert "95th percentile" in text and "Mean" in text


def test_chinese_pdf_renders_or_names_the_missing_font(datasheet, ws, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from reports import charts, render

    zh = build_report(ws, _request("datasheet", lang="zh", iterations=0))
    if charts.cjk_font() is not None:
        text = _pdf_text(render_report(zh, "pdf"))
        assert "产品碳足迹" in text
        assert Translator("zh").kg(zh.data["footprint"]["total_kg_co2e"]) in text
    monkeypatch.setattr(render, "cjk_font", lambda: None)
    with pytest.raises(EnvironmentMissingError, match="fonts-noto-cjk"):
        render_report(zh, "pdf")
    render_report(datasheet, "pdf")  # English needs no CJK font


def test_the_same_inputs_give_byte_identical_json(ws, datasheet, pact) -> None:  # type: ignore[no-untyped-def]
    again = build_report(ws, _request("datasheet", info=FIX / "info.yaml"))
    assert render_report(again, "json") == render_report(datasheet, "json")
    again = build_report(ws, _request("pact", iterations=0, info=FIX / "info.yaml",
                                      pact_version="2.3"))
    assert render_report(again, "json") == render_report(pact, "json")
    v3 = [render_report(build_report(ws, _request("pact", iterations=0, info=FIX / "info.yaml")),
                        "json") for _ in range(2)]
    assert v3[0] == v3[1]


# -- PACT ----------------------------------------------------------------------------------------

def test_pact_document_validates_against_the_published_schema(pact) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(render_report(pact, "json"))
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(document)
    extension = document["extensions"][0]
    Draft202012Validator(json.loads(EXTENSION_SCHEMA_FILE.read_text(encoding="utf-8")),
                         format_checker=FormatChecker()).validate(extension["data"])
    assert validate(document) == []
    broken = json.loads(json.dumps(document))
    broken["pcf"]["declaredUnit"] = "piece"  # not a v2 declared unit
    broken["pcf"]["pCfExcludingBiogenic"] = 1.5  # decimals are strings
    assert len(validate(broken)) == 2


def test_pact_values_are_the_cradle_to_gate_footprint_per_kilogram(pact, reference) -> None:  # type: ignore[no-untyped-def]
    pcf = pact.data["pcf"]
    mass = Decimal(pcf["unitaryProductAmount"])
    assert float(mass) == pytest.approx(reference.mass_g / 1000, abs=1e-6)
    gate = sum(reference.by_stage[s] for s in GATE_STAGES)
    assert float(Decimal(pcf["pCfExcludingBiogenic"]) * mass) == pytest.approx(gate, rel=1e-9)
    removals = float(-Decimal(pcf["biogenicCarbonWithdrawal"]) * mass)
    assert 0 < removals <= reference.biogenic_carbon["biogenic_carbon_removals_kg_co2"] + 1e-9
    assert float(Decimal(pcf["pCfIncludingBiogenic"]) * mass) == pytest.approx(gate - removals,
                                                                                rel=1e-9)
    packaging = sum(p["kg_co2e"] for p in reference.by_part if p["group"] == "packaging")
    assert float(Decimal(pcf["packagingGhgEmissions"]) * mass) == pytest.approx(packaging,
                                                                                 rel=1e-9)
    grave = pact.data["extensions"][0]["data"]["cradleToGrave"]
    assert grave["totalKgCo2e"] == reference.total_kg_co2e
    assert grave["byStageKgCo2e"] == reference.by_stage
    assert pcf["geographyCountry"] == "CN" and pact.data["productCategoryCpc"] == "4521"
    assert decimal(1e-7) == "0.0000001" and decimal(-0.0) == "0"


# -- compliance --------------------------------------------------------------------------------

def test_compliance_summary_is_the_screening_result(ws) -> None:  # type: ignore[no-untyped-def]
    report = build_report(ws, _request("compliance", lang="zh"))
    assert report.data["compliance"] == ws.compliance(PRODUCT, on=DAY).as_json()
    html = render_report(report, "html").decode()
    assert "产品中有害物质的名称及含量" in html and "铅" in html and "GB/T 26572" in html


# -- ISO 14068-1 declaration -------------------------------------------------------------------

def _neutrality(**kw: Any) -> ReportRequest:
    options = {"plan": FIX / "plan.yaml", "credits": FIX / "credits_ok.csv", "iterations": 0,
               "basis": "mean"}
    options.update(kw)
    return _request("neutrality", **options)


def test_neutrality_declaration_and_its_ledger(ws, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "decl.json"
    written = write_report(ws, _neutrality(), "json", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    fp = data["footprint"]
    assert data["claim"]["made"] and "ISO 14068-1:2023" in data["claim"]["statement"]
    assert data["basis"]["kg_co2e_per_unit"] == fp["total_kg_co2e"]  # mean without MC
    assert data["batch"]["residual_tco2e"] == pytest.approx(fp["total_kg_co2e"] * 100 / 1000)
    assert data["coverage"]["retired_tco2e"] == 15
    assert data["coverage"]["removals_share"] == pytest.approx(5 / 15)
    assert data["reductions"]["achieved_kg_co2e_per_unit"] == 115.0 - fp["total_kg_co2e"]
    ledger = load_ledger(ws.home.path)["declarations"]["TEST-DECL-A"]
    assert {(s["serial_prefix"], s["from"], s["to"]) for s in ledger["serials"]} == {
        ("VCS-VCU-0001-2024", 1001, 1010), ("GS1-1-XX-GS0002-2025", 501, 505)}
    assert written.ledger and Path(written.ledger).exists()
    # the same declaration again (another format) is not a reuse
    html = tmp_path / "decl.html"
    write_report(ws, _neutrality(), "html", html)
    text = html.read_text(encoding="utf-8")
    assert "is carbon neutral in accordance with ISO 14068-1:2023" in text
    assert "PAS 2060 was withdrawn on 30 November 2025" in text
    # another declaration with the same serials is refused, naming the first one
    with pytest.raises(ReportError, match="TEST-DECL-A") as refused:
        write_report(ws, _neutrality(plan=FIX / "plan_other.yaml"), "json", tmp_path / "b.json")
    assert refused.value.code == "serial-reused"
    assert not (tmp_path / "b.json").exists()


@pytest.mark.parametrize(("credits", "code"), [
    ("credits_short.csv", "credits-short"),
    ("credits_dup.yaml", "serial-reused"),
    ("credits_unretired.csv", "credit-not-retired"),
    ("credits_mismatch.csv", "credit-rejected"),
])
def test_neutrality_statement_is_refused(ws, tmp_path, credits, code) -> None:  # type: ignore[no-untyped-def]
    before = load_ledger(ws.home.path)
    out = tmp_path / "refused.pdf"
    with pytest.raises(ReportError) as refused:
        write_report(ws, _neutrality(plan=FIX / "plan_other.yaml", credits=FIX / credits),
                     "pdf", out)
    assert refused.value.code == code, str(refused.value)
    assert "refused" in str(refused.value) or code.startswith("credit")
    assert not out.exists()
    assert load_ledger(ws.home.path) == before


def test_short_credits_at_the_95th_percentile(ws) -> None:  # type: ignore[no-untyped-def]
    # 15 t covers 100 units at the deterministic value (~10 t) but the message must name P95
    # when that basis is chosen and the credits fall short of it
    with pytest.raises(ReportError, match="short") as refused:
        build_report(ws, _neutrality(plan=FIX / "plan_other.yaml",
                                     credits=FIX / "credits_short.csv", basis="p95",
                                     iterations=MC))
    assert "P95" in str(refused.value)
    with pytest.raises(ReportUsageError, match="--iterations"):
        build_report(ws, _neutrality(basis="p95", iterations=0))


def test_eu_consumer_market_gets_no_offset_based_claim(ws, tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = build_report(ws, _neutrality(market="eu-consumer"))
    claim = report.data["claim"]
    assert claim["made"] is False and claim["statement"] is None
    assert "2024/825" in claim["withheld_reason"] and "27 September 2026" in \
        claim["withheld_reason"]
    html = render_report(report, "html").decode()
    assert "is carbon neutral" not in html and "No carbon-neutrality claim" in html
    cn = build_report(ws, _neutrality(standard="cn-group", lang="zh"))
    assert "产品碳中和实施通则" in cn.data["claim"]["statement"]


# -- command line ------------------------------------------------------------------------------

def test_cli_report_exit_codes(ws, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    home = ws.home.path
    out = tmp_path / "pact.json"
    code, stdout, _ = run_cli(home, "report", PRODUCT, "--kind", "pact", "-o", str(out),
                              "--iterations", "0", "--date", "2026-11-21", "--json")
    assert code == 0, stdout
    assert json.loads(stdout)["output"] == str(out)
    assert validate_v3(json.loads(out.read_text(encoding="utf-8"))) == []  # v3.0 by default
    code, _, _ = run_cli(home, "report", PRODUCT, "--kind", "pact", "-o", str(out),
                         "--pact-version", "2.3", "--iterations", "0", "--date", "2026-11-21")
    assert code == 0 and validate(json.loads(out.read_text(encoding="utf-8"))) == []
    code, stdout, stderr = run_cli(
        home, "report", PRODUCT, "--kind", "neutrality", "-o", str(tmp_path / "n.html"),
        "--plan", str(FIX / "plan_other.yaml"), "--credits", str(FIX / "credits_short.csv"),
        "--basis", "mean", "--iterations", "0", "--date", "2026-11-21", "--json")
    assert code == 1 and json.loads(stdout)["error"] == "credits-short"
    assert "short" in stderr
    code, _, _ = run_cli(home, "report", PRODUCT, "--kind", "neutrality", "-o",
                         str(tmp_path / "n.html"), "--plan", str(FIX / "plan.yaml"),
                         "--credits", str(FIX / "credits_ok.csv"), "--iterations", "0")
    assert code == 2  # --basis p95 (the default) needs Monte Carlo
    code, _, _ = run_cli(home, "report", PRODUCT, "--kind", "cfp", "-o", str(tmp_path / "x.txt"))
    assert code == 2  # no format from the suffix
    code, stdout, _ = run_cli(home, "report", PRODUCT, "--kind", "compliance", "--json",
                              "--date", "2026-11-21", "-o", str(tmp_path / "c.json"),
                              "-o", str(tmp_path / "c.xlsx"))
    assert code == 0 and [o["format"] for o in json.loads(stdout)["outputs"]] == ["json", "xlsx"]
    from reports import render

    monkeypatch.setattr(render, "cjk_font", lambda: None)
    code, _, stderr = run_cli(home, "report", PRODUCT, "--kind", "datasheet", "--lang", "zh",
                              "-o", str(tmp_path / "zh.pdf"))
    assert code == 2 and "fonts-noto-cjk" in stderr and not (tmp_path / "zh.pdf").exists()


def test_the_study_report_has_the_method_comparison(cfp, ws) -> None:  # type: ignore[no-untyped-def]
    block = cfp.data["footprint"]["reconciliation"]
    html = render_report(cfp, "html").decode()
    assert "Method comparison (reconciliation)" in html
    assert "Contains data from Boavizta environmental-footprint-data (ODbL)" in html
    hp = next(r for r in block["references"] if r["id"] == "hp-246-g8")
    # the sheet's SSD row: 22.1 % of 320 kg = 70.72 kg, shown with the engine's own number
    assert hp["groups"][1]["reference_kg_co2e"] == pytest.approx(70.72)
    assert "70.72" in html
    request = _request("cfp", lang="zh", iterations=0, sensitivity=False)
    zh = render_report(build_report(ws, request), "html").decode()
    assert "方法比较（核对）" in zh and "PAIA 类型的声明对 SSD" in zh
# --- among published sheets (issue 14) ------------------------------------------------------

def test_cfp_places_the_footprint_among_published_sheets(ws, cfp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The report's percentile, recomputed by hand from the shipped comparables table: the
    notebook (laptop, 14 in, year 2026 in its attributes.yaml) falls in '13-14.9 in',
    2020-2030; each sheet gets the study's use stage back, the class's median TEC × 4 years
    (scenario.yaml) × 0.24383 kg CO2e/kWh (grid.eu27.lca)."""
    from lca_engine.screening.benchmark import _cdf, read_comparables

    bm = cfp.data["benchmark"]
    assert bm["available"], bm
    total = cfp.data["footprint"]["total_kg_co2e"]
    assert bm["product_kg_co2e"] == total
    row = next(r for r in read_comparables() if r.category == "laptop"
               and r.size_class == "13-14.9 in" and r.year_from <= 2026 <= r.year_to)
    assert row.n >= 8 and bm["comparables"]["n"] == row.n
    shift = row.tec_kwh_median * 4 * 0.24383
    assert bm["comparables"]["classes"][0]["use_kg_co2e_added"] == pytest.approx(shift, abs=1e-3)
    assert bm["percentile"] == pytest.approx(round(100 * _cdf(total, [row], [shift]), 1))
    assert bm["estimate"]["inputs"]["weight_kg"] > 1.0  # BoM mass without box and adapter
    assert "Boavizta" in " ".join(bm["explanation"])
    assert "benchmark" in cfp.charts
    html = render_report(cfp, "html").decode()
    assert "Among published sheets of comparable products" in html
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(render_report(cfp, "xlsx")))
    values = {row[0]: row[1] for row in book["Published sheets"].iter_rows(values_only=True)}
    assert values["Percentile among comparable sheets"] == bm["percentile"]
    # the CLI gives the same comparison; a 6-year scenario moves the comparables' use stage
    code, out, err = run_cli(ws.home.path, "benchmark", PRODUCT, "--json")
    assert code == 0, err
    assert json.loads(out)["percentile"] == bm["percentile"]
    longer = tmp_path / "six-years.yaml"
    longer.write_text("lifetime_years: 6\n", encoding="utf-8")
    code, out, _ = run_cli(ws.home.path, "benchmark", PRODUCT, "--scenario", str(longer),
                           "--json")
    doc = json.loads(out)
    assert doc["comparables"]["classes"][0]["use_kg_co2e_added"] == \
        pytest.approx(row.tec_kwh_median * 6 * 0.24383, abs=1e-3)
    assert doc["estimate"]["stages"]["use"]["lifetime_years"] == 6
    code, _, err = run_cli(ws.home.path, "benchmark", PRODUCT, "--category", "toaster")
    assert code == 1 and "category" in err


def test_datasheet_summarises_legs_split_by_share_per_mode() -> None:
    from reports.datasheet import transport_by_mode

    legs = [{"mode": "truck", "km": 100, "share": 0.376}, {"mode": "sea", "km": 19500,
                                                          "share": 0.376},
            {"mode": "truck", "km": 800, "share": 0.376}, {"mode": "truck", "km": 60,
                                                           "share": 0.624},
            {"mode": "air", "km": 9000, "share": 0.624}, {"mode": "truck", "km": 500,
                                                          "share": 0.624}]
    summary = transport_by_mode(legs)
    assert [(s["mode"], s["share"]) for s in summary] == [("truck", 1.0), ("sea", 0.376),
                                                         ("air", 0.624)]
    # truck per unit: 0.376 × (100 + 800) + 0.624 × (60 + 500) = 338.4 + 349.44 km
    assert summary[0]["km"] == pytest.approx(687.84)
    assert summary[1]["km"] == 19500 and summary[2]["km"] == 9000
    # every unit on every leg: the sum of the km, as before shares existed
    assert transport_by_mode([{"mode": "truck", "km": 100}, {"mode": "truck", "km": 800}]) == [
        {"mode": "truck", "km": 900, "share": 1.0}]
