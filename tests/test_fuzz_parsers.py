"""Fuzzing the input side: IPC-1752A and IEC 62474 XML, and BoM tables (CSV / XLSX).

The one property, for every input: the parser either returns a result whose invariants hold
(finite masses; in strict mode non-negative masses and balanced parts) or raises ``FmdError`` with
a message and the file's path — never another exception, a hang or a memory blow-up.

Inputs come from three families of hypothesis strategies:

- structure-aware documents built from the real elements and attributes of each format, filled
  with hostile values (NaN, huge exponents, decimal commas, unknown units, bad CAS check digits,
  RTL / emoji / characters XML forbids, missing, duplicated and misplaced elements, deep nesting),
  plus consistent documents that must parse in strict mode;
- byte-level mutations of the fixture files (truncation, bit flips, DOCTYPEs and entities, BOMs,
  re-encodings, splices);
- BoM tables as CSV and XLSX with random cells (blank, huge, formulas, non-UTF-8 bytes, long
  lines, duplicated or aliased headers), plus consistent tables that must parse.

Here the runs are short and derandomised (CI); ``python -m bench.fuzz --minutes N`` runs the same
strategies for longer (and atheris when installed) and saves what it breaks in
``tests/fuzz_corpus/``, which ``test_corpus_replay`` replays on every run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
import resource
import signal
import threading
import time
import traceback
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from fmd_parsers import (
    BomTable,
    Declaration,
    FmdError,
    FmdValidationError,
    ValidationPolicy,
    parse_declaration,
    read_bom,
)

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
CORPUS = HERE / "fuzz_corpus"
ROOT = HERE.parent
FIXTURE_XML = sorted((FIXTURES / "ipc").glob("*.xml")) + sorted(
    (FIXTURES / "iec62474").glob("*.xml"))
SAMPLE_BOMS = sorted((ROOT / "bom_samples").glob("*/bom.csv"))

STRICT = ValidationPolicy()
LENIENT = ValidationPolicy(lenient=True)

#: Bounds every input must respect (the fuzz inputs are all well under 1 MB). Time is CPU time
#: of this process, so that a loaded machine (``pytest -n 2`` next to other jobs) does not flake.
TIME_LIMIT_S = 2.0
MEMORY_LIMIT_BYTES = 200 * 1024 * 1024
#: A parser still busy after this long is interrupted and reported as hanging.
HANG_S = 30.0
#: When set, inputs that break a property are also written to this folder (bench.fuzz sets it).
SAVE_ENV = "GSCDM_FUZZ_SAVE_DIR"

TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})


# ---------------------------------------------------------------------------------------------
# The oracle: run one input, classify what happened
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FuzzCase:
    """One generated input file."""

    data: bytes
    suffix: str  # ".xml", ".csv", ".xlsx", …
    kind: str  # "xml" (parse_declaration) or "bom" (read_bom)
    must_parse: bool = False  # consistent by construction: strict parsing must succeed
    names: frozenset[str] | None = None  # BoM: every product / part number is one of these


class _Hang(BaseException):
    """Raised by the watchdog alarm; a BaseException so that no ``except Exception`` eats it."""


@dataclass(slots=True)
class Outcome:
    result: Any = None
    error: FmdError | None = None
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0  # CPU seconds
    peak_bytes: int = 0


def _where(exc: BaseException) -> str:
    """The innermost frame of the project's code in a traceback (or the innermost frame)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if str(ROOT) in f.filename and "/tests/" not in f.filename]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "?"
    return f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"


def _on_alarm(signum: int, frame: object) -> None:
    raise _Hang


def run_parser(func: Callable[..., Any], *args: Any, alarm: bool = True) -> Outcome:
    """Call a parser with time and memory measured, turning anything but FmdError into a problem."""
    outcome = Outcome()
    use_alarm = alarm and threading.current_thread() is threading.main_thread()
    started_tracing = not tracemalloc.is_tracing()
    if started_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    previous = signal.signal(signal.SIGALRM, _on_alarm) if use_alarm else None
    if use_alarm:
        signal.setitimer(signal.ITIMER_REAL, HANG_S)
    started = time.process_time()
    try:
        outcome.result = func(*args)
    except FmdError as exc:
        outcome.error = exc
    except _Hang:
        outcome.problems.append(f"hang: still running after {HANG_S:.0f} s")
    except BaseException as exc:  # the property: nothing but FmdError may escape
        if isinstance(exc, KeyboardInterrupt):
            raise
        outcome.problems.append(f"crash: {type(exc).__name__}: {str(exc)[:300]} "
                                f"at {_where(exc)}")
    finally:
        outcome.seconds = time.process_time() - started
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        outcome.peak_bytes = tracemalloc.get_traced_memory()[1]
        if started_tracing:
            tracemalloc.stop()
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024
    if outcome.seconds > TIME_LIMIT_S and not outcome.problems:
        outcome.problems.append(f"slow: {outcome.seconds:.2f} s CPU (limit {TIME_LIMIT_S} s)")
    if max(outcome.peak_bytes, rss_growth) > MEMORY_LIMIT_BYTES:
        outcome.problems.append(
            f"memory: Python peak {outcome.peak_bytes / 2**20:.0f} MiB, resident set grew "
            f"{rss_growth / 2**20:.0f} MiB (limit {MEMORY_LIMIT_BYTES / 2**20:.0f} MiB)")
    return outcome


def error_problems(error: FmdError, path: Path) -> list[str]:
    """An FmdError must say what is wrong and where: non-empty message, the file's path."""
    problems = []
    if not isinstance(error.message, str) or not error.message.strip():
        problems.append(f"FmdError without a message: {error!r}")
    if error.path != str(path):
        problems.append(f"FmdError path is {error.path!r}, not the file {str(path)!r}")
    if error.line is not None and (not isinstance(error.line, int) or error.line < 0):
        problems.append(f"FmdError line {error.line!r} is not a line number")
    if isinstance(error, FmdValidationError) and not error.flags:
        problems.append("FmdValidationError without flags")
    try:
        text = str(error)
        error.as_dict()
    except Exception as exc:  # pragma: no cover - only on a broken error class
        problems.append(f"FmdError cannot be shown: {type(exc).__name__}: {exc}")
    else:
        if str(path) not in text:
            problems.append(f"FmdError text does not name the file: {text[:200]!r}")
    return problems


def _finite(value: float | None) -> bool:
    return value is None or (isinstance(value, float | int) and math.isfinite(value))


