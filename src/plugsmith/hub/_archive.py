"""Deterministic plugin archives: the bytes whose sha256 is a release's identity.

``pack`` turns a plugin directory into a gzip'd tar whose bytes depend only on the files' paths,
contents and executable bits (sorted entries, mtime 0, uid/gid 0, fixed modes, gzip mtime 0), so the
same plugin always gets the same checksum. ``unpack`` is the other half and trusts nothing: archives
come from other people's hubs, so every member is checked before a single byte is written.

Headers are bounded as well as bodies. tarfile reads a PAX or GNU long-name header's whole body in one
``read`` before parsing it, and follows chained headers by recursion; ``unpack`` therefore hands it the
decompressed stream through ``_BoundedStream``, which refuses any single read above
``MAX_HEADER_BYTES`` and more than a few header blocks per allowed member while the members are being
listed. Every entry counts as a member, ``.`` included.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
import zlib
from pathlib import Path, PurePosixPath

from plugsmith.errors import ArchiveError

MAX_MEMBERS = 1000
MAX_MEMBER_BYTES = 8 * 1024 * 1024
MAX_TOTAL_BYTES = 32 * 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024  # one PAX / GNU long-name record
MAX_NAME_CHARS = 1024
MAX_DEPTH = 16  # directory levels below the plugin's root: walks of deeper trees ran out of recursion
HEADERS_PER_MEMBER = 4  # a member's own block plus PAX, GNU long name and long link records
SKIP_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
SKIP_SUFFIXES = (".pyc", ".pyo")


def checksum(data: bytes) -> str:
    """The content address of an archive: ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _entries(root: Path) -> list[tuple[str, Path]]:
    """Every (archive name, path) under root, sorted, refusing anything but files and directories."""
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        here = Path(dirpath)
        if dirnames and len(here.relative_to(root).parts) >= MAX_DEPTH:
            raise ArchiveError(f"the plugin nests directories more than {MAX_DEPTH} levels deep",
                               subject=str(root), hint="flatten the plugin's directory")
        if len(found) + len(dirnames) + len(filenames) > MAX_MEMBERS:
            raise ArchiveError(f"the plugin holds more than {MAX_MEMBERS} files and directories",
                               subject=str(root), hint="a plugin is a few small files")
        for name in [*dirnames, *filenames]:
            path = here / name
            if name.endswith(SKIP_SUFFIXES):
                continue
            mode = path.lstat().st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise ArchiveError(
                    "only regular files and directories can be packed (found a link or special file)",
                    subject=str(path), hint="replace the link with a copy of the file",
                )
            found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def _info(name: str, path: Path) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    st = path.lstat()
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    else:
        info.type = tarfile.REGTYPE
        info.mode = 0o755 if st.st_mode & 0o111 else 0o644
        info.size = st.st_size
    return info


def pack(plugin_dir: Path) -> bytes:
    """Pack a plugin directory into a deterministic tar.gz (same files -> same bytes).

    >>> checksum(pack(d)) == checksum(pack(d))  # doctest: +SKIP
    True
    """
    root = Path(plugin_dir)
    if not root.is_dir():
        raise ArchiveError("not a directory", subject=str(root), hint="give the plugin's directory")
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, path in _entries(root):
            info = _info(name, path)
            if info.isdir():
                tar.addfile(info)
            else:
                with path.open("rb") as fh:
                    tar.addfile(info, fh)
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


class _BoundedStream:
    """The decompressed tar stream as tarfile sees it, with reads bounded (see the module docstring).

    ``listing`` is on while the members are read and checked; extraction turns it off, when single
    reads of a member's body (at most ``MAX_MEMBER_BYTES``, already checked) are legitimate.
    """

    def __init__(self, raw: gzip.GzipFile, max_members: int) -> None:
        self.raw = raw
        self.listing = True
        self.header_blocks = 0
        self.max_blocks = HEADERS_PER_MEMBER * max_members + 2

    def read(self, size: int = -1) -> bytes:
        if self.listing:
            if size < 0 or size > MAX_HEADER_BYTES:
                shown = "unbounded" if size < 0 else f"{size}-byte"
                raise ArchiveError(f"a {shown} header record (limit {MAX_HEADER_BYTES} bytes)",
                                   subject="archive")
            if size == tarfile.BLOCKSIZE:
                self.header_blocks += 1
                if self.header_blocks > self.max_blocks:
                    raise ArchiveError(f"archive has more than {self.max_blocks} header blocks",
                                       subject="archive")
        return self.raw.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()


