"""PACT exchange: the v3.0 footprint per piece (and v2.3 per kilogram), the emissions data gaps
leave out, the IPCC reports behind the numbers, supplier PCFs as primary data, and the host
system's state (clients, tokens, versioned footprints, events). The HTTP layer is tested against
the real server in ``test_pact_conformance.py``."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from lca_engine.background import factor_index
from lca_engine.db.models import pact_client, supplier_pcf
from lca_engine.pact.host import (
    REQUEST_CREATED,
    REQUEST_FULFILLED,
    REQUEST_REJECTED,
    InvalidClientError,
    PactError,
    PactHost,
    reply_url,
)
from lca_engine.pact.methodology import ExemptionError, characterisation_bases, excluded_emissions
from lca_engine.workspace import Workspace
from reports import ReportRequest, build_report, render_report
from reports.common import GATE_STAGES
from reports.pact import (
    SCHEMA_FILE,
    SCHEMA_FILE_V3,
    publish,
    validate,
    validate_document,
    validate_v3,
)
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "bom_samples" / "notebook14"
FIX = Path(__file__).parent / "fixtures"
PRODUCT = "NB14-G5"
COVER = "NB14-ACOV-01"


@pytest.fixture(scope="module")
def ws(notebook_workspace: Workspace) -> Workspace:
    return notebook_workspace


def _request(**kw: Any) -> ReportRequest:
    return ReportRequest(PRODUCT, "pact", report_date=datetime(2026, 11, 21).date(),
                         iterations=0, info=FIX / "reports" / "info.yaml", **kw)


@pytest.fixture(scope="module")
def v3(ws):  # type: ignore[no-untyped-def]
    return build_report(ws, _request())


@pytest.fixture(scope="module")
def reference(ws):  # type: ignore[no-untyped-def]
    return ws.footprint(PRODUCT)


# -- the v3.0 document ---------------------------------------------------------------------

def test_v3_document_validates_and_a_broken_one_does_not(v3) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(render_report(v3, "json"))
    assert document["specVersion"] == "3.0.0" and validate_v3(document) == []
    assert json.loads(SCHEMA_FILE_V3.read_text(encoding="utf-8"))["$id"].endswith(":3.0")
    broken = json.loads(json.dumps(document))
    broken["pcf"]["declaredUnitAmount"] = 1  # decimals are strings in v3
    broken["pcf"]["biogenicCO2Withdrawal"] = "0.5"  # a withdrawal is ≤ 0
    del broken["pcf"]["productMassPerDeclaredUnit"]  # mandatory in v3
    broken["pcf"]["geographyRegionOrSubregion"] = "Europe"  # beside geographyCountry
    assert len(validate_v3(broken)) == 4
    assert validate(document) != []  # and it is not a v2.3 document


def test_v3_values_are_the_cradle_to_gate_footprint_per_piece(v3, reference) -> None:  # type: ignore[no-untyped-def]
    pcf = v3.data["pcf"]
    assert (pcf["declaredUnitOfMeasurement"], pcf["declaredUnitAmount"]) == ("piece", "1")
    # product mass without packaging, kg: (total mass − packaging mass) / 1000
    net = (reference.mass_g - reference.packaging_mass_g) / 1000
    assert float(pcf["productMassPerDeclaredUnit"]) == pytest.approx(net, abs=5e-7)  # to the mg
    assert len(pcf["productMassPerDeclaredUnit"].split(".")[1]) <= 6
    assert reference.packaging_mass_g > 0 and net < reference.mass_g / 1000
    gate = sum(reference.by_stage[s] for s in GATE_STAGES)
    assert float(pcf["pcfExcludingBiogenicCO2Withdrawal"]) == pytest.approx(gate, rel=1e-12)
    withdrawal = float(pcf["biogenicCO2Withdrawal"])
    assert withdrawal < 0  # the paper packaging holds biogenic carbon
    assert float(pcf["pcfIncludingBiogenicCO2Withdrawal"]) == pytest.approx(gate + withdrawal,
                                                                            rel=1e-12)
    packaging = sum(p["kg_co2e"] for p in reference.by_part if p["group"] == "packaging")
    assert float(pcf["packagingGhgEmissions"]) == pytest.approx(packaging, rel=1e-12)
    assert all(isinstance(v, str) for k, v in pcf.items()
               if k.endswith(("Emissions", "Content", "Withdrawal", "Amount", "Unit")))
    assert v3.data["productClassifications"] == ["urn:pact:productclassification:un-cpc:4521"]
    assert v3.data["validityPeriodEnd"] == "2029-12-31T23:59:59Z"  # reference end + 3 years


def test_v3_lists_every_ipcc_report_behind_the_numbers(ws, v3, reference) -> None:  # type: ignore[no-untyped-def]
    """Issue 12 item 4: a mix that is not pure AR6 was labelled "AR5" although rows are AR4."""
    from reports.common import gather

    bundle = gather(ws, _request())
    keys = {r["dataset"] for r in bundle.inventory if r["stage"] in GATE_STAGES}
    index = factor_index()
    carried = {index[k].gwp_basis for k in keys
               if k in index and not index[k].has_gas_split and index[k].gwp_basis != "CO2-only"}
    assert "AR4" in carried  # the notebook's gate rests on AR4-based published totals
    bases = v3.data["pcf"]["ipccCharacterizationFactors"]
    assert set(bases) == carried | {"AR6"} and bases == sorted(bases, key=lambda b: int(b[2:]))
    assert "AR4" in v3.data["comment"]
    assert characterisation_bases([], ["AR5"]) == ["AR5", "AR6"]


def test_v23_option_still_validates_per_kilogram(ws, reference) -> None:  # type: ignore[no-untyped-def]
    report = build_report(ws, _request(pact_version="2.3"))
    document = json.loads(render_report(report, "json"))
    assert document["specVersion"] == "2.3.0" and validate(document) == []
    assert SCHEMA_FILE.name == "pact-2.3.0-product-footprint.schema.json"
    pcf = document["pcf"]
    mass = Decimal(pcf["unitaryProductAmount"])
    gate = sum(reference.by_stage[s] for s in GATE_STAGES)
    assert float(Decimal(pcf["pCfExcludingBiogenic"]) * mass) == pytest.approx(gate, rel=1e-9)
    assert pcf["characterizationFactors"] == "AR6"
    assert "AR4" in pcf["ipccCharacterizationFactorsSources"]
    assert pcf["exemptedEmissionsPercent"] == 0.0


# -- the emissions data gaps leave out (issue 12 item 4) ------------------------------------

def _gap_product(ws: Workspace, tmp_path: Path, gap_mass_g: float, number: str) -> None:
    """A product of two declared mechanical parts, a memory module and one mechanical part with a
    BoM mass only."""
    folder = tmp_path / number
    (folder / "fmd").mkdir(parents=True)
    for part in ("NB14-ACOV-01", "NB14-DCOV-01", "NB14-MEM-01"):
        shutil.copy(NOTEBOOK / "fmd" / f"{part}.xml", folder / "fmd")
    header = ("product_number,product_name,part_number,parent_part_number,quantity,part_name,"
              "part_mass_g,recycled_kind,recycled_share,fmd_file,category\n")
    rows = [f"{number},Gap test,NB14-ACOV-01,,1,A-cover,148.0,,,fmd/NB14-ACOV-01.xml,mechanical",
            f"{number},Gap test,NB14-DCOV-01,,1,D-cover,,,,fmd/NB14-DCOV-01.xml,mechanical",
            f"{number},Gap test,NB14-MEM-01,,1,Memory,7.1,,,fmd/NB14-MEM-01.xml,electronics",
            f"{number},Gap test,GAP-BRKT-01,,1,Bracket (no declaration),{gap_mass_g},,,,"
            "mechanical"]
    (folder / "bom.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    report = ws.database.import_paths([], bom=folder / "bom.csv")
    assert report.counts()["rejected"] == 0


def test_excluded_emissions_are_estimated_from_the_gap_and_reported(ws, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _gap_product(ws, tmp_path, 10.0, "GAP-1")
    result = ws.footprint("GAP-1")
    model = ws.product_model("GAP-1")
    assert [g["part_number"] for g in result.data_gaps] == ["GAP-BRKT-01"]
    # hand calculation: 10 g × the materials intensity of the two modelled mechanical parts,
    # scaled by the product's gate/materials ratio
    kg = {p["part_number"]: p["kg_co2e"] for p in result.by_part}
    mass = {p.part_number: p.own_mass_g / 1000 for p in model.parts if p.materials}
    intensity = (kg["NB14-ACOV-01"] + kg["NB14-DCOV-01"]) / (mass["NB14-ACOV-01"]
                                                             + mass["NB14-DCOV-01"])
    gate = result.by_stage["materials"] + result.by_stage["manufacturing"]
    excluded = 0.010 * intensity * gate / result.by_stage["materials"]
    percent = 100 * excluded / (gate + excluded)
    estimate = excluded_emissions(result, model)
    assert estimate.excluded_kg_co2e == pytest.approx(excluded, rel=1e-12)
    assert estimate.percent == pytest.approx(percent, rel=1e-12)
    mass_share = 100 * 0.010 / (result.mass_g / 1000)
    # on emissions, not on mass: the bracket is metal, far less carbon-intensive per kg than
    # the memory module that raises the product's average
    assert percent < 0.8 * mass_share
    report = build_report(ws, ReportRequest("GAP-1", "pact", iterations=0,
                                            report_date=datetime(2026, 11, 21).date()))
    pcf = report.data["pcf"]
    assert float(pcf["exemptedEmissionsPercent"]) == pytest.approx(percent, rel=1e-12)
    assert f"{excluded:.4f}" in pcf["exemptedEmissionsDescription"]
    assert validate_v3(report.data) == []
    v2 = build_report(ws, ReportRequest("GAP-1", "pact", iterations=0, pact_version="2.3",
                                        report_date=datetime(2026, 11, 21).date()))
    assert v2.data["pcf"]["exemptedEmissionsPercent"] == pytest.approx(percent, abs=1e-6)


def test_too_large_or_unknown_exclusions_are_refused(ws, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from reports import ReportError

    _gap_product(ws, tmp_path, 60.0, "GAP-2")
    result = ws.footprint("GAP-2")
    with pytest.raises(ExemptionError, match=r"PACT allows at most 5 %"):
        excluded_emissions(result, ws.product_model("GAP-2"))
    with pytest.raises(ReportError, match="at most 5 %"):
        build_report(ws, ReportRequest("GAP-2", "pact", iterations=0))
    nameless = SimpleNamespace(product="X", by_stage={"materials": 1.0}, by_part=[],
                               mass_g=1000.0,
                               data_gaps=[{"part_number": "P-1", "gap": "no mass",
                                           "mass_g": None}])
    with pytest.raises(ExemptionError, match="P-1 have no mass"):
        excluded_emissions(nameless, SimpleNamespace(parts=()))  # type: ignore[arg-type]


# -- supplier PCFs as primary data ----------------------------------------------------------

@pytest.mark.slow
def test_a_supplier_pcf_replaces_the_parts_modelled_gate(ws, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = ws.footprint(PRODUCT)
    cover_before = next(p["kg_co2e"] for p in before.by_part if p["part_number"] == COVER)
    try:
        imported = ws.import_pcf(FIX / "pact" / "supplier_cover_v3.json", validate_document,
                                 part_number=COVER)
        assert [p.id for p in imported.footprints] == ["3f1c8e2a-5b7d-4c9e-8a1f-2d4b6c8e0a13"]
        after = ws.footprint(PRODUCT)
        cover = next(p["kg_co2e"] for p in after.by_part if p["part_number"] == COVER)
        # hand calculation: 1 piece × 2.5 kg CO2e per piece (the supplier's PCF excluding
        # biogenic withdrawal), 1 cover per notebook; to the sparse solver's precision (PARDISO
        # solves to about 1e-8 relative)
        assert cover == pytest.approx(2.5, rel=1e-6)
        assert after.by_stage["materials"] == pytest.approx(
            before.by_stage["materials"] - cover_before + 2.5, rel=1e-6)
        # the supplier's gate includes its CNC machining: the factory no longer charges it
        assert after.by_stage["manufacturing"] < before.by_stage["manufacturing"]
        assert after.by_stage["end_of_life"] == pytest.approx(before.by_stage["end_of_life"],
                                                              rel=1e-12)
        batch = {row["product"]: row for row in ws.footprint_all().rows}  # the fast path too
        assert batch[PRODUCT]["total_kg_co2e"] == pytest.approx(after.total_kg_co2e, rel=1e-6)
        # land-use change travels on its own flow
        assert after.ghg["land_use"] - before.ghg["land_use"] == pytest.approx(0.1, rel=1e-6)
        from lca_engine.pact.supplier import for_parts

        ws.import_pcf(FIX / "pact" / "supplier_cover_v3.json", validate_document)
        assert COVER in for_parts(ws.database)  # re-imported without --part: still bound
        used = after.provenance["supplier_pcfs"]
        assert used[0]["part_number"] == COVER and used[0]["dqi"]["technologicalDQR"] == "1.6"
        assert used[0]["verification"]["providerName"] == "Example Verifier GmbH"
        # the CFP report says which parts use primary supplier data, and their share
        cfp = build_report(ws, ReportRequest(PRODUCT, "cfp", iterations=0, sensitivity=False,
                                             report_date=datetime(2026, 11, 21).date()))
        primary = cfp.data["primary_supplier_data"]
        gate = after.by_stage["materials"] + after.by_stage["manufacturing"]
        assert [p["part_number"] for p in primary["parts"]] == [COVER]
        assert primary["share"] == pytest.approx(2.5 / gate, rel=1e-6)
        assert COVER in render_report(cfp, "html").decode()
        pact = build_report(ws, _request())
        assert float(pact.data["pcf"]["primaryDataShare"]) == pytest.approx(100 * 2.5 / gate,
                                                                              rel=1e-6)
    finally:
        with ws.database.engine.begin() as conn:
            conn.execute(delete(supplier_pcf))


def test_a_mapping_rule_can_use_a_stored_v23_supplier_pcf(ws) -> None:  # type: ignore[no-untyped-def]
    """A smelter's v2.3 per-kilogram PCF, named by an override rule for aluminium alloys."""
    key = "gscdm-supplier-pcf::8d2e4f60-7a1b-4c2d-9e3f-4a5b6c7d8e9f"
    overrides = ws.home.path / "mapping_overrides.yaml"
    code, stdout, _ = run_cli(ws.home.path, "import-pcf",
                              str(FIX / "pact" / "supplier_smelter_v23.json"), "--json")
    assert code == 0 and json.loads(stdout)["imported"][0]["dataset"] == key
    try:
        overrides.write_text(
            "version: test\nrules:\n  - id: aluminium-from-smelter-pcf\n"
            "    match: {group: alumin}\n    basis: mass\n"
            f'    dataset: "{key}"\n'
            "    reason: The smelter's own PACT footprint of the billet.\n", encoding="utf-8")
        result = ws.footprint(PRODUCT)
        model = ws.product_model(PRODUCT)
        kg = sum(f.input.amount * f.units_per_product for f in model.flows
                 if f.input.dataset == key)
        assert kg > 0.1  # the A-cover's aluminium (CNC yield included), and any other alloy
        # hand calculation: kilograms of aluminium × 6.4 kg CO2e/kg (pCfExcludingBiogenic)
        row = next(m for m in result.by_material if m["dataset"] == key)
        assert row["kg_co2e"] == pytest.approx(kg * 6.4, rel=1e-6)
        document = build_report(ws, _request()).data
        gate = result.by_stage["materials"] + result.by_stage["manufacturing"]
        assert float(document["pcf"]["primaryDataShare"]) == pytest.approx(
            100 * row["kg_co2e"] / gate, rel=1e-9)
        cfp = build_report(ws, ReportRequest(PRODUCT, "cfp", iterations=0, sensitivity=False,
                                             report_date=datetime(2026, 11, 21).date()))
        used = cfp.data["primary_supplier_data"]["materials"]
        assert {(m["part_number"], m["company_name"]) for m in used} >= {(COVER,
                                                                          "Example Smelter")}
        assert "Example Smelter" in render_report(cfp, "html").decode()
    finally:
        overrides.unlink(missing_ok=True)
        with ws.database.engine.begin() as conn:
            conn.execute(delete(supplier_pcf))


