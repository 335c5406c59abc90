"""The one place the engine talks to bw2calc: matrices, the adjoint solve, Monte Carlo draws.

A product's footprint is linear in its foreground amounts, so the engine needs from Brightway only
the score of one unit of every background dataset (``λ``, one adjoint solve per method) and,
for uncertainty, those scores under random draws. ``Solver`` does it in a short pipeline of named
steps, in the style of ``bw2calc.LCA``:

1. ``load``      — bw2calc builds the technosphere, biosphere and characterisation matrices of
   every background database (``bw2data.get_multilca_data_objs``);
2. ``solve``     — ``FastScoresOnlyMultiLCA(direction="adjoint")`` gives ``λ`` for the four IPCC
   2021 methods of the horizon; a flat background (a technosphere that is only production
   exchanges, like the shipped ``gscdm-background``) gives the same ``λ`` as ``cᵀB / diag(A)``,
   which the solver checks;
3. ``flows``     — the unit inventories of the biogenic CO2 flows (ISO 14067 reports them apart);
4. ``sample``    — ``λ`` under N random draws at once: on a flat background every draw is an
   element-wise function of the biosphere amounts (numpy, no solve); on any other background
   (a user's ecoinvent) bw2calc resamples and re-solves per iteration (``path`` says which ran).

``solve_product`` writes a product's foreground and asks Brightway for its own score, which the
compiled product (``lca_engine.compiled``) is checked against.

Brightway stores every matrix entry as float32 (bw_processing datapackages), so the foreground
amounts Brightway solves with are float32-rounded: the compiler rounds the same way, which is
what makes the compiled totals equal Brightway's to 1e-9 rather than to 3e-8.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse
from scipy.special import ndtri

if TYPE_CHECKING:
    from .product_model import ProductModel

#: Roles of the four IPCC 2021 methods of a horizon (``brightway_project.methods_for``).
ROLES = ("total", "fossil", "biogenic", "land_use")
#: Biosphere flows whose unit inventories the solver also keeps (reported apart, ISO 14067).
INVENTORY_FLOWS = {"co2_non_fossil": "biogenic_co2_emissions_kg",
                   "co2_uptake": "biogenic_carbon_removals_kg_co2"}
#: Monte Carlo draws are made in blocks of this many iterations (bounded memory).
BLOCK = 2_000

PATH_VECTORISED = "vectorised: flat background, every draw an array operation (no re-solve)"
PATH_BW2CALC = "bw2calc: background resampled and re-solved every iteration"


class SolverError(RuntimeError):
    """The background cannot be solved or sampled as asked (message says why)."""


@contextlib.contextmanager
def quiet_empty_methods() -> Iterator[None]:
    """A product with no biogenic or land-use flows is normal, not worth a warning on stderr."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="All values in characterization matrix")
        yield


def dataset_key(database: str, code: str) -> str:
    """The engine's name of a background dataset: its code, or ``database::code``."""
    from .background import DATABASE

    return code if database == DATABASE else f"{database}::{code}"


def methods(horizon: str) -> dict[str, tuple[str, ...]]:
    from .brightway_project import methods_for

    return dict(methods_for(horizon))  # type: ignore[arg-type]


def _adjoint_scores(demands: dict[str, dict[int, float]], by_method: dict[str, tuple[str, ...]]
                    ) -> Any:
    """bw2calc's adjoint (one transposed solve per method): the score of one unit of every
    activity of the demands' system, as an xarray over (LCIA, products)."""
    import bw2calc as bc
    import bw2data as bd

    config = {"impact_categories": [by_method[role] for role in ROLES]}
    with quiet_empty_methods():
        lca = bc.FastScoresOnlyMultiLCA(
            demands=demands, method_config=config,
            data_objs=bd.get_multilca_data_objs(demands, config), direction="adjoint")
        lca.calculate()
    return lca.product_scores


def _background_databases() -> list[str]:
    import bw2data as bd

    from .brightway_project import BIOSPHERE

    return sorted(name for name in bd.databases
                  if not name.startswith("gscdm-fg-") and name != BIOSPHERE
                  and len(bd.Database(name)))


@dataclass(slots=True)
class _Sampling:
    """What a flat background's draws need: one row per uncertain biosphere exchange."""

    column: np.ndarray  # dataset index of the exchange's activity
    weight: np.ndarray  # characterisation factor (total) ÷ production amount of the activity
    params: np.ndarray  # stats_arrays parameters of the exchange
    fixed: np.ndarray  # λ_total contribution of the exchanges without uncertainty, by dataset


@dataclass(slots=True)
class Draws:
    """``λ`` (total method) under N draws and the foreground multipliers of the same draws."""

    unit: np.ndarray  # iterations × datasets
    path: str
    gases: str  # "together" or "independent"
    seed: int


