"""Which list a declared exemption belongs to, and whether it is a "no exemption" marker.

The lists and markers are data (``fmd_parsers/data/exemption_lists.yaml``, with their sources);
this module only applies them. Both parsers call ``read_exemption`` for every exemption they read,
so an exemption keeps its list from the file through the database to the screening.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .model import Exemption

DATA_FILE = Path(__file__).with_name("data") / "exemption_lists.yaml"

_EDGES = " \t\r\n.:;,()[]\"'"


@dataclass(frozen=True, slots=True)
class ExemptionList:
    """A list of exemptions under one regulation, e.g. "EU RoHS Annex III" under "EU RoHS"."""

    key: str
    regulation: str
    text: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class ExemptionLists:
    lists: tuple[ExemptionList, ...]
    no_exemption: tuple[re.Pattern[str], ...]
    path: str

    def list_of(self, *texts: str | None) -> ExemptionList | None:
        """The first list whose pattern matches one of ``texts`` (list identifiers as declared)."""
        for text in texts:
            if not text:
                continue
            folded = text.casefold().strip()
            for item in self.lists:
                if any(p.search(folded) for p in item.patterns):
                    return item
        return None

    def by_key(self, key: str | None) -> ExemptionList | None:
        return next((item for item in self.lists if item.key == key), None)

    def is_no_exemption(self, *texts: str | None) -> bool:
        """Whether any of ``texts`` (display symbol, description) says that nothing is exempt."""
        for text in texts:
            if text is None:
                continue
            stripped = text.strip(_EDGES).casefold()
            if stripped and any(p.fullmatch(stripped) for p in self.no_exemption):
                return True
        return False


class ExemptionListError(ValueError):
    """The exemption-list data file is malformed; names the file and the entry."""


@cache
def exemption_lists(path: str | None = None) -> ExemptionLists:
    """The shipped lists (read once per process)."""
    source = Path(path) if path else DATA_FILE
    with source.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict) or set(data) - {"lists", "no_exemption"}:
        raise ExemptionListError(f"{source}: expected the keys 'lists' and 'no_exemption'")
    lists = []
    for position, item in enumerate(data.get("lists") or [], start=1):
        unknown = set(item) - {"key", "regulation", "text", "patterns"}
        if unknown:
            raise ExemptionListError(f"{source}: lists[{position}] has unknown keys "
                                     f"{sorted(unknown)}")
        try:
            lists.append(ExemptionList(
                key=str(item["key"]), regulation=str(item["regulation"]),
                text=str(item.get("text", "")),
                patterns=tuple(re.compile(p, re.IGNORECASE) for p in item["patterns"])))
        except (KeyError, re.error) as exc:
            raise ExemptionListError(f"{source}: lists[{position}]: {exc}") from exc
    markers = tuple(re.compile(p, re.IGNORECASE) for p in data.get("no_exemption") or [])
    return ExemptionLists(lists=tuple(lists), no_exemption=markers, path=str(source))


def read_exemption(identity: str | None, *, authority: str | None,
                   description: str | None = None, code: str | None = None,
                   ) -> Exemption | None:
    """An ``Exemption`` with its list, or None when the entry is a "no exemption" marker or
    names nothing. ``identity`` is the regulation's own index (``6(c)``), ``code`` the declaring
    tool's code for it when that differs (chemSHERPA application code), ``authority`` the list
    identifier exactly as declared."""
    lists = exemption_lists()
    if lists.is_no_exemption(identity, description, code if identity is None else None):
        return None
    shown = identity or code
    if not shown or not shown.strip():
        return None
    found = lists.list_of(authority, code)
    return Exemption(identity=shown.strip(), authority=authority, description=description,
                     exemption_list=found.key if found else None,
                     code=code if code and code != shown else None)


def list_key(authority: str | None) -> str | None:
    """The canonical list of an exemption stored before lists were kept (older databases)."""
    found = exemption_lists().list_of(authority)
    return found.key if found else None