def test_a_rejected_file_stores_nothing(ws, tmp_path) -> None:  # type: ignore[no-untyped-def]
    home = ws.home.path
    code, stdout, stderr = run_cli(home, "import-pcf", str(FIX / "pact" /
                                                           "supplier_two_one_bad.json"), "--json")
    assert code == 1
    assert "footprint 2" in stderr and "'primaryDataShre'" in stderr \
        and "'primaryDataShare'" in stderr
    assert json.loads(stdout)["error"] == "pcf-rejected"
    with ws.database.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(supplier_pcf)).scalar() == 0
    code, _, stderr = run_cli(home, "import-pcf", str(FIX / "pact" / "supplier_cover_v3.json"),
                              "--part", "NO-SUCH-PART")
    assert code == 1 and "NO-SUCH-PART" in stderr
    bad = tmp_path / "bad.json"
    document = json.loads((FIX / "pact" / "supplier_cover_v3.json").read_text())
    document["pcf"]["declaredUnitAmount"] = 1
    bad.write_text(json.dumps(document))
    code, _, stderr = run_cli(home, "import-pcf", str(bad))
    assert code == 1 and "declaredUnitAmount" in stderr
    document["pcf"]["declaredUnitAmount"] = "1"
    document["status"] = "Deprecated"
    bad.write_text(json.dumps(document))
    code, _, stderr = run_cli(home, "import-pcf", str(bad), "--part", COVER)
    assert code == 1 and "Deprecated" in stderr
    with ws.database.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(supplier_pcf)).scalar() == 0


