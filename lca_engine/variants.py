"""Design variants: recycled content, substitutions, packaging and scenario changes, compared fast.

A variant file (YAML) names an ordered list of changes. Each change selects materials or parts
(by part number glob, BoM category, material-name or material-group pattern, or mapping rule)
and turns one ``Design`` into another; the stored baseline is never touched.

Speed comes from Brightway's adjoint solution. ``FastScoresOnlyMultiLCA(direction="adjoint")``
gives, in one transposed solve, the score of one unit of every background dataset (``λ``). A
product's footprint is then the foreground's linear aggregation of its background inputs, so any
variant of the foreground — a recycled share, a lighter box, another grid — costs a rebuild of the
foreground amounts and one dot product with ``λ``, not a new LCA. The baseline computed this way
is checked against Brightway's own total on every comparison.

With ``iterations``, the baseline and every variant are compiled (``lca_engine.compiled``) and
scored on the same draws (``lca_engine.solver``): each iteration draws the background once and
scores all designs with that draw (correlated sampling), so a small real improvement is not lost
in the shared uncertainty.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .input_schema import InputSchemaError, read_yaml_mapping, validate
from .mapping import MaterialInput, RuleSet
from .product_model import STAGES, Design, PartDesign, ProductModel, build_model
from .scenario import ScenarioError
from .variant_schema import ChangeSpec, VariantFile

if TYPE_CHECKING:
    from .solver import Solver

VARIANT_KINDS = ("PIC", "PCC", "CL-PCC", "OBP", "recycled-metal", "bio-based")
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


class VariantError(ValueError):
    """A variant file is wrong: the message names the file, the change and the field."""


# -- selecting -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Selector:
    part: str | None = None  # glob on part numbers
    category: str | None = None  # BoM category, exact
    material: re.Pattern[str] | None = None  # regex on material names
    group: re.Pattern[str] | None = None  # regex on material groups
    text: str = ""

    def part_matches(self, part: PartDesign) -> bool:
        if self.part and not fnmatch.fnmatchcase(part.part_number, self.part):
            return False
        return not (self.category and (part.category or "") != self.category)

    def material_matches(self, material: MaterialInput) -> bool:
        if self.material and not self.material.search(material.name):
            return False
        return not (self.group and not self.group.search(material.group or ""))

    @property
    def selects_materials(self) -> bool:
        return self.material is not None or self.group is not None


def _selector(raw: Any, where: str) -> Selector:
    if not isinstance(raw, dict) or not raw:
        raise VariantError(f"{where}: 'select' needs at least one of part, category, "
                           "material, group")
    unknown = set(raw) - {"part", "category", "material", "group"}
    if unknown:
        raise VariantError(f"{where}: unknown selector field(s) {sorted(unknown)}")
    try:
        return Selector(
            part=str(raw["part"]) if "part" in raw else None,
            category=str(raw["category"]).lower() if "category" in raw else None,
            material=re.compile(str(raw["material"]), re.I) if "material" in raw else None,
            group=re.compile(str(raw["group"]), re.I) if "group" in raw else None,
            text=", ".join(f"{k}={v}" for k, v in raw.items()))
    except re.error as exc:
        raise VariantError(f"{where}: bad pattern in select: {exc}") from None


# -- changes -----------------------------------------------------------------------------------

def _share(value: Any, where: str) -> float:
    """0–1, or a percentage written as '75%'; anything outside 0–100 % is an error."""
    text = str(value).strip()
    try:
        share = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise VariantError(f"{where}: share {value!r} is not a number") from None
    if not 0.0 <= share <= 1.0:
        raise VariantError(f"{where}: share {value!r} is outside 0–100 % "
                           "(write 0.75 or '75%')")
    return share


def _positive(value: Any, where: str, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise VariantError(f"{where}: {name} {value!r} is not a number") from None
    if number < 0:
        raise VariantError(f"{where}: {name} {number:g} must not be negative")
    return number


@dataclass(frozen=True, slots=True)
class Change:
    """One step of a variant: a named, described function from design to design."""

    kind: str
    description: str
    apply: Callable[[Design], Design]


def _map_parts(design: Design, selector: Selector, where: str,
               edit: Callable[[PartDesign, list[MaterialInput]], list[MaterialInput]]) -> Design:
    """Apply ``edit`` to the materials ``selector`` picks; error if it picks nothing."""
    touched = 0
    parts = []
    for part in design.parts:
        if part.materials is None or not selector.part_matches(part):
            parts.append(part)
            continue
        chosen = [m for m in part.materials if not selector.selects_materials
                  or selector.material_matches(m)]
        if not chosen:
            parts.append(part)
            continue
        touched += len(chosen)
        rest = [m for m in part.materials if m not in chosen]
        # a supplier's PCF describes the part as it was declared, not as the variant changes it
        parts.append(replace(part, materials=tuple(rest + edit(part, chosen)),
                             supplier_pcf=None))
    if not touched:
        raise VariantError(f"{where}: selector ({selector.text}) selects nothing in "
                           f"{design.product_number}")
    return replace(design, parts=tuple(parts))


def _material_spec(raw: Any, where: str, template: MaterialInput, mass_g: float,
                   category: str | None) -> MaterialInput:
    if not isinstance(raw, dict) or "name" not in raw:
        raise VariantError(f"{where}: a new material needs at least a name")
    recycled = raw.get("recycled") or {}
    kind = recycled.get("kind")
    if kind is not None and kind not in VARIANT_KINDS:
        raise VariantError(f"{where}: recycled kind {kind!r} is not one of "
                           f"{', '.join(VARIANT_KINDS)}")
    return MaterialInput(
        name=str(raw["name"]), mass_g=mass_g, group=str(raw.get("group") or template.group or ""),
        recycled_kind=kind,
        recycled_share=_share(recycled.get("share", 0), where) if kind else 0.0,
        part_category=category)


def _change(raw: dict[str, Any], where: str) -> Change:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise VariantError(f"{where}: each change is one of recycled, substitute, replace, "
                           "remove, scale, scenario")
    (kind, spec), = raw.items()
    if kind == "scenario":
        if not isinstance(spec, dict):
            raise VariantError(f"{where}: scenario change must be a mapping of keys")

        def scenario_change(design: Design) -> Design:
            try:
                return replace(design, scenario=design.scenario.with_overrides(spec, where))
            except ScenarioError as exc:
                raise VariantError(f"{where}: {exc}") from None

        return Change("scenario", f"scenario: {_flat(spec)}", scenario_change)
    if not isinstance(spec, dict):
        raise VariantError(f"{where}: {kind} needs a mapping")
    selector = _selector(spec.get("select"), where)
    if kind == "recycled":
        share = _share(spec.get("share"), where)
        content = str(spec.get("kind", "PCC"))
        if content not in VARIANT_KINDS:
            raise VariantError(f"{where}: kind {content!r} is not one of "
                               f"{', '.join(VARIANT_KINDS)}")

        def recycled(design: Design) -> Design:
            return _map_parts(design, selector, where, lambda _part, chosen: [
                replace(m, recycled_kind=content, recycled_share=share) for m in chosen])

        return Change(kind, f"{share:.0%} {content} in ({selector.text})", recycled)
    if kind == "substitute":
        ratio = _positive(spec.get("mass_ratio", 1.0), where, "mass_ratio")

        def substitute(design: Design) -> Design:
            return _map_parts(design, selector, where, lambda part, chosen: [
                _material_spec(spec.get("to"), where, m, (m.mass_g or 0.0) * ratio,
                               part.category) for m in chosen])

        target = (spec.get("to") or {}).get("name", "?")
        return Change(kind, f"({selector.text}) → {target} at {ratio:g}× mass", substitute)
    if kind == "replace":
        materials = spec.get("materials")
        if not isinstance(materials, list) or not materials:
            raise VariantError(f"{where}: replace needs a list of materials")

        def replace_materials(design: Design) -> Design:
            def edit(part: PartDesign, chosen: list[MaterialInput]) -> list[MaterialInput]:
                old = sum(m.mass_g or 0.0 for m in chosen)
                new = []
                for item in materials:
                    if "mass_g" in item:
                        grams = _positive(item["mass_g"], where, "mass_g")
                    else:
                        grams = old * _positive(item.get("mass_ratio", 1.0), where,
                                                "mass_ratio")
                    new.append(_material_spec(item, where, chosen[0], grams, part.category))
                return new

            return _map_parts(design, selector, where, edit)

        names = ", ".join(str(m.get("name")) for m in materials)
        return Change(kind, f"({selector.text}) replaced by {names}", replace_materials)
    if kind == "remove":
        return Change(kind, f"remove ({selector.text})",
                      lambda design: _map_parts(design, selector, where, lambda _p, _c: []))
    if kind == "scale":
        factor = _positive(spec.get("factor"), where, "factor")
        return Change(kind, f"({selector.text}) mass × {factor:g}",
                      lambda design: _map_parts(design, selector, where, lambda _p, chosen: [
                          replace(m, mass_g=(m.mass_g or 0.0) * factor,
                                  substances=tuple((c, g * factor) for c, g in m.substances))
                          for m in chosen]))
    raise VariantError(f"{where}: unknown change {kind!r}; expected recycled, substitute, "
                       "replace, remove, scale or scenario")


def _flat(spec: Any, prefix: str = "") -> str:
    if isinstance(spec, dict):
        return ", ".join(_flat(v, f"{prefix}{k}.") for k, v in spec.items())
    return f"{prefix[:-1]}={spec}"


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    description: str
    changes: tuple[Change, ...]
    source: str
    params: dict[str, Any] = field(default_factory=dict)

    def apply(self, design: Design) -> Design:
        for change in self.changes:
            design = change.apply(design)
        return design

    def steps(self, design: Design) -> list[Design]:
        """The design after each change, in order (for the contribution of each change)."""
        out = []
        for change in self.changes:
            design = change.apply(design)
            out.append(design)
        return out


def _substitute(value: Any, params: dict[str, Any], where: str) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, params, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, params, where) for v in value]
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            if whole.group(1) not in params:
                raise VariantError(f"{where}: parameter ${{{whole.group(1)}}} has no value")
            return params[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(params[m.group(1)]), value)
    return value


def parse_variant(content: dict[str, Any], source: str,
                  params: dict[str, Any] | None = None, text: str | None = None) -> Variant:
    """A variant from its parsed YAML ``content``; ``text`` (the file's YAML) adds line numbers
    to schema errors. Unknown keys anywhere are refused (``variant_schema``)."""
    if not isinstance(content, dict) or not isinstance(content.get("changes"), list):
        raise VariantError(f"{source}: a variant is a mapping with a 'changes' list")
    try:
        validate(VariantFile, content, source, text)
    except InputSchemaError as exc:
        raise VariantError(str(exc)) from None
    values = {**(content.get("params") or {}), **(params or {})}
    changes = []
    for index, raw in enumerate(content["changes"]):
        where = f"{source}: changes[{index}]"
        change = _substitute(raw, values, where)
        try:
            validate(ChangeSpec, change, source, text, prefix=("changes", index))
        except InputSchemaError as exc:
            raise VariantError(str(exc)) from None
        changes.append(_change(change, where))
    name = str(content.get("name") or Path(source).stem)
    return Variant(name=name, description=str(content.get("description", "")).strip(),
                   changes=tuple(changes), source=source, params=values)


def load_variant(path: Path, params: dict[str, Any] | None = None) -> Variant:
    try:
        content, text = read_yaml_mapping(path, "variant")
    except InputSchemaError as exc:
        raise VariantError(str(exc)) from None
    return parse_variant(content, str(path), params, text)


# -- fast evaluation -------------------------------------------------------------------------

@dataclass(slots=True)
class UnitScores:
    """kg CO2e per unit of every background dataset, from Brightway's adjoint solve."""

    by_dataset: dict[str, float]

    def __getitem__(self, dataset: str) -> float:
        try:
            return self.by_dataset[dataset]
        except KeyError:
            raise VariantError(f"dataset {dataset!r} is not in the Brightway project") from None


def unit_scores(unit_by_id: dict[int, float]) -> UnitScores:
    """Index the adjoint scores of every background activity by dataset key."""
    import bw2data as bd

    scores: dict[str, float] = {}
    for name in bd.databases:
        if name.startswith("gscdm-fg-") or name == "biosphere3":
            continue
        prefix = "" if name == "gscdm-background" else f"{name}::"
        for node in bd.Database(name):
            if node.id in unit_by_id:
                scores[prefix + node["code"]] = unit_by_id[node.id]
    return UnitScores(scores)


@dataclass(frozen=True, slots=True)
class ProxyFlow:
    """A proxy input whose mapping uncertainty is sampled once per identity per iteration."""

    stage: str
    dataset: str
    amount: float
    gsd: float
    key: tuple[str, str, str]  # (part, material, dataset): the same flow in every design


@dataclass(slots=True)
class DesignVector:
    """A product model as background inputs per stage: the foreground's linear aggregation."""

    exact: dict[str, dict[str, float]]  # stage → dataset → amount
    proxies: list[ProxyFlow]


def design_vector(model: ProductModel) -> DesignVector:
    scenario = model.scenario
    exact: dict[str, dict[str, float]] = {stage: {} for stage in STAGES}
    proxies: list[ProxyFlow] = []
    materials = exact["materials"]
    for flow in model.flows:
        amount = flow.input.amount * flow.units_per_product
        if flow.input.gsd:
            proxies.append(ProxyFlow("materials", flow.input.dataset, amount, flow.input.gsd,
                                     (flow.part_number, flow.material, flow.input.dataset)))
        else:
            materials[flow.input.dataset] = materials.get(flow.input.dataset, 0.0) + amount
    grid = scenario.grid(scenario.factory_region)
    for stage in STAGES[1:]:
        target = exact[stage]
        for item in model.stages.get(stage, []):
            if item.dataset.startswith("@"):  # factory electricity: grid and rooftop PV
                for dataset, share in ((grid, 1 - scenario.pv_share),
                                       (scenario.pv_dataset, scenario.pv_share)):
                    if share:
                        target[dataset] = target.get(dataset, 0.0) + item.amount * share
            else:
                target[item.dataset] = target.get(item.dataset, 0.0) + item.amount
    return DesignVector(exact, proxies)


def stage_scores(model: ProductModel, unit: UnitScores | Solver) -> dict[str, float]:
    """The foreground's aggregation: stage → kg CO2e, as dot products with the unit scores
    (with a ``Solver``: the compiled product, rounded as Brightway stores its amounts)."""
    from .solver import Solver

    if isinstance(unit, Solver):
        from .compiled import compile_model

        return compile_model(model, unit).by_stage(unit.unit["total"])
    vector = design_vector(model)
    totals = {stage: sum(amount * unit[dataset] for dataset, amount in inputs.items())
              for stage, inputs in vector.exact.items()}
    for proxy in vector.proxies:
        totals[proxy.stage] += proxy.amount * unit[proxy.dataset]
    return totals


@dataclass(slots=True)
class VariantResult:
    name: str
    source: str
    total_kg_co2e: float
    by_stage: dict[str, float]
    delta_kg_co2e: float
    delta_pct: float
    by_stage_delta: dict[str, float]
    changes: list[dict[str, Any]]
    mass_g: float
    lifetime_years: float = 1.0
    probability_lower: float | None = None
    delta_percentiles: dict[str, float] | None = None
    #: the allocation of recycled content this variant was computed with (a scenario change
    #: may switch it) and its CFF parameters (None under cut-off)
    allocation: str = "cut-off"
    allocation_parameters: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name, "source": self.source, "total_kg_co2e": self.total_kg_co2e,
            "allocation": self.allocation, "allocation_parameters": self.allocation_parameters,
            "lifetime_years": self.lifetime_years,
            "kg_co2e_per_year": self.total_kg_co2e / self.lifetime_years,
            "delta_kg_co2e": self.delta_kg_co2e, "delta_pct": self.delta_pct,
            "by_stage": self.by_stage, "by_stage_delta": self.by_stage_delta,
            "changes": self.changes, "mass_g": self.mass_g}
        if self.probability_lower is not None:
            data["probability_lower"] = self.probability_lower
            data["delta_percentiles"] = self.delta_percentiles
        return data


