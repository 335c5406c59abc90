"""The overview of every product in a home: what the workbench's Products page lists.

For each product: its summary (``gscdm products``), its footprint by stage on the batch path
(``gscdm footprint --all``), the share of its mass that is a data gap (no declaration, no mass,
unmapped material: counted as zero in the footprint) and its substance-screening status
(``gscdm compliance --all``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .workspace import Workspace


def compliance_all(workspace: Workspace, *, on: date | None = None,
                   rohs_category: int | None = None) -> dict[str, Any]:
    """``gscdm compliance --all --json``: every product screened with one reading of the
    home's substance lists."""
    from .compliance import load_lists, screen

    lists = load_lists(workspace.home.path)
    return {"products": [screen(workspace.database, p.product_number, lists=lists, on=on,
                                rohs_category=rohs_category).as_json()
                         for p in workspace.database.products()]}


def data_gap_share(workspace: Workspace, product: str) -> float:
    """Mass of the product's data gaps ÷ the product's mass (0 for a massless product)."""
    from .mapping import load_rules
    from .product_model import build_model

    model = build_model(workspace.design(product), load_rules(workspace.home.path))
    gap_g = sum(gap.mass_g or 0.0 for gap in model.gaps)
    return gap_g / model.mass_g if model.mass_g else 0.0


def products_overview(workspace: Workspace, *, on: date | None = None) -> dict[str, Any]:
    products = [p.as_json() for p in workspace.database.products()]
    if not products:
        return {"products": []}
    footprints = {row["product"]: row for row in workspace.footprint_all().as_json()["products"]}
    screening = {r["product"]: r["status"] for r in compliance_all(workspace, on=on)["products"]}
    for product in products:
        number = product["product_number"]
        product["footprint"] = footprints.get(number)
        product["data_gap_share_of_mass"] = data_gap_share(workspace, number)
        product["compliance"] = screening.get(number)
    return {"products": products}
