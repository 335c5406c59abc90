"""A compiled product: the foreground as arrays, so a footprint is a dot product.

``compile_model`` turns a ``ProductModel`` into one row per background input the product makes
(per functional unit): which dataset, how much, in which life-cycle stage, from which part and
which material, with its own uncertainty (a proxy mapping's GSD). It compiles whatever exchanges
the model holds — its material flows and each stage's inputs — and follows a stage input that
names a foreground activity (``@factory-electricity``) through that activity's own exchanges in
the Brightway payload, so no flow kind is special-cased.

With the solver's unit scores ``λ`` (``lca_engine.solver``), the total is ``amount · λ[dataset]``
and each attribution (stage, part, material, dataset) is a sparse matrix–vector product of the
same contributions. Amounts are rounded to float32 exchange by exchange, as Brightway stores
them, so the compiled total equals Brightway's own LCA of the written product to round-off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from .product_model import BACKGROUND, PACKAGING, STAGES, ProductModel, exchange_key

if TYPE_CHECKING:
    from .solver import Solver

STAGE_INDEX = {stage: i for i, stage in enumerate(STAGES)}
#: elements of one block of foreground normal draws in ``monte_carlo`` (2 MB of float64)
_BLOCK_ELEMENTS = 1 << 18


def as_stored(value: float) -> float:
    """An exchange amount as Brightway stores it (bw_processing keeps float32)."""
    return float(np.float32(value))


@dataclass(slots=True)
class CompiledProduct:
    """One row per background input of the product, per functional unit."""

    product: str
    dataset: np.ndarray  # solver column of each row
    amount: np.ndarray  # dataset units per functional unit (negative: a credit)
    stage: np.ndarray  # index into STAGES
    part: np.ndarray  # index into ``parts`` (-1: a stage-level input)
    material: np.ndarray  # index into ``materials`` (-1: a stage-level input)
    gsd: np.ndarray  # geometric standard deviation of the row's own amount (1: none)
    proxy: np.ndarray  # bool: the row comes from a proxy mapping
    keys: list[tuple[str, str, str]]  # (part, material, dataset): the same flow in every design
    parts: list[str]
    materials: list[str]
    datasets: list[str]  # dataset key of each row
    mass_g: float
    packaging_mass_g: float
    packaging_parts: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    exchange: np.ndarray = field(default_factory=lambda: np.empty(0))  # amount as written
    path: np.ndarray = field(default_factory=lambda: np.empty(0))  # units from the FU
    path_is_exchange: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    group: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    holders: list[tuple[str, str]] = field(default_factory=list)  # (activity, input) per row

    def __len__(self) -> int:
        return len(self.amount)

    def contributions(self, unit: np.ndarray) -> np.ndarray:
        """kg CO2e of each row under the unit scores ``unit`` (one per solver column)."""
        return self.amount * unit[self.dataset]

    def total(self, unit: np.ndarray) -> float:
        return float(self.amount @ unit[self.dataset])

    def matrix(self, kind: str) -> sparse.csr_matrix:
        """The attribution matrix (groups × rows) of ``stage``, ``part`` or ``material``."""
        labels = {"stage": self.stage, "part": self.part, "material": self.material}[kind]
        size = {"stage": len(STAGES), "part": len(self.parts),
                "material": len(self.materials)}[kind]
        keep = labels >= 0
        return sparse.csr_matrix((np.ones(int(keep.sum())), (labels[keep],
                                                             np.flatnonzero(keep))),
                                 shape=(size, len(self.amount)))

    def by_stage(self, unit: np.ndarray) -> dict[str, float]:
        values = np.bincount(self.stage, weights=self.contributions(unit),
                             minlength=len(STAGES))
        return {stage: float(values[i]) for i, stage in enumerate(STAGES)}

    def by_part(self, unit: np.ndarray) -> dict[str, float]:
        contributions = self.contributions(unit)
        own = self.part >= 0
        values = np.bincount(self.part[own], weights=contributions[own],
                             minlength=len(self.parts))
        return {part: float(values[i]) for i, part in enumerate(self.parts)}

    def by_dataset(self, unit: np.ndarray, stage: str = "materials") -> dict[str, float]:
        contributions = self.contributions(unit)
        out: dict[str, float] = {}
        for row in np.flatnonzero(self.stage == STAGE_INDEX[stage]):
            key = self.datasets[row]
            out[key] = out.get(key, 0.0) + float(contributions[row])
        return out

    def stage_totals(self, unit: np.ndarray) -> np.ndarray:
        """Stage totals for many unit-score draws at once: (iterations × stages)."""
        per_row = unit[:, self.dataset] * self.amount
        return np.asarray((self.matrix("stage") @ per_row.T).T)


def compile_model(model: ProductModel, solver: Solver) -> CompiledProduct:
    """The model's background inputs per functional unit, rounded as Brightway stores them."""
    parts = [p.part_number for p in model.parts]
    part_index = {p: i for i, p in enumerate(parts)}
    units = _stored_units(model)
    materials: list[str] = []
    material_index: dict[str, int] = {}
    # (dataset, exchange as written, path from the functional unit, path is one exchange,
    #  stage, part, material, gsd, proxy, key)
    rows: list[tuple[str, float, float, bool, int, int, int, float, bool,
                     tuple[str, str, str]]] = []
    # the exchange each row is part of, as (activity holding it, input, sign): the writer
    # merges such inputs into one exchange (product_model._merged), which Brightway stores as
    # float32
    holders: list[tuple[Any, ...]] = []
    for flow in model.flows:
        label = flow.material
        if label not in material_index:
            material_index[label] = len(materials)
            materials.append(label)
        rows.append((flow.input.dataset, flow.input.amount, units[flow.part_number], False,
                     STAGE_INDEX["materials"], part_index[flow.part_number],
                     material_index[label],
                     float(flow.input.gsd or 1.0) if flow.input.amount > 0 else 1.0,
                     flow.proxy, (flow.part_number, flow.material, flow.input.dataset)))
        holders.append((f"part:{flow.part_number}",
                        *exchange_key(flow.input.dataset, flow.input.amount)))
    indirect: dict[str, list[tuple[str, float]]] | None = None
    for stage, inputs in model.stages.items():
        for item in inputs:
            if item.dataset.startswith("@"):
                if indirect is None:
                    indirect = _foreground_activities(model)
                targets = indirect.get(item.dataset[1:])
                if targets is None:
                    raise ValueError(f"{model.product_number}: stage {stage} names the "
                                     f"foreground activity {item.dataset!r}, which the "
                                     "Brightway payload does not hold")
                for dataset, share in targets:
                    rows.append((dataset, item.amount, share, True, STAGE_INDEX[stage], -1, -1,
                                 1.0, False, (item.dataset, stage, dataset)))
                    holders.append((f"stage:{stage}", f"{item.dataset}>{dataset}",
                                    *exchange_key("", item.amount)[1:]))
            else:
                rows.append((item.dataset, item.amount, 1.0, False, STAGE_INDEX[stage], -1, -1,
                             float(item.gsd or 1.0) if item.amount > 0 else 1.0, False,
                             ("", stage, item.dataset)))
                holders.append((f"stage:{stage}", *exchange_key(item.dataset, item.amount)))
    columns = list(zip(*rows, strict=True)) if rows else [()] * 10
    datasets = list(columns[0])
    exchange = np.array(columns[1], dtype=float)
    path = np.array(columns[2], dtype=float)
    path_is_exchange = np.array(columns[3], dtype=bool)
    group_index: dict[tuple[str, str], int] = {}
    group = np.array([group_index.setdefault(h, len(group_index)) for h in holders],
                     dtype=np.int64)
    packaging = np.array([p.category == PACKAGING for p in model.parts], dtype=bool)
    index = solver.index
    try:
        columns_of = np.array([index[d] for d in datasets], dtype=np.int64)
    except KeyError:
        columns_of = np.array([solver.column(d) for d in datasets], dtype=np.int64)
    return CompiledProduct(
        product=model.product_number, dataset=columns_of,
        amount=stored_amounts(exchange, path, path_is_exchange, group),
        stage=np.array(columns[4], dtype=np.int64),
        part=np.array(columns[5], dtype=np.int64),
        material=np.array(columns[6], dtype=np.int64),
        gsd=np.array(columns[7], dtype=float),
        proxy=np.array(columns[8], dtype=bool),
        keys=list(columns[9]), parts=parts, materials=materials, datasets=datasets,
        mass_g=model.mass_g, packaging_mass_g=model.packaging_mass_g,
        packaging_parts=packaging, exchange=exchange, path=path,
        path_is_exchange=path_is_exchange, group=group, holders=holders)