@dataclass(slots=True)
class Comparison:
    product: str
    baseline_total: float
    baseline_by_stage: dict[str, float]
    variants: list[VariantResult]
    method: str
    seconds: float
    baseline_lifetime_years: float = 1.0
    iterations: int = 0
    seed: int | None = None
    notes: list[str] = field(default_factory=list)
    #: the baseline's allocation (cut-off or cff) and its CFF parameters (None under cut-off)
    allocation: str = "cut-off"
    allocation_parameters: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "method": self.method,
            "allocation": self.allocation,
            "allocation_parameters": self.allocation_parameters,
            "baseline": {"total_kg_co2e": self.baseline_total, "by_stage": self.baseline_by_stage,
                         "lifetime_years": self.baseline_lifetime_years,
                         "kg_co2e_per_year": self.baseline_total / self.baseline_lifetime_years},
            "variants": [v.as_json() for v in self.variants],
            "uncertainty": {"iterations": self.iterations, "seed": self.seed,
                            "sampling": "correlated: one background draw per iteration for the "
                                        "baseline and all variants"} if self.iterations else None,
            "seconds": self.seconds,
            "notes": self.notes,
        }


def evaluate(design: Design, rules: RuleSet, unit: UnitScores | Solver
             ) -> tuple[ProductModel,
                                                                         dict[str, float]]:
    model = build_model(design, rules)
    return model, stage_scores(model, unit)


