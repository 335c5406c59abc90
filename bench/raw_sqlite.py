"""The floor of the storing work: plain ``sqlite3`` ``executemany`` of the same rows.

The baseline writes what ``lca_engine.db.importer.store_declaration`` writes for a parsed
declaration (declaration, supplier, part, part version, homogeneous materials, substances,
substance rows) into the same schema, one transaction per file, with the ids counted in Python
instead of read back. It skips what a real import must do and the baseline need not: the
supersession check against the part's current version, the JSON columns' serialisation by
SQLAlchemy, and the locking a multi-process import needs. The ratio to it is therefore the
price of those guarantees plus SQLAlchemy, not only overhead.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from fmd_parsers import Declaration


def _exemptions(items: Sequence[object]) -> str:
    # the same JSON the importer stores, so that the baseline writes the same bytes
    return json.dumps([{"identity": e.identity, "authority": e.authority,  # type: ignore[attr-defined]
                        "list": e.exemption_list, "code": e.code,  # type: ignore[attr-defined]
                        "description": e.description} for e in items])  # type: ignore[attr-defined]


def raw_executemany(database_file: Path, declarations: Sequence[Declaration],
                    sizes: Sequence[int]) -> int:
    """Insert the rows of ``declarations`` into an initialised SQLite database; rows written."""
    connection = sqlite3.connect(database_file, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    next_id = {table: (connection.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
                       .fetchone()[0] + 1)
               for table in ("declaration", "part", "part_version", "homogeneous_material")}
    part_ids: dict[str, int] = dict(connection.execute("SELECT part_number, id FROM part"))
    rows = 0
    now = datetime.now(UTC).isoformat()
    for declaration, size in zip(declarations, sizes, strict=True):
        connection.execute("BEGIN")
        declaration_id = next_id["declaration"]
        next_id["declaration"] += 1
        supplier = declaration.supplier
        supplier_id = None
        if supplier.company:
            connection.execute("INSERT INTO supplier (name, company_id) VALUES (?, ?) "
                               "ON CONFLICT (name) DO NOTHING",
                               (supplier.company, supplier.company_id))
            supplier_id = connection.execute("SELECT id FROM supplier WHERE name = ?",
                                             (supplier.company,)).fetchone()[0]
        connection.execute(
            "INSERT INTO declaration (id, sha256, file_name, file_size, format, format_version,"
            " declaration_class, declaration_date, supplier_id, imported_at, lenient,"
            " regulatory_lists, extra) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (declaration_id, declaration.sha256, declaration.source_path, size,
             declaration.format, declaration.format_version, declaration.declaration_class,
             str(declaration.declaration_date) if declaration.declaration_date else None,
             supplier_id, now, False, json.dumps(declaration.regulatory_lists),
             json.dumps(declaration.extra)))
        material_rows, substance_rows, catalogue = [], [], {}
        for part in declaration.parts:
            part_id = part_ids.get(part.part_number)
            if part_id is None:
                part_id = part_ids[part.part_number] = next_id["part"]
                next_id["part"] += 1
                connection.execute("INSERT INTO part (id, part_number) VALUES (?, ?)",
                                   (part_id, part.part_number))
            version_id = next_id["part_version"]
            next_id["part_version"] += 1
            connection.execute(
                "INSERT INTO part_version (id, part_id, declaration_id, name, version,"
                " manufacturer, manufacturing_site, unit_type, mass_g, source_line)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                (version_id, part_id, declaration_id, part.name, part.version, part.manufacturer,
                 part.manufacturing_site, part.unit_type, part.mass_g, part.line))
            connection.execute("UPDATE part SET current_version_id = ? WHERE id = ?",
                               (version_id, part_id))
            for position, material in enumerate(part.materials):
                material_id = next_id["homogeneous_material"]
                next_id["homogeneous_material"] += 1
                recycled = material.recycled
                material_rows.append((
                    material_id, version_id, position, material.name, material.material_group,
                    material.material_class, material.mass_g,
                    recycled.kind.value if recycled else None,
                    recycled.share if recycled else None, material.comment,
                    _exemptions(material.exemptions), material.line))
                for substance in material.substances:
                    if substance.cas:
                        catalogue.setdefault(substance.cas, substance.name)
                    substance_rows.append((
                        material_id, substance.cas, substance.name, substance.authority,
                        substance.identity, substance.mass_g, substance.concentration_ppm,
                        substance.category, _exemptions(substance.exemptions), substance.line))
        connection.executemany(
            "INSERT INTO homogeneous_material (id, part_version_id, position, name,"
            " material_group, material_class, mass_g, recycled_kind, recycled_share, comment,"
            " exemptions, source_line) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", material_rows)
        connection.executemany("INSERT INTO substance (cas, name) VALUES (?, ?) "
                               "ON CONFLICT (cas) DO NOTHING", list(catalogue.items()))
        connection.executemany(
            "INSERT INTO material_substance (material_id, cas, name, authority, identity,"
            " mass_g, concentration_ppm, category, exemptions, source_line)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)", substance_rows)
        connection.execute("COMMIT")
        rows += 1 + len(declaration.parts) * 2 + len(material_rows) + len(substance_rows)
    connection.close()
    return rows
