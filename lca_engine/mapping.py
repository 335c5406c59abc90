"""From declared homogeneous materials to background datasets, by ordered, reasoned rules.

The rules live in ``data/mapping/material_rules.yaml`` (first match wins, each with a reason); a
user adds an override file in the engine home (``<home>/mapping_overrides.yaml``, same format),
whose rules are tried first. A rule says which dataset(s) a material draws on and on what basis:

``mass``           kg of material → a per-kg dataset, split between the virgin and the recycled
                   dataset by the declared recycled share (cut-off: recycled input carries only
                   its recycling burden);
``by_substance``   alloys and platings: each declared substance's mass goes to the dataset of
                   its element (tin, silver, gold…), the rest to the rule's dataset;
``die_area``       silicon mass → die area = mass / (silicon density × die thickness), for the
                   per-cm² IC datasets;
``board_area``     PCB laminate mass → board area = mass / (laminate density × board thickness);
``panel_area``     display glass mass → panel area = mass / (glass density × total glass thickness);
``cell_capacity``  cathode coating mass → cell capacity = mass × active fraction × specific energy;
``included``       already covered by another material's dataset (PCB copper in the per-m² board
                   factor, electrolyte in the per-kWh cell factor): no flow, the reason is kept;
``negligible``     declared but below any meaningful factor (heat-pipe water): no flow, reason kept;
``no_factor``      recognised, but no cited factor exists yet (mycelium packaging): no flow, and the
                   material is reported as a data gap with the rule's reason (what was searched),
                   while its rule id still routes its end of life.

Filled plastic compounds ("PBT + 30% glass fibre", "PA66-GF30"): a rule with ``filler: split``
charges the declared share of an inert filler (the rule file's ``fillers:``, e.g. glass fibre) to
the filler's own dataset and only the resin share to the rule's dataset; the share comes from the
declared substances (the filler's CAS) first, else from the material's name. The mapping carries
that share so that end of life burns the resin only. ``filler: compound`` says the rule's dataset
is already a filled compound (PPS-GF40): nothing is split. A rule without the setting ignores
fillers (laminates, mould compounds).

Every assumption (densities, thicknesses, specific energies) is a number in the rule file, so the
derivation of each amount can be printed next to the result. A material no rule matches is never
dropped: it comes back unmapped and the footprint reports it as a data gap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field

from .input_schema import InputSchemaError, StrictModel, read_yaml_mapping, validate

RULES_FILE = Path(__file__).with_name("data") / "mapping" / "material_rules.yaml"
OVERRIDES_FILENAME = "mapping_overrides.yaml"

#: The unit a dataset must have for each basis (the background CSV unit column).
BASIS_UNITS = {
    "mass": "kg",
    "by_substance": "kg",
    "die_area": "cm2",
    "board_area": "m2",
    "panel_area": "m2",
    "cell_capacity": "kWh_capacity",
}
NO_FLOW_BASES = frozenset({"included", "negligible", "no_factor"})
#: What a rule does with a declared inert filler (``filler:`` in the rule file; absent = ignore).
FILLER_SETTINGS = frozenset({"split", "compound"})
#: The largest filler share accepted when no ``filler_share_max`` constant is given.
DEFAULT_FILLER_SHARE_MAX = 0.80
#: Bases whose material stays a data gap (counted as zero, listed with the rule's reason).
GAP_BASES = frozenset({"no_factor"})


class MappingError(ValueError):
    """A rule file is malformed (message names the file, the rule and the field)."""


@dataclass(frozen=True, slots=True)
class MaterialInput:
    """What the mapper needs to know about one homogeneous material."""

    name: str
    mass_g: float | None
    group: str | None = None
    material_class: str | None = None
    recycled_kind: str | None = None
    recycled_share: float = 0.0
    substances: tuple[tuple[str | None, float], ...] = ()  # (CAS, grams) as declared
    part_category: str | None = None

    @property
    def major_cas(self) -> str | None:
        known = [(grams, cas) for cas, grams in self.substances if cas]
        return max(known)[1] if known else None


@dataclass(frozen=True, slots=True)
class MappedFlow:
    """An input of ``amount`` (in the dataset's unit) of background dataset ``dataset``."""

    dataset: str
    amount: float
    fraction: str  # "virgin", "recycled", "all", or "filler" (a compound's split-off filler)
    derivation: str
    proxy: bool = False
    gsd: float | None = None  # extra uncertainty of the mapping itself (proxies)


@dataclass(frozen=True, slots=True)
class MaterialMapping:
    material: MaterialInput
    rule_id: str | None
    reason: str
    flows: tuple[MappedFlow, ...] = ()
    notes: tuple[str, ...] = ()
    #: a rule recognised the material but has no cited factor for it (basis ``no_factor``)
    gap: bool = False
    #: mass share of inert filler split off the resin (``filler: split``): end of life charges
    #: the rule's (polymer) datasets on the rest only, the filler goes the non-plastic way
    filler_share: float = 0.0

    @property
    def mapped(self) -> bool:
        return self.rule_id is not None and not self.gap


@dataclass(frozen=True, slots=True)
class Condition:
    """All given fields must match (regexes are case-insensitive searches)."""

    group: re.Pattern[str] | None = None
    name: re.Pattern[str] | None = None
    not_name: re.Pattern[str] | None = None
    material_class: re.Pattern[str] | None = None
    cas: frozenset[str] | None = None
    category: frozenset[str] | None = None

    def matches(self, m: MaterialInput) -> bool:
        if self.group and not self.group.search(m.group or ""):
            return False
        if self.name and not self.name.search(m.name):
            return False
        if self.not_name and self.not_name.search(m.name):
            return False
        if self.material_class and not self.material_class.search(m.material_class or ""):
            return False
        if self.cas is not None and m.major_cas not in self.cas:
            return False
        return not (self.category is not None and (m.part_category or "") not in self.category)


@dataclass(frozen=True, slots=True)
class Filler:
    """An inert filler of plastic compounds (rule file ``fillers:``): recognised by its CAS in the
    declared substances, or else by a share written in the material's name."""

    id: str
    label: str  # what it is, in flow labels ("glass fibre")
    cas: frozenset[str]
    #: each pattern has one group, the share in percent ("30% glass fibre", "GF30")
    name_patterns: tuple[re.Pattern[str], ...]
    dataset: str


@dataclass(frozen=True, slots=True)
class FillerShare:
    filler: Filler
    share: float
    source: str  # where the share was read, for the flow label


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    when: tuple[Condition, ...]  # any of these
    basis: str
    reason: str
    dataset: str | None = None
    recycled: dict[str, str] = field(default_factory=dict)  # kind or "*" → dataset
    params: dict[str, float] = field(default_factory=dict)
    proxy: bool = False
    gsd: float | None = None
    source: str = ""
    #: further flows from the same material (e.g. display glass → glass by mass *and* fab
    #: emissions by panel area); each is a rule without its own match
    also: tuple[Rule, ...] = ()
    #: ``split``: declared inert filler to its own dataset, the rule's dataset on the resin only;
    #: ``compound``: the dataset already is the filled compound; ``None``: fillers ignored
    filler: str | None = None

    def matches(self, material: MaterialInput) -> bool:
        return any(condition.matches(material) for condition in self.when)


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    substance_datasets: dict[str, str]  # CAS → dataset for by_substance
    constants: dict[str, float]
    version: str
    files: tuple[str, ...]
    by_id: dict[str, Rule] = field(default_factory=dict)
    fillers: tuple[Filler, ...] = ()
    #: memo of map_material and first_rule, owned by the rule set so that it lives and dies
    #: with it (keys on ``id(rules)`` could outlive the rules and match a newer set)
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)


