"""Deterministic plugin archives: the bytes whose sha256 is a release's identity.

``pack`` turns a plugin directory into a gzip'd tar whose bytes depend only on the files' paths,
contents and executable bits (sorted entries, mtime 0, uid/gid 0, fixed modes, gzip mtime 0), so the
same plugin always gets the same checksum. ``unpack`` is the other half and trusts nothing: archives
come from other people's hubs, so every member is checked before a single byte is written.
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


def _check_member(member: tarfile.TarInfo, seen: set[str]) -> str | None:
    """The member's safe relative name (None for the archive root ``.``), or ArchiveError saying why."""
    name = member.name
    path = PurePosixPath(name)
    if member.isdir() and name and not path.parts:
        return None
    if not path.parts or path.is_absolute() or name.startswith(("/", "\\")):
        raise ArchiveError(f"member {name!r} has an absolute path", subject="archive")
    if ".." in path.parts or "\\" in name:
        raise ArchiveError(f"member {name!r} escapes the archive (..)", subject="archive")
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
    for member in tar:
        if len(checked) >= max_members:
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
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = _members(tar, max_members)
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
    except ArchiveError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ArchiveError(f"not a valid plugin archive (tar.gz): {exc}".splitlines()[0],
                           subject="archive") from None
    except OSError as exc:
        raise ArchiveError(f"cannot unpack: {exc.strerror or exc}", subject=str(dest)) from None


__all__ = ["MAX_MEMBERS", "MAX_MEMBER_BYTES", "MAX_TOTAL_BYTES", "checksum", "pack", "unpack"]
