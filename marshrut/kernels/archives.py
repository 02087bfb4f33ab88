"""Look inside a ZIP container (XLSX, DOCX, ODS, ODT) before any reader inflates it.

A domain kernel: plain bytes in, plain data or :class:`ArchiveError` with a Russian message out.

Readers of office files (python-docx, openpyxl, calamine) read whole members into memory, and a
member's declared size can lie, so a «zip bomb» of a few kilobytes would make them inflate
gigabytes. :func:`inspect_zip` inflates every member in small steps without keeping the output,
counts the real bytes and stops as soon as the total passes the budget. On the way it looks for
document type declarations: office files never carry one, and a ``<!DOCTYPE``/``<!ENTITY`` in a
member is how external-entity (XXE) and entity-expansion attacks begin.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

__all__ = ["DEFAULT_MAX_UNPACKED", "MAX_MEMBERS", "ArchiveError", "ZipContents", "inspect_zip"]

DEFAULT_MAX_UNPACKED = 256 * 1024 * 1024
MAX_MEMBERS = 10_000
_STEP_IN = 64 * 1024
_STEP_OUT = 1024 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_TAIL = max(len(m) for m in _DTD_MARKERS) - 1

MSG_BROKEN = "Файл повреждён: не удалось открыть его как документ."


class ArchiveError(ValueError):
    """The container is refused; ``message`` is Russian text for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ZipContents:
    names: frozenset[str]
    unpacked: int  # bytes, really inflated


def inspect_zip(data: bytes, *, max_unpacked: int = DEFAULT_MAX_UNPACKED) -> ZipContents:
    """Member names and real unpacked size of a ZIP container, or :class:`ArchiveError`."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
        raise ArchiveError(MSG_BROKEN) from error
    if len(members) > MAX_MEMBERS:
        raise ArchiveError(_too_big(max_unpacked))
    declared = sum(m.file_size for m in members)
    if declared > max_unpacked:
        raise ArchiveError(_too_big(max_unpacked))
    total = 0
    for member in members:
        if member.is_dir():
            continue
        total += _inflate(data, member, max_unpacked - total, max_unpacked)
    return ZipContents(frozenset(m.filename for m in members), total)


def _too_big(limit: int) -> str:
    return (
        "Файл отклонён: в распакованном виде он больше "
        f"{limit // 2**20} МБ (так бывает у «zip-бомб»). Сохраните документ заново и загрузите его."
    )


def _inflate(data: bytes, member: zipfile.ZipInfo, budget: int, limit: int) -> int:
    """Inflate one member without keeping it: its real size; refuses past ``budget``."""
    offset = member.header_offset
    header = data[offset : offset + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise ArchiveError(MSG_BROKEN)
    name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
    start = offset + _LOCAL_HEADER.size + name_length + extra_length
    raw = memoryview(data)[start : start + member.compress_size]
    xml = member.filename.endswith((".xml", ".rels", ".vml"))
    if member.compress_type == zipfile.ZIP_STORED:
        if len(raw) > budget:
            raise ArchiveError(_too_big(limit))
        if xml:
            _check_markup(bytes(raw))
        return len(raw)
    if member.compress_type != zipfile.ZIP_DEFLATED:
        raise ArchiveError(MSG_BROKEN)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size, tail = 0, b""
    try:
        for begin in range(0, len(raw), _STEP_IN):
            chunk = bytes(raw[begin : begin + _STEP_IN])
            while chunk:
                out = inflater.decompress(chunk, _STEP_OUT)
                chunk = inflater.unconsumed_tail
                size += len(out)
                if size > budget:
                    raise ArchiveError(_too_big(limit))
                if xml:
                    tail = _check_markup(tail + out)[-_TAIL:]
                if inflater.eof:
                    break
            if inflater.eof:
                break
    except zlib.error as error:
        raise ArchiveError(MSG_BROKEN) from error
    return size


def _check_markup(text: bytes) -> bytes:
    if any(marker in text for marker in _DTD_MARKERS):
        raise ArchiveError(
            "Файл отклонён: внутри документа есть объявление DTD (<!DOCTYPE>), какого не бывает "
            "в файлах Word, Excel и LibreOffice. Сохраните документ заново и загрузите его."
        )
    return text
