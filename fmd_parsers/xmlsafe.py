"""Hardened, streaming XML reading for supplier files.

FMD files never need a DTD, so any DOCTYPE is refused before a single entity can be expanded
(billion laughs, quadratic blow-up, external entities). lxml is told never to resolve entities,
load DTDs or touch the network. Files are streamed with ``iterparse`` so that a file of tens of
megabytes is read in bounded memory; callers clear each element once they have consumed it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from .errors import FmdError

#: Largest FMD file accepted (bytes). A 50,000-substance IPC-1752A file is about 12 MB.
MAX_FILE_BYTES = int(os.environ.get("GSCDM_MAX_FMD_BYTES", 256 * 1024 * 1024))

_PROLOG_SCAN_BYTES = 64 * 1024


_LOCAL_NAMES: dict[str, str] = {}


def local_name(tag: object) -> str:
    """Tag without its namespace (``{ns}Amount`` → ``Amount``); '' for comments and PIs."""
    if not isinstance(tag, str):
        return ""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _LOCAL_NAMES[tag] = tag.rpartition("}")[2]
    return name


def attr(element: etree._Element, name: str) -> str | None:
    """Attribute by local name, tolerant of namespace-qualified attributes; stripped."""
    value = element.get(name)
    if value is None:
        for key, candidate in element.attrib.items():
            if local_name(key) == name:
                value = candidate
                break
    if value is None:
        return None
    value = value.strip()
    return value or None


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What is known about a file before parsing: its size and content hash."""

    path: Path
    size: int
    sha256: str


def file_facts(path: Path) -> FileFacts:
    """Size and SHA-256 of a file; refuses empty and oversized files before parsing."""
    size = path.stat().st_size
    if size == 0:
        raise FmdError("file is empty", path=str(path), code="empty-file")
    if size > MAX_FILE_BYTES:
        raise FmdError(
            f"file is {size / 1e6:.1f} MB, above the {MAX_FILE_BYTES / 1e6:.0f} MB limit "
            "(set GSCDM_MAX_FMD_BYTES to raise it)",
            path=str(path),
            code="file-too-large",
        )
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return FileFacts(path=path, size=size, sha256=digest.hexdigest())


def _refuse_doctype(handle: BinaryIO, path: str) -> None:
    """Reject any DOCTYPE in the prolog: FMD schemas use XSD, never DTDs or entities."""
    head = handle.read(_PROLOG_SCAN_BYTES)
    handle.seek(0)
    upper = head.upper()
    # Also catch UTF-16 encoded prologs by scanning with NULs removed.
    if b"<!DOCTYPE" in upper or b"<!DOCTYPE" in upper.replace(b"\x00", b""):
        line = head[: max(upper.find(b"<!DOCTYPE"), 0)].count(b"\n") + 1
        entity = b"<!ENTITY" in upper
        reason = "declares entities (possible entity-expansion attack)" if entity else "has a DTD"
        raise FmdError(
            f"XML {reason}; DOCTYPE declarations are not allowed in FMD files",
            path=path,
            line=line,
            code="xml-doctype-refused",
        )


def iterparse(
    path: Path, events: tuple[str, ...] = ("start", "end"), tags: Sequence[str] | None = None
) -> Iterator[tuple[str, etree._Element]]:
    """Stream ``(event, element)`` pairs from a file with every dangerous feature off.

    ``tags`` restricts the events to elements of those local names (in any or no namespace);
    the others are still parsed and stay in the tree for the caller to walk.

    Raises ``FmdError`` naming the file and line for malformed, truncated or hostile XML.
    """
    spath = str(path)
    with path.open("rb") as handle:
        _refuse_doctype(handle, spath)
        context = etree.iterparse(
            handle,
            events=events,
            tag=[f"{{*}}{t}" for t in tags] if tags else None,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            recover=False,
        )
        first = True
        try:
            for event, element in context:
                if first:
                    first = False
                    docinfo = element.getroottree().docinfo
                    if docinfo.internalDTD is not None or docinfo.system_url:
                        raise FmdError(
                            "XML has a DTD; DOCTYPE declarations are not allowed in FMD files",
                            path=spath,
                            line=1,
                            code="xml-doctype-refused",
                        )
                yield event, element
        except etree.XMLSyntaxError as exc:
            line = exc.lineno if exc.lineno else None
            raise FmdError(
                f"malformed XML: {exc.msg}", path=spath, line=line, code="xml-malformed"
            ) from None


def drop_consumed(el: etree._Element) -> None:
    """Free a consumed element and its already-consumed preceding siblings, so the tree that
    ``iterparse`` builds never holds more than the element being read (libxml2 memory, which
    ``tracemalloc`` does not see; tests/test_streaming_memory.py measures it by peak RSS)."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]
