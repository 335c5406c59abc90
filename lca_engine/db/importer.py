"""Loading parsed declarations and BoM tables into the material database.

Each file is one transaction: it is parsed and validated completely before the first row is
written, and written with bulk inserts inside a single ``BEGIN … COMMIT``. A rejected file writes
nothing; a process killed mid-file leaves nothing behind (the database rolls the transaction back).
A file whose SHA-256 is already stored is skipped without being parsed again, so importing the
same declaration twice changes nothing. A newer declaration of a part (by declaration date, then
by import order) becomes the part's current version; the older one stays, marked superseded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fmd_parsers import (
    FMD_SUFFIXES,
    BomProduct,
    BomTable,
    DeclaredPart,
    FmdError,
    ValidationPolicy,
    parse_declaration,
    read_bom,
)
from fmd_parsers import Declaration as ParsedDeclaration
from fmd_parsers import QualityFlag as ParsedFlag
from fmd_parsers.xmlsafe import file_facts

from . import models as m

#: Relative difference above which a BoM mass and the FMD mass of a part are flagged.
BOM_MASS_TOLERANCE = 0.02


@dataclass(slots=True)
class FileOutcome:
    """What happened to one input file."""

    path: str
    status: str  # "imported", "unchanged" or "rejected"
    kind: str = "fmd"  # "fmd" or "bom"
    format: str | None = None
    parts: list[str] = field(default_factory=list)
    materials: int = 0
    substances: int = 0
    flags: int = 0
    superseded: list[str] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)  # part numbers kept beside another (lenient)
    products: list[str] = field(default_factory=list)
    error: dict[str, object] | None = None


@dataclass(slots=True)
class ImportReport:
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def rejected(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "rejected"]

    def counts(self) -> dict[str, int]:
        counts = {"imported": 0, "unchanged": 0, "rejected": 0}
        for outcome in self.files:
            counts[outcome.status] += 1
        return counts

    def as_dict(self) -> dict[str, object]:
        return {
            "counts": self.counts(),
            "substances": sum(f.substances for f in self.files if f.status == "imported"),
            "files": [asdict(f) for f in self.files],
        }


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders walked recursively for FMD files, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in FMD_SUFFIXES
                                and p.is_file()))
        else:
            found.append(path)
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)


# -- dialect helpers -------------------------------------------------------------------------

_INSERT_IGNORE: dict[tuple[str, str], Any] = {}


def _insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]],
                   conflict_columns: list[str]) -> None:
    """``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL.

    The statement is built once per dialect and table: building it again for every file cost
    more than the insert itself on small declarations (SQLAlchemy caches the compiled form by
    statement identity, not by shape)."""
    if not rows:
        return
    dialect = conn.dialect.name
    statement = _INSERT_IGNORE.get((dialect, table.name))
    if statement is None:
        if dialect == "postgresql":
            statement = postgresql.insert(table).on_conflict_do_nothing(
                index_elements=conflict_columns)
        elif dialect == "sqlite":
            statement = sqlite.insert(table).on_conflict_do_nothing(
                index_elements=conflict_columns)
        else:  # pragma: no cover - only the two supported databases reach here
            raise NotImplementedError(f"database dialect {dialect!r} is not supported")
        _INSERT_IGNORE[(dialect, table.name)] = statement
    conn.execute(statement, list(rows))


_table = m.table_of


def _returning_id(model: type[m.Base]) -> Any:
    table = _table(model)
    return table.insert().returning(table.c.id)


# Statements of the per-file write path, built once (see _insert_ignore).
_INSERT_DECLARATION = _returning_id(m.Declaration)
_INSERT_PART_VERSION = _returning_id(m.PartVersion)
_INSERT_MATERIALS = _table(m.HomogeneousMaterial).insert().returning(
    _table(m.HomogeneousMaterial).c.id, sort_by_parameter_order=True)
_INSERT_MATERIAL_SUBSTANCES = _table(m.MaterialSubstance).insert()
_INSERT_FLAGS = _table(m.QualityFlag).insert()
_SUPPLIER_BY_NAME = select(m.Supplier.id).where(m.Supplier.name == bindparam("name"))
_LOCK_PART = select(m.Part.id, m.Part.current_version_id).where(
    m.Part.part_number == bindparam("part_number")).with_for_update()
_CURRENT_DATE = select(m.Declaration.declaration_date).join(m.PartVersion).where(
    m.PartVersion.id == bindparam("version_id"))
_CURRENT_IDENTITY = select(m.Declaration.id, m.Declaration.declaration_date,
                           m.Declaration.file_name, m.PartVersion.name).join(m.PartVersion).where(
    m.PartVersion.id == bindparam("version_id"))
_SET_CURRENT = update(m.Part).where(m.Part.id == bindparam("part_id")).values(
    current_version_id=bindparam("new_version_id"))
_SET_SUPERSEDED = update(m.PartVersion).where(m.PartVersion.id == bindparam("version_id")).values(
    superseded_by_id=bindparam("by_id"))
_DECLARATION_BY_SHA = select(m.Declaration.id).where(m.Declaration.sha256 == bindparam("sha256"))


def _exemptions(items: Iterable[Any]) -> list[dict[str, str | None]]:
    """Exemptions as stored: the identity, the list identifier as declared (``authority``), the
    canonical list it belongs to (``list``), the tool's own code and the description."""
    return [{"identity": e.identity, "authority": e.authority, "list": e.exemption_list,
             "code": e.code, "description": e.description} for e in items]


