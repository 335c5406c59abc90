"""What the workbench keeps between requests: the workspace, its lock, and solved baselines.

Brightway keeps its project state in the process (the active project, open SQLite handles), so
every call into the engine runs under one lock: the workbench is a single-user tool on loopback,
and a serialised engine is the safe choice. The design explorers (solved baselines) and the
products overview are cached and dropped as soon as the products in the database change (a new
import), so a page never shows numbers of data that are no longer stored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from lca_engine.explorer import DesignExplorer
from lca_engine.workspace import Workspace

T = TypeVar("T")


@dataclass(slots=True)
class Workbench:
    workspace: Workspace
    variant_dirs: list[Path] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _explorers: dict[str, tuple[tuple[Any, ...], DesignExplorer]] = field(default_factory=dict)
    _cache: dict[str, tuple[tuple[Any, ...], Any]] = field(default_factory=dict)

    def run(self, call: Callable[[], T]) -> T:
        """Call into the engine under the lock."""
        with self.lock:
            return call()

    def signature(self) -> tuple[Any, ...]:
        """Changes whenever a product or BoM is (re)imported."""
        return tuple((p.product_number, p.lines, p.declared_lines, str(p.imported_at))
                     for p in self.workspace.database.products())

    def explorer(self, product: str) -> DesignExplorer:
        """The product's solved baseline, opened on first use (``LookupError`` if missing)."""
        with self.lock:
            signature = self.signature()
            cached = self._explorers.get(product)
            if cached is not None and cached[0] == signature:
                return cached[1]
            explorer = self.workspace.explorer(product, variant_dirs=self.variant_dirs)
            self._explorers[product] = (signature, explorer)
            return explorer

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per state of the products (e.g. the overview of every product)."""
        with self.lock:
            signature = self.signature()
            hit = self._cache.get(key)
            if hit is not None and hit[0] == signature:
                return hit[1]
            value = compute()
            self._cache[key] = (signature, value)
            return value