# -- the host system's state ----------------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_clients_secrets_and_expiring_tokens(ws) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    host = PactHost(ws.database, token_lifetime_s=60, clock=clock)
    client = host.add_client("Customer A")
    with ws.database.engine.connect() as conn:
        stored = conn.execute(select(pact_client.c.secret_hash).where(
            pact_client.c.client_id == client.client_id)).scalar_one()
    assert client.client_secret not in stored and stored.startswith("scrypt$")
    with pytest.raises(InvalidClientError):
        host.issue_token(client.client_id, client.client_secret + "x")
    token = host.issue_token(client.client_id, client.client_secret)
    assert token.expires_in == 60
    assert host.authenticate(token.access_token) == client.client_id
    clock.now += timedelta(seconds=61)
    with pytest.raises(PactError) as expired:
        host.authenticate(token.access_token)
    assert (expired.value.code, expired.value.status) == ("TokenExpired", 401)
    fresh = host.issue_token(client.client_id, client.client_secret)
    host.revoke_client(client.client_id)
    with pytest.raises(PactError, match="Invalid token"):
        host.authenticate(fresh.access_token)
    with pytest.raises(InvalidClientError):
        host.issue_token(client.client_id, client.client_secret)


def test_cli_clients_add_list_revoke(ws) -> None:  # type: ignore[no-untyped-def]
    home = ws.home.path
    code, stdout, _ = run_cli(home, "pact", "clients", "add", "Customer B", "--json")
    assert code == 0
    created = json.loads(stdout)
    assert set(created) == {"client_id", "client_secret"}
    code, stdout, _ = run_cli(home, "pact", "clients", "list", "--json")
    listed = {c["client_id"]: c for c in json.loads(stdout)["clients"]}
    assert listed[created["client_id"]]["active"] and created["client_secret"] not in stdout
    assert run_cli(home, "pact", "clients", "revoke", created["client_id"])[0] == 0
    assert run_cli(home, "pact", "clients", "revoke", created["client_id"])[0] == 1