def _flag_rows(flags: Iterable[ParsedFlag], *, declaration_id: int | None = None,
               product_id: int | None = None) -> list[dict[str, Any]]:
    return [{
        "declaration_id": declaration_id, "product_id": product_id,
        "part_number": f.part_number, "material": f.material, "code": f.code,
        "severity": f.severity, "message": f.message, "field": f.field, "line": f.line,
    } for f in flags]


# -- declarations ----------------------------------------------------------------------------

def _supplier_id(conn: Connection, declaration: ParsedDeclaration) -> int | None:
    party = declaration.supplier
    if not party.company:
        return None
    _insert_ignore(conn, _table(m.Supplier), [{
        "name": party.company, "company_id": party.company_id,
        "contact_name": party.contact_name, "contact_email": party.contact_email,
        "contact_phone": party.contact_phone,
    }], ["name"])
    return conn.execute(_SUPPLIER_BY_NAME, {"name": party.company}).scalar()


def _is_newer(new_date: date | None, current_date: date | None) -> bool:
    """A declaration supersedes the current one unless it is dated strictly earlier."""
    if new_date is None or current_date is None:
        return True
    return new_date >= current_date


def _same_name(a: str | None, b: str | None) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split()) if a and b else True


class _InForce(Protocol):
    """The declaration in force of a part, as ``_CURRENT_IDENTITY`` reads it."""

    declaration_date: date | None
    file_name: str
    name: str | None


def _placeholder_clash(declaration: ParsedDeclaration, part: DeclaredPart,
                       current: _InForce) -> str | None:
    """Why the new declaration of ``part`` must not replace the one in force, or None.

    Suppliers reuse placeholder part numbers (``000-000-000``) for unrelated products. A newer
    declaration of the same part number with another product name is a renamed product and
    supersedes; one that is not dated later is another product, and replacing the declaration
    in force with it would lose a part without a trace."""
    if _same_name(part.name, current.name):
        return None
    new_date, old_date = declaration.declaration_date, current.declaration_date
    if new_date is not None and old_date is not None and new_date > old_date:
        return None
    return (f"part number {part.part_number!r} is declared here as {part.name!r}"
            f" ({new_date.isoformat() if new_date else 'undated'}) but is already declared as "
            f"{current.name!r} ({old_date.isoformat() if old_date else 'undated'}) by "
            f"{current.file_name}: a different product under the same part number and not a "
            f"later declaration, so it does not replace it (placeholder part number?)")