def declaration_problems(decl: Declaration, policy: ValidationPolicy) -> list[str]:
    """Invariants of a returned declaration."""
    problems: list[str] = []
    if not isinstance(decl, Declaration):
        return [f"parse_declaration returned {type(decl).__name__}"]
    if decl.format not in {"IPC-1752A", "IEC 62474"}:
        problems.append(f"unknown format {decl.format!r}")
    strict = not policy.lenient
    if strict and any(f.severity == "error" for f in decl.flags):
        problems.append("strict mode returned a declaration with error flags")
    for part in decl.parts:
        where = f"part {part.part_number!r}"
        if not part.part_number:
            problems.append("part without a part number")
        values: list[tuple[str, float | None]] = [(where, part.mass_g)]
        if part.declared_mass is not None:
            values += [(f"{where} declared", part.declared_mass.value),
                       (f"{where} declared grams", part.declared_mass.grams)]
        for material in part.materials:
            mwhere = f"{where} material {material.name!r}"
            values.append((mwhere, material.mass_g))
            if material.declared is not None:
                values += [(f"{mwhere} declared", material.declared.value),
                           (f"{mwhere} declared grams", material.declared.grams)]
            if material.recycled is not None and not 0.0 <= material.recycled.share <= 1.0:
                problems.append(f"{mwhere}: recycled share {material.recycled.share!r}")
            for substance in material.substances:
                swhere = f"{mwhere} substance {substance.name!r}"
                values += [(swhere, substance.mass_g), (f"{swhere} ppm",
                                                        substance.concentration_ppm)]
                if substance.declared is not None:
                    values += [(f"{swhere} declared", substance.declared.value),
                               (f"{swhere} declared grams", substance.declared.grams)]
        for label, value in values:
            if not _finite(value):
                problems.append(f"{label}: mass {value!r} is not finite")
            elif strict and value is not None and value < 0 and "ppm" not in label:
                problems.append(f"{label}: negative mass {value!r} accepted in strict mode")
        if not strict or problems:
            continue
        masses = [m.mass_g for m in part.materials]
        if part.materials and part.mass_g is not None and all(m is not None for m in masses):
            total = sum(m for m in masses if m is not None)
            if abs(total - part.mass_g) > policy.tolerance_g(part.mass_g) * (1 + 1e-9):
                problems.append(f"{where}: materials add up to {total!r} g, part is "
                                f"{part.mass_g!r} g, accepted in strict mode")
        if decl.format != "IPC-1752A":
            continue  # IEC 62474 isFMD="false" compositions may list substances only in part
        for material in part.materials:
            sub = [s.mass_g for s in material.substances]
            if sub and material.mass_g is not None and all(m is not None for m in sub):
                total = sum(m for m in sub if m is not None)
                tolerance = policy.tolerance_g(material.mass_g) * (1 + 1e-9)
                if abs(total - material.mass_g) > tolerance:
                    problems.append(f"{where} material {material.name!r}: substances add up to "
                                    f"{total!r} g, material is {material.mass_g!r} g")
    return problems


_NUMBER_LIKE = re.compile(r"^[\s\d.,eE+-]+$")


def _squash(text: str) -> str:
    return re.sub(r"[\s\"']", "", text)


def bom_problems(table: BomTable, case: FuzzCase) -> list[str]:
    """Invariants of a returned BoM table."""
    if not isinstance(table, BomTable):
        return [f"read_bom returned {type(table).__name__}"]
    problems: list[str] = []
    if not table.products:
        problems.append("BoM table without products")
    text = None
    if case.names is None and case.suffix in TEXT_SUFFIXES:
        text = _squash(case.data.decode("utf-8-sig", errors="replace"))
    squashed_names = {_squash(n) for n in case.names} if case.names is not None else None
    for product in table.products:
        identifiers = [product.product_number]
        for line in product.lines:
            where = f"line {line.line} ({line.part_number!r})"
            identifiers += [line.part_number, line.parent_part_number or ""]
            if not (math.isfinite(line.quantity) and line.quantity > 0):
                problems.append(f"{where}: quantity {line.quantity!r}")
            if line.mass_g is not None and not (math.isfinite(line.mass_g) and line.mass_g >= 0):
                problems.append(f"{where}: mass {line.mass_g!r} g")
            if line.recycled is not None and not 0.0 <= line.recycled.share <= 1.0:
                problems.append(f"{where}: recycled share {line.recycled.share!r}")
            if not isinstance(line.line, int) or line.line < 2:
                problems.append(f"{where}: line number {line.line!r}")
        for identifier in filter(None, identifiers):
            # Identifiers must come from one cell of the table, never from pandas' own text
            # (e.g. the repr of a Series when a column is duplicated).
            key = _squash(identifier)
            if squashed_names is not None:
                if key not in squashed_names and not _NUMBER_LIKE.match(identifier):
                    problems.append(f"identifier {identifier!r} is not a cell of the table")
            elif text is not None and key not in text:
                problems.append(f"identifier {identifier!r} does not occur in the file")
    return problems


def check_case(case: FuzzCase, workdir: Path, *, alarm: bool = True) -> list[str]:
    """Every way in which one input breaks the property (empty: it is fine)."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"fuzz-input{case.suffix}"
    path.write_bytes(case.data)
    problems: list[str] = []
    runs: list[tuple[str, Callable[..., Any], tuple[Any, ...], ValidationPolicy | None]]
    if case.kind == "xml":
        runs = [("strict", parse_declaration, (path, STRICT), STRICT),
                ("lenient", parse_declaration, (path, LENIENT), LENIENT)]
    else:
        runs = [("read_bom", read_bom, (path,), None)]
    for label, func, args, policy in runs:
        outcome = run_parser(func, *args, alarm=alarm)
        found = list(outcome.problems)
        if outcome.error is not None:
            found += error_problems(outcome.error, path)
            if case.must_parse and label != "lenient":
                found.append(f"consistent input rejected: {outcome.error}")
        elif outcome.result is not None:
            if policy is not None:
                found += declaration_problems(outcome.result, policy)
            else:
                found += bom_problems(outcome.result, case)
        problems += [f"{label}: {p}" for p in found]
    return problems


def save_case(case: FuzzCase, problems: list[str], directory: Path) -> Path:
    """Write a failing input into a corpus folder (idempotent: named by its content hash)."""
    directory.mkdir(parents=True, exist_ok=True)
    prefix = case.kind + ("valid" if case.must_parse else "")
    digest = hashlib.sha256(case.data).hexdigest()[:12]
    path = directory / f"{prefix}-{digest}{case.suffix}"
    if not path.exists():
        path.write_bytes(case.data)
        path.with_name(path.name + ".why").write_text("\n".join(problems)[:4000] + "\n",
                                                      encoding="utf-8")
    return path


def case_from_corpus(path: Path) -> FuzzCase:
    """A saved input, replayed with the property it once broke."""
    prefix = path.name.split("-", 1)[0]
    kind = "bom" if prefix.startswith("bom") else "xml"
    return FuzzCase(path.read_bytes(), path.suffix, kind, must_parse=prefix.endswith("valid"))


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir()
                  if p.is_file() and p.suffix not in {".why", ".md"} and not p.name.startswith("."))


# ---------------------------------------------------------------------------------------------
# Value strategies
# ---------------------------------------------------------------------------------------------

#: Characters XML forbids, direction overrides, emoji, invisible and markup-significant text.
NASTY_PIECES = [
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\u200b", "\u200e", "\u200f",
    "\u202e", "\u2066", "\u2028", "\ufeff", "\ufffe", "\uffff", "\ud800", "\udfff", "\U0001f600",
    "\U0001f469\u200d\U0001f52c", "\U0010ffff", "עברית", "العربية", "镁铝合金", "ﷺ", "e\u0301",
    "&", "<", ">", '"', "'", "]]>", "&amp;", "&#0;", "&#1;", "&#x1F600;", "&#x110000;", "&lt;",
    "&unknown;", "%", "\n", "\r", "\t", " ", "\\", "${x}", "=1+1", "NUL",
]
NUMBER_WORDS = [
    "0", "-0", "1", "-1", "0.5", "1,5", "1.000,5", "1,000", "1,000,000", "1e3", "1E-3", "1e308",
    "1.8e308", "-1e308", "1e-400", "5e-324", "4.9e-324", "nan", "NaN", "-nan", "inf", "-inf",
    "Infinity", "1_000", "0x1A", "１２", "١٢٣", "²", "½", "1.2.3", "", " ", "+5", ".5", "5.", "1e",
    "e5", "9" * 400, "0." + "0" * 400 + "1", "1" + "0" * 5000, "1 000", "1\u00a0000", "12%", "−5",
    "1e+308", "99999999999999999999999", "0.1e-5", "3 g",
]
UNIT_WORDS = [
    "g", "mg", "kg", "ug", "µg", "μg", "mcg", "lb", "oz", "t", "ppm", "massPercent", "%", "wt%",
    "mass%", "percent", "mass percent", "G", " Mg ", "KG", "gram", "grams", "ppb", "ml", "m",
    "each", "", "g/kg", "kg**2", "1/0", "meter", "dimensionless", "gr", "weight%",
]
DATE_WORDS = ["2026-03-14", "2026-13-45", "2026-03-14T10:00:00Z", "2026-03-14T25:61:00+99:00",
              "0000-00-00", "99999-01-01", "14.03.2026", "", "2026-03-14junk", "2026"]
BOOL_WORDS = ["true", "false", "1", "0", "yes", "TRUE", "", "maybe"]
KIND_WORDS = ["PCC", "PIC", "CL-PCC", "OBP", "recycled-metal", "bio-based", "pcr", "bio", "",
              "upcycled"]


def cas_number(body: int, middle: int) -> str:
    """A CAS RN with a correct check digit."""
    digits = f"{body}{middle:02d}"
    check = sum((i + 1) * int(d) for i, d in enumerate(reversed(digits))) % 10
    return f"{body}-{middle:02d}-{check}"


def nasty_text(max_pieces: int = 6) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(NASTY_PIECES), st.text(max_size=6),
                      st.text(alphabet="ab1 -.", max_size=6))
    return st.lists(piece, max_size=max_pieces).map("".join)


def mostly(plausible: st.SearchStrategy[str],
           hostile: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Plausible values three times in four (so that parsing gets deep), hostile ones otherwise."""
    return st.integers(0, 3).flatmap(lambda i: hostile if i == 0 else plausible)