def stored_amounts(exchange: np.ndarray, path: np.ndarray, path_is_exchange: np.ndarray,
                   group: np.ndarray) -> np.ndarray:
    """Amounts per functional unit as Brightway computes them from its float32 exchanges.

    The rows of one ``group`` are inputs the writer merged into one exchange (the float64 sum,
    ``product_model._merged``), which Brightway stores as float32: each row is its share of
    that stored sum. The row is
    then multiplied by its path from the functional unit (a part's units, themselves products of
    stored quantities, or one stored exchange such as a mix share). ``exchange`` and ``path``
    may carry leading axes (many designs at once); ``group`` labels the last axis."""
    groups = int(group.max()) + 1 if len(group) else 0
    shape = exchange.shape
    flat = exchange.reshape(-1, shape[-1]) if exchange.ndim > 1 else exchange[None, :]
    own = flat.astype(np.float32).astype(float)  # a group of one exchange: stored as is
    counts = np.bincount(group, minlength=groups)
    shared = np.flatnonzero(counts[group] > 1)
    if len(shared):
        # the writer sums a group in float64, in row order (np.add.at accumulates in index
        # order); Brightway stores that sum as float32
        local = np.unique(group[shared], return_inverse=True)[1]
        sums = np.zeros((len(flat), int(local.max()) + 1))
        # (numpy's stubs do not type a tuple index in ufunc.at, which numpy accepts)
        np.add.at(sums, (slice(None), local), flat[:, shared])  # type: ignore[arg-type]
        stored = sums.astype(np.float32).astype(float)
        ratio = np.divide(stored, sums, out=np.zeros_like(sums), where=sums != 0)
        own[:, shared] = flat[:, shared] * ratio[:, local]
    own = own.reshape(shape)
    return own * np.where(path_is_exchange, path.astype(np.float32).astype(float), path)


