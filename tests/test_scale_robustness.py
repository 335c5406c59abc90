"""Scale and robustness in bounded form: overlapping parallel imports, random SIGKILLs, readers
during writes. The long runs are `make bench` (bench/catalog.py: its SIGKILL fault loop calls
check_consistent and expected_substances from here)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.make_catalog import make_catalog
from fmd_parsers import parse_declaration
from lca_engine.db import MaterialDatabase, ProductView
from lca_engine.db import models as m

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("catalog")
    make_catalog(out, products=6, parts=12, shared=0.25, seed=5)
    return out


def gscdm(db_url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "gscdm", "--db", db_url, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)


def expected_substances(folder: Path) -> dict[str, int]:
    """SHA-256 of each file → the substance rows a complete import of it writes."""
    return {d.sha256: d.substance_count
            for d in (parse_declaration(f) for f in sorted(folder.glob("*.xml")))}


def check_consistent(db: MaterialDatabase, expected: dict[str, int]) -> int:
    """Every stored declaration is complete; returns how many are stored."""
    with db.sessions() as session:
        stored = dict(session.execute(
            select(m.Declaration.sha256, func.count(m.MaterialSubstance.id))
            .join(m.PartVersion, m.PartVersion.declaration_id == m.Declaration.id)
            .join(m.HomogeneousMaterial,
                  m.HomogeneousMaterial.part_version_id == m.PartVersion.id)
            .join(m.MaterialSubstance, m.MaterialSubstance.material_id ==
                  m.HomogeneousMaterial.id)
            .group_by(m.Declaration.sha256)).all())
        declarations = session.scalar(select(func.count()).select_from(m.Declaration))
        orphans = session.scalar(select(func.count()).select_from(m.Part).where(
            m.Part.current_version_id.is_(None)))
    assert declarations == len(stored), "a declaration without its rows"
    for sha, count in stored.items():
        assert count == expected[sha], f"declaration {sha[:12]} is partial"
    assert orphans == 0, "a part without a current version"
    return declarations


def test_two_processes_import_overlapping_files(db: MaterialDatabase, catalog: Path,
                                                tmp_path: Path) -> None:
    files = sorted((catalog / "fmd").glob("*.xml"))
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    for path in files[: len(files) * 2 // 3]:
        shutil.copy(path, first / path.name)
    for path in files[len(files) // 3:]:  # the middle third is in both, under another path
        shutil.copy(path, second / f"copy-{path.name}")
    runs = [gscdm(db.url, "import", str(first), "--workers", "2"),
            gscdm(db.url, "import", str(second), "--workers", "2")]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    assert check_consistent(db, expected_substances(catalog / "fmd")) == len(files)


def test_random_sigkills_leave_the_database_consistent(db: MaterialDatabase,
                                                       catalog: Path) -> None:
    runs = int(os.environ.get("GSCDM_FAULT_RUNS", "4"))
    rng = random.Random(11)
    expected = expected_substances(catalog / "fmd")
    kills = 0
    for _ in range(runs):
        run = gscdm(db.url, "import", str(catalog / "fmd"))
        time.sleep(rng.uniform(0.3, 2.5))
        if run.poll() is None:
            run.send_signal(signal.SIGKILL)
            kills += 1
        run.wait(timeout=60)
        check_consistent(db, expected)
    final = gscdm(db.url, "import", str(catalog / "fmd"), "--json")
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    assert check_consistent(db, expected) == len(expected)
    assert kills >= 1


def _newer_versions(catalog: Path, out: Path, factor: float) -> None:
    """The same part numbers re-declared later with all masses × factor."""
    from dataclasses import replace
    from datetime import date

    from bench.make_catalog import scaled
    from fmd_parsers.writer import write_ipc1752

    out.mkdir()
    for path in sorted((catalog / "fmd").glob("*.xml")):
        declaration = parse_declaration(path)
        newer = replace(scaled(declaration, declaration.parts[0].part_number, factor),
                        declaration_date=date(2027, 1, 1))
        write_ipc1752(newer, out / path.name)


def test_readers_see_whole_declarations_while_imports_run(db: MaterialDatabase, catalog: Path,
                                                          tmp_path: Path) -> None:
    db.import_paths([], bom=sorted((catalog / "boms").glob("*.csv")))
    _newer_versions(catalog, tmp_path / "newer", 1.1)
    writer = gscdm(db.url, "import", str(tmp_path / "newer"))
    reads = 0
    while writer.poll() is None or reads < 3:
        for product in db.products():
            view = db.show(product.product_number)
            assert isinstance(view, ProductView)
            for part, materials in view.part_materials.items():
                total = sum(mat.mass_g or 0.0 for mat in materials)
                substances = sum(s.mass_g or 0.0 for mat in materials for s in mat.substances)
                # a reader never mixes the materials of one version with another's substances
                assert substances == pytest.approx(total, rel=0.011), part
            reads += 1
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    assert reads >= 3