hostile_numbers: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(NUMBER_WORDS),
    st.floats().map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:g}".replace(".", ",")),
    st.integers(-(10**30), 10**30).map(str),
    st.decimals(allow_nan=True).map(str),
    nasty_text(2),
)
numbers = mostly(st.one_of(st.floats(0, 1000).map(repr), st.integers(0, 5000).map(str),
                           st.floats(0, 100).map(lambda f: f"{f:.3f}")), hostile_numbers)
units = mostly(st.sampled_from(["g", "mg", "kg", "ppm", "massPercent", "%"]),
               st.one_of(st.sampled_from(UNIT_WORDS), nasty_text(2)))
valid_cas = st.builds(cas_number, st.integers(10, 9_999_999), st.integers(0, 99))
cas_like = mostly(valid_cas, st.one_of(
    st.builds(lambda b, m, c: f"{b}-{m:02d}-{c}", st.integers(0, 10**8), st.integers(0, 120),
              st.integers(0, 12)),  # often a bad check digit
    st.builds(lambda b, m: cas_number(b, m).replace("-", ""), st.integers(10, 9_999_999),
              st.integers(0, 99)),
    st.sampled_from(["7440-50-8", "7440-50-9", " 7439 - 92 - 1 ", "²²345678", "٧٤٣٩-٩٢-١",
                     "00007440-50-8", "0-00-0", "00-00-0", "7440508", "12345", "1234567890123",
                     "CAS 7440-50-8", "n/a", "-", ""]),
    nasty_text(3),
))
dates = mostly(st.sampled_from(["2026-03-14", "2025-12-31T10:00:00Z"]),
               st.one_of(st.sampled_from(DATE_WORDS), nasty_text(2)))
safe_text = st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc"),
                                           exclude_characters="\ufffe\uffff"), max_size=12)
names = mostly(st.builds(lambda t: "N " + t, safe_text), st.one_of(nasty_text(), st.sampled_from([
    "PC/ABS, 30% PCC", "Al 6063 (75% recycled)", "closed-loop PCR 35%", "bamboo (bio-based)",
    "150% recycled steel", "999 % PCC", "PCC " + "1." + "1" * 2000, "x" * 3000, "",
])))
booleans = mostly(st.sampled_from(["true", "false"]),
                  st.one_of(st.sampled_from(BOOL_WORDS), nasty_text(1)))
kinds = mostly(st.sampled_from(KIND_WORDS[:6]),
               st.one_of(st.sampled_from(KIND_WORDS), nasty_text(1)))


def attribute_value(name: str) -> st.SearchStrategy[str]:
    if name in {"value", "mass", "massPercent", "numberOfUnits", "share", "recycledContent",
                "numberResponse"}:
        return numbers
    if name in {"UOM", "unitOfMeasure", "unit"}:
        return units
    if name in {"identity", "entryIdentity"}:
        return cas_like
    if name == "date":
        return dates
    if name in {"isFMD", "declarationComplete", "aboveComplianceThreshold", "response",
                "overThreshold"}:
        return booleans
    if name in {"kind", "recycledKind"}:
        return kinds
    return names


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


# ---------------------------------------------------------------------------------------------
# Structure-aware XML documents
# ---------------------------------------------------------------------------------------------

#: element → (attributes, children); the grammar the structure-aware generator combines.
Schema = dict[str, tuple[list[str], list[str]]]

IPC_NAMESPACE = "http://webstds.ipc.org/175x/2.0"
IPC_SCHEMA: Schema = {
    "MainDeclaration": (["version"], ["BusinessInfo", "Product", "Include"]),
    "Include": ([], ["Sectional"]),
    "Sectional": (["name"], ["SubSectional"]),
    "SubSectional": (["name"], []),
    "BusinessInfo": ([], ["Response", "Request", "Declaration"]),
    "Request": (["date"], ["RequestCompany", "Contact"]),
    "RequestCompany": (["name"], ["CompanyID"]),
    "Response": (["date"], ["SupplyCompany", "Contact", "Authorizer"]),
    "SupplyCompany": (["name"], ["CompanyID"]),
    "CompanyID": (["identity", "authority"], []),
    "Contact": (["name"], ["Email", "Phone"]),
    "Authorizer": (["name"], []),
    "Email": (["address"], []),
    "Phone": (["number"], []),
    "Declaration": (["date", "legalType"], []),
    "Product": (["unitType"], ["ProductID", "MaterialInfo", "SubProduct"]),
    "SubProduct": (["unitType"], ["ProductID", "MaterialInfo", "SubProduct"]),
    "ProductID": (["itemNumber", "itemName", "version", "manufacturer", "requesterItemNumber"],
                  ["Amount"]),
    "Amount": (["value", "UOM", "unitOfMeasure"], []),
    "MaterialInfo": ([], ["HomogeneousMaterialList", "SubstanceCategoryList"]),
    "HomogeneousMaterialList": ([], ["HomogeneousMaterial"]),
    "HomogeneousMaterial": (["name", "materialGroupName", "comment", "recycledContent",
                             "recycledKind"],
                            ["Amount", "SubstanceCategory", "Substance", "MaterialGroupID",
                             "RecycledContent", "Exemption"]),
    "SubstanceCategory": (["name"], ["Substance", "Exemption", "Threshold"]),
    "Substance": (["name"], ["UniqueID", "SubstanceID", "Amount", "Concentration", "Exemption"]),
    "UniqueID": (["identity", "authority"], []),
    "SubstanceID": (["identity", "authority"], []),
    "Concentration": (["value", "UOM"], []),
    "Exemption": (["identity", "authority", "description"], ["ExemptionID"]),
    "ExemptionID": (["identity", "authority"], []),
    "RecycledContent": (["share", "kind"], []),
    "MaterialGroupID": (["name", "identity"], []),
    "SubstanceCategoryList": ([], ["SubstanceCategoryListID", "SubstanceCategory"]),
    "SubstanceCategoryListID": (["identity"], []),
    "Threshold": (["overThreshold"], []),
}