def _stored_units(model: ProductModel) -> dict[str, float]:
    """Units of each part per functional unit, multiplied along the BoM the way Brightway
    does: the stage takes each top part's stored quantity, each part its children's."""
    by_number = {p.part_number: p for p in model.parts}
    units: dict[str, float] = {}

    def resolve(number: str) -> float:
        if number not in units:
            part = by_number[number]
            parent = 1.0 if part.parent is None else resolve(part.parent)
            units[number] = as_stored(part.quantity) * parent
        return units[number]

    for part in model.parts:
        resolve(part.part_number)
    return units


_INDIRECT_CACHE: dict[int, tuple[Any, dict[str, list[tuple[str, float]]]]] = {}


def _foreground_activities(model: ProductModel) -> dict[str, list[tuple[str, float]]]:
    """Each foreground leaf activity's background inputs, read from the Brightway payload.

    The payload is built without the parts (a leaf activity such as the factory electricity mix
    depends on the scenario only), and kept per scenario object: variants share it."""
    from dataclasses import replace

    from .product_model import foreground_data

    hit = _INDIRECT_CACHE.get(id(model.scenario))
    if hit is not None and hit[0] is model.scenario:
        return hit[1]
    out: dict[str, list[tuple[str, float]]] = {}
    stripped = replace(model, parts=(), flows=[], stages={})
    for (database, code), activity in foreground_data(stripped).items():
        if database != model.database:
            continue
        inputs = []
        for exchange in activity["exchanges"]:
            if exchange["type"] != "technosphere":
                continue
            source, target = exchange["input"]
            if source == model.database:
                break  # an activity with foreground inputs is not a leaf mix
            key = target if source == BACKGROUND else f"{source}::{target}"
            inputs.append((key, float(exchange["amount"])))
        else:
            out[code] = inputs
    if len(_INDIRECT_CACHE) > 256:
        _INDIRECT_CACHE.clear()
    _INDIRECT_CACHE[id(model.scenario)] = (model.scenario, out)
    return out


