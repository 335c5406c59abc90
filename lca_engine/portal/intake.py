"""Turning uploaded bytes into files the importer may parse, refusing hostile uploads first.

An upload is untrusted until the importer has validated it. Before a byte reaches the disk or the
XML parser, this module refuses, with a named error:

- files over the size limit (counted while reading, never trusting a declared length);
- content that is not XML at all (the first non-blank character is not ``<``);
- zip archives with unsafe member names (absolute paths, ``..``, drive letters, NUL), with more
  members than any supplier sends, nested archives, or that inflate beyond the limits (a member
  is inflated with a bounded read, so a forged header cannot make it bigger than the limit).

XML attacks (external entities, entity expansion) are refused by the parser itself
(``fmd_parsers.xmlsafe`` rejects any DOCTYPE), so the portal shares the CLI's defence.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import BinaryIO

from fmd_parsers import FmdError

#: Largest single declaration accepted through the portal (bytes). The CLI's own limit
#: (GSCDM_MAX_FMD_BYTES) is larger because an operator chooses what the CLI reads.
MAX_UPLOAD_BYTES = int(os.environ.get("GSCDM_PORTAL_MAX_UPLOAD_BYTES", 32 * 1024 * 1024))
#: Most files in one zip: a supplier's whole catalogue for one OEM, not an archive of archives.
MAX_ZIP_MEMBERS = int(os.environ.get("GSCDM_PORTAL_MAX_ZIP_MEMBERS", 2000))
#: Most bytes a zip may inflate to in total.
MAX_ZIP_TOTAL_BYTES = int(os.environ.get("GSCDM_PORTAL_MAX_ZIP_TOTAL_BYTES", 512 * 1024 * 1024))
#: Highest compression ratio of a member. XML of FMDs compresses 10-30x; a zip bomb 1000x+.
MAX_COMPRESSION_RATIO = 200

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()+-]")


@dataclass(slots=True)
class IncomingFile:
    """One file ready for the importer: a safe base name and its bytes."""

    name: str
    data: bytes


@dataclass(slots=True)
class RefusedFile:
    """A file (or a whole archive) refused before parsing; nothing of it is stored."""

    name: str
    error: FmdError
    size: int = 0


def safe_name(name: str) -> str:
    """The base name of an uploaded file, with only harmless characters (for the archive path
    and for display); never empty."""
    base = PureWindowsPath(PurePosixPath(name.replace("\x00", "")).name).name
    cleaned = _SAFE_NAME.sub("_", base).strip(" .")[:200]
    return cleaned or "upload.xml"


def read_limited(stream: BinaryIO, name: str, limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """Read a stream, refusing it as soon as it passes ``limit`` bytes."""
    buffer = io.BytesIO()
    while chunk := stream.read(1 << 20):
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise FmdError(f"file is larger than the {limit / 1e6:.0f} MB upload limit "
                           "(GSCDM_PORTAL_MAX_UPLOAD_BYTES)", path=name, code="file-too-large")
    return buffer.getvalue()


def _check_xml(name: str, data: bytes) -> None:
    if not data:
        raise FmdError("file is empty", path=name, code="empty-file")
    head = data[:4096]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom):]
            break
    head = head.replace(b"\x00", b"").lstrip(b" \t\r\n")
    if not head.startswith(b"<"):
        shown = head[:16].decode("latin-1").encode("unicode_escape").decode("ascii")
        raise FmdError(f"content is not XML (starts with {shown!r}); the portal accepts "
                       "IPC-1752A and IEC 62474 XML files or a zip of them", path=name,
                       line=1, code="not-xml")


def _unsafe_member(name: str) -> str | None:
    """Why a member name is unsafe to extract, or None."""
    if "\x00" in name:
        return "contains a NUL character"
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or re.match(r"^[A-Za-z]:", normalised):
        return "is an absolute path"
    if ".." in normalised.split("/"):
        return "climbs out of the archive ('..')"
    return None


def _unzip(name: str, data: bytes) -> Iterator[IncomingFile | RefusedFile]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise FmdError(f"not a readable zip archive: {exc}", path=name,
                       code="zip-malformed") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise FmdError(f"zip holds {len(members)} entries, more than the {MAX_ZIP_MEMBERS} "
                       "allowed (GSCDM_PORTAL_MAX_ZIP_MEMBERS)", path=name,
                       code="zip-too-many-files")
    # Every name and size is checked before anything is inflated: a hostile archive is refused
    # as a whole, so none of its files is stored.
    declared_total = 0
    for info in members:
        reason = _unsafe_member(info.filename)
        if reason is not None:
            raise FmdError(f"zip entry {info.filename!r} {reason}; archive refused", path=name,
                           code="zip-path-traversal")
        if info.file_size > MAX_UPLOAD_BYTES:
            raise FmdError(f"zip entry {info.filename!r} inflates to {info.file_size} bytes, "
                           f"above the {MAX_UPLOAD_BYTES} byte limit; archive refused",
                           path=name, code="zip-bomb")
        if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
            raise FmdError(f"zip entry {info.filename!r} has a compression ratio of "
                           f"{info.file_size / info.compress_size:.0f}:1, above "
                           f"{MAX_COMPRESSION_RATIO}:1 (a zip bomb); archive refused",
                           path=name, code="zip-bomb")
        declared_total += info.file_size
    if declared_total > MAX_ZIP_TOTAL_BYTES:
        raise FmdError(f"zip inflates to {declared_total} bytes, above the "
                       f"{MAX_ZIP_TOTAL_BYTES} byte limit; archive refused", path=name,
                       code="zip-bomb")
    inflated = 0
    files: list[IncomingFile | RefusedFile] = []
    for info in members:
        if info.is_dir():
            continue
        member_name = f"{name}/{info.filename}"
        try:
            with archive.open(info) as handle:
                # Bounded: a header that lies about the size still cannot inflate past the limit.
                content = handle.read(MAX_UPLOAD_BYTES + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
            raise FmdError(f"zip entry {info.filename!r} cannot be read: {exc}", path=name,
                           code="zip-malformed") from None
        if len(content) > MAX_UPLOAD_BYTES or len(content) != info.file_size:
            raise FmdError(f"zip entry {info.filename!r} inflates beyond its declared size; "
                           "archive refused", path=name, code="zip-bomb")
        inflated += len(content)
        if inflated > MAX_ZIP_TOTAL_BYTES:
            raise FmdError("zip inflates beyond the total limit; archive refused", path=name,
                           code="zip-bomb")
        if content.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
            raise FmdError(f"zip entry {info.filename!r} is itself a zip; nested archives are "
                           "not accepted", path=name, code="zip-nested")
        files.append(IncomingFile(member_name, content))
    yield from files


def unpack(name: str, data: bytes) -> list[IncomingFile | RefusedFile]:
    """One uploaded file as the declarations it carries: itself, or a zip's members.

    A refused zip is one ``RefusedFile`` for the archive; a refused member of an otherwise
    sound zip is refused alone (it is just a bad file, like one uploaded on its own)."""
    display = name.replace("\x00", "")[:512] or "upload"
    if len(data) > MAX_UPLOAD_BYTES:
        return [RefusedFile(display, FmdError(
            f"file is larger than the {MAX_UPLOAD_BYTES / 1e6:.0f} MB upload limit "
            "(GSCDM_PORTAL_MAX_UPLOAD_BYTES)", path=display, code="file-too-large"), len(data))]
    if data.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
        try:
            members = list(_unzip(display, data))
        except FmdError as exc:
            return [RefusedFile(display, exc, len(data))]
        if not members:
            return [RefusedFile(display, FmdError("zip holds no files", path=display,
                                                  code="zip-empty"), len(data))]
        return [_checked(member) for member in members]
    return [_checked(IncomingFile(display, data))]


def _checked(incoming: IncomingFile | RefusedFile) -> IncomingFile | RefusedFile:
    if isinstance(incoming, RefusedFile):
        return incoming
    try:
        _check_xml(incoming.name, incoming.data)
    except FmdError as exc:
        return RefusedFile(incoming.name, exc, len(incoming.data))
    return incoming