IEC_NAMESPACE = "http://std.iec.ch/iec62474"
_ENTRY: tuple[list[str], list[str]] = ([], ["ListID", "EntryID"])
_SHARE: tuple[list[str], list[str]] = ([], ["Mass", "MassPercent"])
_LIST: tuple[list[str], list[str]] = (["authority", "identity", "version"], [])
IEC_SCHEMA: Schema = {
    "Main": (["schemaDatabaseVersion", "declarationComplete"],
             ["Include", "BusinessInfo", "Product", "ToolNameVersionID"]),
    "Include": ([], ["Sectional"]),
    "Sectional": (["nameOfSectional"], []),
    "BusinessInfo": (["mode"], ["Request", "Response"]),
    "Request": (["date"], ["Contact", "RequestCompany", "RequestContent"]),
    "RequestContent": ([], ["DSLforComposition", "DSLforCompliance"]),
    "DSLforComposition": _LIST,
    "DSLforCompliance": _LIST,
    "Response": (["date", "docID"], ["Authorizer", "Contact", "SupplyCompany"]),
    "Authorizer": (["name", "email", "phone", "nameLocal"], []),
    "Contact": (["name", "email", "phone", "nameLocal"], []),
    "RequestCompany": (["name"], []),
    "SupplyCompany": (["name", "nameLocal"], ["UniqueID"]),
    "UniqueID": _LIST,
    "Product": (["unitType"], ["ProductID", "Compliance", "Composition",
                               "MaterialClassDeclaration", "QueryList", "Exemptions"]),
    "ProductID": (["identifier", "name", "version", "manufacturingSite", "requesterIdentifier",
                   "requesterName"], ["Mass", "MassPercent"]),
    "Mass": (["mass", "unitOfMeasure", "UOM", "unit"], []),
    "MassPercent": (["massPercent"], []),
    "Compliance": ([], ["DeclarableSubstanceList", "DsDsg"]),
    "DeclarableSubstanceList": _LIST,
    "DsDsg": (["name"], ["DsDsgID", "Mass", "MassPercent", "ComplianceThreshold", "Exemptions"]),
    "DsDsgID": (["entryIdentity"], []),
    "ComplianceThreshold": (["aboveComplianceThreshold", "reportableApplication",
                             "reportingThreshold"], []),
    "Exemptions": ([], ["UniqueID", "Exemption"]),
    "Exemption": (["identity", "regIndex", "description"], []),
    "Composition": (["isFMD"], ["DeclarableSubstanceList", "ProductPart", "Material",
                                "Substance"]),
    "ProductPart": (["numberOfUnits"], ["ProductID", "ProductPart", "Material", "Substance"]),
    "Material": (["name", "comment"], ["MaterialID", "MaterialClassID", "Mass", "MassPercent",
                                       "Substance", "MaterialCircularity"]),
    "MaterialID": _ENTRY,
    "MaterialClassID": _ENTRY,
    "SubstanceID": _ENTRY,
    "DsgID": _ENTRY,
    "ListID": _LIST,
    "EntryID": (["entryIdentity", "entryDescription"], []),
    "Substance": (["name"], ["SubstanceID", "DsgID", "Mass", "MassPercent", "Exemptions"]),
    "MaterialCircularity": ([], ["RecycledContentInformation", "RenewableContent"]),
    "RecycledContentInformation": ([], ["TotalRecycledContent", "PreConsumerRecycledContent",
                                        "PostConsumerRecycledContent"]),
    "TotalRecycledContent": _SHARE,
    "PreConsumerRecycledContent": _SHARE,
    "PostConsumerRecycledContent": _SHARE,
    "RenewableContent": _SHARE,
    "MaterialClassDeclaration": ([], ["MaterialClassList", "MaterialClass"]),
    "MaterialClassList": _LIST,
    "MaterialClass": (["id", "name", "comment"], ["Mass", "MassPercent", "MaterialCircularity"]),
    "QueryList": ([], ["QueryListID", "Query"]),
    "QueryListID": _LIST,
    "Query": (["statement", "response", "numberResponse", "additionalInformation"],
              ["QueryID"]),
    "QueryID": (["entryIdentity"], []),
    "ToolNameVersionID": _LIST,
}

#: Children generated first (nine times in ten), so that documents usually get deep into the
#: parser; "A|B" picks one of the two.
IPC_SKELETON: dict[str, list[str]] = {
    "MainDeclaration": ["Product", "BusinessInfo"],
    "BusinessInfo": ["Response"],
    "Response": ["SupplyCompany", "Contact"],
    "Product": ["ProductID", "MaterialInfo"],
    "SubProduct": ["ProductID", "MaterialInfo"],
    "ProductID": ["Amount"],
    "MaterialInfo": ["HomogeneousMaterialList"],
    "HomogeneousMaterialList": ["HomogeneousMaterial", "HomogeneousMaterial"],
    "HomogeneousMaterial": ["Amount", "SubstanceCategory|Substance"],
    "SubstanceCategory": ["Substance", "Substance"],
    "Substance": ["UniqueID|SubstanceID", "Amount|Concentration"],
}
IEC_SKELETON: dict[str, list[str]] = {
    "Main": ["Product", "BusinessInfo"],
    "BusinessInfo": ["Response"],
    "Response": ["SupplyCompany", "Contact"],
    "Product": ["ProductID", "Composition"],
    "ProductID": ["Mass|MassPercent"],
    "Composition": ["Material", "ProductPart|Material"],
    "ProductPart": ["ProductID", "Material"],
    "Material": ["MaterialClassID", "Mass|MassPercent", "Substance", "Substance"],
    "MaterialClassID": ["ListID", "EntryID"],
    "SubstanceID": ["EntryID"],
    "Substance": ["SubstanceID", "Mass|MassPercent"],
}
#: Attributes written nineteen times in twenty (the others: two times in five).
KEY_ATTRIBUTES = frozenset({
    "itemNumber", "identifier", "name", "value", "UOM", "mass", "unitOfMeasure", "identity",
    "entryIdentity", "massPercent", "authority", "version", "schemaDatabaseVersion",
})
ENCODINGS = ["utf-8", "utf-16", "utf-16-be", "utf-32", "latin-1", "iso-8859-1", "cp1252",
             "gb18030", "shift_jis", "ascii"]


@dataclass(slots=True)
class _Grammar:
    schema: Schema
    skeleton: dict[str, list[str]]
    elements_left: int
    hostile: bool  # also break the XML itself (else only the values are hostile)


#: Characters XML 1.0 forbids (removed from documents that are meant to be well-formed).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _element(draw: st.DrawFn, grammar: _Grammar, name: str, prefix: str, depth: int,
             extra: str = "") -> str:
    grammar.elements_left -= 1
    known_attrs, allowed = grammar.schema.get(name, ([], []))
    parts = [f"<{prefix}{name}{extra}"]
    attrs = [a for a in known_attrs
             if draw(st.integers(0, 19)) < (19 if a in KEY_ATTRIBUTES else 8)]
    if grammar.hostile and draw(st.integers(0, 9)) == 0:  # foreign or duplicated attribute
        attrs.append(draw(st.sampled_from(["value", "mass", "UOM", "name", "xml:lang", "x"])))
    for attr_name in attrs:
        value = draw(attribute_value(attr_name))
        raw = grammar.hostile and draw(st.integers(0, 19)) == 0  # now and then unescaped
        parts.append(f' {attr_name}="{value if raw else xml_escape(value)}"')
    children: list[str] = []
    if depth < 8 and grammar.elements_left > 0:
        wanted = [c for c in grammar.skeleton.get(name, []) if draw(st.integers(0, 9)) < 9]
        choices = [*allowed, *allowed, *allowed, "*known", "*unknown"] if allowed else [
            "*unknown"]
        for _ in range(draw(st.integers(0, 3 if allowed else 1))):
            wanted.append(draw(st.sampled_from(choices)))
        for child in wanted:
            if grammar.elements_left <= 0:
                break
            if "|" in child:
                child = draw(st.sampled_from(child.split("|")))
            if child == "*known":
                child = draw(st.sampled_from(sorted(grammar.schema)))
            elif child == "*unknown":
                child = draw(st.sampled_from(["VendorExtension", "Signature", "X"]
                                             + (["ds:Foo"] if grammar.hostile else [])))
            children.append(_element(draw, grammar, child, prefix, depth + 1))
    text = draw(st.sampled_from(["", "", "", "", "", "", "", "text"]))
    if text:
        text = draw(nasty_text(2))
        if not grammar.hostile or draw(st.booleans()):
            text = xml_escape(text)
    if not children and not text:
        return "".join(parts) + "/>"
    return "".join(parts) + ">" + text + "".join(children) + f"</{prefix}{name}>"