def amount_matrix(compiled: CompiledProduct, columns: int) -> np.ndarray:
    """The design as a dense (stages × solver columns) matrix of amounts per functional unit."""
    out = np.zeros((len(STAGES), columns))
    np.add.at(out, (compiled.stage, compiled.dataset), compiled.amount)
    return out


def design_totals(compiled: list[CompiledProduct], unit: np.ndarray) -> np.ndarray:
    """Totals of several compiled designs under one set of unit scores."""
    return np.array([c.total(unit) for c in compiled])


def describe(compiled: CompiledProduct) -> dict[str, Any]:
    return {"rows": len(compiled), "parts": len(compiled.parts),
            "datasets": len(set(compiled.datasets))}


@dataclass(slots=True)
class SharedDraws:
    """Totals and stage totals of several designs under the same Monte Carlo draws."""

    totals: np.ndarray  # iterations × designs
    stages: np.ndarray  # iterations × designs × stages
    path: str
    gases: str
    seed: int
    seconds: float


def monte_carlo(designs: list[CompiledProduct], solver: Solver, iterations: int, seed: int,
                *, gases: str = "together") -> SharedDraws:
    """Every design scored on the same draws: one draw of the background factors and one of each
    foreground flow's own uncertainty (keyed by part, material and dataset, so a flow the
    designs share moves the same way in all of them) per iteration."""
    import time

    started = time.perf_counter()
    columns = np.unique(np.concatenate([d.dataset for d in designs])) if designs else \
        np.empty(0, dtype=np.int64)
    draws = solver.draws(iterations, seed, columns=columns, gases=gases)
    local = np.searchsorted(columns, np.arange(len(solver.datasets)))
    keys = sorted({k for d in designs for k, g in zip(d.keys, d.gsd, strict=True) if g > 1.0})
    key_index = {k: i for i, k in enumerate(keys)}
    # foreground draws from their own stream, so adding a design never shifts the background's
    rng = np.random.default_rng([seed, 1])
    stages = np.empty((iterations, len(designs), len(STAGES)))
    uncertain_rows: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for j, design in enumerate(designs):
        # rows without an uncertainty of their own: one (stages × datasets) matrix, so the
        # draws cost one matrix product; rows with one (proxy mappings, electronics model
        # amounts) get their own lognormal factor below
        certain = design.gsd <= 1.0
        amounts = np.zeros((len(STAGES), len(columns)))
        np.add.at(amounts, (design.stage[certain], local[design.dataset[certain]]),
                  design.amount[certain])
        stages[:, j, :] = draws.unit @ amounts.T
        uncertain = np.flatnonzero(~certain)
        if len(uncertain):
            weights = np.zeros((len(uncertain), len(STAGES)))
            weights[np.arange(len(uncertain)), design.stage[uncertain]] = design.amount[uncertain]
            uncertain_rows.append((j, np.array([key_index[design.keys[r]] for r in uncertain]),
                                   np.log(design.gsd[uncertain]),
                                   local[design.dataset[uncertain]], weights))
    if keys:
        # a row's draw is factor × exp(z × ln gsd) × amount, summed into its stage by one
        # product; worked in blocks of iterations so that the temporaries stay in cache (a
        # hundred uncertain rows at 20,000 draws would otherwise be 20 MB arrays, freshly
        # paged in). The normal stream is drawn in row order, so the block size changes no draw.
        step = max(256, _BLOCK_ELEMENTS // len(keys))
        for begin in range(0, iterations, step):
            end = min(iterations, begin + step)
            normal = rng.standard_normal((end - begin, len(keys)))
            unit = draws.unit[begin:end]
            for j, which, log_gsd, cols, weights in uncertain_rows:
                per_row = normal[:, which]
                per_row *= log_gsd
                np.exp(per_row, out=per_row)
                per_row *= unit[:, cols]
                stages[begin:end, j, :] += per_row @ weights
    totals = stages.sum(axis=2)
    return SharedDraws(totals, stages, draws.path, draws.gases, seed,
                       round(time.perf_counter() - started, 4))
