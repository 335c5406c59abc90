"""`gscdm demo`: the whole pipeline on the samples writes every report and footprint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lca_engine.workspace import Workspace
from reports import KINDS
from reports.demo import FORMATS, run_demo


@pytest.mark.slow
def test_demo_writes_every_kind_in_every_format(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "home")
    result = run_demo(ws, tmp_path / "out", iterations=20)  # the neutrality basis is P95
    ws.close()
    assert result.imported["rejected"] == 0
    assert {c.product: c.status for c in result.compliance}["CD-ACC-01"] == "non-compliant"
    written = {Path(r.path).name for r in result.reports}
    expected = {f"report-{k}-{lang}.{f}" for k in KINDS for lang in ("en", "zh")
                for f in FORMATS}
    # Chinese PDFs need a CJK font; without one they are skipped, and said so
    assert written | {s.split(":")[0] for s in result.skipped} == expected
    notebook = json.loads((tmp_path / "out" / "footprint-NB14-G5.json").read_text())
    assert notebook["total_kg_co2e"] == pytest.approx(
        next(f.total_kg_co2e for f in result.footprints if f.product == "NB14-G5"))
    assert result.comparison is not None and len(result.comparison.variants) == 4
    _readme_table_matches(result.footprints)


def _readme_table_matches(footprints: list) -> None:  # type: ignore[type-arg]
    """The README's sample-footprint table is the engine's output, to its printed 0.1 kg (a
    figure that moved with the data fails here instead of going stale)."""
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = {m.group(1): [float(v) for v in m.group(2).strip(" |").split("|")]
            for m in re.finditer(r"^\| ([A-Z0-9]+-[A-Z0-9]+), [^|]+\|((?: [\d.]+ \|){6})$",
                                 readme, flags=re.M)}
    assert set(rows) == {f.product for f in footprints}, rows
    stages = ("materials", "manufacturing", "distribution", "use", "end_of_life")
    for footprint in footprints:
        printed = rows[footprint.product]
        engine = [footprint.total_kg_co2e, *(footprint.by_stage[s] for s in stages)]
        assert printed == [round(v, 1) for v in engine], footprint.product
