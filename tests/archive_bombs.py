"""Crafted hostile archives (shared by the archive tests and benchmarks/archive_bombs.py; no tests here).

Each builder streams its tar through zlib, so a multi-GiB decompressed archive is made in bounded
memory and comes out tiny (runs of one byte compress about 1000:1).
"""

from __future__ import annotations

import tarfile
import zlib
from collections.abc import Iterable, Iterator

BLOCK = 512
CHUNK = 1 << 20


def gzip_stream(parts: Iterable[bytes]) -> bytes:
    """gzip (wbits 31) of the concatenated parts, compressed as they come."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [comp.compress(part) for part in parts]
    out.append(comp.flush())
    return b"".join(out)


def header(name: str, *, size: int = 0, kind: bytes = tarfile.REGTYPE) -> bytes:
    """One 512-byte ustar header block."""
    info = tarfile.TarInfo(name)
    info.size, info.type, info.mode = size, kind, 0o755 if kind == tarfile.DIRTYPE else 0o644
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def _padding(size: int) -> bytes:
    return b"\0" * (-size % BLOCK)


def _repeat(byte: bytes, count: int) -> Iterator[bytes]:
    chunk = byte * CHUNK
    while count > 0:
        yield chunk[: min(count, CHUNK)]
        count -= CHUNK


def pax_bomb(record_bytes: int) -> bytes:
    """A PAX extended header holding one ``path=aaa…`` record of about ``record_bytes`` bytes, then an
    ordinary file. tarfile reads a PAX header's whole body in one call before parsing it."""
    value = record_bytes - 16
    length = len(" path=") + value + 1
    length += len(str(length + len(str(length))))
    prefix = f"{length} path=".encode()

    def parts() -> Iterator[bytes]:
        yield header("././@PaxHeader", size=length, kind=tarfile.XHDTYPE)
        yield prefix
        yield from _repeat(b"a", value)
        yield b"\n" + _padding(length)
        yield header("plugin.py", size=0)
        yield b"\0" * (2 * BLOCK)

    return gzip_stream(parts())


def dot_flood(count: int) -> bytes:
    """``count`` directory entries named ``.`` (each a bare 512-byte header)."""
    dot = header(".", kind=tarfile.DIRTYPE)

    def parts() -> Iterator[bytes]:
        batch = dot * 2048
        left = count
        while left > 0:
            yield batch[: min(left, 2048) * BLOCK]
            left -= 2048
        yield b"\0" * (2 * BLOCK)

    return gzip_stream(parts())


def pax_chain(count: int) -> bytes:
    """``count`` PAX headers in a row, each applying to the next (tarfile recurses once per header)."""
    record = b"19 comment=hello12\n"
    assert len(record) == 19
    block = header("././@PaxHeader", size=len(record), kind=tarfile.XHDTYPE) + record + _padding(len(record))
    return gzip_stream([block * count, header("plugin.py"), b"\0" * (2 * BLOCK)])


__all__ = ["dot_flood", "gzip_stream", "header", "pax_bomb", "pax_chain"]