def _encode(draw: st.DrawFn, body: str, hostile: bool) -> bytes:
    """Serialise as UTF-8, or (hostile) in another and possibly mis-declared encoding."""
    encoding = draw(st.sampled_from(ENCODINGS)) if hostile else "utf-8"
    declared = encoding if not hostile or draw(st.booleans()) else draw(
        st.sampled_from(["UTF-8", "utf-16", "bogus-9", "EBCDIC-US", None]))
    head = "" if declared is None else f'<?xml version="1.0" encoding="{declared}"?>\n'
    text = head + body
    try:
        return text.encode(encoding, errors="xmlcharrefreplace")
    except UnicodeEncodeError:  # lone surrogates: emit them as the invalid bytes they are
        return text.encode("utf-8", errors="surrogatepass")


@st.composite
def xml_documents(draw: st.DrawFn, schema: Schema, skeleton: dict[str, list[str]], root: str,
                  namespace: str, wrapper: tuple[str, str, str]) -> FuzzCase:
    """Random combinations of the format's real elements and attributes with hostile values."""
    prefix = draw(st.sampled_from(["", "", "", "", "p:", "ds:"]))
    ns = namespace if draw(st.integers(0, 9)) else draw(
        st.sampled_from(["", "urn:other", namespace + "/x"]))
    root_name = root if draw(st.integers(0, 19)) else draw(
        st.sampled_from(["Other", "MainDeclaration", "Main"]))
    xmlns = ""
    if ns:
        xmlns = f' xmlns:{prefix[:-1]}="{ns}"' if prefix else f' xmlns="{ns}"'
    hostile = draw(st.integers(0, 3)) == 0
    grammar = _Grammar(schema, skeleton, draw(st.integers(10, 80)), hostile)
    body = _element(draw, grammar, root_name, prefix, 0, extra=xmlns)
    if not hostile:
        body = FORBIDDEN.sub("", body)
    depth = draw(st.sampled_from([0] * 8 + [3, 50, 240, 300]))
    if depth:  # deep nesting of a real container (each with its ID) inside the product
        anchor, element, identity = wrapper
        end = body.rfind(f"</{prefix}{anchor}>")
        end = end if end >= 0 else body.rfind("</")
        if end > 0:
            opened = "".join(f'<{prefix}{element}><{prefix}ProductID {identity}="D{i}"/>'
                             for i in range(depth))
            body = body[:end] + opened + f"</{prefix}{element}>" * depth + body[end:]
    return FuzzCase(_encode(draw, body, hostile), ".xml", "xml")


# ---------------------------------------------------------------------------------------------
# Consistent documents: must parse in strict mode (unless deliberately perturbed)
# ---------------------------------------------------------------------------------------------

MASS_UNITS = {"g": 1.0, "mg": 1000.0, "kg": 0.001}


def _number(draw: st.DrawFn, value: float) -> str:
    text = repr(value)
    if "." not in text and draw(st.integers(0, 3)) == 0:
        return text
    if draw(st.integers(0, 4)) == 0 and "," not in text:
        comma = text.replace(".", ",")  # decimal comma, as some ERP exports write it
        # ... unless it reads as a thousands separator too ("1,234"): that one is refused
        # as ambiguous (test_units_cas_recycled), so a consistent document never holds it
        if not re.fullmatch(r"[+-]?[1-9]\d{0,2},\d{3}", comma):
            return comma
    return text


@st.composite
def _share_split(draw: st.DrawFn, total: float, count: int) -> list[float]:
    weights = [draw(st.floats(0.05, 1.0)) for _ in range(count)]
    return [total * w / sum(weights) for w in weights]


def _amount(draw: st.DrawFn, grams: float, parent_g: float) -> tuple[str, str]:
    """(value, unit) for a mass in grams: as a mass or as a share of its parent."""
    unit = draw(st.sampled_from(["g", "mg", "kg", "massPercent", "ppm"]))
    if unit in MASS_UNITS:
        return _number(draw, grams * MASS_UNITS[unit]), unit
    share = grams / parent_g if parent_g else 0.0
    return _number(draw, share * (100.0 if unit == "massPercent" else 1e6)), unit


_PERTURBATIONS = {  # what to change → the regex of the places it can be changed
    "value": r'(?:value|mass|massPercent|numberOfUnits)="([^"]*)"',
    "unit": r'(?:UOM|unitOfMeasure)="([^"]*)"',
    "identity": r'(?:itemNumber|identifier|name|identity|entryIdentity)="([^"]*)"',
    **{f"{how} {tag}": rf"(<{tag}\b[^>]*/>)" for how in ("drop", "repeat")
       for tag in ("Amount", "Mass", "MassPercent", "Concentration", "UniqueID", "EntryID")},
    **{f"{how} {tag}": rf"(<{tag}\b.*?</{tag}>)" for how in ("drop", "repeat")
       for tag in ("HomogeneousMaterial", "Material", "Substance", "ProductID")},
}


def _perturb(draw: st.DrawFn, xml: str) -> tuple[str, bool]:
    """Break a consistent document in one place (or not); True when it is untouched."""
    if draw(st.integers(0, 2)) > 0:
        return xml, True
    kinds = [k for k in sorted(_PERTURBATIONS) if re.search(_PERTURBATIONS[k], xml)]
    if not kinds:
        return xml, True
    kind = draw(st.sampled_from(kinds))
    places = list(re.finditer(_PERTURBATIONS[kind], xml))
    place = draw(st.sampled_from(places))
    start, end = place.span(1)
    if kind == "value":
        new = xml_escape(draw(st.one_of(numbers, st.sampled_from(["0", "-1", "1e300"]))))
    elif kind == "unit":
        new = xml_escape(draw(units))
    elif kind == "identity":
        new = xml_escape(draw(st.one_of(cas_like, st.sampled_from(["", " "]))))
    elif kind.startswith("drop"):
        new = ""
    else:
        new = place.group(1) * 2
    return xml[:start] + new + xml[end:], False


@st.composite
def ipc_consistent(draw: st.DrawFn) -> FuzzCase:
    materials: list[tuple[float, str]] = []
    for i in range(draw(st.integers(0, 4))):
        mass = draw(st.floats(1e-3, 1e4))
        value, unit = draw(st.sampled_from([
            (_number(draw, mass * f), u) for u, f in MASS_UNITS.items()]))
        substances = []
        count = draw(st.integers(0, 4))
        for j, grams in enumerate(draw(_share_split(mass, count))):
            s_value, s_unit = _amount(draw, grams, mass)
            cas = cas_number(draw(st.integers(10, 9_999_999)), draw(st.integers(0, 99)))
            element = draw(st.sampled_from(["Amount", "Concentration"]))
            substances.append(
                f'<Substance name="S{j} {xml_escape(draw(safe_text))}">'
                f'<UniqueID identity="{cas}" authority="CAS"/>'
                f'<{element} value="{s_value}" UOM="{s_unit}"/></Substance>')
        category = "".join(substances)
        if substances and draw(st.booleans()):
            category = f'<SubstanceCategory name="C">{category}</SubstanceCategory>'
        materials.append((mass, (
            f'<HomogeneousMaterial name="M{i} {xml_escape(draw(safe_text))}">'
            f'<Amount value="{value}" UOM="{unit}"/>{category}</HomogeneousMaterial>')))
    part_g = sum(m for m, _ in materials)
    declared = draw(st.sampled_from(list(MASS_UNITS)))
    amount = "" if materials and draw(st.integers(0, 4)) == 0 else (  # else derived
        f'<Amount value="{_number(draw, part_g * MASS_UNITS[declared])}" UOM="{declared}"/>')
    xml = (f'<MainDeclaration xmlns="{IPC_NAMESPACE}" version="2.0"><Product>'
           f'<ProductID itemNumber="P-{xml_escape(draw(safe_text))}">{amount}'
           f'</ProductID><MaterialInfo><HomogeneousMaterialList>'
           + "".join(x for _, x in materials)
           + "</HomogeneousMaterialList></MaterialInfo></Product></MainDeclaration>")
    xml, untouched = _perturb(draw, xml)
    data = ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml).encode(errors="surrogatepass")
    return FuzzCase(data, ".xml", "xml", must_parse=untouched)