@pytest.mark.slow
def test_publishing_a_changed_footprint_deprecates_its_predecessor(ws, tmp_path) -> None:  # type: ignore[no-untyped-def]
    host = ws.pact_host()
    first = publish(ws, PRODUCT, info=FIX / "reports" / "info.yaml")
    assert first.published and first.deprecated is None
    code, stdout, _ = run_cli(ws.home.path, "pact", "publish", PRODUCT, "--info",
                              str(FIX / "reports" / "info.yaml"), "--json")
    same = json.loads(stdout)
    assert code == 0 and not same["published"] and same["id"] == first.id
    scenario = tmp_path / "longer.yaml"
    scenario.write_text("lifetime_years: 6\nfactory:\n  pv_share: 0.3\n", encoding="utf-8")
    second = publish(ws, PRODUCT, scenario=scenario, info=FIX / "reports" / "info.yaml")
    assert second.published and second.id != first.id and second.deprecated == first.id
    new, old = host.footprint(second.id), host.footprint(first.id)
    assert new["precedingPfIds"] == [first.id] and new["status"] == "Active"
    assert old["status"] == "Deprecated" and second.id in old["statusComment"]
    assert validate_v3(new) == [] and validate_v3(old) == []
    statuses = [d["status"] for d in host.footprints()]
    assert statuses.count("Active") == 1