def store_declaration(session: Session, declaration: ParsedDeclaration, *,
                      file_size: int, lenient: bool) -> FileOutcome:
    """Write one parsed declaration inside the caller's transaction.

    Core statements on the session's connection: the ORM's unit of work adds nothing to plain
    inserts and costs about as much as the inserts themselves for a typical small declaration.
    """
    conn = session.connection()
    outcome = FileOutcome(path=declaration.source_path, status="imported",
                          format=declaration.format)
    now = datetime.now(UTC)
    declaration_id = conn.execute(_INSERT_DECLARATION, {
        "sha256": declaration.sha256,
        "file_name": declaration.source_path,
        "file_size": file_size,
        "format": declaration.format,
        "format_version": declaration.format_version,
        "declaration_class": declaration.declaration_class,
        "declaration_date": declaration.declaration_date,
        "supplier_id": _supplier_id(conn, declaration),
        "imported_at": now,
        "lenient": lenient,
        "regulatory_lists": declaration.regulatory_lists,
        "extra": declaration.extra,
    }).scalar_one()
    part_table = _table(m.Part)
    _insert_ignore(conn, part_table,
                   [{"part_number": p.part_number} for p in declaration.parts], ["part_number"])
    substance_catalogue: dict[str, str] = {}
    substance_rows: list[dict[str, Any]] = []
    clash_flags: list[ParsedFlag] = []

    for part in declaration.parts:
        part_id, current_version_id = conn.execute(
            _LOCK_PART, {"part_number": part.part_number}).one()
        version_id = conn.execute(_INSERT_PART_VERSION, {
            "part_id": part_id,
            "declaration_id": declaration_id,
            "name": part.name,
            "version": part.version,
            "manufacturer": part.manufacturer,
            "manufacturing_site": part.manufacturing_site,
            "unit_type": part.unit_type,
            "mass_g": part.mass_g,
            "declared_mass_value": part.declared_mass.value if part.declared_mass else None,
            "declared_mass_unit": part.declared_mass.unit if part.declared_mass else None,
            "source_line": part.line,
        }).scalar_one()
        current_date = None
        clash = None
        if current_version_id is not None:
            current = conn.execute(_CURRENT_IDENTITY, {"version_id": current_version_id}).one()
            current_date = current.declaration_date
            clash = _placeholder_clash(declaration, part, current)
        if clash is not None:
            if not lenient:
                raise FmdError(clash, path=declaration.source_path, line=part.line,
                               field="ProductID", code="part-number-clash")
            # Lenient: both declarations are kept; the one in force stays in force and the new
            # one is stored as history, flagged on both so that neither is trusted unseen.
            conn.execute(_SET_SUPERSEDED, {"version_id": version_id, "by_id": current_version_id})
            clash_flags.append(ParsedFlag("part-number-clash", clash + "; kept beside it, not "
                                          "in force", line=part.line, field="ProductID",
                                          part_number=part.part_number))
            # and on the declaration in force, so that `show` of the part says it too
            conn.execute(_INSERT_FLAGS, _flag_rows([ParsedFlag(
                "part-number-clash", f"{declaration.source_path} also declares part number "
                f"{part.part_number!r}, as {part.name!r}: kept beside this declaration, which "
                f"stays in force", field="ProductID", part_number=part.part_number)],
                declaration_id=current.id))
            outcome.clashes.append(part.part_number)
        elif current_version_id is None or _is_newer(declaration.declaration_date, current_date):
            conn.execute(_SET_CURRENT, {"part_id": part_id, "new_version_id": version_id})
            if current_version_id is not None:
                conn.execute(_SET_SUPERSEDED,
                             {"version_id": current_version_id, "by_id": version_id})
                outcome.superseded.append(part.part_number)
        else:
            # An older declaration imported late: kept as history, superseded by the current one.
            conn.execute(_SET_SUPERSEDED, {"version_id": version_id, "by_id": current_version_id})

        material_rows = [{
            "part_version_id": version_id,
            "position": position,
            "name": material.name,
            "material_group": material.material_group,
            "material_class": material.material_class,
            "mass_g": material.mass_g,
            "declared_value": material.declared.value if material.declared else None,
            "declared_unit": material.declared.unit if material.declared else None,
            "recycled_kind": material.recycled.kind.value if material.recycled else None,
            "recycled_share": material.recycled.share if material.recycled else None,
            "recycled_source": material.recycled.source if material.recycled else None,
            "comment": material.comment,
            "exemptions": _exemptions(material.exemptions),
            "source_line": material.line,
        } for position, material in enumerate(part.materials)]
        material_ids: list[int] = []
        if material_rows:
            material_ids = list(conn.execute(_INSERT_MATERIALS, material_rows).scalars())
        for material_id, material in zip(material_ids, part.materials, strict=True):
            for substance in material.substances:
                if substance.cas:
                    substance_catalogue.setdefault(substance.cas, substance.name)
                substance_rows.append({
                    "material_id": material_id,
                    "cas": substance.cas,
                    "name": substance.name,
                    "authority": substance.authority,
                    "identity": substance.identity,
                    "mass_g": substance.mass_g,
                    "declared_value": substance.declared.value if substance.declared else None,
                    "declared_unit": substance.declared.unit if substance.declared else None,
                    "concentration_ppm": substance.concentration_ppm,
                    "category": substance.category,
                    "exemptions": _exemptions(substance.exemptions),
                    "source_line": substance.line,
                })
        outcome.parts.append(part.part_number)
        outcome.materials += len(material_rows)

    _insert_ignore(conn, _table(m.Substance),
                   [{"cas": cas, "name": name} for cas, name in substance_catalogue.items()],
                   ["cas"])
    if substance_rows:
        conn.execute(_INSERT_MATERIAL_SUBSTANCES, substance_rows)
    flag_rows = _flag_rows([*declaration.flags, *clash_flags], declaration_id=declaration_id)
    if flag_rows:
        conn.execute(_INSERT_FLAGS, flag_rows)
    outcome.substances = len(substance_rows)
    outcome.flags = len(flag_rows)
    return outcome


