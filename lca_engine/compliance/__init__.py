"""Substance compliance screening from FMD data: EU RoHS, REACH SVHC, IEC 62474, China RoHS.

    >>> from lca_engine.compliance import screen                      # doctest: +SKIP
    >>> result = screen(ws.database, "NB14-G5", home=ws.home.path)    # doctest: +SKIP
    >>> result.status, [f.as_json() for f in result.findings]         # doctest: +SKIP

Modules: ``lists`` (the data files and their versions), ``reader`` (Core row queries),
``screen`` (the rules), ``model`` (result dataclasses with ``as_json()`` and CSV export),
``echa`` (loading ECHA's Candidate List export), ``dsl`` (loading the IEC 62474 DSL export).
"""

from .dsl import DslUpdate, read_iec_dsl_export, update_dsl
from .echa import SvhcUpdate, read_echa_export, update_svhc
from .lists import SubstanceListError, SubstanceLists, load_lists, normalise_exemption_id
from .model import (
    COMPLIANT,
    INCOMPLETE,
    NEEDS_REVIEW,
    NON_COMPLIANT,
    ChinaRohsRow,
    ComplianceResult,
    Finding,
    Gap,
    NameMatch,
    Unresolved,
)
from .screen import screen

__all__ = [
    "COMPLIANT",
    "INCOMPLETE",
    "NEEDS_REVIEW",
    "NON_COMPLIANT",
    "ChinaRohsRow",
    "ComplianceResult",
    "DslUpdate",
    "Finding",
    "Gap",
    "NameMatch",
    "SubstanceListError",
    "SubstanceLists",
    "SvhcUpdate",
    "Unresolved",
    "load_lists",
    "normalise_exemption_id",
    "read_echa_export",
    "read_iec_dsl_export",
    "screen",
    "update_dsl",
    "update_svhc",
]