def test_events_are_validated_and_requests_answered(ws) -> None:  # type: ignore[no-untyped-def]
    host = ws.pact_host()
    if not host.footprints():
        publish(ws, PRODUCT, info=FIX / "reports" / "info.yaml")
    base = {"specversion": "1.0", "id": "req-1", "source": "https://buyer.example/3/events",
            "time": "2026-12-01T08:00:00Z", "type": REQUEST_CREATED}
    found = host.receive_event({**base, "data": {"productId": ["urn:gscdm:product:NB14-G5"]}},
                               "c", own_source="https://us.example/3/events")
    assert found.reply is not None and found.reply["type"] == REQUEST_FULFILLED
    assert found.reply_url == "https://buyer.example/3/events"
    pfs = found.reply["data"]["pfs"]
    assert [p["status"] for p in pfs] == ["Active"]
    assert validate_v3(found.reply, "RequestFulfilledEvent") == []
    missing = host.receive_event({**base, "data": {"productId": ["urn:nothing"]}}, "c",
                                 own_source="https://us.example/3/events")
    assert missing.reply is not None and missing.reply["type"] == REQUEST_REJECTED
    assert validate_v3(missing.reply, "RequestRejectedEvent") == []
    for data, needle in (({"productIds": ["x"]}, "unknown key"),
                         ({"validOn": "yesterday"}, "RFC 3339"),
                         ({"status": "Bogus"}, "status")):
        with pytest.raises(PactError, match=needle):
            host.receive_event({**base, "data": data}, "c", own_source="x")
    with pytest.raises(PactError, match="not a footprint id"):
        host.receive_event({**base, "type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
                            "data": {"pfIds": ["urn:gtin:4712345060507"]}}, "c", own_source="x")
    with pytest.raises(PactError, match="'time' is missing"):
        host.receive_event({k: v for k, v in base.items() if k != "time"}, "c", own_source="x")
    assert reply_url("//buyer.example") == "https://buyer.example/3/events"
    assert reply_url("urn:not-a-url") is None