@dataclass(slots=True)
class Solver:
    """Brightway's side of the engine for one GWP horizon: ``λ`` of every background dataset."""

    horizon: str = "GWP100"
    datasets: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    node_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    unit: dict[str, np.ndarray] = field(default_factory=dict)  # role → λ by dataset
    flows: dict[str, np.ndarray] = field(default_factory=dict)  # flow role → kg per unit
    flat: bool = False
    _sampling: _Sampling | None = None
    _demand: dict[int, float] = field(default_factory=dict)
    stamp: tuple[tuple[str, str], ...] = ()  # the background databases it was solved from

    # -- 1. load + 2. solve + 3. flows --------------------------------------------------------

    @classmethod
    def for_background(cls, horizon: str = "GWP100") -> Solver:
        """Solve the active project's background (needs ``Workspace.activate_brightway``)."""
        solver = cls(horizon=horizon)
        solver.load_and_solve()
        return solver

    def load_and_solve(self) -> None:
        import bw2calc as bc
        import bw2data as bd

        from .brightway_project import ghg_flow_keys

        databases = _background_databases()
        if not databases:
            raise SolverError("the Brightway project has no background database: run "
                              "'gscdm init' first")
        self._demand = {next(iter(bd.Database(name))).id: 1.0 for name in databases}
        by_method = methods(self.horizon)
        scores = _adjoint_scores({"background": self._demand}, by_method)
        product_ids = np.asarray(scores.coords["products"].values, dtype=np.int64)
        keys = _keys_of(product_ids)
        self.datasets = [keys[int(i)] for i in product_ids]
        self.index = {key: i for i, key in enumerate(self.datasets)}
        self.node_ids = product_ids
        for role in ROLES:
            self.unit[role] = np.asarray(scores.sel(LCIA=str(by_method[role])).values,
                                         dtype=float)
        # matrices of the same system, for the flow inventories and the Monte Carlo tables
        with quiet_empty_methods():
            single = bc.LCA(self._demand, by_method["total"])
            single.lci()
            single.lcia()
        order = np.array([single.dicts.activity[int(i)] for i in product_ids])
        technosphere = single.technosphere_matrix.tocsc()
        off_diagonal = (technosphere - sparse.diags(technosphere.diagonal())).tocsc()
        off_diagonal.eliminate_zeros()
        self.flat = off_diagonal.nnz == 0
        biosphere = single.biosphere_matrix.tocsc()
        flow_keys = ghg_flow_keys()
        for role in INVENTORY_FLOWS:
            node = bd.get_node(database=flow_keys[role][0], code=flow_keys[role][1])
            row = single.dicts.biosphere.get(node.id)
            if row is None:
                self.flows[role] = np.zeros(len(product_ids))
                continue
            rhs = np.asarray(biosphere[row, :].todense()).ravel()
            self.flows[role] = _adjoint(technosphere, rhs)[order]
        if self.flat:
            production = technosphere.diagonal()
            cf = single.characterization_matrix.diagonal()
            check = np.asarray(cf @ biosphere).ravel() / production
            _assert_close(check[order], self.unit["total"], "the flat background's cᵀB/diag(A)")
            self._sampling = _sampling_tables(single, order, production, cf)

    def column(self, key: str) -> int:
        try:
            return self.index[key]
        except KeyError:
            raise SolverError(f"dataset {key!r} is not in the Brightway project") from None

    # -- the product, solved by Brightway itself ----------------------------------------------

    def solve_product(self, model: ProductModel, *, write: bool = True
                      ) -> tuple[dict[str, dict[int, float]], dict[str, int]]:
        """Write the product's foreground and solve it with bw2calc's adjoint: the score of one
        unit of every activity (product, stages, parts) per method role, and the node ids."""
        import bw2data as bd

        if write:
            write_foreground(model)
        ids = {a["code"]: a.id for a in bd.Database(model.database)}
        by_method = methods(self.horizon)
        scores = _adjoint_scores({"product": {ids["product"]: 1.0}}, by_method)
        products = scores.coords["products"].values.tolist()
        per_role = {role: dict(zip(products, scores.sel(LCIA=str(by_method[role])).values
                                   .tolist(), strict=True)) for role in ROLES}
        return per_role, ids

    def lca_score(self, model: ProductModel) -> float:
        """A fresh ``bw2calc.LCA`` of the written product (forward solve): the reference the
        compiled results are tested against."""
        import bw2calc as bc
        import bw2data as bd

        write_foreground(model)
        node = bd.get_node(database=model.database, code="product")
        with quiet_empty_methods():
            lca = bc.LCA({node.id: 1.0}, methods(self.horizon)["total"])
            lca.lci()
            lca.lcia()
        return float(lca.score)

    # -- 4. sample ----------------------------------------------------------------------------

    def draws(self, iterations: int, seed: int, *,
              columns: Sequence[int] | np.ndarray | None = None,
              gases: str = "together") -> Draws:
        """``λ_total`` of the datasets ``columns`` (all when None) under ``iterations`` draws.

        ``gases="together"``: the gases of one background factor share one draw (they come from
        one cited total with one uncertainty, so they are fully correlated); ``"independent"``
        draws each exchange on its own, as bw2calc does (used to check against it)."""
        if gases not in {"together", "independent"}:
            raise SolverError(f"gases must be 'together' or 'independent', not {gases!r}")
        wanted = np.arange(len(self.datasets)) if columns is None else np.asarray(columns)
        if self.flat and self._sampling is not None:
            unit = _flat_draws(self._sampling, wanted, iterations, seed, gases)
            return Draws(unit, PATH_VECTORISED, gases, seed)
        return Draws(self._bw2calc_draws(wanted, iterations, seed), PATH_BW2CALC,
                     "independent", seed)

    def _bw2calc_draws(self, wanted: np.ndarray, iterations: int, seed: int) -> np.ndarray:
        import bw2calc as bc

        with quiet_empty_methods():
            lca = bc.LCA(self._demand, methods(self.horizon)["total"], use_distributions=True,
                         seed_override=seed)
            lca.lci()
            lca.lcia()
        rows = np.array([lca.dicts.activity[int(self.node_ids[i])] for i in wanted])
        out = np.empty((iterations, len(wanted)))
        for i in range(iterations):
            next(lca)
            characterized = np.asarray(
                (lca.characterization_matrix @ lca.biosphere_matrix).sum(axis=0)).ravel()
            out[i] = _adjoint(lca.technosphere_matrix.tocsc(), characterized)[rows]
        return out