def _declared_parts(session: Session, sha256: str) -> list[str]:
    return list(session.scalars(
        select(m.Part.part_number).join(m.PartVersion, m.PartVersion.part_id == m.Part.id)
        .join(m.Declaration).where(m.Declaration.sha256 == sha256)))


#: ``authorise(session, part_numbers)`` raises ``FmdError`` to refuse a file (the portal: a
#: supplier may only declare its own parts); ``record(session, outcome)`` writes more rows in the
#: same transaction as the declaration (the portal's submission and audit rows).
Authorise = Callable[[Session, list[str]], None]
Record = Callable[[Session, FileOutcome], None]


def import_declaration(sessions: sessionmaker[Session], path: Path, *,
                       policy: ValidationPolicy, authorise: Authorise | None = None,
                       record: Record | None = None) -> FileOutcome:
    """Parse, validate and store one FMD file in its own transaction."""
    spath = str(path)
    try:
        facts = file_facts(path)
        with sessions() as session:
            known = session.scalar(_DECLARATION_BY_SHA, {"sha256": facts.sha256})
            if known is not None:
                parts = _declared_parts(session, facts.sha256)
                if authorise is not None:
                    authorise(session, parts)
                return FileOutcome(path=spath, status="unchanged", parts=parts)
        parsed = parse_declaration(path, policy)
        with sessions() as session, session.begin():
            if authorise is not None:
                authorise(session, [p.part_number for p in parsed.parts])
            outcome = store_declaration(session, parsed, file_size=facts.size,
                                        lenient=policy.lenient)
            if record is not None:
                record(session, outcome)
        return outcome
    except FmdError as exc:
        return FileOutcome(path=spath, status="rejected", error=exc.as_dict())
    except FileNotFoundError:
        error = FmdError("file not found", path=spath, code="file-not-found")
        return FileOutcome(path=spath, status="rejected", error=error.as_dict())
    except IntegrityError:
        # Another process stored the same file between our check and our commit.
        with sessions() as session:
            parts = _declared_parts(session, facts.sha256)
            if authorise is not None:
                try:
                    authorise(session, parts)
                except FmdError as exc:
                    return FileOutcome(path=spath, status="rejected", error=exc.as_dict())
            return FileOutcome(path=spath, status="unchanged", parts=parts)


# -- BoM tables ------------------------------------------------------------------------------