def _check_member(member: tarfile.TarInfo, seen: set[str]) -> str | None:
    """The member's safe relative name (None for the archive root ``.``), or ArchiveError saying why."""
    name = member.name
    if len(name) > MAX_NAME_CHARS:
        raise ArchiveError(f"member name of {len(name)} characters (limit {MAX_NAME_CHARS})",
                           subject="archive")
    path = PurePosixPath(name)
    if member.isdir() and name and not path.parts:
        return None
    if not path.parts or path.is_absolute() or name.startswith(("/", "\\")):
        raise ArchiveError(f"member {name!r} has an absolute path", subject="archive")
    if ".." in path.parts or "\\" in name:
        raise ArchiveError(f"member {name!r} escapes the archive (..)", subject="archive")
    if len(path.parts) > MAX_DEPTH + 1:
        raise ArchiveError(f"member {name[:80]!r} nests more than {MAX_DEPTH} directories deep",
                           subject="archive")
    if member.issym() or member.islnk():
        raise ArchiveError(f"member {name!r} is a link; links are not allowed", subject="archive")
    if not (member.isfile() or member.isdir()):
        raise ArchiveError(f"member {name!r} is a device, fifo or other special file", subject="archive")
    if member.size > MAX_MEMBER_BYTES:
        raise ArchiveError(f"member {name!r} is {member.size} bytes (limit {MAX_MEMBER_BYTES})",
                           subject="archive")
    clean = path.as_posix().rstrip("/")
    if clean in seen:
        raise ArchiveError(f"member {name!r} appears twice", subject="archive")
    seen.add(clean)
    return clean


def _members(tar: tarfile.TarFile, max_members: int) -> list[tuple[str, tarfile.TarInfo]]:
    checked: list[tuple[str, tarfile.TarInfo]] = []
    seen: set[str] = set()
    total = 0
    for count, member in enumerate(tar, start=1):
        if count > max_members:  # every entry counts, the archive root ``.`` included
            raise ArchiveError(f"archive has more than {max_members} members", subject="archive")
        clean = _check_member(member, seen)
        if clean is None:
            continue
        total += member.size
        if total > MAX_TOTAL_BYTES:
            raise ArchiveError(f"archive unpacks to more than {MAX_TOTAL_BYTES} bytes", subject="archive")
        checked.append((clean, member))
    return checked


def unpack(data: bytes, dest: Path, *, max_members: int = MAX_MEMBERS) -> None:
    """Unpack an archive into ``dest`` after checking every member; refuses anything unsafe.

    All members are checked before anything is written, so a refused archive leaves ``dest`` untouched.
    """
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb") as raw:
            stream = _BoundedStream(raw, max_members)
            with tarfile.open(fileobj=stream, mode="r:") as tar:  # type: ignore[call-overload]
                members = _members(tar, max_members)
                stream.listing = False
                _extract(tar, members, dest)
    except ArchiveError:
        raise
    except RecursionError:
        raise ArchiveError("archive headers are chained too deeply", subject="archive") from None
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ArchiveError(f"not a valid plugin archive (tar.gz): {exc}".splitlines()[0],
                           subject="archive") from None
    except OSError as exc:
        raise ArchiveError(f"cannot unpack: {exc.strerror or exc}", subject=str(dest)) from None


def _extract(tar: tarfile.TarFile, members: list[tuple[str, tarfile.TarInfo]], dest: Path) -> None:
    """Write the checked members under ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for clean, member in members:
        target = dest / clean
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        if source is None:  # pragma: no cover - isfile() members always have data
            raise ArchiveError(f"member {clean!r} has no data", subject="archive")
        target.write_bytes(source.read(member.size))
        target.chmod(0o755 if member.mode & 0o111 else 0o644)

__all__ = ["MAX_HEADER_BYTES", "MAX_MEMBERS", "MAX_MEMBER_BYTES", "MAX_TOTAL_BYTES", "checksum", "pack",
           "unpack"]