def test_host_state_on_sqlite_and_postgresql(db) -> None:  # type: ignore[no-untyped-def]
    """Clients, tokens and versioned footprints through both databases' JSON and text columns."""
    from lca_engine.pact.host import FootprintFilter

    clock = Clock()
    host = PactHost(db, clock=clock)
    client = host.add_client("Customer C")
    token = host.issue_token(client.client_id, client.client_secret)
    assert host.authenticate(token.access_token) == client.client_id
    document = json.loads((FIX / "pact" / "supplier_cover_v3.json").read_text())
    first = host.publish("P-1", document, validate_v3)
    clock.now += timedelta(seconds=5)
    changed = {**document, "id": "0f6a9a3e-2c1d-4b5e-8f70-112233445566",
               "pcf": {**document["pcf"], "pcfExcludingBiogenicCO2Withdrawal": "2.6",
                       "pcfIncludingBiogenicCO2Withdrawal": "2.6"}}
    second = host.publish("P-1", changed, validate_v3)
    assert second.deprecated == first.id and host.footprint(first.id)["status"] == "Deprecated"
    assert host.footprint(second.id)["precedingPfIds"] == [first.id]
    active = host.footprints(FootprintFilter(statuses=["Active"]))
    assert [d["id"] for d in active] == [second.id]
    assert [d["id"] for d in host.footprints(as_of="2026-12-01T08:00:01Z")] == [first.id]
    clock.now += timedelta(seconds=5)
    # back to the first content: a new id again (footprints are immutable), naming both
    third = host.publish("P-1", document, validate_v3)
    assert third.published and third.id not in {first.id, second.id}
    assert host.footprint(third.id)["precedingPfIds"] == [second.id, first.id]
    with pytest.raises(ValueError, match="does not validate"):
        host.publish("P-1", {**changed, "id": "not-a-uuid", "companyIds": []}, validate_v3)