@st.composite
def _iec_content(draw: st.DrawFn, depth: int, counter: list[int]) -> tuple[float, str]:
    """Materials and sub-parts of one unit: (grams per unit, XML)."""
    pieces: list[tuple[float, str]] = []
    for _ in range(draw(st.integers(0 if depth == 0 else 1, 3))):
        counter[0] += 1
        number = counter[0]
        if depth < 3 and draw(st.integers(0, 3)) == 0:
            units = draw(st.sampled_from([1, 2, 4, 2.5, 1000]))
            sub_g, sub_xml = draw(_iec_content(depth + 1, counter))
            value, unit = _number(draw, sub_g * 1000.0), "mg"
            pieces.append((units * sub_g, (
                f'<ProductPart numberOfUnits="{units}"><ProductID identifier="SP{number}" '
                f'name="{xml_escape(draw(safe_text))}"><Mass mass="{value}" '
                f'unitOfMeasure="{unit}"/></ProductID>{sub_xml}</ProductPart>')))
            continue
        mass = draw(st.floats(1e-3, 1e4))
        mvalue, munit = draw(st.sampled_from([(_number(draw, mass * f), u)
                                              for u, f in MASS_UNITS.items()]))
        substances = []
        for j, grams in enumerate(draw(_share_split(mass, draw(st.integers(0, 4))))):
            cas = cas_number(draw(st.integers(10, 9_999_999)), draw(st.integers(0, 99)))
            if draw(st.booleans()):
                amount = f'<MassPercent massPercent="{_number(draw, grams / mass * 100.0)}"/>'
            else:
                amount = (f'<Mass mass="{_number(draw, grams * 1000.0)}" '
                          f'unitOfMeasure="mg"/>')
            substances.append(f'<Substance name="S{j}"><SubstanceID><EntryID '
                              f'entryIdentity="{cas}"/></SubstanceID>{amount}</Substance>')
        pieces.append((mass, (
            f'<Material name="M{number} {xml_escape(draw(safe_text))}">'
            f'<Mass mass="{mvalue}" unitOfMeasure="{munit}"/>{"".join(substances)}</Material>')))
    return sum(g for g, _ in pieces), "".join(x for _, x in pieces)


@st.composite
def iec_consistent(draw: st.DrawFn) -> FuzzCase:
    total_g, content = draw(_iec_content(0, [0]))
    is_fmd = draw(st.sampled_from(["true", "false", ""]))
    xml = (f'<Main xmlns="{IEC_NAMESPACE}" schemaDatabaseVersion="X8.21"><Product>'
           f'<ProductID identifier="P-{xml_escape(draw(safe_text))}">'
           f'<Mass mass="{_number(draw, total_g)}" unitOfMeasure="g"/></ProductID>'
           f'<Composition isFMD="{is_fmd}">{content}</Composition></Product></Main>')
    xml, untouched = _perturb(draw, xml)
    data = ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml).encode(errors="surrogatepass")
    return FuzzCase(data, ".xml", "xml", must_parse=untouched)


# ---------------------------------------------------------------------------------------------
# Byte-level mutations of the fixture files
# ---------------------------------------------------------------------------------------------

DOCTYPES = [
    b'<!DOCTYPE r SYSTEM "file:///etc/passwd">',
    b'<!DOCTYPE r [<!ENTITY e "boom">]>',
    b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
    b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>',
    b'<!doctype r>',
    b'<! DOCTYPE r>',
    b'<!DOCTYPE r PUBLIC "-//X//Y" "http://127.0.0.1:9/y.dtd">',
]
INSERTS = [
    b"&e;", b"&d;", b"&#0;", b"&#x110000;", b"&amp", b"<![CDATA[x]]>", b"<!-- c -->", b"<?pi x?>",
    b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd"/>', b"\x00",
    b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"</Substance>", b"<Substance>", b"<Amount/>",
    b' value="1e308"', b' UOM="kg"', b"\r\n", b"]]>", b"<", b">", b'"', b"\xef\xbb\xbf",
]
BOMS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff",
        b"\xef\xbb\xbf\xef\xbb\xbf"]


def _pos(draw: st.DrawFn, data: bytes | bytearray) -> int:
    return draw(st.integers(0, len(data)))


def _mutate(draw: st.DrawFn, data: bytes, others: list[Path]) -> bytes:
    op = draw(st.sampled_from([
        "truncate", "flip", "insert", "delete", "duplicate", "doctype", "bom", "reencode",
        "declaration", "value", "splice", "padded-doctype", "crlf",
    ]))
    if op == "truncate":
        return data[:_pos(draw, data)]
    if op == "flip":
        buf = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            if buf:
                i = draw(st.integers(0, len(buf) - 1))
                buf[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(buf)
    if op == "insert":
        i = _pos(draw, data)
        piece = draw(st.one_of(st.sampled_from(INSERTS), st.binary(max_size=8)))
        return data[:i] + piece + data[i:]
    if op == "delete":
        i = _pos(draw, data)
        return data[:i] + data[i + draw(st.integers(1, 200)):]
    if op == "duplicate":
        i = _pos(draw, data)
        j = min(len(data), i + draw(st.integers(1, 500)))
        return data[:j] + data[i:j] * draw(st.integers(1, 20)) + data[j:]
    if op in {"doctype", "padded-doctype"}:
        doctype = draw(st.sampled_from(DOCTYPES))
        if op == "padded-doctype":  # beyond the prolog scan window of xmlsafe
            doctype = b"<!--" + b"p" * (70 * 1024) + b"-->" + doctype
        end = data.find(b"?>")
        i = end + 2 if end >= 0 and draw(st.booleans()) else 0
        return data[:i] + doctype + data[i:]
    if op == "bom":
        return draw(st.sampled_from(BOMS)) + data
    if op == "reencode":
        text = data.decode("utf-8", errors="replace")
        encoding = draw(st.sampled_from([*ENCODINGS, "utf-32-le", "utf-7", "cp037"]))
        if draw(st.booleans()):
            text = re.sub(r'encoding="[^"]*"', f'encoding="{encoding}"', text, count=1)
        try:
            return text.encode(encoding, errors="xmlcharrefreplace")
        except (UnicodeError, LookupError):
            return data
    if op == "declaration":
        head = draw(st.sampled_from([
            b"", b'<?xml version="1.0"?>', b'<?xml version="2.0" encoding="UTF-8"?>',
            b'<?xml version="1.0" encoding="UTF-16"?>', b'<?xml version="1.0" encoding="x"?>',
            b'<?xml version="1.0" encoding="ISO-2022-JP"?>', b'  \n<?xml version="1.0"?>']))
        return re.sub(rb"^(\xef\xbb\xbf)?<\?xml[^>]*\?>", head, data, count=1)
    if op == "value":
        matches = list(re.finditer(rb'(value|mass|massPercent|numberOfUnits|UOM|unitOfMeasure|'
                                   rb'identity|entryIdentity|itemNumber|identifier)="([^"]*)"',
                                   data))
        if not matches:
            return data
        target = draw(st.sampled_from(matches))
        field = target.group(1)
        values = units if field in {b"UOM", b"unitOfMeasure"} else (
            cas_like if b"dentity" in field else numbers)
        value = xml_escape(draw(values)).encode("utf-8", errors="surrogatepass")
        return data[:target.start(2)] + value + data[target.end(2):]
    if op == "splice":
        other = draw(st.sampled_from(others)).read_bytes()
        return data[:_pos(draw, data)] + other[_pos(draw, other):]
    # crlf
    return data.replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b"\n\n", b"\x85"])))


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> FuzzCase:
    data = draw(st.sampled_from(FIXTURE_XML)).read_bytes()
    for _ in range(draw(st.integers(1, 4))):
        data = _mutate(draw, data, FIXTURE_XML)
    return FuzzCase(data, ".xml", "xml")