# -- helpers -----------------------------------------------------------------------------------

def write_foreground(model: ProductModel) -> None:
    """(Re)write the product's foreground database in the active Brightway project."""
    import bw2data as bd

    from .product_model import foreground_data

    data = foreground_data(model)
    if model.database in bd.databases:
        bd.Database(model.database).delete(warn=False)
    database = bd.Database(model.database)
    database.register(description=f"GSCDM-LCA product system of {model.product_number}",
                      gscdm_product=model.product_number)
    # a few dozen activities: bw2data's progress bar would only be noise on stderr
    with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
        database.write(data)


def biogenic_inventory(model: ProductModel) -> dict[str, float]:
    """Biogenic CO2 emitted and taken up by the written product, from Brightway's inventory."""
    import bw2calc as bc
    import bw2data as bd

    from .brightway_project import METHODS, ghg_flow_keys

    node = bd.get_node(database=model.database, code="product")
    flows = ghg_flow_keys()
    with quiet_empty_methods():
        lca = bc.LCA({node.id: 1.0}, METHODS["total"])
        lca.lci()
    inventory = np.asarray(lca.inventory.sum(axis=1)).ravel()
    result = {}
    for role, name in INVENTORY_FLOWS.items():
        flow = bd.get_node(database=flows[role][0], code=flows[role][1])
        row = lca.dicts.biosphere.get(flow.id)
        result[name] = float(inventory[row]) if row is not None else 0.0
    return result


def _keys_of(node_ids: np.ndarray) -> dict[int, str]:
    import bw2data as bd
    from bw2data.backends import ActivityDataset as AD

    wanted = {int(i) for i in node_ids}
    keys = {}
    for row in AD.select(AD.id, AD.database, AD.code).where(AD.id << list(wanted)).tuples():
        keys[int(row[0])] = dataset_key(row[1], row[2])
    missing = wanted - set(keys)
    if missing:  # pragma: no cover - ids come from bw2data itself
        raise SolverError(f"{len(missing)} background node(s) not found in {bd.projects.current}")
    return keys


def _adjoint(technosphere: sparse.spmatrix, rhs: np.ndarray) -> np.ndarray:
    """Solve ``Aᵀ y = rhs`` with SuperLU (exact to round-off on these small systems)."""
    from scipy.sparse.linalg import spsolve

    return np.asarray(spsolve(technosphere.T.tocsc(), rhs)).ravel()


def _assert_close(got: np.ndarray, expected: np.ndarray, label: str) -> None:
    scale = np.maximum(np.abs(expected), 1e-12)
    worst = float(np.max(np.abs(got - expected) / scale)) if len(got) else 0.0
    if worst > 1e-9:
        raise SolverError(f"{label} differs from Brightway's adjoint by {worst:.3g} (relative)")


