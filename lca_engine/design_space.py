"""Design spaces and parameter sweeps on the compiled product: every design a few multiply-adds.

A design space (YAML, schema ``SpaceFile``) is a set of choices, each with options; an option is
a list of variant changes (the syntax of ``lca_engine.variants``) and may carry a cost. A design
is one option per choice, applied in the file's order to the stored baseline.

How it is evaluated (``compile_space``):

1. the baseline and each single option are compiled (``lca_engine.compiled``) into the *raw*
   exchange amounts Brightway is given, aligned on one row space (stage, part, material,
   dataset), so an option is a sparse update Δ of those rows;
2. two choices may interact (the reflow energy depends on the solder *and* the board area; a
   PV share multiplies the factory's kWh): for every pair of choices, designs with both options
   changed are compiled and compared with ``baseline + Δ₁ + Δ₂``; interacting choices are merged
   into one cluster whose option combinations are compiled jointly;
3. ``verify`` random complete designs are compiled in full and must equal the sum of their
   clusters' updates (else the space is refused: its choices interact beyond pairs);
4. every design is then ``baseline + Σ Δ_cluster`` on the rows the space changes, rounded to
   float32 exchange by exchange as Brightway stores them and multiplied by the unit scores, in
   blocks of arrays. Reported designs are compiled in full again and must agree to 1e-9.

A sweep is a one-parameter family: compiled at both ends of the range and checked to be affine in
the parameter at two interior points (then every point is interpolated on the raw exchanges),
else compiled point by point.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .compiled import CompiledProduct, compile_model, monte_carlo, stored_amounts
from .product_model import STAGES, Design, build_model
from .variants import Variant, VariantError, load_variant, parse_variant

if TYPE_CHECKING:
    from .mapping import RuleSet
    from .solver import Solver

#: Raw exchanges agree when they differ by less than this, relative to the row's size.
ADDITIVE_TOLERANCE = 1e-11
OBJECTIVES = ("kg_co2e", "kg_co2e_per_year", "mass_g", "cost", *(f"stage.{s}" for s in STAGES))
_CONSTRAINT = re.compile(r"^\s*([\w.]+)\s*(<=|>=|<|>|==)\s*([-+0-9.eE]+)\s*$")


class SpaceError(ValueError):
    """A design-space file is wrong: the message names the file and the key."""


# -- the file ----------------------------------------------------------------------------------

class OptionSpec(BaseModel):
    """One option of a choice: variant changes, an optional label and cost per product."""

    model_config = ConfigDict(extra="forbid")
    label: str | None = None
    changes: list[dict[str, Any]] = Field(default_factory=list)
    cost: float = 0.0


class RangeSpec(BaseModel):
    """A numeric choice: ``${param}`` in the choice's ``changes`` takes each value."""

    model_config = ConfigDict(extra="forbid")
    param: str
    start: float
    stop: float
    step: float = Field(gt=0)
    cost_per_unit: float = 0.0  # cost = cost_per_unit × value


class ChoiceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str | None = None
    options: dict[str, OptionSpec] | None = None
    range: RangeSpec | None = None
    changes: list[dict[str, Any]] | None = None  # the template of a range choice

    @model_validator(mode="after")
    def _one_kind(self) -> ChoiceSpec:
        if (self.options is None) == (self.range is None):
            raise ValueError("give either 'options' or 'range' (with 'changes')")
        if self.range is not None and not self.changes:
            raise ValueError("a 'range' choice needs the 'changes' its parameter enters")
        if self.options is not None and not self.options:
            raise ValueError("'options' is empty")
        return self


class SpaceFile(BaseModel):
    """A design space: choices with options, evaluated exhaustively up to ``limit`` designs."""

    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    product: str | None = None
    currency: str = "USD"
    limit: int = Field(default=2_000_000, gt=0)  # evaluate every design up to this many
    samples: int = Field(default=1_000_000, gt=0)  # else this many random designs
    seed: int = 1
    verify: int = Field(default=32, ge=1)  # complete designs compiled in full as a check
    choices: dict[str, ChoiceSpec]


@dataclass(frozen=True, slots=True)
class Option:
    choice: str
    name: str
    variant: Variant
    cost: float
    where: str
    value: float | None = None  # the parameter's value, for a range choice


@dataclass(frozen=True, slots=True)
class Space:
    name: str
    source: str
    spec: SpaceFile
    choices: tuple[tuple[str, tuple[Option, ...]], ...]

    @property
    def size(self) -> int:
        return math.prod(len(options) for _, options in self.choices)


def _nearest(key: str, valid: list[str]) -> str:
    near = difflib.get_close_matches(key, valid, n=1)
    return f"; did you mean {near[0]!r}?" if near else f"; valid keys: {', '.join(valid)}"