def compare_variants(baseline: Design, variants: Sequence[Variant], rules: RuleSet,
                     unit: UnitScores | Solver, brightway_total: float) -> tuple[
                         dict[str, float], list[VariantResult], dict[str, Design]]:
    """Deterministic comparison; checks the fast path against Brightway's baseline total."""
    _, base = evaluate(baseline, rules, unit)
    base_total = sum(base.values())
    if abs(base_total - brightway_total) > 1e-9 * max(1.0, abs(brightway_total)):
        raise VariantError(f"the fast path gives {base_total:.9g} for the baseline, Brightway "
                           f"{brightway_total:.9g}: the foreground aggregation is inconsistent")
    results, designs = [], {}
    for variant in variants:
        previous_total, changes = base_total, []
        design = baseline
        for change, step in zip(variant.changes, variant.steps(baseline), strict=True):
            _, scores = evaluate(step, rules, unit)
            total = sum(scores.values())
            changes.append({"change": change.kind, "description": change.description,
                            "delta_kg_co2e": total - previous_total})
            previous_total, design = total, step
        model, scores = evaluate(design, rules, unit)
        total = sum(scores.values())
        ranked = sorted(changes, key=lambda c: c["delta_kg_co2e"])
        for rank, entry in enumerate(ranked, start=1):
            entry["rank"] = rank
        results.append(VariantResult(
            name=variant.name, source=variant.source, total_kg_co2e=total, by_stage=scores,
            delta_kg_co2e=total - base_total,
            delta_pct=(total - base_total) / base_total if base_total else 0.0,
            by_stage_delta={s: scores[s] - base[s] for s in STAGES}, changes=ranked,
            mass_g=model.mass_g, lifetime_years=design.scenario.lifetime_years,
            allocation=design.scenario.allocation,
            allocation_parameters=design.scenario.allocation_parameters()))
        designs[variant.name] = design
    return base, results, designs