def _sampling_tables(lca: Any, order: np.ndarray, production: np.ndarray,
                     cf: np.ndarray) -> _Sampling:
    """One row per biosphere exchange of the background, with its stats_arrays parameters."""
    position = np.empty(len(production), dtype=np.int64)
    position[order] = np.arange(len(order))
    columns, weights, params = [], [], []
    fixed = np.zeros(len(order))
    for group in lca.biosphere_mm.groups:
        if group.empty:
            continue
        rows, cols = group.row_masked, group.col_masked
        data = group.apply_masks(group.get_resource_by_suffix("data")).astype(float)
        sign = np.ones(len(data))
        if group.has_flip:
            sign[group.apply_masks(group.get_resource_by_suffix("flip"))] = -1.0
        weight = cf[rows] * sign / production[cols]
        if group.has_distributions:
            dist = group.apply_masks(group.get_resource_by_suffix("distributions"))
            uncertain = dist["uncertainty_type"] > 1
        else:
            dist, uncertain = None, np.zeros(len(data), dtype=bool)
        np.add.at(fixed, position[cols[~uncertain]], (weight * data)[~uncertain])
        if dist is not None and uncertain.any():
            unsupported = set(np.unique(dist["uncertainty_type"][uncertain])) - {2, 3, 4, 5}
            if unsupported:
                raise SolverError(f"uncertainty type(s) {sorted(unsupported)} in the "
                                  "background cannot be sampled as arrays")
            columns.append(position[cols[uncertain]])
            weights.append(weight[uncertain])
            params.append(dist[uncertain])
    if params:
        return _Sampling(np.concatenate(columns), np.concatenate(weights),
                         np.concatenate(params), fixed)
    return _Sampling(np.empty(0, dtype=np.int64), np.empty(0), np.empty(0), fixed)


def sample_values(params: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws of stats_arrays distributions (lognormal 2, normal 3, uniform 4,
    triangular 5) at the probabilities ``uniform`` (iterations × exchanges)."""
    kind = params["uncertainty_type"]
    loc = params["loc"].astype(float)
    scale = params["scale"].astype(float)
    low = params["minimum"].astype(float)
    high = params["maximum"].astype(float)
    out = np.empty(uniform.shape)
    lognormal, normal = kind == 2, kind == 3
    if lognormal.any():
        value = np.exp(loc[lognormal] + scale[lognormal] * ndtri(uniform[:, lognormal]))
        negative = params["negative"][lognormal].astype(bool)
        value[:, negative] *= -1.0
        out[:, lognormal] = value
    if normal.any():
        out[:, normal] = loc[normal] + scale[normal] * ndtri(uniform[:, normal])
    flat = kind == 4
    if flat.any():
        out[:, flat] = low[flat] + uniform[:, flat] * (high[flat] - low[flat])
    triangle = kind == 5
    if triangle.any():
        a, b, c = low[triangle], high[triangle], loc[triangle]
        u = uniform[:, triangle]
        width = np.where(b > a, b - a, 1.0)
        split = (c - a) / width
        left = a + np.sqrt(u * width * (c - a))
        right = b - np.sqrt((1 - u) * width * (b - c))
        out[:, triangle] = np.where(u < split, left, right)
    return out


def _flat_draws(tables: _Sampling, wanted: np.ndarray, iterations: int, seed: int,
                gases: str) -> np.ndarray:
    rng = np.random.default_rng(seed)
    local = {int(c): i for i, c in enumerate(wanted)}
    keep = np.array([int(c) in local for c in tables.column], dtype=bool)
    column = np.array([local[int(c)] for c in tables.column[keep]], dtype=np.int64)
    weight, params = tables.weight[keep], tables.params[keep]
    out = np.tile(tables.fixed[wanted], (iterations, 1))
    if not len(column):
        return out
    # one probability per activity ("together": all its gases move as one cited total) or per
    # exchange; the draw of iteration i only depends on the seed, not on the block size
    width = len(wanted) if gases == "together" else len(column)
    uniform = rng.random((iterations, width))
    if gases == "together":
        uniform = uniform[:, column]
    to_dataset = sparse.csr_matrix((weight, (np.arange(len(column)), column)),
                                   shape=(len(column), len(wanted)))
    for start in range(0, iterations, BLOCK):
        stop = min(iterations, start + BLOCK)
        values = sample_values(params, uniform[start:stop])
        out[start:stop] += np.asarray(to_dataset.T @ values.T).T
    return out


def lognormal_percentile(median: float, gsd: float, percent: float) -> float:
    """Closed form: the ``percent``-th percentile of a lognormal with this median and GSD."""
    return median * math.exp(float(ndtri(percent / 100.0)) * math.log(gsd))


__all__ = ["PATH_BW2CALC", "PATH_VECTORISED", "ROLES", "Draws", "Solver", "SolverError",
           "biogenic_inventory", "dataset_key", "lognormal_percentile", "quiet_empty_methods",
           "sample_values", "write_foreground"]
