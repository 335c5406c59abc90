"""The substance lists a screening reads: RoHS, SVHC, IEC 62474 DSL, China RoHS, synonyms.

Data, not code: limits, CAS groups, exemptions and their expiry live in
``lca_engine/data/substances/`` with their sources and dates. A file of the same name in
``<engine home>/substance_lists/`` replaces the shipped one (``gscdm data update-svhc`` writes the
REACH Candidate List there, ``gscdm data update-dsl`` the IEC 62474 DSL), so a user can load a newer
list without touching the installation.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from fmd_parsers.cas import cas_checksum_ok, normalise_cas

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "substances"
OVERRIDE_SUBDIR = "substance_lists"

ROHS_FILE = "eu_rohs.yaml"
SVHC_FILE = "svhc_candidate_list.csv"
DSL_FILE = "iec62474_dsl.csv"
CHINA_FILE = "china_rohs.yaml"
SYNONYM_FILE = "synonyms.csv"


class SubstanceListError(ValueError):
    """A substance list could not be read. ``str()`` names the file, the line and the field."""

    def __init__(self, message: str, *, path: str | Path, line: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path)
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line is not None else "")
        return f"{where}{f' (field {self.field!r})' if self.field else ''}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"error": "invalid-substance-list", "message": self.message, "file": self.path,
                "line": self.line, "field": self.field}


# -- the lists -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubstanceGroup:
    """A restricted substance or substance group: its CAS numbers and its limit per material."""

    key: str
    name: str
    limit_ppm: float
    cas: frozenset[str]
    category_patterns: tuple[re.Pattern[str], ...] = ()

    def matches_category(self, text: str | None) -> bool:
        """A substance declared without CAS but under this group's category name."""
        if not text:
            return False
        folded = text.casefold().strip()
        return any(p.search(folded) for p in self.category_patterns)


@dataclass(frozen=True, slots=True)
class RohsExemption:
    """One Annex III entry: what it lifts, under which concentration condition, until when."""

    id: str
    text: str
    substances: frozenset[str]
    max_ppm: float | None = None
    min_ppm: float | None = None
    expires: tuple[tuple[frozenset[int], date], ...] = ()
    note: str | None = None
    source: str | None = None
    #: the exemption's material condition (e.g. 6(c) "copper alloy") over the material's name and
    #: group; only used to propose candidates, never to exempt. None: never proposed.
    materials: re.Pattern[str] | None = None

    def expiry_for(self, category: int) -> date | None:
        """Expiry date for an Annex I category; None when the table gives none for it."""
        for categories, when in self.expires:
            if category in categories:
                return when
        return None


@dataclass(frozen=True, slots=True)
class RohsList:
    name: str
    version: str
    date: date | None
    groups: dict[str, SubstanceGroup]
    exemptions: dict[str, RohsExemption]
    default_category: int
    path: str

    def groups_of(self, cas: str) -> list[SubstanceGroup]:
        return [g for g in self.groups.values() if cas in g.cas]


@dataclass(frozen=True, slots=True)
class SvhcEntry:
    name: str
    ec: tuple[str, ...]
    cas: tuple[str, ...]
    date_of_inclusion: date | None
    reason: str | None
    source: str | None = None


