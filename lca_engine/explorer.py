"""The design explorer: one product's baseline solved once, then variants evaluated on demand.

The workbench (``gscdm serve``) changes a design many times a second while an engineer moves a
slider. Re-solving Brightway for each change (``Workspace.compare``) costs the foreground write
and the adjoint solve every time; here they are done once, when the explorer is opened, and each
evaluation is the variant's foreground rebuild and one dot product with the cached unit scores —
the same arithmetic ``gscdm compare`` does, checked against Brightway's baseline total on every
call.

``evaluate_variants`` is the one place where a variant becomes numbers. When a faster solver
(a compiled design space) lands, it is swapped in there and every caller follows.

Variant files: a design saved from the explorer is an ordinary variant YAML (``gscdm compare
--variant FILE`` reads it). They live in ``<home>/variants/<product>/``; further folders (e.g.
``bom_samples/variants``) can be listed too, and their files show up beside the saved ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .product_model import STAGES
from .variants import (
    VARIANT_KINDS,
    Comparison,
    Variant,
    VariantError,
    VariantResult,
    compare_variants,
    parse_variant,
    sanitise,
    sweep_values,
)

if TYPE_CHECKING:
    from .mapping import RuleSet
    from .product_model import Design, ProductModel
    from .solver import Solver
    from .variants import Sweep
    from .workspace import Workspace

VARIANTS_DIRNAME = "variants"
_INDEX = re.compile(r"changes\[(\d+)\]")


def evaluate_variants(explorer: DesignExplorer, variants: list[Variant]
                      ) -> tuple[dict[str, float], list[VariantResult], dict[str, Design]]:
    """Variants → (baseline by stage, results, final designs): the solver boundary. ``unit`` is
    the solver ``Workspace._baseline`` scores with (``lca_engine.solver``)."""
    return compare_variants(explorer.baseline, variants, explorer.rules, explorer.unit,
                            explorer.brightway_total)


def sampled_totals(explorer: DesignExplorer, models: dict[str, ProductModel], iterations: int,
                   seed: int) -> dict[str, Any]:
    """Each design's total per Monte Carlo iteration, all on the same draws: the Monte Carlo
    boundary. The compiled designs (``lca_engine.compiled``) are scored on the solver's shared
    vectorised draws, as ``Workspace.compare`` does, so the explorer equals ``gscdm compare
    --iterations N --seed S``."""
    from .compiled import compile_model, monte_carlo

    labels = list(models)
    draws = monte_carlo([compile_model(models[label], explorer.unit) for label in labels],
                        explorer.unit, iterations, seed)
    return {label: draws.totals[:, i] for i, label in enumerate(labels)}


@dataclass(frozen=True, slots=True)
class VariantFile:
    """A variant YAML on disk, as the explorer lists it."""

    name: str
    file: str  # the file name, unique among the listed folders
    path: Path
    description: str
    content: dict[str, Any] | None  # the YAML as read; None when it is not readable
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "file": self.file, "path": str(self.path),
                "description": self.description, "content": self.content, "error": self.error}


@dataclass(slots=True)
class ExplorerOptions:
    """What the explorer's forms offer for one product: parts, material groups and materials
    (with their declared mass and recycled content), recycled kinds, scenario regions."""

    product: str
    parts: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    materials: list[dict[str, Any]]
    recycled_kinds: list[str]
    regions: list[str]
    transport_modes: list[str]
    solders: list[str]
    scenario: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"product": self.product, "parts": self.parts, "groups": self.groups,
                "materials": self.materials, "recycled_kinds": self.recycled_kinds,
                "regions": self.regions, "transport_modes": self.transport_modes,
                "solders": self.solders, "scenario": self.scenario}


@dataclass(slots=True)
class DesignExplorer:
    """A product's baseline, solved once; variants are evaluated against it in milliseconds."""

    workspace: Workspace
    product: str
    baseline: Design
    rules: RuleSet
    model: ProductModel
    unit: Solver
    brightway_total: float
    method: tuple[str, ...]
    variant_dirs: list[Path] = field(default_factory=list)

    # -- evaluating ----------------------------------------------------------------------------

    def compare(self, variants: list[Variant], *, iterations: int = 0, seed: int = 42
                ) -> Comparison:
        """Baseline against ``variants``, as ``Workspace.compare`` computes it (same JSON)."""
        import time

        started = time.perf_counter()
        base, results, designs = evaluate_variants(self, variants)
        comparison = Comparison(product=self.product, baseline_total=sum(base.values()),
                                baseline_by_stage=base, variants=results,
                                method=" / ".join(self.method), seconds=0.0,
                                baseline_lifetime_years=self.baseline.scenario.lifetime_years)
        if iterations:
            self._uncertainty(comparison, designs, iterations, seed)
        self._new_gaps(comparison, designs)
        comparison.seconds = round(time.perf_counter() - started, 4)
        return comparison

    def _new_gaps(self, comparison: Comparison, designs: dict[str, Design]) -> None:
        """A substituted or replacing material that no mapping rule covers adds nothing to the
        footprint: name it (a note per gap the baseline does not have), so a lower total is
        never mistaken for a better design."""
        from .product_model import build_model

        known = {(g.part_number, g.what, g.detail) for g in self.model.gaps}
        for result in comparison.variants:
            model = build_model(designs[result.name], self.rules)
            for gap in model.gaps:
                if (gap.part_number, gap.what, gap.detail) not in known:
                    comparison.notes.append(f"{result.name}: {gap.part_number}: {gap.what}: "
                                            f"{gap.detail} (counted as zero)")

    def _uncertainty(self, comparison: Comparison, designs: dict[str, Design], iterations: int,
                     seed: int) -> None:
        """P(lower than the baseline) and P5/P50/P95 of each delta, from correlated sampling
        (every design scored on the same background draw), equal to ``gscdm compare
        --iterations N --seed S`` (see ``sampled_totals``)."""
        import numpy as np

        from .product_model import build_model

        models = {"baseline": self.model}
        for result in comparison.variants:
            models[result.name] = build_model(designs[result.name], self.rules,
                                              variant=sanitise(result.name))
        totals = sampled_totals(self, models, iterations, seed)
        for result in comparison.variants:
            delta = totals[result.name] - totals["baseline"]
            result.probability_lower = float(np.mean(delta < 0))
            p5, p50, p95 = np.percentile(delta, [5, 50, 95])
            result.delta_percentiles = {"p5": float(p5), "p50": float(p50), "p95": float(p95)}
        comparison.iterations, comparison.seed = iterations, seed

    def evaluate(self, content: dict[str, Any], *, source: str = "explorer",
                 iterations: int = 0, seed: int = 42) -> Comparison:
        """One variant given as the mapping a variant YAML holds."""
        return self.compare([parse_variant(content, source)], iterations=iterations, seed=seed)

    def sweep(self, content: dict[str, Any], param: str, *, source: str = "explorer") -> Sweep:
        """One variant parameter over a range (``NAME=START:STOP:STEP``), as ``gscdm sweep``."""
        import time

        from .variants import Sweep

        name, values = sweep_values(param)
        started = time.perf_counter()
        variants = [parse_variant(content, source, {name: value}) for value in values]
        base, results, _ = evaluate_variants(self, variants)
        points = [(value, result.total_kg_co2e, result.by_stage)
                  for value, result in zip(values, results, strict=True)]
        return Sweep(product=self.product, variant=source, param=name, points=points,
                     baseline_total=sum(base.values()),
                     seconds=round(time.perf_counter() - started, 4))

    # -- what the forms offer ---------------------------------------------------------------

    def options(self) -> ExplorerOptions:
        scenario = self.baseline.scenario
        parts: list[dict[str, Any]] = []
        groups: dict[str, Any] = {}
        materials: dict[str, Any] = {}
        for part in self.baseline.parts:
            parts.append({"part_number": part.part_number, "name": part.name,
                          "category": part.category, "units_per_product": part.units_per_product,
                          "mass_g": part.own_mass_g, "declared": part.materials is not None})
            for material in part.materials or ():
                grams = (material.mass_g or 0.0) * part.units_per_product
                group = groups.setdefault(material.group or "", {
                    "group": material.group or "", "mass_g": 0.0, "recycled_g": 0.0,
                    "kinds": set()})
                group["mass_g"] += grams
                group["recycled_g"] += grams * material.recycled_share
                if material.recycled_kind:
                    group["kinds"].add(material.recycled_kind)
                entry = materials.setdefault(material.name, {
                    "name": material.name, "group": material.group, "mass_g": 0.0, "parts": []})
                entry["mass_g"] += grams
                entry["parts"].append(part.part_number)
        group_rows = [{"group": g["group"], "mass_g": g["mass_g"],
                       "declared_recycled_share": g["recycled_g"] / g["mass_g"]
                       if g["mass_g"] else 0.0, "declared_kinds": sorted(g["kinds"])}
                      for g in sorted(groups.values(), key=lambda g: -g["mass_g"]) if g["group"]]
        # the baseline's scenario values in the variant grammar (what a scenario change sets)
        values = {
            "lifetime_years": scenario.lifetime_years,
            "use": {"region": scenario.use_region},
            "factory": {"region": scenario.factory_region, "pv_share": scenario.pv_share,
                        "solder": scenario.solder},
            "distribution": {"legs": [{"mode": leg.mode, "km": leg.km, "share": leg.share,
                                       "note": leg.note} for leg in scenario.legs]},
            "end_of_life": {"region": scenario.eol_region, "mix": dict(scenario.eol_mix)},
        }
        return ExplorerOptions(
            product=self.product, parts=parts, groups=group_rows,
            materials=sorted(materials.values(), key=lambda m: -m["mass_g"]),
            recycled_kinds=list(VARIANT_KINDS), regions=sorted(scenario.regions),
            transport_modes=list(scenario.transport_modes), solders=sorted(scenario.reflow_kw),
            scenario=values)

    # -- variant files -------------------------------------------------------------------------

    @property
    def save_dir(self) -> Path:
        return self.workspace.home.path / VARIANTS_DIRNAME / sanitise(self.product)

    def variant_files(self) -> list[VariantFile]:
        """Saved designs of this product, then the YAML files of the extra folders."""
        found: list[VariantFile] = []
        seen: set[str] = set()
        for folder in [self.save_dir, *self.variant_dirs]:
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.y*ml")):
                if path.name in seen:
                    continue
                seen.add(path.name)
                found.append(_read_variant_file(path))
        return found

    def variant_file(self, file: str) -> VariantFile:
        for item in self.variant_files():
            if item.file == file:
                return item
        raise LookupError(f"no variant file {file!r} for {self.product}")

    def save(self, content: dict[str, Any], *, overwrite: bool = False) -> VariantFile:
        """Write a design as variant YAML, after checking that it evaluates (nothing is written
        for a variant that ``gscdm compare`` would refuse)."""
        self.evaluate(content)
        name = str(content.get("name") or "").strip()
        if not name:
            raise VariantError("name: a saved design needs a name")
        path = self.save_dir / f"{sanitise(name)}.yaml"
        if path.exists() and not overwrite:
            raise FileExistsError(f"name: a design named {name!r} is already saved as "
                                  f"{path.name}")
        document = {"name": name}
        if content.get("description"):
            document["description"] = str(content["description"])
        document["changes"] = content["changes"]
        path.parent.mkdir(parents=True, exist_ok=True)
        text = ("# Saved from the GSCDM-LCA workbench; compare it with:\n"
                f"#   gscdm compare {self.product} --variant {path}\n"
                + yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        return _read_variant_file(path)


def _read_variant_file(path: Path) -> VariantFile:
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return VariantFile(path.stem, path.name, path, "", None, f"{path}: {exc}")
    if not isinstance(content, dict):
        return VariantFile(path.stem, path.name, path, "", None,
                           f"{path}: a variant is a mapping with a 'changes' list")
    return VariantFile(str(content.get("name") or path.stem), path.name, path,
                       str(content.get("description") or "").strip(), content)


def change_index(error: Exception) -> int | None:
    """The index of the change a ``VariantError`` names (``… changes[3] …``), if any."""
    match = _INDEX.search(str(error))
    return int(match.group(1)) if match else None


def open_explorer(workspace: Workspace, product: str, *, scenario: Path | None = None,
                  variant_dirs: list[Path] | None = None) -> DesignExplorer:
    """Solve the product's baseline once (foreground written, adjoint solved)."""
    baseline, rules, model, unit, brightway_total = workspace._baseline(product, scenario)
    return DesignExplorer(workspace=workspace, product=product, baseline=baseline, rules=rules,
                          model=model, unit=unit, brightway_total=brightway_total,
                          method=workspace._method(baseline.scenario.gwp_horizon),
                          variant_dirs=list(variant_dirs or []))


__all__ = ["STAGES", "DesignExplorer", "ExplorerOptions", "VariantFile", "change_index",
           "evaluate_variants", "open_explorer"]