def correlated_monte_carlo(baseline: ProductModel, models: dict[str, ProductModel],
                           iterations: int, seed: int, method: tuple[str, ...] | None = None,
                           *, solver: Solver | None = None) -> dict[str, np.ndarray]:
    """Totals per design per iteration, every design scored on the same draws.

    The designs are compiled (``lca_engine.compiled``) and scored on shared draws of the
    background (``Solver.draws``: array operations on a flat background, bw2calc's per-iteration
    re-solve otherwise) and of each foreground flow's own uncertainty, keyed by (part, material,
    dataset) so that a flow the designs share moves the same way in all of them."""
    from .compiled import compile_model, monte_carlo
    from .solver import Solver

    if solver is None:
        solver = Solver.for_background(baseline.scenario.gwp_horizon)
    labels = list(models)
    draws = monte_carlo([compile_model(models[label], solver) for label in labels], solver,
                        iterations, seed)
    return {label: draws.totals[:, i] for i, label in enumerate(labels)}


@dataclass(slots=True)
class Sweep:
    product: str
    variant: str
    param: str
    points: list[tuple[float, float, dict[str, float]]]  # (value, total, by stage)
    baseline_total: float
    seconds: float
    path: str = ""  # how the points were evaluated (design_space.sweep_compiled)

    def as_json(self) -> dict[str, Any]:
        return {"product": self.product, "variant": self.variant, "param": self.param,
                "baseline_total_kg_co2e": self.baseline_total, "seconds": self.seconds,
                "path": self.path,
                "points": [{"value": v, "total_kg_co2e": t,
                            "delta_kg_co2e": t - self.baseline_total, "by_stage": s}
                           for v, t, s in self.points]}