def _regex(value: Any, where: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    try:
        return re.compile(str(value), re.IGNORECASE)
    except re.error as exc:
        raise MappingError(f"{where}: bad regular expression {value!r}: {exc}") from None


def _condition(raw: dict[str, Any], where: str) -> Condition:
    unknown = set(raw) - {"group", "name", "not_name", "class", "cas", "category"}
    if unknown:
        raise MappingError(f"{where}: unknown match field(s) {sorted(unknown)}")
    return Condition(
        group=_regex(raw.get("group"), where),
        name=_regex(raw.get("name"), where),
        not_name=_regex(raw.get("not_name"), where),
        material_class=_regex(raw.get("class"), where),
        cas=frozenset(str(c) for c in raw["cas"]) if "cas" in raw else None,
        category=frozenset(str(c).lower() for c in raw["category"]) if "category" in raw
        else None,
    )


def _rule(raw: dict[str, Any], where: str, *, nested: bool = False) -> Rule:
    for required in ("id", "basis", "reason") if nested else ("id", "match", "basis", "reason"):
        if required not in raw:
            raise MappingError(f"{where}: rule lacks {required!r}")
    where = f"{where} (rule {raw['id']!r})"
    basis = raw["basis"]
    if basis not in BASIS_UNITS and basis not in NO_FLOW_BASES:
        raise MappingError(f"{where}: unknown basis {basis!r}")
    if basis not in NO_FLOW_BASES and not raw.get("dataset"):
        raise MappingError(f"{where}: basis {basis!r} needs a dataset")
    matches = raw.get("match") or []
    matches = matches if isinstance(matches, list) else [matches]
    recycled = raw.get("recycled") or {}
    if isinstance(recycled, str):
        recycled = {"*": recycled}
    filler = raw.get("filler")
    if filler is not None and filler not in FILLER_SETTINGS:
        raise MappingError(f"{where}: filler must be one of {sorted(FILLER_SETTINGS)}, "
                           f"not {filler!r}")
    if filler == "split" and basis != "mass":
        raise MappingError(f"{where}: filler: split needs basis 'mass', not {basis!r}")
    return Rule(
        id=str(raw["id"]),
        when=tuple(_condition(m, where) for m in matches),
        basis=basis,
        reason=" ".join(str(raw["reason"]).split()),
        dataset=raw.get("dataset"),
        recycled={str(k): str(v) for k, v in recycled.items()},
        params={str(k): float(v) for k, v in (raw.get("params") or {}).items()},
        proxy=bool(raw.get("proxy", False)),
        gsd=float(raw["gsd"]) if raw.get("gsd") is not None else None,
        source=" ".join(str(raw.get("source", "")).split()),
        also=tuple(_rule({"id": f"{raw['id']}+{i}", "reason": raw["reason"], **extra},
                         f"{where}: also[{i}]", nested=True)
                   for i, extra in enumerate(raw.get("also") or [])),
        filler=filler,
    )


def _filler(filler_id: str, raw: dict[str, Any], where: str) -> Filler:
    where = f"{where}: fillers.{filler_id}"
    patterns = tuple(p for p in (_regex(text, f"{where}.name") for text in raw.get("name") or [])
                     if p is not None)
    for pattern in patterns:
        if pattern.groups != 1:
            raise MappingError(f"{where}.name: pattern {pattern.pattern!r} must have exactly one "
                               "group, the share in percent")
    return Filler(filler_id, str(raw["label"]), frozenset(str(c) for c in raw.get("cas") or []),
                  patterns, str(raw["dataset"]))


# -- the schema of a rules file (the shipped rules and <home>/mapping_overrides.yaml) ----------
# To add a rule key: a field on RuleSpec (and AlsoSpec if an ``also`` flow may use it), then
# read it in ``_rule``.

class ConditionSpec(StrictModel):
    """One ``match`` condition; all given fields must hold."""

    group: str | None = None
    name: str | None = None
    not_name: str | None = None
    material_class: str | None = Field(default=None, alias="class")
    cas: list[str] | None = None
    category: list[str] | None = None


class AlsoSpec(StrictModel):
    """A further flow of a rule (``also:``), on its own basis and dataset."""

    basis: str
    dataset: str | None = None
    params: dict[str, float] | None = None
    recycled: str | dict[str, str] | None = None
    proxy: bool | None = None
    gsd: float | None = None
    source: str | None = None


class RuleSpec(StrictModel):
    id: str
    match: ConditionSpec | list[ConditionSpec]
    basis: str
    reason: str
    dataset: str | None = None
    recycled: str | dict[str, str] | None = None
    params: dict[str, float] | None = None
    proxy: bool | None = None
    gsd: float | None = None
    source: str | None = None
    also: list[AlsoSpec] | None = None
    filler: str | None = None


class FillerSpec(StrictModel):
    """An inert filler of plastic compounds (``fillers:``)."""

    label: str
    dataset: str
    cas: list[str] | None = None
    name: list[str] | None = None


class RulesFile(StrictModel):
    version: str | None = None
    rules: list[RuleSpec] = Field(default_factory=list)
    fillers: dict[str, FillerSpec] | None = None
    substance_datasets: dict[str, str] | None = None
    constants: dict[str, float] | None = None


def _read(path: Path) -> dict[str, Any]:
    """A rules file checked against ``RulesFile``: unknown keys (a rule's ``datset``, a
    condition's ``nmae``) are errors naming the file, line, key path and nearest valid key."""
    try:
        content, text = read_yaml_mapping(path, "mapping rules")
        validate(RulesFile, content, str(path), text)
    except InputSchemaError as exc:
        raise MappingError(str(exc)) from None
    return content


@cache
def _load(stamped: tuple[tuple[Path, int], ...]) -> RuleSet:
    """Rules from files given with their mtime, so an edited file is read again."""
    paths = [path for path, _ in stamped]
    rules: list[Rule] = []
    substance_datasets: dict[str, str] = {}
    constants: dict[str, float] = {}
    fillers: dict[str, Filler] = {}
    version = ""
    for path in paths:
        content = _read(path)
        version = version or str(content.get("version", ""))
        for index, raw in enumerate(content.get("rules", [])):
            rules.append(_rule(raw, f"{path.name}: rules[{index}]"))
        for cas, dataset in (content.get("substance_datasets") or {}).items():
            substance_datasets.setdefault(str(cas), str(dataset))
        for name, value in (content.get("constants") or {}).items():
            constants.setdefault(str(name), float(value))
        for filler_id, raw_filler in (content.get("fillers") or {}).items():
            fillers.setdefault(str(filler_id), _filler(str(filler_id), raw_filler, path.name))
    ids = [r.id for r in rules]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise MappingError(f"rule ids must be unique; repeated: {sorted(duplicates)}")
    return RuleSet(tuple(rules), substance_datasets, constants, version,
                   tuple(str(p) for p in paths), {rule.id: rule for rule in rules},
                   tuple(fillers.values()))


def load_rules(home: Path | None = None) -> RuleSet:
    """The shipped rules, preceded by the home's override rules when that file exists."""
    paths: list[Path] = []
    if home is not None and (home / OVERRIDES_FILENAME).exists():
        paths.append(home / OVERRIDES_FILENAME)
    paths.append(RULES_FILE)
    return _load(tuple((path, path.stat().st_mtime_ns) for path in paths))


# -- applying a rule -------------------------------------------------------------------------

def _param(rule: Rule, rules: RuleSet, name: str) -> float:
    if name in rule.params:
        return rule.params[name]
    if name in rules.constants:
        return rules.constants[name]
    raise MappingError(f"rule {rule.id!r} needs parameter {name!r} (in params or constants)")


def _split(rule: Rule, material: MaterialInput, amount: float, derivation: str,
           notes: list[str]) -> list[MappedFlow]:
    """Virgin/recycled split of ``amount`` by the declared recycled share (cut-off)."""
    assert rule.dataset is not None
    share = material.recycled_share if material.recycled_kind else 0.0
    if share <= 0:
        return [MappedFlow(rule.dataset, amount, "all", derivation, rule.proxy, rule.gsd)]
    recycled = rule.recycled.get(material.recycled_kind or "") or rule.recycled.get("*")
    if recycled is None:
        notes.append(f"declared {share:.0%} {material.recycled_kind} content is not credited: "
                     f"rule {rule.id!r} has no recycled dataset")
        return [MappedFlow(rule.dataset, amount, "all", derivation, rule.proxy, rule.gsd)]
    return [
        MappedFlow(rule.dataset, amount * (1 - share), "virgin",
                   f"{derivation} × (1 − {share:g} recycled)", rule.proxy, rule.gsd),
        MappedFlow(recycled, amount * share, "recycled",
                   f"{derivation} × {share:g} {material.recycled_kind}", rule.proxy, rule.gsd),
    ]


def filler_shares(material: MaterialInput, rules: RuleSet) -> list[FillerShare]:
    """The declared inert-filler shares of ``material``: from the filler's CAS among the
    declared substances first (grams ÷ material grams), else from a share in its name.

    A share outside 0 to ``filler_share_max`` (0.80) is refused, naming the material and the
    field it was read from: a malformed declaration must not quietly move the result."""
    grams = material.mass_g or 0.0
    limit = rules.constants.get("filler_share_max", DEFAULT_FILLER_SHARE_MAX)
    found: list[FillerShare] = []
    for filler in rules.fillers:
        declared_g = sum(g for cas, g in material.substances if cas in filler.cas)
        if declared_g > 0 and grams > 0:
            cas = ", ".join(sorted(filler.cas))
            share = declared_g / grams
            field_name = f"substance CAS {cas}, {declared_g:g} g of {grams:g} g"
        else:
            match = next((m for m in (p.search(material.name) for p in filler.name_patterns)
                          if m), None)
            if match is None:
                continue
            share = float(match.group(1).replace(",", ".")) / 100.0
            field_name = f"name {match.group(0)!r}"
        if not 0.0 <= share <= limit:
            raise MappingError(f"material {material.name!r}: {field_name} gives a "
                               f"{filler.label} share of {share:.1%}, outside 0–{limit:.0%}")
        if share > 0:
            found.append(FillerShare(filler, share, field_name))
    total = sum(f.share for f in found)
    if total > limit:
        raise MappingError(f"material {material.name!r}: fillers "
                           f"{', '.join(f.source for f in found)} add up to {total:.1%}, "
                           f"outside 0–{limit:.0%}")
    return found


def apply_rule(rule: Rule, rules: RuleSet, material: MaterialInput) -> MaterialMapping:
    notes: list[str] = []
    if rule.basis in NO_FLOW_BASES:
        return MaterialMapping(material, rule.id, rule.reason, gap=rule.basis in GAP_BASES)
    grams = material.mass_g or 0.0
    flows: list[MappedFlow]
    filler_share = 0.0
    fillers = filler_shares(material, rules) if rule.filler == "split" else []
    if fillers:
        # the rule's dataset (and its recycled split) on the resin, each filler on its own row
        filler_share = sum(f.share for f in fillers)
        resin_g = grams * (1 - filler_share)
        flows = _split(rule, material, resin_g / 1000.0,
                       f"{grams:g} g × (1 − {filler_share:.4g} filler) = {resin_g:.4g} g resin",
                       notes)
        flows.extend(MappedFlow(
            f.filler.dataset, grams * f.share / 1000.0, "filler",
            f"{grams:g} g × {f.share:.4g} {f.filler.label} (from {f.source}) = "
            f"{grams * f.share:.4g} g") for f in fillers)
    elif rule.basis == "mass":
        flows = _split(rule, material, grams / 1000.0, f"{grams:g} g", notes)
    elif rule.basis == "by_substance":
        flows, rest = [], grams
        by_dataset: dict[str, float] = {}
        for cas, substance_g in material.substances:
            dataset = rules.substance_datasets.get(cas or "")
            if dataset is not None and substance_g > 0:
                by_dataset[dataset] = by_dataset.get(dataset, 0.0) + substance_g
                rest -= substance_g
        for dataset, substance_g in sorted(by_dataset.items()):
            flows.append(MappedFlow(dataset, substance_g / 1000.0, "all",
                                    f"{substance_g:g} g of the declared substances", rule.proxy,
                                    rule.gsd))
        if rest > 1e-9:
            flows.extend(_split(rule, material, rest / 1000.0,
                                f"{rest:g} g not attributed to an element", notes))
    elif rule.basis == "die_area":
        density, thickness_um = (_param(rule, rules, "silicon_density_g_cm3"),
                                 _param(rule, rules, "die_thickness_um"))
        area = grams / (density * thickness_um * 1e-4)
        flows = [MappedFlow(rule.dataset or "", area, "all",
                            f"{grams:g} g ÷ ({density:g} g/cm³ × {thickness_um:g} µm) = "
                            f"{area:.4g} cm² of die", rule.proxy, rule.gsd)]
    elif rule.basis in {"board_area", "panel_area"}:
        name = "laminate" if rule.basis == "board_area" else "glass"
        density = _param(rule, rules, f"{name}_density_g_cm3")
        thickness_mm = _param(rule, rules, f"{name}_thickness_mm")
        area = grams / (density * thickness_mm * 0.1) / 1e4
        flows = [MappedFlow(rule.dataset or "", area, "all",
                            f"{grams:g} g ÷ ({density:g} g/cm³ × {thickness_mm:g} mm) = "
                            f"{area:.5g} m²", rule.proxy, rule.gsd)]
    elif rule.basis == "cell_capacity":
        active = _param(rule, rules, "active_fraction")
        specific = _param(rule, rules, "specific_energy_wh_per_g")
        kwh = grams * active * specific / 1000.0
        flows = [MappedFlow(rule.dataset or "", kwh, "all",
                            f"{grams:g} g × {active:g} active × {specific:g} Wh/g = "
                            f"{kwh * 1000:.4g} Wh", rule.proxy, rule.gsd)]
    else:  # pragma: no cover - _rule() refuses other bases
        raise MappingError(f"rule {rule.id!r}: unknown basis {rule.basis!r}")
    if rule.proxy:
        notes.append(f"proxy dataset: {rule.reason}")
    for extra in rule.also:
        extra_mapping = apply_rule(extra, rules, material)
        flows.extend(extra_mapping.flows)
        notes.extend(n for n in extra_mapping.notes if n not in notes)
    return MaterialMapping(material, rule.id, rule.reason, tuple(flows), tuple(notes),
                           filler_share=filler_share)


_MEMO_LIMIT = 50_000  # bounded: a catalogue batch maps each part's materials once


def map_material(material: MaterialInput, rules: RuleSet) -> MaterialMapping:
    """The first matching rule applied to ``material``, or an unmapped result (memoised: rule
    sets and materials are immutable, and variant sweeps map the same materials thousands of
    times)."""
    cached = rules.memo.get(material)
    if cached is None:
        if len(rules.memo) > _MEMO_LIMIT:
            rules.memo.clear()
        cached = rules.memo[material] = _map_material(material, rules)
    return cached  # type: ignore[return-value]


def first_rule(material: MaterialInput, rules: RuleSet) -> Rule | None:
    """The first rule whose conditions fit ``material``, memoised on exactly the fields the
    conditions read: a catalogue repeats the same materials at other masses, and trying 60
    regex rules per material was most of a batch footprint's time."""
    key = ("first_rule", material.name, material.group, material.material_class,
           material.major_cas, material.part_category)
    if key not in rules.memo:
        if len(rules.memo) > _MEMO_LIMIT:
            rules.memo.clear()
        rules.memo[key] = next((rule for rule in rules.rules if rule.matches(material)), None)
    return rules.memo[key]  # type: ignore[return-value]


def _map_material(material: MaterialInput, rules: RuleSet) -> MaterialMapping:
    if material.mass_g is None:
        return MaterialMapping(material, None, "material has no mass")
    rule = first_rule(material, rules)
    if rule is not None:
        return apply_rule(rule, rules, material)
    return MaterialMapping(material, None, "no mapping rule matches this material")


def map_materials(materials: Iterable[MaterialInput],
                  rules: RuleSet) -> list[MaterialMapping]:
    return [map_material(m, rules) for m in materials]


def check_datasets(rules: RuleSet, units: dict[str, str]) -> list[str]:
    """Problems with the datasets the rules name: unknown keys, or units that do not fit."""
    problems: list[str] = []

    def check(rule_id: str, dataset: str, basis: str) -> None:
        if "::" in dataset:  # another Brightway database (user data); checked when built
            return
        if dataset not in units:
            problems.append(f"rule {rule_id!r}: dataset {dataset!r} is not in the background data")
        elif basis in BASIS_UNITS and units[dataset] != BASIS_UNITS[basis]:
            problems.append(f"rule {rule_id!r}: dataset {dataset!r} is per {units[dataset]}, "
                            f"basis {basis!r} needs {BASIS_UNITS[basis]}")

    for filler in rules.fillers:
        check(f"filler {filler.id}", filler.dataset, "mass")
    for rule in (r for top in rules.rules for r in (top, *top.also)):
        if rule.dataset:
            check(rule.id, rule.dataset, rule.basis)
        for dataset in rule.recycled.values():
            check(rule.id, dataset, rule.basis)
    for cas, dataset in rules.substance_datasets.items():
        check(f"substance {cas}", dataset, "mass")
    return problems


def material_inputs_from_view(materials: Sequence[Any], part_category: str | None
                              ) -> list[MaterialInput]:
    """``MaterialInput``s from ``lca_engine.db.queries.MaterialView`` objects."""
    return [MaterialInput(
        name=m.name, mass_g=m.mass_g, group=m.group, material_class=m.material_class,
        recycled_kind=m.recycled_kind, recycled_share=m.recycled_share or 0.0,
        substances=tuple((s.cas, s.mass_g or 0.0) for s in m.substances),
        part_category=part_category) for m in materials]
