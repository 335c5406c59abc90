"""The supplier portal through its API, pages and CLI (issue 17), on SQLite and PostgreSQL.

Security: a supplier never sees or changes another supplier's declarations, requests or
submissions (404 with no data, also for guessed ids); anonymous requests get 401/redirect;
hostile uploads are refused by name with nothing stored. Correctness: uploads give the same
verdicts as ``gscdm import``; the same file twice changes nothing; a newer one supersedes;
coverage shares are checked against a hand calculation.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import markupsafe
import pytest
from click.testing import CliRunner
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from bench.synthetic import synthetic_declaration, write_synthetic
from fmd_parsers.model import Substance
from fmd_parsers.writer import write_ipc1752
from gscdm.cli import main
from gscdm.portal import create_portal_app, create_portal_router
from lca_engine.db import models as m
from lca_engine.portal import intake

from .conftest import IPC
from .portal_support import (
    PASSWORD,
    PortalSetup,
    bearer,
    browser_login,
    make_setup,
    use_cheap_password_hashing,
)

COVER_OK = IPC / "cover_ok.xml"          # NB14-ACOV-01, 150 g, 2 materials, dated 2024
COVER_NEWER = IPC / "cover_newer.xml"    # NB14-ACOV-01, a later declaration
BAD_BALANCE = IPC / "mass_balance_substances.xml"  # NB14-ACOV-01, substance masses ≠ material


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_password_hashing(monkeypatch)


@pytest.fixture
def setup(db_url: str, tmp_path: Path) -> PortalSetup:
    built = make_setup(tmp_path / "home", db_url)
    built.portal.assign([("NB14-ACOV-01", "ACME"), ("BETA-PART-1", "BETA")])
    yield built
    built.workspace.close()


@pytest.fixture
def client(setup: PortalSetup) -> TestClient:
    return TestClient(create_portal_app(setup.portal))


def _declarations(setup: PortalSetup) -> int:
    with setup.workspace.database.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(m.Declaration)).scalar_one())


def _upload(client: TestClient, token: str, *files: tuple[str, bytes]) -> dict:
    response = client.post("/api/submissions", headers=bearer(token),
                           files=[("files", (name, data)) for name, data in files])
    assert response.status_code == 200, response.text
    return response.json()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# -- uploads: the importer's verdicts --------------------------------------------------------

def test_upload_verdicts_match_the_cli(setup: PortalSetup, client: TestClient,
                                       tmp_path: Path) -> None:
    document = _upload(client, setup.tokens["acme"], ("cover.xml", COVER_OK.read_bytes()),
                       ("bad.xml", BAD_BALANCE.read_bytes()))
    accepted, rejected = document["results"]
    assert isinstance(document["submission"], int)
    assert accepted == {**accepted, "file": "cover.xml", "status": "accepted",
                        "part_number": "NB14-ACOV-01", "mass_g": 150.0, "materials": 2,
                        "error": None}
    assert rejected["status"] == "rejected" and rejected["file"] == "bad.xml"
    assert rejected["error"] == {**rejected["error"], "error": "substance-mass-balance",
                                 "line": 17, "part_number": "NB14-ACOV-01",
                                 "material": "Aluminium alloy 6063, 75% recycled",
                                 "field": "Substance/Amount", "file": "bad.xml"}
    # The same text as `gscdm import` prints for the same file (in a home of its own), with the
    # uploaded name in place of the path.
    from lca_engine.db import MaterialDatabase
    from lca_engine.home import default_sqlite_url

    home = tmp_path / "cli-home"
    cli_db = MaterialDatabase(default_sqlite_url(home))
    cli_db.initialise()
    cli_db.dispose()
    cli = CliRunner().invoke(main, ["--home", str(home), "import", str(BAD_BALANCE)])
    assert cli.exit_code == 1
    cli_text = " ".join(cli.stderr.split())
    expected = " ".join(rejected["error"]["text"].replace("bad.xml", str(BAD_BALANCE)).split())
    assert expected in cli_text
    # Only the accepted file was stored.
    assert _declarations(setup) == 1


def test_same_file_twice_changes_nothing_and_newer_supersedes(setup: PortalSetup,
                                                              client: TestClient) -> None:
    token = setup.tokens["acme"]
    first = _upload(client, token, ("cover.xml", COVER_OK.read_bytes()))
    again = _upload(client, token, ("cover-copy.xml", COVER_OK.read_bytes()))
    assert first["results"][0]["status"] == "accepted"
    assert again["results"][0] == {**again["results"][0], "status": "unchanged",
                                   "part_number": "NB14-ACOV-01", "mass_g": 150.0,
                                   "materials": 2}
    assert _declarations(setup) == 1
    newer = _upload(client, token, ("cover-newer.xml", COVER_NEWER.read_bytes()))
    assert newer["results"][0]["status"] == "accepted"
    part = client.get("/api/parts/NB14-ACOV-01", headers=bearer(token)).json()
    assert part["declaration"]["sha256"] == newer["results"][0]["sha256"]
    assert part["declaration"]["superseded_versions"] == 1
    # the same serialiser as `gscdm show PART --json`
    assert part == setup.workspace.database.show("NB14-ACOV-01").as_json()
    # only accepted files are archived, under the submission's folder
    archived = sorted(p.name for p in (setup.home / "portal" / "uploads").rglob("*.xml"))
    assert archived == ["00000-cover-newer.xml", "00000-cover.xml"]


def test_zip_of_declarations(setup: PortalSetup, client: TestClient, tmp_path: Path) -> None:
    beta = write_synthetic(tmp_path / "beta.xml", "BETA-PART-1", 20, material_mass_g=25.0)
    archive = _zip({"fmd/cover.xml": COVER_OK.read_bytes(), "fmd/beta.xml": beta.read_bytes()})
    # staff may upload any supplier's parts
    results = _upload(client, setup.tokens["eng"], ("batch.zip", archive))["results"]
    assert [(r["file"], r["status"], r["part_number"], r["mass_g"]) for r in results] == [
        ("batch.zip/fmd/cover.xml", "accepted", "NB14-ACOV-01", 150.0),
        ("batch.zip/fmd/beta.xml", "accepted", "BETA-PART-1", 50.0)]


# -- hostile uploads --------------------------------------------------------------------------

def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.xml", b"<a>" + b" " * (20 * 1024 * 1024) + b"</a>")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content", "code"), [
    ("xxe.xml", (IPC / "xxe.xml").read_bytes(), "xml-doctype-refused"),
    ("laughs.xml", (IPC / "billion_laughs.xml").read_bytes(), "xml-doctype-refused"),
    ("photo.xml", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "not-xml"),
    ("bomb.zip", _bomb(), "zip-bomb"),
    ("evil.zip", _zip({"../../etc/cron.d/evil.xml": COVER_OK.read_bytes()}),
     "zip-path-traversal"),
    ("abs.zip", _zip({"/tmp/evil.xml": COVER_OK.read_bytes()}), "zip-path-traversal"),
    ("nested.zip", _zip({"inner.zip": _zip({"cover.xml": COVER_OK.read_bytes()})}),
     "zip-nested"),
])
def test_hostile_uploads_are_refused_and_store_nothing(setup: PortalSetup, client: TestClient,
                                                       name: str, content: bytes,
                                                       code: str) -> None:
    results = _upload(client, setup.tokens["acme"], (name, content))["results"]
    assert [(r["status"], r["error"]["error"]) for r in results] == [("rejected", code)]
    assert results[0]["error"]["file"].startswith(name)
    assert _declarations(setup) == 0
    uploads = setup.home / "portal" / "uploads"
    assert not uploads.exists() or not any(p.is_file() for p in uploads.rglob("*"))


def test_a_path_traversal_zip_stores_none_of_its_good_files(setup: PortalSetup,
                                                            client: TestClient) -> None:
    archive = _zip({"good.xml": COVER_OK.read_bytes(), "..\\evil.xml": b"<x/>"})
    results = _upload(client, setup.tokens["acme"], ("mixed.zip", archive))["results"]
    assert [(r["file"], r["error"]["error"]) for r in results] == [
        ("mixed.zip", "zip-path-traversal")]
    assert _declarations(setup) == 0


def test_file_over_the_size_limit(setup: PortalSetup, client: TestClient,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    limit = len(COVER_OK.read_bytes()) - 1
    monkeypatch.setattr(intake, "MAX_UPLOAD_BYTES", limit)
    monkeypatch.setattr("gscdm.portal.router.MAX_UPLOAD_BYTES", limit)
    results = _upload(client, setup.tokens["acme"], ("cover.xml", COVER_OK.read_bytes()),
                      ("cover.zip", _zip({"cover.xml": COVER_OK.read_bytes()})))["results"]
    assert [(r["status"], r["error"]["error"]) for r in results] == [
        ("rejected", "file-too-large"), ("rejected", "zip-bomb")]
    assert _declarations(setup) == 0


# -- isolation between suppliers ---------------------------------------------------------------

def test_a_supplier_cannot_read_list_or_overwrite_another_suppliers_data(
        setup: PortalSetup, client: TestClient, tmp_path: Path) -> None:
    acme, beta = setup.tokens["acme"], setup.tokens["beta"]
    mine = _upload(client, acme, ("cover.xml", COVER_OK.read_bytes()))
    submission = mine["submission"]
    # BETA cannot read ACME's part, submission or the list of it
    for path in ("/api/parts/NB14-ACOV-01", f"/api/submissions/{submission}"):
        response = client.get(path, headers=bearer(beta))
        assert response.status_code == 404
        assert response.json() == {"detail": "not found"}
        assert "NB14" not in response.text and "ACME" not in response.text
    assert client.get("/api/submissions", headers=bearer(beta)).json() == {"submissions": []}
    # ... nor overwrite it: a newer declaration of ACME's part from BETA is rejected whole
    sha_before = client.get("/api/parts/NB14-ACOV-01", headers=bearer(acme)).json()[
        "declaration"]["sha256"]
    attempt = _upload(client, beta, ("cover-newer.xml", COVER_NEWER.read_bytes()))
    assert attempt["results"][0]["status"] == "rejected"
    assert attempt["results"][0]["error"]["error"] == "part-not-assigned"
    assert _declarations(setup) == 1
    assert client.get("/api/parts/NB14-ACOV-01", headers=bearer(acme)).json()[
        "declaration"]["sha256"] == sha_before
    # ... not even by re-sending ACME's own file (it would show which parts it declares)
    resend = _upload(client, beta, ("cover.xml", COVER_OK.read_bytes()))
    assert resend["results"][0]["status"] == "rejected"
    assert resend["results"][0]["parts"] == []
    # a colleague in the same organisation sees the part and the submission
    assert client.get("/api/parts/NB14-ACOV-01", headers=bearer(setup.tokens["acme2"])
                      ).status_code == 200
    assert client.get(f"/api/submissions/{submission}", headers=bearer(setup.tokens["acme2"])
                      ).status_code == 200


def test_guessing_ids_reveals_nothing(setup: PortalSetup, client: TestClient,
                                      tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_text("product_number,part_number,quantity,part_mass_g\n"
                   "P1,NB14-ACOV-01,1,150\nP1,BETA-PART-1,1,50\n", encoding="utf-8")
    assert setup.workspace.database.import_paths([], bom=bom).counts()["rejected"] == 0
    created = setup.portal.create_requests("P1", date.today() + timedelta(days=30))
    by_part = {r.part_number: r.id for r in created}
    _upload(client, setup.tokens["acme"], ("cover.xml", COVER_OK.read_bytes()))
    beta = bearer(setup.tokens["beta"])
    visible_requests = []
    for guess in range(1, 40):
        for path in (f"/api/requests/{guess}", f"/api/submissions/{guess}"):
            response = client.get(path, headers=beta)
            assert response.status_code in (200, 404)
            if response.status_code == 404:
                assert response.json() == {"detail": "not found"}
            elif path.startswith("/api/requests"):
                visible_requests.append(response.json()["part_number"])
        page = client.get(f"/portal/requests/{guess}", headers=beta)
        assert page.status_code in (200, 404)
        if guess == by_part["NB14-ACOV-01"]:
            assert page.status_code == 404 and "NB14" not in page.text
        sub_page = client.get(f"/portal/submissions/{guess}", headers=beta)
        assert sub_page.status_code == 404 and "NB14" not in sub_page.text
    assert visible_requests == ["BETA-PART-1"]
    listed = client.get("/api/requests", headers=beta).json()["requests"]
    assert [r["part_number"] for r in listed] == ["BETA-PART-1"]
    # staff-only resources are 403 for suppliers
    assert client.get("/api/coverage/P1", headers=beta).status_code == 403
    assert client.get("/api/audit", headers=beta).status_code == 403


# -- authentication ----------------------------------------------------------------------------

def test_every_route_but_login_needs_authentication(setup: PortalSetup,
                                                    client: TestClient) -> None:
    paths = [route for route in create_portal_router(setup.portal).routes
             if isinstance(route, APIRoute)]
    assert len(paths) >= 20
    for route in paths:
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in route.methods:
            api = client.request(method, path, follow_redirects=False)
            page = client.request(method, path, headers={"accept": "text/html"},
                                  follow_redirects=False)
            if route.path == "/login":
                assert api.status_code in (200, 403, 422), (method, path)
                continue
            assert api.status_code == 401, (method, path, api.status_code)
            if path.startswith("/api/"):
                assert page.status_code == 401
            else:
                assert page.status_code == 303, (method, path)
                assert page.headers["location"].startswith("/login?next=")
    assert client.get("/openapi.json").status_code == 401
    assert client.get("/docs").status_code == 404
    schema = client.get("/openapi.json", headers=bearer(setup.tokens["beta"])).json()
    assert "/api/submissions" in schema["paths"]
    bad = client.get("/api/submissions", headers=bearer("gscdm_not-a-token"))
    assert bad.status_code == 401 and "invalid_token" in bad.headers["www-authenticate"]


def test_login_session_cookie_csrf_and_logout(setup: PortalSetup, client: TestClient) -> None:
    page = client.get("/login")
    csrf_login = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    # a forged login form (no matching cookie) is refused
    forged = TestClient(client.app).post("/login", data={
        "username": "acme", "password": PASSWORD, "csrf_token": csrf_login})
    assert forged.status_code == 403
    response = client.post("/login", data={"username": "acme", "password": PASSWORD,
                                           "csrf_token": csrf_login, "next": "//evil.example"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/portal"
    cookie = response.headers["set-cookie"]
    assert "gscdm_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    csrf = re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get("/portal").text).group(1)
    files = [("files", ("cover.xml", COVER_OK.read_bytes()))]
    # a session-authenticated upload without the CSRF token is refused and stores nothing
    assert client.post("/portal/upload", files=files).status_code == 403
    assert client.post("/api/submissions", files=files).status_code == 403
    assert _declarations(setup) == 0
    ok = client.post("/portal/upload", data={"csrf_token": csrf}, files=files)
    assert ok.status_code == 200 and 'class="accepted"' in ok.text
    assert client.post("/logout", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    assert client.get("/api/submissions").status_code == 401


def test_secure_cookie_over_tls(setup: PortalSetup) -> None:
    client = TestClient(create_portal_app(setup.portal), base_url="https://portal.example")
    page = client.get("/login")
    assert "Secure" in page.headers["set-cookie"]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"username": "eng", "password": PASSWORD,
                                           "csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_login_rate_limit(setup: PortalSetup, client: TestClient) -> None:
    def attempt(password: str) -> int:
        page = client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return client.post("/login", data={"username": "beta", "password": password,
                                           "csrf_token": csrf},
                           follow_redirects=False).status_code

    assert [attempt("wrong password!") for _ in range(5)] == [401] * 5
    # the sixth attempt is refused before the password is checked, even the right one
    assert attempt(PASSWORD) == 429
    entries = setup.portal.audit_log()
    assert sum(1 for e in entries if e.action == "login-failed") == 5
    # another account from the same address is not locked by these five
    assert browser_login(TestClient(client.app), "acme")


def test_disabled_user_loses_tokens_and_sessions(setup: PortalSetup,
                                                 client: TestClient) -> None:
    browser_login(client, "acme")
    assert client.get("/api/submissions").status_code == 200
    setup.portal.disable_user("acme")
    assert client.get("/api/submissions").status_code == 401
    assert client.get("/api/submissions",
                      headers=bearer(setup.tokens["acme"])).status_code == 401


# -- audit log ---------------------------------------------------------------------------------

def test_audit_log_records_submissions_and_is_append_only(setup: PortalSetup,
                                                          client: TestClient) -> None:
    document = _upload(client, setup.tokens["acme"], ("cover.xml", COVER_OK.read_bytes()),
                       ("bad.xml", BAD_BALANCE.read_bytes()))
    entries = [e for e in setup.portal.audit_log() if e.action == "declaration-submitted"]
    assert {(e.actor, e.supplier, e.subject, e.file_sha256, e.verdict) for e in entries} == {
        ("acme", "ACME", "cover.xml", document["results"][0]["sha256"], "accepted"),
        ("acme", "ACME", "bad.xml", document["results"][1]["sha256"], "rejected")}
    engine = setup.workspace.database.engine
    for statement in ("UPDATE portal_audit SET verdict = 'accepted'",
                      "DELETE FROM portal_audit"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM portal_audit WHERE verdict = 'rejected'")
                            ).scalar_one() == 1


# -- requests and coverage -----------------------------------------------------------------------

def _lead_declaration(path: Path) -> Path:
    """BETA-PART-1, 50 g in two 25 g materials; one holds 2.5 g of lead (10 % > RoHS 0.1 %)."""
    declaration = synthetic_declaration("BETA-PART-1", 20, material_mass_g=25.0)
    material = declaration.parts[0].materials[0]
    material.substances[0] = replace(material.substances[0], name="Lead", cas="7439-92-1")
    assert isinstance(material.substances[0], Substance)
    return write_ipc1752(declaration, path)


def test_requests_and_coverage_against_a_hand_calculation(setup: PortalSetup,
                                                          client: TestClient,
                                                          tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_text("product_number,product_name,part_number,quantity,part_mass_g\n"
                   "P1,Test product,NB14-ACOV-01,1,150\n"
                   "P1,Test product,BETA-PART-1,2,50\n"
                   "P1,Test product,LOOSE-1,1,100\n", encoding="utf-8")
    assert setup.workspace.database.import_paths([], bom=bom).counts()["rejected"] == 0
    eng = bearer(setup.tokens["eng"])
    plan = setup.portal.request_plan("P1")
    assert plan.by_supplier == {"ACME": ["NB14-ACOV-01"], "BETA": ["BETA-PART-1"]}
    assert plan.unassigned == ["LOOSE-1"]
    due = date.today() + timedelta(days=14)
    created = client.post("/api/requests", headers=eng,
                          json={"product_number": "P1", "due_date": due.isoformat()}).json()
    assert sorted((r["part_number"], r["supplier"], r["status"]) for r in created["created"]) == [
        ("BETA-PART-1", "BETA", "open"), ("NB14-ACOV-01", "ACME", "open")]
    # creating again adds nothing: both parts have an open request
    again = client.post("/api/requests", headers=eng,
                        json={"product_number": "P1", "due_date": due.isoformat()})
    assert again.json() == {"created": []}
    unknown = client.post("/api/requests", headers=eng, json={
        "product_number": "P1", "due_date": due.isoformat(), "priority": "high"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == [
        "body", "priority"]
    past = client.post("/api/requests", headers=eng,
                       json={"product_number": "P1", "due_date": "2020-01-01"})
    assert past.status_code == 422 and past.json()["detail"][0]["loc"] == ["body", "due_date"]
    mine = client.get("/api/requests", headers=bearer(setup.tokens["acme"])).json()["requests"]
    assert [(r["part_number"], r["status"]) for r in mine] == [("NB14-ACOV-01", "open")]

    # mass: 150×1 + 50×2 + 100×1 = 350 g; nothing declared yet
    before = client.get("/api/coverage/P1", headers=eng).json()
    assert (before["parts_total"], before["parts_covered"], before["mass_total_g"],
            before["mass_covered_g"]) == (3, 0, 350.0, 0.0)
    _upload(client, setup.tokens["acme"], ("cover.xml", COVER_OK.read_bytes()))
    _upload(client, setup.tokens["beta"],
            ("beta.xml", _lead_declaration(tmp_path / "beta.xml").read_bytes()))
    after = client.get("/api/coverage/P1", headers=eng).json()
    assert after["parts_covered"] == 2
    assert after["share_parts"] == pytest.approx(2 / 3)
    assert after["mass_covered_g"] == pytest.approx(150.0 + 2 * 50.0)
    assert after["share_mass"] == pytest.approx(250.0 / 350.0)
    assert {p["part_number"]: p["request"] for p in after["parts"]} == {
        "NB14-ACOV-01": "fulfilled", "BETA-PART-1": "fulfilled", "LOOSE-1": None}
    lead = [f for f in after["findings_for_suppliers"] if f["cas"] == "7439-92-1"]
    assert lead and lead[0]["supplier"] == "BETA" and lead[0]["outcome"] == "restricted"
    # overdue: a request past its due date and still without a declaration
    overdue = setup.portal.coverage("P1", today=due + timedelta(days=1), compliance=False)
    assert overdue.overdue == []  # both were fulfilled
    setup.portal.assign([("LOOSE-1", "BETA")])
    setup.portal.create_requests("P1", due)
    late = setup.portal.coverage("P1", today=due + timedelta(days=1), compliance=False)
    assert [(r.part_number, r.status) for r in late.overdue] == [("LOOSE-1", "overdue")]
    page = client.get("/portal/coverage/P1", headers=eng)
    assert page.status_code == 200 and 'id="share-mass">71.4 %' in page.text


# -- CLI -----------------------------------------------------------------------------------------

def test_users_cli(home: Path) -> None:
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None):
        return runner.invoke(main, ["--home", str(home), *args], input=stdin, env=env)

    # no default password: without stdin, env or a terminal the command refuses
    assert run("users", "add", "root", "--role", "admin").exit_code == 2
    assert run("users", "add", "root", "--role", "admin", "--password-stdin",
               stdin="short\n").exit_code == 1
    assert run("users", "add", "root", "--role", "admin", "--password-stdin",
               stdin=PASSWORD + "\n").exit_code == 0
    result = run("users", "add", "s1", "--role", "supplier", "--supplier", "ACME", "--json",
                 env={"GSCDM_PASSWORD": PASSWORD})
    assert json.loads(result.stdout)["supplier"] == "ACME"
    assert run("users", "add", "s2", "--role", "supplier",
               env={"GSCDM_PASSWORD": PASSWORD}).exit_code == 1  # no --supplier
    token = json.loads(run("users", "token", "s1", "--json").stdout)
    assert token["user"] == "s1" and token["token"].startswith("gscdm_")
    listed = json.loads(run("users", "list", "--json").stdout)["users"]
    assert [(u["name"], u["role"], u["supplier"], u["tokens"], u["disabled"])
            for u in listed] == [("root", "admin", None, 0, False), ("s1", "supplier", "ACME",
                                                                     1, False)]
    assert run("users", "disable", "s1").exit_code == 0
    assert json.loads(run("users", "list", "--json").stdout)["users"][1]["disabled"] is True
    assert run("users", "disable", "nobody").exit_code == 1
    # only the hash of the token is stored
    from lca_engine.portal import open_portal

    portal = open_portal(home)
    with portal.database.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_sha256 FROM portal_token")).scalars().all()
    assert token["token"] not in stored and len(stored[0]) == 64
    assert portal.actor_for_token(token["token"]) is None  # disabled
    portal.workspace.close()


def test_assignment_table_errors_name_the_file_and_line(home: Path, tmp_path: Path) -> None:
    table = tmp_path / "assign.csv"
    table.write_text("part_number,supplier,colour\nA,ACME,red\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--home", str(home), "portal", "assign", "--csv",
                                       str(table)])
    assert result.exit_code == 1 and f"{table}:1: unknown column(s) 'colour'" in result.stderr
    table.write_text("part_number,supplier\nA,ACME\nB,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--home", str(home), "portal", "assign", "--csv",
                                       str(table)])
    assert result.exit_code == 1 and f"{table}:3:" in result.stderr


# -- admin page and serving ------------------------------------------------------------------------

def test_admin_page_adds_and_disables_users(setup: PortalSetup, client: TestClient) -> None:
    csrf = browser_login(client, "root")
    page = client.get("/portal/admin")
    assert page.status_code == 200 and "acme2" in page.text
    added = client.post("/portal/admin/users", data={
        "name": "gamma", "role": "supplier", "supplier": "GAMMA", "password": PASSWORD,
        "csrf_token": csrf}, follow_redirects=False)
    assert added.status_code == 303
    refused = client.post("/portal/admin/users", data={
        "name": "delta", "role": "supplier", "password": PASSWORD, "csrf_token": csrf})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == [
        "body", "supplier"]
    assert client.post("/portal/admin/users/gamma/disable", data={},
                       follow_redirects=False).status_code == 403  # no CSRF token
    assert client.post("/portal/admin/users/gamma/disable", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    users = {u.name: u for u in setup.portal.users()}
    assert users["gamma"].supplier == "GAMMA" and users["gamma"].disabled
    # an engineer and a supplier cannot use the admin page
    for name in ("eng", "acme"):
        other = TestClient(client.app)
        browser_login(other, name)
        assert other.get("/portal/admin").status_code == 403


def test_portal_refuses_to_serve_without_an_admin(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from gscdm.portal.asgi import LoginNotConfiguredError, app_from_env
    from lca_engine.workspace import Workspace

    home = tmp_path / "home"
    workspace = Workspace.open(home)
    workspace.database.initialise()
    monkeypatch.setenv("GSCDM_HOME", str(home))
    monkeypatch.delenv("GSCDM_DB_URL", raising=False)
    with pytest.raises(LoginNotConfiguredError, match="gscdm users add NAME --role admin"):
        app_from_env()
    from lca_engine.portal import Portal

    portal = Portal(workspace)
    portal.add_user("root", "engineer", PASSWORD)
    with pytest.raises(LoginNotConfiguredError):
        app_from_env()  # an engineer is not an admin
    portal.add_user("boss", "admin", PASSWORD)
    assert app_from_env().title == "GSCDM supplier portal"
    workspace.close()


def test_a_declaration_kept_with_errors_does_not_count_as_coverage(setup: PortalSetup,
                                                                   tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_text("product_number,part_number,quantity,part_mass_g\nP2,NB14-ACOV-01,1,150\n",
                   encoding="utf-8")
    database = setup.workspace.database
    assert database.import_paths([BAD_BALANCE], lenient=True).counts()["imported"] == 1
    assert database.import_paths([], bom=bom).counts()["rejected"] == 0
    coverage = setup.portal.coverage("P2", compliance=False)
    assert [(p.part_number, p.declared, p.valid) for p in coverage.parts] == [
        ("NB14-ACOV-01", True, False)]
    assert (coverage.parts_covered, coverage.mass_covered_g) == (0, 0.0)
    assert setup.portal.request_plan("P2").by_supplier == {"ACME": ["NB14-ACOV-01"]}


def test_the_portal_migration_downgrades_and_upgrades_again(db_url: str) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from lca_engine.db import MaterialDatabase
    from lca_engine.db.engine import _alembic_config

    database = MaterialDatabase(db_url)
    database.initialise()
    config = _alembic_config()
    previous = ScriptDirectory.from_config(config).get_revision("0003_supplier_portal")
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, previous.down_revision)
    assert not [t for t in inspect(database.engine).get_table_names()
                if t.startswith("portal_")]
    database.initialise()
    assert "portal_audit" in inspect(database.engine).get_table_names()
    database.dispose()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_renders_in_english_and_chinese(setup: PortalSetup, client: TestClient,
                                                   tmp_path: Path, lang: str) -> None:
    from reports.i18n import Translator

    t = Translator(lang).t
    bom = tmp_path / "bom.csv"
    bom.write_text("product_number,part_number,quantity,part_mass_g\nP1,NB14-ACOV-01,1,150\n"
                   "P1,LOOSE-1,1,50\n", encoding="utf-8")
    assert setup.workspace.database.import_paths([], bom=bom).counts()["rejected"] == 0
    setup.portal.create_requests("P1", date.today() + timedelta(days=7))
    login = client.get(f"/login?lang={lang}")
    assert f'<h1>{t("portal.login_title")}</h1>' in login.text
    supplier = TestClient(client.app)
    supplier.cookies.set("gscdm_lang", lang)
    csrf = browser_login(supplier, "acme")
    home = supplier.get("/portal")
    assert t("portal.requests_for", supplier="ACME") in home.text
    verdicts = supplier.post("/portal/upload", data={"csrf_token": csrf}, files=[
        ("files", ("cover.xml", COVER_OK.read_bytes())),
        ("files", ("bad.xml", BAD_BALANCE.read_bytes()))])
    assert t("portal.counts", accepted=1, unchanged=0, rejected=1) in verdicts.text
    assert f'class="rejected">{t("portal.status.rejected")}<' in verdicts.text
    staff = TestClient(client.app)
    staff.cookies.set("gscdm_lang", lang)
    browser_login(staff, "root")
    for path in ("/portal/coverage", "/portal/coverage/P1", "/portal/requests", "/portal/admin",
                 "/portal/requests/1"):
        page = staff.get(path)
        assert page.status_code == 200, (path, page.text[-500:])
        assert f'<html lang="{lang}">' in page.text
    coverage = staff.get("/portal/coverage/P1").text
    assert str(markupsafe.escape(t("portal.findings_title"))) in coverage
    # 150 of 200 g: the numbers inside the translated sentence
    assert '<span id="share-mass">75.0 %</span>' in coverage
    assert '<span id="share-parts">50.0 %</span>' in coverage


def test_binding_beyond_loopback_needs_allow_remote_and_login(tmp_path: Path) -> None:
    from gscdm.portal import RemoteBindRefusedError, check_bind
    from lca_engine.portal import Portal
    from lca_engine.workspace import Workspace

    workspace = Workspace.open(tmp_path / "home")
    workspace.database.initialise()
    portal = Portal(workspace)
    for host in ("127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"):
        check_bind(host, allow_remote=False, portal=portal)
    for host in ("0.0.0.0", "192.168.1.10", "::", "portal.example.com"):
        with pytest.raises(RemoteBindRefusedError, match="--allow-remote"):
            check_bind(host, allow_remote=False, portal=portal)
    with pytest.raises(RemoteBindRefusedError, match="no login is configured"):
        check_bind("0.0.0.0", allow_remote=True, portal=portal)
    portal.add_user("root", "admin", PASSWORD)
    check_bind("0.0.0.0", allow_remote=True, portal=portal)
    portal.disable_user("root")
    with pytest.raises(RemoteBindRefusedError, match="no login is configured"):
        check_bind("0.0.0.0", allow_remote=True, portal=portal)
    workspace.close()