@dataclass(slots=True)
class BatchFootprints:
    """Footprints of many products on the fast path (``gscdm footprint --all``)."""

    rows: list[dict[str, Any]]
    seconds: float
    setup_seconds: float

    @property
    def products_per_second(self) -> float:
        work = self.seconds - self.setup_seconds
        return len(self.rows) / work if work > 0 else float("inf")

    def as_json(self) -> dict[str, Any]:
        return {"products": self.rows, "count": len(self.rows), "seconds": self.seconds,
                "setup_seconds": self.setup_seconds,
                "products_per_second": self.products_per_second,
                "path": "compiled: adjoint unit scores of the background × each product's "
                        "compiled foreground (float32 exchanges, as Brightway stores them)"}


def sweep_values(spec: str) -> tuple[str, list[float]]:
    """``NAME=START:STOP:STEP`` → (name, values including STOP when it falls on a step)."""
    match = re.fullmatch(r"(\w+)=([-+0-9.eE]+):([-+0-9.eE]+):([-+0-9.eE]+)", spec.strip())
    if not match:
        raise VariantError(f"--param {spec!r}: expected NAME=START:STOP:STEP, e.g. share=0:1:0.1")
    name, start, stop, step = match.group(1), *map(float, match.groups()[1:])
    if step <= 0 or stop < start:
        raise VariantError(f"--param {spec!r}: need STEP > 0 and STOP ≥ START")
    count = int(np.floor((stop - start) / step + 1e-9)) + 1
    if count > 10_000:
        raise VariantError(f"--param {spec!r}: {count} points; at most 10,000")
    return name, [round(start + i * step, 12) for i in range(count)]


def sanitise(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:60] or "variant"


__all__ = [
    "BatchFootprints",
    "Comparison",
    "Sweep",
    "Variant",
    "VariantError",
    "VariantResult",
    "compare_variants",
    "correlated_monte_carlo",
    "load_variant",
    "parse_variant",
    "stage_scores",
    "sweep_values",
    "unit_scores",
]