def _resolve(table: BomTable, fmd_file: str) -> Path:
    return (Path(table.source_path).parent / fmd_file).resolve()


def _bom_checks(session: Session, table: BomTable, product: BomProduct,
                declared_parts: dict[Path, list[str]]) -> list[ParsedFlag]:
    """Cross-checks between a BoM and the declarations it names; errors and notes."""
    flags: list[ParsedFlag] = []
    for line in product.lines:
        if line.fmd_file:
            declared = declared_parts.get(_resolve(table, line.fmd_file))
            if declared is not None and line.part_number not in declared:
                flags.append(ParsedFlag(
                    "bom-fmd-mismatch",
                    f"BoM line names FMD file {line.fmd_file!r}, which declares "
                    f"{', '.join(declared) or 'no part'}, not {line.part_number!r}",
                    line=line.line, field="fmd_file", part_number=line.part_number))
        if line.mass_g:
            fmd_mass = session.scalar(
                select(m.PartVersion.mass_g).join(m.Part, m.Part.current_version_id ==
                                                  m.PartVersion.id)
                .where(m.Part.part_number == line.part_number))
            if fmd_mass and abs(fmd_mass - line.mass_g) > BOM_MASS_TOLERANCE * fmd_mass:
                flags.append(ParsedFlag(
                    "bom-mass-mismatch",
                    f"BoM gives {line.mass_g:g} g for part {line.part_number!r}, its FMD "
                    f"declares {fmd_mass:g} g; the FMD mass is used",
                    severity="note", line=line.line, field="part_mass_g",
                    part_number=line.part_number))
    return flags


def store_bom_product(session: Session, table: BomTable, product: BomProduct,
                      flags: list[ParsedFlag]) -> bool:
    """Create or replace a product's BoM; returns False when it was already identical."""
    existing = session.execute(select(m.Product.id, m.Product.bom_sha256).where(
        m.Product.product_number == product.product_number).with_for_update()).one_or_none()
    if existing is not None and existing.bom_sha256 == table.sha256:
        return False
    now = datetime.now(UTC)
    if existing is None:
        product_id = session.scalar(insert(m.Product).returning(m.Product.id), {
            "product_number": product.product_number, "name": product.name,
            "bom_file": table.source_path, "bom_sha256": table.sha256, "imported_at": now})
    else:
        product_id = existing.id
        session.execute(_table(m.BomLine).delete().where(m.BomLine.product_id == product_id))
        session.execute(_table(m.QualityFlag).delete().where(
            m.QualityFlag.product_id == product_id))
        session.execute(update(m.Product).where(m.Product.id == product_id).values(
            name=product.name, bom_file=table.source_path, bom_sha256=table.sha256,
            imported_at=now))
    session.execute(insert(m.BomLine), [{
        "product_id": product_id, "position": position, "part_number": line.part_number,
        "parent_part_number": line.parent_part_number, "quantity": line.quantity,
        "name": line.name, "mass_g": line.mass_g,
        "recycled_kind": line.recycled.kind.value if line.recycled else None,
        "recycled_share": line.recycled.share if line.recycled else None,
        "fmd_file": line.fmd_file, "category": line.category, "source_line": line.line,
    } for position, line in enumerate(product.lines)])
    rows = _flag_rows(flags, product_id=product_id)
    if rows:
        session.execute(insert(m.QualityFlag), rows)
    return True


def import_bom(sessions: sessionmaker[Session], table: BomTable, *, lenient: bool,
               declared_parts: dict[Path, list[str]]) -> FileOutcome:
    """Store every product of a BoM table in one transaction."""
    outcome = FileOutcome(path=table.source_path, status="unchanged", kind="bom",
                          format="BoM table")
    try:
        with sessions() as session, session.begin():
            for product in table.products:
                flags = _bom_checks(session, table, product, declared_parts)
                errors = [f for f in flags if f.severity == "error"]
                if errors and not lenient:
                    raise FmdError.from_flag(errors[0], table.source_path)
                if store_bom_product(session, table, product, flags):
                    outcome.status = "imported"
                outcome.products.append(product.product_number)
                outcome.flags += len(flags)
    except FmdError as exc:
        return FileOutcome(path=table.source_path, status="rejected", kind="bom",
                           format="BoM table", error=exc.as_dict())
    return outcome