@dataclass(slots=True)
class SvhcList:
    list_date: date | None
    entries: list[SvhcEntry]
    meta: dict[str, str]
    path: str
    by_cas: dict[str, list[SvhcEntry]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_cas = {}
        for entry in self.entries:
            for cas in entry.cas:
                self.by_cas.setdefault(cas, []).append(entry)

    @property
    def complete(self) -> bool:
        official = self.meta.get("entries_on_official_list")
        return not (self.meta.get("coverage", "").upper().startswith("PARTIAL")
                    or (official and official.isdigit() and int(official) > len(self.entries)))


DSL_BASES = ("homogeneous_material", "article", "product")


@dataclass(frozen=True, slots=True)
class DslEntry:
    """One DSL entry: a declarable substance (group), its reporting threshold and its basis.

    ``threshold_ppm`` 0 means "intentionally added" (any amount is declarable). ``kind`` is
    ``group``, ``substance`` or ``svhc_derived`` (generated from the REACH Candidate List);
    ``threshold_source`` is ``dsl`` (printed by a copy of the DSL) or ``regulation`` (taken from the
    underlying regulation because no DSL copy printing it was found). ``applies_to`` is a regular
    expression over the part, material and sub-article names: an entry whose reportable application
    is narrower than "All" is applied only where it matches (blank: everywhere).
    """

    id: str | None
    name: str
    cas: frozenset[str]
    threshold_ppm: float
    basis: str  # one of DSL_BASES
    reportable_application: str | None
    regulatory_basis: str | None
    source: str | None
    threshold: str | None = None  # the threshold as the DSL words it
    kind: str | None = None
    threshold_source: str | None = None
    applies_to: re.Pattern[str] | None = None

    @property
    def intentionally_added(self) -> bool:
        return self.threshold_ppm == 0


@dataclass(frozen=True, slots=True)
class DslList:
    version: str | None
    date: date | None
    entries: tuple[DslEntry, ...]
    meta: dict[str, str]
    path: str

    @property
    def complete(self) -> bool:
        """Whether the file says it holds the whole list (its ``coverage`` header)."""
        return self.meta.get("coverage", "").upper().startswith("COMPLETE")

    def counts(self) -> dict[str, int]:
        """Entries per kind (``group``, ``substance``, ``svhc_derived``; ``other`` if unstated)."""
        out: dict[str, int] = {}
        for entry in self.entries:
            out[entry.kind or "other"] = out.get(entry.kind or "other", 0) + 1
        return out


@dataclass(frozen=True, slots=True)
class ChinaEdition:
    standard: str
    effective: date
    substances: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChinaRohs:
    editions: tuple[ChinaEdition, ...]
    limits_ppm: dict[str, float]
    headers: dict[str, dict[str, str]]
    note: str | None
    path: str

    def edition_on(self, on: date) -> ChinaEdition | None:
        """The standard in force on ``on`` (the latest edition already effective)."""
        current = [e for e in self.editions if e.effective <= on]
        return max(current, key=lambda e: e.effective) if current else None

    def upcoming(self, on: date) -> list[ChinaEdition]:
        return sorted((e for e in self.editions if e.effective > on), key=lambda e: e.effective)


@dataclass(slots=True)
class SubstanceLists:
    """Every list one screening uses, with where each was read from."""

    rohs: RohsList
    svhc: SvhcList
    dsl: DslList
    china: ChinaRohs
    synonyms: dict[str, str]
    synonym_path: str

    def resolve_name(self, name: str) -> str | None:
        """CAS RN for a substance declared by name only, or None."""
        for candidate in _name_candidates(name):
            cas = self.synonyms.get(candidate)
            if cas:
                return cas
        return None

    def versions(self) -> dict[str, Any]:
        return {
            "eu_rohs": {"version": self.rohs.version, "date": _iso(self.rohs.date),
                        "file": self.rohs.path},
            "reach_svhc": {"list_date": _iso(self.svhc.list_date),
                           "entries": len(self.svhc.entries),
                           "entries_on_official_list": _int_or_none(
                               self.svhc.meta.get("entries_on_official_list")),
                           "complete": self.svhc.complete, "file": self.svhc.path},
            "iec62474_dsl": {"version": self.dsl.version, "date": _iso(self.dsl.date),
                             "entries": len(self.dsl.entries), "by_kind": self.dsl.counts(),
                             "complete": self.dsl.complete, "file": self.dsl.path},
            "china_rohs": {"editions": [{"standard": e.standard, "effective": _iso(e.effective)}
                                        for e in self.china.editions],
                           "note": self.china.note, "file": self.china.path},
            "synonyms": {"names": len(self.synonyms), "file": self.synonym_path},
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def normalise_name(name: str) -> str:
    return re.sub(r"\s+", " ", name.casefold()).strip()


def _name_candidates(name: str) -> Iterator[str]:
    """The name, then the name without a trailing "(ABBR)", then the abbreviation alone."""
    folded = normalise_name(name)
    yield folded
    match = re.fullmatch(r"(.*\S)\s*\(([^()]+)\)", folded)
    if match:
        yield match.group(1).strip()
        yield match.group(2).strip()


# -- reading ---------------------------------------------------------------------------------


def install_list(target: Path, write: Callable[[Path], object],
                 check: Callable[[Path], object]) -> Path:
    """Write a substance list next to ``target``, read it back with ``check``, and only then
    rename it into place: a list that does not read back, or an update killed half-way, leaves
    the list in use untouched (the rename is atomic on the same file system)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".new")
    try:
        write(staged)
        check(staged)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    os.replace(staged, target)
    return target


def list_path(filename: str, home: str | Path | None = None) -> Path:
    """The user's copy in ``<home>/substance_lists/`` if there is one, else the shipped file."""
    if home is not None:
        candidate = Path(home) / OVERRIDE_SUBDIR / filename
        if candidate.is_file():
            return candidate
    return DATA_DIR / filename


def load_lists(home: str | Path | None = None) -> SubstanceLists:
    """Read every list (user copies in ``<home>/substance_lists`` win over the shipped ones)."""
    rohs = read_rohs(list_path(ROHS_FILE, home))
    synonym_path = list_path(SYNONYM_FILE, home)
    return SubstanceLists(
        rohs=rohs,
        svhc=read_svhc_csv(list_path(SVHC_FILE, home)),
        dsl=read_dsl(list_path(DSL_FILE, home), rohs),
        china=read_china(list_path(CHINA_FILE, home)),
        synonyms=read_synonyms(synonym_path),
        synonym_path=str(synonym_path),
    )


def _yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise SubstanceListError(f"cannot read: {exc}", path=path) from exc
    if not isinstance(data, dict):
        raise SubstanceListError("expected a mapping at the top level", path=path)
    return data


def _date(value: Any, *, path: Path, line: int | None = None, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise SubstanceListError(f"{value!r} is not a date (YYYY-MM-DD)", path=path, line=line,
                                 field=field) from exc


def checked_cas(text: str, *, path: Path, line: int | None = None, field: str = "cas") -> str:
    cas = normalise_cas(str(text))
    if cas is None or not cas_checksum_ok(cas):
        raise SubstanceListError(f"{text!r} is not a valid CAS RN (check digit)", path=path,
                                 line=line, field=field)
    return cas


def _categories(spec: str, *, path: Path) -> frozenset[int]:
    found: set[int] = set()
    for part in str(spec).split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not match:
            raise SubstanceListError(f"category range {part!r} is not N or N-M", path=path,
                                     field="expires")
        low = int(match.group(1))
        found.update(range(low, int(match.group(2) or low) + 1))
    return frozenset(found)


_EXEMPTION_KEYS = frozenset({"id", "text", "substances", "max_ppm", "min_ppm", "expires", "note",
                             "source", "materials"})


def read_rohs(path: Path) -> RohsList:
    data = _yaml(path)
    groups: dict[str, SubstanceGroup] = {}
    for item in data.get("substances") or []:
        key = str(item["key"])
        groups[key] = SubstanceGroup(
            key=key, name=str(item["name"]), limit_ppm=float(item["limit_ppm"]),
            cas=frozenset(checked_cas(c, path=path, field=f"substances.{key}.cas")
                          for c in item.get("cas") or []),
            category_patterns=tuple(re.compile(p) for p in item.get("category_patterns") or []))
    exemptions: dict[str, RohsExemption] = {}
    for item in data.get("exemptions") or []:
        identity = normalise_exemption_id(str(item["id"]))
        unknown_keys = set(item) - _EXEMPTION_KEYS
        if unknown_keys:
            raise SubstanceListError(f"exemption {identity} has unknown keys "
                                     f"{sorted(unknown_keys)}", path=path, field="exemptions")
        try:
            materials = re.compile(str(item["materials"]), re.IGNORECASE) \
                if item.get("materials") else None
        except re.error as exc:
            raise SubstanceListError(f"exemption {identity}: materials is not a regular "
                                     f"expression: {exc}", path=path,
                                     field="exemptions.materials") from exc
        unknown = set(item.get("substances") or []) - set(groups)
        if unknown:
            raise SubstanceListError(f"exemption {identity} names unknown substances "
                                     f"{sorted(unknown)}", path=path, field="exemptions")
        expires = tuple(
            (_categories(spec, path=path), _date(when, path=path, field="expires"))
            for spec, when in (item.get("expires") or {}).items())
        exemptions[identity] = RohsExemption(
            id=identity, text=" ".join(str(item.get("text", "")).split()),
            substances=frozenset(item.get("substances") or []),
            max_ppm=float(item["max_ppm"]) if item.get("max_ppm") is not None else None,
            min_ppm=float(item["min_ppm"]) if item.get("min_ppm") is not None else None,
            expires=tuple((c, d) for c, d in expires if d is not None),
            note=item.get("note"), source=item.get("source"), materials=materials)
    return RohsList(name=str(data.get("list", "EU RoHS")), version=str(data.get("version", "")),
                    date=_date(data.get("date"), path=path, field="date"), groups=groups,
                    exemptions=exemptions, default_category=int(data.get("default_category", 3)),
                    path=str(path))


def read_commented_csv(path: Path) -> tuple[dict[str, str], list[tuple[int, dict[str, str]]]]:
    """``# key: value`` header lines, then a CSV table; rows come with their line numbers."""
    meta: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SubstanceListError(f"cannot read: {exc}", path=path) from exc
    lines = text.splitlines()
    start = 0
    while start < len(lines) and (lines[start].startswith("#") or not lines[start].strip()):
        match = re.match(r"#\s*([A-Za-z_]+)\s*:\s*(.*)", lines[start])
        if match:
            meta[match.group(1).lower()] = match.group(2).strip()
        start += 1
    reader = csv.DictReader(lines[start:])
    rows = [(start + reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items()
                                       if k is not None})
            for row in reader if any((v or "").strip() for v in row.values())]
    return meta, rows


def _split(cell: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;\n]", cell or "") if p.strip() and p.strip() != "-"]


def read_svhc_csv(path: Path) -> SvhcList:
    meta, rows = read_commented_csv(path)
    entries: list[SvhcEntry] = []
    for line, row in rows:
        if not row.get("name"):
            raise SubstanceListError("entry has no name", path=path, line=line, field="name")
        entries.append(SvhcEntry(
            name=row["name"], ec=tuple(_split(row.get("ec", ""))),
            cas=tuple(checked_cas(c, path=path, line=line) for c in _split(row.get("cas", ""))),
            date_of_inclusion=_date(row.get("date_of_inclusion"), path=path, line=line,
                                    field="date_of_inclusion"),
            reason=row.get("reason") or None, source=row.get("source") or None))
    return SvhcList(list_date=_date(meta.get("list_date"), path=path, field="list_date"),
                    entries=entries, meta=meta, path=str(path))


def read_dsl(path: Path, rohs: RohsList) -> DslList:
    """The DSL in the engine's format (``# key: value`` header, then one row per entry)."""
    meta, rows = read_commented_csv(path)
    entries: list[DslEntry] = []
    for line, row in rows:
        cas: set[str] = set()
        for item in _split(row.get("cas", "")):
            if item.startswith("group:"):
                group = rohs.groups.get(item.removeprefix("group:"))
                if group is None:
                    raise SubstanceListError(f"unknown substance group {item!r}", path=path,
                                             line=line, field="cas")
                cas |= group.cas
            else:
                cas.add(checked_cas(item, path=path, line=line))
        basis = row.get("basis", "")
        if basis not in DSL_BASES:
            raise SubstanceListError(f"basis {basis!r} is not one of {', '.join(DSL_BASES)}",
                                     path=path, line=line, field="basis")
        try:
            threshold = float(row.get("threshold_ppm", ""))
        except ValueError as exc:
            raise SubstanceListError("threshold_ppm is not a number", path=path, line=line,
                                     field="threshold_ppm") from exc
        if threshold < 0:
            raise SubstanceListError("threshold_ppm is negative", path=path, line=line,
                                     field="threshold_ppm")
        applies = row.get("applies_to") or None
        try:
            pattern = re.compile(applies, re.IGNORECASE) if applies else None
        except re.error as exc:
            raise SubstanceListError(f"applies_to is not a regular expression: {exc}",
                                     path=path, line=line, field="applies_to") from exc
        entries.append(DslEntry(id=row.get("id") or None, name=row.get("name", ""),
                                cas=frozenset(cas), threshold_ppm=threshold, basis=basis,
                                reportable_application=row.get("reportable_application") or None,
                                regulatory_basis=row.get("regulatory_basis") or None,
                                source=row.get("source") or None,
                                threshold=row.get("threshold") or None,
                                kind=row.get("kind") or None,
                                threshold_source=row.get("threshold_source") or None,
                                applies_to=pattern))
    return DslList(version=meta.get("list_version"),
                   date=_date(meta.get("list_date"), path=path, field="list_date"),
                   entries=tuple(entries), meta=meta, path=str(path))


def read_china(path: Path) -> ChinaRohs:
    data = _yaml(path)
    limits = {str(k): float(v) for k, v in (data.get("limits_ppm") or {}).items()}
    editions = []
    for item in data.get("editions") or []:
        effective = _date(item.get("effective"), path=path, field="editions.effective")
        if effective is None:
            raise SubstanceListError("edition has no effective date", path=path,
                                     field="editions.effective")
        substances = tuple(str(s) for s in item.get("substances") or [])
        missing = [s for s in substances if s not in limits]
        if missing:
            raise SubstanceListError(f"no limit for {missing}", path=path, field="limits_ppm")
        editions.append(ChinaEdition(standard=str(item["standard"]), effective=effective,
                                     substances=substances))
    headers = {str(k): dict(v) for k, v in (data.get("table_headers") or {}).items()}
    return ChinaRohs(editions=tuple(editions), limits_ppm=limits, headers=headers,
                     note=" ".join(str(data.get("note", "")).split()) or None, path=str(path))


def read_synonyms(path: Path) -> dict[str, str]:
    _, rows = read_commented_csv(path)
    table: dict[str, str] = {}
    for line, row in rows:
        name = normalise_name(row.get("name", ""))
        if not name:
            raise SubstanceListError("synonym has no name", path=path, line=line, field="name")
        table[name] = checked_cas(row.get("cas", ""), path=path, line=line)
    return table


# -- exemption identifiers -------------------------------------------------------------------

_PREFIX = re.compile(r"^(?:eu[\s_-]*rohs|rohs|directive|2011/65/eu|annex|iii|iv|no\.?|entry|item)"
                     r"[\s:._-]*", re.IGNORECASE)
_EXEMPTION = re.compile(r"(\d+)\(?([a-z])?\)?(?:-?([ivx]+|[1-9]))?")
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI", "7": "VII", "8": "VIII",
          "9": "IX"}


def normalise_exemption_id(text: str) -> str:
    """Canonical Annex III identifier: "6c", "III-6(c)", "EU-RoHS 7(c)I" → "6(c)", "7(c)-I"."""
    value = text.strip()
    previous = None
    while previous != value:
        previous = value
        value = _PREFIX.sub("", value).strip()
    compact = re.sub(r"\s+", "", value).lower()
    match = _EXEMPTION.fullmatch(compact)
    if not match:
        return text.strip()
    number, letter, sub = match.groups()
    out = number + (f"({letter})" if letter else "")
    if sub:
        out += "-" + _ROMAN.get(sub, sub.upper())
    return out