# ---------------------------------------------------------------------------------------------
# BoM tables
# ---------------------------------------------------------------------------------------------

BOM_COLUMNS = [
    "product_number", "product_name", "part_number", "parent_part_number", "quantity",
    "part_name", "part_mass_g", "part_mass", "mass_unit", "recycled_kind", "recycled_share",
    "fmd_file", "category",
]
BOM_ALIASES = ["product", "Product ID", "part", "Part-No", "item_number", "parent", "qty", "QTY",
               "name", "description", "mass_g", "weight_g", "recycled_share_pct", "fmd",
               "declaration", "Unnamed: 3", "", " ", "colour", "quantity ", "PRODUCT_NUMBER"]
PART_IDS = ["A", "B", "C", "D", "NB14-MB-01", "x" * 300, "0", "1e3", "=HYPERLINK(\"x\")"]
CELL_WORDS = ["", " ", "=1+1", "=SUM(A1:A2)", "@SUM(A1)", "+1", "-1", "=cmd|' /C calc'!A0",
              "nan", "NaN", "NULL", "None", "#N/A", "TRUE", "1e308", "1e309", "-0", "0", "1,5",
              "30 %", "130", "PCC", "recycled-metal", "kg", "mg", "lb", "g", "\"", "\"\"", ",",
              ";", "\t", "\n", "\r\n", "a\"b", "\x00", "ä", "\U0001f600"]


def _cell_for(column: str) -> st.SearchStrategy[str]:
    key = column.strip().lower().replace(" ", "_").replace("-", "_")
    if key in {"product_number", "product", "product_id"}:
        return st.one_of(st.sampled_from(["P1", "P2", "NB14", ""]), nasty_text(2))
    if key in {"part_number", "parent_part_number", "part", "part_no", "item_number", "parent"}:
        return st.one_of(st.sampled_from([*PART_IDS, ""]), nasty_text(2))
    if key in {"quantity", "qty", "part_mass_g", "part_mass", "mass_g", "weight_g",
               "recycled_share", "recycled_share_pct"}:
        return st.one_of(numbers, st.sampled_from(CELL_WORDS))
    if key == "mass_unit":
        return units
    if key == "recycled_kind":
        return st.one_of(st.sampled_from(KIND_WORDS), nasty_text(1))
    return st.one_of(st.sampled_from(CELL_WORDS), nasty_text(3),
                     st.integers(1, 3000).map(lambda n: "y" * n))


@st.composite
def bom_rows(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    header = draw(st.lists(st.sampled_from(BOM_COLUMNS), min_size=1, max_size=13, unique=True))
    if draw(st.integers(0, 3)) == 0:  # aliases, unknown, blank or duplicated headers
        for alias in draw(st.lists(st.sampled_from(BOM_ALIASES + BOM_COLUMNS), max_size=3)):
            header.insert(draw(st.integers(0, len(header))), alias)
    if draw(st.integers(0, 3)) > 0:  # usually a table that gets past the header check
        for required in ("product_number", "part_number", "quantity"):
            if required not in header:
                header.insert(draw(st.integers(0, len(header))), required)
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        row = [draw(_cell_for(column)) for column in header]
        extra = draw(st.integers(-2, 2))  # ragged rows: short, or longer than the header
        row = row[:len(row) + extra] if extra < 0 else row + ["z"] * extra
        rows.append(row)
    return header, rows


def _csv_bytes(draw: st.DrawFn, header: list[str], rows: list[list[str]]) -> bytes:
    delimiter = draw(st.sampled_from([",", ",", ";", "\t", "|"]))
    terminator = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quoting = draw(st.sampled_from(["minimal", "all", "none"]))
    if quoting == "none":  # naive join: unbalanced quotes and stray delimiters stay as they are
        text = terminator.join(delimiter.join(r) for r in [header, *rows]) + terminator
    else:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator,
                            quoting=csv.QUOTE_ALL if quoting == "all" else csv.QUOTE_MINIMAL)
        writer.writerows([header, *rows])
        text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1",
                                     "cp1252", "gb18030"]))
    data = text.encode(encoding, errors="replace") if encoding != "utf-8" else text.encode(
        "utf-8", errors="surrogatepass")
    if draw(st.integers(0, 5)) == 0:  # stray non-UTF-8 bytes
        i = _pos(draw, data)
        data = data[:i] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x80\x80", b"\x00"])) + data[i:]
    return data


@st.composite
def bom_csv(draw: st.DrawFn) -> FuzzCase:
    header, rows = draw(bom_rows())
    if draw(st.integers(0, 9)) == 0:  # one very long line
        rows.append(["P1", "L" * draw(st.sampled_from([5000, 140_000])), "1"])
    suffix = draw(st.sampled_from([".csv", ".csv", ".csv", ".tsv", ".txt", ".dat"]))
    return FuzzCase(_csv_bytes(draw, header, rows), suffix, "bom")


@st.composite
def bom_csv_mutated(draw: st.DrawFn) -> FuzzCase:
    data = draw(st.sampled_from(SAMPLE_BOMS)).read_bytes()
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            data = _mutate(draw, data, SAMPLE_BOMS)
        else:  # a cell-level edit
            i = _pos(draw, data)
            piece = draw(st.sampled_from([b",", b";", b'"', b"\n", b"\xff", b"\x00", b",,,,",
                                          b"=1+1", b"-1", b"1e309", b"NB14-MB-01"]))
            data = data[:i] + piece + data[i:]
    return FuzzCase(data, ".csv", "bom")


def xlsx_text(text: str) -> str:
    """What a cell can hold: openpyxl refuses the characters XML forbids."""
    return FORBIDDEN.sub("", ILLEGAL_CHARACTERS_RE.sub("", text))


def _xlsx_value(text: str, draw: st.DrawFn) -> object:
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return None
    if choice == 1:
        return draw(st.one_of(st.floats(), st.integers(-(10**20), 10**20)))
    return xlsx_text(text)


@st.composite
def bom_xlsx(draw: st.DrawFn) -> FuzzCase:
    header, rows = draw(bom_rows())
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    written: set[str] = set()
    for r, row in enumerate([header, *rows], start=1):
        for c, cell in enumerate(row, start=1):
            value = _xlsx_value(cell, draw) if r > 1 else xlsx_text(cell)
            if isinstance(value, str):
                written.add(value.strip())
            elif value is not None:
                written.add(str(value))
            sheet.cell(row=r, column=c, value=value)  # type: ignore[arg-type]
    data = xlsx_bytes(workbook)
    if draw(st.integers(0, 7)) == 0:  # a damaged archive
        for _ in range(draw(st.integers(1, 3))):
            data = _damage_zip(draw, data)
    suffix = draw(st.sampled_from([".xlsx", ".xlsx", ".xlsm"]))
    return FuzzCase(data, suffix, "bom", names=frozenset(written))