# -- the whole import ------------------------------------------------------------------------

# -- parallel workers ----------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _worker_init(url: str, lenient: bool, decimal_separator: str = "auto") -> None:
    """Each worker process opens its own engine: connections are never shared across processes."""
    from .engine import make_engine, session_factory

    _WORKER["sessions"] = session_factory(make_engine(url))
    _WORKER["policy"] = ValidationPolicy(lenient=lenient, decimal_separator=decimal_separator)


def _worker_import(path: str) -> FileOutcome:
    return import_declaration(_WORKER["sessions"], Path(path), policy=_WORKER["policy"])


def _import_parallel(url: str, files: list[Path], lenient: bool, workers: int,
                     decimal_separator: str = "auto") -> Iterable[FileOutcome]:
    """Files in worker processes, outcomes in completion order. Each file is its own
    transaction in its worker, so a killed worker loses only its file in flight, and two workers
    given the same file store it once (the SHA-256 is unique; the loser reports 'unchanged')."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    context = multiprocessing.get_context("spawn")  # no inherited engines, locks or threads
    # A bounded window of files in flight: submitting all of a 200,000-file catalogue at once
    # kept 200,000 futures alive and doubled the importing process's memory.
    window = workers * 32
    pending: set[Future[FileOutcome]] = set()
    queue = iter(files)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init,
                             initargs=(url, lenient, decimal_separator)) as pool:
        while True:
            for path in queue:
                pending.add(pool.submit(_worker_import, str(path)))
                if len(pending) >= window:
                    break
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()


def import_paths(sessions: sessionmaker[Session], paths: Iterable[str | Path], *,
                 bom: str | Path | Sequence[str | Path] | None = None, lenient: bool = False,
                 progress: Callable[[FileOutcome, int], None] | None = None,
                 workers: int = 1, decimal_separator: str = "auto") -> ImportReport:
    """Import FMD files and folders, then the BoM tables (whose FMD files are imported too).

    Every file is its own transaction, so one rejected declaration does not block the others;
    the report lists each file's outcome and the caller decides the exit status.
    ``progress(outcome, total)`` is called after each file. ``decimal_separator`` states how
    the files write numbers (``fmd_parsers.units.DECIMAL_SEPARATORS``): with "auto" an
    ambiguous number such as "1,500" rejects its file.
    """
    policy = ValidationPolicy(lenient=lenient, decimal_separator=decimal_separator)
    report = ImportReport()
    tables: list[BomTable] = []
    files = expand_paths(paths)
    bom_files = [] if bom is None else [bom] if isinstance(bom, str | Path) else list(bom)
    for bom_file in bom_files:
        try:
            tables.append(read_bom(bom_file, decimal_separator))
        except FmdError as exc:
            report.files.append(FileOutcome(path=str(bom_file), status="rejected", kind="bom",
                                            format="BoM table", error=exc.as_dict()))
    if len(tables) < len(bom_files):
        return report
    named = [_resolve(table, line.fmd_file) for table in tables for p in table.products
             for line in p.lines if line.fmd_file]
    files = expand_paths([*files, *named])

    total = len(files) + len(tables)
    declared_parts: dict[Path, list[str]] = {}
    if workers > 1 and len(files) > 1:
        url = sessions.kw["bind"].url.render_as_string(hide_password=False)
        outcomes: Iterable[FileOutcome] = _import_parallel(url, files, lenient, workers,
                                                           decimal_separator)
    else:
        outcomes = (import_declaration(sessions, path, policy=policy) for path in files)
    for outcome in outcomes:
        if outcome.status != "rejected":
            declared_parts[Path(outcome.path).resolve()] = outcome.parts
        report.files.append(outcome)
        if progress is not None:
            progress(outcome, total)
    for table in tables:
        outcome = import_bom(sessions, table, lenient=lenient, declared_parts=declared_parts)
        report.files.append(outcome)
        if progress is not None:
            progress(outcome, total)
    return report