def _valid_keys(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = SpaceFile
    path = list(loc[:-1])
    while path:
        step = path.pop(0)
        if model is SpaceFile and step == "choices":
            model = ChoiceSpec
            path = path[1:]  # the choice's name
        elif model is ChoiceSpec and step == "options":
            model = OptionSpec
            path = path[1:]
        elif model is ChoiceSpec and step == "range":
            model = RangeSpec
        else:
            break
    return sorted(model.model_fields)


def load_space(path: Path) -> Space:
    """Read, validate (unknown keys refused) and parse a space file; options are not yet
    applied to a product (``compile_space`` does that and names what selects nothing)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpaceError(f"{path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SpaceError(f"{path}: not valid YAML: {exc}") from None
    try:
        spec = SpaceFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(top level)"
        if first["type"] == "extra_forbidden":
            hint = _nearest(str(first["loc"][-1]), _valid_keys(tuple(first["loc"])))
            raise SpaceError(f"{path}: unknown key {key!r}{hint}") from None
        raise SpaceError(f"{path}: {key}: {first['msg']}") from None
    choices = []
    for name, choice in spec.choices.items():
        options: list[Option] = []
        if choice.options is not None:
            for option, body in choice.options.items():
                where = f"{path}: choices.{name}.options.{option}"
                options.append(Option(name, option, _variant(body.changes, where, option),
                                      body.cost, where))
        else:
            assert choice.range is not None and choice.changes is not None
            r = choice.range
            if r.stop < r.start:
                raise SpaceError(f"{path}: choices.{name}.range: stop is below start")
            count = math.floor((r.stop - r.start) / r.step + 1e-9) + 1
            for i in range(count):
                value = round(r.start + i * r.step, 12)
                where = f"{path}: choices.{name}.range ({r.param}={value:g})"
                options.append(Option(name, f"{value:g}",
                                      _variant(choice.changes, where, f"{value:g}",
                                               {r.param: value}),
                                      r.cost_per_unit * value, where, value))
        choices.append((name, tuple(options)))
    if not choices:
        raise SpaceError(f"{path}: choices: a space needs at least one choice")
    return Space(spec.name, str(path), spec, tuple(choices))


def _variant(changes: list[dict[str, Any]], where: str, name: str,
             params: dict[str, Any] | None = None) -> Variant:
    try:
        return parse_variant({"name": name, "changes": changes}, where, params)
    except VariantError as exc:
        raise SpaceError(str(exc)) from None


# -- rows ------------------------------------------------------------------------------------

@dataclass(slots=True)
class _Rows:
    """One row space for many compiled designs: (stage, key, occurrence) → row."""

    index: dict[tuple[Any, ...], int] = field(default_factory=dict)
    dataset: list[int] = field(default_factory=list)
    stage: list[int] = field(default_factory=list)
    path_is_exchange: list[bool] = field(default_factory=list)
    group: list[int] = field(default_factory=list)  # rounding group (activity, input) per row
    default_path: list[float] = field(default_factory=list)
    groups: dict[tuple[str, str], int] = field(default_factory=dict)

    def align(self, compiled: CompiledProduct, *, grow: bool = True
              ) -> tuple[np.ndarray, np.ndarray] | None:
        seen: dict[tuple[Any, ...], int] = {}
        positions = np.empty(len(compiled), dtype=np.int64)
        for i, key in enumerate(compiled.keys):
            full = (int(compiled.stage[i]), key)
            occurrence = seen.get(full, 0)
            seen[full] = occurrence + 1
            row_key = (*full, occurrence)
            row = self.index.get(row_key)
            if row is None:
                if not grow:
                    return None
                row = len(self.dataset)
                self.index[row_key] = row
                self.dataset.append(int(compiled.dataset[i]))
                self.stage.append(int(compiled.stage[i]))
                self.path_is_exchange.append(bool(compiled.path_is_exchange[i]))
                self.default_path.append(0.0 if compiled.path_is_exchange[i]
                                         else float(compiled.path[i]))
                holder = compiled.holders[i]
                self.group.append(self.groups.setdefault(holder, len(self.groups)))
            positions[i] = row
        # a row this design lacks: no exchange, on the row's own path from the functional unit;
        # a row reached through a foreground mix (e.g. the PV share at 0) keeps the mix's own
        # input and gets a share of 0, which is what Brightway computes
        exchange = np.zeros(len(self.dataset))
        path = np.asarray(self.default_path, dtype=float).copy()
        mix_input: dict[tuple[int, str], float] = {}
        for i in np.flatnonzero(compiled.path_is_exchange).tolist():
            mix_input[(int(compiled.stage[i]), compiled.keys[i][0])] = float(compiled.exchange[i])
        if mix_input:
            for row_key, row in self.index.items():
                if self.path_is_exchange[row]:
                    stage_index, key = row_key[0], row_key[1]
                    if (stage_index, key[0]) in mix_input:
                        exchange[row] = mix_input[(stage_index, key[0])]
                        path[row] = 0.0
        exchange[positions] = compiled.exchange
        path[positions] = compiled.path
        return exchange, path


def _pad(array: np.ndarray, size: int) -> np.ndarray:
    return np.concatenate([array, np.zeros(size - len(array))]) if len(array) < size else array


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    size = len(max(a, b, key=len))
    a, b = _pad(a, size), _pad(b, size)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)
    return bool(np.all(np.abs(a - b) <= ADDITIVE_TOLERANCE * scale + 1e-300))


# -- sweeps ----------------------------------------------------------------------------------

def sweep_compiled(baseline: Design, rules: RuleSet, solver: Solver, variant_file: Path,
                   name: str, values: list[float]
                   ) -> tuple[list[tuple[float, float, dict[str, float]]], float, str]:
    """(value, total, by stage) for every value; the baseline total; the path that ran."""
    unit = solver.unit["total"]

    def compiled_at(value: float) -> CompiledProduct:
        variant = load_variant(variant_file, {name: value})
        return compile_model(build_model(variant.apply(baseline), rules), solver)

    base = compile_model(build_model(baseline, rules), solver)
    base_total = base.total(unit)
    rows = _Rows()
    affine = len(values) > 2
    span = values[-1] - values[0]
    at = [values[0], values[-1], *([values[0] + span / 3, values[0] + 2 * span / 3]
                                   if affine else [])]
    products = [compiled_at(value) for value in at]
    for product in products:
        rows.align(product)
    aligned = [rows.align(product, grow=False) for product in products]
    ends = aligned[:2]
    for t, probe in zip((1 / 3, 2 / 3), aligned[2:], strict=False):
        assert probe is not None
        for k in range(2):
            low, high = ends[0][k], ends[1][k]  # type: ignore[index]
            if not _close(probe[k], low + t * (high - low)):
                affine = False
    if not affine:
        points = []
        for value in values:
            compiled = compiled_at(value)
            stages = compiled.by_stage(unit)
            points.append((value, sum(stages.values()), stages))
        return points, base_total, "compiled point by point (not affine in the parameter)"
    size = len(rows.dataset)
    (e0, p0), (e1, p1) = ends  # type: ignore[misc]
    fraction = (np.asarray(values) - values[0]) / span
    exchange = e0 + fraction[:, None] * (e1 - e0)
    path = p0 + fraction[:, None] * (p1 - p0)
    flags = np.asarray(rows.path_is_exchange)
    amount = stored_amounts(exchange, path, np.broadcast_to(flags, exchange.shape),
                            np.asarray(rows.group))
    contributions = amount * unit[np.asarray(rows.dataset)]
    onehot = np.zeros((size, len(STAGES)))
    onehot[np.arange(size), np.asarray(rows.stage)] = 1.0
    stages = contributions @ onehot
    points = [(value, float(stages[i].sum()),
               {s: float(stages[i, j]) for j, s in enumerate(STAGES)})
              for i, value in enumerate(values)]
    return points, base_total, ("vectorised: affine in the parameter (checked at two interior "
                                "points), one pass over all values")


# -- spaces ----------------------------------------------------------------------------------

@dataclass(slots=True)
class _Cluster:
    choices: tuple[int, ...]  # indices into Space.choices
    combos: list[tuple[int, ...]]  # option index per member choice
    exchange: np.ndarray  # combos × rows: Δ raw exchange
    path: np.ndarray  # combos × rows: Δ raw path
    mass: np.ndarray  # combos × 2: Δ mass (g) and Δ lifetime (years)
    cost: np.ndarray  # combos


@dataclass(slots=True)
class CompiledSpace:
    space: Space
    baseline: Design
    base: CompiledProduct
    rows: _Rows
    base_exchange: np.ndarray
    base_path: np.ndarray
    clusters: list[_Cluster]
    unit: np.ndarray
    interactions: list[tuple[str, str]]
    verified: int
    worst_verify: float
    seconds: float
    plan: _Plan | None = None

    def design(self, picks: tuple[int, ...]) -> Design:
        """The design with option ``picks[i]`` of choice ``i``, applied in the file's order."""
        design = self.baseline
        for (_, options), pick in zip(self.space.choices, picks, strict=True):
            design = options[pick].variant.apply(design)
        return design

    def evaluate(self, picks: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Totals, stage totals, masses and costs of designs (rows of option indices)."""
        return _evaluate(self, picks)

    def evaluate_all(self, *, stages: bool = True
                     ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
        """Every design of the space, as flat arrays in the order of ``np.unravel_index``
        (stage totals only when asked: the totals alone are five times less work)."""
        return _evaluate_grid(self, with_stages=stages)

    def labels(self, picks: tuple[int, ...]) -> dict[str, str]:
        return {name: options[pick].name
                for (name, options), pick in zip(self.space.choices, picks, strict=True)}


def _apply(space: Space, baseline: Design, picks: dict[int, int]) -> Design:
    design = baseline
    for index, (_, options) in enumerate(space.choices):
        if index in picks:
            option = options[picks[index]]
            try:
                design = option.variant.apply(design)
            except VariantError as exc:
                raise SpaceError(str(exc)) from None
    return design


def compile_space(space: Space, baseline: Design, rules: RuleSet, solver: Solver
                  ) -> CompiledSpace:
    started = time.perf_counter()
    unit = solver.unit["total"]
    horizon = baseline.scenario.gwp_horizon
    rows = _Rows()
    products: dict[tuple[tuple[int, int], ...], tuple[CompiledProduct, np.ndarray]] = {}

    def compile_picks(picks: dict[int, int]) -> None:
        """Compile a design once; its rows join the row space."""
        key = tuple(sorted(picks.items()))
        if key not in products:
            design = _apply(space, baseline, picks)
            if design.scenario.gwp_horizon != horizon:
                raise SpaceError(f"{space.source}: an option changes gwp_horizon; a space is "
                                 "explored under one horizon (set it in --scenario)")
            product = compile_model(build_model(design, rules), solver)
            rows.align(product)
            products[key] = (product, np.array([design.mass_g,
                                                design.scenario.lifetime_years]))

    aligned: dict[tuple[tuple[int, int], ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    # range options that are interpolated, not compiled: (choice, option) → (low, high, t)
    interpolated: dict[tuple[int, int], tuple[int, int, float]] = {}

    def arrays(picks: dict[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The design's raw exchanges and paths on the row space as it now stands (call after
        every design of a phase is compiled, so the space no longer grows)."""
        key = tuple(sorted(picks.items()))
        if len(key) == 1 and key[0] in interpolated and key not in products:
            c = key[0][0]
            low, high, t = interpolated[key[0]]
            a, b = arrays({c: low}), arrays({c: high})
            return a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), a[2] + t * (b[2] - a[2])
        hit = aligned.get(key)
        if hit is None or len(hit[0]) != len(rows.dataset):
            product, quantities = products[key]
            exchange, path = rows.align(product, grow=False)  # type: ignore[misc]
            hit = aligned[key] = (exchange, path, quantities)
        return hit

    # phase 1: the baseline and every single option
    compile_picks({})
    base = products[()][0]
    affine_choices: list[tuple[int, list[int]]] = []
    for c, (_, options) in enumerate(space.choices):
        values = [o.value for o in options]
        if len(options) >= 5 and all(v is not None for v in values):
            # a range choice: compiled at both ends and two interior probes; if the raw
            # exchanges are affine in the parameter there, the other values are interpolated
            probes = sorted({0, len(options) - 1, len(options) // 3, 2 * len(options) // 3})
            for o in probes:
                compile_picks({c: o})
            affine_choices.append((c, probes))
        else:
            for o in range(len(options)):
                compile_picks({c: o})
    for c, probes in affine_choices:
        options = space.choices[c][1]
        low, high = probes[0], probes[-1]
        span = options[high].value - options[low].value  # type: ignore[operator]
        a, b = arrays({c: low}), arrays({c: high})
        affine = True
        for o in probes[1:-1]:
            t = (options[o].value - options[low].value) / span  # type: ignore[operator]
            got = arrays({c: o})
            affine &= all(_close(got[k], a[k] + t * (b[k] - a[k])) for k in range(3))
        for o in range(len(options)):
            if o in probes:
                continue
            if affine:
                t = (options[o].value - options[low].value) / span  # type: ignore[operator]
                interpolated[(c, o)] = (low, high, t)
            else:
                compile_picks({c: o})

    def delta(c: int, o: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        e, p, m = arrays({c: o})
        be, bp, bm = arrays({})
        return e - be, p - bp, m - bm

    def changes(c: int) -> list[int]:
        base_e, base_p, _ = arrays({})
        return [o for o in range(len(space.choices[c][1]))
                if not (_close(arrays({c: o})[0], base_e) and _close(arrays({c: o})[1], base_p))]

    # phase 2: pairwise interactions, on up to three pairs of changed options per pair of choices
    rng = np.random.default_rng(space.spec.seed)
    parent = list(range(len(space.choices)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    changed = {c: changes(c) for c in range(len(space.choices))}
    pair_probes: list[tuple[int, int, int, int]] = []
    for c1, c2 in itertools.combinations(range(len(space.choices)), 2):
        if not changed[c1] or not changed[c2]:
            continue
        pairs = {(changed[c1][-1], changed[c2][-1])}
        pairs |= {(int(rng.choice(changed[c1])), int(rng.choice(changed[c2])))
                  for _ in range(2)}
        for o1, o2 in sorted(pairs):
            compile_picks({c1: o1, c2: o2})
            pair_probes.append((c1, o1, c2, o2))
    interactions: list[tuple[str, str]] = []
    for c1, o1, c2, o2 in pair_probes:
        if find(c1) == find(c2) and (space.choices[c1][0], space.choices[c2][0]) in interactions:
            continue
        e, p, m = arrays({c1: o1, c2: o2})
        be, bp, bm = arrays({})
        d1, d2 = delta(c1, o1), delta(c2, o2)
        if not (_close(e, be + d1[0] + d2[0]) and _close(p, bp + d1[1] + d2[1])
                and _close(m, bm + d1[2] + d2[2])):
            interactions.append((space.choices[c1][0], space.choices[c2][0]))
            parent[find(c1)] = find(c2)
    # phase 3: interacting choices tabulated jointly over all their option combinations
    groups: dict[int, list[int]] = {}
    for c in range(len(space.choices)):
        groups.setdefault(find(c), []).append(c)
    memberships = []
    for members in groups.values():
        combos = list(itertools.product(*[range(len(space.choices[c][1])) for c in members]))
        if len(combos) > 20_000:
            raise SpaceError(f"{space.source}: choices {[space.choices[c][0] for c in members]}"
                             f" interact and have {len(combos):,} combinations together "
                             "(at most 20,000): split them")
        if len(members) > 1:  # a single choice's options are known from phase 1
            for combo in combos:
                compile_picks(dict(zip(members, combo, strict=True)))
        memberships.append((members, combos))
    be, bp, bm = arrays({})
    clusters = []
    for members, combos in memberships:
        table = [arrays(dict(zip(members, combo, strict=True))) for combo in combos]
        exchange = np.array([e for e, _, _ in table]) - be
        path = np.array([p for _, p, _ in table]) - bp
        mass = np.array([m for _, _, m in table]) - bm  # combos × (g, years)
        member_options = [space.choices[c][1] for c in members]
        cost = np.array([sum(member_options[k][o].cost for k, o in enumerate(combo))
                         for combo in combos])
        clusters.append(_Cluster(tuple(members), combos, exchange, path, mass, cost))
    size = len(rows.dataset)
    base_exchange, base_path = be, bp
    assert len(base_exchange) == size
    result = CompiledSpace(space, baseline, base, rows, base_exchange, base_path, clusters,
                           unit, interactions, 0, 0.0, 0.0)
    # complete designs compiled in full must equal the sum of their clusters' updates
    worst = 0.0
    sizes = [len(options) for _, options in space.choices]
    for _ in range(space.spec.verify):
        picks = tuple(int(rng.integers(n)) for n in sizes)
        full = compile_model(build_model(_apply(space, baseline, dict(enumerate(picks))),
                                         rules), solver)
        summed = float(result.evaluate(np.array([picks]))[0][0])
        expected = full.total(unit)
        relative = abs(summed - expected) / max(abs(expected), 1e-12)
        worst = max(worst, relative)
        if relative > 1e-9:
            raise SpaceError(f"{space.source}: the design {result.labels(picks)} gives "
                             f"{expected:.12g} kg compiled in full but {summed:.12g} from its "
                             "choices' updates: its choices interact beyond pairs")
    result.verified, result.worst_verify = space.spec.verify, worst
    result.seconds = round(time.perf_counter() - started, 3)
    return result


@dataclass(slots=True)
class _Factor:
    """Stage totals (or mass, cost) as a table over a few choices: ``values[o₁, o₂, …, :]``."""

    choices: tuple[int, ...]  # ascending indices into Space.choices
    values: np.ndarray  # shape: options of each choice, then the quantities


@dataclass(slots=True)
class _Plan:
    """A design's figures as a sum of small tables, precomputed once per compiled space.

    Each row is rounded (float32, as Brightway stores it) on its own raw amount, which depends
    only on the clusters that change that row; so the rows are grouped by that set of clusters
    and each group is tabulated, exactly, over the option combinations of its clusters. A design
    is then the sum of one entry of each table: no rounding is approximated away."""

    fixed: np.ndarray  # stage totals of the rows no cluster changes
    factors: list[_Factor]  # stage totals
    mass: list[_Factor]
    cost: list[_Factor]


def _lay(values: np.ndarray, clusters: list[_Cluster], sizes: list[int]) -> _Factor:
    """A table over the clusters' combos (one axis per cluster) → one axis per choice."""
    members = [c for cluster in clusters for c in cluster.choices]
    tail = values.shape[len(clusters):]
    values = values.reshape([sizes[c] for c in members] + list(tail))
    order = np.argsort(members)
    values = np.transpose(values, list(order) + list(range(len(members), values.ndim)))
    return _Factor(tuple(sorted(members)), values)


def _plan(self: CompiledSpace) -> _Plan:
    rows = len(self.rows.dataset)
    sizes = [len(options) for _, options in self.space.choices]
    flags = np.asarray(self.rows.path_is_exchange)
    datasets = np.asarray(self.rows.dataset)
    stage = np.asarray(self.rows.stage)
    touched = np.zeros((len(self.clusters), rows), dtype=bool)
    for k, cluster in enumerate(self.clusters):
        touched[k] = np.any(cluster.exchange != 0, axis=0) | np.any(cluster.path != 0, axis=0)
    onehot = np.zeros((rows, len(STAGES)))
    onehot[np.arange(rows), stage] = 1.0
    group = np.asarray(self.rows.group)
    base_amount = stored_amounts(self.base_exchange, self.base_path, flags, group)
    # a rounding group (one activity's exchanges from one input) is changed as a whole
    group_touched = np.zeros((len(self.clusters), int(group.max()) + 1), dtype=bool)
    for k in range(len(self.clusters)):
        np.logical_or.at(group_touched[k], group, touched[k])
    touched = group_touched[:, group]
    untouched = ~touched.any(axis=0)
    fixed = (base_amount * self.unit[datasets] * untouched) @ onehot
    groups: dict[tuple[int, ...], list[int]] = {}
    for row in np.flatnonzero(~untouched).tolist():
        groups.setdefault(tuple(np.flatnonzero(touched[:, row]).tolist()), []).append(row)
    factors = []
    for members, group_rows in groups.items():
        chosen = [self.clusters[k] for k in members]
        combos = [len(c.combos) for c in chosen]
        if math.prod(combos) > 5_000_000:
            raise SpaceError(f"{self.space.source}: {len(group_rows)} row(s) depend on "
                             f"{math.prod(combos):,} option combinations together")
        cols = np.asarray(group_rows)
        exchange = np.broadcast_to(self.base_exchange[cols], (*combos, len(cols))).copy()
        path = np.broadcast_to(self.base_path[cols], (*combos, len(cols))).copy()
        for axis, cluster in enumerate(chosen):
            shape = [1] * len(chosen) + [len(cols)]
            shape[axis] = combos[axis]
            exchange += cluster.exchange[:, cols].reshape(shape)
            path += cluster.path[:, cols].reshape(shape)
        local = np.unique(group[cols], return_inverse=True)[1]
        amount = stored_amounts(exchange, path, np.broadcast_to(flags[cols], exchange.shape),
                                local)
        table = (amount * self.unit[datasets[cols]]) @ onehot[cols]
        factors.append(_lay(table, chosen, sizes))
    mass = [_lay(c.mass, [c], sizes) for c in self.clusters]
    cost = [_lay(c.cost, [c], sizes) for c in self.clusters]
    return _Plan(fixed, factors, mass, cost)


def _gather(factor: _Factor, picks: np.ndarray) -> np.ndarray:
    return factor.values[tuple(picks[:, c] for c in factor.choices)]


def _evaluate(self: CompiledSpace, picks: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if self.plan is None:
        self.plan = _plan(self)
    plan = self.plan
    stages = np.tile(plan.fixed, (len(picks), 1))
    for factor in plan.factors:
        stages += _gather(factor, picks)
    mass = np.tile([self.baseline.mass_g, self.baseline.scenario.lifetime_years],
                   (len(picks), 1))
    cost = np.zeros(len(picks))
    for factor in plan.mass:
        mass += _gather(factor, picks)
    for factor in plan.cost:
        cost += _gather(factor, picks)
    return stages.sum(axis=1), stages, mass, cost


def _broadcast(factor: _Factor, sizes: list[int]) -> np.ndarray:
    tail = factor.values.shape[len(factor.choices):]
    shape = [sizes[c] if c in factor.choices else 1 for c in range(len(sizes))]
    return factor.values.reshape(shape + list(tail))


def _evaluate_grid(self: CompiledSpace, *, with_stages: bool = True
                   ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """The whole Cartesian product by broadcasting the tables along their choices' axes."""
    if self.plan is None:
        self.plan = _plan(self)
    plan = self.plan
    sizes = [len(options) for _, options in self.space.choices]
    flat_stages = None
    if with_stages:
        stages = np.empty((*sizes, len(STAGES)))
        stages[...] = plan.fixed
        for factor in plan.factors:
            stages += _broadcast(factor, sizes)
        flat_stages = stages.reshape(-1, len(STAGES))
        totals = flat_stages.sum(axis=1)
    else:
        grid = np.full(sizes, float(plan.fixed.sum()))
        for factor in plan.factors:
            grid += _broadcast(_Factor(factor.choices, factor.values.sum(axis=-1)), sizes)
        totals = grid.ravel()
    mass = np.empty((*sizes, 2))
    mass[...] = [self.baseline.mass_g, self.baseline.scenario.lifetime_years]
    cost = np.zeros(sizes)
    for factor in plan.mass:
        mass += _broadcast(factor, sizes)
    for factor in plan.cost:
        cost += _broadcast(factor, sizes)
    return totals, flat_stages, mass.reshape(-1, 2), cost.ravel()


# -- exploring -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Constraint:
    field: str
    op: str
    value: float
    text: str

    def mask(self, values: np.ndarray) -> np.ndarray:
        return {"<=": values <= self.value, ">=": values >= self.value,
                "<": values < self.value, ">": values > self.value,
                "==": values == self.value}[self.op]


def parse_constraint(text: str) -> Constraint:
    match = _CONSTRAINT.match(text)
    if not match or match.group(1) not in OBJECTIVES:
        raise SpaceError(f"--constraint {text!r}: expected FIELD OP NUMBER with FIELD one of "
                         f"{', '.join(OBJECTIVES)} and OP one of <=, >=, <, >, ==")
    return Constraint(match.group(1), match.group(2), float(match.group(3)), text.strip())


@dataclass(slots=True)
class Exploration:
    product: str
    space: str
    source: str
    size: int
    evaluated: int
    exhaustive: bool
    objective: str
    constraints: list[str]
    feasible: int
    baseline: dict[str, Any]
    top: list[dict[str, Any]]
    pareto_mass: list[dict[str, Any]]
    pareto_cost: list[dict[str, Any]] | None
    interactions: list[tuple[str, str]]
    verified: int
    compile_seconds: float
    evaluate_seconds: float
    method: str
    iterations: int = 0
    seed: int | None = None
    mc_path: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def designs_per_second(self) -> float:
        return self.evaluated / self.evaluate_seconds if self.evaluate_seconds else math.inf

    def as_json(self) -> dict[str, Any]:
        return {
            "product": self.product, "space": self.space, "source": self.source,
            "method": self.method, "combinations": self.size, "evaluated": self.evaluated,
            "exhaustive": self.exhaustive, "objective": self.objective,
            "constraints": self.constraints, "feasible": self.feasible,
            "baseline": self.baseline, "top": self.top, "pareto_carbon_mass": self.pareto_mass,
            "pareto_carbon_cost": self.pareto_cost,
            "interacting_choices": [list(pair) for pair in self.interactions],
            "verified_designs": self.verified, "compile_seconds": self.compile_seconds,
            "evaluate_seconds": self.evaluate_seconds,
            "designs_per_second": self.designs_per_second,
            "uncertainty": ({"iterations": self.iterations, "seed": self.seed,
                             "path": self.mc_path,
                             "sampling": "shared draws: the baseline and every reported design "
                                         "scored on the same draws"}
                            if self.iterations else None),
            "notes": self.notes,
        }


def _pareto(first: np.ndarray, second: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Indices (into ``candidates``) of the designs no other design beats on both objectives."""
    order = candidates[np.lexsort((second[candidates], first[candidates]))]
    best = np.minimum.accumulate(second[order])
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = second[order][1:] < best[:-1]
    return order[keep]


def _picks(space: Space, start: int, stop: int) -> np.ndarray:
    sizes = [len(options) for _, options in space.choices]
    return np.stack(np.unravel_index(np.arange(start, stop), sizes), axis=1)


#: Reported designs compiled in full again (and scored by the Monte Carlo), at most.
FULL_CHECK_LIMIT = 60


def _row(compiled: CompiledSpace, picks: tuple[int, ...], total: float,
         by_stage: dict[str, float], mass: float, cost: float, base_total: float,
         lifetime: float) -> dict[str, Any]:
    return {"choices": compiled.labels(picks), "kg_co2e": total,
            "lifetime_years": float(lifetime), "kg_co2e_per_year": total / lifetime,
            "delta_kg_co2e": total - base_total,
            "delta_pct": (total - base_total) / base_total if base_total else 0.0,
            "by_stage": by_stage, "mass_g": float(mass), "cost": float(cost)}


def explore(compiled: CompiledSpace, solver: Solver, rules: RuleSet, *,
            objective: str = "kg_co2e", constraints: list[Constraint] | None = None,
            top: int = 20, iterations: int = 0, seed: int = 42,
            method: str = "") -> Exploration:
    space = compiled.space
    if objective not in OBJECTIVES:
        raise SpaceError(f"--objective {objective!r}: one of {', '.join(OBJECTIVES)}")
    constraints = constraints or []
    size = space.size
    exhaustive = size <= space.spec.limit
    started = time.perf_counter()
    block = 200_000
    if exhaustive:
        count = size
        chunks = [(s, min(size, s + block)) for s in range(0, size, block)]
    else:
        count = space.spec.samples
        rng = np.random.default_rng(space.spec.seed)
        sampled = np.stack([rng.integers(len(options), size=count)
                            for _, options in space.choices], axis=1)
        chunks = [(s, min(count, s + block)) for s in range(0, count, block)]
    totals, masses, costs = np.empty(count), np.empty((count, 2)), np.empty(count)
    stage_values: np.ndarray | None = np.empty((count, len(STAGES)))
    uses_stages = objective.startswith("stage.") or any(
        c.field.startswith("stage.") for c in constraints)
    if exhaustive:
        totals, stage_values, masses, costs = compiled.evaluate_all(stages=uses_stages)
    for start, stop in ([] if exhaustive else chunks):
        t, s, m, c = compiled.evaluate(sampled[start:stop])
        totals[start:stop], masses[start:stop], costs[start:stop] = t, m, c
        if stage_values is not None:
            stage_values[start:stop] = s
    evaluate_seconds = time.perf_counter() - started
    masses, lifetimes = masses[:, 0], masses[:, 1]
    fields = {"kg_co2e": totals, "kg_co2e_per_year": totals / lifetimes, "mass_g": masses,
              "cost": costs}
    if stage_values is not None:
        fields.update({f"stage.{s}": stage_values[:, i] for i, s in enumerate(STAGES)})
    feasible = np.ones(count, dtype=bool)
    for constraint in constraints:
        feasible &= constraint.mask(fields[constraint.field])
    candidates = np.flatnonzero(feasible)
    score = fields[objective]
    if len(candidates) > top:
        best = candidates[np.argpartition(score[candidates], top)[:top]]
    else:
        best = candidates
    best = best[np.argsort(score[best], kind="stable")]
    front_mass = _pareto(totals, masses, candidates) if len(candidates) else candidates
    has_cost = any(o.cost for _, options in space.choices for o in options)
    front_cost = (_pareto(totals, costs, candidates) if has_cost and len(candidates)
                  else None)

    def picks_of(index: int) -> tuple[int, ...]:
        if exhaustive:
            return tuple(int(i) for i in _picks(space, index, index + 1)[0])
        return tuple(int(i) for i in sampled[index])

    base_total = compiled.base.total(compiled.unit)
    reported: dict[int, dict[str, Any]] = {}
    designs: dict[int, CompiledProduct] = {}
    # the top designs and the carbon–mass front are compiled in full again (a check, and the
    # compiled products the Monte Carlo scores); the cost front, often hundreds of designs, is
    # read from the compiled space's own stage tables
    first = [*best.tolist(), *[i for i in front_mass.tolist() if i not in set(best.tolist())]]
    checked = first[:FULL_CHECK_LIMIT]
    rest = [i for i in ([] if front_cost is None else front_cost.tolist())
            if i not in set(first)] + first[FULL_CHECK_LIMIT:]
    for index in checked:
        picks = picks_of(index)
        full = compile_model(build_model(compiled.design(picks), rules), solver)
        exact = full.by_stage(compiled.unit)
        total = sum(exact.values())
        if abs(total - totals[index]) > 1e-9 * max(1.0, abs(total)):
            raise SpaceError(f"design {compiled.labels(picks)}: {totals[index]:.12g} from the "
                             f"compiled space, {total:.12g} compiled in full")
        designs[index] = full
        reported[index] = _row(compiled, picks, total, exact, masses[index], costs[index],
                               base_total, lifetimes[index])
    if rest:
        rest_picks = np.array([picks_of(i) for i in rest])
        rest_totals, rest_stages, _, _ = compiled.evaluate(rest_picks)
        assert rest_stages is not None
        for k, index in enumerate(rest):
            stages_k = {st: float(rest_stages[k, j]) for j, st in enumerate(STAGES)}
            reported[index] = _row(compiled, tuple(int(x) for x in rest_picks[k]),
                                   float(rest_totals[k]), stages_k, masses[index],
                                   costs[index], base_total, lifetimes[index])
    mc_path = None
    if iterations and designs:
        order = list(designs)
        draws = monte_carlo([compiled.base] + [designs[i] for i in order], solver, iterations,
                            seed)
        mc_path = draws.path
        for column, index in enumerate(order, start=1):
            delta = draws.totals[:, column] - draws.totals[:, 0]
            p5, p50, p95 = np.percentile(draws.totals[:, column], [5, 50, 95])
            reported[index]["probability_lower"] = float(np.mean(delta < 0))
            reported[index]["p5"], reported[index]["p50"], reported[index]["p95"] = (
                float(p5), float(p50), float(p95))
    baseline = {"kg_co2e": base_total, "by_stage": compiled.base.by_stage(compiled.unit),
                "mass_g": compiled.baseline.mass_g,
                "lifetime_years": compiled.baseline.scenario.lifetime_years,
                "kg_co2e_per_year": base_total / compiled.baseline.scenario.lifetime_years}
    return Exploration(
        product=compiled.baseline.product_number, space=space.name, source=space.source,
        size=size, evaluated=count, exhaustive=exhaustive, objective=objective,
        constraints=[c.text for c in constraints], feasible=int(feasible.sum()),
        baseline=baseline, top=[reported[i] for i in best.tolist()],
        pareto_mass=[reported[i] for i in front_mass.tolist()],
        pareto_cost=None if front_cost is None else [reported[i] for i in front_cost.tolist()],
        interactions=compiled.interactions, verified=compiled.verified,
        compile_seconds=compiled.seconds, evaluate_seconds=round(evaluate_seconds, 4),
        method=method, iterations=iterations, seed=seed if iterations else None,
        mc_path=mc_path,
        notes=[f"{compiled.verified} random complete designs compiled in full agreed with the "
               f"compiled space to {compiled.worst_verify:.1e} (relative)",
               f"{len(designs)} reported designs (the top and the carbon-mass front, at most "
               f"{FULL_CHECK_LIMIT}) were compiled in full again and agree to 1e-9; figures use "
               "float32 exchanges, as Brightway stores them",
               *([f"Monte Carlo ({iterations} shared draws, {mc_path}) on the designs compiled "
                  "in full"] if iterations else [])])
