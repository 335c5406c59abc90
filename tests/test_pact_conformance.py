"""The PACT v3 host API against PACT's conformance test cases, on the real server (uvicorn on
loopback, HTTPS with a throw-away CA).

Each test names the cases of ``docs/v3-test-cases-expected-results.md`` in
``wbcsd/pact-conformance-service`` it covers; together they cover every case marked
"Mandatory: V3.0" (1–17, 20–40; 18 and 19 are OpenID Connect, not mandatory). Requests are made
the way the conformance tool makes them (``packages/test/src/test-cases/v3-tests.ts``): filter
values are taken from the first listed footprint, callbacks arrive at the requester's
``/3/events``.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response

from gscdm.pact_host import create_pact_router
from lca_engine.pact.host import PactHost, parse_time
from lca_engine.workspace import Workspace
from reports.pact import publish, validate_v3

FIX = Path(__file__).parent / "fixtures"
PRODUCT = "NB14-G5"
CREATED = "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3"
FULFILLED = "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3"
REJECTED = "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3"
PUBLISHED = "org.wbcsd.pact.ProductFootprint.PublishedEvent.3"


class LoopbackServer:
    """uvicorn serving ``app`` on 127.0.0.1 (a free port), in a thread, optionally over TLS."""

    def __init__(self, app: FastAPI, cert: trustme.LeafCert | None, folder: Path) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        options: dict[str, Any] = {}
        if cert is not None:
            certfile, keyfile = folder / f"cert-{self.port}.pem", folder / f"key-{self.port}.pem"
            cert.cert_chain_pems[0].write_to_path(str(certfile))
            cert.private_key_pem.write_to_path(str(keyfile))
            options = {"ssl_certfile": str(certfile), "ssl_keyfile": str(keyfile)}
        self.scheme = "https" if cert is not None else "http"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                                    **options))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class Webhook:
    """A data recipient's event endpoint: records the CloudEvents the host sends back."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.arrived = threading.Condition()
        self.app = FastAPI()

        @self.app.post("/3/events")
        async def receive(request: Request) -> Response:
            body = json.loads(await request.body())
            with self.arrived:
                self.events.append((request.headers.get("content-type", ""), body))
                self.arrived.notify_all()
            return Response(status_code=200)

    def wait_for(self, request_id: str, timeout: float = 15.0) -> tuple[str, dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for content_type, event in self.events:
                    if event.get("data", {}).get("requestEventId") == request_id:
                        return content_type, event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no reply to {request_id} within {timeout} s")
                self.arrived.wait(left)


@pytest.fixture(scope="module")
def pact(notebook_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[dict[str, Any]]:
    ws = notebook_workspace
    folder = tmp_path_factory.mktemp("pact-tls")
    # two footprints, as the conformance tool requires: the product's, then a changed one
    info = FIX / "reports" / "info.yaml"
    first = publish(ws, PRODUCT, info=info)
    scenario = folder / "pv.yaml"
    scenario.write_text("factory:\n  pv_share: 0.4\n", encoding="utf-8")
    second = publish(ws, PRODUCT, info=info, scenario=scenario)
    assert second.deprecated == first.id
    credentials = ws.pact_host().add_client("conformance")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    trust = ssl.create_default_context()
    ca.configure_trust(trust)
    app = FastAPI()
    app.include_router(create_pact_router(
        lambda: ws, http_client=lambda: httpx.Client(verify=trust, timeout=10)))
    webhook = Webhook()
    with LoopbackServer(app, cert, folder) as https, LoopbackServer(app, None, folder) as http, \
            LoopbackServer(webhook.app, cert, folder) as hook, \
            httpx.Client(base_url=https.url, verify=trust, timeout=20) as client:
        basic = base64.b64encode(
            f"{credentials.client_id}:{credentials.client_secret}".encode()).decode()
        token = client.post("/auth/token", data={"grant_type": "client_credentials"},
                            headers={"Authorization": f"Basic {basic}"}).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        footprints = client.get("/3/footprints").json()["data"]
        yield {"ws": ws, "client": client, "http": http.url, "https": https.url,
               "webhook": webhook, "hook": hook.url, "basic": basic, "token": token,
               "footprints": footprints, "ids": (first.id, second.id)}


def _filter_params(footprint: dict[str, Any]) -> dict[str, str]:
    """As the conformance tool derives them (getFilterParameters)."""
    start = parse_time(footprint["validityPeriodStart"], "start")
    end = parse_time(footprint["validityPeriodEnd"], "end")
    pcf = footprint["pcf"]
    return {"productId": footprint["productIds"][0], "companyId": footprint["companyIds"][0],
            "geography": pcf.get("geographyCountry") or pcf.get("geographyRegionOrSubregion")
            or pcf.get("geographyCountrySubdivision") or "",
            "classification": (footprint.get("productClassifications") or [""])[0],
            "validOn": footprint["validityPeriodStart"],
            "validAfter": (start - timedelta(days=1)).isoformat().replace("+00:00", "Z"),
            "validBefore": (end + timedelta(days=1)).isoformat().replace("+00:00", "Z"),
            "status": footprint["status"]}


# -- authentication ------------------------------------------------------------------------

def test_cases_01_02_token_with_valid_and_invalid_credentials(pact) -> None:  # type: ignore[no-untyped-def]
    client = pact["client"]
    form = {"grant_type": "client_credentials"}
    ok = client.post("/auth/token", data=form, headers={"Authorization": f"Basic {pact['basic']}"})
    assert ok.status_code == 200 and ok.headers["cache-control"] == "no-store"
    body = ok.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["access_token"]
    wrong = base64.b64encode(b"gscdm-0000:not-the-secret").decode()
    bad = client.post("/auth/token", data=form, headers={"Authorization": f"Basic {wrong}"})
    assert bad.status_code in (400, 401) and bad.json()["error"] == "invalid_client"
    assert "access_token" not in bad.json()
    no_grant = client.post("/auth/token", data={},
                           headers={"Authorization": f"Basic {pact['basic']}"})
    assert no_grant.status_code == 400 and no_grant.json()["error"] == "invalid_request"
    other = client.post("/auth/token", data={"grant_type": "password"},
                        headers={"Authorization": f"Basic {pact['basic']}"})
    assert other.json()["error"] == "unsupported_grant_type"


def test_cases_06_07_16_invalid_and_expired_tokens_are_refused(pact) -> None:  # type: ignore[no-untyped-def]
    client = pact["client"]
    bad = {"Authorization": "Bearer very-invalid-access-token-abcdefgh"}
    event = {"type": PUBLISHED, "specversion": "1.0", "id": str(uuid.uuid4()),
             "source": pact["hook"], "time": "2026-12-01T00:00:00Z",
             "data": {"pfIds": [str(uuid.uuid4())]}}
    for response in (client.get("/3/footprints", headers=bad),                         # 6
                     client.get(f"/3/footprints/{pact['ids'][1]}", headers=bad),        # 7
                     client.post("/3/events", json=event,                               # 16
                                 headers={**bad, "Content-Type": "application/cloudevents+json"}),
                     client.get("/3/footprints", headers={"Authorization": ""})):
        assert response.status_code in (400, 401)
        assert response.json()["code"] == "BadRequest" and "data" not in response.json()
    host = PactHost(pact["ws"].database, token_lifetime_s=-1)
    client_id, secret = base64.b64decode(pact["basic"]).decode().split(":", 1)
    stale = host.issue_token(client_id, secret).access_token
    expired = client.get("/3/footprints", headers={"Authorization": f"Bearer {stale}"})
    assert expired.status_code == 401 and expired.json()["code"] == "TokenExpired"


def test_cases_09_10_11_17_plain_http_gets_no_token_and_no_data(pact) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=pact["http"], timeout=20) as http:
        token = http.post("/auth/token", data={"grant_type": "client_credentials"},
                          headers={"Authorization": f"Basic {pact['basic']}"})          # 9
        assert token.status_code != 200 and "access_token" not in token.json()
        auth = {"Authorization": f"Bearer {pact['token']}"}
        listed = http.get("/3/footprints", headers=auth)                                  # 10
        got = http.get(f"/3/footprints/{pact['ids'][1]}", headers=auth)                   # 11
        posted = http.post("/3/events", headers={**auth, "Content-Type":                  # 17
                                                   "application/cloudevents+json"},
                           json={"type": PUBLISHED, "specversion": "1.0", "id": "x",
                                 "source": pact["hook"], "time": "2026-12-01T00:00:00Z",
                                 "data": {"pfIds": [str(uuid.uuid4())]}})
        for response in (listed, got, posted):
            assert response.status_code == 403 and "data" not in response.json()
            assert response.json()["code"] == "AccessDenied"


# -- footprints ----------------------------------------------------------------------------

def test_cases_03_04_get_and_list_footprints(pact) -> None:  # type: ignore[no-untyped-def]
    client = pact["client"]
    listed = client.get("/3/footprints")                                                  # 4
    assert listed.status_code == 200
    body = listed.json()
    assert validate_v3(body, "ListFootprintsResponse") == []
    assert [f["id"] for f in body["data"]] == list(pact["ids"])
    assert [f["status"] for f in body["data"]] == ["Deprecated", "Active"]
    for footprint_id in pact["ids"]:
        got = client.get(f"/3/footprints/{footprint_id}")                                 # 3
        assert got.status_code == 200 and got.json()["data"]["id"] == footprint_id
        assert validate_v3(got.json(), "GetFootprintResponse") == []


def test_case_05_pagination_links(pact) -> None:  # type: ignore[no-untyped-def]
    client = pact["client"]
    first = client.get("/3/footprints", params={"limit": 1})
    assert first.status_code == 200 and len(first.json()["data"]) == 1
    links = dict((rel, url) for url, rel in
                 ((part.split(";")[0].strip()[1:-1], part.split('rel="')[1].rstrip('"'))
                  for part in first.headers["link"].split(", ")))
    assert set(links) == {"next", "first", "last"}
    assert all(url.startswith(pact["https"] + "/3/footprints?") for url in links.values())
    page = client.get(links["next"])
    assert page.status_code == 200 and validate_v3(page.json(), "ListFootprintsResponse") == []
    again = client.get(links["next"])  # a pagination link can be called more than once
    assert again.json() == page.json()
    assert [f["id"] for f in first.json()["data"] + page.json()["data"]] == list(pact["ids"])
    assert "next" not in page.headers["link"]
    assert client.get("/3/footprints", params={"limit": 5}).headers.get("link") is None


def test_case_08_unknown_footprint_id(pact) -> None:  # type: ignore[no-untyped-def]
    for footprint_id in ("00000000-0000-0000-0000-000000000000", "non-existent-id"):
        response = pact["client"].get(f"/3/footprints/{footprint_id}")
        assert response.status_code == 404 and response.json()["code"] == "NotFound"


def test_cases_20_to_29_filters_return_only_matching_footprints(pact) -> None:  # type: ignore[no-untyped-def]
    client = pact["client"]
    params = _filter_params(pact["footprints"][0])
    assert params["geography"] == "CN" and params["classification"].startswith("urn:")
    for key in ("productId", "companyId", "geography", "classification", "validOn",      # 20–26
                "validAfter", "validBefore", "status"):                                  # 27
        response = client.get("/3/footprints", params={key: params[key]})
        assert response.status_code == 200, (key, response.text)
        data = response.json()["data"]
        assert data and validate_v3(response.json(), "ListFootprintsResponse") == []
        for footprint in data:
            start = parse_time(footprint["validityPeriodStart"], "s")
            end = parse_time(footprint["validityPeriodEnd"], "e")
            assert {
                "productId": params["productId"] in footprint["productIds"],
                "companyId": params["companyId"] in footprint["companyIds"],
                "geography": footprint["pcf"].get("geographyCountry") == params["geography"],
                "classification": params["classification"] in
                footprint["productClassifications"],
                "validOn": start <= parse_time(params["validOn"], "v") <= end,
                "validAfter": start > parse_time(params["validAfter"], "v"),
                "validBefore": end < parse_time(params["validBefore"], "v"),
                "status": footprint["status"] == params["status"]}[key], key
    both = client.get("/3/footprints", params={"status": params["status"],              # 28
                                               "productId": params["productId"]}).json()["data"]
    assert [f["id"] for f in both] == [pact["ids"][0]]  # the first footprint is the deprecated one
    either = client.get("/3/footprints", params=[("companyId", params["companyId"]),     # 29
                                                  ("companyId", "urn:x:abcdefgh"),
                                                  ("companyId", "urn:x:ijklmnop")])
    assert either.status_code == 200 and len(either.json()["data"]) == 2
    active = client.get("/3/footprints", params={"status": "Active"}).json()["data"]
    assert [f["id"] for f in active] == [pact["ids"][1]]
    # the bounds are strict for validAfter / validBefore and inclusive for validOn
    first = pact["footprints"][0]
    start, end = first["validityPeriodStart"], first["validityPeriodEnd"]
    assert all(f["validityPeriodStart"] == start for f in pact["footprints"])
    for key, value, expected in (("validAfter", start, 0), ("validBefore", end, 0),
                                 ("validOn", start, 2), ("validOn", end, 2)):
        found = client.get("/3/footprints", params={key: value}).json()["data"]
        assert len(found) == expected, (key, value)


@pytest.mark.parametrize(("case", "query"), [
    (30, "productId=urn:bogus:product:nonexistent123"),
    (31, "companyId=urn:bogus:company:nonexistent456"),
    (32, "geography=XX"),
    (33, "classification=urn:bogus:classification:nonexistent789"),
    (34, "validOn=1900-01-01T00:00:00Z"),
    (35, "validAfter=2099-12-31T23:59:59Z"),
    (36, "validBefore=1900-01-01T00:00:00Z"),
    (37, "status=BogusStatusValue"),
    (38, "companyId=urn:bogus:company:5FIi8zS3&productId=urn:bogus:product:nonexistent123"),
    (39, "companyId=urn:bogus:company:n1&companyId=urn:bogus:company:n2"
         "&companyId=urn:bogus:company:n3"),
])
def test_cases_30_to_39_filters_without_match_return_an_empty_list(pact, case, query) -> None:  # type: ignore[no-untyped-def]
    response = pact["client"].get(f"/3/footprints?{query}")
    assert response.status_code == 200 and response.json() == {"data": []}, case


def test_case_40_and_malformed_filters_are_bad_requests(pact) -> None:  # type: ignore[no-untyped-def]
    client = pact["client"]
    odata = client.get("/3/footprints", params={"$filter": "created ge '2023-01-15T10:15:30Z'"})
    assert odata.status_code == 400 and odata.json()["code"] == "BadRequest"              # 40
    published = client.post("/3/events", headers={"Content-Type": "application/cloudevents+json"},
                            json={"type": PUBLISHED, "specversion": "1.0",
                                  "id": str(uuid.uuid4()), "source": pact["hook"],
                                  "time": "2026-12-01T00:00:00Z",
                                  "data": {"pfIds": ["urn:gtin:4712345060507"]}})
    assert published.status_code == 400 and "UUID" in published.json()["message"]        # 40
    for query in ("validOn=yesterday", "limit=abc", "limit=0", "offset=-1", "productid=urn:x",
                  "validOn=2026-01-01T00:00:00Z&validOn=2027-01-01T00:00:00Z"):
        response = client.get(f"/3/footprints?{query}")
        assert response.status_code == 400 and response.json()["code"] == "BadRequest", query


# -- events ----------------------------------------------------------------------------------

def _event(pact: dict[str, Any], kind: str, data: dict[str, Any], event_id: str | None = None
           ) -> httpx.Response:
    body = {"specversion": "1.0", "id": event_id or str(uuid.uuid4()), "source": pact["hook"],
            "time": datetime.now().astimezone().isoformat(), "type": kind, "data": data}
    return pact["client"].post("/3/events", content=json.dumps(body), headers={
        "Content-Type": "application/cloudevents+json; charset=UTF-8"})


def test_cases_12_13_a_request_is_fulfilled_asynchronously(pact) -> None:  # type: ignore[no-untyped-def]
    product_ids = pact["footprints"][0]["productIds"]
    request_id = f"{uuid.uuid4()}/13"
    response = _event(pact, CREATED, {"productId": product_ids,                          # 12
                                      "comment": "Please send PCF data for this year."},
                      request_id)
    assert response.status_code == 200
    content_type, reply = pact["webhook"].wait_for(request_id)                            # 13
    assert content_type.startswith("application/cloudevents+json")
    assert reply["type"] == FULFILLED and validate_v3(reply, "RequestFulfilledEvent") == []
    assert [pf["id"] for pf in reply["data"]["pfs"]] == [pact["ids"][1]]  # the active one
    for pf in reply["data"]["pfs"]:
        assert set(pf["productIds"]) <= set(product_ids)
    assert reply["source"] == f"{pact['https']}/3/events"
    record = next(e for e in pact["ws"].pact_host().events() if e["event_id"] == request_id)
    deadline = time.monotonic() + 10
    while record["delivered_at"] is None and time.monotonic() < deadline:
        time.sleep(0.05)
        record = next(e for e in pact["ws"].pact_host().events()
                      if e["event_id"] == request_id)
    assert record["outcome"] == "fulfilled" and record["delivery_error"] is None


def test_case_14_a_request_nothing_matches_is_rejected(pact) -> None:  # type: ignore[no-untyped-def]
    request_id = f"{uuid.uuid4()}/14.B"
    response = _event(pact, CREATED, {"productId": ["urn:pact:null"],                    # 14.A
                                      "comment": "Please send PCF data for this year."},
                      request_id)
    assert response.status_code == 200
    _, reply = pact["webhook"].wait_for(request_id)                                       # 14.B
    assert reply["type"] == REJECTED and validate_v3(reply, "RequestRejectedEvent") == []
    assert reply["data"]["error"]["code"] == "NotFound" and reply["data"]["error"]["message"]


def test_cases_13_14_15_notices_from_partners_are_accepted(pact) -> None:  # type: ignore[no-untyped-def]
    partner = {**pact["footprints"][1], "id": str(uuid.uuid4()), "status": "Active"}
    partner.pop("precedingPfIds", None)
    fulfilled = _event(pact, FULFILLED, {"requestEventId": "test-run-id-12345",          # 13
                                         "pfs": [partner, {"id": "b1f8c0d2", "pcf": {}}]},
                       "fulfilled-13")
    rejected = _event(pact, REJECTED, {"requestEventId": "test-run-id-12345",            # 14
                                       "error": {"code": "NotFound",
                                                 "message": "The requested footprint could "
                                                            "not be found."}})
    notice = _event(pact, PUBLISHED, {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]})  # 15
    assert [r.status_code for r in (fulfilled, rejected, notice)] == [200, 200, 200]
    # the partner's valid footprint is stored as a supplier PCF; the malformed one is reported
    from lca_engine.pact.supplier import stored

    assert partner["id"] in {p.id for p in stored(pact["ws"].database)}
    record = next(e for e in pact["ws"].pact_host().events() if e["event_id"] == "fulfilled-13")
    assert record["result"]["imported"] == [partner["id"]]
    assert [r["index"] for r in record["result"]["rejected"]] == [1]
    malformed = _event(pact, REJECTED, {"requestEventId": "x"})
    unknown = _event(pact, "org.example.Unknown", {})
    assert malformed.status_code == 400 and unknown.status_code == 400
    not_json = pact["client"].post("/3/events", content=b"{", headers={
        "Content-Type": "application/cloudevents+json"})
    assert not_json.status_code == 400 and not_json.json()["code"] == "BadRequest"
