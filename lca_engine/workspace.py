"""The engine's Python API in one object: a home directory with its database and LCA project.

The CLI is a thin layer over this class; everything a command does can be done from Python:

    >>> ws = Workspace.open(home="~/gscdm")            # doctest: +SKIP
    >>> ws.init()                                      # doctest: +SKIP
    >>> ws.database.import_paths(["fmd/"], bom="bom.csv")  # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .db import MaterialDatabase
from .home import EngineHome, resolve_home

if TYPE_CHECKING:
    from datetime import date

    from .compliance import ComplianceResult
    from .footprint import FootprintResult
    from .product_model import ProductModel


class NotInitialisedError(RuntimeError):
    """The home has no Brightway project yet (``gscdm init`` creates it)."""


@dataclass(slots=True)
class InitReport:
    home: str
    database: str
    schema_revision: str
    brightway: dict[str, Any] | None
    seconds: float

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Workspace:
    """A home directory: the material database and the Brightway project inside it."""

    def __init__(self, home: EngineHome) -> None:
        self.home = home
        self.database = MaterialDatabase(home.db_url)
        self._declarations: dict[str, dict[str, Any]] = {}

    @classmethod
    def open(cls, home: str | Path | None = None, db_url: str | None = None) -> Workspace:
        return cls(resolve_home(home, db_url))

    def init(self, *, rebuild: bool = False, brightway: bool = True) -> InitReport:
        """Create or migrate the database and build the offline Brightway project (idempotent)."""
        started = time.perf_counter()
        revision = self.database.initialise()
        bw_report: dict[str, Any] | None = None
        if brightway:
            # heavy imports, only when needed
            from .background import build_background
            from .brightway_project import setup_project

            bw_report = _jsonable(asdict(setup_project(self.home, rebuild=rebuild)))
            bw_report["background"] = asdict(build_background(rebuild=rebuild))
        return InitReport(
            home=str(self.home.path),
            database=_redact(self.home.db_url),
            schema_revision=revision,
            brightway=bw_report,
            seconds=round(time.perf_counter() - started, 3),
        )

    def product_model(self, product_number: str, *, scenario: Path | None = None
                      ) -> ProductModel:
        """The product's model: BoM, mapped materials and the merged scenario, not yet solved."""
        from .db import ProductView
        from .mapping import load_rules
        from .product_model import build_model, design_from_view
        from .scenario import PRODUCT_SCENARIO_FILENAME, load_scenario

        try:
            view = self.database.show(product_number)
        except KeyError:
            raise LookupError(f"no product {product_number!r} in the database") from None
        if not isinstance(view, ProductView):
            raise LookupError(f"{product_number!r} is a part, not a product (a BoM imports "
                              "products)")
        product_scenario = Path(view.bom_file).parent / PRODUCT_SCENARIO_FILENAME
        design = design_from_view(view, load_scenario(product_scenario, scenario))
        model = build_model(design, load_rules(self.home.path))
        model.notes.append(f"BoM {view.bom_file} (sha256 {view.bom_sha256})")
        self._declarations[product_number] = {
            "bom": {"file": view.bom_file, "sha256": view.bom_sha256},
            "parts": {part: {"file": file, "sha256": sha}
                      for part, (file, sha) in sorted(view.declarations.items())}}
        return model

    def activate_brightway(self) -> None:
        """Point Brightway at this home; fails with a clear message before ``gscdm init``."""
        from .brightway_project import activate, is_set_up

        if not is_set_up(self.home):
            raise NotInitialisedError(f"the Brightway project in {self.home.brightway_dir} is "
                                      "not set up: run 'gscdm init' first")
        activate(self.home)

    def footprint(self, product_number: str, *, scenario: Path | None = None,
                  iterations: int = 0, seed: int = 42, strict: bool = False) -> FootprintResult:
        """Cradle-to-grave footprint of one product, computed by Brightway."""
        from .footprint import compute_footprint

        model = self.product_model(product_number, scenario=scenario)
        self.activate_brightway()
        result = compute_footprint(model, iterations=iterations, seed=seed, strict=strict)
        result.provenance["inputs"] = self._declarations[product_number]
        result.provenance["scenario_files"] = list(model.scenario.sources)
        return result

    def compliance(self, key: str, *, on: date | None = None,
                   rohs_category: int | None = None) -> ComplianceResult:
        """Substance screening of a product (or a part) with this home's substance lists."""
        from .compliance import screen

        return screen(self.database, key, home=self.home.path, on=on,
                      rohs_category=rohs_category)

    def close(self) -> None:
        self.database.dispose()


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _jsonable(value: Any) -> Any:
    """Tuples (Brightway method names) and paths as JSON-friendly lists and strings."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
