"""The portal under a real uvicorn server on loopback, on SQLite and PostgreSQL: parallel uploads
from several suppliers store each declaration exactly once, and a server killed with SIGKILL in
the middle of an upload leaves a consistent database and an upload that can simply be retried.
"""

from __future__ import annotations

import io
import signal
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bench.synthetic import write_synthetic

from .portal_support import (
    PortalSetup,
    bearer,
    make_setup,
    running_server,
    use_cheap_password_hashing,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def setup(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PortalSetup:
    use_cheap_password_hashing(monkeypatch)
    built = make_setup(tmp_path / "home", db_url)
    yield built
    built.workspace.close()


def _files(folder: Path, prefix: str, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [write_synthetic(folder / f"{prefix}-{i:04d}.xml", f"{prefix}-{i:04d}", 20,
                            material_mass_g=2.0) for i in range(count)]


def _scalar(setup: PortalSetup, sql: str) -> int:
    with setup.workspace.database.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_parallel_uploads_from_several_suppliers_store_each_declaration_once(
        setup: PortalSetup, tmp_path: Path) -> None:
    acme = _files(tmp_path / "acme", "ACME", 12)
    beta = _files(tmp_path / "beta", "BETA", 12)
    setup.portal.assign([(p.stem, "ACME") for p in acme] + [(p.stem, "BETA") for p in beta])
    # 36 uploads at once: every ACME file twice (by two users of ACME), every BETA file once
    jobs = ([("acme", p) for p in acme] + [("acme2", p) for p in acme]
            + [("beta", p) for p in beta])
    with running_server(setup, tmp_path / "server.log") as (url, _):
        barrier = threading.Barrier(len(jobs))

        def upload(job: tuple[str, Path]) -> dict:
            user, path = job
            barrier.wait()
            response = httpx.post(f"{url}/api/submissions", headers=bearer(setup.tokens[user]),
                                  files=[("files", (path.name, path.read_bytes()))],
                                  timeout=120)
            assert response.status_code == 200, response.text
            return response.json()

        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            documents = list(pool.map(upload, jobs))
    results = [d["results"][0] for d in documents]
    assert len({d["submission"] for d in documents}) == 36
    by_part: dict[str, list[str]] = {}
    for result in results:
        by_part.setdefault(result["part_number"], []).append(result["status"])
    assert len(by_part) == 24
    for part, statuses in by_part.items():
        expected = ["accepted", "unchanged"] if part.startswith("ACME") else ["accepted"]
        assert sorted(statuses) == expected, (part, statuses)
    assert _scalar(setup, "SELECT count(*) FROM declaration") == 24
    assert _scalar(setup, "SELECT count(*) FROM part_version") == 24
    assert _scalar(setup, "SELECT count(*) FROM part WHERE current_version_id IS NULL") == 0
    assert _scalar(setup, "SELECT count(*) FROM portal_submission_file") == 36
    assert _scalar(setup, "SELECT count(*) FROM portal_audit "
                          "WHERE action = 'declaration-submitted'") == 36


def _zip(paths: list[Path]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, path.name)
    return buffer.getvalue()


def _check_consistent(setup: PortalSetup) -> None:
    """Every stored declaration is whole and recorded; nothing half-written remains."""
    assert _scalar(setup, "SELECT count(*) FROM declaration d WHERE NOT EXISTS "
                          "(SELECT 1 FROM part_version v WHERE v.declaration_id = d.id)") == 0
    # each synthetic declaration: 1 part, 2 materials of 10 substances
    assert _scalar(setup, "SELECT count(*) FROM part_version v WHERE (SELECT count(*) FROM "
                          "homogeneous_material h WHERE h.part_version_id = v.id) <> 2") == 0
    assert _scalar(setup, "SELECT count(*) FROM material_substance") == \
        20 * _scalar(setup, "SELECT count(*) FROM declaration")
    assert _scalar(setup, "SELECT count(*) FROM part p WHERE p.current_version_id IS NULL OR "
                          "NOT EXISTS (SELECT 1 FROM part_version v WHERE "
                          "v.id = p.current_version_id)") == 0
    # the submission and audit rows commit with the declaration: none without the other
    assert _scalar(setup, "SELECT count(*) FROM declaration d WHERE NOT EXISTS (SELECT 1 FROM "
                          "portal_submission_file f WHERE f.declaration_id = d.id AND "
                          "f.status = 'accepted')") == 0
    assert _scalar(setup, "SELECT count(*) FROM portal_submission_file "
                          "WHERE status = 'accepted'") == \
        _scalar(setup, "SELECT count(*) FROM declaration")
    assert _scalar(setup, "SELECT count(*) FROM portal_audit WHERE verdict = 'accepted'") == \
        _scalar(setup, "SELECT count(*) FROM declaration")
    if setup.db_url.startswith("sqlite"):
        with setup.workspace.database.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"


def test_sigkill_mid_upload_leaves_a_consistent_database_and_a_retryable_upload(
        setup: PortalSetup, tmp_path: Path) -> None:
    files = _files(tmp_path / "acme", "ACME", 80)
    setup.portal.assign([(p.stem, "ACME") for p in files])
    archive = _zip(files)
    token = setup.tokens["acme"]
    outcome: dict[str, object] = {}
    with running_server(setup, tmp_path / "server.log") as (url, process):

        def post() -> None:
            try:
                outcome["response"] = httpx.post(
                    f"{url}/api/submissions", headers=bearer(token),
                    files=[("files", ("catalogue.zip", archive))], timeout=300)
            except httpx.HTTPError as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=post)
        thread.start()
        deadline = time.monotonic() + 120
        while _scalar(setup, "SELECT count(*) FROM declaration") < 5:
            assert time.monotonic() < deadline, "the upload never started storing"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        thread.join(timeout=60)
    assert "error" in outcome, "the server answered before it was killed: upload too fast"
    stored = _scalar(setup, "SELECT count(*) FROM declaration")
    assert 5 <= stored < 80
    _check_consistent(setup)
    # Files archived for imports that never committed are found and removed; every kept file
    # is a stored declaration's.
    uploads = setup.home / "portal" / "uploads"
    setup.portal.prune_uploads(older_than_s=0)
    kept = {str(p) for p in uploads.rglob("*") if p.is_file()}
    with setup.workspace.database.engine.connect() as conn:
        referenced = set(conn.execute(text("SELECT file_name FROM declaration")).scalars())
    assert kept == referenced

    # The same upload again, to a restarted server: the rest is stored, nothing twice.
    with running_server(setup, tmp_path / "server2.log") as (url, _):
        response = httpx.post(f"{url}/api/submissions", headers=bearer(token),
                              files=[("files", ("catalogue.zip", archive))], timeout=600)
    assert response.status_code == 200, response.text
    counts = response.json()["counts"]
    assert counts == {"accepted": 80 - stored, "unchanged": stored, "rejected": 0}
    assert _scalar(setup, "SELECT count(*) FROM declaration") == 80
    _check_consistent(setup)