def _damage_zip(draw: st.DrawFn, data: bytes) -> bytes:
    op = draw(st.sampled_from(["truncate", "flip", "zero", "drop-member"]))
    if op == "truncate":
        return data[:_pos(draw, data)]
    if op == "flip" and data:
        buf = bytearray(data)
        i = draw(st.integers(0, len(buf) - 1))
        buf[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(buf)
    if op == "zero":
        i = _pos(draw, data)
        return data[:i] + b"\x00" * 64 + data[i + 64:]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            members = {name: source.read(name) for name in source.namelist()}
    except Exception:  # already damaged beyond reading (BadZipFile, zlib.error, …)
        return data
    del members[draw(st.sampled_from(sorted(members)))]
    return _zip(members)


_EPOCH = (2026, 1, 1, 0, 0, 0)


def _zip(members: dict[str, bytes]) -> bytes:
    """A zip archive with fixed timestamps (hypothesis needs the same bytes on every replay)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(zipfile.ZipInfo(name, date_time=_EPOCH), data,
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def xlsx_bytes(workbook: openpyxl.Workbook) -> bytes:
    """A workbook as reproducible bytes (openpyxl stamps the current time into the archive)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members["docProps/core.xml"] = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                                          b"2026-01-01T00:00:00Z", members["docProps/core.xml"])
    return _zip(members)


_SAFE_ID = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-_./", min_size=1, max_size=12)


@st.composite
def bom_consistent(draw: st.DrawFn) -> FuzzCase:
    """A well-formed multi-product, multi-level table: must be read, values intact."""
    header = ["product_number", "part_number", "parent_part_number", "quantity", "part_mass_g",
              "recycled_kind", "recycled_share", "part_name"]
    rows: list[list[str]] = []
    for p in range(draw(st.integers(1, 3))):
        parts: list[str] = []
        for i in range(draw(st.integers(1, 8))):
            part = f"{draw(_SAFE_ID)}-{p}-{i}"
            parent = draw(st.sampled_from(parts)) if parts and draw(st.booleans()) else ""
            kind = draw(st.sampled_from(["", "PCC", "recycled-metal", "bio-based"]))
            share = repr(draw(st.floats(0, 100))) if kind else ""
            rows.append([f"P{p}", part, parent, repr(draw(st.floats(0.001, 1e6))),
                         draw(st.sampled_from(["", repr(draw(st.floats(0, 1e6)))])), kind, share,
                         draw(safe_text)])
            parts.append(part)
    names = frozenset(x for r in rows for x in r[:3] if x)
    if draw(st.booleans()):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
        return FuzzCase(out.getvalue().encode("utf-8", errors="surrogatepass"), ".csv", "bom",
                        must_parse=True, names=names)
    workbook = openpyxl.Workbook()
    for row in [header, *rows]:
        workbook.active.append([xlsx_text(c) for c in row])
    return FuzzCase(xlsx_bytes(workbook), ".xlsx", "bom", must_parse=True, names=names)


#: The strategies, by target name; bench.fuzz runs the same ones for longer.
STRATEGIES: dict[str, st.SearchStrategy[FuzzCase]] = {
    "ipc": xml_documents(IPC_SCHEMA, IPC_SKELETON, "MainDeclaration", IPC_NAMESPACE,
                         ("Product", "SubProduct", "itemNumber")),
    "iec": xml_documents(IEC_SCHEMA, IEC_SKELETON, "Main", IEC_NAMESPACE,
                         ("Composition", "ProductPart", "identifier")),
    "ipc-consistent": ipc_consistent(),
    "iec-consistent": iec_consistent(),
    "xml-mutated": mutated_fixtures(),
    "csv": bom_csv(),
    "csv-mutated": bom_csv_mutated(),
    "xlsx": bom_xlsx(),
    "bom-consistent": bom_consistent(),
}


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------

FUZZ_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.large_base_example],
)

#: Examples per target in the short run (``make test``); the module runs in well under 60 s.
SHORT_RUN = {
    "ipc": 160, "iec": 160, "ipc-consistent": 100, "iec-consistent": 100, "xml-mutated": 300,
    "csv": 120, "csv-mutated": 100, "xlsx": 50, "bom-consistent": 40,
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def assert_property(case: FuzzCase, workdir: Path) -> None:
    problems = check_case(case, workdir)
    if problems:
        saved = ""
        if os.environ.get(SAVE_ENV):
            saved = f"\nsaved as {save_case(case, problems, Path(os.environ[SAVE_ENV]))}"
        pytest.fail(f"{len(case.data)}-byte {case.suffix} input breaks the property:\n  "
                    + "\n  ".join(problems) + saved, pytrace=False)


def _property_test(target: str) -> Callable[..., None]:
    @settings(FUZZ_SETTINGS, max_examples=SHORT_RUN[target])
    @given(case=STRATEGIES[target])
    def test(case: FuzzCase, workdir: Path) -> None:
        assert_property(case, workdir)

    test.__doc__ = f"Fuzz target {target!r}: parses with invariants intact, or FmdError."
    return test


test_fuzz_ipc_structured = _property_test("ipc")
test_fuzz_iec_structured = _property_test("iec")
test_fuzz_ipc_consistent = _property_test("ipc-consistent")
test_fuzz_iec_consistent = _property_test("iec-consistent")
test_fuzz_xml_fixture_mutations = _property_test("xml-mutated")
test_fuzz_bom_csv = _property_test("csv")
test_fuzz_bom_csv_mutations = _property_test("csv-mutated")
test_fuzz_bom_xlsx = _property_test("xlsx")
test_fuzz_bom_consistent = _property_test("bom-consistent")


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_replay(path: Path, workdir: Path) -> None:
    """Every input that once broke the property, replayed."""
    assert_property(case_from_corpus(path), workdir)


def test_corpus_is_small() -> None:
    files = corpus_files()
    assert files, "tests/fuzz_corpus/ holds the regression inputs"
    assert all(p.stat().st_size < 256 * 1024 for p in files)


def _xlsx_bomb(rows: int) -> bytes:
    """A valid workbook whose sheet holds ``rows`` rows, streamed into the zip (≈ 100 B a row)."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["product_number", "part_number", "quantity"])
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes(workbook))) as source:
        members = {name: source.read(name) for name in source.namelist()}
    row = (b'<row><c t="inlineStr"><is><t>P</t></is></c><c t="inlineStr"><is><t>A</t></is></c>'
           b"<c><v>1</v></c></row>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name != "xl/worksheets/sheet1.xml":
                target.writestr(info, data)
                continue
            with target.open(info, "w") as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                            b'2006/main"><sheetData>')
                for _ in range(rows // 10_000):
                    sheet.write(row * 10_000)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def test_xlsx_zip_bomb_is_refused_quickly(workdir: Path) -> None:
    """A 0.7 MB workbook that inflates to 200 MB is refused before openpyxl reads it."""
    case = FuzzCase(_xlsx_bomb(2_000_000), ".xlsx", "bom")
    assert len(case.data) < 1024 * 1024
    assert check_case(case, workdir) == []
    with pytest.raises(FmdError, match="uncompressed"):
        read_bom(workdir / "fuzz-input.xlsx")


def test_deep_bom_chain_is_linear(workdir: Path) -> None:
    """The cubic cycle check took 330 s on a 5,000-level chain (78 kB), ~20 s on this one."""
    lines = ["product_number,part_number,parent_part_number,quantity", "P,A0,,1"]
    lines += [f"P,A{i},A{i - 1},1" for i in range(1, 2_000)]
    case = FuzzCase(("\n".join(lines) + "\n").encode(), ".csv", "bom")
    path = workdir / "chain.csv"
    path.write_bytes(case.data)
    outcome = run_parser(read_bom, path)
    assert outcome.error is None and not outcome.problems
    assert bom_problems(outcome.result, case) == []
