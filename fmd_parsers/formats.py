"""Which parser reads a file: decided by the root element, never by the file name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import iec62474, ipc1752
from .errors import FmdError
from .model import Declaration
from .validation import DEFAULT_POLICY, ValidationPolicy
from .xmlsafe import file_facts, iterparse, local_name

Parser = Callable[[Path, ValidationPolicy], Declaration]

PARSERS: dict[str, tuple[str, Parser]] = {
    ipc1752.ROOT: (ipc1752.FORMAT, ipc1752.parse_ipc1752),
    iec62474.ROOT: (iec62474.FORMAT, iec62474.parse_iec62474),
}

#: File suffixes treated as FMD declarations when a folder is imported.
FMD_SUFFIXES = frozenset({".xml"})


def detect_format(path: str | Path) -> str:
    """The declaration format of an XML file, from its root element."""
    path = Path(path)
    file_facts(path)
    for _, element in iterparse(path, events=("start",)):
        root = local_name(element.tag)
        if root in PARSERS:
            return PARSERS[root][0]
        raise FmdError(
            f"root element <{root}> is neither IPC-1752A <{ipc1752.ROOT}> nor IEC 62474 "
            f"<{iec62474.ROOT}>", path=str(path), line=element.sourceline, field=root,
            code="wrong-format")
    raise FmdError("file has no root element", path=str(path), code="xml-malformed")


def parse_declaration(path: str | Path, policy: ValidationPolicy = DEFAULT_POLICY) -> Declaration:
    """Parse any supported FMD file into a validated ``Declaration``."""
    path = Path(path)
    fmt = detect_format(path)
    for name, parser in PARSERS.values():
        if name == fmt:
            return parser(path, policy)
    raise AssertionError(fmt)  # detect_format only returns known formats
