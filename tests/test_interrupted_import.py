"""A process killed in the middle of an import leaves the database exactly as it was.

The child process installs a SQLAlchemy event hook (test code only) that announces the moment the
substance rows of the file are being written — inside the file's transaction — and then waits.
The parent kills it with SIGKILL at that moment, so the kill lands mid-transaction every time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import func, select

from bench.synthetic import write_synthetic
from lca_engine.db import MaterialDatabase
from lca_engine.db import models as m

from .conftest import IPC

CHILD = textwrap.dedent("""
    import sys, time
    from sqlalchemy import event
    from lca_engine.db import MaterialDatabase

    db = MaterialDatabase(sys.argv[1])

    @event.listens_for(db.engine, "before_cursor_execute")
    def pause_inside_transaction(conn, cursor, statement, params, context, executemany):
        if statement.startswith("INSERT INTO material_substance"):
            print("IN-TRANSACTION", flush=True)
            time.sleep(60)

    db.import_paths(sys.argv[2:])
    print("COMMITTED", flush=True)
""")


def _rows(db: MaterialDatabase) -> tuple[int, int, int]:
    with db.sessions() as session:
        return (session.scalar(select(func.count()).select_from(m.Declaration)) or 0,
                session.scalar(select(func.count()).select_from(m.HomogeneousMaterial)) or 0,
                session.scalar(select(func.count()).select_from(m.MaterialSubstance)) or 0)


def test_sigkill_mid_file_leaves_database_unchanged(db: MaterialDatabase, tmp_path: Path) -> None:
    db.import_paths([IPC / "cover_ok.xml"])  # some committed data that must survive
    before = _rows(db)
    big = write_synthetic(tmp_path / "big.xml", "BIG-KILL", 20_000)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path.cwd()), *sys.path])}
    child = subprocess.Popen([sys.executable, "-c", CHILD, db.url, str(big)],
                             stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    assert line == "IN-TRANSACTION"
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL

    fresh = MaterialDatabase(db.url)  # a new connection, as the next user would open
    try:
        assert _rows(fresh) == before
        # the interrupted import can simply be run again and completes
        report = fresh.import_paths([big])
        assert report.counts()["imported"] == 1
        assert _rows(fresh) == (before[0] + 1, before[1] + 2_000, before[2] + 20_000)
    finally:
        fresh.dispose()
