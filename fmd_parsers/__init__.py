"""Input side of GSCDM-LCA: FMD declarations and BoM tables → plain dataclasses.

No database or LCA imports here. Entry points:

- ``parse_declaration(path, policy)`` — IPC-1752A or IEC 62474 XML, detected by root element;
- ``read_bom(path)`` — product BoM tables (CSV/XLSX).
"""

from .bom import read_bom
from .errors import FmdError, FmdValidationError
from .formats import FMD_SUFFIXES, detect_format, parse_declaration
from .model import (
    BomLine,
    BomProduct,
    BomTable,
    Declaration,
    DeclaredAmount,
    DeclaredPart,
    Exemption,
    HomogeneousMaterial,
    Party,
    QualityFlag,
    RecycledContent,
    RecycledKind,
    Substance,
)
from .validation import DEFAULT_POLICY, ValidationPolicy

__all__ = [
    "DEFAULT_POLICY",
    "FMD_SUFFIXES",
    "BomLine",
    "BomProduct",
    "BomTable",
    "Declaration",
    "DeclaredAmount",
    "DeclaredPart",
    "Exemption",
    "FmdError",
    "FmdValidationError",
    "HomogeneousMaterial",
    "Party",
    "QualityFlag",
    "RecycledContent",
    "RecycledKind",
    "Substance",
    "ValidationPolicy",
    "detect_format",
    "parse_declaration",
    "read_bom",
]
